"""Finding and reading a dataset's tables as the user wrote them, before any typing.

A dataset is a folder with one CSV, Parquet or XLSX file per table, or one
XLSX workbook with a sheet per table. Each raw table comes back with its rows
indexed by the row number the user sees (header = row 1) and its column names
matched case-insensitively after trimming spaces. Reading problems (a file
that cannot be read, a table in two formats) are collected, never raised one
at a time. Input files are only ever opened for reading.
"""

from __future__ import annotations

import csv as csv_module
import stat
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .contract import TABLES
from .dataset import Source
from .errors import InputNotFoundError, Problem

__all__ = ["RawTable", "read_tables", "table_files"]

_FORMATS = {".csv": "csv", ".parquet": "parquet", ".xlsx": "xlsx"}


@dataclass
class RawTable:
    name: str
    frame: pd.DataFrame
    source: Source


def read_tables(path: str | Path) -> tuple[dict[str, RawTable], list[Problem]]:
    """Read every contract table found at ``path`` (a folder or one workbook)."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputNotFoundError(f"{path}: no such dataset folder or workbook") from None
    except OSError as error:  # a symbolic link loop, a path under a file, no permission
        return {}, [_unreadable(None, path, None, error)]
    if stat.S_ISDIR(mode):
        try:
            return _read_folder(path)
        except OSError as error:  # the folder itself cannot be listed
            return {}, [_unreadable(None, path, None, error)]
    if path.suffix.lower() == ".xlsx":
        return _read_workbook(path)
    problem = Problem(
        "unreadable",
        "a dataset is a folder of table files or one .xlsx workbook with a sheet per table",
        file=str(path),
    )
    return {}, [problem]


def table_files(path: str | Path) -> list[Path]:
    """The files a load of ``path`` reads: the workbook itself, or a folder's table files.

    A folder's are every entry named as a contract table in a known format,
    in name order (whether or not it is a readable file: one that is not is
    a problem, never an absent table). Raises ``OSError`` when ``path``
    cannot be looked at or listed.
    """
    path = Path(path)
    if not stat.S_ISDIR(path.stat().st_mode):
        return [path]
    return [
        file
        for file in sorted(path.iterdir())
        if file.suffix.lower() in _FORMATS and file.stem.strip().lower() in TABLES
    ]


def _read_folder(folder: Path) -> tuple[dict[str, RawTable], list[Problem]]:
    found: dict[str, list[Path]] = {}
    problems = []
    for file in table_files(folder):
        name = file.stem.strip().lower()
        trouble = _not_a_file(file)
        if trouble:  # named as a table: never read as "absent"
            problems.append(_unreadable(name, file, None, trouble))
        else:
            found.setdefault(name, []).append(file)
    tables = {}
    for name, files in found.items():
        if len(files) > 1:
            listed = ", ".join(f.name for f in files)
            problems.append(
                Problem(
                    "ambiguous_table",
                    f"table {name} is found in more than one file ({listed}): keep only one",
                    table=name,
                    file=str(files[0]),
                )
            )
            continue
        file = files[0]
        fmt = _FORMATS[file.suffix.lower()]
        try:
            frame = _READERS[fmt](file)
        except Exception as error:  # any reader failure is the file's, reported with its name
            problems.append(_unreadable(name, file, None, error))
            continue
        tables[name] = RawTable(name, _tidy(frame, fmt), Source(str(file), None, fmt))
    return tables, problems


def _not_a_file(file: Path) -> OSError | None:
    """Why a path named like a table is not a readable regular file, or None when it is."""
    try:
        mode = file.stat().st_mode  # follows symbolic links: a loop or a dangling link fails here
    except OSError as error:
        return error
    if stat.S_ISDIR(mode):
        return IsADirectoryError(f"{file.name} is a folder, not a file")
    if not stat.S_ISREG(mode):
        return OSError(f"{file.name} is not a regular file")
    return None


def _read_workbook(path: Path) -> tuple[dict[str, RawTable], list[Problem]]:
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object, engine="openpyxl")
    except Exception as error:
        return {}, [_unreadable(None, path, None, error)]
    tables, problems = {}, []
    for sheet, cells in sheets.items():
        frame = _with_header(cells)
        name = str(sheet).strip().lower()
        if name not in TABLES:
            continue
        if name in tables:
            problems.append(
                Problem(
                    "ambiguous_table",
                    f"two sheets are named {name}: keep only one",
                    table=name,
                    file=str(path),
                    sheet=str(sheet),
                )
            )
            continue
        tables[name] = RawTable(name, _tidy(frame, "xlsx"), Source(str(path), str(sheet), "xlsx"))
    return tables, problems


def _read_csv(file: Path) -> pd.DataFrame:
    """Every cell as text, as written: typing is the validator's job, so that a bad value is
    reported exactly as the user wrote it.

    Arrow's reader is the fast path; a file it refuses (a blank line, a row with
    more or fewer cells than the header, text that is not UTF-8) is read by
    pandas, which keeps blank lines so that row numbers match what the user
    sees in a text editor or spreadsheet, and whose errors name the line.
    """
    try:
        cells = _read_csv_arrow(file)
    except Exception:  # any refusal: the careful path reads it, or says why not
        cells = _read_csv_text(file)
    return _with_header(cells)


def _read_csv_arrow(file: Path) -> pd.DataFrame:
    import pyarrow as pa
    from pyarrow import csv

    with open(file, encoding="utf-8-sig", newline="") as handle:
        width = len(next(csv_module.reader(handle), []))
    if not width:
        raise ValueError("no header row")
    names = [f"f{number}" for number in range(width)]
    data = file.read_bytes()
    # A line break inside a value needs quotes around it; a file with no quote at all can be
    # cut into blocks at any line break, which reads it about twice as fast.
    quoted = b'"' in data
    table = csv.read_csv(
        pa.BufferReader(data),
        read_options=csv.ReadOptions(column_names=names, encoding="utf8"),
        parse_options=csv.ParseOptions(newlines_in_values=quoted, ignore_empty_lines=False),
        convert_options=csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()),  # pandas' own string layout
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    return table.to_pandas(types_mapper={pa.large_string(): pd.StringDtype("pyarrow")}.get)


def _read_csv_text(file: Path) -> pd.DataFrame:
    return pd.read_csv(
        file,
        header=None,
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        skip_blank_lines=False,
        encoding="utf-8-sig",
        engine="c",
    )


def _read_parquet(file: Path) -> pd.DataFrame:
    return pd.read_parquet(file)


def _read_xlsx(file: Path) -> pd.DataFrame:
    cells = pd.read_excel(file, sheet_name=0, header=None, dtype=object, engine="openpyxl")
    return _with_header(cells)


def _with_header(cells: pd.DataFrame) -> pd.DataFrame:
    """The first row as the column names, exactly as written.

    pandas would rename a repeated header (``service_id``, ``service_id.1``),
    hiding a second column from the duplicate check; reading the header as a
    row keeps both, so an ambiguous table is refused rather than half-read.
    """
    if cells.empty:
        return pd.DataFrame()
    names = [
        f"unnamed: {number}" if pd.isna(name) else str(name)
        for number, name in enumerate(cells.iloc[0], start=1)
    ]
    frame = cells.iloc[1:].reset_index(drop=True)
    frame.columns = names
    return frame


_READERS = {"csv": _read_csv, "parquet": _read_parquet, "xlsx": _read_xlsx}


def _tidy(frame: pd.DataFrame, fmt: str) -> pd.DataFrame:
    """Row numbers as the user sees them; column names trimmed and lower-cased; blank rows gone."""
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    if fmt != "parquet" and len(frame.columns):
        written = frame.notna().any(axis=1)
        if not written.all():  # filtering copies every column: only when there is a blank row
            frame = frame[written]
    return frame


def _unreadable(table: str | None, file: Path, sheet: str | None, error: Exception) -> Problem:
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    if isinstance(error, OSError) and error.strerror:
        reason = error.strerror  # "Permission denied", not the errno and the path again
    if isinstance(error, UnicodeDecodeError):
        reason = "the file is not UTF-8 text (save it as 'CSV UTF-8')"
    return Problem(
        "unreadable",
        f"cannot be read ({reason})",
        table=table,
        file=str(file),
        sheet=sheet,
    )
