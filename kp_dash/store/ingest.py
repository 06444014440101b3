"""Read department files and validate them against the data contract, reporting every problem in
one pass: each names the file, the row as a spreadsheet shows it, the column, the value, the rule
and, where one exists, a suggestion.

Validation has two stages. Parsing turns text into codes and numbers (district names through the
resolver, codes through their lists, with suggestions); the rules on the parsed values (ranges,
whole numbers, users within transactions, months not in the future) are a pandera schema per kind.
The demonstration data and imported files go through this same path.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from rapidfuzz import process

from kp_dash.store import config
from kp_dash.store.districts import DistrictResolver

KINDS = ("usage", "indicators", "targets")
SEXES = ("female", "male", "transgender", "unknown")
AREAS = ("urban", "rural", "unknown")
AGE_BANDS = ("0-4", "5-14", "15-24", "25-59", "60+", "unknown")
GROUPS = ("all", "female", "male", "urban", "rural")
UNITS = ("pct", "count")
SEX_SYNONYMS = {
    "f": "female",
    "m": "male",
    "women": "female",
    "men": "male",
    "woman": "female",
    "man": "male",
    "t": "transgender",
}
PROVINCE_CODES = ("kp", "khyber pakhtunkhwa", "pk5", "province", "all")

# contract column -> accepted synonyms (matched ignoring case, spaces and underscores)
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "usage": {
        "month": ("period", "month_start"),
        "district": ("district_name", "district_code"),
        "service": ("service_code",),
        "channel": ("mode",),
        "sex": ("gender",),
        "area": ("urban_rural",),
        "age_band": ("age_group",),
        "transactions": ("count", "applications"),
        "users": ("unique_users",),
    },
    "indicators": {
        "district": ("district_name", "district_code"),
        "year": (),
        "indicator": ("indicator_code",),
        "group": ("grp",),
        "value": (),
        "unit": ("units",),
        "source": (),
    },
    "targets": {
        "service": ("service_code",),
        "district": ("district_name", "district_code"),
        "metric": ("metric_code",),
        "month": ("period", "month_start"),
        "year": (),
        "target": ("target_value",),
    },
}
REQUIRED = {
    "usage": ("month", "district", "service", "channel", "transactions"),
    "indicators": ("district", "year", "indicator", "group", "value", "unit", "source"),
    "targets": ("service", "district", "metric", "target"),
}
DEFAULTS = {"sex": "unknown", "area": "unknown", "age_band": "unknown"}
KEYS = {
    "usage": ("month_start", "district_code", "service_code", "channel", "sex", "area", "age_band"),
    "indicators": ("district_code", "parent_name", "year", "indicator", "grp"),
    "targets": ("service_code", "district_code", "metric", "month_start", "year"),
}
KEY_WORDS = {
    "usage": "month, district, service, channel, sex, area, age band",
    "indicators": "district, year, indicator, group",
    "targets": "service, district, metric, month or year",
}
PROBLEM_COLUMNS = ["file", "row", "column", "value", "rule", "message"]
FUZZY_COLUMNS = ["spelling", "district_code", "district_name", "score"]
FIRST_DATA_ROW = 2  # a spreadsheet shows the header as row 1
WHOLE_FILE = 0  # the row number of problems about the whole file
MIN_KIND_SCORE = 0.4  # share of a kind's required columns a header needs for the kind to be guessed

Progress = Callable[[float, str], None]


def _no_progress(fraction: float, message: str) -> None:
    """The default progress callback: report nothing."""


@dataclass
class Validation:
    """The outcome of validating one file: normalised rows, or the problems that reject it."""

    file: str
    kind: str | None
    rows: pd.DataFrame
    problems: pd.DataFrame
    fuzzy: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FUZZY_COLUMNS))

    @property
    def ok(self) -> bool:
        return self.problems.empty

    def problem_lines(self) -> list[str]:
        return [_problem_line(p) for p in self.problems.itertuples(index=False)]


def _problem_line(p: tuple) -> str:
    place = ", ".join(part for part in (f"row {p.row}" if p.row else "", p.column) if part)
    return f"{p.file}: {place}: {p.message}" if place else f"{p.file}: {p.message}"


def _problems(file: str, rows, column: str, values, rule: str, messages) -> pd.DataFrame:
    rows = np.asarray(rows, dtype="int64")
    # one message (or value) may stand for every row
    values = [values] * len(rows) if isinstance(values, str) else values
    messages = [messages] * len(rows) if isinstance(messages, str) else messages
    return pd.DataFrame(
        {
            "file": file,
            "row": rows,
            "column": column,
            "value": pd.Series(values, dtype="object").to_numpy(),
            "rule": rule,
            "message": pd.Series(messages, dtype="object").to_numpy(),
        }
    )


def _file_problem(file: str, rule: str, message: str, row: int = WHOLE_FILE) -> pd.DataFrame:
    return _problems(file, [row], "", [""], rule, [message])


def _empty_problems() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in PROBLEM_COLUMNS})


def rejected(file: str, kind: str | None, problems: list[pd.DataFrame]) -> Validation:
    found = pd.concat(problems, ignore_index=True)
    found = found.sort_values(["row", "column"], kind="stable", ignore_index=True)
    return Validation(file, kind, pd.DataFrame(), found)


# --- reading ------------------------------------------------------------------------------------


class ReadError(Exception):
    """The file cannot be read as a table; `problems` says why, for people."""

    def __init__(self, problems: pd.DataFrame):
        self.problems = problems
        super().__init__("; ".join(problems["message"]))


EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def read_file(
    path: Path, sheet: str | None = None, display_name: str | None = None
) -> pd.DataFrame:
    """A CSV (UTF-8, with or without BOM), Excel (.xlsx: first sheet or `sheet`) or Parquet file
    as a frame; text files keep every cell as text (numbers are validated later). Whatever the
    content, the only exception is a ReadError."""
    name = display_name or path.name
    if not path.exists() or path.stat().st_size == 0:
        raise ReadError(_file_problem(name, "empty_file", "the file is empty"))
    suffix = Path(name).suffix.lower() or path.suffix.lower()
    if suffix == ".parquet":
        header, frame = _read_parquet(path, name)
        return _named_columns(header, frame, name, header_row=1, letters=False)
    if suffix in EXCEL_SUFFIXES:
        header, frame, header_row = _read_excel(path, name, sheet)
        return _named_columns(header, frame, name, header_row, letters=True)
    header, frame = _read_csv(path, name)
    return _named_columns(header, frame, name, header_row=1, letters=True)


def _read_csv(path: Path, name: str) -> tuple[list[str], pd.DataFrame]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        row = data[: error.start].count(b"\n") + 1
        byte = data[error.start : error.start + 1].hex().upper()
        message = (
            f"the file is not UTF-8 text (byte 0x{byte} cannot be read); in Excel use "
            "'Save as' → 'CSV UTF-8 (Comma delimited)' and import again"
        )
        raise ReadError(_file_problem(name, "wrong_encoding", message, row)) from None
    if text.startswith("\ufeff"):
        data, text = data[3:], text[1:]
    if not text or text.isspace():
        raise ReadError(_file_problem(name, "empty_file", "the file is empty"))
    # the header from the file's first MiB: copying a large file for one row is slow
    header = _csv_records(text[: 1 << 20], name)[0]
    _refuse_other_separator(header, name)
    width = len(header)
    # every column as text: codes such as '007' and dates stay as written. The header is read
    # as a row, so that blank or repeated names reach the header checks as they were written.
    try:
        table = pa_csv.read_csv(
            io.BytesIO(data),
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"f{i}": pa_arrow.string() for i in range(width)},
                strings_can_be_null=False,
            ),
        )
    except pa_arrow.ArrowException as error:
        raise ReadError(_csv_problem(text, name, width, error)) from None
    header = [column[0].as_py() for column in table.columns] if table.num_rows else []
    data_rows = table.slice(1).rename_columns([str(i) for i in range(table.num_columns)])
    frame = data_rows.to_pandas()
    frame.columns = range(table.num_columns)
    return header, frame


def _csv_records(text: str, name: str, limit: int = 1) -> list[list[str]]:
    """The first `limit` rows as Python's csv module reads them, blank lines skipped as Arrow
    skips them; a row it cannot read (a cell over its size limit) is a problem."""
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for record in reader:
            if record:
                records.append(record)
            if len(records) == limit:
                break
    except csv.Error as error:
        row = len(records) + 1
        message = f"this row cannot be read as CSV ({error})"
        raise ReadError(_file_problem(name, "unreadable", message, row)) from None
    return records or [[]]


def _refuse_other_separator(header: list[str], name: str) -> None:
    """A header that is one column but splits into known names on ';' or a tab: the file was
    saved with another separator (Excel does so where the decimal mark is a comma)."""
    if len(header) != 1:
        return
    for separator, label in ((";", "semicolons"), ("\t", "tabs")):
        if sum(_is_known_header(part.strip()) for part in header[0].split(separator)) >= 2:
            message = (
                f"the columns are separated by {label}, not commas; in Excel use 'Save as' → "
                "'CSV UTF-8 (Comma delimited)' and import again"
            )
            value = header[0][:80]
            raise ReadError(_problems(name, [1], "", [value], "wrong_separator", [message]))


def _csv_problem(text: str, name: str, width: int, error: Exception) -> pd.DataFrame:
    """Arrow's reason for refusing a CSV, with the row a person should look at where the
    reason is a row with the wrong number of cells."""
    reason = _arrow_reason(error)
    if re.match(r"Expected \d+ columns, got \d+", reason):
        records = _csv_records(text, name, limit=-1)
        row, record = next(
            ((i, r) for i, r in enumerate(records, start=1) if len(r) != width), (0, [])
        )
        if row:
            line = ",".join(record)
            value = line if len(line) <= 80 else line[:79] + "…"
            message = (
                f"this row has {len(record)} cells but the header row has {width}; a value "
                "holding a comma or a line break must be in double quotes"
            )
            return _problems(name, [row], "", [value], "wrong_cell_count", [message])
    message = f"the file cannot be read as CSV ({reason})"
    return _file_problem(name, "unreadable", message)


def _arrow_reason(error: Exception) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return re.sub(r"^CSV parse error: ", "", text)


def _read_parquet(path: Path, name: str) -> tuple[list[str], pd.DataFrame]:
    try:
        table = pq.read_table(path)
        table.validate(full=True)  # text that is not UTF-8 fails here, not in a later check
        header = [str(n) for n in table.column_names]
        # the file's own columns by position: pandas' note of its index (which could hide a
        # column such as 'district' in the index) is left out, and names may repeat
        columns = [_plain(c) for c in table.columns]
        frame = pa_arrow.table(columns, names=[str(i) for i in range(len(columns))]).to_pandas()
    except (pa_arrow.ArrowException, OSError, ValueError) as error:
        # a damaged file can hold names or text that are not UTF-8 (UnicodeDecodeError), or
        # dates that no calendar has (ValueError: year … is out of range)
        message = f"the file cannot be read as Parquet ({_arrow_reason(error)})"
        raise ReadError(_file_problem(name, "unreadable", message)) from None
    frame.columns = range(len(columns))
    return header, frame


def _plain(column: pa_arrow.ChunkedArray) -> pa_arrow.ChunkedArray:
    """Nested values (lists, structs, maps) and bytes as text: no contract column holds one,
    and text is what a problem line can show (bytes that are not UTF-8 as escapes)."""
    types = pa_arrow.types
    if types.is_dictionary(column.type) and not types.is_string(column.type.value_type):
        column = column.cast(column.type.value_type)
    kind = column.type
    if types.is_binary(kind) or types.is_large_binary(kind) or types.is_fixed_size_binary(kind):
        texts = [
            None if v is None else v.decode("utf-8", "backslashreplace") for v in column.to_pylist()
        ]
    elif types.is_nested(kind):
        texts = [None if v is None else str(v) for v in column.to_pylist()]
    else:
        return column
    return pa_arrow.chunked_array([pa_arrow.array(texts, pa_arrow.string())])


def _read_excel(path: Path, name: str, sheet: str | None) -> tuple[list[str], pd.DataFrame, int]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = workbook.sheet_names
        if sheet is not None and sheet not in sheets:
            listed = ", ".join(f"'{s}'" for s in sheets)
            message = f"there is no sheet '{sheet}' (sheets: {listed})"
            raise ReadError(_file_problem(name, "unknown_sheet", message))
        if not sheets:
            raise ReadError(_file_problem(name, "empty_file", "the workbook has no sheets"))
        chosen = sheet or sheets[0]
        cells = workbook.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError) as error:
        message = f"the file cannot be read as an Excel workbook ({error})"
        raise ReadError(_file_problem(name, "unreadable", message)) from None
    # the sheet from A1: list positions are the spreadsheet's rows and columns
    filled = [(i, row) for i, row in enumerate(cells, start=1) if any(_filled(c) for c in row)]
    if not filled:
        raise ReadError(_file_problem(name, "empty_file", f"sheet '{chosen}' is empty"))
    (header_row, header), rows = filled[0], [row for _, row in filled[1:]]
    frame = pd.DataFrame(rows, columns=range(len(header)), dtype=object).map(_excel_text)
    return [str(_excel_text(c)) for c in header], frame, header_row


def _filled(cell: object) -> bool:
    return cell is not None and bool(str(cell).strip())


def _excel_text(cell: object) -> object:
    """Excel gives numbers as floats (5.0) and dates as dates; keep dates, write whole numbers
    without '.0' so that they read like the spreadsheet."""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, (date, pd.Timestamp)):
        return cell
    return "" if cell is None else str(cell)


# --- the header row -----------------------------------------------------------------------------


def _named_columns(
    header: list[str], frame: pd.DataFrame, name: str, header_row: int, letters: bool
) -> pd.DataFrame:
    """The frame's columns (numbered by position) under the header's names. A column with no
    name is dropped when it is empty and is a problem when it holds data; two columns with one
    name that a contract column accepts are a problem; other repeated names get a suffix."""
    names = [h.strip() for h in header] + [""] * (frame.shape[1] - len(header))

    def place(position: int) -> str:
        return _column_letter(position) if letters else str(position + 1)

    # a row naming no known column is data or a title, which the header checks explain better
    is_header = any(_is_known_header(n) for n in names)
    keep, problems = [], []
    for position, title in enumerate(names):
        if title:
            keep.append(position)
        elif _holds_data(frame[position]):
            if not is_header:
                keep.append(position)
                continue
            message = (
                f"column {place(position)} has no name in the header row (row {header_row}); "
                "give it a name or delete the column; if the header spans two rows, merge them "
                "into one"
                if letters
                else f"column {place(position)} has no name; give it a name or drop it"
            )
            field = place(position) if letters else f"column {place(position)}"
            problems.append(_problems(name, [header_row], field, [""], "unnamed_column", [message]))
    repeated: dict[str, list[int]] = {}
    for position in keep:
        if _is_known_header(names[position]):
            repeated.setdefault(_key(names[position]), []).append(position)
    for positions in (p for p in repeated.values() if len(p) > 1):
        places = [place(p) for p in positions]
        both = "both" if len(places) == 2 else "all"
        title = names[positions[0]]
        message = (
            f"columns {', '.join(places[:-1])} and {places[-1]} are {both} named '{title}'; "
            "keep one"
        )
        problems.append(
            _problems(name, [header_row], title, [title], "duplicate_column", [message])
        )
    if problems:
        raise ReadError(pd.concat(problems, ignore_index=True))
    out = frame[keep]
    out.columns = _unique([names[p] or place(p) for p in keep])
    return out


def _is_known_header(name: str) -> bool:
    return _key(name) in _known_header_keys()


@cache
def _known_header_keys() -> frozenset[str]:
    """Every header name some kind accepts, as matched."""
    return frozenset(
        _key(n) for spec in COLUMNS.values() for c, syns in spec.items() for n in (c, *syns)
    )


def _holds_data(column: pd.Series) -> bool:
    return bool(_texts(column).notna().any())


def _column_letter(position: int) -> str:
    """A, B, …, Z, AA, …: the column as a spreadsheet labels it."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _unique(names: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for name in names:
        candidate, n = name, 0
        while candidate in seen:
            n += 1
            candidate = f"{name}.{n}"
        seen.add(candidate)
        out.append(candidate)
    return out


