"""Evidence statements: one dated, sourced sentence per headline number, and the assured paragraph.

Each sentence follows quality.md's style -- "2026/27 Q2 (1 Jul – 30 Sep 2026):
83% (10 of 12) of people had family or advocate input at a review (dashboard
data as of 20 Nov 2026, across Oak House and Elm Court)." -- small, dated,
sourced, with a place and its n, and never claims more than the statistics
support:

- under 10 in the denominator the count alone is given ("4 of 5 people"),
  not a percentage that would sound more certain than it is;
- before/after sentences say "rose" or "fell" only where
  :func:`auditlib.compare.compare` does (the interval of the difference
  excludes 0 and, for small counts, Fisher's exact test agrees); otherwise
  "no clear change" with the one reason that applies and the interval, or "cannot
  compare" with the reason; counts and means are given without a verdict;
- sentences carry service names, never person or staff ids or free text;
  for the ``public`` audience any count from 1 to 7 (or a total that would
  reveal one) is not published.

:func:`assured_involvement_paragraph` assembles the four lines (behaviour,
owners and cadence, evidence, assurance) from the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from ._words import STATUS_WORDS, percent
from .compare import CANNOT_COMPARE, NOT_TESTED, compare, points_text
from .dataset import Dataset
from .grid import grid_totals, self_score_grid
from .metrics import METRICS
from .periods import Period
from .qa import compliance
from .sampling import as_quarter, select_services
from .scope import scoped_metrics
from .stats import NO_CLEAR_CHANGE

__all__ = [
    "AUDIENCES",
    "HEADLINE_CRITERIA",
    "HEADLINE_METRICS",
    "SMALL_N",
    "assured_involvement_paragraph",
    "evidence_statements",
]

AUDIENCES = ("internal", "shared", "public")
SMALL_N = 10
"""Below this many in the denominator a sentence gives the count alone, not a percentage."""
_HIDDEN = (1, 7)  # public audience: counts from 1 to 7 are not published (quality.md)

HEADLINE_METRICS: dict[str, tuple[str, str]] = {
    "participation_people": ("people", "had family or advocate input at a review"),
    "participation_reviews": ("reviews", "had family or advocate input"),
    "accessible_format": ("reviews", "used an accessible format"),
    "agenda_3d": ("reviews", "had the agenda sent at least 3 days ahead"),
    "monthly_review_coverage": ("people supported all quarter", "had a meeting every month"),
    "deep_dive_coverage": ("people supported all quarter", "had a deep-dive"),
    "actions_on_time": ("actions due", "were closed on time"),
    "advocacy_referral_48h": ("advocacy triggers", "led to a referral within 48 hours"),
    "decisions_specific": ("decisions", "were recorded decision-specifically"),
    "summaries_5wd": ("review summaries", "were sent within 5 working days"),
    "feel_involved_agree": ("survey responses", "said they felt involved, scoring 4 or 5 of 5"),
    "disputes_resolved_20wd": ("disagreements", "were resolved within 20 working days"),
    "training_current": ("staff", "had their annual training in date"),
    "reflective_supervision": ("staff", "had reflective supervision every month"),
}
"""The headline metrics, each as (who or what is counted, what they did) for a sentence."""

HEADLINE_CRITERIA = ("Q05", "Q07")
"""The headline ten-file QA criteria (family input at the latest review; summaries on time)."""

_LINES = {
    "Behaviour": ("participation_people", "accessible_format", "agenda_3d"),
    "Owners and cadence": (
        "monthly_review_coverage",
        "deep_dive_coverage",
        "actions_on_time",
        "advocacy_referral_48h",
    ),
    "Evidence": ("summaries_5wd", "feel_involved_agree", "Q05"),
    "Assurance": ("ni_case_samples", "disputes_resolved_20wd"),
}
_CHANGES_IN_ASSURANCE = ("summaries_5wd", "participation_people")


def evidence_statements(
    dataset: Dataset,
    quarter: Period | str,
    *,
    baseline: Period | str | None = None,
    as_of: date | None = None,
    services: Sequence[str] | None = None,
    audience: str = "shared",
    calendar_quarters: bool = False,
    metrics: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One sentence per headline number for the chosen services together (all by default).

    Rows (columns ``kind``, ``measure``, ``sentence``): each headline metric
    in the quarter (``kind`` "metric"), each headline QA criterion where
    files were audited ("qa"), and, with a ``baseline`` period, a
    before/after sentence for each ("change"). ``as_of`` defaults to today.
    ``metrics`` may pass a table already made by :func:`compute_metrics` for
    the quarter and baseline (see :func:`auditlib.scope.scoped_metrics`).
    """
    facts = _Facts(dataset, quarter, baseline, as_of, services, audience, calendar_quarters,
                   metrics)  # fmt: skip
    rows = []
    for metric_id in HEADLINE_METRICS:
        fragment = facts.fragment(metric_id)
        rows.append(("metric", metric_id, facts.sentence(fragment, facts.dashboard)))
    for criterion in HEADLINE_CRITERIA:
        if facts.has_qa(criterion):
            fragment = facts.fragment(criterion)
            rows.append(("qa", criterion, facts.sentence(fragment, facts.qa_source)))
    if facts.changes is not None:
        for measure in [*HEADLINE_METRICS, *HEADLINE_CRITERIA]:
            if measure in facts.changes.index:
                rows.append(("change", measure, facts.change_sentence(measure)))
    return pd.DataFrame(rows, columns=["kind", "measure", "sentence"])


