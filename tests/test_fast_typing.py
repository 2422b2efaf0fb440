"""The fast path of typing a CSV (Arrow's strict whole-column casts and dictionary mappings)
reads every cell as the careful pandas parse does, and a column with one bad cell still has
that cell reported with its row and the value as written."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import MEETINGS, SERVICES, TODAY

from auditlib import loading, validation
from auditlib.contract import TABLES
from auditlib.validation import load_dataset, validate_dataset

MEETINGS_WITH_DURATION = """
meeting_id,person_id,meeting_type,meeting_date,family_present,advocate_present,async_input,duration_min
M-1,P-1,mini_review,2026-07-03,true,false,no,45
M-2,P-1, Mini Review ,2026-08-03 ,Yes,n,0,30
M-3,P-1,deep_dive,2026-09-03,false,false,yes,
"""


def problems_of(problems, reason):
    return [(p.row, p.column, p.value) for p in problems if p.reason == reason]


def test_one_bad_cell_in_a_number_column_is_reported_as_written(make_dataset):
    meetings = MEETINGS_WITH_DURATION + "M-4,P-2,mini_review,2026-04-02,false,true,no, 4 5 \n"
    problems = validate_dataset(make_dataset(meetings=meetings), today=TODAY)
    assert problems_of(problems, "wrong_type") == [(5, "duration_min", " 4 5 ")]
    assert [p.reason for p in problems] == ["wrong_type"]


def test_a_valid_csv_is_typed_as_the_contract_says(make_dataset):
    meetings = load_dataset(make_dataset(meetings=MEETINGS_WITH_DURATION), today=TODAY).meetings
    assert meetings["duration_min"].dtype == "Int64"
    assert meetings["duration_min"].tolist() == [45, 30, pd.NA]
    assert meetings["meeting_date"].dtype == "datetime64[ns]"
    assert meetings.loc[3, "meeting_date"] == pd.Timestamp("2026-08-03")  # a trailing space
    assert meetings["meeting_type"].tolist() == ["mini_review", "mini_review", "deep_dive"]
    assert meetings["family_present"].dtype == "boolean"
    assert meetings["family_present"].tolist() == [True, True, False]
    assert meetings["advocate_present"].tolist() == [False, False, False]
    assert meetings["async_input"].tolist() == [False, False, True]


def test_a_boolean_column_with_friendly_spellings_and_one_unreadable_cell(make_dataset):
    meetings = MEETINGS + "M-7,P-1,mini_review,2026-07-06, Yes ,N,1,,,\n"
    meetings += "M-8,P-1,mini_review,2026-07-07,perhaps,no,0,,,\n"
    folder = make_dataset(meetings=meetings)
    assert problems_of(validate_dataset(folder, today=TODAY), "wrong_type") == [
        (9, "family_present", "perhaps")
    ]
    fine = load_dataset(make_dataset(meetings=MEETINGS + meetings.splitlines()[-2]), today=TODAY)
    assert fine.meetings.loc[8, ["family_present", "advocate_present", "async_input"]].tolist() == [
        True,
        False,
        True,
    ]


def test_a_zoned_time_is_reported_while_the_column_is_otherwise_read(make_dataset):
    referrals = (
        "referral_id,person_id,trigger,trigger_at,referred_at\n"
        "R-1,P-1,care_act,2026-07-01 09:30,2026-07-01T10:00:00\n"
        "R-2,P-1,care_act,2026-07-02 09:30+01:00,\n"
        "R-3,P-2,other,2026-07-03 14:05:30.25,2026-07-03 15\n"
    )
    folder = make_dataset(advocacy_referrals=referrals)
    wrong = problems_of(validate_dataset(folder, today=TODAY), "wrong_type")
    assert wrong == [(3, "trigger_at", "2026-07-02 09:30+01:00")]
    typed = load_dataset(make_dataset(advocacy_referrals=referrals.replace("+01:00", "")))
    table = typed["advocacy_referrals"]
    assert table["trigger_at"].tolist() == [
        pd.Timestamp("2026-07-01 09:30"),
        pd.Timestamp("2026-07-02 09:30"),
        pd.Timestamp("2026-07-03 14:05:30.25"),
    ]
    assert table.loc[2, "referred_at"] == pd.Timestamp("2026-07-01 10:00")
    assert table.loc[4, "referred_at"] == pd.Timestamp("2026-07-03 15:00")


def test_a_day_beyond_what_a_nanosecond_date_holds_is_unread(make_dataset):
    people = (
        "person_id,service_id,start_date,end_date,wants_family_involved\n"
        "P-1,S-ENG,2025-01-01,9999-12-31,yes\nP-2,S-SCT,2025-01-01,,no\nP-3,S-ENG,2026-08-15,,\n"
    )
    problems = validate_dataset(make_dataset(people=people), today=TODAY)
    assert problems_of(problems, "wrong_type") == [(2, "end_date", "9999-12-31")]


def test_keys_written_out_of_order_and_repeated_keys(make_dataset):
    def repeated_rows(meetings: str) -> set[int]:
        problems = validate_dataset(make_dataset(meetings=meetings), today=TODAY)
        return {row for row, _, _ in problems_of(problems, "duplicate_key")}

    unordered = MEETINGS.replace("M-1,", "M-7,")  # M-7 first: the ids are not in order
    assert validate_dataset(make_dataset(meetings=unordered), today=TODAY) == []
    assert repeated_rows(unordered + "M-7,P-2,mini_review,2026-07-06,true,false,no,,,\n") == {2, 8}
    assert repeated_rows(MEETINGS + "M-6,P-2,mini_review,2026-07-06,true,false,no,,,\n") == {7, 8}


def test_a_repeated_combination_of_a_three_column_key(make_dataset):
    scores = (
        "service_id,quarter,dimension,score\n"
        "S-ENG,2026/27 Q2,training,1\n"
        "S-ENG,2026/27 Q2,governance,2\n"
        "S-SCT,2026/27 Q2,training,0\n"
        "S-ENG,2026/27 Q2,training,2\n"
    )
    problems = validate_dataset(make_dataset(self_assessments=scores), today=TODAY)
    assert {p.row for p in problems if p.reason == "duplicate_key"} == {2, 5}
    assert {p.reason for p in problems} == {"duplicate_key"}
    distinct = validate_dataset(make_dataset(self_assessments=scores[: scores.rindex("S-ENG")]))
    assert distinct == []


EDGE_CELLS = {
    "int": ["45", "+5", "007", "1.0", "1e2", " 7 ", "2.5", "0x10", "inf", "nan", "1e400", "-0"],
    "number": ["3.7", ".5", "5.", "-1", "1e-400", "0.1", "1E3", "1_0", "Infinity", "12x"],
    "date": ["2026-07-14", "2026-07-14 09:30", "2026-7-14", "20260714", "2026-02-30", "1600-01-01"],
    "timestamp": [
        "2026-07-14T09:30",
        "2026-07-14 09",
        "2026-07-14 09:30:00.123456789",
        "2026-07-14T09:30Z",
        "2026-07-14 09:30:5",
        "2262-04-11 23:47:16.854775807",
    ],
    "bool": ["true", "YES", " y ", "1.0", "F", "off", "No"],
    "enum": [" Mini review ", "DEEP-DIVE", "coffee"],
}
COLUMNS = {
    "int": ("meetings", "duration_min"),
    "number": ("outcomes", "value"),
    "date": ("meetings", "meeting_date"),
    "timestamp": ("advocacy_referrals", "trigger_at"),
    "bool": ("meetings", "family_present"),
    "enum": ("meetings", "meeting_type"),
}


@pytest.mark.parametrize("kind", sorted(EDGE_CELLS))
def test_the_fast_path_reads_each_cell_as_the_careful_parse(kind):
    """The same text as Arrow text (a CSV: the fast path) and as plain Python strings (the
    careful parse, as for a workbook) gives the same values and the same unreadable cells."""
    table, name = COLUMNS[kind]
    column = TABLES[table].column(name)
    cells = [*EDGE_CELLS[kind], None, "", "  "]
    index = pd.RangeIndex(2, len(cells) + 2)
    arrow = pd.Series(cells, index=index, dtype=pd.StringDtype("pyarrow"))
    careful = pd.Series(cells, index=index, dtype=object)
    fast_values, fast_bad = validation._parse(column, arrow)
    careful_values, careful_bad = validation._parse(column, careful)
    pd.testing.assert_series_equal(fast_values, careful_values)
    pd.testing.assert_series_equal(fast_bad, careful_bad)
    for cell in EDGE_CELLS[kind]:  # each alone beside a good cell: the fast path may take it
        cells = [cell, EDGE_CELLS[kind][0], None]
        fast = validation._parse(column, pd.Series(cells, dtype=pd.StringDtype("pyarrow")))
        careful = validation._parse(column, pd.Series(cells, dtype=object))
        pd.testing.assert_series_equal(fast[0], careful[0], obj=repr(cell))
        pd.testing.assert_series_equal(fast[1], careful[1], obj=repr(cell))
    # each kind but enum has a cell neither path can read (an unknown word is checked later)
    assert fast_bad.any() == (kind != "enum")


NAT, NAN, T = pd.NaT, float("nan"), pd.Timestamp


@pytest.mark.parametrize(
    ("kind", "cells", "expected"),
    [
        ("int", ["45", "+5", "1.0", None], [45.0, 5.0, 1.0, NAN]),
        ("number", ["3.7", "1e3", None], [3.7, 1000.0, NAN]),
        (
            "date",
            ["2026-07-14", None, "2026-07-14 09:30"],
            [T("2026-07-14"), NAT, T("2026-07-14 09:30")],
        ),
        ("timestamp", ["2026-07-14T09", None], [T("2026-07-14 09:00"), NAT]),
    ],
)
def test_a_column_arrow_can_cast_whole_skips_the_careful_parse(kind, cells, expected):
    """A blank is a missing cell, as Arrow's CSV reader gives it."""
    arrow = pd.Series(cells, dtype=pd.StringDtype("pyarrow"))
    typed = validation._strict(arrow, kind)
    if kind in ("int", "number"):
        pd.testing.assert_series_equal(typed, pd.Series(expected, dtype="float64"))
    else:
        pd.testing.assert_series_equal(typed, pd.Series(expected, dtype="datetime64[ns]"))
    refused = pd.Series([*cells[:-1], f"{cells[-1] or ''} x"], dtype=pd.StringDtype("pyarrow"))
    assert validation._strict(refused, kind) is refused  # one refused cell: all read carefully


def test_line_breaks_inside_quoted_values_survive_a_file_of_many_blocks(make_dataset, monkeypatch):
    """A file with quotes is read by Arrow in its careful mode, where a block is never cut at
    a line break inside a value (this one is about 2 MB: several Arrow blocks), not handed
    to the slow pandas reader after Arrow's fast mode gives up."""
    slow = lambda file: pytest.fail("read by the pandas fallback")  # noqa: E731
    monkeypatch.setattr(loading, "_read_csv_text", slow)
    rows = [f'S-{i:05d},"Home\n{i}",England,supported_living,Site {i}' for i in range(40_000)]
    rows[-1] = rows[-1].replace("England", "Atlantis")
    services = SERVICES.strip() + "\n" + "\n".join(rows) + "\n"
    folder = make_dataset(services=services)
    problems = validate_dataset(folder, today=TODAY)
    assert problems_of(problems, "unknown_value") == [(40_003, "nation", "Atlantis")]
    names = load_dataset(make_dataset(services=services.replace("Atlantis", "England")),
                         today=TODAY).services["service_name"]  # fmt: skip
    assert len(names) == 40_002
    assert names.loc[40_003] == "Home\n39999" and names.loc[4] == "Home\n0"
