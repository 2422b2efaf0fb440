"""Benchmark: the national-provider synthetic dataset, end to end.

Prints load time from CSV and from Parquet, validation time, the time to
compute every metric for every service and quarter, peak memory, and how time
grows from a quarter-size provider to the full one. Targets (issue 2):
validation + all metrics within 3x the CSV read; peak memory under 2 GiB;
4x the data costs at most 4.5x the time. Issue 3: a 2-per-site NI sample
for every service under 1 s; a QA worksheet for each service under 10 s.
Issue 4: grid, comparison and SPC for every service under 10 s.

    python benchmarks/run.py [--keep]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from auditlib.compare import compare
from auditlib.grid import self_score_grid
from auditlib.loading import read_tables
from auditlib.metrics import compute_metrics
from auditlib.periods import quarters_between
from auditlib.sampling import draw_sample
from auditlib.synth import SCALES, make_dataset, write_dataset
from auditlib.trends import metric_trends
from auditlib.validation import load_dataset
from auditlib.worksheet import save_sample

TIMES: dict[str, float] = {}


@contextmanager
def timed(name: str):
    start = time.perf_counter()
    yield
    TIMES[name] = time.perf_counter() - start
    print(f"  {name:<42} {TIMES[name]:8.2f} s", flush=True)


def peak_memory_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def run(scale: dict, folder: Path, label: str) -> dict[str, float]:
    print(
        f"{label}: {scale['n_services']} services, {scale['n_people']} people, "
        f"{scale['n_quarters']} quarters",
        flush=True,
    )
    with timed("generate"):
        tables = make_dataset(**scale, seed=0)
    print(
        f"  meetings: {len(tables['meetings']):,}; rows in all: "
        f"{sum(len(t) for t in tables.values()):,}"
    )
    csv, parquet = folder / "csv", folder / "parquet"
    with timed("write CSV"):
        write_dataset(tables, csv, fmt="csv", force=True)  # regenerated on every run
    write_dataset(tables, parquet, fmt="parquet", force=True)
    del tables
    with timed("read CSV (raw, untyped)"):
        read_tables(csv)
    with timed("load CSV (read + type + validate)"):
        dataset = load_dataset(csv)
    with timed("load Parquet (read + type + validate)"):
        load_dataset(parquet)
    quarters = quarters_between(
        dataset.meetings["meeting_date"].min().date(), dataset.last_event_date()
    )
    with timed(f"all metrics, every service, {len(quarters)} quarters"):
        compute_metrics(dataset, quarters, as_of=dataset.last_event_date())
    quarter, services = quarters[-2], len(dataset.services)  # the last whole quarter
    with timed("QA sample, 2 per site, every service"):
        draw_sample(dataset, quarter, per_site=2)
    ten_each = draw_sample(dataset, quarter, size=10 * services)
    with timed(f"QA worksheets, one per service ({services})"):
        save_sample(ten_each, folder / "qa", split=True)
    as_of = dataset.last_event_date()
    with timed("grid + before/after, every service"):
        both = compute_metrics(dataset, [quarter.previous(), quarter], as_of=as_of)
        self_score_grid(dataset, quarter, as_of=as_of, metrics=both)
        compare(dataset, quarter.previous(), quarter, as_of=as_of, metrics=both)
    with timed("SPC, every service and metric, by month"):
        metric_trends(dataset, quarter, months=60, as_of=as_of)
    return dict(TIMES)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()
    national = SCALES["national"]
    quarter_size = {
        **national,
        "n_services": national["n_services"] // 4,
        "n_people": national["n_people"] // 4,
    }
    folder = Path(tempfile.mkdtemp(prefix="auditlib-bench-"))
    try:
        small = run(quarter_size, folder / "quarter", "quarter-size provider")
        TIMES.clear()
        full = run(national, folder / "national", "national provider")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    metrics_key = next(k for k in full if k.startswith("all metrics"))
    read = full["read CSV (raw, untyped)"]
    validate = full["load CSV (read + type + validate)"] - read
    work = validate + full[metrics_key]
    print("\nsummary (national provider)")
    print(f"  validation (typing + checks)     {validate:8.2f} s")
    print(
        f"  validation + all metrics          {work:8.2f} s = {work / read:.2f}x the CSV read "
        f"(target <= 3x)"
    )
    print(f"  peak memory                       {peak_memory_gib():8.2f} GiB (target < 2 GiB)")
    small_work = (
        small["load CSV (read + type + validate)"]
        + small[next(k for k in small if k.startswith("all metrics"))]
    )
    full_work = full["load CSV (read + type + validate)"] + full[metrics_key]
    print(
        f"  growth, 4x the data               {full_work / small_work:8.2f}x the time "
        f"(target <= 4.5x)"
    )
    ni_sample = full["QA sample, 2 per site, every service"]
    worksheets = next(k for k in full if k.startswith("QA worksheets"))
    print(f"  NI sample, 2 per site             {ni_sample:8.2f} s (target < 1 s)")
    print(f"  {worksheets:<33} {full[worksheets]:8.2f} s (target < 10 s)")
    judged = sum(v for k, v in full.items() if k.startswith(("grid + before/after", "SPC")))
    print(f"  grid + before/after + SPC         {judged:8.2f} s (target < 10 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
