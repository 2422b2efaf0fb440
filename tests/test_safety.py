"""Safety: bad input a user can produce, outputs over inputs, CSV injection, stale temporaries."""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import MEETINGS, PEOPLE, write_dataset
from qa_fixtures import CRITERIA, QUARTER, TODAY, fill_worksheet, load, qa_dataset

from auditlib import files
from auditlib.cli import main
from auditlib.errors import DatasetBusyError, OutputError
from auditlib.files import atomic_write, csv_text, dataset_lock
from auditlib.sampling import draw_sample
from auditlib.validation import validate_dataset
from auditlib.worksheet import ingest_worksheet, save_sample, write_worksheet

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


def _problems(folder: Path) -> list:
    return validate_dataset(folder, today=datetime(2026, 11, 20).date())


def _at(problems, column: str, row: int | None):
    found = [p for p in problems if (p.column, p.row) == (column, row)]
    assert found, [p.message for p in problems]
    return found[0]


# --- 1. values that used to raise instead of being reported ------------------------------------


def test_a_time_zone_on_a_timestamp_is_a_located_problem(make_dataset):
    referrals = (
        "referral_id,person_id,trigger,trigger_at,referred_at,advocate_involved_at\n"
        "R-1,P-1,care_act,2026-07-01T09:30+01:00,2026-07-02 10:00Z,\n"
        "R-2,P-1,care_act,2026-07-01 09:30,2026-07-03T08:00:00-0500,\n"
        "R-3,P-1,care_act,2026-07-01 09:30,2026-07-02,\n"
    )
    problems = _problems(make_dataset(advocacy_referrals=referrals))
    located = {(p.row, p.column) for p in problems if p.reason == "wrong_type"}
    assert located == {(2, "trigger_at"), (2, "referred_at"), (3, "referred_at")}
    assert "without a time zone" in _at(problems, "trigger_at", 2).message
    assert "advocacy_referrals.csv" in _at(problems, "trigger_at", 2).message


@pytest.mark.parametrize("day", ["9999-12-31", "2262-04-12", "0001-01-01"])
def test_a_date_beyond_what_a_date_column_holds_is_a_located_problem(make_dataset, day):
    meetings = MEETINGS + f"M-9,P-1,mini_review,2026-07-06,true,false,no,{day},,\n"
    problems = _problems(make_dataset(meetings=meetings))
    problem = _at(problems, "summary_sent_date", 8)
    assert problem.reason == "wrong_type" and problem.value == day
    assert "2000 to 2262" in problem.message


def test_a_real_excel_date_in_year_9999_is_a_located_problem(tmp_path):
    folder = write_dataset(tmp_path / "ds", meetings=None)
    rows = [line.split(",") for line in textwrap.dedent(MEETINGS).strip().splitlines()]
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.active.append(
        ["M-9", "P-1", "mini_review", datetime(9999, 12, 31), "true", "no", "no"]
    )
    workbook.save(folder / "meetings.xlsx")
    problem = _at(_problems(folder), "meeting_date", 8)
    assert problem.reason == "wrong_type" and problem.sheet is None


@pytest.mark.parametrize("value", ["inf", "-inf", "1e400", "Infinity", "1e300", "nan"])
def test_an_infinite_or_huge_number_is_a_located_problem(make_dataset, value):
    experience = (
        "response_id,service_id,respondent,response_date,feel_involved\n"
        f"E-1,S-ENG,person,2026-07-01,{value}\n"
    )
    outcomes = (
        f"outcome_id,person_id,measure,recorded_date,value\nO-1,P-1,confidence,2026-07-01,{value}\n"
    )
    problems = _problems(make_dataset(experience=experience, outcomes=outcomes))
    assert _at(problems, "feel_involved", 2).reason == "wrong_type"
    if value != "1e300":  # a huge but finite value is a number; only a whole-number column fails
        assert _at(problems, "value", 2).reason == "wrong_type"


def test_a_second_column_differing_only_in_case_is_refused_even_with_a_bad_cell(make_dataset):
    people = PEOPLE.strip().splitlines()
    people[0] += ",Service_ID"
    people[1:] = [line.replace("S-ENG", "S-NOPE", 1) + ",x" for line in people[1:]]
    problems = _problems(make_dataset(people="\n".join(people) + "\n"))
    duplicate = [p for p in problems if p.reason == "duplicate_column"]
    assert [(p.table, p.column) for p in duplicate] == [("people", "service_id")]
    assert "ambiguous" in duplicate[0].message
    assert _at(problems, "service_id", 2).reason == "missing_reference"


