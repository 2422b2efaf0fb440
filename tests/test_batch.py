"""Batch runs (`auditlib report --per-service`): parallel, safe to stop, resumable, on Dask.

Most tests run a one-cell notebook in place of the quarterly report
(``runner.notebook_path`` is patched), so each run costs a kernel start and
not a report: the machinery is what is under test. The cron test runs the
real report, once, exactly as docs/scheduled-runs.md writes the cron line.
"""

from __future__ import annotations

import errno
import io
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import nbformat
import pandas as pd
import psutil
import pytest
from conftest import write_dataset as write_csvs

from auditlib.cli import main
from auditlib.report import batch, runner
from auditlib.synth import make_dataset, write_dataset

ROOT = Path(__file__).resolve().parents[1]
QUARTER = ["--quarter", "2026/27 Q2", "--as-of", "2026-11-20"]


def tiny_notebook(folder: Path, *, fail=(), die=(), sleep: float = 0, kill_worker=(),
                  armed: Path | None = None) -> Path:  # fmt: skip
    """A one-cell report: writes the provenance the runner needs; raises for the services in
    ``fail``, kills its own kernel for those in ``die``; a service's report (not the
    provider's) sleeps ``sleep`` seconds first. For those in ``kill_worker``, once the file
    ``armed`` exists, it kills the Dask worker that runs it (the pid in AUDITLIB_TEST_WORKER)
    mid-report, and then its own kernel."""
    book = nbformat.v4.new_notebook()
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                   "language": "python"}  # fmt: skip
    params = nbformat.v4.new_code_cell('services = ""\ntables_dir = ""')
    params.metadata.update({"tags": ["parameters"], "auditlib": {"section": "parameters"}})
    body = nbformat.v4.new_code_cell(
        textwrap.dedent(f"""\
        import json, os, pathlib, time
        time.sleep({sleep} if services else 0)
        if services in {tuple(fail)!r}:
            raise RuntimeError("deliberate failure for " + services)
        if services in {tuple(die)!r}:
            os._exit(1)
        if services in {tuple(kill_worker)!r} and pathlib.Path({str(armed)!r}).exists():
            os.kill(int(os.environ["AUDITLIB_TEST_WORKER"]), 9)
            os._exit(1)
        pathlib.Path(tables_dir, "kernel-cwd.txt").write_text(os.getcwd())
        pathlib.Path(tables_dir, "report.json").write_text(json.dumps({{"provenance": {{}}}}))""")
    )
    body.metadata["auditlib"] = {"section": "body"}
    book.cells = [params, body]
    path = folder / "tiny.ipynb"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(book, str(path))
    return path


def services_csv(n: int) -> str:
    """S-ENG and S-SCT (the shared example's people use them) and n - 2 more services."""
    rows = ["service_id,service_name,nation,service_type,site",
            "S-ENG,Oak House,England,supported_living,Oak",
            "S-SCT,Elm Court,SCT,home_care,Elm"]  # fmt: skip
    rows += [f"S-{i:03d},Home {i},England,supported_living,Site {i}" for i in range(n - 2)]
    return "\n".join(rows) + "\n"


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """Patch the runner onto a tiny notebook; returns a function to choose its behaviour."""

    def use(**behaviour) -> Path:
        path = tiny_notebook(tmp_path / "nb", **behaviour)
        monkeypatch.setattr(runner, "notebook_path", lambda name="quarterly_report": path)
        return path

    return use


def batch_cli(dataset: Path, out: Path, *more: str) -> int:
    return main(["report", str(dataset), *QUARTER, "--per-service", "--no-pdf",
                 "--out", str(out), *more])  # fmt: skip


def summary(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "batch-summary.csv", keep_default_na=False).set_index("service")


def manifests(out: Path) -> dict[str, bytes]:
    return {p.parent.name: p.read_bytes() for p in out.glob("*/manifest.json")}


