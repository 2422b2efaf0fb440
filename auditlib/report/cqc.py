"""The evidence filed by CQC quality statement, from an editable mapping.

``resources/cqc_statements.csv`` maps every dashboard metric, every ten-file
QA criterion and every self-score grid dimension to the one Single
Assessment Framework quality statement it evidences (columns kind, id,
statement, why).  A provider copies and edits it; :func:`load_cqc_mapping`
checks it as strictly as a dataset (every problem at once, with file, row and
column), and :func:`evidence_index` files the evidence sentences under their
statements, ready to paste into an evidence pack.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from ..checklist import Checklist, load_checklist
from ..contract import DIMENSIONS
from ..errors import CqcMappingError, Problem
from ..metrics import METRICS
from ._settings import missing_columns, read_settings_csv

__all__ = [
    "KEY_QUESTIONS",
    "MAPPING_COLUMNS",
    "NO_EVIDENCE",
    "STATEMENTS",
    "evidence_index",
    "load_cqc_mapping",
]

STATEMENTS = (
    "Listening to and involving people",
    "Consent to care and treatment",
    "Person-centred care",
    "Providing information",
    "Independence, choice and control",
    "Governance, management and sustainability",
    "Learning, improvement and innovation",
)
"""The quality statements the workbench evidences, in the order the report lists them."""

KEY_QUESTIONS = {
    "Listening to and involving people": "Responsive",
    "Consent to care and treatment": "Effective",
    "Person-centred care": "Responsive",
    "Providing information": "Responsive",
    "Independence, choice and control": "Caring",
    "Governance, management and sustainability": "Well-led",
    "Learning, improvement and innovation": "Well-led",
}
"""The CQC key question each statement sits under."""

MAPPING_COLUMNS = ("kind", "id", "statement", "why")
NO_EVIDENCE = "no evidence yet this quarter"
_KINDS = ("metric", "criterion", "dimension")
_DEFAULT = "cqc_statements.csv"


def load_cqc_mapping(
    path: str | Path | None = None, *, checklist: Checklist | None = None
) -> pd.DataFrame:
    """The shipped mapping, or the user's own CSV, checked against the measures it must cover.

    Every metric of :data:`auditlib.metrics.METRICS`, every criterion of
    ``checklist`` (default: the shipped one) and every grid dimension appears
    exactly once, with one of :data:`STATEMENTS` (case and spacing ignored).
    Returns columns kind, id, statement, why.  Raises
    :class:`~auditlib.errors.CqcMappingError` listing every problem.
    """
    checklist = checklist or load_checklist()
    if path is None:
        source = resources.files("auditlib") / "resources" / _DEFAULT
        with resources.as_file(source) as default:
            return _validated(_read(default), str(default), checklist)
    return _validated(_read(Path(path)), str(path), checklist)


def _read(path: Path) -> pd.DataFrame:
    return read_settings_csv(path, CqcMappingError, "CQC mapping")


def _expected(checklist: Checklist) -> pd.Index:
    keys = [
        *(("metric", m) for m in METRICS),
        *(("criterion", c) for c in checklist.ids),
        *(("dimension", d) for d in DIMENSIONS),
    ]
    return pd.MultiIndex.from_tuples(keys, names=["kind", "id"])


def _validated(frame: pd.DataFrame, file: str, checklist: Checklist) -> pd.DataFrame:
    missing_columns(frame, MAPPING_COLUMNS[:3], file, CqcMappingError, "CQC mapping")
    table = frame.reindex(columns=list(MAPPING_COLUMNS), fill_value="")
    table["kind"] = table["kind"].str.lower()
    canonical = {" ".join(s.lower().split()): s for s in STATEMENTS}
    table["statement"] = table["statement"].map(
        lambda s: canonical.get(" ".join(s.lower().split()), s)
    )
    expected = _expected(checklist)
    keys = pd.MultiIndex.from_frame(table[["kind", "id"]])
    known_kind = table["kind"].isin(_KINDS)
    checks = [
        ("kind", ~known_kind, "unknown_value", "one of " + ", ".join(_KINDS)),
        (
            "id",
            table["id"] == "",
            "missing_value",
            "blank: name the metric, criterion or dimension",
        ),
        (
            "id",
            known_kind & (table["id"] != "") & ~keys.isin(expected),
            "unknown_value",
            "not a known id of this kind (a metric id, a checklist criterion or a grid dimension)",
        ),
        (
            "id",
            (table["id"] != "") & keys.duplicated(keep="first"),
            "duplicate_key",
            "mapped twice: each metric, criterion and dimension has one statement",
        ),
        (
            "statement",
            ~table["statement"].isin(STATEMENTS),
            "unknown_value",
            "one of: " + "; ".join(STATEMENTS),
        ),
    ]
    problems = [
        Problem(
            reason, expected, file=file, row=int(row), column=column, value=frame.at[row, column]
        )
        for column, mask, reason, expected in checks
        for row in table.index[mask.to_numpy(dtype=bool)]
    ]
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    problems += [
        Problem(
            "missing_value",
            f"{kind} {id_} is not mapped to a quality statement",
            file=file,
            column="id",
            value=id_,
        )
        for kind, id_ in expected[~expected.isin(keys)]
    ]
    if problems:
        count = len(problems)
        raise CqcMappingError(
            f"{file}: {count} problem{'s' if count != 1 else ''} in the CQC mapping", problems
        )
    return table.reset_index(drop=True)


def evidence_index(sentences: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """Evidence sentences under their quality statements, in :data:`STATEMENTS` order.

    ``sentences`` has columns kind, measure, sentence (as from
    :func:`auditlib.evidence.evidence_statements`): a measure is a metric id
    or a criterion id.  Returns columns statement, measure, sentence, the
    sentences of a statement in their given order; a statement without a
    sentence is listed once with :data:`NO_EVIDENCE` and an empty measure.
    """
    by_id = mapping[mapping["kind"].isin(["metric", "criterion"])]
    lookup = by_id.drop_duplicates("id").set_index("id")["statement"]
    statement = sentences["measure"].map(lookup)
    unmapped = sentences["measure"][statement.isna()]
    if len(unmapped):
        raise CqcMappingError(
            "evidence for measures the CQC mapping does not cover: "
            + ", ".join(sorted(set(unmapped.astype(str))))
        )
    found = pd.DataFrame(
        {"statement": statement, "measure": sentences["measure"], "sentence": sentences["sentence"]}
    )
    empty = [s for s in STATEMENTS if s not in set(statement)]
    placeholders = pd.DataFrame({"statement": empty, "measure": "", "sentence": NO_EVIDENCE})
    frames = [frame for frame in (found, placeholders) if len(frame)]
    table = pd.concat(frames, ignore_index=True)
    order = table["statement"].map({s: i for i, s in enumerate(STATEMENTS)})
    return table.iloc[order.argsort(kind="stable")].reset_index(drop=True)
