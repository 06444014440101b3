"""No file makes the importer crash. Valid usage, indicators and targets files in CSV, Excel and
Parquet are mutated (cells, rows, headers, bytes); each mutated file must be accepted cleanly or
rejected with problems that each name the file, a row, a rule and a message, and a rejection
writes nothing.

`make test` runs a bounded, fixed set (150 dry runs, 37 real imports); `HYPOTHESIS_PROFILE=thorough`
runs 2000 random dry runs and 500 real imports.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from kp_dash.store import build, ingest, intake, kinds

FIXTURES = Path(__file__).parents[1] / "fixtures"

_COMMON = {
    "deadline": None,
    "database": None,  # nothing written into the checkout
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
}
settings.register_profile("quick", max_examples=150, derandomize=True, **_COMMON)
settings.register_profile("thorough", max_examples=2000, **_COMMON)
PROFILE = settings.get_profile(
    "thorough" if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else "quick"
)
REAL_IMPORTS = settings(PROFILE, max_examples=max(PROFILE.max_examples // 4, 10))

# --- valid files --------------------------------------------------------------------------------


def _usage_table() -> tuple[list, list[list]]:
    with (FIXTURES / "usage_small.csv").open(encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    counts = [header.index("transactions"), header.index("users")]
    # spreadsheets and Parquet carry numbers as numbers
    typed = [[int(v) if i in counts and v else (v or None) for i, v in enumerate(r)] for r in rows]
    return header, typed


BASES: dict[str, tuple[list, list[list]]] = {
    "usage": _usage_table(),
    "indicators": (
        ["district", "year", "indicator", "group", "value", "unit", "source"],
        [
            ["Peshawar", 2024, "internet_use_pct", "all", 31.5, "pct", "PTA survey 2024"],
            ["Bajaur", 2024, "internet_use_pct", "female", 4, "pct", "PTA survey 2024"],
            ["Chitral", 2023, "mobile_ownership_pct", "all", 50, "pct", "PBS"],
            ["PK528", 2024, "teachers", "male", 1200, "count", "EMIS"],
        ],
    ),
    "targets": (
        ["service", "district", "metric", "month", "target"],
        [
            ["health_complaints", "KP", "uptake_per_1000", "2025-06", 2.5],
            ["all", "Swat", "digital_share_pct", "2025-06", 40],
            ["telemedicine", "PK509", "digital_share_pct", "2025-07", 35],
        ],
    ),
}
HEADER_NAMES = sorted(
    {n for k in kinds.ALL.values() for c, syns in k.columns.items() for n in (c, *syns)}
)

# --- cells --------------------------------------------------------------------------------------

ODD_TEXT = [
    "=1+1",
    "=A1*2",
    "+1",
    "-1",
    "@SUM(A1:A2)",
    '=HYPERLINK("http://example.org")',
    "#N/A",
    "nan",
    "NaN",
    "None",
    "null",
    "1e400",
    "-0",
    "1,000",
    "3.0",
    "٣",
    "\u06f2\u06f0\u06f2\u06f5-\u06f0\u06f1",  # 2025-01 in Urdu digits
    "پشاور",
    "ضلع سوات",
    "ملاکنڈ",
    "2025-13",
    "2025-02-30",
    "9999-12",
    "0000-01",
    "2025-01-01T00:00:00+05:00",
    "PK999",
    "PK502",
    "Peshawar",
    "Chitral",
    "KP",
    "all",
    "health_card",
    "online",
    "female",
    "pct",
    "\ufeff",
    "\x00",
    "a\nb",
    '"',
    "'",
    ",",
    " ",
]
CELLS = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(ODD_TEXT),
    st.integers(-(2**70), 2**70),
    # the edges of the number types a count passes through
    st.sampled_from([0, -1, 0.5, -0.0, 2**53, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 1e20, 1e308]),
    st.floats(),  # NaN and infinities included
    st.booleans(),
    st.dates(min_value=date(1900, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1)),
    st.times(),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=9999)),
    st.text(max_size=12),
    st.text(st.characters(min_codepoint=0x600, max_codepoint=0x6FF), max_size=12),
    st.builds(lambda c, n: c * n, st.sampled_from('x9پ ,"'), st.integers(256, 40_000)),
)
NAMES = st.one_of(st.sampled_from([*HEADER_NAMES, "", " ", None]), st.text(max_size=10))

# --- mutations of the table ---------------------------------------------------------------------


@st.composite
def tables(draw) -> tuple[str, list | None, list[list], list[str]]:
    """A valid table of some kind and a few mutations of it; returns kind, header, rows, notes."""
    kind = draw(st.sampled_from(sorted(BASES)))
    header, rows = BASES[kind]
    header: list | None = list(header)
    rows = [list(r) for r in rows]
    notes = []
    # mostly one or two changes, so that the later checks see files that pass the early ones
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2, 2, 3, 4]))):
        op = draw(
            st.sampled_from(
                [
                    "cell",
                    "cell",
                    "cell",
                    "swap",
                    "truncate_rows",
                    "shorten_row",
                    "repeat_row",
                    "duplicate_header",
                    "blank_header",
                    "rename_header",
                    "remove_header",
                    "extra_column",
                    "drop_column",
                    "two_row_header",
                ]
            )
        )
        width = max([len(header or [])] + [len(r) for r in rows] + [1])
        if op in ("cell", "swap", "shorten_row", "repeat_row") and not rows:
            continue
        if op == "cell":
            r, c = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, width - 1))
            value = draw(CELLS)
            rows[r] += [None] * (c + 1 - len(rows[r]))
            rows[r][c] = value
            notes.append(f"row {r} col {c} = {value!r:.60}")
        elif op == "swap":
            r1, r2 = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, len(rows) - 1))
            c1, c2 = draw(st.integers(0, width - 1)), draw(st.integers(0, width - 1))
            for r in (r1, r2):
                rows[r] += [None] * (width - len(rows[r]))
            rows[r1][c1], rows[r2][c2] = rows[r2][c2], rows[r1][c1]
            notes.append(f"swap ({r1},{c1}) and ({r2},{c2})")
        elif op == "truncate_rows":
            keep = draw(st.integers(0, len(rows)))
            rows = rows[:keep]
            notes.append(f"keep {keep} rows")
        elif op == "shorten_row":
            r = draw(st.integers(0, len(rows) - 1))
            keep = draw(st.integers(0, max(len(rows[r]) - 1, 0)))
            rows[r] = rows[r][:keep]
            notes.append(f"row {r} cut to {keep} cells")
        elif op == "repeat_row":
            r = draw(st.integers(0, len(rows) - 1))
            rows.insert(r, list(rows[r]))
            notes.append(f"row {r} repeated")
        elif header is None:
            continue
        elif op == "duplicate_header" and header:
            i, j = draw(st.integers(0, len(header) - 1)), draw(st.integers(0, len(header) - 1))
            header[j] = header[i]
            notes.append(f"header {j} = header {i}")
        elif op == "blank_header" and header:
            j = draw(st.integers(0, len(header) - 1))
            header[j] = draw(st.sampled_from(["", None, " "]))
            notes.append(f"header {j} blanked")
        elif op == "rename_header" and header:
            j = draw(st.integers(0, len(header) - 1))
            header[j] = draw(NAMES)
            notes.append(f"header {j} = {header[j]!r}")
        elif op == "remove_header":
            header = None
            notes.append("header removed")
        elif op == "extra_column":
            name = draw(NAMES)
            header.append(name)
            for r in rows:
                r += [None] * (len(header) - 1 - len(r)) + [draw(CELLS)]
            notes.append(f"extra column {name!r}")
        elif op == "drop_column" and header:
            j = draw(st.integers(0, len(header) - 1))
            del header[j]
            for r in rows:
                del r[j : j + 1]
            notes.append(f"column {j} dropped")
        elif op == "two_row_header" and header:
            # a second header row under the first, some cells of the first blanked (merged)
            sub = [
                draw(st.sampled_from([None, "", "count", "users", "transactions"])) for _ in header
            ]
            for j in draw(st.sets(st.integers(0, len(header) - 1), max_size=3)):
                header[j] = None
            rows.insert(0, sub)
            notes.append("two header rows")
    return kind, header, rows, notes


# --- writing a table in each format -------------------------------------------------------------


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def write_csv(header: list | None, rows: list[list], newline: str, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline, delimiter=delimiter)
    for row in ([header] if header is not None else []) + rows:
        writer.writerow([_csv_text(v) for v in row])
    return out.getvalue().encode("utf-8")


def _excel_value(value: object) -> object:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value)
    return value


def write_xlsx(header: list | None, rows: list[list], merge: bool) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in ([header] if header is not None else []) + rows:
        sheet.append([_excel_value(v) for v in row])
    if merge and header is not None and len(header) > 1:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)
    saved = io.BytesIO()
    book.save(saved)
    # the same table gives the same bytes (hypothesis replays examples): the workbook and its
    # zip entries carry the time they were written
    out = io.BytesIO()
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            content = re.sub(rb"(W3CDTF\">)[^<]*", rb"\g<1>2025-01-01T00:00:00Z", src.read(item))
            entry = zipfile.ZipInfo(item.filename, (2025, 1, 1, 0, 0, 0))
            dst.writestr(entry, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _arrow_column(values: list) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def _retyped(values: list, arrow_type: str) -> pa.Array:
    """A column as one of the Arrow types a Parquet file from another tool may carry."""
    texts = [None if v is None else _csv_text(v) for v in values]
    n = len(values)
    if arrow_type == "dictionary":
        return pa.array(texts, pa.string()).dictionary_encode()
    if arrow_type == "large_string":
        return pa.array(texts, pa.large_string())
    if arrow_type in ("binary", "dictionary_binary"):
        # some of it UTF-8, some not
        data = [
            None if t is None else t.encode("utf-8" if i % 2 else "utf-16")
            for i, t in enumerate(texts)
        ]
        array = pa.array(data, pa.binary())
        return array.dictionary_encode() if arrow_type == "dictionary_binary" else array
    if arrow_type == "list":
        return pa.array([None if t is None else [t, t] for t in texts], pa.list_(pa.string()))
    if arrow_type == "struct":
        return pa.array([None if t is None else {"v": t} for t in texts])
    if arrow_type == "timestamp_tz":
        return pa.array([datetime(2025, 1, 15, 10, tzinfo=UTC)] * n, pa.timestamp("us", "UTC"))
    if arrow_type == "timestamp_far":  # past the year 9999 a Python date holds
        return pa.array([10**13 + i for i in range(n)], pa.int64()).cast(pa.timestamp("s"))
    if arrow_type == "date32":
        return pa.array([date(2025, 1 + i % 12, 1) for i in range(n)], pa.date32())
    if arrow_type == "decimal":
        return pa.array([Decimal(i) / 4 for i in range(n)], pa.decimal128(12, 2))
    if arrow_type == "null":
        return pa.nulls(n)
    if arrow_type == "uint64":
        return pa.array([2**64 - 1 - i for i in range(n)], pa.uint64())
    if arrow_type == "float16":
        return pa.array(np.arange(n, dtype=np.float16))
    if arrow_type == "bool":
        return pa.array([i % 2 == 0 for i in range(n)], pa.bool_())
    return pa.array([timedelta(days=i) for i in range(n)], pa.duration("s"))


PARQUET_TYPES = (
    "dictionary",
    "large_string",
    "binary",
    "dictionary_binary",
    "list",
    "struct",
    "timestamp_tz",
    "timestamp_far",
    "date32",
    "decimal",
    "null",
    "uint64",
    "float16",
    "bool",
    "duration",
)


def write_parquet(
    header: list | None, rows: list[list], retype: dict[int, str] | None = None
) -> bytes:
    width = max([len(header or [])] + [len(r) for r in rows] + [1])
    if header is None:  # no header row: the first row's values become the names
        header, rows = [_csv_text(v) for v in (rows[0] if rows else [])], rows[1:]
    names = [_csv_text(n) for n in header] + [f"extra{j}" for j in range(len(header), width)]
    names += [f"extra{j}" for j in range(len(names), width)]
    columns = [[(r[j] if j < len(r) else None) for r in rows] for j in range(width)]
    arrays = [
        _retyped(c, retype[j]) if j in (retype or {}) else _arrow_column(c)
        for j, c in enumerate(columns)
    ]
    out = io.BytesIO()
    try:
        pq.write_table(pa.Table.from_arrays(arrays, names=names), out)
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        strings = [pa.array([_csv_text(v) or None for v in c], type=pa.string()) for c in columns]
        out = io.BytesIO()
        pq.write_table(pa.Table.from_arrays(strings, names=names), out)
    return out.getvalue()


class MutatedFile:
    def __init__(self, name: str, data: bytes, notes: list[str], kind: str | None = None):
        self.name = name  # the suffix picks the reader
        self.data = data
        self.notes = notes
        self.kind = kind  # the kind the import is told (None: guessed from the header)

    def __repr__(self) -> str:  # a failing example reads as what was done, not as its bytes
        return f"MutatedFile({self.name!r}, {len(self.data)} bytes: {'; '.join(self.notes)})"


@st.composite
def files(draw) -> MutatedFile:
    """A mutated file: its name (the suffix picks the reader) and its bytes."""
    kind, header, rows, notes = draw(tables())
    fmt = draw(st.sampled_from(["csv", "xlsx", "parquet"]))
    if fmt == "csv":
        newline, delimiter = draw(st.sampled_from(["\n", "\r\n"])), draw(st.sampled_from(",,;\t"))
        data = write_csv(header, rows, newline, delimiter)
        notes.append(f"delimiter {delimiter!r}")
    elif fmt == "xlsx":
        merge = draw(st.sampled_from([False, False, False, True]))  # A1:B1 merged
        data = write_xlsx(header, rows, merge)
        notes += ["A1:B1 merged"] if merge else []
    else:
        retype = draw(
            st.dictionaries(st.integers(0, 9), st.sampled_from(PARQUET_TYPES), max_size=2)
        )
        data = write_parquet(header, rows, retype)
        notes += [f"column {j} as {t}" for j, t in retype.items()]
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        op = draw(st.sampled_from(["flip", "flip", "cut", "insert", "bom", "latin1", "suffix"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
        elif op == "cut":
            data = data[:at]
        elif op == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
        elif op == "bom":
            data = b"\xef\xbb\xbf" + data
        elif op == "latin1" and fmt == "csv":
            data = data.decode("utf-8", "replace").encode("latin-1", "replace")
        elif op == "suffix":
            fmt = draw(st.sampled_from(["csv", "xlsx", "parquet", "txt"]))
        notes.append(f"bytes: {op} at {at}")
    told = draw(st.sampled_from([None, None, None, *sorted(BASES)]))
    notes += [f"imported as {told}"] if told else []
    return MutatedFile(f"mutated.{fmt}", data, [f"{kind} as .{fmt}", *notes], told)


# --- an isolated installation -------------------------------------------------------------------


class Installation:
    """A state folder and a database built from the real seed without demo data; renewed after
    an accepted import so that every example starts from the same place."""

    def __init__(self, root: Path):
        self.root = root
        self.generation = 0
        self.renew()

    def renew(self) -> None:
        self.generation += 1
        self.state = self.root / f"state{self.generation}"
        self.db = self.root / f"db{self.generation}" / "kp_dash.duckdb"
        self.state.mkdir()
        self.db.parent.mkdir()
        with self.active():
            build.build(self.db, with_demo=False)

    @contextmanager
    def active(self) -> Iterator[None]:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("KP_DASH_STATE", str(self.state))
            patch.setenv("KP_DASH_DB", str(self.db))
            yield

    def snapshot(self) -> dict[str, str]:
        """Every file (and link) an import could write, by content."""
        found = {}
        for folder in (self.state, self.db.parent):
            for path in sorted(folder.rglob("*")):
                if path.is_symlink():
                    found[str(path)] = "-> " + os.readlink(path)
                elif path.is_file():
                    found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        return found


@pytest.fixture(scope="module")
def installation(tmp_path_factory) -> Installation:
    return Installation(tmp_path_factory.mktemp("import_properties"))


def _import(installation: Installation, file: MutatedFile, dry_run: bool):
    path = installation.root / file.name
    path.write_bytes(file.data)
    with installation.active():
        before = installation.snapshot()
        result = intake.import_file(path, kind=file.kind, db_path=installation.db, dry_run=dry_run)
        after = installation.snapshot()
    return result, before, after


def _assert_clean_outcome(result, name: str, before: dict, after: dict) -> None:
    event(result.status)  # the mix of outcomes, for --hypothesis-show-statistics
    if result.status in ("accepted", "already_imported", "valid"):
        assert result.rows > 0, result.message
        if result.validation is not None:
            assert result.validation.problems.empty
        return
    assert result.status == "rejected", result.status
    problems = result.validation.problems
    assert list(problems.columns) == ingest.PROBLEM_COLUMNS
    assert len(problems) > 0, result.message
    for rule in sorted(set(problems["rule"])):
        event(f"rule {rule}")
    for p in problems.itertuples(index=False):
        assert p.file == name
        assert isinstance(p.row, (int, np.integer)) and p.row >= 0, p
        assert isinstance(p.rule, str) and p.rule, p
        assert p.rule != "internal_error", p.message  # the catch-all must never be needed
        assert isinstance(p.message, str) and p.message.strip(), p
    assert all(isinstance(line, str) for line in result.validation.problem_lines())
    assert after == before, "a rejected file changed the installation"


@PROFILE
@given(files())
def test_a_mutated_file_is_accepted_or_reported(installation, file):
    result, before, after = _import(installation, file, dry_run=True)
    _assert_clean_outcome(result, file.name, before, after)
    assert after == before, "a dry run wrote something"


@REAL_IMPORTS
@given(files())
def test_a_real_import_is_whole_or_writes_nothing(installation, file):
    result, before, after = _import(installation, file, dry_run=False)
    _assert_clean_outcome(result, file.name, before, after)
    if result.status == "accepted":
        # the same content again is recognised and changes nothing
        again, before, after = _import(installation, file, dry_run=False)
        assert (again.status, again.batch_id) == ("already_imported", result.batch_id)
        assert after == before
        installation.renew()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
@pytest.mark.parametrize("kind", sorted(BASES))
def test_the_files_before_mutation_are_valid(installation, kind, fmt):
    # otherwise the properties above would only ever see rejections
    header, rows = BASES[kind]
    data = {
        "csv": lambda: write_csv(header, rows, "\n"),
        "xlsx": lambda: write_xlsx(header, rows, merge=False),
        "parquet": lambda: write_parquet(header, rows),
    }[fmt]()
    file = MutatedFile(f"valid.{fmt}", data, [])
    result, before, after = _import(installation, file, dry_run=True)
    assert result.status == "valid", result.validation.problem_lines()
    assert (result.kind, result.rows) == (kind, len(rows))
    assert after == before
