"""The command line as scheduled runs and analysts use it: exit codes, formats, atomic output."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pandas as pd

from auditlib.cli import _parser, main

COLUMNS = (
    "scope,period,period_start,period_end,metric_id,"
    "numerator,denominator,value,ci_low,ci_high,pending,status"
)


def test_metrics_csv_has_the_contracted_columns(make_dataset, capsys):
    assert (
        main(["metrics", str(make_dataset()), "--quarter", "2026/27 Q2", "--as-of", "2026-10-31"])
        == 0
    )
    out = capsys.readouterr().out
    assert out.splitlines()[0] == COLUMNS
    assert "S-ENG,2026/27 Q2,2026-07-01,2026-09-30,summaries_5wd,1,3," in out


def test_metrics_by_month_as_json_to_a_file(make_dataset, tmp_path, capsys):
    target = tmp_path / "out" / "metrics.json"
    args = ["metrics", str(make_dataset()), "--quarter", "2026/27 Q2", "--by", "month"]
    assert main([*args, "--as-of", "2026-10-31", "--format", "json", "--out", str(target)]) == 0
    records = json.loads(target.read_text())
    assert {r["period"] for r in records} == {"2026-07", "2026-08", "2026-09"}
    assert "wrote" in capsys.readouterr().err
    assert [p.name for p in target.parent.iterdir()] == ["metrics.json"]  # no temporary left


def test_bad_quarter_and_missing_dataset_exit_1_with_a_message(make_dataset, capsys):
    assert main(["metrics", str(make_dataset()), "--quarter", "Q2 2026"]) == 1
    assert "not a period label" in capsys.readouterr().err
    assert main(["metrics", "/no/such/place", "--quarter", "2026/27 Q2"]) == 1
    assert "no such dataset" in capsys.readouterr().err


def test_latest_quarter_is_the_last_one_ended_by_the_as_of_date(make_dataset, capsys):
    assert (
        main(["metrics", str(make_dataset()), "--quarter", "latest", "--as-of", "2026-11-20"]) == 0
    )
    assert "dashboard metrics for 2026/27 Q2" in capsys.readouterr().err


def test_calendar_quarters_on_request(make_dataset, capsys):
    args = ["metrics", str(make_dataset()), "--quarter", "2026 Q3", "--calendar-quarters"]
    assert main([*args, "--as-of", "2026-10-31"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert set(table["period"]) == {"2026 Q3"}


def test_installed_command_runs_without_traceback(tmp_path):
    """The command as installed (not main() in-process) reads the demo data; `auditlib demo`
    itself, which runs the whole report, is tested in test_report.py."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [sys.executable, "-m", "auditlib", "validate", "data/demo"],
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.dirname(__file__)),
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "meets the data contract" in done.stdout
    assert "Traceback" not in done.stderr


def test_metrics_for_chosen_services_has_all_covering_only_those(make_dataset, capsys):
    args = ["metrics", str(make_dataset()), "--quarter", "2026/27 Q2", "--as-of", "2026-10-31"]
    assert main([*args, "--services", "S-ENG"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert set(table["scope"]) == {"S-ENG", "ALL"}
    # reviews in Q2: M-1 (family), M-2 (nobody), M-3 (async input) at Oak House; M-5 at Elm
    # Court (nobody). ALL of S-ENG alone is 2 of 3, not the whole dataset's 2 of 4.
    row = table[(table["scope"] == "ALL") & (table["metric_id"] == "participation_reviews")]
    assert row[["numerator", "denominator"]].values.tolist() == [[2, 3]]
    assert main([*args, "--services", "S-NOPE"]) == 1
    assert "'S-NOPE': not a service_id" in capsys.readouterr().err


def _help(*command: str) -> str:
    out = io.StringIO()
    try:
        sys.stdout, saved = out, sys.stdout
        main([*command, "--help"])
    except SystemExit:
        pass
    finally:
        sys.stdout = saved
    return out.getvalue()


def test_help_texts_print_plain_percent_signs_and_no_outside_documents():
    for command in ("metrics", "qa", "compare", "grid", "trends", "synth", "sample", "ingest"):
        text = _help(command)
        assert "%%" not in text, command
        assert "quality.md" not in text and "shared/" not in text, command
    assert "95% Wilson" in _help("metrics")


def test_every_option_of_every_command_says_what_it_does():
    commands = next(a for a in _parser()._actions if a.dest == "command").choices
    for name, command in commands.items():
        silent = [a.dest for a in command._actions if not a.help]
        assert silent == [], name
    assert "5 services" in _help("synth")


def test_messages_name_the_command_options(make_dataset, tmp_path, capsys):
    args = ["sample", str(make_dataset()), "--quarter", "2026/27 Q2", "--out", str(tmp_path / "o")]
    assert main([*args, "--size", "0"]) == 1
    assert "--size (size) must be a whole number of at least 1" in capsys.readouterr().err
    assert main(args) == 0
    assert main(args) == 1
    assert "redraw on purpose with --force" in capsys.readouterr().err


def test_a_command_runs_arrow_on_the_system_allocator_unless_told_otherwise(tmp_path):
    """mimalloc made a process's first large load 3-4x slower; a user's own choice stands."""
    script = (
        "import sys; from auditlib.cli import main; code = main(sys.argv[1:]); "
        "import pyarrow; print(pyarrow.default_memory_pool().backend_name); sys.exit(code)"
    )
    command = [sys.executable, "-c", script, "sample-size", "--margin", "0.1", "--population", "50"]
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    ran = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert ran.stdout.splitlines()[-1] == "system"
    env["ARROW_DEFAULT_MEMORY_POOL"] = "mimalloc"
    ran = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert ran.stdout.splitlines()[-1] == "mimalloc"
