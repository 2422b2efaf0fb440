"""The report's sections, one function each, in the order the report prints them.

Each function takes the report's :class:`~auditlib.report.model.Inputs` and the
section's title and returns a :class:`~auditlib.report.blocks.Section` already
cut to the audience: the files behind each QA finding (pseudonymous ids and
auditors' notes) only for ``internal``; counts from 1 to 7 hidden for
``public`` (:mod:`auditlib.report.disclosure`). Every number carries its n and
its dates; a measure with no value says why, and absent or pending evidence is
never shown as a failure.
"""

from __future__ import annotations

import hashlib
import platform
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import pandas as pd

from .._words import STATUS_WORDS, percent
from ..metrics import METRICS
from .blocks import Figure, Heading, List, Section, Table, Text
from .disclosure import RULE as DISCLOSURE_RULE
from .groups import GROUPS
from .model import Inputs

__all__ = [
    "before_after",
    "board",
    "cqc",
    "dashboard",
    "grid",
    "methods",
    "paragraph",
    "plan",
    "provenance",
    "qa",
]

_MAX_SERVICE_CHARTS = 6  # per-service grid charts beyond this many services become one table


# --------------------------------------------------------------------------- board summary


def board(inputs: Inputs, title: str) -> Section:
    """Every metric's latest value and n, target, variation and assurance, in words and icons."""
    from .board import board_summary

    summary = inputs.trends.summary
    table = board_summary(
        _all_rows(inputs.quarter_metrics), summary[summary["scope"] == "ALL"], inputs.targets
    )
    if inputs.public:  # the value as disclosure control lets it be read, and no bare n
        published = _all_rows(inputs.shown_metrics).set_index("metric_id")["value_text"]
        table["value_text"] = table["metric_id"].map(published).to_numpy()
        table = table.drop(columns=["n"], errors="ignore")
    shown = table.rename(columns=_BOARD_COLUMNS)[list(_BOARD_COLUMNS.values())]
    shown["Measure"] = shown["Measure"].map(_capital)
    p = inputs.params
    caption = (
        f"All chosen services, {p.quarter}; variation and assurance from SPC by month over "
        f"the {inputs.trends.settings['months']} months to {p.quarter.end:%b %Y}"
    )
    blocks = [
        Text(
            "Variation says whether the latest month is ordinary (common cause) or a signal; "
            "assurance says whether the process will reliably meet its target. A metric with "
            "too few months, or without a target, gets no icon rather than a guess.",
            kind="note",
        ),
        Table("board_summary", caption, shown, table.drop(columns=_ICON_COLUMNS),
              html_columns=("Variation", "Assurance")),
    ]  # fmt: skip
    return Section("board", title, blocks)


_BOARD_COLUMNS = {
    "label": "Measure",
    "value_text": "Latest quarter (n)",
    "target_text": "Target",
    "variation_icon": "Variation",
    "variation": "Variation in words",
    "assurance_icon": "Assurance",
    "assurance": "Assurance in words",
    "note": "Note",
}
_ICON_COLUMNS = ["variation_icon", "assurance_icon"]


def _all_rows(metrics: pd.DataFrame) -> pd.DataFrame:
    return metrics[metrics["scope"] == "ALL"].reset_index(drop=True)


# --------------------------------------------------------------------------- 1. paragraph


def paragraph(inputs: Inputs, title: str) -> Section:
    """The four-line assured involvement paragraph, every number dated and sourced."""
    lines = inputs.paragraph.split("\n")
    labels = [line.split(",", 1)[0] for line in lines]
    texts = [line.split(": ", 1)[1] if ": " in line else line for line in lines]
    blocks = [Text(text, label=label) for label, text in zip(labels, texts, strict=True)]
    data = pd.DataFrame({"line": labels, "text": lines})
    blocks.append(Table("assured_involvement", "", data, data, printed=False))
    return Section("paragraph", title, blocks)


