"""Numbers as the report prints them: every value with its n, every gap with its reason.

Whole columns at a time. A proportion reads "84% (163 of 193)", or just
"5 of 8" when fewer than ten are counted (a percentage of so few sounds more
certain than it is); a mean "3.9 of 5 (36 responses)"; a count "8". A value
that cannot be given says why, in the words of :data:`auditlib._words.STATUS_WORDS`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._words import STATUS_WORDS, count_of, percent

__all__ = ["SMALL_N", "interval_text", "pending_text", "value_text"]

SMALL_N = 10
"""Below this many in the denominator a share is given as a count, not a percentage."""


def _floats(values) -> np.ndarray:
    return pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def value_text(kind, value, numerator, denominator, status) -> np.ndarray:
    """Each row's value in words with its n; the reason where there is no value.

    ``kind`` is one metric kind for all rows or a column of them
    ("proportion", "mean", "count").
    """
    value, num, den = _floats(value), _floats(numerator), _floats(denominator)
    status = pd.Series(status).astype(object).to_numpy()
    kinds = np.broadcast_to(np.asarray(kind, dtype=object), value.shape)
    share = np.where(
        den < SMALL_N, count_of(num, den), percent(value) + " (" + count_of(num, den) + ")"
    )
    whole = np.where(np.isnan(value), 0, value).round().astype(np.int64).astype(str)
    mean = pd.Series(value).map(lambda v: f"{v:.1f}").to_numpy(dtype=object)
    n = np.where(np.isnan(den), 0, den).astype(np.int64).astype(str)
    mean = mean + " of 5 (" + n + " responses)"
    text = np.select([kinds == "proportion", kinds == "mean"], [share, mean], default=whole)
    why = pd.Series(status).map(STATUS_WORDS).fillna("no value").to_numpy(dtype=object)
    return np.where(status == "ok", text, why).astype(object)


def interval_text(kind, low, high) -> np.ndarray:
    """The 95% interval as "79%–89%" (proportions) or "3.6–4.2" (means); blank where none."""
    low, high = _floats(low), _floats(high)
    kinds = np.broadcast_to(np.asarray(kind, dtype=object), low.shape)
    missing = np.isnan(low) | np.isnan(high)
    as_percent = percent(low) + "–" + percent(high)
    plain = pd.Series(low).map(lambda v: f"{v:.1f}") + "–" + pd.Series(high).map("{:.1f}".format)
    text = np.where(kinds == "proportion", as_percent, plain.to_numpy(dtype=object))
    return np.where(missing, "", text).astype(object)


def pending_text(pending) -> np.ndarray:
    """Where items are pending (left out of the denominator): "12 not yet due"; else blank."""
    count = _floats(pending)
    shown = np.where(np.isnan(count), 0, count).astype(np.int64).astype(str)
    return np.where(count > 0, shown + " not yet due", "").astype(object)
