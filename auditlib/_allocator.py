"""Which allocator Arrow uses in auditlib's own processes (the command line and its kernels).

Arrow's default allocator (mimalloc) made the first large load in a process
several times slower than later ones: on the national synthetic dataset 12-16 s
against 4 s, nearly all of it the operating system's time faulting in fresh
memory. The system allocator does not pay that, and a command is always a
process's first load. The choice must be made before pyarrow is imported, and
is passed on through the environment to the report kernels a command starts.
"""

from __future__ import annotations

import os

__all__ = ["POOL_ENV", "use_system_allocator"]

POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"


def use_system_allocator() -> None:
    """Ask Arrow for the system allocator, unless the environment already chose one."""
    os.environ.setdefault(POOL_ENV, "system")
