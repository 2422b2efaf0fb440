"""Evidence statements and the assured involvement paragraph: dated, sourced, honest about n."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from grid_fixtures import AS_OF, BEFORE, QUARTER, compare_dataset, csv, load

from auditlib.evidence import assured_involvement_paragraph, evidence_statements

DATED = "2026/27 Q2 (1 Jul 2026 – 30 Sep 2026): "
PLACE = "across Oak House and Elm Court"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return load(compare_dataset(tmp_path_factory.mktemp("evidence")))


@pytest.fixture(scope="module")
def statements(dataset) -> pd.DataFrame:
    return evidence_statements(dataset, QUARTER, baseline=BEFORE, as_of=AS_OF)


def sentence(statements: pd.DataFrame, kind: str, measure: str) -> str:
    rows = statements[(statements["kind"] == kind) & (statements["measure"] == measure)]
    assert len(rows) == 1
    return rows["sentence"].iloc[0]


def test_every_headline_sentence_is_dated_sourced_and_placed(statements):
    now = statements[statements["kind"] != "change"]
    assert now["sentence"].str.startswith(DATED).all()
    assert now["sentence"].str.contains(PLACE).all()
    assert now["sentence"].str.endswith(").").all()
    assert sentence(statements, "metric", "feel_involved_agree") == (
        f"{DATED}81% (65 of 80) of survey responses said they felt involved, scoring 4 or 5 of 5 "
        f"(dashboard data {PLACE}, as of 20 Nov 2026)."
    )


def test_small_n_gives_the_count_not_a_percentage(statements):
    text = sentence(statements, "metric", "summaries_5wd")
    assert f"{DATED}4 of 5 review summaries were sent within 5 working days" in text
    assert "%" not in text
    qa = sentence(statements, "qa", "Q05")
    assert qa == (
        f"{DATED}1 of 2 audited files showed family or advocate input at the latest review, "
        f"where the person wants it, and 1 more partly (ten-file QA {PLACE})."
    )


def test_rose_only_where_the_interval_of_the_difference_excludes_zero(statements):
    rose = sentence(statements, "change", "feel_involved_agree")
    assert rose.startswith(
        "Respondents who feel involved (4-5) rose from 57% (51 of 90) in 2026/27 Q1 "
        "(1 Apr 2026 – 30 Jun 2026) to 81% (65 of 80) in 2026/27 Q2 (1 Jul 2026 – 30 Sep 2026)"
    )
    assert "95% interval of the difference +11 to +37 points" in rose


def test_no_clear_change_where_the_interval_crosses_zero(statements):
    text = sentence(statements, "change", "summaries_5wd")
    assert "no clear change (too few to tell: the 95% interval of the difference" in text
    assert "2 of 3 in 2026/27 Q1" in text and "4 of 5 in 2026/27 Q2" in text
    assert re.search(r"interval of the difference \(−\d+ to \+\d+ points\) includes 0", text)
    assert "rose" not in text and "fell" not in text
    assert text.count("interval") == 1


def test_a_change_the_exact_test_withholds_is_explained_once_and_truly(tmp_path):
    # Q07 at Oak: 0 of 2 files in Q1, 2 of 2 in Q2: Newcombe +7 to +100 points excludes 0, but
    # Fisher's exact test gives p = 1/3, so no change is claimed -- and the sentence says why.
    audits = csv(
        "quarter,person_id,criterion_id,result,auditor,audit_date,note",
        [
            (BEFORE, "P-1", "Q07", "not_met", "A-1", "2026-07-05", None),
            (BEFORE, "P-4", "Q07", "not_met", "A-1", "2026-07-05", None),
            (QUARTER, "P-1", "Q07", "met", "A-1", "2026-10-05", None),
            (QUARTER, "P-4", "Q07", "met", "A-1", "2026-10-05", None),
        ],
    )
    dataset = load(compare_dataset(tmp_path / "d", file_audits=audits))
    text = sentence(
        evidence_statements(dataset, QUARTER, baseline=BEFORE, as_of=AS_OF), "change", "Q07"
    )
    assert (
        "0 of 2 in 2026/27 Q1 (1 Apr 2026 – 30 Jun 2026) and 2 of 2 in 2026/27 Q2 "
        "(1 Jul 2026 – 30 Sep 2026), no clear change (too few to tell: the 95% interval of the "
        "difference (+7 to +100 points) excludes 0, but Fisher's exact test, used for counts "
        "this small, does not confirm a change (p = 0.333); ten-file QA" in text
    )
    assert "includes 0" not in text


def test_cannot_compare_says_why(statements):
    text = sentence(statements, "change", "Q05")
    assert "cannot compare 2026/27 Q1" in text
    assert "not audited this quarter" in text


def test_no_person_or_service_ids_in_any_sentence(statements):
    joined = " ".join(statements["sentence"])
    assert not re.search(r"\b[PS]-[A-Z0-9]+\b", joined)


def test_public_audience_hides_counts_from_1_to_7(dataset):
    public = evidence_statements(dataset, QUARTER, as_of=AS_OF, audience="public")
    assert "not published (a count from 1 to 7)" in sentence(public, "metric", "summaries_5wd")
    assert "81% (65 of 80)" in sentence(public, "metric", "feel_involved_agree")
    with pytest.raises(ValueError, match="audience"):
        evidence_statements(dataset, QUARTER, as_of=AS_OF, audience="press")


def test_the_assured_involvement_paragraph_has_four_dated_lines(dataset):
    text = assured_involvement_paragraph(dataset, QUARTER, baseline=BEFORE, as_of=AS_OF)
    lines = text.split("\n")
    titles = ["Behaviour", "Owners and cadence", "Evidence", "Assurance"]
    assert [line.split(",")[0] for line in lines] == titles
    for line in lines:
        assert f", 2026/27 Q2 (1 Jul 2026 – 30 Sep 2026), {PLACE}: " in line
        assert line.endswith(".")
    assert "2 of 2 people had family or advocate input at a review" in lines[0]
    assert "(ten-file QA)" in lines[2] and "(dashboard data as of 20 Nov 2026)" in lines[2]
    assert (
        "summaries sent within 5 working days: 2 of 3 in 2026/27 Q1, 4 of 5 now: no clear change "
        "(too few to tell)" in (lines[3])
    )
    assert "0 of 2 services evidenced the self-score grid's target of 17 of 20" in lines[3]