# --- columns ------------------------------------------------------------------------------------


def _key(name: object) -> str:
    return re.sub(r"[\s_]+", "", str(name)).lower()


def match_columns(
    columns: list[object], spec: dict[str, tuple[str, ...]]
) -> tuple[dict[str, object], list[tuple[str, object, object]]]:
    """Map contract columns to the file's header names; also returns clashes (two headers for
    one contract column)."""
    lookup = {_key(name): contract for contract, syns in spec.items() for name in (contract, *syns)}
    mapping: dict[str, object] = {}
    clashes = []
    for column in columns:
        contract = lookup.get(_key(column))
        if contract is None:
            continue
        if contract in mapping:
            clashes.append((contract, column, mapping[contract]))
        else:
            mapping[contract] = column
    return mapping, clashes


def guess_kind(columns: list[object]) -> str | None:
    """The kind whose required columns the header has most of (all of them for a sure guess)."""
    scores = {}
    for kind in KINDS:
        mapping, _ = match_columns(columns, COLUMNS[kind])
        scores[kind] = sum(c in mapping for c in REQUIRED[kind]) / len(REQUIRED[kind])
    ranked = sorted(scores.values(), reverse=True)
    best = max(scores, key=scores.get)
    # a clear front-runner is taken even with columns missing, so that they can be named
    return best if scores[best] >= MIN_KIND_SCORE and ranked[0] > ranked[1] else None


