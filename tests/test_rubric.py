"""The rubric file: the shipped defaults, the words, and every kind of bad file refused clearly."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from auditlib.contract import DIMENSIONS
from auditlib.errors import InputNotFoundError, RubricError
from auditlib.rubric import Condition, load_rubric

DEFAULT = (resources.files("auditlib") / "resources" / "rubric.toml").read_text("utf-8")
SUMMARIES_2 = 'require = [{ metric = "summaries_5wd", at_least = 0.90 }]'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rubric.toml"
    path.write_text(text, encoding="utf-8")
    return path


def edited(old: str, new: str) -> str:
    assert DEFAULT.count(old) == 1, old
    return DEFAULT.replace(old, new)


def refused(tmp_path: Path, text: str) -> RubricError:
    path = write(tmp_path, text)
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    assert str(path) in str(caught.value)
    return caught.value


def test_the_default_rubric_covers_every_dimension_and_reads_in_words():
    rubric = load_rubric()
    assert set(rubric.rules) == set(DIMENSIONS)
    assert rubric.target == 17
    assert all(rubric.rules[d] for d in DIMENSIONS)
    assert rubric.rule_words("summaries") == (
        "2 (<=5 days + tracked) when summaries sent within 5 working days ≥ 90%; "
        "1 (Within 10 days) when summaries sent within 10 working days ≥ 90%; otherwise 0 (Slow)."
    )
    assert "ten-file QA criteria for consent_capacity (Q01, Q03) met in ≥ 80% of applicable" in (
        rubric.rule_words("consent_capacity")
    )
    assert "NI case samples at the service's site ≥ 2" in rubric.rule_words("governance")
    described = rubric.describe()
    assert list(described["dimension"]) == list(DIMENSIONS)
    assert described["rule"].str.endswith(".").all()


def test_a_condition_never_holds_on_missing_data():
    at_least = Condition("metric", "summaries_5wd", "at_least", 0.9)
    at_most = Condition("metric", "summaries_5wd", "at_most", 0.1)
    values = np.array([0.9, 0.89, np.nan, 0.1])
    assert list(at_least.holds(values)) == [True, False, False, False]
    assert list(at_most.holds(values)) == [False, False, False, True]
    assert at_most.words() == "summaries sent within 5 working days ≤ 10%"


def test_a_file_that_does_not_parse(tmp_path):
    error = refused(tmp_path, "target = [\n")
    assert [p.reason for p in error.problems] == ["not_toml"]
    assert "not valid TOML" in str(error)


def test_an_unknown_metric_names_the_key(tmp_path):
    error = refused(tmp_path, edited(SUMMARIES_2, SUMMARIES_2.replace("5wd", "7wd")))
    [problem] = error.problems
    assert (problem.reason, problem.key, problem.value) == (
        "unknown_metric",
        "summaries[1].require[1].metric",
        "summaries_7wd",
    )
    assert "key summaries[1].require[1].metric: 'summaries_7wd': a dashboard metric" in str(error)


@pytest.mark.parametrize("threshold", ["90", "-0.1", "1.01", "true", '"0.9"', "nan"])
def test_a_proportion_threshold_out_of_range(tmp_path, threshold):
    error = refused(tmp_path, edited(SUMMARIES_2, SUMMARIES_2.replace("0.90", threshold)))
    [problem] = error.problems
    assert problem.reason == "out_of_range"
    assert problem.key == "summaries[1].require[1].at_least"
    assert "a proportion from 0 to 1" in problem.message


def test_a_count_threshold_must_be_a_whole_number(tmp_path):
    old = 'require = [{ metric = "ni_case_samples", at_least = 2 }]'
    error = refused(tmp_path, edited(old, old.replace("2 }", "1.5 }")))
    assert error.problems[0].key == "governance[1].require[1].at_least"
    assert "whole number" in error.problems[0].message


def test_a_missing_dimension(tmp_path):
    start = DEFAULT.index("# 0 Induction")
    error = refused(tmp_path, DEFAULT[:start])
    [problem] = error.problems
    assert (problem.reason, problem.key) == ("missing_dimension", "training")


def test_an_unknown_dimension_criterion_and_score_all_reported_at_once(tmp_path):
    text = edited('criterion = "Q11", at_least = 0.80', 'criterion = "Q99", at_least = 0.80')
    text = text.replace("[[summaries]]\nscore = 2", "[[summaries]]\nscore = 3", 1)
    text += '\n[[happiness]]\nscore = 2\nrequire = [{ metric = "concerns", at_most = 0 }]\n'
    error = refused(tmp_path, text)
    found = {(p.reason, p.key) for p in error.problems}
    assert found == {
        ("unknown_criterion", "ig_dspt[1].require[1].criterion"),
        ("out_of_range", "summaries[1].score"),
        ("unknown_key", "happiness"),
    }
    assert "3 problems in the rubric; nothing was scored" in str(error)


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        ('{ metric = "summaries_5wd" }', "wrong_bound"),
        ('{ metric = "summaries_5wd", criterion = "Q07", at_least = 0.5 }', "wrong_source"),
        ('{ metric = "summaries_5wd", at_least = 0.5, weight = 2 }', "unknown_key"),
        ('{ qa_dimension = "wellbeing", at_least = 0.5 }', "unknown_dimension"),
    ],
)
def test_malformed_conditions(tmp_path, condition, reason):
    error = refused(tmp_path, edited(SUMMARIES_2, f"require = [{condition}]"))
    assert reason in {p.reason for p in error.problems}


def test_bad_target_and_empty_requirements(tmp_path):
    text = edited("target = 17", "target = 21").replace(SUMMARIES_2, "require = []")
    error = refused(tmp_path, text)
    assert {(p.reason, p.key) for p in error.problems} == {
        ("out_of_range", "target"),
        ("missing_conditions", "summaries[1].require"),
    }


def test_a_missing_file(tmp_path):
    with pytest.raises(InputNotFoundError, match="no such rubric file"):
        load_rubric(tmp_path / "nowhere.toml")
