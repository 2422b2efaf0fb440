"""Every dashboard metric over time: SPC by month for every service and ALL, and the charts.

:func:`metric_trends` computes each metric by calendar month for the months
up to the end of a quarter (one :func:`~auditlib.metrics.compute_metrics`
pass over all of them), then runs SPC (:func:`auditlib.spc.spc`) over every
service and metric at once, reading each metric's good direction from
:data:`auditlib.metrics.METRICS`.  :func:`trend_summary` gives the verdicts as
a table; :func:`trend_charts` writes one PNG per service and metric.

A month without a value stays in the result as a missing point (a gap on the
chart) and is left out of the limits and the rules; its ``status`` says why:

* ``none_due`` -- nothing to measure that month (e.g. no reviews held);
* ``no_data`` -- the table the metric needs is not in the dataset;
* ``before_records`` -- the month ended before the service's first recorded
  meeting, so a zero would only mean "not yet recorded";
* ``not_over`` -- the month had not ended on the as-of date, so its counts are
  incomplete.

Proportions and means go on an XmR chart by default; ``chart="p"`` puts the
proportions on p-charts (limits from each month's own denominator), while
means and counts stay on XmR charts.  See ``docs/trends.md``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import SpcError
from .files import atomic_write
from .metrics import METRICS
from .periods import Period, parse_period, period_containing
from .sampling import select_services
from .scope import scoped_metrics
from .spc import MIN_POINTS, SpcResult, spc

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "MISSING_REASONS",
    "SUMMARY_COLUMNS",
    "metric_trends",
    "trend_chart",
    "trend_charts",
    "trend_months",
    "trend_summary",
]

MISSING_REASONS: dict[str, str] = {
    "none_due": "nothing to measure this month",
    "no_data": "the table this metric needs is not in the dataset",
    "before_records": "before the service's first recorded meeting",
    "not_over": "the month had not ended on the as-of date",
}
"""Why a month has no point, in words, by ``status``."""

SUMMARY_COLUMNS = [
    "scope",
    "service_name",
    "metric_id",
    "label",
    "chart",
    "improvement",
    "months",
    "n_points",
    "n_missing",
    "first_month",
    "last_month_with_data",
    "latest_value",
    "mean",
    "lpl",
    "upl",
    "variation",
    "recent_special_cause",
    "target",
    "assurance",
    "warning",
]
"""The columns of :func:`trend_summary`: one row per scope and metric."""

MAX_MONTHS = 120
"""The longest window a trend may ask for: 10 years of months."""
RECENT_MONTHS = 6
"""Special-cause months this recent are named in words beside the latest month's verdict."""
_RANGE = {"proportion": (0.0, 1.0), "mean": (1.0, 5.0), "count": (0.0, np.nan)}
"""Each kind's possible values: SPC limits are clipped to them (the one mean is a 1-5 score)."""
_CAUSE_WORDS = {"improvement": "improvement", "concern": "concern", "neither": "special cause"}

_BY = ["scope", "metric_id"]
_X = "month"
_CHART_WORDS = {
    "xmr": "XmR chart",
    "p": "p-chart (limits from each month's own number of cases)",
}


def trend_months(end: Period, months: int = 24) -> list[Period]:
    """The ``months`` calendar months ending with the last month of ``end``, in order."""
    if isinstance(months, bool) or int(months) != months or not 2 <= months <= MAX_MONTHS:
        raise SpcError(
            f"months must be a whole number from 2 to {MAX_MONTHS} (10 years), not {months!r}"
        )
    last = period_containing(end.end, "month", end.financial)
    first = pd.Timestamp(last.start) - pd.DateOffset(months=int(months) - 1)
    starts = pd.date_range(first, periods=int(months), freq="MS")
    return [period_containing(day.date(), "month", end.financial) for day in starts]


