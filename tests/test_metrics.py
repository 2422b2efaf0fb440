"""Every dashboard metric on a small hand-built dataset whose answers were worked out by hand.

The shared tables (tests/conftest.py): Oak House (S-ENG, England) supports P-1 all
year and P-3 from 15 Aug 2026; Elm Court (S-SCT, Scotland) supports P-2. Quarter
under test: 2026/27 Q2 (1 Jul - 30 Sep 2026).
"""

from datetime import date

import numpy as np
import pandas as pd
import pytest
from conftest import TODAY

from auditlib import PeriodError, parse_period
from auditlib.cli import main
from auditlib.metrics import METRICS, compute_metrics
from auditlib.periods import months_of
from auditlib.validation import load_dataset

Q2 = parse_period("2026/27 Q2")
LATE = date(2026, 10, 31)  # every Q2 deadline has passed

TABLES = {
    "actions": """
        action_id,meeting_id,owner_role,due_date,closed_date
        A-1,M-1,key_worker,2026-07-20,2026-07-20
        A-2,M-1,rm,2026-08-01,2026-08-05
        A-3,M-2,key_worker,2026-09-30,
        A-4,M-5,key_worker,2026-10-15,
        A-5,M-3,family,2026-09-25,2026-10-10
        """,
    "decisions": """
        decision_id,person_id,decision_date,topic,consent_recorded,capacity_assessed,lacks_capacity,best_interests_recorded,advocate_required,advocate_involved,least_restrictive_recorded,review_date
        D-1,P-1,2026-07-10,dental treatment,true,false,,,false,false,true,
        D-2,P-1,2026-07-11,holiday abroad,false,true,false,,false,false,true,
        D-3,P-2,2026-08-01,medication change,false,true,true,false,true,true,true,2026-12-01
        D-4,P-2,2026-08-02,moving home,false,false,,,true,false,false,
        D-5,P-2,2026-08-03,surgery,false,true,true,true,false,false,true,2027-02-01
        """,
    "advocacy_referrals": """
        referral_id,person_id,trigger,trigger_at,referred_at,advocate_involved_at
        R-1,P-1,serious_medical,2026-07-01 09:00,2026-07-03 09:00,
        R-2,P-1,dols_lps,2026-07-01 09:00,2026-07-03 09:01,
        R-3,P-2,no_appropriate_family,2026-09-29 10:00,,
        """,
    "disagreements": """
        disagreement_id,person_id,opened_date,escalation_level,advocate_involved,resolved_date,next_review_date
        G-1,P-1,2026-07-01,key_worker,false,2026-07-29,
        G-2,P-1,2026-07-01,rm,true,2026-07-30,
        G-3,P-2,2026-08-04,rm,false,2026-09-02,
        G-4,P-1,2026-08-04,rm,false,2026-09-02,
        G-5,P-2,2026-09-25,ni,true,,2026-12-01
        """,
    "experience": """
        response_id,service_id,respondent,response_date,feel_involved,theme
        E-1,S-ENG,person,2026-07-05,5,compliment
        E-2,S-ENG,family,2026-07-06,4,none
        E-3,S-ENG,advocate,2026-07-07,2,concern
        E-4,S-ENG,family,2026-07-08,,compliment
        E-5,S-SCT,person,2026-08-01,3,concern
        """,
    "outcomes": """
        outcome_id,person_id,measure,recorded_date,value,contributor
        O-1,P-1,support_ratio,2026-05-01,2,staff
        O-2,P-1,support_ratio,2026-07-15,1.5,family
        O-3,P-1,support_ratio,2026-09-01,1,staff
        O-4,P-2,support_ratio,2026-06-30,1,staff
        O-5,P-2,support_ratio,2026-07-01,1,staff
        O-6,P-3,support_ratio,2026-08-20,2,staff
        O-7,P-1,prompts_per_task,2026-04-10,3,staff
        O-8,P-1,prompts_per_task,2026-08-10,1,family
        """,
    "staff": """
        staff_id,service_id,start_date,annual_training_date
        ST-1,S-ENG,2024-01-01,2025-10-01
        ST-2,S-ENG,2024-01-01,2025-09-30
        ST-3,S-ENG,2026-08-01,2026-08-05
        ST-4,S-SCT,2024-01-01,
        """,
    "supervisions": """
        supervision_id,staff_id,supervision_date,reflective_case
        SV-1,ST-1,2026-07-10,yes
        SV-2,ST-1,2026-08-10,yes
        SV-3,ST-1,2026-09-10,yes
        SV-4,ST-2,2026-07-10,yes
        SV-5,ST-2,2026-08-10,no
        SV-6,ST-2,2026-09-10,yes
        SV-7,ST-4,2026-07-01,yes
        SV-8,ST-4,2026-07-20,yes
        SV-9,ST-4,2026-08-20,yes
        SV-10,ST-4,2026-09-20,yes
        """,
    "governance_events": """
        event_id,service_id,event_date,kind,note
        GE-1,S-ENG,2026-07-15,ni_case_sample,
        GE-2,S-ENG,2026-09-15,ni_case_sample,
        GE-3,S-ENG,2026-09-16,dashboard_review,
        GE-4,S-SCT,2026-05-01,ni_case_sample,
        """,
}