def test_an_exact_duplicate_header_is_refused_not_half_read(make_dataset, tmp_path):
    people = (
        "person_id,service_id,start_date,end_date,wants_family_involved,service_id\n"
        "P-1,S-ENG,2025-01-01,,yes,S-SCT\nP-2,S-SCT,2025-01-01,,no,S-ENG\n"
        "P-3,S-ENG,2026-08-15,,,S-ENG\n"
    )
    problems = _problems(make_dataset(people=people))
    assert [(p.reason, p.column) for p in problems] == [("duplicate_column", "service_id")]
    workbook = tmp_path / "book.xlsx"
    with pd.ExcelWriter(workbook) as writer:
        frame = pd.read_csv(io.StringIO(people), header=None)
        frame.to_excel(writer, sheet_name="people", index=False, header=False)
    sheet_problems = validate_dataset(workbook)
    assert ("duplicate_column", "people", "service_id") in {
        (p.reason, p.table, p.column) for p in sheet_problems
    }


def _unreadable(problems, name: str):
    found = [p for p in problems if p.reason == "unreadable" and p.file.endswith(name)]
    assert found, [p.message for p in problems]
    return found[0]


def test_a_table_that_is_a_folder_a_link_loop_or_a_dangling_link_is_unreadable(make_dataset):
    folder = make_dataset()
    (folder / "actions.csv").mkdir()
    os.symlink("decisions.csv", folder / "decisions.csv")  # a loop onto itself
    os.symlink("gone.csv", folder / "outcomes.csv")
    problems = _problems(folder)
    assert "is a folder" in _unreadable(problems, "actions.csv").message
    assert _unreadable(problems, "decisions.csv").table == "decisions"
    assert _unreadable(problems, "outcomes.csv").table == "outcomes"
    assert main(["validate", str(folder)]) == 1


def test_a_dataset_folder_that_cannot_be_listed_is_reported(make_dataset, monkeypatch, capsys):
    folder = make_dataset()
    real = Path.iterdir

    def refuse(self):
        if self == folder:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "iterdir", refuse)
    problems = _problems(folder)
    assert [(p.reason, p.file) for p in problems] == [("unreadable", str(folder))]
    assert "Permission denied" in problems[0].message
    assert main(["validate", str(folder)]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_a_dataset_path_under_a_file_is_reported(tmp_path):
    (tmp_path / "file").write_text("x")
    problems = validate_dataset(tmp_path / "file" / "ds")
    assert [p.reason for p in problems] == ["unreadable"]


# --- --out: a folder, under a file, a read-only place; never over the dataset --------------------


def _metrics(dataset: Path, out: Path) -> int:
    return main(
        [
            "metrics",
            str(dataset),
            "--quarter",
            "2026/27 Q2",
            "--as-of",
            "2026-11-20",
            "--out",
            str(out),
        ]
    )


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory):
    target = tmp_path_factory.mktemp("demo") / "ds"
    shutil.copytree(DEMO, target)
    return target


def test_out_onto_a_folder_or_under_a_file_is_refused_clearly(demo_copy, tmp_path, capsys):
    (tmp_path / "a-file").write_text("keep")
    for out in [tmp_path, tmp_path / "a-file" / "m.csv"]:
        assert _metrics(demo_copy, out) == 1
        err = capsys.readouterr().err
        assert str(out) in err and "Traceback" not in err
    assert (tmp_path / "a-file").read_text() == "keep"


def test_out_into_a_read_only_place_is_refused_clearly(demo_copy, tmp_path, monkeypatch, capsys):
    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.os, "replace", read_only)
    assert _metrics(demo_copy, tmp_path / "m.csv") == 1
    assert "Permission denied" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


@pytest.mark.parametrize("name", ["people.csv", "People.CSV", "meetings.parquet"])
def test_an_output_never_lands_on_the_dataset_it_reads(demo_copy, name, capsys):
    before = {p.name: p.read_bytes() for p in demo_copy.iterdir()}
    assert _metrics(demo_copy, demo_copy / name) == 1
    assert "part of the dataset" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in demo_copy.iterdir()} == before


def test_an_output_never_replaces_the_workbook_it_reads(tmp_path, capsys):
    from auditlib.synth import make_scale, write_workbook

    workbook = write_workbook(make_scale("demo"), tmp_path / "data.xlsx")
    link = tmp_path / "link.xlsx"
    link.symlink_to(workbook)
    before = workbook.read_bytes()
    for out in (workbook, link):
        assert _metrics(workbook, out) == 1
        assert "part of the dataset" in capsys.readouterr().err
    assert workbook.read_bytes() == before


# --- synth ----------------------------------------------------------------------------------------


