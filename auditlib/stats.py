"""Small-sample statistics for audit results: intervals, exact tests, LQAS rules, sample sizes.

Every interval and probability comes from a maintained implementation
(statsmodels, scipy); this module only validates counts, handles empty
denominators honestly (NaN with a reason, never 0% or 100%) and turns the
numbers into the plain words the reports use. Counts may be scalars, numpy
arrays or pandas Series (aligned by position); a Series in gives a Series
out with the same index, scalars in give floats out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps
from scipy.stats.contingency import expected_freq
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    samplesize_confint_proportion,
)

__all__ = [
    "BELOW_TARGET",
    "FELL",
    "MEETS_TARGET",
    "NO_APPLICABLE_FILES",
    "NO_CLEAR_CHANGE",
    "NO_DATA",
    "ROSE",
    "SMALL_CHANGE",
    "SMALL_DIFFERENCE",
    "TOO_FEW",
    "Difference",
    "LqasRule",
    "describe_change",
    "exact_test",
    "lqas_classify",
    "lqas_rule",
    "lqas_sentence",
    "needs_exact",
    "newcombe_difference",
    "no_change_reason",
    "sample_size_for_precision",
    "sample_size_for_rule",
    "wilson_interval",
]

ROSE = "rose"
FELL = "fell"
NO_CLEAR_CHANGE = "no clear change"
TOO_FEW = "too few to tell"
SMALL_DIFFERENCE = "a small difference the interval cannot separate from 0"
SMALL_CHANGE = 0.10
"""A change of 10 percentage points is one an audit would act on: an interval of the difference
that includes 0 but rules out changes this large shows a small difference, not too few files."""
NO_DATA = "no data to compare"
MEETS_TARGET = "meets target"
BELOW_TARGET = "below target"
NO_APPLICABLE_FILES = "no applicable files"

_RELIABLE = 0.10  # both LQAS risks at or under this count as "reliably separates"
_MAX_BINOMIAL_N = 10_000  # search limit for sample_size_for_rule without a population
_FLOAT_ERROR = 1e-12  # an interval end this close to a limit of its range is that limit
_TIE_DECIMALS = 12  # error rates equal to this many decimals count as a tie
_WORDS = (
    "no",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
)


# --------------------------------------------------------------------------- input handling


def _template(*values: Any) -> pd.Series | None:
    """The first Series among the inputs, whose index the outputs take."""
    return next((v for v in values if isinstance(v, pd.Series)), None)


def _floats(value: Any) -> np.ndarray:
    """Counts as a float array, missing values (None, NaN, pd.NA) as NaN."""
    if isinstance(value, pd.Series | pd.Index):
        return value.to_numpy(dtype=float, na_value=np.nan)
    if value is None or value is pd.NA:
        return np.array(np.nan)
    return np.asarray(value, dtype=float)


def _is_scalar(*values: Any) -> bool:
    return all(np.ndim(v) == 0 and not isinstance(v, pd.Series) for v in values)


def _shape_like(result: np.ndarray, template: pd.Series | None, scalar: bool, name: str) -> Any:
    """Give the result the form of the input: float, ndarray or Series."""
    if template is not None:
        return pd.Series(result, index=template.index, name=name)
    if scalar:
        value = result.item() if isinstance(result, np.ndarray) else result
        return float(value) if isinstance(value, float | np.floating | int) else value
    return result


def _check_counts(successes: np.ndarray, n: np.ndarray, what: str) -> None:
    """Refuse counts that cannot be counts: negative, fractional, or more successes than n.

    Missing counts (NaN) pass: they give NaN results, not errors.
    """
    x, total = np.broadcast_arrays(successes, n)
    with np.errstate(invalid="ignore"):
        fractional = (np.mod(x, 1) != 0) | (np.mod(total, 1) != 0)
        bad = (total < 0) | (x < 0) | (x > total) | (fractional & ~np.isnan(x + total))
    if bad.any():
        pairs = ", ".join(f"{x.flat[i]:g} of {total.flat[i]:g}" for i in np.flatnonzero(bad)[:3])
        raise ValueError(
            f"{what}: counts must be whole numbers with 0 <= successes <= n (got {pairs})"
        )


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")


# --------------------------------------------------------------------------- intervals


def _in_range(ends: np.ndarray, lowest: float, highest: float) -> np.ndarray:
    """Interval ends clipped to the measure's range, and an end that is one of the range's
    limits up to floating error (2.8e-17 for a Wilson lower end at 0 of n) made exactly it,
    so that it prints as 0 or 1 and compares equal to it."""
    ends = np.clip(ends, lowest, highest)
    ends = np.where(np.abs(ends - lowest) < _FLOAT_ERROR, lowest, ends)
    return np.where(np.abs(ends - highest) < _FLOAT_ERROR, highest, ends)


def wilson_interval(successes: Any, n: Any, alpha: float = 0.05) -> tuple[Any, Any]:
    """Wilson score interval for a proportion (95% by default), as the dashboard reports it.

    Wilson rather than the textbook Wald interval because it stays inside
    [0, 1] and keeps close to its stated coverage for the small counts and
    the 0% / 100% results audits produce (Newcombe 1998, method 3). Computed
    by ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.
    Where ``n`` is 0 (or a count is missing) both limits are NaN: no data is
    not 0% and not 100%.
    """
    _check_alpha(alpha)
    template, scalar = _template(successes, n), _is_scalar(successes, n)
    x, total = np.broadcast_arrays(_floats(successes), _floats(n))
    _check_counts(x, total, "wilson_interval")
    empty = np.isnan(x) | np.isnan(total) | (total == 0)
    low, high = proportion_confint(
        np.where(empty, 0.0, x), np.where(empty, 1.0, total), alpha=alpha, method="wilson"
    )
    low = np.where(empty, np.nan, _in_range(low, 0.0, 1.0))
    high = np.where(empty, np.nan, _in_range(high, 0.0, 1.0))
    return (
        _shape_like(low, template, scalar, "low"),
        _shape_like(high, template, scalar, "high"),
    )


@dataclass(frozen=True)
class Difference:
    """A difference of proportions ``p1 - p2`` with its interval.

    ``reason`` says why there is no value where there is none: ``n1_zero``,
    ``n2_zero``, ``both_zero`` (an empty denominator) or ``missing`` (a count
    not given); it is None where the difference was computed. For vector
    input every field is an array (or Series) of the same length.
    """

    diff: Any
    low: Any
    high: Any
    reason: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"diff": self.diff, "low": self.low, "high": self.high, "reason": self.reason}


def newcombe_difference(x1: Any, n1: Any, x2: Any, n2: Any, alpha: float = 0.05) -> Difference:
    """Difference ``x1/n1 - x2/n2`` with Newcombe's hybrid score interval (95% by default).

    Newcombe's method 10 (1998) combines the two Wilson intervals; it never
    leaves [-1, 1], behaves at 0% and 100%, and keeps near its stated
    coverage in samples this small, where the Wald interval does not.
    Computed by ``statsmodels.stats.proportion.confint_proportions_2indep``
    (``method="newcomb"``), which reproduces Newcombe's published examples.
    For a before/after comparison pass the later period first, so that a
    positive difference means the value rose. Any empty group gives NaN
    with a reason (see :class:`Difference`).
    """
    _check_alpha(alpha)
    template, scalar = _template(x1, n1, x2, n2), _is_scalar(x1, n1, x2, n2)
    a, m, b, k = np.broadcast_arrays(_floats(x1), _floats(n1), _floats(x2), _floats(n2))
    _check_counts(a, m, "newcombe_difference (group 1)")
    _check_counts(b, k, "newcombe_difference (group 2)")
    missing = np.isnan(a) | np.isnan(m) | np.isnan(b) | np.isnan(k)
    zero1, zero2 = (m == 0) & ~missing, (k == 0) & ~missing
    empty = missing | zero1 | zero2
    a, b = np.where(empty, 0.0, a), np.where(empty, 0.0, b)
    m, k = np.where(empty, 1.0, m), np.where(empty, 1.0, k)
    low, high = confint_proportions_2indep(
        a, m, b, k, method="newcomb", compare="diff", alpha=alpha
    )
    diff = np.where(empty, np.nan, a / m - b / k)
    low = np.where(empty, np.nan, _in_range(low, -1.0, 1.0))
    high = np.where(empty, np.nan, _in_range(high, -1.0, 1.0))
    reason = np.full(diff.shape, None, dtype=object)
    reason[zero2] = "n2_zero"
    reason[zero1] = "n1_zero"
    reason[zero1 & zero2] = "both_zero"
    reason[missing] = "missing"
    if template is not None:
        reason = pd.Series(reason, index=template.index, name="reason", dtype=object)
    elif scalar:
        reason = reason.item()
    return Difference(
        diff=_shape_like(diff, template, scalar, "diff"),
        low=_shape_like(low, template, scalar, "low"),
        high=_shape_like(high, template, scalar, "high"),
        reason=reason,
    )


def describe_change(diff_low: Any, diff_high: Any, higher_is_better: bool | None = True) -> Any:
    """The words for a before/after difference, which follow its interval and nothing else.

    "rose" only where the whole interval of the difference is above 0,
    "fell" only where it is below 0; otherwise "no clear change" (why:
    :func:`no_change_reason`), and "no data to compare" where a limit is NaN. With
    ``higher_is_better`` True (the default) or False the direction is
    judged too: "rose (better)", "fell (worse)", or the reverse for a
    measure where lower is better; with None the bare "rose" / "fell".
    Arrays and Series are handled element by element.
    """
    template, scalar = _template(diff_low, diff_high), _is_scalar(diff_low, diff_high)
    low, high = np.broadcast_arrays(_floats(diff_low), _floats(diff_high))
    if higher_is_better is None:
        rose, fell = ROSE, FELL
    elif higher_is_better:
        rose, fell = f"{ROSE} (better)", f"{FELL} (worse)"
    else:
        rose, fell = f"{ROSE} (worse)", f"{FELL} (better)"
    with np.errstate(invalid="ignore"):
        words = np.select(
            [np.isnan(low) | np.isnan(high), low > 0, high < 0],
            [NO_DATA, rose, fell],
            default=NO_CLEAR_CHANGE,
        ).astype(object)
    if template is not None:
        return pd.Series(words, index=template.index, name="change", dtype=object)
    return str(words.item()) if scalar else words


def no_change_reason(diff_low: Any, diff_high: Any) -> Any:
    """Why an interval of the difference that includes 0 shows no clear change (quality.md).

    :data:`TOO_FEW` ("too few to tell") where the interval still allows a
    change of :data:`SMALL_CHANGE` (10 points) or more either way: the
    numbers are too few to say whether anything changed. Otherwise
    :data:`SMALL_DIFFERENCE`: the interval rules out a change that large, so
    any real difference is small. ``""`` where the interval excludes 0 or a
    limit is NaN. Arrays and Series element by element, like
    :func:`describe_change`.
    """
    template, scalar = _template(diff_low, diff_high), _is_scalar(diff_low, diff_high)
    low, high = np.broadcast_arrays(_floats(diff_low), _floats(diff_high))
    with np.errstate(invalid="ignore"):
        includes = (low <= 0) & (high >= 0)
        wide = (low <= -SMALL_CHANGE) | (high >= SMALL_CHANGE)
    words = np.select([includes & wide, includes], [TOO_FEW, SMALL_DIFFERENCE], default="")
    words = words.astype(object)
    if template is not None:
        return pd.Series(words, index=template.index, name="reason", dtype=object)
    return str(words.item()) if scalar else words


# --------------------------------------------------------------------------- exact test


def _table(x1: int, n1: int, x2: int, n2: int) -> np.ndarray:
    values = np.array([x1, n1, x2, n2], dtype=float)
    _check_counts(values[[0, 2]], values[[1, 3]], "2x2 table")
    if np.isnan(values).any():
        raise ValueError("2x2 table: every count is needed")
    return np.array([[x1, n1 - x1], [x2, n2 - x2]], dtype=np.int64)


def exact_test(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of Fisher's exact test for ``x1/n1`` against ``x2/n2``.

    Used where counts are small (see :func:`needs_exact`). Fisher rather
    than Barnard's or Boschloo's unconditional tests, which are more
    powerful: Fisher's is the exact test reviewers and commissioners know,
    its p-value is exact arithmetic rather than a maximum searched over a
    grid of nuisance values, and it errs on the side of not claiming a
    change, which suits reports that must not overstate small samples. The
    words of a before/after comparison follow the Newcombe interval; this
    p-value accompanies them. Computed by ``scipy.stats.fisher_exact``. NaN
    when either group is empty: there is nothing to test.
    """
    table = _table(x1, n1, x2, n2)
    if n1 == 0 or n2 == 0:
        return math.nan
    return float(sps.fisher_exact(table, alternative="two-sided").pvalue)


