"""One run at a time writes into an output folder.

A report or a batch takes an exclusive lock on its output root for as long
as it writes there, so two runs aimed at the same folder never interleave.
The lock is the operating system's (``filelock``): it is released when the
process ends, however it ends, so a killed run never leaves a stale lock.
Beside it the holder records who it is and since when, so the second run can
say whom it is waiting for.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ..errors import ReportError
from ..files import write_text_atomic

__all__ = ["LOCK_NAME", "output_lock"]

LOCK_NAME = ".auditlib.lock"
_HOLDER = ".auditlib.lock.json"


@contextmanager
def output_lock(root: str | Path) -> Iterator[Path]:
    """Hold the output root ``root`` for this run, or refuse at once if another run holds it."""
    from filelock import FileLock, Timeout

    root = Path(root)
    lock = FileLock(str(root / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise ReportError(_busy(root)) from None
    except OSError as error:
        raise ReportError(f"--out {root}: cannot lock it ({error.strerror or error})") from None
    try:
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        write_text_atomic(root / _HOLDER, json.dumps(holder))
        yield root
    finally:
        (root / _HOLDER).unlink(missing_ok=True)
        lock.release()


def _busy(root: Path) -> str:
    try:
        holder = json.loads((root / _HOLDER).read_text(encoding="utf-8"))
        who = f" (since {holder['since']}, pid {holder['pid']} on {holder['host']})"
    except (OSError, ValueError, KeyError, TypeError):
        who = ""
    return f"another auditlib run is writing into {root}{who}; wait for it or choose another --out"
