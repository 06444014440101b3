"""Cells of a department file and the problem rows that checks report.

A problem row names the file, the row as a spreadsheet shows it, the column, the value as
written, the rule and a message. The words of the cell readers (`cell_table`) are here: unknown
districts and codes, the notes on months and numbers read from other forms; and how notes and
problems name rows, columns and counts.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from rapidfuzz import process

from kp_dash.store import workbook_zip

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


# --- cells as text ------------------------------------------------------------------------------


def texts(series: pd.Series) -> pd.Series:
    """Cells as trimmed text; blanks become NA."""
    text = series.astype("string").str.strip()
    return text.mask(text == "")


# --- months -------------------------------------------------------------------------------------


def month_notes(column: str, converted: list[tuple[date, str, int]]) -> list[str]:
    """A sentence per month read from another form than YYYY-MM: (month, how it was written,
    how many cells) each."""
    converted = sorted(converted)
    return listed_notes(
        column,
        [
            f"{count:,} {_cells(count)} {text} read as {month:%Y-%m}"
            for month, text, count in converted
        ],
        sum(count for _, _, count in converted),
    )


def _cells(count: int) -> str:
    return "cell" if count == 1 else "cells"


MAX_NOTES = 12  # conversions listed one by one per column; the rest are counted


def listed_notes(column: str, sentences: list[str], total_cells: int) -> list[str]:
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


def unknown_code_message(value: str, what: str, known: list[str]) -> str:
    match = process.extractOne(str(value).lower(), known, score_cutoff=75)
    hint = f"did you mean '{match[0]}'?" if match else f"known: {', '.join(known)}"
    return f"'{value}' is not a known {what} code — {hint}"


READ_FIELDS = ["number", "separators", "urdu_digits", "arabic_digits", "not_reported"]


def number_notes(column: str, reads: pd.DataFrame, required: bool) -> list[str]:
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
