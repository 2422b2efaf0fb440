"""Tables as each audience may read them: values in words with their n, small counts hidden.

For ``internal`` and ``shared`` readers the numbers are exact. For ``public``
ones, :mod:`auditlib.report.disclosure` decides which counts of people or
events are hidden (1 to 7, and any cell a total or a complement would reveal;
pass each whole table, every service with its ALL row, so that secondary
suppression sees every cell); here a hidden
count prints as ``*`` and every rate, interval and difference built on it is
withheld. The tables returned are the ones the report shows and the workbook
and CSV files carry: for ``public``, the hidden numbers are gone from both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metrics import METRICS
from ._format import interval_text, pending_text, value_text
from .disclosure import suppress_compare, suppress_compliance, suppress_metrics

__all__ = ["HIDDEN", "WITHHELD", "publish_compare", "publish_metrics", "publish_qa"]

HIDDEN = "*"
WITHHELD = "not published (a count from 1 to 7)"


def publish_metrics(metrics: pd.DataFrame, *, public: bool) -> pd.DataFrame:
    """A metrics table with ``value_text``, ``interval`` and ``pending_text`` for reading."""
    table = metrics.reset_index(drop=True).copy()
    kind = table["metric_id"].map({m: i.kind for m, i in METRICS.items()}).to_numpy()
    table["value_text"] = value_text(
        kind, table["value"], table["numerator"], table["denominator"], table["status"]
    )
    table["interval"] = interval_text(kind, table["ci_low"], table["ci_high"])
    table["pending_text"] = pending_text(table["pending"])
    if not public:
        return table
    hidden = _hidden(suppress_metrics(table).hidden, ["numerator", "denominator", "pending"])
    return _withhold(table, hidden, ["numerator", "denominator", "pending"],
                     ["value", "ci_low", "ci_high"], ["value_text", "interval"])  # fmt: skip


def publish_qa(qa: pd.DataFrame, *, public: bool) -> pd.DataFrame:
    """A QA compliance table with ``result_text``, ``partial_text``, ``interval``, ``lqas_text``."""
    table = qa.reset_index(drop=True).copy()
    ok = (table["status"] == "ok").to_numpy()
    table["result_text"] = value_text(
        "proportion", table["value"], table["met"], table["applicable"], table["status"]
    )
    partial = table["partial"].astype(float)
    table["partial_text"] = np.where(
        ok & (partial > 0), partial.fillna(0).astype(int).astype(str), ""
    )
    table["interval"] = interval_text("proportion", table["ci_low"], table["ci_high"])
    conclusive = table["lqas_conclusive"].fillna(False).astype(bool).to_numpy()
    lqas = table["lqas"].fillna("").astype(str).to_numpy(dtype=object)
    table["lqas_text"] = np.where(
        ok, lqas + np.where(conclusive, "", " (not conclusive at this sample size)"), ""
    )
    if not public:
        return table
    counts = ["met", "partial", "not_met", "na", "applicable", "files"]
    hidden = _hidden(suppress_compliance(table).hidden, counts)
    return _withhold(table, hidden, counts, ["value", "ci_low", "ci_high"],
                     ["result_text", "partial_text", "interval", "lqas_text"])  # fmt: skip


def publish_compare(changes: pd.DataFrame, *, public: bool) -> pd.DataFrame:
    """A before/after table with ``before_text``, ``after_text`` and ``difference_text``."""
    table = changes.reset_index(drop=True).copy()
    for side in ("before", "after"):
        table[f"{side}_text"] = value_text(
            table["kind"], table[f"{side}_value"], table[f"{side}_numerator"],
            table[f"{side}_denominator"], table[f"{side}_status"],
        )  # fmt: skip
    table["difference_text"] = _difference_text(table)
    if not public:
        return table
    counts = [f"{s}_{c}" for s in ("before", "after") for c in ("numerator", "denominator")]
    hidden = _hidden(suppress_compare(table).hidden, counts)
    numbers = ["before_value", "after_value", "difference", "diff_low", "diff_high", "exact_p"]
    words = ["before_text", "after_text", "difference_text", "change", "reason"]
    return _withhold(table, hidden, counts, numbers, words)


def _difference_text(table: pd.DataFrame) -> np.ndarray:
    diff = table["difference"].astype(float).to_numpy()
    low, high = table["diff_low"].astype(float), table["diff_high"].astype(float)
    proportion = (table["kind"] == "proportion").to_numpy()
    points = pd.Series(diff * 100).map(lambda v: f"{v:+.1f} points")
    bounds = (low * 100).map("{:+.1f}".format) + " to " + (high * 100).map("{:+.1f}".format)
    with_interval = points + " (" + bounds + ")"
    plain = pd.Series(diff).map(lambda v: f"{v:+.2f}")
    text = np.where(
        proportion & low.notna().to_numpy(), with_interval, np.where(proportion, points, plain)
    )
    return np.where(np.isnan(diff), "", text).astype(object)


def _hidden(mask: pd.DataFrame, counts: list[str]) -> np.ndarray:
    """Rows with any of ``counts`` hidden by the disclosure rule (primary or secondary)."""
    return mask[[c for c in counts if c in mask]].to_numpy(dtype=bool).any(axis=1)


def _withhold(table, hidden, counts, numbers, words) -> pd.DataFrame:
    """Hide a row's counts (``*``), numbers (blank) and words (withheld) where ``hidden``."""
    out = table.astype({c: object for c in counts + numbers if c in table})
    for column in counts:
        if column in out:
            out.loc[hidden, column] = HIDDEN
    for column in numbers:
        if column in out:
            out.loc[hidden, column] = None
    for column in words:
        if column in out:
            out.loc[hidden, column] = WITHHELD
    return out
