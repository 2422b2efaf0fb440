"""SPC: hand-worked series for each rule and verdict, and NHSRplotthedots as an oracle."""

from __future__ import annotations

import io
import os
import time

os.environ.setdefault("MPLBACKEND", "Agg")  # before anything imports pyplot

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from auditlib.charts import spc_chart
from auditlib.spc import SpcError, SpcResult, spc

# A baseline whose numbers are easy by hand: mean 11, every moving range 2, so
# limits 11 +/- 2.66 x 2 = 5.68 and 16.32, 2 sigma band 11 +/- 3.5467 = 7.4533 and
# 14.5467.  It ends on 10, below the mean, and alternates, so it never signals.
BASE = [12.0, 10.0] * 6
FIXED = {"fix_after_n_points": 12}


def monthly(values, start="2024-04", **columns) -> pd.DataFrame:
    periods = pd.period_range(start, periods=len(values), freq="M")
    return pd.DataFrame({"period": periods, "value": values, **columns})


def run(values, **kwargs) -> SpcResult:
    return spc(monthly(values), **kwargs)


def tail(result: SpcResult, column: str) -> list:
    """A column for the points after BASE (missing labels as None)."""
    return [None if pd.isna(v) else v for v in result.points[column].iloc[len(BASE) :]]


# ---- limits --------------------------------------------------------------------------


def test_xmr_limits_worked_by_hand():
    # mean 7; moving ranges 2, 1, 3, 1 -> mean 1.75; limits 7 +/- 4.655
    r = run([5, 7, 6, 9, 8])
    p = r.points.iloc[0]
    assert p["mean"] == pytest.approx(7.0)
    assert p["upl"] == pytest.approx(11.655)
    assert p["lpl"] == pytest.approx(2.345)
    assert p["near_upper"] == pytest.approx(7 + 2 / 3 * 2.66 * 1.75)
    assert p["near_lower"] == pytest.approx(7 - 2 / 3 * 2.66 * 1.75)
    assert p["sigma"] == pytest.approx(1.75 * 2.66 / 3)  # = mR / 1.128 to 3 figures
    assert not r.points["special_cause_flag"].any()


def test_limits_are_clipped_to_the_measure_s_possible_range():
    # Each series alternates two values over 12 points. Share 0.9/1.0: mean 0.95, mean moving
    # range 0.1, limits 0.95 -/+ 0.266 = 0.684 to 1.216, near band 0.95 + 0.177 = 1.127: both
    # above 100% are clipped to 1. Score 4.8/5.0: 4.9 -/+ 0.532 -> upper 5.432 clipped to 5.
    # Count 0/2: 1 -/+ 5.32 -> lower -4.32 clipped to 0, upper 6.32 kept (no upper bound).
    data = pd.DataFrame(
        {
            "series": np.repeat(["share", "score", "count"], 12),
            "x": np.tile(np.arange(12), 3),
            "value": np.r_[np.tile([0.9, 1.0], 6), np.tile([4.8, 5.0], 6), np.tile([0, 2], 6)],
        }
    )
    bounds = {"lower_bound": {"share": 0, "score": 1, "count": 0},
              "upper_bound": {"share": 1, "score": 5}}  # fmt: skip
    summary = spc(data, x="x", by="series", **bounds).summary.set_index("series")
    assert summary.loc["share", "upl"] == 1.0 and summary.loc["share", "near_upper"] == 1.0
    assert summary.loc["share", "lpl"] == pytest.approx(0.95 - 0.266)
    assert summary.loc["score", "upl"] == 5.0
    assert summary.loc["score", "lpl"] == pytest.approx(4.9 - 0.532)
    assert summary.loc["count", "lpl"] == 0.0
    assert summary.loc["count", "upl"] == pytest.approx(1 + 5.32)
    unclipped = spc(data, x="x", by="series").summary.set_index("series")
    assert unclipped.loc["share", "upl"] == pytest.approx(0.95 + 0.266)


def test_base_limits():
    r = run(BASE)
    s = r.summary.iloc[0]
    assert (s["mean"], s["lpl"], s["upl"]) == pytest.approx((11, 5.68, 16.32))
    assert (s["near_lower"], s["near_upper"]) == pytest.approx((11 - 3.546667, 11 + 3.546667))


