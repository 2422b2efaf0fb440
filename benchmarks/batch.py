"""Benchmark: per-service batch reports, --jobs 2 against --jobs 1, and threads against processes.

    python benchmarks/batch.py [--reports 20] [--pools]
    python benchmarks/batch.py --national [--data FOLDER] [--jobs 2]

A synthetic provider with ``--reports`` services is generated first (a
smaller scale than the national dataset: the ratio is about running reports
side by side, and each service's report costs about the same at any scale).
Each batch is the real command, ``auditlib report DATA --per-service
--no-pdf``, so it makes ``--reports`` per-service reports plus the
provider's. A single report is run first so every measured batch is warm.
Times are printed against the floor of papermill running an empty notebook,
measured in the same run, with the machine's load (it is shared, and absolute
times vary two-fold). The target (issue 10): --jobs 2 at least 1.6x faster.

``--pools`` also runs the same tasks two at a time in this process, through
a thread pool (what the batch uses) and through a process pool, to show which
is faster here.

``--national`` instead runs every per-service report of the national-provider
synthetic dataset (300 services, generated first unless ``--data`` names a
copy), with ``--jobs`` at once, and prints the figure per report: the wall
time divided by the reports made, and the median and slowest of each report's
own seconds from the batch summary, each against the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from _common import ROOT, floor_command, load_average, timed

from auditlib.report import batch
from auditlib.synth import make_dataset, write_dataset
from auditlib.validation import load_dataset

PERIOD = ["--quarter", "2026/27 Q2", "--as-of", "2026-11-20"]


def _floor(folder: Path, runs: int = 3) -> float:
    """Median seconds for papermill to run an empty notebook (a kernel start and stop)."""
    command = floor_command(folder)
    return statistics.median(timed(command) for _ in range(runs))


def _batch(data: Path, out: Path, jobs: int) -> float:
    command = [sys.executable, "-m", "auditlib", "report", str(data), *PERIOD, "--per-service",
               "--no-pdf", "--jobs", str(jobs), "--out", str(out)]  # fmt: skip
    return timed(command)


def _pooled(pool: Executor, data: Path, out: Path) -> tuple[float, int]:
    """Seconds for the batch's own tasks on ``pool``, and how many failed."""
    loaded = load_dataset(data)
    tasks = batch.plan(loaded, "report", quarter=PERIOD[1], as_of=PERIOD[3])
    context = batch.Context(str(data), str(out), False, None, "report")
    start = time.perf_counter()
    with pool:
        outcomes = list(pool.map(batch.run_task, [context] * len(tasks), [loaded] * len(tasks),
                                 tasks))  # fmt: skip
    return time.perf_counter() - start, sum(o.status != "ok" for o in outcomes)


def national(tmp: Path, data: Path | None, jobs: int) -> None:
    """Every per-service report of the national dataset, and the figure per report."""
    if data is None:
        data = tmp / "national"
        subprocess.run([sys.executable, "-m", "auditlib", "synth", "--scale", "national",
                        "--out", str(data)], check=True, capture_output=True)  # fmt: skip
    os.environ["AUDITLIB_CACHE"] = str(tmp / "cache")  # the batch makes the snapshot once
    floor = _floor(tmp)
    print(f"national batch: every service's report and the provider's, --jobs {jobs}, no PDF "
          f"({load_average()} at the start)")  # fmt: skip
    print(f"  floor (papermill, empty notebook)   {floor:7.2f} s")
    out = tmp / "national-reports"
    start = time.perf_counter()
    finished = subprocess.run(
        [sys.executable, "-m", "auditlib", "report", str(data), *PERIOD, "--per-service",
         "--no-pdf", "--jobs", str(jobs), "--out", str(out)], capture_output=True, cwd=ROOT,
    )  # fmt: skip
    wall = time.perf_counter() - start
    summary = json.loads(next(out.rglob("batch-summary.json")).read_text())
    seconds = [r["seconds"] for r in summary["reports"]]
    n = len(seconds)
    print(f"  {n} reports in {wall / 60:.1f} min (exit {finished.returncode}; "
          f"{summary['counts']})   ({load_average()})")  # fmt: skip
    figures = {"wall time / reports": wall / n, "median of its own": statistics.median(seconds),
               "slowest of its own": max(seconds)}  # fmt: skip
    for name, value in figures.items():
        print(f"  per report, {name:<20} {value:7.2f} s = {value / floor:4.1f}x the floor")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=20, help="per-service reports (20)")
    parser.add_argument("--pools", action="store_true", help="also threads against processes")
    parser.add_argument("--national", action="store_true", help="all 300 national reports")
    parser.add_argument("--data", type=Path, help="with --national: the dataset, if made")
    parser.add_argument("--jobs", type=int, default=2, help="with --national: at once (2)")
    args = parser.parse_args()
    if args.national:
        with tempfile.TemporaryDirectory(prefix="auditlib-batch-bench-") as tmp:
            national(Path(tmp), args.data, args.jobs)
        return
    with tempfile.TemporaryDirectory(prefix="auditlib-batch-bench-") as tmp:
        tmp = Path(tmp)
        data = tmp / "provider"
        people = max(8 * args.reports, 40)
        write_dataset(make_dataset(n_services=args.reports, n_people=people, n_quarters=8), data)
        n = args.reports + 1
        print(f"batch benchmark: {args.reports} services, {n} reports a batch, no PDF "
              f"({load_average()} at the start)")  # fmt: skip
        timed([sys.executable, "-m", "auditlib", "report", str(data), *PERIOD, "--no-pdf",
                "--services", "S-001", "--out", str(tmp / "warm")])  # fmt: skip
        floor = _floor(tmp)
        print(f"  floor (papermill, empty notebook)   {floor:7.2f} s   ({load_average()})")
        times = {}
        for jobs in (1, 2):
            times[jobs] = _batch(data, tmp / f"jobs{jobs}", jobs)
            each = times[jobs] / n
            print(f"  --jobs {jobs}: {times[jobs]:7.1f} s, {each:5.1f} s per report, "
                  f"{each / floor:4.1f}x the floor per report   ({load_average()})")  # fmt: skip
        ratio = times[1] / times[2]
        verdict = "meets" if ratio >= 1.6 else "misses"
        print(f"  --jobs 2 is {ratio:.2f}x faster than --jobs 1 ({verdict} the 1.6x target)")
        if args.pools:
            for name, pool in (("threads", ThreadPoolExecutor(2)),
                               ("processes", ProcessPoolExecutor(2))):  # fmt: skip
                seconds, failed = _pooled(pool, data, tmp / name)
                print(f"  two at a time on {name:<9}: {seconds:7.1f} s, {failed} failed   "
                      f"({load_average()})")  # fmt: skip
        print(f"({load_average()} at the end)")


if __name__ == "__main__":
    main()
