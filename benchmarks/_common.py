"""What the command benchmarks share: timing a whole command, the papermill floor, the load.

Each benchmark runs the real command as a user does (a subprocess) and prints
its time against a floor measured in the same run, with the machine's load
average, since this machine is shared and absolute times vary two-fold.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def load_average() -> str:
    """How busy the machine is: the 1- and 5-minute load averages against its cores."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    """Seconds for ``command`` to run to its end from the project's folder (it must succeed)."""
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT, env=env)
    return time.perf_counter() - start


def floor_command(folder: Path) -> list[str]:
    """papermill running an empty notebook: a kernel starting and stopping, nothing more."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}  # fmt: skip
    notebook.cells = [nbformat.v4.new_code_cell("")]
    path = folder / "empty.ipynb"
    nbformat.write(notebook, str(path))
    return [sys.executable, "-m", "papermill", "--no-progress-bar", str(path),
            str(folder / "empty-out.ipynb")]  # fmt: skip