# NHSRplotthedots' own test (tests/testthat/test-ptd_spc_standard.R, snapshot
# _snaps/ptd_spc_standard.md): set.seed(123); y <- rnorm(20)
RNORM_123 = [
    -0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774,
    1.71506499, 0.46091621, -1.26506123, -0.68685285, -0.44566197,
    1.22408180, 0.35981383, 0.40077145, 0.11068272, -0.55584113,
    1.78691314, 0.49785048, -1.96661716, 0.70135590, -0.47279141,
]  # fmt: skip


@pytest.mark.parametrize(
    ("outlier", "screen", "expected"),
    [
        (False, True, (0.1416238, -3.01138, 3.294627)),
        (True, True, (0.6694159, -2.383666, 3.722497)),
        (True, False, (0.6694159, -4.596625, 5.935457)),
    ],
)
def test_limits_match_nhsrplotthedots_snapshots(outlier, screen, expected):
    y = list(RNORM_123)
    if outlier:
        y[14] = 10.0  # R's data$y[15] <- 10
    r = spc(
        pd.DataFrame({"x": pd.date_range("2020-01-02", periods=20), "y": y}),
        value="y",
        x="x",
        screen_outliers=screen,
    )
    s = r.summary.iloc[0]
    assert (s["mean"], s["lpl"], s["upl"]) == pytest.approx(expected, abs=1e-6)


def test_p_chart_limits_from_each_n():
    n = np.array([10, 100, 1000])
    x = np.array([2, 30, 250])
    r = spc(monthly(x / n, n=n), chart="p", n="n")
    pbar = 282 / 1110
    sd = np.sqrt(pbar * (1 - pbar) / n)
    pts = r.points
    assert pts["mean"].to_numpy() == pytest.approx([pbar] * 3)
    assert pts["upl"].to_numpy() == pytest.approx(np.minimum(pbar + 3 * sd, 1))
    assert pts["lpl"].to_numpy() == pytest.approx(np.maximum(pbar - 3 * sd, 0))
    assert pts["near_upper"].to_numpy() == pytest.approx(pbar + 2 * sd)
    assert pts["lpl"].iloc[0] == 0.0  # clipped: pbar - 3 sd < 0 for n = 10
    assert pts["upl"].iloc[0] == pytest.approx(0.667043, abs=1e-6)
    # the big-n point sits far enough from pbar to be outside its own narrow limits
    assert pts["outside_limits"].tolist() == [False, False, False]
    assert pts["upl"].iloc[2] - pts["lpl"].iloc[2] < pts["upl"].iloc[1] - pts["lpl"].iloc[1]


def test_p_chart_zero_n_is_missing_and_bad_proportions_rejected():
    r = spc(monthly([0.5, np.nan, 0.4], n=[10, 0, 10]), chart="p", n="n")
    assert r.points["missing"].tolist() == [False, True, False]
    with pytest.raises(SpcError, match="proportion"):
        spc(monthly([50, 40], n=[10, 10]), chart="p", n="n")
    with pytest.raises(SpcError, match="needs n"):
        spc(monthly([0.5, 0.4]), chart="p")


# ---- rule 1: outside the limits, and improvement vs concern -------------------------


@pytest.mark.parametrize(
    ("value", "direction", "point_type", "label", "icon"),
    [
        (17, "increase", "special_cause_improvement", "improvement", "improvement_high"),
        (17, "decrease", "special_cause_concern", "concern", "concern_high"),
        (17, "neutral", "special_cause_neutral_high", "neither", "neutral_high"),
        (5, "increase", "special_cause_concern", "concern", "concern_low"),
        (5, "decrease", "special_cause_improvement", "improvement", "improvement_low"),
        (16, "increase", "common_cause", None, "common_cause"),  # inside 16.32
    ],
)
def test_outside_limits_and_direction(value, direction, point_type, label, icon):
    r = run([*BASE, value], improvement=direction, **FIXED)
    last = r.points.iloc[-1]
    assert last["outside_limits"] == (value in (17, 5))
    assert last["point_type"] == point_type
    assert last["special_cause"] == label
    assert last["icon"] == icon


