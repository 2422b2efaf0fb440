"""Before/after: every metric and QA criterion, one period against a later one, in honest words.

For each chosen service and for ALL of them: both values with their n and
95% Wilson intervals, the difference (after minus before) with its 95%
interval by Newcombe's hybrid score method, Fisher's exact test where the
counts are small, and words that follow the numbers:

- "rose" or "fell" (with "(better)" or "(worse)" given the measure's good
  direction) only where the interval of the difference excludes 0 *and*,
  where the counts are small enough to need it, the exact test agrees
  (p < 0.05); otherwise "no clear change", with the reason that applies: too
  few to tell, or a small difference the interval cannot separate from 0
  (:func:`auditlib.stats.no_change_reason`), or an exact test that does not
  confirm what the interval suggests;
- "cannot compare" where either period has no value, with the reason;
- counts (compliments, concerns, NI case samples) and the mean "I feel
  involved" score: both values and their difference are shown but no test
  is applied, so no words of change ("not tested"); the proportion
  ``feel_involved_agree`` carries the test for the experience survey.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from ._words import STATUS_WORDS, join
from .dataset import Dataset
from .errors import CompareError
from .metrics import METRICS
from .periods import Period
from .qa import compliance
from .sampling import as_quarter, select_services
from .scope import scoped_metrics
from .stats import (
    NO_CLEAR_CHANGE,
    SMALL_CHANGE,
    TOO_FEW,
    describe_change,
    exact_test,
    needs_exact,
    newcombe_difference,
    no_change_reason,
)

__all__ = ["CANNOT_COMPARE", "COMPARE_COLUMNS", "NOT_TESTED", "compare", "points_text"]

CANNOT_COMPARE = "cannot compare"
NOT_TESTED = "not tested"
ALPHA = 0.05

_SIDE = ["numerator", "denominator", "pending", "value", "ci_low", "ci_high", "status"]
COMPARE_COLUMNS = [
    "scope",
    "source",
    "measure",
    "label",
    "kind",
    "before",
    "before_start",
    "before_end",
    "after",
    "after_start",
    "after_end",
    *[f"before_{c}" for c in _SIDE],
    *[f"after_{c}" for c in _SIDE],
    "difference",
    "diff_low",
    "diff_high",
    "exact_p",
    "method",
    "change",
    "reason",
]


def compare(
    dataset: Dataset,
    before: Period | str,
    after: Period | str,
    *,
    as_of: date | None = None,
    services: Sequence[str] | None = None,
    calendar_quarters: bool = False,
    metrics: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every metric, and every QA criterion where there are file audits, before against after.

    ``before`` and ``after`` are quarters, ``before`` the earlier
    (CompareError when they are the same or the wrong way round).
    One row per scope (each chosen service, then ``ALL`` of them) and
    measure, with the columns of ``COMPARE_COLUMNS``: each period's
    numerator, denominator, pending count, value, Wilson interval and
    status; ``difference`` = after - before with the Newcombe interval
    (``diff_low``, ``diff_high``); ``exact_p`` (Fisher, where any expected
    cell count is under 5); ``method``; ``change`` in words and ``reason``
    behind any "cannot compare", "not tested" or withheld change.
    ``as_of`` defaults to today. ``metrics`` may pass a table already made
    by :func:`compute_metrics` covering both periods (see
    :func:`auditlib.scope.scoped_metrics`), to save computing it again.
    """
    first, second = _periods(before, after, calendar_quarters)
    chosen = sorted(select_services(dataset, services))
    scopes = [*chosen, "ALL"]
    wanted = None if services is None else chosen
    metrics = scoped_metrics(
        dataset, [first, second], as_of=as_of, services=wanted, metrics=metrics
    )
    table = _pair(metrics, first, second, "metric_id")
    info = table["measure"].map(METRICS)
    table["source"] = "metric"
    table["label"] = [i.label for i in info]
    table["kind"] = [i.kind for i in info]
    table["improvement"] = [i.improvement for i in info]
    frames = [table]
    if "file_audits" in dataset:
        frames.append(_qa_pair(dataset, first, second, chosen))
    table = pd.concat(frames, ignore_index=True)
    table["scope_order"] = table["scope"].map({s: i for i, s in enumerate(scopes)})
    table = table.sort_values(["scope_order"], kind="stable", ignore_index=True)
    for name, period in (("before", first), ("after", second)):
        table[name] = period.label
        table[f"{name}_start"] = period.start
        table[f"{name}_end"] = period.end
    return _judge(table, first, second)[COMPARE_COLUMNS]


