"""Seeded synthetic datasets that tell a realistic involvement story.

Real case files cannot leave a provider, yet the workbench needs data to demonstrate,
test and benchmark against. This module makes datasets that meet the data contract
(every table and column, canonical enum spellings, pseudonymous codes only, no real
names) and that show the patterns the reports are built to find:

- most services improve: summaries within 5 working days climb from about 58% to about
  96% of reviews, participation from about 55% to about 85%, other practices with them;
- one service in thirty *slips*: it keeps its gains, then loses them over the last four
  quarters, ending below where it started (a concern signal);
- one in thirty refers to advocates late (most referrals take more than 48 hours);
- one in thirty *over-claims*: it scores itself 2 on most grid dimensions while its data
  barely improves.

The roles fall on S-002 (slips), S-003 (late advocacy) and S-004 (over-claims), then
on every thirtieth service after them. The first five services cover all four UK
nations, and S-001 and S-002 share a site.

Generation works on whole arrays (person x month grids, one row per event), never a
Python loop per person or per row, so the national scale (about a million meetings)
takes seconds. Every draw comes from ``numpy.random.Generator`` streams spawned from
one seed: the same arguments give identical tables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .contract import DIMENSIONS, MEETING_TYPES, TABLES
from .errors import OutputError, PeriodError
from .files import atomic_write, refuse_non_empty
from .periods import Period
from .workdays import NATIONS, bank_holidays

__all__ = ["SCALES", "make_dataset", "make_scale", "write_dataset", "write_workbook"]

SCALES: dict[str, dict] = {
    "demo": {"n_services": 5, "n_people": 72, "n_quarters": 8},
    "national": {"n_services": 300, "n_people": 15_000, "n_quarters": 20},
}


def _values(table: str, column: str) -> tuple[str, ...]:
    """An enumeration's canonical values, in the contract's order (the weights below follow it)."""
    return TABLES[table].column(column).values


_NATION_NAMES = tuple(NATIONS)  # england, wales, scotland, northern_ireland
_NATION_WEIGHTS = (0.80, 0.06, 0.09, 0.05)  # rough UK shares, for services after the first five
_LEAD_NATIONS = (0, 0, 1, 2, 3)  # the demo's five services exercise every bank-holiday calendar
_SERVICE_TYPES = ("learning_disability", "supported_living", "home_care", "complex_care")

_GOAL, _MINI, _COMPLEX, _DEEP, _DEBRIEF = (MEETING_TYPES.index(t) for t in (
    "goal_setting", "mini_review", "complex_review", "deep_dive", "post_incident_debrief",
))  # fmt: skip
_CHAIR_ROLES = (*_values("meetings", "chair_role"), None)
# Chair per meeting type, in MEETING_TYPES order (key_worker, rm, ni, other, blank):
# the Registered Manager chairs complex reviews.
_CHAIR_WEIGHTS = (
    (0.80, 0.10, 0.00, 0.02, 0.08),
    (0.75, 0.05, 0.00, 0.05, 0.15),
    (0.05, 0.85, 0.05, 0.05, 0.00),
    (0.60, 0.35, 0.00, 0.03, 0.02),
    (0.45, 0.45, 0.05, 0.05, 0.00),
)
_DURATION = ((30, 45), (15, 30), (45, 75), (45, 90), (15, 30))  # minutes, from the guide
_ACCESSIBLE_FORMATS = (
    "easy_read", "easy_read;audio", "easy_read;visual", "visual", "audio", "bsl", "translation",
    "other",
)  # fmt: skip

_IMPROVES, _SLIPS, _LATE_ADVOCACY, _OVER_CLAIMS = range(4)

# Each practice moves from its first-quarter rate to its last-quarter rate as a service's
# progress goes from 0 to 1; a slipping service's negative progress takes it below its start.
_TREND = {
    "summary_5wd": (0.58, 0.97),
    "never_sent": (0.25, 0.08),  # share of the summaries not sent within 5 working days
    "participation": (0.57, 0.92),
    "agenda_3d": (0.45, 0.88),
    "accessible": (0.35, 0.92),
    "monthly_review": (0.82, 0.96),
    "deep_dive": (0.55, 0.92),
    "action_on_time": (0.60, 0.92),
    "decision_specific": (0.60, 0.95),
    "advocate_when_required": (0.50, 0.92),
    "referral_48h": (0.72, 0.95),
    "referral_48h_late": (0.25, 0.40),
    "dispute_20wd": (0.60, 0.92),
    "feel_involved": (3.0, 4.3),  # mean score, not a rate
    "supervision": (0.70, 0.95),
    "reflective": (0.30, 0.85),
    "training": (0.55, 0.95),
    "governance": (0.55, 0.97),
    "qa_met": (0.40, 0.92),
    "tracked": (0.60, 0.95),
}

_SERVICE_WORDS = (
    "Oak", "Elm", "Birch", "Ash", "Beech", "Willow", "Hazel", "Rowan", "Maple", "Cedar",
    "Holly", "Linden", "Alder", "Poplar", "Juniper", "Larch", "Laurel", "Aspen", "Hawthorn",
    "Heather", "Bramble", "Fern", "Ivy", "Lavender", "Primrose", "Bluebell", "Clover",
    "Meadow", "Orchard", "Brook", "Heron", "Kestrel", "Wren", "Linnet", "Thistle", "Sorrel",
    "Foxglove", "Yarrow", "Sycamore", "Chestnut",
)  # fmt: skip
_SERVICE_SUFFIXES = (
    "House", "Court", "Lodge", "View", "Place", "Gardens", "Mews", "Grove", "Close", "Rise",
    "Cottage", "Row",
)  # fmt: skip
_OWNER_ROLES = ("key_worker", "rm", "person", "family", "advocate", "team_leader")
_OWNER_WEIGHTS = (0.45, 0.12, 0.15, 0.13, 0.05, 0.10)
_DECISION_TOPICS = (
    "dental treatment", "flu vaccination", "blood test", "new medication", "hospital appointment",
    "moving bedroom", "managing money", "holiday abroad", "sharing information with family",
    "door sensor at night", "bed rails", "community access plan", "diet change",
    "phone and internet use", "covert medication", "tenancy renewal",
)  # fmt: skip
_TRIGGERS = _values("advocacy_referrals", "trigger")
_TRIGGER_WEIGHTS = (0.25, 0.20, 0.20, 0.20, 0.10, 0.05)
_ESCALATION_LEVELS = _values("disagreements", "escalation_level")
_RESPONDENTS = _values("experience", "respondent")
_THEMES = (*_values("experience", "theme"), None)
# Theme by score 1..5 (compliment, concern, none, blank): compliments come with high scores.
_THEME_WEIGHTS = (
    (0.00, 0.50, 0.40, 0.10),
    (0.02, 0.30, 0.58, 0.10),
    (0.06, 0.10, 0.74, 0.10),
    (0.20, 0.03, 0.67, 0.10),
    (0.35, 0.01, 0.54, 0.10),
)
_MEASURES = _values("outcomes", "measure")
_CONTRIBUTORS = ("person", "family", "staff", "advocate", None)
_GOVERNANCE_KINDS = _values("governance_events", "kind")
_NI_SAMPLE, _DASHBOARD, _RM_WEEKLY, _RE_AUDIT = range(4)
_GOVERNANCE_NOTES = (
    ("NI sampled a file; actions logged", "NI sampled a file with the RM", None),
    ("monthly dashboard reviewed at governance", None),
    ("weekly review of open actions", None, None),
    ("ten-file re-audit completed", "re-audit; actions agreed", None),
)
# The self-score grid's wording for scores 0, 1 and 2 (quality.md), used as rationales.
_GRID_WORDING = dict(zip(DIMENSIONS, (
    ("Generic", "Documented", "Decision-specific + reviewed"),
    ("Unclear", "Ad-hoc", "Listed in plan + met"),
    ("Infrequent", "Monthly", "Monthly mini + quarterly deep-dive"),
    ("Verbal only", "Some formats", "Easy-read/BSL/translation + verified"),
    ("Slow", "Within 10 days", "<=5 days + tracked"),
    ("Hidden", "Noted", "Logged + respectful escalation"),
    ("Stories", "Some metrics", "Dated + sourced + place"),
    ("Minutes only", "Report", "Dashboard + NI sampling"),
    ("Assumed", "Policy", "Consent logs + secure sharing + audit"),
    ("Induction", "Annual", "Annual + reflective supervision"),
), strict=True))  # fmt: skip
_CRITERIA = tuple(f"Q{k:02d}" for k in range(1, 13))
_RESULTS = _values("file_audits", "result")
# A short synthetic auditor note per criterion, for some partial and not_met rows.
_QA_NOTES = (
    "circle of support not updated",
    "involvement plan older than 12 months",
    "capacity assessment not decision-specific",
    "advocacy trigger fired without a referral",
    "no family or advocate input at last review",
    "agenda not in easy-read",
    "summary sent late; owners missing",
    "two actions overdue",
    "escalation not dated",
    "outcomes tracker does not say who contributed",
    "sharing consent not recorded by topic",
    "next review not booked",
)
_MISSING = np.iinfo(np.int64).min  # the int64 behind NaT: an absent date in day-number arrays
_FIRST_ALLOWED = date(2000, 1, 1)
_EXCEL_MAX_ROWS = 1_048_576  # header included


def make_scale(
    scale: str, *, seed: int = 0, end: date = date(2026, 11, 20)
) -> dict[str, pd.DataFrame]:
    """A dataset at one of the named ``SCALES`` ("demo" or "national")."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: expected one of {', '.join(SCALES)}")
    return make_dataset(**SCALES[scale], seed=seed, end=end)


