"""Every bad-input class of the data contract gets its own clear message, located in the file."""

from __future__ import annotations

import shutil
import string
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from conftest import MEETINGS, PEOPLE, SERVICES, TODAY, write_dataset
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditlib import DatasetError, compute_metrics, parse_period
from auditlib.cli import main
from auditlib.contract import TABLES
from auditlib.validation import load_dataset, validate_dataset

HEADER = MEETINGS.strip().splitlines()[0]
GOOD_MEETING = "M-9,P-1,mini_review,2026-07-06,true,false,no,2026-07-08,,"


def meetings_with(row: str) -> str:
    return MEETINGS + row + "\n"


def only(problems, reason):
    found = [p for p in problems if p.reason == reason]
    assert found, [p.message for p in problems]
    return found[0]


CASES = [
    # (reason, tables, table, row, column, text in the message)
    (
        "wrong_type",
        {"meetings": meetings_with("M-9,P-1,mini_review,2026-07-32,true,false,no,,,")},
        "meetings",
        8,
        "meeting_date",
        "a date like",
    ),
    (
        "wrong_type",
        {"meetings": meetings_with("M-9,P-1,mini_review,2026-07-06,perhaps,false,no,,,")},
        "meetings",
        8,
        "family_present",
        "true/false",
    ),
    (
        "unknown_value",
        {"meetings": meetings_with("M-9,P-1,coffee,2026-07-06,true,false,no,,,")},
        "meetings",
        8,
        "meeting_type",
        "one of goal_setting",
    ),
    (
        "duplicate_key",
        {"meetings": meetings_with("M-1,P-1,mini_review,2026-07-06,true,false,no,,,")},
        "meetings",
        8,
        "meeting_id",
        "only once",
    ),
    (
        "missing_reference",
        {"meetings": meetings_with("M-9,P-404,mini_review,2026-07-06,true,false,no,,,")},
        "meetings",
        8,
        "person_id",
        "not found in table people",
    ),
    (
        "date_order",
        {"meetings": meetings_with("M-9,P-1,mini_review,2026-07-06,true,false,no,2026-07-01,,")},
        "meetings",
        8,
        "summary_sent_date",
        "on or after the meeting",
    ),
    (
        "date_order",
        {"people": PEOPLE + "P-4,S-ENG,2026-01-10,2026-01-09,\n"},
        "people",
        5,
        "end_date",
        "on or after the start date",
    ),
    (
        "future_date",
        {"meetings": meetings_with("M-9,P-1,mini_review,2099-07-06,true,false,no,,,")},
        "meetings",
        8,
        "meeting_date",
        "has not happened yet",
    ),
    (
        "too_early",
        {"meetings": meetings_with("M-9,P-1,mini_review,1999-12-31,true,false,no,,,")},
        "meetings",
        8,
        "meeting_date",
        "2000 or later",
    ),
    (
        "missing_value",
        {"meetings": meetings_with("M-9,P-1,mini_review,2026-07-06,,false,no,,,")},
        "meetings",
        8,
        "family_present",
        "blank",
    ),
    (
        "out_of_range",
        {"self_assessments": "service_id,quarter,dimension,score\nS-ENG,2026/27 Q2,summaries,3\n"},
        "self_assessments",
        2,
        "score",
        "from 0 to 2",
    ),
    (
        "wrong_type",
        {"self_assessments": "service_id,quarter,dimension,score\nS-ENG,Q2 2026,summaries,1\n"},
        "self_assessments",
        2,
        "quarter",
        "quarter label",
    ),
    (
        "unknown_value",
        {"self_assessments": "service_id,quarter,dimension,score\nS-ENG,2026/27 Q2,vibes,1\n"},
        "self_assessments",
        2,
        "dimension",
        "consent_capacity",
    ),
    (
        "too_far_ahead",
        {
            "actions": "action_id,meeting_id,owner_role,due_date,closed_date\n"
            "A-1,M-1,rm,2040-01-01,\n"
        },
        "actions",
        2,
        "due_date",
        "five years",
    ),
    (
        "missing_column",
        {"people": "person_id,service_id,start_date\nP-1,S-ENG,2025-01-01\n"},
        "people",
        None,
        "wants_family_involved",
        "required column wants_family_involved is missing",
    ),
]


@pytest.mark.parametrize(("reason", "tables", "table", "row", "column", "text"), CASES)
def test_each_bad_input_class_is_located_and_explained(
    make_dataset, reason, tables, table, row, column, text
):
    problems = validate_dataset(make_dataset(**tables), today=TODAY)
    problem = next(
        (p for p in problems if (p.reason, p.column, p.row) == (reason, column, row)), None
    )
    assert problem is not None, [p.message for p in problems]
    assert (problem.table, problem.row) == (table, row)
    assert problem.file.endswith(f"{table}.csv")
    assert text in problem.message
    assert f"column {column}" in problem.message


