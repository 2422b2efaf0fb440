"""The families' easy-read "what we learned" page, from the same numbers as the report.

For the people a service supports and their families: short sentences, one
idea a line, no statistics words, a picture beside each message. It is
always made by the ``public`` audience's rules: no ids, no free text from
the dataset, and no count from 1 to 7 (nor any number built on one). Its
numbers are the quarterly report's (:class:`~auditlib.report.model.Inputs`),
its aims the report's targets, and it says a measure "went up" or "went
down" only where :func:`auditlib.compare.compare` says it rose or fell
against the quarter before. "The change we made" is the service's own short
text file (``--change-file``); without one the page asks for it and never
invents one. See docs/families.md.
"""

from __future__ import annotations

import hashlib
import html
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ..contract import TABLES
from ..dataset import Dataset
from ..errors import ReportError
from ..metrics import METRICS
from ..periods import Period
from ..scope import restrict
from .blocks import Section, Table
from .model import Inputs, Report, _day
from .params import ReportParams, read_params
from .publish import WITHHELD

__all__ = [
    "CHANGE_LIMIT",
    "CHANGE_LINES",
    "SECTION_TITLES",
    "FamiliesPage",
    "FamiliesParams",
    "build_families",
    "open_families",
    "read_change_file",
    "read_families_params",
]

CHANGE_LIMIT = 600
"""The most characters "The change we made" has room for on the printed page."""
CHANGE_LINES = 6
"""The most lines (non-blank) it has room for."""

SECTION_TITLES: dict[str, str] = {
    "told_us": "What you told us",
    "did_well": "What we did well",
    "working_on": "What we are working on",
    "change": "The change we made",
}
"""The page's sections, in order, by key."""

# Each metric in plain words: "{x} out of {n} <words>." (a count: the whole sentence).
_WORDS: dict[str, str] = {
    "participation_reviews": "reviews had family or an advocate taking part",
    "participation_people": "people had family or an advocate in their reviews",
    "monthly_review_coverage": "people had a meeting with us every month",
    "deep_dive_coverage": "people had a full review of their plan",
    "agenda_3d": "times, we sent the plan for the meeting at least 3 days before",
    "accessible_format": "reviews used an easy format, like pictures or easy read",
    "summaries_5wd": "meeting notes went out within 5 working days",
    "summaries_10wd": "meeting notes went out within 10 working days",
    "actions_on_time": "things we agreed to do were done on time",
    "decisions_specific": "big decisions were written down one decision at a time",
    "advocate_when_required": "times a person needed an advocate, they had one",
    "advocacy_referral_48h": "times, we asked for an advocate within 2 days",
    "disputes_resolved_20wd": "disagreements were sorted out within 20 working days",
    "feel_involved_agree": "people who answered said they feel involved",
    "feel_involved_mean": "The average answer was {value} out of 5.",
    "compliments": "You sent us {count} compliments.",
    "concerns": "You told us about {count} concerns.",
    "support_stepdowns": "people needed less support from staff",
    "prompt_reductions": "people needed fewer reminders to do things",
    "training_current": "staff had their yearly training",
    "reflective_supervision": "staff had a talk with a manager about their work every month",
    "ni_case_samples": "Our senior leader checked {count} people's records.",
}
_NONE = {  # a count of 0, in words
    "compliments": "We had no compliments from you this time.",
    "concerns": "We had no concerns from you this time.",
    "ni_case_samples": "Our senior leader checked no records this time.",
}
_TOPICS = {  # what a hidden number in "What you told us" was about
    "feel_involved_agree": "How many of you feel involved",
    "feel_involved_mean": "The average answer",
    "compliments": "How many compliments you sent",
    "concerns": "How many concerns you told us about",
}
_TOLD_US = ("feel_involved_agree", "feel_involved_mean", "compliments", "concerns")

