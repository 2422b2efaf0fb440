"""auditlib: an audit workbench for family and advocate involvement in UK social care."""

from .errors import (
    AuditlibError,
    ChecklistError,
    CompareError,
    DatasetError,
    InputNotFoundError,
    PeriodError,
    Problem,
    RubricError,
    WorksheetError,
)
from .periods import Period, months_of, parse_period, period_containing, quarters_between

__version__ = "0.1.0"

__all__ = [
    "AuditlibError",
    "ChecklistError",
    "CompareError",
    "DatasetError",
    "InputNotFoundError",
    "Period",
    "PeriodError",
    "Problem",
    "RubricError",
    "WorksheetError",
    "__version__",
    "months_of",
    "parse_period",
    "period_containing",
    "quarters_between",
]
