"""Files made to hurt whatever reads them before checking them, written fast and small on disk:
a workbook whose one sheet unpacks to gigabytes (a zip bomb), a Parquet file whose footer
claims 10¹² cells, and a CSV file of one 50 MB line.

The bomb's sheet is one deflate block of a MiB of rows repeated: a block closed with a full
flush depends on nothing before it, so the packed file is the block written N times, and only
the check sum has to run over the unpacked bytes (about a second for 2.7 GB).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

MIB = 1 << 20
BOMB_UNPACKED = 2700 * MIB  # what the workbook found in the field unpacked to
CLAIMED_CELLS = 10**12
LONG_LINE_BYTES = 50 * MIB

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
# a header row a saved mapping can match, then rows of numbers with no cell references
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row><c t="inlineStr"><is><t>Zila</t></is></c><c t="inlineStr"><is><t>Mahina</t></is></c>'
    '<c t="inlineStr"><is><t>Khidmat</t></is></c><c t="inlineStr"><is><t>Zariya</t></is></c>'
    '<c t="inlineStr"><is><t>Jins</t></is></c><c t="inlineStr"><is><t>Muamlat</t></is></c>'
    "</row>"
)
_SHEET_TAIL = "</sheetData></worksheet>"
_ROW = "<row>" + "<c><v>1</v></c>" * 6 + "</row>"
BOMB_HEADER = ("Zila", "Mahina", "Khidmat", "Zariya", "Jins", "Muamlat")


def _repeated_deflate(head: bytes, block: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """head + block × times + tail, deflated, with its CRC-32 and unpacked size."""

    def flushed(data: bytes) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        return packer.compress(data) + packer.flush(zlib.Z_FULL_FLUSH)

    packed_block = flushed(block)
    last = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = flushed(head) + packed_block * times + last.compress(tail) + last.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    return packed, crc, len(head) + len(block) * times + len(tail)


def _zip(path: Path, parts: list[tuple[str, bytes, int, int]]) -> None:
    """A zip of (name, deflated bytes, crc, unpacked size) parts, written by hand so that the
    packed bytes can be made without unpacking them."""
    local, directory = bytearray(), bytearray()
    for name, packed, crc, size in parts:
        encoded = name.encode()
        offset = len(local)
        fields = (20, 0, 8, 0, 0x21, crc, len(packed), size, len(encoded), 0)
        local += b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", *fields) + encoded + packed
        entry = (20, 20, 0, 8, 0, 0x21, crc, len(packed), size, len(encoded), 0, 0, 0, 0, 0)
        directory += b"PK\x01\x02" + struct.pack("<HHHHHHIIIHHHHHII", *entry, offset) + encoded
    end = struct.pack("<HHHHIIH", 0, 0, len(parts), len(parts), len(directory), len(local), 0)
    path.write_bytes(bytes(local) + bytes(directory) + b"PK\x05\x06" + end)


def zip_bomb_xlsx(path: Path, unpacked: int = BOMB_UNPACKED) -> Path:
    """An .xlsx whose sheet unpacks to about `unpacked` bytes, every part listing its true size."""
    block = (_ROW * (MIB // len(_ROW))).encode()
    sheet = _repeated_deflate(
        _SHEET_HEAD.encode(), block, unpacked // len(block), _SHEET_TAIL.encode()
    )
    small = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _ROOT_RELS,
        "xl/workbook.xml": _WORKBOOK,
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
    }
    parts = [(n, *_repeated_deflate(b"", b"", 0, t.encode())) for n, t in small.items()]
    _zip(path, [*parts, ("xl/worksheets/sheet1.xml", *sheet)])
    return path


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte, number = number & 0x7F, number >> 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def _zigzag(number: int) -> int:
    return number << 1 if number >= 0 else (-number << 1) - 1


def claiming_parquet(path: Path, cells: int = CLAIMED_CELLS) -> Path:
    """A small Parquet file (eight usage columns of nulls) whose footer says it holds
    `cells` cells: the row counts in the file and row-group metadata are rewritten."""
    columns = ["district", "month", "service", "channel", "sex", "area", "age_band", "users"]
    rows = 987_654  # a count whose encoding occurs nowhere else in the footer
    table = pa.table({c: pa.nulls(rows, pa.string()) for c in columns})
    pq.write_table(table, path, row_group_size=rows, compression="zstd")
    data = path.read_bytes()
    footer_length = struct.unpack("<I", data[-8:-4])[0]
    start = len(data) - 8 - footer_length
    footer = data[start:-8]
    claimed = cells // len(columns)
    old, new = _varint(_zigzag(rows)), _varint(_zigzag(claimed))
    # field 3 (num_rows) of the file metadata and of the row group: an i64, compact protocol
    assert footer.count(old) >= 2, "the row count is not where it was expected"
    footer = footer.replace(old, new)
    path.write_bytes(data[:start] + footer + struct.pack("<I", len(footer)) + b"PAR1")
    return path


def long_line_csv(path: Path, size: int = LONG_LINE_BYTES) -> Path:
    """A CSV file of one line of `size` bytes: short cells, no line break."""
    cell = b"ab,"
    path.write_bytes(cell * (size // len(cell)))
    return path
