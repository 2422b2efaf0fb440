"""The ``auditlib`` command: a thin shell over the package's Python API.

Every subcommand is non-interactive, takes the dataset first, exits 0 on
success and 1 with a clear message (never a traceback) when the input is at
fault. Tables go to standard output or ``--out``; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from ._allocator import use_system_allocator
from .errors import AuditlibError, DatasetError, PeriodError, ReportError

if TYPE_CHECKING:  # the heavy modules load inside the commands that need them
    import pandas as pd

    from .periods import Period

__all__ = ["main"]

EXIT_OK, EXIT_BAD_INPUT = 0, 1
DEMO_DIR = Path("data/demo")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    use_system_allocator()  # before pyarrow loads; the report kernels inherit it
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args) or EXIT_OK
    except AuditlibError as error:
        _say(f"auditlib {args.command}: {error}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM during a report (runner.Interrupted)
        _say("interrupted; nothing half-written was left")
        return 128 + getattr(stop, "signum", 2)


def _say(message: str) -> None:
    print(message, file=sys.stderr)


# --- shared options ---------------------------------------------------------------------------


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-09-30") from None


def _seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        seed = -1
    if seed < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a seed is a whole number, 0 or more")
    return seed


def _dataset_options(parser: argparse.ArgumentParser, *, cached: bool = True) -> None:
    parser.add_argument(
        "dataset", help="a dataset folder (one file per table) or one .xlsx workbook"
    )
    parser.add_argument(
        "--calendar-quarters",
        action="store_true",
        help="read quarter labels as calendar quarters ('2026 Q3') instead of financial ones",
    )
    if not cached:  # validate always checks afresh
        return
    parser.add_argument(
        "--cache",
        type=Path,
        metavar="DIR",
        help="keep the validated copy of the dataset here (default: $AUDITLIB_CACHE, "
        "or .auditlib-cache in the current folder)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="validate the dataset afresh and keep no validated copy",
    )


def _cache(args) -> Path | bool:
    """The cache the options name: a folder, True for the default, False for none."""
    if getattr(args, "no_cache", False):
        return False
    return getattr(args, "cache", None) or True


def _quarter_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quarter", required=True, help="e.g. '2026/27 Q2' (financial), or 'latest'"
    )


def _services_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--services", nargs="+", metavar="ID", help="service ids (default: all)")


def _as_of_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of", type=_date, help="read the data as it stood on this day (default today)"
    )


def _checklist_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checklist", type=Path, help="your own checklist CSV (default: built in)")


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
    from .files import write_text_atomic

    text = _render(table, args.format, names=getattr(args, "service_names", None))
    if args.out:
        write_text_atomic(args.out, text, reads=getattr(args, "dataset", None))
        _say(f"wrote {len(table)} rows to {args.out}")
    else:
        sys.stdout.write(text)


def _render(table: pd.DataFrame, fmt: str, names: dict[str, str] | None = None) -> str:
    from .files import csv_text
    from .tables import screen_table

    if fmt == "json":
        return table.to_json(orient="records", date_format="iso", indent=1) + "\n"
    if fmt == "table":
        return screen_table(table, names=names)
    return csv_text(table, float_format="%.6g", date_format="%Y-%m-%d")


def _load(args, services: Sequence[str] | None = None):
    """The dataset, cut to ``services`` when given (a snapshot then reads only their rows)."""
    from .snapshot import open_dataset

    as_of = getattr(args, "as_of", None)
    _say(f"reading {args.dataset} ...")
    dataset = open_dataset(
        args.dataset, cache=_cache(args), calendar_quarters=args.calendar_quarters,
        services=services, progress=_say,
    )  # fmt: skip
    args.service_names = _names(dataset)  # shown beside the ids by --format table
    return dataset, as_of or date.today()


def _names(dataset) -> dict[str, str]:
    services = dataset.services
    return dict(zip(services["service_id"], services["service_name"], strict=True))


def _quarter(label: str, args, as_of: date) -> Period:
    """A quarter label, or ``latest``: the last quarter that ended on or before the as-of date.

    A quarter that starts after the as-of date is refused, by every command alike.
    """
    from .periods import check_started, last_complete_quarter, parse_period

    if label.strip().lower() == "latest":
        return last_complete_quarter(as_of, financial=not args.calendar_quarters)
    period = parse_period(label, calendar_quarters=args.calendar_quarters)
    if period.kind != "quarter":
        raise PeriodError(f"--quarter expects a quarter, not the month {period.label}")
    check_started(period, as_of)
    return period


# --- subcommands ------------------------------------------------------------------------------


def _run_validate(args) -> int:
    from .validation import validate_dataset

    problems = validate_dataset(args.dataset, calendar_quarters=args.calendar_quarters)
    if problems:
        raise DatasetError(
            f"{args.dataset}: {len(problems)} problem{'s' if len(problems) != 1 else ''} found",
            problems,
        )
    print(f"{args.dataset}: meets the data contract")
    return EXIT_OK


def _run_metrics(args) -> int:
    from .periods import months_of
    from .sampling import select_services
    from .scope import scoped_metrics

    dataset, as_of = _load(args, _services(args.services))
    quarter = _quarter(args.quarter, args, as_of)
    periods = months_of(quarter) if args.by == "month" else [quarter]
    services = args.services and select_services(dataset, _services(args.services))
    _say(f"dashboard metrics for {quarter}, as of {as_of:%d %b %Y}")
    _emit(scoped_metrics(dataset, periods, as_of=as_of, services=services), args)
    return EXIT_OK


def _run_synth(args) -> int:
    from .files import refuse_non_empty
    from .synth import make_scale, write_dataset, write_workbook

    if not args.force:  # before generating: refuse at once, and write nothing
        for place in filter(None, (args.out, args.workbook)):
            refuse_non_empty(place)
    _say(f"generating the {args.scale} synthetic dataset (seed {args.seed}) ...")
    tables = make_scale(args.scale, seed=args.seed, end=args.end)
    if args.workbook:
        write_workbook(tables, args.workbook, force=args.force)
        _say(f"wrote {args.workbook}")
    written = write_dataset(tables, args.out, fmt=args.table_format, force=args.force)
    _say(f"wrote {len(written)} tables to {args.out}")
    return EXIT_OK


def _run_demo(args) -> int:
    from .periods import last_complete_quarter
    from .snapshot import open_dataset
    from .synth import make_scale, write_dataset

    if not (DEMO_DIR / "services.csv").exists():
        _say(f"making the demo dataset in {DEMO_DIR} ...")
        write_dataset(make_scale("demo"), DEMO_DIR)
    as_of = open_dataset(DEMO_DIR, progress=_say).last_event_date() or date.today()
    quarter = last_complete_quarter(as_of)
    _say(f"demo: the internal quarterly report for {quarter}, as of {as_of:%d %b %Y}")
    return _report(DEMO_DIR, args.out, pdf=not args.no_pdf, quarter=quarter.label,
                   as_of=as_of.isoformat(), audience="internal")  # fmt: skip


def _run_report(args) -> int:
    return _one_or_batch(
        args, "report", quarter=args.quarter, baseline=args.baseline or "",
        sample_record=str(args.sample_record or ""),
    )  # fmt: skip


def _one_or_batch(args, kind_name: str, **parameters) -> int:
    """``report`` and ``dashboard``: one run, or with --per-service the batch of them; the
    options the two share are read here, the kind's own come in ``parameters``."""
    run = _batch if args.per_service else _report
    return run(
        args.dataset, args.out, pdf=not args.no_pdf, batch=args, kind_name=kind_name,
        services=_services(args.services) or "", as_of=args.as_of.isoformat() if args.as_of else "",
        audience=args.audience, calendar_quarters=args.calendar_quarters, cache=_cache(args),
        **parameters,
    )  # fmt: skip