@pytest.fixture
def full(make_dataset):
    return load_dataset(make_dataset(**TABLES), today=TODAY)


@pytest.fixture
def minimal(make_dataset):
    return load_dataset(make_dataset(), today=TODAY)


def result(table, scope, metric):
    rows = table[(table["scope"] == scope) & (table["metric_id"] == metric)]
    assert len(rows) == 1, (scope, metric)
    return rows.iloc[0]


def fraction(table, scope, metric):
    row = result(table, scope, metric)
    return (row["numerator"], row["denominator"], row["pending"], row["status"])


EXPECTED_Q2 = {
    # metric: {scope: (numerator, denominator)}
    "participation_reviews": {"S-ENG": (2, 3), "S-SCT": (0, 1), "ALL": (2, 4)},
    # P-3's only meeting is a debrief, not a review: not in the denominator
    "participation_people": {"S-ENG": (1, 1), "S-SCT": (0, 1), "ALL": (1, 2)},
    # M-1 5 working days (within); M-2 never sent; M-3 took 11 working days
    "summaries_5wd": {"S-ENG": (1, 3), "S-SCT": (0, 1), "ALL": (1, 4)},
    "summaries_10wd": {"S-ENG": (1, 3), "S-SCT": (0, 1), "ALL": (1, 4)},
    "agenda_3d": {"S-ENG": (1, 3), "S-SCT": (0, 1)},
    "accessible_format": {"S-ENG": (1, 3), "S-SCT": (0, 1)},
    # A-1 closed on its due date; closed late; A-3 never closed; A-4 is due in Q3
    "actions_on_time": {"S-ENG": (1, 4), "ALL": (1, 4)},
    # P-3 started mid-quarter: only P-1 and P-2 were supported all quarter
    "monthly_review_coverage": {"S-ENG": (1, 1), "S-SCT": (0, 1), "ALL": (1, 2)},
    "deep_dive_coverage": {"S-ENG": (1, 1), "S-SCT": (0, 1)},
    "decisions_specific": {"S-ENG": (2, 2), "S-SCT": (1, 3), "ALL": (3, 5)},
    "advocate_when_required": {"S-SCT": (1, 2)},
    # R-1 exactly 48 hours (within); R-2 a minute over; R-3 never referred
    "advocacy_referral_48h": {"S-ENG": (1, 2), "S-SCT": (0, 1)},
    # Opened 4 Aug, resolved 2 Sep: 20 working days in England (31 Aug is a bank holiday),
    # 21 in Scotland (its August holiday was 3 Aug, before the window)
    "disputes_resolved_20wd": {"S-ENG": (2, 3), "S-SCT": (0, 2)},
    "feel_involved_agree": {"S-ENG": (2, 3), "S-SCT": (0, 1), "ALL": (2, 4)},
    # last ratio in Q2 (1) below the last before it (2); P-2 stayed at 1; P-3 has no earlier one
    "support_stepdowns": {"S-ENG": (1, 1), "S-SCT": (0, 1), "ALL": (1, 2)},
    "prompt_reductions": {"S-ENG": (1, 1)},
    # ST-2 trained exactly 12 months before quarter end: not within the 12 months
    "training_current": {"S-ENG": (2, 3), "S-SCT": (0, 1)},
    # ST-3 started mid-quarter; ST-2's August supervision was not reflective
    "reflective_supervision": {"S-ENG": (1, 2), "S-SCT": (1, 1)},
}


