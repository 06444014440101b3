"""Column mappings a person confirmed for a department's file whose headers the contract does not
name: which contract column each header cell gives (or that it is ignored). A mapping is keyed by
the file's header signature and the source's name, so that next month's file with the same
headers is read the same way without asking.

Saved mappings live under `KP_DASH_STATE/column_maps/`, one JSON file per (source, signature),
named by code alone (a slug of the source, a digest of it and the signature): never a path made
of text a person typed. The same JSON is what `import --mapping FILE` takes.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kp_dash.store import config, kinds, layout, sniff
from kp_dash.store.rules import key

IGNORE = "ignore"
FORMAT = "kp_dash column mapping"
FOLDER = "column_maps"
MAX_COLUMNS = 200  # a header wider than this is no department table to map by hand
MAX_FILE_BYTES = 1 << 20  # a mapping of MAX_COLUMNS long headers is far smaller
MAX_SOURCE = 120  # characters of a source name kept
SHOWN_HEADER = 40  # characters of a header cell a note or a label shows
# refusals a mapping can cure: the header does not name the contract's columns
HEADER_RULES = frozenset(
    {"missing_column", "unknown_kind", "no_header_row", "unnamed_column", "duplicate_column"}
)


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and says why."""


class SeveralSources(Exception):
    """Mappings for this header were saved for several sources and none was named."""

    def __init__(self, sources: list[str]):
        self.sources = sources
        super().__init__(
            "column mappings for this file's header were saved for several sources ("
            + ", ".join(f"'{s}'" for s in sources)
            + "); give the source (--source, or the Source field on the Data page)"
        )


def header_key(cells: Sequence[object]) -> tuple[str, ...]:
    """A header row as matched: each cell ignoring case, spaces and underscores, trailing blank
    cells left out (a spreadsheet may export empty columns after the table)."""
    keys = [key("" if c is None else c) for c in cells]
    while keys and not keys[-1]:
        keys.pop()
    return tuple(keys)


def signature(cells: Sequence[object]) -> str:
    """A short, stable name for a header row."""
    return hashlib.sha256("\x1f".join(header_key(cells)).encode("utf-8")).hexdigest()[:16]