# ---- rule 2: shift ------------------------------------------------------------------------


def test_a_point_on_the_mean_breaks_a_shift():
    r = run([*BASE, *[11.5] * 6, 11.0, *[11.5] * 6], **FIXED)
    assert tail(r, "relative_to_mean")[6] == 0
    assert not r.points["shift"].any()
    assert not r.points["special_cause_flag"].any()


def test_seven_on_one_side_is_a_shift_and_all_seven_are_flagged():
    r = run([*BASE, *[11.5] * 7, 10.0], **FIXED)
    assert tail(r, "shift") == [True] * 7 + [False]
    assert tail(r, "point_type")[:7] == ["special_cause_improvement"] * 7
    assert tail(r, "signal")[:7] == ["shift"] * 7
    assert not run([*BASE, *[11.5] * 6, 10.0], **FIXED).points["shift"].any()
    below = run([*BASE, *[10.5] * 6], **FIXED)  # BASE ends below: 1 + 6 = 7 below
    assert tail(below, "shift") == [True] * 6
    assert below.points["shift"].iloc[len(BASE) - 1]
    assert tail(below, "special_cause") == ["concern"] * 6


# ---- rule 3: trend --------------------------------------------------------------------------

RISING_7 = [9.5, 10, 10.5, 11.5, 12, 12.5, 13]  # after BASE's last 10: a fall, then 6 rises


def test_seven_rising_is_a_trend_and_all_seven_are_flagged():
    r = run([*BASE, *RISING_7], **FIXED)
    assert tail(r, "trend") == [True] * 7
    assert not r.points["trend"].iloc[: len(BASE)].any()
    assert not r.points["shift"].any() and not r.points["outside_limits"].any()
    assert tail(r, "special_cause") == ["improvement"] * 7
    flipped = run([*BASE, *RISING_7], improvement="decrease", **FIXED)
    assert tail(flipped, "special_cause") == ["concern"] * 7
    # a trend reads by its direction, even for points below the mean
    assert tail(r, "icon") == ["improvement_high"] * 7


def test_six_rising_is_not_a_trend():
    # BASE's last 10, then 10 (a tie), 10.5 ... 13: six points rising
    r = run([*BASE, 10, 10.5, 11.5, 12, 12.5, 13], **FIXED)
    assert not r.points["trend"].any()


def test_a_tie_breaks_a_trend():
    r = run([*BASE, 9.5, 10, 10.5, 10.5, 11.5, 12, 12.5, 13], **FIXED)
    assert not r.points["trend"].any()


def test_seven_falling_is_a_trend():
    r = run([*BASE, 13, 12.5, 12, 11.5, 10.5, 10, 9.5], **FIXED)
    assert tail(r, "trend") == [True] * 7
    assert tail(r, "special_cause") == ["concern"] * 7
    assert r.summary["variation"].iloc[0] == "Special cause concern"


# ---- rule 4: two in three ----------------------------------------------------------------


def test_two_of_three_beyond_two_sigma_same_side():
    r = run([*BASE, 15, 11.5, 15], **FIXED)
    assert tail(r, "two_in_three") == [True, False, True]
    assert tail(r, "special_cause") == ["improvement", None, "improvement"]


def test_two_of_three_on_opposite_sides_is_not_flagged():
    r = run([*BASE, 15, 11.5, 7], **FIXED)
    assert tail(r, "near_lower")[2] > 7  # 7 is beyond the lower 2 sigma line
    assert not r.points["two_in_three"].any()


def test_two_of_three_needs_all_three_on_one_side():
    # as NHSRplotthedots and the Making Data Count tool: the middle point below the
    # mean means no 3 consecutive points on one side
    r = run([*BASE, 15, 10.5, 15], **FIXED)
    assert not r.points["two_in_three"].any()


