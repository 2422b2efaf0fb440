"""The data contract (shared/spec/data-contract.md) as data: tables, columns, types and rules.

Loading and validation read these specs; nothing else should restate the
contract. Column kinds: ``id`` and ``text`` (strings), ``enum``, ``bool``,
``date``, ``timestamp``, ``int`` and ``number``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DIMENSIONS", "MEETING_TYPES", "REQUIRED_TABLES", "TABLES", "Column", "Table"]

DIMENSIONS = (
    "consent_capacity",
    "advocacy_triggers",
    "meeting_cadence",
    "accessibility",
    "summaries",
    "disagreements",
    "outcomes",
    "governance",
    "ig_dspt",
    "training",
)

MEETING_TYPES = (
    "goal_setting",
    "mini_review",
    "complex_review",
    "deep_dive",
    "post_incident_debrief",
)

NATION_ALIASES = {"eng": "england", "wls": "wales", "sct": "scotland", "nir": "northern_ireland"}


@dataclass(frozen=True)
class Column:
    """One column of the contract.

    ``required``: the column must be present. ``nullable``: a blank cell is
    allowed. ``when``: ``event`` dates must not be after today, ``planned``
    dates at most five years ahead (both never before 2000).
    """

    name: str
    kind: str
    required: bool = True
    nullable: bool = False
    values: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    references: str | None = None
    when: str | None = None

    @property
    def expected(self) -> str:
        """What a valid value looks like, in words for a quality analyst."""
        text = {
            "id": "an identifier",
            "text": "text",
            "enum": "one of " + ", ".join(self.values),
            "bool": "true/false, yes/no, y/n or 1/0",
            "date": "a date like 2026-07-14, in the years 2000 to 2262",
            "timestamp": "a local date and time like 2026-07-14 09:30, without a time zone "
            "(no Z or +01:00), in the years 2000 to 2262",
            "int": "a whole number",
            "number": "a number",
        }[self.kind]
        if self.minimum is not None and self.maximum is not None:
            text += f" from {self.minimum:g} to {self.maximum:g}"
        elif self.minimum is not None:
            text += f" {'above' if self.exclusive_minimum else 'at least'} {self.minimum:g}"
        return text


@dataclass(frozen=True)
class Table:
    """One table of the contract: its columns, key and row-level date-order rules."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = False
    # (earlier, later, wording): later must not precede earlier on the same row
    order: tuple[tuple[str, str, str], ...] = ()
    # the row's own date: a row dated after the as-of date has not happened yet
    dated_by: str | None = None

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _id(name: str, references: str | None = None) -> Column:
    return Column(name, "id", references=references)


def _enum(name: str, values: tuple[str, ...], **kwargs) -> Column:
    return Column(name, "enum", values=values, **kwargs)


def _event(name: str, kind: str = "date", **kwargs) -> Column:
    return Column(name, kind, when="event", **kwargs)


def _planned(name: str, **kwargs) -> Column:
    return Column(name, "date", when="planned", required=False, nullable=True, **kwargs)


def _bool(name: str, **kwargs) -> Column:
    return Column(name, "bool", **kwargs)


_OPTIONAL = {"required": False, "nullable": True}

