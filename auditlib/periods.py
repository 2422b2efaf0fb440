"""Reporting periods: UK financial quarters (the default), calendar quarters and months.

A label parses both ways and always prints with its date range:
``2026/27 Q2`` is 1 Jul - 30 Sep 2026 (financial year from 1 April);
``2026 Q3`` is the same three months as a calendar quarter; ``2026-07`` is July.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from .errors import PeriodError

__all__ = [
    "Period",
    "check_started",
    "last_complete_quarter",
    "months_of",
    "parse_period",
    "period_containing",
    "quarters_between",
]

_FINANCIAL = re.compile(r"^\s*(\d{4})\s*/\s*(\d{2}|\d{4})\s*[- ]?\s*Q([1-4])\s*$", re.IGNORECASE)
_CALENDAR = re.compile(r"^\s*(\d{4})\s*[- ]?\s*Q([1-4])\s*$", re.IGNORECASE)
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


@dataclass(frozen=True, order=True)
class Period:
    """A closed date range [start, end] with the label users know it by."""

    start: date
    end: date
    kind: str  # "quarter" or "month"
    financial: bool = True

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.financial:
            year = self.start.year if self.start.month >= 4 else self.start.year - 1
            number = ((self.start.month - 4) % 12) // 3 + 1
            return f"{year}/{(year + 1) % 100:02d} Q{number}"
        return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"

    @property
    def date_range(self) -> str:
        return f"{_day(self.start)} – {_day(self.end)}"

    def __str__(self) -> str:
        return f"{self.label} ({self.date_range})"

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        return period_containing(self.start - timedelta(days=1), self.kind, self.financial)

    def next(self) -> Period:
        """The period of the same kind just after this one."""
        return period_containing(self.end + timedelta(days=1), self.kind, self.financial)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _day(d: date) -> str:
    return f"{d.day} {d.strftime('%b')} {d.year}"


def _month_end(year: int, month: int) -> date:
    return (pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)).date()


def _quarter(start_year: int, start_month: int, financial: bool) -> Period:
    end_month = start_month + 2
    end_year = start_year + (end_month - 1) // 12
    end_month = (end_month - 1) % 12 + 1
    return Period(
        date(start_year, start_month, 1), _month_end(end_year, end_month), "quarter", financial
    )


def parse_period(label: str | Period, *, calendar_quarters: bool = False) -> Period:
    """Read a quarter or month label.

    ``2026/27 Q2`` is always a financial quarter and ``2026-07`` a month.
    ``2026 Q3`` is a calendar quarter; it is refused unless ``calendar_quarters``
    is set, because the same words mean a different quarter in each system.
    """
    if isinstance(label, Period):
        return label
    text = str(label)
    if m := _FINANCIAL.match(text):
        year, second, number = int(m[1]), m[2], int(m[3])
        expected = (year + 1) % 100 if len(second) == 2 else year + 1
        if int(second) != expected:
            raise PeriodError(
                f"{text!r}: a financial year runs from one year into the next, "
                f"so after {year} expected {year}/{(year + 1) % 100:02d}"
            )
        month = 4 + 3 * (number - 1)
        return _quarter(year + (month - 1) // 12, (month - 1) % 12 + 1, True)
    if m := _CALENDAR.match(text):
        if not calendar_quarters:
            raise PeriodError(
                f"{text!r} is a calendar-quarter label; financial quarters are the default "
                f"(write e.g. '2026/27 Q2'), or use the calendar-quarters setting"
            )
        return _quarter(int(m[1]), 1 + 3 * (int(m[2]) - 1), False)
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise PeriodError(f"{text!r}: month must be 01-12")
        return Period(date(year, month, 1), _month_end(year, month), "month", not calendar_quarters)
    raise PeriodError(
        f"{text!r} is not a period label: expected a financial quarter like '2026/27 Q2', "
        f"a calendar quarter like '2026 Q3' (with calendar quarters on), or a month like '2026-07'"
    )


def period_containing(day: date, kind: str = "quarter", financial: bool = True) -> Period:
    """The quarter (financial or calendar) or month that contains ``day``."""
    day = pd.Timestamp(day).date()
    if kind == "month":
        return Period(
            date(day.year, day.month, 1), _month_end(day.year, day.month), "month", financial
        )
    if kind != "quarter":
        raise PeriodError(f"unknown period kind {kind!r}: expected 'quarter' or 'month'")
    # Financial (from April) and calendar quarters never cross a calendar year.
    offset = 4 if financial else 1
    return _quarter(day.year, day.month - (day.month - offset) % 3, financial)


def check_started(period: Period, as_of: date) -> None:
    """Refuse a period that starts after the as-of date: nothing in it can have happened yet.

    The one check every command makes on the period it is asked for, so that a future
    quarter is an error with a reason, never a table of zeros.
    """
    as_of = pd.Timestamp(as_of).date()
    if period.start > as_of:
        raise PeriodError(
            f"{period} starts after the as-of date {_day(as_of)}: nothing in it can have "
            f"happened yet; choose an earlier period or a later as-of date"
        )


def last_complete_quarter(day: date, financial: bool = True) -> Period:
    """The last quarter that ended on or before ``day`` (the quarter a report is usually for)."""
    current = period_containing(day, "quarter", financial)
    return current if current.end <= pd.Timestamp(day).date() else current.previous()


def months_of(period: Period) -> list[Period]:
    """The calendar months inside a period, in order."""
    months, current = [], period_containing(period.start, "month", period.financial)
    while current.start <= period.end:
        months.append(current)
        current = current.next()
    return months


def quarters_between(first: date, last: date, financial: bool = True) -> list[Period]:
    """Every quarter that overlaps [first, last], in order."""
    quarters, current = [], period_containing(first, "quarter", financial)
    while current.start <= pd.Timestamp(last).date():
        quarters.append(current)
        current = current.next()
    return quarters
