"""The month's governance lists for the NI: case samples per site, late summaries, overdue actions.

The involvement guide's monthly NI-chaired meeting looks at the dashboard, two
case samples per site, the reviews whose plain-English summary went out late
(or has still not gone out) past the five-working-day deadline, and the
actions still open after their due date. Each function returns the rows
behind one list, read from the dataset as it stood on the as-of date, so the
dashboard can show the list to internal readers and only its counts to
everyone else. The same definitions as the metrics: a review is any meeting
but a post-incident debrief, working days are each service's nation's, and a
deadline on the as-of date itself has passed (quality.md).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from .._columns import index_in
from ..dataset import Dataset
from ..periods import Period
from ..workdays import working_day_deadline

__all__ = [
    "SAMPLES_PER_SITE",
    "SUMMARY_DAYS",
    "governance_counts",
    "late_summaries",
    "ni_case_samples",
    "overdue_actions",
    "samples_by_site",
]

SUMMARY_DAYS = 5
"""Working days after a review by which its summary is due (the guide's five-day SLA)."""
SAMPLES_PER_SITE = 2
"""NI case samples expected at each site each month (the guide's governance calendar)."""


def late_summaries(data: Dataset, month: Period, *, as_of: date) -> pd.DataFrame:
    """Reviews held in ``month`` whose summary went out after the deadline, or not at all by
    the as-of date with the deadline passed: one row each, oldest first."""
    seen = data.as_of(as_of)
    meetings = seen.meetings
    review = (meetings["meeting_type"] != "post_incident_debrief").to_numpy(dtype=bool)
    reviews = meetings[_in_month(meetings["meeting_date"], month) & review]
    service = _service_of_person(seen, reviews["person_id"])
    deadline = working_day_deadline(reviews["meeting_date"], SUMMARY_DAYS, _nation(seen, service))
    sent = reviews["summary_sent_date"].to_numpy(dtype="datetime64[D]")
    late = ~np.isnat(sent) & (sent > deadline)
    missing = np.isnat(sent) & (deadline <= np.datetime64(as_of, "D"))
    keep = late | missing
    rows = pd.DataFrame(
        {
            "meeting_id": reviews["meeting_id"].to_numpy(dtype=object)[keep],
            "person_id": reviews["person_id"].to_numpy(dtype=object)[keep],
            "service_id": service[keep],
            "meeting_date": reviews["meeting_date"].to_numpy()[keep],
            "deadline": pd.to_datetime(deadline[keep]),
            "summary_sent_date": reviews["summary_sent_date"].to_numpy()[keep],
            "state": np.where(late, "sent late", "not sent by the as-of date")[keep],
        }
    )
    return rows.sort_values(["meeting_date", "meeting_id"], kind="stable", ignore_index=True)


def overdue_actions(data: Dataset, month: Period, *, as_of: date) -> pd.DataFrame:
    """Actions due by the end of ``month`` (or the as-of date, if earlier) and still open on
    the as-of date, whenever they were set: one row each, longest overdue first."""
    seen = data.as_of(as_of)
    if "actions" not in seen:
        return pd.DataFrame(columns=_ACTION_COLUMNS)
    actions = seen["actions"]
    cutoff = pd.Timestamp(min(month.end, as_of))
    past_due = (actions["due_date"] <= cutoff).to_numpy(dtype=bool)
    actions = actions[actions["closed_date"].isna().to_numpy() & past_due]
    meetings = seen.meetings
    meeting = index_in(actions["meeting_id"], meetings["meeting_id"])
    person = pd.Series(meetings["person_id"].to_numpy(dtype=object)[meeting])
    rows = pd.DataFrame(
        {
            "action_id": actions["action_id"].to_numpy(dtype=object),
            "meeting_id": actions["meeting_id"].to_numpy(dtype=object),
            "person_id": person.to_numpy(dtype=object),
            "service_id": _service_of_person(seen, person),
            "owner_role": actions["owner_role"].to_numpy(dtype=object),
            "due_date": actions["due_date"].to_numpy(),
            "days_overdue": (pd.Timestamp(as_of) - actions["due_date"]).dt.days.to_numpy(),
        }
    )
    return rows.sort_values(["due_date", "action_id"], kind="stable", ignore_index=True)


_ACTION_COLUMNS = ["action_id", "meeting_id", "person_id", "service_id", "owner_role",
                   "due_date", "days_overdue"]  # fmt: skip


def ni_case_samples(data: Dataset, month: Period, *, as_of: date) -> pd.DataFrame:
    """The NI case-sample events of ``month`` (to the as-of date), with each service's site."""
    seen = data.as_of(as_of)
    columns = ["event_id", "service_id", "site", "event_date", "note"]
    if "governance_events" not in seen:
        return pd.DataFrame(columns=columns)
    events = seen["governance_events"]
    sample = (events["kind"] == "ni_case_sample").to_numpy(dtype=bool)
    events = events[_in_month(events["event_date"], month) & sample]
    site = _sites(seen).reindex(events["service_id"].to_numpy()).to_numpy(dtype=object)
    note = events["note"] if "note" in events else pd.Series("", index=events.index)
    rows = pd.DataFrame(
        {
            "event_id": events["event_id"].to_numpy(dtype=object),
            "service_id": events["service_id"].to_numpy(dtype=object),
            "site": site,
            "event_date": events["event_date"].to_numpy(),
            "note": note.fillna("").to_numpy(dtype=object),
        }
    )
    return rows.sort_values(["event_date", "event_id"], kind="stable", ignore_index=True)


def samples_by_site(data: Dataset, samples: pd.DataFrame, services: list[str]) -> pd.DataFrame:
    """Each site of the chosen ``services``: its services, samples held, expected and short by."""
    names = data.services.set_index("service_id")["service_name"].astype(str)
    site = _sites(data).reindex(services)
    listed = pd.Series(names.reindex(services).to_numpy(), index=site.to_numpy())
    held = samples["site"].value_counts()
    table = listed.groupby(level=0, sort=False).agg(", ".join).rename("services").to_frame()
    table["samples"] = held.reindex(table.index).fillna(0).astype(np.int64)
    table["expected"] = SAMPLES_PER_SITE
    table["short_by"] = np.maximum(SAMPLES_PER_SITE - table["samples"], 0)
    return table.rename_axis("site").reset_index()


def governance_counts(
    late: pd.DataFrame, overdue: pd.DataFrame, services: list[str]
) -> pd.DataFrame:
    """Late summaries and overdue actions per chosen service, then ALL (the counts every
    audience may see; the lists themselves are internal)."""
    index = pd.Index(services, name="scope")
    table = pd.DataFrame(
        {
            "late_summaries": late["service_id"].value_counts().reindex(index).fillna(0),
            "overdue_actions": overdue["service_id"].value_counts().reindex(index).fillna(0),
        },
        index=index,
    ).astype(np.int64)
    table.loc["ALL"] = table.sum()
    return table.reset_index()


def _in_month(days: pd.Series, month: Period) -> np.ndarray:
    inside = (days >= pd.Timestamp(month.start)) & (days <= pd.Timestamp(month.end))
    return inside.to_numpy(dtype=bool)


def _sites(data: Dataset) -> pd.Series:
    services = data.services
    site = services["site"].fillna(services["service_id"]) if "site" in services else None
    site = services["service_id"] if site is None else site
    return pd.Series(site.to_numpy(dtype=object), index=services["service_id"].to_numpy())


def _service_of_person(data: Dataset, person_ids: pd.Series) -> np.ndarray:
    people = data.people
    found = index_in(pd.Series(person_ids), people["person_id"])
    return people["service_id"].to_numpy(dtype=object)[found]


def _nation(data: Dataset, service_ids: np.ndarray) -> np.ndarray:
    services = data.services
    found = index_in(pd.Series(service_ids), services["service_id"])
    return services["nation"].to_numpy(dtype=object)[found]