# Simple line drawings, black on white, so they print in black and white.
_ICONS = {
    "speech": '<path d="M8 10h32a4 4 0 0 1 4 4v16a4 4 0 0 1-4 4H22l-10 8v-8H8a4 4 0 0 1-4-4V14'
    'a4 4 0 0 1 4-4z"/><path d="M13 20h22M13 26h14"/>',
    "star": '<path d="M24 5l5.6 12 13 1.4-9.7 8.8 2.7 12.8L24 33.5 12.4 40l2.7-12.8L5.4 18.4'
    'l13-1.4z"/>',
    "steps": '<path d="M4 42h12V32h12V22h12V12h4"/><path d="M30 6h12v12"/><path d="M42 6L26 22"/>',
    "bulb": '<path d="M24 4a13 13 0 0 0-8 23.3c1.6 1.3 2 2.7 2 4.7h12c0-2 .4-3.4 2-4.7A13 13 0 0 0'
    ' 24 4z"/><path d="M18 37h12M19 42h10"/>',
    "pencil": '<path d="M8 40l2-9L32 9l7 7-22 22z"/><path d="M28 13l7 7M8 40l9-2"/>',
    "lock": '<rect x="10" y="21" width="28" height="21" rx="3"/><path d="M16 21v-6a8 8 0 0 1 16 0v6'
    '"/><path d="M24 29v6"/>',
}


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class FamiliesParams:
    """The page's checked parameters: the report's (public, against the quarter before)
    and the service's change text, if it wrote one."""

    report: ReportParams
    change_text: str | None = None
    change_file: str | None = None
    audience: str = field(default="public", init=False)

    @property
    def dataset(self) -> str:
        return self.report.dataset

    @property
    def folder_name(self) -> str:
        """``<quarter>_<scope>_families``."""
        return self.report.folder_name.rsplit("_", 1)[0] + "_families"

    @property
    def label(self) -> str:
        return f"{self.report.quarter.label} (families' page)"

    def notebook_values(self) -> dict[str, Any]:
        """The plain values papermill passes to notebooks/families.ipynb."""
        values = self.report.notebook_values()
        keep = ("dataset", "quarter", "services", "as_of", "calendar_quarters")
        plain = {k: values[k] for k in keep}
        plain["change_file"] = str(Path(self.change_file).resolve()) if self.change_file else ""
        return plain

    def as_plain(self) -> dict[str, Any]:
        """The parameters as JSON-ready values, for the manifest."""
        plain = self.report.as_plain()
        for key in ("sample_record_file", "audience"):
            plain.pop(key, None)
        plain["audience"] = self.audience
        plain["change_file"] = self.change_file
        plain["change_sha256"] = (
            hashlib.sha256(self.change_text.encode()).hexdigest() if self.change_text else None
        )
        return plain


def read_families_params(
    data: Dataset,
    *,
    quarter: Any = "latest",
    services: Any = "",
    as_of: Any = "",
    calendar_quarters: Any = False,
    change_file: Any = "",
    today: date | None = None,
) -> FamiliesParams:
    """Check the page's parameters against ``data`` (as the report's, and the change file);
    a quarter without a single dated event for the chosen services (a meeting, a survey
    answer, a decision, ...; people's and staff's start dates do not count) is refused."""
    report = read_params(
        data, quarter=quarter, services=services, as_of=as_of, audience="public",
        calendar_quarters=calendar_quarters, today=today,
    )  # fmt: skip
    _require_records(data, report)
    text, path = read_change_file(change_file)
    return FamiliesParams(report, text, path)


_REGISTERS = ("people", "staff")  # their start dates are not events of the quarter


def _require_records(data: Dataset, params: ReportParams) -> None:
    scoped = restrict(data, None if params.services is None else list(params.services))
    start, end = pd.Timestamp(params.quarter.start), pd.Timestamp(params.quarter.end)
    for name, table in scoped.tables.items():
        column = TABLES[name].dated_by
        if column and column in table and name not in _REGISTERS:
            dates = table[column]
            if ((dates >= start) & (dates < end + pd.Timedelta(days=1))).any():
                return
    who = "the chosen services" if params.services else "any service"
    raise ReportError(
        f"quarter {params.quarter}: the dataset has no record dated in it for {who}, so "
        "there is nothing to tell families"
    )