def test_beyond_the_limits_counts_toward_two_in_three_by_default_only():
    values = [*BASE, 15, 11.5, 17]
    mdc = run(values, **FIXED)
    assert tail(mdc, "two_in_three") == [True, False, True]
    assert tail(mdc, "outside_limits") == [False, False, True]
    assert "Making Data Count" in mdc.settings["two_in_three"]
    assert "Making Data Count" in mdc.summary["two_in_three"].iloc[0]
    ptd = run(values, two_in_three_counts_beyond_limits=False, **FIXED)
    assert tail(ptd, "two_in_three") == [False, False, False]
    assert tail(ptd, "special_cause_flag") == [False, False, True]
    assert "NHSRplotthedots" in ptd.summary["two_in_three"].iloc[0]


# ---- verdicts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "target", "expected"),
    [
        ("increase", 20, "consistently misses target"),
        ("decrease", 20, "consistently meets target"),
        ("increase", 3, "consistently meets target"),
        ("decrease", 3, "consistently misses target"),
        ("increase", 12, "hit and miss"),
        ("decrease", 16.32, "hit and miss"),  # on the limit: it can still be hit
        ("neutral", 20, None),
        ("increase", None, None),
    ],
)
def test_assurance(direction, target, expected):
    s = run(BASE, improvement=direction, target=target).summary.iloc[0]
    assert s["assurance"] == expected


def test_variation_verdict_reads_the_latest_observed_point():
    s = run([*BASE, 17, np.nan], **FIXED).summary.iloc[0]
    assert s["variation"] == "Special cause improvement"
    assert s["last_x"] == pd.Period("2025-04", "M")
    assert run([*BASE, 17, 11], **FIXED).summary["variation"].iloc[0] == ("Common cause variation")
    neutral = run([*BASE, 5], improvement="neutral", **FIXED).summary.iloc[0]
    assert neutral["variation"] == "Special cause variation (low)"


def test_fewer_than_twelve_points_warns():
    assert run(BASE[:11]).summary["warning"].iloc[0].startswith("Only 11 points")
    assert "fewer than 12" in run(BASE[:11]).summary["warning"].iloc[0]
    assert run(BASE).summary["warning"].iloc[0] is None
    fixed = run([*BASE, *BASE], fix_after_n_points=6).summary.iloc[0]
    assert "fixed baseline" in fixed["warning"]
    empty = run([np.nan, np.nan]).summary.iloc[0]
    assert empty["warning"].startswith("No data") and empty["variation"] is None


# ---- baseline, rebase, gaps ------------------------------------------------------------


def test_fixed_baseline_uses_the_first_n_points_only():
    later = [30, 35, 31, 40, 33, 29, 38, 36]
    r = run([*BASE, *later], **FIXED)
    assert r.points["mean"].unique().tolist() == [11]
    assert r.points["upl"].iloc[-1] == pytest.approx(16.32)
    assert r.points["baseline"].tolist() == [True] * 12 + [False] * 8
    assert r.summary["baseline_points"].iloc[0] == 12
    assert r.points["outside_limits"].iloc[12:].all()  # judged against the baseline
    assert run([*BASE, *later]).points["mean"].iloc[0] != 11


SEG0 = [12, 10, 12, 10, 12, 10, 12, 10, 11.5, 11.5, 11.5, 11.5]  # ends 4 above its mean
SEG1 = [21.5, 21.5, 21.5, 22, 20, 22, 20, 22, 20, 22, 20, 20]  # starts 3 above its mean


@pytest.mark.parametrize(
    "rebase",
    [
        "2025-04",  # the x value (a Period label) of the first point of segment 1
        pd.Period("2025-04", "M"),
        [12],  # a position, as x is not numeric
        {"only": ["2025-04"]},  # per series
        "new_segment",  # a boolean column, True on each new segment's first row
    ],
)
def test_rebase_recomputes_limits_and_rules_do_not_cross(rebase):
    df = monthly([*SEG0, *SEG1], service="only", new_segment=[False] * 12 + [True] + [False] * 11)
    r = spc(df, by=["service"], rebase=rebase)
    pts = r.points
    assert pts["segment"].tolist() == [0] * 12 + [1] * 12
    assert pts["mean"].iloc[0] == pytest.approx(sum(SEG0) / 12)
    assert pts["mean"].iloc[-1] == pytest.approx(sum(SEG1) / 12)
    # the jump between segments is not a moving range of either
    amr1 = np.mean(np.abs(np.diff(SEG1)))
    assert pts["upl"].iloc[-1] == pytest.approx(sum(SEG1) / 12 + 2.66 * amr1)
    assert (pts["relative_to_mean"].iloc[8:15] == 1).all()  # 7 above, across the rebase
    assert not pts["shift"].any()
    s = r.summary.iloc[0]
    assert (s["segments"], s["segment_points"]) == (2, 12)


