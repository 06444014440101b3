"""What a file holds, told from its bytes before any reader opens it: the size limit, content
that does not match the name's extension, and files that would unpack to far more than their
size (a zip bomb, a Parquet file of a billion repeated cells, a sheet with one cell in its far
corner). Each check returns the problem rows that refuse the file, or None.

The name's extension picks the reader: `.xlsx`, `.xlsm` and `.xls` are Excel, `.parquet` is
Parquet, anything else is CSV. CSV must be text without NUL bytes (UTF-8 with or without BOM;
the reader converts UTF-16 with its BOM, Windows-1252 and -1256, `kp_dash.store.layout`);
an `.xlsx` must be a zip holding `[Content_Types].xml` and `xl/workbook.xml`; a Parquet file
starts and ends with `PAR1`.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa_arrow
import pyarrow.parquet as pq

from kp_dash.store import config
from kp_dash.store.cells import ReadError, file_problem
from kp_dash.store.workbook_zip import (
    ZIP_ERRORS,
    Extent,
    column_letters,
    listed_parts,
    shown,
    unpack_each,
)

SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls", ".parquet")  # a saved or archived file's suffix
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
UNPACKED_FACTOR = 10  # a workbook or Parquet table may unpack to 10 times the size limit
MAX_PARTS = 10_000  # parts in a workbook (a plain one has a few dozen at most)
BYTES_PER_CELL = 2  # the fewest a CSV cell takes ("1,"): a table may hold limit / 2 cells
HEAD = 8192
MIB = 1024 * 1024
# a CSV line longer than this is no table's row: 840 cells of a wide monthly file take 10 KiB
MAX_LINE_BYTES = 256 * 1024
_LF, _CR = 10, 13

SAVE_AS_CSV_ONLY = "in Excel use 'Save as' → 'CSV UTF-8 (Comma delimited)'"
SAVE_AS_CSV = f"{SAVE_AS_CSV_ONLY} and import again"
SPLIT = "split it into smaller files (for example one per month) and import each"
WORKBOOK_PARTS = ("[content_types].xml", "xl/workbook.xml")
_READS_AS = {"csv": "CSV", "excel": "an Excel workbook", "parquet": "Parquet"}
_NAME_SAYS = {
    ".csv": "CSV text (.csv)",
    ".xlsx": "an Excel workbook (.xlsx)",
    ".xlsm": "a macro-enabled Excel workbook (.xlsm)",
    ".xls": "an Excel 97-2003 workbook (.xls)",
    ".parquet": "a Parquet file (.parquet)",
}
_CONTENT = {
    "text": "text (as in a CSV file)",
    "utf16": "UTF-16 text ('Unicode Text' in Excel)",
    "xlsx": "an Excel workbook (.xlsx)",
    "xlsb": "a binary Excel workbook (.xlsb)",
    "ods": "an OpenDocument spreadsheet (.ods)",
    "zip": "a zip archive",
    "parquet": "a Parquet file",
    "ole2": "an Excel 97-2003 workbook (.xls), a password-protected workbook or another old "
    "Office file",
    "pdf": "a PDF document",
    "gzip": "gzip-compressed data",
    "binary": "binary data of a kind not read here",
}
# the right extension for content a reader here can read
_RENAME = {"text": ".csv", "xlsx": ".xlsx", "parquet": ".parquet"}


# --- names --------------------------------------------------------------------------------------


def suffix_of(name: str, path: Path | None = None) -> str:
    """The name's extension, lower case (the path's when the name has none)."""
    suffix = Path(name).suffix.lower()
    return suffix or (path.suffix.lower() if path is not None else "")


def file_format(suffix: str) -> str:
    """The reader an extension picks: 'excel', 'parquet' or 'csv' (anything else)."""
    if suffix in EXCEL_SUFFIXES:
        return "excel"
    return "parquet" if suffix == ".parquet" else "csv"


def safe_suffix(name: str, path: Path | None = None) -> str:
    """The suffix of a file saved or archived for `name` (read from `path`): the extension the
    reader goes by when it is one of `SUFFIXES`, else '.csv' (how such a file is read); never
    text taken from the name."""
    suffix = suffix_of(name, path)
    return next((s for s in SUFFIXES if s == suffix), ".csv")


# --- sizes --------------------------------------------------------------------------------------


def size_text(size: int) -> str:
    """1.5 MB, 12 KB, 900 bytes (MB and KB of 1,024, as Streamlit counts them)."""
    if size >= MIB:
        value, unit = size / MIB, "MB"
    elif size >= 1024:
        value, unit = size / 1024, "KB"
    else:
        return f"{size:,} bytes"
    return f"{value:,.1f}".removesuffix(".0") + f" {unit}"


def limit_text() -> str:
    return size_text(config.max_upload_bytes())


def too_large_message(size: int) -> str:
    limit = config.max_upload_bytes()
    size_part, limit_part = size_text(size), size_text(limit)
    if size_part == limit_part:  # just over: the rounded figures would read the same
        size_part, limit_part = f"{size:,} bytes", f"{limit_part} ({limit:,} bytes)"
    return f"the file is {size_part}, over the {limit_part} limit for imports; {SPLIT}"


def _unpacked_bound() -> int:
    return UNPACKED_FACTOR * config.max_upload_bytes()


def _cell_bound() -> int:
    return config.max_upload_bytes() // BYTES_PER_CELL


def _too_many_unpacked(what: str, unpacked: int) -> str:
    return (
        f"{what} unpacks to {size_text(unpacked)}, more than the {size_text(_unpacked_bound())} "
        f"allowed ({UNPACKED_FACTOR} times the {limit_text()} limit for imports); {SPLIT}"
    )


# --- the whole check ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A file that passed every check below: what each reader takes (the mapping look-up, the
    sheet list, the schema, the delimiter sniffing, the table), so that no reader can open a
    file before its checks. `check` is its only maker (a unit test keeps it so)."""

    path: Path
    name: str  # as people know it: the upload's or the command line's name
    suffix: str  # the name's extension, which picks the reader
    reader: str  # 'csv', 'excel' or 'parquet'


