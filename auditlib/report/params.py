"""The report's parameters, checked once for the command line and the notebook alike.

Papermill hands a notebook its parameters as plain strings, numbers and
booleans; :func:`read_params` turns them into a :class:`ReportParams` of real
periods and dates, or refuses them with a :class:`~auditlib.errors.ReportError`
that names the parameter, what it got and what it expects. The command line
calls the same function before any kernel starts, so a bad quarter or service
is refused before a notebook runs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..dataset import Dataset
from ..errors import AuditlibError, ReportError
from ..periods import Period, last_complete_quarter, parse_period
from ..sampling import select_services

__all__ = ["AUDIENCES", "ReportParams", "read_params", "service_ids"]

AUDIENCES = ("internal", "shared", "public")
"""Who a report is for (quality.md, "Audiences")."""


@dataclass(frozen=True)
class ReportParams:
    """Everything that decides what a report says, checked.

    ``services`` is None for every service; ``baseline`` defaults to the
    quarter before ``quarter``; ``sample_record`` is the sampling record
    (JSON, from ``auditlib sample``) of the quarter's ten-file QA, if given.
    """

    dataset: str
    quarter: Period
    baseline: Period
    services: tuple[str, ...] | None
    as_of: date
    audience: str
    calendar_quarters: bool = False
    sample_record: dict[str, Any] | None = None
    sample_record_file: str | None = None

    @property
    def scope_slug(self) -> str:
        """A file-name-safe word for the services covered: ``all``, ``S-001`` or a hash."""
        if self.services is None:
            return "all"
        if len(self.services) <= 3:
            return "+".join(re.sub(r"[^A-Za-z0-9_-]+", "-", s) for s in self.services)
        digest = hashlib.sha256(",".join(self.services).encode()).hexdigest()[:8]
        return f"{len(self.services)}-services-{digest}"

    @property
    def folder_name(self) -> str:
        """The report folder's name: quarter, scope and audience."""
        quarter = re.sub(r"[^A-Za-z0-9]+", "-", self.quarter.label).strip("-")
        return f"{quarter}_{self.scope_slug}_{self.audience}"

    @property
    def label(self) -> str:
        """How progress lines name the run."""
        return f"{self.quarter.label} ({self.audience})"

    def notebook_values(self) -> dict[str, Any]:
        """The checked parameters as the plain values papermill passes to the notebook."""
        record = self.sample_record_file
        return {
            "dataset": str(Path(self.dataset).resolve()),
            "quarter": self.quarter.label,
            "baseline": self.baseline.label,
            "services": "" if self.services is None else ",".join(self.services),
            "as_of": self.as_of.isoformat(),
            "audience": self.audience,
            "calendar_quarters": self.calendar_quarters,
            "sample_record": str(Path(record).resolve()) if record else "",
        }

    def as_plain(self) -> dict[str, Any]:
        """The parameters as JSON-ready values, for the manifest."""
        plain = asdict(self)
        plain.pop("sample_record")
        plain["quarter"] = self.quarter.label
        plain["quarter_dates"] = [self.quarter.start.isoformat(), self.quarter.end.isoformat()]
        plain["baseline"] = self.baseline.label
        plain["baseline_dates"] = [self.baseline.start.isoformat(), self.baseline.end.isoformat()]
        plain["services"] = None if self.services is None else list(self.services)
        plain["as_of"] = self.as_of.isoformat()
        return plain


