"""The README's examples, run as a new user would run them, so that they stay true.

Python blocks are executed; every ``auditlib ...`` line of a shell block is run
through the command's ``main`` in a scratch folder holding a copy of ``data/``
(so nothing committed is changed), except the lines that run a whole report
notebook, whose options are checked to parse (test_report.py runs reports).
Before an ``ingest`` line the worksheet it names is filled in, as the
README's "once filled in" asks.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from auditlib.checklist import load_checklist
from auditlib.cli import _parser, main
from auditlib.contract import TABLES
from auditlib.metrics import METRICS
from auditlib.workdays import working_day_deadline, working_days_between

ROOT = Path(__file__).parents[1]
WHOLE_REPORTS = {"report", "demo", "dashboard", "families"}
"""Commands whose README lines are checked to parse, not run (each runs a whole notebook)."""
DOCUMENTS = ("README.md", "data/README.md")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(document: str) -> list[tuple[str, str]]:
    """(language, code) of each fenced block, in order."""
    return FENCE.findall((ROOT / document).read_text(encoding="utf-8"))


def commands(code: str) -> list[list[str]]:
    """The ``auditlib`` command lines of a shell block, as argument lists (comments dropped)."""
    lines = (shlex.split(line, comments=True) for line in code.splitlines())
    return [words[1:] for words in lines if words[:1] == ["auditlib"]]


def fill_in(worksheet: Path) -> None:
    """Score every file's every criterion 'met', as an auditor would by hand."""
    criteria = set(load_checklist().table["criterion_id"])
    workbook = openpyxl.load_workbook(worksheet)
    sheet = workbook["Sample"]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value is None:
            continue
        for cell, name in zip(row, header, strict=False):
            if name in criteria:
                cell.value = "met"
            elif name == "auditor":
                cell.value = "A-01"
    workbook.save(worksheet)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A folder with a copy of the repository's demo data, as the working directory."""
    folder = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "data", folder / "data")
    return folder


def test_the_documents_have_examples_to_run():
    kinds = [language for document in DOCUMENTS for language, _ in blocks(document)]
    assert "python" in kinds
    assert sum(len(commands(code)) for d in DOCUMENTS for _, code in blocks(d)) >= 10


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_example_runs_as_written(document, scratch, monkeypatch, capsys):
    monkeypatch.chdir(scratch)
    if document == "data/README.md":  # it makes data/demo again: into an emptied copy
        shutil.rmtree("data")
    for language, code in blocks(document):
        if language == "python":
            exec(compile(code, f"{document} python block", "exec"), {})
            continue
        for argv in commands(code):
            if argv[0] in WHOLE_REPORTS:  # each runs a notebook: test_report.py runs them
                _parser().parse_args(argv)
                continue
            if argv[0] == "ingest":
                fill_in(Path(argv[1]))
            status = main(argv)
            assert status == 0, f"auditlib {shlex.join(argv)}: {capsys.readouterr().err}"
    capsys.readouterr()
    if document == "data/README.md":  # and the demo data is what the command makes
        for table in sorted((ROOT / "data/demo").glob("*.csv")):
            assert (scratch / "data/demo" / table.name).read_bytes() == table.read_bytes()


def test_no_example_writes_into_the_committed_demo_data():
    for document in DOCUMENTS[:1]:
        for _, code in blocks(document):
            for argv in commands(code):
                if argv[0] in {"ingest", "synth"}:
                    assert "data/demo" not in " ".join(argv), shlex.join(argv)


LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize(
    "document", [*DOCUMENTS, *(f"docs/{p.name}" for p in sorted((ROOT / "docs").glob("*.md")))]
)
def test_links_stay_inside_the_repository_and_lead_somewhere(document):
    text = (ROOT / document).read_text(encoding="utf-8")
    assert "shared/spec" not in text
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://")):
            continue
        resolved = ((ROOT / document).parent / target).resolve()
        assert resolved.is_relative_to(ROOT), f"{document}: {target} leaves the repository"
        assert resolved.exists(), f"{document}: {target} does not exist"


def test_the_data_contract_page_covers_every_table_and_column():
    text = (ROOT / "docs/data-contract.md").read_text(encoding="utf-8")
    sections = {s.split("\n", 1)[0].split()[0]: s for s in text.split("\n## ")[1:]}
    for name, table in TABLES.items():
        assert name in sections, name
        header = ",".join(c.name for c in table.columns)
        assert f"```csv\n{header}\n" in sections[name], f"{name}: no example row"
        for column in table.columns:
            assert f"| `{column.name}` |" in sections[name], f"{name}.{column.name}"


def test_the_definitions_page_defines_every_metric():
    headings = [
        line
        for line in (ROOT / "docs/definitions.md").read_text().splitlines()
        if line[:4] == "### "
    ]
    for metric_id in METRICS:
        assert any(metric_id in line for line in headings), metric_id


def test_the_definitions_working_day_examples_hold():
    # the table in docs/definitions.md, worked by hand there
    meetings = pd.Series(pd.to_datetime(["2026-07-03", "2026-07-05", "2026-08-27", "2026-08-27"]))
    sent = pd.Series(pd.to_datetime(["2026-07-10", "2026-07-11", "2026-09-04", "2026-09-04"]))
    nation = np.array(["england", "england", "england", "scotland"], dtype=object)
    assert working_days_between(meetings, sent, nation).tolist() == [5, 5, 5, 6]
    deadline = working_day_deadline(meetings[2:3], 5, nation[2:3])
    assert str(deadline[0])[:10] == "2026-09-04"
    december = working_day_deadline(pd.Series(pd.to_datetime(["2026-12-01"])), 20, nation[:1])
    assert str(december[0])[:10] == "2026-12-31"
