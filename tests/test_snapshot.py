"""The snapshot cache: a validated dataset is read back as validated, and never trusted stale."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_dataset

import auditlib.snapshot as snapshot
from auditlib.cli import main
from auditlib.contract import TABLES
from auditlib.dataset import Dataset
from auditlib.errors import DatasetError
from auditlib.scope import restrict
from auditlib.snapshot import open_dataset
from auditlib.validation import load_dataset

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
TODAY = date(2026, 10, 1)  # after the conftest dataset's last meeting (2026-09-28)
LATER = date(2028, 1, 1)  # after the demo dataset's last date


class Validations:
    """Counts the validator's runs; ``fail`` makes a run an error (the load must not validate)."""

    def __init__(self, monkeypatch):
        self.count, self.fail = 0, False
        monkeypatch.setattr(snapshot, "load_dataset", self)

    def __call__(self, *args, **kwargs):
        if self.fail:
            raise AssertionError("validated again although the snapshot was valid")
        self.count += 1
        return load_dataset(*args, **kwargs)


@pytest.fixture
def validations(monkeypatch):
    return Validations(monkeypatch)


@pytest.fixture
def demo(tmp_path):
    return Path(shutil.copytree(DEMO, tmp_path / "demo"))


def _same(first, second):
    assert sorted(first.tables) == sorted(second.tables)
    for name, table in first.tables.items():
        pd.testing.assert_frame_equal(second.tables[name], table, check_exact=True)
    assert second.sources == first.sources
    assert second.path == first.path


def test_second_load_reads_the_snapshot_not_the_validator(demo, tmp_path, validations):
    cache, said = tmp_path / "cache", []
    first = open_dataset(demo, cache=cache, today=LATER, progress=said.append)
    assert validations.count == 1 and said == []
    validations.fail = True
    second = open_dataset(demo, cache=cache, today=LATER, progress=said.append)
    _same(first, second)  # every table, dtype, row number and source as validated
    assert second.fingerprint() == first.fingerprint()
    assert len(said) == 1 and "using the validated copy from" in said[0]


def test_row_numbers_and_sources_are_the_users_own(tmp_path, validations):
    people = "person_id,service_id,start_date,end_date,wants_family_involved\n"
    people += "P-1,S-ENG,2025-01-01,,yes\n\nP-2,S-SCT,2025-01-01,,no\nP-3,S-ENG,2026-08-15,,\n"
    folder = write_dataset(tmp_path / "data")
    (folder / "people.csv").write_text(people, encoding="utf-8")
    open_dataset(folder, cache=tmp_path / "cache", today=TODAY)
    validations.fail = True
    again = open_dataset(folder, cache=tmp_path / "cache", today=TODAY)
    assert list(again.people.index) == [2, 4, 5]  # the blank line 3 is not a row
    assert again.sources["people"].file == str(folder / "people.csv")


def test_a_changed_file_is_validated_afresh(tmp_path, validations):
    folder = write_dataset(tmp_path / "data")
    open_dataset(folder, cache=tmp_path / "cache", today=TODAY)
    services = folder / "services.csv"
    text = services.read_text(encoding="utf-8")
    services.write_text(text.replace("Oak House", "Ash House"), encoding="utf-8")  # same size
    again = open_dataset(folder, cache=tmp_path / "cache", today=TODAY)
    assert validations.count == 2
    assert "Ash House" in set(again.services["service_name"])


def test_a_file_made_invalid_is_refused_not_read_from_the_snapshot(tmp_path, validations):
    folder = write_dataset(tmp_path / "data")
    open_dataset(folder, cache=tmp_path / "cache", today=TODAY)
    meetings = folder / "meetings.csv"
    text = meetings.read_text(encoding="utf-8")
    meetings.write_text(text.replace("2026-07-03", "2026-07-3x"), encoding="utf-8")
    with pytest.raises(DatasetError) as caught:
        open_dataset(folder, cache=tmp_path / "cache", today=TODAY)
    (problem,) = caught.value.problems
    assert (problem.reason, problem.row, problem.value) == ("wrong_type", 2, "2026-07-3x")


def test_a_new_table_file_is_validated_afresh(tmp_path, validations):
    folder = write_dataset(tmp_path / "data")
    open_dataset(folder, cache=tmp_path / "cache", today=TODAY)
    staff = "staff_id,service_id,start_date,annual_training_date\nST-1,S-ENG,2026-04-25,\n"
    (folder / "staff.csv").write_text(staff, encoding="utf-8")
    again = open_dataset(folder, cache=tmp_path / "cache", today=TODAY)
    assert validations.count == 2 and "staff" in again


def test_a_changed_contract_is_validated_afresh(tmp_path, monkeypatch, validations):
    folder = write_dataset(tmp_path / "data")
    open_dataset(folder, cache=tmp_path / "cache", today=TODAY)
    services = TABLES["services"]
    nation = services.column("nation")
    widened = dataclasses.replace(nation, aliases={**nation.aliases, "alba": "scotland"})
    columns = tuple(widened if c.name == "nation" else c for c in services.columns)
    monkeypatch.setitem(TABLES, "services", dataclasses.replace(services, columns=columns))
    open_dataset(folder, cache=tmp_path / "cache", today=TODAY)
    assert validations.count == 2


