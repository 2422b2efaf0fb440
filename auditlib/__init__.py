"""auditlib: an audit workbench for family and advocate involvement in UK social care."""

from .checklist import Checklist, load_checklist
from .dataset import Dataset
from .errors import (
    AuditlibError,
    ChecklistError,
    CompareError,
    DatasetError,
    InputNotFoundError,
    PeriodError,
    Problem,
    RubricError,
    SpcError,
    WorksheetError,
)
from .metrics import METRICS, compute_metrics
from .periods import Period, months_of, parse_period, period_containing, quarters_between
from .qa import compliance, file_completeness
from .validation import load_dataset, validate_dataset

__version__ = "0.1.0"

__all__ = [
    "METRICS",
    "AuditlibError",
    "Checklist",
    "ChecklistError",
    "CompareError",
    "Dataset",
    "DatasetError",
    "InputNotFoundError",
    "Period",
    "PeriodError",
    "Problem",
    "RubricError",
    "SpcError",
    "WorksheetError",
    "__version__",
    "compliance",
    "compute_metrics",
    "file_completeness",
    "load_checklist",
    "load_dataset",
    "months_of",
    "parse_period",
    "period_containing",
    "quarters_between",
    "validate_dataset",
]
