"""The NI's monthly governance dashboard: the five groups for one month, SPC in the MDC style.

One page for the governance meeting the Nominated Individual chairs (the
involvement guide): which service to ask about (a heat-table of each
service's month and SPC verdict), then the guide's five groups, each metric
with its value and n, its target, its verdict in words and icons (the
board's, :mod:`auditlib.report.board`) and a compact SPC chart by month; then
the month's NI case samples per site, late summaries and overdue actions,
listed for internal readers and counted for everyone else.

It runs through the same machinery as the quarterly report
(:mod:`auditlib.report.runner`, kind ``dashboard``): :func:`read_dashboard_params`
checks the parameters before any kernel, :func:`open_dashboard` is the one
call of its notebook, and the built :class:`~auditlib.report.model.Report`
holds only what the audience may see. See docs/dashboard.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from functools import cached_property
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._words import join
from ..contract import TABLES
from ..dataset import Dataset
from ..errors import AuditlibError, ReportError
from ..metrics import METRICS
from ..periods import Period, parse_period, period_containing
from ..scope import restrict, scoped_metrics
from ..spc import MIN_POINTS
from ..trends import metric_trends
from . import governance
from .blocks import Figure, Heading, Section, Table, Text
from .board import NO_TARGET, TOO_FEW, board_summary, variation_icon
from .disclosure import RULE as DISCLOSURE_RULE
from .disclosure import suppress
from .groups import GROUPS
from .model import Inputs, Report
from .params import AUDIENCES, ReportParams, _as_of, _flag, _services, _text
from .publish import WITHHELD, publish_metrics
from .sections import _capital, _public_points, _trend_alt, _versions

__all__ = [
    "KEY_METRICS",
    "SECTION_TITLES",
    "DashboardParams",
    "build_dashboard",
    "open_dashboard",
    "read_dashboard_params",
]

TREND_MONTHS = 24
"""Months on each SPC chart, ending with the dashboard's month."""

KEY_METRICS = (
    "participation_reviews",
    "monthly_review_coverage",
    "summaries_5wd",
    "actions_on_time",
    "feel_involved_agree",
    "training_current",
)
"""The measures of the at-a-glance heat-table: one or two per group, measured every month."""

SECTION_TITLES: dict[str, str] = {
    "glance": "At a glance: which service to ask about",
    **{key: title for key, (title, _) in GROUPS.items()},
    "governance": "This month's governance: NI case samples, late summaries, overdue actions",
    "methods": "How to read this dashboard",
}
"""Every section of the dashboard, in order, by key."""


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class DashboardParams:
    """Everything that decides what a dashboard says, checked."""

    dataset: str
    month: Period
    services: tuple[str, ...] | None
    as_of: date
    audience: str
    calendar_quarters: bool = False

    scope_slug = ReportParams.scope_slug  # the same folder words for the same services

    @property
    def folder_name(self) -> str:
        """The dashboard folder's name: month, scope and audience."""
        return f"{self.month.label}_{self.scope_slug}_{self.audience}"

    @property
    def label(self) -> str:
        """How progress lines name the run."""
        return f"the {self.month.start:%B %Y} dashboard ({self.audience})"

    def notebook_values(self) -> dict[str, Any]:
        """The checked parameters as the plain values papermill passes to the notebook."""
        return {
            "dataset": str(Path(self.dataset).resolve()),
            "month": self.month.label,
            "services": "" if self.services is None else ",".join(self.services),
            "as_of": self.as_of.isoformat(),
            "audience": self.audience,
            "calendar_quarters": self.calendar_quarters,
        }

    def as_plain(self) -> dict[str, Any]:
        """The parameters as JSON-ready values, for the manifest."""
        plain = asdict(self)
        plain["month"] = self.month.label
        plain["month_dates"] = [self.month.start.isoformat(), self.month.end.isoformat()]
        plain["services"] = None if self.services is None else list(self.services)
        plain["as_of"] = self.as_of.isoformat()
        return plain


