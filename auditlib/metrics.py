"""The dashboard metrics of quality.md, per service and for ALL, per period.

Every metric is computed for every service and every requested period in one
pass of whole-table operations (rows are tagged with their period, then
grouped), so twenty quarters cost little more than one. People and services
are looked up once as integer codes (``person``, ``s``): grouping and joining
on integers avoids converting text identifiers again for every metric. Each result row
carries numerator, denominator, value, a 95% Wilson interval for
proportions, the count of pending items (deadline after the as-of date, not
yet done: left out of the denominator) and a status saying why a value is
missing: ``no_data`` (the table is not in the dataset, or the period holds
no dated record of any kind) or ``none_due`` (nothing to measure in the period).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from ._columns import index_in
from .contract import TABLES
from .dataset import Dataset
from .periods import Period, check_started, months_of
from .stats import wilson_interval
from .workdays import working_day_deadline, working_days_between

__all__ = ["METRICS", "MetricInfo", "compute_metrics"]

RESULT_COLUMNS = [
    "scope",
    "period",
    "period_start",
    "period_end",
    "metric_id",
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "pending",
    "status",
]


@dataclass(frozen=True)
class MetricInfo:
    """What a metric is: its kind, the tables it needs, which way is better, in words."""

    metric_id: str
    kind: str  # "proportion", "mean" or "count"
    tables: tuple[str, ...]
    improvement: str  # "increase", "decrease" or "neutral"
    label: str
    scale: tuple[float, float] | None = None  # the values it can take: (0, 1) for a proportion


MEAN_MIN_N = 5  # fewer responses give no interval for a mean (see docs/decisions.md)


@dataclass
class _Context:
    data: Dataset
    periods: list[Period]
    as_of: pd.Timestamp
    starts: np.ndarray
    ends: np.ndarray

    def period_of(self, dates: pd.Series) -> np.ndarray:
        """Index of the period containing each date; -1 outside every period."""
        days = dates.to_numpy(dtype="datetime64[ns]")
        position = np.searchsorted(self.starts, days, side="right") - 1
        inside = (position >= 0) & (days <= self.ends[np.clip(position, 0, None)])
        return np.where(inside & ~np.isnat(days), position, -1)

    def deadline_passed(self, deadline: np.ndarray) -> np.ndarray:
        """A deadline on the as-of date itself has passed (quality.md)."""
        return deadline.astype("datetime64[ns]") <= self.as_of.to_datetime64()

    @cached_property
    def recorded(self) -> np.ndarray:
        """Whether each period holds any dated row of any table (a meeting, an action's
        meeting, a person or staff member starting, a response...): a period without one has
        no data of any kind, which is not a period of zeros."""
        found = np.zeros(len(self.periods), dtype=bool)
        for name, table in self.data.tables.items():
            dated_by = TABLES[name].dated_by if name in TABLES else None
            if dated_by and dated_by in table:
                p = self.period_of(table[dated_by])
                found[p[p >= 0]] = True
        return found

    @cached_property
    def service_ids(self) -> pd.Index:
        return pd.Index(self.data.services["service_id"].to_numpy(dtype=object))

    @cached_property
    def nations(self) -> np.ndarray:
        return self.data.services["nation"].to_numpy(dtype=object)

    @cached_property
    def person_ids(self) -> pd.Index:
        return pd.Index(self.data.people["person_id"].to_numpy(dtype=object))

    @cached_property
    def person_service(self) -> np.ndarray:
        """The service code of each person code."""
        return self.service_code(self.data.people["service_id"])

    def service_code(self, ids: pd.Series) -> np.ndarray:
        return index_in(ids, self.service_ids)

    def by_person(self, rows: pd.DataFrame, person: np.ndarray | None = None) -> pd.DataFrame:
        """``rows`` with their person code and that person's service code ``s``."""
        if person is None:
            person = index_in(rows["person_id"], self.person_ids)
        return rows.assign(person=person, s=self.person_service[person])

    def by_service(self, rows: pd.DataFrame) -> pd.DataFrame:
        return rows.assign(s=self.service_code(rows["service_id"]))

    @cached_property
    def meetings(self) -> pd.DataFrame:
        """Every meeting with its person and service codes, looked up once for all metrics."""
        return self.by_person(self.data.meetings)

    @cached_property
    def reviews(self) -> pd.DataFrame:
        """Reviews (every meeting but post-incident debriefs) in a requested period."""
        meetings = self.meetings
        return _in_periods(self, meetings[meetings["meeting_type"] != "post_incident_debrief"],
                           "meeting_date")  # fmt: skip


