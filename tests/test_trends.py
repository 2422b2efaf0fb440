"""SPC trends by month (auditlib.trends) and the ``auditlib trends`` command."""

from __future__ import annotations

import io
import os

os.environ["MPLBACKEND"] = "Agg"  # before anything imports pyplot

import dataclasses
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import TODAY, write_dataset
from matplotlib.figure import Figure

from auditlib import metrics as metrics_module
from auditlib import trends as trends_module
from auditlib.cli import main
from auditlib.errors import DatasetError, SpcError
from auditlib.metrics import METRICS
from auditlib.trends import (
    SUMMARY_COLUMNS,
    metric_trends,
    trend_chart,
    trend_charts,
    trend_months,
    trend_summary,
)
from auditlib.validation import load_dataset

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
AS_OF = date(2026, 11, 20)
END = "2026/27 Q2"  # 1 Jul - 30 Sep 2026: 24 months are Oct 2024 - Sep 2026
MONTHS = pd.date_range("2024-10-01", periods=24, freq="MS")
PNG = b"\x89PNG\r\n\x1a\n"

# summaries sent within 5 working days, of 10 reviews a month
OAK_BEFORE = [3, 4, 2, 3, 4, 3, 2, 4, 3, 3, 4, 2, 3, 3]  # 14 months at about 30%
OAK_AFTER = [9, 10, 9, 9, 10, 9, 10, 9, 10, 9]  # then a sharp step up to about 95%
OAK_ON_TIME = [*OAK_BEFORE, *OAK_AFTER]
ELM_ON_TIME = [5, 6, 4, 5, 6, 5, 4, 6, 5, 5, 6, 4, 5, 6, 5, 4, 5, 6, 5, 4, 6, 5, 5, 4]
ELM_FIRST, ELM_GAP = 2, 5  # Elm Court's records begin in Dec 2024; no reviews in Mar 2025


def _stepped_dataset(folder: Path) -> Path:
    """Two services, ten people each, one review per person per month for 24 months.

    Oak House's summaries on time step up sharply after 14 months; Elm Court's
    are steady, its records begin in the third month and one month has no reviews.
    """
    services = (
        "service_id,service_name,nation,service_type,site\n"
        "S-ENG,Oak House,England,supported_living,Oak\n"
        "S-SCT,Elm Court,SCT,home_care,Elm\n"
    )
    people = ["person_id,service_id,start_date,end_date,wants_family_involved"]
    meetings = [
        "meeting_id,person_id,meeting_type,meeting_date,family_present,advocate_present,"
        "async_input,summary_sent_date,agenda_sent_date,accessible_format"
    ]
    plan = {"S-ENG": OAK_ON_TIME, "S-SCT": ELM_ON_TIME}
    for service, on_time in plan.items():
        for p in range(10):
            person = f"{service}-P{p}"
            people.append(f"{person},{service},2024-01-01,,")
            for m, month in enumerate(MONTHS):
                if service == "S-SCT" and (m < ELM_FIRST or m == ELM_GAP):
                    continue
                held = month + pd.Timedelta(days=9)
                sent = held if p < on_time[m] else held + pd.Timedelta(days=40)
                meetings.append(
                    f"M-{person}-{m},{person},mini_review,{held:%Y-%m-%d},true,false,no,"
                    f"{sent:%Y-%m-%d},,"
                )
    return write_dataset(
        folder,
        services=services,
        people="\n".join(people) + "\n",
        meetings="\n".join(meetings) + "\n",
    )


@pytest.fixture(scope="module")
def stepped(tmp_path_factory) -> Path:
    return _stepped_dataset(tmp_path_factory.mktemp("stepped") / "dataset")


@pytest.fixture(scope="module")
def dataset(stepped):
    return load_dataset(stepped, today=TODAY)


@pytest.fixture(scope="module")
def summaries(dataset):
    return metric_trends(dataset, END, as_of=AS_OF, metrics=["summaries_5wd", "compliments"])


@pytest.fixture(scope="module")
def demo():
    return load_dataset(DEMO, today=TODAY)


# ---- months -------------------------------------------------------------------------------------


