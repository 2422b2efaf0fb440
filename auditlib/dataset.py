"""A loaded dataset: the contract's tables as typed pandas DataFrames, with where each came from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from ._columns import isin
from .contract import TABLES

__all__ = ["Dataset", "Source", "Whole"]


@dataclass(frozen=True)
class Source:
    """Where a table was read from, so problems can be located in the user's own file."""

    file: str
    sheet: str | None = None
    format: str = "csv"


@dataclass(frozen=True)
class Whole:
    """What a load of chosen services still says about the whole dataset they were cut from."""

    fingerprint: str
    first_meeting: date | None

    @classmethod
    def of(cls, dataset: Dataset) -> Whole:
        return cls(dataset.fingerprint(), dataset.first_meeting_date())


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
    known_fingerprint: str | None = field(default=None, repr=False, compare=False)
    """:meth:`fingerprint`, once worked out (or kept by the snapshot it was read from)."""
    whole: Whole | None = field(default=None, repr=False, compare=False)
    """For a load of chosen services only: the whole dataset's fingerprint and first meeting."""

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
        """A SHA-256 over every table's content, stable across file formats.

        Hashing a national dataset takes seconds, and a report names it in
        several places, so the first answer is kept: a Dataset's tables are
        not changed in place once loaded (every cut makes a new Dataset).
        A load of chosen services names the whole dataset it was cut from.
        """
        if self.whole is not None:
            return self.whole.fingerprint
        if self.known_fingerprint is None:
            self.known_fingerprint = self._content_fingerprint()
        return self.known_fingerprint

    def _content_fingerprint(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.tables):
            table = self.tables[name]
            digest.update(name.encode())
            digest.update(",".join(map(str, table.columns)).encode())
            hashed = pd.util.hash_pandas_object(table.reset_index(drop=True), index=False)
            digest.update(hashed.to_numpy().tobytes())
        return digest.hexdigest()

    def as_of(self, day: date) -> Dataset:
        """The dataset as it stood at the end of ``day`` (quality.md, "the as-of date").

        Rows dated after ``day`` have not happened yet and are left out;
        later dates on remaining rows (a summary sent, an action closed, a
        person's end date) are read as not yet happened. Actions go with
        their meeting.
        """
        cutoff = pd.Timestamp(day) + pd.Timedelta(days=1)
        tables = {}
        for name, table in self.tables.items():
            spec = TABLES[name]
            if spec.dated_by and spec.dated_by in table:
                table = table[~(table[spec.dated_by] >= cutoff)]
            later = [
                c.name
                for c in spec.columns
                if c.name in table
                and c.name != spec.dated_by
                and c.kind in ("date", "timestamp")
                and (c.when == "event" or c.name == "end_date")
            ]
            if later:
                table = table.assign(**{c: table[c].where(~(table[c] >= cutoff)) for c in later})
            tables[name] = table
        if "actions" in tables and len(tables["meetings"]) < len(self.meetings):
            actions, meetings = tables["actions"], tables["meetings"]
            tables["actions"] = actions[isin(actions["meeting_id"], meetings["meeting_id"])]
        return Dataset(tables, self.sources, self.path)

    def first_meeting_date(self) -> date | None:
        """The first meeting date (of the whole dataset, for a load of chosen services)."""
        if self.whole is not None:
            return self.whole.first_meeting
        dates = self.meetings["meeting_date"].dropna()
        return None if dates.empty else dates.min().date()

    def last_event_date(self) -> date | None:
        """The latest meeting date: the natural end of the data."""
        dates = self.meetings["meeting_date"].dropna()
        return None if dates.empty else dates.max().date()
