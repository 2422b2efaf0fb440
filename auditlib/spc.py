"""Statistical process control (SPC) in the NHS England "Making Data Count" style.

The reference behaviour is the NHS-R community's R package NHSRplotthedots
(``ptd_spc``): an XmR chart whose process limits sit at mean +/- 2.66 x the
mean moving range, with a near-limit (2 sigma) band at two thirds of that
distance, and four special-cause rules, each applied within one series and one
rebase segment:

1. **outside limits** -- a point above the upper or below the lower process limit;
2. **shift** -- 7 or more consecutive points on the same side of the mean; a point
   exactly on the mean breaks the run; every point of the run is flagged;
3. **trend** -- 7 or more consecutive points each higher (or each lower) than the
   one before; a tie breaks the trend; every point of the trend is flagged;
4. **two in three** -- in some 3 consecutive points, all on the same side of the
   mean, at least 2 lie beyond the 2 sigma line; those beyond it are flagged.

Rule 4 follows the Making Data Count team's current advice by default: a point
beyond the process limits *counts* as beyond 2 sigma.  NHSRplotthedots 0.2.2
counts only points between 2 sigma and the limits; pass
``two_in_three_counts_beyond_limits=False`` for that.  The result says which
rule was used (``SpcResult.settings["two_in_three"]`` and the summary column
``two_in_three``).

When a point meets several rules, the one that names its direction is chosen in
NHSRplotthedots' order: outside limits, then trend (the trend's direction), then
two in three, then shift.  The direction is then read against the metric's good
direction: "improvement", "concern", or "neither" for a neutral metric.

Choices where NHSRplotthedots is silent or differs, and why:

* **Missing values** (NaN value, or n of 0 for a p-chart) are kept in the output
  with ``missing=True`` and no flags, but left out of every calculation: the
  series is the observed points in order.  So a moving range is taken between
  the observed points either side of a gap, and a gap neither breaks nor extends
  a run.  A NaN row and an absent row therefore give the same answer.
  (NHSRplotthedots 0.2.x instead loses the moving ranges either side of an NA,
  and an NA can raise spurious flags: its issue #156.)
* **Outlier screening** of moving ranges (NHSRplotthedots' ``screen_outliers``,
  on there by default) is *off* by default, so limits are exactly the spec's
  mean +/- 2.66 x mean moving range, as in the Making Data Count Excel tool;
  ``screen_outliers=True`` drops moving ranges of at least 3.267 x their mean
  and recomputes, as NHSRplotthedots does.
* **Fewer than 12 points** on which the current limits rest gives a warning
  (NHSRplotthedots warns below 13 in code, 12 in its message).
* **fix_after_n_points** counts observed points, within each rebase segment.
* **rebase** starts a new segment at the first point on or after each given x
  value (NHSRplotthedots needs an exact date match); limits, baselines and all
  rules restart in each segment, as there.
* A trend point whose step to the next point is a tie takes its own trend's
  direction (NHSRplotthedots 0.2.x calls it "decreasing" whatever the trend).
* **Variation verdict** is the latest observed point's type, and **assurance**
  compares the target with the latest point's process limits, both as
  NHSRplotthedots' icons do.
* The p-chart (not in NHSRplotthedots) has centre p-bar = sum(x) / sum(n) over
  the baseline and limits p-bar +/- 3 sqrt(p-bar (1 - p-bar) / n_i) from each
  point's own n, clipped to [0, 1]; the same four rules apply.
* **Limits within the measure's range**: with ``lower_bound`` / ``upper_bound``
  (e.g. 0-1 for a proportion, 1-5 for a score, 0 for a count) limits and the
  2-sigma band are clipped to them (NHSRplotthedots does not truncate), so no
  chart shows a limit the measure cannot reach.

Every calculation is a whole-table numpy operation over all series at once, so
thousands of series take well under a second or two.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import SpcError

__all__ = [
    "LIMIT",
    "MIN_POINTS",
    "MR_SCREEN",
    "RUN_LENGTH",
    "SpcError",
    "SpcResult",
    "spc",
]

LIMIT = 2.66
"""Process limits sit at mean +/- LIMIT x mean moving range (3 / 1.128, rounded)."""
NEAR = 2 * (LIMIT / 3)  # written as NHSRplotthedots does, for identical rounding
"""The near-limit (2 sigma) band: two thirds of the way to the limits."""
MR_SCREEN = 3.267
"""Upper range limit (D4 for n = 2) for screening moving ranges."""
RUN_LENGTH = 7
"""Points needed for a shift or a trend."""
MIN_POINTS = 12
"""Fewer points than this behind the limits carries a warning."""

_DIRECTIONS = {"increase": 1, "decrease": -1, "neutral": 0}
_TWO_IN_THREE_MDC = (
    "Making Data Count advice: a point beyond the process limits counts as beyond 2 sigma"
)
_TWO_IN_THREE_PTD = (
    "NHSRplotthedots 0.2.2: only points between 2 sigma and the process limits count"
)

# Point types as NHSRplotthedots names them, indexed by code.
_POINT_TYPES = np.array(
    [
        "common_cause",
        "special_cause_improvement",
        "special_cause_concern",
        "special_cause_neutral_high",
        "special_cause_neutral_low",
        None,  # missing
    ],
    dtype=object,
)
_SPECIAL_CAUSE = np.array(
    [None, "improvement", "concern", "neither", "neither", None], dtype=object
)
_VARIATION = np.array(
    [
        "Common cause variation",
        "Special cause improvement",
        "Special cause concern",
        "Special cause variation (high)",
        "Special cause variation (low)",
        None,
    ],
    dtype=object,
)
_SIGNALS = np.array([None, "outside_limits", "trend", "two_in_three", "shift"], dtype=object)
_ASSURANCE = {
    "consistent_pass": "consistently meets target",
    "consistent_fail": "consistently misses target",
    "inconsistent": "hit and miss",
}
_MISSING = object()


@dataclass(frozen=True)
class SpcResult:
    """The outcome of :func:`spc`.

    ``points`` has one row per input row (sorted by series then x) with the
    limits in force, each rule's flag and the point's type; ``summary`` has one
    row per series with the verdicts in words; ``settings`` records how the
    numbers were made, including which two-in-three rule was followed.
    """

    points: pd.DataFrame
    summary: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def by(self) -> list[str]:
        return list(self.settings.get("by", []))

    def series(
        self, key: Hashable | tuple | Mapping[str, Any] | None = None
    ) -> tuple[pd.DataFrame, pd.Series]:
        """The points and the summary row of one series, e.g. for :func:`charts.spc_chart`.

        ``key`` is the series' value of the ``by`` column (a tuple for several
        columns, or a mapping column -> value); omit it when there is one series.
        """
        by = self.by
        if not by:
            return self.points, self.summary.iloc[0]
        if isinstance(key, Mapping):
            wanted = dict(key)
        else:
            values = key if isinstance(key, tuple) else (key,)
            if len(values) != len(by):
                raise SpcError(f"a series key needs {len(by)} values, one for each of {by}")
            wanted = dict(zip(by, values, strict=True))
        pmask = np.ones(len(self.points), dtype=bool)
        smask = np.ones(len(self.summary), dtype=bool)
        for column, value in wanted.items():
            pmask &= (self.points[column] == value).to_numpy()
            smask &= (self.summary[column] == value).to_numpy()
        if not smask.any():
            raise SpcError(f"no series {wanted}")
        return self.points[pmask], self.summary[smask].iloc[0]


def spc(
    data: pd.DataFrame,
    *,
    value: str = "value",
    x: str = "period",
    by: str | list[str] | None = None,
    improvement: str | pd.Series | Mapping = "increase",
    chart: str = "xmr",
    n: str | None = None,
    target: float | str | pd.Series | Mapping | None = None,
    fix_after_n_points: int | None = None,
    rebase: Any = None,
    two_in_three_counts_beyond_limits: bool = True,
    screen_outliers: bool = False,
    min_points: int = MIN_POINTS,
    lower_bound: float | str | pd.Series | Mapping | None = None,
    upper_bound: float | str | pd.Series | Mapping | None = None,
) -> SpcResult:
    """SPC for one or many series at once: limits, special-cause rules and verdicts.

    ``data`` is a long table: one row per series and x (e.g. month), the series
    named by the ``by`` columns.  ``chart`` is ``"xmr"`` (default) or ``"p"``:
    for a p-chart ``value`` is the proportion (0-1) and ``n`` its denominator.

    ``improvement`` ("increase", "decrease" or "neutral") and ``target`` may be
    one value for all series, a column name of ``data`` (constant within each
    series), a dict keyed by series key (a tuple when ``by`` has several
    columns) or by the values of one ``by`` column (e.g. metric_id), or a
    Series indexed by some of the ``by`` columns (index names must match).

    ``rebase`` starts a new segment, with its own limits and rules, at the first
    point on or after each given x value; integers are positions (0-based,
    counting every row of the series) when x is not numeric.  Give one value or
    a list for every series, a dict of them by series key, or the name of a
    boolean column that is True on each segment's first row.

    ``fix_after_n_points`` computes each segment's limits from its first n
    observed points only.  Two-in-three counts points beyond the process limits
    (Making Data Count advice) unless ``two_in_three_counts_beyond_limits`` is
    False (NHSRplotthedots 0.2.2).  Moving ranges are not screened for outliers
    unless ``screen_outliers`` (NHSRplotthedots' default).  ``lower_bound`` and
    ``upper_bound`` (given like ``target``) are the measure's possible range,
    e.g. 0 and 1 for a proportion, 1 and 5 for a 1-5 score: limits and the
    near-limit band are clipped to it, so a chart never shows a limit the
    measure cannot reach (a p-chart is always clipped to 0-1).  See the module
    docstring for every choice and why.

    Returns an :class:`SpcResult`: ``points`` (per row: ``missing``, ``segment``,
    ``baseline``, ``mean``, ``lpl``, ``upl``, ``near_lower``, ``near_upper``,
    ``sigma``, ``relative_to_mean``, the rule flags ``outside_limits``,
    ``shift``, ``trend``, ``two_in_three``, then ``special_cause_flag``,
    ``signal`` (the deciding rule), ``point_type``, ``special_cause``
    ("improvement"/"concern"/"neither") and ``icon``) and ``summary`` (per
    series: counts, the latest limits, ``variation``, ``assurance``,
    ``two_in_three`` (the rule followed) and ``warning``).
    """
    if not isinstance(data, pd.DataFrame):
        raise SpcError("data must be a pandas DataFrame")
    by_cols = [by] if isinstance(by, str) else list(by or [])
    chart = str(chart).lower()
    if chart not in ("xmr", "p"):
        raise SpcError(f"chart must be 'xmr' or 'p', not {chart!r}")
    if chart == "p" and n is None:
        raise SpcError("a p-chart needs n: the column holding each point's denominator")
    needed = [*by_cols, x, value] + ([n] if n is not None else [])
    absent = [c for c in needed if c not in data.columns]
    if absent:
        raise SpcError(f"columns not in data: {absent}")
    if fix_after_n_points is not None and (
        isinstance(fix_after_n_points, bool) or int(fix_after_n_points) < 2
    ):
        raise SpcError("fix_after_n_points must be a whole number of at least 2")
    if data[x].isna().any():
        raise SpcError(f"column {x!r} has missing values: every row needs its x (period)")

    # ---- sort into series, then x -------------------------------------------------
    m = len(data)
    if by_cols:
        sid_raw = data.groupby(by_cols, sort=True, dropna=False, observed=True).ngroup()
        sid_raw = sid_raw.to_numpy(dtype=np.int64)
    else:
        sid_raw = np.zeros(m, dtype=np.int64)
    xcode = pd.factorize(data[x], sort=True)[0]
    order = np.lexsort((xcode, sid_raw))
    sid = sid_raw[order]
    xc = xcode[order]
    if m > 1:
        dup = (sid[1:] == sid[:-1]) & (xc[1:] == xc[:-1])
        if dup.any():
            where = data.iloc[order[np.flatnonzero(dup)[:5]]]
            shown = where[[*by_cols, x]].to_dict("records")
            raise SpcError(f"more than one row for the same series and {x}: {shown}")
    n_series = int(sid[-1]) + 1 if m else 0
    starts = np.flatnonzero(np.r_[True, sid[1:] != sid[:-1]]) if m else np.array([], int)
    counts = np.diff(np.r_[starts, m])
    sorted_data = data.iloc[order].reset_index(drop=True)
    keys = sorted_data[by_cols].iloc[starts].reset_index(drop=True)
    pos = np.arange(m) - np.repeat(starts, counts)

    # ---- values and missing points ------------------------------------------------
    y = _numeric(sorted_data[value], value)
    if chart == "p":
        nn = _numeric(sorted_data[n], n)
        observed = np.isfinite(y) & np.isfinite(nn) & (nn > 0)
        bad = observed & ((y < 0) | (y > 1))
        if bad.any():
            raise SpcError(
                f"a p-chart needs {value!r} as a proportion between 0 and 1; "
                f"{int(bad.sum())} rows are outside it (percentages? divide by 100)"
            )
    else:
        nn = None
        observed = np.isfinite(y)

    # ---- per-series settings -------------------------------------------------------
    directions = _per_series(
        improvement, "improvement", sorted_data, sid, keys, by_cols, order, data.index
    )
    dirn = np.empty(n_series, dtype=np.int8)
    unknown = set()
    for i, d in enumerate(directions):
        if d is _MISSING:
            raise SpcError(f"no improvement direction for series {_key_text(keys, i)}")
        code = _DIRECTIONS.get(str(d).lower()) if d is not None else None
        if code is None:
            unknown.add(d)
        else:
            dirn[i] = code
    if unknown:
        raise SpcError(f"improvement must be 'increase', 'decrease' or 'neutral', not {unknown}")
    if isinstance(target, str) and target not in data.columns:
        raise SpcError(f"target {target!r} is not a column of data (give a number or a column)")
    targets = _per_series(target, "target", sorted_data, sid, keys, by_cols, order, data.index)
    target_s = _floats_per_series(targets)
    bounds = [
        _floats_per_series(
            _per_series(bound, name, sorted_data, sid, keys, by_cols, order, data.index)
        )
        for bound, name in ((lower_bound, "lower_bound"), (upper_bound, "upper_bound"))
    ]

    seg_local = _segments(rebase, sorted_data, x, sid, pos, starts, counts, keys, by_cols)
    new_group = np.ones(m, dtype=bool)
    new_group[1:] = (sid[1:] != sid[:-1]) | (seg_local[1:] != seg_local[:-1])
    group = np.cumsum(new_group) - 1  # one id per (series, segment)
    n_groups = int(group[-1]) + 1 if m else 0
    seg_number = _rank_within(seg_local, sid, new_group)

    # ---- limits over observed points ----------------------------------------------
    obs = np.flatnonzero(observed)
    go = group[obs]
    yo = y[obs]
    first_in_group = np.r_[True, go[1:] != go[:-1]] if len(obs) else np.array([], bool)
    k = _rank_in_runs(first_in_group)  # 0-based rank of each observed point in its segment
    baseline = k < fix_after_n_points if fix_after_n_points is not None else np.ones_like(k, bool)
    bw = baseline.astype(float)

    with np.errstate(invalid="ignore", divide="ignore"):
        if chart == "xmr":
            centre_g = _group_mean(go, yo, bw, n_groups)
            mr = np.zeros(len(obs))
            mr_ok = np.zeros(len(obs), dtype=bool)
            if len(obs) > 1:
                mr[1:] = np.abs(np.diff(yo))
                mr_ok[1:] = (go[1:] == go[:-1]) & baseline[1:]
            amr_g = _group_mean(go, mr, mr_ok.astype(float), n_groups)
            if screen_outliers:
                mr_ok &= mr < MR_SCREEN * amr_g[go]
                amr_g = _group_mean(go, mr, mr_ok.astype(float), n_groups)
            centre = centre_g[group]
            spread = amr_g[group]
            sigma = spread * LIMIT / 3
            upl, lpl = centre + LIMIT * spread, centre - LIMIT * spread
            near_upper, near_lower = centre + NEAR * spread, centre - NEAR * spread
        else:
            # p-bar = sum(p_i n_i) / sum(n_i) over the baseline: the pooled proportion
            pbar_g = _group_mean(go, yo, bw * nn[obs], n_groups)
            centre = pbar_g[group]
            sigma = np.where(
                nn > 0, np.sqrt(centre * (1 - centre) / np.where(nn > 0, nn, 1)), np.nan
            )
            upl = np.minimum(centre + 3 * sigma, 1.0)
            lpl = np.maximum(centre - 3 * sigma, 0.0)
            near_upper = np.minimum(centre + 2 * sigma, 1.0)
            near_lower = np.maximum(centre - 2 * sigma, 0.0)
        low_bound, high_bound = bounds[0][sid], bounds[1][sid]
        lpl, near_lower = (np.where(v < low_bound, low_bound, v) for v in (lpl, near_lower))
        upl, near_upper = (np.where(v > high_bound, high_bound, v) for v in (upl, near_upper))

    # ---- the rules, on observed points only ----------------------------------------
    flags = _rules(
        yo,
        go,
        centre[obs],
        upl[obs],
        lpl[obs],
        near_upper[obs],
        near_lower[obs],
        two_in_three_counts_beyond_limits,
    )
    outside, shift, trend, tin3, rtm, signal_dir, signal = flags
    special = signal > 0
    dir_o = dirn[sid[obs]].astype(np.int64)
    oriented = signal_dir * dir_o
    type_o = np.zeros(len(obs), dtype=np.int8)
    type_o[special & (dir_o != 0) & (oriented > 0)] = 1
    type_o[special & (dir_o != 0) & (oriented < 0)] = 2
    type_o[special & (dir_o == 0) & (signal_dir > 0)] = 3
    type_o[special & (dir_o == 0) & (signal_dir < 0)] = 4

    def spread_out(values: np.ndarray, fill: Any) -> np.ndarray:
        full = np.full(m, fill, dtype=values.dtype if fill is not None else object)
        full[obs] = values
        return full

    type_code = spread_out(type_o, np.int8(5))
    signal_code = spread_out(signal.astype(np.int8), np.int8(0))
    sdir = spread_out(signal_dir.astype(np.int8), np.int8(0))
    icon = _icons(type_code, sdir)
    baseline_full = np.zeros(m, dtype=bool)
    baseline_full[obs] = baseline

    points = {c: sorted_data[c] for c in by_cols}
    points[x] = sorted_data[x]
    points[value] = sorted_data[value]
    if n is not None:
        points[n] = sorted_data[n]
    points.update(
        missing=~observed,
        segment=seg_number,
        baseline=baseline_full,
        mean=centre,
        lpl=lpl,
        upl=upl,
        near_lower=near_lower,
        near_upper=near_upper,
        sigma=sigma,
        relative_to_mean=spread_out(rtm.astype(np.int8), np.int8(0)),
        outside_limits=spread_out(outside, False),
        shift=spread_out(shift, False),
        trend=spread_out(trend, False),
        two_in_three=spread_out(tin3, False),
        special_cause_flag=signal_code > 0,
        signal=_SIGNALS[signal_code],
        point_type=_POINT_TYPES[type_code],
        special_cause=_SPECIAL_CAUSE[type_code],
        icon=icon,
    )
    points_df = pd.DataFrame(points)

    # ---- one row per series ----------------------------------------------------------
    rule_text = _TWO_IN_THREE_MDC if two_in_three_counts_beyond_limits else _TWO_IN_THREE_PTD
    summary = _summary(
        keys=keys,
        n_series=n_series,
        sid=sid,
        obs=obs,
        group=group,
        baseline=baseline,
        type_code=type_code,
        icon=icon,
        arrays={
            "mean": centre,
            "lpl": lpl,
            "upl": upl,
            "near_lower": near_lower,
            "near_upper": near_upper,
        },
        xs=sorted_data[x],
        y=y,
        starts=starts,
        counts=counts,
        seg_number=seg_number,
        dirn=dirn,
        target=target_s,
        min_points=min_points,
        chart=chart,
        fixed=fix_after_n_points,
        rule_text=rule_text,
    )
    settings = {
        "chart": chart,
        "value": value,
        "x": x,
        "by": by_cols,
        "n": n,
        "limit_multiplier": LIMIT if chart == "xmr" else 3.0,
        "fix_after_n_points": fix_after_n_points,
        "rebase": rebase,
        "screen_outliers": screen_outliers,
        "two_in_three_counts_beyond_limits": two_in_three_counts_beyond_limits,
        "two_in_three": rule_text,
        "min_points": min_points,
        "missing_values": "left out; moving ranges and runs join the observed points either side",
        "reference": "NHSRplotthedots 0.2.x (NHS-R community), Making Data Count",
    }
    points_df.attrs["spc_settings"] = settings
    summary.attrs["spc_settings"] = settings
    return SpcResult(points=points_df, summary=summary, settings=settings)


# ---- the rules ------------------------------------------------------------------------


def _rules(yo, go, centre, upl, lpl, near_upper, near_lower, count_beyond_limits):
    """Flag the four rules on observed points sorted by segment (``go``) and x.

    Returns outside, shift, trend, two_in_three, relative-to-mean sign, the
    signal's direction (+1 high / -1 low) and the deciding rule (1-4, 0 none).
    """
    size = len(yo)
    if size == 0:
        none = np.zeros(0, dtype=bool)
        return none, none, none, none, np.zeros(0, np.int64), np.zeros(0, np.int64), none * 0
    with np.errstate(invalid="ignore"):
        outside = (yo > upl) | (yo < lpl)
        rtm = np.nan_to_num(np.sign(yo - centre)).astype(np.int64)
        near = ~outside & ((yo > near_upper) | (yo < near_lower))
    beyond = (near | outside) if count_beyond_limits else near
    same_prev = np.zeros(size, dtype=bool)
    if size > 1:
        same_prev[1:] = go[1:] == go[:-1]

    # shift: runs of one non-zero side of the mean, within a segment
    shift = (rtm != 0) & (_run_lengths(rtm, same_prev) >= RUN_LENGTH)

    # trend: runs of one non-zero step direction; a run of 6 steps spans 7 points
    step = np.zeros(size, dtype=np.int64)
    if size > 1:
        step[1:] = np.where(same_prev[1:], np.sign(yo[1:] - yo[:-1]), 0)
    step_in_trend = (step != 0) & (_run_lengths(step, same_prev) >= RUN_LENGTH - 1)
    next_in_trend = np.r_[step_in_trend[1:], False]
    next_step = np.r_[step[1:], 0]
    trend = step_in_trend | next_in_trend
    # direction as NHSRplotthedots: the step to the right if that is part of a trend
    trend_dir = np.where(next_in_trend, next_step, step)

    # two in three: windows of 3 in one segment, all one side, >= 2 beyond 2 sigma
    window = np.zeros(size, dtype=bool)  # window ending at this point qualifies
    if size > 2:
        b = beyond.astype(np.int64)
        window[2:] = (
            (go[2:] == go[:-2])
            & (rtm[2:] != 0)
            & (rtm[2:] == rtm[1:-1])
            & (rtm[2:] == rtm[:-2])
            & (b[2:] + b[1:-1] + b[:-2] >= 2)
        )
    in_window = window.copy()  # ... or the window ending 1 or 2 points later does
    in_window[:-1] |= window[1:]
    in_window[:-2] |= window[2:]
    tin3 = beyond & in_window

    signal = np.select([outside, trend, tin3, shift], [1, 2, 3, 4], 0)
    signal_dir = np.select([outside, trend, tin3, shift], [rtm, trend_dir, rtm, rtm], 0)
    return outside, shift, trend, tin3, rtm, signal_dir, signal


def _run_lengths(code: np.ndarray, same_prev: np.ndarray) -> np.ndarray:
    """Length of the run of equal ``code`` each element belongs to (runs end at segments)."""
    if not len(code):
        return np.zeros(0, dtype=np.int64)
    new_run = np.ones(len(code), dtype=bool)
    new_run[1:] = ~same_prev[1:] | (code[1:] != code[:-1])
    run_id = np.cumsum(new_run) - 1
    return np.bincount(run_id)[run_id]


def _rank_in_runs(first: np.ndarray) -> np.ndarray:
    """0-based position of each element within its run (runs start where ``first``)."""
    if not len(first):
        return np.zeros(0, dtype=np.int64)
    idx = np.arange(len(first))
    start = np.maximum.accumulate(np.where(first, idx, 0))
    return idx - start


def _rank_within(seg_local: np.ndarray, sid: np.ndarray, new_group: np.ndarray) -> np.ndarray:
    """Number the segments of each series 0, 1, 2, ... in x order."""
    if not len(sid):
        return np.zeros(0, dtype=np.int64)
    new_series = np.r_[True, sid[1:] != sid[:-1]]
    total = np.cumsum(new_group)
    at_start = np.maximum.accumulate(np.where(new_series, total, 0))
    return total - at_start


def _group_mean(groups: np.ndarray, values: np.ndarray, weights: np.ndarray, size: int):
    """Weighted mean of ``values`` per group id (NaN where a group has no weight)."""
    total = np.bincount(groups, weights=values * weights, minlength=size)
    weight = np.bincount(groups, weights=weights, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight > 0, total / np.where(weight > 0, weight, 1), np.nan)


def _icons(type_code: np.ndarray, sdir: np.ndarray) -> np.ndarray:
    """NHSRplotthedots-style variation icon names: common_cause, improvement_high, ..."""
    icon = np.full(len(type_code), None, dtype=object)
    icon[type_code == 0] = "common_cause"
    high = sdir > 0
    for code, word in ((1, "improvement"), (2, "concern"), (3, "neutral"), (4, "neutral")):
        is_code = type_code == code
        icon[is_code & high] = f"{word}_high"
        icon[is_code & ~high] = f"{word}_low"
    return icon


# ---- the summary --------------------------------------------------------------------


def _summary(
    *,
    keys,
    n_series,
    sid,
    obs,
    group,
    baseline,
    type_code,
    icon,
    arrays,
    xs,
    y,
    starts,
    counts,
    seg_number,
    dirn,
    target,
    min_points,
    chart,
    fixed,
    rule_text,
) -> pd.DataFrame:
    """One row per series: counts, the latest limits, verdicts in words and any warning."""
    so = sid[obs]
    n_points = np.bincount(so, minlength=n_series)
    has = n_points > 0
    # latest observed point of each series
    last_obs = np.full(n_series, -1, dtype=np.int64)
    if len(obs):
        is_last = np.r_[so[1:] != so[:-1], True]
        last_obs[so[is_last]] = obs[is_last]
    latest = np.where(has, last_obs, starts + counts - 1 if n_series else 0)
    latest_group = group[latest] if n_series else np.zeros(0, np.int64)
    in_group = np.bincount(group[obs], minlength=int(group.max()) + 1 if len(group) else 0)
    base_in_group = np.bincount(
        group[obs], weights=baseline.astype(float), minlength=len(in_group)
    ).astype(np.int64)
    segment_points = np.where(has, in_group[latest_group], 0) if n_series else in_group[:0]
    baseline_points = np.where(has, base_in_group[latest_group], 0) if n_series else in_group[:0]

    out = keys.copy()
    out["chart"] = chart
    names = {1: "increase", -1: "decrease", 0: "neutral"}
    out["improvement"] = [names[int(d)] for d in dirn]
    out["n_points"] = n_points
    out["n_missing"] = counts - n_points
    out["first_x"] = xs.iloc[starts].to_numpy() if n_series else []
    out["last_x"] = xs.iloc[latest].to_numpy() if n_series else []
    out["segments"] = seg_number[starts + counts - 1] + 1 if n_series else []
    out["segment_points"] = segment_points
    out["baseline_points"] = baseline_points
    for name, arr in arrays.items():
        out[name] = np.where(has, arr[latest], np.nan) if n_series else []
    out["latest_value"] = np.where(has, y[latest], np.nan) if n_series else []
    latest_type = np.where(has, type_code[latest], 5) if n_series else np.zeros(0, int)
    out["latest_point_type"] = _POINT_TYPES[latest_type]
    out["variation"] = _VARIATION[latest_type]
    out["variation_icon"] = np.where(has, icon[latest], None) if n_series else []
    tco = type_code[obs]
    out["n_special_improvement"] = np.bincount(so[tco == 1], minlength=n_series)
    out["n_special_concern"] = np.bincount(so[tco == 2], minlength=n_series)
    out["n_special_neutral"] = np.bincount(so[(tco == 3) | (tco == 4)], minlength=n_series)
    out["target"] = target

    upl = out["upl"].to_numpy(dtype=float)
    lpl = out["lpl"].to_numpy(dtype=float)
    ok = np.isfinite(target) & np.isfinite(upl) & np.isfinite(lpl) & (dirn != 0)
    above = target > upl
    below = target < lpl
    up = dirn > 0
    code = np.full(n_series, None, dtype=object)
    code[ok] = "inconsistent"
    code[ok & above & up] = "consistent_fail"
    code[ok & above & ~up] = "consistent_pass"
    code[ok & below & up] = "consistent_pass"
    code[ok & below & ~up] = "consistent_fail"
    out["assurance_type"] = code
    out["assurance"] = [None if c is None else _ASSURANCE[c] for c in code]
    out["two_in_three"] = rule_text
    out["warning"] = [
        _warning(int(p), int(b), fixed, min_points)
        for p, b in zip(n_points, baseline_points, strict=True)
    ]
    return out


def _warning(n_points: int, baseline_points: int, fixed: int | None, min_points: int):
    if n_points == 0:
        return "No data: every point is missing, so there are no limits and no verdict."
    if baseline_points < min_points:
        what = "fixed baseline" if fixed is not None else "current limits"
        return (
            f"Only {baseline_points} point{'s' if baseline_points != 1 else ''} behind the "
            f"{what} (fewer than {min_points}): "
            "the limits are unreliable and may move as data are added; "
            "read the verdicts with caution."
        )
    return None


# ---- options, one per series -----------------------------------------------------------


def _numeric(column: pd.Series, name: str) -> np.ndarray:
    try:
        return pd.to_numeric(column, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise SpcError(f"column {name!r} must be numeric") from exc


def _key_text(keys: pd.DataFrame, i: int) -> str:
    return str(tuple(keys.iloc[i])) if len(keys.columns) else "(the only series)"


def _floats_per_series(values: list) -> np.ndarray:
    """Per-series numbers from :func:`_per_series`, NaN where none was given."""
    return np.array(
        [np.nan if (v is _MISSING or v is None or pd.isna(v)) else float(v) for v in values],
        dtype=float,
    )


def _per_series(spec, what, sorted_data, sid, keys, by, order, index) -> list:
    """Resolve a per-series option (scalar, column, dict or Series) to one value per series."""
    n_series = len(keys) if by else (1 if len(sid) else 0)
    if spec is None:
        return [None] * n_series
    if isinstance(spec, str) and spec in sorted_data.columns and spec.lower() not in _DIRECTIONS:
        return _from_rows(sorted_data[spec].to_numpy(), sid, n_series, what)
    if isinstance(spec, pd.Series):
        names = [nm for nm in spec.index.names if nm is not None]
        if names and set(names) <= set(by):
            if spec.index.has_duplicates:
                raise SpcError(f"{what} Series has repeated index values")
            if len(names) == 1:
                looked = spec.reindex(pd.Index(keys[names[0]]))
            else:
                looked = spec.reindex(pd.MultiIndex.from_frame(keys[names]))
            return [_MISSING if pd.isna(v) else v for v in looked.to_numpy()]
        if spec.index.equals(index):
            values = spec.to_numpy()[order]  # one value per row of data, in its row order
            return _from_rows(values, sid, n_series, what)
        raise SpcError(
            f"{what} Series must be indexed by some of the by columns {by} "
            "(set its index names) or aligned with data's rows"
        )
    if isinstance(spec, Mapping):
        return _from_mapping(spec, keys, by, what)
    return [spec] * n_series


def _from_rows(values: np.ndarray, sid: np.ndarray, n_series: int, what: str) -> list:
    frame = pd.DataFrame({"sid": sid, "v": values})
    grouped = frame.groupby("sid", sort=True)["v"]
    if (grouped.nunique(dropna=True) > 1).any():
        raise SpcError(f"{what} must be the same on every row of a series")
    first = grouped.first().reindex(range(n_series))
    return [None if pd.isna(v) else v for v in first.to_numpy()]


def _from_mapping(spec: Mapping, keys: pd.DataFrame, by: list[str], what: str) -> list:
    """Values per series from a dict keyed by full series key or by one by-column's values."""
    if not by:
        raise SpcError(f"{what} given as a dict needs by= columns to key it on")
    full = keys[by[0]].tolist() if len(by) == 1 else list(keys.itertuples(index=False, name=None))
    if any(k in spec for k in full):
        return [spec.get(k, _MISSING) for k in full]
    wanted = set(spec)
    columns = [c for c in by if wanted & set(keys[c].tolist())]
    if len(columns) > 1:
        raise SpcError(
            f"{what} keys match values of several by columns {columns}; "
            "key the dict by full series keys or pass a Series with a named index"
        )
    if not columns:
        return [_MISSING] * len(keys)
    return [spec.get(v, _MISSING) for v in keys[columns[0]].tolist()]


def _segments(rebase, sorted_data, x, sid, pos, starts, counts, keys, by) -> np.ndarray:
    """Each row's segment number within its series (0 until the first rebase)."""
    xs = sorted_data[x]
    m = len(xs)
    if rebase is None:
        return np.zeros(m, dtype=np.int64)
    if isinstance(rebase, str) and rebase in sorted_data.columns and rebase != x:
        # a boolean column, True on the first row of each new segment
        flag = sorted_data[rebase].fillna(False).astype(bool).to_numpy()
        total = np.cumsum(flag)
        before = total[starts] - flag[starts]
        return total - np.repeat(before, counts)
    if isinstance(rebase, Mapping):
        seg = np.zeros(m, dtype=np.int64)
        per = _from_mapping(rebase, keys, by, "rebase")
        for s, values in enumerate(per):
            if values is _MISSING or values is None:
                continue
            lo, hi = starts[s], starts[s] + counts[s]
            seg[lo:hi] = _segment_of(values, xs.iloc[lo:hi], pos[lo:hi])
        return seg
    return _segment_of(rebase, xs, pos)


def _segment_of(values, xs: pd.Series, pos: np.ndarray) -> np.ndarray:
    """Count of rebase points at or before each row: x values, or positions for non-numeric x."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        values = [values]
    values = list(values)
    numeric_x = pd.api.types.is_numeric_dtype(xs.dtype) and not pd.api.types.is_bool_dtype(xs.dtype)
    positions = [
        int(v)
        for v in values
        if not numeric_x and isinstance(v, (int, np.integer)) and not isinstance(v, bool)
    ]
    x_values = [
        v
        for v in values
        if numeric_x or not isinstance(v, (int, np.integer)) or isinstance(v, bool)
    ]
    seg = np.searchsorted(np.sort(np.asarray(positions, dtype=np.int64)), pos, side="right")
    if x_values:
        coerced = _coerce_like(x_values, xs)
        seg = seg + coerced.searchsorted(xs.array, side="right")
    return np.asarray(seg, dtype=np.int64)


def _coerce_like(values: list, xs: pd.Series) -> pd.Index:
    """Rebase x values in the x column's own type, sorted, for searchsorted."""
    dtype = xs.dtype
    try:
        if isinstance(dtype, pd.PeriodDtype):
            index = pd.PeriodIndex([pd.Period(v, freq=dtype.freq) for v in values])
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            index = pd.DatetimeIndex(pd.to_datetime(values))
            if xs.dt.tz is not None and index.tz is None:
                index = index.tz_localize(xs.dt.tz)
            index = index.as_unit(xs.dt.unit)
        elif pd.api.types.is_numeric_dtype(dtype):
            index = pd.Index(np.asarray(values, dtype=float))
        else:
            index = pd.Index(values)
        return index.sort_values()
    except (TypeError, ValueError) as exc:
        raise SpcError(f"rebase values {values!r} cannot be compared with {xs.name!r}") from exc