def test_all_problems_at_once_not_the_first_only(make_dataset):
    folder = make_dataset(
        meetings=meetings_with("M-9,P-404,coffee,2026-07-32,maybe,false,no,,,"),
        people=PEOPLE + "P-4,S-NOPE,2026-01-10,2026-01-09,\n",
    )
    reasons = sorted(p.reason for p in validate_dataset(folder, today=TODAY))
    assert reasons == sorted(
        [
            "missing_reference",
            "unknown_value",
            "wrong_type",
            "wrong_type",
            "missing_reference",
            "date_order",
        ]
    )


def test_missing_required_table(make_dataset):
    folder = make_dataset(people=None)
    (folder / "people.csv").unlink(missing_ok=True)
    problems = validate_dataset(folder, today=TODAY)
    assert only(problems, "missing_table").table == "people"


def test_empty_required_table(make_dataset):
    problems = validate_dataset(
        make_dataset(services="service_id,service_name,nation,service_type\n"), today=TODAY
    )
    assert only(problems, "empty_table").table == "services"


def test_unreadable_file_and_table_in_two_formats(make_dataset):
    folder = make_dataset()
    (folder / "meetings.csv").write_bytes(b"meeting_id,person_id\n\xff\xfe\x00bad\n")
    assert "UTF-8" in only(validate_dataset(folder, today=TODAY), "unreadable").message
    write_dataset(folder)
    pd.read_csv(folder / "services.csv").to_excel(folder / "services.xlsx", index=False)
    assert (
        "more than one file"
        in only(validate_dataset(folder, today=TODAY), "ambiguous_table").message
    )


def test_friendly_spellings_are_accepted(make_dataset):
    folder = make_dataset(
        services=SERVICES.replace("England", " ENG ").replace("service_id,", " Service_ID ,"),
        meetings=meetings_with("M-9,P-1,Mini review,2026-07-06,YES,n,0,,,"),
    )
    dataset = load_dataset(folder, today=TODAY)
    meeting = dataset.meetings.loc[8]
    assert meeting["meeting_type"] == "mini_review"
    assert (meeting["family_present"], meeting["advocate_present"]) == (True, False)
    assert dataset.services.loc[2, "nation"] == "england"


def test_utf8_bom_and_blank_lines_keep_row_numbers(make_dataset):
    folder = make_dataset()
    text = (folder / "meetings.csv").read_text()
    lines = text.splitlines()
    lines.insert(3, "")  # a blank line as row 4
    lines.append("M-9,P-404,mini_review,2026-07-06,true,false,no,,,")
    (folder / "meetings.csv").write_bytes("\ufeff".encode() + "\n".join(lines).encode() + b"\n")
    problem = only(validate_dataset(folder, today=TODAY), "missing_reference")
    assert problem.row == 9


def test_the_workbook_form_names_the_sheet(tmp_path, make_dataset):
    folder = make_dataset(meetings=meetings_with("M-9,P-1,coffee,2026-07-06,true,false,no,,,"))
    book = tmp_path / "dataset.xlsx"
    with pd.ExcelWriter(book) as writer:
        for name in ("services", "people", "meetings"):
            pd.read_csv(folder / f"{name}.csv", dtype=str).to_excel(
                writer, sheet_name=name, index=False
            )
    problem = only(validate_dataset(book, today=TODAY), "unknown_value")
    assert (problem.sheet, problem.row, problem.column) == ("meetings", 8, "meeting_type")
    assert "[sheet meetings]" in problem.message


def test_the_as_of_date_is_not_an_error(make_dataset):
    # Read as of Mon 6 Jul 2026, M-1 (Fri 3 Jul) has its summary on Fri 10 Jul, after the
    # as-of date: not yet happened, so neither a problem nor a failure. Its deadline, the 5th
    # working day after 3 Jul, is 10 Jul, still ahead: pending, out of the denominator.
    folder = make_dataset()
    assert validate_dataset(folder, today=TODAY) == []
    as_of = date(2026, 7, 6)
    metrics = compute_metrics(
        load_dataset(folder, today=TODAY), parse_period("2026-07"), as_of=as_of
    )
    row = metrics.set_index(["scope", "metric_id"]).loc[("S-ENG", "summaries_5wd")]
    assert (row["numerator"], row["denominator"], row["pending"]) == (0, 0, 1)
    assert row["status"] == "none_due"


def test_input_files_are_never_modified(make_dataset):
    folder = make_dataset(meetings=meetings_with("M-9,P-1,coffee,2026-07-06,true,false,no,,,"))
    before = {f.name: f.read_bytes() for f in folder.iterdir()}
    with pytest.raises(DatasetError, match="'coffee'"):
        load_dataset(folder, today=TODAY)
    assert {f.name: f.read_bytes() for f in folder.iterdir()} == before