def metric_trends(
    dataset: Dataset,
    end: Period | str,
    *,
    months: int = 24,
    services: Sequence[str] | None = None,
    as_of: date | None = None,
    metrics: Sequence[str] | None = None,
    targets: Mapping[str, float] | None = None,
    chart: str = "xmr",
    calendar_quarters: bool = False,
    fix_after_n_points: int | None = None,
    rebase: Any = None,
) -> SpcResult:
    """SPC by month of every metric, for every chosen service and for ALL of them.

    ``end`` is the quarter (or month) whose last month ends the series;
    ``months`` how many months to show (default 24).  ``services`` limits the
    result to those services, with ALL covering only them.  ``as_of``
    (default today) reads the dataset as it stood that day.  ``metrics``
    picks metric ids (default: all).  ``targets`` maps metric ids to targets
    (proportions as 0-1) for the assurance verdict.  ``chart="p"`` puts
    proportions on p-charts; means and counts always use XmR.
    ``fix_after_n_points`` and ``rebase`` (months, e.g. ``"2025-06"``, or a
    dict of them by service or metric id) fix the baseline or start new limits
    after a known change, as in :func:`auditlib.spc.spc`.

    Returns an :class:`~auditlib.spc.SpcResult` whose ``points`` have one row
    per scope, metric and month (with ``status``, ``numerator`` and
    ``denominator``; months without a value are ``missing``) and whose
    ``summary`` has one row per scope and metric, with ``service_name`` and
    the metric's ``label``.
    """
    period = parse_period(end, calendar_quarters=calendar_quarters)
    window = trend_months(period, months)
    wanted = _metric_ids(metrics)
    chart = str(chart).lower()
    if chart not in _CHART_WORDS:
        raise SpcError(f"chart must be 'xmr' or 'p', not {chart!r}")
    target = _targets(targets)
    as_of_day = pd.Timestamp(as_of or date.today()).date()
    chosen = None if services is None else select_services(dataset, services)

    table = scoped_metrics(
        dataset, window, as_of=as_of_day, services=chosen, metric_ids=wanted
    ).reset_index(drop=True)
    table[_X] = pd.to_datetime(table["period_start"])
    status = table["status"].to_numpy(dtype=object).copy()
    records_from = table["scope"].map(_first_records(dataset, chosen))
    ends = pd.to_datetime(table["period_end"])
    before = ~(ends >= records_from).to_numpy(dtype=bool)  # NaT: no meeting recorded at all
    status[(status != "no_data") & before] = "before_records"
    status[(ends > pd.Timestamp(as_of_day)).to_numpy()] = "not_over"
    table["status"] = status
    table["value"] = table["value"].where(status == "ok")
    table["denominator"] = table["denominator"].astype(float)

    kind = table["metric_id"].map({m: METRICS[m].kind for m in wanted})
    improvement = pd.Series(
        {m: METRICS[m].improvement for m in wanted}, name="improvement"
    ).rename_axis("metric_id")
    # p-charts for proportions when asked; means and counts are always on XmR charts
    on_p = (kind == "proportion").to_numpy() if chart == "p" else np.zeros(len(table), bool)
    parts = []
    for chart_type, rows in (("p", on_p), ("xmr", ~on_p)):  # at most two calls, not per series
        if rows.any():
            parts.append(
                spc(
                    table[rows],
                    value="value",
                    x=_X,
                    by=_BY,
                    improvement=improvement,
                    chart=chart_type,
                    n="denominator" if chart_type == "p" else None,
                    target=target,
                    fix_after_n_points=fix_after_n_points,
                    rebase=rebase,
                    lower_bound=_bound(wanted, 0),
                    upper_bound=_bound(wanted, 1),
                )
            )
    names = _scope_names(dataset, chosen)
    return _assemble(parts, table, names, window, period, as_of_day, chart, wanted)


def trend_summary(result: SpcResult) -> pd.DataFrame:
    """The verdicts of :func:`metric_trends` as a table (:data:`SUMMARY_COLUMNS`)."""
    summary = result.summary
    table = summary.assign(
        first_month=_month_labels(summary["first_x"]),
        last_month_with_data=_month_labels(
            summary["last_x"].where(summary["n_points"].to_numpy() > 0)
        ),
    )
    return table[SUMMARY_COLUMNS].reset_index(drop=True)


