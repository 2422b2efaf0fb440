"""The self-score grid: what each service claims against what its data evidences, per dimension.

For one quarter, every chosen service gets one row per dimension of the grid
(quality.md): the score it gave itself (``self_assessments``), the score the
data supports under the rubric (:mod:`auditlib.rubric`), the evidence values
behind it, the rule in words and, where the claim is higher than the
evidence, the shortfall in words -- what an inspector would find. Totals per
service are repeated on each of its rows (:func:`grid_totals` gives one row
per service).

The metrics and QA results are computed once for all services; each rule is
then applied as whole-column operations, one dimension at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ._columns import isin
from ._words import STATUS_WORDS, count_of, join, percent
from .contract import DIMENSIONS
from .dataset import Dataset
from .errors import DatasetError, Problem
from .metrics import METRICS
from .periods import Period
from .qa import compliance
from .rubric import GRID_WORDING, Condition, Rubric, load_rubric
from .sampling import as_quarter, quarter_mask, select_services
from .scope import scoped_metrics

__all__ = ["GRID_COLUMNS", "TOTAL_COLUMNS", "grid_totals", "self_score_grid"]

TOTAL_COLUMNS = [
    "claimed_total",
    "dimensions_claimed",
    "evidenced_total",
    "dimensions_covered",
    "target",
    "met_target",
    "target_note",
]
GRID_COLUMNS = [
    "service_id",
    "service_name",
    "quarter",
    "period_start",
    "period_end",
    "dimension",
    "claimed",
    "claimed_note",
    "evidenced",
    "evidenced_words",
    "evidence_note",
    "evidence",
    "rule",
    "over_claim",
    "shortfall",
    "finding",
    *TOTAL_COLUMNS,
]


def self_score_grid(
    dataset: Dataset,
    quarter: Period | str,
    *,
    rubric: Rubric | str | Path | None = None,
    as_of: date | None = None,
    services: Sequence[str] | None = None,
    calendar_quarters: bool = False,
    metrics: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The grid for each chosen service (all by default): one row per service and dimension.

    Columns (``GRID_COLUMNS``): ``claimed`` (0-2, missing with
    ``claimed_note`` when the service did not score itself); ``evidenced``
    (0-2 by the rubric, missing with "no evidence" in ``evidence_note`` when
    none of the dimension's sources has data); ``evidence`` (the values the
    rule read, with their n); ``rule`` (the rule in words); ``over_claim``
    (claimed above evidenced, and the evidence that exists contradicts the
    claim) with ``shortfall`` (the evidence that falls short or, for a claim
    not yet evidenced, what is missing or pending); ``finding`` (over-claim,
    not yet evidenced, under-claim, matches, no evidence, not
    self-assessed); then the service's totals: out of 20, how
    many dimensions each covers, the ``target`` and ``met_target`` (missing
    when dimensions without evidence leave it open; ``target_note`` says).
    ``rubric`` is a :class:`Rubric` or a rubric file (the default rubric
    when None); ``as_of`` defaults to today; ``metrics`` may pass a table
    already made by :func:`compute_metrics` for the quarter (see
    :func:`auditlib.scope.scoped_metrics`), to save computing it again.
    """
    period = as_quarter(quarter, calendar_quarters=calendar_quarters)
    rubric = rubric if isinstance(rubric, Rubric) else load_rubric(rubric)
    chosen = sorted(select_services(dataset, services))
    metrics = scoped_metrics(
        dataset,
        [period],
        as_of=as_of,
        services=None if services is None else chosen,
        metric_ids=rubric.metric_ids(),
        metrics=metrics,
    )
    unfinished = period.end > (as_of or date.today())
    sources = _evidence_sources(dataset, period, rubric, chosen, metrics, unfinished)
    claimed = _claims(dataset, period, chosen)
    frames = [_dimension(d, rubric, sources, claimed[d]) for d in DIMENSIONS]
    grid = pd.concat(frames, ignore_index=True)
    grid = grid.sort_values("service_id", kind="stable", ignore_index=True)
    names = dataset.services.set_index("service_id")["service_name"]
    grid.insert(1, "service_name", grid["service_id"].map(names).to_numpy())
    grid.insert(2, "quarter", period.label)
    grid.insert(3, "period_start", period.start)
    grid.insert(4, "period_end", period.end)
    return _with_totals(grid, rubric.target)[GRID_COLUMNS]


def grid_totals(grid: pd.DataFrame) -> pd.DataFrame:
    """One row per service of a grid from :func:`self_score_grid`: its totals against the target."""
    keep = ["service_id", "service_name", "quarter", "period_start", "period_end", *TOTAL_COLUMNS]
    return grid[keep].drop_duplicates("service_id", ignore_index=True)