def test_cli_validate_exits_non_zero_without_traceback(make_dataset, capsys):
    folder = make_dataset(meetings=meetings_with("M-9,P-1,coffee,2026-07-06,true,false,no,,,"))
    assert main(["validate", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "meetings.csv, row 8, column meeting_type: 'coffee'" in err
    assert "Traceback" not in err
    assert main(["validate", str(make_dataset(meetings=MEETINGS))]) == 0


def test_the_demo_dataset_meets_the_contract():
    demo = Path(__file__).parents[1] / "data"
    assert validate_dataset(demo / "demo", today=TODAY) == []
    assert validate_dataset(demo / "demo.xlsx", today=TODAY) == []


CELL = st.text(alphabet=string.printable.replace("\r", ""), max_size=12)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.lists(st.sampled_from([*HEADER.split(","), "junk", ""]), min_size=0, max_size=12),
    rows=st.lists(st.lists(CELL, min_size=0, max_size=12), max_size=5),
)
def test_malformed_meetings_never_crash_the_loader(tmp_path, header, rows):
    folder = write_dataset(tmp_path / "fuzz")
    lines = [",".join(header)] + [",".join(r) for r in rows]
    (folder / "meetings.csv").write_text("\n".join(lines), encoding="utf-8")
    try:
        load_dataset(folder, today=TODAY)
    except DatasetError as error:
        assert error.problems
        assert all(p.message for p in error.problems)
    finally:
        shutil.rmtree(folder)


# Values of every class that once raised instead of being reported: zoned timestamps, dates a
# nanosecond date cannot hold, infinite and huge numbers; and headers repeated or differing only
# in case or spaces. Each table of a kind (dates, timestamps, whole numbers, numbers, keys).
EDGE = st.sampled_from(
    [
        "2026-07-01T09:30+01:00",
        "2026-07-01 09:30Z",
        "2026-07-01T09:30:00.5-0500",
        "9999-12-31",
        "2262-04-12",
        "0001-01-01",
        "inf",
        "-Infinity",
        "1e400",
        "1e300",
        "nan",
        "-1",
        "3",
        "2026-07-06",
        "P-1",
        "S-ENG",
        "=1+1",
        " ",
    ]
)
FUZZED = ["meetings", "experience", "outcomes", "advocacy_referrals", "self_assessments"]


@st.composite
def _table_text(draw):
    name = draw(st.sampled_from(FUZZED))
    columns = [c.name for c in TABLES[name].columns]
    spelling = st.sampled_from(columns).flatmap(
        lambda c: st.sampled_from([c, c.upper(), f" {c.title()} "])
    )
    header = draw(st.lists(spelling, min_size=1, max_size=len(columns) + 2))
    cells = st.lists(st.one_of(EDGE, CELL), min_size=len(header), max_size=len(header))
    rows = draw(st.lists(cells, max_size=4))
    return name, "\n".join([",".join(header)] + [",".join(r) for r in rows])


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table=_table_text())
def test_edge_values_and_repeated_headers_never_crash_the_loader(tmp_path, table):
    name, text = table
    folder = write_dataset(tmp_path / "fuzz")
    (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    try:
        load_dataset(folder, today=date(2026, 11, 20))
    except DatasetError as error:
        assert error.problems
        assert all(p.message and p.table for p in error.problems)
    finally:
        shutil.rmtree(folder)


def test_the_fast_csv_reader_reads_every_cell_as_the_careful_one(tmp_path):
    """Arrow's reader (the fast path) and pandas' (the fallback) give the same text cells."""
    from auditlib import loading

    file = tmp_path / "services.csv"
    text = (
        "\ufeffService_ID ,service_name,,nation\n"
        'S-1,"Oak\nHouse",007,England\n'
        'S-2,"",  x ,"Wales, north"\n'
        "S-3,,1.50,\n"
    )
    file.write_bytes(text.encode("utf-8"))
    fast = loading._with_header(loading._read_csv_arrow(file))
    careful = loading._with_header(loading._read_csv_text(file))
    assert list(fast.columns) == ["Service_ID ", "service_name", "unnamed: 3", "nation"]
    assert list(fast.columns) == list(careful.columns)
    as_written = [
        ["S-1", "Oak\nHouse", "007", "England"],
        ["S-2", None, "  x ", "Wales, north"],
        ["S-3", None, "1.50", None],
    ]
    for frame in (fast, careful):
        cells = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
        assert cells == as_written


@pytest.mark.parametrize(
    ("middle", "rows"),
    [("\nP-2,S-SCT,2025-01-01,,no\n", [2, 4, 5]), ("P-2,S-SCT,2025-01-01\n", [2, 3, 4])],
    ids=["blank line", "short row"],
)
def test_a_csv_the_fast_reader_refuses_keeps_the_users_row_numbers(make_dataset, middle, rows):
    """A blank line or a short row sends the file to the careful reader: rows stay the user's."""
    people = (
        "person_id,service_id,start_date,end_date,wants_family_involved\n"
        "P-1,S-ENG,2025-01-01,,yes\n" + middle + "P-3,S-ENG,2026-08-15,,\n"
    )
    dataset = load_dataset(make_dataset(people=people), today=date(2026, 10, 1))
    assert list(dataset.people.index) == rows
    assert dataset.people.loc[rows[1], "person_id"] == "P-2"