_METRICS: dict[str, tuple[MetricInfo, Callable[[_Context], pd.DataFrame]]] = {}


def _metric(metric_id, kind, tables, label, improvement="increase", scale=None):
    if kind == "proportion":
        scale = (0.0, 1.0)

    def register(function):
        info = MetricInfo(metric_id, kind, tables, improvement, label, scale)
        _METRICS[metric_id] = (info, function)
        return function

    return register


def compute_metrics(
    dataset: Dataset,
    periods: Period | Sequence[Period],
    *,
    as_of: date | None = None,
    metrics: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every dashboard metric for every service and ALL, for each period.

    ``periods`` must not overlap (quarters, or the months of a quarter).
    ``as_of`` defaults to today; the dataset is read as it stood that day.
    Periods that all start after it are refused (:class:`PeriodError`); a
    period with no dated row of any table has status ``no_data``.
    Returns a tidy table with the columns in ``RESULT_COLUMNS``.
    """
    periods = sorted([periods] if isinstance(periods, Period) else list(periods))
    as_of_ts = pd.Timestamp(as_of or date.today())
    if periods:
        check_started(periods[0], as_of_ts.date())
    context = _Context(
        data=dataset.as_of(as_of_ts.date()),
        periods=periods,
        as_of=as_of_ts,
        starts=np.array([p.start for p in periods], dtype="datetime64[ns]"),
        ends=np.array([p.end for p in periods], dtype="datetime64[ns]"),
    )
    wanted = list(metrics) if metrics is not None else list(_METRICS)
    frames = [_one_metric(context, metric_id) for metric_id in wanted]
    return pd.concat(frames, ignore_index=True)[RESULT_COLUMNS]


METRICS: dict[str, MetricInfo] = {}  # filled below, once every metric is registered


def _one_metric(context: _Context, metric_id: str) -> pd.DataFrame:
    info, function = _METRICS[metric_id]
    grid = pd.MultiIndex.from_product(
        [range(len(context.service_ids)), range(len(context.periods))], names=["s", "p"]
    )
    available = all(t in context.data.tables for t in info.tables)
    counts = function(context) if available else pd.DataFrame()
    per_service = _complete(counts, grid)
    if "total" in counts:  # a site-level count: adding services would count shared sites twice
        overall = per_service.groupby("p")[["total"]].first().rename(columns={"total": "numerator"})
    else:
        overall = per_service.groupby("p")[["numerator", "denominator", "pending", "sumsq"]].sum()
    overall["s"] = -1  # ALL
    table = pd.concat([per_service.reset_index(), overall.reset_index()], ignore_index=True)
    return _finish(table, info, context, available)


def _complete(counts: pd.DataFrame, grid: pd.MultiIndex) -> pd.DataFrame:
    """One row per service and period, zero where nothing happened."""
    columns = ["numerator", "denominator", "pending", "sumsq", "total"]
    if counts.empty:
        return pd.DataFrame(0.0, index=grid, columns=columns)
    counts = counts.groupby(["s", "p"]).sum()
    return counts.reindex(grid, fill_value=0).reindex(columns=columns, fill_value=0).astype(float)


def _finish(table: pd.DataFrame, info: MetricInfo, context: _Context, available: bool):
    periods = context.periods
    codes = table.pop("s").to_numpy()
    table["scope"] = np.where(codes < 0, "ALL", context.service_ids.to_numpy()[codes])
    p = table["p"].to_numpy(dtype=int)
    table["period"] = np.array([period.label for period in periods], dtype=object)[p]
    table["period_start"] = np.array([period.start for period in periods], dtype=object)[p]
    table["period_end"] = np.array([period.end for period in periods], dtype=object)[p]
    table["metric_id"] = info.metric_id
    num, den = table["numerator"].to_numpy(), table["denominator"].to_numpy()
    if info.kind == "count":
        table["denominator"] = np.nan
        has_value = np.full(len(table), available)
        table["value"] = np.where(has_value, num, np.nan)
        table["ci_low"] = table["ci_high"] = table["pending"] = np.nan
    else:
        has_value = available & (den > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            table["value"] = np.where(has_value, num / den, np.nan)
        if info.kind == "proportion":
            low, high = wilson_interval(num, den)
        else:
            low, high = _mean_interval(num, den, table["sumsq"].to_numpy(), info.scale)
            table["numerator"] = np.nan  # a mean has a count (the denominator), not a numerator
        table["ci_low"], table["ci_high"] = (
            np.where(has_value, low, np.nan),
            np.where(has_value, high, np.nan),
        )
    no_data = ~context.recorded[p] | (not available)
    table.loc[no_data, ["numerator", "denominator", "pending", "value", "ci_low", "ci_high"]] = (
        np.nan
    )
    table["status"] = np.select([no_data, has_value], ["no_data", "ok"], "none_due")
    table["all_last"] = table["scope"] == "ALL"
    ordered = table.sort_values(["all_last", "scope", "p"], kind="stable")
    # counts of things (reviews, people, files) print as whole numbers; blank where unknown
    ordered = ordered.astype({"numerator": "Int64", "denominator": "Int64", "pending": "Int64"})
    return ordered.drop(columns=["p", "sumsq", "total", "all_last"])


def _mean_interval(total, n, sumsq, scale):
    """A 95% t-interval for a mean from its count, sum and sum of squares, cut to the scale.

    The true mean lies on the scale (1-5), so cutting the interval there keeps its coverage
    and never shows an impossible score. Below ``MEAN_MIN_N`` responses there is none: the
    t quantile (4.3 for 3 responses) makes it span most of the scale.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / n
        variance = (sumsq - n * mean**2) / (n - 1)
        half = scipy_stats.t.ppf(0.975, n - 1) * np.sqrt(np.clip(variance, 0, None) / n)
    half = np.where(n >= MEAN_MIN_N, half, np.nan)
    return np.clip(mean - half, *scale), np.clip(mean + half, *scale)


# --- shared pieces --------------------------------------------------------------------------


def _in_periods(context: _Context, table: pd.DataFrame, date_column: str) -> pd.DataFrame:
    """Rows dated in a requested period, with the period's index ``p``."""
    p = context.period_of(table[date_column])
    keep = p >= 0
    return table[keep].assign(p=p[keep])


def _people_rows(context: _Context, table: str, date_column: str) -> pd.DataFrame:
    """A person-level table's rows dated in a requested period, with person and service codes."""
    return context.by_person(_in_periods(context, context.data.tables[table], date_column))


def _count(rows: pd.DataFrame, success, *, pending=None) -> pd.DataFrame:
    """Numerator, denominator and pending per service and period from row-level flags."""
    success = np.asarray(success, dtype=bool)
    pending = np.zeros(len(rows), bool) if pending is None else np.asarray(pending, dtype=bool)
    frame = pd.DataFrame(
        {
            "s": rows["s"].to_numpy(),
            "p": rows["p"].to_numpy(),
            "numerator": success & ~pending,
            "denominator": ~pending,
            "pending": pending,
        }
    )
    return frame.groupby(["s", "p"], as_index=False).sum()


def _flag(values: pd.Series) -> np.ndarray:
    """A nullable boolean column as plain booleans, unknown read as False."""
    return values.fillna(False).to_numpy(dtype=bool)


# --- participation and timeliness -----------------------------------------------------------


def _involved(reviews: pd.DataFrame) -> np.ndarray:
    return (
        _flag(reviews["family_present"])
        | _flag(reviews["advocate_present"])
        | _flag(reviews["async_input"])
    )


@_metric(
    "participation_reviews", "proportion", ("meetings",), "reviews with family or advocate input"
)
def _participation_reviews(context):
    reviews = context.reviews
    return _count(reviews, _involved(reviews))


@_metric(
    "participation_people", "proportion", ("meetings",), "people with family or advocate input"
)
def _participation_people(context):
    reviews = context.reviews
    people = (
        reviews.assign(involved=_involved(reviews))
        .groupby(["person", "s", "p"], as_index=False)["involved"]
        .max()
    )
    return _count(people, people["involved"])


def _done_within_working_days(context, rows, start: str, done: str, days: int) -> pd.DataFrame:
    """Rows done within ``days`` working days of ``start`` in the service's nation: the working
    days in (start, done] number at most ``days`` (quality.md), so a Saturday after a Sunday
    meeting is still within 5. Not done yet with the deadline (the ``days``-th working day
    after ``start``) still ahead is pending."""
    nation = context.nations[rows["s"].to_numpy()]
    taken = working_days_between(rows[start], rows[done], nation)
    with np.errstate(invalid="ignore"):
        within = taken <= days  # NaN (not done) is never within
    deadline = working_day_deadline(rows[start], days, nation)
    pending = rows[done].isna().to_numpy() & ~context.deadline_passed(deadline)
    return _count(rows, within, pending=pending)


def _summaries_within(days: int):
    def compute(context):
        reviews = context.reviews
        return _done_within_working_days(
            context, reviews, "meeting_date", "summary_sent_date", days
        )

    return compute


_metric("summaries_5wd", "proportion", ("meetings",), "summaries sent within 5 working days")(
    _summaries_within(5)
)
_metric("summaries_10wd", "proportion", ("meetings",), "summaries sent within 10 working days")(
    _summaries_within(10)
)


@_metric("agenda_3d", "proportion", ("meetings",), "agendas sent at least 3 days ahead")
def _agenda_3d(context):
    reviews = context.reviews
    if "agenda_sent_date" not in reviews:
        return _count(reviews, np.zeros(len(reviews), bool))
    ahead = reviews["agenda_sent_date"] <= reviews["meeting_date"] - pd.Timedelta(days=3)
    return _count(reviews, _flag(ahead))


@_metric("accessible_format", "proportion", ("meetings",), "reviews with an accessible format")
def _accessible_format(context):
    reviews = context.reviews
    if "accessible_format" not in reviews:
        return _count(reviews, np.zeros(len(reviews), bool))
    recorded = reviews["accessible_format"].fillna("").str.strip() != ""
    return _count(reviews, _flag(recorded))


@_metric("actions_on_time", "proportion", ("actions",), "actions closed on time")
def _actions_on_time(context):
    actions = _in_periods(context, context.data.tables["actions"], "due_date")
    meetings = context.meetings
    meeting = index_in(actions["meeting_id"], meetings["meeting_id"])
    actions = context.by_person(actions, meetings["person"].to_numpy()[meeting])
    closed = actions["closed_date"]
    on_time = _flag(closed <= actions["due_date"])
    pending = closed.isna().to_numpy() & ~context.deadline_passed(actions["due_date"].to_numpy())
    return _count(actions, on_time, pending=pending)


# --- coverage: the same people (or staff) all period, something in every month -------------


def _whole_period(context: _Context, start: pd.Series, end: pd.Series | None) -> np.ndarray:
    """(row, period) pairs where the row is present for the whole period."""
    begins = start.to_numpy(dtype="datetime64[ns]")[:, None] <= context.starts[None, :]
    if end is None:
        return begins
    ends = end.to_numpy(dtype="datetime64[ns]")[:, None]
    return begins & (np.isnat(ends) | (ends >= context.ends[None, :]))


def _pairs(present: np.ndarray) -> pd.DataFrame:
    """(row, period) pairs as a table: ``id`` is the row's position in its table."""
    row, p = np.nonzero(present)
    return pd.DataFrame({"id": row, "p": p})


def _months_with(context: _Context, ids: np.ndarray, dates: pd.Series) -> pd.DataFrame:
    """For each id (a row position) and period: how many distinct calendar months had an event."""
    p = context.period_of(dates)
    keep = p >= 0
    month = dates.to_numpy(dtype="datetime64[M]")[keep]
    events = pd.DataFrame({"id": ids[keep], "p": p[keep], "month": month})
    return events.drop_duplicates().groupby(["id", "p"]).size().rename("months").reset_index()


def _coverage(context: _Context, population: pd.DataFrame, achieved: np.ndarray) -> pd.DataFrame:
    """Count achievers over a population of (id, p, s); not yet achieved in an
    unfinished period is pending (its deadline is the period's end)."""
    period_over = context.deadline_passed(context.ends[population["p"].to_numpy()])
    return _count(population, achieved, pending=~achieved & ~period_over)


def _supported_people(context: _Context) -> pd.DataFrame:
    people = context.data.people
    present = _whole_period(context, people["start_date"], people["end_date"])
    pairs = _pairs(present)  # a person's row is their person code
    return pairs.assign(s=context.person_service[pairs["id"].to_numpy()])


def _months_needed(context: _Context, p: pd.Series) -> np.ndarray:
    return np.array([len(months_of(period)) for period in context.periods])[p.to_numpy()]


@_metric(
    "monthly_review_coverage", "proportion", ("meetings",), "people with a meeting every month"
)
def _monthly_review_coverage(context):
    people = _supported_people(context)
    meetings = context.meetings
    months = _months_with(context, meetings["person"].to_numpy(), meetings["meeting_date"])
    people = people.merge(months, on=["id", "p"], how="left")
    achieved = people["months"].fillna(0).to_numpy() >= _months_needed(context, people["p"])
    return _coverage(context, people, achieved)


@_metric("deep_dive_coverage", "proportion", ("meetings",), "people with a deep-dive")
def _deep_dive_coverage(context):
    people = _supported_people(context)
    meetings = context.meetings
    deep = meetings[meetings["meeting_type"] == "deep_dive"]
    dived = pd.DataFrame(
        {"id": deep["person"].to_numpy(), "p": context.period_of(deep["meeting_date"])}
    )
    dived = dived[dived["p"] >= 0].drop_duplicates().assign(dived=True)
    people = people.merge(dived, on=["id", "p"], how="left")
    return _coverage(context, people, people["dived"].notna().to_numpy())


# --- decisions and advocacy -----------------------------------------------------------------


@_metric(
    "decisions_specific", "proportion", ("decisions",), "decisions recorded decision-specifically"
)
def _decisions_specific(context):
    decisions = _people_rows(context, "decisions", "decision_date")
    has_capacity = decisions["lacks_capacity"].eq(False)
    best_interests = decisions["best_interests_recorded"].eq(True)
    specific = _flag(decisions["consent_recorded"]) | (
        _flag(decisions["capacity_assessed"]) & (_flag(has_capacity) | _flag(best_interests))
    )
    return _count(decisions, specific)


@_metric("advocate_when_required", "proportion", ("decisions",), "advocate involved when required")
def _advocate_when_required(context):
    decisions = _people_rows(context, "decisions", "decision_date")
    required = decisions[_flag(decisions["advocate_required"])]
    return _count(required, _flag(required["advocate_involved"]))


@_metric(
    "advocacy_referral_48h",
    "proportion",
    ("advocacy_referrals",),
    "advocacy referrals within 48 hours",
)
def _advocacy_referral_48h(context):
    referrals = _people_rows(context, "advocacy_referrals", "trigger_at")
    deadline = referrals["trigger_at"] + pd.Timedelta(hours=48)
    referred = referrals["referred_at"]
    within = _flag(referred <= deadline)
    pending = referred.isna().to_numpy() & ~context.deadline_passed(
        deadline.dt.normalize().to_numpy()
    )
    return _count(referrals, within, pending=pending)


@_metric(
    "disputes_resolved_20wd",
    "proportion",
    ("disagreements",),
    "disagreements resolved within 20 working days",
)
def _disputes_resolved_20wd(context):
    disputes = _people_rows(context, "disagreements", "opened_date")
    return _done_within_working_days(context, disputes, "opened_date", "resolved_date", 20)


# --- experience -----------------------------------------------------------------------------


def _responses(context: _Context) -> pd.DataFrame:
    return context.by_service(
        _in_periods(context, context.data.tables["experience"], "response_date")
    )


def _scored(context: _Context) -> pd.DataFrame:
    responses = _responses(context)
    if "feel_involved" not in responses:
        return responses.iloc[0:0].assign(feel_involved=pd.Series(dtype="Int64"))
    return responses[responses["feel_involved"].notna()]


@_metric(
    "feel_involved_agree", "proportion", ("experience",), "respondents who feel involved (4-5)"
)
def _feel_involved_agree(context):
    scored = _scored(context)
    return _count(scored, scored["feel_involved"].to_numpy(dtype=float) >= 4)


@_metric(
    "feel_involved_mean",
    "mean",
    ("experience",),
    "mean 'I feel involved' score (1-5)",
    scale=(1.0, 5.0),
)
def _feel_involved_mean(context):
    scored = _scored(context)
    score = scored["feel_involved"].to_numpy(dtype=float)
    frame = pd.DataFrame(
        {
            "s": scored["s"].to_numpy(),
            "p": scored["p"].to_numpy(),
            "numerator": score,
            "denominator": 1.0,
            "sumsq": score**2,
        }
    )
    return frame.groupby(["s", "p"], as_index=False).sum()


def _theme_count(theme: str):
    def compute(context):
        responses = _responses(context)
        if "theme" not in responses:
            return pd.DataFrame()
        return _count(responses, responses["theme"].eq(theme).fillna(False).to_numpy(dtype=bool))

    return compute


_metric("compliments", "count", ("experience",), "compliments received")(_theme_count("compliment"))
_metric("concerns", "count", ("experience",), "concerns raised", improvement="neutral")(
    _theme_count("concern")
)


# --- enablement -----------------------------------------------------------------------------


def _reductions(measure: str):
    def compute(context):
        outcomes = context.data.tables["outcomes"]
        series = outcomes[outcomes["measure"] == measure].sort_values("recorded_date")
        series = context.by_person(series.assign(value=series["value"].astype(float)))
        in_period = _in_periods(context, series, "recorded_date")
        latest = in_period.groupby(["person", "s", "p"], as_index=False).last()
        latest["period_start"] = context.starts[latest["p"].to_numpy()]
        before = pd.merge_asof(
            latest.sort_values("period_start"),
            series[["person", "recorded_date", "value"]].rename(
                columns={"recorded_date": "period_start", "value": "before"}
            ),
            on="period_start",
            by="person",
            allow_exact_matches=False,  # strictly before the period starts
        )
        before = before[before["before"].notna()]
        return _count(before, before["value"].to_numpy() < before["before"].to_numpy())

    return compute


_metric(
    "support_stepdowns", "proportion", ("outcomes",), "people whose support ratio stepped down"
)(_reductions("support_ratio"))
_metric("prompt_reductions", "proportion", ("outcomes",), "people needing fewer prompts")(
    _reductions("prompts_per_task")
)


# --- staff ----------------------------------------------------------------------------------


def _staff_in_post(context: _Context, whole_period: bool) -> pd.DataFrame:
    staff = context.data.tables["staff"]
    start = staff["start_date"].to_numpy(dtype="datetime64[ns]")[:, None]
    present = start <= (context.starts if whole_period else context.ends)[None, :]
    pairs = _pairs(present)
    return pairs.assign(s=context.service_code(staff["service_id"])[pairs["id"].to_numpy()])


@_metric("training_current", "proportion", ("staff",), "staff with annual training in date")
def _training_current(context):
    staff = _staff_in_post(context, whole_period=False)
    table = context.data.tables["staff"]
    if "annual_training_date" in table:
        dates = table["annual_training_date"].to_numpy(dtype="datetime64[ns]")
        trained_on = dates[staff["id"].to_numpy()]
    else:
        trained_on = np.full(len(staff), np.datetime64("NaT"), dtype="datetime64[ns]")
    period_end = context.ends[staff["p"].to_numpy()]
    year_before = (pd.DatetimeIndex(period_end) - pd.DateOffset(years=1)).to_numpy()
    current = ~np.isnat(trained_on) & (trained_on > year_before) & (trained_on <= period_end)
    return _coverage(context, staff, current)


@_metric(
    "reflective_supervision",
    "proportion",
    ("staff", "supervisions"),
    "staff with reflective supervision every month",
)
def _reflective_supervision(context):
    staff = _staff_in_post(context, whole_period=True)
    supervisions = context.data.tables["supervisions"]
    reflective = supervisions[_flag(supervisions["reflective_case"])]
    codes = index_in(reflective["staff_id"], context.data.tables["staff"]["staff_id"])
    months = _months_with(context, codes, reflective["supervision_date"])
    staff = staff.merge(months, on=["id", "p"], how="left")
    achieved = staff["months"].fillna(0).to_numpy() >= _months_needed(context, staff["p"])
    return _coverage(context, staff, achieved)


# --- governance -----------------------------------------------------------------------------


@_metric(
    "ni_case_samples", "count", ("governance_events",), "NI case samples at the service's site"
)
def _ni_case_samples(context):
    events = context.data.tables["governance_events"]
    events = _in_periods(context, events[events["kind"] == "ni_case_sample"], "event_date")
    services = context.data.services
    site = services["service_id"]
    if "site" in services:
        site = services["site"].fillna(site)
    site_code = pd.factorize(site)[0]
    periods = len(context.periods)
    # events per (site, period), then each service reads its own site's count
    per_site = np.zeros((site_code.max() + 1, periods))
    np.add.at(per_site, (site_code[context.service_code(events["service_id"])], events["p"]), 1)
    s, p = np.divmod(np.arange(len(services) * periods), periods)
    return pd.DataFrame(
        {"s": s, "p": p, "numerator": per_site[site_code[s], p], "total": per_site.sum(axis=0)[p]}
    )


METRICS.update({metric_id: info for metric_id, (info, _) in _METRICS.items()})
