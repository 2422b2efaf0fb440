"""Numbers into plain words for the grid, comparisons and evidence, whole columns at once."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["STATUS_WORDS", "count_of", "join", "percent"]

STATUS_WORDS = {
    "no_data": "no data in the dataset",
    "none_due": "nothing to measure this quarter",
    "not_audited": "not audited this quarter",
    "none_applicable": "no applicable files",
}
"""Why a metric or QA result has no value, in words (status codes of metrics and qa)."""


def percent(values) -> np.ndarray:
    """Proportions as whole percentages (``"83%"``); ``""`` where missing.

    Never rounds to 0% or 100% unless the value is exactly that: ``"<1%"`` and
    ``">99%"`` instead, so a rounded number never claims "none" or "all".
    """
    v = np.asarray(values, dtype=float)
    missing = np.isnan(v)
    whole = np.floor(np.where(missing, 0.0, v) * 100 + 0.5).astype(np.int64)
    text = np.char.add(whole.astype(str), "%").astype(object)
    text[(whole == 0) & (v > 0)] = "<1%"
    text[(whole == 100) & (v < 1)] = ">99%"
    text[missing] = ""
    return text


def count_of(numerator, denominator) -> np.ndarray:
    """``"10 of 12"`` for each pair of counts; ``""`` where either is missing."""
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    missing = np.isnan(num) | np.isnan(den)
    text = np.char.add(
        np.char.add(np.where(missing, 0, num).astype(np.int64).astype(str), " of "),
        np.where(missing, 0, den).astype(np.int64).astype(str),
    ).astype(object)
    text[missing] = ""
    return text


def join(parts: Sequence, sep: str) -> np.ndarray:
    """Element-wise join of string columns, skipping empty strings."""
    out: np.ndarray | None = None
    for part in parts:
        part = np.asarray(part, dtype=object)
        if out is None:
            out = part.copy()
            continue
        both = (out != "") & (part != "")
        out = np.where(both, out + sep + part, np.where(out != "", out, part))
    return np.asarray([] if out is None else out, dtype=object)