def _periods(before, after, calendar_quarters: bool) -> tuple[Period, Period]:
    first = as_quarter(before, calendar_quarters=calendar_quarters)
    second = as_quarter(after, calendar_quarters=calendar_quarters)
    if first.start == second.start:
        raise CompareError(
            f"before and after are the same quarter ({first}): choose two different quarters"
        )
    if first.start > second.start:
        raise CompareError(
            f"the quarters are the wrong way round: before ({first}) is later than after "
            f"({second}); give the earlier quarter as before"
        )
    return first, second


def _pair(table: pd.DataFrame, first: Period, second: Period, measure: str) -> pd.DataFrame:
    """The two periods' rows of one tidy table side by side, by scope and measure."""
    sides = []
    for name, period in (("before", first), ("after", second)):
        side = table[table["period"] == period.label].set_index(["scope", measure])[_SIDE]
        sides.append(side.add_prefix(f"{name}_"))
    paired = sides[0].join(sides[1], how="outer", sort=False)
    return paired.rename_axis(["scope", "measure"]).reset_index()


def _qa_pair(data: Dataset, first: Period, second: Period, chosen: list[str]) -> pd.DataFrame:
    """QA compliance per criterion in both quarters, in the metrics' column names."""
    frames = []
    for period in (first, second):
        qa = compliance(data, period, services=chosen)
        frames.append(
            qa.rename(columns={"met": "numerator", "applicable": "denominator"}).assign(
                period=period.label, pending=0
            )
        )
    both = pd.concat(frames, ignore_index=True)
    wording = both.drop_duplicates("criterion_id").set_index("criterion_id")["wording"]
    paired = _pair(both, first, second, "criterion_id")
    for name in ("before", "after"):  # a criterion only audited in the other quarter
        paired[f"{name}_status"] = paired[f"{name}_status"].fillna("not_audited")
    label = "ten-file QA " + paired["measure"]
    words = paired["measure"].map(wording).fillna("")
    words = words.str[:1].str.lower() + words.str[1:]
    paired["label"] = label.where(words == "", label + " (" + words + ")")
    return paired.assign(source="qa", kind="proportion", improvement="increase")


def _judge(table: pd.DataFrame, first: Period, second: Period) -> pd.DataFrame:
    """The difference, its interval, the exact test and the words, for every row at once."""
    numbers = {
        c: pd.to_numeric(table[c], errors="coerce").to_numpy(dtype=float)
        for c in ("before_numerator", "before_denominator", "after_numerator", "after_denominator")
    }
    before_value = pd.to_numeric(table["before_value"], errors="coerce").to_numpy(dtype=float)
    after_value = pd.to_numeric(table["after_value"], errors="coerce").to_numpy(dtype=float)
    proportion = (table["kind"] == "proportion").to_numpy()
    both = (table["before_status"] == "ok").to_numpy() & (table["after_status"] == "ok").to_numpy()
    tested = proportion & both

    def counts(name):
        return np.where(tested, numbers[name], np.nan)

    diff = newcombe_difference(
        counts("after_numerator"),
        counts("after_denominator"),
        counts("before_numerator"),
        counts("before_denominator"),
    )
    table["difference"] = np.where(both, after_value - before_value, np.nan)
    table["diff_low"], table["diff_high"] = diff.low, diff.high
    small, p_value = _exact(tested, numbers)
    table["exact_p"] = p_value

    change = np.full(len(table), NO_CLEAR_CHANGE, dtype=object)
    reason = np.full(len(table), "", dtype=object)
    for improvement, better in (("increase", True), ("decrease", False), ("neutral", None)):
        rows = tested & (table["improvement"] == improvement).to_numpy()
        change[rows] = describe_change(diff.low[rows], diff.high[rows], better)
    claimed = tested & (change != NO_CLEAR_CHANGE)
    withheld = claimed & small & ~(p_value < ALPHA)
    change[withheld] = NO_CLEAR_CHANGE
    reason[tested] = _no_change_words(diff.low[tested], diff.high[tested], p_value[tested])
    reason[claimed & ~withheld] = ""
    untested = both & ~proportion
    change[untested] = NOT_TESTED
    reason[untested] = np.where(
        table.loc[untested, "kind"] == "mean",
        "a mean score: the values are shown without a test (feel_involved_agree is tested)",
        "a count, not a proportion: the values are shown without a test",
    )
    missing = ~both
    change[missing] = CANNOT_COMPARE
    reason[missing] = _why_missing(table[missing], first, second)
    table["change"], table["reason"] = change, reason
    table["method"] = np.select(
        [tested & small, tested],
        [
            "Newcombe hybrid score 95% interval; Fisher's exact test (small counts)",
            "Newcombe hybrid score 95% interval",
        ],
        default="",
    )
    return table