def test_synth_refuses_an_end_before_2000_and_a_negative_seed(tmp_path, capsys):
    assert main(["synth", "--out", str(tmp_path / "a"), "--end", "1990-01-01"]) == 1
    err = capsys.readouterr().err
    assert "before 2000" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as exited:
        main(["synth", "--out", str(tmp_path / "b"), "--seed", "-1"])
    assert exited.value.code == 2
    assert "0 or more" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_synth_refuses_a_folder_that_is_not_empty_without_force(demo_copy, tmp_path, capsys):
    before = (demo_copy / "people.csv").read_bytes()
    assert main(["synth", "--out", str(demo_copy), "--seed", "3"]) == 1
    assert "--force" in capsys.readouterr().err
    assert (demo_copy / "people.csv").read_bytes() == before
    (tmp_path / "book.xlsx").write_text("not mine to replace")
    assert (
        main(["synth", "--out", str(tmp_path / "new"), "--workbook", str(tmp_path / "book.xlsx")])
        == 1
    )
    assert not (tmp_path / "new").exists()  # nothing written when either place is refused
    target = tmp_path / "mine"
    assert main(["synth", "--out", str(target)]) == 0
    assert main(["synth", "--out", str(target), "--seed", "3", "--force"]) == 0
    assert (target / "people.csv").read_bytes() != (DEMO / "people.csv").read_bytes()


# --- 5. CSV injection ----------------------------------------------------------------------

INJECTED = {"S-001": "=S-001", "S-002": "+S-002", "S-003": "-S-003", "S-004": "@S-004"}


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    """The demo with service ids (and one name) that a spreadsheet would run as formulas."""
    folder = tmp_path_factory.mktemp("injected") / "ds"
    shutil.copytree(DEMO, folder)
    for table in folder.glob("*.csv"):
        text = table.read_text(encoding="utf-8")
        for plain, formula in INJECTED.items():
            text = text.replace(plain, formula)
        table.write_text(text.replace("Ash Court", "=1+2"), encoding="utf-8")
    return folder