def test_rebase_on_or_after_a_date_between_points():
    df = pd.DataFrame({"period": pd.date_range("2024-01-01", periods=6, freq="MS")})
    df["value"] = [1.0, 2, 1, 5, 6, 5]
    r = spc(df, rebase="2024-03-15")
    assert r.points["segment"].tolist() == [0, 0, 0, 1, 1, 1]


def test_a_missing_value_is_kept_but_skipped():
    values = [5.0, 7, 6, 9, 8, 7, 6, 8]
    gap = [*values[:3], np.nan, *values[3:]]
    with_gap = spc(monthly(gap))
    without = spc(monthly(gap).dropna())
    assert with_gap.points["missing"].tolist() == [False] * 3 + [True] + [False] * 5
    assert pd.isna(with_gap.points["point_type"].iloc[3])
    kept = with_gap.points[~with_gap.points["missing"]].reset_index(drop=True)
    cols = ["mean", "upl", "lpl", "point_type", "shift", "trend"]
    pd.testing.assert_frame_equal(kept[cols], without.points[cols])
    assert with_gap.summary[["n_points", "n_missing"]].iloc[0].tolist() == [8, 1]
    # a gap does not break a run: 7 rising observed points across it are a trend
    rising = spc(monthly([1.0, 2, 3, np.nan, 4, 5, 6, 7]))
    assert rising.points["trend"].tolist() == [True] * 3 + [False] + [True] * 4


# ---- many series at once ------------------------------------------------------------------


def _many(seed=7, services=4, metrics=3, months=30):
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product(
        [
            [f"S{i}" for i in range(services)],
            [f"m{j}" for j in range(metrics)],
            pd.period_range("2023-04", periods=months, freq="M"),
        ],
        names=["service_id", "metric_id", "period"],
    )
    df = pd.DataFrame({"value": rng.integers(0, 12, len(idx)).astype(float)}, index=idx)
    df = df.reset_index()
    df.loc[rng.random(len(df)) < 0.05, "value"] = np.nan
    return df.sample(frac=1, random_state=1)  # shuffled: order must not matter


def test_many_series_in_one_call_match_each_alone():
    df = _many()
    improvement = {"m0": "increase", "m1": "decrease", "m2": "neutral"}
    target = pd.Series({"m0": 8.0, "m1": 3.0}).rename_axis("metric_id")
    opts = {"fix_after_n_points": 15, "rebase": ["2024-10"]}
    together = spc(
        df, by=["service_id", "metric_id"], improvement=improvement, target=target, **opts
    )
    assert len(together.summary) == 12
    for (service, metric), part in df.groupby(["service_id", "metric_id"]):
        alone = spc(
            part.drop(columns=["service_id", "metric_id"]),
            improvement=improvement[metric],
            target=target.get(metric),
            **opts,
        )
        points, row = together.series((service, metric))
        cols = list(alone.points.columns)
        pd.testing.assert_frame_equal(points[cols].reset_index(drop=True), alone.points)
        expected = alone.summary.iloc[0]
        for col in expected.index:
            assert row[col] == expected[col] or (pd.isna(row[col]) and pd.isna(expected[col]))


