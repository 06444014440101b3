"""Cells of a department file and the problem rows that checks report.

A problem row names the file, the row as a spreadsheet shows it, the column, the value as
written, the rule and a message. The parsers here turn one column of cells into months, codes or
numbers, adding a problem row for every cell that is not one; each parses the distinct values
once, which is what keeps a million-row file fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa_arrow
from rapidfuzz import process

WHOLE_FILE = 0  # the row number of problems about the whole file
FUZZY_COLUMNS = ["spelling", "district_code", "district_name", "score"]

# the months datetime64[ns] holds (1677-09-22 to 2262-04-11)
FIRST_STORABLE_MONTH = date(1677, 10, 1)
LAST_STORABLE_MONTH = date(2262, 4, 1)


# --- problem rows -------------------------------------------------------------------------------


def problem_rows(file: str, rows, column: str, values, rule: str, messages) -> pd.DataFrame:
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


def file_problem(file: str, rule: str, message: str, row: int = WHOLE_FILE) -> pd.DataFrame:
    return problem_rows(file, [row], "", [""], rule, [message])


def quoted(values: pd.Series) -> pd.Series:
    return "'" + values.astype("string").fillna("") + "'"


# --- cells as text ------------------------------------------------------------------------------


def texts(series: pd.Series) -> pd.Series:
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


def map_distinct(series: pd.Series, fn) -> pd.Series:
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


def map_texts(texts: pd.Series, fn: Callable[[str], object], blank: object = None) -> pd.Series:
    """fn of each text, `blank` where it is blank, as plain objects: `Series.map` on a column
    of blanks alone gives Arrow's null type, which then refuses `fillna`."""
    values = [blank if pd.isna(t) else fn(t) for t in texts]
    return pd.Series(values, index=texts.index, dtype=object)


# --- months -------------------------------------------------------------------------------------


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


def _storable_month(value: object) -> date | None:
    """parse_month, a later month than datetime64[ns] holds taken as its last one: it is in
    the future all the same, and the future-month rule reports it as written."""
    month = parse_month(value)
    return None if month is None else min(month, LAST_STORABLE_MONTH)


def _too_early(value: object) -> bool:
    month = parse_month(value)
    return month is not None and month < FIRST_STORABLE_MONTH


def parse_months(cells, file, rownum, problems, required: bool = True) -> pd.Series:
    """Months as datetime64[ns] (NaT when blank or not a month)."""
    found = map_distinct(cells, _storable_month)
    blank = map_distinct(cells, lambda value: value is None).astype(bool)
    early = map_distinct(cells, _too_early).astype(bool)
    for rule_rows, text in (
        (found.isna() & (~blank | required), "is not a month"),
        (early, "is too early to be a month of this data"),
    ):
        if rule_rows.any():
            values = cells[rule_rows].astype("string").fillna("")
            messages = quoted(values) + f" {text}; write it as YYYY-MM (e.g. 2025-03)"
            problems.append(
                problem_rows(file, rownum[rule_rows], "month", values, "bad_month", messages)
            )
    return pd.to_datetime(found.mask(early), errors="coerce").astype("datetime64[ns]")


# --- districts ---------------------------------------------------------------------------------


def fuzzy_frame(resolutions: dict) -> pd.DataFrame:
    rows = [
        (spelling, r.candidates[0][0], r.candidates[0][1], r.candidates[0][2])
        for spelling, r in resolutions.items()
        if r.method == "fuzzy" and r.candidates
    ]
    return pd.DataFrame(rows, columns=FUZZY_COLUMNS)


def district_message(text: str, resolution) -> str:
    if resolution is None:
        return f"'{text}' is not a KP district"
    if resolution.method == "parent":
        return f"'{text}' names an old parent district: {resolution.suggestion()}"
    if resolution.method == "ambiguous":
        return f"'{text}' matches more than one district; use the P-code"
    suggestion = resolution.suggestion()
    tail = f" — {suggestion}" if suggestion else "; give a P-code (PK501-PK535) or a district name"
    return f"'{text}' is not a KP district{tail}"