def test_the_months_end_with_the_quarter():
    from auditlib.periods import parse_period

    months = trend_months(parse_period(END), 24)
    assert [m.label for m in (months[0], months[-1])] == ["2024-10", "2026-09"]
    assert len(months) == 24 and all(m.kind == "month" for m in months)
    with pytest.raises(SpcError, match="from 2 to 120"):
        trend_months(parse_period(END), 1)


# ---- direction of a special cause ---------------------------------------------------------------


def test_a_sharp_step_up_is_an_improvement_for_an_increase_metric(summaries):
    points, row = summaries.series(("S-ENG", "summaries_5wd"))
    assert row["improvement"] == "increase" == METRICS["summaries_5wd"].improvement
    assert row["variation"] == "Special cause improvement"
    assert row["n_points"] == 24 and pd.isna(row["warning"])
    assert points["value"].tolist() == pytest.approx([k / 10 for k in OAK_ON_TIME])
    after = points["month"] >= MONTHS[len(OAK_BEFORE)]
    assert points.loc[after, "special_cause"].eq("improvement").all()
    assert points.loc[~after, "special_cause"].isin(["concern"]).any()  # the low run before


def test_the_same_step_is_a_concern_when_the_metric_should_decrease(dataset, monkeypatch):
    # no metric should decrease yet: the direction comes from METRICS, so change it there
    falling = dataclasses.replace(METRICS["summaries_5wd"], improvement="decrease")
    monkeypatch.setitem(METRICS, "summaries_5wd", falling)
    result = metric_trends(dataset, END, as_of=AS_OF, metrics=["summaries_5wd"])
    points, row = result.series(("S-ENG", "summaries_5wd"))
    assert row["improvement"] == "decrease"
    assert row["variation"] == "Special cause concern"
    assert (
        points.loc[points["month"] >= MONTHS[len(OAK_BEFORE)], "special_cause"].eq("concern").all()
    )


def test_improvement_is_each_metrics_own_direction_and_p_charts_only_for_proportions(demo):
    result = metric_trends(demo, END, as_of=AS_OF, chart="p")
    summary = result.summary
    assert len(summary) == 6 * len(METRICS)  # 5 services and ALL, every metric
    expected = summary["metric_id"].map({m: i.improvement for m, i in METRICS.items()})
    assert summary["improvement"].tolist() == expected.tolist()
    assert (summary.loc[summary["metric_id"] == "concerns", "improvement"] == "neutral").all()
    kind = summary["metric_id"].map({m: i.kind for m, i in METRICS.items()})
    assert (summary.loc[kind == "proportion", "chart"] == "p").all()
    assert (summary.loc[kind != "proportion", "chart"] == "xmr").all()  # counts and means: XmR
    assert list(summary["scope"].drop_duplicates())[-1] == "ALL"
    assert summary.loc[summary["scope"] == "S-001", "service_name"].iloc[0] == "Ash Court"


def test_p_chart_finds_the_step_too(dataset):
    result = metric_trends(dataset, END, as_of=AS_OF, metrics=["summaries_5wd"], chart="p")
    points, row = result.series(("S-ENG", "summaries_5wd"))
    assert row["chart"] == "p" and row["variation"] == "Special cause improvement"
    assert points["denominator"].eq(10).all()


# ---- missing months -----------------------------------------------------------------------------


def test_missing_months_stay_missing_and_are_left_out(summaries):
    points, row = summaries.series(("S-SCT", "summaries_5wd"))
    assert len(points) == 24
    assert row["n_points"] == 21 and row["n_missing"] == 3
    status = dict(zip(points["period"], points["status"], strict=True))
    assert status["2024-10"] == status["2024-11"] == "before_records"
    assert status["2025-03"] == "none_due"
    missing = points[points["missing"]]
    assert missing["period"].tolist() == ["2024-10", "2024-11", "2025-03"]
    assert missing["value"].isna().all() and missing["point_type"].isna().all()
    assert missing["missing_reason"].notna().all()
    observed = [k / 10 for i, k in enumerate(ELM_ON_TIME) if i >= ELM_FIRST and i != ELM_GAP]
    assert row["mean"] == pytest.approx(np.mean(observed))  # not pulled down by zeros


