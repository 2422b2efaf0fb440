"""A dataset cut down to chosen services, so that totals for "ALL" cover only those services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from ._columns import isin
from .contract import TABLES
from .dataset import Dataset
from .metrics import compute_metrics
from .periods import Period

__all__ = ["restrict", "scoped_metrics"]


def restrict(dataset: Dataset, services: Sequence[str] | None) -> Dataset:
    """The rows of ``dataset`` that belong to the chosen services (all of it when None).

    Each table keeps the rows whose references lead back to a chosen service
    (people, then their meetings, then those meetings' actions, ...).
    Governance events are site-level (NI case samples are counted per site),
    so every service sharing a site with a chosen one keeps its governance
    events and its row in ``services``: each chosen service's site count is
    then the same as in the whole dataset. Those neighbours keep nothing else,
    so they add nothing to any other total; callers drop their rows.
    """
    if services is None:
        return dataset
    chosen = [str(s) for s in services]
    frame = dataset.services
    site = frame["site"].fillna(frame["service_id"]) if "site" in frame else frame["service_id"]
    neighbours = isin(site, site[isin(frame["service_id"], chosen)])
    site_services = frame.loc[neighbours, "service_id"]
    kept = {"services": chosen}
    tables = {"services": frame[neighbours]}
    for name, spec in TABLES.items():  # parents come before the tables that refer to them
        if name == "services" or name not in dataset:
            continue
        table = dataset[name]
        keep = np.ones(len(table), dtype=bool)
        for column in spec.columns:
            if column.references and column.name in table:
                allowed = site_services if name == "governance_events" else kept[column.references]
                keep &= isin(table[column.name], allowed)
        tables[name] = table[keep]
        if len(spec.key) == 1:
            kept[name] = tables[name][spec.key[0]]
    return Dataset(tables, dataset.sources, dataset.path)


def scoped_metrics(
    dataset: Dataset,
    periods: Sequence[Period],
    *,
    as_of: date | None,
    services: Sequence[str] | None,
    metric_ids: Sequence[str] | None = None,
    metrics: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Dashboard metrics for the chosen services and ALL of them, in the given periods.

    ``metrics`` is a table already made by :func:`compute_metrics` for the
    same dataset, as-of date and services (cut by :func:`restrict`), reused
    instead of computing again; it must cover every period. Otherwise the
    metrics are computed on the dataset cut to the chosen services, so that
    ALL totals only those.
    """
    if metrics is None:
        data = restrict(dataset, services)
        metrics = compute_metrics(data, list(periods), as_of=as_of, metrics=metric_ids)
    else:
        for period in periods:
            rows = metrics["period"].eq(period.label) & metrics["period_start"].eq(period.start)
            if not rows.any():
                raise ValueError(f"the metrics table given has no rows for {period}")
        labels = [p.label for p in periods]
        metrics = metrics[metrics["period"].isin(labels)]
        if metric_ids is not None:
            metrics = metrics[metrics["metric_id"].isin(metric_ids)]
    if services is not None:
        metrics = metrics[metrics["scope"].isin([*services, "ALL"])]
    return metrics