def _evidence_sources(
    dataset: Dataset,
    period: Period,
    rubric: Rubric,
    services: list[str],
    metrics: pd.DataFrame,
    unfinished: bool,
) -> dict[str, pd.DataFrame]:
    """Every source the rubric reads, one frame per :attr:`Condition.key`, in ``services`` order.

    Each frame has ``numerator``, ``denominator``, ``value``, ``pending``,
    ``status`` (``ok`` where there is a value, else the metric's or QA
    result's reason; ``pending`` where nothing is due yet but items are
    pending, e.g. monthly coverage mid-quarter) and ``low`` and ``high``, the
    least and most the value can still become: a proportion's pending items
    may all fail or all succeed; a count keeps growing until the quarter
    (``unfinished`` at the as-of date) is over.
    Metrics come from ``metrics``, QA results from one
    :func:`auditlib.qa.compliance` call; a QA dimension pools met and
    applicable files over the checklist criteria that feed it.
    """
    frames: dict[str, pd.DataFrame] = {}
    by_metric = metrics.set_index(["metric_id", "scope"])
    for metric_id in rubric.metric_ids():
        rows = by_metric.loc[metric_id].reindex(services)
        pending = rows["pending"].to_numpy(dtype=float, na_value=0)
        status = rows["status"].where(~(rows["status"].eq("none_due") & (pending > 0)), "pending")
        source = _source(rows["numerator"], rows["denominator"], rows["value"], status, pending)
        kind = METRICS[metric_id].kind
        if kind == "proportion":
            with np.errstate(divide="ignore", invalid="ignore"):
                source["low"] = source["numerator"] / (source["denominator"] + pending)
                source["high"] = (source["numerator"] + pending) / (source["denominator"] + pending)
        elif kind == "count" and unfinished:
            source["high"] = np.inf
        frames[f"metric:{metric_id}"] = source
    if rubric.uses_qa():
        qa = compliance(dataset, period, checklist=rubric.checklist, services=services)
        qa = qa[qa["scope"] != "ALL"]
        by_criterion = qa.set_index(["criterion_id", "scope"])
        for criterion in pd.unique(qa["criterion_id"]):
            rows = by_criterion.loc[criterion].reindex(services)
            frames[f"criterion:{criterion}"] = _source(
                rows["met"], rows["applicable"], rows["value"], rows["status"]
            )
        pooled = qa.assign(no_table=qa["status"].eq("no_data")).groupby(["dimension", "scope"])
        pooled = pooled[["met", "applicable", "files", "no_table"]].sum()
        for dimension in DIMENSIONS:
            if dimension not in pooled.index.get_level_values(0):
                continue
            rows = pooled.loc[dimension].reindex(services)
            met, applicable = rows["met"].astype(float), rows["applicable"].astype(float)
            status = np.select(
                [
                    rows["no_table"].to_numpy(dtype=bool),
                    applicable.to_numpy() > 0,
                    rows["files"].to_numpy(dtype=float, na_value=0) > 0,
                ],
                ["no_data", "ok", "none_applicable"],
                default="not_audited",
            )
            frames[f"qa_dimension:{dimension}"] = _source(
                met, applicable, met / applicable.where(applicable > 0), status
            )
    return frames


def _source(numerator, denominator, value, status, pending=0) -> pd.DataFrame:
    status = pd.Series(np.asarray(status, dtype=object)).fillna("no_data").to_numpy()
    return pd.DataFrame(
        {
            "numerator": np.asarray(numerator, dtype=float),
            "denominator": np.asarray(denominator, dtype=float),
            "value": np.asarray(value, dtype=float),
            "pending": np.broadcast_to(np.asarray(pending, dtype=float), len(status)),
            "status": status,
            "low": np.asarray(value, dtype=float),
            "high": np.asarray(value, dtype=float),
        }
    )


# --------------------------------------------------------------------------- claims


def _claims(dataset: Dataset, period: Period, services: list[str]) -> pd.DataFrame:
    """Claimed scores, services x dimensions (missing where the service did not score itself)."""
    table = dataset.get("self_assessments")
    if table is None:
        claimed = pd.DataFrame(pd.NA, index=services, columns=list(DIMENSIONS), dtype="Int64")
        claimed.attrs["missing"] = "the dataset has no self_assessments table"
        return claimed
    rows = table[quarter_mask(table["quarter"], period) & isin(table["service_id"], services)]
    _check_claims(rows, dataset)
    rows = rows.drop_duplicates(["service_id", "dimension"], keep="last")
    claimed = rows.set_index(["service_id", "dimension"])["score"].unstack()
    claimed = claimed.reindex(index=services, columns=list(DIMENSIONS)).astype("Int64")
    claimed.attrs["missing"] = f"not self-assessed for {period.label}"
    return claimed


