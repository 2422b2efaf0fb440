"""A dataset cut down to chosen services, so that totals for "ALL" cover only those services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from ._columns import index_in, isin
from .contract import TABLES
from .dataset import Dataset
from .periods import Period

__all__ = ["restrict", "row_services", "scope_codes", "scope_of", "scoped_metrics"]

_SCOPE_OF = {"services": "site", "governance_events": "site"}
"""Tables kept for every service on a chosen service's site; the rest for the chosen only."""


def restrict(dataset: Dataset, services: Sequence[str] | None) -> Dataset:
    """The rows of ``dataset`` that belong to the chosen services (all of it when None).

    Each table keeps the rows whose references lead back to a chosen service
    (people, then their meetings, then those meetings' actions, ...): the
    rows :func:`row_services` gives a chosen service. Governance events are
    site-level (NI case samples are counted per site), so every service
    sharing a site with a chosen one keeps its governance events and its row
    in ``services``: each chosen service's site count is then the same as in
    the whole dataset. Those neighbours keep nothing else, so they add nothing
    to any other total; callers drop their rows.
    """
    if services is None:
        return dataset
    frame = dataset.services
    chosen, neighbours = _on_sites(frame, services)
    site_services = frame.loc[neighbours, "service_id"]
    kept = {"services": frame.loc[chosen, "service_id"]}
    tables = {"services": frame[neighbours]}
    for name, spec in TABLES.items():  # parents come before the tables that refer to them
        if name == "services" or name not in dataset:
            continue
        table = dataset[name]
        keep = np.ones(len(table), dtype=bool)
        for column in spec.columns:
            if column.references and column.name in table:
                allowed = site_services if scope_of(name) == "site" else kept[column.references]
                keep &= isin(table[column.name], allowed)
        tables[name] = table[keep]
        if len(spec.key) == 1:
            kept[name] = tables[name][spec.key[0]]
    return Dataset(tables, dataset.sources, dataset.path)


def _on_sites(services: pd.DataFrame, chosen: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Which rows of ``services`` are chosen, and which share a site with a chosen one."""
    ids = services["service_id"]
    site = services["site"].fillna(ids) if "site" in services else ids
    mine = isin(ids, [str(s) for s in chosen])
    return mine, isin(site, site[mine])


def scope_codes(services: pd.DataFrame, chosen: Sequence[str]) -> dict[str, np.ndarray]:
    """Positions in ``services`` of the chosen services, and of every service on their sites.

    ``chosen`` for most tables, ``site`` for ``services`` and governance
    events (see :func:`restrict`); :func:`scope_of` says which a table uses.
    """
    mine, neighbours = _on_sites(services, chosen)
    return {"chosen": np.flatnonzero(mine), "site": np.flatnonzero(neighbours)}


def scope_of(table: str) -> str:
    """Which of :func:`scope_codes`' sets a table's rows are kept for."""
    return _SCOPE_OF.get(table, "chosen")


def row_services(dataset: Dataset) -> dict[str, np.ndarray | None]:
    """For each table, the position in ``services`` of the service each row leads back to.

    A person belongs to their service, a meeting to its person's service,
    an action to its meeting's, and so on down the contract's references
    (-1 where a reference leads nowhere). None for a table that cannot say
    (its reference column is absent): such a table is kept whole by a cut.
    Whole-column: one hash lookup per table, then integer takes.
    """
    services = dataset.services["service_id"]
    owners: dict[str, np.ndarray | None] = {"services": np.arange(len(services))}
    for name, spec in TABLES.items():  # parents come before the tables that refer to them
        if name == "services" or name not in dataset:
            continue
        table = dataset[name]
        refs = [c for c in spec.columns if c.references and c.name in table]
        parent = owners.get(refs[0].references) if len(refs) == 1 else None
        if parent is None or len(TABLES[refs[0].references].key) != 1:
            owners[name] = None
            continue
        keys = dataset[refs[0].references][TABLES[refs[0].references].key[0]]
        at = index_in(table[refs[0].name], keys)
        owners[name] = np.append(parent, -1)[at]  # at == -1 (no such parent) takes the -1
    return owners


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
        from .metrics import compute_metrics  # scipy: only when metrics are computed

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