def read_dashboard_params(
    data: Dataset,
    *,
    month: Any = "latest",
    services: Any = "",
    as_of: Any = "",
    audience: Any = "internal",
    calendar_quarters: Any = False,
    today: date | None = None,
) -> DashboardParams:
    """Check the dashboard's parameters against the loaded dataset ``data``.

    ``month`` is a month like ``2026-10``, or blank / ``latest`` for the last
    complete month on the as-of date. A month that starts after the as-of
    date, or holds no dated record of any kind for the chosen services, is
    refused: there is nothing to show for it.
    """
    calendar = _flag(calendar_quarters, "calendar_quarters")
    day = _as_of(as_of, today or date.today())
    chosen = _services(services, data)
    who = _text(audience, "audience") or "internal"
    if who not in AUDIENCES:
        raise ReportError(f"audience {who!r}: expected one of {', '.join(AUDIENCES)}")
    period = _month(month, day, calendar)
    _has_records(restrict(data, chosen), period, day)
    return DashboardParams(str(data.path), period, chosen, day, who, calendar)


def _month(value: Any, as_of: date, calendar: bool) -> Period:
    text = value.label if isinstance(value, Period) else _text(value, "month")
    if text.lower() in ("", "latest"):
        current = period_containing(as_of, "month", not calendar)
        return current if current.end <= as_of else current.previous()
    try:
        period = parse_period(text, calendar_quarters=calendar)
    except AuditlibError as error:
        raise ReportError(f"month: {error}") from None
    if period.kind != "month":
        raise ReportError(f"month must be a month like 2026-10, not the quarter {text}")
    if period.start > as_of:
        raise ReportError(
            f"month {period} starts after the as-of date {as_of.isoformat()}: nothing in it "
            "has happened yet"
        )
    return period


def _has_records(data: Dataset, month: Period, as_of: date) -> None:
    """Refuse a month with no dated record of any kind (meeting, decision, response, event...).

    The registers of people and staff are dated by when someone started, which says
    nothing about the month's involvement work, so they do not count.
    """
    start, end = pd.Timestamp(month.start), pd.Timestamp(min(month.end, as_of))
    for name, table in data.tables.items():
        column = TABLES[name].dated_by
        if column and column in table and name not in _REGISTERS:
            days = table[column]
            if ((days >= start) & (days < end + pd.Timedelta(days=1))).any():
                return
    raise ReportError(
        f"month {month}: the dataset has no dated record of any kind in it (no meeting, "
        "decision, referral, response, supervision or governance event) for the chosen "
        "services: there is no data for a dashboard"
    )


# --------------------------------------------------------------------------- the numbers


_REGISTERS = ("people", "staff")


class _Inputs(Inputs):
    """The quarterly report's inputs, for one month: metrics, trends and the governance lists."""

    @cached_property
    def month_metrics(self) -> pd.DataFrame:
        p = self.params
        return scoped_metrics(self.data, [p.month], as_of=p.as_of, services=self.wanted)

    @cached_property
    def published(self) -> pd.DataFrame:
        return publish_metrics(self.month_metrics, public=self.public)

    @cached_property
    def trends(self):
        p = self.params
        return metric_trends(
            self.data, p.month, months=TREND_MONTHS, services=self.wanted, as_of=p.as_of,
            targets=self.targets.dropna().to_dict(), calendar_quarters=p.calendar_quarters,
        )  # fmt: skip

    @cached_property
    def board(self) -> pd.DataFrame:
        """The board's row of every metric for the month (targets, verdicts, icons), by id."""
        summary = self.trends.summary
        board = board_summary(
            _all(self.month_metrics), summary[summary["scope"] == "ALL"], self.targets
        )
        return board.set_index("metric_id")

    @cached_property
    def service_ids(self) -> list[str]:
        return self.wanted or self.data.services["service_id"].astype(str).tolist()

    @cached_property
    def late(self) -> pd.DataFrame:
        return governance.late_summaries(self.scoped, self.params.month, as_of=self.params.as_of)

    @cached_property
    def overdue(self) -> pd.DataFrame:
        return governance.overdue_actions(self.scoped, self.params.month, as_of=self.params.as_of)

    @cached_property
    def samples(self) -> pd.DataFrame:
        return governance.ni_case_samples(self.scoped, self.params.month, as_of=self.params.as_of)