# --------------------------------------------------------------------------- 2. ten-file QA


def qa(inputs: Inputs, title: str) -> Section:
    """Compliance per criterion and per service, with intervals and the LQAS verdict."""
    p = inputs.params
    table = inputs.qa
    audited = table is not None and (table["status"] == "ok").any()
    if not audited:
        why = "the dataset has no file_audits table" if table is None else "no files audited"
        return Section(
            "qa",
            title,
            [
                Text(
                    f"No ten-file QA results for {p.quarter}: {why}. This is not a failure: "
                    "the QA evidence is not there yet, so nothing here is scored.",
                    kind="warning",
                )
            ],
        )
    shown = inputs.shown_qa
    overall = shown[shown["scope"] == "ALL"]
    blocks: list = [
        Text(
            f"Files audited in {p.quarter}, {inputs.place}. Compliance is met of the files where "
            "the criterion applies; partial is shown beside it, never counted as met.",
            kind="note",
        ),
        Table(
            "qa_compliance",
            f"Ten-file QA compliance per criterion, all chosen services, {p.quarter.label}",
            overall[_QA_SHOWN].rename(columns=_QA_NAMES),
            _qa_data(shown, table, inputs.public),
        ),
    ]
    blocks += _lqas_words(table, public=inputs.public)
    blocks.append(_qa_by_service(shown, p.quarter.label))
    if inputs.internal:
        blocks += _files_behind(inputs)
    return Section("qa", title, blocks)


_LQAS_PUBLIC = (
    "A ten-file sample is small: it cannot reliably tell a service at 90% from one at 60% "
    "with both chances of a wrong call at 10% or less, so each classification is a prompt to "
    "look closer, not a verdict."
)
_QA_SHOWN = ["criterion_id", "wording", "result_text", "partial_text", "interval", "lqas_text"]
_QA_NAMES = {
    "criterion_id": "Criterion",
    "wording": "The file shows",
    "result_text": "Met (of applicable files)",
    "partial_text": "Partial",
    "interval": "95% interval",
    "lqas_text": "LQAS classification",
}


_QA_RULE_COLUMNS = ["lqas_sentence", "lqas_rule", "lqas_alpha", "lqas_beta", "population"]


def _qa_data(shown: pd.DataFrame, table: pd.DataFrame, public: bool) -> pd.DataFrame:
    if public:  # a rule "at least 5 of 6" would publish a count of files from 1 to 7
        return shown.drop(columns=_QA_RULE_COLUMNS, errors="ignore")
    return table.drop(columns=["lqas_sentence"])


def _lqas_words(table: pd.DataFrame, *, public: bool) -> list:
    blocks = [Heading("What a sample this size can show")]
    if public:
        return [*blocks, Text(_LQAS_PUBLIC)]
    overall = table[(table["scope"] == "ALL") & table["lqas_sentence"].notna()]
    for sentence, rows in overall.groupby("lqas_sentence", sort=False):
        blocks.append(Text(sentence, label=", ".join(rows["criterion_id"])))
    return blocks


def _qa_by_service(shown: pd.DataFrame, quarter: str) -> Table:
    services = shown[shown["scope"] != "ALL"]
    grid = services.pivot(index="criterion_id", columns="scope", values="result_text")
    grid = grid.reindex(pd.unique(services["criterion_id"])).reset_index()
    grid.columns.name = None
    return Table(
        "qa_by_service",
        f"Met of applicable files, per service and criterion, {quarter}",
        grid.rename(columns={"criterion_id": "Criterion"}),
        grid,
    )