def test_counts_before_the_records_begin_are_not_zeros(demo):
    result = metric_trends(demo, END, as_of=AS_OF, metrics=["compliments", "ni_case_samples"])
    points, row = result.series(("ALL", "compliments"))
    early = points[points["month"] < pd.Timestamp("2025-01-01")]  # demo records begin Jan 2025
    assert len(early) == 3 and early["missing"].all()
    assert early["status"].eq("before_records").all()
    assert row["chart"] == "xmr" and row["n_points"] == 21


def test_a_table_not_in_the_dataset_gives_no_points_and_says_so(summaries):
    points, row = summaries.series(("S-ENG", "compliments"))  # no experience table
    assert points["status"].eq("no_data").all() and points["missing"].all()
    assert row["n_points"] == 0 and row["warning"].startswith("No data")


def test_a_month_not_over_on_the_as_of_date_is_left_out(dataset):
    result = metric_trends(dataset, END, as_of=date(2026, 9, 15), metrics=["summaries_5wd"])
    points, _ = result.series(("S-ENG", "summaries_5wd"))
    assert points.loc[points["missing"], "status"].tolist() == ["not_over"]
    assert points["period"][points["missing"]].tolist() == ["2026-09"]


# ---- fewer than 12 points -----------------------------------------------------------------------


def test_fewer_than_12_points_warns_in_the_summary_and_on_the_chart(dataset):
    result = metric_trends(dataset, END, months=6, as_of=AS_OF, metrics=["summaries_5wd"])
    summary = trend_summary(result)
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert summary["warning"].str.contains("fewer than 12").all()
    assert summary["first_month"].eq("2026-04").all()
    fig = trend_chart(result, "S-ENG", "summaries_5wd")
    assert "Warning: Only 6 points" in fig.axes[0].get_title(loc="left")


# ---- one pass -----------------------------------------------------------------------------------


def test_one_metrics_pass_and_one_spc_call_per_chart_type(dataset, monkeypatch):
    calls = {"metrics": 0, "spc": 0}

    def counted(name, function):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(
        metrics_module, "compute_metrics", counted("metrics", metrics_module.compute_metrics)
    )
    monkeypatch.setattr(trends_module, "spc", counted("spc", trends_module.spc))
    metric_trends(dataset, END, as_of=AS_OF, services=["S-ENG"])
    assert calls == {"metrics": 1, "spc": 1}
    metric_trends(dataset, END, as_of=AS_OF, chart="p")
    assert calls == {"metrics": 2, "spc": 3}  # p for proportions, XmR for counts and means


def test_services_restrict_the_scopes_and_all(dataset):
    result = metric_trends(dataset, END, as_of=AS_OF, services=["S-SCT"], metrics=["agenda_3d"])
    assert result.summary["scope"].tolist() == ["S-SCT", "ALL"]
    assert result.settings["names"]["ALL"] == "All 1 chosen service"
    elm, _ = result.series(("S-SCT", "agenda_3d"))
    everyone, _ = result.series(("ALL", "agenda_3d"))
    assert elm["denominator"].fillna(-1).tolist() == everyone["denominator"].fillna(-1).tolist()


def test_rebase_after_a_known_change_starts_new_limits(dataset):
    step = f"{MONTHS[len(OAK_BEFORE)]:%Y-%m}"
    result = metric_trends(
        dataset, END, as_of=AS_OF, metrics=["summaries_5wd"], rebase={"S-ENG": step}
    )
    _, oak = result.series(("S-ENG", "summaries_5wd"))
    _, elm = result.series(("S-SCT", "summaries_5wd"))
    assert (oak["segments"], oak["segment_points"]) == (2, len(OAK_AFTER))
    assert oak["variation"] == "Common cause variation"  # the new level is the new normal
    assert "fewer than 12" in oak["warning"]
    assert elm["segments"] == 1


# ---- targets and bad input ----------------------------------------------------------------------


def test_a_target_gives_an_assurance_verdict(dataset):
    result = metric_trends(
        dataset,
        END,
        as_of=AS_OF,
        metrics=["summaries_5wd", "agenda_3d"],
        targets={"summaries_5wd": 0.5},
    )
    summary = trend_summary(result)
    with_target = summary[summary["metric_id"] == "summaries_5wd"]
    assert with_target["target"].eq(0.5).all() and with_target["assurance"].notna().all()
    assert summary.loc[summary["metric_id"] == "agenda_3d", "assurance"].isna().all()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"metrics": ["nonsense"]}, "unknown metric"),
        ({"months": 1}, "from 2 to 120"),
        ({"chart": "bar"}, "'xmr' or 'p'"),
        ({"targets": {"summaries_5wd": 90}}, "between 0 and 1"),
        ({"targets": {"nonsense": 0.5}}, "unknown metric"),
    ],
)
def test_bad_options_are_refused_in_words(dataset, options, message):
    with pytest.raises(SpcError, match=message):
        metric_trends(dataset, END, as_of=AS_OF, **options)


