"""Board-pack charts: plain functions that draw one chart each and return its Figure.

All charts share one look (:func:`new_axes`, :func:`style_axes`,
:func:`add_titles`, :data:`COLOURS`, :data:`MARKERS`): no top or right spines,
no heavy grid, a bold left-aligned title with a grey subtitle, and a
colour-blind-safe palette where every meaning also has its own marker shape, so
a chart printed in greyscale still reads.

Figures are built with :class:`matplotlib.figure.Figure` directly, not through
``pyplot``: no backend is chosen or forced here, nothing is kept in a global
figure registry, and ``fig.savefig(...)`` works anywhere.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

__all__ = [
    "COLOURS",
    "MARKERS",
    "add_titles",
    "new_axes",
    "spc_chart",
    "style_axes",
]

COLOURS: dict[str, str] = {
    "improvement": "#1f77b4",  # blue, as Making Data Count
    "concern": "#ff7f0e",  # orange, as Making Data Count
    "neutral": "#6a3d9a",  # purple: special cause, neither good nor bad
    "common": "#8c8c8c",  # grey: common cause
    "line": "#595959",  # the data line
    "mean": "#262626",
    "limits": "#7f7f7f",
    "target": "#b2182b",  # dark red, dash-dot
    "text": "#262626",
    "muted": "#6b6b6b",
}
"""One palette for every chart (blue/orange is safe for the common colour-blindnesses)."""

MARKERS: dict[str, str] = {
    "improvement": "s",  # square
    "concern": "X",  # heavy cross
    "neutral": "D",  # diamond
    "common": "o",  # small circle
}
"""Marker shape per meaning, so the meaning survives greyscale printing."""

_KIND_OF_TYPE = {
    "common_cause": "common",
    "special_cause_improvement": "improvement",
    "special_cause_concern": "concern",
    "special_cause_neutral_high": "neutral",
    "special_cause_neutral_low": "neutral",
}
_LABELS = {
    "improvement": "Special cause: improvement",
    "concern": "Special cause: concern",
    "neutral": "Special cause: neither",
    "common": "Common cause",
}


def new_axes(ax: Axes | None = None, *, figsize: tuple[float, float] = (9.0, 4.8)):
    """The figure and axes to draw on: ``ax``'s own, or a new constrained-layout Figure."""
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def style_axes(ax: Axes) -> None:
    """House style: no top/right spines, light axes, a faint horizontal grid only."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#bfbfbf")
    ax.tick_params(colors=COLOURS["muted"], labelsize=9, length=3)
    ax.grid(axis="y", color="#ececec", linewidth=0.6)
    ax.grid(axis="x", visible=False)
    ax.set_axisbelow(True)


def add_titles(ax: Axes, title: str | None, subtitle: str | None = None) -> None:
    """A bold title and a smaller grey subtitle, both left-aligned above the axes."""
    if subtitle:
        ax.set_title(subtitle, loc="left", fontsize=9, color=COLOURS["muted"], pad=6)
    if title:
        # a second, bold title sits above the subtitle: offset by the subtitle's lines
        lines = subtitle.count("\n") + 1 if subtitle else 0
        ax.annotate(
            title,
            xy=(0, 1),
            xycoords="axes fraction",
            xytext=(0, 8 + 13 * lines),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=12,
            fontweight="bold",
            color=COLOURS["text"],
            annotation_clip=False,
        )


def spc_chart(
    points: pd.DataFrame,
    summary_row: pd.Series | dict,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    ax: Axes | None = None,
    value_label: str | None = None,
) -> Figure:
    """An SPC chart of one series from :func:`auditlib.spc.spc`, in board-pack style.

    ``points`` are that series' rows of ``SpcResult.points`` and ``summary_row``
    its row of ``SpcResult.summary`` (``SpcResult.series(key)`` gives both).
    Draws the data line, the mean (solid) and process limits (dashed) of each
    rebase segment, the target if any, and marks special-cause points by colour
    *and* shape; the variation and assurance verdicts are written on the chart.
    The default title names the series; the default subtitle its date range.
    """
    row = dict(summary_row)
    settings = points.attrs.get("spc_settings", {})
    x_col = settings.get("x", "period")
    value_col = settings.get("value", "value")
    by = list(settings.get("by", []))
    pts = points.reset_index(drop=True)

    fig, ax = new_axes(ax)
    style_axes(ax)
    xs, is_dates = _plot_x(pts[x_col])
    y = pd.to_numeric(pts[value_col], errors="coerce").to_numpy(dtype=float, copy=True)
    y[pts["missing"].to_numpy(dtype=bool)] = np.nan

    # limits and mean, one run per rebase segment; p-chart limits step with n
    steps = "steps-mid" if row.get("chart") == "p" else "default"
    segments = pts["segment"].to_numpy()
    for number, seg in enumerate(pd.unique(segments)):
        mask = segments == seg
        sx = xs[mask]
        kwargs: dict[str, Any] = {"drawstyle": steps}
        ax.plot(sx, pts.loc[mask, "mean"], color=COLOURS["mean"], lw=1.3, **kwargs)
        for limit in ("upl", "lpl"):
            ax.plot(
                sx,
                pts.loc[mask, limit],
                color=COLOURS["limits"],
                lw=1.0,
                ls=(0, (5, 3)),
                **kwargs,
            )
        if number:  # mark where the limits were recalculated
            ax.axvline(sx[0], color="#d9d9d9", lw=0.8, zorder=0)

    target = row.get("target")
    has_target = target is not None and np.isfinite(float(target))
    if has_target:
        ax.axhline(float(target), color=COLOURS["target"], lw=1.2, ls="-.", zorder=1)

    ax.plot(xs, y, color=COLOURS["line"], lw=1.2, zorder=2)
    kinds = pts["point_type"].map(_KIND_OF_TYPE)
    shown = []
    for kind in ("common", "improvement", "concern", "neutral"):
        mask = (kinds == kind).to_numpy()
        if not mask.any():
            continue
        shown.append(kind)
        special = kind != "common"
        ax.scatter(
            xs[mask],
            y[mask],
            marker=MARKERS[kind],
            s=46 if special else 16,
            color=COLOURS[kind],
            edgecolors="white" if special else "none",
            linewidths=0.6,
            zorder=3,
        )

    if is_dates:
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if row.get("chart") == "p":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    if value_label:
        ax.set_ylabel(value_label, fontsize=9, color=COLOURS["muted"])
    _headroom(ax)

    ax.text(
        0.995,
        0.985,
        _verdict_text(row),
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=9,
        color=COLOURS["text"],
        bbox={"boxstyle": "round,pad=0.35", "fc": "white", "ec": "#d9d9d9", "alpha": 0.9},
        zorder=5,
    )
    if title is None:
        title = " – ".join(str(row[c]) for c in by if c in row) or "SPC chart"
    if subtitle is None:
        subtitle = _date_range_text(row, pts[x_col])
    warning = row.get("warning")
    if warning:
        subtitle = subtitle + "\n" + "\n".join(textwrap.wrap("Warning: " + warning, 110))
    add_titles(ax, title, subtitle)
    ax.legend(
        handles=_legend_handles(shown, has_target),
        loc="upper left",
        bbox_to_anchor=(0, -0.1),
        ncols=4,
        frameon=False,
        fontsize=8,
        handlelength=2.2,
    )
    return fig


# ---- helpers ---------------------------------------------------------------------------


def _plot_x(column: pd.Series) -> tuple[np.ndarray, bool]:
    """x positions for plotting, and whether they are dates (Periods become their start)."""
    if isinstance(column.dtype, pd.PeriodDtype):
        return column.dt.to_timestamp().to_numpy(), True
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return column.to_numpy(), True
    if pd.api.types.is_numeric_dtype(column.dtype):
        return column.to_numpy(dtype=float), False
    first = column.iloc[0] if len(column) else None
    if hasattr(first, "start"):  # auditlib.periods.Period and similar date ranges
        return pd.to_datetime([v.start for v in column]).to_numpy(), True
    if isinstance(first, pd.Period):
        return pd.PeriodIndex(column).to_timestamp().to_numpy(), True
    try:
        return pd.to_datetime(column, format="mixed").to_numpy(), True
    except (TypeError, ValueError):
        return np.arange(len(column), dtype=float), False


def _headroom(ax: Axes) -> None:
    """Room above the data for the verdict box."""
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + 0.18 * (high - low))


def _verdict_text(row: dict) -> str:
    variation = row.get("variation") or "No verdict (no data)"
    lines = [f"Variation: {variation}"]
    assurance = row.get("assurance")
    if assurance:
        lines.append(f"Assurance: {assurance}")
    elif row.get("target") is not None and np.isfinite(float(row.get("target") or np.nan)):
        lines.append("Assurance: none (neutral metric or no limits)")
    return "\n".join(lines)


def _when(value: Any) -> str:
    if hasattr(value, "label") and hasattr(value, "start"):
        return str(value.label)
    if isinstance(value, pd.Period):
        value = value.to_timestamp()
    if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "strftime"):
        return pd.Timestamp(value).strftime("%b %Y")
    return str(value)


def _date_range_text(row: dict, column: pd.Series) -> str:
    first = row.get("first_x", column.iloc[0] if len(column) else None)
    last = row.get("last_x", column.iloc[-1] if len(column) else None)
    n = row.get("n_points")
    span = f"{_when(first)} – {_when(last)}" if first is not None else ""
    return f"{span} ({n} points)" if n is not None else span


def _legend_handles(kinds: Sequence[str], has_target: bool) -> list[Line2D]:
    handles = [
        Line2D([], [], color=COLOURS["mean"], lw=1.3, label="Mean"),
        Line2D([], [], color=COLOURS["limits"], lw=1.0, ls=(0, (5, 3)), label="Process limits"),
    ]
    if has_target:
        handles.append(Line2D([], [], color=COLOURS["target"], lw=1.2, ls="-.", label="Target"))
    for kind in kinds:
        handles.append(
            Line2D(
                [],
                [],
                ls="none",
                marker=MARKERS[kind],
                markersize=7 if kind != "common" else 4.5,
                markerfacecolor=COLOURS[kind],
                markeredgecolor="white" if kind != "common" else COLOURS[kind],
                label=_LABELS[kind],
            )
        )
    return handles
