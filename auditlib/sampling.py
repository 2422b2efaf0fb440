"""Drawing the ten-file QA sample: the frame, allocation, rotation, reserves and the record.

Everything here is whole-table work: the frame is a filter of the people
table, every frame row gets a random key from one seeded generator, and the
draw is a sort and a rank within each stratum (a service, or a site for NI
sampling). No loop runs per service, so a national draw is instant.

The draw is fully determined by the frame, the quarter and the seed: the
generator is seeded from all three, and its keys come straight from the
PCG64 bit generator, whose stream numpy keeps stable across versions and
machines (``Generator`` methods such as ``random`` are not promised to be).
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import AuditlibError, DatasetError, PeriodError, Problem
from .files import csv_text, write_text_atomic
from .periods import Period, parse_period

__all__ = [
    "SAMPLE_COLUMNS",
    "Sample",
    "allocate",
    "as_quarter",
    "draw_sample",
    "frame_fingerprint",
    "output_paths",
    "quarter_mask",
    "quarter_slug",
    "sampling_frame",
    "select_services",
    "supported_people",
    "write_sample",
]

DEFAULT_SIZE = 10
DEFAULT_RESERVES = 2
FRAME_COLUMNS = ["person_id", "service_id", "service_name", "site", "audited_last_quarter"]
SAMPLE_COLUMNS = [
    "person_id",
    "service_id",
    "service_name",
    "site",
    "stratum",
    "role",
    "draw_order",
    "audited_last_quarter",
]


def as_quarter(quarter: Period | str, *, calendar_quarters: bool = False) -> Period:
    """A quarter from a :class:`Period` or a label; a month is refused."""
    period = parse_period(quarter, calendar_quarters=calendar_quarters)
    if period.kind != "quarter":
        raise PeriodError(f"{period.label} is a month: the QA sample and scores are per quarter")
    return period


def quarter_mask(labels: pd.Series, quarter: Period) -> np.ndarray:
    """Which quarter labels (as the dataset holds them) name the same three months as ``quarter``.

    Matching on dates rather than text lets a financial label and the same
    months as a calendar label agree. A handful of distinct labels are parsed.
    """
    starts = {}
    for label in labels.dropna().unique():
        try:
            starts[label] = parse_period(label, calendar_quarters=True).start
        except PeriodError:
            continue
    same = {label for label, start in starts.items() if start == quarter.start}
    return labels.isin(same).to_numpy(dtype=bool)


def select_services(dataset: Dataset, services: Sequence[str] | None) -> list[str]:
    """The chosen service ids in the order given (every service when None); unknown ids refused."""
    known = dataset.services["service_id"].astype(str)
    if services is None:
        return list(known)
    chosen = list(dict.fromkeys(str(s).strip() for s in services))
    unknown = [s for s in chosen if s not in set(known)]
    if unknown:
        problems = [
            Problem(
                "unknown_service",
                "not a service_id in table services",
                table="services",
                column="service_id",
                value=s,
            )
            for s in unknown
        ]
        raise DatasetError(f"{len(unknown)} unknown service id(s) chosen", problems)
    if not chosen:
        raise DatasetError("no services chosen")
    return chosen


def supported_people(dataset: Dataset, quarter: Period, services: Sequence[str]) -> pd.DataFrame:
    """The people of ``services`` supported on at least one day of the quarter (quality.md).

    Supported: started on or before the quarter's last day and not ended
    before its first day (a blank end date means still supported).
    """
    people = dataset.people
    start, end = pd.Timestamp(quarter.start), pd.Timestamp(quarter.end)
    inside = (
        people["service_id"].isin(list(services))
        & (people["start_date"] <= end)
        & ~(people["end_date"] < start).fillna(False).astype(bool)
    )
    return people.loc[inside.to_numpy(dtype=bool), ["person_id", "service_id"]]


def sampling_frame(
    dataset: Dataset,
    quarter: Period | str,
    *,
    services: Sequence[str] | None = None,
    reviewed_only: bool = False,
    calendar_quarters: bool = False,
) -> pd.DataFrame:
    """The people a quarter's sample is drawn from, one row each, sorted by person_id.

    Columns: person_id, service_id, service_name, site (the service's site;
    a service with none is its own site) and audited_last_quarter (a result
    in file_audits for the previous quarter: rotation leaves these out
    while it can). ``reviewed_only`` keeps people with a review in the
    quarter (any meeting but a post-incident debrief, as the metrics count).
    """
    period = as_quarter(quarter, calendar_quarters=calendar_quarters)
    chosen = select_services(dataset, services)
    frame = supported_people(dataset, period, chosen)
    if reviewed_only:
        meetings = dataset.meetings
        in_quarter = (
            (meetings["meeting_date"] >= pd.Timestamp(period.start))
            & (meetings["meeting_date"] <= pd.Timestamp(period.end))
            & (meetings["meeting_type"] != "post_incident_debrief")
        )
        reviewed = meetings.loc[in_quarter.to_numpy(dtype=bool), "person_id"]
        frame = frame[frame["person_id"].isin(reviewed).to_numpy(dtype=bool)]
    names = dataset.services.set_index("service_id")["service_name"]
    audits = dataset.get("file_audits")
    if audits is None:
        audited = pd.Series(dtype="string")
    else:
        audited = audits.loc[quarter_mask(audits["quarter"], period.previous()), "person_id"]
    frame = pd.DataFrame(
        {
            "person_id": frame["person_id"].astype(str).to_numpy(),
            "service_id": frame["service_id"].astype(str).to_numpy(),
            "service_name": frame["service_id"].map(names).astype(str).to_numpy(),
            "site": frame["service_id"].map(_sites(dataset)).to_numpy(),
            "audited_last_quarter": frame["person_id"].isin(audited).to_numpy(dtype=bool),
        }
    )
    return frame.sort_values("person_id", kind="stable", ignore_index=True)[FRAME_COLUMNS]


def frame_fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of the frame: person_id, service_id, site and audited_last_quarter (1/0).

    One line per person in person_id order, fields separated by U+001F, so
    anyone holding the same data can recompute it and check a redraw.
    """
    ordered = frame.sort_values("person_id", kind="stable")
    lines = (
        ordered["person_id"].astype(str)
        + "\x1f"
        + ordered["service_id"].astype(str)
        + "\x1f"
        + ordered["site"].astype(str)
        + "\x1f"
        + np.where(ordered["audited_last_quarter"].to_numpy(dtype=bool), "1", "0")
    )
    text = "".join(lines + "\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def allocate(frame_sizes: pd.Series, size: int) -> pd.Series:
    """Split ``size`` files across strata in proportion to their frames, at least 1 each.

    Largest remainder (Hamilton): each stratum gets the whole part of its
    quota and the files left over go to the largest fractional parts (ties:
    the larger frame, then the stratum listed first). A stratum whose quota
    is under 1 is given 1 and the rest is shared among the others, repeated
    until every quota is at least 1. A stratum with an empty frame gets 0.
    When ``size`` is less than the number of non-empty strata each gets 1;
    when it is more than the whole frame, everyone is drawn.
    """
    sizes = frame_sizes.astype("int64")
    nonempty = sizes > 0
    total = min(max(int(size), int(nonempty.sum())), int(sizes.sum()))
    fixed = pd.Series(False, index=sizes.index)
    while True:  # one round per wave of small strata: a handful at most
        free = nonempty & ~fixed
        remaining = total - int(fixed.sum())
        quota = (remaining * sizes.where(free, 0) / max(int(sizes[free].sum()), 1)).astype(float)
        small = free & (quota < 1)
        if not small.any():
            break
        fixed |= small
    whole = np.floor(quota).astype("int64")
    left = remaining - int(whole.sum())
    ranking = pd.DataFrame(
        {"remainder": -(quota - whole), "size": -sizes, "position": np.arange(len(sizes))}
    ).sort_values(["remainder", "size", "position"], kind="stable")
    extra = pd.Series(0, index=sizes.index, dtype="int64")
    extra.iloc[ranking["position"].to_numpy()[:left]] = 1
    return (whole + extra + fixed.astype("int64")).rename("allocated")


@dataclass(frozen=True, eq=False)
class Sample:
    """A drawn sample: ``files`` (sample rows, then reserves) and the sampling ``record``.

    ``files`` has the columns of ``SAMPLE_COLUMNS``; ``role`` is ``sample``
    or ``reserve`` and ``draw_order`` the position in the stratum's draw
    (reserves follow the sample, to be used in that order).
    """

    quarter: Period
    seed: int
    files: pd.DataFrame
    record: dict[str, Any]

    @property
    def sampled(self) -> pd.DataFrame:
        return self.files[self.files["role"] == "sample"]

    @property
    def reserves(self) -> pd.DataFrame:
        return self.files[self.files["role"] == "reserve"]

    @property
    def fingerprint(self) -> str:
        return self.record["frame"]["fingerprint_sha256"]


def draw_sample(
    dataset: Dataset,
    quarter: Period | str,
    *,
    services: Sequence[str] | None = None,
    size: int | None = None,
    per_site: int | None = None,
    seed: int = 0,
    reviewed_only: bool = False,
    reserves: int = DEFAULT_RESERVES,
    calendar_quarters: bool = False,
) -> Sample:
    """Draw the quarter's QA sample as quality.md describes.

    ``size`` files (default 10) allocated across the services in proportion
    to their frames, or ``per_site`` files per site (NI sampling: 2). Files
    audited last quarter are drawn only when a stratum has too few others;
    a frame smaller than asked is drawn whole and reported as a shortfall,
    not refused. ``reserves`` more per stratum follow in drawn order.
    """
    if size is not None and per_site is not None:
        raise AuditlibError(
            "give a sample size (--size) or a number per site (--per-site), not both"
        )
    for name, value, least in (("size", size, 1), ("per_site", per_site, 1), ("seed", seed, 0)):
        if value is not None and (int(value) != value or value < least):
            option = f"--{name.replace('_', '-')} ({name})"  # as the command and Python spell it
            raise AuditlibError(f"{option} must be a whole number of at least {least}, got {value}")
    if int(reserves) != reserves or reserves < 0:
        raise AuditlibError(
            f"--reserves (reserves) must be a whole number, at least 0, got {reserves}"
        )
    period = as_quarter(quarter, calendar_quarters=calendar_quarters)
    chosen = select_services(dataset, services)
    frame = sampling_frame(dataset, period, services=chosen, reviewed_only=reviewed_only)
    fingerprint = frame_fingerprint(frame)
    stratum = "site" if per_site is not None else "service_id"
    strata = _strata(dataset, chosen, stratum)
    counts = pd.DataFrame(
        {
            "frame": frame[stratum].value_counts(),
            "eligible": frame.loc[~frame["audited_last_quarter"], stratum].value_counts(),
        }
    )
    counts = counts.reindex(strata.index, fill_value=0).fillna(0).astype("int64")
    if per_site is None:
        wanted = allocate(counts["frame"], DEFAULT_SIZE if size is None else int(size))
    else:
        wanted = pd.Series(int(per_site), index=strata.index)
    counts["allocated"] = wanted
    counts["drawn"] = np.minimum(counts["allocated"], counts["frame"])
    counts["reserves"] = np.minimum(int(reserves), counts["frame"] - counts["drawn"])
    counts["drawn_again"] = np.maximum(counts["drawn"] - counts["eligible"], 0)
    keys = _generator(seed, period, fingerprint).random_raw(len(frame))
    ordered = frame.assign(stratum=frame[stratum], key=keys).sort_values(
        ["stratum", "audited_last_quarter", "key"], kind="stable", ignore_index=True
    )
    rank = ordered.groupby("stratum", sort=False).cumcount().to_numpy()
    drawn = ordered["stratum"].map(counts["drawn"]).to_numpy()
    spare = ordered["stratum"].map(counts["reserves"]).to_numpy()
    ordered["role"] = np.where(rank < drawn, "sample", "reserve")
    ordered["draw_order"] = rank + 1
    files = ordered[rank < drawn + spare].sort_values(
        ["role", "stratum", "draw_order"], ascending=[False, True, True], kind="stable"
    )
    files = files[SAMPLE_COLUMNS].reset_index(drop=True)
    requested = {"size": size or DEFAULT_SIZE} if per_site is None else {"per_site": per_site}
    record = _record(
        period,
        seed,
        chosen,
        frame,
        fingerprint,
        counts,
        strata,
        files,
        requested,
        reserves=int(reserves),
        reviewed_only=reviewed_only,
        rotation="file_audits" in dataset,
    )
    return Sample(period, int(seed), files, record)


def _strata(dataset: Dataset, chosen: list[str], stratum: str) -> pd.Series:
    """Each stratum (service, or site) of the chosen services with the services in it, sorted."""
    services = pd.DataFrame({"service_id": chosen})
    if stratum == "site":
        services["site"] = services["service_id"].map(_sites(dataset))
    else:
        services["site"] = services["service_id"]
    grouped = services.groupby("site", sort=True)["service_id"].agg(lambda ids: sorted(ids))
    return grouped.rename_axis("stratum")


def _sites(dataset: Dataset) -> pd.Series:
    """Each service's site (the service itself where no site is given), by service_id."""
    services = dataset.services.set_index("service_id")
    site = services["site"] if "site" in services else pd.Series(pd.NA, index=services.index)
    site = site.astype("string").str.strip().replace("", pd.NA)
    return site.fillna(pd.Series(services.index, index=services.index)).astype(str)


def _generator(seed: int, quarter: Period, fingerprint: str) -> np.random.PCG64:
    """PCG64 seeded from (seed, quarter label, frame fingerprint) through SeedSequence."""
    material = f"{int(seed)}\x1f{quarter.label}\x1f{fingerprint}".encode()
    entropy = int.from_bytes(hashlib.sha256(material).digest(), "big")
    return np.random.PCG64(np.random.SeedSequence(entropy))


def _record(
    period: Period,
    seed: int,
    chosen: list[str],
    frame: pd.DataFrame,
    fingerprint: str,
    counts: pd.DataFrame,
    strata: pd.Series,
    files: pd.DataFrame,
    requested: dict[str, int],
    *,
    reserves: int,
    reviewed_only: bool,
    rotation: bool,
) -> dict[str, Any]:
    """The sampling record: all it takes to redraw the sample and see it was not hand-picked."""
    previous = period.previous().label
    who = "people reviewed" if reviewed_only else "people supported"
    sample_ids = files.loc[files["role"] == "sample", "person_id"]
    audited = frame.loc[frame["audited_last_quarter"], "person_id"]
    allocation = counts.assign(services=strata).rename_axis("stratum").reset_index()
    short = allocation[allocation["drawn"] < allocation["allocated"]]
    shortfall = [
        {
            "stratum": row.stratum,
            "missing": int(row.allocated - row.drawn),
            "why": f"only {row.frame} {who} in {period.label}: all of them drawn",
        }
        for row in short.itertuples()  # only the short strata
    ]
    notes = [
        f"Frame: {len(frame)} {who} on at least one day of {period} across "
        f"{len(chosen)} service{'s' if len(chosen) != 1 else ''} (SHA-256 {fingerprint[:12]}...)."
    ]
    if "size" in requested:
        size, nonempty = requested["size"], int((counts["frame"] > 0).sum())
        notes.append(
            f"{size} files asked for, allocated in proportion to each service's frame "
            f"(largest remainder, at least one each): {int(counts['allocated'].sum())} allocated."
        )
        if size < nonempty:
            notes.append(f"{nonempty} services have people in the frame: one file each.")
        if size > len(frame):
            shortfall.append(
                {
                    "stratum": "ALL",
                    "missing": size - len(frame),
                    "why": f"the frame holds only {len(frame)} {who}: all of them drawn",
                }
            )
    else:
        notes.append(f"{requested['per_site']} files per site (NI sampling), {len(strata)} sites.")
    if not rotation:
        notes.append(
            f"No file_audits table: files audited in {previous} are not known, "
            "so rotation could not be applied."
        )
    else:
        left_out = audited[~audited.isin(sample_ids)]
        notes.append(f"Rotation: {len(left_out)} files audited in {previous} left out.")
        again = allocation[allocation["drawn_again"] > 0]
        notes += [
            f"{row.stratum}: the frame did not allow rotation; {row.drawn_again} file(s) "
            f"audited in {previous} drawn again."
            for row in again.itertuples()  # only the strata concerned
        ]
    notes += [
        f"Shortfall at {s['stratum']}: {s['missing']} file(s) short ({s['why']})."
        for s in shortfall
    ]
    return {
        "what": "auditlib ten-file QA sampling record",
        "quarter": period.label,
        "quarter_start": period.start.isoformat(),
        "quarter_end": period.end.isoformat(),
        "seed": int(seed),
        "method": "proportional" if "size" in requested else "per_site",
        "requested": requested,
        "reserves_per_stratum": reserves,
        "reviewed_only": reviewed_only,
        "services": chosen,
        "frame": {
            "size": len(frame),
            "fingerprint_sha256": fingerprint,
            "fingerprint_of": (
                "one line per person in the frame, in person_id order: person_id, service_id, "
                "site, audited_last_quarter (1/0), separated by U+001F, each line ending in \\n"
            ),
        },
        "generator": (
            "numpy PCG64 seeded with SeedSequence(SHA-256 of 'seed U+001F quarter label U+001F "
            "frame fingerprint' as an integer); each frame row in person_id order takes one "
            "64-bit key from random_raw; within each stratum files not audited last quarter "
            "come first, then keys ascending; the first are the sample, the next the reserves"
        ),
        "allocation": _plain(allocation),
        "drawn": {"sample": len(sample_ids), "reserves": int((files["role"] == "reserve").sum())},
        "exclusions": {
            "previous_quarter": previous,
            "rotation_applied": rotation,
            "audited_last_quarter_in_frame": len(audited),
            "left_out": sorted(audited[~audited.isin(sample_ids)]),
            "drawn_again": sorted(audited[audited.isin(sample_ids)]),
        },
        "shortfall": shortfall,
        "notes": notes,
        "versions": {
            "auditlib": version("auditlib"),
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "python": platform.python_version(),
        },
    }


def _plain(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Records with plain Python values, ready for JSON."""
    return json.loads(table.to_json(orient="records"))


def quarter_slug(quarter: Period) -> str:
    """A quarter label fit for a file name: ``2026/27 Q2`` -> ``2026-27-Q2``."""
    return re.sub(r"[^A-Za-z0-9]+", "-", quarter.label).strip("-")


def output_paths(out_dir: str | Path, quarter: Period) -> dict[str, Path]:
    """Where a quarter's sample list, sampling record and worksheet are written."""
    out_dir, slug = Path(out_dir), quarter_slug(quarter)
    return {
        "sample": out_dir / f"qa-sample-{slug}.csv",
        "record": out_dir / f"qa-sampling-record-{slug}.json",
        "worksheet": out_dir / f"qa-worksheet-{slug}.xlsx",
    }


def write_sample(sample: Sample, out_dir: str | Path, *, force: bool = False) -> dict[str, Path]:
    """Write the sample list (CSV) and the sampling record (JSON) beside it, atomically.

    An earlier draw for the same quarter in ``out_dir`` is not replaced
    unless ``force``: a sample once handed out should not quietly change.
    Values are written as they are in the dataset, except that a text
    starting like a formula gets a leading ``'`` (:func:`~auditlib.files.csv_text`).
    """
    paths = output_paths(out_dir, sample.quarter)
    del paths["worksheet"]
    existing = [str(p) for p in paths.values() if p.exists()]
    if existing and not force:
        raise AuditlibError(
            f"a sample for {sample.quarter.label} is already in {out_dir} ({', '.join(existing)}); "
            "keep it, choose another folder, or redraw on purpose with --force (force=True)"
        )
    write_text_atomic(paths["sample"], csv_text(sample.files))
    write_text_atomic(
        paths["record"], json.dumps(sample.record, indent=2, ensure_ascii=False) + "\n"
    )
    return paths