def check(path: Path, name: str | None = None) -> Checked:
    """The file at `path` (shown as `name`) once its size, kind and container are checked;
    a ReadError naming the file and what to do when it must not be read."""
    name = name or path.name
    if not path.is_file() or path.stat().st_size == 0:
        raise ReadError(file_problem(name, "empty_file", "the file is empty"))
    suffix = suffix_of(name, path)
    if (refused := refusal(path, name, suffix)) is not None:
        raise ReadError(refused)
    return Checked(path, name, suffix, file_format(suffix))


def refusal(path: Path, name: str, suffix: str) -> pd.DataFrame | None:
    """Why the file at `path` (shown as `name`, read as its extension `suffix` says) must not be
    read, or None: over the size limit, content of another kind than the name says, a line
    longer than any table's row, or a workbook or Parquet table that would unpack to far more
    than its size."""
    size = path.stat().st_size
    if size > config.max_upload_bytes():
        return file_problem(name, "file_too_large", too_large_message(size))
    with path.open("rb") as handle:
        head = handle.read(HEAD)
        handle.seek(max(size - 4, 0))
        tail = handle.read(4)
    reader = file_format(suffix)
    if reader == "csv":
        return _csv_refusal(path, name, suffix, head)
    if reader == "parquet":
        return _parquet_refusal(path, name, suffix, head, tail)
    if suffix == ".xls":
        return None if _kind(path, head) == "ole2" else _mismatch(path, name, suffix, head)
    return _workbook_refusal(path, name, suffix, head)


