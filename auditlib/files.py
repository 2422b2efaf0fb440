"""Writing outputs safely: atomically, never over the dataset read, never as a formula.

Every file the workbench writes goes through :func:`atomic_write`: a crash
mid-write leaves the old file, never half a new one, and a temporary file
left by a killed write is cleared by the next write to the same place. A
command that reads a dataset names it (``reads=``), and an output that would
land on one of the dataset's own files is refused. CSV meant for people to
open is made by :func:`csv_text`, which keeps a text cell from running as a
spreadsheet formula. A dataset's read-modify-write (ingest) holds
:func:`dataset_lock`, so two runs at once cannot lose each other's rows.
"""

from __future__ import annotations

import io
import os
import re
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from .contract import TABLES
from .errors import AuditlibError, DatasetBusyError, InputNotFoundError, OutputError

__all__ = [
    "FORMULA_START",
    "LOCK_NAME",
    "atomic_write",
    "csv_text",
    "dataset_lock",
    "process_alive",
    "refuse_non_empty",
    "refuse_overwriting_input",
    "write_text_atomic",
]

LOCK_NAME = ".auditlib.lock"  # beside the tables; no table is named so, so it is never read
_TABLE_FORMATS = (".csv", ".parquet", ".xlsx")
_STALE_AFTER = 24 * 3600  # seconds: a temporary file this old is abandoned, whoever made it
_HOST = "".join(c if c.isalnum() or c in "-_" else "_" for c in socket.gethostname())
# mkstemp's names below: .NAME.PID@HOST.XXXXXXXX.tmp
_TEMPORARY = re.compile(r"^\..+\.(?P<pid>\d+)@(?P<host>[A-Za-z0-9_-]+)\.[a-z0-9_]{8}\.tmp$")
_CLEARED: set[Path] = set()


def atomic_write(
    path: str | Path, write: Callable[[Path], object], *, reads: str | Path | None = None
) -> Path:
    """Call ``write(temporary_path)`` then move the result into place in one step.

    The temporary file sits in the target's own folder so the final rename
    never crosses file systems; its name carries this process's id, so a
    later write can tell a killed write's leftovers from a live one's.
    ``reads`` is the dataset the output was made from: writing over any of
    its files is refused. A place that cannot be written (a folder, a path
    under a file, no permission) is an :class:`OutputError`, never a traceback.
    """
    path = Path(path)
    if reads is not None:
        refuse_overwriting_input(path, reads)
    if path.is_dir():
        raise OutputError(f"{path} is a folder: give a file name to write to")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _clear_stale(path.parent)
        handle, name = tempfile.mkstemp(
            prefix=f".{path.name}.{os.getpid()}@{_HOST}.", suffix=".tmp", dir=path.parent
        )
        os.close(handle)
    except OSError as error:
        raise _cannot_write(path, error) from error
    temporary = Path(name)
    try:
        write(temporary)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; outputs are shared
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise _cannot_write(path, error) from error
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def _cannot_write(path: Path, error: OSError) -> AuditlibError:
    if isinstance(error, AuditlibError):  # already says what went wrong, e.g. a refusal
        return error
    reason = error.strerror or str(error)
    return OutputError(f"{path}: cannot write here ({reason}); nothing was written")


def _clear_stale(folder: Path) -> None:
    """Remove the temporary files a killed write left in ``folder`` (once per folder and process).

    One is stale when the process named in it is gone (same machine), or
    when it is a day old (a shared folder written from another machine).
    Only this module's own temporary names are touched, and removal is best
    effort: a leftover that cannot be removed is ignored, as the loader
    ignores every ``.tmp`` file.
    """
    key = folder.resolve()
    if key in _CLEARED:
        return
    _CLEARED.add(key)
    now = time.time()
    try:
        entries = list(folder.iterdir())
    except OSError:  # a folder one may write but not list: nothing to clear
        return
    for leftover in entries:
        found = _TEMPORARY.match(leftover.name)
        if not found:
            continue
        pid, host = int(found["pid"]), found["host"]
        try:
            gone = host == _HOST and not process_alive(pid)
            if gone or now - leftover.stat().st_mtime > _STALE_AFTER:
                leftover.unlink()
        except OSError:
            continue