def test_today_earlier_than_the_validation_is_validated_afresh(tmp_path, validations):
    folder = write_dataset(tmp_path / "data")
    open_dataset(folder, cache=tmp_path / "cache", today=TODAY)
    open_dataset(folder, cache=tmp_path / "cache", today=date(2027, 1, 1))  # later: still valid
    assert validations.count == 1
    with pytest.raises(DatasetError) as caught:  # M-5 on 2026-09-28 had not happened yet
        open_dataset(folder, cache=tmp_path / "cache", today=date(2026, 9, 27))
    assert {p.reason for p in caught.value.problems} == {"future_date"}
    assert validations.count == 2


def test_calendar_quarters_keep_their_own_snapshot(tmp_path, validations):
    folder = write_dataset(tmp_path / "data")
    open_dataset(folder, cache=tmp_path / "cache", today=TODAY)
    open_dataset(folder, cache=tmp_path / "cache", today=TODAY, calendar_quarters=True)
    assert validations.count == 2


def test_a_corrupt_snapshot_is_ignored_with_a_note_and_replaced(demo, tmp_path, validations):
    cache, said = tmp_path / "cache", []
    first = open_dataset(demo, cache=cache, today=LATER)
    (table,) = cache.glob("*/meetings.parquet")
    table.write_bytes(b"not parquet at all")
    again = open_dataset(demo, cache=cache, today=LATER, progress=said.append)
    assert validations.count == 2
    _same(first, again)
    assert len(said) == 1 and "cannot be read" in said[0] and "validating afresh" in said[0]
    validations.fail = True  # the afresh validation wrote a whole snapshot again
    _same(first, open_dataset(demo, cache=cache, today=LATER))


def test_a_snapshot_without_its_record_is_not_used(tmp_path, validations):
    folder = write_dataset(tmp_path / "data")
    open_dataset(folder, cache=tmp_path / "cache", today=TODAY)
    (record,) = (tmp_path / "cache").glob("*/snapshot.json")
    meta = json.loads(record.read_text(encoding="utf-8"))
    record.write_text(json.dumps({**meta, "fingerprint": "0" * 64}), encoding="utf-8")
    open_dataset(folder, cache=tmp_path / "cache", today=TODAY)
    assert validations.count == 2


def test_an_unwritable_cache_is_a_warning_never_a_failure(tmp_path, validations):
    folder = write_dataset(tmp_path / "data")
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    said = []
    dataset = open_dataset(folder, cache=blocked / "cache", today=TODAY, progress=said.append)
    assert len(dataset.meetings) == 6
    assert len(said) == 1 and said[0].startswith("warning: cannot keep a validated copy")
    open_dataset(folder, cache=blocked / "cache", today=TODAY, progress=said.append)
    assert validations.count == 2


