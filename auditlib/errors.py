"""Every exception the workbench raises on purpose, drawn in one place.

Each subclasses :class:`AuditlibError` *and* the built-in it resembles
(``ValueError`` for bad input, ``FileNotFoundError`` for a missing path), so a
caller can catch either.  Errors about a user's input carry a list of
:class:`Problem` records: a machine-readable ``reason`` behind a
human-readable ``message``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = [
    "AuditlibError",
    "ChecklistError",
    "CompareError",
    "CqcMappingError",
    "DatasetBusyError",
    "DatasetError",
    "InputNotFoundError",
    "OutputError",
    "PeriodError",
    "Problem",
    "ReportError",
    "RubricError",
    "SpcError",
    "TargetsError",
    "WorksheetError",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a user's input, located as the user sees it.

    ``row`` is the row number in the user's file (the header is row 1);
    ``key`` the dotted key in a settings file such as the rubric;
    ``reason`` is a stable code (``wrong_type``, ``unknown_value``, ...).
    """

    reason: str
    expected: str
    table: str | None = None
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: object = None
    key: str | None = None

    @property
    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file + (f" [sheet {self.sheet}]" if self.sheet else ""))
        elif self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.table and (not self.file or self.table not in self.file):
            parts.append(f"table {self.table}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        if self.key:
            parts.append(f"key {self.key}")
        return ", ".join(parts)

    @property
    def message(self) -> str:
        text = self.expected
        if self.value is not None and self.value != "":
            text = f"{_show(self.value)}: {text}"
        where = self.where
        return f"{where}: {text}" if where else text

    def to_dict(self) -> dict:
        record = asdict(self)
        record["value"] = None if self.value is None else str(self.value)
        record["message"] = self.message
        return record


def _show(value: object) -> str:
    text = str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return repr(text)


class AuditlibError(Exception):
    """Base class: anything the workbench reports to a user on purpose."""


class InputNotFoundError(AuditlibError, FileNotFoundError):
    """A dataset, worksheet or settings file that does not exist."""


class _ProblemsError(AuditlibError, ValueError):
    """Bad input found in one pass: every problem at once, never the first only."""

    def __init__(self, summary: str, problems: list[Problem] | None = None):
        self.summary = summary
        self.problems = list(problems or [])
        super().__init__(self.report())

    def report(self, limit: int | None = 200) -> str:
        """The summary line followed by one line per problem."""
        lines = [self.summary]
        shown = self.problems if limit is None else self.problems[:limit]
        lines += [f"  - {p.message}" for p in shown]
        if limit is not None and len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more problems")
        return "\n".join(lines)


class DatasetError(_ProblemsError):
    """A dataset that does not meet the data contract."""


class WorksheetError(_ProblemsError):
    """A filled-in auditor worksheet that cannot be taken back in."""


class ChecklistError(_ProblemsError):
    """A QA checklist file that is malformed."""


class RubricError(_ProblemsError):
    """A self-score grid rubric file that is malformed."""


class CqcMappingError(_ProblemsError):
    """A mapping of measures to CQC quality statements that is malformed or incomplete."""


class TargetsError(_ProblemsError):
    """A file of dashboard metric targets that is malformed."""


class PeriodError(AuditlibError, ValueError):
    """A period label or date range that cannot be understood."""


class SpcError(AuditlibError, ValueError):
    """An SPC request that cannot be carried out as asked (bad columns, options or keys)."""


class CompareError(AuditlibError, ValueError):
    """A before/after comparison that cannot be made as asked."""


class ReportError(AuditlibError, ValueError):
    """A report that cannot be made as asked: a bad parameter, output folder or kernel.

    ``section`` names the report section whose cell failed, when one did.
    """

    def __init__(self, message: str, *, section: str | None = None):
        self.section = section
        super().__init__(message)


class OutputError(AuditlibError, OSError):
    """An output that cannot be written where asked, or must not be (over the data it reads)."""


class DatasetBusyError(AuditlibError, TimeoutError):
    """A dataset another command holds locked for writing past the time allowed to wait."""
