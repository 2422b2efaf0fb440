"""Board-pack charts: plain functions that draw one chart each and return its Figure.

Every chart of the workbench lives here: the SPC chart of one metric
(:func:`spc_chart`), the self-score grid as claimed against evidenced
(:func:`grid_chart`) and a before/after comparison as dots with intervals
(:func:`compare_chart`).

All charts share one look (:func:`new_axes`, :func:`style_axes`,
:func:`add_titles`, :data:`COLOURS`, :data:`MARKERS`): no top or right spines,
no heavy grid, a bold left-aligned title with a grey subtitle, and a
colour-blind-safe palette where every meaning also has its own marker shape, so
a chart printed in greyscale still reads. Each is titled with the place and
subtitled with its dates.

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
from matplotlib.ticker import FuncFormatter, PercentFormatter

from .compare import CANNOT_COMPARE, NOT_TESTED
from .contract import DIMENSIONS

__all__ = [
    "COLOURS",
    "MARKERS",
    "add_titles",
    "compare_chart",
    "grid_chart",
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


def style_axes(ax: Axes, *, gridlines: str = "y") -> None:
    """House style: no top/right spines, light axes, faint gridlines on one axis only.

    ``gridlines`` is ``"y"`` (horizontal lines, the default) or ``"x"``
    (vertical lines, for charts whose values run across the page).
    """
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#bfbfbf")
    ax.tick_params(colors=COLOURS["muted"], labelsize=9, length=3)
    other = "x" if gridlines == "y" else "y"
    ax.grid(axis=gridlines, color="#ececec", linewidth=0.6)
    ax.grid(axis=other, visible=False)
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
    percent: bool | None = None,
    n: str | None = None,
) -> Figure:
    """An SPC chart of one series from :func:`auditlib.spc.spc`, in board-pack style.

    ``points`` are that series' rows of ``SpcResult.points`` and ``summary_row``
    its row of ``SpcResult.summary`` (``SpcResult.series(key)`` gives both).
    Draws the data line, the mean (solid) and process limits (dashed) of each
    rebase segment, the target if any, and marks special-cause points by colour
    *and* shape; the variation and assurance verdicts are written on the chart.
    Missing points are gaps in the line, each marked by a tick on the x axis.
    The default title names the series; the default subtitle its date range.
    ``percent`` shows values (proportions 0-1) as percentages on an axis from
    0% to 100%; by default only on a p-chart.  ``n`` names the column of each
    point's number of cases (default: the p-chart's n), written under each
    point so a signal from a month of 1 case reads as such.
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
    missing = pts["missing"].to_numpy(dtype=bool)
    y[missing] = np.nan

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

    if missing.any():  # a tick on the x axis where a point is missing, so a gap reads as one
        ax.plot(
            xs[missing],
            np.zeros(int(missing.sum())),
            transform=ax.get_xaxis_transform(),
            ls="none",
            marker="|",
            markersize=9,
            markeredgewidth=1.4,
            color=COLOURS["limits"],
            clip_on=False,
            zorder=4,
        )

    if is_dates:
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    as_percent = percent if percent is not None else row.get("chart") == "p"
    if as_percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        # a proportion cannot pass 0% or 100%: an XmR limit beyond them is not drawn past them
        low, high = ax.get_ylim()
        ax.set_ylim(max(low, -0.02), min(high, 1.02))
    if value_label:
        ax.set_ylabel(value_label, fontsize=9, color=COLOURS["muted"])
    _headroom(ax)
    if as_percent:  # no ticks in the headroom above 100%
        ax.set_yticks([t for t in ax.get_yticks() if -1e-9 <= t <= 1 + 1e-9])
    n_col = n or settings.get("n")
    if n_col and n_col in pts.columns:
        _n_labels(ax, xs, pd.to_numeric(pts[n_col], errors="coerce").to_numpy(dtype=float), missing)

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
    warning = _text(row.get("warning"))
    if warning:
        subtitle = subtitle + "\n" + "Warning: " + warning
    add_titles(ax, title, _wrap(subtitle, 110))
    ax.legend(
        handles=_legend_handles(shown, has_target, bool(missing.any())),
        loc="upper left",
        bbox_to_anchor=(0, -0.1),
        ncols=4,
        frameon=False,
        fontsize=8,
        handlelength=2.2,
    )
    return fig


