"""What the report notebook calls: one function from its parameters to a built report.

The notebook stays thin: its first cell holds the parameters (papermill's
``parameters`` tag), its second calls :func:`open_report`, and every later cell
shows one section. The same checks run here as on the command line.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..dataset import Dataset
from ..errors import ReportError
from ..snapshot import open_dataset
from .model import Report, build_report
from .params import read_params, service_ids

__all__ = ["notebook_dataset", "open_report"]


def notebook_dataset(
    dataset: Any, *, today: date | None, parameters: dict, services: list[str] | None = None
) -> Dataset:
    """The dataset a notebook's ``dataset`` parameter names, through the snapshot cache.

    ``services``: only their rows (see :func:`~auditlib.snapshot.open_dataset`).
    """
    if not isinstance(dataset, str) or not dataset.strip():
        raise ReportError(f"parameter dataset must be a path (text), got {dataset!r}")
    calendar = parameters.get("calendar_quarters", False) is True
    return open_dataset(dataset.strip(), today=today, calendar_quarters=calendar, services=services)


def open_report(dataset: Any, *, today: date | None = None, **parameters: Any) -> Report:
    """Load ``dataset``, check the parameters (as papermill passes them) and build the report.

    The report computes on the chosen services alone, so only their rows are loaded.
    """
    services = service_ids(parameters.get("services", ""))
    data = notebook_dataset(dataset, today=today, parameters=parameters, services=services)
    return build_report(data, read_params(data, today=today, **parameters))