def _header_problems(frame: pd.DataFrame, file: str, kind: str) -> tuple[dict, list]:
    mapping, clashes = match_columns(list(frame.columns), COLUMNS[kind])
    problems = []
    if not mapping and any(_looks_like_data(c) for c in frame.columns):
        first = ", ".join(str(c) for c in list(frame.columns)[:4])
        message = (
            f"the sheet has no header row: row 1 holds data ('{first}', …); insert a row "
            f"with the column names ({', '.join(REQUIRED[kind])}) above it"
        )
        return mapping, [_file_problem(file, "no_header_row", message, 1)]
    for contract, column, first in clashes:
        message = f"columns '{first}' and '{column}' both give '{contract}'; keep one"
        problems.append(_problems(file, [1], str(column), [column], "duplicate_column", [message]))
    for column in (c for c in REQUIRED[kind] if c not in mapping):
        names = ", ".join(f"'{n}'" for n in (column, *COLUMNS[kind][column]))
        message = f"required column is missing (accepted headers: {names})"
        problems.append(_problems(file, [1], column, [""], "missing_column", [message]))
    if kind == "targets" and "month" not in mapping and "year" not in mapping:
        message = "a targets file needs a 'month' (YYYY-MM) or a 'year' column"
        problems.append(_problems(file, [1], "month", [""], "missing_column", [message]))
    return mapping, problems


