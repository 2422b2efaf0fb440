"""The auditor worksheet: written, filled in with openpyxl, taken back in -- or refused."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import date
from itertools import cycle
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from qa_fixtures import (
    CRITERIA,
    PREVIOUS,
    QUARTER,
    TODAY,
    audits_csv,
    fill_worksheet,
    load,
    person_ids,
    qa_dataset,
)

from auditlib.errors import AuditlibError, InputNotFoundError, WorksheetError
from auditlib.files import LOCK_NAME
from auditlib.qa import RESULTS
from auditlib.sampling import draw_sample
from auditlib.worksheet import ingest_worksheet, save_sample, write_worksheet

EARLIER = audits_csv([(PREVIOUS, "P-A001", c, "met") for c in CRITERIA])


@pytest.fixture
def drawn(tmp_path):
    """A dataset with last quarter's results, and this quarter's blank worksheet."""
    folder = qa_dataset(tmp_path / "data", {"S-A": 30, "S-B": 6}, file_audits=EARLIER)
    sample = draw_sample(load(folder), QUARTER, seed=4, size=8, reserves=2)
    worksheet = save_sample(sample, tmp_path / "out")["worksheets"][0]
    return folder, worksheet, sample


def _results(row: int, k: int) -> str:
    return RESULTS[(row + k) % len(RESULTS)]


def _ingest(worksheet: Path, folder: Path, **options):
    return ingest_worksheet(worksheet, folder, today=TODAY, **options)


def _quarter_rows(folder: Path) -> pd.DataFrame:
    audits = load(folder)["file_audits"]
    return audits[audits["quarter"] == QUARTER].reset_index(drop=True)


def test_a_filled_worksheet_round_trips_every_value_exactly(drawn, tmp_path):
    folder, blank, sample = drawn
    notes = cycle(["=SUM(A1:A3)", "+44 7700 900123", "-", "@home", 'late, see "plan"', None])
    note_of = {row: next(notes) for row in range(2, 10)}
    dates = {row: date(2026, 10, row) if row % 2 else f"2026-10-{row:02d}" for row in range(2, 10)}
    filled = fill_worksheet(blank, tmp_path / "filled.xlsx", _results, note=note_of.get)
    workbook = openpyxl.load_workbook(filled)
    for row, value in dates.items():
        workbook["Sample"].cell(row=row, column=17).value = value
    workbook.save(filled)
    before = filled.read_bytes()

    result = _ingest(filled, folder)

    assert filled.read_bytes() == before  # the worksheet is only read
    assert (result.files, result.rows_added, result.rows_replaced) == (8, 96, 0)
    people = sample.sampled.sort_values(["service_id", "stratum", "draw_order"])[
        "person_id"
    ].tolist()
    expected = pd.DataFrame(
        {
            "quarter": QUARTER,
            "person_id": [p for p in people for _ in CRITERIA],
            "criterion_id": CRITERIA * len(people),
            "result": [_results(row, k) for row in range(2, 10) for k in range(len(CRITERIA))],
            "auditor": "AUD-7",
            "audit_date": [pd.Timestamp(2026, 10, row) for row in range(2, 10) for _ in CRITERIA],
            "note": [note_of[row] for row in range(2, 10) for _ in CRITERIA],
        }
    )
    stored = _quarter_rows(folder)
    assert stored["person_id"].tolist() == expected["person_id"].tolist()
    stored["note"] = [None if pd.isna(note) else note for note in stored["note"]]
    for column in ["quarter", "criterion_id", "result", "auditor", "audit_date", "note"]:
        assert stored[column].tolist() == expected[column].tolist(), column
    assert len(load(folder)["file_audits"]) == 12 + 96  # last quarter's rows are kept


def test_the_worksheet_is_a_real_workbook_with_notes_dropdowns_and_no_formulas(tmp_path):
    folder = qa_dataset(tmp_path / "data", {"S-A": 4})
    services = folder / "services.csv"
    services.write_text(
        services.read_text().replace("Home S-A", '"=HYPERLINK(""http://x"",""y"")"'),
        encoding="utf-8",
    )
    sample = draw_sample(load(folder), QUARTER, size=3, reserves=1)
    path = write_worksheet(sample, tmp_path / "w.xlsx")
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Sample", "Reserves", "About"]
    ws = workbook["Sample"]
    header = [c.value for c in ws[1]]
    tail = ["auditor", "audit_date", "notes"]
    assert header == ["person_id", "service_id", "service_name", *CRITERIA, *tail]
    assert "About Me profile" in ws["D1"].comment.text
    assert ws.freeze_panes == "D2"
    widths = [ws.column_dimensions[letter].width for letter in "ACDR"]
    assert widths == [11, 18, 8, 32]  # id, service name, a criterion, notes: one page wide
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert [dv.formula1 for dv in lists] == ['"met,partial,not_met,na"']
    assert str(lists[0].sqref) == "D2:O4"
    assert ws["C2"].value == '=HYPERLINK("http://x","y")' and ws["C2"].data_type == "s"
    cells = [c for sheet in workbook for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    about = {row[0].value: row[1].value for row in workbook["About"].iter_rows(max_col=2)}
    assert about["quarter"] == QUARTER and about["seed"] == "0"
    assert about["frame_fingerprint"] == sample.fingerprint
    assert about["criteria"] == ",".join(CRITERIA)
    assert workbook["About"].protection.sheet
    assert workbook["Reserves"].max_row == 2


def test_results_in_the_wrong_case_or_with_spaces_are_read_as_the_contract_reads_them(
    drawn, tmp_path
):
    folder, blank, _ = drawn
    typed = [" Met ", "NOT MET", "not-met", "N/A", "Partial", "na"]
    filled = fill_worksheet(blank, tmp_path / "f.xlsx", lambda row, k: typed[k % len(typed)])
    _ingest(filled, folder)
    stored = _quarter_rows(folder)["result"].tolist()
    canonical = ["met", "not_met", "not_met", "na", "partial", "na"]
    assert stored == [canonical[k % 6] for _ in range(8) for k in range(len(CRITERIA))]


def _rename_sheet(workbook):
    workbook["Sample"].title = "Sheet1"


def _set(cell: str, value):
    def edit(workbook):
        workbook["Sample"][cell] = value

    return edit


def _merge(workbook):
    workbook["Sample"].merge_cells("D2:E2")


def _blank_row(workbook):
    workbook["Sample"].insert_rows(4)


def _duplicate(workbook):
    ws = workbook["Sample"]
    ws["A3"], ws["B3"] = ws["A2"].value, ws["B2"].value


def _drop_about(workbook):
    del workbook["About"]


@pytest.mark.parametrize(
    ("edit", "reason", "where"),
    [
        (_rename_sheet, "missing_sheet", (None, None, None)),
        (_drop_about, "missing_sheet", (None, None, None)),
        (_set("F1", "Q3"), "unknown_column", ("Sample", 1, "F")),
        (_set("F1", "Q3"), "missing_column", ("Sample", 1, "Q03")),
        (_merge, "merged_cells", ("Sample", 2, "D")),
        (_blank_row, "blank_row", ("Sample", 4, None)),
        (_set("E3", "yes"), "unknown_value", ("Sample", 3, "E (Q02)")),
        (_set("E3", None), "not_audited", ("Sample", 3, "E (Q02)")),
        (_set("E3", "=D3"), "formula", ("Sample", 3, "E (Q02)")),
        (_duplicate, "duplicate_file", ("Sample", 3, "A (person_id)")),
        (_set("A2", "P-ZZZ"), "unknown_person", ("Sample", 2, "A (person_id)")),
        (_set("B2", "S-C"), "wrong_service", ("Sample", 2, "B (service_id)")),
        (_set("Q2", "2026-06-30"), "too_early", ("Sample", 2, "Q (audit_date)")),
        (_set("Q2", "2099-01-01"), "future_date", ("Sample", 2, "Q (audit_date)")),
        (_set("Q2", "next week"), "wrong_type", ("Sample", 2, "Q (audit_date)")),
        (_set("P2", None), "missing_value", ("Sample", 2, "P (auditor)")),
        (_set("T2", "stray"), "unnamed_column", ("Sample", 1, "T")),
    ],
)
def test_a_bad_worksheet_is_refused_with_its_place_and_nothing_written(
    drawn, tmp_path, edit, reason, where
):
    folder, blank, _ = drawn
    filled = fill_worksheet(blank, tmp_path / "bad.xlsx", _results, edit=edit)
    _refused(filled, folder, reason, where)


def _refused(worksheet, folder, reason, where=None, **options):
    table = folder / "file_audits.csv"
    before = table.read_bytes()
    with pytest.raises(WorksheetError) as caught:
        _ingest(worksheet, folder, **options)
    found = [p for p in caught.value.problems if p.reason == reason]
    assert found, caught.value.report()
    if where is not None:
        assert (found[0].sheet, found[0].row, found[0].column) == where
    assert "nothing was written" in str(caught.value)
    assert table.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir() if p.name != LOCK_NAME) == [
        "file_audits.csv",
        "meetings.csv",
        "people.csv",
        "services.csv",
    ]
    return caught.value


def test_a_worksheet_taken_in_blank_says_not_filled_in_once(drawn):
    folder, blank, _ = drawn
    error = _refused(blank, folder, "not_filled_in", ("Sample", None, None))
    assert [p.reason for p in error.problems] == ["not_filled_in"]  # not 8 x 12 empty cells
    assert "none of the 8 files has a result yet" in error.report()


def test_a_file_left_blank_is_not_filled_in_once_for_its_row(drawn, tmp_path):
    folder, blank, _ = drawn

    def unfill_row_3(workbook):
        for column in range(4, 4 + len(CRITERIA)):  # D.. : the criteria
            workbook["Sample"].cell(row=3, column=column).value = None
        workbook["Sample"].cell(row=3, column=16).value = None  # and its auditor

    filled = fill_worksheet(blank, tmp_path / "part.xlsx", _results, edit=unfill_row_3)
    error = _refused(filled, folder, "not_filled_in", ("Sample", 3, "columns D to O"))
    assert [(p.reason, p.row) for p in error.problems] == [("not_filled_in", 3)]


def test_a_file_that_was_not_drawn_is_refused(drawn, tmp_path):
    folder, blank, sample = drawn
    # Row 2 is an S-A file (rows are in service order), so only the person is wrong.
    outsider = next(p for p in person_ids("S-A", 30) if p not in set(sample.files["person_id"]))
    filled = fill_worksheet(blank, tmp_path / "f.xlsx", _results, edit=_set("A2", outsider))
    _refused(filled, folder, "not_drawn", ("Sample", 2, "A (person_id)"))


def test_a_worksheet_from_another_quarter_is_refused(drawn, tmp_path):
    folder, blank, _ = drawn
    filled = fill_worksheet(blank, tmp_path / "f.xlsx", _results)
    _refused(filled, folder, "other_quarter", ("About", 3, "B"), quarter="2026/27 Q3")


def test_every_problem_is_reported_at_once(drawn, tmp_path):
    folder, blank, _ = drawn

    def several(workbook):
        for edit in (_set("E3", "yes"), _set("A5", "P-ZZZ"), _set("Q6", "2099-01-01")):
            edit(workbook)

    filled = fill_worksheet(blank, tmp_path / "f.xlsx", _results, edit=several)
    error = _refused(filled, folder, "unknown_value")
    reasons = {p.reason for p in error.problems}
    assert {"unknown_value", "unknown_person", "future_date"} <= reasons


@pytest.mark.parametrize("kind", ["csv", "not_a_zip", "broken_zip"])
def test_a_file_that_is_not_an_xlsx_workbook_is_refused(drawn, tmp_path, kind):
    folder, _, _ = drawn
    if kind == "csv":
        path = tmp_path / "worksheet.csv"
        path.write_text("person_id,Q01\nP-A001,met\n", encoding="utf-8")
    elif kind == "not_a_zip":
        path = tmp_path / "worksheet.xlsx"
        path.write_text("person_id,Q01\n", encoding="utf-8")
    else:
        path = tmp_path / "worksheet.xlsx"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("hello.txt", "not a workbook")
    error = _refused(path, folder, "unreadable" if kind == "broken_zip" else "not_xlsx")
    assert ".xlsx" in error.report()
    with pytest.raises(InputNotFoundError, match=r"missing\.xlsx: no such worksheet"):
        _ingest(tmp_path / "missing.xlsx", folder)


def test_existing_results_are_kept_unless_replace_is_asked(drawn, tmp_path):
    folder, blank, _ = drawn
    _ingest(fill_worksheet(blank, tmp_path / "one.xlsx", _results), folder)
    second = fill_worksheet(blank, tmp_path / "two.xlsx", lambda row, k: "na")
    error = _refused(second, folder, "already_audited")
    assert len(error.problems) == 8  # one per file, not one per criterion
    result = _ingest(second, folder, replace=True)
    assert (result.rows_added, result.rows_replaced) == (96, 96)
    assert set(_quarter_rows(folder)["result"]) == {"na"}
    assert len(load(folder)["file_audits"]) == 12 + 96


def test_a_reserve_can_replace_a_file_and_defaults_fill_blanks(drawn, tmp_path):
    folder, blank, sample = drawn
    first = sample.sampled.sort_values(["service_id", "draw_order"]).iloc[0]
    reserve = sample.reserves[sample.reserves["service_id"] == first["service_id"]].iloc[0]

    def use_reserve(workbook):
        workbook["Sample"]["A2"] = reserve["person_id"]

    filled = fill_worksheet(
        blank, tmp_path / "f.xlsx", _results, auditor=None, audit_date=None, edit=use_reserve
    )
    result = _ingest(filled, folder, auditor="AUD-9", audit_date=date(2026, 10, 9))
    assert any(reserve["person_id"] in note for note in result.notes)
    assert any(first["person_id"] in note for note in result.notes)
    stored = _quarter_rows(folder)
    assert set(stored["auditor"]) == {"AUD-9"}
    assert set(stored["audit_date"]) == {pd.Timestamp(2026, 10, 9)}
    assert reserve["person_id"] in set(stored["person_id"])


def test_a_changed_frame_is_reported_but_does_not_block(drawn, tmp_path):
    folder, blank, _ = drawn
    people = folder / "people.csv"
    people.write_text(people.read_text() + "P-NEW,S-B,2026-08-01,,yes\n", encoding="utf-8")
    result = _ingest(fill_worksheet(blank, tmp_path / "f.xlsx", _results), folder)
    assert any("frame for this quarter has changed" in note for note in result.notes)
    assert "frame for this quarter has changed" in result.summary()


def test_a_dataset_without_file_audits_gets_a_new_csv(tmp_path):
    folder = qa_dataset(tmp_path / "data", {"S-A": 5})
    sample = draw_sample(load(folder), QUARTER, size=2)
    blank = write_worksheet(sample, tmp_path / "w.xlsx")
    _ingest(fill_worksheet(blank, tmp_path / "f.xlsx", _results), folder)
    assert len(_quarter_rows(folder)) == 24


@pytest.mark.parametrize("earlier", [EARLIER, None], ids=["with file_audits", "without"])
def test_a_one_workbook_dataset_gets_its_file_audits_sheet(tmp_path, earlier):
    folder = qa_dataset(tmp_path / "data", {"S-A": 5}, file_audits=earlier)
    book = tmp_path / "dataset.xlsx"
    with pd.ExcelWriter(book) as writer:
        for table in sorted(folder.glob("*.csv")):
            pd.read_csv(table, dtype=str).to_excel(writer, sheet_name=table.stem, index=False)
    sample = draw_sample(load(book), QUARTER, size=2)
    blank = write_worksheet(sample, tmp_path / "w.xlsx")
    filled = fill_worksheet(blank, tmp_path / "f.xlsx", _results, note=lambda row: "=bad idea")
    _ingest(filled, book)
    audits = load(book)["file_audits"]
    assert len(audits) == (12 if earlier else 0) + 24
    assert set(audits.loc[audits["quarter"] == QUARTER, "note"]) == {"=bad idea"}

    workbook = openpyxl.load_workbook(book)
    workbook["people"]["G1"] = "=1+1"
    workbook.save(book)
    before = book.read_bytes()
    with pytest.raises(AuditlibError, match="formulas on sheet people"):
        _ingest(filled, book, replace=True)
    assert book.read_bytes() == before


def test_a_parquet_file_audits_table_is_extended(tmp_path):
    folder = qa_dataset(tmp_path / "data", {"S-A": 5}, file_audits=EARLIER)
    earlier = load(folder)["file_audits"]
    earlier.to_parquet(folder / "file_audits.parquet", index=False)
    (folder / "file_audits.csv").unlink()
    sample = draw_sample(load(folder), QUARTER, size=2)
    blank = write_worksheet(sample, tmp_path / "w.xlsx")
    _ingest(fill_worksheet(blank, tmp_path / "f.xlsx", _results), folder)
    assert len(load(folder)["file_audits"]) == 12 + 24


def test_a_crash_while_writing_leaves_the_old_table_whole(drawn, tmp_path, monkeypatch):
    folder, blank, _ = drawn
    filled = fill_worksheet(blank, tmp_path / "f.xlsx", _results)
    before = (folder / "file_audits.csv").read_bytes()

    def crash(self, path, *args, **kwargs):
        Path(path).write_text("quarter,person_id\nhalf", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", crash)
    with pytest.raises(OSError, match="disk full"):
        _ingest(filled, folder)
    assert (folder / "file_audits.csv").read_bytes() == before
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_split_writes_one_worksheet_per_service(tmp_path):
    folder = qa_dataset(tmp_path / "data", {"S-A": 6, "S-B": 6})
    sample = draw_sample(load(folder), QUARTER, size=4)
    paths = save_sample(sample, tmp_path / "out", split=True)
    assert [p.name for p in paths["worksheets"]] == [
        "qa-worksheet-S-A.xlsx",
        "qa-worksheet-S-B.xlsx",
    ]
    rows = [len(_listed(openpyxl.load_workbook(p)["Sample"])) for p in paths["worksheets"]]
    assert rows == [2, 2]
    with pytest.raises(AuditlibError, match="already"):
        save_sample(sample, tmp_path / "out", split=True)


def _listed(ws) -> list[str]:
    """The person_ids listed on a Sample sheet, down to the first blank row."""
    ids = [row[0] for row in ws.iter_rows(min_row=2, max_col=1, values_only=True)]
    return ids[: ids.index(None)] if None in ids else ids


@pytest.fixture
def ten_files(tmp_path):
    folder = qa_dataset(tmp_path / "data", {"S-A": 8, "S-B": 6})
    sample = draw_sample(load(folder), QUARTER, size=10, reserves=1)
    return write_worksheet(sample, tmp_path / "ten.xlsx")


def test_the_printed_worksheet_carries_a_key_of_the_criteria(ten_files):
    ws = openpyxl.load_workbook(ten_files)["Sample"]
    assert len(_listed(ws)) == 10
    title = 2 + 10 + 1  # below the header, the ten files and one blank row
    assert ws.cell(title, 1).value.startswith("Key: what the file shows")
    assert ws.cell(title + 1, 1).value == "Q01"
    assert "About Me profile with the circle of support" in ws.cell(title + 1, 2).value
    assert ws.cell(title + 12, 1).value == "Q12"
    assert "next review booked" in ws.cell(title + 12, 2).value
    # 3 file columns, 12 criteria, auditor, audit_date, notes: A..R; the key's last row is 25
    assert ws.print_area.endswith("$A$1:$R$25")
    setup = ws.page_setup
    assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_ten_files_and_the_key_print_on_one_page(ten_files, tmp_path):
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(ten_files)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = (tmp_path / "ten.pdf").read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages == 3  # Sample (files and key), Reserves and About: one page each
