"""Opening a department file as a table of text cells: CSV (UTF-8, with or without BOM), Excel
or Parquet, and its header row (unnamed, repeated or misplaced columns). Whatever the content,
the only exception is a ReadError, whose problem rows say what is wrong. No reader opens a file
before `sniff` has checked its size and that its content is what its name says.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa_arrow
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from kp_dash.store import config, layout, sniff, wide_sheets
from kp_dash.store.cells import ReadError, column_letter, file_problem, problem_rows, texts
from kp_dash.store.districts import DistrictResolver
from kp_dash.store.mappings import ColumnMapping
from kp_dash.store.rules import is_known_header, key


@dataclass
class Layout:
    """A file read as a table, with what was recognised about its layout: `rows` holds each data
    row's number as a spreadsheet shows it, and `notes` the decisions as plain sentences."""

    frame: pd.DataFrame
    header_row: int
    rows: np.ndarray
    notes: list[str] = field(default_factory=list)


def read_file(
    path: Path, sheet: str | None = None, display_name: str | None = None
) -> pd.DataFrame:
    """`read_layout`'s table alone."""
    return read_layout(path, sheet, display_name).frame


def read_layout(
    file: Path | sniff.Checked,
    sheet: str | None = None,
    display_name: str | None = None,
    *,
    mapping: ColumnMapping | None = None,
    resolver: DistrictResolver | None = None,
) -> Layout:
    """A CSV, Excel (.xlsx: the sheet with a header, or `sheet`) or Parquet file as a frame, and
    its layout; text files keep every cell as text (numbers are validated later). CSV may be
    UTF-8, UTF-16, Windows-1252 or Windows-1256 text separated by `,` `;` tab or `|`, with title
    rows above the header. The name's extension picks the reader (`display_name`'s, else the
    path's). A path is checked first (`sniff.check`); a file already checked is not checked
    again. A confirmed column `mapping` names the header row and the contract column of each
    of its cells; `resolver` tells district names written as column headers. Whatever the
    content, the only exception is a ReadError."""
    checked = file if isinstance(file, sniff.Checked) else sniff.check(file, display_name)
    name = checked.name
    try:
        if checked.reader == "parquet":
            header, frame = _read_parquet(checked)
            header_row, notes = 1, []
            if mapping is not None and not mapping.matches(header):
                raise ReadError(_mapping_problem(name, mapping))
            header, frame = _mapped(header, frame, mapping, notes)
            frame = _named_columns(header, frame, name, header_row=1, letters=False)
            return Layout(frame, 1, np.arange(2, 2 + len(frame)), notes)
        if checked.reader == "excel":
            header, frame, header_row, rows, notes = _read_excel(checked, sheet, mapping)
        else:
            header, frame, header_row, notes = _read_csv(checked, mapping)
            rows = np.arange(header_row + 1, header_row + 1 + len(frame))
        header, frame = _mapped(header, frame, mapping, notes)
        districts = wide_sheets.Districts(
            resolver, lambda: DistrictResolver.from_seed(config.SEED_DIR)
        )
        shaped = wide_sheets.reshape(header, frame, rows, header_row, name, districts)
    except layout.LayoutError as error:
        raise ReadError(error.problems) from None
    frame = _named_columns(shaped.header, shaped.frame, name, header_row, letters=True)
    return Layout(frame, header_row, shaped.rows, notes + shaped.notes)


def _mapped(
    header: list[str], frame: pd.DataFrame, mapping: ColumnMapping | None, notes: list[str]
) -> tuple[list[str], pd.DataFrame]:
    """The header under the mapping's contract names, its ignored columns left out."""
    if mapping is None:
        return header, frame
    names, keep = mapping.renamed(header)
    notes.append(mapping.note())
    kept = frame[[p for p in keep if p in frame.columns]]
    kept.columns = range(kept.shape[1])
    return names, kept


def _mapping_problem(name: str, mapping: ColumnMapping) -> pd.DataFrame:
    shown = ", ".join(f"'{h}'" for h in mapping.header)
    message = (
        f"the column mapping given is for a header row ({shown}) that is not among the first "
        f"{layout.HEADER_SEARCH_ROWS} rows of the file; give the mapping made for this file's "
        "headers, or none to have the headers recognised"
    )
    return file_problem(name, "mapping_not_matching", message, 1)


