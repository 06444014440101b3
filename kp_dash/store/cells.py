"""Cells of a department file and the problem rows that checks report.

A problem row names the file, the row as a spreadsheet shows it, the column, the value as
written, the rule and a message. The parsers here turn one column of cells into months, codes or
numbers, adding a problem row for every cell that is not one; each parses the distinct values
once, which is what keeps a million-row file fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import astuple
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa_arrow
from rapidfuzz import process

from kp_dash.store import workbook_zip
from kp_dash.store.values import NOT_REPORTED, month_advice, read_month, read_number

WHOLE_FILE = 0  # the row number of problems about the whole file
FUZZY_COLUMNS = ["spelling", "district_code", "district_name", "score"]

# the months datetime64[ns] holds (1677-09-22 to 2262-04-11)
FIRST_STORABLE_MONTH = date(1677, 10, 1)
LAST_STORABLE_MONTH = date(2262, 4, 1)
MONTH_ADVICE = "write it as YYYY-MM (e.g. 2025-03)"


# --- problem rows -------------------------------------------------------------------------------


class ReadError(Exception):
    """The file cannot be read as a table; `problems` says why, for people."""

    def __init__(self, problems: pd.DataFrame):
        self.problems = problems
        super().__init__("; ".join(problems["message"]))


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


def parse_months(
    cells, file, rownum, problems, required: bool = True, notes: list[str] | None = None
) -> pd.Series:
    """Months as datetime64[ns] (NaT when blank or not a month); each month read from another
    form than YYYY-MM is a sentence in `notes`."""
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    cleaned = [_clean(u) for u in uniques] + [None]  # code -1 (blank) takes the last
    reads = [read_month(c) for c in cleaned]
    months = [r.month for r in reads]
    # a later month than datetime64[ns] holds is taken as its last one: it is in the future all
    # the same, and the future-month rule reports it as written
    storable = np.array([m and min(m, LAST_STORABLE_MONTH) for m in months], dtype=object)
    too_early = np.array([m is not None and m < FIRST_STORABLE_MONTH for m in months])
    blank = np.array([c is None for c in cleaned])
    found = pd.Series(storable[codes], index=cells.index)
    early = pd.Series(too_early[codes], index=cells.index)
    not_month = pd.Series(
        np.array([m is None for m in months])[codes] & (~blank[codes] | required),
        index=cells.index,
    )
    for rule_rows, text in (
        (not_month, "is not a month; "),
        (early, "is too early to be a month of this data; "),
    ):
        if rule_rows.any():
            values = cells[rule_rows].astype("string").fillna("")
            advice = values.map(month_advice) if text.startswith("is not") else MONTH_ADVICE
            messages = quoted(values) + f" {text}" + advice
            problems.append(
                problem_rows(file, rownum[rule_rows], "month", values, "bad_month", messages)
            )
    if notes is not None:
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        converted = [
            (r.month, r.written, int(count))
            for r, count in zip(reads, counts, strict=False)
            if r.written and r.month is not None and r.month >= FIRST_STORABLE_MONTH
        ]
        converted.sort()
        notes += _listed(
            "month",
            [
                f"{count:,} {_cells(count)} {text} read as {month:%Y-%m}"
                for month, text, count in converted
            ],
            sum(count for _, _, count in converted),
        )
    return pd.to_datetime(found.mask(early), errors="coerce").astype("datetime64[ns]")


def _cells(count: int) -> str:
    return "cell" if count == 1 else "cells"


MAX_NOTES = 12  # conversions listed one by one per column; the rest are counted


def _listed(column: str, sentences: list[str], total_cells: int) -> list[str]:
    listed = [f"{column}: {s}" for s in sentences[:MAX_NOTES]]
    if len(sentences) > MAX_NOTES:
        rest = len(sentences) - MAX_NOTES
        listed.append(
            f"{column}: {rest:,} more written values read as their months the same way "
            f"({total_cells:,} converted cells in all)"
        )
    return listed


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
    if resolution.method == "successor":  # only one that cannot be placed reaches here
        return f"'{text}' is not one of the 2023 census districts — {resolution.suggestion()}"
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


def parse_numbers(
    cells, column, file, rownum, problems, required: bool, notes: list[str] | None = None
) -> pd.Series:
    """Numbers as floats (NaN when blank or marked not reported); text that is not a number is a
    problem here, the rules on the numbers are the schema's. Numbers read from separators or
    Urdu and Arabic digits, and cells kept as not reported, are sentences in `notes`."""
    # a number column (Parquet) is used as it is; its blanks are still blanks
    types = pd.api.types
    if types.is_numeric_dtype(cells.dtype) and not types.is_bool_dtype(cells.dtype):
        written, found = cells.astype("string"), cells.astype("float64")
        reads = None
    else:
        written = texts(cells)
        found, reads = _to_numbers(written)
    unreported = written.isin(NOT_REPORTED).fillna(False).astype(bool)
    rules = [("not_a_number", found.isna() & written.notna() & ~unreported, "is not a number")]
    if required:
        rules.append(("missing_value", written.isna(), "is blank; give a number"))
        rules.append(("missing_value", unreported, "marks it not reported; give a number"))
    for rule, mask, text in rules:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            values = written[mask].fillna("")
            problems.append(
                problem_rows(file, rownum[mask], column, values, rule, quoted(values) + f" {text}")
            )
    if notes is not None and reads is not None:
        notes += _number_notes(column, reads, required)
    return found.astype("float64")


def _to_numbers(texts: pd.Series) -> tuple[pd.Series, pd.DataFrame | None]:
    """Text to float, NaN where it is not a number: Arrow's parser for a clean column (fast),
    `values.read_number` on each distinct text only when that fails; its reads come back too,
    one row per distinct text, for the notes."""
    try:
        arrow = pa_arrow.array(texts, type=pa_arrow.string(), from_pandas=True)
        numbers = arrow.cast(pa_arrow.float64()).to_numpy(zero_copy_only=False)
        return pd.Series(numbers, index=texts.index), None
    except (pa_arrow.ArrowInvalid, pa_arrow.ArrowTypeError):
        pass
    codes, uniques = pd.factorize(texts, use_na_sentinel=True)
    reads = pd.DataFrame([astuple(read_number(u)) for u in uniques] or None, columns=_READ_FIELDS)
    reads["cells"] = np.bincount(codes[codes >= 0], minlength=len(uniques))
    reads["written"] = list(uniques)
    numbers = np.append(reads["number"].to_numpy(dtype="float64"), np.nan)[codes]
    return pd.Series(numbers, index=texts.index), reads


_READ_FIELDS = ["number", "separators", "urdu_digits", "arabic_digits", "not_reported"]


def _number_notes(column: str, reads: pd.DataFrame, required: bool) -> list[str]:
    """One sentence for the numbers converted and one for the cells kept as not reported."""
    read = reads[reads["number"].notna()]
    counted = [
        (int(read.loc[read[flag], "cells"].sum()), what)
        for flag, what in (
            ("separators", "with thousands separators"),
            ("urdu_digits", "in Urdu digits"),
            ("arabic_digits", "in Arabic digits"),
        )
    ]
    parts = [f"{n:,} {what}" for n, what in counted if n]
    if parts:
        # the first count names what is counted: "40 numbers with …, 6 in Urdu digits"
        first = next(n for n, _ in counted if n)
        parts[0] = parts[0].replace(" ", " number " if first == 1 else " numbers ", 1)
    notes = [f"{column}: {', '.join(parts)} converted"] if parts else []
    # a required column refuses a cell not reported, so nothing is kept
    unreported = reads[reads["not_reported"]] if not required else reads.iloc[:0]
    if not unreported.empty:
        kinds = [
            f"{int(r.cells):,} {_cells(int(r.cells))} '{r.written}'"
            for r in unreported.sort_values("written").itertuples()
        ]
        kept = " and ".join([", ".join(kinds[:-1]), kinds[-1]] if len(kinds) > 1 else kinds)
        notes.append(f"{column}: {kept} kept as not reported")
    return notes


def row_keys(keys: pd.DataFrame) -> pd.Series:
    """One integer per distinct key (blanks count as a value): codes of each column combined in
    mixed radix, which is fast on a million rows; hashed when the radix would overflow."""
    codes = [pd.factorize(keys[c], use_na_sentinel=False) for c in keys.columns]
    sizes = [max(len(uniques), 1) for _, uniques in codes]
    if np.prod(np.array(sizes, dtype=float)) < 2**62:
        return pd.Series(np.ravel_multi_index([c for c, _ in codes], sizes))
    return pd.util.hash_pandas_object(keys, index=False).reset_index(drop=True)


def cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


# --- wording: how notes and problems name rows, columns and counts ---------------------------


def format_count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def rows_text(numbers: np.ndarray) -> str:
    """'rows 2–5, 8 and 10–12': spreadsheet rows as ranges."""
    ordered = sorted({int(n) for n in numbers})
    if not ordered:
        return "no rows"
    spans: list[list[int]] = []
    for number in ordered:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    texts = [f"{a}" if a == b else f"{a}–{b}" for a, b in spans]
    word = "row" if len(ordered) == 1 else "rows"
    return f"{word} {listing(texts)}"


def column_letters(positions: list[int]) -> str:
    """'D–F' for adjacent columns, else 'D, F and H'."""
    ordered = sorted(positions)
    if len(ordered) > 2 and ordered[-1] - ordered[0] == len(ordered) - 1:
        return f"{column_letter(ordered[0])}–{column_letter(ordered[-1])}"
    return listing([column_letter(p) for p in ordered])


def column_letter(position: int) -> str:
    """A, B, …, Z, AA, …: the column (from 0) as a spreadsheet labels it."""
    return workbook_zip.column_letters(position + 1)


def listing(items: list[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def unique_items(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
