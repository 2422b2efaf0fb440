"""Batch runs: one report per service plus the provider's, unattended, in parallel.

A batch loads and validates the dataset once, checks every report's
parameters before any kernel starts, takes the output lock for the whole
batch, and then hands each report to :func:`~auditlib.report.runner.run_report`
with the loaded dataset: on this machine through a thread pool (each report's
work is done in its own kernel process, so threads only wait; see
docs/scheduled-runs.md for the measurement), or on an existing Dask cluster.
One failing report never stops the others. At the end a summary (service,
status, seconds, output folder, the error's first line) is printed and
written beside the reports as ``batch-summary.csv`` and ``batch-summary.json``.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from ..dataset import Dataset
from ..errors import AuditlibError, ReportError
from ..files import csv_text, write_text_atomic
from ..sampling import select_services
from ..snapshot import cache_folder, cache_problem, open_dataset
from . import runner
from .kinds import kind
from .locking import output_lock

__all__ = [
    "PROVIDER",
    "BatchResult",
    "Context",
    "Outcome",
    "Task",
    "load_on_worker",
    "plan",
    "run_batch",
    "run_on_worker",
    "run_task",
    "summary_lines",
]

PROVIDER = "(provider)"
"""The summary's name for the provider-level report (every service together)."""
SUMMARY = "batch-summary"
STATUSES = ("ok", "skipped", "failed", "interrupted")
DASK_TIMEOUT = "10s"  # how long to wait for a Dask scheduler to answer


@dataclass(frozen=True)
class Task:
    """One report of a batch: whose it is, its parameters and the folder it goes into;
    ``refused`` says why a service's own check refused its report (then it has no folder)."""

    service: str
    parameters: dict[str, Any]
    folder: str
    refused: str = ""


@dataclass(frozen=True)
class Outcome:
    """How one report of a batch ended; ``error`` is the first line of what went wrong."""

    service: str
    status: str
    seconds: float
    output: str
    error: str = ""


@dataclass
class BatchResult:
    """Every report's outcome, in the batch's order, and where the summary was written."""

    outcomes: list[Outcome]
    summary_csv: Path
    summary_json: Path
    seconds: float
    interrupted: int = 0  # the signal that stopped the batch, if one did
    counts: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.counts = {s: sum(o.status == s for o in self.outcomes) for s in STATUSES}

    @property
    def ok(self) -> bool:
        """Whether every report is in place (made now, or kept by --resume)."""
        return not self.interrupted and all(o.status in ("ok", "skipped") for o in self.outcomes)

    def table(self) -> pd.DataFrame:
        return _frame(self.outcomes)


def run_batch(
    dataset: str | Path,
    *,
    kind_name: str = "report",
    out: str | Path = "reports",
    pdf: bool = True,
    today: date | None = None,
    jobs: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    stream: TextIO | None = None,
    cache: str | Path | bool = True,
    **parameters: Any,
) -> BatchResult:
    """Run ``kind_name``'s report for the provider and for each service into ``out``.

    ``parameters`` are the kind's, as for :func:`run_report`; ``services``
    chooses which services get a report of their own (default all; the
    provider's report always covers every service). ``resume`` keeps a report
    whose folder already has a manifest for the same dataset and parameters.
    ``executor`` is ``local`` (``jobs`` at once, default the machine's cores)
    or ``dask`` (the cluster at ``scheduler`` runs them). ``cache`` is the
    snapshot cache, as for :func:`auditlib.snapshot.open_dataset`.
    """
    started = time.perf_counter()
    stream = stream or sys.stderr
    chosen = kind(kind_name)
    if executor not in ("local", "dask"):
        raise ReportError(f"--executor {executor!r}: expected local or dask")
    if executor == "dask" and not scheduler:
        raise ReportError("--executor dask needs --scheduler ADDRESS (e.g. tcp://host:8786)")
    if executor == "local" and scheduler:
        raise ReportError("--scheduler goes with --executor dask")
    if jobs is not None and jobs < 1:
        raise ReportError(f"--jobs {jobs}: at least 1 report at a time")
    _check_cache(cache)
    calendar = parameters.get("calendar_quarters", False) is True
    data = open_dataset(dataset, cache=cache, today=today, calendar_quarters=calendar)
    tasks = plan(data, kind_name, today=today, **parameters)
    root = runner._output_root(out, dataset)
    if executor == "local":
        runner._check_kernel()
    with output_lock(root):
        runner._clear_stale(root)
        done = {
            t.service: Outcome(t.service, "failed", 0.0, "", t.refused) for t in tasks if t.refused
        }
        if resume:
            done |= _kept([t for t in tasks if not t.refused], root, data, chosen, today, pdf)
        todo = [t for t in tasks if t.service not in done]
        call = Context(str(dataset), str(out), pdf, today, kind_name, cache)
        report = _Progress(len(tasks), stream)
        for outcome in done.values():
            report(outcome)
        interrupted = 0
        try:
            if executor == "dask":
                finished = _on_dask(scheduler, call, data, calendar, todo, report)
            else:
                finished = _on_threads(call, data, todo, report, jobs or os.cpu_count() or 1)
        except runner.Interrupted as stop:
            interrupted = stop.signum
            finished = report.finished
        report.close()
        outcomes = _in_order(tasks, {**done, **finished}, root)
        paths = _write_summary(root, outcomes)
    return BatchResult(outcomes, *paths, time.perf_counter() - started, interrupted)


