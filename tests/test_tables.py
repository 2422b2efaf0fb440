"""``--format table``: what a reader needs, fitted to the width, never NaN or <NA>."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import TODAY

from auditlib.cli import main
from auditlib.tables import screen_table

NAMES = {"S-1": "Oak House", "S-2": "Elm Court"}
WORDING = (
    "An About Me profile with the circle of support: who the person wants involved, roles, "
    "what not to share"
)


def metrics_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scope": ["S-1", "S-2", "S-1", "ALL"],
            "period": "2026/27 Q2",
            "metric_id": ["summaries_5wd", "summaries_5wd", "feel_involved_mean", "compliments"],
            "numerator": pd.array([163, 0, 41, 11], dtype="Int64"),
            "denominator": pd.array([193, 0, 12, pd.NA], dtype="Int64"),
            "value": [163 / 193, np.nan, 3.4167, 11.0],
            "ci_low": [0.7868, np.nan, 2.91, np.nan],
            "ci_high": [0.8889, np.nan, 3.92, np.nan],
            "pending": pd.array([2, 0, 0, pd.NA], dtype="Int64"),
            "status": ["ok", "none_due", "ok", "ok"],
        }
    )


def lines_of(text: str) -> list[str]:
    return text.splitlines()


def test_metrics_show_names_values_with_their_n_and_why_a_value_is_missing():
    text = screen_table(metrics_rows(), names=NAMES, width=200)
    assert "S-1 Oak House" in text and "S-2 Elm Court" in text
    assert "84% (163 of 193)" in text
    assert "79% to 89%" in text  # Wilson for 163 of 193: 78.68% to 88.89%
    assert "3.42 (n 12)" in text and "2.91 to 3.92" in text  # a mean on its own scale, with n
    assert "nothing to measure this quarter" in text
    assert "summaries sent within 5 working days" in text  # the metric in words
    assert "NaN" not in text and "<NA>" not in text and "nan" not in text


def test_long_text_wraps_to_the_width_and_nothing_is_cut_off():
    qa = pd.DataFrame(
        {
            "scope": ["S-1", "ALL"],
            "criterion_id": "Q01",
            "wording": WORDING,
            "met": pd.array([8, 8], dtype="Int64"),
            "partial": pd.array([1, 1], dtype="Int64"),
            "not_met": pd.array([1, 1], dtype="Int64"),
            "na": pd.array([0, 0], dtype="Int64"),
            "applicable": pd.array([10, 10], dtype="Int64"),
            "value": [0.8, 0.8],
            "ci_low": [0.49, 0.49],
            "ci_high": [0.94, 0.94],
            "lqas": ["below target", "below target"],
            "status": ["ok", "ok"],
        }
    )
    text = screen_table(qa, names=NAMES, width=72)
    assert max(map(len, lines_of(text))) <= 72
    for word in WORDING.split():  # every word of the criterion is there, none cut
        assert word in text.split()
    wide = screen_table(qa, names=NAMES, width=250)
    assert len(lines_of(wide)) == 4  # header, rule, two rows: nothing wraps when there is room
    assert f"Q01 {WORDING}" in wide and "80% (8 of 10)" in wide and "49% to 94%" in wide


def test_compare_shows_the_reason_and_the_grid_its_shortfall():
    compare = pd.DataFrame(
        {
            "scope": ["S-1"],
            "label": ["summaries sent within 5 working days"],
            "kind": ["proportion"],
            "before_numerator": pd.array([6], dtype="Int64"),
            "before_denominator": pd.array([10], dtype="Int64"),
            "before_value": [0.6],
            "after_numerator": pd.array([8], dtype="Int64"),
            "after_denominator": pd.array([10], dtype="Int64"),
            "after_value": [0.8],
            "difference": [0.2],
            "diff_low": [-0.19],
            "diff_high": [0.53],
            "change": ["no clear change"],
            "reason": ["too few to tell: 10 against 10"],
        }
    )
    text = screen_table(compare, names=NAMES, width=250)
    assert "60% (6 of 10)" in text and "80% (8 of 10)" in text
    assert "+20.0 points (-19.0 to +53.0)" in text
    assert "too few to tell: 10 against 10" in text
    grid = pd.DataFrame(
        {
            "service_id": ["S-1"],
            "dimension": ["summaries"],
            "claimed": [2],
            "evidenced": pd.array([1], dtype="Int64"),
            "evidenced_words": ["Within 10 days"],
            "finding": ["over-claim"],
            "shortfall": ["claims 2, the evidence supports 1: 5 days 70% (7 of 10)"],
            "evidence_note": [""],
        }
    )
    text = screen_table(grid, names=NAMES, width=250)
    assert "claims 2, the evidence supports 1: 5 days 70% (7 of 10)" in text
    assert "1 Within 10 days" in text


@pytest.mark.parametrize("columns", [60, 100])
def test_the_command_fits_the_terminal(make_dataset, capsys, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    args = ["metrics", str(make_dataset()), "--quarter", "2026/27 Q2", "--format", "table"]
    assert main([*args, "--as-of", TODAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert max(map(len, lines_of(out))) <= columns
    assert {"S-ENG", "Oak", "House", "67%"} <= set(out.split())  # wrapped, never cut
    if columns >= 100:  # Oak House in Q2: M-1 (family), M-2, M-3 (async input): 2 of 3
        assert "S-ENG Oak House" in out and "67% (2 of 3)" in out
    assert "NaN" not in out and "<NA>" not in out