def make_dataset(
    *,
    n_services: int,
    n_people: int,
    n_quarters: int,
    seed: int = 0,
    end: date = date(2026, 11, 20),
) -> dict[str, pd.DataFrame]:
    """Every data-contract table for ``n_quarters`` financial quarters ending with ``end``'s.

    No event is dated after ``end``, so the last quarter is partial; planned dates
    (due, review) may be later. The same arguments always give identical tables.
    """
    if n_services < 1 or n_people < n_services or n_quarters < 1:
        raise ValueError("need n_services >= 1, n_people >= n_services and n_quarters >= 1")
    if seed < 0:
        raise ValueError(f"seed {seed}: a seed is a whole number, 0 or more")
    # One independent stream per table: changing how one table is drawn leaves the others alone.
    streams = iter(np.random.default_rng(seed).spawn(16))
    world = _world(next(streams), _window(end, n_quarters), n_services, n_people)
    meetings, held = _meetings(next(streams), world)
    tables = {
        "services": world.services,
        "people": world.people,
        "meetings": meetings,
        "actions": _actions(next(streams), world, held),
        "decisions": _decisions(next(streams), world),
        "advocacy_referrals": _advocacy_referrals(next(streams), world),
        "disagreements": _disagreements(next(streams), world),
        "experience": _experience(next(streams), world),
        "outcomes": _outcomes(next(streams), world),
    }
    tables["staff"], tables["supervisions"] = _staff(next(streams), world)
    tables["governance_events"] = _governance_events(next(streams), world)
    tables["self_assessments"] = _self_assessments(next(streams), world)
    tables["file_audits"] = _file_audits(next(streams), world, tables)
    return tables


# --------------------------------------------------------------------------- the window


@dataclass(frozen=True)
class _Window:
    """The data window as int64 day numbers (days since 1970-01-01)."""

    first: int  # first day of the first quarter
    last: int  # the end date: no event after it
    month_start: np.ndarray
    month_end: np.ndarray  # capped at ``last``
    quarter_start: np.ndarray
    quarter_end: np.ndarray  # capped at ``last``
    quarter_labels: tuple[str, ...]

    @property
    def n_months(self) -> int:
        return len(self.month_start)

    @property
    def n_quarters(self) -> int:
        return len(self.quarter_start)


def _window(end: date, n_quarters: int) -> _Window:
    # pandas' Q-MAR periods are UK financial quarters (the year ends in March).
    quarters = pd.period_range(end=pd.Period(end, freq="Q-MAR"), periods=n_quarters)
    starts = quarters.start_time.date
    ends = quarters.end_time.normalize().date
    if starts[0] < _FIRST_ALLOWED:
        raise PeriodError(
            f"{n_quarters} quarters of data ending {end} would start on {starts[0]}, before "
            "2000, which the data contract does not allow: choose a later end date"
        )
    last = _day(end)
    months = pd.date_range(starts[0], end, freq="MS")
    return _Window(
        first=_day(starts[0]),
        last=last,
        month_start=_days(months),
        month_end=np.minimum(_days(months + pd.offsets.MonthEnd(0)), last),
        quarter_start=np.array([_day(d) for d in starts]),
        quarter_end=np.minimum(np.array([_day(d) for d in ends]), last),
        quarter_labels=tuple(
            Period(s, e, "quarter").label for s, e in zip(starts, ends, strict=True)
        ),
    )


def _day(value: date) -> int:
    return int(np.datetime64(value, "D").astype(np.int64))


def _days(values: pd.DatetimeIndex) -> np.ndarray:
    return values.to_numpy().astype("datetime64[D]").astype(np.int64)


# --------------------------------------------------------------------------- the world


@dataclass(frozen=True)
class _Spans:
    """Who was active when: one row per (owner, period) with its active days [lo, hi]."""

    owner: np.ndarray
    period: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    def __len__(self) -> int:
        return len(self.owner)

    @property
    def days(self) -> np.ndarray:
        return self.hi - self.lo + 1


def _spans(start: np.ndarray, stop: np.ndarray, p_start: np.ndarray, p_end: np.ndarray) -> _Spans:
    """Intersect each owner's [start, stop] with every period: an owner x period grid."""
    lo = np.maximum(start[:, None], p_start[None, :])
    hi = np.minimum(stop[:, None], p_end[None, :])
    owner, period = np.nonzero(lo <= hi)
    return _Spans(owner, period, lo[owner, period], hi[owner, period])


def _whole_window(n_owners: int, window: _Window, p_start: np.ndarray, p_end: np.ndarray) -> _Spans:
    """Spans for owners present throughout the window (services, sites)."""
    return _spans(np.full(n_owners, window.first), np.full(n_owners, window.last), p_start, p_end)


