"""The synthetic data generator: valid under the contract, deterministic, telling its story."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from auditlib.errors import OutputError
from auditlib.periods import parse_period
from auditlib.synth import SCALES, make_dataset, make_scale, write_dataset, write_workbook
from auditlib.validation import validate_dataset

END = date(2026, 11, 20)

# The contract's tables and columns, restated from data-contract.md so that this test checks
# the generator against the document rather than against the code it shares.
CONTRACT_COLUMNS = {
    "services": ["service_id", "service_name", "nation", "service_type", "site"],
    "people": ["person_id", "service_id", "start_date", "end_date", "wants_family_involved"],
    "meetings": [
        "meeting_id", "person_id", "meeting_type", "meeting_date", "duration_min",
        "family_present", "advocate_present", "async_input", "accessible_format",
        "agenda_sent_date", "summary_sent_date", "chair_role",
    ],
    "actions": ["action_id", "meeting_id", "owner_role", "due_date", "closed_date"],
    "decisions": [
        "decision_id", "person_id", "decision_date", "topic", "consent_recorded",
        "capacity_assessed", "lacks_capacity", "best_interests_recorded", "advocate_required",
        "advocate_involved", "least_restrictive_recorded", "review_date",
    ],
    "advocacy_referrals": [
        "referral_id", "person_id", "trigger", "trigger_at", "referred_at", "advocate_involved_at",
    ],
    "disagreements": [
        "disagreement_id", "person_id", "opened_date", "escalation_level", "advocate_involved",
        "resolved_date", "next_review_date",
    ],
    "experience": [
        "response_id", "service_id", "respondent", "response_date", "feel_involved", "theme",
    ],
    "outcomes": ["outcome_id", "person_id", "measure", "recorded_date", "value", "contributor"],
    "staff": ["staff_id", "service_id", "start_date", "annual_training_date"],
    "supervisions": ["supervision_id", "staff_id", "supervision_date", "reflective_case"],
    "governance_events": ["event_id", "service_id", "event_date", "kind", "note"],
    "self_assessments": ["service_id", "quarter", "dimension", "score", "rationale"],
    "file_audits": [
        "quarter", "person_id", "criterion_id", "result", "auditor", "audit_date", "note",
    ],
}  # fmt: skip

KEYS = {name: [columns[0]] for name, columns in CONTRACT_COLUMNS.items()}
KEYS["self_assessments"] = ["service_id", "quarter", "dimension"]
KEYS["file_audits"] = ["quarter", "person_id", "criterion_id"]

REFERENCES = [
    ("people", "service_id", "services"),
    ("meetings", "person_id", "people"),
    ("actions", "meeting_id", "meetings"),
    ("decisions", "person_id", "people"),
    ("advocacy_referrals", "person_id", "people"),
    ("disagreements", "person_id", "people"),
    ("experience", "service_id", "services"),
    ("outcomes", "person_id", "people"),
    ("staff", "service_id", "services"),
    ("supervisions", "staff_id", "staff"),
    ("governance_events", "service_id", "services"),
    ("self_assessments", "service_id", "services"),
    ("file_audits", "person_id", "people"),
]

# (table, earlier, later): the later date never precedes the earlier one on a row.
DATE_ORDER = [
    ("people", "start_date", "end_date"),
    ("meetings", "meeting_date", "summary_sent_date"),
    ("meetings", "agenda_sent_date", "meeting_date"),
    ("advocacy_referrals", "trigger_at", "referred_at"),
    ("advocacy_referrals", "referred_at", "advocate_involved_at"),
    ("disagreements", "opened_date", "resolved_date"),
    ("disagreements", "opened_date", "next_review_date"),
    ("decisions", "decision_date", "review_date"),
    ("staff", "start_date", "annual_training_date"),
]

EVENT_DATES = {
    "people": ["start_date", "end_date"],
    "meetings": ["meeting_date", "agenda_sent_date", "summary_sent_date"],
    "actions": ["closed_date"],
    "decisions": ["decision_date"],
    "advocacy_referrals": ["trigger_at", "referred_at", "advocate_involved_at"],
    "disagreements": ["opened_date", "resolved_date"],
    "experience": ["response_date"],
    "outcomes": ["recorded_date"],
    "staff": ["start_date", "annual_training_date"],
    "supervisions": ["supervision_date"],
    "governance_events": ["event_date"],
    "file_audits": ["audit_date"],
}
PLANNED_DATES = {
    "actions": ["due_date"],
    "decisions": ["review_date"],
    "disagreements": ["next_review_date"],
}

CANONICAL = {
    ("services", "nation"): {"england", "wales", "scotland", "northern_ireland"},
    ("meetings", "meeting_type"): {
        "goal_setting", "mini_review", "complex_review", "deep_dive", "post_incident_debrief",
    },
    ("meetings", "chair_role"): {"key_worker", "rm", "ni", "other"},
    ("advocacy_referrals", "trigger"): {
        "serious_medical", "no_appropriate_family", "dols_lps", "care_act", "person_request",
        "other",
    },
    ("disagreements", "escalation_level"): {"key_worker", "rm", "ni"},
    ("experience", "respondent"): {"person", "family", "advocate"},
    ("experience", "theme"): {"compliment", "concern", "none"},
    ("outcomes", "measure"): {
        "support_ratio", "prompts_per_task", "independent_tasks_per_week", "confidence",
    },
    ("governance_events", "kind"): {
        "ni_case_sample", "dashboard_review", "rm_weekly_review", "re_audit",
    },
    ("self_assessments", "dimension"): {
        "consent_capacity", "advocacy_triggers", "meeting_cadence", "accessibility", "summaries",
        "disagreements", "outcomes", "governance", "ig_dspt", "training",
    },
    ("file_audits", "result"): {"met", "partial", "not_met", "na"},
    ("file_audits", "criterion_id"): {f"Q{k:02d}" for k in range(1, 13)},
}  # fmt: skip


@pytest.fixture(scope="module")
def demo() -> dict[str, pd.DataFrame]:
    return make_scale("demo")


@pytest.fixture(scope="module")
def larger() -> dict[str, pd.DataFrame]:
    """The demo's five services with more people, so per-service rates are not just noise."""
    return make_dataset(n_services=5, n_people=500, n_quarters=8, seed=1)