def trend_chart(
    result: SpcResult,
    scope: str,
    metric_id: str,
    *,
    name: str | None = None,
    points: pd.DataFrame | None = None,
) -> Figure:
    """The SPC chart of one scope and metric of :func:`metric_trends`, titled and dated.

    The title names the service (``name``, else its name in the dataset) and
    the metric; the subtitle gives the months, how many have data, the kind of
    chart and any warning.  ``points`` may pass that series' rows when already
    selected.
    """
    from .charts import spc_chart  # matplotlib is imported only when a chart is drawn

    if points is None:
        points, row = result.series((scope, metric_id))
    else:
        row = result.summary[
            (result.summary["scope"] == scope) & (result.summary["metric_id"] == metric_id)
        ].iloc[0]
    points = points.copy()
    points.attrs["spc_settings"] = result.settings
    info = METRICS[metric_id]
    place = name or result.settings.get("names", {}).get(scope) or scope
    first, last = result.settings["first_month"], result.settings["last_month"]
    missing = int(row["n_missing"])
    subtitle = (
        f"By month, {_month_words(first)} – {_month_words(last)}: "
        f"{int(row['n_points'])} of {int(row['months'])} months with data"
        + (f", {missing} without (gaps, left out of the limits)" if missing else "")
        + f"; {_CHART_WORDS[row['chart']]}"
    )
    return spc_chart(
        points,
        row,
        title=f"{place}: {info.label}",
        subtitle=subtitle,
        value_label=_value_label(info.kind),
        percent=info.kind == "proportion",
        n="denominator" if info.kind != "count" else None,
    )


def trend_charts(
    result: SpcResult,
    out_dir: str | Path,
    *,
    scopes: Sequence[str] | Mapping[str, str] | None = None,
    dpi: int = 150,
) -> list[Path]:
    """Write one PNG SPC chart per scope and metric of ``result`` into ``out_dir``.

    ``scopes`` picks service ids (and/or ``ALL``); a mapping of them to names
    also sets the name in each title.  Default: every scope in ``result``.
    Files are named ``<scope>_<metric_id>.png`` (ids that differ only in
    punctuation or case get a fingerprint of the id added) and each is written
    atomically, so an interrupted run never leaves half a chart.  Returns the
    paths written, in the order of the summary.
    """
    summary = result.summary
    known = list(dict.fromkeys(summary["scope"]))
    names = dict(result.settings.get("names", {}))
    if scopes is None:
        wanted = known
    else:
        wanted = list(scopes)
        if isinstance(scopes, Mapping):
            names.update({str(k): str(v) for k, v in scopes.items()})
        unknown = [s for s in wanted if s not in set(known)]
        if unknown:
            raise SpcError(f"no trends for {unknown}: the result covers {known}")
    rows = summary[summary["scope"].isin(wanted)]
    positions = result.points.groupby(_BY, sort=False).indices  # one pass, not one per chart
    out = Path(out_dir)
    stems = _file_stems(list(dict.fromkeys(rows["scope"])))
    written = []
    for scope, metric_id in zip(rows["scope"], rows["metric_id"], strict=True):
        points = result.points.iloc[positions[(scope, metric_id)]]
        fig = trend_chart(result, scope, metric_id, name=names.get(scope), points=points)
        path = out / f"{stems[scope]}_{metric_id}.png"
        atomic_write(path, lambda temporary, fig=fig: fig.savefig(temporary, format="png", dpi=dpi))
        written.append(path)
    return written


# ---- helpers ----------------------------------------------------------------------------------


def _bound(metric_ids: Sequence[str], end: int) -> pd.Series:
    """Each metric's lowest (``end`` 0) or highest (1) possible value, for clipping limits."""
    values = {m: _RANGE[METRICS[m].kind][end] for m in metric_ids}
    return pd.Series(values, dtype=float).rename_axis("metric_id")


