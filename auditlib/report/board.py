"""The board summary in the Making Data Count style: every metric, its target and two verdicts.

One row per dashboard metric: the quarter's value for all chosen services
with its n and dates, the target from ``resources/targets.csv`` (editable;
the defaults follow the rubric's thresholds), and the SPC verdicts of
:func:`auditlib.trends.metric_trends` for ALL -- variation and assurance --
in words and as a small inline SVG icon with a text alternative.  An icon is
only drawn where there is a verdict: never where the chart has too few months
behind its limits, and never an assurance icon without a target.
"""

from __future__ import annotations

from html import escape
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .._words import STATUS_WORDS, count_of, join, percent
from ..errors import Problem, TargetsError
from ..evidence import SMALL_N
from ..metrics import METRICS
from ..periods import parse_period
from ..spc import MIN_POINTS
from ._settings import missing_columns, read_settings_csv

__all__ = [
    "BOARD_COLUMNS",
    "NO_TARGET",
    "TOO_FEW",
    "assurance_icon",
    "board_summary",
    "load_targets",
    "targets_for_trends",
    "variation_icon",
]

BOARD_COLUMNS = [
    "metric_id",
    "label",
    "value_text",
    "n",
    "period",
    "target_text",
    "variation",
    "variation_icon",
    "assurance",
    "assurance_icon",
    "note",
]
NO_TARGET = "no target set"
TOO_FEW = "too few months for a verdict"
_DEFAULT = "targets.csv"

# Making Data Count colours: grey common cause, blue improvement, orange concern, purple neither.
_GREY, _BLUE, _ORANGE, _PURPLE = "#768692", "#005EB8", "#ED8B00", "#7C2855"
_VARIATION_ICONS = {
    "common_cause": (_GREY, "", "Common cause variation: no sign of change"),
    "improvement_high": (_BLUE, "H", "Special cause improvement: unusually high"),
    "improvement_low": (_BLUE, "L", "Special cause improvement: unusually low"),
    "concern_high": (_ORANGE, "H", "Special cause concern: unusually high"),
    "concern_low": (_ORANGE, "L", "Special cause concern: unusually low"),
    "neutral_high": (_PURPLE, "H", "Special cause variation, neither better nor worse: high"),
    "neutral_low": (_PURPLE, "L", "Special cause variation, neither better nor worse: low"),
}
_ASSURANCE_ICONS = {
    "consistent_pass": (_BLUE, "P", "Assurance: consistently passes the target"),
    "consistent_fail": (_ORANGE, "F", "Assurance: consistently fails the target"),
    "inconsistent": (_GREY, "?", "Assurance: hit and miss, the target is inside the limits"),
}


# --------------------------------------------------------------------------- targets


def load_targets(path: str | Path | None = None) -> pd.Series:
    """Each metric's target from the shipped file, or the user's own CSV; NaN where none is set.

    Columns metric_id, target and (optional, for the reader) rationale.  A
    blank target means none is set; a metric left out has none either.
    Targets of proportions are given from 0 to 1 (0.9 for 90%); others are
    numbers of at least 0.  Returns a float Series named ``target``, indexed
    by metric_id in :data:`~auditlib.metrics.METRICS` order.  Raises
    :class:`~auditlib.errors.TargetsError` listing every problem.
    """
    if path is None:
        source = resources.files("auditlib") / "resources" / _DEFAULT
        with resources.as_file(source) as default:
            return _validated(read_settings_csv(default, TargetsError, "targets"), str(default))
    frame = read_settings_csv(Path(path), TargetsError, "targets")
    return _validated(frame, str(path))