def process_alive(pid: int) -> bool:
    """Whether a process ``pid`` runs on this machine (ours or another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, and someone else's
        return True
    return True


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_text_atomic(path: str | Path, text: str, *, reads: str | Path | None = None) -> Path:
    """Write UTF-8 text atomically (``reads`` as for :func:`atomic_write`)."""
    return atomic_write(
        path, lambda temporary: temporary.write_text(text, encoding="utf-8"), reads=reads
    )


def refuse_overwriting_input(path: str | Path, dataset: str | Path) -> None:
    """Raise :class:`OutputError` if ``path`` is a file of ``dataset``.

    That is the workbook itself for a one-workbook dataset, or any file in a
    dataset folder named as a table (in any format: a second format of a
    table would make the dataset ambiguous). Symbolic links are followed.
    """
    target, source = Path(path).resolve(), Path(dataset).resolve()
    table_file = (
        source.is_dir()
        and target.parent == source
        and target.suffix.lower() in _TABLE_FORMATS
        and target.stem.strip().lower() in TABLES
    )
    if target == source or table_file:
        raise OutputError(
            f"{path} is part of the dataset {dataset} being read: write the output elsewhere "
            "(the dataset's files are never overwritten)"
        )


def refuse_non_empty(path: str | Path) -> None:
    """Raise :class:`OutputError` if ``path`` is an existing file or a folder holding files.

    For writers that fill a whole place (a synthetic dataset): what is there
    may be a real dataset, so it is replaced only on purpose. Hidden files
    (a lock, a leftover temporary file) do not count.
    """
    path = Path(path)
    try:
        if path.is_dir():
            held = sorted(p.name for p in path.iterdir() if not p.name.startswith("."))
        else:
            held = [path.name] if path.exists() else []
    except OSError as error:
        raise _cannot_write(path, error) from error
    if held == [path.name] and not path.is_dir():
        raise OutputError(
            f"{path} already exists: choose a new name, or replace it on purpose with --force "
            "(force=True)"
        )
    if held:
        shown = ", ".join(held[:5]) + (", ..." if len(held) > 5 else "")
        raise OutputError(
            f"{path} is not empty ({shown}): it may be a real dataset. Choose a new or empty "
            "place, or replace what is there on purpose with --force (force=True)"
        )


# --- CSV for people ----------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP: what a spreadsheet may run


def csv_text(table: pd.DataFrame, **to_csv) -> str:
    """The table as CSV text, with no text cell a spreadsheet would run as a formula.

    A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
    return gets a leading ``'`` (OWASP's CSV-injection advice), unless it
    is a plain number such as ``-0.05``; number columns are never touched.
    For outputs people open; a dataset's own tables are written verbatim.
    """
    safe = table.copy(deep=False)
    safe.columns = _neutralised(pd.Series(table.columns.astype(str))).tolist()
    for position, (_, values) in enumerate(table.items()):
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype | pd.CategoricalDtype):
            safe.isetitem(position, _neutralised(values))
    buffer = io.StringIO()
    safe.to_csv(buffer, index=False, **to_csv)
    return buffer.getvalue()


def _neutralised(values: pd.Series) -> pd.Series:
    text = values.astype("string")
    risky = text.str.startswith(FORMULA_START).fillna(False)
    risky &= pd.to_numeric(text.where(risky), errors="coerce").isna()
    if not risky.any():
        return values
    return values.astype(object).mask(risky.to_numpy(dtype=bool), "'" + text)


# --- the dataset lock --------------------------------------------------------------------------


@contextmanager
def dataset_lock(dataset: str | Path, *, timeout: float = 120) -> Iterator[Path]:
    """Hold the dataset's lock for a read-modify-write; wait up to ``timeout`` seconds for it.

    The lock file is ``.auditlib.lock`` in a dataset folder, or
    ``.NAME.lock`` beside a one-workbook dataset. Another holder past the
    timeout is a :class:`DatasetBusyError`; a dataset that cannot be
    written (read-only, no permission) an :class:`OutputError`.
    """
    from filelock import FileLock, Timeout  # only writers need it

    path = Path(dataset)
    if not path.exists():
        raise InputNotFoundError(f"{path}: no such dataset folder or workbook")
    lock_path = path / LOCK_NAME if path.is_dir() else path.with_name(f".{path.name}.lock")
    lock = FileLock(lock_path, timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise DatasetBusyError(
            f"{dataset}: another auditlib command is writing to this dataset; waited "
            f"{timeout:g} seconds for it to finish (lock {lock_path}). Nothing was written: "
            "try again when it has finished"
        ) from None
    except OSError as error:
        raise _cannot_write(lock_path, error) from error
    try:
        yield lock_path
    finally:
        lock.release()