def _recent_special_cause(points: pd.DataFrame, summary: pd.DataFrame, last: date) -> pd.Series:
    """Per summary row, the special-cause months of the last :data:`RECENT_MONTHS` in words,
    e.g. "concern in Jul 2026 and Aug 2026", so a chart captioned by its latest point still
    names a slip the month before."""
    since = pd.Timestamp(last) - pd.DateOffset(months=RECENT_MONTHS - 1)
    flagged = points[(points[_X] >= since) & points["special_cause"].notna()]
    words = flagged["special_cause"].map(_CAUSE_WORDS)
    months = flagged[_X].dt.strftime("%b %Y")
    grouped = months.groupby([flagged["scope"], flagged["metric_id"], words], sort=False)
    listed = grouped.agg(_and_list)
    phrases = listed.index.get_level_values(2).to_numpy(dtype=object) + " in " + listed.to_numpy()
    by_cause = pd.Series(phrases, index=listed.index.droplevel(2), dtype=object)
    text = by_cause.groupby(level=[0, 1], sort=False).agg("; ".join)
    keys = pd.MultiIndex.from_frame(summary[_BY])
    found = text.reindex(keys).to_numpy(dtype=object)
    none = np.where(
        summary["n_points"].to_numpy() > 0, f"none in the last {RECENT_MONTHS} months", "no data"
    )
    return pd.Series(np.where(pd.isna(found), none, found), index=summary.index, dtype=object)