def open_dashboard(dataset: Any, *, today: date | None = None, **parameters: Any) -> Report:
    """Load ``dataset``, check the parameters (as papermill passes them), build the dashboard."""
    from .notebook import notebook_dataset

    data = notebook_dataset(dataset, today=today, parameters=parameters)
    return build_dashboard(data, read_dashboard_params(data, today=today, **parameters))


def build_dashboard(data: Dataset, params: DashboardParams) -> Report:
    """Everything the monthly dashboard shows, cut to ``params``' audience."""
    inputs = _Inputs(data, params)
    built = {"glance": _glance(inputs, SECTION_TITLES["glance"])}
    for key in GROUPS:
        built[key] = _group(inputs, key)
    built["governance"] = _governance(inputs, SECTION_TITLES["governance"])
    built["methods"] = _methods(inputs, SECTION_TITLES["methods"])
    p = params
    title = f"Governance dashboard: {inputs.place}, {p.month.start:%B %Y}"
    settings = inputs.trends.settings
    subtitle = (
        f"{p.month}; SPC by month over the {settings['months']} months "
        f"{settings['first_month']:%b %Y} – {settings['last_month']:%b %Y}; data as of "
        f"{p.as_of.day} {p.as_of:%B %Y}. Made by auditlib from dataset "
        f"{data.fingerprint()[:12]}."
    )
    return Report(p, title, subtitle, built, _provenance(inputs))


# --------------------------------------------------------------------------- at a glance


def _glance(inputs: _Inputs, title: str) -> Section:
    """Services x key measures: the month's value, coloured and marked by its SPC verdict."""
    summary = inputs.trends.summary.set_index(["scope", "metric_id"])
    values = inputs.published.set_index(["scope", "metric_id"])
    names = inputs.data.services.set_index("service_id")["service_name"].astype(str)
    keys = pd.MultiIndex.from_product([inputs.service_ids, KEY_METRICS])
    shown_value = values["value_text"].reindex(keys).fillna("").to_numpy(dtype=object)
    row = summary.reindex(keys)
    verdict = _verdict_kind(row)
    if inputs.public:  # no verdict on a month whose own number is not published
        verdict = np.where(shown_value == WITHHELD, "withheld", verdict)
    icons = row["variation_icon"].where(verdict != "few").where(verdict != "withheld")
    icon_html = icons.map(lambda code: variation_icon(code) if isinstance(code, str) else "")
    cells = [
        f'<span class="heat heat-{v}">{i}{escape(str(t))}<small>{_GLANCE_WORDS[v]}</small></span>'
        for v, i, t in zip(verdict, icon_html, shown_value, strict=True)
    ]
    shape = (len(inputs.service_ids), len(KEY_METRICS))
    labels = [_capital(METRICS[m].label) for m in KEY_METRICS]
    shown = pd.DataFrame(np.asarray(cells, dtype=object).reshape(shape), columns=labels)
    shown.insert(0, "Service", names.reindex(inputs.service_ids).to_numpy())
    shown.insert(1, "Ask about", _ask_about(inputs, summary))
    data = pd.DataFrame(
        {
            "service_id": keys.get_level_values(0),
            "metric_id": keys.get_level_values(1),
            "value_text": shown_value,
            "verdict": [_GLANCE_WORDS[v] for v in verdict],
        }
    )
    month = f"{inputs.params.month.start:%b %Y}"
    blocks = [
        Text(
            f"Each service's {month} value for six measures taken every month, marked by its "
            "SPC verdict over the last 24 months: orange is a special cause concern, blue an "
            "improvement, grey common cause. 'Ask about' lists every measure whose latest month "
            "is a concern. A service with too few months gets no verdict.",
            kind="note",
        ),
        Table("glance", f"Per service, {month}", shown, data,
              html_columns=tuple(labels)),
    ]  # fmt: skip
    return Section("glance", title, blocks)


_GLANCE_WORDS = {
    "concern": "concern",
    "improvement": "improvement",
    "neutral": "special cause",
    "common": "common cause",
    "few": "too few months",
    "none": "no data",
    "withheld": "not published",
}


def _verdict_kind(rows: pd.DataFrame) -> np.ndarray:
    """The heat-table's colour word per summary row; ``few`` below MIN_POINTS months."""
    code = rows["variation_icon"].fillna("").astype(str)
    kind = code.str.split("_").str[0].replace({"common": "common", "": "none"})
    few = ~(rows["baseline_points"].astype(float) >= MIN_POINTS)
    charted = rows["n_points"].fillna(0).astype(float) > 0
    return np.where(~charted, "none", np.where(few, "few", kind)).astype(object)