def _read_csv(
    checked: sniff.Checked, mapping: ColumnMapping | None = None
) -> tuple[list[str], pd.DataFrame, int, list[str]]:
    name = checked.name
    data = checked.path.read_bytes()
    text, notes = layout.decode(data, name)
    plain = not notes and not data.startswith(b"\xef\xbb\xbf")  # Arrow can take the bytes
    if "\x00" in text:
        raise ReadError(sniff.nul_problem(text.encode("utf-8"), name))
    if not text or text.isspace():
        raise ReadError(file_problem(name, "empty_file", "the file is empty"))
    # the layout from the file's first MiB: copying a large file for a few rows is slow
    head = text[: 1 << 20]
    delimiter, at = layout.find_delimiter(head, name, mapping)
    notes += layout.delimiter_note(delimiter)
    if at is None and mapping is not None:
        raise ReadError(_mapping_problem(name, mapping))
    if at is None:  # an unrecognised header below titles: the header checks name its columns
        at = _table_start(head, delimiter)
    if not at:
        start, blank = 0, text[: len(text) - len(text.lstrip("\r\n"))]
        header_row = blank.count("\n") + blank.count("\r") - blank.count("\r\n") + 1
    else:
        records, starts = layout.head_records(head, delimiter, at + 1)
        start, header_row = starts[at], at + 1
        notes += layout.header_note(header_row, records[:at])
    if start or not plain:
        text = text[start:]
        data = text.encode("utf-8")
    header = _csv_records(text[: 1 << 20], name, delimiter, header_row)[0]
    width = len(header)
    # every column as text: codes such as '007' and dates stay as written. The header is read
    # as a row, so that blank or repeated names reach the header checks as they were written.
    try:
        table = pa_csv.read_csv(
            io.BytesIO(data),
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"f{i}": pa_arrow.string() for i in range(width)},
                strings_can_be_null=False,
            ),
        )
    except pa_arrow.ArrowException as error:
        raise ReadError(_csv_problem(text, name, width, error, delimiter, header_row)) from None
    header = [column[0].as_py() for column in table.columns] if table.num_rows else []
    data_rows = table.slice(1).rename_columns([str(i) for i in range(table.num_columns)])
    frame = data_rows.to_pandas()
    frame.columns = range(table.num_columns)
    return header, frame, header_row, notes


def _table_start(head: str, delimiter: str) -> int | None:
    try:
        records = layout.head_records(head, delimiter, layout.HEADER_SEARCH_ROWS)[0]
    except csv.Error:  # a cell over the csv module's limit, which the header read names
        return None
    return layout.table_start(records)


def _csv_records(
    text: str, name: str, delimiter: str, first_row: int, limit: int = 1
) -> list[list[str]]:
    """The first `limit` rows as Python's csv module reads them, blank lines skipped as Arrow
    skips them; a row it cannot read (a cell over its size limit) is a problem. The text's
    first row is the spreadsheet's `first_row`."""
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            if record:
                records.append(record)
            if len(records) == limit:
                break
    except csv.Error as error:
        row = len(records) + first_row
        message = f"this row cannot be read as CSV ({error})"
        raise ReadError(file_problem(name, "unreadable", message, row)) from None
    return records or [[]]


def _csv_problem(
    text: str, name: str, width: int, error: Exception, delimiter: str, first_row: int
) -> pd.DataFrame:
    """Arrow's reason for refusing a CSV, with the row a person should look at where the
    reason is a row with the wrong number of cells."""
    reason = _arrow_reason(error)
    if re.match(r"Expected \d+ columns, got \d+", reason):
        records = _csv_records(text, name, delimiter, first_row, limit=-1)
        row, record = next(
            ((i, r) for i, r in enumerate(records, start=first_row) if len(r) != width), (0, [])
        )
        if row:
            line = delimiter.join(record)
            value = line if len(line) <= 80 else line[:79] + "…"
            message = (
                f"this row has {len(record)} cells but the header row has {width}; a value "
                "holding a comma or a line break must be in double quotes"
            )
            return problem_rows(name, [row], "", [value], "wrong_cell_count", [message])
    message = f"the file cannot be read as CSV ({reason})"
    return file_problem(name, "unreadable", message)


def _arrow_reason(error: Exception) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return re.sub(r"^CSV parse error: ", "", text)


def _read_parquet(checked: sniff.Checked) -> tuple[list[str], pd.DataFrame]:
    name = checked.name
    try:
        table = pq.read_table(checked.path)
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
        raise ReadError(file_problem(name, "unreadable", message)) from None
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


