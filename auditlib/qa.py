"""Scoring the ten-file QA: compliance per criterion and service, honestly for small samples.

Compliance for a criterion is met / applicable, where applicable counts the
files marked met, partial or not_met (``na`` files are left out); partial is
shown beside it, never folded in. Each value carries a 95% Wilson interval
and an LQAS-style classification against a target, with the alpha and beta
that the number of applicable files actually gives and a plain sentence on
what that sample can and cannot show. A value is never 0% or 100% for want of
data: the ``status`` column says why it is missing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .checklist import Checklist, load_checklist
from .dataset import Dataset
from .errors import AuditlibError
from .periods import Period
from .sampling import as_quarter, quarter_mask, select_services, supported_people
from .stats import (
    BELOW_TARGET,
    MEETS_TARGET,
    NO_APPLICABLE_FILES,
    lqas_rule,
    lqas_sentence,
    wilson_interval,
)

__all__ = [
    "COMPLETENESS_COLUMNS",
    "COMPLIANCE_COLUMNS",
    "RESULTS",
    "compliance",
    "file_completeness",
    "one_line_per_unaudited",
    "read_sampling_record",
]

RESULTS = ("met", "partial", "not_met", "na")
COUNTS = ["met", "partial", "not_met", "na", "applicable", "files"]
COMPLIANCE_COLUMNS = [
    "scope",
    "quarter",
    "criterion_id",
    "dimension",
    "wording",
    *COUNTS,
    "value",
    "ci_low",
    "ci_high",
    "lqas",
    "status",
    "population",
    "lqas_rule",
    "lqas_alpha",
    "lqas_beta",
    "lqas_conclusive",
    "lqas_sentence",
]
COMPLETENESS_COLUMNS = [
    "quarter",
    "person_id",
    "service_id",
    "criteria",
    "answered",
    "completeness",
    "not_answered",
    *RESULTS,
]


def compliance(
    dataset: Dataset,
    quarter: Period | str,
    *,
    checklist: Checklist | None = None,
    services: Sequence[str] | None = None,
    target: float = 0.9,
    lower: float | None = None,
    calendar_quarters: bool = False,
    record: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Compliance per criterion for each chosen service and for ALL of them, in one quarter.

    One row per scope (service_id, then ``ALL``) and criterion, with the
    columns of ``COMPLIANCE_COLUMNS``: the result counts, ``applicable`` (met
    + partial + not_met), ``files`` (files with any result for the
    criterion), ``value`` = met / applicable with its Wilson interval, and
    the LQAS classification against ``target`` (``lower`` defaults to target
    - 0.3). ``status``: ``ok``; ``none_applicable`` (every file was na);
    ``not_audited`` (no result for the criterion in this scope and quarter);
    ``no_data`` (the dataset has no file_audits table). The LQAS risks use
    the hypergeometric distribution over ``population``, the frame the
    scope's files were drawn from: for a service, the people it supported in
    the quarter; for ALL, those of the services actually audited that quarter
    (services not audited add files to no sample, so naming them or not
    cannot change the verdict). A sampling ``record`` for the quarter (as
    :func:`~auditlib.sampling.draw_sample` writes it) gives the frames
    instead, where the chosen services include all of its services.
    Criteria found in the results but not in the checklist are kept, after
    the checklist's, with blank wording.
    """
    period = as_quarter(quarter, calendar_quarters=calendar_quarters)
    try:
        lqas_rule(1, target, lower)
    except ValueError as error:
        raise AuditlibError(f"LQAS thresholds: {error}") from None
    checklist = checklist if checklist is not None else load_checklist()
    chosen = select_services(dataset, services)
    audits = _audits(dataset, period, chosen)
    criteria = _criteria(checklist, audits)
    scopes = [*sorted(chosen), "ALL"]
    counts = _counts(audits, chosen, criteria["criterion_id"])
    table = pd.DataFrame(
        {
            "scope": np.repeat(scopes, len(criteria)),
            "quarter": period.label,
            "criterion_id": np.tile(criteria["criterion_id"].to_numpy(), len(scopes)),
            "dimension": np.tile(criteria["dimension"].to_numpy(), len(scopes)),
            "wording": np.tile(criteria["wording"].to_numpy(), len(scopes)),
        }
    )
    table = table.join(counts, on=["scope", "criterion_id"])
    population = _populations(dataset, period, chosen, audits, _frames(record, period, chosen))
    table["population"] = table["scope"].map(population).astype("Int64")
    available = audits is not None
    table = _score(table, available, target, lower)
    return table[COMPLIANCE_COLUMNS]