def test_one_failing_service_does_not_stop_the_others(tmp_path, tiny, monkeypatch, capsys):
    tiny(fail=("S-SCT",))
    dataset = write_csvs(tmp_path / "data")
    loads = []
    real_load = batch.open_dataset
    counted = lambda *a, **k: loads.append(1) or real_load(*a, **k)  # noqa: E731
    monkeypatch.setattr(batch, "open_dataset", counted)
    monkeypatch.setattr(runner, "open_dataset", lambda *a, **k: pytest.fail("loaded per report"))
    out = tmp_path / "reports"
    assert batch_cli(dataset, out, "--jobs", "2") == 1
    assert loads == [1], "the batch loads and validates the dataset once"
    table = summary(out)
    assert table.loc["(provider)", "status"] == "ok"
    assert table.loc["S-ENG", "status"] == "ok"
    assert table.loc["S-SCT", "status"] == "failed"
    assert (
        "'body' section failed: RuntimeError: deliberate failure for S-SCT"
        in (table.loc["S-SCT", "error"])
    )
    assert sorted(manifests(out)) == ["2026-27-Q2_S-ENG_internal", "2026-27-Q2_all_internal"]
    assert table.loc["S-ENG", "output"] == str(out / "2026-27-Q2_S-ENG_internal")
    record = json.loads((out / "batch-summary.json").read_text())
    assert record["counts"] == {"ok": 2, "skipped": 0, "failed": 1, "interrupted": 0}
    printed = capsys.readouterr()
    assert re.search(r"S-SCT\s+failed", printed.out)
    assert "[3/3]" in printed.err  # not a terminal: plain log lines


def _parallel(tmp_path, tiny, runs: int, jobs: int) -> None:
    tiny()
    dataset = write_csvs(tmp_path / "data", services=services_csv(runs - 1))
    out = tmp_path / "reports"
    assert batch_cli(dataset, out, "--jobs", str(jobs)) == 0
    table = summary(out)
    assert len(table) == runs and set(table["status"]) == {"ok"}, table[table.status != "ok"]
    assert len(manifests(out)) == runs


def test_six_parallel_kernels_do_not_collide(tmp_path, tiny):
    _parallel(tmp_path, tiny, runs=6, jobs=6)


def test_parallel_reports_never_move_the_working_folder(tmp_path, tiny, monkeypatch):
    """papermill's cwd= chdirs the whole process: on threads, another report's relative
    dataset path (``data``, as a user types it) then pointed into the notebooks folder."""
    notebook = tiny()
    write_csvs(tmp_path / "data", services=services_csv(5))
    monkeypatch.chdir(tmp_path)
    seen, running = set(), True

    def watch() -> None:
        while running:
            seen.add(os.getcwd())
            time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        status = batch_cli(Path("data"), Path("reports"), "--jobs", "2")
    finally:
        running = False
        watcher.join()
    assert seen == {str(tmp_path)}
    assert status == 0
    assert len(manifests(tmp_path / "reports")) == 6
    kernel_cwd = (tmp_path / "reports/2026-27-Q2_S-ENG_internal/kernel-cwd.txt").read_text()
    assert kernel_cwd == str(notebook.parent), "the kernel still starts beside its notebook"


@pytest.mark.slow
def test_fifty_parallel_kernels_do_not_collide(tmp_path, tiny):
    _parallel(tmp_path, tiny, runs=50, jobs=10)


def test_a_second_run_on_the_same_output_is_refused(tmp_path, tiny, capsys):
    tiny()
    dataset = write_csvs(tmp_path / "data")
    out = tmp_path / "reports"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from auditlib.report.locking import output_lock\n"
         f"with output_lock({str(out)!r}):\n print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        assert batch_cli(dataset, out) == 1
        assert main(["report", str(dataset), *QUARTER, "--no-pdf", "--out", str(out)]) == 1
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert f"another auditlib run is writing into {out} (since " in err
    assert f"pid {holder.pid} on" in err and "wait for it or choose another --out" in err
    assert not manifests(out) and not (out / "batch-summary.csv").exists()
    assert batch_cli(dataset, out) == 0  # the holder gone, its lock went with it


