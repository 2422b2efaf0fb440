"""The ten-file QA checklist as data: criteria with their wording and self-score dimension.

The default criteria of quality.md ship as ``resources/checklist.csv``; a user
copies it, edits the wording, adds or drops criteria or maps them to other
dimensions, and selects their own file. A checklist file is checked as
strictly as a dataset: every problem at once, with row and column.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from .contract import DIMENSIONS
from .errors import ChecklistError, InputNotFoundError, Problem

__all__ = ["CHECKLIST_COLUMNS", "RESERVED_COLUMNS", "Checklist", "load_checklist"]

CHECKLIST_COLUMNS = ("criterion_id", "wording", "dimension")
# Worksheet columns that are not criteria: a criterion must not take one of these names.
RESERVED_COLUMNS = ("person_id", "service_id", "service_name", "auditor", "audit_date", "notes")
_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$"
_DEFAULT = "checklist.csv"


@dataclass(frozen=True, eq=False)
class Checklist:
    """The criteria in file order: ``table`` has columns criterion_id, wording, dimension.

    ``source`` is the file the criteria came from (``default`` for the
    shipped one), recorded in sampling records and worksheets.
    """

    table: pd.DataFrame
    source: str = "default"

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.table["criterion_id"])

    def __len__(self) -> int:
        return len(self.table)

    def __contains__(self, criterion_id: object) -> bool:
        return criterion_id in self.ids

    def wording(self) -> dict[str, str]:
        """Criterion id to its wording."""
        return dict(zip(self.table["criterion_id"], self.table["wording"], strict=True))

    def fingerprint(self) -> str:
        """A SHA-256 of the criteria, so a worksheet can say exactly which checklist it used."""
        text = self.table[list(CHECKLIST_COLUMNS)].to_csv(index=False, lineterminator="\n")
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_checklist(path: str | Path | None = None) -> Checklist:
    """The default checklist, or the user's own CSV file (UTF-8, one row per criterion).

    Columns criterion_id, wording and dimension are required (names matched
    case-insensitively, extra columns ignored). Ids are short codes
    (letters, digits, ``_ . -``), unique, and not a worksheet column name;
    dimensions are the ten of the self-score grid, written as the data
    contract allows (``Meeting cadence`` = ``meeting_cadence``).
    Raises :class:`ChecklistError` listing every problem.
    """
    if path is None:
        source = resources.files("auditlib") / "resources" / _DEFAULT
        with resources.as_file(source) as default:
            return Checklist(_validated(_read(default), str(default)), "default")
    path = Path(path)
    if not path.is_file():
        raise InputNotFoundError(f"{path}: no such checklist file")
    return Checklist(_validated(_read(path), str(path)), str(path))


def _read(path: Path) -> pd.DataFrame:
    if path.suffix.lower() != ".csv":
        raise ChecklistError(
            f"{path}: a checklist is a CSV file (save it from Excel as 'CSV UTF-8')"
        )
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding="utf-8-sig"
        )
    except UnicodeDecodeError:
        raise ChecklistError(
            f"{path}: the file is not UTF-8 text (save it from Excel as 'CSV UTF-8')"
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        reason = str(error).splitlines()[0] if str(error) else "empty file"
        raise ChecklistError(f"{path}: cannot be read as CSV ({reason})") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    frame = frame.apply(lambda column: column.str.strip())
    return frame[(frame != "").any(axis=1)]


def _validated(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    missing = [c for c in CHECKLIST_COLUMNS if c not in frame.columns]
    if missing:
        problems = [
            Problem("missing_column", f"required column {c} is missing", file=file, column=c)
            for c in missing
        ]
        raise ChecklistError(f"{file}: not a checklist", problems)
    table = frame[list(CHECKLIST_COLUMNS)].copy()
    table["dimension"] = table["dimension"].str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    ids = table["criterion_id"]
    checks = [
        ("criterion_id", ids == "", "missing_value", "blank, but every criterion needs an id"),
        ("wording", table["wording"] == "", "missing_value", "blank: say what the file shows"),
        (
            "dimension",
            table["dimension"] == "",
            "missing_value",
            "blank, but expected one of " + ", ".join(DIMENSIONS),
        ),
        (
            "criterion_id",
            (ids != "") & ~ids.str.match(_ID_PATTERN),
            "bad_id",
            "an id is a short code of letters, digits, '_', '.' or '-' (like Q01)",
        ),
        (
            "criterion_id",
            ids.str.lower().isin(RESERVED_COLUMNS),
            "reserved_id",
            "this name is a worksheet column; choose another id",
        ),
        (
            "criterion_id",
            (ids != "") & ids.str.lower().duplicated(keep="first"),
            "duplicate_key",
            "duplicate criterion_id: each must appear only once (case is ignored)",
        ),
        (
            "dimension",
            (table["dimension"] != "") & ~table["dimension"].isin(DIMENSIONS),
            "unknown_value",
            "one of " + ", ".join(DIMENSIONS),
        ),
    ]
    problems = [
        Problem(
            reason, expected, file=file, row=int(row), column=column, value=frame.at[row, column]
        )
        for column, mask, reason, expected in checks
        for row in table.index[mask.to_numpy(dtype=bool)]
    ]
    if table.empty:
        problems.append(Problem("empty_table", "the checklist has no criteria", file=file))
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        count = len(problems)
        raise ChecklistError(
            f"{file}: {count} problem{'s' if count != 1 else ''} in the checklist", problems
        )
    return table.reset_index(drop=True).astype(str)