def _ask_about(inputs: _Inputs, summary: pd.DataFrame) -> np.ndarray:
    """Per service, every measure (not only the key ones) whose latest month is a concern."""
    rows = summary.reset_index()
    rows = rows[rows["scope"].isin(inputs.service_ids)]
    concern = (rows["variation_icon"].fillna("").str.startswith("concern")) & (
        rows["baseline_points"].astype(float) >= MIN_POINTS
    )
    if inputs.public:  # a concern on an unpublished month would describe it
        hidden = inputs.published.set_index(["scope", "metric_id"])["value_text"] == WITHHELD
        key = pd.MultiIndex.from_frame(rows[["scope", "metric_id"]])
        concern &= ~hidden.reindex(key).fillna(False).to_numpy(dtype=bool)
    labels = rows.loc[concern.to_numpy(dtype=bool)]
    listed = labels.groupby("scope")["label"].agg("; ".join)
    return listed.reindex(inputs.service_ids).fillna("nothing").to_numpy(dtype=object)


# --------------------------------------------------------------------------- the five groups


def _group(inputs: _Inputs, key: str) -> Section:
    """One group: each metric's value, target and verdict in a table, then its SPC charts."""
    title, metric_ids = GROUPS[key]
    ids = list(metric_ids)
    board = inputs.board.reindex(ids)
    published = _all(inputs.published).set_index("metric_id").reindex(ids)
    summary = inputs.trends.summary
    trend = summary[summary["scope"] == "ALL"].set_index("metric_id").reindex(ids)
    words = _in_words(board, trend)
    month = f"{inputs.params.month.start:%b %Y}"
    shown = pd.DataFrame(
        {
            "Measure": board["label"].map(_capital).to_numpy(),
            f"{month} (n)": published["value_text"].to_numpy(),
            "Target": board["target_text"].to_numpy(),
            "SPC": (board["variation_icon"] + board["assurance_icon"]).to_numpy(),
            "In words": words,
        }
    )
    data = published[["numerator", "denominator", "value", "status", "value_text"]]
    data = data.assign(label=board["label"], target=board["target_text"],
                       variation=board["variation"], assurance=board["assurance"],
                       in_words=words).reset_index()  # fmt: skip
    blocks: list = [
        Table(f"dashboard_{key}", f"All chosen services, {inputs.params.month}", shown, data,
              html_columns=("SPC",)),
    ]  # fmt: skip
    blocks += [_chart(inputs, metric_id) for metric_id in metric_ids]
    return Section(key, title, blocks)


def _all(metrics: pd.DataFrame) -> pd.DataFrame:
    return metrics[metrics["scope"] == "ALL"].reset_index(drop=True)


def _in_words(board: pd.DataFrame, trend: pd.DataFrame) -> np.ndarray:
    """The latest month's verdict, recent special-cause months (when the trends give them) and
    the assurance, in words; the board's own words where there is no verdict."""
    recent = trend.get("recent_special_cause", pd.Series("", index=trend.index)).fillna("")
    few = (board["variation"] == TOO_FEW).to_numpy()
    assurance = board["assurance"].fillna("").astype(str)
    parts = [
        board["variation"].fillna("").astype(str).to_numpy(dtype=object),
        np.where((recent != "") & ~few, "recent special cause: " + recent.astype(str), ""),
        np.where((assurance != NO_TARGET) & ~few, "assurance: " + assurance, ""),
    ]
    return join(parts, "; ")


