"""Disclosure control for the public audience: tables worked by hand, and properties."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditlib import compare, compliance, compute_metrics, load_dataset
from auditlib.metrics import METRICS
from auditlib.periods import parse_period
from auditlib.report.disclosure import (
    RULE,
    suppress,
    suppress_compare,
    suppress_compliance,
    suppress_metrics,
)

SERVICES = {"group_by": [], "total": ("scope", "ALL")}


def _services(**columns) -> pd.DataFrame:
    scopes = ["A", "B", "C", "ALL"][-len(next(iter(columns.values()))) :]
    return pd.DataFrame({"scope": scopes, **columns})


def test_primary_hides_one_to_seven_and_shows_zero_and_eight():
    table = pd.DataFrame({"scope": list("abcd"), "k": [0, 1, 7, 8]})
    shown, hidden = suppress(table, counts=["k"])
    assert list(shown["k"]) == ["0", "*", "*", "8"]
    assert list(hidden["k"]) == [False, True, True, False]


def test_a_rate_is_hidden_with_its_count_and_the_input_is_untouched():
    table = pd.DataFrame({"x": [3, 20], "n": [40, 40], "value": [3 / 40, 0.5]})
    before = table.copy()
    result = suppress(table, counts=["x", "n"], rates={"value": ("x", "n")})
    assert result.table["value"].isna().tolist() == [True, False]
    assert list(result.table["n"]) == ["40", "40"]
    pd.testing.assert_frame_equal(table, before)


def test_a_small_complement_hides_the_numerator():
    # 45 of 50: the 5 who did not would be 50 - 45
    table = pd.DataFrame({"x": [45, 42], "n": [50, 50]})
    result = suppress(table, counts=["x", "n"], complements=[("x", "n")])
    assert list(result.table["x"]) == ["*", "42"]
    assert list(result.table["n"]) == ["50", "50"]


def test_one_hidden_service_hides_the_next_smallest():
    # A's 3 would be 33 - 10 - 20: hide B (10), the next smallest
    table = _services(x=[3, 10, 20, 33], n=[40, 40, 40, 120])
    result = suppress(table, counts=["x", "n"], complements=[("x", "n")], **SERVICES)
    assert list(result.table["x"]) == ["*", "*", "20", "33"]
    assert list(result.table["n"]) == ["40", "40", "40", "120"]


def test_secondary_suppression_passes_over_zero_cells():
    table = _services(x=[3, 0, 20, 23])
    result = suppress(table, counts=["x"], **SERVICES)
    assert list(result.table["x"]) == ["*", "0", "*", "23"]


def test_a_total_with_one_member_is_hidden_with_it():
    # one service: 45 of 50 hides its numerator, which ALL repeats
    table = pd.DataFrame({"scope": ["A", "ALL"], "x": [45, 45], "n": [50, 50]})
    result = suppress(table, counts=["x", "n"], complements=[("x", "n")], **SERVICES)
    assert list(result.table["x"]) == ["*", "*"]
    assert list(result.table["n"]) == ["50", "50"]


def test_when_only_zeros_remain_the_total_is_hidden():
    # B's 20 is hidden (its complement is 5): 0 + 20 = 20 would give it away
    table = _services(x=[0, 20, 20], n=[9, 25, 34])
    result = suppress(table, counts=["x", "n"], complements=[("x", "n")], **SERVICES)
    assert list(result.table["x"]) == ["0", "*", "*"]


def test_a_group_that_does_not_add_up_is_hidden_whole():
    # two services on one site repeat the site's count: ALL is the site total, not the sum
    table = _services(k=[2, 2, 10, 12])
    assert list(suppress(table, counts=["k"], **SERVICES).table["k"]) == ["*"] * 4
    table = _services(k=[9, 9, 10, 19])
    assert list(suppress(table, counts=["k"], **SERVICES).table["k"]) == ["9", "9", "10", "19"]


def test_rows_of_a_group_add_up_to_its_own_total():
    table = pd.DataFrame(
        {
            "scope": ["A", "B", "ALL", "A", "B", "ALL"],
            "metric": ["m1"] * 3 + ["m2"] * 3,
            "k": [3, 30, 33, 10, 20, 30],
        }
    )
    result = suppress(table, counts=["k"], group_by=["metric"], total=("scope", "ALL"))
    # m1: A is hidden, B is the only other member, so B goes too; m2 is untouched
    assert list(result.table["k"]) == ["*", "*", "33", "10", "20", "30"]


def test_missing_counts_stay_blank_and_take_part_in_nothing():
    table = _services(x=[10, 12, 22], n=[pd.NA, pd.NA, pd.NA])
    result = suppress(table, counts=["x", "n"], complements=[("x", "n")], **SERVICES)
    assert list(result.table["n"]) == ["", "", ""]
    assert list(result.table["x"]) == ["10", "12", "22"]


def test_qa_results_within_a_file_count():
    # files 10 = met 8 + partial 0 + not_met 0 + na 2. The 2 hides; 10 - 2 would give
    # met away, so met hides; then applicable (8 = met alone) hides too.
    table = pd.DataFrame(
        {
            "scope": ["ALL"],
            "criterion_id": ["Q01"],
            "met": [8],
            "partial": [0],
            "not_met": [0],
            "na": [2],
            "applicable": [8],
            "files": [10],
            "value": [1.0],
            "lqas": ["meets target"],
        }
    )
    result = suppress_compliance(table)
    row = result.table.iloc[0]
    shown = [row[c] for c in ["met", "partial", "not_met", "na", "applicable", "files"]]
    assert shown == ["*", "0", "0", "*", "*", "10"]
    assert pd.isna(row["value"]) and pd.isna(row["lqas"])


def _metrics(rows) -> pd.DataFrame:
    columns = ["scope", "period", "metric_id", "numerator", "denominator", "value", "pending"]
    table = pd.DataFrame(rows, columns=columns)
    table["denominator"] = table["denominator"].astype("Int64")
    return table


def test_metrics_table_kinds():
    p = "2026/27 Q2"
    table = _metrics(
        [
            ("S-1", p, "summaries_5wd", 20, 30, 20 / 30, 0),
            ("S-2", p, "summaries_5wd", 45, 50, 0.9, 0),
            ("ALL", p, "summaries_5wd", 65, 80, 65 / 80, 0),
            ("S-1", p, "feel_involved_mean", 20, 5, 4.0, 0),
            ("S-2", p, "feel_involved_mean", 40, 10, 4.0, 0),
            ("ALL", p, "feel_involved_mean", 60, 15, 4.0, 0),
            ("S-1", p, "compliments", 0, None, 0.0, None),
            ("S-2", p, "compliments", 9, None, 9.0, None),
            ("ALL", p, "compliments", 9, None, 9.0, None),
        ]
    )
    result = suppress_metrics(table).table
    # S-2's 45 of 50 leaves 5: hidden, then S-1's 20 to protect it; ALL stays
    assert list(result["numerator"][:3]) == ["*", "*", "65"]
    assert result["value"][:3].isna().tolist() == [True, True, False]
    # a mean of 5 responses: n, the sum of scores and the mean all hidden; then S-2 protects it
    assert list(result["denominator"][3:6]) == ["*", "*", "15"]
    assert list(result["numerator"][3:6]) == ["*", "*", "60"]
    assert result["value"][3:6].isna().tolist() == [True, True, False]
    # counts have no denominator; a zero is shown
    assert list(result["numerator"][6:]) == ["0", "9", "9"]
    assert list(result["denominator"][6:]) == ["", "", ""]


def test_compare_table_hides_the_change_built_on_a_hidden_side():
    table = pd.DataFrame(
        {
            "scope": ["S-1", "S-2", "ALL"],
            "measure": ["agenda_3d"] * 3,
            "kind": ["proportion"] * 3,
            "before_numerator": [4, 30, 34],
            "before_denominator": [20, 40, 60],
            "after_numerator": [15, 30, 45],
            "after_denominator": [30, 40, 70],
            "difference": [0.3, 0.0, 0.08],
            "change": ["rose", "no clear change", "no clear change"],
        }
    )
    result = suppress_compare(table).table
    assert list(result["before_numerator"]) == ["*", "*", "34"]
    assert list(result["after_numerator"]) == ["15", "30", "45"]
    assert result["change"].isna().tolist() == [True, True, False]


def test_the_rule_is_written_down():
    assert "1 to 7" in RULE and "secondary suppression" in RULE


def test_more_than_one_total_row_is_a_programming_error():
    table = pd.DataFrame({"scope": ["ALL", "ALL"], "k": [10, 10]})
    with pytest.raises(ValueError, match="more than one"):
        suppress(table, counts=["k"], **SERVICES)


# --------------------------------------------------------------------------- properties


def _recomputable(hidden: np.ndarray, total_shown: bool) -> bool:
    """A hidden cell is the published total minus the other, published, cells."""
    return bool(total_shown and hidden.sum() == 1)


def _check_no_small_count_shown(result, counts):
    for column in counts:
        shown = result.table[column][~result.hidden[column]]
        numbers = pd.to_numeric(shown.replace("", np.nan))
        assert not numbers.between(1, 7).any()


proportions = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 60)).map(lambda t: (min(t), max(t))),
    min_size=1,
    max_size=5,
)


@settings(max_examples=300, deadline=None)
@given(proportions)
def test_property_services_and_all(rows):
    x = [a for a, _ in rows]
    n = [b for _, b in rows]
    table = pd.DataFrame(
        {
            "scope": [f"S{i}" for i in range(len(rows))] + ["ALL"],
            "x": [*x, sum(x)],
            "n": [*n, sum(n)],
        }
    )
    result = suppress(table, counts=["x", "n"], complements=[("x", "n")], **SERVICES)
    _check_no_small_count_shown(result, ["x", "n"])
    hidden = result.hidden
    # no complement from 1 to 7 can be worked out from a shown x and a shown n
    rest = table["n"] - table["x"]
    both = ~hidden["x"] & ~hidden["n"]
    assert not rest[both].between(1, 7).any()
    # no hidden service count is the ALL total minus the other services' shown counts
    for column in ["x", "n"]:
        members = hidden[column].to_numpy()[:-1]
        assert not _recomputable(members, not hidden[column].iloc[-1])
    # every cell shown is the true count
    for column in ["x", "n"]:
        shown = ~hidden[column]
        assert (result.table[column][shown].astype(int) == table[column][shown]).all()


qa_rows = st.lists(st.lists(st.integers(0, 12), min_size=4, max_size=4), min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(qa_rows)
def test_property_qa_results(rows):
    results = pd.DataFrame(rows, columns=["met", "partial", "not_met", "na"])
    results.loc[len(results)] = results.sum()
    table = results.assign(
        scope=[f"S{i}" for i in range(len(rows))] + ["ALL"],
        criterion_id="Q01",
        applicable=results[["met", "partial", "not_met"]].sum(axis=1),
        files=results.sum(axis=1),
    )
    result = suppress_compliance(table)
    counts = ["met", "partial", "not_met", "na", "applicable", "files"]
    _check_no_small_count_shown(result, counts)
    hidden = result.hidden
    shown_total = ~hidden
    for total, parts in [
        ("files", ["met", "partial", "not_met", "na"]),
        ("applicable", ["met", "partial", "not_met"]),
        ("files", ["applicable", "na"]),
    ]:
        for i in range(len(table)):
            cells = hidden.loc[i, parts].to_numpy()
            assert not _recomputable(cells, shown_total.at[i, total])
    for column in counts:
        members = hidden[column].to_numpy()[:-1]
        assert not _recomputable(members, not hidden[column].iloc[-1])


# --------------------------------------------------------------------------- the demo's own tables

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
AS_OF = date(2026, 11, 20)


@pytest.fixture(scope="module")
def demo():
    return load_dataset(DEMO)


def _assert_safe(original, result, counts, keys, sums=(), complements=()):
    """No shown count from 1 to 7, and none hidden that one subtraction would give back."""
    _check_no_small_count_shown(result, counts)
    hidden = result.hidden
    numbers = original[counts].apply(pd.to_numeric).astype(float)
    for total, parts in sums:
        one_left = hidden[parts].sum(axis=1) == 1
        assert not (one_left & ~hidden[total]).any(), (total, parts)
    for part, total in complements:
        rest = numbers[total] - numbers[part]
        assert not (rest.between(1, 7) & ~hidden[part] & ~hidden[total]).any()
    is_all = original["scope"] == "ALL"
    for column in counts:
        known = numbers[column].notna()
        members = (
            hidden[column][~is_all & known]
            .groupby([original[k] for k in keys])
            .agg(["sum", "size"])
        )
        totals = hidden[column][is_all & known]
        totals.index = pd.MultiIndex.from_frame(original.loc[totals.index, keys])
        joined = members.join(totals.rename("total_hidden"), how="inner")
        # a group that does not add up is hidden whole or not at all (ni_case_samples)
        whole = (joined["sum"] == 0) | ((joined["sum"] == joined["size"]) & joined["total_hidden"])
        assert not ((joined["sum"] == 1) & ~joined["total_hidden"] & ~whole).any(), column


def test_demo_metrics_are_safe_to_publish(demo):
    quarters = [parse_period("2025/26 Q2"), parse_period("2026/27 Q2")]
    table = compute_metrics(demo, quarters, as_of=AS_OF)
    result = suppress_metrics(table)
    proportion = table["metric_id"].map(lambda m: METRICS[m].kind) == "proportion"
    _assert_safe(table, result, ["numerator", "denominator", "pending"], ["period", "metric_id"])
    rest = table["denominator"].astype(float) - table["numerator"].astype(float)
    shown = ~result.hidden["numerator"] & ~result.hidden["denominator"]
    assert not (rest.between(1, 7) & shown & proportion).any()
    assert result.hidden["numerator"].any() and not result.hidden["numerator"].all()
    assert result.table["value"].isna()[result.hidden["numerator"]].all()


def test_demo_qa_compliance_is_safe_to_publish(demo):
    table = compliance(demo, parse_period("2026/27 Q2"))
    result = suppress_compliance(table)
    counts = ["met", "partial", "not_met", "na", "applicable", "files", "population"]
    sums = [
        ("files", ["met", "partial", "not_met", "na"]),
        ("applicable", ["met", "partial", "not_met"]),
        ("files", ["applicable", "na"]),
    ]
    _assert_safe(table, result, counts, ["quarter", "criterion_id"], sums=sums)
    assert result.table["lqas_sentence"].isna()[result.hidden["met"]].all()


def test_demo_comparison_is_safe_to_publish(demo):
    table = compare(demo, "2025/26 Q2", "2026/27 Q2", as_of=AS_OF)
    result = suppress_compare(table)
    counts = [f"{s}_{c}" for s in ("before", "after") for c in ("numerator", "denominator")]
    proportion = table["kind"] == "proportion"
    _assert_safe(table, result, counts, ["measure"])
    for side in ("before", "after"):
        x, n = (table[f"{side}_{c}"].astype(float) for c in ("numerator", "denominator"))
        shown = ~result.hidden[f"{side}_numerator"] & ~result.hidden[f"{side}_denominator"]
        assert not ((n - x).between(1, 7) & shown & proportion).any()


def test_a_table_with_a_repeated_index_keeps_its_rows_in_order():
    p = "2026/27 Q2"
    rows = [
        ("S-1", p, "agenda_3d", 20, 30, 20 / 30, 0),
        ("ALL", p, "agenda_3d", 20, 30, 20 / 30, 0),
        ("S-1", p, "feel_involved_mean", 20, 5, 4.0, 0),
        ("ALL", p, "feel_involved_mean", 20, 5, 4.0, 0),
    ]
    table = _metrics(rows).set_axis([0, 0, 1, 1])
    result = suppress_metrics(table)
    assert list(result.table.index) == [0, 0, 1, 1]
    assert list(result.table["metric_id"]) == list(table["metric_id"])
    assert list(result.table["denominator"]) == ["30", "30", "*", "*"]