def _cells(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


COMMANDS = {
    "metrics": ["metrics", "--quarter", "2026/27 Q2", "--as-of", "2026-11-20"],
    "qa": ["qa", "--quarter", "2026/27 Q2"],
    "qa-files": ["qa", "--quarter", "2026/27 Q2", "--files"],
    "grid": ["grid", "--quarter", "2026/27 Q2", "--as-of", "2026-11-20"],
    "compare": [
        "compare",
        "--before",
        "2026/27 Q1",
        "--after",
        "2026/27 Q2",
        "--as-of",
        "2026-11-20",
    ],
    "trends": ["trends", "--quarter", "2026/27 Q2", "--months", "12", "--as-of", "2026-11-20"],
}


@pytest.mark.parametrize("command", [*COMMANDS, "sample"])
def test_no_csv_output_holds_a_cell_a_spreadsheet_would_run(injected, tmp_path, command):
    if command == "sample":
        args = ["sample", str(injected), "--quarter", "2026/27 Q3", "--out", str(tmp_path)]
        assert main(args) == 0
        (out,) = tmp_path.glob("qa-sample-*.csv")
    else:
        out = tmp_path / "out.csv"
        name, *rest = COMMANDS[command]
        assert main([name, str(injected), *rest, "--out", str(out)]) == 0
    cells = _cells(out)
    runnable = [c for c in cells if c[:1] in ("=", "+", "-", "@") and not _number(c)]
    assert runnable == []
    shown = {c for c in cells if c.startswith("'")}
    assert shown & {"'" + formula for formula in INJECTED.values()}  # the ids are there, inert


def test_csv_text_keeps_numbers_and_neutralises_only_text():
    table = pd.DataFrame(
        {
            "id": ["=1+2", "+44 7700", "-0.05", "@home", "\tx", "plain", None],
            "note": pd.array(["-", "-1+2", "a=b", "+", "ok", "-5e-3", pd.NA], dtype="string"),
            "diff": [-0.05, 0.1, -1.0, 0.0, 2.0, -3.5, None],
        }
    )
    rows = list(csv.reader(io.StringIO(csv_text(table))))
    assert rows[0] == ["id", "note", "diff"]
    assert [r[0] for r in rows[1:]] == [
        "'=1+2",
        "'+44 7700",
        "-0.05",
        "'@home",
        "'\tx",
        "plain",
        "",
    ]
    assert [r[1] for r in rows[1:]] == ["'-", "'-1+2", "a=b", "'+", "ok", "-5e-3", ""]
    assert [r[2] for r in rows[1:]] == ["-0.05", "0.1", "-1.0", "0.0", "2.0", "-3.5", ""]


def test_the_datasets_own_tables_round_trip_formula_like_text_exactly(tmp_path):
    from auditlib.synth import write_dataset as write_tables
    from auditlib.validation import load_dataset

    folder = write_dataset(tmp_path / "ds")
    loaded = load_dataset(folder, today=datetime(2026, 11, 20).date())
    services = loaded.services.assign(service_name=['=HYPERLINK("x")', "-2"])
    out = tmp_path / "copy"
    write_tables({**loaded.tables, "services": services}, out)
    again = load_dataset(out, today=datetime(2026, 11, 20).date())
    assert again.services["service_name"].tolist() == ['=HYPERLINK("x")', "-2"]


# --- 6. a killed write's temporary file -----------------------------------------------------------

_KILLED_WRITER = """
import sys, time
from pathlib import Path
from auditlib.files import atomic_write
def write(tmp):
    Path(tmp).write_text("half")
    print("writing", flush=True)
    time.sleep(60)
atomic_write(sys.argv[1], write)
"""


def test_a_killed_writes_temporary_file_is_cleared_by_the_next_write(tmp_path):
    target = tmp_path / "out.csv"
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "writing"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    left = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(left) == 1 and not target.exists()
    mine = tmp_path / ".keep.tmp"  # not a temporary file of ours: left alone
    mine.write_text("user's")
    files._CLEARED.clear()
    atomic_write(target, lambda tmp: tmp.write_text("whole"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".keep.tmp", "out.csv"]
    assert target.read_text() == "whole"


def test_a_live_writes_temporary_file_is_left_alone(tmp_path):
    live = tmp_path / f".out.csv.{os.getpid()}@{files._HOST}.abcdefgh.tmp"
    live.write_text("in progress")
    files._CLEARED.clear()
    atomic_write(tmp_path / "out.csv", lambda tmp: tmp.write_text("whole"))
    assert live.exists()
    old = time.time() - 2 * 24 * 3600
    os.utime(live, (old, old))
    files._CLEARED.clear()
    atomic_write(tmp_path / "out.csv", lambda tmp: tmp.write_text("whole"))
    assert not live.exists()  # a day old: abandoned, whoever made it


# --- 3. the dataset lock -------------------------------------------------------------------


def test_a_second_holder_waits_then_is_refused_clearly(demo_copy):
    with dataset_lock(demo_copy) as lock_path:
        assert lock_path.parent == demo_copy
        with (
            pytest.raises(DatasetBusyError, match="another auditlib command"),
            dataset_lock(demo_copy, timeout=0.2),
        ):
            pass
    with dataset_lock(demo_copy, timeout=0.2):  # released: free again
        pass


def test_a_dataset_that_cannot_be_locked_is_refused_clearly(demo_copy, monkeypatch):
    import filelock

    def read_only(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(filelock.FileLock, "acquire", read_only)
    with pytest.raises(OutputError, match="Permission denied"), dataset_lock(demo_copy):
        pass


@pytest.fixture
def two_worksheets(tmp_path):
    """A dataset and two filled-in worksheets for different files of the same quarter."""
    folder = qa_dataset(tmp_path / "data", {"S-A": 6, "S-B": 6})
    sample = draw_sample(load(folder), QUARTER, size=4, reserves=1)
    blanks = save_sample(sample, tmp_path / "out", split=True)["worksheets"]
    filled = [
        fill_worksheet(blank, tmp_path / f"filled-{k}.xlsx", lambda row, k: "met")
        for k, blank in enumerate(blanks)
    ]
    return folder, filled


def _ingest_at_once(worksheets: list[Path], folder: Path) -> list[int]:
    """Run one ingest per worksheet in its own process, all released at the same moment."""
    context = multiprocessing.get_context("fork")  # children start at once, modules loaded
    barrier = context.Barrier(len(worksheets))

    def run(worksheet: Path) -> None:
        barrier.wait()
        ingest_worksheet(worksheet, folder, today=TODAY)

    processes = [context.Process(target=run, args=(w,)) for w in worksheets]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    return [process.exitcode for process in processes]


@pytest.mark.skipif(sys.platform == "win32", reason="the race test forks")
def test_two_ingests_at_the_same_moment_never_lose_a_row(two_worksheets, tmp_path):
    folder, worksheets = two_worksheets
    expected = 2 * 2 * len(CRITERIA)  # two worksheets of two files, every criterion each
    for trial in range(10):
        dataset = shutil.copytree(folder, tmp_path / f"trial-{trial}")
        assert _ingest_at_once(worksheets, dataset) == [0, 0]
        audits = pd.read_csv(dataset / "file_audits.csv", dtype=str)
        assert len(audits) == expected, f"trial {trial}: {len(audits)} rows of {expected}"
        assert not audits.duplicated(["person_id", "criterion_id"]).any()


def test_ingest_into_a_read_only_dataset_is_refused_clearly(two_worksheets, monkeypatch, capsys):
    folder, (worksheet, _) = two_worksheets
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.os, "replace", read_only)
    assert main(["ingest", str(worksheet), "--into", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "Permission denied" in err and "nothing was written" in err
    assert "Traceback" not in err
    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.name != files.LOCK_NAME}
    assert after == before


# --- 7. tests that let planted bugs through -------------------------------------------------------


def test_a_duplicate_composite_key_is_reported_on_every_repeated_row(make_dataset):
    audits = (
        "quarter,person_id,criterion_id,result,auditor,audit_date,note\n"
        "2026/27 Q2,P-1,Q01,met,A,2026-10-05,\n"  # row 2
        "2026/27 Q2,P-1,Q02,met,A,2026-10-05,\n"  # another criterion: fine
        "2026/27 Q1,P-1,Q01,met,A,2026-07-05,\n"  # another quarter: fine
        "2026/27 Q2,P-1,Q01,not_met,A,2026-10-05,\n"  # row 5 repeats row 2
        "2026/27 q2,P-2,Q01,met,A,2026-10-05,\n"  # row 6: the same quarter, written otherwise
        "2026/27 Q2,P-2,Q01,met,A,2026-10-05,\n"  # row 7 repeats row 6
    )
    scores = (
        "service_id,quarter,dimension,score\n"
        "S-ENG,2026/27 Q2,summaries,1\n"  # row 2
        "S-ENG,2026/27 Q1,summaries,1\n"
        "S-SCT,2026/27 Q2,summaries,1\n"
        "S-ENG,2026/27 Q2,consent_capacity,1\n"
        "S-ENG,2026/27 Q2,summaries,2\n"  # row 6 repeats row 2
    )
    problems = _problems(make_dataset(file_audits=audits, self_assessments=scores))
    duplicates = [p for p in problems if p.reason == "duplicate_key"]
    rows = {(p.table, p.row) for p in duplicates}
    assert rows == {("file_audits", r) for r in (2, 5, 6, 7)} | {
        ("self_assessments", 2),
        ("self_assessments", 6),
    }
    audit_message = next(p.message for p in duplicates if p.table == "file_audits")
    assert "quarter + person_id + criterion_id" in audit_message
    assert {Path(p.file).name for p in duplicates} == {"file_audits.csv", "self_assessments.csv"}


def test_formula_like_text_in_a_worksheet_keeps_its_quote_prefix(tmp_path):
    folder = qa_dataset(tmp_path / "data", {"S-A": 4})
    services = folder / "services.csv"
    services.write_text(services.read_text().replace("Home S-A", "=1+2"), encoding="utf-8")
    sample = draw_sample(load(folder), QUARTER, size=3, reserves=1)
    ws = openpyxl.load_workbook(write_worksheet(sample, tmp_path / "w.xlsx"))["Sample"]
    header = [c.value for c in ws[1]]
    name = ws.cell(row=2, column=header.index("service_name") + 1)
    person = ws.cell(row=2, column=header.index("person_id") + 1)
    assert (name.value, name.data_type, name.quotePrefix) == ("=1+2", "s", True)
    assert (person.data_type, person.quotePrefix) == ("s", False)  # only formula-like text


def test_formula_like_notes_taken_into_a_workbook_dataset_keep_their_quote_prefix(tmp_path):
    folder = qa_dataset(tmp_path / "data", {"S-A": 5})
    book = tmp_path / "dataset.xlsx"
    with pd.ExcelWriter(book) as writer:
        for table in sorted(folder.glob("*.csv")):
            pd.read_csv(table, dtype=str).to_excel(writer, sheet_name=table.stem, index=False)
    sample = draw_sample(load(book), QUARTER, size=2)
    blank = write_worksheet(sample, tmp_path / "w.xlsx")
    notes = {2: "@SUM(1)", 3: "fine"}
    filled = fill_worksheet(blank, tmp_path / "f.xlsx", lambda row, k: "met", note=notes.get)
    ingest_worksheet(filled, book, today=TODAY)
    ws = openpyxl.load_workbook(book)["file_audits"]
    column = [c.value for c in ws[1]].index("note") + 1
    cells = [ws.cell(row=r, column=column) for r in range(2, ws.max_row + 1)]
    assert {(c.value, c.quotePrefix) for c in cells} == {("@SUM(1)", True), ("fine", False)}