def _check_claims(rows: pd.DataFrame, dataset: Dataset) -> None:
    """Refuse a score outside 0-2 or an unknown dimension (for tables not read by the loader)."""
    source = dataset.sources.get("self_assessments")
    file = source.file if source else None
    problems = [
        Problem("unknown_value", "one of " + ", ".join(DIMENSIONS), table="self_assessments",
                file=file, row=int(i), column="dimension", value=v)
        for i, v in rows.loc[~rows["dimension"].isin(DIMENSIONS), "dimension"].items()
    ]  # fmt: skip
    scores = pd.to_numeric(rows["score"], errors="coerce")
    problems += [
        Problem("out_of_range", "a score of 0, 1 or 2", table="self_assessments", file=file,
                row=int(i), column="score", value=v)
        for i, v in rows.loc[~scores.isin([0, 1, 2]), "score"].items()
    ]  # fmt: skip
    if problems:
        raise DatasetError("self_assessments: scores the grid cannot use", problems)


# --------------------------------------------------------------------------- one dimension


def _dimension(
    dimension: str, rubric: Rubric, sources: dict[str, pd.DataFrame], claimed: pd.Series
) -> pd.DataFrame:
    """Score one dimension for every service at once."""
    criteria = rubric.criteria
    conditions = rubric.conditions(dimension)
    n = len(claimed)
    has = {c.key: sources[c.key]["status"].to_numpy() == "ok" for c in conditions}
    texts = {c.key: _source_text(c, sources[c.key], criteria) for c in conditions}

    score = np.zeros(n, dtype=np.int64)
    for level in rubric.rules[dimension]:
        met = np.ones(n, dtype=bool)
        for c in level.require:
            met &= has[c.key] & c.holds(sources[c.key]["value"].to_numpy())
        score = np.where(met, np.maximum(score, level.score), score)
    any_data = np.logical_or.reduce([has[c.key] for c in conditions])
    all_data = np.logical_and.reduce([has[c.key] for c in conditions])
    evidenced = pd.array(np.where(any_data, score, 0), dtype="Int64")
    evidenced[~any_data] = pd.NA

    evidence = join([texts[c.key] for c in conditions], "; ")
    missing = join([np.where(has[c.key], "", texts[c.key]) for c in conditions], "; ")
    note = np.where(
        any_data,
        np.where(all_data, "", "partly evidenced: " + missing),
        "no evidence: " + missing,
    )
    wording = np.array(GRID_WORDING[dimension], dtype=object)
    claim = claimed.to_numpy(dtype=float, na_value=np.nan)
    known = ~np.isnan(claim)
    above = known & (claim > score)
    contradicted, why = _against_claim(dimension, rubric, sources, texts, claim)
    over = above & contradicted
    safe_claim = np.nan_to_num(claim).astype(np.int64)
    claims = "claims " + safe_claim.astype(str).astype(object) + " (" + wording[safe_claim] + ")"
    supports = np.where(contradicted, ", the evidence supports ", ", the evidence so far supports ")
    supports = supports.astype(object) + score.astype(str).astype(object) + " (" + wording[score]
    shortfall = claims + np.where(any_data, supports + ")", "") + ": " + why
    finding = np.select(
        [~known, over, above, ~any_data, claim < score],
        ["not self-assessed", "over-claim", "not yet evidenced", "no evidence", "under-claim"],
        default="matches",
    )
    return pd.DataFrame(
        {
            "service_id": claimed.index.to_numpy(dtype=object),
            "dimension": dimension,
            "claimed": claimed.to_numpy(),
            "claimed_note": np.where(known, "", claimed.attrs.get("missing", "")),
            "evidenced": evidenced,
            "evidenced_words": np.where(any_data, wording[score], ""),
            "evidence_note": note,
            "evidence": evidence,
            "rule": rubric.rule_words(dimension),
            "over_claim": over,
            "shortfall": np.where(above, shortfall, ""),
            "finding": finding,
        }
    )