def test_cache_off_keeps_no_copy(tmp_path, monkeypatch, validations):
    folder = write_dataset(tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    open_dataset(folder, cache=False, today=TODAY)
    open_dataset(folder, cache=False, today=TODAY)
    monkeypatch.setenv("AUDITLIB_CACHE", "off")
    open_dataset(folder, today=TODAY)
    assert validations.count == 3
    assert not (tmp_path / ".auditlib-cache").exists()


def test_the_default_cache_is_the_environments_or_the_current_folders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUDITLIB_CACHE", raising=False)
    assert snapshot.cache_folder() == Path(".auditlib-cache")
    monkeypatch.setenv("AUDITLIB_CACHE", str(tmp_path / "elsewhere"))
    assert snapshot.cache_folder() == tmp_path / "elsewhere"
    assert snapshot.cache_folder(tmp_path / "given") == tmp_path / "given"


def test_a_workbook_keeps_its_sheets(tmp_path, validations):
    from auditlib.synth import make_scale, write_workbook

    workbook = tmp_path / "demo.xlsx"
    write_workbook(make_scale("demo"), workbook)
    first = open_dataset(workbook, cache=tmp_path / "cache", today=LATER)
    validations.fail = True
    again = open_dataset(workbook, cache=tmp_path / "cache", today=LATER)
    _same(first, again)
    assert again.sources["people"].sheet == "people"


def test_the_command_line_reuses_the_snapshot_and_no_cache_turns_it_off(
    demo, tmp_path, monkeypatch, capsys, validations
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUDITLIB_CACHE", raising=False)
    command = ["metrics", str(demo), "--quarter", "latest", "--as-of", "2026-10-01"]
    assert main([*command, "--no-cache"]) == 0
    assert not (tmp_path / ".auditlib-cache").exists()
    capsys.readouterr()
    assert main(command) == 0
    assert len(list((tmp_path / ".auditlib-cache").glob("*/snapshot.json"))) == 1
    validated = capsys.readouterr()
    validations.fail = True
    assert main(command) == 0
    reused = capsys.readouterr()
    assert reused.out == validated.out  # the same metrics from the validated copy
    assert "using the validated copy from" in reused.err
    assert "using the validated copy" not in validated.err
    validations.fail = False
    assert main([*command, "--cache", str(tmp_path / "own")]) == 0
    assert len(list((tmp_path / "own").glob("*/snapshot.json"))) == 1
    assert validations.count == 3


def test_a_snapshot_is_written_only_when_the_input_did_not_change_meanwhile(tmp_path, monkeypatch):
    folder = write_dataset(tmp_path / "data")

    def validate_then_edit(*args, **kwargs):
        dataset = load_dataset(*args, **kwargs)
        with open(folder / "services.csv", "a", encoding="utf-8") as handle:
            handle.write("S-NEW,Ash Lodge,England,home_care,Ash\n")
        return dataset

    monkeypatch.setattr(snapshot, "load_dataset", validate_then_edit)
    open_dataset(folder, cache=tmp_path / "cache", today=TODAY)
    assert not list((tmp_path / "cache").glob("*/snapshot.json"))


def test_a_kernel_started_by_the_runner_is_told_the_same_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITLIB_CACHE", "before")
    with snapshot.kernel_cache(tmp_path / "given"):
        assert snapshot.cache_folder() == (tmp_path / "given").resolve()
    with snapshot.kernel_cache(False):
        assert snapshot.cache_folder() is None
    assert snapshot.cache_folder() == Path("before")  # put back as it was
    monkeypatch.delenv("AUDITLIB_CACHE")
    with snapshot.kernel_cache(tmp_path / "given"):
        pass
    assert "AUDITLIB_CACHE" not in os.environ


def _rows(folder: Path, table: str, column: str, values: set[str]) -> list[int]:
    """Row numbers (header = 1) of a CSV file whose ``column`` is one of ``values``, by csv."""
    with open(folder / f"{table}.csv", newline="", encoding="utf-8") as handle:
        return [n for n, row in enumerate(csv.DictReader(handle), start=2) if row[column] in values]


@pytest.mark.parametrize("chosen", [["S-001"], ["S-004", "S-002"], ["S-999"]])
def test_a_load_of_chosen_services_reads_only_their_rows_from_the_snapshot(
    demo, tmp_path, validations, chosen
):
    cache = tmp_path / "cache"
    whole = open_dataset(demo, cache=cache, today=LATER)
    validations.fail = True
    cut = open_dataset(demo, cache=cache, today=LATER, services=chosen)
    expected = restrict(whole, chosen)
    assert list(cut.tables) == list(expected.tables)
    for name, table in expected.tables.items():  # every row, in file order, typed as validated
        pd.testing.assert_frame_equal(cut.tables[name], table, check_exact=True)
    # worked from the CSV files themselves: the chosen services' people, and the governance
    # events of every service on a chosen service's site (NI samples are counted per site)
    services = pd.read_csv(demo / "services.csv", dtype=str)
    site = services["site"].fillna(services["service_id"])
    on_sites = site.isin(site[services["service_id"].isin(chosen)])
    neighbours = set(services.loc[on_sites, "service_id"])
    assert list(cut.people.index) == _rows(demo, "people", "service_id", set(chosen))
    assert list(cut["governance_events"].index) == _rows(
        demo, "governance_events", "service_id", neighbours
    )
    assert set(cut.services["service_id"]) == neighbours
    assert cut.sources == whole.sources
    # it still names the whole dataset: its content's fingerprint and its first meeting
    assert cut.fingerprint() == Dataset(whole.tables).fingerprint()
    with open(demo / "meetings.csv", newline="", encoding="utf-8") as handle:
        first = min(row["meeting_date"] for row in csv.DictReader(handle) if row["meeting_date"])
    assert cut.first_meeting_date() == date.fromisoformat(first)


def test_a_load_of_chosen_services_without_a_snapshot_is_the_same_cut(demo, tmp_path):
    whole = open_dataset(demo, cache=False, today=LATER)
    cut = open_dataset(demo, cache=False, today=LATER, services=["S-001"])
    for name, table in restrict(whole, ["S-001"]).tables.items():
        pd.testing.assert_frame_equal(cut.tables[name], table, check_exact=True)
    assert cut.fingerprint() == whole.fingerprint()
    assert cut.first_meeting_date() == whole.first_meeting_date()


def test_the_snapshot_keeps_the_datasets_fingerprint_so_no_report_hashes_it_again(
    demo, tmp_path, monkeypatch
):
    cache = tmp_path / "cache"
    fresh = open_dataset(demo, cache=False, today=LATER).fingerprint()
    open_dataset(demo, cache=cache, today=LATER)

    def refuse(self):
        raise AssertionError("hashed the whole dataset again")

    monkeypatch.setattr(Dataset, "_content_fingerprint", refuse)
    assert open_dataset(demo, cache=cache, today=LATER).fingerprint() == fresh
