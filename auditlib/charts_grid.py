"""Board-pack charts of the self-score grid and of a before/after comparison.

Both share :mod:`auditlib.charts`' look (titles, palette, marker shapes):
every meaning has its own marker shape as well as its colour, so the charts
read in greyscale, and each is titled with the service and the dates.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from .charts import COLOURS, add_titles, new_axes, style_axes
from .compare import CANNOT_COMPARE, NOT_TESTED
from .contract import DIMENSIONS

__all__ = ["compare_chart", "grid_chart"]

_OFFSET = 0.14  # claimed above, evidenced below the dimension's line, so equal scores both show
_CHANGE_STYLE = {
    "better": ("^", COLOURS["improvement"]),
    "worse": ("v", COLOURS["concern"]),
    "either": ("D", COLOURS["neutral"]),
    "none": ("o", COLOURS["common"]),
}
_CHANGE_LABELS = (
    "Changed: improvement",
    "Changed: concern",
    "Changed (neither good nor bad)",
    "No clear change",
)


def grid_chart(
    grid: pd.DataFrame,
    service: str | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    subtitle: str | None = None,
) -> Figure:
    """Claimed against evidenced score per dimension for one service of a grid table.

    ``grid`` comes from :func:`auditlib.grid.self_score_grid`; ``service``
    may be omitted when it holds one service. Claimed scores are hollow
    circles, evidenced scores filled squares; an over-claim joins them with
    a heavy orange line and says so at the right. Dimensions without
    evidence or self-assessment say so in their label. The subtitle gives
    the quarter's dates and both totals against the target.
    """
    rows = _one_service(grid, service)
    rows = rows.set_index("dimension").reindex(list(DIMENSIONS))
    y = np.arange(len(DIMENSIONS))[::-1].astype(float)
    claimed = rows["claimed"].to_numpy(dtype=float, na_value=np.nan)
    evidenced = rows["evidenced"].to_numpy(dtype=float, na_value=np.nan)
    over = rows["over_claim"].fillna(False).to_numpy(dtype=bool)

    fig, ax = new_axes(ax, figsize=(8.5, 5.4))
    style_axes(ax)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#ececec", linewidth=0.6)
    for yi, c, e, flagged in zip(y, claimed, evidenced, over, strict=True):
        if np.isnan(c) or np.isnan(e):
            continue
        colour, width = (COLOURS["concern"], 2.4) if flagged else (COLOURS["common"], 1.0)
        ax.plot([c, e], [yi + _OFFSET, yi - _OFFSET], color=colour, lw=width, zorder=1)
    ax.scatter(claimed, y + _OFFSET, marker="o", s=60, facecolors="white",
               edgecolors=COLOURS["text"], linewidths=1.4, zorder=3)  # fmt: skip
    ax.scatter(evidenced, y - _OFFSET, marker="s", s=52, color=COLOURS["improvement"], zorder=3)
    for yi, flagged, c, e in zip(y, over, claimed, evidenced, strict=True):
        if flagged:
            ax.text(2.25, yi, f"over-claim by {int(c - e)}", va="center", fontsize=8.5,
                    color=COLOURS["concern"], fontweight="bold")  # fmt: skip

    ax.set_yticks(y, [_dimension_label(d, rows.loc[d]) for d in DIMENSIONS], fontsize=9)
    ax.set_xticks([0, 1, 2])
    ax.set_xlim(-0.25, 2.9)
    ax.set_ylim(-0.7, len(DIMENSIONS) - 0.3)
    ax.set_xlabel("score (0-2)", fontsize=9, color=COLOURS["muted"])
    first = rows.dropna(subset=["service_id"]).iloc[0]
    if title is None:
        title = f"Self-score grid – {first['service_name']}"
    if subtitle is None:
        subtitle = (
            f"{first['quarter']} ({_day(first['period_start'])} – {_day(first['period_end'])}): "
            f"claimed {_total(first['claimed_total'])} of 20, evidenced "
            f"{_total(first['evidenced_total'])} of 20 across {first['dimensions_covered']} of 10 "
            f"dimensions; target {first['target']}"
        )
    add_titles(ax, title, _wrap(subtitle, 95))
    handles = [
        Line2D([], [], ls="none", marker="o", markersize=7, markerfacecolor="white",
               markeredgecolor=COLOURS["text"], label="Claimed (self-assessment)"),
        Line2D([], [], ls="none", marker="s", markersize=7, color=COLOURS["improvement"],
               label="Evidenced (rubric)"),
        Line2D([], [], color=COLOURS["concern"], lw=2.4, label="Over-claim"),
    ]  # fmt: skip
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.1), ncols=3,
              frameon=False, fontsize=8)  # fmt: skip
    return fig


def compare_chart(
    table: pd.DataFrame,
    scope: str = "ALL",
    *,
    name: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    subtitle: str | None = None,
) -> Figure:
    """Dot-and-interval chart of before/after differences for one scope of a comparison table.

    ``table`` comes from :func:`auditlib.compare.compare`; ``scope`` is a
    service_id or ``ALL`` and ``name`` how the title calls it. Each
    proportion that could be compared is a dot at its difference (after -
    before, in percentage points) with its 95% Newcombe interval: an upward
    triangle where it rose, a downward one where it fell, a circle where
    there is no clear change; blue where the change is an improvement,
    orange where it is a concern. Measures that cannot be compared, and
    counts and means (not tested), are left out and counted in the subtitle.
    """
    rows = table[table["scope"] == scope]
    if rows.empty:
        raise ValueError(f"no rows for scope {scope!r} in the comparison table")
    shown = rows[~rows["change"].isin([CANNOT_COMPARE, NOT_TESTED])].iloc[::-1]
    y = np.arange(len(shown), dtype=float)
    diff = shown["difference"].to_numpy(dtype=float) * 100
    low = shown["diff_low"].to_numpy(dtype=float) * 100
    high = shown["diff_high"].to_numpy(dtype=float) * 100
    change = shown["change"].astype(str).to_numpy()

    fig, ax = new_axes(ax, figsize=(9.0, 1.9 + 0.32 * max(len(shown), 3)))
    style_axes(ax)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#ececec", linewidth=0.6)
    ax.axvline(0, color=COLOURS["mean"], lw=1.0, zorder=1)
    for kind, (marker, colour) in _CHANGE_STYLE.items():
        mask = np.array([_change_kind(c) == kind for c in change], dtype=bool)
        if not mask.any():
            continue
        ax.hlines(y[mask], low[mask], high[mask], color=colour, lw=1.6, zorder=2)
        ax.scatter(diff[mask], y[mask], marker=marker, s=50, color=colour, zorder=3,
                   edgecolors="white", linewidths=0.5)  # fmt: skip
    ax.set_yticks(y, [_short(label) for label in shown["label"]], fontsize=8.5)
    ax.set_ylim(-0.7, max(len(shown), 1) - 0.3)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+.0f}" if v else "0"))
    ax.set_xlabel(
        "difference, after − before (percentage points), with 95% interval",
        fontsize=9,
        color=COLOURS["muted"],
    )
    first = rows.iloc[0]
    if title is None:
        where = name or ("all chosen services" if scope == "ALL" else scope)
        title = f"Before/after – {where}"
    if subtitle is None:
        left_out = len(rows) - len(shown)
        subtitle = (
            f"{first['before']} ({_day(first['before_start'])} – {_day(first['before_end'])}) "
            f"against {first['after']} ({_day(first['after_start'])} – "
            f"{_day(first['after_end'])})"
        )
        if left_out:
            subtitle += f"; not shown: {left_out} counts, means or measures without data"
    add_titles(ax, title, _wrap(subtitle, 95))
    kinds = {_change_kind(c) for c in change}
    handles = [
        Line2D([], [], ls="none", marker=marker, markersize=7, color=colour, label=label)
        for (kind, (marker, colour)), label in zip(
            _CHANGE_STYLE.items(), _CHANGE_LABELS, strict=True
        )
        if kind in kinds
    ]
    if handles:
        fig.legend(handles=handles, loc="outside lower left", ncols=4, frameon=False, fontsize=8)
    return fig


def _change_kind(change: str) -> str:
    if change.endswith("(better)"):
        return "better"
    if change.endswith("(worse)"):
        return "worse"
    if change in ("rose", "fell"):
        return "either"
    return "none"


def _one_service(grid: pd.DataFrame, service: str | None) -> pd.DataFrame:
    services = pd.unique(grid["service_id"])
    if service is None:
        if len(services) != 1:
            raise ValueError(
                f"the grid holds {len(services)} services: choose one with service=..."
            )
        service = services[0]
    rows = grid[grid["service_id"] == service]
    if rows.empty:
        raise ValueError(f"service {service!r} is not in the grid")
    return rows


def _dimension_label(dimension: str, row: pd.Series) -> str:
    text = dimension.replace("_", " ")
    if pd.isna(row["evidenced"]):
        text += "\n(no evidence)"
    elif pd.isna(row["claimed"]):
        text += "\n(not self-assessed)"
    return text


def _total(value) -> str:
    return "–" if pd.isna(value) else str(int(value))


def _day(value) -> str:
    day = pd.Timestamp(value)
    return f"{day.day} {day:%b %Y}"


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(str(text), width))


def _short(label: str, width: int = 48) -> str:
    """A measure's label on one line, cut with an ellipsis if long."""
    return textwrap.shorten(str(label), width, placeholder="…")
