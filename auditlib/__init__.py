"""auditlib: an audit workbench for family and advocate involvement in UK social care."""

from .checklist import Checklist, load_checklist
from .compare import compare
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
from .evidence import assured_involvement_paragraph, evidence_statements
from .grid import grid_totals, self_score_grid
from .metrics import METRICS, compute_metrics
from .periods import Period, months_of, parse_period, period_containing, quarters_between
from .qa import compliance, file_completeness
from .rubric import Rubric, load_rubric
from .sampling import Sample, draw_sample, sampling_frame
from .trends import metric_trends, trend_charts, trend_summary
from .validation import load_dataset, validate_dataset
from .worksheet import (
    IngestResult,
    ingest_worksheet,
    read_worksheet,
    save_sample,
    write_worksheet,
)

__version__ = "0.1.0"

__all__ = [
    "METRICS",
    "AuditlibError",
    "Checklist",
    "ChecklistError",
    "CompareError",
    "Dataset",
    "DatasetError",
    "IngestResult",
    "InputNotFoundError",
    "Period",
    "PeriodError",
    "Problem",
    "Rubric",
    "RubricError",
    "Sample",
    "SpcError",
    "WorksheetError",
    "__version__",
    "assured_involvement_paragraph",
    "compare",
    "compliance",
    "compute_metrics",
    "draw_sample",
    "evidence_statements",
    "file_completeness",
    "grid_totals",
    "ingest_worksheet",
    "load_checklist",
    "load_dataset",
    "load_rubric",
    "metric_trends",
    "months_of",
    "parse_period",
    "period_containing",
    "quarters_between",
    "read_worksheet",
    "sampling_frame",
    "save_sample",
    "self_score_grid",
    "trend_charts",
    "trend_summary",
    "validate_dataset",
    "write_worksheet",
]