def _files_behind(inputs: Inputs) -> list:
    """Internal only: the files behind each partial or not-met finding, with the notes."""
    audits = inputs.scoped["file_audits"]
    from ..sampling import quarter_mask

    rows = audits[quarter_mask(audits["quarter"], inputs.params.quarter)]
    rows = rows[rows["result"].isin(["partial", "not_met"]).to_numpy(dtype=bool)]
    service = inputs.data.people.set_index("person_id")["service_id"]
    shown = pd.DataFrame(
        {
            "Criterion": rows["criterion_id"].to_numpy(),
            "File (person_id)": rows["person_id"].to_numpy(),
            "Service": rows["person_id"].map(service).to_numpy(),
            "Result": rows["result"].to_numpy(),
            "Auditor": rows["auditor"].to_numpy(),
            "Note": rows["note"].to_numpy() if "note" in rows else "",
        }
    ).sort_values(["Criterion", "Service", "File (person_id)"], kind="stable")
    caption = f"Internal: the files behind each partial or not-met finding ({len(shown)} results)"
    return [
        Heading("The files behind each finding (internal only)"),
        Table("qa_files_behind", caption, shown, shown),
        Table(
            "qa_file_completeness",
            "Internal: how complete each audited file's results are",
            inputs.files.drop(columns=["quarter"]),
            inputs.files,
        ),
    ]


# --------------------------------------------------------------------------- 3. grid


def grid(inputs: Inputs, title: str) -> Section:
    """Claimed against evidenced per dimension, totals against the target, over-claims flagged."""
    table = inputs.grid
    totals = table.drop_duplicates("service_id")
    target = int(totals["target"].iloc[0])
    shown = pd.DataFrame(
        {
            "Service": totals["service_name"].to_numpy(),
            "Claimed (of 20)": _whole(totals["claimed_total"]),
            "Evidenced (of 20)": _whole(totals["evidenced_total"]),
            "Dimensions with evidence": _whole(totals["dimensions_covered"]).astype(str) + " of 10",
            "Over-claims": table.groupby("service_id", sort=False)["over_claim"].sum().to_numpy(),
            f"Against the target of {target}": totals["target_note"].to_numpy(),
        }
    )
    blocks: list = [
        Text(
            "Claimed is what each service scored itself; evidenced is what its data supports "
            "under the rubric (see Methods). An over-claim is evidence that falls short of the "
            "claim, which is what an inspector will find; missing or pending evidence is never "
            "an over-claim.",
            kind="note",
        ),
        Table("grid_totals", f"Self-score grid totals, {inputs.params.quarter}", shown,
              totals.drop(columns=["dimension"])),
    ]  # fmt: skip
    columns = [c for c in _GRID_DETAIL if not (inputs.public and c == "evidence")]
    if inputs.public:  # the evidence behind each score names service-level counts
        table = table.drop(columns=_GRID_COUNTED)
        blocks.append(Text(_GRID_PUBLIC, kind="note"))
    if len(totals) <= _MAX_SERVICE_CHARTS:
        blocks += _grid_charts(inputs, table)
    detail = table[columns].rename(columns=_GRID_NAMES)
    blocks.append(Table("grid", "Every dimension, per service", detail, table))
    return Section("grid", title, blocks)


_GRID_COUNTED = ["evidence", "evidence_note", "shortfall"]
_GRID_PUBLIC = (
    "The evidence behind each score is not published here: at a single service it rests on "
    "counts small enough to identify people."
)


_GRID_DETAIL = ["service_name", "dimension", "claimed", "evidenced", "finding", "evidence"]
_GRID_NAMES = {
    "service_name": "Service",
    "dimension": "Dimension",
    "claimed": "Claimed",
    "evidenced": "Evidenced",
    "finding": "Finding",
    "evidence": "Evidence (with n)",
}