def _read_excel(
    checked: sniff.Checked, sheet: str | None, mapping: ColumnMapping | None = None
) -> tuple[list[str], pd.DataFrame, int, np.ndarray, list[str]]:
    from python_calamine import CalamineError, CalamineWorkbook

    name, notes = checked.name, []
    try:
        workbook = CalamineWorkbook.from_path(str(checked.path))
        sheets = workbook.sheet_names
        if sheet is not None and sheet not in sheets:
            listed = ", ".join(f"'{s}'" for s in sheets)
            message = f"there is no sheet '{sheet}' (sheets: {listed})"
            raise ReadError(file_problem(name, "unknown_sheet", message))
        if not sheets:
            raise ReadError(file_problem(name, "empty_file", "the workbook has no sheets"))
        if sheet is not None or len(sheets) == 1:
            chosen = sheet or sheets[0]
            cells = workbook.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
        else:
            chosen, cells, notes = _pick_sheet(workbook, sheets, name, mapping)
    except (CalamineError, OSError, ValueError) as error:
        message = f"the file cannot be read as an Excel workbook ({error})"
        raise ReadError(file_problem(name, "unreadable", message)) from None
    # the sheet from A1: list positions are the spreadsheet's rows and columns
    filled = [(i, row) for i, row in enumerate(cells, start=1) if any(_filled(c) for c in row)]
    if not filled:
        raise ReadError(file_problem(name, "empty_file", f"sheet '{chosen}' is empty"))
    # no header among the first rows: the first filled row, which the header checks explain
    at = layout.header_index([row for _, row in filled], mapping)
    if at is None and mapping is not None:
        raise ReadError(_mapping_problem(name, mapping))
    if at is None:
        at = layout.table_start([row for _, row in filled]) or 0
    (header_row, header), below = filled[at], filled[at + 1 :]
    notes += layout.header_note(header_row, cells[: header_row - 1])
    frame = pd.DataFrame([r for _, r in below], columns=range(len(header)), dtype=object)
    rows = np.array([i for i, _ in below], dtype=np.int64)
    return [str(_excel_text(c)) for c in header], frame.map(_excel_text), header_row, rows, notes


def _pick_sheet(
    workbook, sheets: list[str], name: str, mapping: ColumnMapping | None = None
) -> tuple[str, list, list[str]]:
    """The one sheet whose first rows hold a header with every required column (or the header
    of the column mapping; the first sheet when none does); a workbook with several is refused,
    as which to import is a person's choice."""
    found = {}
    for title in sheets:
        cells = workbook.get_sheet_by_name(title).to_python(skip_empty_area=False)
        filled = [row for row in cells if any(_filled(c) for c in row)]
        at = layout.header_index(filled, mapping)
        if at is not None and (mapping is not None or layout.is_complete_header(filled[at])):
            found[title] = cells
    if len(found) == 1:
        ((title, cells),) = found.items()
        return title, cells, [f"sheet '{title}' used (the only one with a valid header)"]
    if not found:
        return sheets[0], workbook.get_sheet_by_name(sheets[0]).to_python(skip_empty_area=False), []
    listed = ", ".join(f"'{s}'" for s in found)
    message = (
        f"{len(found)} sheets hold a table with a header row ({listed}); choose the sheet to "
        "import with --sheet (or the sheet field on the Data page) and import each on its own"
    )
    raise ReadError(file_problem(name, "several_sheets", message))


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
        return column_letter(position) if letters else str(position + 1)

    # a row naming no known column is data or a title, which the header checks explain better
    is_header = any(is_known_header(n) for n in names)
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
            problems.append(
                problem_rows(name, [header_row], field, [""], "unnamed_column", [message])
            )
    repeated: dict[str, list[int]] = {}
    for position in keep:
        if is_known_header(names[position]):
            repeated.setdefault(key(names[position]), []).append(position)
    for positions in (p for p in repeated.values() if len(p) > 1):
        places = [place(p) for p in positions]
        both = "both" if len(places) == 2 else "all"
        title = names[positions[0]]
        message = (
            f"columns {', '.join(places[:-1])} and {places[-1]} are {both} named '{title}'; "
            "keep one"
        )
        problems.append(
            problem_rows(name, [header_row], title, [title], "duplicate_column", [message])
        )
    if problems:
        raise ReadError(pd.concat(problems, ignore_index=True))
    out = frame[keep]
    out.columns = _unique([names[p] or place(p) for p in keep])
    return out


def _holds_data(column: pd.Series) -> bool:
    return bool(texts(column).notna().any())


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
