"""auditlib: an audit workbench for family and advocate involvement in UK social care.

The public API is imported on first use (PEP 562), so that ``import auditlib`` and
``auditlib --help`` stay instant: pandas, scipy, pandera and openpyxl load only when a
name that needs them is first touched.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_HOME: dict[str, str] = {
    "Checklist": "checklist",
    "load_checklist": "checklist",
    "compare": "compare",
    "Dataset": "dataset",
    "AuditlibError": "errors",
    "ChecklistError": "errors",
    "CompareError": "errors",
    "DatasetError": "errors",
    "InputNotFoundError": "errors",
    "PeriodError": "errors",
    "Problem": "errors",
    "RubricError": "errors",
    "SpcError": "errors",
    "WorksheetError": "errors",
    "assured_involvement_paragraph": "evidence",
    "evidence_statements": "evidence",
    "grid_totals": "grid",
    "self_score_grid": "grid",
    "METRICS": "metrics",
    "compute_metrics": "metrics",
    "Period": "periods",
    "months_of": "periods",
    "parse_period": "periods",
    "period_containing": "periods",
    "quarters_between": "periods",
    "compliance": "qa",
    "file_completeness": "qa",
    "Rubric": "rubric",
    "load_rubric": "rubric",
    "Sample": "sampling",
    "draw_sample": "sampling",
    "sampling_frame": "sampling",
    "metric_trends": "trends",
    "trend_charts": "trends",
    "trend_summary": "trends",
    "load_dataset": "validation",
    "validate_dataset": "validation",
    "IngestResult": "worksheet",
    "ingest_worksheet": "worksheet",
    "read_worksheet": "worksheet",
    "save_sample": "worksheet",
    "write_worksheet": "worksheet",
}
"""Where each public name lives."""

if TYPE_CHECKING:  # for type checkers and editors; at run time names load on first use
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


class _Package(ModuleType):
    """The package, keeping an API function whose name is also its module's (``compare``).

    Importing a submodule sets it as an attribute of the package; for
    ``auditlib.compare`` that would hide the function ``compare`` behind the
    module ``auditlib.compare`` once anything had imported it. The module
    stays reachable as ``sys.modules["auditlib.compare"]`` and by ``from
    auditlib.compare import ...``.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _HOME and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])


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