def read_change_file(value: Any) -> tuple[str | None, str | None]:
    """The service's "change we made" text and its path; (None, None) when none is given.

    UTF-8, not empty, at most :data:`CHANGE_LIMIT` characters on at most
    :data:`CHANGE_LINES` lines; blank lines are dropped. Anything else is a
    ReportError naming the file and what to do.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if not isinstance(value, str | Path):
        raise ReportError(f"parameter change_file must be a path (text), got {value!r}")
    path = Path(str(value).strip())
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ReportError(f"change file {path}: cannot be read ({error.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReportError(
            f"change file {path}: not UTF-8 text (byte {error.start + 1} is not UTF-8); "
            "save it as UTF-8 and run again"
        ) from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    joined = "\n".join(lines)
    if not lines:
        raise ReportError(
            f"change file {path}: it is empty; write the one change the service made, "
            "in a few short sentences"
        )
    if len(joined) > CHANGE_LIMIT or len(lines) > CHANGE_LINES:
        raise ReportError(
            f"change file {path}: {len(joined)} characters on {len(lines)} lines is too long "
            f"for the page (at most {CHANGE_LIMIT} characters on {CHANGE_LINES} lines); "
            "keep it to a few short sentences"
        )
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in joined.replace("\n", "")):
        raise ReportError(f"change file {path}: it holds control characters; save it as plain text")
    return joined, str(path)


# --------------------------------------------------------------------------- the page


@dataclass(frozen=True)
class Message:
    """One message of the page: a picture (with its alt text) and a few short lines."""

    icon: str
    alt: str
    lines: tuple[str, ...]
    measure: str = ""

    def html(self) -> str:
        where = f' data-measure="{self.measure}"' if self.measure else ""
        words = "".join(f"<p>{html.escape(line)}</p>" for line in self.lines)
        return f'<div class="message"{where}>{_icon(self.icon, self.alt)}<div>{words}</div></div>'


def _icon(name: str, alt: str) -> str:
    alt = html.escape(alt, quote=True)
    return (
        f'<svg class="icon" viewBox="0 0 48 48" width="56" height="56" role="img" '
        f'aria-label="{alt}" fill="none" stroke="#000000" stroke-width="3" '
        f'stroke-linejoin="round" stroke-linecap="round"><title>{alt}</title>'
        f"{_ICONS[name]}</svg>"
    )


class FamiliesPage(Report):
    """The built page: its sections (see :data:`SECTION_TITLES`), the numbers behind its
    words (one table, for the CSV and workbook) and provenance."""

    def header(self) -> _Header:
        return _Header(self.title, self.subtitle)


@dataclass(frozen=True)
class _Header:
    title: str
    subtitle: str

    def _repr_html_(self) -> str:
        return (
            f'<header><h1>{html.escape(self.title)}</h1><p class="subtitle">'
            f"{html.escape(self.subtitle)}</p><p>We do not show small numbers. "
            "This keeps people private.</p></header>"
        )


def open_families(dataset: Any, *, today: date | None = None, **parameters: Any) -> FamiliesPage:
    """Load ``dataset``, check the parameters (as papermill passes them) and build the page."""
    from .notebook import notebook_dataset

    data = notebook_dataset(dataset, today=today, parameters=parameters)
    return build_families(data, read_families_params(data, today=today, **parameters))


def build_families(data: Dataset, params: FamiliesParams) -> FamiliesPage:
    """Every section of the families' page for ``params``' quarter and services."""
    from .sections import provenance

    inputs = Inputs(data, params.report)
    words = _Words(inputs)
    sections = {
        "told_us": words.told_us(),
        "did_well": words.did_well(),
        "working_on": words.working_on(),
        "change": _change(params),
    }
    behind = pd.DataFrame(
        [
            {"section": key, "measure": m.measure, "text": " ".join(m.lines)}
            for key, section in sections.items()
            for m in section.blocks
            if isinstance(m, Message)
        ]
    )
    sections["change"].blocks.append(Table("families_page", "", behind, behind, printed=False))
    quarter = params.report.quarter
    record = provenance(inputs)
    digest = params.as_plain()["change_sha256"]
    record["change_file"] = {"file": params.change_file, "sha256": digest}
    place = inputs.place
    title = f"What we learned: {'our ' if place.endswith(' services') else ''}{place}"
    subtitle = f"{_months(quarter)}. From our records up to {_day(params.report.as_of)}."
    return FamiliesPage(params.report, title, subtitle, sections, record)


class _Words:
    """The page's messages from the report's numbers, public, for all chosen services."""

    def __init__(self, inputs: Inputs):
        metrics = inputs.shown_metrics  # public: the params' audience is always "public"
        metrics = metrics.assign(private=metrics["value_text"] == WITHHELD)
        self.rows = metrics[metrics["scope"] == "ALL"].set_index("metric_id")
        changes = inputs.shown_changes
        changes = changes[(changes["scope"] == "ALL") & (changes["source"] == "metric")]
        self.change = changes.set_index("measure")["change"].astype(str)
        self.before = _months(inputs.params.baseline)
        targets = inputs.targets.reindex(self.rows.index)
        value = pd.to_numeric(self.rows["value"], errors="coerce").astype(float)
        shown = (self.rows["status"] == "ok") & ~self.rows["private"]
        self.shown = shown
        self.met = shown & targets.notna() & (value >= targets).to_numpy(dtype=bool)
        self.missed = shown & targets.notna() & (value < targets).to_numpy(dtype=bool)
        self.targets = targets

    def sentence(self, metric_id: str) -> str:
        """The value of a metric that has one, in plain words; for a hidden one in "What you
        told us", what it was about (elsewhere hidden numbers are only counted, never said)."""
        row = self.rows.loc[metric_id]
        words = _WORDS[metric_id]
        if row["private"]:
            return f"{_TOPICS[metric_id]}: this number is small, so we keep it private."
        kind = METRICS[metric_id].kind
        if kind == "count":
            count = int(row["numerator"])
            return words.format(count=count) if count else _NONE[metric_id]
        if kind == "mean":
            return words.format(value=f"{float(row['value']):.1f}")
        return f"{int(row['numerator'])} out of {int(row['denominator'])} {words}."

    def moved(self, metric_id: str) -> str | None:
        """ "This went up/down since ..." where compare says rose/fell; else None."""
        change = self.change.get(metric_id, "")
        if change.startswith("rose"):
            return f"This went up since {self.before}."
        if change.startswith("fell"):
            return f"This went down since {self.before}."
        return None

    def _better(self, metric_id: str) -> bool:
        return bool(self.shown[metric_id]) and self.change.get(metric_id, "").endswith("(better)")

    def _worse(self, metric_id: str) -> bool:
        return bool(self.shown[metric_id]) and self.change.get(metric_id, "").endswith("(worse)")

    def _aim(self, metric_id: str) -> str:
        target = float(self.targets[metric_id])
        if METRICS[metric_id].kind == "proportion":
            return f"Our aim is at least {round(target * 100)} out of 100."
        return f"Our aim is at least {target:g}."

    def _message(self, metric_id: str, icon: str, alt: str, aim: bool) -> Message:
        lines = [self.sentence(metric_id)]
        if aim:
            lines.append(self._aim(metric_id))
        moved = self.moved(metric_id)
        if moved:
            lines.append(moved)
        return Message(icon, alt, tuple(lines), metric_id)

    def told_us(self) -> Section:
        agree = self.rows.loc["feel_involved_agree"]
        question = "We asked you: do you feel involved in planning your support?"
        intro = Message("speech", "A speech bubble: what you told us", (question,))
        if agree["status"] != "ok":
            none = Message("speech", "A speech bubble: no answers",
                           ("We have no answers to show you this time.",))  # fmt: skip
            return Section("told_us", SECTION_TITLES["told_us"], [intro, none])
        blocks = [intro]
        for metric_id in _TOLD_US:
            if self.rows.loc[metric_id, "status"] == "ok":
                blocks.append(self._message(metric_id, "speech", "A speech bubble", aim=False))
        return Section("told_us", SECTION_TITLES["told_us"], blocks)

    def _others(self) -> pd.Index:
        return self.rows.index.difference(pd.Index(_TOLD_US), sort=False)

    def did_well(self) -> Section:
        ids = [m for m in self._others() if self.met[m] or (self._better(m) and not self.missed[m])]
        alt = "A star: we did well"
        blocks = [self._message(m, "star", alt, aim=bool(self.met[m])) for m in ids]
        if not blocks:
            blocks = [
                Message("star", "A star", ("We have no clear success to show you this time.",))
            ]
        return Section("did_well", SECTION_TITLES["did_well"], blocks)

    def working_on(self) -> Section:
        ids = [m for m in self._others() if self.missed[m] or (self._worse(m) and not self.met[m])]
        blocks: list = [
            self._message(m, "steps", "Steps going up: we are working on this",
                          aim=bool(self.missed[m]))
            for m in ids
        ]  # fmt: skip
        if not blocks:
            blocks = [Message("steps", "Steps going up",
                              ("We met every aim we can show you this time.",))]  # fmt: skip
        private = self.targets.notna() & ~self.shown
        if private.any():
            blocks.append(Message("lock", "A padlock: kept private", (
                "Some numbers are not here.", "They are too small to share, or we had "
                "nothing to count.")))  # fmt: skip
        return Section("working_on", SECTION_TITLES["working_on"], blocks)


def _change(params: FamiliesParams) -> Section:
    if params.change_text:
        lines = tuple(params.change_text.split("\n"))
        block = Message("bulb", "A light bulb: the change we made", lines)
    else:
        block = Message("pencil", "A pencil: this part is still to be written", (
            "We have not written this part yet.",
            "Staff: write the one change you made in a short text file.",
            "Then make this page again with --change-file.",
        ))  # fmt: skip
    return Section("change", SECTION_TITLES["change"], [block])


def _months(period: Period) -> str:
    """A quarter as "July to September 2026"."""
    start, end = period.start, period.end
    first = f"{start:%B}" if start.year == end.year else f"{start:%B %Y}"
    return f"{first} to {end:%B %Y}"