def _run_families(args) -> int:
    return _report(
        args.dataset, args.out, pdf=not args.no_pdf, kind_name="families", quarter=args.quarter,
        services=_services(args.services) or "", as_of=args.as_of.isoformat() if args.as_of else "",
        calendar_quarters=args.calendar_quarters, change_file=str(args.change_file or ""),
        cache=_cache(args),
    )  # fmt: skip


def _families_command(commands) -> None:
    families = commands.add_parser(
        "families",
        help="make the families' easy-read 'what we learned' page (HTML, PDF)",
        description=(
            "Make the easy-read page for the people a service supports and their families: "
            "what you told us, what we did well, what we are working on, and the change we "
            "made, from the same numbers as the quarterly report, by the public audience's "
            "rules (no ids, no notes, counts from 1 to 7 hidden). It goes into one folder "
            "under --out named <quarter>_<scope>_families."
        ),
    )
    _dataset_options(families)
    _quarter_option(families)
    _services_option(families)
    families.add_argument(
        "--change-file", type=Path,
        help="a short UTF-8 text file, a few lines: the one change the service made; without "
        "it the page asks for one",
    )  # fmt: skip
    _as_of_option(families)
    _report_outputs(families)
    families.set_defaults(run=_run_families)


def _report(dataset, out, *, pdf: bool, cache: Path | bool = True, batch=None, **parameters) -> int:
    from .report.runner import interruptible, run_report  # papermill only when a report runs

    if batch is not None and (batch.jobs or batch.resume or batch.executor != "local"):
        raise ReportError("--jobs, --executor and --resume go with --per-service")
    _say(f"reading {dataset} ...")
    with interruptible():
        result = run_report(dataset, out=out, pdf=pdf, cache=cache, progress=_say, **parameters)
    _say(f"report written to {result.folder} in {result.seconds:.1f} s")
    if pdf and result.pdf_note:
        _say(f"no PDF: {result.pdf_note}")
    print(result.html)
    return EXIT_OK