def shortened(text: object, limit: int = SHOWN_HEADER) -> str:
    """A cell as a note or label shows it: on one line, at most `limit` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass(frozen=True)
class ColumnMapping:
    """For each cell of `header` (as written), the contract column it gives, or IGNORE."""

    header: tuple[str, ...]
    fields: tuple[str, ...]
    kind: str | None = None
    source: str = ""
    saved: str = ""  # the date it was confirmed, ISO

    @property
    def signature(self) -> str:
        return signature(self.header)

    def matches(self, cells: Sequence[object]) -> bool:
        return header_key(cells) == header_key(self.header)

    def renamed(self, header: Sequence[str]) -> tuple[list[str], list[int]]:
        """The header under its contract names and the positions of the columns kept."""
        names, keep = [], []
        for position, written in enumerate(header):
            field = self.fields[position] if position < len(self.fields) else IGNORE
            if field != IGNORE and str(written).strip():
                names.append(field)
                keep.append(position)
        return names, keep

    def note(self) -> str:
        pairs = [
            f"'{shortened(w)}' → {f}"
            for w, f in zip(self.header, self.fields, strict=False)
            if f != IGNORE
        ]
        ignored = sum(f == IGNORE for f in self.fields)
        whose = f" for {shortened(self.source)}" if self.source else ""
        when = f" on {self.saved}" if self.saved else ""
        tail = f"; {ignored} column{'s' if ignored != 1 else ''} ignored" if ignored else ""
        return f"column mapping confirmed{whose}{when} applied: {', '.join(pairs)}{tail}"


# --- what a mapping must give -------------------------------------------------------------------


def field_problems(kind: str, fields: Sequence[str], header: Sequence[str] = ()) -> list[str]:
    """Why `fields` is no mapping for a `kind` file: unknown fields, a field given to two
    columns, required fields not given (empty when it is one)."""
    known = kinds.get(kind).columns
    shown = [shortened(h) for h in header] or [f"column {i + 1}" for i in range(len(fields))]
    problems = [
        f"'{shortened(f)}' is not a column of a {kind} file (columns: {', '.join(known)}, "
        f"or {IGNORE})"
        for f in dict.fromkeys(fields)
        if f != IGNORE and f not in known
    ]
    for field, count in Counter(f for f in fields if f != IGNORE).items():
        if count > 1:
            given = ", ".join(f"'{h}'" for h, f in zip(shown, fields, strict=False) if f == field)
            problems.append(f"{field} is given to {count} columns ({given}); give it to one")
    missing = [c for c in kinds.get(kind).required if c not in fields]
    if (either := kinds.get(kind).either) and not any(c in fields for c in either):
        missing.append(" or ".join(either))
    if missing:
        problems.append(f"required column(s) not given: {', '.join(missing)}")
    return problems


def clean_source(source: object) -> str:
    """A source name on one line, without control characters, at most MAX_SOURCE long."""
    text = "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in str(source or ""))
    return " ".join(text.split())[:MAX_SOURCE]


def _source_key(source: str) -> str:
    return clean_source(source).casefold()


# --- the saved files ----------------------------------------------------------------------------


def maps_dir() -> Path:
    return config.state_dir() / FOLDER


def map_path(source: str, header_signature: str) -> Path:
    """The file of a (source, signature): letters and digits of the source for people, a digest
    of it so that two sources never share a file; nothing of the text is a path."""
    if not re.fullmatch(r"[0-9a-f]{16}", header_signature):
        raise ValueError(f"not a header signature: {header_signature!r}")
    folded = _source_key(source)
    slug = re.sub(r"[^a-z0-9]+", "-", folded, flags=re.ASCII).strip("-")[:40] or "source"
    digest = hashlib.sha256(folded.encode("utf-8")).hexdigest()[:8]
    return maps_dir() / f"{slug}-{digest}-{header_signature}.json"


def to_record(mapping: ColumnMapping, who: str = "") -> dict:
    return {
        "format": FORMAT,
        "version": 1,
        "source": mapping.source,
        "kind": mapping.kind,
        "signature": mapping.signature,
        "header": list(mapping.header),
        "fields": list(mapping.fields),
        "saved": mapping.saved,
        "saved_by": who,
    }


def from_record(record: object, name: str) -> ColumnMapping:
    """The mapping a JSON record holds; MappingError naming `name` when it holds none."""

    def refuse(why: str) -> MappingError:
        return MappingError(f"{name}: not a usable column mapping: {why}")

    if not isinstance(record, dict):
        raise refuse("it must be a JSON object with 'header', 'fields' and 'kind'")
    header, fields = record.get("header"), record.get("fields")
    for label, value in (("header", header), ("fields", fields)):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise refuse(f"'{label}' must be a list of texts")
    if not header or len(header) > MAX_COLUMNS:
        raise refuse(f"'header' must name 1 to {MAX_COLUMNS} columns")
    if len(fields) != len(header):
        raise refuse(
            f"'fields' has {len(fields)} entries but 'header' has {len(header)}; give one field "
            f"(or '{IGNORE}') for each header cell"
        )
    kind = record.get("kind")
    if kind not in kinds.MAPPED:
        raise refuse(f"'kind' must be one of {', '.join(kinds.MAPPED)} (found {kind!r})")
    if problems := field_problems(kind, fields, header):
        raise refuse("; ".join(problems))
    source, saved = record.get("source") or "", record.get("saved") or ""
    return ColumnMapping(
        tuple(header), tuple(fields), kind, clean_source(source), shortened(saved, 32)
    )


def load_file(path: Path) -> ColumnMapping:
    """A mapping file (`import --mapping FILE`); MappingError naming the file when unusable."""
    try:
        if Path(path).stat().st_size > MAX_FILE_BYTES:
            raise MappingError(
                f"{path}: is {Path(path).stat().st_size:,} bytes, too large for a column mapping "
                f"(at most {MAX_FILE_BYTES:,}); give the mapping file itself"
            )
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise MappingError(f"{path}: cannot be read as a column mapping ({error})") from None
    try:
        record = json.loads(text)
    except ValueError as error:
        raise MappingError(f"{path}: is not JSON ({error}); give a column mapping file") from None
    return from_record(record, str(path))


def save(mapping: ColumnMapping, who: str | None = None, address: str | None = None) -> Path:
    """Save a confirmed mapping for its source (readable by this installation alone), replacing
    an earlier one for the same source and header, and record it in the audit trail."""
    from kp_dash.store import audit, batches

    if mapping.kind not in kinds.MAPPED:
        raise MappingError(f"a column mapping needs a kind ({', '.join(kinds.MAPPED)})")
    if len(mapping.fields) != len(mapping.header):
        raise MappingError("a column mapping gives one field (or 'ignore') per header cell")
    if problems := field_problems(mapping.kind, mapping.fields, mapping.header):
        raise MappingError("; ".join(problems))
    source = clean_source(mapping.source)
    if not source:
        raise MappingError("a column mapping is saved for a source: give the source's name")
    saved = ColumnMapping(
        mapping.header, mapping.fields, mapping.kind, source, date.today().isoformat()
    )
    who = who or batches.user()
    path = map_path(source, saved.signature)
    maps_dir().mkdir(mode=0o700, parents=True, exist_ok=True)
    batches.write_private(path, json.dumps(to_record(saved, who), indent=1, ensure_ascii=False))
    pairs = ", ".join(
        f"{shortened(h, 20)}={f}" for h, f in zip(saved.header, saved.fields, strict=True)
    )
    confirmed = audit.MappingConfirmed(
        who=who, source=source, kind=saved.kind, pairs=pairs, address=address
    )
    audit.record(confirmed)
    return path


def saved_for(headers: Iterable[Sequence[object]], source: str = "") -> ColumnMapping | None:
    """The saved mapping for one of these candidate header rows: the source's own; with no
    source given, the only one saved for that header (SeveralSources when there are more)."""
    folder = maps_dir()
    if not folder.is_dir():
        return None
    signatures = list(dict.fromkeys(signature(h) for h in headers if header_key(h)))
    if clean_source(source):
        for sig in signatures:
            path = map_path(source, sig)
            if path.exists():
                return load_file(path)
        return None
    for sig in signatures:
        paths = sorted(folder.glob(f"*-{sig}.json"))
        if len(paths) == 1:
            return load_file(paths[0])
        if len(paths) > 1:
            raise SeveralSources(sorted(load_file(p).source for p in paths))
    return None


def saved_for_file(
    checked: sniff.Checked, sheet: str | None = None, source: str = ""
) -> ColumnMapping | None:
    """The saved mapping for a checked file's header (see `saved_for`); None when none is
    saved."""
    if not maps_dir().is_dir() or not any(maps_dir().glob("*.json")):
        return None
    return saved_for((row for rows in head_rows(checked, sheet) for row in rows), source)


# --- the first rows of a file, as they are written ----------------------------------------------

HEAD_BYTES = 1 << 20


def head_rows(checked: sniff.Checked, sheet: str | None = None) -> list[list[list[str]]]:
    """The first rows of a checked file as text cells, once per way of reading it (each CSV
    delimiter, each sheet); empty when the file cannot be read, which the reader then
    explains."""
    limit = layout.HEADER_SEARCH_ROWS + layout.SAMPLE_ROWS
    try:
        if checked.reader == "parquet":
            import pyarrow.parquet as pq

            return [[[str(n) for n in pq.read_schema(checked.path).names]]]
        if checked.reader == "excel":
            return _sheet_rows(checked.path, sheet, limit)
        text = _head_text(checked.path, checked.name)
        rows = []
        for delimiter in layout.DELIMITERS:
            try:
                rows.append(layout.head_records(text, delimiter, limit)[0])
            except csv.Error:
                continue
        return rows
    except Exception:  # whatever is wrong with the file, the reader names it
        return []


def _head_text(path: Path, name: str) -> str:
    with Path(path).open("rb") as handle:
        data = handle.read(HEAD_BYTES + 1)
    if len(data) > HEAD_BYTES:  # cut where no character is cut in two
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            data = data[:HEAD_BYTES]
        else:
            data = data[: data.rfind(b"\n") + 1] or data[:HEAD_BYTES]
    return layout.decode(data, name)[0]


def _sheet_rows(path: Path, sheet: str | None, limit: int) -> list[list[list[str]]]:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    titles = [sheet] if sheet in workbook.sheet_names else workbook.sheet_names
    found = []
    for title in titles:
        rows = []
        for row in workbook.get_sheet_by_name(title).iter_rows():
            rows.append(["" if c is None else str(c) for c in row])
            if len(rows) == limit:
                break
        found.append(rows)
    return found


def _width(row: Sequence[str]) -> int:
    """Cells up to the last filled one."""
    return len(header_key(row))


def apparent_header(candidates: list[list[list[str]]]) -> tuple[str, ...] | None:
    """The header a file appears to have when none is recognised: read the way that gives the
    most rows of one width (over one cell), the row where that table starts (`table_start`)."""
    best: tuple[tuple[int, int], tuple[str, ...]] | None = None
    for rows in candidates:
        filled = [r for r in rows if _width(r)]
        # a table has columns: rows of one cell are titles (or a delimiter that splits nothing)
        widths = Counter(w for w in map(_width, filled) if w > 1)
        at = layout.table_start(filled, below_titles=False)
        if at is None:
            continue
        width, count = max(widths.items(), key=lambda item: (item[1], item[0]))
        if width > MAX_COLUMNS:
            continue
        header, score = filled[at], (count, width)
        if best is None or score > best[0]:
            best = (score, tuple(header[: _width(header)]))
    return None if best is None else best[1]