def _against_claim(dimension, rubric, sources, texts, claim) -> tuple[np.ndarray, np.ndarray]:
    """Whether the evidence that exists contradicts each claim, and the shortfall in words.

    A claim is contradicted when every rubric entry that would give it (or
    more) has a condition whose data exists and falls short, and would fall
    short even if every pending item went the claim's way. Otherwise some
    entry could still be met once its missing or pending sources arrive: the
    claim is not yet evidenced, and the words name what is missing.
    """
    safe_claim = np.nan_to_num(claim).astype(np.int64)
    n = len(claim)
    contradicted = np.zeros(n, dtype=bool)
    why = np.full(n, "", dtype=object)
    for wanted in (1, 2):
        levels = [level for level in rubric.rules[dimension] if level.score >= wanted]
        if not levels:
            reasons, against = np.full(n, f"no rule of the rubric gives {wanted}"), False
        else:
            against = np.ones(n, dtype=bool)
            falls_short, missing = [], []
            for level in levels:
                checks = [_check(c, sources[c.key], texts[c.key]) for c in level.require]
                failed = np.logical_or.reduce([fails for fails, _, _ in checks])
                against &= failed
                falls_short.append(join([words for _, words, _ in checks], " and "))
                absent = join([gap for _, _, gap in checks], " and ")
                missing.append(np.where(failed, "", absent))
            reasons = np.where(
                against,
                join(falls_short, "; or "),
                "not yet evidenced: " + join(missing, "; or "),
            )
        contradicted = np.where(safe_claim == wanted, against, contradicted)
        why = np.where(safe_claim == wanted, reasons, why)
    return contradicted, why


def _check(condition: Condition, source: pd.DataFrame, text: np.ndarray):
    """One condition per service: whether its data exists and falls short for good, and in words
    the evidence that does not hold (with what it needs; ``""`` where it holds) and what is
    missing or still open (``""`` where the data is in)."""
    ok = source["status"].to_numpy() == "ok"
    holds = ok & condition.holds(source["value"].to_numpy())
    best = source["high" if condition.bound == "at_least" else "low"].to_numpy()
    open_ = ok & ~holds & condition.holds(best)
    short = text + ", needs " + condition.need()
    pending = np.nan_to_num(source["pending"].to_numpy()).astype(np.int64).astype(str)
    still = np.where(
        source["pending"].to_numpy() > 0,
        " (" + pending.astype(object) + " still pending)",
        " (the quarter is not over)",
    )
    gap = np.where(open_, short + still, np.where(ok, "", text))
    words = np.where(holds, "", np.where(ok & ~open_, short, gap))
    return ok & ~holds & ~open_, words, gap


def _source_text(condition: Condition, source: pd.DataFrame, criteria) -> np.ndarray:
    """Each service's value of one source in words, with its n, or why there is none."""
    label = condition.label(criteria)
    value = source["value"].to_numpy()
    if condition.is_proportion:
        unit = "" if condition.source == "metric" else " applicable files"
        shown = percent(value) + " (" + count_of(source["numerator"], source["denominator"])
        shown = shown + unit + ")"
    elif condition.name == "ni_case_samples":
        shown = np.nan_to_num(value).astype(np.int64).astype(str).astype(object)
    else:  # a mean: one decimal place and its n
        n = np.nan_to_num(source["denominator"].to_numpy()).astype(np.int64).astype(str)
        shown = pd.Series(value).map("{:.1f}".format).to_numpy(dtype=object)
        shown = shown + " (n = " + n.astype(object) + ")"
    status = source["status"].map(STATUS_WORDS).fillna("").to_numpy(dtype=object)
    pending = np.nan_to_num(source["pending"].to_numpy()).astype(np.int64).astype(str)
    status = np.where(
        source["status"].to_numpy() == "pending",
        "pending (" + pending.astype(object) + " not yet due at the as-of date)",
        status,
    )
    return np.where(
        source["status"].to_numpy() == "ok", label + ": " + shown, label + ": " + status
    )


# --------------------------------------------------------------------------- totals


def _with_totals(grid: pd.DataFrame, target: int) -> pd.DataFrame:
    groups = grid.groupby("service_id", sort=False)
    grid["claimed_total"] = groups["claimed"].transform("sum").astype("Int64")
    grid["dimensions_claimed"] = groups["claimed"].transform("count").astype("Int64")
    grid["evidenced_total"] = groups["evidenced"].transform("sum").astype("Int64")
    covered = groups["evidenced"].transform("count").to_numpy(dtype=np.int64)
    grid["dimensions_covered"] = pd.array(covered, dtype="Int64")
    grid["target"] = target
    total = grid["evidenced_total"].to_numpy(dtype=np.int64)
    uncovered = len(DIMENSIONS) - covered
    met = pd.array(total >= target, dtype="boolean")
    met[(total < target) & (total + 2 * uncovered >= target)] = pd.NA
    grid["met_target"] = met
    evidenced = (
        "evidenced "
        + total.astype(str).astype(object)
        + " of 20 across "
        + covered.astype(str).astype(object)
        + " of 10 dimensions"
    )
    grid["target_note"] = np.select(
        [total >= target, pd.isna(met)],
        [
            evidenced + f": meets the target of {target}",
            evidenced
            + f": cannot tell whether it meets the target of {target} while "
            + uncovered.astype(str).astype(object)
            + " dimension(s) have no evidence",
        ],
        default=evidenced + f": below the target of {target}",
    )
    return grid
