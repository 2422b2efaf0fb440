"""The Making Data Count board summary, its targets file and its icons, on hand-made inputs."""

from __future__ import annotations

import pandas as pd
import pytest

from auditlib import load_rubric
from auditlib.errors import InputNotFoundError, TargetsError
from auditlib.metrics import METRICS
from auditlib.report.board import (
    BOARD_COLUMNS,
    NO_TARGET,
    TOO_FEW,
    board_summary,
    load_targets,
    targets_for_trends,
)

Q2 = ("2026/27 Q2", pd.Timestamp("2026-07-01"), pd.Timestamp("2026-09-30"))
Q1 = ("2026/27 Q1", pd.Timestamp("2026-04-01"), pd.Timestamp("2026-06-30"))


def _metrics(values: dict, period=Q2) -> pd.DataFrame:
    """ALL rows for every metric: none_due unless given as (numerator, denominator, pending)."""
    rows = []
    for metric_id, info in METRICS.items():
        x, n, pending = values.get(metric_id, (0, 0, 0))
        if info.kind == "count":
            n, pending = None, None
        ok = metric_id in values
        value = (x if info.kind == "count" else x / n) if ok else float("nan")
        rows.append(
            {
                "scope": "ALL",
                "period": period[0],
                "period_start": period[1],
                "period_end": period[2],
                "metric_id": metric_id,
                "numerator": x,
                "denominator": n,
                "value": value,
                "pending": pending,
                "status": "ok" if ok else "none_due",
            }
        )
    service = dict(rows[0], scope="S-1", numerator=1, denominator=1, value=1.0, status="ok")
    table = pd.DataFrame([*rows, service])
    for column in ("numerator", "denominator", "pending"):
        table[column] = table[column].astype("Int64")
    return table


def _trends(targets: dict, **changes) -> pd.DataFrame:
    rows = []
    for metric_id in METRICS:
        row = {
            "scope": "ALL",
            "metric_id": metric_id,
            "n_points": 24,
            "baseline_points": 24,
            "variation": "Common cause variation",
            "variation_icon": "common_cause",
            "target": targets.get(metric_id, float("nan")),
            "assurance": "hit and miss" if metric_id in targets else None,
            "assurance_type": "inconsistent" if metric_id in targets else None,
            "warning": None,
        }
        row.update(changes.get(metric_id, {}))
        rows.append(row)
    return pd.DataFrame(rows)


def _targets(**set_) -> pd.Series:
    return pd.Series({m: set_.get(m, float("nan")) for m in METRICS}, name="target")


def _board(values, targets, **changes):
    table = _targets(**targets)
    return board_summary(_metrics(values), _trends(targets, **changes), table).set_index(
        "metric_id"
    )


def test_a_proportion_with_its_target_and_both_verdicts():
    board = _board(
        {"summaries_5wd": (163, 193, 0)},
        {"summaries_5wd": 0.9},
        summaries_5wd={
            "variation": "Special cause improvement",
            "variation_icon": "improvement_high",
            "assurance": "consistently misses target",
            "assurance_type": "consistent_fail",
        },
    )
    row = board.loc["summaries_5wd"]
    assert row["value_text"] == "84% (163 of 193)"
    assert row["n"] == 193
    assert row["period"] == "2026/27 Q2 (1 Jul 2026 – 30 Sep 2026)"
    assert row["target_text"] == "at least 90%"
    assert row["variation"] == "Special cause improvement"
    assert 'aria-label="Special cause improvement: unusually high"' in row["variation_icon"]
    assert ">H</text>" in row["variation_icon"] and "#005EB8" in row["variation_icon"]
    assert row["assurance"] == "consistently misses target"
    assert ">F</text>" in row["assurance_icon"] and "<title>" in row["assurance_icon"]
    assert row["note"] == ""
    assert row["label"] == METRICS["summaries_5wd"].label


def test_every_metric_in_order_with_the_columns():
    board = board_summary(_metrics({}), _trends({}), _targets())
    assert list(board.columns) == BOARD_COLUMNS
    assert list(board["metric_id"]) == list(METRICS)


def test_small_n_means_and_counts_read_plainly():
    board = _board(
        {
            "advocacy_referral_48h": (5, 8, 0),
            "feel_involved_mean": (141, 36, 0),
            "compliments": (11, None, None),
        },
        {},
    )
    assert board.at["advocacy_referral_48h", "value_text"] == "5 of 8"
    assert board.at["feel_involved_mean", "value_text"] == "3.9 (n = 36)"
    assert board.at["compliments", "value_text"] == "11"
    assert pd.isna(board.at["compliments", "n"])


