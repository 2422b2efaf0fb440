"""Whole-column helpers shared by validation and the metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["index_in", "isin"]


def _text(values) -> pa.Array | pa.ChunkedArray:
    """Values as Arrow text: an Arrow array as it is, anything else through pandas' strings."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values.cast(pa.large_string())
    if not isinstance(values, (pd.Series, pd.Index, np.ndarray, pd.api.extensions.ExtensionArray)):
        values = list(values)  # a set, a tuple, any other collection
    return pa.array(pd.Series(values).astype("string"), from_pandas=True).cast(pa.large_string())


def index_in(values: pd.Series, keys) -> np.ndarray:
    """The position of each value among ``keys`` (-1 where absent), by Arrow's hash lookup.

    The integer codes this gives let callers group and join on numbers
    instead of converting text identifiers again and again.
    """
    found = pc.index_in(_text(values), value_set=_text(keys)).fill_null(-1)
    return found.to_numpy(zero_copy_only=False).astype(np.int64)


def isin(values: pd.Series, allowed) -> np.ndarray:
    """``values.isin(allowed)`` as text, by Arrow's hash lookup (missing values are not in).

    pandas' ``isin`` on Arrow-backed strings walks the allowed values in Python,
    which costs seconds against a table of a million keys. ``allowed`` may be
    any collection of values, or an Arrow array.
    """
    found = pc.is_in(_text(values), value_set=_text(allowed)).fill_null(False)
    return found.to_numpy(zero_copy_only=False)
