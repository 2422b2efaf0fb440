"""The quarterly re-audit report as data: every section's tables, sentences and figures.

:func:`build_report` computes each number once (metrics for the quarter and its
baseline, trends by month, the ten-file QA, the grid, before/after, the
evidence sentences) and assembles the sections in the order of the report
(workflows.md), already cut to the audience: nothing a ``shared`` or
``public`` reader may not see is ever put in a :class:`Report`, so no notebook
cell has anything to remove.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from html import escape
from typing import Any

import pandas as pd

from ..compare import compare
from ..dataset import Dataset
from ..evidence import assured_involvement_paragraph, evidence_statements
from ..grid import self_score_grid
from ..qa import compliance, file_completeness
from ..rubric import Rubric, load_rubric
from ..scope import restrict, scoped_metrics
from ..trends import metric_trends
from .blocks import Section
from .params import ReportParams

__all__ = ["SECTION_TITLES", "Report", "build_report"]

SECTION_TITLES: dict[str, str] = {
    "board": "Board summary",
    "paragraph": "1. Assured involvement",
    "qa": "2. Ten-file QA",
    "grid": "3. The self-score grid",
    "dashboard": "4. The dashboard",
    "before_after": "5. Before and after",
    "plan": "6. The re-audit plan",
    "cqc": "Evidence by CQC quality statement",
    "methods": "7. Methods and provenance",
}
"""Every section of the report, in order, by key."""

TREND_MONTHS = 24
"""Months of history on each trend chart."""


@dataclass
class Inputs:
    """The numbers behind one report, computed once and shared by every section."""

    data: Dataset
    params: ReportParams
    rubric: Rubric = field(default_factory=load_rubric)

    @property
    def wanted(self) -> list[str] | None:
        return None if self.params.services is None else list(self.params.services)

    @property
    def internal(self) -> bool:
        return self.params.audience == "internal"

    @property
    def public(self) -> bool:
        return self.params.audience == "public"

    @cached_property
    def scoped(self) -> Dataset:
        """The chosen services' rows, cut once: every section computes on these alone.

        ``data`` stays whole for what names the dataset itself (its
        fingerprint, its first meeting, the service names).
        """
        return restrict(self.data, self.wanted)

    @cached_property
    def metrics(self) -> pd.DataFrame:
        """Every metric for the chosen services and ALL, in the baseline and the quarter."""
        p = self.params
        return scoped_metrics(
            self.scoped, [p.baseline, p.quarter], as_of=p.as_of, services=self.wanted
        )

    @cached_property
    def quarter_metrics(self) -> pd.DataFrame:
        return self.metrics[self.metrics["period"] == self.params.quarter.label]

    @cached_property
    def shown_metrics(self) -> pd.DataFrame:
        """The quarter's metrics as the audience reads them (every service and ALL at once)."""
        from .publish import publish_metrics

        return publish_metrics(self.quarter_metrics, public=self.public)

    @cached_property
    def shown_qa(self) -> pd.DataFrame | None:
        from .publish import publish_qa

        return None if self.qa is None else publish_qa(self.qa, public=self.public)

    @cached_property
    def shown_changes(self) -> pd.DataFrame:
        from .publish import publish_compare

        return publish_compare(self.changes, public=self.public)

    @cached_property
    def trends(self):
        p = self.params
        return metric_trends(
            self.scoped, p.quarter, months=TREND_MONTHS, services=self.wanted, as_of=p.as_of,
            targets=self.targets.dropna().to_dict(),
        )  # fmt: skip

    @cached_property
    def targets(self) -> pd.Series:
        """Each metric's target (NaN where it has none), from the editable targets file."""
        from .board import load_targets

        return load_targets()

    @cached_property
    def has_audits(self) -> bool:
        return "file_audits" in self.data

    @cached_property
    def qa(self) -> pd.DataFrame | None:
        if not self.has_audits:
            return None
        return compliance(self.scoped, self.params.quarter, services=self.wanted)

    @cached_property
    def files(self) -> pd.DataFrame | None:
        if not self.has_audits:
            return None
        return file_completeness(self.scoped, self.params.quarter, services=self.wanted)

    @cached_property
    def grid(self) -> pd.DataFrame:
        p = self.params
        return self_score_grid(
            self.scoped, p.quarter, rubric=self.rubric, as_of=p.as_of, services=self.wanted,
            metrics=self.quarter_metrics,
        )  # fmt: skip

    @cached_property
    def changes(self) -> pd.DataFrame:
        p = self.params
        return compare(
            self.scoped, p.baseline, p.quarter, as_of=p.as_of, services=self.wanted,
            metrics=self.metrics,
        )  # fmt: skip

    @cached_property
    def sentences(self) -> pd.DataFrame:
        p = self.params
        return evidence_statements(
            self.scoped, p.quarter, baseline=p.baseline, as_of=p.as_of, services=self.wanted,
            audience="public" if self.public else "shared", metrics=self.metrics,
        )  # fmt: skip

    @cached_property
    def paragraph(self) -> str:
        p = self.params
        return assured_involvement_paragraph(
            self.scoped, p.quarter, baseline=p.baseline, as_of=p.as_of, services=self.wanted,
            audience="public" if self.public else "shared", metrics=self.metrics,
        )  # fmt: skip

    @cached_property
    def place(self) -> str:
        names = self.data.services.set_index("service_id")["service_name"]
        chosen = self.wanted or list(names.index)
        if len(chosen) == 1:
            return str(names[chosen[0]])
        if len(chosen) <= 4:
            shown = [str(names[s]) for s in chosen]
            return ", ".join(shown[:-1]) + f" and {shown[-1]}"
        return f"{len(chosen)} services"