def _tree(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def _killed(notebook: Path, argv: list[str], out: Path, *, finished: int, running: int) -> str:
    """Run ``auditlib argv`` on ``notebook``; SIGTERM it once ``finished`` reports are done and
    ``running`` kernels run, and check it stops at once (its kernels would sleep a minute),
    exits 143 and leaves no process and no half-written folder. Returns its stderr."""
    code = (f"from auditlib.report import runner; from pathlib import Path; import sys\n"
            f"runner.notebook_path = lambda name='': Path({str(notebook)!r})\n"
            f"from auditlib.cli import main; sys.exit(main({argv!r}))")  # fmt: skip
    run = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (len(manifests(out)) >= finished and len(_tree(run.pid)) >= running
               and len(list(out.glob(".partial-*"))) == running):  # fmt: skip
        assert run.poll() is None and time.monotonic() < deadline, run.stderr.read()
        time.sleep(0.1)
    kernels = _tree(run.pid)
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=30) == 128 + signal.SIGTERM
    _gone, alive = psutil.wait_procs(kernels, timeout=10)
    assert not alive, f"orphan processes left: {alive}"
    assert not list(out.glob(".partial-*")), "a half-written folder was left"
    return run.stderr.read()


def test_a_killed_report_stops_its_kernel_and_leaves_no_folder(tmp_path):
    notebook = tiny_notebook(tmp_path / "slow", sleep=60)
    dataset = write_csvs(tmp_path / "data")
    out = tmp_path / "reports"
    argv = ["report", str(dataset), *QUARTER, "--services", "S-ENG", "--no-pdf", "--out", str(out)]
    assert "interrupted" in _killed(notebook, argv, out, finished=0, running=1)
    assert not manifests(out)


def test_a_killed_batch_leaves_whole_reports_and_no_process_then_resumes(tmp_path, tiny):
    notebook = tiny_notebook(tmp_path / "slow", sleep=60)
    dataset = write_csvs(tmp_path / "data", services=services_csv(5))
    out = tmp_path / "reports"
    argv = ["report", str(dataset), *QUARTER, "--per-service", "--no-pdf", "--jobs", "2",
            "--out", str(out)]  # fmt: skip
    err = _killed(notebook, argv, out, finished=1, running=2)
    assert "interrupted: stopping the running kernels" in err
    finished = manifests(out)
    assert list(finished) == ["2026-27-Q2_all_internal"]  # the provider's: it does not sleep
    assert {"report.html", "report.ipynb", "manifest.json"} <= {
        p.name for p in (out / "2026-27-Q2_all_internal").iterdir()
    }
    table = summary(out)
    assert table.loc["(provider)", "status"] == "ok"
    assert (table["status"] == "interrupted").sum() == 5

    tiny()  # the same batch again, --resume: only what was not finished is redone
    assert batch_cli(dataset, out, "--jobs", "2", "--resume") == 0
    again = summary(out)
    assert again.loc["(provider)", "status"] == "skipped"
    assert (again["status"] == "ok").sum() == 5
    after = manifests(out)
    provider = "2026-27-Q2_all_internal"
    assert len(after) == 6 and after[provider] == finished[provider], "a kept report changed"


def test_resume_redoes_a_report_whose_data_changed(tmp_path, tiny):
    tiny()
    dataset = write_csvs(tmp_path / "data")
    out = tmp_path / "reports"
    assert batch_cli(dataset, out) == 0
    assert batch_cli(dataset, out, "--resume") == 0
    assert set(summary(out)["status"]) == {"skipped"}
    people = dataset / "people.csv"
    people.write_text(people.read_text() + "P-9,S-ENG,2025-02-01,,yes\n")
    assert batch_cli(dataset, out, "--resume") == 0
    assert set(summary(out)["status"]) == {"ok"}, "a changed dataset is reported afresh"
    assert batch_cli(dataset, out, "--resume", "--audience", "shared") == 0
    assert set(summary(out)["status"]) == {"ok"}, "changed parameters: new reports"


def test_faults_are_summary_lines_and_lose_nothing_already_written(tmp_path, tiny, monkeypatch):
    dataset = write_csvs(tmp_path / "data")
    out = tmp_path / "reports"
    tiny()
    assert batch_cli(dataset, out) == 0
    before = manifests(out)
    tiny(die=("S-ENG",))  # the kernel dies mid-report
    real_write = runner.write_text_atomic

    def full_disk(path, text, **kwargs):
        if "_S-SCT_" in str(path):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_write(path, text, **kwargs)

    monkeypatch.setattr(runner, "write_text_atomic", full_disk)
    assert batch_cli(dataset, out) == 1
    table = summary(out)
    assert table.loc["(provider)", "status"] == "ok"
    assert table.loc["S-ENG", "status"] == "failed"
    assert "the notebook could not run" in table.loc["S-ENG", "error"]
    assert "kernel died" in table.loc["S-ENG", "error"].lower()
    assert table.loc["S-SCT", "status"] == "failed"
    assert table.loc["S-SCT", "error"].startswith("cannot write the report: No space left on")
    after = manifests(out)
    for name in ("2026-27-Q2_S-ENG_internal", "2026-27-Q2_S-SCT_internal"):
        assert after[name] == before[name], "the previous report was lost"
    assert not list(out.glob(".partial-*"))


