"""A loaded dataset: the contract's tables as typed pandas DataFrames, with where each came from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

__all__ = ["Dataset", "Source"]


@dataclass(frozen=True)
class Source:
    """Where a table was read from, so problems can be located in the user's own file."""

    file: str
    sheet: str | None = None
    format: str = "csv"


@dataclass
class Dataset:
    """The tables of one dataset, typed as the data contract describes.

    Each DataFrame's index is the row number as the user sees it in their file
    (header = row 1, first data row = 2). Dates are ``datetime64[ns]``
    (midnight), booleans pandas' nullable ``boolean``, enumerations their
    canonical lower-case strings, identifiers strings. A missing optional
    table is simply absent from ``tables``.
    """

    tables: dict[str, pd.DataFrame]
    sources: dict[str, Source] = field(default_factory=dict)
    path: str | None = None

    def __contains__(self, name: str) -> bool:
        return name in self.tables

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def get(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    @property
    def services(self) -> pd.DataFrame:
        return self.tables["services"]

    @property
    def people(self) -> pd.DataFrame:
        return self.tables["people"]

    @property
    def meetings(self) -> pd.DataFrame:
        return self.tables["meetings"]

    def fingerprint(self) -> str:
        """A SHA-256 over every table's content, stable across file formats."""
        digest = hashlib.sha256()
        for name in sorted(self.tables):
            table = self.tables[name]
            digest.update(name.encode())
            digest.update(",".join(map(str, table.columns)).encode())
            hashed = pd.util.hash_pandas_object(table.reset_index(drop=True), index=False)
            digest.update(hashed.to_numpy().tobytes())
        return digest.hexdigest()

    def last_event_date(self) -> date | None:
        """The latest meeting date: the natural end of the data."""
        dates = self.meetings["meeting_date"].dropna()
        return None if dates.empty else dates.max().date()