def _kind(path: Path, head: bytes) -> str:
    """What the content looks like, from its first bytes (and a zip's list of parts)."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole2"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf16"
    controls = sum(head.count(bytes([b])) for b in (*range(9), 11, *range(14, 32), 127))
    return "binary" if b"\x00" in head or controls * 100 > len(head) else "text"


def _zip_kind(path: Path) -> str:
    count = listed_parts(path)
    if count is None or count > MAX_PARTS:  # not opened: its list alone would be a burden
        return "zip"
    try:
        with zipfile.ZipFile(path) as archive:
            names = {n.lower() for n in archive.namelist()}
    except ZIP_ERRORS:
        return "zip"
    if WORKBOOK_PARTS[0] in names and WORKBOOK_PARTS[1] in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    return "ods" if "mimetype" in names and "content.xml" in names else "zip"


def _mismatch(path: Path, name: str, suffix: str, head: bytes, found: str = "") -> pd.DataFrame:
    """The content is not what the name says: both, and what to do."""
    found = found or _kind(path, head)
    reader = file_format(suffix)
    if suffix in _NAME_SAYS:
        says = f"its name says it is {_NAME_SAYS[suffix]}"
    elif suffix:
        says = f"a name ending in '{shown(suffix, 20)}' is read as CSV text"
    else:
        says = "a name without an extension is read as CSV text"
    content = _CONTENT[found]
    if found == "binary" and reader == "parquet":
        content += " (a Parquet file starts and ends with 'PAR1')"
    elif found == "zip" and reader == "excel":
        content += " without the parts of an Excel workbook ([Content_Types].xml, xl/workbook.xml)"
    if (right := _RENAME.get(found)) and right != suffix:
        also = f", or {SAVE_AS_CSV_ONLY}," if found == "xlsx" and reader == "csv" else ""
        advice = f"rename it to {right}{also} and import again"
    elif found in ("zip", "gzip") and reader == "csv":
        advice = "unpack it and import the file inside"
    elif found in ("ole2", "xlsb", "ods"):
        advice = (
            "open it in Excel (remove any password) and use 'Save as' → 'Excel Workbook "
            "(.xlsx)' or 'CSV UTF-8 (Comma delimited)', and import again"
        )
    elif reader == "parquet":
        advice = f"export the table again as Parquet, or {SAVE_AS_CSV_ONLY}, and import again"
    else:
        advice = SAVE_AS_CSV
    message = (
        f"the file cannot be read as {_READS_AS[reader]}: {says}, but the content is {content}"
    )
    return file_problem(name, "wrong_file_type", f"{message}; {advice}")


# --- CSV ----------------------------------------------------------------------------------------


def _csv_refusal(path: Path, name: str, suffix: str, head: bytes) -> pd.DataFrame | None:
    """Content a CSV reader must not be given: a workbook, Parquet, an archive, or a line no
    table row is as long as. UTF-16 text with its BOM is converted by the reader; text in
    another 8-bit encoding and NUL bytes further in are found as the text is decoded."""
    found = _kind(path, head)
    if found not in ("text", "binary", "utf16"):
        return _mismatch(path, name, suffix, head, found)
    row, length = longest_line(path)
    if length > MAX_LINE_BYTES:
        message = (
            f"this line is {size_text(length)} long, more than the {size_text(MAX_LINE_BYTES)} "
            "a table's row may take (the file may not be a table, or its line breaks were "
            f"lost); {SAVE_AS_CSV}"
        )
        return file_problem(name, "line_too_long", message, row)
    return None


def longest_line(path: Path) -> tuple[int, int]:
    """The longest line of a text file, in bytes, and its row number (1 for the first), read a
    MiB at a time: a line ends at LF, CR LF or a CR alone."""
    best_row, best, run, row = 1, 0, 0, 1
    with path.open("rb") as handle:
        while chunk := handle.read(MIB):
            if chunk.endswith(b"\r"):  # whether a LF follows decides if the CR ends a line
                chunk += handle.read(1)
            ends = _line_ends(np.frombuffer(chunk, np.uint8))
            if not len(ends):
                run += len(chunk)
                if run > best:
                    best_row, best = row, run
                continue
            # lengths of the lines ended in this chunk, the first continuing the last chunk's
            lengths = np.diff(ends, prepend=-1) - 1
            lengths[0] += run
            longest = int(lengths.argmax())
            if lengths[longest] > best:
                best_row, best = row + longest, int(lengths[longest])
            row += len(ends)
            run = len(chunk) - 1 - int(ends[-1])
            if run > best:
                best_row, best = row, run
    return best_row, best


def _line_ends(data: np.ndarray) -> np.ndarray:
    """Positions of the bytes that end a line: each LF, and each CR not followed by a LF."""
    is_lf, is_cr = data == _LF, data == _CR
    lone_cr = is_cr & ~np.append(is_lf[1:], False)
    return np.flatnonzero(is_lf | lone_cr)


def nul_problem(data: bytes, name: str) -> pd.DataFrame | None:
    """CSV text never holds a NUL byte: one is a file saved as UTF-16 or not text at all. The
    row is the first holding one."""
    at = data.find(b"\x00")
    if at < 0:
        return None
    row = data[:at].count(b"\n") + 1
    message = f"the file holds a NUL byte (0x00), which text never holds; {SAVE_AS_CSV}"
    return file_problem(name, "nul_bytes", message, row)


# --- Parquet ------------------------------------------------------------------------------------


def _parquet_refusal(
    path: Path, name: str, suffix: str, head: bytes, tail: bytes
) -> pd.DataFrame | None:
    if not head.startswith(b"PAR1"):
        return _mismatch(path, name, suffix, head)
    if tail != b"PAR1" or path.stat().st_size < 12:
        reason = (
            "it is encrypted" if tail == b"PARE" else "it does not end with 'PAR1': it is cut short"
        )
        return file_problem(name, "unreadable", f"the file cannot be read as Parquet ({reason})")
    try:
        meta = pq.read_metadata(path)
        rows, columns = meta.num_rows, meta.num_columns
        unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    except (pa_arrow.ArrowException, OSError, ValueError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        return file_problem(name, "unreadable", f"the file cannot be read as Parquet ({reason})")
    if rows * columns > _cell_bound():
        message = (
            f"the table holds {rows:,} rows × {columns:,} columns ({rows * columns:,} cells), "
            f"more than the {_cell_bound():,} cells a file of the {limit_text()} limit for "
            f"imports may hold; {SPLIT}"
        )
        return file_problem(name, "too_many_cells", message)
    if unpacked > _unpacked_bound():
        return file_problem(name, "unpacks_too_large", _too_many_unpacked("the table", unpacked))
    return None


# --- Excel workbooks (zip) ----------------------------------------------------------------------


def _workbook_refusal(path: Path, name: str, suffix: str, head: bytes) -> pd.DataFrame | None:
    """An .xlsx or .xlsm that a workbook reader may open: a zip whose parts are a workbook's, of
    a bounded count and unpacked size, each unpacking to exactly the size it lists, and whose
    sheets reach no further than a file of the limit could fill."""
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _mismatch(path, name, suffix, head)

    def unreadable(reason: str) -> pd.DataFrame:
        message = f"the file cannot be read as an Excel workbook ({reason})"
        return file_problem(name, "unreadable", message)

    count = listed_parts(path)
    if count is None:
        return unreadable("File is not a zip file")
    if count > MAX_PARTS:
        message = (
            f"the workbook holds {count:,} parts, more than the {MAX_PARTS:,} allowed (a "
            f"workbook has a few dozen); {SAVE_AS_CSV}"
        )
        return file_problem(name, "too_many_parts", message)
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except ZIP_ERRORS as error:
        return unreadable(str(error) or type(error).__name__)
    names = {p.filename.lower() for p in parts}
    if not all(part in names for part in WORKBOOK_PARTS):
        return _mismatch(path, name, suffix, head)
    unpacked = sum(p.file_size for p in parts)
    if unpacked > _unpacked_bound():
        return file_problem(name, "unpacks_too_large", _too_many_unpacked("the workbook", unpacked))
    extent = Extent()
    if (reason := unpack_each(path, parts, extent)) is not None:
        return unreadable(reason)
    if extent.cells > _cell_bound():
        message = (
            f"a sheet of the workbook reaches row {extent.rows:,} and column "
            f"{column_letters(extent.columns)} ({extent.cells:,} cells from A1), more than the "
            f"{_cell_bound():,} cells a file of the {limit_text()} limit for imports may hold; "
            "delete the cells far from the table (Ctrl+End in Excel goes to the last one) and "
            "import again"
        )
        return file_problem(name, "too_many_cells", message)
    return None