def _looks_like_data(header: object) -> bool:
    text = str(header).strip()
    return bool(re.fullmatch(r"[\d.,\-/: ]+|PK\d{3}", text, flags=re.IGNORECASE))


# --- parsing cells ------------------------------------------------------------------------------


def _texts(series: pd.Series) -> pd.Series:
    """Cells as trimmed text; blanks become NA."""
    text = series.astype("string").str.strip()
    return text.mask(text == "")


def _clean(value: object) -> object:
    """A cell as trimmed text, None when blank (dates and numbers pass unchanged)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        return value.strip() or None
    return value


def _map_distinct(series: pd.Series, fn) -> pd.Series:
    """Apply fn to each distinct cleaned value once: files have a million rows but few distinct
    names, so cleaning and mapping the distinct values is what keeps validation fast."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = [fn(_clean(u)) for u in uniques] + [fn(None)]  # code -1 (blank) takes the last
    if all(m is None or isinstance(m, str) for m in mapped):
        # codes become a categorical: no million Python strings, and Parquet stores a dictionary
        categories = sorted({m for m in mapped if m is not None})
        position = {c: i for i, c in enumerate(categories)}
        category_codes = np.array([position.get(m, -1) for m in mapped])[codes]
        return pd.Series(
            pd.Categorical.from_codes(category_codes, categories=categories), index=series.index
        )
    return pd.Series(np.array(mapped, dtype=object)[codes], index=series.index)


def parse_month(value: object) -> date | None:
    """`YYYY-MM`, or a date whose month is used."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, (pd.Timestamp, date)):
        # a Parquet timestamp can lie past the year 9999 that a date holds
        return date(value.year, value.month, 1) if 1 <= value.year <= 9999 else None
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2})(?:[ T].*)?)?", text)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 1:
        return None
    if match.group(3):
        try:
            date(year, month, int(match.group(3)))
        except ValueError:
            return None
    return date(year, month, 1)


# the months datetime64[ns] holds (1677-09-22 to 2262-04-11)
FIRST_STORABLE_MONTH = date(1677, 10, 1)
LAST_STORABLE_MONTH = date(2262, 4, 1)


def _storable_month(value: object) -> date | None:
    """parse_month, a later month than datetime64[ns] holds taken as its last one: it is in
    the future all the same, and the future-month rule reports it as written."""
    month = parse_month(value)
    return None if month is None else min(month, LAST_STORABLE_MONTH)


def _too_early(value: object) -> bool:
    month = parse_month(value)
    return month is not None and month < FIRST_STORABLE_MONTH


def _quoted(values: pd.Series) -> pd.Series:
    return "'" + values.astype("string").fillna("") + "'"


# --- the rules on parsed values (pandera) ---------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """How a failed schema check reads to people."""

    column: str
    text: str  # follows the quoted value


RULES = {
    "negative_count": Rule("", "is negative; counts are whole numbers ≥ 0"),
    "fractional_count": Rule("", "is not a whole number; counts are whole numbers ≥ 0"),
    "count_too_large": Rule("", "is too large to be a count"),
    "pct_out_of_range": Rule("value", "is not a percentage between 0 and 100"),
    "year_out_of_range": Rule("year", "is not a year between 1950 and this year"),
    "negative_target": Rule("target", "is negative; targets are ≥ 0"),
}


def _check(rule: str, test: Callable[[pd.Series], pd.Series]) -> pa.Check:
    """A vectorised check named by its rule; blanks are the parser's business, not the schema's."""
    return pa.Check(test, name=rule, ignore_na=True)


def _column(dtype, *checks: pa.Check) -> pa.Column:
    return pa.Column(dtype, list(checks), nullable=True)


# counts are checked as floats and stored as 64-bit integers: above 2**53 a float cannot hold
# every whole number, and above 2**63 the integer would wrap round
MAX_COUNT = 2**53


def _count_checks() -> list[pa.Check]:
    # an infinite count is reported once, as too large
    return [
        _check("negative_count", lambda s: s >= 0),
        _check("fractional_count", lambda s: (s % 1 == 0) | np.isinf(s)),
        _check("count_too_large", lambda s: s <= MAX_COUNT),
    ]


def usage_schema(today: date) -> pa.DataFrameSchema:
    current = pd.Timestamp(today.year, today.month, 1)
    return pa.DataFrameSchema(
        {
            "month_start": _column(
                "datetime64[ns]", _check("future_month", lambda s: s <= current)
            ),
            "transactions": _column(float, *_count_checks()),
            "users": _column(float, *_count_checks()),
        },
        # only against valid counts: a negative or too large count is reported once, as such
        checks=[
            pa.Check(
                lambda d: (
                    ~(
                        (d["users"] > d["transactions"])
                        & (d["transactions"] >= 0)
                        & (d["users"] <= MAX_COUNT)
                    )
                ),
                name="users_above_transactions",
            )
        ],
    )


def indicators_schema(today: date) -> pa.DataFrameSchema:
    pct = pa.Check(
        lambda d: ~((d["unit"] == "pct") & ((d["value"] < 0) | (d["value"] > 100))),
        name="pct_out_of_range",
    )
    count = pa.Check(
        lambda d: ~((d["unit"] == "count") & ((d["value"] < 0) | (d["value"] % 1 != 0))),
        name="bad_count",
    )
    year = _check("year_out_of_range", lambda s: (s >= 1950) & (s <= today.year))
    return pa.DataFrameSchema(
        {"year": _column(float, year), "value": _column(float)}, checks=[pct, count]
    )


def targets_schema(today: date) -> pa.DataFrameSchema:
    year = _check("year_out_of_range", lambda s: (s >= 1950) & (s <= today.year + 10))
    return pa.DataFrameSchema(
        {
            "target": _column(float, _check("negative_target", lambda s: s >= 0)),
            "year": _column(float, year),
        },
    )


def schema_problems(
    schema: pa.DataFrameSchema,
    frame: pd.DataFrame,
    raw: dict[str, pd.Series],
    file: str,
    rownum: np.ndarray,
    messages: dict[str, Callable],
) -> list:
    """Run a pandera schema over the parsed values; every failure becomes a problem line."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases.dropna(subset=["index"])
        out = []
        for (check, context), group in cases.groupby(["check", "schema_context"], sort=False):
            # a column's check fails per column (transactions and users share the count
            # checks); a check across columns names every column for one failing row
            by_column = (
                group.groupby("column", sort=False) if context == "Column" else [("", group)]
            )
            for column, failed in by_column:
                index = np.unique(failed["index"].astype("int64"))
                out.append(messages[check](check, column, index, frame, raw, file, rownum))
        return out
    return []