@pytest.mark.parametrize("metric", sorted(EXPECTED_Q2))
def test_proportions_match_hand_worked_answers(full, metric):
    table = compute_metrics(full, Q2, as_of=LATE, metrics=[metric])
    for scope, (numerator, denominator) in EXPECTED_Q2[metric].items():
        row = result(table, scope, metric)
        assert (row["numerator"], row["denominator"]) == (numerator, denominator), scope
        assert row["value"] == pytest.approx(numerator / denominator)
        assert row["ci_low"] <= row["value"] <= row["ci_high"]
        assert row["status"] == "ok"


# The metric_id column of quality.md's table, copied from the spec (not from the package)
QUALITY_MD_METRICS = [
    "participation_reviews",
    "participation_people",
    "summaries_5wd",
    "summaries_10wd",
    "agenda_3d",
    "accessible_format",
    "actions_on_time",
    "monthly_review_coverage",
    "deep_dive_coverage",
    "decisions_specific",
    "advocate_when_required",
    "advocacy_referral_48h",
    "disputes_resolved_20wd",
    "feel_involved_agree",
    "feel_involved_mean",
    "compliments",
    "concerns",
    "support_stepdowns",
    "prompt_reductions",
    "training_current",
    "reflective_supervision",
    "ni_case_samples",
]


def test_every_metric_of_quality_md_is_reported(full):
    assert len(QUALITY_MD_METRICS) == 22
    table = compute_metrics(full, Q2, as_of=LATE)
    assert list(pd.unique(table["metric_id"])) == QUALITY_MD_METRICS
    assert set(METRICS) == set(QUALITY_MD_METRICS)
    assert set(table["scope"]) == {"S-ENG", "S-SCT", "ALL"}
    assert (table["period"] == "2026/27 Q2").all()


def test_wilson_interval_is_reported_for_proportions(full):
    row = result(compute_metrics(full, Q2, as_of=LATE), "ALL", "participation_reviews")
    # Wilson 95% for 2 of 4
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.1500, 0.8500), abs=1e-4)


def test_mean_score_has_a_count_not_a_sum_and_no_interval_below_five(full):
    table = compute_metrics(full, Q2, as_of=LATE, metrics=["feel_involved_mean"])
    oak = result(table, "S-ENG", "feel_involved_mean")
    # 5, 4, 2: the mean 11/3 of 3 responses; no numerator (never the sum 11)
    assert (oak["denominator"], oak["value"]) == (3, pytest.approx(11 / 3))
    assert pd.isna(oak["numerator"])
    # the t-interval for 3 responses would be -0.13 to 7.46, off the 1-5 scale: none is given
    assert np.isnan(oak["ci_low"]) and np.isnan(oak["ci_high"])
    elm = result(table, "S-SCT", "feel_involved_mean")
    assert elm["value"] == 3 and np.isnan(elm["ci_low"])  # one response: no interval
    assert result(table, "ALL", "feel_involved_mean")["value"] == pytest.approx(3.5)


def test_mean_score_interval_stays_on_the_1_to_5_scale(make_dataset):
    experience = """
        response_id,service_id,respondent,response_date,feel_involved,theme
        E-1,S-ENG,person,2026-07-05,5,none
        E-2,S-ENG,family,2026-07-06,4,none
        E-3,S-ENG,advocate,2026-07-07,2,none
        E-4,S-ENG,family,2026-07-08,3,none
        E-5,S-ENG,person,2026-07-09,4,none
        """
    data = load_dataset(make_dataset(experience=experience))
    oak = result(compute_metrics(data, Q2, as_of=LATE), "S-ENG", "feel_involved_mean")
    # mean 3.6, squared deviations 5.2, variance 1.3, standard error sqrt(1.3 / 5) = 0.5099;
    # t(0.975, 4) = 2.7764, so 3.6 -/+ 1.4157 = 2.1843 to 5.0157, cut at the top of the scale
    assert (oak["denominator"], oak["value"]) == (5, pytest.approx(3.6))
    assert oak["ci_low"] == pytest.approx(2.1843, abs=1e-4)
    assert oak["ci_high"] == 5.0


def test_counts_of_themes_and_ni_samples_per_site(full):
    table = compute_metrics(full, Q2, as_of=LATE)
    assert result(table, "S-ENG", "compliments")["value"] == 2
    assert result(table, "S-SCT", "compliments")["value"] == 0  # a real zero: the table exists
    assert result(table, "ALL", "concerns")["value"] == 2
    assert result(table, "S-ENG", "ni_case_samples")["value"] == 2
    assert result(table, "S-SCT", "ni_case_samples")["value"] == 0  # its sample was in Q1