def test_an_unknown_service_is_refused(dataset):
    with pytest.raises(DatasetError, match="unknown service"):
        metric_trends(dataset, END, as_of=AS_OF, services=["S-NOPE"])


# ---- charts -------------------------------------------------------------------------------------


def test_chart_is_titled_with_the_service_metric_and_dates(summaries):
    fig = trend_chart(summaries, "S-SCT", "summaries_5wd")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert "Elm Court: summaries sent within 5 working days" in [t.get_text() for t in ax.texts]
    subtitle = ax.get_title(loc="left")
    assert "Oct 2024 – Sep 2026" in subtitle and "21 of 24 months with data" in subtitle
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "No data (left out)" in legend
    assert any("Latest point: " in t.get_text() for t in ax.texts)


def test_charts_are_written_as_png_files_one_per_scope_and_metric(summaries, tmp_path):
    out = tmp_path / "charts"
    paths = trend_charts(summaries, out, scopes={"S-ENG": "Oak House (test)"})
    assert [p.name for p in paths] == ["S-ENG_summaries_5wd.png", "S-ENG_compliments.png"]
    for path in paths:
        assert path.read_bytes()[:8] == PNG
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)  # no leftovers
    with pytest.raises(SpcError, match="no trends for"):
        trend_charts(summaries, out, scopes=["S-NOPE"])


def test_a_failed_write_leaves_no_half_written_chart(summaries, tmp_path, monkeypatch):
    out = tmp_path / "charts"
    [good] = trend_charts(summaries, out, scopes=["ALL"])[:1]
    before = good.read_bytes()

    def broken_savefig(self, fname, **kwargs):
        Path(fname).write_bytes(PNG[:4])  # half a file, then the disk fills
        raise OSError("No space left on device")

    monkeypatch.setattr(Figure, "savefig", broken_savefig)
    with pytest.raises(OSError, match="No space"):
        trend_charts(summaries, out, scopes=["ALL"])
    assert good.read_bytes() == before
    assert not [p for p in out.iterdir() if p.suffix != ".png"]


# ---- command line -------------------------------------------------------------------------------


def test_cli_trends_prints_the_summary_and_writes_the_charts(stepped, tmp_path, capsys):
    charts = tmp_path / "charts"
    status = main(
        [
            "trends",
            str(stepped),
            "--quarter",
            END,
            "--as-of",
            "2026-11-20",
            "--services",
            "S-ENG",
            "--metrics",
            "summaries_5wd",
            "agenda_3d",
            "--target",
            "summaries_5wd=50%",
            "--charts",
            str(charts),
        ]
    )
    captured = capsys.readouterr()
    assert status == 0
    table = pd.read_csv(io.StringIO(captured.out))
    assert list(table.columns) == SUMMARY_COLUMNS
    assert len(table) == 4  # S-ENG and ALL, two metrics
    assert {"n_points", "mean", "lpl", "upl", "variation", "assurance", "warning"} <= set(table)
    oak = table[(table["scope"] == "S-ENG") & (table["metric_id"] == "summaries_5wd")].iloc[0]
    assert oak["variation"] == "Special cause improvement" and oak["target"] == 0.5
    assert "wrote 4 SPC charts" in captured.err
    assert len(list(charts.glob("*.png"))) == 4


def test_cli_trends_table_format_and_bad_input(stepped, capsys):
    status = main(
        [
            *("trends", str(stepped), "--quarter", END, "--months", "6"),
            *("--as-of", "2026-11-20", "--metrics", "summaries_5wd", "--format", "table"),
        ]
    )
    captured = capsys.readouterr()
    assert status == 0
    assert "variation" in captured.out and "fewer than 12" in captured.out
    assert main(["trends", str(stepped), "--quarter", END, "--metrics", "nonsense"]) == 1
    assert "unknown metric" in capsys.readouterr().err


