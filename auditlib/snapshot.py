"""Validate once, then read fast: a validated dataset kept as a snapshot in a cache folder.

A snapshot is the typed tables of a dataset that met the contract, one
Parquet file per table, with a ``snapshot.json`` naming the fingerprint it
was made from. The fingerprint is a SHA-256 over the raw bytes of every
table file the load reads (reading the files once, but parsing, typing and
validating nothing), the contract (:data:`auditlib.contract.TABLES`), the
quarter setting and the versions of the code that typed the tables. A load
whose fingerprint differs validates afresh; a snapshot that cannot be read
is ignored with a note; a cache folder that cannot be written is a warning,
never a failure.

Validation only gets stricter as "today" goes back (a future date, a planned
date too far ahead), so a snapshot validated on one day serves that day and
every later one, and a load for an earlier day validates afresh.

Layout: ``CACHE/<key>/`` per dataset (the key is a hash of its resolved
path and quarter setting), holding ``snapshot.json``, ``<table>.parquet`` and
``<table>.by-service.parquet`` (the same rows grouped by the service they
belong to, in small row groups, for a load of chosen services only);
``CACHE/<key>.lock`` serialises writers and readers of that snapshot, so
parallel batch tasks never see one half-written. Every file is written with
:func:`~auditlib.files.atomic_write`, ``snapshot.json`` last (and removed
first), so a killed write leaves no snapshot rather than a mixed one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import __version__
from .contract import TABLES
from .dataset import Dataset, Source, Whole
from .files import atomic_write, write_text_atomic
from .loading import table_files
from .scope import restrict, row_services, scope_codes, scope_of

__all__ = [
    "CACHE_ENV",
    "DEFAULT_CACHE",
    "cache_folder",
    "cache_problem",
    "contract_hash",
    "input_fingerprint",
    "kernel_cache",
    "open_dataset",
]

CACHE_ENV = "AUDITLIB_CACHE"  # a folder, or "off"
DEFAULT_CACHE = ".auditlib-cache"  # under the current folder, beside the outputs
FORMAT = 2  # of the snapshot's files; a change here retires every older snapshot
_SERVICE, _ROW = "_auditlib_service", "_auditlib_row"  # the by-service copies' own columns
_ROW_GROUP = 8192  # rows: a service's rows span a few row groups, the rest are skipped
_OFF = {"off", "no", "none", "false", "0"}
_META = "snapshot.json"
_LOCK_TIMEOUT = 120  # seconds: another process writing the same snapshot


def _quiet(message: str) -> None:
    """The default progress: a library call prints nothing."""


def open_dataset(
    path: str | Path,
    *,
    cache: str | Path | bool = True,
    today: date | None = None,
    calendar_quarters: bool = False,
    services: Sequence[str] | None = None,
    progress: Callable[[str], None] = _quiet,
) -> Dataset:
    """Load ``path`` as :func:`~auditlib.validation.load_dataset` does, from its snapshot if valid.

    ``cache`` is the cache folder; ``True`` (the default) is ``$AUDITLIB_CACHE``
    or ``.auditlib-cache`` in the current folder, ``False`` turns the cache off.
    ``services``, when given, gives the dataset already cut to those services
    (exactly :func:`~auditlib.scope.restrict`'s cut) that still names the
    whole (:class:`~auditlib.dataset.Whole`): a snapshot then reads only
    their rows, so one service of a national provider loads like a small
    one. ``progress`` is told when the validated copy is used, and why
    a snapshot was not read or written.
    """
    folder = cache_folder(cache)
    today = today or date.today()
    before = None if folder is None else input_fingerprint(path, calendar_quarters)
    if before is None:  # no cache, or an input the validator must report on
        dataset = load_dataset(path, today=today, calendar_quarters=calendar_quarters)
        return _cut(dataset, services)
    place = folder / _key(path, calendar_quarters)
    dataset = _read(place, path, before, today, services, progress)
    if dataset is not None:
        return dataset
    dataset = load_dataset(path, today=today, calendar_quarters=calendar_quarters)
    if input_fingerprint(path, calendar_quarters) == before:  # not changed while validating
        _write(place, dataset, before, today, progress)
    return _cut(dataset, services)


def _cut(dataset: Dataset, services: Sequence[str] | None) -> Dataset:
    if services is None:
        return dataset
    return dataclasses.replace(restrict(dataset, services), whole=Whole.of(dataset))


def load_dataset(path: str | Path, **options) -> Dataset:
    """Validate afresh (:func:`auditlib.validation.load_dataset`); pandera loads only then."""
    from .validation import load_dataset as validate

    return validate(path, **options)


def cache_folder(cache: str | Path | bool = True) -> Path | None:
    """The cache folder ``cache`` names (see :func:`open_dataset`), or None when it is off."""
    if cache is False:
        return None
    if cache is True:
        cache = os.environ.get(CACHE_ENV, "").strip() or DEFAULT_CACHE
        if cache.lower() in _OFF:
            return None
    return Path(cache)


def cache_problem(cache: str | Path | bool = True) -> str | None:
    """Why no snapshot can be kept in the cache folder ``cache`` names; None when one can (or
    the cache is off). For a batch, whose every report would otherwise validate again."""
    folder = cache_folder(cache)
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        return _reason(error)
    return None


@contextmanager
def kernel_cache(cache: str | Path | bool = True) -> Iterator[None]:
    """Name the cache folder in the environment that a notebook kernel started now inherits.

    The kernel runs in the notebooks' folder, so its own default would be a
    second cache there; with this it reads the snapshot the runner just used.
    """
    folder = cache_folder(cache)
    before = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = "off" if folder is None else str(folder.resolve())
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(CACHE_ENV, None)
        else:
            os.environ[CACHE_ENV] = before


def input_fingerprint(path: str | Path, calendar_quarters: bool = False) -> str | None:
    """A SHA-256 of what a load of ``path`` reads and of the code that types and checks it.

    None when the input cannot be listed or read: the validator then says why.
    """
    digest = hashlib.sha256()
    setting = {
        "format": FORMAT,
        "auditlib": __version__,
        "pandas": pd.__version__,
        "pyarrow": _pyarrow_version(),
        "contract": contract_hash(),
        "calendar_quarters": bool(calendar_quarters),
    }
    digest.update(json.dumps(setting, sort_keys=True).encode())
    try:
        for file in table_files(path):
            with open(file, "rb") as handle:
                content = hashlib.file_digest(handle, "sha256").hexdigest()
            digest.update(f"\n{file.name}\0{content}".encode())
    except OSError:
        return None
    return digest.hexdigest()


def contract_hash() -> str:
    """A SHA-256 of the data contract: any change to a table, column or rule changes it."""
    contract = {name: dataclasses.asdict(table) for name, table in TABLES.items()}
    return hashlib.sha256(json.dumps(contract, sort_keys=True, default=str).encode()).hexdigest()


def _pyarrow_version() -> str:
    return pa.__version__


def _key(path: str | Path, calendar_quarters: bool) -> str:
    where = f"{Path(path).resolve()}\0{bool(calendar_quarters)}"
    return f"{Path(path).name or 'dataset'}-{hashlib.sha256(where.encode()).hexdigest()[:16]}"


def _lock(place: Path):
    from filelock import FileLock  # only a cached load needs it

    return FileLock(place.with_name(place.name + ".lock"), timeout=_LOCK_TIMEOUT)


# --- reading -----------------------------------------------------------------------------------


def _read(place: Path, path, fingerprint: str, today: date, services, progress) -> Dataset | None:
    meta_file = place / _META
    if not meta_file.is_file():
        return None
    try:
        with _lock(place):
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
            if meta.get("fingerprint") != fingerprint:
                return None
            if date.fromisoformat(meta["today"]) > today:  # stricter checks for an earlier day
                return None
            tables = _tables(place, meta["tables"], services)
            sources = {
                name: _source(path, entry["source"]) for name, entry in meta["tables"].items()
            }
            created = datetime.fromisoformat(meta["created"]).astimezone()
            whole = Whole(meta["whole"]["fingerprint"], _day(meta["whole"]["first_meeting"]))
    except Exception as error:  # corrupt, unreadable or locked too long: validate afresh
        progress(f"note: the validated copy in {place} cannot be read ({_reason(error)}); "
                 "validating afresh")  # fmt: skip
        return None
    progress(f"{path}: using the validated copy from {created:%d %b %Y %H:%M} ({place})")
    if services is None:
        return Dataset(tables, sources, str(path), known_fingerprint=whole.fingerprint)
    return Dataset(tables, sources, str(path), whole=whole)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _tables(place: Path, entries: dict, services: Sequence[str] | None) -> dict[str, pd.DataFrame]:
    """Every table of the snapshot, or only the chosen services' rows (by the by-service copies)."""
    if services is None:
        return {name: _read_parquet(place / entry["file"]) for name, entry in entries.items()}
    wanted = scope_codes(_read_parquet(place / entries["services"]["file"]), services)
    tables = {}
    for name in filter(entries.__contains__, TABLES):  # in the order restrict() gives them
        entry = entries[name]
        if entry.get("by_service") is None:  # a table that cannot say whose its rows are
            tables[name] = _read_parquet(place / entry["file"])
            continue
        codes = pa.array(wanted[scope_of(name)], type=pa.int64())
        rows = _read_parquet(place / entry["by_service"], filters=pc.field(_SERVICE).isin(codes))
        tables[name] = rows.sort_values(_ROW, kind="stable").drop(columns=[_SERVICE, _ROW])
    return tables


def _read_parquet(file: Path, **options) -> pd.DataFrame:
    return pd.read_parquet(file, engine="pyarrow", **options)


def _source(path, recorded: dict) -> Source:
    """Where a table came from, named under ``path`` as this load was given it."""
    file = Path(path) / recorded["name"] if recorded["name"] else Path(path)
    return Source(str(file), recorded["sheet"], recorded["format"])


# --- writing -----------------------------------------------------------------------------------


def _write(place: Path, dataset: Dataset, fingerprint: str, today: date, progress) -> None:
    folder = Path(dataset.path or "")
    owners = row_services(dataset)
    entries = {
        name: {
            "file": f"{name}.parquet",
            "by_service": None if owners.get(name) is None else f"{name}.by-service.parquet",
            "source": {
                "name": None if Path(source.file) == folder else Path(source.file).name,
                "sheet": source.sheet,
                "format": source.format,
            },
        }
        for name, source in dataset.sources.items()
    }
    meta = {
        "fingerprint": fingerprint,
        "contract": contract_hash(),
        "format": FORMAT,
        "auditlib": __version__,
        "dataset": str(folder.resolve()),
        "today": today.isoformat(),
        "whole": {  # hashed once here, not by every report
            "fingerprint": dataset.fingerprint(),
            "first_meeting": _iso(dataset.first_meeting_date()),
        },
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "tables": entries,
    }
    try:
        place.mkdir(parents=True, exist_ok=True)
        with _lock(place):
            (place / _META).unlink(missing_ok=True)  # no snapshot while its tables change
            for name, entry in entries.items():
                table = dataset.tables[name]
                atomic_write(
                    place / entry["file"], lambda temporary, t=table: _parquet(t, temporary)
                )
                if entry["by_service"] is not None:
                    copy = _by_service(table, owners[name])
                    atomic_write(
                        place / entry["by_service"],
                        lambda temporary, t=copy: _parquet(t, temporary, row_group_size=_ROW_GROUP),
                    )
            write_text_atomic(place / _META, json.dumps(meta, indent=1))
    except Exception as error:  # a cache that cannot be written never fails the command
        progress(f"warning: cannot keep a validated copy in {place} ({_reason(error)}); "
                 "the next run will validate again")  # fmt: skip


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _by_service(table: pd.DataFrame, owners: np.ndarray) -> pd.DataFrame:
    """The table's rows grouped by the service they belong to (in file order within each),
    with that service and each row's place in the table, so that a read of one service
    skips every other service's row groups and can put the rows back in order."""
    order = np.argsort(owners, kind="stable")
    order = order[owners[order] >= 0]  # rows of no service are in no service's cut
    return table.iloc[order].assign(**{_SERVICE: owners[order], _ROW: order})


def _parquet(table: pd.DataFrame, file: Path, **options) -> None:
    table.to_parquet(file, engine="pyarrow", index=True, **options)


def _reason(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    text = str(error).splitlines()[0] if str(error) else ""
    return text or type(error).__name__
