"""auditlib.stats against published values and arithmetic done independently here.

Published values: Newcombe RG (1998a) "Two-sided confidence intervals for the
single proportion: comparison of seven methods", Stat Med 17:857-872, Table I
method 3 (Wilson); Newcombe RG (1998b) "Interval estimation for the difference
between independent proportions: comparison of eleven methods", Stat Med
17:873-890, Table II method 10 (hybrid score), examples (a)-(h); Fisher's
lady tasting tea (two-sided p = 34/70). Binomial, hypergeometric and Fisher
probabilities are recomputed below with exact integer arithmetic (math.comb),
not with scipy, so the LQAS and exact-test checks do not lean on the code
under test.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from auditlib.cli import main
from auditlib.stats import (
    BELOW_TARGET,
    MEETS_TARGET,
    NO_APPLICABLE_FILES,
    NO_CLEAR_CHANGE,
    NO_DATA,
    Difference,
    LqasRule,
    describe_change,
    exact_test,
    lqas_classify,
    lqas_rule,
    lqas_sentence,
    needs_exact,
    newcombe_difference,
    sample_size_for_precision,
    sample_size_for_rule,
    wilson_interval,
)

Z95 = 1.959963984540054  # the 97.5% point of the standard normal

# --------------------------------------------------------------------------- exact helpers


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), summed term by term."""
    p_ = Fraction(p).limit_denominator(10**6)
    return float(sum(math.comb(n, i) * p_**i * (1 - p_) ** (n - i) for i in range(k + 1)))


def hyper_cdf(k: int, population: int, good: int, n: int) -> float:
    """P(X <= k) for the number of good files in n drawn without replacement."""
    total = math.comb(population, n)
    return float(
        sum(
            Fraction(math.comb(good, i) * math.comb(population - good, n - i), total)
            for i in range(k + 1)
        )
    )


def risks(n: int, d: int, upper: float, lower: float, population: int | None = None):
    """(alpha, beta) of the rule "meets target when at least d of n met"."""
    if population is None:
        return binom_cdf(d - 1, n, upper), 1 - binom_cdf(d - 1, n, lower)
    good_upper = math.ceil(round(upper * population, 9))
    good_lower = math.floor(round(lower * population, 9))
    return (
        hyper_cdf(d - 1, population, good_upper, n),
        1 - hyper_cdf(d - 1, population, good_lower, n),
    )


def some_rule_works(n, upper, lower, alpha, beta, population=None) -> bool:
    return any(
        a <= alpha and b <= beta
        for a, b in (risks(n, d, upper, lower, population) for d in range(1, n + 1))
    )


def fisher_two_sided(x1: int, n1: int, x2: int, n2: int) -> float:
    """Fisher's exact test: the sum of every table, margins fixed, no likelier than the one seen."""
    met = x1 + x2
    total = n1 + n2

    def prob(x: int) -> Fraction:
        return Fraction(math.comb(n1, x) * math.comb(n2, met - x), math.comb(total, met))

    seen = prob(x1)
    tables = range(max(0, met - n2), min(n1, met) + 1)
    return float(sum(prob(x) for x in tables if prob(x) <= seen))


# --------------------------------------------------------------------------- Wilson


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0000),
    ],
)
def test_wilson_reproduces_newcombe_1998a_table_i(x, n, low, high):
    got_low, got_high = wilson_interval(x, n)
    assert isinstance(got_low, float) and isinstance(got_high, float)
    assert (round(got_low, 4), round(got_high, 4)) == (low, high)


def test_wilson_matches_the_formula_worked_by_hand():
    # 5/10: centre 0.5, half-width z sqrt(n p q + z^2/4) / (n + z^2)
    half = Z95 * math.sqrt(10 * 0.25 + Z95**2 / 4) / (10 + Z95**2)
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.5 - half, abs=1e-12)
    assert high == pytest.approx(0.5 + half, abs=1e-12)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    # a 90% interval is narrower
    low90, high90 = wilson_interval(5, 10, alpha=0.10)
    assert low < low90 < high90 < high


def test_wilson_at_zero_and_all_stays_inside_zero_one():
    assert wilson_interval(0, 10) == (0.0, pytest.approx(0.2775, abs=5e-5))
    assert wilson_interval(10, 10) == (pytest.approx(0.7225, abs=5e-5), 1.0)


