"""Example Airflow DAG: every service's quarterly report and the provider's, unattended.

Copy this file into Airflow's dags folder and change the paths. The task runs
auditlib's own command line from auditlib's own virtual environment
(/srv/auditlib/.venv), not inside the Airflow worker's Python: Airflow's
papermill provider caps pandas below 3, and auditlib should not be tied to
what the scheduler's environment pins (see docs/scheduled-runs.md).

The task fails exactly when the command exits non-zero: a report that failed
(listed in /srv/reports/batch-summary.csv), bad data, or an output folder
another run holds. Not part of the package or its tests: nothing imports it.
"""

from __future__ import annotations

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

AUDITLIB = "/srv/auditlib"  # a copy of the project with its .venv (pip install -e .)
DATASET = "/data/provider"  # a dataset folder the worker can read
REPORTS = "/srv/reports"  # where the report folders and batch-summary.csv go

with DAG(
    dag_id="auditlib_quarterly_reports",
    description="auditlib: the quarterly re-audit report per service and for the provider",
    schedule="0 6 2 1,4,7,10 *",  # 06:00 on the 2nd day after each quarter ends
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # auditlib's output lock refuses a second run on the same folder anyway
    tags=["auditlib"],
) as dag:
    BashOperator(
        task_id="quarterly_reports_per_service",
        cwd=AUDITLIB,
        bash_command=(
            f"{AUDITLIB}/.venv/bin/auditlib report {DATASET} --per-service "
            f"--audience shared --out {REPORTS}"
        ),
        # Airflow stops a task with SIGTERM: auditlib then stops its kernels, keeps every
        # finished report whole and writes the summary before exiting.
        execution_timeout=None,
    )
