"""Hand-worked datasets for the grid, before/after and evidence tests, written as real CSV files.

Every number the tests expect can be worked out by hand from the rows below:
the comments say how.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from conftest import write_dataset

from auditlib.validation import load_dataset

QUARTER = "2026/27 Q2"  # 1 Jul - 30 Sep 2026
BEFORE = "2026/27 Q1"  # 1 Apr - 30 Jun 2026
AS_OF = date(2026, 11, 20)  # every deadline of both quarters has passed
MEETING_HEADER = (
    "meeting_id,person_id,meeting_type,meeting_date,family_present,advocate_present,"
    "async_input,summary_sent_date,accessible_format"
)


def csv(header: str, rows: Iterable[Sequence[object]]) -> str:
    """CSV text from a header line and rows of values (None as a blank cell)."""
    lines = [",".join("" if v is None else str(v) for v in row) for row in rows]
    return header + "\n" + "\n".join(lines) + "\n"


def meetings(rows: Iterable[tuple[str, str, str, str, str | None]]) -> str:
    """meetings.csv from (meeting_id, person_id, meeting_date, summary_sent_date, format)."""
    return csv(
        MEETING_HEADER,
        [
            (m, p, "mini_review", day, "true", "false", "no", sent, fmt)
            for m, p, day, sent, fmt in rows
        ],
    )


# --------------------------------------------------------------------------- the grid

# Oak House (S-ENG, England, site Oak), P-1: ten reviews in 2026/27 Q2, one in each month at
# least. Nine summaries go out 5 working days after the meeting, one 10 working days after:
# summaries_5wd 9 of 10 = 90% -> summaries 2. Three reviews in easy-read: accessible_format
# 30% -> accessibility 1 (2 needs QA Q06, not audited). P-1 meets every month, no deep-dive:
# meeting_cadence 1.
_OAK = [
    ("2026-07-06", "2026-07-13", "easy_read"),
    ("2026-07-13", "2026-07-20", "easy_read"),
    ("2026-07-20", "2026-07-27", "easy_read"),
    ("2026-07-27", "2026-08-03", None),  # 3 Aug is a bank holiday in Scotland, not England
    ("2026-08-12", "2026-08-19", None),
    ("2026-09-07", "2026-09-14", None),
    ("2026-09-08", "2026-09-15", None),
    ("2026-09-09", "2026-09-16", None),
    ("2026-09-10", "2026-09-17", None),
    ("2026-09-14", "2026-09-28", None),  # 10 working days: within 10, not within 5
]
# Elm Court (S-SCT, Scotland, site Elm), P-2: ten reviews, eight summaries within 5 working
# days and two within 10: summaries_5wd 80%, summaries_10wd 100% -> summaries 1. No
# accessible formats: 0% -> accessibility 0 (evidenced, not "no evidence").
_ELM = [
    ("2026-07-06", "2026-07-13"),
    ("2026-07-13", "2026-07-20"),
    ("2026-07-20", "2026-07-27"),
    ("2026-08-12", "2026-08-19"),
    ("2026-09-07", "2026-09-14"),
    ("2026-09-08", "2026-09-15"),
    ("2026-09-09", "2026-09-16"),
    ("2026-09-10", "2026-09-17"),
    ("2026-07-06", "2026-07-20"),
    ("2026-07-07", "2026-07-21"),
]

GRID_MEETINGS = meetings(
    [(f"M-O{k}", "P-1", day, sent, fmt) for k, (day, sent, fmt) in enumerate(_OAK, 1)]
    + [(f"M-E{k}", "P-2", day, sent, None) for k, (day, sent) in enumerate(_ELM, 1)]
)
# NI case samples: two at Oak (governance 2), one at Elm (governance 1).
GRID_GOVERNANCE = csv(
    "event_id,service_id,event_date,kind,note",
    [
        ("G-1", "S-ENG", "2026-07-15", "ni_case_sample", None),
        ("G-2", "S-ENG", "2026-09-15", "ni_case_sample", None),
        ("G-3", "S-SCT", "2026-08-20", "ni_case_sample", None),
        ("G-4", "S-SCT", "2026-08-21", "dashboard_review", None),
    ],
)
# Ten-file QA: Q11 (ig_dspt) met at Oak (100% -> 2), not met at Elm (0% -> 0).
GRID_AUDITS = csv(
    "quarter,person_id,criterion_id,result,auditor,audit_date,note",
    [
        (QUARTER, "P-1", "Q11", "met", "A-1", "2026-10-05", None),
        (QUARTER, "P-2", "Q11", "not_met", "A-1", "2026-10-05", None),
    ],
)
# Claims: Oak claims summaries 2 and governance 2 (both evidenced) and training 2 (no staff
# table: no evidence). Elm claims summaries 2 (evidenced 1) and ig_dspt 1 (evidenced 0).
GRID_CLAIMS = csv(
    "service_id,quarter,dimension,score,rationale",
    [
        ("S-ENG", QUARTER, "summaries", 2, "tracked weekly"),
        ("S-ENG", QUARTER, "governance", 2, None),
        ("S-ENG", QUARTER, "training", 2, None),
        ("S-SCT", QUARTER, "summaries", 2, None),
        ("S-SCT", QUARTER, "ig_dspt", 1, None),
        ("S-SCT", BEFORE, "summaries", 0, None),  # another quarter: not read
    ],
)


def grid_dataset(folder: Path, **tables: str | None) -> Path:
    """The grid dataset above; keyword tables replace (or, with None, drop) its tables."""
    defaults = {
        "meetings": GRID_MEETINGS,
        "governance_events": GRID_GOVERNANCE,
        "file_audits": GRID_AUDITS,
        "self_assessments": GRID_CLAIMS,
    }
    return write_dataset(folder, **{**defaults, **tables})


# --------------------------------------------------------------------------- before/after

COMPARE_PEOPLE = csv(
    "person_id,service_id,start_date,end_date,wants_family_involved",
    [
        ("P-1", "S-ENG", "2025-01-01", None, "yes"),
        ("P-4", "S-ENG", "2025-01-01", None, "yes"),
        ("P-2", "S-SCT", "2025-01-01", None, "no"),
    ],
)
# Summaries at Oak: 2 of 3 within 5 working days in Q1, 3 of 4 in Q2 (the interval of the
# difference crosses 0). Elm has one review, in Q2 only (1 of 1): nothing to compare in Q1.
COMPARE_MEETINGS = meetings(
    [
        ("M-1", "P-1", "2026-04-13", "2026-04-20", None),
        ("M-2", "P-1", "2026-06-01", "2026-06-08", None),
        ("M-3", "P-1", "2026-06-08", "2026-06-29", None),
        ("M-4", "P-1", "2026-07-06", "2026-07-13", None),
        ("M-5", "P-1", "2026-07-13", "2026-07-20", None),
        ("M-6", "P-1", "2026-07-20", "2026-07-27", None),
        ("M-7", "P-1", "2026-09-07", "2026-09-28", None),
        ("M-8", "P-2", "2026-07-06", "2026-07-13", None),
    ]
)


def _responses(service: str, day: str, agree: int, total: int, start: int) -> list[tuple]:
    """``total`` experience responses on one day, the first ``agree`` scoring 5, the rest 2."""
    return [
        (f"R-{start + k}", service, "family", day, 5 if k < agree else 2, None)
        for k in range(total)
    ]


# "I feel involved" (4 or 5 of 5): Oak 48 of 80 in Q1 and 56 of 70 in Q2 -- Newcombe (1998)'s
# example 56/70 against 48/80: 0.0524 to 0.3339. Elm 3 of 10, then 9 of 10 -- his 9/10 against
# 3/10: 0.1705 to 0.8090, small enough for Fisher's exact test (p = 0.0198). ALL: 51 of 90,
# then 65 of 80. Two compliments at Oak in Q1, five in Q2 (counts: not tested).
COMPARE_EXPERIENCE = csv(
    "response_id,service_id,respondent,response_date,feel_involved,theme",
    _responses("S-ENG", "2026-05-12", 48, 80, 0)
    + _responses("S-ENG", "2026-08-12", 56, 70, 100)
    + _responses("S-SCT", "2026-05-12", 3, 10, 200)
    + _responses("S-SCT", "2026-08-12", 9, 10, 300)
    + [(f"C-{k}", "S-ENG", "person", "2026-05-13", None, "compliment") for k in range(2)]
    + [(f"C-{k}", "S-ENG", "person", "2026-08-13", None, "compliment") for k in range(2, 7)],
)
# QA Q06 at Oak: 0 of 2 in Q1, 2 of 2 in Q2. Newcombe's interval excludes 0 (0.07 to 1) but
# Fisher's exact test gives p = 1/3: no change is claimed.
COMPARE_AUDITS = csv(
    "quarter,person_id,criterion_id,result,auditor,audit_date,note",
    [
        (BEFORE, "P-1", "Q06", "not_met", "A-1", "2026-07-05", None),
        (BEFORE, "P-4", "Q06", "not_met", "A-1", "2026-07-05", None),
        (QUARTER, "P-1", "Q06", "met", "A-1", "2026-10-05", None),
        (QUARTER, "P-4", "Q06", "met", "A-1", "2026-10-05", None),
        (QUARTER, "P-1", "Q05", "partial", "A-1", "2026-10-05", None),
        (QUARTER, "P-4", "Q05", "met", "A-1", "2026-10-05", None),
    ],
)


def compare_dataset(folder: Path, **tables: str | None) -> Path:
    """The before/after dataset above; keyword tables replace (or, with None, drop) its tables."""
    defaults = {
        "people": COMPARE_PEOPLE,
        "meetings": COMPARE_MEETINGS,
        "experience": COMPARE_EXPERIENCE,
        "file_audits": COMPARE_AUDITS,
    }
    return write_dataset(folder, **{**defaults, **tables})


def load(folder: Path):
    """Load a dataset written above, as the tests' "today" sees it."""
    return load_dataset(folder, today=AS_OF)