def _chart(inputs: _Inputs, metric_id: str) -> Figure:
    """The compact SPC chart of one metric for ALL; with too few months, a plain line that
    says so and shows no limits, markers or verdict."""
    from matplotlib.figure import Figure as MplFigure

    from ..charts import spc_chart

    result = inputs.trends
    points, row = result.series(("ALL", metric_id))
    points = _public_points(points) if inputs.public else points.copy()
    few = not float(row["baseline_points"]) >= MIN_POINTS
    if few:
        row, points = _without_verdict(row, points)
    points.attrs["spc_settings"] = result.settings
    info, settings = METRICS[metric_id], result.settings
    subtitle = (
        f"{settings['first_month']:%b %Y} – {settings['last_month']:%b %Y}: "
        f"{int(row['n_points'])} of {int(row['months'])} months with data"
    )
    figure = MplFigure(figsize=_CHART_SIZE)
    figure.subplots_adjust(**_MARGINS)  # fixed margins: constrained layout doubles the drawing
    ax = figure.add_subplot()
    boxed = row.drop("recent_special_cause", errors="ignore")  # too long for a small chart's box
    spc_chart(points, boxed, title=_capital(info.label), subtitle=subtitle, ax=ax,
              percent=info.kind == "proportion")  # fmt: skip
    _compact(ax)
    alt = _trend_alt(row, settings)
    data = points[["month", "numerator", "denominator", "value", "status", "mean", "lpl",
                   "upl", "point_type"]]  # fmt: skip
    return Figure.from_matplotlib(
        f"trend_{metric_id}", figure, alt=alt, caption=alt, data=data.reset_index(drop=True)
    )


_CHART_SIZE = (4.8, 3.0)  # inches: three to a row on a desktop, one on a phone
_MARGINS = {"left": 0.12, "right": 0.985, "top": 0.76, "bottom": 0.1}