def test_pending_summary_is_left_out_of_the_denominator(minimal):
    # M-5 (Mon 28 Sep, Scotland) has no summary; its 5-working-day deadline is Mon 5 Oct.
    before = compute_metrics(minimal, Q2, as_of=date(2026, 10, 2), metrics=["summaries_5wd"])
    assert fraction(before, "S-SCT", "summaries_5wd") == (0, 0, 1, "none_due")
    assert np.isnan(result(before, "S-SCT", "summaries_5wd")["value"])
    assert fraction(before, "ALL", "summaries_5wd") == (1, 3, 1, "ok")
    on_deadline = compute_metrics(minimal, Q2, as_of=date(2026, 10, 5), metrics=["summaries_5wd"])
    assert fraction(on_deadline, "S-SCT", "summaries_5wd") == (0, 1, 0, "ok")


def test_a_summary_sent_after_the_as_of_date_counts_as_not_sent(minimal):
    # M-3's summary went out on 20 Sep; as of 10 Sep it had not been sent, deadline 10 Sep passed
    table = compute_metrics(minimal, Q2, as_of=date(2026, 9, 10), metrics=["summaries_10wd"])
    assert fraction(table, "S-ENG", "summaries_10wd") == (1, 2, 1, "ok")


def test_pending_actions_referrals_and_disputes(full):
    early = compute_metrics(full, Q2, as_of=date(2026, 9, 20), metrics=["actions_on_time"])
    # A-3 (due 30 Sep) and A-5 (due 25 Sep) are open and not yet due
    assert fraction(early, "S-ENG", "actions_on_time") == (1, 2, 2, "ok")
    referral = compute_metrics(full, Q2, as_of=date(2026, 9, 30), metrics=["advocacy_referral_48h"])
    assert fraction(referral, "S-SCT", "advocacy_referral_48h") == (0, 0, 1, "none_due")
    due_today = compute_metrics(
        full, Q2, as_of=date(2026, 10, 1), metrics=["advocacy_referral_48h"]
    )
    assert fraction(due_today, "S-SCT", "advocacy_referral_48h") == (0, 1, 0, "ok")
    disputes = compute_metrics(
        full, Q2, as_of=date(2026, 10, 20), metrics=["disputes_resolved_20wd"]
    )
    assert fraction(disputes, "S-SCT", "disputes_resolved_20wd") == (0, 1, 1, "ok")


def test_missing_table_says_no_data_never_zero(minimal):
    table = compute_metrics(minimal, Q2, as_of=LATE)
    for metric in ("actions_on_time", "decisions_specific", "compliments", "training_current"):
        row = result(table, "ALL", metric)
        assert row["status"] == "no_data"
        assert np.isnan(row["value"])


def test_empty_denominator_says_none_due(full):
    table = compute_metrics(full, Q2, as_of=LATE, metrics=["advocate_when_required"])
    row = result(table, "S-ENG", "advocate_when_required")
    assert row["status"] == "none_due" and np.isnan(row["value"]) and np.isnan(row["ci_low"])


def test_unfinished_quarter_leaves_coverage_pending(minimal):
    table = compute_metrics(
        minimal, Q2, as_of=date(2026, 8, 20), metrics=["monthly_review_coverage"]
    )
    # P-1 has July and August meetings but September has not happened yet; P-2 none yet
    assert fraction(table, "ALL", "monthly_review_coverage") == (0, 0, 2, "none_due")


def test_months_of_a_quarter(minimal):
    table = compute_metrics(minimal, months_of(Q2), as_of=LATE, metrics=["monthly_review_coverage"])
    oak = table[table["scope"] == "S-ENG"]
    assert list(oak["period"]) == ["2026-07", "2026-08", "2026-09"]
    # P-3 joins for September (started 15 Aug) and had a meeting (a debrief) that month
    assert list(oak["denominator"]) == [1, 1, 2]
    assert list(oak["numerator"]) == [1, 1, 2]


def test_many_quarters_at_once_equal_each_alone(full):
    quarters = [Q2.previous(), Q2]
    together = compute_metrics(full, quarters, as_of=LATE)
    alone = compute_metrics(full, Q2, as_of=LATE)
    q2 = together[together["period"] == "2026/27 Q2"].reset_index(drop=True)
    assert q2.equals(alone.reset_index(drop=True))
    q1 = result(together[together["period"] == "2026/27 Q1"], "S-SCT", "summaries_5wd")
    assert (q1["numerator"], q1["denominator"]) == (1, 1)  # M-4: 4 working days in Scotland


