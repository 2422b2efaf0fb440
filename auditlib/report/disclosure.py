"""Disclosure control for the ``public`` audience: small counts become ``*``.

quality.md: counts of people, or of events about people, from 1 to 7 are not
published, nor the rates built on them, and secondary suppression stops a
published total from revealing a hidden cell (NHS Digital's rule).
:func:`suppress` applies this to any tidy table, given which columns are
counts, which columns are built on them, and how the counts add up:

* *across rows*: within each ``group_by`` group the rows add up to the row
  whose ``total`` column holds the total's value (services to ``ALL``);
* *within a row*: ``sums`` (``files = met + partial + not_met + na``) and
  ``complements`` (``denominator - numerator``, the people who did not, is a
  count of its own: 45 of 50 reveals a 5).

A group with a published total and exactly one unknown member (a hidden
cell, or an unpublished complement) gives that member away, so the next
smallest published non-zero member is hidden too; when there is none the
total is hidden.  This repeats until nothing can be given away in one step.
A group whose rows do not add up to its total (ni_case_samples: services on
one site repeat the site's count) is shown whole or hidden whole.  Zero is
shown: it is not disclosive.  :func:`suppress_metrics`,
:func:`suppress_compliance` and :func:`suppress_compare` apply the rule to
the tables of :mod:`auditlib.metrics`, :mod:`auditlib.qa` and
:mod:`auditlib.compare`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..metrics import METRICS

__all__ = [
    "HIDDEN",
    "RULE",
    "SMALL",
    "Suppressed",
    "suppress",
    "suppress_compare",
    "suppress_compliance",
    "suppress_metrics",
]

SMALL = (1, 7)
"""Counts from 1 to 7 (inclusive) are not published."""
HIDDEN = "*"
"""What a hidden count shows."""

RULE = (
    "To protect the people behind small numbers, this public report does not publish any count "
    "of people, or of events about people (reviews, decisions, referrals, disagreements, files, "
    "responses), from 1 to 7: such a count is shown as *, and the percentage, interval and "
    "verdict built on it are left out. Where a total would let a reader work out a hidden count "
    "by subtraction (a service's count from the all-services total, or the number who did not "
    "from the number who did), the next smallest count in that total is hidden as well, or the "
    "total itself where there is none (secondary suppression, following NHS Digital's rule); "
    "so * also marks a count hidden only to protect another. A zero is shown: it reveals no one."
)
"""The rule in plain words, for the report's methods section."""


class Suppressed(NamedTuple):
    """A table ready to publish and the mask of what was hidden (``table, hidden = ...``).

    ``table`` is the input with each count column as whole-number text
    (``"12"``; ``"*"`` where hidden; ``""`` where missing) and each column
    built on counts set to missing where hidden, so no hidden number reaches
    a CSV or a workbook.  ``hidden`` has the same index, one boolean column
    per count and built-on column.
    """

    table: pd.DataFrame
    hidden: pd.DataFrame


@dataclass(frozen=True)
class _Groups:
    """Additive groups over the flat cells of the counts array (row * columns + column).

    Member cell -1 is a complement: never published, small or not as given.
    """

    member_cell: np.ndarray
    member_group: np.ndarray
    member_small: np.ndarray
    total_cell: np.ndarray
    additive: np.ndarray


def suppress(
    table: pd.DataFrame,
    *,
    counts: Sequence[str],
    rates: Mapping[str, Sequence[str]] | None = None,
    sums: Sequence[tuple[str, Sequence[str]]] = (),
    complements: Sequence[tuple[str, str]] = (),
    together: Sequence[Sequence[str]] = (),
    group_by: Sequence[str] = (),
    total: tuple[str, object] | None = None,
) -> Suppressed:
    """Hide every count from 1 to 7, whatever would reveal one, and what is built on them.

    ``counts``: the count columns.  ``rates``: each column built on counts
    (a percentage, an interval end, a verdict) and the counts it is built
    on; it is hidden where any of them is.  ``sums``: (total, parts) column
    names adding up within every row.  ``complements``: (part, total) pairs
    where total - part is a count of its own.  ``together``: columns shown
    or hidden together in a row (a mean's sum and its n).  ``group_by`` and
    ``total`` (column, value): the rows of a group add up to its total
    row.  Missing counts take part in nothing.
    """
    counts = list(counts)
    rates = dict(rates or {})
    values = table[counts].apply(pd.to_numeric, errors="raise").to_numpy(dtype=float)
    hidden = _small(values)
    parts = [
        _cross_rows(table, values, group_by, total),
        *(_within_rows(values, counts, total, list(cells), None) for total, cells in sums),
        *(_within_rows(values, counts, total, [part], part) for part, total in complements),
        *(_linked(values, counts, list(columns)) for columns in together),
    ]
    hidden = _secondary(values, hidden, _joined(parts))
    mask = pd.DataFrame(hidden, index=table.index, columns=counts)
    for column, built_on in rates.items():
        mask[column] = mask[list(built_on)].any(axis=1).to_numpy()
    out = table.copy()
    for i, column in enumerate(counts):
        out[column] = _count_text(values[:, i], hidden[:, i])
    for column in rates:
        out[column] = table[column].mask(mask[column].to_numpy())
    return Suppressed(out, mask)


