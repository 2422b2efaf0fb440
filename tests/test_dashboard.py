"""The NI's monthly governance dashboard: parameters, governance lists, charts and real runs.

Two real runs (internal and shared, through `auditlib dashboard` on a copy of
the demo data) are made once per session and read back as a user would; the
rest checks the parameters, the lists and the audience rules without a kernel,
against values worked by hand from the demo files.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from html import escape, unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from auditlib.cli import main
from auditlib.errors import ReportError
from auditlib.metrics import METRICS
from auditlib.periods import parse_period
from auditlib.report import dashboard, governance
from auditlib.report.groups import GROUPS
from auditlib.validation import load_dataset

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
MONTH, AS_OF = "2026-10", "2026-11-20"
OCTOBER = parse_period(MONTH)
DAY = date(2026, 11, 20)
IDS = re.compile(r"\b(?:P-\d{5}|M-\d{7}|AC-\d{7}|G-\d{6})\b")


@pytest.fixture(scope="session")
def demo() -> object:
    return load_dataset(DEMO)


@pytest.fixture(scope="session")
def runs(tmp_path_factory) -> dict[str, Path]:
    """The October dashboard for internal and shared readers, run as a user runs it."""
    data = tmp_path_factory.mktemp("data") / "demo"
    shutil.copytree(DEMO, data)
    out = tmp_path_factory.mktemp("dashboards")
    for audience in ("internal", "shared"):
        code = main(["dashboard", str(data), "--month", MONTH, "--as-of", AS_OF,
                     "--audience", audience, "--out", str(out)])  # fmt: skip
        assert code == 0
    return {a: out / f"{MONTH}_all_{a}" for a in ("internal", "shared")}


def _html(folder: Path) -> str:
    return (folder / "report.html").read_text(encoding="utf-8")


def _sections(html: str) -> dict[str, str]:
    """Each <section id=...>'s HTML, by id, in page order."""
    return dict(re.findall(r'<section id="([^"]+)">(.*?)</section>', html, flags=re.S))


def _images(html: str) -> list[str]:
    """The alt text of every image."""
    found = []

    class Images(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "img":
                found.append(dict(attrs).get("alt") or "")

    Images().feed(html)
    return found


# --------------------------------------------------------------------------- the runs


def test_the_dashboard_has_the_five_groups_in_order_each_with_one_chart_per_metric(runs):
    sections = _sections(_html(runs["internal"]))
    assert list(sections) == list(dashboard.SECTION_TITLES)
    for key, (title, metric_ids) in GROUPS.items():
        body = sections[key]
        assert f"<h2>{escape(title)}</h2>" in body
        alts = _images(body)
        assert len(alts) == len(metric_ids)
        for metric_id, alt in zip(metric_ids, alts, strict=True):
            assert alt.startswith(METRICS[metric_id].label) and "latest month:" in alt
    # a measure's name starts with a capital, and keeps its own (not "Ni case samples")
    assert "<td>NI case samples at the service" in sections["escalations"]
    assert "<td>Mean 'I feel involved' score" in unescape(sections["experience"])


def test_each_metric_shows_its_month_value_with_n_and_target(runs, demo):
    from auditlib.metrics import compute_metrics

    metrics = compute_metrics(demo, [OCTOBER], as_of=DAY)
    row = metrics[(metrics["scope"] == "ALL") & (metrics["metric_id"] == "summaries_5wd")]
    n, x = int(row["denominator"].iloc[0]), int(row["numerator"].iloc[0])
    timeliness = _sections(_html(runs["internal"]))["timeliness"]
    assert f"{round(100 * x / n)}% ({x} of {n})" in timeliness
    assert "at least 90%" in timeliness  # the shipped target of summaries_5wd


def test_the_internal_dashboard_lists_the_meetings_and_actions_behind_the_counts(runs):
    html = _html(runs["internal"])
    governance_html = _sections(html)["governance"]
    late = pd.read_csv(runs["internal"] / "tables" / "late_summary_list.csv")
    assert len(late) == 7  # 66 October reviews, 59 summaries in five working days
    assert all(meeting in governance_html for meeting in late["meeting_id"])
    assert "The lists behind the counts (internal only)" in governance_html


def test_a_shared_dashboard_holds_no_ids_in_any_file(runs):
    folder = runs["shared"]
    assert "The lists behind the counts" not in _html(folder)
    assert "Late summaries" in _sections(_html(folder))["governance"]
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".csv", ".json", ".ipynb"):
            found = IDS.findall(path.read_text(encoding="utf-8"))
            assert not found, f"{path.name} holds ids {found[:3]}"
    assert IDS.search(_html(runs["internal"]))  # the pattern does find them where they are