def _check_cache(cache: str | Path | bool) -> None:
    """Refuse a batch whose snapshot cannot be kept: each report would validate afresh."""
    why = cache_problem(cache)
    if why:
        raise ReportError(
            f"the snapshot cache {cache_folder(cache)} cannot be written ({why}): every report "
            "would validate the dataset again; make it writable, or give --cache DIR, or "
            "--no-cache to validate in every report"
        )


def plan(
    data: Dataset, kind_name: str, *, today: date | None = None, **parameters: Any
) -> list[Task]:
    """The provider's report and one per service, each checked before any kernel starts.

    The provider's check covers every parameter: what it refuses stops the batch. A
    service's own check can then refuse only for that service's data (a dashboard month
    with no record of it): that service's task carries the reason, and the rest run.
    """
    chosen = kind(kind_name)
    given = parameters.pop("services", None) or None
    if isinstance(given, str):
        given = [s for s in given.split(",") if s.strip()] or None
    services = select_services(data, given)
    tasks = []
    for service, scope in [(PROVIDER, ""), *((s, s) for s in services)]:
        values = {**parameters, "services": scope}
        try:
            params = chosen.read_params(data, today=today, **values)
        except ReportError as error:
            if service == PROVIDER:
                raise
            tasks.append(Task(service, values, "", _first_line(error)))
            continue
        tasks.append(Task(service, values, params.folder_name))
    folders: dict[str, list[str]] = {}
    for task in tasks:
        if not task.refused:
            folders.setdefault(task.folder, []).append(task.service)
    clashes = [names for names in folders.values() if len(names) > 1]
    if clashes:
        shown = "; ".join(" and ".join(repr(n) for n in names) for names in clashes)
        raise ReportError(
            f"services {shown} would write into the same report folder (their ids differ only "
            "in punctuation): give them ids that differ in letters or digits"
        )
    return tasks


@dataclass(frozen=True)
class Context:
    """What every task of the batch shares: sent with each task to a thread or a Dask worker."""

    dataset: str
    out: str
    pdf: bool
    today: date | None
    kind_name: str
    cache: str | Path | bool = True  # the snapshot cache the report kernels read too


def run_task(call: Context, data: Dataset, task: Task) -> Outcome:
    """Run one report of the batch; any failure becomes an outcome, never an exception."""
    started = time.perf_counter()
    try:
        result = runner.run_report(
            call.dataset,
            kind_name=call.kind_name,
            out=call.out,
            pdf=call.pdf,
            today=call.today,
            cache=call.cache,
            data=data,
            lock=False,
            **task.parameters,
        )
    except Exception as error:  # one failing report never stops the batch
        return Outcome(
            task.service,
            "failed",
            time.perf_counter() - started,
            str(Path(call.out) / task.folder),
            _first_line(error),
        )
    return Outcome(task.service, "ok", result.seconds, str(result.folder))


def _first_line(error: BaseException) -> str:
    """The error's first line, with the kind of error where the message alone is not clear."""
    if isinstance(error, OSError) and error.strerror:
        where = f" ({error.filename})" if error.filename else ""
        text = f"cannot write the report: {error.strerror}{where}"
    elif isinstance(error, AuditlibError):
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error}"
    lines = text.strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _on_threads(
    call: Context, data: Dataset, tasks: list[Task], report: _Progress, jobs: int
) -> dict[str, Outcome]:
    """Run the tasks ``jobs`` at a time on threads; on SIGTERM or Ctrl-C, stop every kernel,
    let each run tidy up its staging folder, and re-raise."""
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="auditlib-report")
    futures: dict[Future, Task] = {}
    try:
        with runner.interruptible():
            futures = {pool.submit(run_task, call, data, task): task for task in tasks}
            for future in as_completed(futures):
                report(future.result())
    except runner.Interrupted:
        report.say("interrupted: stopping the running kernels ...")
        pool.shutdown(wait=False, cancel_futures=True)
        runner.stop_kernels()
        pool.shutdown(wait=True)
        for future in futures:
            if future.done() and not future.cancelled():
                report.late(future.result())
        raise
    finally:
        pool.shutdown(wait=True)
    return report.finished