def test_direction_and_target_from_columns_and_bad_options():
    df = _many(services=2, metrics=2)
    df["direction"] = df["metric_id"].map({"m0": "increase", "m1": "decrease"})
    df["goal"] = df["metric_id"].map({"m0": 6.0, "m1": np.nan})
    r = spc(df, by=["service_id", "metric_id"], improvement="direction", target="goal")
    assert r.summary["improvement"].tolist() == ["increase", "decrease"] * 2
    np.testing.assert_array_equal(r.summary["target"], [6.0, np.nan, 6.0, np.nan])
    full = {("S0", "m0"): "decrease", ("S0", "m1"): "neutral", ("S1", "m0"): "increase"}
    partial = spc(df[df["service_id"] != "S1"], by=["service_id", "metric_id"], improvement=full)
    assert partial.summary["improvement"].tolist() == ["decrease", "neutral"]
    clash = df.assign(metric_id=df["metric_id"].str.replace("m", "S"))  # S0 is both
    with pytest.raises(SpcError, match="several by columns"):
        spc(clash, by=["service_id", "metric_id"], improvement={"S0": "increase"})
    with pytest.raises(SpcError, match="increase"):
        spc(df, by=["service_id", "metric_id"], improvement="upwards")
    with pytest.raises(SpcError, match="no improvement direction"):
        spc(df, by=["service_id", "metric_id"], improvement={"m0": "increase"})
    with pytest.raises(SpcError, match="more than one row"):
        spc(pd.concat([df, df.head(1)]), by=["service_id", "metric_id"])
    with pytest.raises(SpcError, match="columns not in data"):
        spc(df, by=["site"])


def test_empty_and_single_point_series():
    empty = pd.DataFrame({"period": pd.Series([], dtype="datetime64[ns]"), "value": []})
    r = spc(empty)
    assert (len(r.points), len(r.summary)) == (0, 0)
    one = spc(monthly([3.0])).summary.iloc[0]
    assert one["mean"] == 3 and np.isnan(one["upl"])
    assert one["warning"].startswith("Only 1 point behind")


def test_a_target_column_that_varies_within_a_series_is_refused():
    df = monthly([1.0, 2, 3], goal=[1, 2, 3])
    with pytest.raises(SpcError, match="same on every row"):
        spc(df, target="goal")
    assert spc(monthly([1.0, 2, 3], goal=[2, 2, 2]), target="goal").summary["target"][0] == 2


def test_six_thousand_series_run_quickly():
    rng = np.random.default_rng(0)
    services, metrics, months = 300, 20, 60
    sid = np.repeat(np.arange(services * metrics), months)
    df = pd.DataFrame(
        {
            "service_id": sid // metrics,
            "metric_id": sid % metrics,
            "period": np.tile(
                pd.period_range("2021-04", periods=months, freq="M"), services * metrics
            ),
            "value": rng.normal(50, 10, len(sid)),
        }
    )
    start = time.perf_counter()
    r = spc(df, by=["service_id", "metric_id"], target=55)
    elapsed = time.perf_counter() - start
    assert len(r.points) == 360_000 and len(r.summary) == 6_000
    assert elapsed < 10  # about 0.3-0.6 s here; generous for slow CI machines


# ---- NHSRplotthedots 0.2.x as an oracle --------------------------------------------------------


