"""Before/after: published Newcombe intervals, honest words, and every refusal."""

from __future__ import annotations

import os

os.environ["MPLBACKEND"] = "Agg"

import io

import pandas as pd
import pytest
from grid_fixtures import AS_OF, BEFORE, QUARTER, _responses, compare_dataset, csv, load

from auditlib.charts import compare_chart
from auditlib.cli import main
from auditlib.compare import CANNOT_COMPARE, COMPARE_COLUMNS, NOT_TESTED, compare, points_text
from auditlib.errors import CompareError, PeriodError
from auditlib.stats import NO_CLEAR_CHANGE


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return load(compare_dataset(tmp_path_factory.mktemp("compare")))


@pytest.fixture(scope="module")
def table(dataset) -> pd.DataFrame:
    return compare(dataset, BEFORE, QUARTER, as_of=AS_OF)


def row(table: pd.DataFrame, scope: str, measure: str) -> pd.Series:
    rows = table[(table["scope"] == scope) & (table["measure"] == measure)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_every_metric_and_criterion_for_each_service_and_all(table):
    assert list(table.columns) == COMPARE_COLUMNS
    assert list(pd.unique(table["scope"])) == ["S-ENG", "S-SCT", "ALL"]
    metrics = table[table["source"] == "metric"]
    assert len(metrics) == 3 * 22
    qa = table[(table["source"] == "qa") & (table["scope"] == "ALL")]
    assert list(qa["measure"]) == [f"Q{k:02d}" for k in range(1, 13)]
    assert set(table["before"]) == {BEFORE} and set(table["after"]) == {QUARTER}


def test_newcombe_published_example_56_of_70_against_48_of_80(table):
    r = row(table, "S-ENG", "feel_involved_agree")
    assert (r["before_numerator"], r["before_denominator"]) == (48, 80)
    assert (r["after_numerator"], r["after_denominator"]) == (56, 70)
    assert r["difference"] == pytest.approx(0.2)
    assert round(r["diff_low"], 4) == 0.0524
    assert round(r["diff_high"], 4) == 0.3339
    assert r["change"] == "rose (better)"
    assert pd.isna(r["exact_p"])  # every expected count is at least 5: no exact test needed
    assert r["method"] == "Newcombe hybrid score 95% interval"
    assert r["before_ci_low"] < 0.6 < r["before_ci_high"]


def test_newcombe_9_of_10_against_3_of_10_with_fisher_for_small_counts(table):
    r = row(table, "S-SCT", "feel_involved_agree")
    assert round(r["diff_low"], 4) == 0.1705
    assert round(r["diff_high"], 4) == 0.8090
    assert r["exact_p"] == pytest.approx(0.0198, abs=5e-5)
    assert "Fisher" in r["method"]
    assert r["change"] == "rose (better)"


def test_no_clear_change_where_the_interval_crosses_zero(table):
    r = row(table, "S-ENG", "summaries_5wd")  # 2 of 3, then 3 of 4
    assert r["diff_low"] < 0 < r["diff_high"]
    assert r["change"] == NO_CLEAR_CHANGE == "no clear change"
    low, high = points_text([r["diff_low"], r["diff_high"]])
    assert r["reason"] == (
        f"too few to tell: the 95% interval of the difference ({low} to {high} points) "
        "includes 0 and changes of 10 points or more"
    )


def test_no_change_claimed_where_the_exact_test_disagrees_with_the_interval(table):
    r = row(table, "S-ENG", "Q06")  # 0 of 2, then 2 of 2
    assert r["diff_low"] > 0
    assert r["exact_p"] == pytest.approx(1 / 3)
    assert r["change"] == NO_CLEAR_CHANGE
    # Wilson 2/2: 0.3424 to 1; 0/2: 0 to 0.6576; Newcombe: 1 - sqrt(0.6576^2 + 0.6576^2) = 0.070
    assert r["reason"] == (
        "too few to tell: the 95% interval of the difference (+7 to +100 points) excludes 0, "
        "but Fisher's exact test, used for counts this small, does not confirm a change "
        "(p = 0.333)"
    )


def test_a_small_difference_on_a_large_sample_is_not_called_too_few_to_tell(tmp_path):
    # 600 of 1000 agree in Q1, 640 of 1000 in Q2. By hand (z = 1.96): Wilson 0.6098 to 0.6692
    # and 0.5693 to 0.6299; Newcombe 0.04 -/+ sqrt(0.0302^2 + 0.0299^2), sqrt(0.0292^2 +
    # 0.0307^2) = -0.0025 to +0.0823: includes 0, but rules out a change of 10 points.
    experience = csv(
        "response_id,service_id,respondent,response_date,feel_involved,theme",
        _responses("S-ENG", "2026-05-12", 600, 1000, 0)
        + _responses("S-ENG", "2026-08-12", 640, 1000, 1000),
    )
    dataset = load(compare_dataset(tmp_path / "d", experience=experience))
    r = row(compare(dataset, BEFORE, QUARTER, as_of=AS_OF), "S-ENG", "feel_involved_agree")
    assert (round(r["diff_low"], 4), round(r["diff_high"], 4)) == (-0.0025, 0.0823)
    assert r["change"] == NO_CLEAR_CHANGE
    assert r["reason"] == (
        "a small difference the interval cannot separate from 0: the 95% interval of the "
        "difference (−0.3 to +8 points) includes 0 but rules out a change of 10 points or more"
    )


def test_points_never_show_an_interval_end_as_0_when_it_is_not():
    assert list(points_text([0.253, 0.0004, -0.0031, 0.0, -0.2, float("nan")])) == [
        "+25",
        "+0.04",
        "−0.3",
        "+0",
        "−20",
        "",
    ]


def test_cannot_compare_where_a_period_has_no_value(table):
    r = row(table, "S-SCT", "summaries_5wd")  # Elm's only review is in Q2
    assert r["change"] == CANNOT_COMPARE
    assert r["reason"] == "no value in 2026/27 Q1: nothing to measure this quarter"
    assert pd.isna(r["difference"]) and pd.isna(r["diff_low"])
    missing = row(table, "ALL", "decisions_specific")  # no decisions table
    assert missing["change"] == CANNOT_COMPARE
    assert "2026/27 Q1: no data in the dataset; 2026/27 Q2: no data" in missing["reason"]
    audited = row(table, "ALL", "Q05")  # audited in Q2 only
    assert audited["change"] == CANNOT_COMPARE
    assert audited["reason"] == "no value in 2026/27 Q1: not audited this quarter"


def test_counts_and_means_are_shown_but_not_tested(table):
    r = row(table, "S-ENG", "compliments")
    assert (r["before_value"], r["after_value"], r["difference"]) == (2, 5, 3)
    assert r["change"] == NOT_TESTED
    assert "a count" in r["reason"]
    mean = row(table, "S-ENG", "feel_involved_mean")
    assert mean["change"] == NOT_TESTED and pd.isna(mean["diff_low"])


def test_all_covers_only_the_chosen_services(dataset):
    one = compare(dataset, BEFORE, QUARTER, as_of=AS_OF, services=["S-SCT"])
    assert list(pd.unique(one["scope"])) == ["S-SCT", "ALL"]
    r = row(one, "ALL", "feel_involved_agree")
    assert (r["before_numerator"], r["after_numerator"]) == (3, 9)
    everyone = compare(dataset, BEFORE, QUARTER, as_of=AS_OF)
    assert row(everyone, "ALL", "feel_involved_agree")["after_denominator"] == 80


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        (QUARTER, BEFORE, "wrong way round"),
        (QUARTER, QUARTER, "same quarter"),
        (BEFORE, "2026 Q2", "same quarter"),  # the same three months as a calendar quarter
    ],
)
def test_quarters_the_wrong_way_round_or_identical_are_refused(dataset, before, after, message):
    with pytest.raises(CompareError, match=message):
        compare(dataset, before, after, as_of=AS_OF, calendar_quarters=after == "2026 Q2")
    with pytest.raises(PeriodError, match="month"):
        compare(dataset, BEFORE, "2026-08", as_of=AS_OF)


def test_compare_chart_is_titled_with_the_dates(table):
    fig = compare_chart(table, "S-ENG", name="Oak House")
    ax = fig.axes[0]
    joined = " ".join([t.get_text() for t in ax.texts] + [ax.get_title(loc="left")])
    assert "Before/after – Oak House" in joined
    assert "2026/27 Q1 (1 Apr 2026 – 30 Jun 2026) against 2026/27 Q2" in joined
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "respondents who feel involved (4-5)" in labels
    assert not any("compliments" in label for label in labels)  # counts are not charted
    fig.savefig(io.BytesIO(), format="png")


def test_cli_compare_and_its_refusal(tmp_path, capsys):
    folder = compare_dataset(tmp_path / "d")
    args = ["compare", str(folder), "--as-of", AS_OF.isoformat()]
    assert main([*args, "--before", BEFORE, "--after", QUARTER, "--services", "S-ENG"]) == 0
    out = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(out.columns) == COMPARE_COLUMNS
    assert set(out["scope"]) == {"S-ENG", "ALL"}
    assert main([*args, "--before", QUARTER, "--after", BEFORE]) == 1
    err = capsys.readouterr().err
    assert "wrong way round" in err and "Traceback" not in err