def test_a_kernel_that_fails_to_start_is_a_summary_line(tmp_path, tiny, monkeypatch):
    tiny()
    dataset = write_csvs(tmp_path / "data")
    real = runner._kernel_manager
    made = []

    def flaky(sockets, cwd):
        base = real(sockets, cwd)
        made.append(1)
        if len(made) != 2:
            return base

        class NoStart(base):
            async def start_kernel(self, **kwargs):
                raise RuntimeError("Kernel died before replying to kernel_info")

        return NoStart

    monkeypatch.setattr(runner, "_kernel_manager", flaky)
    out = tmp_path / "reports"
    assert batch_cli(dataset, out, "--jobs", "1") == 1
    table = summary(out)
    assert list(table["status"]) == ["ok", "failed", "ok"]
    assert "the notebook could not run: Kernel died before" in table.loc["S-ENG", "error"]


def test_an_output_folder_that_cannot_be_written_is_refused(tmp_path, tiny, capsys):
    tiny()
    dataset = write_csvs(tmp_path / "data")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert batch_cli(dataset, blocker / "reports") == 1
    assert "cannot write there" in capsys.readouterr().err


def test_a_snapshot_cache_that_cannot_be_written_is_refused(tmp_path, tiny, capsys):
    """Every report would validate the dataset again: the batch says so and makes nothing."""
    tiny()
    dataset = write_csvs(tmp_path / "data")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    out = tmp_path / "reports"
    assert batch_cli(dataset, out, "--cache", str(blocker / "cache")) == 1
    err = capsys.readouterr().err
    assert f"the snapshot cache {blocker / 'cache'} cannot be written" in err
    assert "--no-cache" in err and "Traceback" not in err
    assert not out.exists()
    assert batch_cli(dataset, out, "--no-cache") == 0, "validating in every report is a choice"


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


def test_a_log_that_goes_away_never_stops_the_batch(tmp_path, tiny):
    """cron's or a pipe's reader gone: the reports and the summary are still made."""
    tiny()
    dataset = write_csvs(tmp_path / "data")
    out = tmp_path / "reports"
    result = batch.run_batch(dataset, out=out, pdf=False, stream=_ClosedPipe(), cache=False,
                             quarter="2026/27 Q2", as_of="2026-11-20")  # fmt: skip
    assert result.ok and len(result.outcomes) == 3
    assert set(summary(out)["status"]) == {"ok"}
    assert not list(out.glob(".partial-*"))