def _grid_charts(inputs: Inputs, table: pd.DataFrame) -> list:
    from ..charts import grid_chart

    figures = []
    for service, rows in table.groupby("service_id", sort=False):
        name = rows["service_name"].iloc[0]
        over = rows.loc[rows["over_claim"].astype(bool), "dimension"].tolist()
        total = rows["evidenced_total"].iloc[0]
        alt = (
            f"{name}: claimed against evidenced score on each of the ten dimensions; evidenced "
            f"total {total} of 20; "
            + (f"over-claims on {', '.join(over)}" if over else "no over-claims")
        )
        figure = grid_chart(table, service)
        figures.append(
            Figure.from_matplotlib(
                f"grid_chart_{_slug(service)}", figure, alt=alt,
                caption=f"{name}: claimed and evidenced, {inputs.params.quarter.label}",
                data=rows[["service_id", "dimension", "claimed", "evidenced", "finding"]],
            )
        )  # fmt: skip
    return figures


# --------------------------------------------------------------------------- 4. dashboard


def dashboard(inputs: Inputs, title: str) -> Section:
    """The five groups: each metric's value with n and interval, and its trend chart by month."""
    shown = inputs.shown_metrics
    summary = inputs.trends.summary.set_index(["scope", "metric_id"])
    blocks: list = [
        Text(
            f"Each measure for {inputs.params.quarter}, all chosen services together, then per "
            "service; pending items (deadline after the as-of date, not yet done) are left out "
            "of the denominator and counted beside it. Trend charts are SPC by month in the "
            "Making Data Count style.",
            kind="note",
        )
    ]
    for key, (group_title, metric_ids) in GROUPS.items():
        blocks.append(Heading(group_title))
        rows = shown[shown["metric_id"].isin(metric_ids)]
        blocks.append(_group_table(key, rows, metric_ids, summary, inputs))
        blocks.append(_per_service(key, rows, metric_ids, inputs))
        blocks += _trend_figures(inputs, metric_ids)
    return Section("dashboard", title, blocks)


def _group_table(key, rows, metric_ids, summary, inputs) -> Table:
    overall = rows[rows["scope"] == "ALL"].set_index("metric_id").reindex(list(metric_ids))
    verdict = [
        summary.at[("ALL", m), "variation"] if ("ALL", m) in summary.index else ""
        for m in metric_ids
    ]
    shown = pd.DataFrame(
        {
            "Measure": [_capital(METRICS[m].label) for m in metric_ids],
            "Value (n)": overall["value_text"].to_numpy(),
            "95% interval": overall["interval"].to_numpy(),
            "Pending": overall["pending_text"].to_numpy(),
            "Latest month (SPC)": verdict,
        }
    )
    caption = f"All chosen services, {inputs.params.quarter}"
    return Table(f"dashboard_{key}", caption, shown, rows[rows["scope"] == "ALL"])


def _per_service(key, rows, metric_ids, inputs) -> Table:
    services = rows[rows["scope"] != "ALL"]
    names = inputs.data.services.set_index("service_id")["service_name"]
    wide = services.pivot(index="scope", columns="metric_id", values="value_text")
    wide = wide.reindex(columns=list(metric_ids))
    wide.columns = [METRICS[m].label for m in wide.columns]
    wide.insert(0, "Service", wide.index.map(names))
    caption = f"Per service, {inputs.params.quarter.label}"
    return Table(f"dashboard_{key}_by_service", caption, wide.reset_index(drop=True), services)


def _trend_figures(inputs: Inputs, metric_ids) -> list:
    from ..trends import trend_chart

    result, figures = inputs.trends, []
    summary = result.summary
    for metric_id in metric_ids:
        row = summary[(summary["scope"] == "ALL") & (summary["metric_id"] == metric_id)]
        if row.empty:
            continue
        row = row.iloc[0]
        points, _ = result.series(("ALL", metric_id))
        if inputs.public:
            points = _public_points(points)
        figure = trend_chart(result, "ALL", metric_id, points=points)
        figure.set_size_inches(8.0, 3.9)
        alt = _trend_alt(row, result.settings)
        data = points[["month", "numerator", "denominator", "value", "status", "mean", "lpl",
                       "upl", "point_type"]]  # fmt: skip
        figures.append(
            Figure.from_matplotlib(
                f"trend_{metric_id}", figure, alt=alt, caption=alt, data=data.reset_index(drop=True)
            )
        )
    return figures