def _batch(dataset, out, *, pdf: bool, batch, kind_name: str = "report", **parameters) -> int:
    """--per-service: the provider's report and each service's, then the summary table."""
    from .report.batch import run_batch, summary_lines
    from .report.runner import Interrupted

    _say(f"reading {dataset} ...")
    result = run_batch(
        dataset, kind_name=kind_name, out=out, pdf=pdf, jobs=batch.jobs, executor=batch.executor,
        scheduler=batch.scheduler, resume=batch.resume, **parameters,
    )  # fmt: skip
    for line in summary_lines(result):
        print(line)
    _say(f"summary written to {result.summary_csv} and {result.summary_json}")
    if result.interrupted:
        raise Interrupted(result.interrupted)
    return EXIT_OK if result.ok else EXIT_BAD_INPUT


def _batch_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--per-service", action="store_true",
        help="one report per service plus the provider's, in parallel; a summary table at the "
        "end (also batch-summary.csv/.json under --out); exit 1 if any report failed",
    )  # fmt: skip
    parser.add_argument(
        "--jobs", type=int, metavar="N", help="reports at once (default: the machine's cores)"
    )
    parser.add_argument(
        "--executor", choices=("local", "dask"), default="local",
        help="local (default: this machine) or dask (an existing cluster, see --scheduler)",
    )  # fmt: skip
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="the Dask scheduler, tcp://host:port"
    )
    parser.add_argument(
        "--resume", action="store_true",
        help="keep reports already made from the same dataset and parameters; redo the rest",
    )  # fmt: skip


def _services(values: Sequence[str] | None) -> list[str] | None:
    """``--services`` as given: separate words or comma-separated lists."""
    if not values:
        return None
    return [s.strip() for value in values for s in value.split(",") if s.strip()]


