"""The auditor worksheet: written for a drawn sample, filled in by hand, taken back in.

Writing: a real ``.xlsx`` (openpyxl) with a ``Sample`` sheet (one row per
file, one column per criterion with the criterion's wording as the header's
note, drop-downs limited to met / partial / not_met / na), a ``Reserves``
sheet and a protected ``About`` sheet that records the quarter, seed,
checklist and frame fingerprint. No cell the workbench writes is ever a
formula: a text starting with ``=``, ``+``, ``-`` or ``@`` is stored as text.

Reading back: every cell is checked and every problem reported at once with
sheet, row and column, before anything is written. Only then are the results
added to the dataset's file_audits table, atomically.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from .checklist import Checklist, load_checklist
from .contract import TABLES
from .dataset import Dataset
from .errors import AuditlibError, InputNotFoundError, PeriodError, Problem, WorksheetError
from .files import FORMULA_START, atomic_write, dataset_lock
from .periods import Period, parse_period
from .qa import RESULTS
from .sampling import (
    Sample,
    frame_fingerprint,
    output_paths,
    quarter_mask,
    quarter_slug,
    sampling_frame,
    write_sample,
)
from .validation import load_dataset

__all__ = [
    "FORMAT",
    "IngestResult",
    "WorksheetRead",
    "ingest_worksheet",
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
_HEADER_FONT = Font(
    name="Calibri", size=11, bold=True
)  # a named font: LibreOffice else picks a serif
_HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
_WRAP = Alignment(vertical="top", wrap_text=True)
# Widths in characters, narrow enough that ten files and the key print on one landscape page
_WIDTHS = {"person_id": 11, "service_id": 10, "service_name": 18, "auditor": 9}
_WIDTHS |= {"audit_date": 11, "notes": 32, "site": 12, "stratum": 12, "reserve_for": 13}
_WIDTHS |= {"draw_order": 12, "role": 10}
_ABOUT_LINE = 75  # characters per line of the About sheet's wrapped column B
_CRITERION_WIDTH = 8  # "not_met" and "partial" fit
KEY_TITLE = "Key: what the file shows for each criterion (for reading; not taken back in)"
_KEY_FONT = Font(name="Calibri", size=11, bold=True)
_MARGINS = PageMargins(left=0.25, right=0.25, top=0.5, bottom=0.5, header=0.2, footer=0.2)
_ABOUT_FILES_COLUMN = 4  # column D: the files drawn, one per row
_HOW_TO = (
    "For each file choose met, partial, not_met or na in every criterion column (the key below "
    "the files, and each header's note, say what the file should show). Write your "
    "pseudonymous auditor code and the audit date. If a file cannot be audited, replace its "
    "person_id and service on the Sample sheet "
    "with the next reserve for the same service or site (sheet Reserves: reserve_for says which, "
    "lowest draw_order first) and say why in notes. Do not rename or add columns, merge cells "
    "or leave blank rows: the worksheet is checked cell by cell when it is taken back in."
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
_RESULT_ALIASES = {"n/a": "na"}
FILE_AUDITS_COLUMNS = [c.name for c in TABLES["file_audits"].columns]
_FILE_COLUMNS = ["person_id", "service_id", "service_name", "site", "stratum", "role", "draw_order"]
_RESERVE_HEADER = ["person_id", "service_id", "service_name", "site", "reserve_for", "draw_order"]
_DRAWN_HEADER = ["drawn_person_id", "service_id", "role"]


# --------------------------------------------------------------------------- writing


def write_text_cell(ws: Worksheet, row: int, column: int, value: Any) -> None:
    """Put a value in a cell; text is always stored as text, never read as a formula."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return
    cell = ws.cell(
        row=row, column=column, value=value.item() if isinstance(value, np.generic) else value
    )
    if isinstance(value, str):
        _keep_text(cell)


def _keep_text(cell: Cell) -> None:
    cell.data_type = "s"
    if cell.value.startswith(FORMULA_START):
        cell.quotePrefix = True  # Excel keeps it as text even when the cell is edited


def _put_rows(ws: Worksheet, rows: list[list[Any]], first: int = 1) -> None:
    """Write rows of values from row ``first``; a text that looks like a formula stays text."""
    for row, values in enumerate(rows, start=first):
        for column, value in enumerate(values, start=1):
            write_text_cell(ws, row, column, value)