# ---- the self-score grid and before/after ------------------------------------------------

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
    style_axes(ax, gridlines="x")
    for yi, c, e, flagged in zip(y, claimed, evidenced, over, strict=True):
        if np.isnan(c) or np.isnan(e):
            continue
        colour, width = (COLOURS["concern"], 2.4) if flagged else (COLOURS["common"], 1.0)
        ax.plot([c, e], [yi + _OFFSET, yi - _OFFSET], color=colour, lw=width, zorder=1)
    ax.scatter(claimed, y + _OFFSET, marker="o", s=60, facecolors="white",
               edgecolors=COLOURS["text"], linewidths=1.4, zorder=3)  # fmt: skip
    ax.scatter(evidenced, y - _OFFSET, marker="s", s=52, color=COLOURS["improvement"], zorder=3)
    waiting = rows["finding"].eq("not yet evidenced").to_numpy(dtype=bool)
    for yi, flagged, unevidenced, c, e in zip(y, over, waiting, claimed, evidenced, strict=True):
        if flagged:
            ax.text(2.25, yi, f"over-claim by {int(c - e)}", va="center", fontsize=8.5,
                    color=COLOURS["concern"], fontweight="bold")  # fmt: skip
        elif unevidenced:  # missing or pending evidence: never drawn as an over-claim
            ax.text(2.25, yi, "not yet evidenced", va="center", fontsize=8.5,
                    color=COLOURS["muted"])  # fmt: skip

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
        _marker_handle("o", COLOURS["text"], "Claimed (self-assessment)", face="white"),
        _marker_handle("s", COLOURS["improvement"], "Evidenced (rubric)"),
        Line2D([], [], color=COLOURS["concern"], lw=2.4, label="Over-claim"),
    ]
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
    style_axes(ax, gridlines="x")
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
        _marker_handle(marker, colour, label)
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


def _short(label: str, width: int = 48) -> str:
    """A measure's label on one line, cut with an ellipsis if long."""
    return textwrap.shorten(str(label), width, placeholder="…")


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


def _n_labels(ax: Axes, xs: np.ndarray, counts: np.ndarray, missing: np.ndarray) -> None:
    """Each point's n in small grey type, in a strip added below the data, labelled "n"."""
    shown = np.isfinite(counts) & ~missing
    if not shown.any():
        return
    low, high = ax.get_ylim()
    ticks = [t for t in ax.get_yticks() if low - 1e-9 <= t <= high + 1e-9]
    ax.set_ylim(low - 0.08 * (high - low), high)
    ax.set_yticks(ticks)
    transform = ax.get_xaxis_transform()
    for x, count in zip(xs[shown], counts[shown].astype(np.int64), strict=True):
        ax.text(x, 0.015, str(count), transform=transform, ha="center", va="bottom",
                fontsize=6.5, color=COLOURS["muted"], zorder=4)  # fmt: skip
    ax.text(0.0, 0.015, "n ", transform=ax.transAxes, ha="right", va="bottom", fontsize=6.5,
            color=COLOURS["muted"])  # fmt: skip


def _verdict_text(row: dict) -> str:
    variation = _text(row.get("variation")) or "No verdict (no data)"
    lines = [f"Latest point: {variation}"]
    recent = _text(row.get("recent_special_cause"))
    if recent:
        lines.append(f"Recent special cause: {recent}")
    assurance = _text(row.get("assurance"))
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


def _legend_handles(kinds: Sequence[str], has_target: bool, has_missing: bool) -> list[Line2D]:
    handles = [
        Line2D([], [], color=COLOURS["mean"], lw=1.3, label="Mean"),
        Line2D([], [], color=COLOURS["limits"], lw=1.0, ls=(0, (5, 3)), label="Process limits"),
    ]
    if has_target:
        handles.append(Line2D([], [], color=COLOURS["target"], lw=1.2, ls="-.", label="Target"))
    for kind in kinds:
        special = kind != "common"
        handles.append(
            _marker_handle(
                MARKERS[kind],
                COLOURS[kind],
                _LABELS[kind],
                size=7 if special else 4.5,
                edge="white" if special else None,
            )
        )
    if has_missing:
        handles.append(_marker_handle("|", COLOURS["limits"], "No data (left out)", size=9))
    return handles


def _marker_handle(
    marker: str,
    colour: str,
    label: str,
    *,
    size: float = 7,
    face: str | None = None,
    edge: str | None = None,
) -> Line2D:
    """A legend entry showing one marker (filled with ``colour`` unless ``face`` is given)."""
    return Line2D(
        [],
        [],
        ls="none",
        marker=marker,
        markersize=size,
        markerfacecolor=face or colour,
        markeredgecolor=edge or colour,
        label=label,
    )


def _text(value: Any) -> str | None:
    """A table cell as text, or None where it is blank (None or NaN)."""
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _wrap(text: str, width: int) -> str:
    """Text broken into lines of at most ``width`` characters, keeping its own line breaks."""
    return "\n".join("\n".join(textwrap.wrap(line, width)) for line in str(text).split("\n"))


def _day(value: Any) -> str:
    """A date as '1 Jul 2026'."""
    day = pd.Timestamp(value)
    return f"{day.day} {day:%b %Y}"