# ---- claims the chart must not over-state ------------------------------------------------------


def test_an_unreasonable_window_is_refused_in_words_not_a_traceback(stepped, capsys):
    args = ["trends", str(stepped), "--quarter", END, "--as-of", "2026-11-20", "--months"]
    assert main([*args, "100000"]) == 1
    err = capsys.readouterr().err
    assert "months must be a whole number from 2 to 120 (10 years), not 100000" in err
    assert "Traceback" not in err


def test_limits_are_clipped_to_what_each_kind_of_measure_can_reach(demo):
    summary = trend_summary(metric_trends(demo, END, as_of=AS_OF))
    proportion = summary["metric_id"].map(lambda m: METRICS[m].kind == "proportion")
    shares = summary[proportion]
    assert (shares["upl"].dropna() <= 1).all() and (shares["lpl"].dropna() >= 0).all()
    score = summary[summary["metric_id"] == "feel_involved_mean"]
    assert (score["upl"].dropna() <= 5).all() and (score["lpl"].dropna() >= 1).all()
    counts = summary[summary["metric_id"].isin(["compliments", "concerns", "ni_case_samples"])]
    assert (counts["lpl"].dropna() >= 0).all()
    assert (shares["upl"] == 1).any()  # some limit was clipped, so the test bites


def test_recent_special_cause_months_are_named_beside_the_latest_verdict(summaries):
    summary = trend_summary(summaries).set_index(["scope", "metric_id"])
    # Oak's last ten months (Dec 2025 - Sep 2026) sit at 90-100%, above its mean of 137 / 240 =
    # 57%: a shift, so each of the last six months is a special-cause improvement.
    oak = summary.loc[("S-ENG", "summaries_5wd")]
    assert oak["recent_special_cause"] == (
        "improvement in Apr 2026, May 2026, Jun 2026, Jul 2026, Aug 2026 and Sep 2026"
    )
    assert summary.loc[("S-SCT", "summaries_5wd"), "recent_special_cause"] == (
        "none in the last 6 months"
    )
    fig = trend_chart(summaries, "S-ENG", "summaries_5wd")
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "Latest point: Special cause improvement" in texts
    assert "Recent special cause: improvement in Apr 2026" in texts


def test_a_slip_before_the_latest_month_is_not_captioned_common_cause_alone(demo):
    result = metric_trends(demo, END, as_of=AS_OF, metrics=["summaries_5wd"], services=["S-002"])
    row = trend_summary(result).set_index("scope").loc["S-002"]
    assert row["variation"] == "Common cause variation"
    assert "concern in Jul 2026 and Aug 2026" in row["recent_special_cause"]


def test_each_point_of_a_proportion_shows_its_n_on_the_chart(summaries):
    texts = [t.get_text() for t in trend_chart(summaries, "S-ENG", "summaries_5wd").axes[0].texts]
    assert texts.count("10") == 24 and "n " in texts  # ten reviews in each of the 24 months
    counts = [t.get_text() for t in trend_chart(summaries, "S-ENG", "compliments").axes[0].texts]
    assert "n " not in counts  # a count has no n behind it


def test_ids_differing_only_in_punctuation_get_a_chart_each(tmp_path):
    services = (
        "service_id,service_name,nation,service_type,site\n"
        "S 001,Oak House,England,supported_living,Oak\n"
        "S-001,Elm Court,England,home_care,Elm\n"
    )
    people = (
        "person_id,service_id,start_date,end_date,wants_family_involved\n"
        "P-1,S 001,2024-01-01,,\nP-2,S-001,2024-01-01,,\nP-3,S-001,2024-01-01,,\n"
    )
    folder = write_dataset(tmp_path / "d", services=services, people=people)
    result = metric_trends(load_dataset(folder), END, as_of=AS_OF, metrics=["compliments"])
    paths = trend_charts(result, tmp_path / "charts")
    assert len(paths) == 3 and len({p.name for p in paths}) == 3  # S 001, S-001 and ALL
    assert sorted(p.name for p in (tmp_path / "charts").iterdir()) == sorted(p.name for p in paths)
    assert "ALL_compliments.png" in {p.name for p in paths}
