"""A zip that claims to be an Excel workbook, read part by part without keeping anything:
how many parts its end record lists, whether each part unpacks to exactly the size and check
sum it lists, and how far its sheets' cells reach (a workbook reader fills the rectangle from A1
to the furthest cell, so one cell in a far corner costs as much as a full sheet)."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from operator import itemgetter
from pathlib import Path

CHUNK = 1 << 20
DIRECTORY_BYTES_PER_PART = 256  # a directory entry: 46 bytes and the part's name
# what zipfile raises for a damaged archive
ZIP_ERRORS = (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, struct.error)


def shown(text: str, limit: int = 60) -> str:
    """Text from a file (a part's name, an extension) as a message can show it: control
    characters as '?', at most `limit` characters."""
    plain = "".join("?" if not ch.isprintable() else ch for ch in text)
    return plain if len(plain) <= limit else plain[: limit - 1] + "…"


def listed_parts(path: Path) -> int | None:
    """How many parts a zip's end record lists, or its directory's size implies at
    `DIRECTORY_BYTES_PER_PART` (when that is more: zipfile reads the whole directory whatever
    the count says), read before the directory itself; None when there is no end record."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(size - (1 << 16) - 22, 0))
        end = handle.read()
        at = end.rfind(b"PK\x05\x06")
        if at < 0 or len(end) - at < 22:
            return None
        count, directory = struct.unpack("<HI", end[at + 10 : at + 16])
        locator = end[at - 20 : at] if at >= 20 else b""
        if locator.startswith(b"PK\x06\x07"):  # zip64: the count and size are elsewhere
            handle.seek(struct.unpack("<Q", locator[8:16])[0])
            record = handle.read(56)
            if not record.startswith(b"PK\x06\x06") or len(record) < 56:
                return None
            count, directory = struct.unpack("<QQ", record[32:48])
    return max(count, directory // DIRECTORY_BYTES_PER_PART)


class Extent:
    """How far the cells of the workbook's largest sheet reach, as rows and columns from A1
    (a workbook reader fills that whole rectangle). Measured from the `r` references of rows
    (`r="7"`) and cells (`r="C7"`); where cells have none, from how many a row holds."""

    REF = re.compile(rb'\sr="([A-Z]{0,4})(\d{1,9})"')
    TAG = re.compile(rb"<(?:[\w.-]+:)?(row|c)[\s/>]")  # rows and cells (any namespace prefix)

    def __init__(self) -> None:
        self.rows = self.columns = 0  # of the largest sheet so far
        self.start_sheet()

    @property
    def cells(self) -> int:
        return self.rows * self.columns

    def start_sheet(self) -> None:
        self._rows = self._columns = self._row_cells = self._row_count = 0

    def read(self, xml: bytes) -> None:
        """The next piece of a sheet's XML, cut after a '>' (so that no tag is split)."""
        refs = self.REF.findall(xml)
        letters = list(map(itemgetter(0), refs))
        tags = self.TAG.findall(xml)
        self._row_count += tags.count(b"row")
        self._rows = max(
            self._rows, self._row_count, max(map(int, map(itemgetter(1), refs)), default=0)
        )
        for column in set(letters) - {b""}:
            self._columns = max(self._columns, _column_number(column))
        if tags.count(b"c") > len(refs) - letters.count(b""):  # cells without a reference
            for tag in tags:
                self._row_cells = 0 if tag == b"row" else self._row_cells + 1
                self._columns = max(self._columns, self._row_cells)
        if self._rows * self._columns > self.cells:
            self.rows, self.columns = self._rows, self._columns


def is_sheet(name: str) -> bool:
    return bool(re.fullmatch(r"xl/(worksheets|chartsheets|dialogsheets)/[^/]+\.xml", name.lower()))


def unpack_each(path: Path, parts: list[zipfile.ZipInfo], extent: Extent) -> str | None:
    """Unpack every part as a workbook reader would, without keeping it: each must unpack to
    exactly its listed size and check sum (a part that unpacks to more than it lists would
    get past any bound on the listed sizes). Sheets are measured on the way. The reason a part
    fails, or None."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        for part in parts:
            label = f"part '{shown(part.filename)}'"
            if part.flag_bits & 0x1:
                return f"{label} is encrypted"
            if part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                return (
                    f"{label} is packed with method {part.compress_type}, which Excel does not use"
                )
            if not 0 <= part.header_offset < size:
                return f"{label} is missing"
            handle.seek(part.header_offset)
            local = handle.read(30)
            if len(local) < 30 or not local.startswith(b"PK\x03\x04"):
                return f"{label} is missing"
            handle.seek(part.header_offset + 30 + sum(struct.unpack("<HH", local[26:30])))
            sheet = is_sheet(part.filename)
            if sheet:
                extent.start_sheet()
            inflate = zlib.decompressobj(-15) if part.compress_type else None
            left, out, crc, carry = part.compress_size, 0, 0, b""
            while left:
                packed = handle.read(min(CHUNK, left))
                if not packed:
                    return f"{label} is cut short"
                left -= len(packed)
                try:
                    data = (
                        inflate.decompress(packed, part.file_size - out + 1) if inflate else packed
                    )
                except zlib.error as error:
                    return f"{label} is damaged: {error}"
                out += len(data)
                if out > part.file_size:
                    return f"{label} unpacks to more than the {part.file_size:,} bytes it lists"
                crc = zlib.crc32(data, crc)
                if sheet:
                    text = carry + data
                    cut = text.rfind(b">") + 1
                    extent.read(text[:cut])
                    carry = text[cut:][-(1 << 16) :]
            if (inflate is not None and not inflate.eof) or out != part.file_size:
                listed = f"{part.file_size:,}"
                return f"{label} is damaged: it unpacks to {out:,} of the {listed} bytes it lists"
            if crc != part.CRC:
                return f"{label} is damaged: its check sum does not match"
    return None


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters or "A"
