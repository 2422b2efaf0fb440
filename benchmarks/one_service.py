"""Benchmark: one service on the national dataset against the same command on the demo.

Issue 10's target: ``metrics``, ``trends`` and ``report`` for ONE service on
the national-provider synthetic dataset (300 services), with a snapshot, each
within 2x of the same command on the demo dataset (5 services). Each command
runs as a user runs it (a subprocess of ``python -m auditlib``), first once on
each dataset to make the snapshots and warm the disk cache (not counted), then
in turn national, demo, national, demo, ... so that a machine that speeds up
or slows down during the run moves both alike. The medians and their ratio
are printed with the load average before and after each command's runs, since
this machine is shared and absolute times vary two-fold.

    python benchmarks/one_service.py [--data NATIONAL_FOLDER] [--runs 3] [--keep]

Without ``--data`` the national dataset is generated into a temporary folder
first (a minute or more); the demo dataset is generated beside it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import load_average, timed

SERVICE = "S-001"
QUARTER = "2026/27 Q2"
AS_OF = "2026-11-20"  # the synthetic datasets' last day, so every run reads the same data


def _auditlib(*args: str) -> list[str]:
    return [sys.executable, "-m", "auditlib", *args]


def commands(dataset: Path, out: Path) -> dict[str, list[str]]:
    """The three commands for one service of ``dataset``, as a user types them."""
    scope = ["--services", SERVICE, "--as-of", AS_OF]
    common = [str(dataset), "--quarter", QUARTER, *scope]
    return {
        "metrics": _auditlib("metrics", *common),
        "trends": _auditlib("trends", *common, "--out", str(out / "trends.csv")),
        "report": _auditlib("report", *common, "--no-pdf", "--out", str(out / "reports")),
    }


def measure(name: str, national: list[str], demo: list[str], runs: int, env) -> float:
    """Median seconds of each, run in turn ``runs`` times; prints and returns the ratio."""
    before = load_average()
    times: dict[str, list[float]] = {"national": [], "demo": []}
    for _ in range(runs):
        times["national"].append(timed(national, env))
        times["demo"].append(timed(demo, env))
    a, b = statistics.median(times["national"]), statistics.median(times["demo"])
    print(f"  {name:<8} national {a:6.2f} s   demo {b:6.2f} s   ratio {a / b:4.2f}x "
          f"(target <= 2x)   {before} before, {load_average()} after", flush=True)  # fmt: skip
    return a / b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="an existing national dataset folder")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="auditlib-one-service-"))
    env = {**os.environ, "AUDITLIB_CACHE": str(tmp / "cache")}
    national = args.data or tmp / "national"
    demo = tmp / "demo"
    print(f"one-service benchmark, {args.runs} runs each, medians ({load_average()} at the start)")
    if args.data is None:
        subprocess.run(_auditlib("synth", "--scale", "national", "--out", str(national)),
                       check=True, capture_output=True, env=env)  # fmt: skip
    subprocess.run(_auditlib("synth", "--out", str(demo)), check=True, capture_output=True)
    big, small = commands(national, tmp / "out-national"), commands(demo, tmp / "out-demo")
    for name in big:  # the first runs make the snapshots and warm everything: not counted
        subprocess.run(big[name], check=True, capture_output=True, env=env)
        subprocess.run(small[name], check=True, capture_output=True, env=env)
    for name in big:
        measure(name, big[name], small[name], args.runs, env)
    if args.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
