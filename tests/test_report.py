"""End to end: `auditlib demo` and `auditlib report` run the notebook into a report folder.

Three real runs (internal through `auditlib demo`, shared and public through
`auditlib report`) are made once per session and read back as a user would:
the HTML's sections, words and numbers; the PDF's text; and every file of the
shared and public folders, searched for the dataset's ids and notes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from auditlib.cli import main
from auditlib.metrics import compute_metrics
from auditlib.periods import parse_period
from auditlib.report import SECTION_TITLES
from auditlib.report.export import find_browser
from auditlib.validation import load_dataset

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
QUARTER, AS_OF = "2026/27 Q2", "2026-11-20"
NEEDS_BROWSER = pytest.mark.skipif(find_browser() is None, reason="no Chromium for the PDF")


def _tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="session")
def demo_copy(tmp_path_factory) -> Path:
    """A copy of the demo data (the committed one must never change)."""
    target = tmp_path_factory.mktemp("data") / "demo"
    shutil.copytree(DEMO, target)
    return target


@pytest.fixture(scope="session")
def runs(tmp_path_factory, demo_copy) -> dict[str, Path]:
    """One report folder per audience: internal by `auditlib demo`, the others by `report`."""
    out = tmp_path_factory.mktemp("reports")
    before = _tree_hash(DEMO)
    assert main(["demo", "--out", str(out)]) == 0
    assert _tree_hash(DEMO) == before, "auditlib demo changed the committed demo data"
    for audience in ("shared", "public"):
        code = main(["report", str(demo_copy), "--quarter", QUARTER, "--as-of", AS_OF,
                     "--audience", audience, "--out", str(out)])  # fmt: skip
        assert code == 0
    return {a: out / f"2026-27-Q2_all_{a}" for a in ("internal", "shared", "public")}


def _html(folder: Path) -> str:
    return (folder / "report.html").read_text(encoding="utf-8")


def _images(html: str) -> list[tuple[str, str]]:
    """(src, alt) of every image on the page, whatever the order of their attributes."""
    from html.parser import HTMLParser

    found = []

    class Images(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "img":
                found.append((dict(attrs).get("src", ""), dict(attrs).get("alt")))

    Images().feed(html)
    return found


def _text(html: str) -> str:
    """The page's visible text: tags and embedded images dropped."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", html)))


# --------------------------------------------------------------------------- the folder


def test_a_report_folder_holds_notebook_html_tables_and_manifest(runs):
    folder = runs["internal"]
    for name in ("report.ipynb", "report.html", "tables.xlsx", "manifest.json"):
        assert (folder / name).is_file(), name
    assert len(list((folder / "tables").glob("*.csv"))) >= 20
    manifest = json.loads((folder / "manifest.json").read_text())
    data = load_dataset(DEMO)
    assert manifest["dataset"]["fingerprint_sha256"] == data.fingerprint()
    assert manifest["parameters"]["quarter"] == QUARTER
    assert manifest["parameters"]["baseline"] == "2026/27 Q1"
    assert manifest["as_of"] == AS_OF
    assert manifest["checklist"]["sha256"] and manifest["rubric"]["sha256"]
    assert manifest["versions"]["papermill"] != "not installed"
    assert manifest["started"] <= manifest["finished"]
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest


def test_the_html_has_every_section_in_order_and_no_code(runs):
    html = _html(runs["internal"])
    positions = [html.find(f"<h2>{title}</h2>") for title in SECTION_TITLES.values()]
    missing = [t for t in SECTION_TITLES.values() if f"<h2>{t}</h2>" not in html]
    assert missing == []
    assert positions == sorted(positions)
    text = _text(html)
    for code in ("open_report(", "report.section(", "import ", "In [", "Traceback"):
        assert code not in text
    headings = re.findall(r"<h([1-6])", html)
    assert headings[0] == "1"
    assert all(int(b) - int(a) <= 1 for a, b in itertools.pairwise(headings))


def test_the_headline_numbers_are_the_metrics_with_their_n(runs):
    """The dashboard shows each metric as the metrics table has it: a share of its n."""
    data = load_dataset(DEMO)
    quarter = parse_period(QUARTER)
    metrics = compute_metrics(data, quarter, as_of=pd.Timestamp(AS_OF).date())
    overall = metrics[metrics["scope"] == "ALL"].set_index("metric_id")
    text = _text(_html(runs["internal"]))
    for metric_id in ("participation_reviews", "summaries_5wd", "actions_on_time"):
        row = overall.loc[metric_id]
        x, n = int(row["numerator"]), int(row["denominator"])
        assert f"{round(100 * x / n)}% ({x} of {n})" in text, metric_id


def test_every_chart_is_embedded_with_its_verdict_as_alt_text(runs):
    images = _images(_html(runs["internal"]))
    assert len(images) >= 22
    assert all(src.startswith("data:image/png;base64,") for src, _ in images)
    assert all(alt for _, alt in images)
    trend_alts = [alt for _, alt in images if "by month" in alt]
    assert trend_alts and all("latest month:" in alt for alt in trend_alts)


