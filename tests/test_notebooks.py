"""The notebooks are committed clean, and each one's first cell holds its parameters."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_is_committed_without_outputs(path):
    notebook = nbformat.read(str(path), as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_first_cell_is_tagged_parameters_and_every_other_names_its_section(path):
    cells = nbformat.read(str(path), as_version=4).cells
    assert "parameters" in cells[0].metadata.get("tags", [])
    assert all(cell.metadata.get("auditlib", {}).get("section") for cell in cells[1:])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_notebook_logic_lives_in_the_package(path):
    """Thin notebooks: no cell defines a function or class, or runs more than a few lines."""
    for cell in nbformat.read(str(path), as_version=4).cells[1:]:
        assert "def " not in cell.source and "class " not in cell.source
        assert len(cell.source.splitlines()) <= 8