class _Layout:
    """What every worksheet of one sample shares: columns, header notes, the About record."""

    def __init__(self, sample: Sample, checklist: Checklist):
        criteria = list(checklist.ids)
        self.names = [*ID_COLUMNS, *criteria, *TAIL_COLUMNS]
        self.first_criterion = len(ID_COLUMNS) + 1
        self.last_criterion = len(ID_COLUMNS) + len(criteria)
        table = checklist.table
        self.notes = _HEADER_NOTES | {
            c: f"{c} ({d})\nThe file shows: {w}"
            for c, d, w in zip(criteria, table["dimension"], table["wording"], strict=True)
        }
        self.key = [[KEY_TITLE]] + [
            [c, f"{w} ({d})"]
            for c, d, w in zip(criteria, table["dimension"], table["wording"], strict=True)
        ]
        record = sample.record
        self.about = [
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
            ("criteria", ",".join(criteria)),
            ("checklist", checklist.source),
            ("checklist_fingerprint", checklist.fingerprint()),
            ("how_to_fill_in", _HOW_TO),
        ]

    def write(self, path: Path, files: np.ndarray) -> Path:
        """One workbook for ``files``: rows of ``_FILE_COLUMNS``, samples first, in sheet order."""
        sampled = files[:, 5] == "sample"
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = SAMPLE_SHEET
        self._sample_sheet(sheet, files[sampled][:, :3])
        reserves = workbook.create_sheet(RESERVES_SHEET)
        _header(reserves, _RESERVE_HEADER, {})
        _put_rows(reserves, files[~sampled][:, [0, 1, 2, 3, 4, 6]].tolist(), first=2)
        self._about_sheet(workbook.create_sheet(ABOUT_SHEET), files[:, [0, 1, 5]].tolist())
        return atomic_write(path, workbook.save)

    def _sample_sheet(self, ws: Worksheet, files: np.ndarray) -> None:
        _header(ws, self.names, self.notes)
        ws.freeze_panes = "D2"  # the file and its service stay in view while scrolling criteria
        ws.print_title_cols = "A:C"  # and on every printed page
        _put_rows(ws, files.tolist(), first=2)
        last = max(len(files) + 1, 2)
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
        first, final = (
            get_column_letter(self.first_criterion),
            get_column_letter(self.last_criterion),
        )
        results.add(f"{first}2:{final}{last}")
        date_column = get_column_letter(self.names.index("audit_date") + 1)
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
        # Column styles, not cell styles: they also format what the auditor types in.
        ws.column_dimensions[date_column].number_format = "yyyy-mm-dd"
        ws.column_dimensions[get_column_letter(len(self.names))].alignment = _WRAP
        self._key(ws, first=last + 2)

    def _key(self, ws: Worksheet, first: int) -> None:
        """The criteria's wording below the table, on the printed page (comments do not print);
        the reader stops at its title row. Each wording runs on across the empty cells."""
        _put_rows(ws, self.key, first=first)
        ws.cell(row=first, column=1).font = _KEY_FONT
        last = first + len(self.key) - 1
        ws.print_area = f"A1:{get_column_letter(len(self.names))}{last}"

    def _about_sheet(self, ws: Worksheet, drawn: list[list[Any]]) -> None:
        listed = [_DRAWN_HEADER, *drawn]
        rows = max(len(self.about), len(listed))
        pairs = self.about + [(None, None)] * (rows - len(self.about))
        listed += [[None] * len(_DRAWN_HEADER)] * (rows - len(listed))
        _put_rows(
            ws,
            [[key, value, None, *files] for (key, value), files in zip(pairs, listed, strict=True)],
        )
        for letter, width in (("A", 22), ("B", 70), ("D", 16), ("E", 12), ("F", 10)):
            ws.column_dimensions[letter].width = width
        for (cell,) in ws.iter_rows(min_col=2, max_col=2):
            if isinstance(cell.value, str) and len(cell.value) > _ABOUT_LINE:
                # Excel wraps by the cell's own style, and neither program grows the row
                cell.alignment = _WRAP
                ws.row_dimensions[cell.row].height = 15 * -(-len(cell.value) // _ABOUT_LINE)
        ws.protection.sheet = True  # no password: it guards against slips, not against intent
        _print_setup(ws)


def _header(ws: Worksheet, names: list[str], notes: dict[str, str]) -> None:
    _put_rows(ws, [list(names)])
    for column, cell in enumerate(ws[1], start=1):
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _WRAP
        if cell.value in notes:
            cell.comment = Comment(notes[cell.value], "auditlib", width=320, height=140)
        ws.column_dimensions[get_column_letter(column)].width = _WIDTHS.get(
            cell.value, _CRITERION_WIDTH
        )
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    _print_setup(ws)


def _print_setup(ws: Worksheet) -> None:
    """Landscape A4, narrow margins, every column on one page's width (as tall as needed)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = _MARGINS


def _file_rows(files: pd.DataFrame, by_stratum: bool) -> list[np.ndarray]:
    """The files as rows of ``_FILE_COLUMNS`` in sheet order: one block, or one per stratum."""
    keys = ["stratum"] if by_stratum else []
    ordered = files.sort_values(
        [*keys, "role", "service_id", "stratum", "draw_order"],
        ascending=[*[True] * len(keys), False, True, True, True],
        kind="stable",
    )
    values = ordered[_FILE_COLUMNS].to_numpy(dtype=object)
    if not by_stratum or len(values) == 0:
        return [values]
    strata = values[:, 4]
    starts = np.flatnonzero(np.r_[True, strata[1:] != strata[:-1]])
    return np.split(values, starts[1:])


def write_worksheet(
    sample: Sample, path: str | Path, *, checklist: Checklist | None = None
) -> Path:
    """Write the auditor worksheet for ``sample``, atomically: Sample, Reserves and About."""
    checklist = checklist if checklist is not None else load_checklist()
    return _Layout(sample, checklist).write(Path(path), _file_rows(sample.files, False)[0])


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
    blocks = _file_rows(sample.files, split)
    if split:
        folder = Path(out_dir) / f"qa-worksheets-{quarter_slug(sample.quarter)}"
        worksheets = [folder / f"qa-worksheet-{_file_safe(block[0, 4])}.xlsx" for block in blocks]
        if len(set(worksheets)) != len(worksheets):
            raise AuditlibError("two services or sites have ids that give the same file name")
    else:
        worksheets = [paths["worksheet"]]
    existing = [p for p in [paths["sample"], paths["record"], *worksheets] if p.exists()]
    if existing and not force:
        raise AuditlibError(
            f"a sample for {sample.quarter.label} is already in {out_dir} "
            f"({', '.join(map(str, existing[:3]))}); keep it, choose another folder, or redraw "
            "on purpose with --force (force=True)"
        )
    layout = _Layout(sample, checklist)
    for path, block in zip(worksheets, blocks, strict=True):  # one workbook each
        layout.write(path, block)
    record = {
        **sample.record,
        "checklist": {
            "source": checklist.source,
            "fingerprint_sha256": checklist.fingerprint(),
            "criteria": list(checklist.ids),
        },
    }
    written = write_sample(replace(sample, record=record), out_dir, force=True)
    return {**written, "worksheets": worksheets}


def _file_safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "_"


# --------------------------------------------------------------------------- reading back


@dataclass(frozen=True)
class WorksheetRead:
    """A worksheet that passed every check: its results in file_audits form, and its About.

    ``rows`` has the file_audits columns plus ``sheet_row`` (the row on the
    Sample sheet); ``notes`` says what a reader should know (reserves
    used, sampled files not audited, dates filled in).
    """

    rows: pd.DataFrame
    quarter: Period
    about: dict[str, str]
    notes: list[str]


@dataclass
class _Where:
    """Locates problems in the worksheet as the auditor sees it."""

    file: str
    problems: list[Problem]

    def add(self, reason, expected, *, sheet=None, row=None, column=None, value=None) -> None:
        self.problems.append(
            Problem(
                reason,
                expected,
                file=self.file,
                sheet=sheet,
                row=None if row is None else int(row),
                column=column,
                value=None if value is None or pd.isna(value) else _cell_text(value),
            )
        )

    def cells(self, mask: pd.Series, values: pd.Series, reason: str, expected: str, column: str):
        """One problem per flagged cell of a Sample column."""
        flagged = mask.fillna(False).to_numpy(dtype=bool)
        for row, value in values[flagged].items():  # only the flagged cells
            self.add(reason, expected, sheet=SAMPLE_SHEET, row=row, column=column, value=value)


def read_worksheet(
    path: str | Path,
    dataset: Dataset,
    *,
    quarter: Period | str | None = None,
    auditor: str | None = None,
    audit_date: date | None = None,
    today: date | None = None,
) -> WorksheetRead:
    """Check a filled-in worksheet against ``dataset``; raise :class:`WorksheetError` listing
    every problem with sheet, row and column. The file is only read, never changed.

    ``quarter``, when given, must be the worksheet's own quarter. ``auditor``
    and ``audit_date`` fill cells the auditor left blank (the date
    defaults to ``today``).
    """
    read, problems = _check(path, dataset, quarter, auditor, audit_date, today)
    if problems:
        raise _refuse(path, problems)
    assert read is not None
    return read


def _refuse(path: str | Path, problems: list[Problem]) -> WorksheetError:
    """The error listing every problem, in sheet and row order."""
    count = len(problems)
    summary = (
        f"{path}: {count} problem{'s' if count != 1 else ''} in the worksheet; "
        "nothing was written (fix them in the worksheet and take it in again)"
    )
    ordered = sorted(problems, key=lambda p: (p.sheet or "", p.row or 0, p.column or ""))
    return WorksheetError(summary, ordered)


def _open(path: Path, where: _Where) -> openpyxl.Workbook | None:
    if not path.is_file():
        raise InputNotFoundError(f"{path}: no such worksheet")
    expected = (
        "a worksheet is the .xlsx file auditlib sample wrote; if it was saved in another "
        "format, open it and save it again as 'Excel Workbook (.xlsx)'"
    )
    if path.suffix.lower() != ".xlsx" or not zipfile.is_zipfile(path):
        where.add("not_xlsx", f"not an .xlsx workbook: {expected}")
        return None
    try:
        return openpyxl.load_workbook(path, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        where.add("unreadable", f"cannot be opened as .xlsx ({error}): {expected}")
        return None


def _check(path, dataset, quarter, auditor, audit_date, today):
    """The checked worksheet (None when it cannot be read) and every problem found."""
    path = Path(path)
    where = _Where(str(path), [])
    workbook = _open(path, where)
    if workbook is None:
        return None, where.problems
    sheets = {ws.title.strip().lower(): ws for ws in workbook.worksheets}
    found = ", ".join(ws.title for ws in workbook.worksheets)
    for name in (SAMPLE_SHEET, ABOUT_SHEET):
        if name.lower() not in sheets:
            hint = "" if name == SAMPLE_SHEET else " (it records the quarter and checklist)"
            where.add(
                "missing_sheet",
                f"no sheet named {name}{hint}; the sheets are: {found}. "
                "Use the worksheet auditlib sample wrote, with its sheets as they were",
            )
    about = _read_about(sheets.get(ABOUT_SHEET.lower()), where, quarter)
    if SAMPLE_SHEET.lower() not in sheets or about is None:
        return None, where.problems
    ws = sheets[SAMPLE_SHEET.lower()]
    for merged in ws.merged_cells.ranges:
        where.add(
            "merged_cells",
            f"merged cells {merged.coord}: unmerge them so that each cell holds one value",
            sheet=SAMPLE_SHEET,
            row=merged.min_row,
            column=get_column_letter(merged.min_col),
        )
    cells, formulas, names = _read_sample(ws, about["criteria"], where)
    if cells is None:
        return None, where.problems
    today = today or date.today()
    rows, notes = _check_rows(
        cells, formulas, names, about, dataset, where, auditor, audit_date, today
    )
    read = WorksheetRead(rows, about["period"], about["values"], notes)
    return read, where.problems


def _read_about(ws: Worksheet | None, where: _Where, quarter) -> dict[str, Any] | None:
    """The About sheet's record: quarter, criteria, files drawn. None if it cannot be trusted."""
    if ws is None:
        return None
    values, rows = {}, {}
    for row in ws.iter_rows(min_row=1, max_col=2):
        key, value = row[0].value, row[1].value
        if isinstance(key, str) and key.strip():
            values[key.strip().lower()] = "" if value is None else str(value).strip()
            rows[key.strip().lower()] = row[0].row
    problems_before = len(where.problems)
    if values.get("worksheet") != FORMAT or values.get("format_version") != FORMAT_VERSION:
        where.add(
            "not_a_worksheet",
            f"the About sheet does not say '{FORMAT}', version {FORMAT_VERSION}: this is not "
            "a worksheet written by auditlib sample (or its About sheet was changed)",
            sheet=ABOUT_SHEET,
        )
        return None
    period = None
    try:
        period = parse_period(values.get("quarter", ""), calendar_quarters=True)
    except PeriodError as error:
        where.add("bad_about", str(error), sheet=ABOUT_SHEET, row=rows.get("quarter"), column="B")
    if period is not None and quarter is not None:
        wanted = parse_period(quarter, calendar_quarters=True)
        if (wanted.start, wanted.end) != (period.start, period.end):
            where.add(
                "other_quarter",
                f"this worksheet is for {period}, not {wanted}: it belongs to another quarter",
                sheet=ABOUT_SHEET,
                row=rows.get("quarter"),
                column="B",
                value=period.label,
            )
    criteria = [c.strip() for c in values.get("criteria", "").split(",") if c.strip()]
    if not criteria:
        where.add("bad_about", "no criteria listed", sheet=ABOUT_SHEET, row=rows.get("criteria"))
    drawn = [
        (row[0].value, row[1].value, row[2].value)
        for row in ws.iter_rows(
            min_row=2, min_col=_ABOUT_FILES_COLUMN, max_col=_ABOUT_FILES_COLUMN + 2
        )
        if row[0].value is not None
    ]
    if len(where.problems) > problems_before or period is None:
        return None
    drawn_table = pd.DataFrame(drawn, columns=["person_id", "service_id", "role"], dtype=object)
    return {
        "values": values,
        "period": period,
        "criteria": criteria,
        "drawn": drawn_table.astype(str).set_index("person_id")["role"],
    }


def _read_sample(ws: Worksheet, criteria: list[str], where: _Where):
    """The Sample sheet as (values, formula flags, canonical column name per sheet column)."""
    grid = [[(c.value, c.data_type == "f") for c in row] for row in ws.iter_rows()]
    key = [k for k, row in enumerate(grid) if k and row and row[0][0] == KEY_TITLE]
    grid = grid[: key[0]] if key else grid  # the printed key of the criteria is not read
    if not grid:
        where.add("empty_sheet", "the Sample sheet is empty", sheet=SAMPLE_SHEET)
        return None, None, None
    letters = [get_column_letter(i + 1) for i in range(len(grid[0]))]
    index = pd.RangeIndex(2, len(grid) + 1)
    values = pd.DataFrame(
        [[v for v, _ in row] for row in grid[1:]], index=index, columns=letters, dtype=object
    )
    formulas = pd.DataFrame(
        [[f for _, f in row] for row in grid[1:]], index=index, columns=letters, dtype=bool
    )
    header = dict(zip(letters, (v for v, _ in grid[0]), strict=True))
    wanted = {n.lower(): n for n in (*ID_COLUMNS, *criteria, *TAIL_COLUMNS)}
    names: dict[str, str] = {}
    filled = ~_blank(values)
    for letter, title in header.items():
        text = "" if title is None else str(title).strip()
        canonical = wanted.get(text.lower())
        if not text:
            if filled[letter].any():
                where.add(
                    "unnamed_column",
                    "this column has values but no heading: delete them or restore the heading",
                    sheet=SAMPLE_SHEET,
                    row=1,
                    column=letter,
                )
        elif canonical is None:
            where.add(
                "unknown_column",
                "not a column of this worksheet (renamed or added?): the criteria are "
                + ", ".join(criteria)
                + "; the other columns "
                + ", ".join((*ID_COLUMNS, *TAIL_COLUMNS)),
                sheet=SAMPLE_SHEET,
                row=1,
                column=letter,
                value=text,
            )
        elif canonical in names.values():
            where.add(
                "duplicate_column",
                f"column {canonical} appears twice",
                sheet=SAMPLE_SHEET,
                row=1,
                column=letter,
            )
        else:
            names[letter] = canonical
    for name in wanted.values():
        if name not in names.values():
            where.add(
                "missing_column",
                f"column {name} is missing (renamed or deleted?): restore its heading",
                sheet=SAMPLE_SHEET,
                row=1,
                column=name,
            )
    return values, formulas, names


def _blank(values: pd.DataFrame) -> pd.DataFrame:
    text = values.apply(lambda column: column.astype("string").str.strip())
    return values.isna() | (text == "").fillna(True)


def _cell_text(value: Any) -> Any:
    """A cell as text: whole numbers without ``.0``, dates in ISO form."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date().isoformat()  # a date typed into a date cell: no midnight time
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return value


def _text(values: pd.Series) -> pd.Series:
    """Cell values as trimmed text, blank as NA."""
    text = values.map(_cell_text).astype("string").str.strip()
    return text.mask(text == "")


def _check_rows(cells, formulas, names, about, dataset, where, auditor, audit_date, today):
    """Check every used row of the Sample sheet; the results in file_audits form, and notes."""
    letter_of = {name: letter for letter, name in names.items()}
    period, criteria = about["period"], [c for c in about["criteria"] if c in letter_of]
    blank = _blank(cells) & ~formulas
    used = ~blank.all(axis=1)
    last = int(used[used].index.max()) if used.any() else 1
    cells, formulas, blank = cells.loc[:last], formulas.loc[:last], blank.loc[:last]
    for letter in cells.columns:
        flagged = formulas[letter]
        where.cells(
            flagged,
            cells[letter],
            "formula",
            "a formula: type the value itself",
            _column(letter, names),
        )
    empty = blank.all(axis=1)
    for row in empty.index[empty.to_numpy(dtype=bool)]:  # only the blank rows
        where.add(
            "blank_row",
            "a blank row inside the list: delete the row (or fill it in)",
            sheet=SAMPLE_SHEET,
            row=row,
        )
    active, formulas = cells.loc[~empty], formulas.loc[~empty]
    if active.empty:
        where.add("no_files", "no files listed on the Sample sheet", sheet=SAMPLE_SHEET)

    def column(name: str) -> pd.Series:
        if name not in letter_of:
            return pd.Series(pd.NA, index=active.index, dtype="string")
        return _text(active[letter_of[name]].mask(formulas[letter_of[name]]))

    def present(name: str) -> pd.Series:
        return pd.Series(name in letter_of, index=active.index) & (
            ~formulas[letter_of[name]] if name in letter_of else False
        )

    def at(name: str) -> str:
        return _column(letter_of.get(name, name), names)

    persons = column("person_id")
    _check_persons(persons, column("service_id"), present, at, about, dataset, where)
    unfilled = _not_filled_in(column, criteria, letter_of, where)
    results = {}
    for criterion in criteria:  # a dozen columns, each checked whole
        raw = column(criterion)
        result = raw.str.lower().str.replace(r"[\s\-]+", "_", regex=True).replace(_RESULT_ALIASES)
        where.cells(
            raw.isna() & present(criterion) & ~unfilled,
            raw,
            "not_audited",
            "blank: not audited yet; choose met, partial, not_met or na (na: does not apply)",
            at(criterion),
        )
        where.cells(
            raw.notna() & ~result.isin(RESULTS),
            raw,
            "unknown_value",
            "not a result: expected met, partial, not_met or na",
            at(criterion),
        )
        results[criterion] = result
    notes = []
    auditors = column("auditor")
    if auditor:
        notes += _filled(auditors, "auditor", auditor)
        auditors = auditors.fillna(auditor)
    where.cells(
        auditors.isna() & present("auditor") & ~unfilled,
        auditors,
        "missing_value",
        "blank: who audited this file? (a pseudonymous code; or give the auditor when ingesting)",
        at("auditor"),
    )
    dates = _check_dates(active, formulas, letter_of, period, today, at, where)
    fill_date = pd.Timestamp(audit_date or today)
    notes += _filled(dates, "audit date", f"{fill_date:%Y-%m-%d}")
    dates = dates.fillna(fill_date)
    notes += _reserve_notes(persons, about["drawn"])
    wide = pd.DataFrame(
        {
            "sheet_row": active.index,
            "person_id": persons,
            "auditor": auditors,
            "audit_date": dates,
            "note": column("notes"),
            **results,
        }
    )
    rows = wide.melt(
        id_vars=["sheet_row", "person_id", "auditor", "audit_date", "note"],
        value_vars=criteria,
        var_name="criterion_id",
        value_name="result",
    )
    rows["order"] = rows["criterion_id"].map({c: i for i, c in enumerate(criteria)})
    rows = rows.sort_values(["sheet_row", "order"], ignore_index=True).assign(quarter=period.label)
    return rows[[*FILE_AUDITS_COLUMNS, "sheet_row"]], notes


def _not_filled_in(column, criteria, letter_of, where: _Where) -> pd.Series:
    """Rows with no result for any criterion: said once for the sheet when none has one (a
    worksheet taken in blank), else once per such row -- not once per empty cell."""
    unfilled = pd.concat([column(c).isna() for c in criteria], axis=1).all(axis=1)
    if not criteria or not unfilled.any():
        return unfilled & False
    span = f"columns {letter_of[criteria[0]]} to {letter_of[criteria[-1]]}"
    what = f"choose met, partial, not_met or na for each criterion ({span})"
    if unfilled.all():
        where.add(
            "not_filled_in",
            f"not filled in: none of the {len(unfilled)} files has a result yet; {what}, "
            "then take the worksheet in again",
            sheet=SAMPLE_SHEET,
        )
    else:
        where.cells(
            unfilled,
            column("person_id"),
            "not_filled_in",
            f"not filled in: this file has no result yet; {what}",
            span,
        )
    return unfilled


def _column(letter: str, names: dict[str, str]) -> str:
    return f"{letter} ({names[letter]})" if letter in names else letter


def _check_persons(persons, services, present, at, about, dataset, where) -> None:
    """Every file known, drawn for this sample, listed once, and under its own service."""
    people = dataset.people.set_index("person_id")["service_id"].astype(str)
    drawn = about["drawn"]
    where.cells(
        persons.isna() & present("person_id"),
        persons,
        "missing_value",
        "blank: which file is this? (its person_id)",
        at("person_id"),
    )
    known = persons.isin(people.index).fillna(False).astype(bool)
    where.cells(
        persons.notna() & ~known,
        persons,
        "unknown_person",
        "not a person_id in the dataset's people table",
        at("person_id"),
    )
    where.cells(
        known & ~persons.isin(drawn.index).fillna(False).astype(bool),
        persons,
        "not_drawn",
        "this file was not drawn for this sample (neither sampled nor a reserve): audit only "
        "drawn files, so that the sample stays random",
        at("person_id"),
    )
    first = pd.Series(
        persons.dropna().drop_duplicates().index, index=persons.dropna().drop_duplicates()
    )
    repeated = persons.notna() & persons.duplicated(keep="first")
    for row, person in persons[repeated.to_numpy(dtype=bool)].items():  # only the repeats
        where.add(
            "duplicate_file",
            f"the same file is already on row {first[person]}: each file once",
            sheet=SAMPLE_SHEET,
            row=row,
            column=at("person_id"),
            value=person,
        )
    where.cells(
        services.isna() & present("service_id"),
        services,
        "missing_value",
        "blank: the file's service_id",
        at("service_id"),
    )
    expected = persons.map(people)
    wrong = services.notna() & expected.notna() & (services != expected)
    for row, service in services[wrong.fillna(False).to_numpy(dtype=bool)].items():
        where.add(
            "wrong_service",
            f"file {persons[row]} belongs to service {expected[row]}",
            sheet=SAMPLE_SHEET,
            row=row,
            column=at("service_id"),
            value=service,
        )


def _check_dates(active, formulas, letter_of, period, today, at, where) -> pd.Series:
    """Audit dates as timestamps (NaT where blank); bad, future or too early ones reported."""
    if "audit_date" not in letter_of:
        return pd.Series(pd.NaT, index=active.index, dtype="datetime64[ns]")
    letter = letter_of["audit_date"]
    raw = active[letter].mask(formulas[letter])
    text = _text(raw)
    dates = pd.to_datetime(text, format="ISO8601", errors="coerce").astype("datetime64[ns]")
    dates = dates.dt.normalize()
    where.cells(
        text.notna() & dates.isna(), raw, "wrong_type", "a date like 2026-10-05", at("audit_date")
    )
    where.cells(
        dates > pd.Timestamp(today),
        raw,
        "future_date",
        f"has not happened yet (today is {today:%Y-%m-%d})",
        at("audit_date"),
    )
    where.cells(
        dates < pd.Timestamp(period.start),
        raw,
        "too_early",
        f"before {period.label} began ({period.start:%Y-%m-%d}): an audit of the quarter's "
        "files comes after its start",
        at("audit_date"),
    )
    return dates


def _filled(values: pd.Series, field: str, filler: str) -> list[str]:
    blanks = int(values.isna().sum())
    return [f"{blanks} file(s) had no {field}: recorded {filler}"] if blanks else []


def _reserve_notes(persons: pd.Series, drawn: pd.Series) -> list[str]:
    roles = persons.map(drawn)
    used = persons[(roles == "reserve").fillna(False).to_numpy(dtype=bool)]
    missing = drawn[(drawn == "sample") & ~drawn.index.isin(persons.dropna())].index
    notes = []
    if len(used):
        notes.append(f"reserves used: {', '.join(used)}")
    if len(missing):
        notes.append(
            f"sampled files not on the worksheet (replaced by reserves?): {', '.join(missing)}"
        )
    return notes


# --------------------------------------------------------------------------- ingest


@dataclass(frozen=True)
class IngestResult:
    """What one ingest added to file_audits, for the person who ran it."""

    worksheet: str
    table: str
    quarter: str
    files: int
    rows_added: int
    rows_replaced: int
    results: dict[str, int]
    notes: list[str]

    def summary(self) -> str:
        counts = ", ".join(f"{count} {name}" for name, count in self.results.items())
        lines = [
            f"{self.worksheet}: {self.files} file(s) for {self.quarter} taken in; "
            f"{self.rows_added} result(s) added to {self.table} ({counts})"
            + (f", replacing {self.rows_replaced} earlier result(s)" if self.rows_replaced else "")
        ]
        return "\n".join(lines + [f"  - {note}" for note in self.notes])


def ingest_worksheet(
    worksheet_path: str | Path,
    dataset_path: str | Path,
    *,
    replace: bool = False,
    auditor: str | None = None,
    audit_date: date | None = None,
    quarter: Period | str | None = None,
    calendar_quarters: bool = False,
    today: date | None = None,
    lock_timeout: float = 120,
) -> IngestResult:
    """Take a filled-in worksheet into the dataset's file_audits table.

    Every cell is checked first and every problem reported at once
    (:class:`WorksheetError`); existing results for the same quarter, file
    and criterion are a problem too unless ``replace``. Only a clean
    worksheet is written: into file_audits.csv/.parquet/.xlsx in a dataset
    folder (created as CSV if absent), or the file_audits sheet of a
    one-workbook dataset, always through a temporary file and one rename,
    so a crash leaves the old table whole. The worksheet is never changed.
    The dataset is locked from reading to writing: a second ingest into it
    waits up to ``lock_timeout`` seconds (then :class:`DatasetBusyError`),
    so neither loses the other's rows.
    """
    with dataset_lock(dataset_path, timeout=lock_timeout):
        dataset = load_dataset(dataset_path, today=today, calendar_quarters=calendar_quarters)
        read, problems = _check(worksheet_path, dataset, quarter, auditor, audit_date, today)
        replaced = pd.Index([], dtype="int64")
        if read is not None:
            replaced, conflicts = _existing(dataset, read, replace, str(worksheet_path))
            problems += conflicts
        if problems:
            raise _refuse(worksheet_path, problems)
        assert read is not None
        table = _write_file_audits(dataset, Path(dataset_path), read.rows, replaced)
    counts = read.rows["result"].value_counts().reindex(list(RESULTS), fill_value=0)
    return IngestResult(
        worksheet=str(worksheet_path),
        table=str(table),
        quarter=read.quarter.label,
        files=int(read.rows["person_id"].nunique()),
        rows_added=len(read.rows),
        rows_replaced=len(replaced),
        results={k: int(v) for k, v in counts.items()},
        notes=read.notes + _frame_note(dataset, read),
    )


def _existing(dataset: Dataset, read: WorksheetRead, replace: bool, file: str):
    """Rows of file_audits the worksheet would overwrite, and a problem per file if not allowed."""
    audits = dataset.get("file_audits")
    if audits is None:
        return pd.Index([], dtype="int64"), []
    audits = audits[quarter_mask(audits["quarter"], read.quarter)]
    keys = pd.MultiIndex.from_frame(audits[["person_id", "criterion_id"]].astype(str))
    new = pd.MultiIndex.from_frame(read.rows[["person_id", "criterion_id"]].astype(str))
    clash = audits.index[keys.isin(new)]
    if replace or clash.empty:
        return clash, []
    clashing = audits.loc[clash]
    first_row = read.rows.groupby("person_id")["sheet_row"].min()
    per_file = clashing.groupby("person_id").size()
    source = dataset.sources["file_audits"]
    problems = [
        Problem(
            "already_audited",
            f"file_audits ({source.file}) already has {count} result(s) for this file in "
            f"{read.quarter.label}: ingest again with --replace (replace=True) to overwrite them",
            file=file,
            sheet=SAMPLE_SHEET,
            row=int(first_row[person]),
            column="person_id",
            value=person,
        )
        for person, count in per_file.items()  # one problem per file, not per criterion
    ]
    return clash, problems


def _frame_note(dataset: Dataset, read: WorksheetRead) -> list[str]:
    """A note when the dataset's frame for the quarter is not the one the sample came from."""
    about = read.about
    try:
        frame = sampling_frame(
            dataset,
            read.quarter,
            services=[s for s in about.get("services", "").split(",") if s],
            reviewed_only=about.get("reviewed_only") == "yes",
        )
    except AuditlibError as error:
        return [f"the sampling frame could not be rebuilt to compare: {error}"]
    if frame_fingerprint(frame) == about.get("frame_fingerprint"):
        return []
    return [
        "the dataset's frame for this quarter has changed since the sample was drawn "
        "(people added, ended or moved, or earlier audits changed); the results were still taken in"
    ]


def _new_rows(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[FILE_AUDITS_COLUMNS].reset_index(drop=True)


def _write_file_audits(
    dataset: Dataset, path: Path, rows: pd.DataFrame, replaced: pd.Index
) -> Path:
    source = dataset.sources.get("file_audits")
    new = _new_rows(rows)
    if source is None and path.is_dir():
        target = path / "file_audits.csv"
        _write_csv(target, new, replaced)
    elif source is None:
        target = path
        _write_xlsx(target, None, new, replaced)
    else:
        target = Path(source.file)
        writers = {"csv": _write_csv, "parquet": _write_parquet}
        if source.format in writers:
            writers[source.format](target, new, replaced)
        else:
            _write_xlsx(target, source.sheet or 0, new, replaced)
    return target


def _as_text(new: pd.DataFrame) -> pd.DataFrame:
    text = new.astype(object).where(new.notna(), "")
    text["audit_date"] = new["audit_date"].dt.strftime("%Y-%m-%d")
    return text.astype(str)


def _matched(existing_columns: list[str], new: pd.DataFrame) -> pd.DataFrame:
    """The new rows under the existing table's own column names (matched case-insensitively)."""
    names = {str(c).strip().lower(): c for c in existing_columns}
    return new.rename(columns={c: names.get(c, c) for c in new.columns})


def _write_csv(path: Path, new: pd.DataFrame, replaced: pd.Index) -> None:
    text = _as_text(new)
    bom = False
    if path.exists():
        bom = path.read_bytes()[:3] == b"\xef\xbb\xbf"
        old = pd.read_csv(
            path, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding="utf-8-sig"
        )
        old.index = pd.RangeIndex(2, len(old) + 2)  # row numbers as the loader gives them
        old = old.drop(index=replaced)
        old = old[(old != "").any(axis=1)]
        text = pd.concat([old, _matched(list(old.columns), text)], ignore_index=True).fillna("")
    encoding = "utf-8-sig" if bom else "utf-8"
    atomic_write(path, lambda tmp: text.to_csv(tmp, index=False, encoding=encoding))


def _write_parquet(path: Path, new: pd.DataFrame, replaced: pd.Index) -> None:
    old = pd.read_parquet(path)
    old.index = pd.RangeIndex(2, len(old) + 2)
    old = old.drop(index=replaced)
    new = _matched(list(old.columns), new)
    for column in new.columns.intersection(old.columns):
        new[column] = _like(new[column], old[column])
    table = pd.concat([old, new], ignore_index=True)
    atomic_write(path, lambda tmp: table.to_parquet(tmp, index=False))


def _like(values: pd.Series, existing: pd.Series) -> pd.Series:
    """New values in the form an existing Parquet column keeps them."""
    if pd.api.types.is_datetime64_any_dtype(existing):
        return pd.to_datetime(values).astype(existing.dtype)
    sample = existing.dropna()
    if len(sample) and isinstance(sample.iloc[0], date):
        return pd.to_datetime(values).dt.date
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").astype(existing.dtype)
    return values.astype(existing.dtype)


def _write_xlsx(path: Path, sheet: str | int | None, new: pd.DataFrame, replaced: pd.Index) -> None:
    """Add the rows to a workbook's file_audits sheet (made if absent); refuse if unsafe.

    openpyxl rewrites the whole workbook and cannot keep charts, images,
    pivot tables, unsupported extensions or formulas' last values; a
    workbook holding any of these is refused rather than quietly damaged.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        workbook = openpyxl.load_workbook(path)
    losses = _would_lose(workbook, [str(w.message) for w in caught])
    if losses:
        raise AuditlibError(
            f"{path}: rewriting this workbook to add the results would lose "
            f"{'; '.join(losses)}. Nothing was written. Keep the workbook as it is and make the "
            "dataset a folder (one file per table) to take worksheets in"
        )
    if isinstance(sheet, int):
        ws = workbook.worksheets[sheet]
    elif sheet is not None:
        ws = workbook[sheet]
    else:
        ws = workbook.create_sheet("file_audits")
        for column, name in enumerate(FILE_AUDITS_COLUMNS, start=1):
            write_text_cell(ws, 1, column, name)
    header = [c.value for c in ws[1]]
    names = {str(h).strip().lower(): i for i, h in enumerate(header, start=1) if h is not None}
    for name in FILE_AUDITS_COLUMNS:
        if name not in names:
            names[name] = len(header) + 1
            header.append(name)
            write_text_cell(ws, 1, names[name], name)
    for row in sorted(replaced, reverse=True):  # bottom up, so the row numbers stay true
        ws.delete_rows(int(row))
    start = ws.max_row + 1
    values = new.astype(object).where(new.notna(), None)
    values["audit_date"] = new["audit_date"].dt.to_pydatetime()
    for offset, record in enumerate(values.itertuples(index=False)):
        for name, value in zip(FILE_AUDITS_COLUMNS, record, strict=True):
            write_text_cell(ws, start + offset, names[name], value)
            if name == "audit_date":
                ws.cell(row=start + offset, column=names[name]).number_format = "yyyy-mm-dd"
    atomic_write(path, workbook.save)


def _would_lose(workbook: openpyxl.Workbook, warned: list[str]) -> list[str]:
    """What rewriting the workbook with openpyxl would drop."""
    losses = [w.split(" and will be removed")[0].strip() for w in warned if "removed" in w]
    for ws in workbook.worksheets:
        kinds = [
            ("charts", ws._charts),
            ("images", ws._images),
            ("pivot tables", ws._pivots),
        ]
        losses += [f"{kind} on sheet {ws.title}" for kind, found in kinds if found]
        if any(c.data_type == "f" for row in ws.iter_rows() for c in row):
            losses.append(f"the calculated values of the formulas on sheet {ws.title}")
    return losses