def test_wilson_ends_at_0_and_1_are_exact_not_floating_error():
    # statsmodels gives 2.78e-17 for the lower end of 0 of 7; it must print and compare as 0
    for n in range(1, 301):
        low, high = wilson_interval(0, n)
        assert low == 0.0, n
        low, high = wilson_interval(n, n)
        assert high == 1.0, n
    lows, highs = wilson_interval(np.array([0, 0, 9]), np.array([7, 9, 9]))
    assert list(lows[:2]) == [0.0, 0.0] and highs[2] == 1.0
    assert f"{wilson_interval(0, 7)[0]:.6g}" == "0"


def test_newcombe_ends_at_the_limits_are_exact():
    # 10 of 10 against 0 of 10 by hand: 1 - sqrt((1 - 0.7225)^2 + 0.2775^2) = 0.6075 and 1
    result = newcombe_difference(10, 10, 0, 10)
    assert round(result.low, 4) == 0.6075 and result.high == 1.0
    back = newcombe_difference(0, 10, 10, 10)
    assert back.low == -1.0


def test_wilson_with_no_denominator_is_nan_never_zero_or_one():
    low, high = wilson_interval(0, 0)
    assert math.isnan(low) and math.isnan(high)


def test_wilson_vectorised_with_nan_only_where_n_is_zero():
    low, high = wilson_interval(np.array([81, 0, 15, 10]), np.array([263, 0, 148, 10]))
    assert isinstance(low, np.ndarray) and low.shape == (4,)
    np.testing.assert_array_equal(np.isnan(low), [False, True, False, False])
    np.testing.assert_array_equal(np.isnan(high), [False, True, False, False])
    np.testing.assert_allclose(low[[0, 2, 3]], [0.2553, 0.0624, 0.7225], atol=5e-5)
    np.testing.assert_allclose(high[[0, 2, 3]], [0.3662, 0.1605, 1.0], atol=5e-5)


def test_wilson_series_in_series_out_with_missing_counts():
    index = pd.Index(["north", "south", "east"], name="service")
    x = pd.Series([81, pd.NA, 0], index=index, dtype="Int64")
    n = pd.Series([263, 12, 0], index=index)
    low, high = wilson_interval(x, n)
    assert isinstance(low, pd.Series) and low.index.equals(index)
    assert round(low["north"], 4) == 0.2553 and round(high["north"], 4) == 0.3662
    assert low[["south", "east"]].isna().all() and high[["south", "east"]].isna().all()


@pytest.mark.parametrize(("x", "n"), [(11, 10), (-1, 10), (2.5, 10), (1, -1)])
def test_wilson_refuses_counts_that_cannot_be_counts(x, n):
    with pytest.raises(ValueError, match="whole numbers"):
        wilson_interval(x, n)


# --------------------------------------------------------------------------- Newcombe


NEWCOMBE_TABLE_II = [  # (x1, n1, x2, n2, low, high), method 10
    (56, 70, 48, 80, 0.0524, 0.3339),  # (a)
    (9, 10, 3, 10, 0.1705, 0.8090),  # (b)
    (6, 7, 2, 7, 0.0582, 0.8062),  # (c)
    (5, 56, 0, 29, -0.0381, 0.1926),  # (d)
    (0, 10, 0, 20, -0.1611, 0.2775),  # (e)
    (0, 10, 0, 10, -0.2775, 0.2775),  # (f)
    (10, 10, 0, 20, 0.6791, 1.0000),  # (g)
    (10, 10, 0, 10, 0.6075, 1.0000),  # (h)
]


@pytest.mark.parametrize(("x1", "n1", "x2", "n2", "low", "high"), NEWCOMBE_TABLE_II)
def test_newcombe_reproduces_1998b_table_ii_method_10(x1, n1, x2, n2, low, high):
    result = newcombe_difference(x1, n1, x2, n2)
    assert isinstance(result, Difference)
    assert result.diff == pytest.approx(x1 / n1 - x2 / n2)
    assert (round(result.low, 4), round(result.high, 4)) == (low, high)
    assert result.reason is None


