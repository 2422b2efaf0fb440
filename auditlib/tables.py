"""Every command's ``--format table``: what a reader needs, in words, fitted to the terminal.

The CSV and JSON outputs keep every column for machines; the screen table is
for people. It is chosen from the columns a command's table has (metrics, QA,
per-file completeness, the grid and its totals, before/after, trends), and
shows service names beside ids, each value with its n ("84% (163 of 193)"),
intervals as ranges, and a reason wherever a value is missing -- never
``NaN`` or ``<NA>``. Long text columns (criterion wording, reasons,
shortfalls) wrap first to fit the terminal's width, then the others; nothing
is cut off.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from ._words import STATUS_WORDS, count_of, join, percent
from .metrics import METRICS

__all__ = ["screen_table"]

GAP = "  "
MIN_WRAP = 16  # a wrapped column is never narrowed below this many characters
MIN_WORD = 4  # only a terminal narrower than this many characters per column overflows
DEFAULT_WIDTH = 120  # when the output is not a terminal

Names = Mapping[str, str]


def screen_table(
    table: pd.DataFrame, *, names: Names | None = None, width: int | None = None
) -> str:
    """``table`` as aligned text for reading on screen, at most ``width`` characters wide.

    ``names`` maps service ids to service names, shown beside the ids;
    ``width`` defaults to the terminal's width.
    """
    names = dict(names or {})
    view = next((make for columns, make in _VIEWS if columns <= set(table.columns)), _plain)
    shown, wrapped = view(table.reset_index(drop=True), names)
    if width is None:
        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    return _layout(shown, wrapped, width)


# --- cells in words ------------------------------------------------------------------------------


def _text(values) -> np.ndarray:
    """Any column as text: blank where missing, yes/no for flags, whole numbers as such."""
    series = pd.Series(values).reset_index(drop=True)
    if pd.api.types.is_bool_dtype(series) or series.dtype == object:
        return series.astype(object).map(_cell).to_numpy(dtype=object)
    if pd.api.types.is_numeric_dtype(series):
        number = series.astype(float)
        whole = np.isfinite(number) & (number == np.round(number))
        shown = np.where(whole, number.map("{:.0f}".format), number.map("{:.3g}".format))
        return np.where(number.isna(), "", shown).astype(object)
    return series.astype("string").fillna("").to_numpy(dtype=object)


def _cell(value: object) -> str:
    if value is True or value is False:
        return "yes" if value else "no"
    return "" if pd.isna(value) else str(value)


def _service(ids, names: Names) -> np.ndarray:
    """``S-001 Ash Court``: the id and, where known, the name."""
    ids = pd.Series(_text(ids), dtype=object)
    return join([ids.to_numpy(), ids.map(names).fillna("").to_numpy(dtype=object)], " ")


def _kind(metric_ids) -> np.ndarray:
    kinds = pd.Series(metric_ids, dtype=object).map({m: i.kind for m, i in METRICS.items()})
    return kinds.fillna("proportion").to_numpy(dtype=object)


def _label(metric_ids) -> np.ndarray:
    ids = pd.Series(metric_ids, dtype=object)
    return ids.map({m: i.label for m, i in METRICS.items()}).fillna(ids).to_numpy(dtype=object)


def _numbers(values, kind) -> np.ndarray:
    """Values as a reader writes them: percentages for proportions, 2 decimals for means."""
    v = np.asarray(values, dtype=float)
    kind = np.broadcast_to(np.asarray(kind, dtype=object), v.shape)
    fixed = np.where(np.isnan(v), "", np.char.mod("%.2f", np.nan_to_num(v))).astype(object)
    whole = np.where(np.isnan(v), "", np.char.mod("%.0f", np.nan_to_num(v))).astype(object)
    return np.where(kind == "proportion", percent(v), np.where(kind == "count", whole, fixed))


def _with_n(value, numerator, denominator, kind) -> np.ndarray:
    """``84% (163 of 193)``; a mean with its count (``3.42 (n 25)``); a count alone."""
    kind = np.broadcast_to(np.asarray(kind, dtype=object), np.shape(value))
    shown = _numbers(value, kind)
    of = count_of(numerator, denominator)
    n = pd.Series(np.asarray(denominator, dtype=float)).map("n {:.0f}".format).to_numpy(object)
    detail = np.where(kind == "proportion", of, np.where(kind == "mean", n, ""))
    detail = np.where(
        (shown == "") | (detail == ""), "", np.char.add(np.char.add(" (", detail.astype(str)), ")")
    )
    return np.char.add(shown.astype(str), detail.astype(str)).astype(object)


def _interval(low, high, kind) -> np.ndarray:
    """``71% to 96%``; blank where the interval is not given."""
    lo, hi = _numbers(low, kind), _numbers(high, kind)
    given = (lo != "") & (hi != "")
    return np.where(
        given, np.char.add(np.char.add(lo.astype(str), " to "), hi.astype(str)), ""
    ).astype(object)


def _why(status, value) -> np.ndarray:
    """The reason a value is missing, in words; blank where there is a value."""
    status = _text(status)
    words = np.array([STATUS_WORDS.get(s, s.replace("_", " ")) for s in status], dtype=object)
    return np.where(pd.isna(np.asarray(value, dtype=float)), words, "").astype(object)


# --- one view per kind of table ------------------------------------------------------------------

View = Callable[[pd.DataFrame, Names], tuple[pd.DataFrame, set[str]]]


def _metrics(t: pd.DataFrame, names: Names):
    kind = _kind(t["metric_id"])
    shown = pd.DataFrame(
        {
            "period": _text(t["period"]),
            "service": _service(t["scope"], names),
            "metric": _label(t["metric_id"]),
            "value (n)": _with_n(t["value"], t["numerator"], t["denominator"], kind),
            "95% interval": _interval(t["ci_low"], t["ci_high"], kind),
            "pending": _text(t["pending"]),
            "why no value": _why(t["status"], t["value"]),
        }
    )
    if shown["period"].nunique() == 1:
        shown = shown.drop(columns="period")
    return shown, {"metric", "why no value"}


def _qa(t: pd.DataFrame, names: Names):
    counts = {c: _text(t[c]) for c in ("partial", "not_met", "na")}
    shown = pd.DataFrame(
        {
            "service": _service(t["scope"], names),
            "criterion": join([_text(t["criterion_id"]), _text(t["wording"])], " "),
            "met": _with_n(t["value"], t["met"], t["applicable"], "proportion"),
            **counts,
            "95% interval": _interval(t["ci_low"], t["ci_high"], "proportion"),
            "LQAS": _text(t["lqas"]),
            "why no value": _why(t["status"], t["value"]),
        }
    )
    return shown, {"criterion", "LQAS", "why no value"}


def _files(t: pd.DataFrame, names: Names):
    shown = pd.DataFrame(
        {
            "file": _text(t["person_id"]),
            "service": _service(t["service_id"], names),
            "answered": _with_n(t["completeness"], t["answered"], t["criteria"], "proportion"),
            **{c: _text(t[c]) for c in ("met", "partial", "not_met", "na")},
            "not answered": _text(t["not_answered"]),
        }
    )
    return shown, {"not answered"}


def _grid(t: pd.DataFrame, names: Names):
    shortfall = _text(t["shortfall"])
    shown = pd.DataFrame(
        {
            "service": _service(t["service_id"], names),
            "dimension": _text(t["dimension"]),
            "claimed": _text(t["claimed"]),
            "evidenced": join([_text(t["evidenced"]), _text(t["evidenced_words"])], " "),
            "finding": _text(t["finding"]),
            "shortfall or note": np.where(shortfall != "", shortfall, _text(t["evidence_note"])),
        }
    )
    return shown, {"evidenced", "shortfall or note"}


def _totals(t: pd.DataFrame, names: Names):
    shown = pd.DataFrame(
        {
            "service": _service(t["service_id"], names),
            "claimed": count_of(t["claimed_total"], np.full(len(t), 20.0)),
            "evidenced": count_of(t["evidenced_total"], np.full(len(t), 20.0)),
            "target": _text(t["target"]),
            "met target": _text(t["met_target"]),
            "note": _text(t["target_note"]),
        }
    )
    return shown, {"note"}


def _compare(t: pd.DataFrame, names: Names):
    kind = _text(t["kind"])
    points = np.where(kind == "proportion", 100.0, 1.0)
    unit = np.where(kind == "proportion", " points", "")
    diff = pd.Series(np.asarray(t["difference"], dtype=float) * points)
    low = pd.Series(np.asarray(t["diff_low"], dtype=float) * points)
    high = pd.Series(np.asarray(t["diff_high"], dtype=float) * points)
    signed = diff.map("{:+.1f}".format).to_numpy(object) + unit
    ends = (
        low.map("{:+.1f}".format).to_numpy(object)
        + " to "
        + high.map("{:+.1f}".format).to_numpy(object)
    )
    change = np.where(diff.isna(), "", signed + np.where(low.isna(), "", " (" + ends + ")"))
    shown = pd.DataFrame(
        {
            "service": _service(t["scope"], names),
            "measure": _text(t["label"]),
            "before": _with_n(
                t["before_value"], t["before_numerator"], t["before_denominator"], kind
            ),
            "after": _with_n(t["after_value"], t["after_numerator"], t["after_denominator"], kind),
            "difference (95% interval)": change.astype(object),
            "change": _text(t["change"]),
            "why": _text(t["reason"]),
        }
    )
    return shown, {"measure", "change", "why"}


def _trends(t: pd.DataFrame, names: Names):
    kind = _kind(t["metric_id"])
    shown = pd.DataFrame(
        {
            "service": _service(t["scope"], names),
            "metric": _text(t["label"]),
            "chart": _text(t["chart"]),
            "months with data": _text(t["n_points"]),
            "latest": _numbers(t["latest_value"], kind),
            "mean": _numbers(t["mean"], kind),
            "process limits": _interval(t["lpl"], t["upl"], kind),
            "variation": _text(t["variation"]),
            "assurance": _text(t["assurance"]),
            "warning": np.array([w.split(":")[0] for w in _text(t["warning"])], dtype=object),
        }
    )  # the warning's first clause ("fewer than 12 points"); the CSV has the whole of it
    return shown, {"metric", "variation", "assurance", "warning"}


def _plain(t: pd.DataFrame, names: Names):
    return pd.DataFrame({c: _text(t[c]) for c in t.columns}), set()


_VIEWS: list[tuple[set[str], View]] = [  # the first whose columns a table has is used
    ({"before_value", "after_value", "reason"}, _compare),
    ({"criterion_id", "lqas", "wording"}, _qa),
    ({"completeness", "not_answered"}, _files),
    ({"dimension", "claimed", "evidenced", "shortfall"}, _grid),
    ({"claimed_total", "evidenced_total", "target_note"}, _totals),
    ({"variation", "lpl", "upl"}, _trends),
    ({"metric_id", "numerator", "denominator", "value", "status"}, _metrics),
]


# --- fitting the text to the width ---------------------------------------------------------------


def _layout(shown: pd.DataFrame, wrapped: set[str], width: int) -> str:
    """Aligned columns within ``width``: the ``wrapped`` (long text) columns wrap first, down
    to ``MIN_WRAP``; then any column wraps, down to its longest word; then words break.
    Nothing is cut off."""
    columns = [c for c in shown.columns if (shown[c] != "").any()]  # no all-blank column
    cells = {c: [c, *shown[c]] for c in columns}
    widths = {c: max(map(len, cells[c])) for c in columns}
    word = {c: max(len(w) for v in cells[c] for w in [*v.split(), ""]) for c in columns}
    room = width - len(GAP) * (len(columns) - 1)
    while sum(widths.values()) > room:
        narrower = [c for c in columns if c in wrapped and widths[c] > max(MIN_WRAP, word[c])]
        narrower = narrower or [c for c in columns if widths[c] > word[c]]
        narrower = narrower or [c for c in columns if widths[c] > MIN_WORD]  # break words
        if not narrower:
            break
        widths[max(narrower, key=widths.get)] -= 1
    lines = []
    for k, row in enumerate(zip(*cells.values(), strict=True)):
        wraps = [textwrap.wrap(v, widths[c]) or [""] for c, v in zip(columns, row, strict=True)]
        for depth in range(max(map(len, wraps))):
            parts = [
                (w[depth] if depth < len(w) else "").ljust(widths[c])
                for c, w in zip(columns, wraps, strict=True)
            ]
            lines.append(GAP.join(parts).rstrip())
        if k == 0:
            lines.append(GAP.join("-" * widths[c] for c in columns))
    return "\n".join(lines) + "\n"