def assured_involvement_paragraph(
    dataset: Dataset,
    quarter: Period | str,
    *,
    baseline: Period | str | None = None,
    as_of: date | None = None,
    services: Sequence[str] | None = None,
    audience: str = "shared",
    calendar_quarters: bool = False,
    metrics: pd.DataFrame | None = None,
) -> str:
    """The four-line assured involvement paragraph, every number dated and sourced.

    Behaviour (participation, accessible formats, agendas); owners and
    cadence (monthly meetings, deep-dives, actions, advocacy referrals);
    evidence (summaries, the experience survey, the ten-file QA); assurance
    (NI case sampling, disagreements, the re-audit against ``baseline`` if
    given, and the self-score grid against its target). Lines are separated
    by newlines. ``metrics`` as for :func:`evidence_statements`.
    """
    facts = _Facts(dataset, quarter, baseline, as_of, services, audience, calendar_quarters,
                   metrics)  # fmt: skip
    lines = []
    for title, measures in _LINES.items():
        items = [
            (facts.fragment(m), facts.qa_source if m in HEADLINE_CRITERIA else facts.dashboard)
            for m in measures
            if m not in HEADLINE_CRITERIA or facts.has_qa(m)
        ]
        if title == "Assurance":
            items += facts.assurance_items()
        lines.append(f"{title}, {facts.period}, {facts.place}: {_grouped(items)}.")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the numbers