def _public_points(points: pd.DataFrame) -> pd.DataFrame:
    """A month whose count is from 1 to 7 is not published: its point is hidden, not drawn."""
    num = points["numerator"].astype(float)
    den = points["denominator"].astype(float)
    small = _small(num) | _small(den) | _small(den - num)  # a mean's n is its denominator
    hidden = points.copy()
    hidden.loc[small, ["numerator", "denominator", "value"]] = np.nan
    hidden.loc[small, "missing"] = True
    return hidden


def _small(counts: pd.Series) -> np.ndarray:
    return ((counts >= 1) & (counts <= 7)).to_numpy(dtype=bool)


def _trend_alt(row: pd.Series, settings: dict) -> str:
    first, last = settings["first_month"], settings["last_month"]
    parts = [
        f"{row['label']}, all chosen services, by month {first:%b %Y} to {last:%b %Y}: "
        f"{int(row['n_points'])} months with data",
        f"latest month: {row['variation'] or 'no verdict'}",
    ]
    recent = row.get("recent_special_cause")
    if isinstance(recent, str) and recent:
        parts.append(f"recent signals: {recent}")
    if isinstance(row.get("assurance"), str):
        parts.append(f"assurance: {row['assurance']}")
    if isinstance(row.get("warning"), str):
        parts.append(row["warning"].split(":")[0])
    return "; ".join(parts) + "."


# --------------------------------------------------------------------------- 5. before/after


def before_after(inputs: Inputs, title: str) -> Section:
    """This quarter against the baseline, per measure, in words that never claim too much."""
    p = inputs.params
    table = inputs.changes
    overall = table[table["scope"] == "ALL"]
    shown = inputs.shown_changes
    shown = shown[shown["scope"] == "ALL"]
    blocks: list = [
        Text(
            f"{p.quarter} against {p.baseline}. 'Rose' or 'fell' is said only where the 95% "
            "interval of the difference (Newcombe) excludes 0 and, for small counts, Fisher's "
            "exact test agrees; otherwise 'no clear change', with the reason.",
            kind="note",
        ),
        Table("before_after", f"All chosen services, {p.baseline.label} to {p.quarter.label}",
              shown[_COMPARE_SHOWN].rename(columns=_COMPARE_NAMES), shown),
    ]  # fmt: skip
    claimed = overall[overall["change"].str.startswith(("rose", "fell"))]
    if not claimed.empty and not inputs.public:
        blocks.append(_compare_figure(inputs, table, claimed))
    blocks.append(Heading("In words"))
    sentences = inputs.sentences
    changes = sentences[sentences["kind"] == "change"]["sentence"]
    blocks.append(List(tuple(changes), empty="No comparison could be made."))
    return Section("before_after", title, blocks)


_COMPARE_SHOWN = ["label", "before_text", "after_text", "difference_text", "change", "reason"]
_COMPARE_NAMES = {
    "label": "Measure",
    "before_text": "Baseline (n)",
    "after_text": "This quarter (n)",
    "difference_text": "Difference (95% interval)",
    "change": "Change",
    "reason": "Why",
}


def _compare_figure(inputs: Inputs, table: pd.DataFrame, claimed: pd.DataFrame) -> Figure:
    from ..charts import compare_chart

    figure = compare_chart(table, "ALL", name="All chosen services")
    words = "; ".join(f"{row.label}: {row.change}" for row in claimed.itertuples())
    alt = (
        f"Differences between {inputs.params.baseline.label} and {inputs.params.quarter.label} "
        f"with 95% intervals. Clear changes: {words}. Every other measure: no clear change."
    )
    data = table[table["scope"] == "ALL"][["measure", "difference", "diff_low", "diff_high",
                                           "change"]]  # fmt: skip
    return Figure.from_matplotlib("before_after_chart", figure, alt=alt, caption=alt, data=data)