def _validated(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    missing_columns(frame, ("metric_id", "target"), file, TargetsError, "targets file")
    ids, text = frame["metric_id"], frame["target"]
    number = pd.to_numeric(text, errors="coerce")
    proportion = ids.map(lambda m: m in METRICS and METRICS[m].kind == "proportion")
    checks = [
        ("metric_id", ~ids.isin(list(METRICS)), "unknown_value", "not a dashboard metric id"),
        ("metric_id", ids.duplicated(), "duplicate_key", "a second target for this metric"),
        ("target", (text != "") & ~np.isfinite(number), "wrong_type", "a number, or blank"),
        (
            "target",
            proportion & ((number < 0) | (number > 1)),
            "out_of_range",
            "a proportion from 0 to 1 (0.9 for 90%)",
        ),
        ("target", ~proportion & (number < 0), "out_of_range", "a number of at least 0"),
    ]
    problems = [
        Problem(
            reason, expected, file=file, row=int(row), column=column, value=frame.at[row, column]
        )
        for column, mask, reason, expected in checks
        for row in frame.index[mask.fillna(False).to_numpy(dtype=bool)]
    ]
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        count = len(problems)
        raise TargetsError(
            f"{file}: {count} problem{'s' if count != 1 else ''} in the targets", problems
        )
    targets = pd.Series(number.astype(float).to_numpy(), index=ids.to_numpy(), name="target")
    return targets.reindex(pd.Index(list(METRICS), name="metric_id"))


def targets_for_trends(targets: pd.Series) -> dict[str, float]:
    """The set targets as :func:`auditlib.trends.metric_trends` takes them (``targets=``)."""
    return targets.dropna().astype(float).to_dict()


# --------------------------------------------------------------------------- icons


def _icon(colour: str, letter: str, alt: str) -> str:
    """A filled circle with a letter: a self-contained inline SVG with its text alternative."""
    ink = "#000000" if colour == _ORANGE else "#FFFFFF"
    glyph = (
        f'<text x="12" y="16.5" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" '
        f'font-size="12" font-weight="bold" fill="{ink}">{escape(letter)}</text>'
        if letter
        else f'<path d="M6 12h12" stroke="{ink}" stroke-width="2" stroke-linecap="round"/>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24" '
        f'role="img" aria-label="{escape(alt)}"><title>{escape(alt)}</title>'
        f'<circle cx="12" cy="12" r="11" fill="{colour}"/>{glyph}</svg>'
    )


def variation_icon(code: str) -> str:
    """The icon of an SPC variation code (``common_cause``, ``improvement_high``, ...)."""
    return _icon(*_VARIATION_ICONS[code])


def assurance_icon(code: str) -> str:
    """The icon of an SPC assurance code (``consistent_pass``, ``consistent_fail``, ...)."""
    return _icon(*_ASSURANCE_ICONS[code])


_VARIATION_SVG = {code: variation_icon(code) for code in _VARIATION_ICONS}
_ASSURANCE_SVG = {code: assurance_icon(code) for code in _ASSURANCE_ICONS}


# --------------------------------------------------------------------------- the summary


def board_summary(
    metrics_quarter: pd.DataFrame, trend_summary: pd.DataFrame, targets: pd.Series
) -> pd.DataFrame:
    """One row per dashboard metric, in :data:`~auditlib.metrics.METRICS` order.

    ``metrics_quarter``: :func:`~auditlib.metrics.compute_metrics` for the
    quarter (its ALL rows are read; with several periods, the latest).
    ``trend_summary``: the ``summary`` of :func:`~auditlib.trends.metric_trends`
    (its ALL rows), run with ``targets=targets_for_trends(targets)``, so the
    assurance verdict is against the same targets (ValueError otherwise).
    ``targets``: by metric id, as from :func:`load_targets`.  Returns
    :data:`BOARD_COLUMNS`.
    """
    ids = pd.Index(list(METRICS), name="metric_id")
    rows = _latest(metrics_quarter).reindex(ids)
    trend = trend_summary[trend_summary["scope"] == "ALL"].set_index("metric_id").reindex(ids)
    goal = targets.astype(float).reindex(ids)
    _check_same_targets(goal, trend)
    kind = np.array([METRICS[m].kind for m in ids])
    few = _too_few(trend)
    out = pd.DataFrame({"metric_id": ids, "label": [METRICS[m].label for m in ids]})
    out["value_text"] = _value_text(rows, kind)
    out["n"] = pd.array(rows["denominator"].astype("Int64"))
    out["period"] = _period_text(rows["period"])
    out["target_text"] = _target_text(goal, kind, ids)
    out["variation"], out["variation_icon"] = _variation(trend, few)
    out["assurance"], out["assurance_icon"] = _assurance(trend, few, goal.notna().to_numpy())
    out["note"] = _note(rows, trend)
    return out[BOARD_COLUMNS]


def _latest(metrics: pd.DataFrame) -> pd.DataFrame:
    rows = metrics[metrics["scope"] == "ALL"].sort_values("period_end", kind="stable")
    return rows.drop_duplicates("metric_id", keep="last").set_index("metric_id")


def _check_same_targets(goal: pd.Series, trend: pd.DataFrame) -> None:
    charted = trend["n_points"].notna()
    used = trend["target"].astype(float)
    differ = charted & ~((goal == used) | (goal.isna() & used.isna()))
    if differ.any():
        raise ValueError(
            "the trend summary was made with other targets than the board's for "
            + ", ".join(goal.index[differ])
            + ": pass targets=targets_for_trends(targets) to metric_trends"
        )


def _too_few(trend: pd.DataFrame) -> np.ndarray:
    """No verdict: no chart, or fewer than MIN_POINTS months behind the current limits."""
    behind = trend["baseline_points"] if "baseline_points" in trend else trend["n_points"]
    return ~(behind.astype(float) >= MIN_POINTS).to_numpy()


def _value_text(rows: pd.DataFrame, kind: np.ndarray) -> np.ndarray:
    ok = (rows["status"] == "ok").to_numpy()
    x, n = rows["numerator"].astype(float), rows["denominator"].astype(float)
    share = count_of(x, n)
    with_percent = np.char.add(
        np.char.add(percent(rows["value"]).astype(str), " ("), share.astype(str)
    )
    proportion = np.where(n.to_numpy() >= SMALL_N, np.char.add(with_percent, ")"), share)
    mean = np.char.add(
        np.char.add(np.char.mod("%.1f", rows["value"].to_numpy(dtype=float)), " (n = "),
        np.char.add(np.where(ok, n.fillna(0), 0).astype(np.int64).astype(str), ")"),
    )
    count = np.where(ok, x.fillna(0), 0).astype(np.int64).astype(str)
    choices = [proportion.astype(object), mean.astype(object)]
    text = np.select([kind == "proportion", kind == "mean"], choices, count.astype(object))
    return np.where(ok, text, "").astype(object)


def _period_text(labels: pd.Series) -> np.ndarray:
    named = {
        label: str(parse_period(label, calendar_quarters="/" not in label))
        for label in labels.dropna().unique()
    }
    return labels.map(named).fillna("").to_numpy(dtype=object)


def _target_text(goal: pd.Series, kind: np.ndarray, ids: pd.Index) -> np.ndarray:
    value = goal.to_numpy(dtype=float)
    shown = np.where(kind == "proportion", percent(value).astype(str), np.char.mod("%g", value))
    improvement = np.array([METRICS[m].improvement for m in ids])
    words = np.select(
        [improvement == "increase", improvement == "decrease"], ["at least ", "at most "], ""
    )
    return np.where(np.isnan(value), NO_TARGET, np.char.add(words, shown)).astype(object)


def _variation(trend: pd.DataFrame, few: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    words = trend["variation"].astype(object).to_numpy()
    icons = trend["variation_icon"].map(_VARIATION_SVG).fillna("").to_numpy(dtype=object)
    charted = trend["n_points"].fillna(0).to_numpy() > 0
    words = np.where(few, TOO_FEW, words)
    words = np.where(charted, words, "no months with data for a chart")
    return words.astype(object), np.where(few | ~charted, "", icons).astype(object)


def _assurance(trend, few: np.ndarray, has_target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    words = trend["assurance"].fillna("no assurance verdict (no better direction or limits)")
    icons = trend["assurance_type"].map(_ASSURANCE_SVG).fillna("").to_numpy(dtype=object)
    words = np.where(few, TOO_FEW, words.to_numpy(dtype=object))
    words = np.where(has_target, words, NO_TARGET)
    return words.astype(object), np.where(few | ~has_target, "", icons).astype(object)


def _note(rows: pd.DataFrame, trend: pd.DataFrame) -> np.ndarray:
    status = rows["status"]
    why = np.where(status.isna(), "not in the metrics table", status.map(STATUS_WORDS).fillna(""))
    why = np.where(status == "ok", "", why)
    pending = rows["pending"].astype(float).fillna(0).astype(np.int64).to_numpy()
    pending_text = np.where(
        pending > 0,
        np.char.add(pending.astype(str), " pending (deadline after the as-of date), left out"),
        "",
    )
    warning = trend["warning"].fillna("").to_numpy(dtype=object)
    return join([why, pending_text, warning], "; ")
