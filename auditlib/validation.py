"""Validating a dataset against the data contract and typing its tables.

Two stages, both over whole columns. First each cell is read into its
contract type (dates, booleans, enumerations...); a cell that cannot be read
is a ``wrong_type`` problem reported with the value as the user wrote it. A
CSV's text is typed by Arrow where Arrow's strict casts take the whole column,
and by the careful pandas parse, which locates every unreadable cell, where not.
Then a pandera schema built from :mod:`auditlib.contract` checks blanks, keys,
allowed values, ranges, date limits, date order and references, collecting
every failure at once (``lazy=True``). Pandera's failure cases are translated
into :class:`~auditlib.errors.Problem` records a quality analyst can act on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pandera
import pyarrow as pa
import pyarrow.compute as pc

from ._columns import isin
from .contract import REQUIRED_TABLES, TABLES, Column, Table
from .dataset import Dataset
from .errors import DatasetError, PeriodError, Problem
from .loading import RawTable, read_tables
from .periods import parse_period

__all__ = ["load_dataset", "validate_dataset"]

EARLIEST = pd.Timestamp("2000-01-01")
_TRUE = {"true", "yes", "y", "1", "1.0", "t"}
_FALSE = {"false", "no", "n", "0", "0.0", "f"}


def load_dataset(
    path: str | Path, *, today: date | None = None, calendar_quarters: bool = False
) -> Dataset:
    """Read, type and validate a dataset; raise :class:`DatasetError` listing every problem."""
    dataset, problems = _load(path, today=today, calendar_quarters=calendar_quarters)
    if problems:
        count = len(problems)
        raise DatasetError(
            f"{path}: {count} problem{'s' if count != 1 else ''} found; nothing was analysed",
            problems,
        )
    return dataset


def validate_dataset(
    path: str | Path, *, today: date | None = None, calendar_quarters: bool = False
) -> list[Problem]:
    """Every problem with the dataset at ``path`` (an empty list when it meets the contract)."""
    return _load(path, today=today, calendar_quarters=calendar_quarters)[1]


def _load(path, *, today, calendar_quarters) -> tuple[Dataset, list[Problem]]:
    today_ts = pd.Timestamp(today or date.today())
    raw_tables, problems = read_tables(path)
    if not any(p.reason == "unreadable" and p.table is None for p in problems):
        problems += _missing_tables(raw_tables, path)  # not for a dataset that cannot be read
    typed: dict[str, pd.DataFrame] = {}
    unreadable: dict[str, dict[str, pd.Series]] = {}
    for name, raw in raw_tables.items():
        problems += _duplicate_columns(TABLES[name], raw)
        typed[name], unreadable[name], table_problems = _type_table(
            TABLES[name], raw, calendar_quarters
        )
        problems += table_problems
    keys = {name: _keys(typed[name], TABLES[name]) for name in typed}
    for name, raw in raw_tables.items():
        if len(typed[name].columns):
            problems += _check_table(
                TABLES[name], raw, typed[name], unreadable[name], keys, today_ts
            )
    problems += _dangling_tables(raw_tables)
    sources = {name: raw.source for name, raw in raw_tables.items()}
    return Dataset(typed, sources, str(path)), problems


def _missing_tables(raw_tables: dict[str, RawTable], path) -> list[Problem]:
    return [
        Problem(
            "missing_table",
            f"required table {name} is missing (a file {name}.csv/.parquet/.xlsx, "
            f"or a sheet named {name})",
            table=name,
            file=str(path),
        )
        for name in REQUIRED_TABLES
        if name not in raw_tables
    ]


def _dangling_tables(raw_tables: dict[str, RawTable]) -> list[Problem]:
    problems = []
    for name, raw in raw_tables.items():
        for column in TABLES[name].columns:
            target = column.references
            if target and target not in raw_tables and column.name in raw.frame.columns:
                problems.append(
                    Problem(
                        "missing_table",
                        f"refers to table {target}, which is not in the dataset",
                        table=name,
                        file=raw.source.file,
                        sheet=raw.source.sheet,
                        column=column.name,
                    )
                )
    return problems


# --- stage 1: typing -------------------------------------------------------------------------


def _duplicate_columns(spec: Table, raw: RawTable) -> list[Problem]:
    """A problem per column name written more than once; only the first is kept for checking.

    Names are matched ignoring case and spaces, so ``Service_ID`` beside
    ``service_id`` is the same column: which one the user meant is ambiguous.
    """
    frame = raw.frame
    repeated = frame.columns.duplicated()
    if not repeated.any():
        return []
    raw.frame = frame.loc[:, ~repeated]
    where = {"table": spec.name, "file": raw.source.file, "sheet": raw.source.sheet}
    expected = (
        "this column appears more than once (names are matched ignoring case and spaces), "
        "so which one to read is ambiguous: keep one"
    )
    names = frame.columns[repeated].unique()
    return [Problem("duplicate_column", expected, column=name, **where) for name in names]


def _type_table(spec: Table, raw: RawTable, calendar_quarters: bool):
    """The table in contract types, the cells that could not be read, and the problems."""
    frame, problems = raw.frame, []
    where = {"table": spec.name, "file": raw.source.file, "sheet": raw.source.sheet}
    missing = [c.name for c in spec.columns if c.required and c.name not in frame.columns]
    for name in missing:
        problems.append(
            Problem("missing_column", f"required column {name} is missing", column=name, **where)
        )
    if frame.empty and spec.required:
        problems.append(Problem("empty_table", "the table has no rows; it is required", **where))
    typed, unreadable = {}, {}
    for column in spec.columns:
        if column.name not in frame.columns:
            continue
        values, bad = _parse(column, frame[column.name])
        if column.name == "quarter":
            values, bad = _parse_quarters(values, bad, calendar_quarters)
        typed[column.name], unreadable[column.name] = values, bad
        problems += _cell_problems(frame[column.name], bad, "wrong_type", column.expected, where)
    # copy=False: the typed columns are the table's own (the raw text goes after loading)
    return pd.DataFrame(typed, index=frame.index, copy=False), unreadable, problems


def _blank_to_na(values: pd.Series) -> pd.Series:
    text = _arrow_text(values)
    if text is not None:  # read as Arrow text (a CSV): trimmed in one pass, no pandas wrappers
        text = pc.utf8_trim_whitespace(text)
        blank = pc.equal(text, "")
        if pc.any(blank).as_py():
            text = pc.if_else(blank, pa.scalar(None, text.type), text)
        return _series(text, values.dtype, values.index)
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        text = values.astype("string").str.strip()
        return text.mask(text == "")
    return values


def _arrow_text(values: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow text behind an Arrow-backed string column (no copy), or None for any other."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        array = pa.array(values.array)  # the array's own Arrow data, one chunk or several
        return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])
    return None


def _series(array: pa.Array | pa.ChunkedArray, dtype, index: pd.Index) -> pd.Series:
    """An Arrow array as a pandas column of ``dtype`` (a pandas extension dtype)."""
    if isinstance(array, pa.Array):
        array = pa.chunked_array([array])
    return pd.Series(dtype.__from_arrow__(array), index=index)


def _parse(column: Column, values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The column in its contract type, and a mask of written cells that could not be read."""
    values = _blank_to_na(_strict(values, column.kind))
    parsed = _PARSERS[column.kind](values, column)
    return parsed, values.notna() & parsed.isna()


