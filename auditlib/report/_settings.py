"""Reading a small settings table (a CSV file the user edits) with the house's messages."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InputNotFoundError, Problem, _ProblemsError

__all__ = ["missing_columns", "read_settings_csv"]


def read_settings_csv(path: Path, error: type[_ProblemsError], what: str) -> pd.DataFrame:
    """Every cell as stripped text, columns lower-case, index = the user's row number.

    The header is row 1; rows with every cell blank are dropped.  A missing
    file raises :class:`InputNotFoundError`; anything unreadable ``error``.
    """
    if not path.is_file():
        raise InputNotFoundError(f"{path}: no such {what} file")
    if path.suffix.lower() != ".csv":
        raise error(f"{path}: a {what} is a CSV file (save it from Excel as 'CSV UTF-8')")
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding="utf-8-sig"
        )
    except UnicodeDecodeError:
        raise error(f"{path}: the file is not UTF-8 text (save it as 'CSV UTF-8')") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as problem:
        reason = str(problem).splitlines()[0] if str(problem) else "empty file"
        raise error(f"{path}: cannot be read as CSV ({reason})") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    frame = frame.apply(lambda column: column.str.strip())
    return frame[(frame != "").any(axis=1)]


def missing_columns(
    frame: pd.DataFrame,
    required: tuple[str, ...],
    file: str,
    error: type[_ProblemsError],
    what: str,
) -> None:
    """Raise ``error`` naming every required column the file lacks."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        problems = [
            Problem("missing_column", f"required column {c} is missing", file=file, column=c)
            for c in missing
        ]
        raise error(f"{file}: not a {what}", problems)