def _run_sample(args) -> int:
    from .checklist import load_checklist
    from .sampling import draw_sample
    from .worksheet import save_sample

    checklist = load_checklist(args.checklist)
    dataset, as_of = _load(args)
    quarter = _quarter(args.quarter, args, as_of)
    sample = draw_sample(
        dataset,
        quarter,
        services=_services(args.services),
        size=args.size,
        per_site=args.per_site,
        seed=args.seed,
        reviewed_only=args.reviewed_only,
        reserves=args.reserves,
    )
    paths = save_sample(sample, args.out, checklist=checklist, force=args.force, split=args.split)
    for note in sample.record["notes"]:
        _say(note)
    worksheets = paths["worksheets"]
    shown = (
        worksheets[0]
        if len(worksheets) == 1
        else f"{len(worksheets)} worksheets in {worksheets[0].parent}"
    )
    _say(
        f"drew {len(sample.sampled)} files and {len(sample.reserves)} reserves for {quarter} "
        f"(seed {sample.seed}); wrote {paths['sample']}, {paths['record']} and {shown}"
    )
    return EXIT_OK


def _run_ingest(args) -> int:
    from .worksheet import ingest_worksheet

    _say(f"checking {args.worksheet} against {args.into} ...")
    result = ingest_worksheet(
        args.worksheet,
        args.into,
        replace=args.replace,
        auditor=args.auditor,
        audit_date=args.audit_date,
        quarter=args.quarter,
        calendar_quarters=args.calendar_quarters,
    )
    print(result.summary())
    return EXIT_OK


def _run_qa(args) -> int:
    from .checklist import load_checklist
    from .qa import compliance, file_completeness, one_line_per_unaudited, read_sampling_record

    checklist = load_checklist(args.checklist)
    dataset, as_of = _load(args)
    quarter = _quarter(args.quarter, args, as_of)
    services = _services(args.services)
    _say(f"ten-file QA for {quarter}")
    if args.files:
        table = file_completeness(dataset, quarter, checklist=checklist, services=services)
        _emit(table, args)
        return EXIT_OK
    table = compliance(
        dataset,
        quarter,
        checklist=checklist,
        services=services,
        target=args.target,
        lower=args.lower,
        record=read_sampling_record(args.record) if args.record else None,
    )
    overall = table[(table["scope"] == "ALL") & table["lqas_sentence"].notna()]
    for sentence, rows in overall.groupby("lqas_sentence", sort=False):
        _say(f"{', '.join(rows['criterion_id'])}: {sentence}")
    table = one_line_per_unaudited(table)
    _emit(table, args)
    return EXIT_OK


def _run_grid(args) -> int:
    from .grid import grid_totals, self_score_grid

    dataset, as_of = _load(args)
    quarter = _quarter(args.quarter, args, as_of)
    _say(f"self-score grid for {quarter}, as of {as_of:%d %b %Y}")
    table = self_score_grid(
        dataset, quarter, rubric=args.rubric, as_of=as_of, services=_services(args.services)
    )
    totals = grid_totals(table)
    _say(
        f"{int(totals['met_target'].eq(True).sum())} of {len(totals)} services evidence the target "
        f"of {totals['target'].iloc[0]}; {int(table['over_claim'].sum())} over-claims flagged, "
        f"{int(table['finding'].eq('not yet evidenced').sum())} claims not yet evidenced"
    )
    _emit(totals if args.totals else table, args)
    return EXIT_OK


def _run_compare(args) -> int:
    from .compare import compare

    dataset, as_of = _load(args)
    before = _quarter(args.before, args, as_of)
    after = _quarter(args.after, args, as_of)
    _say(f"before/after: {before} against {after}, as of {as_of:%d %b %Y}")
    table = compare(dataset, before, after, as_of=as_of, services=_services(args.services))
    _emit(table, args)
    return EXIT_OK