def _value_problem(check, column, index, frame, raw, file, rownum) -> pd.DataFrame:
    """A single-column rule: the cell as written, then what is wrong with it."""
    values = raw[column].iloc[index]
    rule = RULES[check]
    return _problems(
        file, rownum[index], rule.column or column, values, check, _quoted(values) + f" {rule.text}"
    )


# --- the validator ------------------------------------------------------------------------------


class Validator:
    """Validates frames of any kind against CONTRACTS.md, collecting every problem."""

    def __init__(
        self,
        resolver: DistrictResolver,
        services: pd.DataFrame,
        today: date,
        seed_dir: Path = config.SEED_DIR,
    ):
        from kp_dash.numbers.metrics import ALL

        self.resolver = resolver
        self.today = today
        self.service_codes = set(services["service_code"])
        self.service_names = dict(
            zip(services["service_name"].str.lower(), services["service_code"], strict=True)
        )
        self.channels = set(pd.read_csv(seed_dir / "channels.csv")["channel"])
        indicators = pd.read_csv(seed_dir / "indicators.csv")
        self.indicator_units = dict(zip(indicators["indicator"], indicators["unit"], strict=True))
        self.metric_codes = set(ALL)
        parents = pd.read_csv(seed_dir / "district_parents.csv")
        self.parent_names = {
            tuple(sorted(group["district_code"])): name
            for name, group in parents.groupby("parent_name")
        }

    def validate(
        self,
        frame: pd.DataFrame,
        file: str,
        kind: str | None = None,
        progress: Progress = _no_progress,
    ) -> Validation:
        kind = kind or guess_kind(list(frame.columns))
        if kind is None:
            message = (
                "cannot tell whether this is a usage, indicators or targets file from its "
                "header; give the kind (--kind, or the choice on the Data page)"
            )
            return rejected(file, None, [_file_problem(file, "unknown_kind", message, 1)])
        if kind not in KINDS:
            raise ValueError(f"unknown kind '{kind}' (known: {', '.join(KINDS)})")
        mapping, problems = _header_problems(frame, file, kind)
        if problems:
            return rejected(file, kind, problems)
        if frame.empty:
            message = "the file has no data rows (it is empty or has a header alone)"
            return rejected(file, kind, [_file_problem(file, "empty_file", message)])
        cells = {c: frame[mapping[c]].reset_index(drop=True) for c in mapping}
        rownum = np.arange(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame))
        parse = getattr(self, f"_parse_{kind}")
        rows, fuzzy = parse(cells, file, rownum, problems, progress)
        self._repeated_keys(rows, kind, file, rownum, problems)
        if problems:
            result = rejected(file, kind, problems)
            result.fuzzy = fuzzy
            return result
        return Validation(file, kind, _final_types(rows, kind), _empty_problems(), fuzzy)

    # usage ---------------------------------------------------------------------------------

    def _parse_usage(self, cells, file, rownum, problems, progress):
        out = pd.DataFrame(index=pd.RangeIndex(len(rownum)))
        progress(0.1, "checking months")
        out["month_start"] = self._months(cells["month"], file, rownum, problems)
        progress(0.25, "resolving districts")
        out["district_code"], fuzzy = self._districts(cells["district"], file, rownum, problems)
        progress(0.4, "checking codes")
        out["service_code"] = self._services(cells["service"], file, rownum, problems)
        out["channel"] = self._codes(
            cells["channel"], "channel", self.channels, {}, file, rownum, problems
        )
        for column, allowed, synonyms in (
            ("sex", SEXES, SEX_SYNONYMS),
            ("area", AREAS, {}),
            ("age_band", AGE_BANDS, {}),
        ):
            values = cells.get(column, pd.Series(DEFAULTS[column], index=out.index))
            filled = _texts(values).fillna(DEFAULTS[column])
            out[column] = self._codes(
                filled, column, set(allowed), synonyms, file, rownum, problems
            )
        progress(0.55, "checking counts")
        raw = {
            "transactions": cells["transactions"],
            "users": cells.get("users", pd.Series(pd.NA, index=out.index, dtype="object")),
        }
        out["transactions"] = self._numbers(
            raw["transactions"], "transactions", file, rownum, problems, required=True
        )
        out["users"] = self._numbers(raw["users"], "users", file, rownum, problems, required=False)
        raw["month_start"] = cells["month"]
        problems += schema_problems(
            usage_schema(self.today),
            out,
            raw,
            file,
            rownum,
            {
                "future_month": self._future_month,
                "negative_count": _value_problem,
                "fractional_count": _value_problem,
                "count_too_large": _value_problem,
                "users_above_transactions": _users_above,
            },
        )
        return out, fuzzy

    def _future_month(self, check, column, index, frame, raw, file, rownum):
        values = raw["month_start"].iloc[index]
        current = f"{self.today:%Y-%m}"
        return _problems(
            file,
            rownum[index],
            "month",
            values,
            check,
            _quoted(values) + f" is in the future (latest allowed month is {current})",
        )

    # indicators ----------------------------------------------------------------------------

    def _parse_indicators(self, cells, file, rownum, problems, progress):
        out = pd.DataFrame(index=pd.RangeIndex(len(rownum)))
        progress(0.2, "resolving districts")
        out["district_code"], out["parent_name"], fuzzy = self._districts_or_parents(
            cells["district"], file, rownum, problems
        )
        out["year"] = self._numbers(cells["year"], "year", file, rownum, problems, required=True)
        out["indicator"] = self._indicators(cells["indicator"], file, rownum, problems)
        out["grp"] = self._codes(cells["group"], "group", set(GROUPS), {}, file, rownum, problems)
        out["value"] = self._numbers(cells["value"], "value", file, rownum, problems, required=True)
        out["unit"] = self._codes(
            cells["unit"], "unit", set(UNITS), {"%": "pct"}, file, rownum, problems
        )
        self._units_match(out, cells, file, rownum, problems)
        source = _texts(cells["source"])
        blank = source.isna()
        if blank.any():
            problems.append(
                _problems(
                    file,
                    rownum[blank],
                    "source",
                    [""] * int(blank.sum()),
                    "missing_source",
                    "source is blank; name the survey or register the value comes from",
                )
            )
        out["source"] = source
        raw = {"year": cells["year"], "value": cells["value"]}
        problems += schema_problems(
            indicators_schema(self.today),
            out,
            raw,
            file,
            rownum,
            {
                "year_out_of_range": _value_problem,
                "pct_out_of_range": lambda *a: _value_problem("pct_out_of_range", "value", *a[2:]),
                "bad_count": _bad_indicator_count,
            },
        )
        return out, fuzzy

    def _units_match(self, out, cells, file, rownum, problems):
        # as plain text: the two columns are categoricals whose categories differ
        units = out["unit"].astype(object)
        expected = pd.Series(
            [self.indicator_units.get(i) for i in out["indicator"].astype(object)],
            index=out.index,
            dtype=object,
        )
        wrong = (expected.notna() & units.notna() & (expected != units)).astype(bool)
        if wrong.any():
            values = cells["unit"][wrong]
            messages = (
                _quoted(values)
                + " is not the unit of "
                + out["indicator"][wrong].astype("string")
                + " (use '"
                + expected[wrong].astype("string")
                + "')"
            )
            problems.append(_problems(file, rownum[wrong], "unit", values, "wrong_unit", messages))

    def _indicators(self, cells, file, rownum, problems) -> pd.Series:
        def to_code(value):
            text = None if value is None else str(value).lower()
            return text if text in self.indicator_units else None

        return _lookup(
            cells, "indicator", to_code, sorted(self.indicator_units), file, rownum, problems
        )

    # targets -------------------------------------------------------------------------------

    def _parse_targets(self, cells, file, rownum, problems, progress):
        out = pd.DataFrame(index=pd.RangeIndex(len(rownum)))
        out["service_code"] = self._services(
            cells["service"], file, rownum, problems, allow_all=True
        )
        texts = _texts(cells["district"])
        province = texts.str.lower().isin(PROVINCE_CODES).fillna(False).astype(bool)
        codes, fuzzy = self._districts(texts.mask(province, "PK501"), file, rownum, problems)
        out["district_code"] = codes.mask(province, None)
        out["metric"] = self._metrics(cells["metric"], file, rownum, problems)
        month = cells.get("month")
        year = cells.get("year")
        out["month_start"] = (
            self._months(month, file, rownum, problems, required=year is None)
            if month is not None
            else pd.NaT
        )
        out["year"] = (
            self._numbers(year, "year", file, rownum, problems, required=month is None)
            if year is not None
            else np.nan
        )
        out["year"] = out["year"].fillna(out["month_start"].dt.year)
        undated = (
            out["year"].isna() & _map_distinct(month, lambda v: v is None).astype(bool)
            if month is not None and year is not None
            else None
        )
        if undated is not None and undated.any():
            problems.append(
                _problems(
                    file,
                    rownum[undated],
                    "year",
                    [""] * int(undated.sum()),
                    "missing_period",
                    "month and year are both blank; give a month (YYYY-MM) or a year",
                )
            )
        out["target"] = self._numbers(
            cells["target"], "target", file, rownum, problems, required=True
        )
        raw = {
            "target": cells["target"],
            "year": year if year is not None else pd.Series("", index=out.index),
        }
        problems += schema_problems(
            targets_schema(self.today),
            out,
            raw,
            file,
            rownum,
            {
                "negative_target": _value_problem,
                "year_out_of_range": _value_problem,
            },
        )
        return out, fuzzy

    def _metrics(self, cells, file, rownum, problems) -> pd.Series:
        def to_code(value):
            text = None if value is None else str(value).lower()
            return text if text in self.metric_codes else None

        return _lookup(cells, "metric", to_code, sorted(self.metric_codes), file, rownum, problems)

    # shared parsers ------------------------------------------------------------------------

    def _months(self, cells, file, rownum, problems, required: bool = True) -> pd.Series:
        months = _map_distinct(cells, _storable_month)
        blank = _map_distinct(cells, lambda value: value is None).astype(bool)
        early = _map_distinct(cells, _too_early).astype(bool)
        for rule_rows, text in (
            (months.isna() & (~blank | required), "is not a month"),
            (early, "is too early to be a month of this data"),
        ):
            if rule_rows.any():
                values = cells[rule_rows].astype("string").fillna("")
                messages = _quoted(values) + f" {text}; write it as YYYY-MM (e.g. 2025-03)"
                problems.append(
                    _problems(file, rownum[rule_rows], "month", values, "bad_month", messages)
                )
        return pd.to_datetime(months.mask(early), errors="coerce").astype("datetime64[ns]")

    def _districts(self, cells, file, rownum, problems) -> tuple[pd.Series, pd.DataFrame]:
        resolutions: dict = {}

        def resolve(text: object) -> str | None:
            if text is None:
                return None
            resolutions[text] = self.resolver.resolve(text)
            return resolutions[text].district_code

        codes = _map_distinct(cells, resolve)
        bad = codes.isna()
        if bad.any():
            texts = _texts(cells)
            messages = _map_texts(
                texts[bad],
                lambda t: _district_message(t, resolutions.get(t)),
                "district is blank; give a P-code (PK501-PK535) or a name",
            )
            problems.append(
                _problems(
                    file,
                    rownum[bad],
                    "district",
                    texts[bad].fillna(""),
                    "unknown_district",
                    messages,
                )
            )
        return codes, _fuzzy_frame(resolutions)

    def _districts_or_parents(self, cells, file, rownum, problems):
        """Districts, or an old parent district (Chitral, Kohistan) kept at parent level."""
        texts = _texts(cells)
        resolutions = self.resolver.resolve_many(texts.dropna().unique())
        parent = _map_texts(texts, lambda t: resolutions[t].method == "parent", False)
        parent = parent.astype(bool)
        names = _map_texts(
            texts.where(parent),
            lambda t: self.parent_names[tuple(sorted(resolutions[t].parent_codes))],
        ).astype("string")
        codes, fuzzy = self._districts(texts.mask(parent, "PK501"), file, rownum, problems)
        return codes.mask(parent, None), names, fuzzy

    def _services(self, cells, file, rownum, problems, allow_all: bool = False) -> pd.Series:
        def to_code(value):
            if value is None:
                return None
            text = str(value).lower()
            if text in self.service_codes or (allow_all and text == "all"):
                return text
            return self.service_names.get(text)

        return _lookup(
            cells, "service", to_code, sorted(self.service_codes), file, rownum, problems
        )

    def _codes(self, cells, column, allowed, synonyms, file, rownum, problems) -> pd.Series:
        def to_code(value):
            if value is None or value is pd.NA:
                return None
            text = str(value).strip().lower().replace(" ", "_")
            text = synonyms.get(text, text)
            return text if text in allowed else None

        codes = _map_distinct(cells, to_code)
        bad = codes.isna()
        if bad.any():
            known = ", ".join(sorted(allowed))
            values = _texts(cells[bad]).fillna("")
            messages = _quoted(values) + f" is not a known {column} (use one of: {known})"
            problems.append(
                _problems(file, rownum[bad], column, values, f"unknown_{column}", messages)
            )
        return codes

    def _numbers(self, cells, column, file, rownum, problems, required: bool) -> pd.Series:
        """Numbers as floats (NaN when blank); text that is not a number is a problem here, the
        rules on the numbers are the schema's."""
        # a number column (Parquet) is used as it is; its blanks are still blanks
        types = pd.api.types
        if types.is_numeric_dtype(cells.dtype) and not types.is_bool_dtype(cells.dtype):
            texts, numbers = cells.astype("string"), cells.astype("float64")
        else:
            texts = _texts(cells)
            numbers = _to_numbers(texts)
        rules = [("not_a_number", numbers.isna() & texts.notna(), "is not a number")]
        if required:
            rules.append(("missing_value", texts.isna(), "is blank; give a number"))
        for rule, mask, text in rules:
            mask = mask.fillna(False).astype(bool)
            if mask.any():
                values = texts[mask].fillna("")
                problems.append(
                    _problems(
                        file, rownum[mask], column, values, rule, _quoted(values) + f" {text}"
                    )
                )
        return numbers.astype("float64")

    def _repeated_keys(self, rows, kind, file, rownum, problems) -> None:
        combined = _row_keys(rows[[c for c in KEYS[kind] if c in rows]])
        repeated = combined.duplicated(keep="first").to_numpy()
        if not repeated.any():
            return
        first_row = pd.Series(rownum).groupby(combined).transform("min").to_numpy()
        messages = (
            f"repeats the key ({KEY_WORDS[kind]}) of row "
            + pd.Series(first_row[repeated]).astype("string")
            + "; combine the two rows or correct one"
        )
        rows_hit = rownum[repeated]
        problems.append(
            _problems(file, rows_hit, "", [""] * len(rows_hit), "repeated_key", messages)
        )