def _with_service(table: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return table.merge(tables["people"][["person_id", "service_id"]], on="person_id")


def _reviews(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Reviews with their quarter, service, and whether the summary went within 5 working days
    (Monday-Friday, bank holidays ignored) and whether anyone gave input."""
    reviews = _with_service(tables["meetings"], tables)
    reviews = reviews[reviews["meeting_type"] != "post_incident_debrief"].copy()
    held = reviews["meeting_date"].to_numpy(dtype="datetime64[D]")
    sent = reviews["summary_sent_date"].fillna(pd.Timestamp("2100-01-01"))
    working_days = np.busday_count(held, sent.to_numpy(dtype="datetime64[D]"))
    reviews["within_5wd"] = reviews["summary_sent_date"].notna() & (working_days <= 5)
    reviews["input"] = reviews[["family_present", "advocate_present", "async_input"]].any(axis=1)
    reviews["quarter"] = reviews["meeting_date"].dt.to_period("Q-MAR")
    return reviews


def _complete_quarters(reviews: pd.DataFrame) -> list[pd.Period]:
    """The quarters of the window except the last, which is cut short by the end date."""
    return sorted(reviews["quarter"].unique())[:-1]


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_tables():
    first = make_dataset(n_services=3, n_people=30, n_quarters=3, seed=7)
    second = make_dataset(n_services=3, n_people=30, n_quarters=3, seed=7)
    assert first.keys() == second.keys()
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], obj=name)


def test_a_different_seed_gives_different_data():
    first = make_dataset(n_services=3, n_people=30, n_quarters=3, seed=7)
    other = make_dataset(n_services=3, n_people=30, n_quarters=3, seed=8)
    assert not first["meetings"].equals(other["meetings"])
    assert not first["services"]["service_name"].equals(other["services"]["service_name"])


# --------------------------------------------------------------------------- the contract


def test_every_contract_table_and_column_and_nothing_else(demo):
    assert list(demo) == list(CONTRACT_COLUMNS)
    for name, columns in CONTRACT_COLUMNS.items():
        assert list(demo[name].columns) == columns, name
        assert len(demo[name]) > 0, name


def test_keys_are_unique_and_never_blank(demo):
    for name, key in KEYS.items():
        table = demo[name]
        assert table[key].notna().all().all(), name
        assert not table.duplicated(key).any(), name


def test_every_reference_exists(demo):
    for table, column, target in REFERENCES:
        known = set(demo[target][KEYS[target][0]])
        assert set(demo[table][column]) <= known, f"{table}.{column}"


def test_enumerations_use_canonical_spellings(demo):
    for (table, column), allowed in CANONICAL.items():
        assert set(demo[table][column].dropna()) <= allowed, f"{table}.{column}"


def test_identifiers_are_pseudonymous_codes(demo):
    patterns = {
        ("services", "service_id"): r"S-\d{3}",
        ("people", "person_id"): r"P-\d{5}",
        ("meetings", "meeting_id"): r"M-\d{7}",
        ("file_audits", "auditor"): r"A-\d{2}",
    }
    for (table, column), pattern in patterns.items():
        assert demo[table][column].str.fullmatch(pattern).all(), f"{table}.{column}"


def test_date_order_rules_hold(demo, larger):
    for tables in (demo, larger):
        for table, earlier, later in DATE_ORDER:
            both = tables[table][[earlier, later]].dropna()
            assert (both[later] >= both[earlier]).all(), f"{table}: {earlier} <= {later}"
        actions = tables["actions"].merge(tables["meetings"], on="meeting_id")
        closed = actions.dropna(subset=["closed_date"])
        assert (closed["closed_date"] >= closed["meeting_date"]).all()
        assert (actions["due_date"] > actions["meeting_date"]).all()


@pytest.mark.parametrize("end", [END, date(2025, 4, 1), date(2024, 2, 29)])
def test_no_event_after_end_nor_plan_beyond_five_years_nor_date_before_2000(end):
    tables = make_dataset(n_services=4, n_people=60, n_quarters=6, seed=2, end=end)
    latest_event = pd.Timestamp(end) + pd.Timedelta(days=1)  # timestamps run to 23:59 on `end`
    for dated, limit in ((EVENT_DATES, latest_event), (PLANNED_DATES, None)):
        for table, columns in dated.items():
            for column in columns:
                values = tables[table][column].dropna()
                assert (values >= pd.Timestamp("2000-01-01")).all(), f"{table}.{column}"
                if limit is None:
                    ahead = pd.Timestamp(end) + pd.DateOffset(years=5)
                    assert (values <= ahead).all(), f"{table}.{column}"
                else:
                    assert (values < limit).all(), f"{table}.{column}"


def test_the_window_is_whole_financial_quarters_ending_with_the_end_dates_quarter(demo):
    quarters = sorted(demo["self_assessments"]["quarter"].unique(), key=parse_period)
    assert len(quarters) == SCALES["demo"]["n_quarters"]
    assert quarters[-1] == "2026/27 Q3"
    first = parse_period(quarters[0])
    assert demo["meetings"]["meeting_date"].min() >= pd.Timestamp(first.start)


def test_meetings_happen_only_while_the_person_is_supported(demo):
    meetings = demo["meetings"].merge(demo["people"], on="person_id")
    assert (meetings["meeting_date"] >= meetings["start_date"]).all()
    ended = meetings.dropna(subset=["end_date"])
    assert (ended["meeting_date"] <= ended["end_date"]).all()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_written_dataset_meets_the_contract(demo, tmp_path, fmt):
    write_dataset(demo, tmp_path, fmt)
    assert validate_dataset(tmp_path, today=END) == []


def test_written_workbook_meets_the_contract(demo, tmp_path):
    workbook = write_workbook(demo, tmp_path / "demo.xlsx")
    assert validate_dataset(workbook, today=END) == []


# --------------------------------------------------------------------------- the shape of the data


def test_demo_has_all_four_nations_and_a_site_with_two_services(demo):
    services = demo["services"]
    assert set(services["nation"]) == {"england", "wales", "scotland", "northern_ireland"}
    assert services["site"].value_counts().max() == 2
    assert services["service_name"].is_unique
    assert services["service_name"].str.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+").all()
    assert 60 <= len(demo["people"]) <= 80


def test_people_start_and_leave_during_the_window(demo):
    people = demo["people"]
    first_day = demo["meetings"]["meeting_date"].min()
    assert (people["start_date"] > first_day).any()
    assert people["end_date"].notna().any()
    assert set(people["wants_family_involved"].astype("object").fillna("blank")) == {
        True,
        False,
        "blank",
    }
    assert people["wants_family_involved"].mean() > 0.7


def test_meetings_are_monthly_reviews_with_quarterly_deep_dives_mostly_on_weekdays(larger):
    meetings = larger["meetings"]
    counts = meetings["meeting_type"].value_counts(normalize=True)
    assert counts.index[0] == "mini_review"
    assert 0.15 < counts["deep_dive"] < 0.35
    assert set(counts.index) == CANONICAL[("meetings", "meeting_type")]
    assert (meetings["meeting_date"].dt.day_of_week < 5).mean() > 0.9
    complex_chairs = meetings.loc[meetings["meeting_type"] == "complex_review", "chair_role"]
    assert complex_chairs.value_counts().index[0] == "rm"


def test_about_one_point_one_meetings_per_person_month(larger):
    people = larger["people"]
    first = larger["meetings"]["meeting_date"].min().to_period("Q-MAR").start_time
    start = people["start_date"].clip(lower=first)
    stop = people["end_date"].fillna(pd.Timestamp(END))
    person_months = (stop - start).dt.days.sum() / 30.44
    assert 1.0 < len(larger["meetings"]) / person_months < 1.2


def test_actions_come_one_to_three_per_review_some_open(demo):
    per_meeting = demo["actions"]["meeting_id"].value_counts()
    assert per_meeting.between(1, 3).all()
    assert demo["actions"]["closed_date"].isna().any()


def test_self_assessments_cover_every_service_quarter_and_dimension(demo):
    n_services, n_quarters = len(demo["services"]), SCALES["demo"]["n_quarters"]
    assessments = demo["self_assessments"]
    assert len(assessments) == n_services * n_quarters * 10
    assert set(assessments["score"]) <= {0, 1, 2}


def test_file_audits_sample_supported_people_every_quarter_but_the_last(demo):
    audits = demo["file_audits"]
    quarters = sorted(demo["self_assessments"]["quarter"].unique(), key=parse_period)
    assert sorted(audits["quarter"].unique(), key=parse_period) == quarters[:-1]
    files = audits.groupby(["quarter", "person_id"]).size()
    assert (files == 12).all()  # every criterion, for every file
    assert files.groupby(level="quarter").size().eq(10).all()  # ten files per quarter
    sampled = files.reset_index().merge(demo["people"], on="person_id")
    for label, start, end in zip(
        sampled["quarter"], sampled["start_date"], sampled["end_date"], strict=True
    ):
        period = parse_period(label)
        assert start <= pd.Timestamp(period.end)
        assert pd.isna(end) or end >= pd.Timestamp(period.start)
    assert audits["note"].notna().any()
    assert audits.loc[audits["result"] == "met", "note"].isna().all()


def test_national_scale_is_declared_as_briefed():
    assert SCALES["national"] == {"n_services": 300, "n_people": 15_000, "n_quarters": 20}


# --------------------------------------------------------------------------- the story


def test_summaries_within_five_working_days_climb(demo):
    reviews = _reviews(demo)
    by_quarter = reviews.groupby("quarter")["within_5wd"].mean()
    quarters = _complete_quarters(reviews)
    assert by_quarter[quarters[0]] < 0.7
    improving = reviews[reviews["service_id"].isin(["S-001", "S-003", "S-005"])]
    assert improving.groupby("quarter")["within_5wd"].mean()[quarters[-1]] > 0.85


def test_participation_climbs(larger):
    reviews = _reviews(larger)
    quarters = _complete_quarters(reviews)
    improving = reviews[reviews["service_id"].isin(["S-001", "S-003", "S-005"])]
    by_quarter = improving.groupby("quarter")["input"].mean()
    assert by_quarter[quarters[0]] < 0.65
    assert by_quarter[quarters[-1]] > 0.78


def test_one_service_slips_over_the_last_quarters(larger):
    reviews = _reviews(larger)
    quarters = _complete_quarters(reviews)
    slipping = reviews[reviews["service_id"] == "S-002"].groupby("quarter")
    for measure in ("within_5wd", "input"):
        by_quarter = slipping[measure].mean()
        assert by_quarter.max() - by_quarter[quarters[-1]] > 0.2, measure


def test_one_service_refers_to_advocates_late(larger):
    referrals = _with_service(larger["advocacy_referrals"], larger).dropna(subset=["referred_at"])
    hours = (referrals["referred_at"] - referrals["trigger_at"]).dt.total_seconds() / 3600
    within_48h = (hours <= 48).groupby(referrals["service_id"]).mean()
    assert within_48h["S-003"] < 0.5
    assert (within_48h.drop("S-003") > 0.6).all()


def test_one_service_over_claims_on_its_self_assessment(larger):
    claims = larger["self_assessments"]
    twos = (claims["score"] == 2).groupby(claims["service_id"]).mean()
    assert twos["S-004"] > 0.75
    reviews = _reviews(larger)
    timeliness = reviews.groupby(["service_id", "quarter"])["within_5wd"].mean()
    # It claims 2 for summaries ("<=5 days + tracked") while under 80% go within 5 days.
    assert (timeliness["S-004"] < 0.8).all()


def test_experience_and_outcomes_improve(larger):
    experience = larger["experience"]
    experience = experience[experience["service_id"].isin(["S-001", "S-003", "S-005"])]
    quarter = experience["response_date"].dt.to_period("Q-MAR")
    scores = experience.groupby(quarter)["feel_involved"].mean()
    assert scores.iloc[-2] - scores.iloc[0] > 0.6
    ratios = larger["outcomes"][larger["outcomes"]["measure"] == "support_ratio"]
    first_and_last = ratios.sort_values("recorded_date").groupby("person_id")["value"]
    assert (first_and_last.last() < first_and_last.first()).sum() > 10
    assert set(ratios["value"]) == {1.0, 1.5, 2.0}


# --------------------------------------------------------------------------- writing


def test_csv_round_trip_with_contract_formats(demo, tmp_path):
    paths = write_dataset(demo, tmp_path / "out")
    assert [p.name for p in paths] == [f"{name}.csv" for name in demo]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)
    for name, path in zip(demo, paths, strict=True):
        text = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert len(text) == len(demo[name]), name
    meetings = pd.read_csv(tmp_path / "out" / "meetings.csv", dtype=str, keep_default_na=False)
    assert meetings["meeting_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert set(meetings["family_present"]) == {"true", "false"}
    assert (meetings["summary_sent_date"] == "").any()
    referrals = pd.read_csv(
        tmp_path / "out" / "advocacy_referrals.csv", dtype=str, keep_default_na=False
    )
    assert referrals["trigger_at"].str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}").all()
    assert (tmp_path / "out" / "people.csv").read_bytes().startswith(b"person_id,")


def test_parquet_round_trip_keeps_real_types(demo, tmp_path):
    write_dataset(demo, tmp_path, "parquet")
    meetings = pd.read_parquet(tmp_path / "meetings.parquet")
    assert len(meetings) == len(demo["meetings"])
    assert pd.api.types.is_datetime64_any_dtype(meetings["meeting_date"])
    assert pd.api.types.is_bool_dtype(meetings["family_present"])


def test_workbook_round_trip_has_a_sheet_per_table_with_real_dates(demo, tmp_path):
    path = write_workbook(demo, tmp_path / "demo.xlsx")
    sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    assert list(sheets) == list(demo)
    for name, table in demo.items():
        assert len(sheets[name]) == len(table), name
    assert pd.api.types.is_datetime64_any_dtype(sheets["meetings"]["meeting_date"])
    assert [p.name for p in tmp_path.iterdir()] == ["demo.xlsx"]  # no temporary file left


def test_writing_refuses_a_table_already_there_in_another_format(demo, tmp_path):
    write_dataset(demo, tmp_path, "parquet")
    with pytest.raises(OutputError, match="another format"):
        write_dataset(demo, tmp_path, "csv", force=True)
    assert not list(tmp_path.glob("*.csv"))


def test_workbook_refuses_a_table_too_long_for_excel(tmp_path):
    with pytest.raises(ValueError, match="too many rows"):
        write_workbook({"meetings": pd.DataFrame({"x": np.zeros(1_048_576)})}, tmp_path / "x.xlsx")
    assert not list(tmp_path.iterdir())


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown scale"):
        make_scale("galactic")
    with pytest.raises(ValueError, match="before 2000"):
        make_dataset(n_services=1, n_people=5, n_quarters=12, end=date(2001, 6, 1))
    with pytest.raises(ValueError, match="unknown format"):
        write_dataset({}, ".", "json")
    with pytest.raises(ValueError, match="n_services >= 1"):
        make_dataset(n_services=0, n_people=1, n_quarters=1)