def file_completeness(
    dataset: Dataset,
    quarter: Period | str,
    *,
    checklist: Checklist | None = None,
    services: Sequence[str] | None = None,
    calendar_quarters: bool = False,
) -> pd.DataFrame:
    """One row per file audited in the quarter: the share of the checklist's criteria answered.

    ``answered`` counts the checklist criteria with any result (na counts as
    answered: the auditor looked and found it did not apply);
    ``not_answered`` lists the others. Results for criteria outside the
    checklist are not counted. Empty when nothing was audited.
    """
    period = as_quarter(quarter, calendar_quarters=calendar_quarters)
    checklist = checklist if checklist is not None else load_checklist()
    audits = _audits(dataset, period, select_services(dataset, services))
    if audits is None or audits.empty:
        return pd.DataFrame(columns=COMPLETENESS_COLUMNS)
    ids = list(checklist.ids)
    listed = audits[audits["criterion_id"].isin(ids)]
    answered = pd.crosstab(
        [listed["person_id"], listed["service_id"]], listed["criterion_id"]
    ).reindex(columns=ids, fill_value=0)
    files = audits[["person_id", "service_id"]].drop_duplicates()
    answered = answered.reindex(pd.MultiIndex.from_frame(files), fill_value=0) > 0
    results = pd.crosstab([listed["person_id"], listed["service_id"]], listed["result"]).reindex(
        index=answered.index, columns=list(RESULTS), fill_value=0
    )
    table = pd.DataFrame(
        {
            "quarter": period.label,
            "criteria": len(ids),
            "answered": answered.sum(axis=1),
            # bools dot "id " strings: the ids not answered, joined, without a loop per file
            "not_answered": (~answered).dot(pd.Index(ids) + " ").str.strip(),
        }
    )
    table["completeness"] = table["answered"] / len(ids)
    table = table.join(results).reset_index()
    return table.sort_values(["service_id", "person_id"], kind="stable")[COMPLETENESS_COLUMNS]


def _audits(dataset: Dataset, period: Period, services: list[str]) -> pd.DataFrame | None:
    """The quarter's results for the chosen services, with each file's service; None if no table."""
    audits = dataset.get("file_audits")
    if audits is None:
        return None
    audits = audits[quarter_mask(audits["quarter"], period)]
    person_service = dataset.people.set_index("person_id")["service_id"]
    audits = audits.assign(service_id=audits["person_id"].map(person_service).to_numpy())
    return audits[audits["service_id"].isin(services).to_numpy(dtype=bool)]


def _criteria(checklist: Checklist, audits: pd.DataFrame | None) -> pd.DataFrame:
    criteria = checklist.table
    if audits is None:
        return criteria
    extra = pd.unique(audits.loc[~audits["criterion_id"].isin(checklist.ids), "criterion_id"])
    if len(extra) == 0:
        return criteria
    others = pd.DataFrame({"criterion_id": sorted(extra), "wording": pd.NA, "dimension": pd.NA})
    return pd.concat([criteria, others], ignore_index=True)


def _counts(audits: pd.DataFrame | None, services: list[str], criteria: pd.Series) -> pd.DataFrame:
    """Result counts per (scope, criterion), zero where nothing was recorded."""
    grid = pd.MultiIndex.from_product(
        [sorted(services), criteria.to_numpy()], names=["scope", "criterion_id"]
    )
    if audits is None:
        return pd.DataFrame(pd.NA, index=grid, columns=COUNTS, dtype="Int64")
    per_service = (
        pd.crosstab([audits["service_id"], audits["criterion_id"]], audits["result"])
        .rename_axis(index=["scope", "criterion_id"], columns=None)
        .reindex(index=grid, columns=list(RESULTS), fill_value=0)
    )
    overall = per_service.groupby(level="criterion_id", sort=False).sum()
    overall.index = pd.MultiIndex.from_product([["ALL"], overall.index], names=grid.names)
    counts = pd.concat([per_service, overall])
    counts["applicable"] = counts[["met", "partial", "not_met"]].sum(axis=1)
    counts["files"] = counts["applicable"] + counts["na"]
    return counts.astype("Int64")


def _populations(
    dataset: Dataset,
    period: Period,
    services: list[str],
    audits: pd.DataFrame | None,
    frames: pd.Series | None,
) -> pd.Series:
    """The frame each scope's files were drawn from: per service and for ALL.

    ALL counts only the services with a file audited in the quarter, or is the
    sampling record's frame where one applies.
    """
    sizes = supported_people(dataset, period, services)["service_id"].value_counts()
    sizes = sizes.reindex(services, fill_value=0)
    audited = [] if audits is None else pd.unique(audits["service_id"])
    overall = int(sizes[sizes.index.isin(audited)].sum())
    if frames is not None:
        sizes = frames.reindex(services).fillna(sizes).astype("int64")
        overall = int(frames["ALL"])
    sizes["ALL"] = overall
    return sizes