def wilson_by_hand(x: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson (1927): (p + z^2/2n -/+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)."""
    p = x / n
    centre, spread = p + z**2 / (2 * n), z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return (centre - spread) / (1 + z**2 / n), (centre + spread) / (1 + z**2 / n)


def test_newcombe_is_built_from_the_two_wilson_intervals():
    # method 10 by hand: d - sqrt((p1 - l1)^2 + (u2 - p2)^2), d + sqrt((u1 - p1)^2 + (p2 - l2)^2)
    p1, p2 = 9 / 10, 3 / 10
    l1, u1 = wilson_by_hand(9, 10)
    l2, u2 = wilson_by_hand(3, 10)
    assert (round(l1, 4), round(u1, 4), round(l2, 4), round(u2, 4)) == (
        0.5958, 0.9821, 0.1078, 0.6032
    )  # fmt: skip
    result = newcombe_difference(9, 10, 3, 10)
    assert result.low == pytest.approx(p1 - p2 - math.hypot(p1 - l1, u2 - p2), abs=1e-12)
    assert result.high == pytest.approx(p1 - p2 + math.hypot(u1 - p1, p2 - l2), abs=1e-12)


def test_newcombe_swapping_groups_mirrors_the_interval():
    forward, back = newcombe_difference(5, 56, 0, 29), newcombe_difference(0, 29, 5, 56)
    assert back.low == pytest.approx(-forward.high) and back.high == pytest.approx(-forward.low)


def test_newcombe_vectorised_over_table_ii_with_empty_groups():
    x1, n1, x2, n2, low, high = (
        np.array(column) for column in zip(*NEWCOMBE_TABLE_II, strict=True)
    )
    result = newcombe_difference(
        np.append(x1, [0, 3, 0]),
        np.append(n1, [0, 4, 0]),
        np.append(x2, [1, 0, 0]),
        np.append(n2, [2, 0, 0]),
    )
    np.testing.assert_allclose(result.low[:8], low, atol=5e-5)
    np.testing.assert_allclose(result.high[:8], high, atol=5e-5)
    assert np.isnan(result.diff[8:]).all() and np.isnan(result.low[8:]).all()
    assert np.isnan(result.high[8:]).all()
    assert list(result.reason) == [None] * 8 + ["n1_zero", "n2_zero", "both_zero"]


def test_newcombe_scalar_empty_group_gives_nan_and_a_reason():
    result = newcombe_difference(3, 4, 0, 0)
    assert math.isnan(result.diff) and math.isnan(result.low) and math.isnan(result.high)
    assert result.reason == "n2_zero"
    assert result.to_dict()["reason"] == "n2_zero"


def test_newcombe_series_keep_their_index_and_missing_counts_say_so():
    index = pd.Index(["2026/27 Q1", "2026/27 Q2"])
    result = newcombe_difference(
        pd.Series([56, None], index=index), pd.Series([70, 10], index=index), 48, 80
    )
    assert isinstance(result.low, pd.Series) and result.low.index.equals(index)
    assert round(result.low.iloc[0], 4) == 0.0524
    assert list(result.reason) == [None, "missing"]


# --------------------------------------------------------------------------- words for change


def test_describe_change_follows_the_interval():
    assert describe_change(0.0524, 0.3339) == "rose (better)"
    assert describe_change(-0.3339, -0.0524) == "fell (worse)"
    assert describe_change(-0.0381, 0.1926) == NO_CLEAR_CHANGE
    assert describe_change(0.0, 0.5) == NO_CLEAR_CHANGE  # touching 0 is not excluding it
    assert describe_change(float("nan"), float("nan")) == NO_DATA


def test_describe_change_direction_words():
    assert describe_change(0.1, 0.3, higher_is_better=False) == "rose (worse)"
    assert describe_change(-0.3, -0.1, higher_is_better=False) == "fell (better)"
    assert describe_change(0.1, 0.3, higher_is_better=None) == "rose"
    assert describe_change(-0.3, -0.1, higher_is_better=None) == "fell"


def test_describe_change_vectorised_from_newcombe_output():
    result = newcombe_difference([56, 5, 0], [70, 56, 0], [48, 0, 1], [80, 29, 2])
    words = describe_change(result.low, result.high, higher_is_better=None)
    assert list(words) == ["rose", NO_CLEAR_CHANGE, NO_DATA]
    series = describe_change(pd.Series([0.1, -0.2], index=["a", "b"]), [0.2, 0.1])
    assert series.to_dict() == {"a": "rose (better)", "b": NO_CLEAR_CHANGE}


# --------------------------------------------------------------------------- exact test


def test_exact_test_lady_tasting_tea():
    # Fisher (1935): 3 of 4 cups right each way; two-sided p = 34/70
    assert exact_test(3, 4, 1, 4) == pytest.approx(34 / 70, abs=1e-12)
    assert round(exact_test(3, 4, 1, 4), 4) == 0.4857


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"),
    [(6, 8, 1, 5), (9, 10, 3, 10), (10, 10, 0, 20), (1, 12, 5, 7), (0, 5, 0, 6)],
)
def test_exact_test_matches_fisher_worked_exactly(x1, n1, x2, n2):
    assert exact_test(x1, n1, x2, n2) == pytest.approx(fisher_two_sided(x1, n1, x2, n2), rel=1e-9)


def test_exact_test_with_an_empty_group_is_nan():
    assert math.isnan(exact_test(0, 0, 3, 5))
    with pytest.raises(ValueError, match=r"0 <= successes <= n \(got 6 of 5\)"):
        exact_test(6, 5, 1, 5)


def test_needs_exact_uses_the_expected_count_rule():
    assert needs_exact(3, 4, 1, 4)  # expected 2 in every cell
    assert not needs_exact(56, 70, 48, 80)
    assert not needs_exact(5, 10, 5, 10)  # expected exactly 5: the rule is "under 5"
    assert needs_exact(4, 10, 5, 10)  # 9 met of 20: expected 4.5
    assert needs_exact(0, 0, 3, 5) and needs_exact(0, 0, 0, 0)


# --------------------------------------------------------------------------- LQAS


def test_lqas_19_files_at_least_13_is_the_classic_80_vs_50_rule():
    rule = lqas_rule(19, 0.8, 0.5)
    assert (rule.n, rule.d, rule.decision_threshold) == (19, 13, 13)
    alpha, beta = risks(19, 13, 0.8, 0.5)
    assert rule.alpha == pytest.approx(alpha, abs=1e-12)
    assert rule.beta == pytest.approx(beta, abs=1e-12)
    assert (round(rule.alpha, 4), round(rule.beta, 4)) == (0.0676, 0.0835)
    assert rule.separates() and rule.distribution == "binomial"


def test_lqas_rule_is_minimax_over_every_threshold():
    rule = lqas_rule(19, 0.8, 0.5)
    worst = max(rule.alpha, rule.beta)
    for d in range(1, 20):
        assert max(risks(19, d, 0.8, 0.5)) >= worst - 1e-12


def test_lqas_ten_files_cannot_tell_80_from_50():
    assert not some_rule_works(10, 0.8, 0.5, 0.10, 0.10)
    rule = lqas_rule(10, 0.8, 0.5)
    assert rule.d == 7
    assert (round(rule.alpha, 4), round(rule.beta, 4)) == (0.1209, 0.1719)
    assert not rule.separates()


def test_lqas_default_lower_is_thirty_points_below_upper():
    rule = lqas_rule(10)
    assert (rule.upper, rule.lower, rule.d) == (0.9, 0.6, 8)
    alpha, beta = risks(10, 8, 0.9, 0.6)
    assert (round(rule.alpha, 4), round(rule.beta, 4)) == (round(alpha, 4), round(beta, 4))
    assert (round(rule.alpha, 4), round(rule.beta, 4)) == (0.0702, 0.1673)
    with pytest.raises(ValueError, match="lower threshold"):
        lqas_rule(10, upper=0.2)


def test_lqas_small_service_uses_the_hypergeometric():
    rule = lqas_rule(13, 0.8, 0.5, population=30)
    assert rule.distribution == "hypergeometric" and rule.d == 9
    alpha, beta = risks(13, 9, 0.8, 0.5, population=30)  # 24 and 15 compliant files of 30
    assert rule.alpha == pytest.approx(alpha, abs=1e-12)
    assert rule.beta == pytest.approx(beta, abs=1e-12)
    assert (round(rule.alpha, 4), round(rule.beta, 4)) == (0.0397, 0.0697)


def test_lqas_census_has_no_sampling_error_and_the_strict_threshold():
    rule = lqas_rule(25, 0.8, 0.5, population=25)
    assert (rule.d, rule.alpha, rule.beta) == (20, 0.0, 0.0)  # at least 80% of 25 files
    assert "census" in rule.note


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((0,), {}, "n must be a whole number of at least 1"),
        ((10, 0.8, 0.8), {}, "lower must be in"),
        ((10, 1.2), {}, "upper must be in"),
        ((30, 0.8, 0.5), {"population": 25}, "cannot read 30 files from a population of 25"),
    ],
)
def test_lqas_rule_refuses_impossible_settings(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        lqas_rule(*args, **kwargs)


def test_lqas_classify():
    rule = lqas_rule(19, 0.8, 0.5)
    assert lqas_classify(13, 19, rule) == MEETS_TARGET
    assert lqas_classify(12, 19, rule) == BELOW_TARGET
    assert lqas_classify(12, 19, {"upper": 0.8, "lower": 0.5}) == BELOW_TARGET
    assert lqas_classify(8, 10, 0.9) == MEETS_TARGET  # 90% vs 60% with 10 files: d = 8
    assert lqas_classify(7, 10, 0.9) == BELOW_TARGET
    assert lqas_classify(0, 0, rule) == NO_APPLICABLE_FILES
    with pytest.raises(ValueError, match=r"\(got 11 of 10\)"):
        lqas_classify(11, 10, rule)


def test_lqas_classify_recomputes_the_rule_for_the_files_actually_applicable():
    rule = lqas_rule(10, 0.8, 0.5)  # d = 7
    assert lqas_rule(9, 0.8, 0.5).d == 6
    assert lqas_classify(6, 10, rule) == BELOW_TARGET
    assert lqas_classify(6, 9, rule) == MEETS_TARGET  # one file not applicable: 6 of 9 passes


def test_lqas_sentence_says_what_ten_files_cannot_show():
    assert lqas_sentence(lqas_rule(10)) == (
        "With 10 files (rule: at least 8 of 10 met), a service truly at 90% would be wrongly "
        "marked below target 7% of the time, and one truly at 60% would wrongly pass 17% of "
        "the time: ten files cannot reliably separate 90% from 60% (that needs both risks "
        "at 10% or less)."
    )


def test_lqas_sentence_when_the_sample_is_enough():
    sentence = lqas_sentence(lqas_rule(19, 0.8, 0.5))
    assert sentence.startswith("With 19 files (rule: at least 13 of 19 met)")
    assert "below target 7% of the time" in sentence and "wrongly pass 8% of the time" in sentence
    assert sentence.endswith(
        "nineteen files can separate 80% from 50% with both risks at 10% or less."
    )
    assert "from a service of 30" in lqas_sentence(lqas_rule(13, 0.8, 0.5, population=30))
    census = lqas_sentence(lqas_rule(25, 0.8, 0.5, population=25))
    assert census.startswith("All 25 files in the service were read (rule: at least 20 of 25 met)")


# --------------------------------------------------------------------------- sample sizes


def test_sample_size_for_precision_hand_worked():
    n0 = Z95**2 * 0.5 * 0.5 / 0.1**2  # 96.04
    assert n0 == pytest.approx(96.0365, abs=1e-4)
    assert sample_size_for_precision(0.1) == 97
    # HQIP for a service of 50: c^2 N p(1-p) / (A^2 N + c^2 p(1-p))
    # = 3.8415 x 50 x 0.25 / (0.01 x 50 + 3.8415 x 0.25) = 48.018 / 1.4604 = 32.88, so 33
    # (the (n0 - 1) variant, 96.04 / (1 + 95.04 / 50) = 33.11, would ask for 34)
    assert sample_size_for_precision(0.1, population=50) == 33
    assert sample_size_for_precision(0.05) == 385  # 384.15 rounded up
    # 3.8415 x 1000 x 0.25 / (0.0025 x 1000 + 0.9604) = 960.4 / 3.4604 = 277.53
    assert sample_size_for_precision(0.05, population=1000) == 278
    assert sample_size_for_precision(0.1, p=0.9) == 35  # 34.57 rounded up
    assert sample_size_for_precision(0.1, p=0.9, population=40) == 19  # 34.57 x 40 / 74.57 = 18.54


def test_sample_size_for_precision_never_exceeds_the_population():
    # 384.15 x 20 / (20 + 384.15) = 19.01 rounds up to all 20
    assert sample_size_for_precision(0.05, population=20) == 20
    assert sample_size_for_precision(0.01, population=8) == 8
    with pytest.raises(ValueError, match="margin must be between 0 and 1"):
        sample_size_for_precision(0.0)
    with pytest.raises(ValueError, match="p must be between 0 and 1"):
        sample_size_for_precision(0.1, p=1.0)


def test_sample_size_for_rule_80_vs_50_is_19_and_no_smaller_n_works():
    rule = sample_size_for_rule(0.8, 0.5)
    assert isinstance(rule, LqasRule)
    assert (rule.n, rule.d) == (19, 13)
    assert all(not some_rule_works(n, 0.8, 0.5, 0.10, 0.10) for n in range(1, 19))


def test_sample_size_for_rule_with_unequal_risks_matches_a_search_by_hand():
    rule = sample_size_for_rule(0.8, 0.5, alpha=0.05, beta=0.20)
    smallest = next(n for n in range(1, 40) if some_rule_works(n, 0.8, 0.5, 0.05, 0.20))
    assert rule.n == smallest == 17
    assert rule.alpha <= 0.05 and rule.beta <= 0.20
    assert (rule.alpha, rule.beta) == pytest.approx(risks(rule.n, rule.d, 0.8, 0.5), abs=1e-12)


@pytest.mark.parametrize(("population", "n"), [(30, 13), (12, 8)])
def test_sample_size_for_rule_small_service(population, n):
    rule = sample_size_for_rule(0.8, 0.5, population=population)
    smallest = next(
        k for k in range(1, population + 1) if some_rule_works(k, 0.8, 0.5, 0.1, 0.1, population)
    )
    assert rule.n == smallest == n
    assert rule.population == population and rule.separates()


def test_sample_size_for_rule_falls_back_to_a_census():
    # 60% vs 50% in a service of 10 is 6 compliant files against 5: only reading all 10 tells
    rule = sample_size_for_rule(0.6, 0.5, population=10)
    assert all(not some_rule_works(k, 0.6, 0.5, 0.10, 0.10, 10) for k in range(1, 10))
    assert (rule.n, rule.d, rule.alpha, rule.beta) == (10, 6, 0.0, 0.0)
    assert "census" in rule.note
    # while a service of 20 needs all but one file: 12 compliant against 10
    assert sample_size_for_rule(0.6, 0.5, population=20).n == 19


# --------------------------------------------------------------------------- on the command line


def test_sample_size_command_for_a_precision(capsys):
    assert main(["sample-size", "--margin", "0.1", "--population", "50"]) == 0
    assert capsys.readouterr().out.startswith("33 files from a population of 50 ")  # 32.88 up
    assert main(["sample-size", "--margin", "10%"]) == 0
    assert capsys.readouterr().out.startswith("97 files give a 95% interval within 10 points")


def test_sample_size_command_for_an_lqas_rule(capsys):
    assert main(["sample-size", "--upper", "0.8", "--lower", "50%"]) == 0
    out = capsys.readouterr().out
    # the classic rule: 19 files, at least 13 met (alpha 6.76%, beta 8.35%, worked above)
    assert out.splitlines()[0] == "19 files, meets target when at least 13 are met."
    assert "nineteen files can separate 80% from 50%" in out
    assert main(["sample-size", "--upper", "0.8", "--lower", "0.5", "--population", "30"]) == 0
    assert capsys.readouterr().out.startswith("13 files, meets target when at least 9 are met.")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--margin", "2"], "margin must be between 0 and 1"),
        (["--upper", "0.8"], "--upper needs --lower"),
        (["--upper", "0.5", "--lower", "0.8"], "lower must be in"),
        (["--margin", "0.1", "--population", "0"], "population must be a whole number"),
    ],
)
def test_sample_size_command_refuses_bad_settings_without_a_traceback(argv, message, capsys):
    assert main(["sample-size", *argv]) == 1
    assert message in capsys.readouterr().err


def test_sample_size_help_names_both_uses(capsys):
    with pytest.raises(SystemExit):
        main(["sample-size", "--help"])
    out = capsys.readouterr().out
    assert "HQIP" in out and "LQAS" in out and "%%" not in out
