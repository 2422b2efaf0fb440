"""QA scoring, the checklist as data, and the sample / ingest / qa commands end to end."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from qa_fixtures import (
    CRITERIA,
    QUARTER,
    audits_csv,
    fill_worksheet,
    load,
    person_ids,
    qa_dataset,
)

from auditlib.checklist import load_checklist
from auditlib.cli import main
from auditlib.contract import DIMENSIONS
from auditlib.errors import AuditlibError, ChecklistError
from auditlib.qa import COMPLIANCE_COLUMNS, compliance, file_completeness


def _row(table: pd.DataFrame, scope: str, criterion: str) -> pd.Series:
    return table[(table["scope"] == scope) & (table["criterion_id"] == criterion)].iloc[0]


def test_a_small_sample_is_marked_inconclusive(tmp_path):
    people = person_ids("S-A", 30)
    audits = audits_csv([(QUARTER, p, "Q01", "met") for p in people[:4]])
    dataset = load(qa_dataset(tmp_path / "d", {"S-A": 30}, file_audits=audits))
    row = _row(compliance(dataset, QUARTER, target=0.9), "S-A", "Q01")
    # 4 of 4 met passes the rule, but four files cannot tell 90% from 60% reliably
    assert row["lqas"] == "meets target"
    assert not row["lqas_conclusive"]


def test_wilson_interval_matches_newcombe_81_of_263(tmp_path):
    people = person_ids("S-A", 263)
    results = ["met"] * 81 + ["not_met"] * 182
    audits = audits_csv([(QUARTER, p, "Q01", r) for p, r in zip(people, results, strict=True)])
    dataset = load(qa_dataset(tmp_path / "d", {"S-A": 263}, file_audits=audits))
    row = _row(compliance(dataset, QUARTER), "S-A", "Q01")
    assert (row["met"], row["applicable"], row["status"]) == (81, 263, "ok")
    assert row["value"] == pytest.approx(81 / 263)
    assert (round(row["ci_low"], 4), round(row["ci_high"], 4)) == (0.2553, 0.3662)


@pytest.fixture
def scored(tmp_path):
    """S-A: five files; S-B: two files, every one na for Q02; S-C: not audited."""
    rows = [(QUARTER, p, c, "met") for p in person_ids("S-A", 5) for c in ("Q01", "Q02")]
    rows[0] = (QUARTER, "P-A001", "Q01", "partial")
    rows[2] = (QUARTER, "P-A002", "Q01", "not_met")
    rows[3] = (QUARTER, "P-A002", "Q02", "na")
    rows += [(QUARTER, p, c, "na") for p in person_ids("S-B", 2) for c in ("Q01", "Q02")]
    rows[-2] = (QUARTER, "P-B002", "Q01", "met")
    rows += [("2026/27 Q1", "P-A001", "Q01", "not_met")]  # another quarter: not counted
    folder = qa_dataset(
        tmp_path / "d", {"S-A": 8, "S-B": 2, "S-C": 3}, file_audits=audits_csv(rows)
    )
    return load(folder)


def test_counts_values_and_statuses_per_service_and_for_all(scored):
    table = compliance(scored, QUARTER)
    assert list(table.columns) == COMPLIANCE_COLUMNS
    assert len(table) == 4 * len(CRITERIA)
    q01 = _row(table, "S-A", "Q01")
    counts = q01[["met", "partial", "not_met", "na", "applicable", "files"]].tolist()
    assert counts == [3, 1, 1, 0, 5, 5]
    assert q01["value"] == pytest.approx(0.6) and q01["population"] == 8
    q02 = _row(table, "S-A", "Q02")
    assert (q02["applicable"], q02["na"], q02["value"]) == (4, 1, 1.0)
    assert _row(table, "S-B", "Q02")["status"] == "none_applicable"
    assert _row(table, "S-B", "Q02")["lqas"] == "no applicable files"
    assert np.isnan(_row(table, "S-B", "Q02")["value"])
    assert _row(table, "S-C", "Q01")["status"] == "not_audited"
    assert _row(table, "S-A", "Q03")["status"] == "not_audited"
    overall = _row(table, "ALL", "Q01")
    # the files were drawn from S-A (8) and S-B (2); S-C, not audited, is in no frame
    assert (overall["met"], overall["applicable"], overall["population"]) == (4, 6, 10)
    assert table["quarter"].eq(QUARTER).all()
    assert table["scope"].iloc[-1] == "ALL"


def test_lqas_classification_uses_the_files_actually_applicable(scored):
    table = compliance(scored, QUARTER, target=0.8, lower=0.5)
    q01 = _row(table, "S-A", "Q01")
    # 5 files of S-A's 8: "truly at 80%" is 7 compliant of 8 (ceil 6.4), "at 50%" is 4.
    # Rule at least 4 of 5: alpha = P(3 or fewer of 5 met | 7 of 8) = 0, as only one file
    # fails; beta = P(4 or more of 5 | 4 of 8) = C(4,4) C(4,1) / C(8,5) = 4/56 = 1/14.
    # At least 3 would have beta 1/2, at least 5 alpha C(7,5)/C(8,5) = 21/56: 4 is minimax.
    assert q01["lqas_rule"] == "at least 4 of 5 met"
    assert (q01["lqas_alpha"], q01["lqas_beta"]) == pytest.approx((0.0, 1 / 14), abs=1e-12)
    assert q01["lqas"] == "below target"  # 3 met of 5
    assert q01["lqas_sentence"] == (
        "With 5 files from a service of 8 (rule: at least 4 of 5 met), a service truly at 80% "
        "would never be failed, and one truly at 50% would wrongly pass 7% of the time: five "
        "files can separate 80% from 50% with both risks at 10% or less."
    )
    assert q01["lqas_conclusive"]
    with pytest.raises(AuditlibError, match="LQAS"):
        compliance(scored, QUARTER, target=0.5, lower=0.7)


@pytest.fixture
def two_of_three(tmp_path):
    """The issue's example: 10 files from S-A (12 people) and S-B (6), none from S-C (43);
    Q01 met in 8 of the 10."""
    files = person_ids("S-A", 7) + person_ids("S-B", 3)
    results = ["met"] * 8 + ["not_met"] * 2
    audits = audits_csv([(QUARTER, p, "Q01", r) for p, r in zip(files, results, strict=True)])
    counts = {"S-A": 12, "S-B": 6, "S-C": 43}
    return load(qa_dataset(tmp_path / "d", counts, file_audits=audits))


def test_the_combined_verdict_rests_on_the_frame_the_files_came_from(two_of_three):
    # Frame: the 18 people of S-A and S-B. "Truly at 90%" is 17 of 18, "at 60%" 10 of 18.
    # At least 9 of 10: alpha = 0 (one non-compliant file at most among the 18), beta =
    # P(9 or 10 of 10 | 10 of 18) = (C(10,9) C(8,1) + C(10,10)) / C(18,10) = 81 / 43758.
    # At least 8 would have beta = (81 + C(10,8) C(8,2)) / 43758 = 1341 / 43758 = 0.031.
    everyone = compliance(two_of_three, QUARTER)
    named = compliance(two_of_three, QUARTER, services=["S-A", "S-B"])
    for table in (everyone, named):
        overall = _row(table, "ALL", "Q01")
        assert (overall["met"], overall["applicable"], overall["population"]) == (8, 10, 18)
        assert overall["lqas_rule"] == "at least 9 of 10 met"
        assert overall["lqas_beta"] == pytest.approx(81 / 43758, abs=1e-12)
        assert overall["lqas"] == "below target"
    all_rows = ["lqas", "lqas_rule", "population", "lqas_sentence"]
    pd.testing.assert_frame_equal(
        everyone.loc[everyone["scope"] == "ALL", all_rows].reset_index(drop=True),
        named.loc[named["scope"] == "ALL", all_rows].reset_index(drop=True),
    )


def test_a_sampling_record_gives_the_frames(two_of_three):
    # a record of a draw from the reviewed only: frames of 9 and 4, 13 in all
    record = {
        "what": "auditlib ten-file QA sampling record",
        "quarter": QUARTER,
        "method": "proportional",
        "services": ["S-A", "S-B"],
        "frame": {"size": 13},
        "allocation": [{"stratum": "S-A", "frame": 9}, {"stratum": "S-B", "frame": 4}],
    }
    table = compliance(two_of_three, QUARTER, record=record)
    assert _row(table, "ALL", "Q01")["population"] == 13
    assert _row(table, "S-A", "Q01")["population"] == 9
    assert _row(table, "S-C", "Q01")["population"] == 43  # not in the record: its own people
    # a record for part of the chosen sample leaves each service's frame to stand
    part = compliance(two_of_three, QUARTER, record={**record, "services": ["S-A", "S-X"]})
    assert _row(part, "ALL", "Q01")["population"] == 18
    with pytest.raises(AuditlibError, match="record is for 2026/27 Q1, not 2026/27 Q2"):
        compliance(two_of_three, QUARTER, record={**record, "quarter": "2026/27 Q1"})
    with pytest.raises(AuditlibError, match="not one auditlib wrote"):
        compliance(two_of_three, QUARTER, record={"quarter": QUARTER})


def test_qa_command_shows_a_service_not_audited_as_one_line(two_of_three, tmp_path, capsys):
    folder = tmp_path / "d"
    assert main(["qa", str(folder), "--quarter", QUARTER]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    unaudited = table[table["scope"] == "S-C"]
    assert len(unaudited) == 1
    line = unaudited.iloc[0]
    assert (line["status"], line["wording"]) == ("not_audited", "no file audited in the quarter")
    assert pd.isna(line["criterion_id"]) and line["population"] == 43
    assert (table["scope"] == "S-A").sum() == len(CRITERIA)
    overall = table[(table["scope"] == "ALL") & (table["criterion_id"] == "Q01")].iloc[0]
    assert (overall["population"], overall["lqas"]) == (18, "below target")


def test_qa_command_reads_a_sampling_record(two_of_three, tmp_path, capsys):
    folder = tmp_path / "d"
    record = tmp_path / "record.json"
    record.write_text(
        json.dumps(
            {
                "what": "auditlib ten-file QA sampling record",
                "quarter": QUARTER,
                "method": "proportional",
                "services": ["S-A", "S-B"],
                "frame": {"size": 13},
                "allocation": [{"stratum": "S-A", "frame": 9}, {"stratum": "S-B", "frame": 4}],
            }
        ),
        encoding="utf-8",
    )
    assert main(["qa", str(folder), "--quarter", QUARTER, "--record", str(record)]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert table.loc[table["scope"] == "ALL", "population"].eq(13).all()
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert main(["qa", str(folder), "--quarter", QUARTER, "--record", str(tmp_path / "bad.json")])
    assert "not a sampling record" in capsys.readouterr().err
    assert main(["qa", str(folder), "--quarter", QUARTER, "--record", str(tmp_path / "no.json")])
    assert "cannot read the sampling record" in capsys.readouterr().err


def test_no_file_audits_table_means_no_data_never_zero(tmp_path):
    dataset = load(qa_dataset(tmp_path / "d", {"S-A": 3}))
    table = compliance(dataset, QUARTER)
    assert set(table["status"]) == {"no_data"}
    assert table["value"].isna().all() and table["met"].isna().all()
    assert file_completeness(dataset, QUARTER).empty


def test_criteria_outside_the_checklist_are_kept_not_dropped(tmp_path):
    audits = audits_csv([(QUARTER, "P-A001", "X-LOCAL", "met")])
    dataset = load(qa_dataset(tmp_path / "d", {"S-A": 3}, file_audits=audits))
    row = _row(compliance(dataset, QUARTER), "S-A", "X-LOCAL")
    assert row["met"] == 1 and pd.isna(row["wording"])


def test_file_completeness_lists_the_criteria_not_answered(scored):
    table = file_completeness(scored, QUARTER, services=["S-A"])
    first = table[table["person_id"] == "P-A001"].iloc[0]
    assert (first["answered"], first["criteria"]) == (2, 12)
    assert first["completeness"] == pytest.approx(2 / 12)
    assert first["not_answered"] == " ".join(CRITERIA[2:])
    assert (first["partial"], first["met"]) == (1, 1)
    assert len(table) == 5


def test_the_default_checklist_is_quality_md(tmp_path):
    checklist = load_checklist()
    assert checklist.ids == tuple(CRITERIA)
    assert set(checklist.table["dimension"]) <= set(DIMENSIONS)
    assert checklist.wording()["Q12"] == "The next review booked"
    assert checklist.source == "default"


def test_a_users_own_checklist_is_read_and_checked(tmp_path):
    mine = tmp_path / "mine.csv"
    mine.write_text(
        "Criterion_ID,Wording,Dimension,owner\nC1,Plan signed,Meeting cadence,RM\n"
        "C2,Easy read,accessibility,\n",
        encoding="utf-8-sig",
    )
    checklist = load_checklist(mine)
    assert checklist.ids == ("C1", "C2")
    assert checklist.table["dimension"].tolist() == ["meeting_cadence", "accessibility"]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "criterion_id,wording,dimension\nC1,Plan,cadence\nc1,Again,summaries\n"
        "notes,Reserved,summaries\nC 4,,outcomes\n",
        encoding="utf-8",
    )
    with pytest.raises(ChecklistError) as caught:
        load_checklist(bad)
    found = {(p.row, p.column, p.reason) for p in caught.value.problems}
    assert found == {
        (2, "dimension", "unknown_value"),
        (3, "criterion_id", "duplicate_key"),
        (4, "criterion_id", "reserved_id"),
        (5, "criterion_id", "bad_id"),
        (5, "wording", "missing_value"),
    }
    missing = tmp_path / "missing.csv"
    missing.write_text("id,wording\nC1,Plan\n", encoding="utf-8")
    with pytest.raises(ChecklistError, match="not a checklist"):
        load_checklist(missing)


def test_sample_ingest_and_qa_from_the_command_line(tmp_path, capsys):
    folder = qa_dataset(tmp_path / "d", {"S-A": 20, "S-B": 5, "S-C": 4})
    out = tmp_path / "out"
    argv = ["sample", str(folder), "--quarter", QUARTER, "--services", "S-A,S-B"]
    assert main([*argv, "--seed", "9", "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "qa-sample-2026-27-Q2.csv",
        "qa-sampling-record-2026-27-Q2.json",
        "qa-worksheet-2026-27-Q2.xlsx",
    ]
    record = json.loads((out / names[1]).read_text(encoding="utf-8"))
    assert record["seed"] == 9 and record["drawn"]["sample"] == 10
    assert main([*argv, "--seed", "10", "--out", str(out)]) == 1  # no silent redraw

    blank = out / names[2]
    bad = fill_worksheet(blank, tmp_path / "bad.xlsx", lambda row, k: "maybe")
    assert main(["ingest", str(bad), "--into", str(folder)]) == 1
    assert "not a result" in capsys.readouterr().err
    assert not (folder / "file_audits.csv").exists()

    good = fill_worksheet(blank, tmp_path / "good.xlsx", lambda row, k: "met" if k else "not met")
    assert main(["ingest", str(good), "--into", str(folder)]) == 0
    assert "120 result(s) added" in capsys.readouterr().out

    assert main(["qa", str(folder), "--quarter", QUARTER, "--services", "S-A", "S-B"]) == 0
    captured = capsys.readouterr()
    table = pd.read_csv(io.StringIO(captured.out))
    q01 = table[(table["scope"] == "ALL") & (table["criterion_id"] == "Q01")].iloc[0]
    assert (q01["met"], q01["not_met"], q01["status"]) == (0, 10, "ok")
    assert "Q02, Q03" in captured.err and "files" in captured.err  # the LQAS sentence
    assert main(["qa", str(folder), "--quarter", QUARTER, "--files", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 10