# Sunday 5 July 2026 in England: working days after it are Mon 6 - Fri 10 (1-5), 13-17 (6-10),
# 20-24 (11-15), 27-31 (16-20); Saturdays 11 and 18 July and 1 August add none.
WEEKEND_MEETINGS = """
    meeting_id,person_id,meeting_type,meeting_date,family_present,advocate_present,async_input,summary_sent_date
    M-1,P-1,mini_review,2026-07-05,true,false,no,2026-07-11
    M-2,P-1,mini_review,2026-07-05,true,false,no,2026-07-13
    M-3,P-1,mini_review,2026-07-05,true,false,no,2026-07-18
    M-4,P-1,mini_review,2026-07-05,true,false,no,2026-07-20
    """


def test_within_n_working_days_counts_the_days_not_the_deadline(make_dataset):
    # M-1: 5 working days (sent on the Saturday after the 5th); M-2: 6; M-3: 10; M-4: 11
    data = load_dataset(make_dataset(meetings=WEEKEND_MEETINGS))
    table = compute_metrics(data, Q2, as_of=LATE, metrics=["summaries_5wd", "summaries_10wd"])
    assert fraction(table, "S-ENG", "summaries_5wd") == (1, 4, 0, "ok")
    assert fraction(table, "S-ENG", "summaries_10wd") == (3, 4, 0, "ok")


def test_a_dispute_resolved_on_the_saturday_after_its_20th_working_day_is_within(make_dataset):
    disputes = """
        disagreement_id,person_id,opened_date,escalation_level,advocate_involved,resolved_date,next_review_date
        G-1,P-1,2026-07-05,rm,false,2026-08-01,
        G-2,P-1,2026-07-05,rm,false,2026-08-03,
        """
    data = load_dataset(make_dataset(disagreements=disputes))
    table = compute_metrics(data, Q2, as_of=LATE, metrics=["disputes_resolved_20wd"])
    assert fraction(table, "S-ENG", "disputes_resolved_20wd") == (1, 2, 0, "ok")  # 20 and 21


def test_a_summary_sent_before_its_deadline_is_done_not_pending(make_dataset):
    # Mon 28 Sep: deadline Mon 5 Oct; sent Tue 29 Sep, read as of Wed 30 Sep
    meetings = """
        meeting_id,person_id,meeting_type,meeting_date,family_present,advocate_present,async_input,summary_sent_date
        M-1,P-1,mini_review,2026-09-28,true,false,no,2026-09-29
        M-2,P-1,mini_review,2026-09-28,true,false,no,
        """
    data = load_dataset(make_dataset(meetings=meetings))
    table = compute_metrics(data, Q2, as_of=date(2026, 9, 30), metrics=["summaries_5wd"])
    assert fraction(table, "S-ENG", "summaries_5wd") == (1, 1, 1, "ok")  # M-2 alone is pending


def test_an_action_closed_before_its_due_date_is_on_time_not_pending(make_dataset):
    actions = """
        action_id,meeting_id,owner_role,due_date,closed_date
        A-1,M-1,key_worker,2026-09-30,2026-09-10
        A-2,M-1,key_worker,2026-09-30,
        A-3,M-1,key_worker,2026-09-15,
        """
    data = load_dataset(make_dataset(actions=actions))
    table = compute_metrics(data, Q2, as_of=date(2026, 9, 20), metrics=["actions_on_time"])
    # A-1 closed early: on time; A-2 open and not yet due: pending; A-3 open and overdue
    assert fraction(table, "S-ENG", "actions_on_time") == (1, 2, 1, "ok")