# --- codes and numbers --------------------------------------------------------------------------


def parse_codes(cells, column, allowed, synonyms, file, rownum, problems) -> pd.Series:
    """Codes from a short list (case, spaces and `synonyms` forgiven)."""

    def to_code(value):
        if value is None or value is pd.NA:
            return None
        text = str(value).strip().lower().replace(" ", "_")
        text = synonyms.get(text, text)
        return text if text in allowed else None

    found = map_distinct(cells, to_code)
    bad = found.isna()
    if bad.any():
        known = ", ".join(sorted(allowed))
        values = texts(cells[bad]).fillna("")
        messages = quoted(values) + f" is not a known {column} (use one of: {known})"
        problems.append(
            problem_rows(file, rownum[bad], column, values, f"unknown_{column}", messages)
        )
    return found


def lookup_codes(cells, column, to_code, known, file, rownum, problems) -> pd.Series:
    """Codes from a list (a value's case does not matter); an unknown one is a problem with the
    closest known code as a suggestion."""
    found = map_distinct(cells, to_code)
    bad = found.isna()
    if bad.any():
        values = texts(cells[bad]).fillna("")
        messages = values.map(lambda v: _unknown_code_message(v, column, known))
        problems.append(
            problem_rows(file, rownum[bad], column, values, f"unknown_{column}", messages)
        )
    return found


def _unknown_code_message(value: str, what: str, known: list[str]) -> str:
    match = process.extractOne(str(value).lower(), known, score_cutoff=75)
    hint = f"did you mean '{match[0]}'?" if match else f"known: {', '.join(known)}"
    return f"'{value}' is not a known {what} code — {hint}"


def parse_numbers(cells, column, file, rownum, problems, required: bool) -> pd.Series:
    """Numbers as floats (NaN when blank); text that is not a number is a problem here, the
    rules on the numbers are the schema's."""
    # a number column (Parquet) is used as it is; its blanks are still blanks
    types = pd.api.types
    if types.is_numeric_dtype(cells.dtype) and not types.is_bool_dtype(cells.dtype):
        written, found = cells.astype("string"), cells.astype("float64")
    else:
        written = texts(cells)
        found = _to_numbers(written)
    rules = [("not_a_number", found.isna() & written.notna(), "is not a number")]
    if required:
        rules.append(("missing_value", written.isna(), "is blank; give a number"))
    for rule, mask, text in rules:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            values = written[mask].fillna("")
            problems.append(
                problem_rows(file, rownum[mask], column, values, rule, quoted(values) + f" {text}")
            )
    return found.astype("float64")


def _to_numbers(texts: pd.Series) -> pd.Series:
    """Text to float, NaN where it is not a number: Arrow's parser for a clean column (fast),
    pandas' forgiving one (thousands separators, stray text) only when that fails."""
    try:
        arrow = pa_arrow.array(texts, type=pa_arrow.string(), from_pandas=True)
        numbers = arrow.cast(pa_arrow.float64()).to_numpy(zero_copy_only=False)
        return pd.Series(numbers, index=texts.index)
    except (pa_arrow.ArrowInvalid, pa_arrow.ArrowTypeError):
        return pd.to_numeric(texts.str.replace(",", "", regex=False), errors="coerce")


def row_keys(keys: pd.DataFrame) -> pd.Series:
    """One integer per distinct key (blanks count as a value): codes of each column combined in
    mixed radix, which is fast on a million rows; hashed when the radix would overflow."""
    codes = [pd.factorize(keys[c], use_na_sentinel=False) for c in keys.columns]
    sizes = [max(len(uniques), 1) for _, uniques in codes]
    if np.prod(np.array(sizes, dtype=float)) < 2**62:
        return pd.Series(np.ravel_multi_index([c for c, _ in codes], sizes))
    return pd.util.hash_pandas_object(keys, index=False).reset_index(drop=True)