@dataclass
class Report:
    """A built report: its parameters, title lines and sections in order."""

    params: ReportParams
    title: str
    subtitle: str
    sections: dict[str, Section]
    provenance: dict[str, Any]

    def __iter__(self) -> Iterator[Section]:
        return iter(self.sections.values())

    def section(self, key: str) -> Section:
        """One section by key (see :data:`SECTION_TITLES`), to show in a notebook cell."""
        try:
            return self.sections[key]
        except KeyError:
            known = ", ".join(self.sections)
            raise KeyError(f"no section {key!r}: the report has {known}") from None

    def header(self) -> _Header:
        """The report's title block, to show in the notebook's first output."""
        return _Header(self.title, self.subtitle, self.params.audience)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The data behind every table and chart, by name, in report order."""
        return {b.name: b.data for s in self for b in s.tables()}

    def save_tables(self, folder: str) -> None:
        """Write the tables (CSV and one workbook) and provenance into ``folder``; blank: none."""
        if folder:
            from .outputs import save_tables

            save_tables(self, folder)


@dataclass(frozen=True)
class _Header:
    title: str
    subtitle: str
    audience: str

    def _repr_html_(self) -> str:
        badge = {
            "internal": "Internal: contains pseudonymous ids and QA notes. Do not share.",
            "shared": "For sharing: no person or staff ids, no free-text notes.",
            "public": "For publication: no ids, no notes, and counts from 1 to 7 hidden.",
        }[self.audience]
        return (
            f'<header><h1>{escape(self.title)}</h1><p class="subtitle">{escape(self.subtitle)}'
            f'</p><p class="audience audience-{self.audience}">{escape(badge)}</p></header>'
        )


def build_report(data: Dataset, params: ReportParams) -> Report:
    """Everything the quarterly report shows, for ``params``' quarter, services and audience."""
    from . import sections  # the section builders, one function each

    inputs = Inputs(data, params)
    built = {key: getattr(sections, key)(inputs, title) for key, title in SECTION_TITLES.items()}
    p = params
    title = f"Quarterly re-audit: {inputs.place}, {p.quarter.label}"
    subtitle = (
        f"{p.quarter} against {p.baseline}; data as of {_day(p.as_of)}. "
        f"Made by auditlib from dataset {data.fingerprint()[:12]}."
    )
    return Report(p, title, subtitle, built, sections.provenance(inputs))


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
