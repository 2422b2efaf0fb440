import re
from datetime import date

import pytest

from auditlib import PeriodError, months_of, parse_period, period_containing, quarters_between


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("2026/27 Q1", date(2026, 4, 1), date(2026, 6, 30)),
        ("2026/27 Q2", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026/27 Q4", date(2027, 1, 1), date(2027, 3, 31)),
        ("2026/2027 q3", date(2026, 10, 1), date(2026, 12, 31)),
        ("2027-02", date(2027, 2, 1), date(2027, 2, 28)),
    ],
)
def test_financial_quarters_and_months(label, start, end):
    period = parse_period(label)
    assert (period.start, period.end) == (start, end)
    assert parse_period(period.label) == period  # labels round-trip


def test_label_always_prints_with_its_date_range():
    assert str(parse_period("2026/27 Q2")) == "2026/27 Q2 (1 Jul 2026 – 30 Sep 2026)"


def test_calendar_quarters_only_on_request():
    with pytest.raises(PeriodError, match="calendar-quarter"):
        parse_period("2026 Q3")
    period = parse_period("2026 Q3", calendar_quarters=True)
    assert (period.start, period.end, period.label) == (
        date(2026, 7, 1),
        date(2026, 9, 30),
        "2026 Q3",
    )


@pytest.mark.parametrize(
    ("label", "hint"),
    [
        ("2026/28 Q1", "expected 2026/27"),
        ("2026/27 Q5", "a financial quarter like '2026/27 Q2'"),
        ("Q2", "a financial quarter like '2026/27 Q2'"),
        ("2026-13", "month must be 01-12"),
        ("", "a month like '2026-07'"),
    ],
)
def test_bad_labels_are_refused_with_a_hint(label, hint):
    with pytest.raises(PeriodError, match=re.escape(hint)):
        parse_period(label)


def test_containing_previous_next_and_months():
    quarter = period_containing(date(2027, 2, 3))
    assert quarter.label == "2026/27 Q4"
    assert quarter.previous().label == "2026/27 Q3"
    assert quarter.next().label == "2027/28 Q1"
    assert [m.label for m in months_of(quarter)] == ["2027-01", "2027-02", "2027-03"]
    assert period_containing(date(2026, 2, 1), financial=False).label == "2026 Q1"


def test_quarters_between_covers_the_range():
    labels = [q.label for q in quarters_between(date(2025, 3, 31), date(2025, 7, 1))]
    assert labels == ["2024/25 Q4", "2025/26 Q1", "2025/26 Q2"]