@dataclass(frozen=True)
class _World:
    """What every table is drawn from: the window, the services and their story, the people."""

    window: _Window
    calendars: list[np.busdaycalendar]  # per nation, in _NATION_NAMES order
    services: pd.DataFrame
    nation: np.ndarray  # per service, index into _NATION_NAMES
    role: np.ndarray  # per service: _IMPROVES, _SLIPS, _LATE_ADVOCACY or _OVER_CLAIMS
    site: np.ndarray  # per service, the index of the first service on its site
    progress: np.ndarray  # per service and month: 0 = where it started, 1 = fully improved
    people: pd.DataFrame
    person_service: np.ndarray
    person_start: np.ndarray
    person_stop: np.ndarray  # last supported day in the window (end date or window end)
    person_wants: np.ndarray  # 1 true, 0 false, -1 not recorded
    person_format: np.ndarray  # index into _ACCESSIBLE_FORMATS, -1 = none preferred
    months: _Spans  # person x month
    quarters: _Spans  # person x quarter

    @property
    def n_services(self) -> int:
        return len(self.nation)

    @property
    def n_people(self) -> int:
        return len(self.person_start)

    def rate(self, name: str, service: np.ndarray, month: np.ndarray) -> np.ndarray:
        """A practice's rate for each (service, month), from the service's progress."""
        low, high = _TREND[name]
        value = low + (high - low) * self.progress[service, month]
        return value if name == "feel_involved" else np.clip(value, 0.02, 0.99)

    def quarter_month(self, quarter: np.ndarray) -> np.ndarray:
        """The middle month of each quarter (the last month, for a short last quarter)."""
        return np.minimum(3 * quarter + 1, self.window.n_months - 1)


def _world(rng: np.random.Generator, window: _Window, n_services: int, n_people: int) -> _World:
    services, nation, role, site = _services(rng, n_services)
    people, person = _people(rng, window, n_services, n_people)
    stop = np.where(person["end"] == _MISSING, window.last, person["end"])
    return _World(
        window=window,
        calendars=[
            np.busdaycalendar(weekmask="1111100", holidays=bank_holidays(nation))
            for nation in _NATION_NAMES
        ],
        services=services,
        nation=nation,
        role=role,
        site=site,
        progress=_progress(rng, role, window.n_months),
        people=people,
        person_service=person["service"],
        person_start=person["start"],
        person_stop=stop,
        person_wants=person["wants"],
        person_format=person["format"],
        months=_spans(person["start"], stop, window.month_start, window.month_end),
        quarters=_spans(person["start"], stop, window.quarter_start, window.quarter_end),
    )