def _ptd_reference(y, screen, count_beyond_limits):
    """A line-by-line Python port of NHSRplotthedots' ptd_spc_standard and
    ptd_calculate_point_type (R/ptd_calculate_point_type.R, 0.2.x) for one series.

    ``count_beyond_limits`` swaps its "close to limits" for "close or outside" in
    the two-in-three rule, which is the Making Data Count change (issue #194).
    Returns the point types and the special-cause flags.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    mean = np.mean(y)
    mr = np.abs(np.diff(y))
    amr = np.mean(mr)
    if screen:
        amr = np.mean(mr[mr < 3.267 * amr])
    upl, lpl = mean + 2.66 * amr, mean - 2.66 * amr
    nupl, nlpl = mean + 2 * (2.66 / 3) * amr, mean - 2 * (2.66 / 3) * amr
    outside = (y > upl) | (y < lpl)
    rtm = np.sign(y - mean)
    close = ~outside & ((y < nlpl) | (y > nupl))
    counted = (close | outside) if count_beyond_limits else close

    def part_of_seven(v):
        vp = [*v, 0, 0, 0, 0, 0, 0]
        return np.array([any(abs(vp[i + k]) == 1 for k in range(7)) for i in range(n)])

    vp = [0] * 6 + list(rtm)
    seven_side = [
        float(all(vp[i] == vp[i - k] for k in range(1, 7)) and vp[i] != 0) for i in range(6, n + 6)
    ]
    trend7 = [0.0] * min(n, 6)
    for i in range(6, n):
        d = [np.sign(y[i - k] - y[i - k - 1]) for k in range(6)]
        trend7.append(1.0 if all(v == 1 for v in d) else -1.0 if all(v == -1 for v in d) else 0.0)
    cp = [0, 0, *counted.astype(int), 0, 0]
    rp = [0, 0, *rtm, 0, 0]
    two3 = np.array(
        [
            any(
                sum(cp[i + a : i + a + 3]) >= 2 and abs(sum(rp[i + a : i + a + 3])) == 3
                for a in (0, 1, 2)
            )
            for i in range(n)
        ]
    )
    part_trend = part_of_seven(trend7)
    part_two3 = two3 & counted
    part_side = part_of_seven(seven_side)
    sdy = np.sign(np.diff(y))
    right = np.r_[part_trend[1:], False] & part_trend
    sdy = np.where(right, np.r_[sdy, sdy[-1:]], np.r_[0, sdy])
    v = np.select(
        [outside, part_trend, part_two3, part_side],
        [rtm, np.where(sdy == 1, 1, -1), np.where(rtm > 0, 1, -1), np.where(rtm > 0, 1, -1)],
        0,
    )
    flag = outside | part_trend | part_two3 | part_side
    kind = np.where(v > 0, "special_cause_improvement", "special_cause_concern")
    return np.where(flag, kind, "common_cause"), flag, sdy


@pytest.mark.parametrize("count_beyond_limits", [False, True])
@pytest.mark.parametrize("screen", [False, True])
def test_rules_agree_with_nhsrplotthedots_on_random_series(screen, count_beyond_limits):
    rng = np.random.default_rng(2024)
    cases = []
    for case in range(300):
        length = int(rng.integers(8, 40))
        kind = case % 3
        if kind == 0:  # few distinct values: ties and points on the mean
            y = rng.integers(0, 4, length).astype(float)
        elif kind == 1:  # drifting: trends and shifts
            y = np.cumsum(rng.integers(-1, 3, length)).astype(float)
        else:  # spiky: limits and two-in-three
            y = rng.integers(0, 10, length).astype(float)
            y[rng.integers(length)] += 25
        cases.append(monthly(y, case=case))
    got = spc(
        pd.concat(cases),
        by="case",
        screen_outliers=screen,
        two_in_three_counts_beyond_limits=count_beyond_limits,
    ).points
    special = 0
    for case, frame in enumerate(cases):
        expected, flags, sdy = _ptd_reference(frame["value"], screen, count_beyond_limits)
        mine = got[got["case"] == case]
        assert mine["special_cause_flag"].tolist() == flags.tolist(), case
        # R labels a trend point "Decreasing" when its step to the right is a tie
        # (sdy == 0); there we use the trend's own direction instead
        sure = ~(flags & (sdy == 0) & mine["trend"].to_numpy())
        assert mine["point_type"].to_numpy()[sure].tolist() == expected[sure].tolist(), case
        special += int(flags.sum())
    assert special > 500  # the rules were exercised


# ---- chart ------------------------------------------------------------------------------------


def test_spc_chart_returns_a_figure_with_the_verdicts_in_words():
    df = monthly([*BASE, *RISING_7, 17], service_id="Oak House")
    r = spc(df, by="service_id", target=14, **FIXED)
    points, row = r.series("Oak House")
    fig = spc_chart(points, row, title="Oak House: participation", subtitle="Apr 2024 – Nov 2025")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "Latest point: Special cause improvement" in texts
    assert "Assurance: hit and miss" in texts
    assert "Oak House: participation" in texts
    assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"Mean", "Process limits", "Target", "Special cause: improvement"} <= set(legend)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue()[:4] == b"\x89PNG"


def test_spc_chart_defaults_and_warning_on_short_series():
    r = spc(monthly([5.0, 7, 6, 9, 8], service_id="Elm Court"), by="service_id")
    fig = spc_chart(*r.series("Elm Court"))
    ax = fig.axes[0]
    assert "Elm Court" in " ".join(t.get_text() for t in ax.texts)
    assert "Apr 2024 – Aug 2024" in ax.get_title(loc="left")
    assert "fewer than 12" in ax.get_title(loc="left")
