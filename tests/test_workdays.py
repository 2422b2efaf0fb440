import numpy as np

from auditlib.workdays import bank_holidays, working_day_deadline, working_days_between


def test_quality_md_worked_example_friday_to_friday_is_five():
    assert working_days_between(["2026-07-03"], ["2026-07-10"], "england")[0] == 5


def test_sunday_to_the_next_saturday_is_five_though_past_the_fifth_day_deadline():
    # Sun 5 Jul 2026: Mon 6 - Fri 10 are working days 1-5; the Saturday adds none
    assert working_days_between(["2026-07-05"], ["2026-07-11"], "england")[0] == 5
    assert str(working_day_deadline(["2026-07-05"], 5, "england")[0]) == "2026-07-10"


def test_same_day_counts_zero_and_missing_is_nan():
    counts = working_days_between(["2026-07-03", None], ["2026-07-03", "2026-07-10"], "wales")
    assert counts[0] == 0
    assert np.isnan(counts[1])


def test_easter_differs_between_england_and_scotland():
    # Thu 2 Apr 2026 -> Thu 9 Apr: Good Friday is a holiday in both, Easter Monday only in England.
    counts = working_days_between(
        ["2026-04-02", "2026-04-02"],
        ["2026-04-09", "2026-04-09"],
        np.array(["england", "scotland"]),
    )
    assert list(counts) == [3, 4]


def test_st_andrews_day_is_a_scottish_holiday_only():
    # Fri 27 Nov 2026 -> Fri 4 Dec: Mon 30 Nov is St Andrew's Day (Scotland).
    counts = working_days_between(
        ["2026-11-27"] * 2, ["2026-12-04"] * 2, np.array(["scotland", "england"])
    )
    assert list(counts) == [4, 5]


def test_subdivision_gives_easter_monday_and_august_holiday():
    england = set(bank_holidays("england").astype(str))
    scotland = set(bank_holidays("scotland").astype(str))
    assert {"2026-04-06", "2026-08-31"} <= england
    assert "2026-08-03" in scotland and "2026-08-31" not in scotland
    assert "2026-07-13" in set(bank_holidays("northern_ireland").astype(str))  # Twelfth, substitute


def test_deadline_is_the_nth_working_day_after():
    deadlines = working_day_deadline(
        ["2026-07-03", "2026-07-04", "2026-04-02", "2026-04-02"],
        5,
        np.array(["england", "england", "england", "scotland"]),
    )
    assert list(deadlines.astype(str)) == ["2026-07-10", "2026-07-10", "2026-04-13", "2026-04-10"]