def _target(text: str) -> tuple[str, float]:
    """``--target METRIC=VALUE``; a percentage may be written 90%."""
    metric, sep, value = text.partition("=")
    try:
        number = float(value.strip().rstrip("%")) / (100 if value.strip().endswith("%") else 1)
    except ValueError:
        number = None
    if not sep or not metric.strip() or number is None:
        raise argparse.ArgumentTypeError(
            f"{text!r}: write a target as METRIC=VALUE, e.g. summaries_5wd=0.9 or summaries_5wd=90%"
        )
    return metric.strip(), number


def _run_trends(args) -> int:
    from .trends import metric_trends, trend_charts, trend_summary

    dataset, as_of = _load(args, _services(args.services))
    quarter = _quarter(args.quarter, args, as_of)
    _say(f"SPC by month: {args.months} months to the end of {quarter}, as of {as_of:%d %b %Y}")
    result = metric_trends(
        dataset,
        quarter,
        months=args.months,
        services=_services(args.services),
        as_of=as_of,
        metrics=args.metrics,
        targets=dict(args.target or []),
        chart=args.chart,
    )
    table = trend_summary(result)
    warned = int(table["warning"].notna().sum())
    _say(
        f"{len(table)} series (service x metric); {warned} rest on fewer than 12 months "
        f"with data, so their limits are unreliable (see the warning column). "
        f"Two-in-three rule followed: {result.settings['two_in_three']}."
    )
    if args.charts:
        _say(f"drawing {len(table)} SPC charts into {args.charts} ...")
        paths = trend_charts(result, args.charts)
        _say(f"wrote {len(paths)} SPC charts (PNG) to {args.charts}")
    _emit(table, args)
    return EXIT_OK


def _audience_option(parser: argparse.ArgumentParser, words: str) -> None:
    parser.add_argument(
        "--audience", choices=("internal", "shared", "public"), default="internal", help=words
    )


def _report_outputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, default=Path("reports"), help="folder for report folders (reports)"
    )
    parser.add_argument(
        "--no-pdf", action="store_true", help="skip the PDF (the HTML report is still written)"
    )


