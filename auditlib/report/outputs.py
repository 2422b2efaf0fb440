"""The tables behind a report, as CSV files and one Excel workbook for consultants.

Every table and chart of a :class:`~auditlib.report.model.Report` gives its
data (already cut to the audience) as ``tables/<name>.csv`` and as one sheet
of ``tables.xlsx``. Neither can run a formula: the CSV goes through
:func:`auditlib.files.csv_text` (a leading apostrophe, as OWASP advises) and
text cells are stored as text, with Excel's quote prefix, in the workbook.
``report.json`` records the report's provenance for the run's manifest.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..files import atomic_write, csv_text, write_text_atomic

if TYPE_CHECKING:
    from .model import Report

__all__ = ["save_tables"]

_SHEET_NAME = 31  # Excel's limit


def save_tables(report: Report, folder: str | Path) -> dict[str, Any]:
    """Write every table as CSV and into one workbook, and the provenance, under ``folder``."""
    folder = Path(folder)
    tables = report.tables()
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        text = csv_text(_plain(table), date_format="%Y-%m-%d")
        write_text_atomic(folder / "tables" / f"{name}.csv", text)
    atomic_write(folder / "tables.xlsx", lambda tmp: _workbook(tables, tmp))
    record = {
        "sections": list(report.sections),
        "tables": list(tables),
        "provenance": {k: v for k, v in report.provenance.items() if k != "shown"},
        "title": report.title,
    }
    write_text_atomic(folder / "report.json", json.dumps(record, indent=1, default=str))
    return record


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    """A table with plain cells: no HTML, floats rounded clear of floating-point dust."""
    out = table.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].round(10)
    return out


def _workbook(tables: dict[str, pd.DataFrame], path: Path) -> None:
    from openpyxl import Workbook

    from ..worksheet import write_text_cell

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for name, table in tables.items():
        sheet = book.create_sheet(_sheet_name(name, used))
        plain = _plain(table)
        for column, header in enumerate(plain.columns, start=1):
            write_text_cell(sheet, 1, column, str(header))
        for row, values in enumerate(plain.itertuples(index=False), start=2):
            for column, value in enumerate(values, start=1):
                write_text_cell(sheet, row, column, _excel_value(value))
    book.save(path)


def _excel_value(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:_SHEET_NAME]
    candidate, number = base, 1
    while candidate in used:
        number += 1
        suffix = f"~{number}"
        candidate = base[: _SHEET_NAME - len(suffix)] + suffix
    used.add(candidate)
    return candidate
