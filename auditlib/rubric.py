"""The self-score grid rubric: the rules by which data evidences each dimension's score.

The rules live in one TOML file (``resources/rubric.toml`` ships the defaults,
documented in docs/grid.md) that a consultant can copy and edit. Each of the
ten dimensions lists entries, each a score (1 or 2) and the conditions it
requires; a condition compares one source -- a dashboard metric, one ten-file
QA criterion, or the QA criteria of a dimension pooled -- with a threshold.
The file is checked when it is loaded and every problem is reported at once,
with the file and the offending key; the rules are restated in plain words
from the conditions themselves, so the words cannot drift from the numbers.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .checklist import Checklist, load_checklist
from .contract import DIMENSIONS
from .errors import InputNotFoundError, Problem, RubricError
from .metrics import METRICS

__all__ = [
    "GRID_WORDING",
    "SOURCES",
    "TARGET",
    "Condition",
    "Level",
    "Rubric",
    "load_rubric",
]

TARGET = 17
"""The evidenced total (out of 20) a service should reach, as quality.md sets it."""

GRID_WORDING: dict[str, tuple[str, str, str]] = {
    "consent_capacity": ("Generic", "Documented", "Decision-specific + reviewed"),
    "advocacy_triggers": ("Unclear", "Ad-hoc", "Listed in plan + met"),
    "meeting_cadence": ("Infrequent", "Monthly", "Monthly mini + quarterly deep-dive"),
    "accessibility": ("Verbal only", "Some formats", "Easy-read/BSL/translation + verified"),
    "summaries": ("Slow", "Within 10 days", "<=5 days + tracked"),
    "disagreements": ("Hidden", "Noted", "Logged + respectful escalation"),
    "outcomes": ("Stories", "Some metrics", "Dated + sourced + place"),
    "governance": ("Minutes only", "Report", "Dashboard + NI sampling"),
    "ig_dspt": ("Assumed", "Policy", "Consent logs + secure sharing + audit"),
    "training": ("Induction", "Annual", "Annual + reflective supervision"),
}
"""What 0, 1 and 2 mean on each dimension, as quality.md's grid words them."""

SOURCES = ("metric", "criterion", "qa_dimension")
"""The kinds of evidence a condition can name."""

_BOUNDS = {"at_least": "≥", "at_most": "≤"}
_DEFAULT = "rubric.toml"


@dataclass(frozen=True)
class Condition:
    """One source compared with a threshold: ``value >= threshold`` or ``value <= threshold``."""

    source: str  # one of SOURCES
    name: str  # metric_id, criterion_id or dimension
    bound: str  # "at_least" or "at_most"
    threshold: float

    @property
    def key(self) -> str:
        """A stable name for the source, e.g. ``metric:summaries_5wd``."""
        return f"{self.source}:{self.name}"

    @property
    def is_proportion(self) -> bool:
        """Whether the source is a proportion (shown as a percentage), not a count or mean."""
        return self.source != "metric" or METRICS[self.name].kind == "proportion"

    def holds(self, values: np.ndarray) -> np.ndarray:
        """Whether each value meets the threshold; a missing value never does."""
        values = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore"):
            if self.bound == "at_least":
                return values >= self.threshold - 1e-12
            return values <= self.threshold + 1e-12

    def need(self) -> str:
        """The threshold in words, e.g. ``≥ 90%``."""
        if self.is_proportion:
            return f"{_BOUNDS[self.bound]} {self.threshold * 100:g}%"
        return f"{_BOUNDS[self.bound]} {self.threshold:g}"

    def words(self, criteria: Mapping[str, tuple[str, ...]] | None = None) -> str:
        """The condition in plain words, e.g. ``summaries sent within 5 working days ≥ 90%``."""
        anything = self.bound == "at_least" and self.threshold == 0
        if self.source == "metric":
            label = METRICS[self.name].label
            return f"{label}: measured (any value)" if anything else f"{label} {self.need()}"
        if self.source == "criterion":
            what = f"ten-file QA {self.name}"
        else:
            ids = (criteria or {}).get(self.name, ())
            listed = f" ({', '.join(ids)})" if ids else ""
            what = f"ten-file QA criteria for {self.name}{listed}"
        if anything:
            return f"{what} audited (any result)"
        return f"{what} met in {self.need()} of applicable files"

    def label(self, criteria: Mapping[str, tuple[str, ...]] | None = None) -> str:
        """The source alone in words, e.g. ``ten-file QA Q07``."""
        if self.source == "metric":
            return METRICS[self.name].label
        if self.source == "criterion":
            return f"ten-file QA {self.name}"
        ids = (criteria or {}).get(self.name, ())
        return f"ten-file QA {self.name} criteria" + (f" ({', '.join(ids)})" if ids else "")