def test_a_summary_that_cannot_be_written_is_a_clear_error(tmp_path, monkeypatch, capsys):
    def made(call, data, task):
        return batch.Outcome(task.service, "ok", 0.1, str(Path(call.out) / task.folder))

    def full(path, text, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(batch, "run_task", made)
    monkeypatch.setattr(batch, "write_text_atomic", full)
    out = tmp_path / "reports"
    assert batch_cli(write_csvs(tmp_path / "data"), out) == 1
    err = capsys.readouterr().err
    assert f"the reports are in {out}, but the batch summary could not be written there" in err
    assert "No space left on device" in err and "Traceback" not in err


def test_a_terminal_gets_a_progress_bar_and_the_failures_as_lines(tmp_path, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    def made(call, data, task):
        if task.service == "S-SCT":
            return batch.Outcome(task.service, "failed", 0.1, "", "no space left")
        return batch.Outcome(task.service, "ok", 0.1, str(Path(call.out) / task.folder))

    monkeypatch.setattr(batch, "run_task", made)
    screen = Terminal()
    result = batch.run_batch(write_csvs(tmp_path / "data"), out=tmp_path / "reports",
                             quarter="2026/27 Q2", as_of="2026-11-20", stream=screen)  # fmt: skip
    shown = screen.getvalue()
    assert "3/3" in shown and "\r" in shown, "a bar redrawn in place"
    assert "S-SCT: failed: no space left" in shown and "S-ENG: ok" not in shown
    assert not result.ok and result.counts["failed"] == 1


def test_services_whose_folders_would_clash_are_refused_before_any_run(tmp_path, tiny, capsys):
    tiny()
    services = services_csv(2) + "S 001,Ash,England,supported_living,Ash\n"
    services += "S-001,Birch,England,supported_living,Birch\n"
    dataset = write_csvs(tmp_path / "data", services=services)
    assert batch_cli(dataset, tmp_path / "reports") == 1
    assert "services 'S 001' and 'S-001' would write into the same report folder" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "reports").exists()


def test_the_dask_executor_runs_the_batch_on_a_local_cluster(tmp_path):
    """Worker processes, and no default Dask client in this process, as from the command
    line; then a worker killed mid-report, retried once elsewhere and killed again."""
    distributed = pytest.importorskip("distributed")
    import dask

    armed = tmp_path / "armed"
    notebook = str(tiny_notebook(tmp_path / "nb", kill_worker=("S-SCT",), armed=armed))

    class TinyNotebook(distributed.WorkerPlugin):
        """Every worker (a restarted one too) runs the tiny notebook and gives its pid to
        its kernels, so the one running S-SCT's report can kill it."""

        def setup(self, worker):
            runner.notebook_path = lambda name="": Path(notebook)
            os.environ["AUDITLIB_TEST_WORKER"] = str(os.getpid())

    dataset = write_csvs(tmp_path / "data")
    out = tmp_path / "reports"
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 1}),  # one retry elsewhere
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                 host="127.0.0.1", dashboard_address=None) as cluster,
    ):  # fmt: skip
        with distributed.Client(cluster, set_as_default=False) as setup:
            setup.register_plugin(TinyNotebook(), name="tiny-notebook")
        options = ("--executor", "dask", "--scheduler", cluster.scheduler_address)
        assert batch_cli(dataset, out, *options, "--services", "S-SCT") == 0
        assert list(summary(out)["status"]) == ["ok", "ok"]
        before = manifests(out)["2026-27-Q2_S-SCT_internal"]
        armed.touch()
        code = batch_cli(dataset, out, *options)
    assert code == 1
    table = summary(out)
    assert list(table["status"]) == ["ok", "ok", "failed"]
    error = table.loc["S-SCT", "error"]
    assert error.startswith("the Dask worker running it failed: KilledWorker: "), error
    assert "on 2 different workers, but all those workers died" in error
    after = manifests(out)
    assert sorted(after) == [
        "2026-27-Q2_S-ENG_internal", "2026-27-Q2_S-SCT_internal", "2026-27-Q2_all_internal"
    ]  # fmt: skip
    assert after["2026-27-Q2_S-SCT_internal"] == before, (
        "the previous report of the service whose worker died was lost"
    )


def test_a_dask_worker_never_holds_more_reports_than_it_has_threads(tmp_path, monkeypatch):
    """A report queued on a worker would be charged with that worker's death (Dask counts it
    against every task the worker holds), so the batch keeps no more on the cluster than
    it has threads. The stand-in for a report gives, as its seconds, how many reports its
    worker held when it ran."""
    distributed = pytest.importorskip("distributed")

    def made(call, data, task):
        state = distributed.get_worker().state
        held = sum(key.startswith("auditlib-")
                   and t.state in ("waiting", "ready", "constrained", "executing")
                   for key, t in state.tasks.items())  # fmt: skip
        time.sleep(0.3)
        return batch.Outcome(task.service, "ok", float(held), str(Path(call.out) / task.folder))

    monkeypatch.setattr(batch, "run_task", made)
    dataset = write_csvs(tmp_path / "data", services=services_csv(5))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:  # fmt: skip
        result = batch.run_batch(dataset, out=tmp_path / "reports", executor="dask",
                                 scheduler=cluster.scheduler_address, quarter="2026/27 Q2",
                                 as_of="2026-11-20", stream=io.StringIO())  # fmt: skip
    assert result.ok and len(result.outcomes) == 6
    assert [o.seconds for o in result.outcomes] == [1.0] * 6


