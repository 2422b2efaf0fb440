"""UK working days: Monday to Friday less the bank holidays of each nation.

Bank holidays come from the maintained ``holidays`` package, always asked for
with the nation's subdivision (without it Easter Monday and the August bank
holiday go missing). Counting and deadlines run over whole columns with
numpy's business-day functions, one call per nation, never a loop per row.

"Within N working days" of a date D (quality.md): the number of working days
in (D, E] is at most N; the same day counts 0. The deadline of "N working
days after D" is the N-th working day after D.
"""

from __future__ import annotations

from functools import cache

import holidays
import numpy as np
import pandas as pd

__all__ = ["NATIONS", "bank_holidays", "working_day_deadline", "working_days_between"]

NATIONS = {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern_ireland": "NIR"}
_YEARS = range(1999, 2040)  # the contract's dates run from 2000; plans reach five years ahead


@cache
def _calendar(nation: str) -> np.busdaycalendar:
    return np.busdaycalendar(weekmask="1111100", holidays=bank_holidays(nation))


def bank_holidays(nation: str, years=_YEARS) -> np.ndarray:
    """The nation's bank holidays (substitute days included) as ``datetime64[D]``."""
    try:
        subdivision = NATIONS[nation]
    except KeyError:
        raise ValueError(
            f"unknown nation {nation!r}: expected one of {', '.join(NATIONS)}"
        ) from None
    days = holidays.country_holidays("GB", subdiv=subdivision, years=list(years))
    return np.array(sorted(days), dtype="datetime64[D]")


def _days(values) -> np.ndarray:
    return pd.to_datetime(pd.Series(values)).to_numpy(dtype="datetime64[D]")


def _per_nation(nations, compute) -> np.ndarray:
    """Apply ``compute(mask, calendar)`` for each nation present; NaN/NaT where unknown."""
    nations = pd.Series(nations).to_numpy(dtype=object)
    result = None
    for nation in pd.unique(nations):
        if nation not in NATIONS:
            continue
        mask = nations == nation
        part = compute(mask, _calendar(nation))
        if result is None:
            result = np.full(len(nations), _missing_like(part), dtype=part.dtype)
        result[mask] = part
    return result


def _missing_like(part: np.ndarray):
    return np.datetime64("NaT") if part.dtype.kind == "M" else np.nan


def working_days_between(start, end, nation) -> np.ndarray:
    """Working days in (start, end] for each row: float array, NaN where a date is missing.

    ``nation`` is one nation for every row or a column of nations.
    """
    start, end = _days(start), _days(end)
    nations = np.full(len(start), nation, dtype=object) if isinstance(nation, str) else nation

    def compute(mask, calendar):
        s, e = start[mask], end[mask]
        known = ~(np.isnat(s) | np.isnat(e))
        counts = np.full(len(s), np.nan)
        # busday_count counts [begin, end); shifting both by a day gives (start, end].
        counts[known] = np.busday_count(s[known] + 1, e[known] + 1, busdaycal=calendar)
        return counts

    out = _per_nation(nations, compute)
    return np.full(len(start), np.nan) if out is None else out


def working_day_deadline(start, days: int, nation) -> np.ndarray:
    """The ``days``-th working day after each start date (``datetime64[D]``; NaT if unknown)."""
    start = _days(start)
    nations = np.full(len(start), nation, dtype=object) if isinstance(nation, str) else nation

    def compute(mask, calendar):
        s = start[mask]
        known = ~np.isnat(s)
        deadline = np.full(len(s), np.datetime64("NaT"), dtype="datetime64[D]")
        # Rolling a weekend or holiday back to the last working day, then stepping
        # forward, makes the first working day after it count as day 1.
        deadline[known] = np.busday_offset(s[known], days, roll="backward", busdaycal=calendar)
        return deadline

    out = _per_nation(nations, compute)
    return np.full(len(start), np.datetime64("NaT"), dtype="datetime64[D]") if out is None else out
