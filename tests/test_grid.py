"""The self-score grid: claimed against evidenced, from hand-worked evidence."""

from __future__ import annotations

import os

os.environ["MPLBACKEND"] = "Agg"

import io
from datetime import date
from importlib import resources

import pandas as pd
import pytest
from grid_fixtures import AS_OF, BEFORE, QUARTER, csv, grid_dataset, load, meetings

from auditlib.charts import grid_chart
from auditlib.cli import main
from auditlib.contract import DIMENSIONS
from auditlib.errors import DatasetError
from auditlib.grid import GRID_COLUMNS, grid_totals, self_score_grid


@pytest.fixture(scope="module")
def grid(tmp_path_factory) -> pd.DataFrame:
    dataset = load(grid_dataset(tmp_path_factory.mktemp("grid")))
    return self_score_grid(dataset, QUARTER, as_of=AS_OF)


def cell(grid: pd.DataFrame, service: str, dimension: str) -> pd.Series:
    rows = grid[(grid["service_id"] == service) & (grid["dimension"] == dimension)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_one_row_per_service_and_dimension_in_the_contracted_columns(grid):
    assert list(grid.columns) == GRID_COLUMNS
    assert len(grid) == 2 * len(DIMENSIONS)
    assert list(grid["dimension"][:10]) == list(DIMENSIONS)
    assert set(grid["quarter"]) == {QUARTER}
    assert set(grid["service_name"]) == {"Oak House", "Elm Court"}


@pytest.mark.parametrize(
    ("service", "dimension", "score", "words"),
    [
        ("S-ENG", "summaries", 2, "<=5 days + tracked"),  # 9 of 10 within 5 working days
        ("S-SCT", "summaries", 1, "Within 10 days"),  # 8 of 10 within 5, 10 of 10 within 10
        ("S-ENG", "governance", 2, "Dashboard + NI sampling"),  # 2 NI case samples at Oak
        ("S-SCT", "governance", 1, "Report"),  # 1 at Elm
        ("S-ENG", "ig_dspt", 2, "Consent logs + secure sharing + audit"),  # Q11 1 of 1
        ("S-SCT", "ig_dspt", 0, "Assumed"),  # Q11 0 of 1
        ("S-ENG", "accessibility", 1, "Some formats"),  # 3 of 10 reviews in easy-read
        ("S-SCT", "accessibility", 0, "Verbal only"),  # 0 of 10: evidenced as 0
        ("S-ENG", "meeting_cadence", 1, "Monthly"),  # a meeting every month, no deep-dive
    ],
)
def test_evidenced_scores_from_hand_worked_evidence(grid, service, dimension, score, words):
    row = cell(grid, service, dimension)
    assert row["evidenced"] == score
    assert row["evidenced_words"] == words


def test_the_evidence_and_the_rule_are_given_in_words(grid):
    row = cell(grid, "S-ENG", "summaries")
    assert row["evidence"] == (
        "summaries sent within 5 working days: 90% (9 of 10); "
        "summaries sent within 10 working days: 100% (10 of 10)"
    )
    assert row["rule"] == (
        "2 (<=5 days + tracked) when summaries sent within 5 working days ≥ 90%; "
        "1 (Within 10 days) when summaries sent within 10 working days ≥ 90%; otherwise 0 (Slow)."
    )
    assert (
        "ten-file QA Q11: 0% (0 of 1 applicable files)"
        in cell(grid, "S-SCT", "ig_dspt")["evidence"]
    )
    assert (
        "NI case samples at the service's site: 2" in cell(grid, "S-ENG", "governance")["evidence"]
    )


def test_an_over_claim_is_flagged_with_the_evidence_that_falls_short(grid):
    row = cell(grid, "S-SCT", "summaries")
    assert (row["claimed"], row["evidenced"], row["over_claim"]) == (2, 1, True)
    assert row["finding"] == "over-claim"
    assert row["shortfall"] == (
        "claims 2 (<=5 days + tracked), the evidence supports 1 (Within 10 days): "
        "summaries sent within 5 working days: 80% (8 of 10), needs ≥ 90%"
    )
    ig = cell(grid, "S-SCT", "ig_dspt")
    assert ig["over_claim"] and "ten-file QA Q11: 0% (0 of 1 applicable files)" in ig["shortfall"]
    matched = cell(grid, "S-ENG", "summaries")
    assert (matched["over_claim"], matched["finding"], matched["shortfall"]) == (
        False,
        "matches",
        "",
    )


def test_a_dimension_without_evidence_says_so_and_is_not_counted(grid):
    training = cell(grid, "S-ENG", "training")  # no staff table
    assert pd.isna(training["evidenced"])
    assert training["evidence_note"].startswith("no evidence: ")
    assert "staff with annual training in date: no data" in training["evidence_note"]
    assert training["finding"] == "not yet evidenced"
    assert not training["over_claim"]
    assert training["shortfall"] == (
        "claims 2 (Annual + reflective supervision): not yet evidenced: "
        "staff with annual training in date: no data in the dataset and "
        "staff with reflective supervision every month: no data in the dataset"
    )
    partly = cell(grid, "S-ENG", "meeting_cadence")
    assert partly["evidence_note"].startswith("partly evidenced: ten-file QA meeting_cadence")


def test_claims_missing_are_said_and_left_out_of_the_claimed_total(grid):
    row = cell(grid, "S-ENG", "consent_capacity")
    assert pd.isna(row["claimed"])
    assert row["claimed_note"] == f"not self-assessed for {QUARTER}"
    assert row["finding"] == "not self-assessed"


def test_totals_count_the_dimensions_covered_and_judge_the_target_honestly(grid):
    totals = grid_totals(grid).set_index("service_id")
    oak, elm = totals.loc["S-ENG"], totals.loc["S-SCT"]
    # Oak: cadence 1 + accessibility 1 + summaries 2 + governance 2 + ig_dspt 2 over 5 dimensions
    assert (oak["evidenced_total"], oak["dimensions_covered"]) == (8, 5)
    assert (oak["claimed_total"], oak["dimensions_claimed"]) == (6, 3)
    assert pd.isna(oak["met_target"])  # 8 + 2 x 5 uncovered could still reach 17
    assert "cannot tell" in oak["target_note"]
    # Elm: 1 + 0 + 1 + 1 + 0 = 3; even 2 on each of the 5 without evidence is 13 < 17
    assert (elm["evidenced_total"], elm["dimensions_covered"], elm["target"]) == (3, 5, 17)
    assert elm["met_target"] == False  # noqa: E712 (a nullable boolean)
    assert elm["target_note"].endswith("below the target of 17")


def test_services_are_chosen_and_unknown_ones_refused(tmp_path):
    dataset = load(grid_dataset(tmp_path / "d"))
    one = self_score_grid(dataset, QUARTER, as_of=AS_OF, services=["S-SCT"])
    assert set(one["service_id"]) == {"S-SCT"}
    assert cell(one, "S-SCT", "summaries")["evidenced"] == 1
    with pytest.raises(DatasetError, match="unknown service"):
        self_score_grid(dataset, QUARTER, as_of=AS_OF, services=["S-XXX"])


def test_without_self_assessments_every_claim_says_why(tmp_path):
    dataset = load(grid_dataset(tmp_path / "d", self_assessments=None))
    grid = self_score_grid(dataset, QUARTER, as_of=AS_OF)
    assert grid["claimed"].isna().all()
    assert set(grid["claimed_note"]) == {"the dataset has no self_assessments table"}
    assert not grid["over_claim"].any()


def test_a_bad_self_assessment_in_a_dataset_built_by_hand_is_refused(tmp_path):
    dataset = load(grid_dataset(tmp_path / "d"))
    claims = dataset.tables["self_assessments"].copy()
    claims.loc[claims.index[0], "score"] = 3
    claims.loc[claims.index[1], "dimension"] = "happiness"
    dataset.tables["self_assessments"] = claims
    with pytest.raises(DatasetError) as caught:
        self_score_grid(dataset, QUARTER, as_of=AS_OF)
    reasons = {p.reason for p in caught.value.problems}
    assert reasons == {"out_of_range", "unknown_value"}


def test_a_stricter_rubric_file_changes_the_score_and_its_words(tmp_path):
    dataset = load(grid_dataset(tmp_path / "d"))
    text = (resources.files("auditlib") / "resources" / "rubric.toml").read_text("utf-8")
    old = 'require = [{ metric = "summaries_5wd", at_least = 0.90 }]'
    assert old in text
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(text.replace(old, old.replace("0.90", "0.95")), encoding="utf-8")
    grid = self_score_grid(dataset, QUARTER, as_of=AS_OF, rubric=rubric)
    row = cell(grid, "S-ENG", "summaries")
    assert row["evidenced"] == 1  # 90% no longer reaches 2 at 95%
    assert "summaries sent within 5 working days ≥ 95%" in row["rule"]


def test_grid_chart_is_titled_with_the_service_and_dates(grid):
    fig = grid_chart(grid, "S-SCT")
    texts = [t.get_text() for ax in fig.axes for t in ax.texts] + [
        ax.get_title(loc="left") for ax in fig.axes
    ]
    joined = " ".join(texts)
    assert "Self-score grid – Elm Court" in joined
    assert "2026/27 Q2 (1 Jul 2026 – 30 Sep 2026)" in joined
    assert "target 17" in joined
    assert "over-claim by 1" in joined
    fig.savefig(io.BytesIO(), format="png")
    with pytest.raises(ValueError, match="choose one"):
        grid_chart(grid)


def test_cli_grid_writes_the_table_and_refuses_a_bad_rubric(tmp_path, capsys):
    folder = grid_dataset(tmp_path / "d")
    args = ["grid", str(folder), "--quarter", QUARTER, "--as-of", AS_OF.isoformat()]
    assert main(args) == 0
    captured = capsys.readouterr()
    table = pd.read_csv(io.StringIO(captured.out))
    assert list(table.columns) == GRID_COLUMNS and len(table) == 20
    assert (
        "0 of 2 services evidence the target of 17; 2 over-claims flagged, "
        "1 claims not yet evidenced" in captured.err
    )
    assert main([*args, "--totals", "--format", "json"]) == 0
    assert '"dimensions_covered":5' in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text("target = [", encoding="utf-8")
    assert main([*args, "--rubric", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.toml" in err and "not valid TOML" in err and "Traceback" not in err


def test_without_file_audits_the_qa_only_dimension_has_no_evidence_and_coverage_drops(tmp_path):
    dataset = load(grid_dataset(tmp_path / "d", file_audits=None))
    grid = self_score_grid(dataset, QUARTER, as_of=AS_OF, services=["S-ENG"])
    ig = cell(grid, "S-ENG", "ig_dspt")
    assert pd.isna(ig["evidenced"])
    assert ig["evidence_note"] == "no evidence: ten-file QA Q11: no data in the dataset"
    totals = grid_totals(grid).iloc[0]
    assert (totals["evidenced_total"], totals["dimensions_covered"]) == (6, 4)


# --------------------------------------------------------------------------- mid-quarter

MID_QUARTER = date(2026, 8, 20)  # 2026/27 Q2 runs to 30 Sep: the quarter is not over


def mid_quarter_grid(tmp_path, elm_pending: int) -> pd.DataFrame:
    """Oak (P-1) has met in July and August, no deep-dive yet, one NI case sample so far. Elm
    (P-2) has one summary, 10 working days late for the 5-day measure, and ``elm_pending``
    reviews on Mon 17 Aug with no summary yet: their 5th working day is 24 Aug, after the
    as-of date, so they are pending. The ten-file QA of this quarter has not happened."""
    rows = [
        ("M-1", "P-1", "2026-07-06", "2026-07-13", None),
        ("M-2", "P-1", "2026-08-03", "2026-08-10", None),
        ("M-3", "P-2", "2026-07-06", "2026-07-20", None),
    ] + [(f"M-P{k}", "P-2", "2026-08-17", None, None) for k in range(elm_pending)]
    governance = csv(
        "event_id,service_id,event_date,kind,note",
        [("G-1", "S-ENG", "2026-07-15", "ni_case_sample", None)],
    )
    audits = csv(
        "quarter,person_id,criterion_id,result,auditor,audit_date,note",
        [(BEFORE, "P-1", "Q02", "met", "A-1", "2026-07-05", None)],
    )
    claims = csv(
        "service_id,quarter,dimension,score,rationale",
        [
            ("S-ENG", QUARTER, "meeting_cadence", 2, None),
            ("S-ENG", QUARTER, "governance", 2, None),
            ("S-SCT", QUARTER, "summaries", 2, None),
            ("S-SCT", QUARTER, "training", 0, None),
        ],
    )
    folder = grid_dataset(
        tmp_path / f"mid{elm_pending}",
        meetings=meetings(rows),
        governance_events=governance,
        file_audits=audits,
        self_assessments=claims,
    )
    return self_score_grid(load(folder), QUARTER, as_of=MID_QUARTER)


def test_mid_quarter_pending_or_missing_evidence_is_not_yet_evidenced_not_an_over_claim(tmp_path):
    grid = mid_quarter_grid(tmp_path, elm_pending=9)
    cadence = cell(grid, "S-ENG", "meeting_cadence")
    assert (cadence["finding"], cadence["over_claim"]) == ("not yet evidenced", False)
    # P-1 is supported all quarter, has met in July and August but not yet September, and has
    # had no deep-dive: both coverage measures are pending for their one person.
    assert cadence["shortfall"] == (
        "claims 2 (Monthly mini + quarterly deep-dive): not yet evidenced: "
        "people with a meeting every month: pending (1 not yet due at the as-of date) and "
        "people with a deep-dive: pending (1 not yet due at the as-of date) and "
        "ten-file QA meeting_cadence criteria (Q02, Q05, Q12): not audited this quarter"
    )
    # One NI case sample of the two a 2 needs, with six weeks of the quarter to go.
    governance = cell(grid, "S-ENG", "governance")
    assert (governance["evidenced"], governance["finding"]) == (1, "not yet evidenced")
    assert governance["shortfall"] == (
        "claims 2 (Dashboard + NI sampling), the evidence so far supports 1 (Report): "
        "not yet evidenced: NI case samples at the service's site: 1, needs ≥ 2 "
        "(the quarter is not over)"
    )
    # Elm: 0 of 1 within 5 working days, 9 pending: if all 9 go on time, 9 of 10 = 90%.
    summaries = cell(grid, "S-SCT", "summaries")
    assert (summaries["evidenced"], summaries["finding"]) == (1, "not yet evidenced")
    assert summaries["shortfall"].endswith(
        "not yet evidenced: summaries sent within 5 working days: 0% (0 of 1), "
        "needs ≥ 90% (9 still pending)"
    )
    training = cell(grid, "S-SCT", "training")  # a claim of 0 with no staff data
    assert (training["finding"], training["shortfall"]) == ("no evidence", "")
    assert not grid["over_claim"].any()
    texts = [t.get_text() for t in grid_chart(grid, "S-ENG").axes[0].texts]
    assert texts.count("not yet evidenced") == 2  # meeting cadence and governance
    assert not any(t.startswith("over-claim") for t in texts)


def test_evidence_that_cannot_reach_the_claim_even_with_its_pending_items_is_an_over_claim(
    tmp_path,
):
    # 0 of 1 with 8 pending: at best 8 of 9 = 88.9% < 90%, so the claim of 2 is contradicted.
    summaries = cell(mid_quarter_grid(tmp_path, elm_pending=8), "S-SCT", "summaries")
    assert (summaries["finding"], summaries["over_claim"]) == ("over-claim", True)
    assert summaries["shortfall"] == (
        "claims 2 (<=5 days + tracked), the evidence supports 1 (Within 10 days): "
        "summaries sent within 5 working days: 0% (0 of 1), needs ≥ 90%"
    )
