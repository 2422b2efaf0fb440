"""The dashboard's groups of metrics, as the involvement guide lays out the governance page.

The guide names five groups (participation, timeliness, experience, enablement,
escalations). Every dashboard metric belongs to exactly one of them, so the
report and the monthly dashboard show each metric once: metrics the guide does
not name (coverage, consent, staff practice, NI sampling) go with the group
whose question they answer, and the group's title says so.
"""

from __future__ import annotations

__all__ = ["GROUPS", "group_of"]

GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "participation": (
        "Participation: who takes part, and how",
        (
            "participation_reviews",
            "participation_people",
            "monthly_review_coverage",
            "deep_dive_coverage",
            "agenda_3d",
            "accessible_format",
        ),
    ),
    "timeliness": (
        "Timeliness: summaries and actions",
        ("summaries_5wd", "summaries_10wd", "actions_on_time"),
    ),
    "experience": (
        "Experience: do people feel involved?",
        ("feel_involved_agree", "feel_involved_mean", "compliments", "concerns"),
    ),
    "enablement": (
        "Enablement: independence, and the staff practice behind it",
        ("support_stepdowns", "prompt_reductions", "training_current", "reflective_supervision"),
    ),
    "escalations": (
        "Escalations: disagreements, advocacy, consent and NI sampling",
        (
            "disputes_resolved_20wd",
            "advocacy_referral_48h",
            "advocate_when_required",
            "decisions_specific",
            "ni_case_samples",
        ),
    ),
}
"""Group key -> (title, metric ids in display order)."""


def group_of(metric_id: str) -> str:
    """The group a metric is shown in."""
    for key, (_, metrics) in GROUPS.items():
        if metric_id in metrics:
            return key
    raise KeyError(f"metric {metric_id!r} is in no dashboard group")
