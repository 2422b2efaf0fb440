"""The kinds of report the runner can make, each a notebook with its own parameters.

A kind names its notebook (in ``notebooks/``), the function that checks its
parameters against the loaded dataset, and the words of its manifest. The
runner (:mod:`auditlib.report.runner`) treats every kind alike: the checked
parameters give the folder's name, the manifest's record of what went in,
and the plain values papermill hands the notebook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import ReportError
from .dashboard import read_dashboard_params
from .families import read_families_params
from .params import read_params

__all__ = ["KINDS", "Kind", "RunParams", "kind"]


class RunParams(Protocol):
    """What the runner needs of any kind's checked parameters."""

    audience: str

    @property
    def folder_name(self) -> str: ...

    @property
    def label(self) -> str: ...

    def as_plain(self) -> dict[str, Any]: ...

    def notebook_values(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Kind:
    """One kind of report: its notebook, its parameter check and what its manifest calls it."""

    name: str
    notebook: str
    read_params: Callable[..., RunParams]
    what: str
    template: str = "auditlib"  # the HTML template, in auditlib/report/templates
    cuts: bool = False
    """Its notebook computes on the chosen services' rows alone, so a load may read only those."""


KINDS: dict[str, Kind] = {
    "report": Kind(
        "report",
        "quarterly_report",
        read_params,
        "auditlib quarterly re-audit report",
        cuts=True,
    ),
    "families": Kind(
        "families",
        "families",
        read_families_params,
        "auditlib families' easy-read page: what we learned",
        template="families",
    ),
    "dashboard": Kind(
        "dashboard",
        "monthly_dashboard",
        read_dashboard_params,
        "auditlib monthly governance dashboard",
        template="dashboard",
    ),
}
"""Every kind of report, by the command that makes it."""


def kind(name: str) -> Kind:
    """The kind called ``name``; a ReportError names the known ones otherwise."""
    try:
        return KINDS[name]
    except KeyError:
        raise ReportError(f"no kind of report {name!r}: known are {', '.join(KINDS)}") from None
