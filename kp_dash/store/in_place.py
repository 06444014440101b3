"""Department files DuckDB checks as it reads them, never held as a frame of cells.

A Parquet file of plain columns, and a UTF-8 CSV file whose first row is its header, are read
by DuckDB straight into the checks (`cell_table`), which keeps a large file within DuckDB's
memory limit. Anything else goes through the full reading (`reader`), which knows every
encoding, title rows, wide sheets and workbooks, and explains what is wrong with a file; so
does a file that starts plain but turns out not to be (a later byte that is not UTF-8, a row of
another width), which DuckDB refuses with an error.
"""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import duckdb
import pyarrow as pa_arrow
import pyarrow.parquet as pq

from kp_dash.store import layout, sniff
from kp_dash.store.cell_table import CellTable, literal
from kp_dash.store.rules import key


def plain_names(header: list[str]) -> bool:
    """Names a reader need not explain: none blank, none padded, none repeated."""
    return all(h and h == h.strip() for h in header) and len(set(map(key, header))) == len(header)


# --- Parquet ------------------------------------------------------------------------------------


def _plain_type(kind: pa_arrow.DataType) -> bool:
    types = pa_arrow.types
    return (
        types.is_string(kind)
        or types.is_large_string(kind)
        or types.is_integer(kind)
        or types.is_floating(kind)
        or types.is_date(kind)
        or (types.is_timestamp(kind) and kind.tz is None)
        or (types.is_dictionary(kind) and types.is_string(kind.value_type))
    )


def _dates_in_calendar(meta: pq.FileMetaData) -> bool:
    """Whether every date and timestamp column's statistics lie in the years 1-9999: a damaged
    file (a flipped byte) can hold a date no calendar has, which the full reading names."""
    for group in range(meta.num_row_groups):
        row_group = meta.row_group(group)
        for at in range(row_group.num_columns):
            column = row_group.column(at)
            if column.physical_type not in ("INT32", "INT64"):
                continue
            stats = column.statistics
            logical = str(column.path_in_schema)
            try:
                if stats is not None and stats.has_min_max:
                    for bound in (stats.min, stats.max):
                        if isinstance(bound, datetime.date) and not 1 <= bound.year <= 9999:
                            return False
                elif _is_dated(meta, logical):
                    return False  # no statistics to tell: read it in full
            except (ValueError, OverflowError):  # a bound Python cannot even make
                return False
    return True


def _is_dated(meta: pq.FileMetaData, name: str) -> bool:
    field = meta.schema.to_arrow_schema().field(name)
    return pa_arrow.types.is_date(field.type) or pa_arrow.types.is_timestamp(field.type)


def scannable_parquet(checked: sniff.Checked) -> list[str] | None:
    """The header of a Parquet file DuckDB can check in place: plain names, plain types (text,
    numbers, dates, timestamps without a zone) and dates a calendar has. None otherwise."""
    if checked.reader != "parquet":
        return None
    try:
        meta = pq.read_metadata(checked.path)
        schema = meta.schema.to_arrow_schema()
    except (pa_arrow.ArrowException, OSError, ValueError):
        return None
    header = [str(n) for n in schema.names]
    if not plain_names(header) or not all(_plain_type(f.type) for f in schema):
        return None
    return header if _dates_in_calendar(meta) else None


def parquet_cells(
    con: duckdb.DuckDBPyConnection, file: str, path: Path, names: dict[str, str]
) -> CellTable:
    """A Parquet file's cells: `names` gives the file's column of each contract column; a
    spreadsheet would show its first data row as row 2."""
    picked = ", ".join(f'"{_identifier(source)}" as {name}' for name, source in names.items())
    # a view cannot hold a parameter: the path (the server's own) is written as a literal
    con.execute(
        f"create view cells as select cast(file_row_number + 2 as integer) as row, {picked} "
        f"from read_parquet({literal(str(path))}, file_row_number = true)"
    )
    return CellTable(con, file, tuple(names))


def _identifier(name: str) -> str:
    return name.replace('"', '""')


# --- CSV ----------------------------------------------------------------------------------------


def scannable_csv(checked: sniff.Checked) -> tuple[list[str], str] | None:
    """The header and delimiter of a CSV file DuckDB can check in place: UTF-8 text (a BOM is
    fine) whose first row is the header, with plain names. None otherwise."""
    if checked.reader != "csv":
        return None
    with checked.path.open("rb") as file:
        return csv_header(file.read(1 << 20), checked.name)


def csv_header(data: bytes, name: str) -> tuple[list[str], str] | None:
    """The header and delimiter of CSV text starting with `data` (its first MiB) when it is
    UTF-8 whose first row is a header of plain names; None otherwise."""
    try:  # a character cut at the end of the first MiB is not a wrong encoding
        head = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(data) - 4:
            return None
        head = data[: error.start].removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    if not head.strip() or "\x00" in head or head[0] in "\r\n":
        return None
    try:
        delimiter, at = layout.find_delimiter(head, name)
        records = layout.head_records(head, delimiter, 1)[0]
    except (csv.Error, layout.LayoutError):
        return None
    header = records[0] if records else []
    return (header, delimiter) if at == 0 and plain_names(header) else None


def csv_cells(
    con: duckdb.DuckDBPyConnection,
    file: str,
    path: Path,
    names: dict[str, int],
    delimiter: str,
    width: int,
    compression: str = "none",
) -> CellTable:
    """A CSV file's cells (`width` columns, the header on row 1), every cell as text and a blank
    one as NULL: `names` gives the position of each contract column. A row of another width, or
    bytes that are not UTF-8, stop the reading with a `duckdb.Error`."""
    columns = ", ".join(f"'column{i}': 'VARCHAR'" for i in range(width))
    picked = ", ".join(f"column{at} as {name}" for name, at in names.items())
    # the table keeps the file's order (insertion order is kept): its rowid is the row
    con.execute(
        f"create table cells_read as select {picked} from read_csv({literal(str(path))}, "
        f"delim = {literal(delimiter)}, quote = '\"', escape = '\"', header = false, "
        f"skip = 1, auto_detect = false, strict_mode = true, columns = {{{columns}}}, "
        f"compression = {literal(compression)})"
    )
    con.execute("create view cells as select cast(rowid + 2 as integer) as row, * from cells_read")
    return CellTable(con, file, tuple(names))