def _no_change_words(low: np.ndarray, high: np.ndarray, p_value: np.ndarray) -> np.ndarray:
    """Why no change is claimed, once and truly, with the interval: where it includes 0, too few
    to tell or a small difference; where it excludes 0, the exact test that does not confirm it
    (rows where a change is claimed get these words too and are blanked by the caller)."""
    large = f"{SMALL_CHANGE * 100:g} points"
    head = no_change_reason(low, high)
    interval = (
        "the 95% interval of the difference (" + points_text(low) + " to "
        + points_text(high) + " points)"
    )  # fmt: skip
    p_text = np.char.mod("%.3f", np.nan_to_num(p_value)).astype(object)
    return np.select(
        [head == TOO_FEW, head != ""],
        [
            head + ": " + interval + f" includes 0 and changes of {large} or more",
            head + ": " + interval + f" includes 0 but rules out a change of {large} or more",
        ],
        default=TOO_FEW + ": " + interval + " excludes 0, but Fisher's exact test, used for "
        "counts this small, does not confirm a change (p = " + p_text + ")",
    )


def points_text(values) -> np.ndarray:
    """Differences as signed percentage points ("+25", "−3"), whole where that shows them, with
    up to 4 decimals where a difference other than 0 would round to 0 ("+0.04"): an interval
    end never looks like 0 when it is not."""
    points = np.atleast_1d(np.asarray(values, dtype=float)) * 100
    decimals = np.zeros(points.shape, dtype=np.int64)
    shown = np.round(points)
    for places in (1, 2, 3, 4):
        hidden = (shown == 0) & (points != 0)
        decimals[hidden] = places
        shown = np.where(hidden, np.round(points, places), shown)
    text = np.full(points.shape, "", dtype=object)
    for places in np.unique(decimals):
        rows = (decimals == places) & ~np.isnan(points)
        text[rows] = np.char.mod(f"%+.{places}f", points[rows]).astype(object)
    return np.char.replace(text.astype(str), "-", "−").astype(object)


def _exact(tested: np.ndarray, numbers: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Which rows need an exact test, and Fisher's p-value for those (NaN elsewhere).

    Computed once per distinct 2x2 table: small audits repeat the same counts often.
    """
    keys = ("after_numerator", "after_denominator", "before_numerator", "before_denominator")
    counts = np.column_stack([np.where(tested, numbers[k], 0) for k in keys]).astype(np.int64)
    small = np.zeros(len(tested), dtype=bool)
    p_value = np.full(len(tested), np.nan)
    if not tested.any():
        return small, p_value
    distinct, inverse = np.unique(counts[tested], axis=0, return_inverse=True)
    need = np.array([needs_exact(*map(int, row)) for row in distinct], dtype=bool)
    p = np.array(
        [exact_test(*map(int, row)) if n else np.nan for row, n in zip(distinct, need, strict=True)]
    )
    small[tested] = need[inverse.ravel()]
    p_value[tested] = p[inverse.ravel()]
    return small, p_value


def _why_missing(rows: pd.DataFrame, first: Period, second: Period) -> np.ndarray:
    """Which period has no value, and why, e.g. "no value in 2026/27 Q1: nothing to measure"."""
    parts = []
    for name, period in (("before", first), ("after", second)):
        status = rows[f"{name}_status"]
        words = period.label + ": " + status.map(STATUS_WORDS).fillna("no value")
        parts.append(np.where(status == "ok", "", words.to_numpy(dtype=object)))
    return "no value in " + join(parts, "; ")
