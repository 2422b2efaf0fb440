"""Running a report notebook with papermill into one report folder, atomically.

:func:`run_report` checks everything it can before a kernel starts (the
dataset, every parameter, the output folder, the kernel), then executes the
notebook into a hidden staging folder beside the final one, exports the HTML
and PDF and writes the manifest, and only then moves the finished folder into
place. A failed or interrupted run leaves the previous report exactly as it
was and never a folder that looks complete but is not; when a cell fails, the
partial notebook is kept next to the report (``<name>.failed.ipynb``) and the
error names the failing section and its own message.

A run is also safe to stop: :func:`interruptible` turns SIGTERM (as well as
Ctrl-C) into :class:`Interrupted`, and every kernel a run started is killed
on the way out (:func:`stop_kernels` does it for all of them at once, for a
batch), so a stopped run leaves no kernel behind and no half-written folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar

from ..dataset import Dataset
from ..errors import ReportError
from ..files import process_alive, write_text_atomic
from ..snapshot import kernel_cache, open_dataset
from .export import html_to_pdf, notebook_to_html
from .kinds import RunParams, kind
from .locking import output_lock
from .params import service_ids

__all__ = [
    "KERNEL",
    "NO_PDF_ASKED",
    "Interrupted",
    "RunResult",
    "interruptible",
    "notebook_path",
    "run_report",
    "stop_kernels",
]

KERNEL = "python3"
"""The Jupyter kernel the notebooks run on (ipykernel's, installed with the package)."""
_STAGING = ".partial-"
NO_PDF_ASKED = "no PDF was asked for (--no-pdf)"
_LIVE: set = set()  # kernel managers this process started whose run has not ended
_LIVE_LOCK = threading.Lock()


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived: the run stops and tidies up; exit with 128 + ``signum``."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


@contextmanager
def interruptible() -> Iterator[None]:
    """Within this block SIGTERM, like Ctrl-C, raises :class:`Interrupted` (once: a second
    signal while tidying up is ignored), so cleanup runs instead of the process dying."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []

    def handler(signum, frame):
        if not arrived:
            arrived.append(signum)
            raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


@dataclass(frozen=True)
class RunResult:
    """Where a finished report is, and whether it has a PDF (``pdf_note`` says why not)."""

    folder: Path
    html: Path
    pdf: Path | None
    pdf_note: str | None
    manifest: Path
    seconds: float


def notebook_path(name: str = "quarterly_report") -> Path:
    """The project's notebook ``name`` (``notebooks/<name>.ipynb`` beside the package)."""
    path = Path(__file__).resolve().parents[2] / "notebooks" / f"{name}.ipynb"
    if not path.is_file():
        raise ReportError(
            f"the report notebook {path} is missing: auditlib's reports run from a copy of the "
            "project (pip install -e .), whose notebooks/ folder holds them"
        )
    return path


def run_report(
    dataset: str | Path,
    *,
    kind_name: str = "report",
    out: str | Path = "reports",
    pdf: bool = True,
    today: date | None = None,
    progress: Callable[[str], None] = lambda message: None,
    cache: str | Path | bool = True,
    data: Dataset | None = None,
    lock: bool = True,
    **parameters: Any,
) -> RunResult:
    """Run one report of ``kind_name`` for ``dataset`` into a folder under ``out``.

    ``parameters`` are the notebook's (for the quarterly report: quarter,
    baseline, services, as_of, audience, calendar_quarters, sample_record),
    checked here first; the folder is named by the checked parameters
    (quarter, scope and audience for the quarterly report). ``cache`` is the
    snapshot cache, as for :func:`auditlib.snapshot.open_dataset`. ``data`` is
    the dataset already loaded and validated (a batch loads it once for all its
    reports); ``lock=False`` is for a caller that holds the output lock itself.
    """
    started = time.perf_counter()
    chosen = kind(kind_name)
    if data is None:
        calendar = parameters.get("calendar_quarters", False) is True
        services = service_ids(parameters.get("services", "")) if chosen.cuts else None
        data = open_dataset(
            dataset, cache=cache, today=today, calendar_quarters=calendar, services=services,
            progress=progress,
        )  # fmt: skip
    params = chosen.read_params(data, today=today, **parameters)
    root = _output_root(out, dataset)
    source = notebook_path(chosen.notebook)
    _check_kernel()
    with output_lock(root) if lock else nullcontext(root):
        if lock:  # the lock's holder tidies after killed runs (a batch does it once)
            _clear_stale(root)
        note = _run(chosen, data, params, root, source, pdf, progress, cache)
    final = root / params.folder_name
    return RunResult(
        folder=final,
        html=final / "report.html",
        pdf=None if note else final / "report.pdf",
        pdf_note=note,
        manifest=final / "manifest.json",
        seconds=time.perf_counter() - started,
    )


def _run(chosen, data: Dataset, params: RunParams, root: Path, source: Path, pdf: bool,
         progress: Callable[[str], None], cache: str | Path | bool) -> str | None:  # fmt: skip
    """Execute, export and publish one report folder; returns why there is no PDF, if not."""
    began = datetime.now(UTC)
    final = root / params.folder_name
    staging = root / f"{_STAGING}{params.folder_name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        staging.mkdir()
        progress(f"running {source.name} for {params.label} ...")
        with kernel_cache(cache):  # the notebook's own load reads the same validated copy
            executed = _execute(source, staging, params, root, final.name)
        progress("writing the HTML report ...")
        html = staging / "report.html"
        write_text_atomic(html, notebook_to_html(executed, chosen.template))
        note = _pdf(html, staging / "report.pdf", pdf, progress)
        _manifest(staging, chosen.what, params, data.fingerprint(), began, note)
        _publish(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return note


def _output_root(out: str | Path, dataset: str | Path) -> Path:
    """The folder reports go into: created if needed, writable, and not the dataset itself."""
    root = Path(out)
    data = Path(dataset).resolve()
    resolved = root.resolve()
    if resolved == data or data in resolved.parents:
        raise ReportError(
            f"--out {root} is inside the dataset {dataset}: reports never go into the data"
        )
    if root.exists() and not root.is_dir():
        raise ReportError(f"--out {root} is a file, not a folder")
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".auditlib-write-test-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise ReportError(f"--out {root}: cannot write there ({error.strerror or error})") from None
    return root


def _check_kernel() -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        raise ReportError(
            f"no Jupyter kernel named {KERNEL!r} is installed: run "
            "'python -m ipykernel install --user' in this environment"
        ) from None


def _clear_stale(root: Path) -> None:
    """Tidy after runs that were killed: remove their staging folders (their process is
    gone), and put back a previous report caught between the two renames of :func:`_publish`."""
    for folder in root.glob(f"{_STAGING}*"):
        if "-old-" in folder.name:
            final = root / folder.name[len(_STAGING) :].rsplit("-old-", 1)[0]
            if final.exists():
                shutil.rmtree(folder, ignore_errors=True)
            else:
                folder.rename(final)
            continue
        pid = folder.name.rsplit("-", 2)[-2]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _execute(source: Path, staging: Path, params: RunParams, root: Path, name: str) -> Path:
    """Run the notebook with papermill; a failing cell becomes a ReportError naming its section."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    _stay_put()
    executed = staging.resolve() / "report.ipynb"
    values = {**params.notebook_values(), "tables_dir": str(staging.resolve())}
    sockets = Path(tempfile.mkdtemp(prefix="auditlib-kernel-"))
    manager = _kernel_manager(sockets, source.parent)
    try:
        papermill.execute_notebook(  # no cwd=: papermill would chdir the whole process
            str(source), str(executed), parameters=values, kernel_name=KERNEL,
            progress_bar=False, log_output=False, kernel_manager_class=manager,
        )  # fmt: skip
    except PapermillExecutionError as error:
        kept = root / f"{name}.failed.ipynb"
        if executed.is_file():
            shutil.copyfile(executed, kept)
        section = _failed_section(executed, error.cell_index)
        raise ReportError(
            f"the report's {section!r} section failed: {error.ename}: {error.evalue}. "
            f"The previous report (if any) is untouched; the partial notebook is {kept}",
            section=section,
        ) from None
    except (RuntimeError, OSError) as error:  # the kernel died or could not start
        raise ReportError(f"the notebook could not run: {error}") from None
    finally:
        for started in manager.started:  # none is left running, whatever happened
            _kill(started)
        shutil.rmtree(sockets, ignore_errors=True)
    return executed


def stop_kernels() -> int:
    """Kill every kernel this process's runs started that still runs; returns how many.

    A batch calls it when it is interrupted: each run's papermill then sees its
    kernel die and tidies its staging folder away.
    """
    with _LIVE_LOCK:
        managers = list(_LIVE)
    return sum(_kill(manager, forget=False) for manager in managers)


def _kill(manager, *, forget: bool = True) -> bool:
    """Kill ``manager``'s kernel and its process group (the kernel leads its own session)."""
    if forget:
        with _LIVE_LOCK:
            _LIVE.discard(manager)
    process = getattr(getattr(manager, "provisioner", None), "process", None)
    if process is None or process.poll() is not None:
        return False
    try:
        if os.name == "nt":
            process.kill()
        else:
            os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _stay_put() -> None:
    """Keep papermill from changing the process's working folder around its reads and writes.

    Its local file handler ``chdir``s to a folder it keeps process-wide, saved and
    restored by each run: with a batch's reports on threads one run restores
    another's, so a relative path points elsewhere and every thread's working
    folder moves. The runner gives papermill absolute paths, so the handler with
    its folder left unset (``chdir(None)`` does nothing) reads and writes the same files.
    """
    from papermill.iorw import papermill_io

    handler = papermill_io.get_handler("/")  # a path of no scheme: the local file handler
    if getattr(handler, "stays_put", False):
        return
    handler.cwd(None)  # unset whatever an earlier run left
    handler.cwd = lambda new_path: None
    handler.stays_put = True


def _kernel_manager(sockets: Path, cwd: Path) -> type:
    """A kernel manager talking to its kernel over Unix sockets in a private folder.

    Kernels on TCP pick free ports and can race for the same one when many
    start at once (papermill issue 511); sockets in a folder of the run's own
    cannot collide. Windows has no such sockets, so it keeps TCP. The kernel
    starts in ``cwd`` (the notebook's folder) by itself: papermill's own ``cwd=``
    changes the working folder of the whole process, which, with a batch's
    reports on threads, moves every other report's relative paths. Every
    manager is recorded (``started``, and the process-wide live set) so the
    run can kill its kernel whatever way it ends.
    """
    from jupyter_client.manager import AsyncKernelManager

    class IpcKernelManager(AsyncKernelManager):
        started: ClassVar[list] = []  # this run's own (the class is made anew per run)

        def __init__(self, **kwargs):
            if os.name == "nt":
                super().__init__(**kwargs)
            else:
                super().__init__(transport="ipc", ip=str(sockets / "kernel"), **kwargs)
            self.started.append(self)
            with _LIVE_LOCK:
                _LIVE.add(self)

        async def _async_pre_start_kernel(self, **kw):
            kw.setdefault("cwd", str(cwd))
            return await super()._async_pre_start_kernel(**kw)

    return IpcKernelManager


def _failed_section(notebook: Path, cell_index: int) -> str:
    """The section of the cell whose output is an error (papermill adds cells, so the
    executed notebook is searched rather than trusting the index)."""
    import nbformat

    try:
        cells = nbformat.read(str(notebook), as_version=4).cells
    except (OSError, ValueError):
        return f"cell {cell_index}"
    for cell in cells:
        if any(output.get("output_type") == "error" for output in cell.get("outputs", [])):
            return cell.metadata.get("auditlib", {}).get("section", f"cell {cell_index}")
    return f"cell {cell_index}"


def _pdf(html: Path, target: Path, wanted: bool, progress: Callable[[str], None]) -> str | None:
    if not wanted:
        return NO_PDF_ASKED
    progress("printing the PDF ...")
    return html_to_pdf(html, target)


def _manifest(staging: Path, what: str, params: RunParams, fingerprint: str, began, note):
    """What went in and what came out: fingerprint, parameters, versions, times, file hashes."""
    record = json.loads((staging / "report.json").read_text(encoding="utf-8"))
    files = sorted(p for p in staging.rglob("*") if p.is_file() and p.name != "report.json")
    plain = params.as_plain()
    manifest = {
        "what": what,
        "parameters": plain,
        "as_of": plain.get("as_of"),
        "dataset": {"path": params.dataset, "fingerprint_sha256": fingerprint},
        **record["provenance"],
        "pdf": {"made": note is None, "why_not": note},
        "started": began.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": {
            str(p.relative_to(staging)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files
        },
    }
    (staging / "report.json").unlink()
    write_text_atomic(staging / "manifest.json", json.dumps(manifest, indent=1, default=str))


def _publish(staging: Path, final: Path) -> None:
    """Put the finished folder in place of any previous one: two renames, never a half folder."""
    old = final.with_name(f"{_STAGING}{final.name}-old-{uuid.uuid4().hex[:8]}")
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)