def test_internal_shows_the_files_behind_each_finding(runs):
    text = _text(_html(runs["internal"]))
    assert "The files behind each finding (internal only)" in text
    audits = pd.read_csv(DEMO / "file_audits.csv")
    q2 = audits[(audits["quarter"] == QUARTER) & audits["result"].isin(["partial", "not_met"])]
    assert q2["person_id"].iloc[0] in text


@NEEDS_BROWSER
def test_the_pdf_holds_the_section_titles(runs):
    from pypdf import PdfReader

    reader = PdfReader(str(runs["internal"] / "report.pdf"))
    text = " ".join(page.extract_text() for page in reader.pages)
    text = re.sub(r"\s+", " ", text)
    for title in SECTION_TITLES.values():
        assert title in text, title


# --------------------------------------------------------------------------- audiences


def _secrets() -> list[str]:
    """Every person and staff id, auditor code and free-text note in the demo data."""
    ids = list(pd.read_csv(DEMO / "people.csv")["person_id"])
    ids += list(pd.read_csv(DEMO / "staff.csv")["staff_id"])
    audits = pd.read_csv(DEMO / "file_audits.csv")
    ids += list(audits["auditor"].dropna().unique())
    notes = list(audits["note"].dropna().unique())
    notes += list(pd.read_csv(DEMO / "governance_events.csv")["note"].dropna().unique())
    return ids + [n for n in notes if len(n) > 12]


def _all_text(folder: Path) -> str:
    parts = []
    for path in folder.rglob("*"):
        if path.suffix in (".html", ".ipynb", ".csv", ".json"):
            parts.append(path.read_text(encoding="utf-8"))
    book = openpyxl.load_workbook(folder / "tables.xlsx", read_only=True)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            parts.append(" ".join("" if v is None else str(v) for v in row))
    pdf = folder / "report.pdf"
    if pdf.exists():
        from pypdf import PdfReader

        parts += [page.extract_text() for page in PdfReader(str(pdf)).pages]
    return "\n".join(parts)


@pytest.mark.parametrize("audience", ["shared", "public"])
def test_shared_and_public_reports_hold_no_ids_and_no_notes(runs, audience):
    everything = _all_text(runs[audience])
    found = [s for s in _secrets() if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", everything)]
    assert found == []


def test_the_internal_report_does_hold_them(runs):
    """The search above can find what it looks for."""
    everything = _all_text(runs["internal"])
    assert any(s in everything for s in _secrets())


def test_the_public_report_shows_no_count_from_1_to_7(runs):
    text = _text(_html(runs["public"]))
    # not counts of people or events: mean scores "3.9 of 5 (36 responses)", grid totals
    # "evidenced 14 of 20 across 10 of 10 dimensions", "target of 17 of 20", services
    counts = re.sub(r"\d+(\.\d+)? of (5 \(|20 across|10 dimensions|\d+ services)", "", text)
    counts = re.sub(r"target of \d+ of 20", "", counts)
    pairs = [(int(x), int(n)) for x, n in re.findall(r"\b(\d+) of (\d+)\b", counts)]
    small = [(x, n) for x, n in pairs if 1 <= x <= 7 or 1 <= n - x <= 7 or 1 <= n <= 7]
    assert small == []
    assert "*" in text
    assert "Counts from 1 to 7" in text or "counts from 1 to 7" in text


# --------------------------------------------------------------------------- failures


@pytest.fixture
def small_out(tmp_path) -> Path:
    return tmp_path / "reports"


def _failing_notebook(tmp_path: Path) -> Path:
    import nbformat

    source = nbformat.read(str(Path(DEMO).parents[1] / "notebooks" / "quarterly_report.ipynb"), 4)
    for cell in source.cells:
        if cell.metadata.get("auditlib", {}).get("section") == "grid":
            cell.source = "raise RuntimeError('the grid broke on purpose')"
    path = tmp_path / "failing.ipynb"
    nbformat.write(source, str(path))
    return path


def test_a_failing_run_leaves_the_previous_report_intact(runs, tmp_path, monkeypatch, capsys):
    out = runs["shared"].parent
    before = _tree_hash(runs["shared"])
    monkeypatch.setattr(
        "auditlib.report.runner.notebook_path", lambda name="": _failing_notebook(tmp_path)
    )
    code = main(["report", str(DEMO), "--quarter", QUARTER, "--as-of", AS_OF,
                 "--audience", "shared", "--out", str(out), "--no-pdf"])  # fmt: skip
    assert code == 1
    message = capsys.readouterr().err
    assert "'grid' section failed" in message and "the grid broke on purpose" in message
    assert _tree_hash(runs["shared"]) == before
    assert (out / "2026-27-Q2_all_shared.failed.ipynb").is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".partial-")]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--quarter", "2031/32 Q1"], "starts after the as-of date"),
        (["--quarter", "2010/11 Q1"], "before the dataset's first meeting"),
        (["--quarter", "2026 Q3"], "calendar-quarter label"),
        (["--services", "S-999"], "unknown service"),
        (["--baseline", "2026/27 Q2"], "the same quarter as"),
        (["--baseline", "2026/27 Q3"], "after the quarter"),
        (["--as-of", "2999-01-01"], "after today"),
    ],
)
def test_bad_report_parameters_are_refused_before_any_notebook(
    arguments, message, small_out, capsys, monkeypatch
):
    monkeypatch.setattr("auditlib.report.runner._execute", _no_kernel)
    base = ["report", str(DEMO), "--as-of", AS_OF, "--quarter", QUARTER, "--out", str(small_out)]
    code = main([*base, *arguments])
    assert code == 1
    assert message in capsys.readouterr().err
    assert not small_out.exists() or not any(small_out.iterdir())