def needs_exact(x1: int, n1: int, x2: int, n2: int) -> bool:
    """Whether a 2x2 comparison is small enough to need an exact test.

    True when any expected cell count is under 5, the usual rule below
    which the chi-squared approximation is not trusted; an empty group
    (expected counts of 0) counts as small. Expected counts come from
    ``scipy.stats.contingency.expected_freq``.
    """
    table = _table(x1, n1, x2, n2)
    if table.sum() == 0:
        return True
    return bool((expected_freq(table) < 5).any())


# --------------------------------------------------------------------------- LQAS


@dataclass(frozen=True)
class LqasRule:
    """An LQAS decision rule: read ``n`` files, call "meets target" when at least ``d`` are met.

    ``alpha`` is the risk of marking below target a service truly at
    ``upper``; ``beta`` the risk of passing one truly at ``lower``. With a
    ``population`` (a small service's whole caseload) both come from the
    hypergeometric distribution, otherwise the binomial. ``note`` says
    anything a reader must know, such as a census.
    """

    n: int
    d: int
    upper: float
    lower: float
    alpha: float
    beta: float
    population: int | None = None
    note: str | None = None

    @property
    def decision_threshold(self) -> int:
        """The same as ``d``: the fewest met files that classify as "meets target"."""
        return self.d

    @property
    def distribution(self) -> str:
        return "binomial" if self.population is None else "hypergeometric"

    def separates(self, alpha: float = _RELIABLE, beta: float = _RELIABLE) -> bool:
        """Whether both risks are at or under the given ones (10% each by default)."""
        return self.alpha <= alpha + 1e-12 and self.beta <= beta + 1e-12