def test_a_missing_value_and_pending_items_say_why():
    board = _board({"actions_on_time": (30, 40, 3)}, {})
    assert board.at["agenda_3d", "value_text"] == ""
    assert board.at["agenda_3d", "note"] == "nothing to measure this quarter"
    assert board.at["actions_on_time", "note"] == (
        "3 pending (deadline after the as-of date), left out"
    )


def test_no_target_means_no_assurance_icon():
    board = _board({"agenda_3d": (30, 40, 0)}, {})
    assert board.at["agenda_3d", "target_text"] == NO_TARGET
    assert board.at["agenda_3d", "assurance"] == NO_TARGET
    assert board.at["agenda_3d", "assurance_icon"] == ""
    assert board.at["agenda_3d", "variation_icon"].startswith("<svg")


def test_too_few_months_means_no_icon_and_the_warning():
    warning = "Only 9 points behind the current limits (fewer than 12)"
    board = _board(
        {"decisions_specific": (9, 10, 0)},
        {"decisions_specific": 0.9},
        decisions_specific={"n_points": 9, "baseline_points": 9, "warning": warning},
    )
    row = board.loc["decisions_specific"]
    assert row["variation"] == TOO_FEW and row["variation_icon"] == ""
    assert row["assurance"] == TOO_FEW and row["assurance_icon"] == ""
    assert row["note"] == warning
    assert row["value_text"] == "90% (9 of 10)"


def test_the_twelfth_month_gives_a_verdict():
    board = _board(
        {"decisions_specific": (9, 10, 0)},
        {"decisions_specific": 0.9},
        decisions_specific={"n_points": 12, "baseline_points": 12},
    )
    assert board.at["decisions_specific", "assurance"] == "hit and miss"
    assert ">?</text>" in board.at["decisions_specific", "assurance_icon"]


def test_the_latest_quarter_is_read():
    table = pd.concat(
        [_metrics({"agenda_3d": (1, 10, 0)}, Q1), _metrics({"agenda_3d": (9, 10, 0)})]
    )
    board = board_summary(table, _trends({}), _targets()).set_index("metric_id")
    assert board.at["agenda_3d", "value_text"] == "90% (9 of 10)"


def test_trends_with_other_targets_are_refused():
    with pytest.raises(ValueError, match="summaries_5wd"):
        board_summary(_metrics({}), _trends({}), _targets(summaries_5wd=0.9))


def test_shipped_targets_follow_the_rubric():
    targets = load_targets()
    assert list(targets.index) == list(METRICS)
    rubric = load_rubric()
    thresholds: dict[str, float] = {}
    for levels in rubric.rules.values():
        for level in levels:
            for condition in level.require:
                if condition.source == "metric" and condition.threshold > 0:
                    name = condition.name
                    thresholds[name] = max(thresholds.get(name, 0), condition.threshold)
    # ni_case_samples is counted per site in the grid; ALL is the provider's total
    thresholds.pop("ni_case_samples")
    assert targets.dropna().to_dict() == thresholds
    assert targets["summaries_5wd"] == 0.9
    assert targets_for_trends(load_targets())["summaries_5wd"] == 0.9


def test_a_bad_targets_file_gets_located_messages(tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text(
        "metric_id,target,rationale\n"
        "summaries_5wd,90,percent not proportion\n"
        "summaries_5wd,0.9,twice\n"
        "made_up,0.5,\n"
        "compliments,lots,\n"
        "concerns,-1,\n",
        encoding="utf-8",
    )
    with pytest.raises(TargetsError) as caught:
        load_targets(path)
    located = {(p.reason, p.row, p.column) for p in caught.value.problems}
    assert located == {
        ("out_of_range", 2, "target"),
        ("duplicate_key", 3, "metric_id"),
        ("unknown_value", 4, "metric_id"),
        ("wrong_type", 5, "target"),
        ("out_of_range", 6, "target"),
    }
    assert f"{path}, row 5, column target: 'lots': a number, or blank" in str(caught.value)
    with pytest.raises(InputNotFoundError):
        load_targets(tmp_path / "none.csv")


def test_a_targets_file_of_ones_own(tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text("metric_id,target\nagenda_3d,0.75\n", encoding="utf-8")
    targets = load_targets(path)
    assert targets_for_trends(targets) == {"agenda_3d": 0.75}
    assert list(targets.index) == list(METRICS)
    assert targets.isna().sum() == len(METRICS) - 1


def test_targets_of_means_and_counts():
    board = _board({}, {"feel_involved_mean": 4.5, "compliments": 10})
    assert board.at["feel_involved_mean", "target_text"] == "at least 4.5"
    assert board.at["compliments", "target_text"] == "at least 10"