def _frames(record: Mapping[str, Any] | None, period: Period, chosen: list[str]):
    """Frame sizes from a sampling record, by service (proportional draws) and ``ALL``;
    None where there is no record or it does not cover the chosen services' sample."""
    if record is None:
        return None
    try:
        quarter = as_quarter(record["quarter"], calendar_quarters=True)
        services = [str(s) for s in record["services"]]
        frames = {"ALL": int(record["frame"]["size"])}
        if record.get("method") == "proportional":
            frames |= {str(a["stratum"]): int(a["frame"]) for a in record["allocation"]}
    except (KeyError, TypeError, ValueError, AuditlibError):
        raise AuditlibError(
            "the sampling record is not one auditlib wrote: it needs its quarter, services, "
            "frame size and allocation"
        ) from None
    if quarter.start != period.start:
        raise AuditlibError(
            f"the sampling record is for {quarter.label}, not {period.label}: give that "
            "quarter's record"
        )
    if not set(services) <= set(chosen):
        return None  # part of the sample: each service's own frame stands
    return pd.Series(frames)


def read_sampling_record(path: str | Path) -> dict[str, Any]:
    """A sampling record (JSON) as written beside a sample, read with a clear error if not."""
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise AuditlibError(f"{path}: cannot read the sampling record ({error.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise AuditlibError(f"{path}: not a sampling record (not JSON text)") from None
    if not isinstance(record, dict) or record.get("what") != "auditlib ten-file QA sampling record":
        raise AuditlibError(f"{path}: not an auditlib sampling record") from None
    return record


_NOTHING = {"not_audited": "no file audited in the quarter", "no_data": "no file_audits table"}


def one_line_per_unaudited(table: pd.DataFrame) -> pd.DataFrame:
    """The compliance table with each service that has no result at all (every row
    ``not_audited`` or ``no_data``) as one line saying so, not one empty line per criterion."""
    some_result = ~table["status"].isin(list(_NOTHING))
    unaudited = ~some_result.groupby(table["scope"]).transform("any") & table["scope"].ne("ALL")
    line = (unaudited & ~table["scope"].duplicated()).to_numpy()
    kept = table[~unaudited.to_numpy() | line].copy()
    line = line[~unaudited.to_numpy() | line]
    for column in ("criterion_id", "dimension", "wording"):
        kept[column] = kept[column].astype(object).where(~line, None)
    kept.loc[line, "wording"] = kept.loc[line, "status"].map(_NOTHING)
    return kept.reset_index(drop=True)


def _score(table: pd.DataFrame, available: bool, target: float, lower: float | None):
    met = table["met"].to_numpy(dtype=float, na_value=np.nan)
    applicable = table["applicable"].to_numpy(dtype=float, na_value=np.nan)
    files = table["files"].to_numpy(dtype=float, na_value=np.nan)
    scored = available & (applicable > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["value"] = np.where(scored, met / applicable, np.nan)
    low, high = wilson_interval(np.where(scored, met, 0), np.where(scored, applicable, 0))
    table["ci_low"], table["ci_high"] = low, high
    rules = _rules(table.loc[scored, ["applicable", "population"]], target, lower)
    table = table.join(rules)
    meets = met >= table["lqas_d"].to_numpy(dtype=float, na_value=np.nan)
    table["lqas"] = np.select(
        [scored & meets, scored, available & (files > 0)],
        [MEETS_TARGET, BELOW_TARGET, NO_APPLICABLE_FILES],
        default=None,
    )
    table["status"] = np.select(
        [~np.full(len(table), available), scored, files > 0],
        ["no_data", "ok", "none_applicable"],
        default="not_audited",
    )
    return table.drop(columns="lqas_d")


def _rules(counts: pd.DataFrame, target: float, lower: float | None) -> pd.DataFrame:
    """The LQAS rule for each scored row, computed once per distinct (files, population)."""
    columns = ["lqas_d", "lqas_rule", "lqas_alpha", "lqas_beta", "lqas_conclusive", "lqas_sentence"]
    pairs = counts.astype("Int64").drop_duplicates()
    rows = []
    for n, population in pairs.itertuples(index=False):  # a few distinct sizes, not one per row
        # A file outside the scope's quarter population (data out of step) falls back to binomial.
        size = int(population) if pd.notna(population) and population >= n else None
        rule = lqas_rule(int(n), target, lower, population=size)
        words = f"at least {rule.d} of {rule.n} met"
        # conclusive: both risks at or under 10%, so the classification can be relied on
        rows.append(
            (n, population, rule.d, words, rule.alpha, rule.beta, rule.separates(),
             lqas_sentence(rule))
        )  # fmt: skip
    rules = pd.DataFrame(rows, columns=["applicable", "population", *columns])
    rules[["applicable", "population"]] = rules[["applicable", "population"]].astype("Int64")
    merged = (
        counts.astype("Int64")
        .reset_index(names="row")
        .merge(rules, on=["applicable", "population"], how="left")
    )
    return merged.set_index("row")[columns]