# --------------------------------------------------------------------------- 6. re-audit plan


def plan(inputs: Inputs, title: str) -> Section:
    """The criteria and metrics below target, with action, owner and date ready to fill."""
    rows = _below_target(inputs)
    shown = rows.assign(**{"Action": "", "Owner": "", "Due date": ""})
    blocks: list = [
        Text(
            "Listed: QA criteria classified below target, and metrics whose value this quarter "
            "is below their target. Measures with no value (no data, nothing due, still "
            "pending) are not listed as below target; they are named underneath.",
            kind="note",
        ),
        Table("reaudit_plan", f"Re-audit plan after {inputs.params.quarter.label}", shown, shown),
    ]
    missing = inputs.quarter_metrics
    missing = missing[(missing["scope"] == "ALL") & (missing["status"] != "ok")]
    if not missing.empty:
        names = [
            f"{METRICS[m].label} ({STATUS_WORDS.get(s, s)})"
            for m, s in zip(missing["metric_id"], missing["status"], strict=True)
        ]
        blocks.append(Text("; ".join(names) + ".", label="Not yet evidenced"))
    return Section("plan", title, blocks)


def _below_target(inputs: Inputs) -> pd.DataFrame:
    parts = []
    if inputs.qa is not None:
        qa, shown = inputs.qa, inputs.shown_qa
        below = ((qa["scope"] == "ALL") & (qa["lqas"] == "below target")).to_numpy()
        rows, published = qa[below], shown[below]
        parts.append(
            pd.DataFrame(
                {
                    "Measure": ("QA " + rows["criterion_id"] + ": " + rows["wording"].fillna(""))
                    .to_numpy(dtype=object),
                    "Where we are": published["result_text"].to_numpy(dtype=object),
                    "Target": [
                        "90%, by the LQAS rule" if inputs.public else f"LQAS {r}"
                        for r in rows["lqas_rule"]
                    ],
                }
            )
        )  # fmt: skip
    metrics, shown = inputs.quarter_metrics, inputs.shown_metrics
    target = metrics["metric_id"].map(inputs.targets)
    value = metrics["value"].astype(float)
    below = (metrics["scope"] == "ALL") & (metrics["status"] == "ok") & (value < target)
    below = below.to_numpy(dtype=bool)
    parts.append(
        pd.DataFrame(
            {
                "Measure": [_capital(METRICS[m].label) for m in metrics.loc[below, "metric_id"]],
                "Where we are": shown.loc[below, "value_text"].to_numpy(),
                "Target": percent(target[below].to_numpy()),
            }
        )
    )
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- CQC index


def cqc(inputs: Inputs, title: str) -> Section:
    """Each evidence sentence under its CQC quality statement, ready to paste."""
    from .cqc import evidence_index, load_cqc_mapping

    index = evidence_index(inputs.sentences, load_cqc_mapping())
    blocks: list = [
        Text(
            "Each sentence is dated, sourced and carries its n; paste it into the evidence pack "
            "under the quality statement it supports (Single Assessment Framework).",
            kind="note",
        )
    ]
    for statement, rows in index.groupby("statement", sort=False):
        blocks.append(Heading(statement))
        sentences = tuple(rows.loc[rows["measure"] != "", "sentence"].dropna())
        blocks.append(List(sentences, empty="No evidence sentence for it this quarter."))
    blocks.append(Table("evidence_by_statement", "", index, index, printed=False))
    return Section("cqc", title, blocks)


# --------------------------------------------------------------------------- 7. methods