def _check_thresholds(upper: float, lower: float | None) -> tuple[float, float]:
    if not 0 < upper <= 1:
        raise ValueError(f"upper must be in (0, 1], got {upper}")
    if lower is None:
        lower = round(upper - 0.3, 10)
        if lower < 0:
            raise ValueError(f"upper {upper} is below 0.3: give the lower threshold explicitly")
    if not 0 <= lower < upper:
        raise ValueError(f"lower must be in [0, upper), got lower={lower}, upper={upper}")
    return float(upper), float(lower)


def _check_population(population: int | None, n: int) -> None:
    if population is None:
        return
    if int(population) != population or population < 1:
        raise ValueError(f"population must be a whole number of at least 1, got {population}")
    if n > population:
        raise ValueError(f"cannot read {n} files from a population of {population}")


def _error_rates(
    n: int, upper: float, lower: float, population: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """alpha and beta for every threshold d = 1..n.

    With a population N, a service "truly at" a threshold has a whole number
    of compliant files: the fewest that reach ``upper`` (ceil(upper N)) and
    the most that stay at or under ``lower`` (floor(lower N)) -- the worst
    case for each risk.
    """
    d = np.arange(1, n + 1)
    if population is None:
        alpha = sps.binom.cdf(d - 1, n, upper)
        beta = sps.binom.sf(d - 1, n, lower)
    else:
        good_upper = math.ceil(round(upper * population, 9))
        good_lower = math.floor(round(lower * population, 9))
        alpha = sps.hypergeom.cdf(d - 1, population, good_upper, n)
        beta = sps.hypergeom.sf(d - 1, population, good_lower, n)
    return d, np.clip(alpha, 0.0, 1.0), np.clip(beta, 0.0, 1.0)


def _best(
    alpha: np.ndarray, beta: np.ndarray, alpha_max: float = 1.0, beta_max: float = 1.0
) -> tuple[int, bool]:
    """Index of the best threshold (given in increasing order), and whether it is within limits.

    Among the thresholds within both limits (all of them if none is): the
    smallest larger risk, then the smallest total risk, then the smallest
    beta, then the higher threshold -- on a true tie (a census, where every
    sensible threshold has both risks 0) the stricter rule, so people are
    protected from a poor service passing.
    """
    a, b = np.round(alpha, _TIE_DECIMALS), np.round(beta, _TIE_DECIMALS)
    feasible = (alpha <= alpha_max + 1e-12) & (beta <= beta_max + 1e-12)
    candidates = np.flatnonzero(feasible) if feasible.any() else np.arange(len(alpha))
    keys = (-candidates, b[candidates], (a + b)[candidates], np.maximum(a, b)[candidates])
    order = np.lexsort(keys)
    return int(candidates[order[0]]), bool(feasible.any())


def _rule(
    n: int,
    upper: float,
    lower: float,
    population: int | None,
    alpha_max: float = 1.0,
    beta_max: float = 1.0,
) -> tuple[LqasRule, bool]:
    d, alpha, beta = _error_rates(n, upper, lower, population)
    i, feasible = _best(alpha, beta, alpha_max, beta_max)
    note = None
    if population is not None and n == population:
        note = f"census: all {population} files read, so there is no sampling error"
    rule = LqasRule(
        n=n,
        d=int(d[i]),
        upper=upper,
        lower=lower,
        alpha=float(alpha[i]),
        beta=float(beta[i]),
        population=population,
        note=note,
    )
    return rule, feasible


def lqas_rule(
    n: int, upper: float = 0.9, lower: float | None = None, *, population: int | None = None
) -> LqasRule:
    """The best LQAS decision rule for a sample of ``n`` files.

    ``lower`` defaults to ``upper - 0.3`` (90% against 60%), the usual LQAS
    gap: closer thresholds need far larger samples. The threshold ``d`` is
    chosen to make the larger of the two risks as small as possible
    (minimax), since neither wrongly failing a good service nor wrongly
    passing a poor one is the lesser harm; ties go to the smaller total
    risk, then to the smaller beta, then to the higher ``d``. Error rates
    from ``scipy.stats.binom``; with ``population`` (a small service,
    sampled without replacement) from ``scipy.stats.hypergeom``.
    """
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a whole number of at least 1, got {n}")
    upper, lower = _check_thresholds(upper, lower)
    _check_population(population, int(n))
    return _rule(int(n), upper, lower, population)[0]


def lqas_classify(
    met: int, applicable: int, rule_or_params: LqasRule | Mapping[str, Any] | float
) -> str:
    """Classify one criterion LQAS-style: "meets target" or "below target".

    ``rule_or_params`` is an :class:`LqasRule`, a mapping of
    :func:`lqas_rule` keywords (``upper``, ``lower``, ``population``) or just
    the upper threshold. Where ``applicable`` differs from the rule's ``n``
    (files marked not applicable) the rule is recomputed for that many files,
    so ``d`` and both risks are those of the sample actually read. With no
    applicable files there is nothing to classify: "no applicable files".
    """
    if int(applicable) != applicable or applicable < 0:
        raise ValueError(f"applicable must be a whole number, got {applicable}")
    _check_counts(np.array([float(met)]), np.array([float(applicable)]), "lqas_classify")
    if applicable == 0:
        return NO_APPLICABLE_FILES
    if isinstance(rule_or_params, LqasRule):
        rule = rule_or_params
        if rule.n != applicable:
            rule = lqas_rule(int(applicable), rule.upper, rule.lower, population=rule.population)
    elif isinstance(rule_or_params, Mapping):
        rule = lqas_rule(int(applicable), **rule_or_params)
    else:
        rule = lqas_rule(int(applicable), float(rule_or_params))
    return MEETS_TARGET if met >= rule.d else BELOW_TARGET


def _count_words(number: int) -> str:
    return _WORDS[number] if 0 <= number < len(_WORDS) else str(number)


def _percent(p: float) -> str:
    return f"{p * 100:.10g}%"


def _how_often(p: float) -> str:
    if p <= 0:
        return "never"
    if p < 0.005:
        return "less than 1% of the time"
    if p > 0.995:
        return "more than 99% of the time"
    return f"{round(p * 100)}% of the time"


def lqas_sentence(rule: LqasRule, tolerance: float = _RELIABLE) -> str:
    """One plain sentence on what a sample of this size can and cannot show.

    Written for a care-home quality manager: both risks as whole
    percentages, the rule itself, and whether the sample reliably separates
    the two thresholds, meaning both risks at or under ``tolerance`` (10%).
    """
    files = "file" if rule.n == 1 else "files"
    upper, lower = _percent(rule.upper), _percent(rule.lower)
    rule_text = f"rule: at least {rule.d} of {rule.n} met"
    if rule.population is not None and rule.n == rule.population:
        return (
            f"All {rule.n} {files} in the service were read ({rule_text}), so nothing rests "
            f"on chance: a service at {upper} or above always meets target and one at "
            f"{lower} or below never does."
        )
    source = "" if rule.population is None else f" from a service of {rule.population}"
    fail = _how_often(rule.alpha)
    fail = f"be wrongly marked below target {fail}" if rule.alpha > 0 else f"{fail} be failed"
    passes = _how_often(rule.beta)
    passes = f"wrongly pass {passes}" if rule.beta > 0 else f"{passes} pass"
    start = (
        f"With {rule.n} {files}{source} ({rule_text}), a service truly at {upper} would "
        f"{fail}, and one truly at {lower} would {passes}"
    )
    counted = f"{_count_words(rule.n)} {files}"
    if rule.separates(tolerance, tolerance):
        return (
            f"{start}: {counted} can separate {upper} from {lower} with both risks at "
            f"{_percent(tolerance)} or less."
        )
    return (
        f"{start}: {counted} cannot reliably separate {upper} from {lower} (that needs "
        f"both risks at {_percent(tolerance)} or less)."
    )


# --------------------------------------------------------------------------- sample sizes


def sample_size_for_precision(
    margin: float, p: float = 0.5, *, population: int | None = None, alpha: float = 0.05
) -> int:
    """Files needed for a 95% interval no wider than ``margin`` either side of ``p``.

    The normal-approximation size n0 = c^2 p (1 - p) / A^2 (confidence
    multiplier c, precision A = ``margin``), from
    ``statsmodels.stats.proportion.samplesize_confint_proportion``. For a
    small service of ``population`` files N, the HQIP finite-population
    formula of quality.md, n = c^2 N p (1 - p) / (A^2 N + c^2 p (1 - p)),
    which is n0 N / (N + n0): sampling without replacement from a small
    caseload learns more per file. Rounded up, at least 1 and never more
    than the population. ``p = 0.5`` (the default) is the safe guess when
    nothing is known: it needs the most files.
    """
    _check_alpha(alpha)
    if not 0 < margin < 1:
        raise ValueError(f"margin must be between 0 and 1, got {margin}")
    if not 0 < p < 1:
        raise ValueError(f"p must be between 0 and 1, got {p}")
    n = float(samplesize_confint_proportion(p, margin, alpha=alpha))
    if population is not None:
        _check_population(population, 1)
        n = n * population / (population + n)
    size = max(1, math.ceil(round(n, 9)))
    return size if population is None else min(size, int(population))


def sample_size_for_rule(
    upper: float,
    lower: float,
    alpha: float = 0.10,
    beta: float = 0.10,
    *,
    population: int | None = None,
) -> LqasRule:
    """The smallest LQAS sample whose best rule keeps both risks within ``alpha`` and ``beta``.

    Sizes are tried upwards from 1 (the error rates of discrete rules do
    not fall smoothly with n, so the first size that works is found by
    trying each). At each size the threshold is chosen as in
    :func:`lqas_rule`, among those within both limits. With ``population``
    the hypergeometric distribution is used and the search stops at a
    census, which always separates the thresholds exactly; the returned
    rule's ``note`` then says so.
    """
    upper, lower = _check_thresholds(upper, lower)
    if not (0 < alpha < 1 and 0 < beta < 1):
        raise ValueError(f"alpha and beta must be between 0 and 1, got {alpha}, {beta}")
    _check_population(population, 1)
    largest = _MAX_BINOMIAL_N if population is None else int(population)
    for n in range(1, largest + 1):
        rule, feasible = _rule(n, upper, lower, population, alpha, beta)
        if feasible or n == population:
            return rule
    raise ValueError(
        f"telling {_percent(upper)} from {_percent(lower)} needs more than {_MAX_BINOMIAL_N} files"
    )