def _and_list(items: pd.Series) -> str:
    """``"Jul 2026"``, ``"Jul 2026 and Aug 2026"``, ``"May 2026, Jul 2026 and Aug 2026"``."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _file_stems(scopes: Sequence[str]) -> dict[str, str]:
    """A file-name-safe stem per scope id, unique: ids that differ only in punctuation
    (``S 001`` and ``S-001``) get a short fingerprint of the id each, so no chart is lost."""
    stems = pd.Series({scope: _slug(scope) for scope in scopes}, dtype=object)
    clash = stems.duplicated(keep=False) | stems.str.lower().duplicated(keep=False)
    for scope in stems.index[clash]:
        stems[scope] += "-" + hashlib.sha1(str(scope).encode("utf-8")).hexdigest()[:8]
    return stems.to_dict()


def _metric_ids(metrics: Sequence[str] | None) -> list[str]:
    if metrics is None:
        return list(METRICS)
    wanted = list(dict.fromkeys([metrics] if isinstance(metrics, str) else metrics))
    unknown = [m for m in wanted if m not in METRICS]
    if unknown:
        raise SpcError(f"unknown metric id(s) {unknown}; known: {', '.join(METRICS)}")
    if not wanted:
        raise SpcError("no metrics chosen")
    return wanted


def _targets(targets: Mapping[str, float] | None) -> pd.Series | None:
    """Targets by metric id, checked: known metrics, numbers, proportions as 0-1."""
    if not targets:
        return None
    unknown = [m for m in targets if m not in METRICS]
    if unknown:
        raise SpcError(f"targets for unknown metric id(s) {unknown}")
    values = {}
    for metric_id, value in targets.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise SpcError(f"the target for {metric_id} must be a number, not {value!r}") from None
        if not np.isfinite(number):
            raise SpcError(f"the target for {metric_id} must be a number, not {value!r}")
        if METRICS[metric_id].kind == "proportion" and not 0 <= number <= 1:
            raise SpcError(
                f"the target for {metric_id} is {value}: give a proportion between 0 and 1 "
                f"(0.9 for 90%)"
            )
        values[metric_id] = number
    return pd.Series(values, dtype=float, name="target").rename_axis("metric_id")


def _first_records(dataset: Dataset, chosen: Sequence[str] | None) -> pd.Series:
    """The first recorded meeting of each service, and of ALL (the earliest of them)."""
    people = dataset.people
    service = pd.Series(people["service_id"].to_numpy(), index=people["person_id"].to_numpy())
    by_person = pd.to_datetime(dataset.meetings["meeting_date"]).groupby(
        dataset.meetings["person_id"].to_numpy()
    )
    first_by_person = by_person.min()  # one row per person, then per service
    first = first_by_person.groupby(first_by_person.index.map(service)).min()
    if chosen is not None:
        first = first[first.index.isin(chosen)]
    first["ALL"] = first.min() if len(first) else pd.NaT
    return first


def _scope_names(dataset: Dataset, chosen: Sequence[str] | None) -> dict[str, str]:
    services = dataset.services
    names = {}
    if "service_name" in services:
        named = services.dropna(subset=["service_name"])
        names = dict(
            zip(named["service_id"].astype(str), named["service_name"].astype(str), strict=True)
        )
    names["ALL"] = (
        "All services"
        if chosen is None
        else f"All {len(chosen)} chosen service{'s' if len(chosen) != 1 else ''}"
    )
    return names


def _assemble(
    parts: list[SpcResult],
    table: pd.DataFrame,
    names: dict[str, str],
    window: list[Period],
    period: Period,
    as_of: date,
    chart: str,
    wanted: list[str],
) -> SpcResult:
    """One result from the p and XmR parts, in dashboard order, with the months' details."""
    summary = pd.concat([p.summary for p in parts], ignore_index=True)
    # each part's points hold its series one after another, in its summary's order, so
    # ordering the (few) series orders every point: services by id, ALL last, then metrics
    # in dashboard order, the months staying in order within each series
    rank = summary["metric_id"].map({m: i for i, m in enumerate(wanted)}).to_numpy()
    scope_code = pd.factorize(summary["scope"], sort=True)[0]
    order = np.lexsort((rank, scope_code, summary["scope"].eq("ALL").to_numpy()))
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    rows = (summary["n_points"] + summary["n_missing"]).to_numpy()
    point_order = np.argsort(position[np.repeat(np.arange(len(summary)), rows)], kind="stable")
    summary = summary.iloc[order].reset_index(drop=True)
    points = pd.concat(
        [p.points.drop(columns=["value", "denominator"], errors="ignore") for p in parts],
        ignore_index=True,
    ).iloc[point_order]
    points = points.merge(
        table[[*_BY, _X, "period", "numerator", "denominator", "value", "status"]],
        on=[*_BY, _X],
        how="left",
        validate="one_to_one",
    )
    front = [*_BY, _X, "period", "numerator", "denominator", "value", "status", "missing"]
    points = points[front + [c for c in points.columns if c not in front]]
    points["missing_reason"] = points["status"].map(MISSING_REASONS)

    summary.insert(1, "service_name", summary["scope"].map(names))
    summary.insert(3, "label", summary["metric_id"].map({m: METRICS[m].label for m in wanted}))
    summary.insert(4, "kind", summary["metric_id"].map({m: METRICS[m].kind for m in wanted}))
    summary.insert(5, "months", len(window))
    summary["recent_special_cause"] = _recent_special_cause(points, summary, window[-1].start)

    settings = dict(parts[0].settings)
    settings.update(
        chart=chart,
        chart_by_kind={
            "proportion": "p" if chart == "p" else "xmr",
            "mean": "xmr",
            "count": "xmr",
        },
        value="value",
        x=_X,
        by=list(_BY),
        n="denominator" if chart == "p" else None,
        limit_multiplier={p.settings["chart"]: p.settings["limit_multiplier"] for p in parts},
        end=period.label,
        months=len(window),
        first_month=window[0].start,
        last_month=window[-1].start,
        as_of=as_of,
        names=names,
        min_points=MIN_POINTS,
        missing_reasons=dict(MISSING_REASONS),
    )
    points.attrs["spc_settings"] = settings
    summary.attrs["spc_settings"] = settings
    return SpcResult(points=points, summary=summary, settings=settings)


def _month_labels(values: pd.Series) -> pd.Series:
    days = pd.to_datetime(values)
    return days.dt.strftime("%Y-%m").where(days.notna(), None)


def _month_words(day: date) -> str:
    return pd.Timestamp(day).strftime("%b %Y")


def _value_label(kind: str) -> str:
    return {"proportion": "% of cases", "mean": "mean score", "count": "number per month"}[kind]


def _slug(text: str) -> str:
    """A scope id safe in a file name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", str(text)).strip("-.") or "scope"