def _no_kernel(*args, **kwargs):
    raise AssertionError("a notebook was started for input that should have been refused")


def test_a_dataset_that_fails_validation_is_refused(tmp_path, capsys, monkeypatch, demo_copy):
    monkeypatch.setattr("auditlib.report.runner._execute", _no_kernel)
    broken = tmp_path / "broken"
    shutil.copytree(demo_copy, broken)
    (broken / "meetings.csv").write_text("meeting_id\nM-1\n", encoding="utf-8")
    assert main(["report", str(broken), "--out", str(tmp_path / "out")]) == 1
    assert "required column person_id is missing" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_output_folder_that_cannot_be_written_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("auditlib.report.runner._execute", _no_kernel)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code = main(["report", str(DEMO), "--as-of", AS_OF, "--out", str(blocker / "reports")])
    assert code == 1
    assert "cannot write there" in capsys.readouterr().err


def test_a_missing_kernel_is_refused_plainly(tmp_path, capsys, monkeypatch):
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    def missing(self, name):
        raise NoSuchKernel(name)

    monkeypatch.setattr(KernelSpecManager, "get_kernel_spec", missing)
    monkeypatch.setattr("auditlib.report.runner._execute", _no_kernel)
    assert main(["report", str(DEMO), "--as-of", AS_OF, "--out", str(tmp_path / "o")]) == 1
    assert "no Jupyter kernel named 'python3'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"quarter": 5}, "parameter quarter must be text"),
        ({"calendar_quarters": "maybe"}, "must be true or false"),
        ({"audience": "everyone"}, "audience 'everyone'"),
        ({"as_of": "31/10/2026"}, "is not a date like"),
    ],
)
def test_notebook_parameters_of_the_wrong_kind_get_a_clear_message(parameters, message):
    from auditlib.errors import ReportError
    from auditlib.report import read_params

    data = load_dataset(DEMO)
    with pytest.raises(ReportError, match=re.escape(message)):
        read_params(data, **parameters)


def test_a_sampling_record_of_another_quarter_or_none_at_all_is_refused(tmp_path):
    from auditlib.errors import ReportError
    from auditlib.report import read_params

    data = load_dataset(DEMO)
    record = tmp_path / "sampling-record.json"
    record.write_text(
        json.dumps({"what": "auditlib ten-file QA sampling record", "quarter": "2026/27 Q1"})
    )
    with pytest.raises(ReportError, match=r"is for 2026/27 Q1, not the report's quarter"):
        read_params(data, quarter=QUARTER, as_of=AS_OF, sample_record=str(record))
    record.write_text("{ not json")
    with pytest.raises(ReportError, match="not a sampling record"):
        read_params(data, quarter=QUARTER, as_of=AS_OF, sample_record=str(record))


def test_a_one_service_load_checks_the_quarter_against_the_providers_first_meeting():
    """A load of chosen services (``Dataset.whole``) answers for the whole dataset: a quarter
    after the provider's first meeting (2 Jan 2025 in the demo's meetings.csv) is accepted even
    where the chosen service met only later; without the whole it would be refused."""
    import dataclasses

    from auditlib.dataset import Dataset, Whole
    from auditlib.errors import ReportError
    from auditlib.report import read_params
    from auditlib.scope import restrict

    whole = load_dataset(DEMO)
    cut = restrict(whole, ["S-001"])
    meetings = cut.meetings[cut.meetings["meeting_date"] >= "2025-07-01"]  # met only later
    later = Dataset({**cut.tables, "meetings": meetings}, cut.sources, cut.path)
    with pytest.raises(ReportError, match=r"ends before the dataset's first meeting \(2025-07"):
        read_params(later, quarter="2024/25 Q4", services="S-001", as_of=AS_OF)
    named = dataclasses.replace(later, whole=Whole.of(whole))
    params = read_params(named, quarter="2024/25 Q4", services="S-001", as_of=AS_OF)
    assert params.quarter.label == "2024/25 Q4" and params.services == ("S-001",)
    with pytest.raises(ReportError, match=r"ends before the dataset's first meeting \(2025-01-02"):
        read_params(named, quarter="2024/25 Q3", services="S-001", as_of=AS_OF)
    assert named.fingerprint() == whole.fingerprint()