def _map_texts(texts: pd.Series, fn: Callable[[str], object], blank: object = None) -> pd.Series:
    """fn of each text, `blank` where it is blank, as plain objects: `Series.map` on a column
    of blanks alone gives Arrow's null type, which then refuses `fillna`."""
    values = [blank if pd.isna(t) else fn(t) for t in texts]
    return pd.Series(values, index=texts.index, dtype=object)


def _to_numbers(texts: pd.Series) -> pd.Series:
    """Text to float, NaN where it is not a number: Arrow's parser for a clean column (fast),
    pandas' forgiving one (thousands separators, stray text) only when that fails."""
    try:
        arrow = pa_arrow.array(texts, type=pa_arrow.string(), from_pandas=True)
        numbers = arrow.cast(pa_arrow.float64()).to_numpy(zero_copy_only=False)
        return pd.Series(numbers, index=texts.index)
    except (pa_arrow.ArrowInvalid, pa_arrow.ArrowTypeError):
        return pd.to_numeric(texts.str.replace(",", "", regex=False), errors="coerce")


def _row_keys(keys: pd.DataFrame) -> pd.Series:
    """One integer per distinct key (blanks count as a value): codes of each column combined in
    mixed radix, which is fast on a million rows; hashed when the radix would overflow."""
    codes = [pd.factorize(keys[c], use_na_sentinel=False) for c in keys.columns]
    sizes = [max(len(uniques), 1) for _, uniques in codes]
    if np.prod(np.array(sizes, dtype=float)) < 2**62:
        return pd.Series(np.ravel_multi_index([c for c, _ in codes], sizes))
    return pd.util.hash_pandas_object(keys, index=False).reset_index(drop=True)