def methods(inputs: Inputs, title: str) -> Section:
    """Definitions, rubric, sampling, disclosure rule, fingerprint, versions and as-of date."""
    p, info = inputs.params, provenance(inputs)
    definitions = pd.DataFrame(
        {
            "Measure": [m.label for m in METRICS.values()],
            "Id": list(METRICS),
            "Kind": [m.kind for m in METRICS.values()],
            "Better when it": [m.improvement for m in METRICS.values()],
        }
    )
    blocks: list = [
        Text(
            f"Quarters are UK financial quarters ({p.quarter} against {p.baseline}). The data "
            f"is read as it stood at the end of {p.as_of:%d %B %Y} (the as-of date): anything "
            "later has not happened yet, and a deadline after the as-of date not yet met is "
            "pending, counted separately and never as a failure. Working days are Monday to "
            "Friday less each nation's bank holidays. Proportions carry 95% Wilson intervals; "
            "differences Newcombe's hybrid score interval, with Fisher's exact test where "
            "counts are small. Fewer than 10 in a denominator is given as a count, not a "
            "percentage. The full definitions are in the project's docs/definitions.md.",
            label="Definitions",
        ),
        Table("definitions", "Every dashboard measure", definitions, definitions),
        Heading("The self-score grid's rubric"),
        Table("rubric", f"Rubric: {inputs.rubric.source}", inputs.rubric.describe(),
              inputs.rubric.describe()),
    ]  # fmt: skip
    if p.audience == "public":
        blocks.append(Text(DISCLOSURE_RULE, label="Small numbers"))
    blocks.append(Heading("Provenance"))
    facts = pd.DataFrame({"What": list(info["shown"]), "Value": list(info["shown"].values())})
    blocks.append(Table("provenance", "What went into this report", facts, facts))
    return Section("methods", title, blocks)


def provenance(inputs: Inputs) -> dict[str, Any]:
    """What went in: fingerprints, rubric and checklist, sampling, versions; audience-safe."""
    p = inputs.params
    record = p.sample_record
    sampling = None
    if record is not None:  # the seed and the frame's fingerprint; never the person ids in it
        sampling = {
            "file": p.sample_record_file,
            "seed": record.get("seed"),
            "method": record.get("method"),
            "frame_size": record.get("frame", {}).get("size"),
            "frame_fingerprint_sha256": record.get("frame", {}).get("fingerprint_sha256"),
        }
    rubric_text = str(inputs.rubric.describe().to_csv(index=False))
    checklist = inputs.rubric.checklist
    info = {
        "dataset_fingerprint_sha256": inputs.data.fingerprint(),
        "rubric": {"source": inputs.rubric.source,
                   "sha256": hashlib.sha256(rubric_text.encode()).hexdigest()},
        "checklist": {"source": checklist.source, "sha256": checklist.fingerprint()},
        "sampling": sampling,
        "versions": _versions(),
    }  # fmt: skip
    seed = "no sampling record given" if sampling is None else str(sampling["seed"])
    info["shown"] = {
        "Dataset fingerprint (SHA-256)": info["dataset_fingerprint_sha256"],
        "As-of date": p.as_of.isoformat(),
        "Quarter": str(p.quarter),
        "Baseline": str(p.baseline),
        "Services": "all" if p.services is None else ", ".join(p.services),
        "Audience": p.audience,
        "Sample seed": seed,
        "Rubric": f"{inputs.rubric.source} ({info['rubric']['sha256'][:12]})",
        "Checklist": f"{checklist.source} ({info['checklist']['sha256'][:12]})",
        "Software": ", ".join(f"{k} {v}" for k, v in info["versions"].items()),
    }
    return info


_PACKAGES = ("auditlib", "pandas", "numpy", "pyarrow", "scipy", "statsmodels", "matplotlib",
             "pandera", "papermill", "nbconvert")  # fmt: skip


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


# --------------------------------------------------------------------------- helpers


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _whole(values: pd.Series) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce")
    return numbers.map(lambda v: "" if pd.isna(v) else str(int(v))).to_numpy(dtype=object)


def _slug(text: str) -> str:
    return (
        hashlib.sha256(str(text).encode()).hexdigest()[:6]
        + "_"
        + "".join(c if c.isalnum() else "-" for c in str(text))
    )
