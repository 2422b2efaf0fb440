"""Small datasets and worksheet helpers for the ten-file QA tests, written as real files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
from conftest import write_dataset

from auditlib.validation import load_dataset

QUARTER = "2026/27 Q2"  # 1 Jul - 30 Sep 2026
PREVIOUS = "2026/27 Q1"
TODAY = date(2026, 11, 20)
CRITERIA = [f"Q{k:02d}" for k in range(1, 13)]
FILE_AUDITS_HEADER = "quarter,person_id,criterion_id,result,auditor,audit_date,note\n"


def services_csv(sites: dict[str, str | None]) -> str:
    rows = [
        f"{sid},Home {sid},England,supported_living,{site or ''}" for sid, site in sites.items()
    ]
    return "service_id,service_name,nation,service_type,site\n" + "\n".join(rows) + "\n"


def person_ids(service: str, count: int) -> list[str]:
    return [f"P-{service[2:]}{k:03d}" for k in range(1, count + 1)]


def people_csv(counts: dict[str, int], extra: str = "") -> str:
    rows = [
        f"{pid},{sid},2025-01-01,,yes"
        for sid, count in counts.items()
        for pid in person_ids(sid, count)
    ]
    return (
        "person_id,service_id,start_date,end_date,wants_family_involved\n"
        + "\n".join(rows)
        + "\n"
        + extra
    )


def meetings_csv(people: list[str], day: str = "2026-08-03") -> str:
    rows = [f"M-{pid},{pid},mini_review,{day},true,false,no" for pid in people]
    header = "meeting_id,person_id,meeting_type,meeting_date,family_present,advocate_present,"
    return header + "async_input\n" + "\n".join(rows) + "\n"


def audits_csv(rows: list[tuple[str, str, str, str]], auditor: str = "AUD-1") -> str:
    """file_audits rows from (quarter, person_id, criterion_id, result)."""
    lines = [f"{q},{p},{c},{r},{auditor},2026-10-05," for q, p, c, r in rows]
    return FILE_AUDITS_HEADER + "\n".join(lines) + "\n"


def qa_dataset(
    folder: Path,
    counts: dict[str, int] | None = None,
    *,
    sites: dict[str, str | None] | None = None,
    file_audits: str | None = None,
    people_extra: str = "",
) -> Path:
    """A dataset folder whose services have ``counts`` people, everyone reviewed in QUARTER."""
    counts = counts or {"S-A": 7, "S-B": 2, "S-C": 1}
    sites = sites or dict.fromkeys(counts)
    people = [pid for sid, count in counts.items() for pid in person_ids(sid, count)]
    tables = {
        "services": services_csv(sites),
        "people": people_csv(counts, people_extra),
        "meetings": meetings_csv(people),
    }
    if file_audits is not None:
        tables["file_audits"] = file_audits
    return write_dataset(folder, **tables)


def load(folder: Path):
    return load_dataset(folder, today=TODAY)


def fill_worksheet(
    source: Path,
    target: Path,
    result: Callable[[int, int], object],
    *,
    auditor: object = "AUD-7",
    audit_date: object = date(2026, 10, 6),
    note: Callable[[int], object] | None = None,
    edit: Callable[[openpyxl.Workbook], None] | None = None,
) -> Path:
    """Fill the Sample sheet as an auditor would: ``result(row, k)`` for the k-th criterion."""
    workbook = openpyxl.load_workbook(source)
    ws = workbook["Sample"]
    header = [c.value for c in ws[1]]
    first = header.index(CRITERIA[0]) + 1
    for row in range(2, ws.max_row + 1):
        if ws.cell(row=row, column=1).value is None:  # the end of the files (the key follows)
            break
        for k in range(len(CRITERIA)):
            ws.cell(row=row, column=first + k).value = result(row, k)
        ws.cell(row=row, column=header.index("auditor") + 1).value = auditor
        ws.cell(row=row, column=header.index("audit_date") + 1).value = audit_date
        if note is not None:
            cell = ws.cell(row=row, column=header.index("notes") + 1)
            cell.value = note(row)
            cell.data_type = "s"
    if edit is not None:
        edit(workbook)
    workbook.save(target)
    return target