def read_params(
    data: Dataset,
    *,
    quarter: Any = "latest",
    baseline: Any = "",
    services: Any = "",
    as_of: Any = "",
    audience: Any = "internal",
    calendar_quarters: Any = False,
    sample_record: Any = "",
    today: date | None = None,
) -> ReportParams:
    """Check the report's parameters against the loaded dataset ``data``.

    Each parameter may arrive as papermill gives it (text, a number, a
    boolean, a list for ``services``). Blank text means the default: the
    latest complete quarter, the quarter before it, every service, today.
    """
    calendar = _flag(calendar_quarters, "calendar_quarters")
    day = _as_of(as_of, today or date.today())
    period = _quarter(quarter, day, calendar, data)
    base = _baseline(baseline, period, calendar)
    chosen = _services(services, data)
    who = _text(audience, "audience") or "internal"
    if who not in AUDIENCES:
        raise ReportError(f"audience {who!r}: expected one of {', '.join(AUDIENCES)}")
    record, record_file = _sample_record(sample_record, period)
    return ReportParams(
        dataset=str(data.path),
        quarter=period,
        baseline=base,
        services=chosen,
        as_of=day,
        audience=who,
        calendar_quarters=calendar,
        sample_record=record,
        sample_record_file=record_file,
    )


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ReportError(f"parameter {name} must be text, got {value!r} ({type(value).__name__})")
    return value.strip()


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no", ""):
        return value.strip().lower() in ("true", "yes")
    raise ReportError(f"parameter {name} must be true or false, got {value!r}")


def _as_of(value: Any, today: date) -> date:
    if isinstance(value, date):
        day = value
    else:
        text = _text(value, "as_of")
        if not text:
            return today
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ReportError(f"as_of {text!r} is not a date like 2026-10-31") from None
    if day > today:
        raise ReportError(
            f"as_of {day.isoformat()} is after today ({today.isoformat()}): the data cannot be "
            "read as it will stand in the future"
        )
    return day


def _period(value: Any, name: str, calendar: bool) -> Period:
    text = value.label if isinstance(value, Period) else _text(value, name)
    try:
        period = parse_period(text, calendar_quarters=calendar)
    except AuditlibError as error:
        raise ReportError(f"{name}: {error}") from None
    if period.kind != "quarter":
        raise ReportError(f"{name} must be a quarter like 2026/27 Q2, not the month {text}")
    return period


def _quarter(value: Any, as_of: date, calendar: bool, data: Dataset) -> Period:
    text = value.label if isinstance(value, Period) else _text(value, "quarter")
    if text.lower() in ("", "latest"):
        period = last_complete_quarter(as_of, financial=not calendar)
    else:
        period = _period(text, "quarter", calendar)
    if period.start > as_of:
        raise ReportError(
            f"quarter {period} starts after the as-of date {as_of.isoformat()}: nothing in it "
            "has happened yet"
        )
    first = data.first_meeting_date()  # the whole dataset's, for a load of chosen services
    if first is not None and period.end < first:
        raise ReportError(
            f"quarter {period} ends before the dataset's first meeting "
            f"({first.isoformat()}): there is no data for it"
        )
    return period


def _baseline(value: Any, quarter: Period, calendar: bool) -> Period:
    text = value.label if isinstance(value, Period) else _text(value, "baseline")
    if not text:
        return quarter.previous()
    base = _period(text, "baseline", calendar)
    if base.start >= quarter.start:
        same = "the same quarter as" if base.start == quarter.start else "after"
        raise ReportError(
            f"baseline {base} is {same} the quarter {quarter}: the baseline must be an "
            "earlier quarter"
        )
    return base


def service_ids(value: Any) -> list[str] | None:
    """The ``services`` parameter as ids (None for every service), not yet checked."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        names = [_text(v, "services") for v in value]
    else:
        names = _text(value, "services").split(",")
    names = [n.strip() for name in names for n in name.split(",") if n.strip()]
    return names or None


def _services(value: Any, data: Dataset) -> tuple[str, ...] | None:
    names = service_ids(value)
    return None if names is None else tuple(select_services(data, names))


def _sample_record(value: Any, quarter: Period) -> tuple[dict | None, str | None]:
    from ..qa import read_sampling_record

    text = _text(value, "sample_record")
    if not text:
        return None, None
    try:
        record = read_sampling_record(text)
    except AuditlibError as error:
        raise ReportError(f"sample_record {error}") from None
    if record.get("quarter") != quarter.label:
        raise ReportError(
            f"sample_record {text} is for {record.get('quarter')}, not the report's quarter "
            f"{quarter.label}"
        )
    return record, text
