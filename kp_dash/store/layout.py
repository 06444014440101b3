"""How a department file is laid out, as it really arrives: the text encoding (UTF-8, UTF-16,
Windows-1252, Windows-1256), the CSV delimiter, title and note rows above the header, and the
sheet of a workbook that holds the table. Each decision is also said as a plain sentence, so
that a person sees what was recognised before the rows are checked.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Protocol

import pandas as pd

from kp_dash.store import kinds
from kp_dash.store.cells import file_problem
from kp_dash.store.rules import guess_kind, is_known_header, match_columns

HEADER_SEARCH_ROWS = 20  # the header is looked for in the first 20 rows of a sheet or file
SAMPLE_ROWS = 20  # data rows below a header that show whether a delimiter splits them alike
CONSISTENT_SHARE = 0.8
DELIMITERS = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "'|' characters"}
SAVE_AS_CSV = "in Excel use 'Save as' → 'CSV UTF-8 (Comma delimited)' and import again"
# two Arabic-script letters in a row: a word, which text in a Western code page never decodes to
_ARABIC_WORD = re.compile(r"[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]{2}")


class HeaderMatch(Protocol):
    """A confirmed column mapping, as far as finding its header row goes."""

    def matches(self, cells: Sequence[object]) -> bool: ...


class LayoutError(Exception):
    """The layout cannot be told; `problems` says why, for people."""

    def __init__(self, problems: pd.DataFrame):
        self.problems = problems
        super().__init__("; ".join(problems["message"]))


# --- encoding -----------------------------------------------------------------------------------


def decode(data: bytes, name: str) -> tuple[str, list[str]]:
    """The file's text and what was said about its encoding. UTF-8 (with or without BOM) is read
    as it is; UTF-16 with a BOM, and Windows-1256 (Urdu, Arabic) or Windows-1252 text, are
    converted with a note. Bytes that are none of these are refused, naming the first."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), ["encoding UTF-16 converted to UTF-8"]
        except UnicodeDecodeError:
            message = f"the file starts as UTF-16 text but cannot be read as such; {SAVE_AS_CSV}"
            raise LayoutError(file_problem(name, "wrong_encoding", message, 1)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return _code_page(data, name, error)
    return text.removeprefix("\ufeff"), []


def _code_page(data: bytes, name: str, error: UnicodeDecodeError) -> tuple[str, list[str]]:
    # Windows-1256 decodes every byte, so it is taken only when it gives Arabic-script words
    arabic = data.decode("cp1256")
    if _ARABIC_WORD.search(arabic):
        return arabic, ["encoding Windows-1256 converted to UTF-8"]
    try:
        return data.decode("cp1252"), ["encoding Windows-1252 converted to UTF-8"]
    except UnicodeDecodeError:
        row = data[: error.start].count(b"\n") + 1
        byte = data[error.start : error.start + 1].hex().upper()
        message = f"the file is not UTF-8 text (byte 0x{byte} cannot be read); {SAVE_AS_CSV}"
        raise LayoutError(file_problem(name, "wrong_encoding", message, row)) from None


# --- the header row -----------------------------------------------------------------------------


def is_header(cells: Sequence[object]) -> bool:
    """A row naming enough of one kind's columns for the kind to be told."""
    names = [str(c).strip() for c in cells if c is not None and str(c).strip()]
    return sum(is_known_header(n) for n in names) >= 2 and guess_kind(names) is not None


def is_complete_header(cells: Sequence[object]) -> bool:
    """A header with every column its kind requires: a sheet of code lists or notes that names a
    few columns is not a table to import."""
    names = [str(c).strip() for c in cells if c is not None and str(c).strip()]
    if not is_header(names):
        return False
    kind = kinds.get(guess_kind(names))
    mapping, _ = match_columns(names, kind.columns)
    return all(column in mapping for column in kind.required)


def header_index(
    rows: Sequence[Sequence[object]], mapping: HeaderMatch | None = None
) -> int | None:
    """The position of the header among the first rows, or None. Rows above it are titles and
    notes, which name no column: a row naming some but too few is a damaged header, not one.
    With a confirmed column mapping, the header is the row the mapping was confirmed for."""
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if mapping is not None:
            if mapping.matches(row):
                return i
            continue
        if is_header(row):
            return i
        if any(is_known_header(str(c).strip()) for c in row if c is not None):
            return None
    return None


def row_width(row: Sequence[object]) -> int:
    """Cells up to the last filled one."""
    filled = [i for i, c in enumerate(row) if c is not None and str(c).strip()]
    return filled[-1] + 1 if filled else 0


def table_start(rows: Sequence[Sequence[object]], below_titles: bool = True) -> int | None:
    """Where a table whose header is not recognised appears to start: the first of the first
    rows as wide as most rows of over one cell are. With `below_titles`, only where every row
    above it is a title (one cell) or blank: a wider row above is a damaged table, which the
    cell count check names. None when there is no such row."""
    widths = Counter(w for w in map(row_width, rows) if w > 1)
    if not widths:
        return None
    width, _ = max(widths.items(), key=lambda item: (item[1], item[0]))
    at = next((i for i, r in enumerate(rows[:HEADER_SEARCH_ROWS]) if row_width(r) >= width), None)
    if at is None or (below_titles and any(row_width(r) > 1 for r in rows[:at])):
        return None
    return at


def header_note(header_row: int, above: Sequence[Sequence[object]]) -> list[str]:
    """What was left out above a header that is not on row 1."""
    if header_row <= 1:
        return []
    span = "row 1" if header_row == 2 else f"rows 1–{header_row - 1}"
    filled = any(str(c).strip() for r in above for c in r if c is not None)
    what = "title and notes, left out" if filled else "blank"
    return [f"header found on row {header_row} ({span}: {what})"]


# --- CSV delimiter ------------------------------------------------------------------------------


def _lines(text: str, consumed: list[int]) -> Iterator[str]:
    """The text's lines, adding the length of each to `consumed` as the csv module takes it."""
    for line in io.StringIO(text, newline=""):
        consumed[0] += len(line)
        yield line


def head_records(text: str, delimiter: str, limit: int) -> tuple[list[list[str]], list[int]]:
    """The first `limit` records (blank lines as empty records, so that a record's position is
    its spreadsheet row) and the text offset at which each starts."""
    consumed = [0]
    reader = csv.reader(_lines(text, consumed), delimiter=delimiter)
    records, starts = [], []
    start = 0
    for record in reader:
        records.append(record)
        starts.append(start)
        start = consumed[0]
        if len(records) == limit:
            break
    return records, starts


def _consistent(records: list[list[str]], width: int) -> bool:
    rows = [r for r in records if any(c.strip() for c in r)][:SAMPLE_ROWS]
    return not rows or sum(len(r) == width for r in rows) >= CONSISTENT_SHARE * len(rows)


def _splits(records: list[list[str]]) -> bool:
    """Every filled row falls into the same number (over one) of cells."""
    rows = [r for r in records if any(c.strip() for c in r)][:SAMPLE_ROWS]
    return bool(rows) and all(len(r) > 1 for r in rows) and len({len(r) for r in rows}) == 1


def find_delimiter(
    head: str, name: str, mapping: HeaderMatch | None = None
) -> tuple[str, int | None]:
    """The delimiter among `,` `;` tab `|` that splits a header row (and the rows below it
    alike), and that header's position; (',', None) when no delimiter gives a header. With a
    column mapping, the header is the mapping's."""
    limit = HEADER_SEARCH_ROWS + SAMPLE_ROWS + 1
    found: dict[str, tuple[int, bool]] = {}
    parsed: dict[str, list[list[str]]] = {}
    for delimiter in DELIMITERS:
        try:
            parsed[delimiter] = records = head_records(head, delimiter, limit)[0]
        except csv.Error:
            continue
        if (at := header_index(records, mapping)) is not None:
            found[delimiter] = (at, _consistent(records[at + 1 :], len(records[at])))
    good = [d for d, (_, consistent) in found.items() if consistent]
    if len(good) == 1:
        return good[0], found[good[0]][0]
    if len(good) > 1:
        names = " and ".join(DELIMITERS[d] for d in good)
        message = (
            f"the column delimiter is ambiguous: the header and the rows below it split alike "
            f"on {names}; save the file with one of them only ({SAVE_AS_CSV})"
        )
        row = found[good[0]][0] + 1
        raise LayoutError(file_problem(name, "ambiguous_delimiter", message, row))
    for header, (at, _) in found.items():
        others = [d for d, r in parsed.items() if d != header and _splits(r[at + 1 :])]
        if not others:  # rows of another width, which the cell count check names
            return header, at
        row = at + 1
        message = (
            f"the column delimiter is ambiguous: the header (row {row}) is split by "
            f"{DELIMITERS[header]} but the rows below it by "
            f"{' or '.join(DELIMITERS[d] for d in others)}; use one delimiter throughout "
            f"({SAVE_AS_CSV})"
        )
        raise LayoutError(file_problem(name, "ambiguous_delimiter", message, row))
    # no header at all: the header checks explain that; keep the only delimiter that splits
    # the table alike (below its title rows)
    splits = [d for d, r in parsed.items() if _splits(r[table_start(r) or 0 :])]
    return (splits[0] if len(splits) == 1 else ","), None


def delimiter_note(delimiter: str) -> list[str]:
    return [] if delimiter == "," else [f"delimiter {DELIMITERS[delimiter]}"]