@dataclass(frozen=True)
class Level:
    """One rubric entry: ``score`` is evidenced when every condition in ``require`` holds."""

    score: int
    require: tuple[Condition, ...]


@dataclass(frozen=True, eq=False)
class Rubric:
    """The rules of every dimension, the target total, and where they came from.

    ``rules`` maps each of the ten dimensions to its entries, highest score
    first. ``checklist`` is the QA checklist whose criteria the rules name;
    the grid scores QA compliance against it.
    """

    rules: Mapping[str, tuple[Level, ...]]
    target: int = TARGET
    source: str = "default"
    checklist: Checklist = field(default_factory=load_checklist)

    @property
    def criteria(self) -> dict[str, tuple[str, ...]]:
        """Checklist criterion ids feeding each dimension."""
        table = self.checklist.table
        return {
            dimension: tuple(table.loc[table["dimension"] == dimension, "criterion_id"])
            for dimension in DIMENSIONS
        }

    def conditions(self, dimension: str) -> list[Condition]:
        """Every distinct source a dimension's rule reads, in the order first named."""
        seen: dict[str, Condition] = {}
        for level in self.rules[dimension]:
            for condition in level.require:
                seen.setdefault(condition.key, condition)
        return list(seen.values())

    def metric_ids(self) -> list[str]:
        """The dashboard metrics any rule reads."""
        return sorted(
            {c.name for d in DIMENSIONS for c in self.conditions(d) if c.source == "metric"}
        )

    def uses_qa(self) -> bool:
        return any(c.source != "metric" for d in DIMENSIONS for c in self.conditions(d))

    def rule_words(self, dimension: str) -> str:
        """A dimension's whole rule in plain words, e.g. for the grid's ``rule`` column."""
        criteria, wording = self.criteria, GRID_WORDING[dimension]
        parts = []
        for score in (2, 1):
            options = [
                " and ".join(c.words(criteria) for c in level.require)
                for level in self.rules[dimension]
                if level.score == score
            ]
            if options:
                parts.append(f"{score} ({wording[score]}) when " + ", or when ".join(options))
        return "; ".join([*parts, f"otherwise 0 ({wording[0]})"]) + "."

    def describe(self) -> pd.DataFrame:
        """The rules as a table (dimension, rule in words), for a report's methods section."""
        return pd.DataFrame(
            {"dimension": list(DIMENSIONS), "rule": [self.rule_words(d) for d in DIMENSIONS]}
        )