def _users_above(check, column, index, frame, raw, file, rownum) -> pd.DataFrame:
    # whole numbers as written, without a 64-bit cast that could wrap a large one round
    users = frame["users"].iloc[index].map("{:.0f}".format).astype("string")
    transactions = frame["transactions"].iloc[index].map("{:.0f}".format).astype("string")
    messages = (
        "'"
        + users
        + "' users is more than the row's "
        + transactions
        + " transactions; users must be ≤ transactions"
    )
    return _problems(file, rownum[index], "users", users, check, messages)


def _bad_indicator_count(check, column, index, frame, raw, file, rownum) -> pd.DataFrame:
    values = raw["value"].iloc[index]
    return _problems(
        file,
        rownum[index],
        "value",
        values,
        check,
        _quoted(values) + " is not a whole number ≥ 0, as a count must be",
    )


def _final_types(rows: pd.DataFrame, kind: str) -> pd.DataFrame:
    if kind == "usage":
        return rows.astype({"transactions": "int64", "users": "Int64"})
    if kind == "indicators":
        return rows.astype({"year": "int64"})
    return rows.astype({"year": "int64"})


def _fuzzy_frame(resolutions: dict) -> pd.DataFrame:
    rows = [
        (spelling, r.candidates[0][0], r.candidates[0][1], r.candidates[0][2])
        for spelling, r in resolutions.items()
        if r.method == "fuzzy" and r.candidates
    ]
    return pd.DataFrame(rows, columns=FUZZY_COLUMNS)