def test_the_manifest_names_the_dashboard_and_its_month(runs):
    manifest = json.loads((runs["shared"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["what"] == "auditlib monthly governance dashboard"
    assert manifest["parameters"]["month"] == MONTH
    assert manifest["parameters"]["month_dates"] == ["2026-10-01", "2026-10-31"]
    assert manifest["as_of"] == AS_OF


# --------------------------------------------------------------------------- refused


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--month", "2026-13"], "month must be 01-12"),
        (["--month", "October"], "is not a period label"),
        (["--month", "2026/27 Q2"], "month must be a month like 2026-10"),
        (["--month", "2026-12"], "starts after the as-of date"),
        (["--month", "2020-01"], "no dated record of any kind"),
        (["--month", "2026-10", "--services", "S-999"], "unknown service"),
    ],
)
def test_a_bad_month_is_refused_before_any_notebook(arguments, message, tmp_path, capsys,
                                                     monkeypatch):  # fmt: skip
    def no_kernel(*args, **kwargs):
        raise AssertionError("a notebook was started for a month that should have been refused")

    monkeypatch.setattr("auditlib.report.runner._execute", no_kernel)
    out = tmp_path / "out"
    code = main(["dashboard", str(DEMO), "--as-of", AS_OF, "--out", str(out), *arguments])
    assert code == 1
    assert message in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_latest_is_the_last_complete_month(demo):
    def month(as_of: str) -> str:
        return dashboard.read_dashboard_params(demo, as_of=as_of, today=DAY).month.label

    assert month("2026-11-20") == "2026-10"
    assert month("2026-10-31") == "2026-10"  # October ended on the as-of date
    assert month("2026-10-30") == "2026-09"


def test_the_folder_is_named_by_month_scope_and_audience(demo):
    params = dashboard.read_dashboard_params(
        demo, month="2026-10", services="S-002,S-001", audience="shared", as_of=AS_OF, today=DAY
    )
    assert params.folder_name == "2026-10_S-002+S-001_shared"
    assert params.notebook_values()["month"] == "2026-10"


def test_a_month_with_records_only_for_other_services_is_refused(demo):
    from auditlib.dataset import Dataset

    # only the required tables, and no October meeting at Ash Court (S-001)
    people = demo.people
    ash = people.loc[people["service_id"] == "S-001", "person_id"]
    meetings = demo.meetings
    october = meetings["meeting_date"].between("2026-10-01", "2026-10-31")
    kept = meetings[~(october & meetings["person_id"].isin(ash))]
    tables = {"services": demo.services, "people": people, "meetings": kept}
    data = Dataset(tables, demo.sources, demo.path)
    with pytest.raises(ReportError, match="no dated record of any kind in it"):
        dashboard.read_dashboard_params(data, month=MONTH, services="S-001", as_of=AS_OF,
                                        today=DAY)  # fmt: skip
    chosen = dashboard.read_dashboard_params(data, month=MONTH, services="S-002", as_of=AS_OF,
                                             today=DAY)  # fmt: skip
    assert chosen.services == ("S-002",)


# --------------------------------------------------------------------------- the lists


def _edited(demo, table: str, key: str, changes: dict[str, dict[str, object]]):
    """A copy of the demo dataset with some cells of ``table`` changed, by row key."""
    from auditlib.dataset import Dataset

    frame = demo[table].copy()
    for row_id, values in changes.items():
        row = frame.index[frame[key] == row_id]
        assert len(row) == 1, row_id
        for column, value in values.items():
            frame.loc[row, column] = pd.NaT if value is None else pd.Timestamp(value)
    return Dataset({**demo.tables, table: frame}, demo.sources, demo.path)


def test_a_summary_is_late_after_the_fifth_working_day_or_missing_past_it(demo):
    # reviews on Wednesday 7 Oct 2026: the fifth working day after is Wednesday 14 Oct
    data = _edited(demo, "meetings", "meeting_id", {
        "M-0001369": {"summary_sent_date": "2026-10-14"},  # on the deadline: on time
        "M-0001370": {"summary_sent_date": "2026-10-15"},  # a day late
        "M-0001371": {"summary_sent_date": None},  # never sent
    })  # fmt: skip
    late = governance.late_summaries(data, OCTOBER, as_of=DAY).set_index("meeting_id")
    assert "M-0001369" not in late.index
    assert late.loc["M-0001370", "state"] == "sent late"
    assert late.loc["M-0001371", "state"] == "not sent by the as-of date"
    assert late.loc["M-0001370", "deadline"] == pd.Timestamp("2026-10-14")
    early = governance.late_summaries(data, OCTOBER, as_of=date(2026, 10, 13))
    assert "M-0001371" not in set(early["meeting_id"])  # its deadline is still ahead: pending


def test_late_summaries_are_the_reviews_the_five_day_metric_counts_against(demo):
    from auditlib.metrics import compute_metrics

    metrics = compute_metrics(demo, [OCTOBER], as_of=DAY)
    five = metrics[metrics["metric_id"] == "summaries_5wd"].set_index("scope")
    late = governance.late_summaries(demo, OCTOBER, as_of=DAY)
    counts = governance.governance_counts(late, late.iloc[:0], list(five.index[:-1]))
    missed = (five["denominator"] - five["numerator"]).astype(int)
    assert counts.set_index("scope")["late_summaries"].to_dict() == missed.to_dict()


def test_an_action_is_overdue_when_due_by_the_month_end_and_open_on_the_as_of_date(demo):
    data = _edited(demo, "actions", "action_id", {
        "AC-0002747": {"due_date": "2026-10-31", "closed_date": None},
        "AC-0002756": {"due_date": "2026-11-05", "closed_date": None},  # due after October
        "AC-0002811": {"due_date": "2026-10-31", "closed_date": "2026-11-01"},  # closed late
    })  # fmt: skip
    overdue = governance.overdue_actions(data, OCTOBER, as_of=DAY).set_index("action_id")
    assert overdue.loc["AC-0002747", "days_overdue"] == 20  # 31 Oct to 20 Nov
    assert "AC-0002756" not in overdue.index and "AC-0002811" not in overdue.index
    assert (overdue["due_date"] <= pd.Timestamp("2026-10-31")).all()
    mid_month = governance.overdue_actions(data, OCTOBER, as_of=date(2026, 10, 25))
    assert "AC-0002747" not in set(mid_month["action_id"])  # not yet due on 25 Oct


def test_ni_case_samples_are_counted_per_site_against_two(demo):
    samples = governance.ni_case_samples(demo, OCTOBER, as_of=DAY)
    assert list(samples["event_id"]) == ["G-000425", "G-000427"]  # both at Hawthorn Grove
    sites = governance.samples_by_site(demo, samples, list(demo.services["service_id"]))
    table = sites.set_index("site")
    assert table.loc["SITE-004", "samples"] == 2 and table.loc["SITE-004", "short_by"] == 0
    assert table.loc["SITE-001", "services"] == "Ash Court, Rowan Cottage"
    assert table.loc["SITE-001", "short_by"] == 2 and len(table) == 4


def test_public_counts_from_1_to_7_are_hidden(demo):
    params = dashboard.read_dashboard_params(demo, month=MONTH, as_of=AS_OF, audience="public",
                                             today=DAY)  # fmt: skip
    section = dashboard._governance(dashboard._Inputs(demo, params), "governance")
    tables = {block.name: block.data for block in section.tables()}
    counts = tables["late_and_overdue"].set_index("scope")
    assert counts.loc["S-002", "late_summaries"] == "*"  # 7 late at Rowan Cottage
    assert counts.loc["ALL", "late_summaries"] == "*"  # and so the total of 7
    assert counts.loc["S-001", "late_summaries"] == "0"  # a zero reveals no one
    sites = tables["ni_case_samples_by_site"].set_index("site")
    assert sites.loc["SITE-004", "samples"] == "*" and pd.isna(sites.loc["SITE-004", "short_by"])
    assert not any(name.endswith("_list") for name in tables)


# --------------------------------------------------------------------------- SPC


def test_a_series_too_short_for_spc_is_drawn_without_limits_or_a_verdict(demo):
    # April 2025 is the fourth month of the demo's records
    params = dashboard.read_dashboard_params(demo, month="2025-04", as_of=AS_OF, today=DAY)
    inputs = dashboard._Inputs(demo, params)
    figure = dashboard._chart(inputs, "summaries_5wd")
    assert "no verdict, only 4 months with data (SPC needs 12)" in figure.alt
    assert figure.data[["mean", "lpl", "upl"]].isna().all().all()
    assert set(figure.data["point_type"].dropna()) == {"common_cause"}
    group = dashboard._group(inputs, "timeliness")
    words = group.tables()[0].data.set_index("metric_id")["in_words"]
    assert words["summaries_5wd"] == "too few months for a verdict"


def test_the_words_name_recent_special_cause_months_and_the_assurance():
    board = pd.DataFrame(
        {"variation": ["Common cause variation", "too few months for a verdict"],
         "assurance": ["hit and miss", "too few months for a verdict"]},
        index=["a", "b"],
    )  # fmt: skip
    trend = pd.DataFrame({"recent_special_cause": ["concern in Aug 2026", "concern in Oct 2026"]},
                         index=["a", "b"])  # fmt: skip
    words = dashboard._in_words(board, trend)
    assert words[0] == (
        "Common cause variation; recent special cause: concern in Aug 2026; assurance: hit and miss"
    )
    assert words[1] == "too few months for a verdict"


def test_the_glance_marks_each_service_by_its_verdict(demo):
    params = dashboard.read_dashboard_params(demo, month=MONTH, as_of=AS_OF, today=DAY)
    inputs = dashboard._Inputs(demo, params)
    glance = dashboard._glance(inputs, "glance").tables()[0]
    summary = inputs.trends.summary.set_index(["scope", "metric_id"])
    data = glance.data.set_index(["service_id", "metric_id"])
    for (service, metric_id), verdict in data["verdict"].items():
        row = summary.loc[(service, metric_id)]
        if row["baseline_points"] < 12:
            assert verdict == "too few months"
        elif str(row["variation_icon"]).startswith("concern"):
            assert verdict == "concern"
    asked = dict(zip(glance.shown["Service"], glance.shown["Ask about"], strict=True))
    concerns = summary[
        summary["variation_icon"].fillna("").str.startswith("concern")
        & (summary["baseline_points"] >= 12)
    ].reset_index()
    names = demo.services.set_index("service_id")["service_name"]
    for service, rows in concerns[concerns["scope"] != "ALL"].groupby("scope"):
        assert all(label in asked[names[service]] for label in rows["label"])
    assert np.isin(list(asked.values()), ["nothing"]).any()