def _parse_text(values: pd.Series, column: Column) -> pd.Series:
    if pd.api.types.is_float_dtype(values):  # ids typed as numbers in a spreadsheet
        numbers = values.dropna()
        if _whole(numbers).all():
            values = values.astype("Int64")
    return values.astype("string")  # text was trimmed by _blank_to_na


_EXACT_WHOLE = 2.0**53  # beyond this a float no longer holds every whole number


def _whole(numbers: pd.Series) -> pd.Series:
    """Which numbers are finite whole numbers that an integer column can hold exactly."""
    return (numbers == np.floor(numbers)) & (numbers.abs() <= _EXACT_WHOLE)


_ARROW_TYPES = {"string": pa.large_string(), "boolean": pa.bool_()}


def _by_distinct_value(values: pd.Series, read: Callable[[str], object], dtype: str) -> pd.Series:
    """Apply ``read`` to each distinct value once: a column of a million cells holds a handful."""
    text = _arrow_text(values)
    if text is not None:  # Arrow's dictionary encoding, then one take: no object array
        encoded = text.combine_chunks().dictionary_encode()
        distinct = [read(v) for v in encoded.dictionary.to_pylist()]
        lookup = pa.array(distinct, type=_ARROW_TYPES[dtype])
        return _series(lookup.take(encoded.indices), pd.api.types.pandas_dtype(dtype), values.index)
    codes, distinct = pd.factorize(values)
    lookup = np.array([read(str(v)) for v in distinct] + [None], dtype=object)
    return pd.Series(lookup[codes], index=values.index).astype(dtype)