class _Facts:
    """The numbers behind the sentences for one quarter and set of services, computed once."""

    def __init__(
        self, dataset, quarter, baseline, as_of, services, audience, calendar_quarters, metrics
    ):
        if audience not in AUDIENCES:
            raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}, not {audience!r}")
        self.public = audience == "public"
        self.period = as_quarter(quarter, calendar_quarters=calendar_quarters)
        base = (
            None if baseline is None else as_quarter(baseline, calendar_quarters=calendar_quarters)
        )
        self.baseline: Period | None = base
        self.as_of = as_of or date.today()
        chosen = sorted(select_services(dataset, services))
        wanted = None if services is None else chosen
        periods = [self.period] if base is None else [base, self.period]
        metrics = scoped_metrics(
            dataset, periods, as_of=self.as_of, services=wanted, metrics=metrics
        )
        now = metrics[(metrics["scope"] == "ALL") & (metrics["period"] == self.period.label)]
        self.rows = now.set_index("metric_id")
        frame = dataset.services.set_index("service_id").loc[chosen]
        self.place = _place(list(frame["service_name"]))
        site = frame.get("site", pd.Series(None, index=frame.index, dtype=object))
        self.sites = int(site.where(site.notna(), frame.index.to_series()).nunique())
        self.dashboard = f"dashboard data as of {_day(self.as_of)}"
        self.qa_source = "ten-file QA"
        self.sourced = {
            self.dashboard: f"dashboard data {self.place}, as of {_day(self.as_of)}",
            self.qa_source: f"ten-file QA {self.place}",
        }
        self.qa_rows = pd.DataFrame()
        if "file_audits" in dataset:
            qa = compliance(dataset, self.period, services=chosen)
            self.qa_rows = qa[qa["scope"] == "ALL"].set_index("criterion_id")
        self.changes = None
        if base is not None:
            table = compare(dataset, base, self.period, as_of=self.as_of, services=wanted,
                            metrics=metrics)  # fmt: skip
            self.changes = table[table["scope"] == "ALL"].set_index("measure")
        self.grid = grid_totals(
            self_score_grid(
                dataset, self.period, as_of=self.as_of, services=wanted, metrics=metrics
            )
        )

    def has_qa(self, criterion: str) -> bool:
        return criterion in self.qa_rows.index and self.qa_rows.at[criterion, "status"] == "ok"

    # ---- fragments: the number and what it counts, without date or source

    def fragment(self, measure: str) -> str:
        if measure in self.qa_rows.index and measure not in METRICS:
            row = self.qa_rows.loc[measure]
            wording = str(row["wording"]) if pd.notna(row["wording"]) else measure
            what = f"showed {wording[:1].lower()}{wording[1:]}"
            label = f"ten-file QA {measure}"
            text = self._share(row["met"], row["applicable"], "audited files", what, label)
            partial = int(row["partial"])
            return text + (f", and {partial} more partly" if partial and not self.public else "")
        row = self.rows.loc[measure]
        info = METRICS[measure]
        if row["status"] != "ok":
            return f"no figure for {info.label}: {STATUS_WORDS.get(row['status'], 'no value')}"
        if info.kind == "count":
            return self._count(measure, row["numerator"])
        if info.kind == "mean":
            n = int(row["denominator"])
            if self.public and _hidden(n):
                return f"{info.label}: not published (fewer than 8 responses)"
            return f"the mean 'I feel involved' score was {row['value']:.1f} of 5 ({n} responses)"
        whom, what = HEADLINE_METRICS.get(measure, (info.label, ""))
        return self._share(row["numerator"], row["denominator"], whom, what, info.label)

    def _share(self, numerator, denominator, whom: str, what: str, label: str) -> str:
        x, n = int(numerator), int(denominator)
        if self.public and (_hidden(x) or _hidden(n - x)):
            return f"{label}: not published (a count from 1 to 7)"
        if n < SMALL_N:
            return f"{x} of {n} {whom} {what}".rstrip()
        return f"{_percent(x / n)} ({x} of {n}) of {whom} {what}".rstrip()

    def _count(self, measure: str, count) -> str:
        k = int(count)
        shown = "*" if self.public and _hidden(k) else str(k)
        if measure == "ni_case_samples":
            sites = f"{self.sites} site{'s' if self.sites != 1 else ''}"
            return f"the Nominated Individual sampled {shown} cases across {sites}"
        if measure == "compliments":
            return f"{shown} compliments were received"
        if measure == "concerns":
            return f"{shown} concerns were raised"
        return f"{METRICS[measure].label}: {shown}"

    # ---- sentences

    def sentence(self, fragment: str, source: str) -> str:
        return f"{self.period}: {_capital(fragment)} ({self.sourced[source]})."

    def change_sentence(self, measure: str) -> str:
        row = self.changes.loc[measure]
        label = _capital(str(row["label"]))
        source = self.sourced[self.qa_source if row["source"] == "qa" else self.dashboard]
        before, after = self.baseline, self.period
        if row["change"] == CANNOT_COMPARE:
            return f"{label}: cannot compare {before} with {after} ({row['reason']}; {source})."
        if row["change"] == NOT_TESTED:
            b, a = self._plain(row, "before"), self._plain(row, "after")
            return (
                f"{label}: {b} in {before} and {a} in {after} "
                f"(shown without a test of change; {source})."
            )
        b, a = self._plain(row, "before"), self._plain(row, "after")
        if self.public and "not published" in b + a:
            return f"{label}, {before} against {after}: not published (a count from 1 to 7)."
        if row["change"] == NO_CLEAR_CHANGE:
            return (
                f"{label}: {b} in {before} and {a} in {after}, no clear change "
                f"({row['reason']}; {source})."
            )
        low, high = _points(row["diff_low"]), _points(row["diff_high"])
        interval = f"95% interval of the difference {low} to {high} points"
        verb = str(row["change"]).split()[0]  # "rose" or "fell"
        return (
            f"{label} {verb} from {b} in {before} to {a} in {after} "
            f"(a difference of {_points(row['difference'])} points, {interval}; "
            f"{source})."
        )

    def _plain(self, row: pd.Series, side: str) -> str:
        """One period's value in a change sentence: the share with its n, or the count."""
        x, n = row[f"{side}_numerator"], row[f"{side}_denominator"]
        if row["kind"] == "count":
            return "*" if self.public and _hidden(int(x)) else str(int(x))
        if row["kind"] == "mean":
            return f"{row[f'{side}_value']:.1f} (n = {int(n)})"
        x, n = int(x), int(n)
        if self.public and (_hidden(x) or _hidden(n - x)):
            return "not published"
        return f"{x} of {n}" if n < SMALL_N else f"{_percent(x / n)} ({x} of {n})"

    def assurance_items(self) -> list[tuple[str, str]]:
        items = []
        if self.changes is not None:
            for measure in _CHANGES_IN_ASSURANCE:
                row = self.changes.loc[measure]
                items.append((self._change_fragment(row), self.dashboard))
        grid = self.grid
        met = int(grid["met_target"].eq(True).sum())
        open_ = int(grid["met_target"].isna().sum())
        target = int(grid["target"].iloc[0])
        services = f"{len(grid)} service{'s' if len(grid) != 1 else ''}"
        text = f"{met} of {services} evidenced the self-score grid's target of {target} of 20"
        if open_:
            text += f" ({open_} more could not be judged: dimensions without evidence)"
        items.append((text, "rubric applied to the same data"))
        return items

    def _change_fragment(self, row: pd.Series) -> str:
        label = str(row["label"])
        if row["change"] == CANNOT_COMPARE:
            return f"{label}: cannot compare with {self.baseline.label} ({row['reason']})"
        b, a = self._plain(row, "before"), self._plain(row, "after")
        if row["change"] == NO_CLEAR_CHANGE:
            why = str(row["reason"]).split(":")[0]  # "too few to tell" or "a small difference..."
            return f"{label}: {b} in {self.baseline.label}, {a} now: {NO_CLEAR_CHANGE} ({why})"
        verb = str(row["change"]).split()[0]
        return f"{label} {verb} from {b} in {self.baseline.label} to {a}"


# --------------------------------------------------------------------------- words


def _grouped(items: list[tuple[str, str]]) -> str:
    """Fragments joined with "; ", each run of fragments from one source followed by it."""
    parts, run, source = [], [], None
    for fragment, where in items:
        if run and where != source:
            parts.append("; ".join(run) + f" ({source})")
            run = []
        run.append(fragment)
        source = where
    if run:
        parts.append("; ".join(run) + f" ({source})")
    return _capital("; ".join(parts))


def _place(names: list[str]) -> str:
    if len(names) == 1:
        return f"at {names[0]}"
    if len(names) <= 4:
        return "across " + ", ".join(names[:-1]) + f" and {names[-1]}"
    return f"across {len(names)} services"


def _hidden(count: int) -> bool:
    return _HIDDEN[0] <= count <= _HIDDEN[1]


def _percent(value: float) -> str:
    return str(percent([value])[0])


def _points(value: float) -> str:
    """A difference in signed percentage points, never shown as 0 unless it is (``points_text``)."""
    return str(points_text([value])[0])


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"
