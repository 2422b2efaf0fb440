"""The auditor worksheet: written for a drawn sample, filled in by hand, taken back in.

Writing: a real ``.xlsx`` (openpyxl) with a ``Sample`` sheet (one row per
file, one column per criterion with the criterion's wording as the header's
note, drop-downs limited to met / partial / not_met / na), a ``Reserves``
sheet and a protected ``About`` sheet that records the quarter, seed,
checklist and frame fingerprint. No cell the workbench writes is ever a
formula: a text starting with ``=``, ``+``, ``-`` or ``@`` is stored as text.

Reading back: every cell is checked and every problem reported at once with
sheet, row and column, before anything is written. Only then are the results
added to the dataset's file_audits table, atomically (see :mod:`.ingest`).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .checklist import Checklist, load_checklist
from .dataset import Dataset
from .errors import AuditlibError, InputNotFoundError, PeriodError, Problem, WorksheetError
from .files import atomic_write
from .periods import Period, parse_period
from .qa import RESULTS
from .sampling import Sample, output_paths, quarter_slug, sampling_frame, write_sample

__all__ = [
    "FORMAT",
    "WorksheetRead",
    "read_worksheet",
    "save_sample",
    "write_text_cell",
    "write_worksheet",
]

FORMAT = "auditlib ten-file QA worksheet"
FORMAT_VERSION = "1"
SAMPLE_SHEET, RESERVES_SHEET, ABOUT_SHEET = "Sample", "Reserves", "About"
ID_COLUMNS = ("person_id", "service_id", "service_name")
TAIL_COLUMNS = ("auditor", "audit_date", "notes")
_FORMULA_START = ("=", "+", "-", "@")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
_WIDTHS = {"person_id": 14, "service_id": 12, "service_name": 28, "auditor": 12}
_WIDTHS |= {"audit_date": 12, "notes": 60}
_CRITERION_WIDTH = 10
_ABOUT_FILES_COLUMN = 4  # column D: the files drawn, one per row
_HOW_TO = (
    "For each file choose met, partial, not_met or na in every criterion column (the header's "
    "note says what the file should show). Write your pseudonymous auditor code and the audit "
    "date. If a file cannot be audited, replace its person_id and service on the Sample sheet "
    "with the next reserve for the same service or site (sheet Reserves, in order) and say why "
    "in notes. Do not rename or add columns, merge cells or leave blank rows: the worksheet is "
    "checked cell by cell when it is taken back in."
)
_HEADER_NOTES = {
    "person_id": "The file's pseudonymous id. To use a reserve, replace it (and service_id) "
    "with the next reserve on sheet Reserves and say why in notes.",
    "service_id": "The service the file belongs to.",
    "service_name": "For reading only.",
    "auditor": "Your pseudonymous auditor code (no names).",
    "audit_date": "The day you audited the file, like 2026-10-05.",
    "notes": "What you found, especially for partial and not_met (internal only: may hold "
    "personal details, never shared).",
}
_RESULT_ALIASES = {"n/a": "na", "notmet": "not_met"}


# --------------------------------------------------------------------------- writing


def write_text_cell(ws: Worksheet, row: int, column: int, value: Any) -> None:
    """Put a value in a cell; text is always stored as text, never read as a formula."""
    cell = ws.cell(row=row, column=column)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return
    if isinstance(value, np.generic):
        value = value.item()
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(_FORMULA_START):
            cell.quotePrefix = True  # Excel keeps it as text even when the cell is edited


def write_worksheet(
    sample: Sample,
    path: str | Path,
    *,
    checklist: Checklist | None = None,
    strata: list[str] | None = None,
) -> Path:
    """Write the auditor worksheet for ``sample`` (or only some of its ``strata``), atomically."""
    checklist = checklist if checklist is not None else load_checklist()
    files = sample.files
    if strata is not None:
        files = files[files["stratum"].isin(strata)]
    sampled = files[files["role"] == "sample"].sort_values(["service_id", "stratum", "draw_order"])
    reserves = files[files["role"] == "reserve"]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = SAMPLE_SHEET
    _write_sample_sheet(sheet, sampled, checklist)
    _write_reserves_sheet(workbook.create_sheet(RESERVES_SHEET), reserves)
    _write_about_sheet(workbook.create_sheet(ABOUT_SHEET), sample, checklist, files)
    return atomic_write(path, workbook.save)


def _header(ws: Worksheet, names: list[str], notes: dict[str, str]) -> None:
    for column, name in enumerate(names, start=1):
        write_text_cell(ws, 1, column, name)
        cell = ws.cell(row=1, column=column)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        if name in notes:
            cell.comment = Comment(notes[name], "auditlib", width=320, height=140)
        ws.column_dimensions[get_column_letter(column)].width = _WIDTHS.get(
            name, _CRITERION_WIDTH
        )
    ws.freeze_panes = "A2"


def _write_sample_sheet(ws: Worksheet, files: pd.DataFrame, checklist: Checklist) -> None:
    criteria = list(checklist.ids)
    names = [*ID_COLUMNS, *criteria, *TAIL_COLUMNS]
    wording = checklist.table.set_index("criterion_id")
    notes = dict(_HEADER_NOTES)
    notes |= {
        c: f"{c} ({wording.at[c, 'dimension']}): the file shows {wording.at[c, 'wording']}"
        for c in criteria
    }
    _header(ws, names, notes)
    ws.freeze_panes = "D2"  # the file and its service stay in view while scrolling criteria
    values = files[list(ID_COLUMNS)].to_numpy(dtype=object)
    for row, record in enumerate(values, start=2):
        for column, value in enumerate(record, start=1):
            write_text_cell(ws, row, column, value)
    last = max(len(values) + 1, 2)
    first_criterion, last_criterion = len(ID_COLUMNS) + 1, len(ID_COLUMNS) + len(criteria)
    results = DataValidation(
        type="list",
        formula1='"' + ",".join(RESULTS) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Not a result",
        error="Choose met, partial, not_met or na.",
        showInputMessage=True,
        promptTitle="Result",
        prompt="met, partial, not_met or na",
    )
    results.add(
        f"{get_column_letter(first_criterion)}2:{get_column_letter(last_criterion)}{last}"
    )
    date_column = get_column_letter(names.index("audit_date") + 1)
    dates = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="36526",  # 1 Jan 2000 as an Excel serial date
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Not a date",
        error="Type the audit date, like 2026-10-05.",
    )
    dates.add(f"{date_column}2:{date_column}{last}")
    ws.add_data_validation(results)
    ws.add_data_validation(dates)
    for row in range(2, last + 1):
        ws[f"{date_column}{row}"].number_format = "yyyy-mm-dd"
        ws.cell(row=row, column=len(names)).alignment = Alignment(wrap_text=True, vertical="top")


def _write_reserves_sheet(ws: Worksheet, reserves: pd.DataFrame) -> None:
    names = ["person_id", "service_id", "service_name", "site", "reserve_for", "draw_order"]
    notes = {
        "reserve_for": "The service (or site, for NI sampling) this reserve replaces a file of.",
        "draw_order": "Use the reserves of a service or site in this order, lowest first.",
    }
    _header(ws, names, notes)
    table = reserves.rename(columns={"stratum": "reserve_for"})[names].to_numpy(dtype=object)
    for row, record in enumerate(table, start=2):
        for column, value in enumerate(record, start=1):
            write_text_cell(ws, row, column, value)


def _write_about_sheet(
    ws: Worksheet, sample: Sample, checklist: Checklist, files: pd.DataFrame
) -> None:
    record = sample.record
    about = [
        ("worksheet", FORMAT),
        ("format_version", FORMAT_VERSION),
        ("quarter", sample.quarter.label),
        ("quarter_dates", sample.quarter.date_range),
        ("seed", str(sample.seed)),
        ("method", record["method"]),
        ("reviewed_only", "yes" if record["reviewed_only"] else "no"),
        ("services", ",".join(record["services"])),
        ("frame_size", str(record["frame"]["size"])),
        ("frame_fingerprint", sample.fingerprint),
        ("criteria", ",".join(checklist.ids)),
        ("checklist", checklist.source),
        ("checklist_fingerprint", checklist.fingerprint()),
        ("how_to_fill_in", _HOW_TO),
    ]
    for row, (key, value) in enumerate(about, start=1):
        write_text_cell(ws, row, 1, key)
        write_text_cell(ws, row, 2, value)
        ws.cell(row=row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    drawn = files[["person_id", "service_id", "role"]].to_numpy(dtype=object)
    for column, name in enumerate(("drawn_person_id", "service_id", "role")):
        write_text_cell(ws, 1, _ABOUT_FILES_COLUMN + column, name)
    for row, record_values in enumerate(drawn, start=2):
        for column, value in enumerate(record_values):
            write_text_cell(ws, row, _ABOUT_FILES_COLUMN + column, value)
    for letter, width in (("A", 22), ("B", 70), ("D", 16), ("E", 12), ("F", 10)):
        ws.column_dimensions[letter].width = width
    ws.protection.sheet = True  # no password: it guards against slips, not against intent


def save_sample(
    sample: Sample,
    out_dir: str | Path,
    *,
    checklist: Checklist | None = None,
    force: bool = False,
    split: bool = False,
) -> dict[str, Any]:
    """Write the sample list, the sampling record and the worksheet(s) into ``out_dir``.

    With ``split`` one worksheet per stratum (service, or site for NI
    sampling) instead of one for the whole sample. An earlier draw for the
    same quarter is not overwritten unless ``force``.
    """
    checklist = checklist if checklist is not None else load_checklist()
    paths = output_paths(out_dir, sample.quarter)
    strata = sorted(sample.sampled["stratum"].unique())
    if split:
        folder = Path(out_dir) / f"qa-worksheets-{quarter_slug(sample.quarter)}"
        names = {s: folder / f"qa-worksheet-{_file_safe(s)}.xlsx" for s in strata}
        if len(set(names.values())) != len(names):
            raise AuditlibError("two services or sites have ids that give the same file name")
        worksheets = list(names.values())
    else:
        names, worksheets = {}, [paths["worksheet"]]
    existing = [p for p in [paths["sample"], paths["record"], *worksheets] if p.exists()]
    if existing and not force:
        raise AuditlibError(
            f"a sample for {sample.quarter.label} is already in {out_dir} "
            f"({', '.join(map(str, existing[:3]))}); keep it, choose another folder, or redraw "
            "on purpose with force"
        )
    if split:
        for stratum, path in names.items():  # one workbook per service or site
            write_worksheet(sample, path, checklist=checklist, strata=[stratum])
    else:
        write_worksheet(sample, paths["worksheet"], checklist=checklist)
    record = {
        **sample.record,
        "checklist": {
            "source": checklist.source,
            "fingerprint_sha256": checklist.fingerprint(),
            "criteria": list(checklist.ids),
        },
    }
    written = write_sample(Sample(sample.quarter, sample.seed, sample.files, record), out_dir, force=True)
    return {**written, "worksheets": worksheets}


def _file_safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "_"