def _share(text: str) -> float:
    """A proportion written 0.8 or 80%."""
    value = text.strip()
    try:
        number = float(value.rstrip("%")) / (100 if value.endswith("%") else 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a proportion like 0.8 or 80%") from None
    return number


def _run_sample_size(args) -> int:
    from .stats import lqas_sentence, sample_size_for_precision, sample_size_for_rule

    try:
        if args.margin is not None:
            n = sample_size_for_precision(args.margin, args.p, population=args.population)
            among = f" from a population of {args.population}" if args.population else ""
            print(
                f"{n} files{among} give a 95% interval within {args.margin * 100:g} points "
                f"either side of an expected {args.p * 100:g}%."
            )
            return EXIT_OK
        if args.lower is None:
            raise AuditlibError("--upper needs --lower too: the level a poor service is at")
        rule = sample_size_for_rule(
            args.upper, args.lower, args.alpha, args.beta, population=args.population
        )
    except ValueError as error:
        raise AuditlibError(str(error)) from None
    print(f"{rule.n} files, meets target when at least {rule.d} are met.")
    print(lqas_sentence(rule))
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
    _dataset_options(validate, cached=False)
    validate.set_defaults(run=_run_validate)

    metrics = commands.add_parser(
        "metrics",
        help="the dashboard metrics as a tidy table",
        description=(
            "Every dashboard metric for every service and for ALL (all services, or only those "
            "given with --services): numerator, denominator, value, 95% Wilson interval, pending "
            "count and status. Each metric is defined in docs/definitions.md."
        ),
    )
    _dataset_options(metrics)
    _quarter_option(metrics)
    _services_option(metrics)
    metrics.add_argument(
        "--by",
        choices=("quarter", "month"),
        default="quarter",
        help="one row per quarter (default) or per month of the quarter",
    )
    _as_of_option(metrics)
    _output_options(metrics)
    metrics.set_defaults(run=_run_metrics)

    synth = commands.add_parser(
        "synth",
        help="write a synthetic dataset (no real personal data)",
        description="Generate a seeded synthetic dataset in the data contract's format.",
    )
    synth.add_argument(
        "--scale",
        choices=("demo", "national"),
        default="demo",
        help="demo: 5 services, 8 quarters (default); national: 300 services, 20 quarters",
    )
    synth.add_argument(
        "--seed", type=_seed, default=0, help="the same seed gives the same data (default 0)"
    )
    synth.add_argument(
        "--end",
        type=_date,
        default=date(2026, 11, 20),
        help="last day of the data (default 2026-11-20)",
    )
    synth.add_argument("--out", type=Path, required=True, help="folder to write the tables into")
    synth.add_argument(
        "--table-format",
        choices=("csv", "parquet"),
        default="csv",
        help="one file per table as csv (default) or parquet",
    )
    synth.add_argument("--workbook", type=Path, help="also write every table into this one .xlsx")
    synth.add_argument(
        "--force",
        action="store_true",
        help="write even if --out (or --workbook) already holds files, replacing its tables",
    )
    synth.set_defaults(run=_run_synth)

    demo = commands.add_parser(
        "demo",
        help="make the demo dataset if needed and run its quarterly report",
        description=(
            "Make data/demo if it is missing (it is never changed), then run the internal "
            "quarterly report for the demo's latest complete quarter against the one before, "
            "and print the path of the HTML report."
        ),
    )
    _report_outputs(demo)
    demo.set_defaults(run=_run_demo)

    report = commands.add_parser(
        "report",
        help="run the quarterly re-audit report (HTML, PDF, tables, manifest)",
        description=(
            "Run the quarterly re-audit report notebook with papermill into one folder under "
            "--out, named by quarter, scope and audience: the executed notebook, a "
            "self-contained HTML report, a PDF (where a browser engine is installed), the table "
            "behind every table and chart as CSV and in one workbook, and a manifest. Every "
            "parameter is checked before the notebook starts; a failed run leaves the previous "
            "report as it was."
        ),
    )
    _dataset_options(report)
    report.add_argument(
        "--quarter", default="latest", help="e.g. '2026/27 Q2' (default: the latest complete one)"
    )
    report.add_argument(
        "--baseline", help="the quarter to compare with (default: the quarter before)"
    )
    _services_option(report)
    _as_of_option(report)
    _audience_option(
        report,
        "internal (everything, ids and QA notes), shared (no ids, no notes) or public "
        "(as shared, and counts from 1 to 7 hidden)",
    )
    report.add_argument(
        "--sample-record", type=Path, help="the sampling record (JSON) of the quarter's QA sample"
    )
    _report_outputs(report)
    _batch_options(report)
    report.set_defaults(run=_run_report)
    _families_command(commands)
    _dashboard_parser(commands)

    sample = commands.add_parser(
        "sample",
        help="draw the ten-file QA sample and write the auditor worksheet",
        description=(
            "Draw the quarter's QA sample reproducibly (frame, allocation, rotation, reserves) and "
            "write the sample list, the sampling record and the Excel worksheet into --out."
        ),
    )
    _dataset_options(sample)
    _quarter_option(sample)
    _services_option(sample)
    how_many = sample.add_mutually_exclusive_group()
    how_many.add_argument(
        "--size", type=int, help="files across the services, in proportion (default 10)"
    )
    how_many.add_argument(
        "--per-site", type=int, metavar="N", help="a fixed number per site (NI sampling: 2)"
    )
    sample.add_argument("--seed", type=int, default=0, help="the draw's seed (default 0)")
    sample.add_argument(
        "--reviewed-only", action="store_true", help="only people with a review in the quarter"
    )
    sample.add_argument(
        "--reserves", type=int, default=2, help="reserves per service or site (default 2)"
    )
    _checklist_option(sample)
    sample.add_argument(
        "--split", action="store_true", help="one worksheet per service (per site with --per-site)"
    )
    sample.add_argument(
        "--force", action="store_true", help="replace an earlier draw for the quarter in --out"
    )
    sample.add_argument("--out", type=Path, required=True, help="folder to write into")
    sample.set_defaults(run=_run_sample)

    ingest = commands.add_parser(
        "ingest",
        help="take a filled-in worksheet back into file_audits",
        description=(
            "Check every cell of a filled-in worksheet and, only if all is well, add its results "
            "to the dataset's file_audits table atomically. Every problem is listed with its "
            "sheet, row and column; nothing is written while any remains."
        ),
    )
    ingest.add_argument("worksheet", help="the filled-in .xlsx worksheet")
    ingest.add_argument("--into", required=True, help="the dataset folder or workbook")
    ingest.add_argument(
        "--replace", action="store_true", help="overwrite earlier results for the same files"
    )
    ingest.add_argument("--quarter", help="refuse the worksheet unless it is for this quarter")
    ingest.add_argument("--auditor", help="auditor code for rows that leave it blank")
    ingest.add_argument(
        "--audit-date", type=_date, help="audit date for rows that leave it blank (default today)"
    )
    ingest.add_argument(
        "--calendar-quarters", action="store_true", help="read quarter labels as calendar quarters"
    )
    ingest.set_defaults(run=_run_ingest)

    qa = commands.add_parser(
        "qa",
        help="ten-file QA compliance per criterion and service",
        description=(
            "Compliance per criterion for each service and ALL: met / applicable with partial "
            "beside it, a 95% Wilson interval and an LQAS classification against --target, "
            "with a sentence on what the sample can show (on stderr)."
        ),
    )
    _dataset_options(qa)
    _quarter_option(qa)
    _services_option(qa)
    qa.add_argument("--target", type=float, default=0.9, help="LQAS target (default 0.9)")
    qa.add_argument("--lower", type=float, help="LQAS lower threshold (default target - 0.3)")
    _checklist_option(qa)
    qa.add_argument(
        "--files", action="store_true", help="per-file completeness instead of compliance"
    )
    qa.add_argument(
        "--record",
        type=Path,
        help="the quarter's sampling record (JSON from 'sample'): its frames for the LQAS risks",
    )
    _output_options(qa)
    qa.set_defaults(run=_run_qa)

    grid = commands.add_parser(
        "grid",
        help="the self-score grid: claimed against evidenced per dimension",
        description=(
            "The ten-dimension self-score grid for each service: the score it claimed, the score "
            "its data evidences under the rubric (with the evidence and the rule in words), "
            "over-claims flagged, and totals against the target."
        ),
    )
    _dataset_options(grid)
    _quarter_option(grid)
    _services_option(grid)
    grid.add_argument("--rubric", type=Path, help="your own rubric TOML file (default: built in)")
    _as_of_option(grid)
    grid.add_argument(
        "--totals", action="store_true", help="one row per service (totals) instead of dimensions"
    )
    _output_options(grid)
    grid.set_defaults(run=_run_grid)

    compare = commands.add_parser(
        "compare",
        help="before/after for every metric and QA criterion",
        description=(
            "Every metric and QA criterion, one quarter against a later one, per service and ALL: "
            "both values with n and 95% Wilson intervals, the difference with its 95% Newcombe "
            "interval, Fisher's exact test where counts are small, and the change in words "
            "(rose/fell only where the interval of the difference excludes 0)."
        ),
    )
    _dataset_options(compare)
    compare.add_argument("--before", required=True, help="the earlier quarter, e.g. '2026/27 Q1'")
    compare.add_argument(
        "--after", required=True, help="the later quarter, e.g. '2026/27 Q2', or 'latest'"
    )
    _services_option(compare)
    _as_of_option(compare)
    _output_options(compare)
    compare.set_defaults(run=_run_compare)

    trends = commands.add_parser(
        "trends",
        help="SPC by month for every metric, service and ALL",
        description=(
            "Every dashboard metric by calendar month up to the end of --quarter, as SPC in the "
            "Making Data Count style: one row per service and metric with the mean, process "
            "limits, the variation verdict (improvement/concern given the metric's good "
            "direction), assurance against any --target and a warning under 12 points. Months "
            "without data stay as gaps, left out of the limits. --charts writes one PNG each."
        ),
    )
    _dataset_options(trends)
    _quarter_option(trends)
    trends.add_argument(
        "--months", type=int, default=24, help="months up to the quarter's end (default 24)"
    )
    _services_option(trends)
    _as_of_option(trends)
    trends.add_argument("--metrics", nargs="+", metavar="ID", help="metric ids (default: all)")
    trends.add_argument(
        "--chart",
        choices=("xmr", "p"),
        default="xmr",
        help="xmr (default) or p: p-charts for proportions (means and counts stay XmR)",
    )
    trends.add_argument(
        "--target",
        type=_target,
        action="append",
        metavar="METRIC=VALUE",
        help="a target for the assurance verdict, e.g. summaries_5wd=0.9 (repeat for more)",
    )
    trends.add_argument("--charts", type=Path, metavar="DIR", help="write one PNG chart each here")
    _output_options(trends)
    trends.set_defaults(run=_run_trends)

    size = commands.add_parser(
        "sample-size",
        help="how many files a QA sample needs, for a precision or an LQAS rule",
        description=(
            "Files needed for a 95% interval within --margin of an expected proportion (with "
            "the HQIP small-population correction given --population), or the smallest LQAS "
            "sample that tells --upper from --lower with both risks within --alpha and --beta. "
            "Proportions may be written 0.8 or 80%."
        ),
    )
    goal = size.add_mutually_exclusive_group(required=True)
    goal.add_argument("--margin", type=_share, help="precision either side, e.g. 0.1 (10 points)")
    goal.add_argument("--upper", type=_share, help="LQAS: the level a good service is at")
    size.add_argument(
        "--p", type=_share, default=0.5, help="expected proportion for --margin (default 0.5)"
    )
    size.add_argument("--lower", type=_share, help="LQAS: the level a poor service is at")
    size.add_argument(
        "--alpha",
        type=_share,
        default=0.10,
        help="LQAS: most risk of failing a good service (default 0.1)",
    )
    size.add_argument(
        "--beta",
        type=_share,
        default=0.10,
        help="LQAS: most risk of passing a poor service (default 0.1)",
    )
    size.add_argument(
        "--population", type=int, help="people in the services sampled (small-service correction)"
    )
    size.set_defaults(run=_run_sample_size)
    return parser


# --- the monthly governance dashboard ---------------------------------------------------------


def _dashboard_parser(commands) -> None:
    dashboard = commands.add_parser(
        "dashboard",
        help="run the NI's monthly governance dashboard (HTML, PDF, tables, manifest)",
        description=(
            "Run the monthly governance dashboard notebook with papermill into one folder under "
            "--out, named by month, scope and audience, as 'auditlib report' does: the five "
            "groups of measures for the month with value and n, target, SPC verdict and a "
            "compact chart each; which service to ask about; the month's NI case samples per "
            "site, late summaries and overdue actions (listed for internal readers, counted "
            "for the others). A month with no data is refused before the notebook starts."
        ),
    )
    _dataset_options(dashboard)
    dashboard.add_argument(
        "--month", default="latest", help="e.g. 2026-10 (default: the last complete month)"
    )
    _services_option(dashboard)
    _as_of_option(dashboard)
    _audience_option(
        dashboard,
        "internal (with the lists of meetings, people and actions), shared (their counts "
        "only) or public (as shared, and counts from 1 to 7 hidden)",
    )
    _report_outputs(dashboard)
    _batch_options(dashboard)
    dashboard.set_defaults(run=_run_dashboard)


def _run_dashboard(args) -> int:
    return _one_or_batch(args, "dashboard", month=args.month)


if __name__ == "__main__":
    sys.exit(main())
