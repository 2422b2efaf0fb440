"""Whole-column helpers shared by validation and the metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["isin"]


def isin(values: pd.Series, allowed) -> np.ndarray:
    """``values.isin(allowed)`` as text, by Arrow's hash lookup (missing values are not in).

    pandas' ``isin`` on Arrow-backed strings walks the allowed values in Python,
    which costs seconds against a table of a million keys.
    """
    value_set = pa.array([str(v) for v in allowed], type=pa.large_string())
    text = pa.array(values.astype("string"), from_pandas=True).cast(pa.large_string())
    found = pc.is_in(text, value_set=value_set).fill_null(False)
    return found.to_numpy(zero_copy_only=False)