def _lookup(cells, column, to_code, known, file, rownum, problems) -> pd.Series:
    """Codes from a list (a value's case does not matter); an unknown one is a problem with the
    closest known code as a suggestion."""
    codes = _map_distinct(cells, to_code)
    bad = codes.isna()
    if bad.any():
        values = _texts(cells[bad]).fillna("")
        messages = values.map(lambda v: _unknown_code_message(v, column, known))
        problems.append(_problems(file, rownum[bad], column, values, f"unknown_{column}", messages))
    return codes


def _unknown_code_message(value: str, what: str, known: list[str]) -> str:
    match = process.extractOne(str(value).lower(), known, score_cutoff=75)
    hint = f"did you mean '{match[0]}'?" if match else f"known: {', '.join(known)}"
    return f"'{value}' is not a known {what} code — {hint}"


def _district_message(text: str, resolution) -> str:
    if resolution is None:
        return f"'{text}' is not a KP district"
    if resolution.method == "parent":
        return f"'{text}' names an old parent district: {resolution.suggestion()}"
    if resolution.method == "ambiguous":
        return f"'{text}' matches more than one district; use the P-code"
    suggestion = resolution.suggestion()
    tail = f" — {suggestion}" if suggestion else "; give a P-code (PK501-PK535) or a district name"
    return f"'{text}' is not a KP district{tail}"


# --- one call for a file ------------------------------------------------------------------------


def validator(
    today: date | None = None,
    seed_dir: Path = config.SEED_DIR,
    extra_aliases: pd.DataFrame | None = None,
) -> Validator:
    return Validator(
        DistrictResolver.from_seed(seed_dir, extra_aliases),
        pd.read_csv(seed_dir / "services.csv"),
        today or date.today(),
        seed_dir,
    )


def validate_file(
    path: Path,
    *,
    kind: str | None = None,
    sheet: str | None = None,
    display_name: str | None = None,
    today: date | None = None,
    extra_aliases: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> Validation:
    """Read and validate one file; never raises for bad content (problems say what is wrong)."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind '{kind}' (known: {', '.join(KINDS)})")
    progress = progress or _no_progress
    name = display_name or path.name
    progress(0.0, f"reading {name}")
    try:
        frame = read_file(path, sheet, name)
        result = validator(today, extra_aliases=extra_aliases).validate(frame, name, kind, progress)
    except ReadError as error:
        return Validation(name, kind, pd.DataFrame(), error.problems)
    except Exception as error:
        # the last line of defence: a bug in the checks rejects the file, loudly, instead of
        # stopping the import with a traceback; the traceback goes to the log
        logging.getLogger(__name__).exception("validating %s failed", name)
        message = (
            f"{name} could not be checked because of an internal error "
            f"({type(error).__name__}: {error}); nothing was written; please report this "
            "together with the file"
        )
        return Validation(
            name, kind, pd.DataFrame(), _file_problem(name, "internal_error", message)
        )
    progress(0.7, f"{len(frame):,} rows checked")
    return result