def test_a_dask_scheduler_that_does_not_answer_is_a_clear_error(tmp_path, tiny, monkeypatch,
                                                                 capsys):  # fmt: skip
    tiny()
    monkeypatch.setattr(batch, "DASK_TIMEOUT", "2s")
    dataset = write_csvs(tmp_path / "data")
    code = batch_cli(dataset, tmp_path / "reports", "--executor", "dask", "--scheduler",
                     "tcp://127.0.0.1:9")  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert "the Dask scheduler at tcp://127.0.0.1:9 does not answer" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--jobs", "2"], "--jobs, --executor and --resume go with --per-service"),
        (["--per-service", "--executor", "dask"], "--executor dask needs --scheduler ADDRESS"),
        (["--per-service", "--scheduler", "tcp://h:1"], "--scheduler goes with --executor dask"),
        (["--per-service", "--jobs", "0"], "--jobs 0: at least 1 report at a time"),
    ],
)
def test_batch_options_that_do_not_fit_are_refused(tmp_path, options, message, capsys):
    dataset = write_csvs(tmp_path / "data")
    out = tmp_path / "reports"
    assert main(["report", str(dataset), *QUARTER, "--out", str(out), *options]) == 1
    assert message in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def _cron_run(tmp_path: Path, schedule: str, out: str) -> tuple[Path, str]:
    """Run the cron line of docs/scheduled-runs.md that starts with ``schedule``, as cron
    would (an empty environment, everything redirected), on a one-service synthetic
    provider; returns the output folder (``out`` in the line) and the log."""
    doc = (ROOT / "docs" / "scheduled-runs.md").read_text(encoding="utf-8")
    lines = [s.strip() for s in doc.splitlines() if s.strip().startswith(f"{schedule} ")]
    assert len(lines) == 1, f"docs/scheduled-runs.md writes the {schedule!r} cron line once"
    command = lines[0].split(" ", 5)[5]  # the command, after the five schedule fields
    dataset = tmp_path / "provider"
    write_dataset(make_dataset(n_services=1, n_people=12, n_quarters=6), dataset)
    for old, new in {"/srv/auditlib": str(ROOT), ".venv/bin/auditlib":
                     str(Path(sys.executable).parent / "auditlib"), "/data/provider": str(dataset),
                     out: str(tmp_path / "out"),
                     "/var/log/auditlib.log": str(tmp_path / "auditlib.log")}.items():  # fmt: skip
        assert old in command
        command = command.replace(old, new)
    done = subprocess.run(["env", "-i", "PATH=/usr/bin:/bin", "sh", "-c", command],
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    assert (tmp_path / "auditlib.log").exists(), (command, done.stderr)
    log = (tmp_path / "auditlib.log").read_text()
    assert done.returncode == 0, log
    assert done.stdout == "" and done.stderr == "", "cron mails whatever is not redirected"
    assert list(summary(tmp_path / "out")["status"]) == ["ok", "ok"], log
    assert "2 reports in" in log
    return tmp_path / "out", log


def _scopes(out: Path, what: str) -> dict[str, dict]:
    """Each report folder's manifest by its scope; checks each has its HTML and is ``what``."""
    found = {}
    for manifest in out.glob("*/manifest.json"):
        record = json.loads(manifest.read_text())
        assert record["what"] == what and (manifest.parent / "report.html").is_file()
        found[manifest.parent.name.split("_")[1]] = record
    return found


def test_the_cron_line_as_written_in_the_docs(tmp_path):
    out, _log = _cron_run(tmp_path, "0 6 2 1,4,7,10 *", "/srv/reports")
    made = _scopes(out, "auditlib quarterly re-audit report")
    assert sorted(made) == ["S-001", "all"]
    for scope, services in (("all", None), ("S-001", ["S-001"])):
        assert made[scope]["parameters"]["services"] == services
        assert made[scope]["parameters"]["audience"] == "shared"
        assert re.fullmatch(r"\d{4}/\d{2} Q[1-4]", made[scope]["parameters"]["quarter"])


def test_the_monthly_dashboard_cron_line_as_written_in_the_docs(tmp_path):
    out, _log = _cron_run(tmp_path, "0 6 10 * *", "/srv/dashboards")
    made = _scopes(out, "auditlib monthly governance dashboard")
    assert sorted(made) == ["S-001", "all"]
    for scope, services in (("all", None), ("S-001", ["S-001"])):
        parameters = made[scope]["parameters"]
        assert parameters["services"] == services and parameters["audience"] == "shared"
        # the month before the run's (the last complete one): it moves with the date
        month = (pd.Timestamp(parameters["as_of"]) + pd.Timedelta(days=1)).to_period("M") - 1
        assert parameters["month"] == str(month)
        assert (out / f"{month}_{scope}_shared").is_dir()


def dashboard_cli(dataset: Path, out: Path, month: str, *more: str) -> int:
    return main(["dashboard", str(dataset), "--month", month, "--as-of", "2026-11-20",
                 "--per-service", "--no-pdf", "--out", str(out), *more])  # fmt: skip


def test_the_dashboard_per_service_makes_every_services_and_the_providers_then_resumes(
    tmp_path, capsys
):
    dataset = write_csvs(tmp_path / "data")  # S-ENG and S-SCT both have meetings in 2026-09
    out = tmp_path / "dashboards"
    assert dashboard_cli(dataset, out, "2026-09", "--jobs", "2") == 0
    table = summary(out)
    assert list(table.index) == ["(provider)", "S-ENG", "S-SCT"]
    assert set(table["status"]) == {"ok"} and set(table["error"]) == {""}
    folders = {"(provider)": "2026-09_all_internal", "S-ENG": "2026-09_S-ENG_internal",
               "S-SCT": "2026-09_S-SCT_internal"}  # fmt: skip
    for service, folder in folders.items():
        assert table.loc[service, "output"] == str(out / folder)
        manifest = json.loads((out / folder / "manifest.json").read_text())
        assert manifest["what"] == "auditlib monthly governance dashboard"
        assert manifest["parameters"]["month"] == "2026-09"
        assert manifest["parameters"]["month_dates"] == ["2026-09-01", "2026-09-30"]
        assert manifest["parameters"]["services"] == (
            None if service == "(provider)" else [service]
        )
        assert "September 2026" in (out / folder / "report.html").read_text()
    record = json.loads((out / "batch-summary.json").read_text())
    assert record["counts"] == {"ok": 3, "skipped": 0, "failed": 0, "interrupted": 0}
    assert [r["service"] for r in record["reports"]] == ["(provider)", "S-ENG", "S-SCT"]
    assert "3 reports in" in capsys.readouterr().out

    made = manifests(out)
    assert dashboard_cli(dataset, out, "2026-09", "--resume") == 0
    assert set(summary(out)["status"]) == {"skipped"}
    assert manifests(out) == made, "--resume kept every dashboard as it was"


def test_a_service_with_nothing_in_the_month_is_its_own_line_and_the_rest_run(tmp_path, tiny):
    tiny()
    dataset = write_csvs(tmp_path / "data")  # in 2026-08 only S-ENG has a meeting
    out = tmp_path / "dashboards"
    assert dashboard_cli(dataset, out, "2026-08") == 1
    table = summary(out)
    assert list(table["status"]) == ["ok", "ok", "failed"]
    assert table.loc["S-SCT", "output"] == ""
    error = table.loc["S-SCT", "error"]
    assert error.startswith("month 2026-08 (1 Aug 2026 ") and error.endswith(
        "the dataset has no dated record of any kind in it (no meeting, decision, referral, "
        "response, supervision or governance event) for the chosen services: there is no data "
        "for a dashboard"
    )
    assert sorted(manifests(out)) == ["2026-08_S-ENG_internal", "2026-08_all_internal"]
    assert dashboard_cli(dataset, out, "2026-08", "--resume") == 1
    assert list(summary(out)["status"]) == ["skipped", "skipped", "failed"]


def test_the_airflow_example_is_python_that_runs_the_same_command():
    source = (ROOT / "docs" / "airflow_dag.py").read_text(encoding="utf-8")
    compile(source, "airflow_dag.py", "exec")  # valid Python, without importing Airflow
    assert "BashOperator(" in source and "/.venv/bin/auditlib report" in source
    assert "--per-service" in source and 'schedule="0 6 2 1,4,7,10 *"' in source