def _small(values: np.ndarray) -> np.ndarray:
    return (values >= SMALL[0]) & (values <= SMALL[1])


def _count_text(values: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    missing = np.isnan(values)
    text = np.where(missing, 0, values).astype(np.int64).astype(str).astype(object)
    text[missing] = ""
    text[hidden] = HIDDEN
    return text


def _cross_rows(table, values, group_by, total) -> _Groups:
    """Each count column of each group's rows adds up to the group's total row."""
    rows, columns = values.shape
    if total is None or rows == 0:
        return _empty()
    key, value = total
    is_total = (table[key] == value).to_numpy(dtype=bool)
    code = (
        table.groupby(list(group_by), sort=False, dropna=False).ngroup().to_numpy()
        if group_by
        else np.zeros(rows, dtype=np.int64)
    )
    n_codes = int(code.max()) + 1
    if np.bincount(code[is_total], minlength=n_codes).max(initial=0) > 1:
        raise ValueError(f"more than one {key} = {value!r} row in a group of {list(group_by)}")
    total_row = np.full(n_codes, -1)
    total_row[code[is_total]] = np.flatnonzero(is_total)
    has_total = total_row[code] >= 0
    total_value = np.where(has_total[:, None], values[np.maximum(total_row[code], 0)], np.nan)
    member = ~is_total[:, None] & has_total[:, None] & ~np.isnan(values) & ~np.isnan(total_value)
    r, c = np.nonzero(member)
    group = code[r] * columns + c
    n_groups = n_codes * columns
    sums = np.bincount(group, weights=values[r, c], minlength=n_groups)
    members = np.bincount(group, minlength=n_groups)
    g_code, g_col = np.divmod(np.arange(n_groups), columns)
    total_cell = np.maximum(total_row[g_code], 0) * columns + g_col
    total_values = values.ravel()[total_cell]
    keep = (total_row[g_code] >= 0) & ~np.isnan(total_values)
    renumber = np.cumsum(keep) - 1
    return _Groups(
        member_cell=r * columns + c,
        member_group=renumber[group],
        member_small=np.zeros(len(r), dtype=bool),
        total_cell=total_cell[keep],
        additive=(np.isclose(sums, total_values) | (members == 0))[keep],
    )


def _within_rows(values, counts, total, parts, complement) -> _Groups:
    """``total`` = the sum of ``parts`` in each row, plus an unpublished complement if named."""
    columns = len(counts)
    t = counts.index(total)
    p = np.array([counts.index(name) for name in parts])
    valid = ~np.isnan(values[:, t]) & ~np.isnan(values[:, p]).any(axis=1)
    rows = np.flatnonzero(valid)
    rest = values[rows, t] - values[rows][:, p].sum(axis=1)
    cells = rows[:, None] * columns + p[None, :]
    group = np.repeat(np.arange(len(rows))[:, None], len(p), axis=1)
    small = np.zeros(cells.shape, dtype=bool)
    if complement is not None:
        cells = np.c_[cells, np.full(len(rows), -1)]
        group = np.c_[group, np.arange(len(rows))]
        small = np.c_[small, _small(rest)]
        additive = rest >= 0
    else:
        additive = np.isclose(rest, 0)
    return _Groups(cells.ravel(), group.ravel(), small.ravel(), rows * columns + t, additive)


def _linked(values, counts, columns) -> _Groups:
    """Cells of one row that are hidden together: a group that never adds up."""
    groups = _within_rows(values, counts, columns[0], columns[1:], None)
    return _Groups(
        groups.member_cell,
        groups.member_group,
        groups.member_small,
        groups.total_cell,
        np.zeros_like(groups.additive),
    )


def _empty() -> _Groups:
    nothing = np.zeros(0, dtype=np.int64)
    return _Groups(nothing, nothing, nothing.astype(bool), nothing, nothing.astype(bool))


def _joined(parts: list[_Groups]) -> _Groups:
    offsets = np.cumsum([0] + [len(g.total_cell) for g in parts])
    return _Groups(
        np.concatenate([g.member_cell for g in parts]),
        np.concatenate([g.member_group + o for g, o in zip(parts, offsets, strict=False)]),
        np.concatenate([g.member_small for g in parts]),
        np.concatenate([g.total_cell for g in parts]),
        np.concatenate([g.additive for g in parts]),
    )


def _secondary(values: np.ndarray, hidden: np.ndarray, groups: _Groups) -> np.ndarray:
    """Hide more cells until no group with a published total has exactly one unknown member."""
    flat, numbers = hidden.ravel().copy(), values.ravel()
    real = groups.member_cell >= 0
    cell = np.where(real, groups.member_cell, 0)
    group, n = groups.member_group, len(groups.total_cell)
    value = numbers[cell]
    while True:
        unknown = np.where(real, flat[cell], True)
        protected = np.where(real, unknown, groups.member_small)
        total_open = ~flat[groups.total_cell]
        n_unknown = np.bincount(group, unknown.astype(float), n)
        n_protected = np.bincount(group, protected.astype(float), n)
        gives_away = groups.additive & total_open & (n_unknown == 1) & (n_protected >= 1)
        # a group that does not add up: any hidden cell hides all of it
        spills = ~groups.additive & ((n_protected > 0) | ~total_open)
        candidate = real & ~unknown & (value > 0) & gives_away[group]
        order = np.lexsort((value[candidate], group[candidate]))
        chosen_group, first = np.unique(group[candidate][order], return_index=True)
        hide = [
            cell[candidate][order][first],
            groups.total_cell[gives_away & ~np.isin(np.arange(n), chosen_group)],
            cell[real & ~unknown & spills[group]],
            groups.total_cell[spills & total_open],
        ]
        hide = np.concatenate(hide)
        if not len(hide):
            return flat.reshape(hidden.shape)
        flat[hide] = True


# --------------------------------------------------------------------------- the house tables

_METRIC_RATES = ("value", "ci_low", "ci_high")


def suppress_metrics(metrics: pd.DataFrame) -> Suppressed:
    """:func:`auditlib.metrics.compute_metrics` for the public: services add up to ALL.

    Counts are numerator, denominator and pending; a proportion's
    complement (denominator - numerator) is a count too; a mean's numerator
    (the sum of its scores) is hidden with its number of responses.
    ALL of ni_case_samples is the provider's total over sites, not the sum
    of services sharing a site, so that metric is shown or hidden whole.
    """
    kind = metrics["metric_id"].map(lambda m: METRICS[m].kind)
    spec = {
        "counts": [c for c in ("numerator", "denominator", "pending") if c in metrics],
        "rates": _rates(metrics, _METRIC_RATES, ("numerator", "denominator")),
        "group_by": ["period", "metric_id"],
        "total": ("scope", "ALL"),
    }
    return _by_kind(metrics, kind, spec, [("numerator", "denominator")])


def suppress_compliance(table: pd.DataFrame) -> Suppressed:
    """:func:`auditlib.qa.compliance` for the public: files and their results, services to ALL.

    Compliance, its interval and the LQAS verdict are built on met and
    applicable; the LQAS rule and its risks also on the service's population.
    """
    counts = ["met", "partial", "not_met", "na", "applicable", "files", "population"]
    counts = [c for c in counts if c in table]
    on = ("met", "applicable", "population") if "population" in table else ("met", "applicable")
    rates = {
        **_rates(table, ("value", "ci_low", "ci_high", "lqas", "lqas_conclusive"), on[:2]),
        **_rates(table, ("lqas_rule", "lqas_alpha", "lqas_beta", "lqas_sentence"), on),
    }
    return suppress(
        table,
        counts=counts,
        rates=rates,
        sums=[
            ("files", ["met", "partial", "not_met", "na"]),
            ("applicable", ["met", "partial", "not_met"]),
            ("files", ["applicable", "na"]),
        ],
        group_by=[c for c in ("quarter", "criterion_id") if c in table],
        total=("scope", "ALL"),
    )


def suppress_compare(table: pd.DataFrame) -> Suppressed:
    """:func:`auditlib.compare.compare` for the public: each side like the metrics table.

    The difference, its interval, the exact test and the verdict are built
    on both sides' counts.
    """
    sides = [(f"{s}_numerator", f"{s}_denominator") for s in ("before", "after")]
    counts = [f"{s}_{c}" for s in ("before", "after") for c in ("numerator", "denominator",
              "pending") if f"{s}_{c}" in table]  # fmt: skip
    every = [c for pair in sides for c in pair]
    rates = {
        **_rates(table, [f"before_{r}" for r in _METRIC_RATES], sides[0]),
        **_rates(table, [f"after_{r}" for r in _METRIC_RATES], sides[1]),
        **_rates(table, ("difference", "diff_low", "diff_high", "exact_p", "change"), every),
    }
    spec = {
        "counts": counts,
        "rates": rates,
        "group_by": ["measure"],
        "total": ("scope", "ALL"),
    }
    return _by_kind(table, table["kind"], spec, sides)


def _rates(table: pd.DataFrame, columns: Sequence[str], on: Sequence[str]) -> dict:
    return {column: tuple(on) for column in columns if column in table}


def _by_kind(table: pd.DataFrame, kind: pd.Series, spec: dict, pairs) -> Suppressed:
    """Proportions and counts with their complements; a mean's sum goes with its n.

    Rows of different kinds are never in one group, so each kind is done apart.
    """
    is_mean = np.asarray(kind == "mean", dtype=bool)
    rows = table.reset_index(drop=True)
    results = [
        suppress(rows[~is_mean], complements=pairs, **spec),
        suppress(rows[is_mean], together=pairs, **spec),
    ]
    joined = pd.concat([r.table for r in results]).sort_index()
    hidden = pd.concat([r.hidden for r in results]).sort_index()
    return Suppressed(joined.set_axis(table.index), hidden.set_axis(table.index))