def _enum_word(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _parse_enum(values: pd.Series, column: Column) -> pd.Series:
    def read(text: str) -> str:
        word = _enum_word(text)
        return column.aliases.get(word, word)

    return _by_distinct_value(values, read, "string")


def _read_bool(text: str) -> bool | None:
    word = text.strip().lower()
    return True if word in _TRUE else False if word in _FALSE else None


def _parse_bool(values: pd.Series, column: Column) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean")
    return _by_distinct_value(values, _read_bool, "boolean")


# A time written with a zone ("09:30+01:00", "09:30Z"): the contract's times are local.
_ZONED = r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"


def _parse_dates(values: pd.Series, column: Column) -> pd.Series:
    """Dates or local times; a time zone, or a day outside what a nanosecond date holds, is unread.

    Parsing is done as UTC so that a column mixing zoned and unzoned text
    never raises; the cells that named a zone are then left unread, since
    the contract's times are local and no zone may be guessed.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values.dt.tz_localize(None) if values.dt.tz is not None else values
    else:
        as_text = values.map(_excel_cell_text) if values.dtype == object else values
        as_text = as_text.astype("string")
        parsed = pd.to_datetime(as_text, format="ISO8601", errors="coerce", utc=True)
        parsed = parsed.dt.tz_localize(None).mask(_zoned(as_text))
    # pandas 3 reads 9999-12-31 at microsecond resolution; the workbench's dates are nanosecond.
    in_range = (parsed >= pd.Timestamp.min) & (parsed <= pd.Timestamp.max)
    if not (in_range | parsed.isna()).all():
        parsed = parsed.where(in_range)
    parsed = parsed.astype("datetime64[ns]")
    return parsed.dt.normalize() if column.kind == "date" else parsed


def _zoned(text: pd.Series) -> np.ndarray:
    """Which cells (already trimmed) name a time zone; a plain date is never longer than 10."""
    longer = (text.str.len() > 10).fillna(False).to_numpy(dtype=bool)
    zoned = np.zeros(len(text), dtype=bool)
    if longer.any():
        zoned[longer] = text[longer].str.contains(_ZONED, regex=True).fillna(False).to_numpy()
    return zoned


# The kinds whose text Arrow casts strictly, and the type it casts them to.
_STRICT_TYPES = {
    "int": pa.float64(),
    "number": pa.float64(),
    "date": pa.timestamp("ns"),
    "timestamp": pa.timestamp("ns"),
}


def _strict(values: pd.Series, kind: str) -> pd.Series:
    """A number or date column of Arrow text cast whole by Arrow; any other column as it is.

    Arrow's cast accepts only what the careful parse reads the same way
    (finite decimal numbers; ISO 8601 dates without a zone, in nanosecond
    range; no spaces), and refuses the whole column otherwise. So a column it takes
    needs no cell-by-cell look, and a column with one refused cell stays text
    for the careful parse, which finds that cell and reports it as written.
    """
    text = _arrow_text(values) if kind in _STRICT_TYPES else None
    if text is None:
        return values
    try:
        typed = text.cast(_STRICT_TYPES[kind])
    except pa.ArrowInvalid:
        return values
    if pa.types.is_floating(typed.type) and not pc.all(pc.is_finite(typed)).as_py():
        return values  # "nan" would pass for a blank: the careful parse reports it as written
    return pd.Series(typed.to_numpy(zero_copy_only=False), index=values.index)


def _excel_cell_text(value):
    # An XLSX column may mix real Excel dates with typed text; both are fine. isoformat()
    # rather than pd.Timestamp: a date in year 9999 is a user's typo, not a crash.
    if isinstance(value, date):
        return value.isoformat()
    return value if value is None or isinstance(value, str) else str(value)


def _parse_number(values: pd.Series, column: Column) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        return pd.Series(np.nan, index=values.index)
    if pd.api.types.is_float_dtype(values):  # cast by Arrow, or a spreadsheet's numbers
        numbers = pd.Series(values.to_numpy("float64", na_value=np.nan), index=values.index)
    else:
        numbers = pd.to_numeric(values.astype("string").str.strip(), errors="coerce")
    numbers = numbers.astype("float64")
    numbers = numbers.where(np.isfinite(numbers))  # inf, -inf and 1e400 are not measurements
    return numbers.astype("Float64" if column.kind == "number" else "float64")


def _parse_int(values: pd.Series, column: Column) -> pd.Series:
    numbers = _parse_number(values, column)
    return numbers.where(_whole(numbers)).astype("Int64")


_PARSERS: dict[str, Callable[[pd.Series, Column], pd.Series]] = {
    "id": _parse_text,
    "text": _parse_text,
    "enum": _parse_enum,
    "bool": _parse_bool,
    "date": _parse_dates,
    "timestamp": _parse_dates,
    "int": _parse_int,
    "number": _parse_number,
}

_QUARTER_HINT = "a quarter label like 2026/27 Q2"


def _parse_quarters(values: pd.Series, bad: pd.Series, calendar_quarters: bool):
    """Quarter labels written in their canonical form; unknown labels become unparsed."""

    def read(label: str) -> str | None:
        try:
            period = parse_period(label, calendar_quarters=calendar_quarters)
        except PeriodError:
            return None
        return period.label if period.kind == "quarter" else None

    parsed = _by_distinct_value(values, read, "string")
    return parsed, bad | (values.notna() & parsed.isna())


def _cell_problems(raw: pd.Series, mask: pd.Series, reason: str, expected: str, where) -> list:
    if not mask.any():
        return []
    if raw.name == "quarter" and reason == "wrong_type":
        expected = _QUARTER_HINT
    cells = raw[mask.to_numpy(dtype=bool)]
    return [
        Problem(reason, expected, column=str(raw.name), row=int(row), value=value, **where)
        for row, value in cells.items()
    ]


# --- stage 2: checks -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    reason: str
    expected: str


@dataclass(frozen=True)
class _Keys:
    """A table's distinct key values (what references to it may name), and whether any repeats."""

    values: pa.Array | pa.ChunkedArray | None
    repeated: bool


def _keys(frame: pd.DataFrame, spec: Table) -> _Keys:
    """The key's values and whether any repeats, by Arrow; pandera then checks uniqueness (and
    reports the repeated rows) only for a table where some key repeats.

    A blank key counts as a value here, so a table is let off pandera's check
    only when no value, blank or not, is written twice.
    """
    if not set(spec.key) <= set(frame.columns):
        return _Keys(None, False)
    arrays = [pa.array(frame[name], from_pandas=True) for name in spec.key]
    if len(arrays) > 1:
        return _Keys(None, _distinct_rows(arrays) < len(frame))
    key = arrays[0]
    if _strictly_increasing(key):  # ids written in order: no repeats, and no hashing to prove it
        return _Keys(key, False)
    distinct = pc.unique(key)
    return _Keys(distinct.drop_null(), len(distinct) < len(key))


def _strictly_increasing(values: pa.Array | pa.ChunkedArray) -> bool:
    """Whether every value is after the one before it (so none repeats), with no blank."""
    if values.null_count or len(values) < 2:
        return not values.null_count
    return pc.all(pc.greater(values[1:], values[:-1])).as_py()


def _distinct_rows(arrays: list) -> int:
    """How many distinct combinations the columns hold (a blank is a value), by numbering each
    column's values and then each combination, so that no text is hashed twice."""
    codes = None
    for array in arrays:
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        encoded = pc.dictionary_encode(array, null_encoding="encode")
        column = encoded.indices.to_numpy().astype(np.int64)
        codes = column if codes is None else codes * len(encoded.dictionary) + column
        codes = pc.dictionary_encode(pa.array(codes)).indices.to_numpy().astype(np.int64)
    return int(codes.max()) + 1 if len(codes) else 0


def _column_checks(column: Column, keys, today: pd.Timestamp) -> list[tuple[pandera.Check, _Rule]]:
    checks = []
    if column.kind == "enum":
        allowed = column.values
        checks.append((_cells(lambda v: isin(v, allowed)), _Rule("unknown_value", column.expected)))
    if column.minimum is not None or column.maximum is not None:
        low = column.minimum if column.minimum is not None else -np.inf
        high = column.maximum if column.maximum is not None else np.inf
        above = (lambda v: v > low) if column.exclusive_minimum else (lambda v: v >= low)
        check = _cells(lambda v: above(v) & (v <= high))
        checks.append((check, _Rule("out_of_range", column.expected)))
    if column.kind in ("date", "timestamp"):
        too_early = _Rule("too_early", "a date in 2000 or later")
        checks.append((_cells(lambda v: v >= EARLIEST), too_early))
        if column.when == "event":
            latest = today + pd.Timedelta(days=1)
            checks.append(
                (
                    _cells(lambda v: v < latest),
                    _Rule("future_date", f"has not happened yet (today is {today:%Y-%m-%d})"),
                )
            )
        elif column.when == "planned":
            horizon = today + pd.DateOffset(years=5)
            checks.append(
                (
                    _cells(lambda v: v <= horizon),
                    _Rule("too_far_ahead", "a planned date at most five years ahead"),
                )
            )
    target_keys = keys.get(column.references) if column.references else None
    if target_keys is not None and target_keys.values is not None:
        target = TABLES[column.references]
        rule = _Rule("missing_reference", f"not found in table {target.name} ({target.key[0]})")
        checks.append((_cells(lambda v: isin(v, target_keys.values)), rule))
    return checks


def _cells(holds: Callable[[pd.Series], object]) -> pandera.Check:
    """A pandera check of each written cell, where a blank passes (blanks are reported by
    _blank_required): passed here, rather than dropped by pandera, which copies the column."""

    def check(values: pd.Series) -> pd.Series:
        return (pd.Series(holds(values), index=values.index) | values.isna()).astype(bool)

    return pandera.Check(check, ignore_na=False)


def _order_check(earlier: str, later: str) -> pandera.Check:
    def holds(frame: pd.DataFrame) -> pd.Series:
        return ~(frame[later] < frame[earlier]).fillna(False).astype(bool)

    return pandera.Check(holds)


def _check_table(spec: Table, raw: RawTable, typed, unreadable, keys, today) -> list[Problem]:
    rules: dict[tuple[str | None, int], _Rule] = {}
    columns = {}
    for column in spec.columns:
        if column.name not in typed.columns:
            continue
        pairs = _column_checks(column, keys, today)
        for number, (_, rule) in enumerate(pairs):
            rules[(column.name, number)] = rule
        unique = spec.key == (column.name,) and keys[spec.name].repeated
        columns[column.name] = pandera.Column(
            nullable=True,  # blanks are reported by _blank_required in the contract's words
            unique=unique,
            checks=[check for check, _ in pairs],
            required=False,
        )
    frame_checks = []
    for earlier, later, wording in spec.order:
        if earlier in typed.columns and later in typed.columns:
            rules[(None, len(frame_checks))] = _Rule("date_order", f"expected {wording}")
            frame_checks.append(_order_check(earlier, later))
    repeated = len(spec.key) > 1 and keys[spec.name].repeated
    multi_key = list(spec.key) if repeated else None
    schema = pandera.DataFrameSchema(columns, checks=frame_checks, unique=multi_key, coerce=False)
    try:
        schema.validate(typed, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        problems = _translate(errors.failure_cases, spec, raw, rules)
    else:
        problems = []
    problems += _blank_required(spec, raw, typed, unreadable)
    return problems


def _blank_required(spec, raw, typed, unreadable) -> list[Problem]:
    """Blank cells in columns that must be filled (unreadable cells are reported already)."""
    problems = []
    where = {"table": spec.name, "file": raw.source.file, "sheet": raw.source.sheet}
    for column in spec.columns:
        if column.nullable or column.name not in typed.columns:
            continue
        blank = typed[column.name].isna() & ~unreadable[column.name]
        for row in typed.index[blank.to_numpy(dtype=bool)]:
            problems.append(
                Problem(
                    "missing_value",
                    f"blank, but expected {column.expected}",
                    row=int(row),
                    column=column.name,
                    **where,
                )
            )
    return problems


def _translate(cases: pd.DataFrame, spec: Table, raw: RawTable, rules) -> list[Problem]:
    where = {"table": spec.name, "file": raw.source.file, "sheet": raw.source.sheet}
    problems = []
    for case in cases.itertuples(index=False):
        column = case.column if isinstance(case.column, str) and case.column in raw.frame else None
        row = None if pd.isna(case.index) else int(case.index)
        rule = _rule_for(case, column, rules, spec)
        if rule is None:
            continue
        if rule.reason == "date_order":
            earlier, later, _ = spec.order[int(case.check_number)]
            expected = f"{rule.expected} ({earlier} is {_raw(raw, row, earlier)})"
            problems.append(
                Problem(
                    rule.reason,
                    expected,
                    row=row,
                    column=later,
                    value=_raw(raw, row, later),
                    **where,
                )
            )
            continue
        value = _raw(raw, row, column) if column and row is not None else case.failure_case
        problems.append(
            Problem(rule.reason, rule.expected, row=row, column=column, value=value, **where)
        )
    return _sorted(problems)


def _rule_for(case, column, rules, spec) -> _Rule | None:
    check = str(case.check)
    if check == "not_nullable":
        return None  # reported by _blank_required with the contract's wording
    if check in ("field_uniqueness", "multiple_fields_uniqueness"):
        key = " + ".join(spec.key)
        return _Rule("duplicate_key", f"duplicate {key}: each must appear only once")
    if case.check_number is None or pd.isna(case.check_number):
        return None
    schema_level = case.schema_context == "DataFrameSchema"
    return rules.get((None if schema_level else column, int(case.check_number)))


def _raw(raw: RawTable, row: int | None, column: str | None):
    if row is None or column is None or column not in raw.frame.columns:
        return None
    value = raw.frame.loc[row, column]
    return None if pd.isna(value) else value


def _sorted(problems: list[Problem]) -> list[Problem]:
    """In file order, each once (pandera repeats a frame-level failure for every column)."""
    unique = {(p.reason, p.row, p.column): p for p in problems}
    return sorted(unique.values(), key=lambda p: (p.row or 0, p.column or ""))