def test_ni_case_samples_are_counted_per_site_where_two_services_share_one(make_dataset):
    services = """
        service_id,service_name,nation,service_type,site
        S-ENG,Oak House,England,supported_living,Oak
        S-ENG2,Oak Lodge,England,supported_living,Oak
        S-SCT,Elm Court,SCT,home_care,Elm
        """
    events = """
        event_id,service_id,event_date,kind,note
        GE-1,S-ENG,2026-07-15,ni_case_sample,
        GE-2,S-ENG2,2026-08-15,ni_case_sample,
        GE-3,S-SCT,2026-08-15,dashboard_review,
        """
    data = load_dataset(make_dataset(services=services, governance_events=events))
    table = compute_metrics(data, Q2, as_of=LATE, metrics=["ni_case_samples"])
    # the Oak site had two samples, whichever service recorded them; the provider had two
    assert result(table, "S-ENG", "ni_case_samples")["value"] == 2
    assert result(table, "S-ENG2", "ni_case_samples")["value"] == 2
    assert result(table, "S-SCT", "ni_case_samples")["value"] == 0
    assert result(table, "ALL", "ni_case_samples")["value"] == 2


@pytest.mark.parametrize("label", ["2030/31 Q1", "2020/21 Q1"])
def test_a_period_with_no_data_of_any_kind_is_no_data_not_zeros(full, label):
    # years after the last record (read as of a day after it), or before the first
    table = compute_metrics(full, parse_period(label), as_of=date(2030, 12, 1))
    assert set(table["status"]) == {"no_data"}
    assert table["value"].isna().all() and table["numerator"].isna().all()
    assert table["denominator"].isna().all() and table["ci_low"].isna().all()


def test_a_quiet_service_beside_a_busy_one_is_still_measured(full):
    # S-SCT has no actions but the period has data: its actions are none due, not no data
    table = compute_metrics(full, Q2, as_of=LATE, metrics=["actions_on_time", "compliments"])
    assert fraction(table, "S-SCT", "actions_on_time") == (0, 0, 0, "none_due")
    assert result(table, "S-SCT", "compliments")["value"] == 0


def test_a_period_starting_after_the_as_of_date_is_refused(full):
    with pytest.raises(PeriodError, match="starts after the as-of date 31 Oct 2026"):
        compute_metrics(full, parse_period("2030/31 Q1"), as_of=LATE)
    # a window that has started runs on; its months after the as-of date hold no data yet
    months = compute_metrics(full, months_of(parse_period("2026/27 Q3")), as_of=LATE)
    assert set(months.loc[months["period"] != "2026-10", "status"]) == {"no_data"}


@pytest.mark.parametrize("command", ["metrics", "qa", "grid", "trends", "sample"])
def test_every_command_refuses_a_quarter_after_the_as_of_date(make_dataset, tmp_path, command):
    # qa and sample read the data as of today: a quarter far ahead stays in the future
    argv = [command, str(make_dataset()), "--quarter", "2090/91 Q1"]
    if command in ("metrics", "grid", "trends"):
        argv += ["--as-of", "2026-10-31"]
    if command == "sample":
        argv += ["--out", str(tmp_path / "out")]
    assert main(argv) == 1
    assert not (tmp_path / "out").exists()


def test_the_refusal_names_the_period_and_the_as_of_date(make_dataset, capsys):
    argv = ["metrics", str(make_dataset()), "--quarter", "2030/31 Q1", "--as-of", "2026-10-31"]
    assert main(argv) == 1
    said = capsys.readouterr().err.strip()
    assert said.endswith(
        "2030/31 Q1 (1 Apr 2030 – 30 Jun 2030) starts after the as-of date 31 Oct 2026: "
        "nothing in it can have happened yet; choose an earlier period or a later as-of date"
    )
    before = ["compare", str(make_dataset()), "--before", "2026/27 Q2", "--after", "2030/31 Q1"]
    assert main([*before, "--as-of", "2026-10-31"]) == 1


def test_an_interval_end_at_zero_prints_as_0_in_csv(make_dataset, capsys):
    # seven reviews at Elm Court, none with family or advocate input: Wilson 0 to
    # z^2 / (7 + z^2) = 3.8415 / 10.8415 = 0.35433 (statsmodels' lower end is 2.8e-17)
    rows = "\n".join(
        f"M-{k},P-2,mini_review,2026-08-{k + 2:02d},false,false,no,2026-08-{k + 3:02d}"
        for k in range(1, 8)
    )
    header = "meeting_id,person_id,meeting_type,meeting_date,family_present,advocate_present,"
    folder = make_dataset(meetings=header + "async_input,summary_sent_date\n" + rows + "\n")
    argv = ["metrics", str(folder), "--quarter", "2026/27 Q2", "--as-of", "2026-10-31"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("S-SCT,") and "participation_r" in x)
    assert line.split(",")[5:10] == ["0", "7", "0", "0", "0.35433"]
