"""Benchmark: the national-provider synthetic dataset, end to end.

Prints load time from CSV and from Parquet, validation time, the time to
compute every metric for every service and quarter, peak memory, and how time
grows from a quarter-size provider to the full one. Targets (issue 2):
validation + all metrics within 3x the CSV read; peak memory under 2 GiB;
4x the data costs at most 4.5x the time. Issue 3: a 2-per-site NI sample
for every service under 1 s; a QA worksheet for each service under 10 s.
Issue 4: grid, comparison and SPC for every service under 10 s. Issue 10:
read + type + validate the CSV within 3x of a plain typed pyarrow read of the
same files (measured in the same run), and a snapshot read under 1 s.

Method: a demo-size run first warms every code path (imports, first calls) and
is not counted, so the quarter-size and national runs compare warm with warm.
The machine's load average is printed before and after each run, since this
machine is shared and absolute times vary.

    python benchmarks/run.py [--keep]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from auditlib._allocator import use_system_allocator

use_system_allocator()  # as the command line does, before pyarrow loads

from auditlib.compare import compare  # noqa: E402
from auditlib.contract import TABLES  # noqa: E402
from auditlib.grid import self_score_grid  # noqa: E402
from auditlib.loading import read_tables  # noqa: E402
from auditlib.metrics import compute_metrics  # noqa: E402
from auditlib.periods import quarters_between  # noqa: E402
from auditlib.sampling import draw_sample  # noqa: E402
from auditlib.snapshot import open_dataset  # noqa: E402
from auditlib.synth import SCALES, make_dataset, write_dataset  # noqa: E402
from auditlib.trends import metric_trends  # noqa: E402
from auditlib.validation import load_dataset  # noqa: E402
from auditlib.worksheet import save_sample  # noqa: E402

TIMES: dict[str, float] = {}


@contextmanager
def timed(name: str):
    start = time.perf_counter()
    yield
    TIMES[name] = time.perf_counter() - start
    print(f"  {name:<42} {TIMES[name]:8.2f} s", flush=True)


def peak_memory_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def load_average() -> str:
    import pyarrow

    one, five, _ = os.getloadavg()
    pool = pyarrow.default_memory_pool().backend_name
    return (f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores; "
            f"Arrow allocator {pool}")  # fmt: skip


_ARROW_TYPES = {"int": "int64", "number": "float64", "bool": "bool", "date": "timestamp[s]"}


def typed_arrow_read(folder: Path) -> None:
    """The floor: pyarrow reads every table file straight into the contract's types."""
    import pyarrow as pa
    from pyarrow import csv

    for file in sorted(folder.glob("*.csv")):
        spec = TABLES[file.stem]
        types = {
            c.name: pa.type_for_alias(_ARROW_TYPES.get(c.kind, "string"))
            if c.kind != "timestamp"
            else pa.timestamp("s")
            for c in spec.columns
        }
        options = csv.ConvertOptions(
            column_types=types,
            strings_can_be_null=True,
            timestamp_parsers=["%Y-%m-%d", "%Y-%m-%d %H:%M"],
        )
        csv.read_csv(file, convert_options=options).to_pandas()


def run(scale: dict, folder: Path, label: str) -> dict[str, float]:
    print(
        f"{label}: {scale['n_services']} services, {scale['n_people']} people, "
        f"{scale['n_quarters']} quarters ({load_average()})",
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
    with timed("typed pyarrow read of the CSV (floor)"):
        typed_arrow_read(csv)
    with timed("read CSV (raw, untyped)"):
        read_tables(csv)
    with timed("load CSV (read + type + validate)"):
        dataset = load_dataset(csv)
    with timed("load Parquet (read + type + validate)"):
        load_dataset(parquet)
    cache = folder / "cache"
    with timed("load CSV and keep a snapshot"):
        open_dataset(csv, cache=cache)
    with timed("snapshot read"):
        open_dataset(csv, cache=cache)
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
    print(f"  ({load_average()})", flush=True)
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
        run(SCALES["demo"], folder / "warm-up", "warm-up, not counted")
        TIMES.clear()
        small = run(quarter_size, folder / "quarter", "quarter-size provider")
        TIMES.clear()
        full = run(national, folder / "national", "national provider")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    metrics_key = next(k for k in full if k.startswith("all metrics"))
    read = full["read CSV (raw, untyped)"]
    load = full["load CSV (read + type + validate)"]
    floor = full["typed pyarrow read of the CSV (floor)"]
    validate = load - read
    work = validate + full[metrics_key]
    print("\nsummary (national provider)")
    print(f"  validation (typing + checks)     {validate:8.2f} s")
    print(
        f"  validation + all metrics          {work:8.2f} s = {work / read:.2f}x the CSV read "
        f"(target <= 3x)"
    )
    print(
        f"  read + type + validate the CSV    {load:8.2f} s = {load / floor:.2f}x a typed pyarrow "
        f"read ({floor:.2f} s; target <= 3x)"
    )
    snapshot = full["snapshot read"]
    print(f"  snapshot read                     {snapshot:8.2f} s (target < 1 s)")
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
