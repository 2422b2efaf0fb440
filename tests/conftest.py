"""Small hand-built datasets, written as real CSV files so tests go through the loader."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

TODAY = date(2026, 11, 20)
"""The day the test data is read against (load_dataset's today): pinned, so that a date
"more than five years ahead" stays so whatever the real date."""

SERVICES = """
service_id,service_name,nation,service_type,site
S-ENG,Oak House,England,supported_living,Oak
S-SCT,Elm Court,SCT,home_care,Elm
"""

PEOPLE = """
person_id,service_id,start_date,end_date,wants_family_involved
P-1,S-ENG,2025-01-01,,yes
P-2,S-SCT,2025-01-01,,no
P-3,S-ENG,2026-08-15,,
"""

MEETINGS = """
meeting_id,person_id,meeting_type,meeting_date,family_present,advocate_present,async_input,summary_sent_date,agenda_sent_date,accessible_format
M-1,P-1,mini_review,2026-07-03,true,false,no,2026-07-10,2026-06-30,easy_read
M-2,P-1,mini_review,2026-08-03,false,false,no,,,
M-3,P-1,deep_dive,2026-09-03,false,false,yes,2026-09-20,,
M-4,P-2,mini_review,2026-04-02,false,true,no,2026-04-09,,
M-5,P-2,mini_review,2026-09-28,false,false,no,,,
M-6,P-3,post_incident_debrief,2026-09-01,true,true,yes,,,
"""


def write_dataset(folder: Path, **tables: str) -> Path:
    """Write each ``name=csv_text`` as ``folder/name.csv``; the three required tables default
    to the small shared example."""
    folder.mkdir(parents=True, exist_ok=True)
    defaults = {"services": SERVICES, "people": PEOPLE, "meetings": MEETINGS}
    for name, text in {**defaults, **tables}.items():
        if text is None:
            continue
        (folder / f"{name}.csv").write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return folder


@pytest.fixture
def make_dataset(tmp_path):
    def make(**tables: str) -> Path:
        return write_dataset(tmp_path / "dataset", **tables)

    return make


@pytest.fixture(autouse=True)
def own_snapshot_cache(tmp_path_factory, monkeypatch):
    """Each test keeps validated copies in a folder of its own, never in the working tree."""
    monkeypatch.setenv("AUDITLIB_CACHE", str(tmp_path_factory.mktemp("auditlib-cache")))