def _compact(ax) -> None:
    """A small multiple: the key is given once on the page (methods), not under every chart,
    and fewer date ticks, so nothing collides at a third of the page's width. The recent
    special-cause months are in the group's table and the chart's alt text."""
    from matplotlib import dates as mdates

    ax.get_legend().remove()
    locator = mdates.MonthLocator(bymonth=(1, 7))
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _without_verdict(row: pd.Series, points: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """A series too short for SPC: its verdict replaced by the reason, limits and special-cause
    markers removed, so the chart cannot suggest what the data cannot support."""
    n = int(row["baseline_points"])
    row = row.copy()
    row["variation"] = (
        f"no verdict, only {n} month{'s' if n != 1 else ''} with data (SPC needs {MIN_POINTS})"
    )
    for column in ("assurance", "warning", "recent_special_cause", "target"):
        if column in row:
            row[column] = None
    points = points.copy()
    points[["mean", "lpl", "upl"]] = np.nan
    points["point_type"] = points["point_type"].where(points["missing"], "common_cause")
    return row, points


# --------------------------------------------------------------------------- governance


def _governance(inputs: _Inputs, title: str) -> Section:
    """NI case samples per site against two each; late summaries; overdue actions."""
    p = inputs.params
    sites = governance.samples_by_site(inputs.data, inputs.samples, inputs.service_ids)
    counts = governance.governance_counts(inputs.late, inputs.overdue, inputs.service_ids)
    if inputs.public:
        sites = suppress(sites, counts=["samples"], rates={"short_by": ["samples"]}).table
        counts = suppress(counts, counts=["late_summaries", "overdue_actions"],
                          total=("scope", "ALL")).table  # fmt: skip
    names = inputs.data.services.set_index("service_id")["service_name"].astype(str)
    due = min(p.month.end, p.as_of)
    blocks: list = [
        Text(
            f"NI case samples held in {p.month.start:%B %Y}, against {governance.SAMPLES_PER_SITE} "
            f"per site; reviews held in the month whose summary went out more than "
            f"{governance.SUMMARY_DAYS} working days after the review, or had not gone out by "
            f"{p.as_of:%d %b %Y} with the deadline passed; actions due by {due:%d %b %Y} and "
            f"still open on {p.as_of:%d %b %Y}, whenever they were set.",
            kind="note",
        ),
        Table("ni_case_samples_by_site", f"NI case samples per site, {p.month.label}",
              sites.rename(columns=_SITE_NAMES), sites),
        Table("late_and_overdue", f"Late summaries and overdue actions, {p.month.label}",
              counts.assign(scope=counts["scope"].map(names).fillna("All chosen services"))
              .rename(columns=_COUNT_NAMES), counts),
    ]  # fmt: skip
    if inputs.internal:
        blocks += _lists(inputs, names)
    else:
        blocks.append(
            Text(
                "The meetings, people and actions behind these counts are listed in the "
                "internal version of this dashboard only.",
                kind="note",
            )
        )
    return Section("governance", title, blocks)


_SITE_NAMES = {"site": "Site", "services": "Services", "samples": "Samples held",
               "expected": "Expected", "short_by": "Short by"}  # fmt: skip
_COUNT_NAMES = {"scope": "Service", "late_summaries": "Late summaries",
                "overdue_actions": "Open actions past due"}  # fmt: skip


def _lists(inputs: _Inputs, names: pd.Series) -> list:
    """Internal only: the samples, reviews and actions behind each count, with their ids."""
    lists = [
        ("ni_case_sample_list", "NI case samples", inputs.samples, _SAMPLE_LIST),
        ("late_summary_list", "Late summaries", inputs.late, _LATE_LIST),
        ("overdue_action_list", "Open actions past due, longest first", inputs.overdue,
         _ACTION_LIST),
    ]  # fmt: skip
    blocks: list = [Heading("The lists behind the counts (internal only)")]
    for name, what, rows, columns in lists:
        shown = _dated(rows.assign(service_id=rows["service_id"].map(names)))
        shown = shown.rename(columns=columns)
        caption = f"{what} ({len(rows)})"
        if len(rows) > LIST_ROWS:
            caption += f": the first {LIST_ROWS} shown, all of them in tables/{name}.csv"
        blocks.append(Table(name, caption, shown.head(LIST_ROWS), rows))
    return blocks


LIST_ROWS = 15
"""Rows of each internal list shown on the page; the table files hold every row."""


def _dated(rows: pd.DataFrame) -> pd.DataFrame:
    """Dates as the reader writes them (2026-10-15), a missing one blank."""
    days = rows.select_dtypes("datetime").columns
    return rows.assign(**{c: rows[c].dt.strftime("%Y-%m-%d").fillna("") for c in days})


_SAMPLE_LIST = {"event_id": "Event", "service_id": "Service", "site": "Site",
                "event_date": "Date", "note": "Note"}  # fmt: skip
_LATE_LIST = {"meeting_id": "Meeting", "person_id": "Person", "service_id": "Service",
              "meeting_date": "Review", "deadline": "Summary due",
              "summary_sent_date": "Summary sent", "state": "State"}  # fmt: skip
_ACTION_LIST = {"action_id": "Action", "meeting_id": "Meeting", "person_id": "Person",
                "service_id": "Service", "owner_role": "Owner", "due_date": "Due",
                "days_overdue": "Days past due"}  # fmt: skip


# --------------------------------------------------------------------------- methods


def _methods(inputs: _Inputs, title: str) -> Section:
    """How to read the charts and verdicts, the audience's rule and what went in."""
    info = _provenance(inputs)["shown"]
    blocks: list = [
        Text(
            "Each chart is SPC by month in the Making Data Count style: the line is the "
            "month's value, the solid line its mean and the dashed lines the process limits; "
            "orange marks a special cause concern, blue an improvement, purple a special "
            "cause that is neither. Variation is the latest month's verdict; assurance says "
            f"whether the limits sit clear of the target. With fewer than {MIN_POINTS} months "
            "of data no limits or verdict are drawn. Values give their n; fewer than 10 in a "
            "denominator is given as a count, not a percentage; pending items (deadline after "
            "the as-of date) are left out of the denominator.",
            label="Reading the charts",
        ),
    ]
    if inputs.public:
        blocks.append(Text(DISCLOSURE_RULE, label="Small numbers"))
    facts = pd.DataFrame({"What": list(info), "Value": list(info.values())})
    blocks.append(Table("provenance", "What went into this dashboard", facts, facts))
    return Section("methods", title, blocks)


def _provenance(inputs: _Inputs) -> dict[str, Any]:
    p = inputs.params
    versions = _versions()
    return {
        "dataset_fingerprint_sha256": inputs.data.fingerprint(),
        "versions": versions,
        "shown": {
            "Dataset fingerprint (SHA-256)": inputs.data.fingerprint(),
            "As-of date": p.as_of.isoformat(),
            "Month": str(p.month),
            "Services": "all" if p.services is None else ", ".join(p.services),
            "Audience": p.audience,
            "Software": ", ".join(f"{k} {v}" for k, v in versions.items()),
        },
    }