def run_on_worker(call: Context, calendar_quarters: bool, fingerprint: str, task: Task) -> Outcome:
    """:func:`run_task` on a Dask worker, with the dataset the worker loaded itself."""
    try:
        data = load_on_worker(call, calendar_quarters, fingerprint)
    except Exception as error:  # as for run_task: an outcome, never an exception
        return Outcome(task.service, "failed", 0.0, str(Path(call.out) / task.folder),
                       _first_line(error))  # fmt: skip
    return run_task(call, data, task)


@functools.lru_cache(maxsize=1)
def load_on_worker(call: Context, calendar_quarters: bool, fingerprint: str) -> Dataset:
    """The batch's dataset, loaded once per Dask worker process (from the snapshot cache
    when it can be; kept until a batch on other data replaces it), refused if it is not
    the one the batch validated (it changed since, or the worker's path holds other data)."""
    data = open_dataset(
        call.dataset, cache=call.cache, today=call.today, calendar_quarters=calendar_quarters
    )
    if data.fingerprint() != fingerprint:
        raise ReportError(
            f"the dataset at {call.dataset} on this worker is not the one the batch validated "
            "(it changed since, or the path holds other data here)"
        )
    return data


def _on_dask(
    scheduler: str,
    call: Context,
    data: Dataset,
    calendar: bool,
    tasks: list[Task],
    report: _Progress,
) -> dict[str, Outcome]:
    """Send the same tasks to the Dask cluster at ``scheduler``; each worker loads the dataset
    once. A task whose worker died (Dask retries it elsewhere first) is a failed outcome.

    The batch's client is not the process's default (``set_as_default=False``), so every
    call names it or its event loop: ``as_completed`` without ``loop=`` follows the
    default client, which is absent from a command-line run ("No clients found") and is
    another client's loop in a process that has one ("... is bound to a different event
    loop" when a future has to be waited for again). Only as many tasks as the cluster
    has threads are on it at once: Dask counts a dying worker against every task it
    holds, so a queued report must not be held by a worker that dies running another.
    The workers load the dataset themselves (:func:`load_on_worker`): data scattered from
    here would be lost for good with the workers that held it, and tasks that depend on
    data go to the workers holding it, not to the idle ones.
    """
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise ReportError(
            "--executor dask needs the distributed package: pip install 'auditlib[dask]'"
        ) from None
    try:
        client = Client(scheduler, timeout=DASK_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise ReportError(f"the Dask scheduler at {scheduler} does not answer: {error}") from None
    sent: dict = {}  # the futures on the cluster, each with its task
    try:
        with runner.interruptible():
            fingerprint = data.fingerprint()
            waiting = iter(tasks)
            running = dask_completed(loop=client.loop)

            def send(count: int) -> None:
                for task in itertools.islice(waiting, count):
                    key = f"auditlib-{task.service}-{os.urandom(4).hex()}"
                    future = client.submit(
                        run_on_worker, call, calendar, fingerprint, task, pure=False, key=key
                    )
                    sent[future] = task
                    running.add(future)

            send(max(1, sum(client.nthreads().values())))
            for future in running:
                report(_dask_outcome(future, sent.pop(future), call))
                send(1)
    except runner.Interrupted:
        report.say("interrupted: cancelling the tasks not yet finished on the cluster ...")
        client.cancel(list(sent))
        raise
    finally:
        client.close()
    return report.finished


def _dask_outcome(future, task: Task, call: Context) -> Outcome:
    try:
        return future.result()
    except Exception as error:  # the worker died, or the task could not reach one
        return Outcome(
            task.service,
            "failed",
            0.0,
            str(Path(call.out) / task.folder),
            f"the Dask worker running it failed: {_first_line(error)}",
        )


def _kept(tasks: list[Task], root: Path, data: Dataset, chosen, today, pdf: bool) -> dict:
    """--resume: the reports already in place for the same dataset, parameters and PDF choice."""
    fingerprint = data.fingerprint()
    kept = {}
    for task in tasks:
        folder = root / task.folder
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            same = (
                manifest["what"] == chosen.what
                and manifest["dataset"]["fingerprint_sha256"] == fingerprint
                and manifest["parameters"] == _plain(chosen, data, today, task)
                and (manifest["pdf"]["why_not"] != runner.NO_PDF_ASKED) == pdf
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if same:
            why = "kept: same dataset and parameters (--resume)"
            kept[task.service] = Outcome(task.service, "skipped", 0.0, str(folder), why)
    return kept


def _plain(chosen, data: Dataset, today: date | None, task: Task) -> Any:
    """The task's checked parameters exactly as a manifest records them (through JSON)."""
    params = chosen.read_params(data, today=today, **task.parameters)
    return json.loads(json.dumps(params.as_plain(), default=str))


def _in_order(tasks: list[Task], outcomes: dict[str, Outcome], root: Path) -> list[Outcome]:
    """One outcome per task in the batch's order; a task that never ended was interrupted."""
    return [
        outcomes.get(t.service)
        or Outcome(
            t.service,
            "interrupted",
            0.0,
            str(root / t.folder),
            "the batch was stopped before this report was finished",
        )
        for t in tasks
    ]


def _frame(outcomes: list[Outcome]) -> pd.DataFrame:
    return pd.DataFrame([asdict(o) for o in outcomes], columns=list(Outcome.__annotations__))


def _write_summary(root: Path, outcomes: list[Outcome]) -> tuple[Path, Path]:
    """``batch-summary.csv`` and ``.json`` beside the reports, each written atomically."""
    try:
        return _summary_files(root, outcomes)
    except OSError as error:
        raise ReportError(
            f"the reports are in {root}, but the batch summary could not be written there "
            f"({error.strerror or error})"
        ) from None


def _summary_files(root: Path, outcomes: list[Outcome]) -> tuple[Path, Path]:
    table = _frame(outcomes)
    table["seconds"] = table["seconds"].round(1)
    csv = write_text_atomic(root / f"{SUMMARY}.csv", csv_text(table))
    counts = {s: int((table["status"] == s).sum()) for s in STATUSES}
    record = {"counts": counts, "reports": table.to_dict(orient="records")}
    return csv, write_text_atomic(root / f"{SUMMARY}.json", json.dumps(record, indent=1))


class _Progress:
    """A progress bar on a terminal, plain log lines otherwise (cron, CI, orchestrators)."""

    def __init__(self, total: int, stream: TextIO):
        self.total, self.stream, self.finished = total, stream, {}
        self.bar = None
        if stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=stream, unit="report", dynamic_ncols=True)

    def __call__(self, outcome: Outcome) -> None:
        self.finished[outcome.service] = outcome
        done = f"[{len(self.finished)}/{self.total}] {outcome.service}: {outcome.status}"
        if outcome.status == "ok":
            line = f"{done} in {outcome.seconds:.1f} s -> {outcome.output}"
        else:
            line = f"{done}: {outcome.error}"
        if self.bar is None or outcome.status != "ok":
            self.say(line)
        if self.bar is not None:
            self._quietly(self.bar.update, 1)

    def late(self, outcome: Outcome) -> None:
        """A report that ended while the batch was being stopped."""
        if outcome.service not in self.finished:
            if outcome.status == "failed":
                outcome = Outcome(
                    outcome.service,
                    "interrupted",
                    outcome.seconds,
                    outcome.output,
                    "stopped with the batch",
                )
            self(outcome)

    def say(self, line: str) -> None:
        if self.bar is None:
            self._quietly(print, line, file=self.stream, flush=True)
        else:
            self._quietly(self.bar.write, line, file=self.stream)

    def _quietly(self, write: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Write to the log; a log that went away (a closed pipe) never stops the batch."""
        if self.stream is None:
            return
        try:
            write(*args, **kwargs)
        except OSError:  # BrokenPipeError, or EIO from a terminal that closed
            self.stream = None  # the summary files remain the record

    def close(self) -> None:
        if self.bar is not None:
            self._quietly(self.bar.close)


def summary_lines(result: BatchResult) -> Iterable[str]:
    """The summary table as aligned lines, then one line of counts."""
    table = result.table().assign(seconds=lambda t: t["seconds"].map("{:.1f}".format))
    yield from table.to_string(index=False).splitlines()
    counts = ", ".join(f"{n} {s}" for s, n in result.counts.items() if n)
    yield f"{len(result.outcomes)} reports in {result.seconds:.0f} s: {counts}"