def load_rubric(path: str | Path | None = None, *, checklist: Checklist | None = None) -> Rubric:
    """The default rubric, or the user's own TOML file, checked against the metrics and checklist.

    Raises :class:`RubricError` listing every problem (a file that does not
    parse, an unknown metric, criterion or dimension, a threshold out of
    range, a dimension missing), each with the file and the offending key.
    """
    checklist = checklist if checklist is not None else load_checklist()
    if path is None:
        with resources.as_file(resources.files("auditlib") / "resources" / _DEFAULT) as default:
            return _parse(default.read_text(encoding="utf-8"), "default", checklist)
    path = Path(path)
    if not path.is_file():
        raise InputNotFoundError(f"{path}: no such rubric file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise _error(str(path), [Problem("unreadable", f"not UTF-8 text ({error})")]) from None
    return _parse(text, str(path), checklist)


# --------------------------------------------------------------------------- checking


def _error(file: str, problems: list[Problem]) -> RubricError:
    problems = [replace(p, file=file) if p.file is None else p for p in problems]
    count = len(problems)
    return RubricError(
        f"{file}: {count} problem{'s' if count != 1 else ''} in the rubric; nothing was scored",
        problems,
    )


def _parse(text: str, file: str, checklist: Checklist) -> Rubric:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _error(file, [Problem("not_toml", f"not valid TOML: {error}")]) from None
    problems: list[Problem] = []
    target = _target(data.pop("target", TARGET), problems)
    fed = set(checklist.table["dimension"].dropna())
    rules = {}
    for dimension in DIMENSIONS:
        if dimension not in data:
            problems.append(
                Problem(
                    "missing_dimension",
                    f"every dimension needs at least one entry: add [[{dimension}]] "
                    "with a score and its conditions",
                    key=dimension,
                )
            )
            continue
        rules[dimension] = _entries(dimension, data.pop(dimension), checklist, fed, problems)
    for unknown in data:
        problems.append(
            Problem(
                "unknown_key",
                "not a dimension of the grid (expected target or one of "
                + ", ".join(DIMENSIONS)
                + ")",
                key=unknown,
            )
        )
    if problems:
        raise _error(file, problems)
    return Rubric(rules, target, file, checklist)


def _target(value: object, problems: list[Problem]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 20:
        problems.append(
            Problem("out_of_range", "a whole number from 0 to 20", key="target", value=value)
        )
        return TARGET
    return value


def _entries(dimension, entries, checklist, fed, problems) -> tuple[Level, ...]:
    if (
        not isinstance(entries, list)
        or not entries
        or not all(isinstance(e, dict) for e in entries)
    ):
        problems.append(
            Problem(
                "wrong_type",
                f"a list of entries, each written [[{dimension}]] with score and require",
                key=dimension,
            )
        )
        return ()
    levels = []
    for number, entry in enumerate(entries, start=1):
        where = f"{dimension}[{number}]"
        for extra in sorted(set(entry) - {"score", "require"}):
            problems.append(
                Problem(
                    "unknown_key", "an entry has only score and require", key=f"{where}.{extra}"
                )
            )
        score = entry.get("score")
        if isinstance(score, bool) or score not in (1, 2):
            problems.append(
                Problem(
                    "out_of_range",
                    "1 or 2 (0 is what a service scores when no entry is met)",
                    key=f"{where}.score",
                    value=score,
                )
            )
        require = entry.get("require")
        if not isinstance(require, list) or not require:
            problems.append(
                Problem(
                    "missing_conditions",
                    "a list of one or more conditions, e.g. "
                    '[{ metric = "summaries_5wd", at_least = 0.90 }]',
                    key=f"{where}.require",
                )
            )
            continue
        conditions = [
            _condition(item, f"{where}.require[{k}]", checklist, fed, problems)
            for k, item in enumerate(require, start=1)
        ]
        if score in (1, 2) and all(conditions):
            levels.append(Level(int(score), tuple(conditions)))
    return tuple(sorted(levels, key=lambda level: -level.score))


def _condition(item, where, checklist, fed, problems) -> Condition | None:
    if not isinstance(item, dict):
        problems.append(
            Problem("wrong_type", 'a condition like { metric = "summaries_5wd", at_least = 0.90 }',
                    key=where, value=item)
        )  # fmt: skip
        return None
    before = len(problems)
    for extra in sorted(set(item) - {*SOURCES, *_BOUNDS}):
        problems.append(
            Problem(
                "unknown_key",
                "a condition names one of metric, criterion, qa_dimension "
                "and one of at_least, at_most",
                key=f"{where}.{extra}",
            )
        )
    named = [s for s in SOURCES if s in item]
    bounds = [b for b in _BOUNDS if b in item]
    if len(named) != 1:
        problems.append(
            Problem("wrong_source", "exactly one of metric, criterion or qa_dimension", key=where)
        )
    if len(bounds) != 1:
        problems.append(Problem("wrong_bound", "exactly one of at_least or at_most", key=where))
    if len(named) != 1 or len(bounds) != 1:
        return None
    source, bound = named[0], bounds[0]
    name, threshold = item[source], item[bound]
    if source == "metric" and name not in METRICS:
        problems.append(
            Problem("unknown_metric", "a dashboard metric: " + ", ".join(METRICS),
                    key=f"{where}.metric", value=name)
        )  # fmt: skip
    elif source == "criterion" and name not in checklist:
        problems.append(
            Problem(
                "unknown_criterion",
                f"a criterion of the QA checklist ({checklist.source}): "
                + ", ".join(checklist.ids),
                key=f"{where}.criterion",
                value=name,
            )
        )
    elif source == "qa_dimension" and name not in DIMENSIONS:
        problems.append(
            Problem("unknown_dimension", "one of the ten dimensions: " + ", ".join(DIMENSIONS),
                    key=f"{where}.qa_dimension", value=name)
        )  # fmt: skip
    elif source == "qa_dimension" and name not in fed:
        problems.append(
            Problem(
                "no_criteria",
                f"a dimension that some criterion of the QA checklist ({checklist.source}) feeds",
                key=f"{where}.qa_dimension",
                value=name,
            )
        )
    if len(problems) > before:
        return None
    expected = _range(source, name)
    is_number = isinstance(threshold, int | float) and not isinstance(threshold, bool)
    if not (is_number and math.isfinite(threshold) and _in_range(source, name, threshold)):
        problems.append(Problem("out_of_range", expected, key=f"{where}.{bound}", value=threshold))
        return None
    return Condition(source, name, bound, float(threshold))


def _range(source: str, name: str) -> str:
    if source == "metric" and METRICS[name].kind == "count":
        return f"a whole number of at least 0 ({name} is a count)"
    if source == "metric" and METRICS[name].kind == "mean":
        return f"a number of at least 0 ({name} is a mean)"
    return "a proportion from 0 to 1 (write 90% as 0.90)"


def _in_range(source: str, name: str, number: float) -> bool:
    kind = METRICS[name].kind if source == "metric" else "proportion"
    if kind == "count":
        return number >= 0 and float(number).is_integer()
    if kind == "mean":
        return number >= 0
    return 0 <= number <= 1
