"""The command line as scheduled runs and analysts use it: exit codes, formats, atomic output."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pandas as pd

from auditlib.cli import main

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
