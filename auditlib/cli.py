"""The ``auditlib`` command: a thin shell over the package's Python API.

Every subcommand is non-interactive, takes the dataset first, exits 0 on
success and 1 with a clear message (never a traceback) when the input is at
fault. Tables go to standard output or ``--out``; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from . import __version__
from .errors import AuditlibError, DatasetError, PeriodError
from .files import write_text_atomic
from .metrics import compute_metrics
from .periods import Period, months_of, parse_period, period_containing
from .validation import load_dataset, validate_dataset

__all__ = ["main"]

EXIT_OK, EXIT_BAD_INPUT = 0, 1
DEMO_DIR = Path("data/demo")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args) or EXIT_OK
    except AuditlibError as error:
        _say(f"auditlib {args.command}: {error}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _say("interrupted; nothing was written")
        return 130


def _say(message: str) -> None:
    print(message, file=sys.stderr)


# --- shared options ---------------------------------------------------------------------------


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-09-30") from None


def _dataset_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dataset", help="a dataset folder (one file per table) or one .xlsx workbook"
    )
    parser.add_argument(
        "--calendar-quarters",
        action="store_true",
        help="read quarter labels as calendar quarters ('2026 Q3') instead of financial ones",
    )


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("csv", "json", "table"),
        default="csv",
        help="csv (default), json (records), or an aligned table for reading on screen",
    )
    parser.add_argument(
        "--out", type=Path, help="write here (atomically) instead of standard output"
    )


def _emit(table: pd.DataFrame, args) -> None:
    text = _render(table, args.format)
    if args.out:
        write_text_atomic(args.out, text)
        _say(f"wrote {len(table)} rows to {args.out}")
    else:
        sys.stdout.write(text)


def _render(table: pd.DataFrame, fmt: str) -> str:
    if fmt == "json":
        return table.to_json(orient="records", date_format="iso", indent=1) + "\n"
    if fmt == "table":
        return table.to_string(index=False, float_format=lambda v: f"{v:.3f}") + "\n"
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, float_format="%.6g", date_format="%Y-%m-%d")
    return buffer.getvalue()


def _load(args):
    as_of = getattr(args, "as_of", None)
    _say(f"reading {args.dataset} ...")
    dataset = load_dataset(args.dataset, calendar_quarters=args.calendar_quarters)
    return dataset, as_of or date.today()


def _quarter(label: str, args, as_of: date) -> Period:
    """A quarter label, or ``latest``: the last quarter that ended on or before the as-of date."""
    if label.strip().lower() == "latest":
        current = period_containing(as_of, "quarter", financial=not args.calendar_quarters)
        return current if current.end <= as_of else current.previous()
    period = parse_period(label, calendar_quarters=args.calendar_quarters)
    if period.kind != "quarter":
        raise PeriodError(f"--quarter expects a quarter, not the month {period.label}")
    return period


# --- subcommands ------------------------------------------------------------------------------


def _run_validate(args) -> int:
    problems = validate_dataset(args.dataset, calendar_quarters=args.calendar_quarters)
    if problems:
        raise DatasetError(
            f"{args.dataset}: {len(problems)} problem{'s' if len(problems) != 1 else ''} found",
            problems,
        )
    print(f"{args.dataset}: meets the data contract")
    return EXIT_OK


def _run_metrics(args) -> int:
    dataset, as_of = _load(args)
    quarter = _quarter(args.quarter, args, as_of)
    periods = months_of(quarter) if args.by == "month" else [quarter]
    _say(f"dashboard metrics for {quarter}, as of {as_of:%d %b %Y}")
    _emit(compute_metrics(dataset, periods, as_of=as_of), args)
    return EXIT_OK


def _run_synth(args) -> int:
    from .synth import make_scale, write_dataset, write_workbook

    _say(f"generating the {args.scale} synthetic dataset (seed {args.seed}) ...")
    tables = make_scale(args.scale, seed=args.seed, end=args.end)
    if args.workbook:
        write_workbook(tables, args.workbook)
        _say(f"wrote {args.workbook}")
    written = write_dataset(tables, args.out, fmt=args.table_format)
    _say(f"wrote {len(written)} tables to {args.out}")
    return EXIT_OK


def _run_demo(args) -> int:
    if not (DEMO_DIR / "services.csv").exists():
        from .synth import make_scale, write_dataset

        _say(f"making the demo dataset in {DEMO_DIR} ...")
        write_dataset(make_scale("demo"), DEMO_DIR)
    dataset = load_dataset(DEMO_DIR)
    as_of = dataset.last_event_date() or date.today()
    quarter = period_containing(as_of, "quarter")
    quarter = quarter if quarter.end <= as_of else quarter.previous()
    _say(f"demo: dashboard metrics for {quarter}, as of {as_of:%d %b %Y}")
    table = compute_metrics(dataset, quarter, as_of=as_of)
    shown = table[table["scope"] == "ALL"][
        ["metric_id", "numerator", "denominator", "value", "ci_low", "ci_high", "pending", "status"]
    ]
    print(f"All services, {quarter}:")
    print(_render(shown, "table"), end="")
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="auditlib",
        description="Audit workbench for family and advocate involvement in UK social care.",
    )
    parser.add_argument("--version", action="version", version=f"auditlib {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate",
        help="check a dataset against the data contract",
        description=(
            "Check a dataset against the data contract and list every problem with its "
            "file, row and column. Exit status 1 when any problem is found."
        ),
    )
    _dataset_options(validate)
    validate.set_defaults(run=_run_validate)

    metrics = commands.add_parser(
        "metrics",
        help="the dashboard metrics as a tidy table",
        description=(
            "Every dashboard metric of quality.md for every service and for ALL: numerator, "
            "denominator, value, 95%% Wilson interval, pending count and status."
        ),
    )
    _dataset_options(metrics)
    metrics.add_argument(
        "--quarter", required=True, help="e.g. '2026/27 Q2' (financial), or 'latest'"
    )
    metrics.add_argument(
        "--by",
        choices=("quarter", "month"),
        default="quarter",
        help="one row per quarter (default) or per month of the quarter",
    )
    metrics.add_argument(
        "--as-of", type=_date, help="read the data as it stood on this day (default today)"
    )
    _output_options(metrics)
    metrics.set_defaults(run=_run_metrics)

    synth = commands.add_parser(
        "synth",
        help="write a synthetic dataset (no real personal data)",
        description="Generate a seeded synthetic dataset in the data contract's format.",
    )
    synth.add_argument("--scale", choices=("demo", "national"), default="demo")
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument(
        "--end",
        type=_date,
        default=date(2026, 11, 20),
        help="last day of the data (default 2026-11-20)",
    )
    synth.add_argument("--out", type=Path, required=True, help="folder to write the tables into")
    synth.add_argument("--table-format", choices=("csv", "parquet"), default="csv")
    synth.add_argument("--workbook", type=Path, help="also write every table into this one .xlsx")
    synth.set_defaults(run=_run_synth)

    demo = commands.add_parser(
        "demo",
        help="make the demo dataset if needed and show its latest quarter",
        description="Make data/demo if it is missing, then print the latest quarter's metrics.",
    )
    demo.set_defaults(run=_run_demo)
    return parser


if __name__ == "__main__":
    sys.exit(main())