_TABLES = (
    Table(
        "services",
        (
            _id("service_id"),
            Column("service_name", "text"),
            _enum(
                "nation",
                ("england", "wales", "scotland", "northern_ireland"),
                aliases=NATION_ALIASES,
            ),
            Column("service_type", "text"),
            Column("site", "text", **_OPTIONAL),
        ),
        key=("service_id",),
        required=True,
    ),
    Table(
        "people",
        (
            _id("person_id"),
            _id("service_id", "services"),
            _event("start_date"),
            _planned("end_date"),
            _bool("wants_family_involved", nullable=True),
        ),
        key=("person_id",),
        dated_by="start_date",
        required=True,
        order=(("start_date", "end_date", "an end date on or after the start date"),),
    ),
    Table(
        "meetings",
        (
            _id("meeting_id"),
            _id("person_id", "people"),
            _enum("meeting_type", MEETING_TYPES),
            _event("meeting_date"),
            Column("duration_min", "int", minimum=0, exclusive_minimum=True, **_OPTIONAL),
            _bool("family_present"),
            _bool("advocate_present"),
            _bool("async_input"),
            Column("accessible_format", "text", **_OPTIONAL),
            _event("agenda_sent_date", **_OPTIONAL),
            _event("summary_sent_date", **_OPTIONAL),
            _enum("chair_role", ("key_worker", "rm", "ni", "other"), **_OPTIONAL),
        ),
        key=("meeting_id",),
        dated_by="meeting_date",
        required=True,
        order=(("meeting_date", "summary_sent_date", "a summary sent on or after the meeting"),),
    ),
    Table(
        "actions",
        (
            _id("action_id"),
            _id("meeting_id", "meetings"),
            Column("owner_role", "text"),
            Column("due_date", "date", when="planned"),
            _event("closed_date", **_OPTIONAL),
        ),
        key=("action_id",),
    ),
    Table(
        "decisions",
        (
            _id("decision_id"),
            _id("person_id", "people"),
            _event("decision_date"),
            Column("topic", "text"),
            _bool("consent_recorded"),
            _bool("capacity_assessed"),
            _bool("lacks_capacity", nullable=True),
            _bool("best_interests_recorded", nullable=True),
            _bool("advocate_required"),
            _bool("advocate_involved"),
            _bool("least_restrictive_recorded"),
            _planned("review_date"),
        ),
        key=("decision_id",),
        dated_by="decision_date",
    ),
    Table(
        "advocacy_referrals",
        (
            _id("referral_id"),
            _id("person_id", "people"),
            _enum(
                "trigger",
                (
                    "serious_medical",
                    "no_appropriate_family",
                    "dols_lps",
                    "care_act",
                    "person_request",
                    "other",
                ),
            ),
            _event("trigger_at", "timestamp"),
            _event("referred_at", "timestamp", **_OPTIONAL),
            _event("advocate_involved_at", "timestamp", **_OPTIONAL),
        ),
        key=("referral_id",),
        dated_by="trigger_at",
        order=(("trigger_at", "referred_at", "a referral on or after its trigger"),),
    ),
    Table(
        "disagreements",
        (
            _id("disagreement_id"),
            _id("person_id", "people"),
            _event("opened_date"),
            _enum("escalation_level", ("key_worker", "rm", "ni")),
            _bool("advocate_involved"),
            _event("resolved_date", **_OPTIONAL),
            _planned("next_review_date"),
        ),
        key=("disagreement_id",),
        dated_by="opened_date",
        order=(("opened_date", "resolved_date", "a resolution on or after the opening"),),
    ),
    Table(
        "experience",
        (
            _id("response_id"),
            _id("service_id", "services"),
            _enum("respondent", ("person", "family", "advocate")),
            _event("response_date"),
            Column("feel_involved", "int", minimum=1, maximum=5, **_OPTIONAL),
            _enum("theme", ("compliment", "concern", "none"), **_OPTIONAL),
        ),
        key=("response_id",),
        dated_by="response_date",
    ),
    Table(
        "outcomes",
        (
            _id("outcome_id"),
            _id("person_id", "people"),
            _enum(
                "measure",
                ("support_ratio", "prompts_per_task", "independent_tasks_per_week", "confidence"),
            ),
            _event("recorded_date"),
            Column("value", "number", minimum=0),
            Column("contributor", "text", **_OPTIONAL),
        ),
        key=("outcome_id",),
        dated_by="recorded_date",
    ),
    Table(
        "staff",
        (
            _id("staff_id"),
            _id("service_id", "services"),
            _event("start_date"),
            _event("annual_training_date", **_OPTIONAL),
        ),
        key=("staff_id",),
        dated_by="start_date",
    ),
    Table(
        "supervisions",
        (
            _id("supervision_id"),
            _id("staff_id", "staff"),
            _event("supervision_date"),
            _bool("reflective_case"),
        ),
        key=("supervision_id",),
        dated_by="supervision_date",
    ),
    Table(
        "governance_events",
        (
            _id("event_id"),
            _id("service_id", "services"),
            _event("event_date"),
            _enum("kind", ("ni_case_sample", "dashboard_review", "rm_weekly_review", "re_audit")),
            Column("note", "text", **_OPTIONAL),
        ),
        key=("event_id",),
        dated_by="event_date",
    ),
    Table(
        "self_assessments",
        (
            _id("service_id", "services"),
            Column("quarter", "text"),
            _enum("dimension", DIMENSIONS),
            Column("score", "int", minimum=0, maximum=2),
            Column("rationale", "text", **_OPTIONAL),
        ),
        key=("service_id", "quarter", "dimension"),
    ),
    Table(
        "file_audits",
        (
            Column("quarter", "text"),
            _id("person_id", "people"),
            Column("criterion_id", "text"),
            _enum("result", ("met", "partial", "not_met", "na")),
            Column("auditor", "text"),
            _event("audit_date"),
            Column("note", "text", **_OPTIONAL),
        ),
        key=("quarter", "person_id", "criterion_id"),
        dated_by="audit_date",
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in _TABLES}
REQUIRED_TABLES = tuple(t.name for t in _TABLES if t.required)