def _services(
    rng: np.random.Generator, n: int
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """The services table with each service's nation, story role and site (as arrays)."""
    index = np.arange(n)
    nation = rng.choice(len(_NATION_NAMES), size=n, p=_NATION_WEIGHTS)
    lead = min(n, len(_LEAD_NATIONS))
    nation[:lead] = _LEAD_NATIONS[:lead]
    role = np.where(np.isin(index % 30, (1, 2, 3)), index % 30, _IMPROVES)
    # Neighbouring services in one nation share a site half the time (the first pair always),
    # so per-site NI sampling has sites with two services.
    pairs = (index % 2 == 1) & (nation == nation[index - 1])
    shares = pairs & ((rng.random(n) < 0.5) | (index == 1))
    site = np.where(shares, index - 1, index)
    table = pd.DataFrame(
        {
            "service_id": _codes("S-", index + 1, 3),
            "service_name": _place_names(rng, n),
            "nation": _text(_NATION_NAMES, nation),
            "service_type": _text(_SERVICE_TYPES, rng.choice(len(_SERVICE_TYPES), size=n)),
            "site": _codes("SITE-", site + 1, 3),
        }
    )
    return table, nation, role, site


def _place_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unique made-up names like "Oak House"; numbered ("Oak House 2") once the words run out."""
    n_names = len(_SERVICE_WORDS) * len(_SERVICE_SUFFIXES)
    pick = rng.choice(n_names * -(-n // n_names), size=n, replace=False)
    word = np.array(_SERVICE_WORDS)[pick % len(_SERVICE_WORDS)]
    suffix = np.array(_SERVICE_SUFFIXES)[pick // len(_SERVICE_WORDS) % len(_SERVICE_SUFFIXES)]
    names = np.strings.add(np.strings.add(word, " "), suffix)
    repeat = pick // n_names
    numbered = np.strings.add(np.strings.add(names, " "), (repeat + 1).astype(str))
    return np.where(repeat > 0, numbered, names)


def _progress(rng: np.random.Generator, role: np.ndarray, n_months: int) -> np.ndarray:
    """Each service's story as progress per month: 0 where it started, 1 fully improved."""
    months = np.arange(n_months)
    t = months / max(1, n_months - 1)
    # Improvers differ in how fast they get there and how far they go.
    pace = rng.uniform(0.6, 1.0, len(role))[:, None]
    reach = rng.uniform(0.92, 1.0, len(role))[:, None]
    progress = reach * _smoothstep(t[None, :] / pace)
    # A slipping service keeps its gains, then loses them over the last four quarters,
    # ending well below where it started.
    slip_from = max(n_months // 3, n_months - 12)
    decline = np.clip((months - slip_from) / max(1, n_months - 1 - slip_from), 0, 1)
    peak = progress[:, [slip_from]]
    slipped = np.where(months >= slip_from, peak - decline * (peak + 0.7), progress)
    progress = np.where((role == _SLIPS)[:, None], slipped, progress)
    # An over-claiming service barely moves: its data never supports the 2s it gives itself.
    weak = 0.3 * _smoothstep(t) - 0.05
    return np.where((role == _OVER_CLAIMS)[:, None], weak[None, :], progress)


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _people(
    rng: np.random.Generator, window: _Window, n_services: int, n: int
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The people table, and its columns as arrays for drawing everything else."""
    # Services differ in size; each gets at least one person.
    weight = rng.gamma(4.0, size=n_services)
    service = np.concatenate(
        [np.arange(n_services), rng.choice(n_services, n - n_services, p=weight / weight.sum())]
    )
    # Most people were already supported when the window opens; some start during it.
    earliest = max(_day(_FIRST_ALLOWED), window.first - 8 * 365)
    start = np.where(
        rng.random(n) < 0.88,
        _uniform_day(rng, np.full(n, earliest), np.full(n, window.first - 1)),
        _uniform_day(rng, np.full(n, window.first), np.full(n, window.last)),
    )
    # Some leave during the window, at least four weeks after they start.
    leave_from = np.maximum(start, window.first) + 28
    leaves = (rng.random(n) < 0.12) & (leave_from <= window.last)
    end = np.where(leaves, _uniform_day(rng, leave_from, np.full(n, window.last)), _MISSING)
    wants = rng.choice([1, 0, -1], size=n, p=[0.80, 0.12, 0.08])
    preferred = rng.random(n) < 0.4  # about 40% have a preferred accessible format
    fmt = np.where(preferred, rng.choice(len(_ACCESSIBLE_FORMATS), size=n), -1)
    # Case files are numbered in the order people started.
    order = np.lexsort((service, start))
    person = {"service": service, "start": start, "end": end, "wants": wants, "format": fmt}
    person = {key: values[order] for key, values in person.items()}
    table = pd.DataFrame(
        {
            "person_id": _person_codes(np.arange(n)),
            "service_id": _codes("S-", person["service"] + 1, 3),
            "start_date": _dates(person["start"]),
            "end_date": _dates(person["end"]),
            "wants_family_involved": _bools(person["wants"] == 1, person["wants"] == -1),
        }
    )
    return table, person


def _person_codes(person: np.ndarray) -> pd.Series:
    return _codes("P-", person + 1, 5)


def _person_events(world: _World, span: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(person, service, month) for events drawn in person-month spans."""
    person = world.months.owner[span]
    return person, world.person_service[person], world.months.period[span]


# --------------------------------------------------------------------------- meetings


@dataclass(frozen=True)
class _Held:
    """What the actions table needs to know about each meeting, in meeting_id order."""

    day: np.ndarray
    kind: np.ndarray
    service: np.ndarray
    month: np.ndarray


def _meeting_plan(rng: np.random.Generator, world: _World) -> tuple[np.ndarray, np.ndarray]:
    """Which person-months get which meetings: (index into world.months, meeting type)."""
    spans = world.months
    n = len(spans)
    service = world.person_service[spans.owner]
    # A part-month of two weeks or more is as likely to get its review as a whole one.
    cover = np.minimum(1.0, spans.days / 14)
    # Each person's deep-dive falls in the same month of every quarter, replacing that
    # month's mini-review.
    phase = rng.integers(0, 3, world.n_people)
    deep_month = spans.period % 3 == phase[spans.owner]
    deep = deep_month & (rng.random(n) < cover * world.rate("deep_dive", service, spans.period))
    mini = ~deep & (rng.random(n) < cover * world.rate("monthly_review", service, spans.period))
    newcomer = spans.lo == world.person_start[spans.owner]
    plan = [
        (_DEEP, deep),
        (_MINI, mini),
        (_MINI, rng.random(n) < 0.08 * cover),  # an extra ad-hoc mini-review
        (_GOAL, (newcomer & (rng.random(n) < 0.7)) | (rng.random(n) < 0.03 * cover)),
        (_COMPLEX, rng.random(n) < 0.04 * cover),
        (_DEBRIEF, rng.random(n) < 0.04 * cover),
    ]
    cells = [np.flatnonzero(mask) for _, mask in plan]
    kinds = [np.full(len(c), kind) for (kind, _), c in zip(plan, cells, strict=True)]
    return np.concatenate(cells), np.concatenate(kinds)


def _meetings(rng: np.random.Generator, world: _World) -> tuple[pd.DataFrame, _Held]:
    spans = world.months
    cell, kind = _meeting_plan(rng, world)
    person, service, month = _person_events(world, cell)
    nation = world.nation[service]
    day = _working_day_in(rng, world, spans.lo[cell], spans.hi[cell], nation)
    order = np.lexsort((kind, person, day))
    person, service, month, nation, day, kind = (
        a[order] for a in (person, service, month, nation, day, kind)
    )
    present = _attendance(rng, world, person, service, month, kind)
    table = pd.DataFrame(
        {
            "meeting_id": _codes("M-", np.arange(1, len(day) + 1), 7),
            "person_id": _person_codes(person),
            "meeting_type": _text(MEETING_TYPES, kind),
            "meeting_date": _dates(day),
            "duration_min": _durations(rng, kind),
            "family_present": _bools(present["family"]),
            "advocate_present": _bools(present["advocate"]),
            "async_input": _bools(present["async"]),
            "accessible_format": _accessible_formats(rng, world, person, service, month),
            "agenda_sent_date": _dates(_agenda_days(rng, world, day, service, month, kind)),
            "summary_sent_date": _dates(_summary_days(rng, world, day, service, month, nation)),
            "chair_role": _text(_CHAIR_ROLES, _draw_by_row(rng, _CHAIR_WEIGHTS, kind)),
        }
    )
    return table, _Held(day=day, kind=kind, service=service, month=month)


def _attendance(
    rng: np.random.Generator,
    world: _World,
    person: np.ndarray,
    service: np.ndarray,
    month: np.ndarray,
    kind: np.ndarray,
) -> dict[str, np.ndarray]:
    """Family, advocate and async input: at least one of them exactly when there was input."""
    n = len(person)
    wants = world.person_wants[person]
    # Without family wanted, input comes only from an advocate or written views: less often.
    reach = np.where(wants == 0, 0.6, 1.0)
    involved = rng.random(n) < reach * world.rate("participation", service, month)
    family = involved & (wants != 0) & (rng.random(n) < 0.7)
    advocate = involved & (rng.random(n) < np.where(kind == _COMPLEX, 0.6, 0.15))
    async_input = involved & ((rng.random(n) < 0.3) | ~(family | advocate))
    return {"family": family, "advocate": advocate, "async": async_input}


def _durations(rng: np.random.Generator, kind: np.ndarray) -> pd.arrays.IntegerArray:
    low, high = np.array(_DURATION).T // 5
    minutes = 5 * rng.integers(low[kind], high[kind] + 1)
    return pd.arrays.IntegerArray(minutes, rng.random(len(kind)) < 0.03)


def _accessible_formats(
    rng: np.random.Generator,
    world: _World,
    person: np.ndarray,
    service: np.ndarray,
    month: np.ndarray,
) -> pd.Series:
    """The person's preferred format, recorded more often as the service improves."""
    recorded = rng.random(len(person)) < world.rate("accessible", service, month)
    return _text(_ACCESSIBLE_FORMATS, np.where(recorded, world.person_format[person], -1))


def _agenda_days(
    rng: np.random.Generator,
    world: _World,
    day: np.ndarray,
    service: np.ndarray,
    month: np.ndarray,
    kind: np.ndarray,
) -> np.ndarray:
    """Agendas go out 3-5 days ahead when practice is good, else 1-2 days ahead or not at all."""
    n = len(day)
    good = rng.random(n) < world.rate("agenda_3d", service, month)
    lead = np.where(good, rng.integers(3, 6, n), rng.integers(1, 3, n))
    # Debriefs follow incidents, so they rarely have an agenda.
    sent = np.where(kind == _DEBRIEF, rng.random(n) < 0.1, good | (rng.random(n) < 0.5))
    # Never before 2000, which the contract refuses, however early the window starts.
    return np.where(sent, np.maximum(day - lead, _day(_FIRST_ALLOWED)), _MISSING)


def _summary_days(
    rng: np.random.Generator,
    world: _World,
    day: np.ndarray,
    service: np.ndarray,
    month: np.ndarray,
    nation: np.ndarray,
) -> np.ndarray:
    """Summaries from lags drawn in the nation's working days; blank if never or not yet sent."""
    n = len(day)
    on_time = rng.random(n) < world.rate("summary_5wd", service, month)
    never = ~on_time & (rng.random(n) < world.rate("never_sent", service, month))
    lag = np.where(
        on_time,
        rng.choice(6, size=n, p=[0.05, 0.20, 0.25, 0.22, 0.16, 0.12]),
        np.minimum(5 + rng.geometric(0.2, n), 40),
    )
    sent = _add_working_days(world, day, lag, nation)
    return np.where(never | (sent > world.window.last), _MISSING, sent)


# --------------------------------------------------------------------------- person events


def _actions(rng: np.random.Generator, world: _World, held: _Held) -> pd.DataFrame:
    """One to three actions per review (one per debrief), closed on time more often over time."""
    per_meeting = np.where(held.kind == _DEBRIEF, 1, rng.integers(1, 4, len(held.day)))
    meeting = np.repeat(np.arange(len(held.day)), per_meeting)
    n = len(meeting)
    agreed = held.day[meeting]
    due = agreed + rng.integers(7, 43, n)
    on_time_rate = world.rate("action_on_time", held.service[meeting], held.month[meeting])
    u = rng.random(n)
    on_time = u < on_time_rate
    late = ~on_time & (u < on_time_rate + 0.7 * (1 - on_time_rate))  # the rest stay open
    closed = np.where(on_time, _uniform_day(rng, agreed, due), due + rng.geometric(0.06, n))
    closed = np.where((on_time | late) & (closed <= world.window.last), closed, _MISSING)
    return pd.DataFrame(
        {
            "action_id": _codes("AC-", np.arange(1, n + 1), 7),
            "meeting_id": _codes("M-", meeting + 1, 7),
            "owner_role": _text(_OWNER_ROLES, rng.choice(len(_OWNER_ROLES), n, p=_OWNER_WEIGHTS)),
            "due_date": _dates(due),
            "closed_date": _dates(closed),
        }
    )


def _events(
    rng: np.random.Generator, spans: _Spans, per_month: float
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson events at ``per_month`` in each span: (span index, day), sorted by day."""
    counts = rng.poisson(per_month * spans.days / 30.44)
    span = np.repeat(np.arange(len(spans)), counts)
    day = _uniform_day(rng, spans.lo[span], spans.hi[span])
    order = np.lexsort((spans.owner[span], day))
    return span[order], day[order]


def _decisions(rng: np.random.Generator, world: _World) -> pd.DataFrame:
    """Consent, capacity and best-interest decisions, decision-specific more often over time."""
    span, day = _events(rng, world.months, 0.12)
    person, service, month = _person_events(world, span)
    n = len(day)
    assessed = rng.random(n) < 0.35
    lacks = assessed & (rng.random(n) < 0.55)
    good = rng.random(n) < world.rate("decision_specific", service, month)
    required = rng.random(n) < np.where(lacks, 0.3, 0.1)
    involved_rate = np.where(required, world.rate("advocate_when_required", service, month), 0.05)
    reviewed = rng.random(n) < np.where(lacks, 0.9, 0.3)
    return pd.DataFrame(
        {
            "decision_id": _codes("D-", np.arange(1, n + 1), 6),
            "person_id": _person_codes(person),
            "decision_date": _dates(day),
            "topic": _text(_DECISION_TOPICS, rng.choice(len(_DECISION_TOPICS), n)),
            "consent_recorded": _bools(~lacks & good),
            "capacity_assessed": _bools(assessed),
            "lacks_capacity": _bools(lacks, ~assessed),
            "best_interests_recorded": _bools(good, ~lacks),
            "advocate_required": _bools(required),
            "advocate_involved": _bools(rng.random(n) < involved_rate),
            "least_restrictive_recorded": _bools(rng.random(n) < np.where(good, 0.9, 0.4)),
            "review_date": _dates(np.where(reviewed, day + rng.integers(90, 366, n), _MISSING)),
        }
    )


def _advocacy_referrals(rng: np.random.Generator, world: _World) -> pd.DataFrame:
    """Referral timestamps: mostly within 48 hours, except at the late-advocacy services."""
    span, day = _events(rng, world.months, 0.04)
    person, service, month = _person_events(world, span)
    n = len(day)
    triggered = day * 1440 + rng.integers(7 * 60, 20 * 60, n)  # minutes since 1970
    in_time_rate = np.where(
        world.role[service] == _LATE_ADVOCACY,
        world.rate("referral_48h_late", service, month),
        world.rate("referral_48h", service, month),
    )
    hours = np.where(
        rng.random(n) < in_time_rate,
        0.5 + 47 * rng.beta(1.5, 2.5, n),
        48.5 + rng.exponential(50.0, n),
    )
    referred = triggered + np.round(hours * 60).astype(np.int64)
    last_minute = (world.window.last + 1) * 1440 - 1
    referred = np.where((rng.random(n) < 0.97) & (referred <= last_minute), referred, _MISSING)
    involved = referred + rng.integers(1, 15, n) * 1440 + rng.integers(-120, 240, n)
    attended = (referred != _MISSING) & (rng.random(n) < 0.85) & (involved <= last_minute)
    return pd.DataFrame(
        {
            "referral_id": _codes("R-", np.arange(1, n + 1), 5),
            "person_id": _person_codes(person),
            "trigger": _text(_TRIGGERS, rng.choice(len(_TRIGGERS), n, p=_TRIGGER_WEIGHTS)),
            "trigger_at": _timestamps(triggered),
            "referred_at": _timestamps(referred),
            "advocate_involved_at": _timestamps(np.where(attended, involved, _MISSING)),
        }
    )


def _disagreements(rng: np.random.Generator, world: _World) -> pd.DataFrame:
    """The disagreement log: most resolved within 20 working days; slow ones escalate higher."""
    span, day = _events(rng, world.months, 0.02)
    person, service, month = _person_events(world, span)
    n = len(day)
    quick = rng.random(n) < world.rate("dispute_20wd", service, month)
    lag = np.where(quick, rng.integers(1, 21, n), np.minimum(20 + rng.geometric(0.08, n), 90))
    resolved = _add_working_days(world, day, lag, world.nation[service])
    resolved = np.where(
        (rng.random(n) < 0.96) & (resolved <= world.window.last), resolved, _MISSING
    )
    level = _draw_by_row(rng, ((0.75, 0.22, 0.03), (0.35, 0.50, 0.15)), (~quick).astype(np.int64))
    review = np.where(rng.random(n) < 0.85, day + rng.integers(14, 43, n), _MISSING)
    return pd.DataFrame(
        {
            "disagreement_id": _codes("DG-", np.arange(1, n + 1), 5),
            "person_id": _person_codes(person),
            "opened_date": _dates(day),
            "escalation_level": _text(_ESCALATION_LEVELS, level),
            "advocate_involved": _bools(rng.random(n) < 0.3),
            "resolved_date": _dates(resolved),
            "next_review_date": _dates(review),
        }
    )


def _outcomes(rng: np.random.Generator, world: _World) -> pd.DataFrame:
    """The outcomes tracker: values per person and quarter that mostly move the right way."""
    # Enablement follows the service's practice: people progress faster where involvement is good.
    quarter_month = world.quarter_month(np.arange(world.window.n_quarters))
    progress = np.clip(world.progress[world.person_service][:, quarter_month], 0, 1)
    paths = _outcome_paths(rng, progress)
    tracked_share = (0.5, 0.6, 0.6, 0.7)  # support ratios are tracked only where they matter
    spans = world.quarters
    record_rate = world.rate(
        "tracked", world.person_service[spans.owner], world.quarter_month(spans.period)
    )
    owner, day, measure, value = [], [], [], []
    for k, path in enumerate(paths):
        tracked = rng.random(world.n_people) < tracked_share[k]
        pick = np.flatnonzero(tracked[spans.owner] & (rng.random(len(spans)) < record_rate))
        owner.append(spans.owner[pick])
        day.append(_uniform_day(rng, spans.lo[pick], spans.hi[pick]))
        measure.append(np.full(len(pick), k))
        value.append(path[spans.owner[pick], spans.period[pick]])
    owner, day, measure, value = (np.concatenate(a) for a in (owner, day, measure, value))
    order = np.lexsort((measure, owner, day))
    n = len(order)
    contributor = rng.choice(len(_CONTRIBUTORS), n, p=[0.30, 0.25, 0.30, 0.05, 0.10])
    return pd.DataFrame(
        {
            "outcome_id": _codes("O-", np.arange(1, n + 1), 7),
            "person_id": _person_codes(owner[order]),
            "measure": _text(_MEASURES, measure[order]),
            "recorded_date": _dates(day[order]),
            "value": value[order].astype(float),
            "contributor": _text(_CONTRIBUTORS, contributor),
        }
    )


def _outcome_paths(rng: np.random.Generator, progress: np.ndarray) -> list[np.ndarray]:
    """Each person's value per quarter for each measure, in _MEASURES order.

    ``progress`` is the person's service progress per quarter (people x quarters, 0..1).
    """
    shape = progress.shape
    n_people = shape[0]
    # 2:1 -> 1.5:1 -> 1:1 for some people, never back up.
    step_down = rng.random(shape) < 0.03 + 0.12 * progress
    ratio_level = rng.choice(3, n_people, p=[0.35, 0.25, 0.40])[:, None]
    ratio_level = np.minimum(ratio_level + np.cumsum(step_down, axis=1), 2)
    support_ratio = np.array([2.0, 1.5, 1.0])[ratio_level]
    drift = np.exp(np.cumsum(rng.normal(-0.02 - 0.08 * progress, 0.08), axis=1))
    prompts = np.round(rng.uniform(2, 6, n_people)[:, None] * drift, 1)
    tasks = rng.poisson(3, n_people)[:, None] + np.cumsum(rng.random(shape) < 0.3, axis=1)
    confidence = rng.integers(1, 4, n_people)[:, None] + np.cumsum(
        rng.random(shape) < 0.05 + 0.2 * progress, axis=1
    )
    return [support_ratio, prompts, tasks, np.minimum(confidence, 5)]


# --------------------------------------------------------------------------- service events


def _experience(rng: np.random.Generator, world: _World) -> pd.DataFrame:
    """'Do you feel respectfully involved?': scores and compliments rise with practice."""
    window = world.window
    supported = np.zeros((world.n_services, window.n_quarters))
    np.add.at(supported, (world.person_service[world.quarters.owner], world.quarters.period), 1)
    spans = _whole_window(world.n_services, window, window.quarter_start, window.quarter_end)
    # About one response per two people supported per quarter (fewer in a short last quarter).
    counts = rng.poisson(0.5 * supported[spans.owner, spans.period] * spans.days / 91)
    span = np.repeat(np.arange(len(spans)), counts)
    day = _uniform_day(rng, spans.lo[span], spans.hi[span])
    order = np.lexsort((spans.owner[span], day))
    span, day = span[order], day[order]
    service = spans.owner[span]
    n = len(day)
    mean = world.rate("feel_involved", service, world.quarter_month(spans.period[span]))
    score = np.clip(np.rint(rng.normal(mean, 0.9)), 1, 5).astype(np.int64)
    return pd.DataFrame(
        {
            "response_id": _codes("X-", np.arange(1, n + 1), 6),
            "service_id": _codes("S-", service + 1, 3),
            "respondent": _text(_RESPONDENTS, rng.choice(3, n, p=[0.45, 0.40, 0.15])),
            "response_date": _dates(day),
            "feel_involved": pd.arrays.IntegerArray(score, rng.random(n) < 0.05),
            "theme": _text(_THEMES, _draw_by_row(rng, _THEME_WEIGHTS, score - 1)),
        }
    )


def _staff(rng: np.random.Generator, world: _World) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Staff (about 0.7 per person, at least 3 per service) and their monthly-ish supervisions."""
    window = world.window
    people = np.bincount(world.person_service, minlength=world.n_services)
    service = np.repeat(
        np.arange(world.n_services), np.maximum(3, np.rint(0.7 * people)).astype(np.int64)
    )
    n = len(service)
    earliest = max(_day(_FIRST_ALLOWED), window.first - 6 * 365)
    start = np.where(
        rng.random(n) < 0.75,
        _uniform_day(rng, np.full(n, earliest), np.full(n, window.first - 1)),
        _uniform_day(rng, np.full(n, window.first), np.full(n, window.last)),
    )
    # Training is current (in the 12 months before the end) for most staff at a good service.
    current = rng.random(n) < world.rate("training", service, np.full(n, window.n_months - 1))
    trained = window.last - np.where(
        current, rng.integers(0, 365, n), rng.integers(365, 3 * 365, n)
    )
    trained = np.where(trained < start, _uniform_day(rng, start, np.full(n, window.last)), trained)
    staff = pd.DataFrame(
        {
            "staff_id": _codes("ST-", np.arange(1, n + 1), 5),
            "service_id": _codes("S-", service + 1, 3),
            "start_date": _dates(start),
            "annual_training_date": _dates(np.where(rng.random(n) < 0.05, _MISSING, trained)),
        }
    )
    return staff, _supervisions(rng, world, service, start)


def _supervisions(
    rng: np.random.Generator, world: _World, staff_service: np.ndarray, staff_start: np.ndarray
) -> pd.DataFrame:
    """Supervisions in most months of each staff member's time in post, more often reflective
    as the service improves."""
    window = world.window
    spans = _spans(
        staff_start, np.full(len(staff_start), window.last), window.month_start, window.month_end
    )
    service = staff_service[spans.owner]
    rate = world.rate("supervision", service, spans.period) * np.minimum(1, spans.days / 14)
    pick = np.flatnonzero(rng.random(len(spans)) < rate)
    day = _working_day_in(rng, world, spans.lo[pick], spans.hi[pick], world.nation[service[pick]])
    order = np.lexsort((spans.owner[pick], day))
    pick, day = pick[order], day[order]
    reflective = rng.random(len(pick)) < world.rate("reflective", service[pick], spans.period[pick])
    return pd.DataFrame(
        {
            "supervision_id": _codes("SV-", np.arange(1, len(pick) + 1), 6),
            "staff_id": _codes("ST-", spans.owner[pick] + 1, 5),
            "supervision_date": _dates(day),
            "reflective_case": _bools(reflective),
        }
    )


def _governance_events(rng: np.random.Generator, world: _World) -> pd.DataFrame:
    """The governance calendar as it happened: NI samples, dashboards, RM reviews, re-audits."""
    window = world.window
    weeks = np.arange(window.first - (window.first + 3) % 7, window.last + 1, 7)  # Mondays
    reaudit_start = window.quarter_start[1:]  # a re-audit of the quarter before, early in the next
    periods = {
        _DASHBOARD: (window.month_start, window.month_end, 1.0),
        _RM_WEEKLY: (weeks, weeks + 4, 0.9),
        _RE_AUDIT: (reaudit_start, reaudit_start + 40, 1.0),
    }
    parts = [_ni_case_samples(rng, world)]
    for kind, (p_start, p_end, scale) in periods.items():
        spans = _whole_window(world.n_services, window, p_start, np.minimum(p_end, window.last))
        month = np.searchsorted(window.month_start, spans.lo, side="right") - 1
        held = rng.random(len(spans)) < scale * world.rate("governance", spans.owner, month)
        parts.append((spans.owner[held], spans.lo[held], spans.hi[held], np.full(held.sum(), kind)))
    service, lo, hi, kind = (np.concatenate(a) for a in zip(*parts, strict=True))
    day = _working_day_in(rng, world, lo, hi, world.nation[service])
    order = np.lexsort((kind, service, day))
    service, day, kind = service[order], day[order], kind[order]
    note = np.empty(len(day), dtype=object)
    for k, choices in enumerate(_GOVERNANCE_NOTES):
        mine = np.flatnonzero(kind == k)
        note[mine] = np.array(choices, dtype=object)[rng.integers(0, len(choices), len(mine))]
    return pd.DataFrame(
        {
            "event_id": _codes("G-", np.arange(1, len(day) + 1), 6),
            "service_id": _codes("S-", service + 1, 3),
            "event_date": _dates(day),
            "kind": _text(_GOVERNANCE_KINDS, kind),
            "note": pd.Series(note, dtype="str"),
        }
    )


def _ni_case_samples(rng: np.random.Generator, world: _World) -> tuple[np.ndarray, ...]:
    """About two NI case samples per site per quarter, each on one of the site's services."""
    window = world.window
    first = np.flatnonzero(world.site == np.arange(world.n_services))  # a site's first service
    spans = _whole_window(len(first), window, window.quarter_start, window.quarter_end)
    lead = first[spans.owner]
    samples = rng.binomial(2, world.rate("governance", lead, world.quarter_month(spans.period)))
    span = np.repeat(np.arange(len(spans)), samples)
    has_partner = np.append(world.site[1:], -1) == np.arange(world.n_services)
    service = lead[span] + (has_partner[lead[span]] & (rng.random(len(span)) < 0.5))
    return service, spans.lo[span], spans.hi[span], np.full(len(span), _NI_SAMPLE)


def _self_assessments(rng: np.random.Generator, world: _World) -> pd.DataFrame:
    """The grid as each service scored itself: honest give or take, or 2s at an over-claimer."""
    grid = np.meshgrid(
        np.arange(world.n_services), np.arange(world.window.n_quarters), np.arange(len(DIMENSIONS)),
        indexing="ij",
    )  # fmt: skip
    service, quarter, dimension = (a.ravel() for a in grid)
    n = len(service)
    felt = world.progress[service, world.quarter_month(quarter)] + rng.normal(0, 0.15, n)
    honest = np.digitize(felt, [0.35, 0.8])
    claimed = np.where(rng.random(n) < 0.9, 2, 1)
    score = np.where(world.role[service] == _OVER_CLAIMS, claimed, honest)
    wording = np.array([w for levels in _GRID_WORDING.values() for w in levels], dtype=object)
    rationale = np.where(rng.random(n) < 0.7, wording[3 * dimension + score], None)
    return pd.DataFrame(
        {
            "service_id": _codes("S-", service + 1, 3),
            "quarter": _text(world.window.quarter_labels, quarter),
            "dimension": _text(DIMENSIONS, dimension),
            "score": score.astype(np.int64),
            "rationale": pd.Series(rationale, dtype="str"),
        }
    )


# --------------------------------------------------------------------------- file audits


def _file_audits(
    rng: np.random.Generator, world: _World, tables: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """Ten-file QA results for every quarter but the unfinished last one."""
    window = world.window
    person, quarter = _audited_files(rng, world)
    service = world.person_service[person]
    n_files = len(person)
    # A small team of auditors, each service usually seen by the same one or two.
    team = max(3, world.n_services // 5)
    auditor = (3 * service + quarter + (rng.random(n_files) < 0.3)) % team
    audit_day = np.minimum(window.quarter_end[quarter] + rng.integers(1, 21, n_files), window.last)

    file = np.repeat(np.arange(n_files), len(_CRITERIA))
    criterion = np.tile(np.arange(len(_CRITERIA)), n_files)
    month = world.quarter_month(quarter[file])
    # Q07 (summary within 5 working days) follows the service's own summary timeliness.
    met_rate = np.where(
        criterion == _CRITERIA.index("Q07"),
        world.rate("summary_5wd", service[file], month),
        world.rate("qa_met", service[file], month),
    )
    u = rng.random(len(file))
    # met below met_rate, then partial and not_met splitting the rest evenly
    result = (u >= met_rate).astype(np.int64) + (u >= met_rate + 0.5 * (1 - met_rate))
    na = _not_applicable(
        rng, world, tables, person[file], window.quarter_end[quarter[file]], criterion
    )
    result = np.where(na, _RESULTS.index("na"), result)
    return pd.DataFrame(
        {
            "quarter": _text(window.quarter_labels, quarter[file]),
            "person_id": _person_codes(person[file]),
            "criterion_id": _text(_CRITERIA, criterion),
            "result": _text(_RESULTS, result),
            "auditor": _codes("A-", auditor[file] + 1, 2),
            "audit_date": _dates(audit_day[file]),
            "note": _qa_notes(rng, result, criterion),
        }
    )


def _audited_files(rng: np.random.Generator, world: _World) -> tuple[np.ndarray, np.ndarray]:
    """(person, quarter) of every file audited; quarter by quarter, since rotation looks back."""
    audited_last_time = np.zeros(world.n_people, dtype=bool)
    people, quarters = [], []
    for quarter in range(world.window.n_quarters - 1):
        chosen = _audit_sample(rng, world, quarter, audited_last_time)
        audited_last_time = np.isin(np.arange(world.n_people), chosen)
        people.append(chosen)
        quarters.append(np.full(len(chosen), quarter))
    if not people:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(people), np.concatenate(quarters)


def _audit_sample(
    rng: np.random.Generator, world: _World, quarter: int, audited_last_time: np.ndarray
) -> np.ndarray:
    """The quarter's files: max(10, 2 per service) in proportion to each service's frame, at
    least one per service, leaving out last quarter's files while the frame allows."""
    frame = world.quarters.owner[world.quarters.period == quarter]
    service = world.person_service[frame]
    quota = _largest_remainder(
        np.bincount(service, minlength=world.n_services), max(10, 2 * world.n_services)
    )
    # Random order within each service, with last quarter's files pushed to the back.
    key = rng.random(len(frame)) + audited_last_time[frame]
    order = np.lexsort((key, service))
    ranked = service[order]
    rank = np.arange(len(order)) - np.searchsorted(ranked, ranked)
    return np.sort(frame[order][rank < quota[ranked]])


def _largest_remainder(sizes: np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` in proportion to ``sizes``: one each first, the rest by largest remainder."""
    base = (sizes > 0).astype(np.int64)
    share = max(0, total - base.sum()) * sizes / max(1, sizes.sum())
    quota = base + np.floor(share).astype(np.int64)
    left = total - quota.sum()
    if left > 0:
        quota[np.argsort(np.floor(share) - share, kind="stable")[:left]] += 1
    return np.minimum(quota, sizes)


def _not_applicable(
    rng: np.random.Generator,
    world: _World,
    tables: dict[str, pd.DataFrame],
    person: np.ndarray,
    quarter_end: np.ndarray,
    criterion: np.ndarray,
) -> np.ndarray:
    """Where a criterion does not apply to a file, from what the person's records hold."""
    first_referral = _first_day(world, tables["advocacy_referrals"], "trigger_at")[person]
    first_dispute = _first_day(world, tables["disagreements"], "opened_date")[person]
    q04, q05, q06, q09 = (_CRITERIA.index(c) for c in ("Q04", "Q05", "Q06", "Q09"))
    # Q04 asks for triggers listed in the plan too, so it applies to some files without a referral.
    no_trigger = (first_referral > quarter_end) & (rng.random(len(person)) < 0.7)
    return (
        ((criterion == q04) & no_trigger)
        | ((criterion == q05) & (world.person_wants[person] == 0))
        | ((criterion == q06) & (world.person_format[person] < 0))
        | ((criterion == q09) & (first_dispute > quarter_end))
    )


def _first_day(world: _World, table: pd.DataFrame, column: str) -> np.ndarray:
    """Each person's first day in ``table`` (the far future where there is none)."""
    person = pd.Index(world.people["person_id"]).get_indexer(table["person_id"])
    day = table[column].to_numpy().astype("datetime64[D]").astype(np.int64)
    first = np.full(world.n_people, np.iinfo(np.int64).max)
    np.minimum.at(first, person, day)
    return first


def _qa_notes(rng: np.random.Generator, result: np.ndarray, criterion: np.ndarray) -> pd.Series:
    """A short note on about half the partial and not_met rows."""
    partial, not_met = _RESULTS.index("partial"), _RESULTS.index("not_met")
    noted = ((result == partial) | (result == not_met)) & (rng.random(len(result)) < 0.5)
    text = np.array(_QA_NOTES)[criterion]
    text = np.where(result == partial, np.strings.add("partly: ", text), text)
    return pd.Series(np.where(noted, text.astype(object), None), dtype="str")


# --------------------------------------------------------------------------- array helpers


def _uniform_day(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A uniformly random day in [lo, hi] for each pair."""
    return lo + np.floor(rng.random(len(lo)) * (hi - lo + 1)).astype(np.int64)


def _working_day_in(
    rng: np.random.Generator, world: _World, lo: np.ndarray, hi: np.ndarray, nation: np.ndarray
) -> np.ndarray:
    """A random day in [lo, hi]: a working day of the nation 95% of the time, any day otherwise
    (and wherever the range holds no working day)."""
    day = _uniform_day(rng, lo, hi)
    pick = rng.random(len(lo))
    on_working_day = rng.random(len(lo)) < 0.95
    for k, calendar in enumerate(world.calendars):
        mine = np.flatnonzero(on_working_day & (nation == k))
        first = lo[mine].astype("datetime64[D]")
        count = np.busday_count(first, (hi[mine] + 1).astype("datetime64[D]"), busdaycal=calendar)
        nth = np.floor(pick[mine] * count).astype(np.int64)
        chosen = np.busday_offset(first, nth, roll="forward", busdaycal=calendar).astype(np.int64)
        day[mine] = np.where(count > 0, chosen, day[mine])
    return day


def _add_working_days(
    world: _World, day: np.ndarray, n: np.ndarray, nation: np.ndarray
) -> np.ndarray:
    """The n-th working day after each day in its nation (n = 0: the same day).

    Rolling a weekend or holiday back first makes the n-th working day after a Saturday
    the same as after the Friday, as quality.md counts working days in (D, E].
    """
    out = day.copy()
    for k, calendar in enumerate(world.calendars):
        mine = np.flatnonzero((nation == k) & (n > 0))
        out[mine] = np.busday_offset(
            day[mine].astype("datetime64[D]"), n[mine], roll="backward", busdaycal=calendar
        ).astype(np.int64)
    return out


def _draw_by_row(
    rng: np.random.Generator, weights: Sequence[Sequence[float]], row: np.ndarray
) -> np.ndarray:
    """One category per element, from the row of ``weights`` that the element points at."""
    cumulative = np.cumsum(np.asarray(weights, dtype=float), axis=1)
    cumulative /= cumulative[:, -1:]
    u = rng.random(len(row))
    return (u[:, None] >= cumulative[row, :-1]).sum(axis=1)


def _codes(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    """Pseudonymous codes like ``P-00412``, widened if the numbers outgrow ``width``."""
    # Arrow's string kernels build a million codes many times faster than numpy strings.
    digits = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string())
    width = max(width, pc.max(pc.utf8_length(digits)).as_py() or 0)
    codes = pc.binary_join_element_wise(prefix, pc.utf8_lpad(digits, width, "0"), "")
    return pd.Series(pd.array(codes, dtype="str"))


def _text(labels: Sequence[str | None], code: np.ndarray) -> pd.Series:
    """Labels by code; code -1, or a None label, is blank."""
    lookup = pa.array([*labels, None], pa.string())
    picked = lookup.take(pa.array(np.where(code < 0, len(labels), code)))
    # pandas' own text dtype for the version: "str" would turn None into "None" on pandas 2.2
    return pd.Series(picked.to_pandas(), copy=False)


def _dates(day: np.ndarray) -> pd.Series:
    return pd.Series(
        np.asarray(day, dtype=np.int64).astype("datetime64[D]").astype("datetime64[ns]")
    )


def _timestamps(minute: np.ndarray) -> pd.Series:
    return pd.Series(
        np.asarray(minute, dtype=np.int64).astype("datetime64[m]").astype("datetime64[ns]")
    )


def _bools(values: np.ndarray, missing: np.ndarray | None = None) -> pd.arrays.BooleanArray:
    values = np.asarray(values, dtype=bool)
    blank = (
        np.zeros(len(values), dtype=bool) if missing is None else np.asarray(missing, dtype=bool)
    )
    return pd.arrays.BooleanArray(values, blank)


# --------------------------------------------------------------------------- writing


def write_dataset(
    tables: dict[str, pd.DataFrame], out_dir: str | Path, fmt: str = "csv", *, force: bool = False
) -> list[Path]:
    """Write one file per table (``fmt`` "csv" or "parquet") into ``out_dir``, each atomically.

    CSV is UTF-8 with ISO dates, ``YYYY-MM-DD HH:MM`` timestamps, ``true``/``false`` and
    blank for missing, as the data contract reads it; Parquet keeps the real dtypes. Values
    are written verbatim, so the tables read back exactly (docs/decisions.md). A folder that
    is not empty is refused unless ``force`` (it may be a real dataset), and a table already
    in ``out_dir`` in another format always is, since the contract reads that as an error.
    """
    writers: dict[str, Callable[[pd.DataFrame, Path], None]] = {
        "csv": _write_csv,
        "parquet": lambda table, path: table.to_parquet(path, index=False, engine="pyarrow"),
    }
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}: expected 'csv' or 'parquet'")
    folder = Path(out_dir)
    if not force:
        refuse_non_empty(folder)
    clashes = [
        other.name
        for name in tables
        for other in (folder / f"{name}.{ext}" for ext in ("csv", "parquet", "xlsx"))
        if other.suffix != f".{fmt}" and other.exists()
    ]
    if clashes:
        raise OutputError(
            f"{folder} already holds these tables in another format: {', '.join(clashes)}; "
            "nothing was written"
        )
    return [
        atomic_write(folder / f"{name}.{fmt}", lambda tmp, table=table: writers[fmt](table, tmp))
        for name, table in tables.items()
    ]


def write_workbook(
    tables: dict[str, pd.DataFrame], path: str | Path, *, force: bool = False
) -> Path:
    """Write every table to one .xlsx workbook (a sheet per table, real Excel dates), atomically.

    An existing file is refused unless ``force``.
    """
    if not force:
        refuse_non_empty(Path(path))
    too_big = [name for name, table in tables.items() if len(table) >= _EXCEL_MAX_ROWS]
    if too_big:
        raise ValueError(
            f"too many rows for an Excel sheet ({_EXCEL_MAX_ROWS - 1:,} at most): "
            + ", ".join(too_big)
        )

    def write(tmp: Path) -> None:
        # pandas formats datetime.date cells as YYYY-MM-DD and datetimes with their time.
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, table in tables.items():
                _excel_frame(table).to_excel(writer, sheet_name=name, index=False)

    return atomic_write(path, write)


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    text = {}
    for column, values in table.items():
        if pd.api.types.is_datetime64_any_dtype(values):
            text[column] = _iso(values)
        elif pd.api.types.is_bool_dtype(values):
            known = values.notna().to_numpy()
            truth = values.to_numpy(dtype=bool, na_value=False)
            text[column] = np.where(known, np.where(truth, "true", "false"), "")
        else:
            text[column] = values
    pd.DataFrame(text).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def _iso(values: pd.Series) -> np.ndarray:
    """ISO text: YYYY-MM-DD, or YYYY-MM-DD HH:MM where any value has a time; NaT blank."""
    raw = values.to_numpy(dtype="datetime64[ns]")
    missing = np.isnat(raw)
    has_time = bool((raw[~missing].astype(np.int64) % 86_400_000_000_000).any())
    text = np.datetime_as_string(raw, unit="m" if has_time else "D")
    return np.where(missing, "", np.strings.replace(text, "T", " "))


def _excel_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Date-only columns as ``datetime.date``, so Excel formats them as dates without a time."""
    out = table.copy()
    for column, values in table.items():
        if pd.api.types.is_datetime64_any_dtype(values):
            known = values.dropna()
            if (known == known.dt.normalize()).all():
                out[column] = values.dt.date
    return out
