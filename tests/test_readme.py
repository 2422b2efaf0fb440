"""The README's examples, run as a new user would run them, so that they stay true.

Python blocks are executed; every ``auditlib ...`` line of a shell block is run
through the command's ``main`` in a scratch folder holding a copy of ``data/``
(so nothing committed is changed). Before an ``ingest`` line the worksheet it
names is filled in, as the README's "once filled in" asks.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import openpyxl
import pytest

from auditlib.checklist import load_checklist
from auditlib.cli import main

ROOT = Path(__file__).parents[1]
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
