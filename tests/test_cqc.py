"""The CQC quality statement mapping: complete, checked with located messages, and the index."""

from __future__ import annotations

from importlib import resources

import pandas as pd
import pytest

from auditlib import load_checklist
from auditlib.contract import DIMENSIONS
from auditlib.errors import CqcMappingError, InputNotFoundError
from auditlib.metrics import METRICS
from auditlib.report.cqc import (
    KEY_QUESTIONS,
    NO_EVIDENCE,
    STATEMENTS,
    evidence_index,
    load_cqc_mapping,
)

SAF = [
    "Listening to and involving people",
    "Consent to care and treatment",
    "Person-centred care",
    "Providing information",
    "Independence, choice and control",
    "Governance, management and sustainability",
    "Learning, improvement and innovation",
]


def test_every_metric_criterion_and_dimension_is_mapped_once():
    mapping = load_cqc_mapping()
    ids = {kind: set(group["id"]) for kind, group in mapping.groupby("kind")}
    assert ids["metric"] == set(METRICS)
    assert ids["criterion"] == {f"Q{i:02d}" for i in range(1, 13)}
    assert ids["dimension"] == set(DIMENSIONS)
    assert len(mapping) == len(METRICS) + 12 + len(DIMENSIONS)
    assert set(mapping["statement"]) <= set(SAF)
    assert (mapping["why"] != "").all()


def test_statements_are_the_seven_in_order_with_their_key_questions():
    assert list(STATEMENTS) == SAF
    assert KEY_QUESTIONS["Consent to care and treatment"] == "Effective"
    assert KEY_QUESTIONS["Independence, choice and control"] == "Caring"


def test_a_few_mappings_read_as_cqc_would():
    mapping = load_cqc_mapping().set_index(["kind", "id"])["statement"]
    assert mapping["metric", "decisions_specific"] == "Consent to care and treatment"
    assert mapping["criterion", "Q03"] == "Consent to care and treatment"
    assert mapping["metric", "accessible_format"] == "Providing information"
    assert mapping["dimension", "governance"] == "Governance, management and sustainability"


def _write(tmp_path, text: str):
    path = tmp_path / "mapping.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _shipped_lines() -> list[str]:
    source = resources.files("auditlib") / "resources" / "cqc_statements.csv"
    return source.read_text(encoding="utf-8").splitlines()


def test_a_bad_mapping_gets_every_problem_located(tmp_path):
    lines = _shipped_lines()
    # row 2: unknown statement; row 3: unknown metric id; a duplicate of row 4 added at the end;
    # the line of Q12 dropped, so that criterion is missing
    lines[1] = lines[1].replace("Listening to and involving people", "Being nice")
    lines[2] = lines[2].replace("participation_people", "participation_persons")
    q12 = next(i for i, line in enumerate(lines) if line.startswith("criterion,Q12,"))
    dropped = lines.pop(q12)
    lines.append(lines[3])
    path = _write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(CqcMappingError) as caught:
        load_cqc_mapping(path)
    error = caught.value
    assert isinstance(error, ValueError)
    located = {(p.reason, p.row, p.column, str(p.value)) for p in error.problems}
    assert ("unknown_value", 2, "statement", "Being nice") in located
    assert ("unknown_value", 3, "id", "participation_persons") in located
    assert ("duplicate_key", len(lines), "id", lines[3].split(",")[1]) in located
    assert ("missing_value", None, "id", "Q12") in located
    assert ("missing_value", None, "id", "participation_people") in located
    assert dropped.startswith("criterion,Q12")
    message = str(error)
    assert f"{path}, row 2, column statement: 'Being nice'" in message
    assert "criterion Q12 is not mapped" in message
    assert len(error.problems) == 5


def test_statement_spelling_is_forgiving_but_kinds_are_checked(tmp_path):
    lines = _shipped_lines()
    lines[1] = lines[1].replace(
        "Listening to and involving people", "listening  to and INVOLVING people"
    )
    path = _write(tmp_path, "\n".join(lines) + "\n")
    assert load_cqc_mapping(path).at[0, "statement"] == "Listening to and involving people"
    lines[1] = lines[1].replace("metric,", "measure,", 1)
    path = _write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(CqcMappingError, match="row 2, column kind: 'measure': one of metric"):
        load_cqc_mapping(path)


def test_missing_columns_and_files(tmp_path):
    path = _write(tmp_path, "kind,id\nmetric,compliments\n")
    with pytest.raises(CqcMappingError, match="column statement: required column"):
        load_cqc_mapping(path)
    with pytest.raises(InputNotFoundError):
        load_cqc_mapping(tmp_path / "nowhere.csv")
    with pytest.raises(CqcMappingError, match="is a CSV file"):
        load_cqc_mapping(_write(tmp_path, "x").rename(tmp_path / "mapping.xlsx"))


def test_a_checklist_of_ones_own_needs_its_criteria_mapped(tmp_path):
    own = tmp_path / "checklist.csv"
    own.write_text("criterion_id,wording,dimension\nC1,A plan,outcomes\n", encoding="utf-8")
    with pytest.raises(CqcMappingError) as caught:
        load_cqc_mapping(checklist=load_checklist(own))
    reasons = {(p.reason, str(p.value)) for p in caught.value.problems}
    assert ("missing_value", "C1") in reasons
    assert ("unknown_value", "Q01") in reasons


def test_evidence_index_files_sentences_in_statement_order():
    sentences = pd.DataFrame(
        {
            "kind": ["metric", "metric", "qa", "change"],
            "measure": ["summaries_5wd", "participation_people", "Q05", "summaries_5wd"],
            "sentence": ["s1", "s2", "s3", "s4"],
        }
    )
    index = evidence_index(sentences, load_cqc_mapping())
    assert list(index.columns) == ["statement", "measure", "sentence"]
    assert list(index["statement"].drop_duplicates()) == SAF
    listening = index[index["statement"] == SAF[0]]
    assert list(listening["sentence"]) == ["s2", "s3"]
    providing = index[index["statement"] == "Providing information"]
    assert list(providing["sentence"]) == ["s1", "s4"]
    consent = index[index["statement"] == "Consent to care and treatment"]
    assert list(consent["sentence"]) == [NO_EVIDENCE]
    assert list(consent["measure"]) == [""]
    assert len(index) == 4 + 5


def test_evidence_index_with_no_sentences_lists_every_statement():
    empty = pd.DataFrame({"kind": [], "measure": [], "sentence": []}, dtype=object)
    index = evidence_index(empty, load_cqc_mapping())
    assert list(index["statement"]) == SAF
    assert set(index["sentence"]) == {NO_EVIDENCE}


def test_evidence_for_an_unmapped_measure_is_refused():
    sentences = pd.DataFrame({"kind": ["qa"], "measure": ["Z9"], "sentence": ["s"]})
    with pytest.raises(CqcMappingError, match="Z9"):
        evidence_index(sentences, load_cqc_mapping())
