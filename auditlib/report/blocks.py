"""What a report is made of: sections of paragraphs, tables and figures, and their HTML.

Each block already holds exactly what its audience may see. A section renders
itself as HTML (``_repr_html_``), so a notebook cell that ends with a section
shows it, and nbconvert carries that HTML into the report unchanged. Headings
go h1 (the report), h2 (a section), h3 (a part of one), never skipping a
level; every figure is an embedded PNG whose alt text states its verdict.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure

__all__ = ["Figure", "Heading", "List", "Section", "Table", "Text"]


@dataclass(frozen=True)
class Text:
    """A paragraph; ``label`` is shown in bold before it ("Evidence: ...")."""

    text: str
    label: str | None = None
    kind: str = "plain"  # "plain", "note" (grey) or "warning" (boxed)

    def html(self) -> str:
        label = f"<strong>{html.escape(self.label)}:</strong> " if self.label else ""
        return f'<p class="{self.kind}">{label}{html.escape(self.text)}</p>'


@dataclass(frozen=True)
class Heading:
    """A sub-heading inside a section (h3)."""

    text: str

    def html(self) -> str:
        return f"<h3>{html.escape(self.text)}</h3>"


@dataclass(frozen=True)
class List:
    """A bulleted list of sentences, e.g. evidence ready to paste into an evidence pack."""

    items: tuple[str, ...]
    empty: str = "Nothing to list."

    def html(self) -> str:
        if not self.items:
            return f'<p class="note">{html.escape(self.empty)}</p>'
        rows = "".join(f"<li>{html.escape(item)}</li>" for item in self.items)
        return f"<ul>{rows}</ul>"


@dataclass(frozen=True)
class Table:
    """A table to read (``shown``: display text) and the data behind it (``data``).

    ``name`` names its CSV file and workbook sheet; ``data`` is what the
    consultant's workbook gets, already cut to the audience. ``html_columns``
    are columns of ``shown`` holding trusted HTML of the package's own
    (icons), shown unescaped. A table that is not ``printed`` is kept for
    the CSV and workbook only.
    """

    name: str
    caption: str
    shown: pd.DataFrame
    data: pd.DataFrame
    html_columns: tuple[str, ...] = ()
    printed: bool = True

    def html(self) -> str:
        if not self.printed:
            return ""
        shown = self.shown.copy()
        for column in shown.columns:
            if column not in self.html_columns:
                shown[column] = shown[column].map(_cell)
        table = shown.to_html(index=False, escape=False, border=0, classes="data", na_rep="")
        caption = f"<caption>{html.escape(self.caption)}</caption>"
        table = table.replace(">\n  <thead>", f">\n{caption}\n  <thead>", 1)
        return f'<div class="scroll">{table}</div>'


@dataclass(frozen=True)
class Figure:
    """A chart as PNG bytes, its alt text (the verdict in words) and the data behind it."""

    name: str
    png: bytes
    alt: str
    caption: str
    data: pd.DataFrame

    @classmethod
    def from_matplotlib(
        cls, name: str, figure: MplFigure, *, alt: str, caption: str, data: pd.DataFrame
    ) -> Figure:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=110)
        return cls(name, buffer.getvalue(), alt, caption, data)

    def html(self) -> str:
        src = "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")
        return (
            f'<figure><img src="{src}" alt="{html.escape(self.alt, quote=True)}">'
            f"<figcaption>{html.escape(self.caption)}</figcaption></figure>"
        )


Block = Text | Heading | List | Table | Figure


@dataclass
class Section:
    """One section of a report: its key (for the notebook and errors), title and blocks."""

    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)

    def html(self) -> str:
        body = "\n".join(block.html() for block in self.blocks)
        return f'<section id="{self.key}"><h2>{html.escape(self.title)}</h2>\n{body}\n</section>'

    def _repr_html_(self) -> str:
        return self.html()

    def tables(self) -> list[Table | Figure]:
        """The blocks that carry data: every table and figure."""
        return [b for b in self.blocks if isinstance(b, Table | Figure)]


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value))
