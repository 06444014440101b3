"""Files that could hurt the server are refused before any reader opens them, each with the exact
message a person reads: a file over the size limit, content that is not what its name says, a
workbook or Parquet table that unpacks to far more than its size. A file's name is never part
of a path the code writes."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tomllib
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kp_dash import cli
from kp_dash.store import batches, config, ingest, intake, sniff, workbook_zip
from kp_dash.views import data_page

FIXTURES = Path(__file__).parents[1] / "fixtures" / "imports"
TODAY = date(2026, 11, 26)
HEADER = ["month", "district", "service", "channel", "transactions"]
ROW = ["2025-01", "PK502", "health_card", "online", 5]
CSV = b"month,district,service,channel,transactions\n2025-01,PK502,health_card,online,5\n"
SAVE_AS = "in Excel use 'Save as' → 'CSV UTF-8 (Comma delimited)'"
SPLIT = "split it into smaller files (for example one per month) and import each"


def lines(path: Path, name: str | None = None) -> list[str]:
    return ingest.validate_file(path, today=TODAY, display_name=name).problem_lines()


def rules(path: Path) -> list[str]:
    return list(ingest.validate_file(path, today=TODAY).problems["rule"])


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def workbook_bytes(*extra_rows: list) -> bytes:
    book = openpyxl.Workbook()
    for row in (HEADER, ROW, *extra_rows):
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def parquet_bytes(table: pa.Table | None = None) -> bytes:
    out = io.BytesIO()
    pq.write_table(table or pa.table({c: [v] for c, v in zip(HEADER, ROW, strict=True)}), out)
    return out.getvalue()


def rezip(workbook: bytes, change=None, add: dict[str, bytes] | None = None) -> bytes:
    """The workbook's parts written again, each through `change(name, data)`, plus `add`."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item.filename, change(item.filename, data) if change else data)
        for name, data in (add or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def limit_kb(monkeypatch: pytest.MonkeyPatch):
    """Set the import limit (KP_DASH_MAX_UPLOAD_MB) to a number of KB."""

    def set_limit(kb: int) -> None:
        monkeypatch.setenv("KP_DASH_MAX_UPLOAD_MB", str(kb / 1024))

    return set_limit


@pytest.fixture
def no_excel_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the workbook reader is asked to open anything."""
    from python_calamine import CalamineWorkbook

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook reader opened a file the checks should have refused")

    monkeypatch.setattr(CalamineWorkbook, "from_path", refuse)


# --- the size limit -----------------------------------------------------------------------------


def test_the_limit_is_200_mb_unless_the_environment_says_otherwise(monkeypatch):
    monkeypatch.delenv("KP_DASH_MAX_UPLOAD_MB", raising=False)
    assert config.max_upload_bytes() == 200 * 1024 * 1024
    monkeypatch.setenv("KP_DASH_MAX_UPLOAD_MB", "50")
    assert config.max_upload_bytes() == 50 * 1024 * 1024
    for wrong in ("", "lots", "0", "-5", "nan", "inf"):
        monkeypatch.setenv("KP_DASH_MAX_UPLOAD_MB", wrong)
        assert config.max_upload_mb() == config.MAX_UPLOAD_MB, wrong


def test_streamlit_caps_uploads_at_the_same_limit():
    settings = tomllib.loads((config.ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["server"]["maxUploadSize"] == config.MAX_UPLOAD_MB == 200


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path, limit_kb, monkeypatch):
    limit_kb(4)
    path = write(tmp_path, "big.csv", (CSV + b"2025-02,PK502,health_card,online,5\n" * 140)[:5_000])
    read = []
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self) or b"")
    assert lines(path) == [f"big.csv: the file is 4.9 KB, over the 4 KB limit for imports; {SPLIT}"]
    assert read == []


def test_a_file_just_over_the_limit_gives_both_sizes_in_bytes(tmp_path, limit_kb):
    limit_kb(4)
    path = write(tmp_path, "big.xlsx", b"x" * 4_097)
    assert lines(path) == [
        f"big.xlsx: the file is 4,097 bytes, over the 4 KB (4,096 bytes) limit for imports; {SPLIT}"
    ]


def test_the_command_line_import_has_the_same_limit(tmp_path, limit_kb, capsys):
    limit_kb(4)
    path = write(tmp_path, "big.parquet", b"PAR1" + b"\0" * 5_000 + b"PAR1")
    code = cli.main(["import", str(path), "--dry-run"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.splitlines() == [  # refused before it is read
        f"big.parquet: the file is 4.9 KB, over the 4 KB limit for imports; {SPLIT}",
        "big.parquet: rejected, 1 problem(s); nothing was written",
    ]


def test_the_data_page_refuses_an_upload_over_the_limit_before_writing_it(limit_kb):
    limit_kb(4)
    assert data_page.too_large("ok.csv", 4_096) is None
    refused = data_page.too_large("big_<b>.csv", 5_000)
    assert refused == data_page.Outcome(
        "error",
        f"` big_<b>.csv `: the file is 4.9 KB, over the 4 KB limit for imports; {SPLIT}",
    )
    assert data_page.upload_note() == (
        "Files up to 4 KB: CSV or tab-separated text (.csv, .tsv, .txt), Excel (.xlsx) or "
        "Parquet, or a transaction log as Parquet, CSV or gzipped CSV (.csv.gz); the content "
        "must be what the name's extension says."
    )
    assert data_page.upload_limit_mb() == 1  # Streamlit takes whole MB


def test_the_data_page_states_the_lower_of_its_limit_and_streamlits(monkeypatch):
    monkeypatch.delenv("KP_DASH_MAX_UPLOAD_MB", raising=False)
    assert data_page.upload_note(200).startswith("Files up to 200 MB: ")
    assert data_page.upload_note(50).startswith("Files up to 50 MB: ")
    assert data_page.upload_limit_mb(200) == 200
    monkeypatch.setenv("KP_DASH_MAX_UPLOAD_MB", "20")
    assert data_page.upload_limit_mb(200) == 20


# --- content that is not what the name says -----------------------------------------------------


def test_csv_renamed_xlsx(tmp_path, no_excel_reader):
    assert lines(write(tmp_path, "returns.xlsx", CSV)) == [
        "returns.xlsx: the file cannot be read as an Excel workbook: its name says it is an "
        "Excel workbook (.xlsx), but the content is text (as in a CSV file); rename it to .csv "
        "and import again"
    ]


def test_xlsx_renamed_csv(tmp_path):
    assert lines(write(tmp_path, "returns.csv", workbook_bytes())) == [
        "returns.csv: the file cannot be read as CSV: its name says it is CSV text (.csv), but "
        f"the content is an Excel workbook (.xlsx); rename it to .xlsx, or {SAVE_AS}, and "
        "import again"
    ]


def test_random_bytes_named_parquet(tmp_path):
    noise = bytes((i * 7919 + 13) % 251 for i in range(4_000))
    assert lines(write(tmp_path, "returns.parquet", noise)) == [
        "returns.parquet: the file cannot be read as Parquet: its name says it is a Parquet "
        "file (.parquet), but the content is binary data of a kind not read here (a Parquet "
        "file starts and ends with 'PAR1'); export the table again as Parquet, or "
        f"{SAVE_AS}, and import again"
    ]


def test_parquet_renamed_xlsx_and_a_pdf_renamed_csv(tmp_path, no_excel_reader):
    assert lines(write(tmp_path, "returns.xlsx", parquet_bytes())) == [
        "returns.xlsx: the file cannot be read as an Excel workbook: its name says it is an "
        "Excel workbook (.xlsx), but the content is a Parquet file; rename it to .parquet and "
        "import again"
    ]
    assert lines(write(tmp_path, "returns.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")) == [
        "returns.csv: the file cannot be read as CSV: its name says it is CSV text (.csv), but "
        f"the content is a PDF document; {SAVE_AS} and import again"
    ]


def test_a_zip_that_is_not_a_workbook(tmp_path, no_excel_reader):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("returns.csv", CSV)
    assert lines(write(tmp_path, "returns.xlsx", archive.getvalue())) == [
        "returns.xlsx: the file cannot be read as an Excel workbook: its name says it is an "
        "Excel workbook (.xlsx), but the content is a zip archive without the parts of an "
        "Excel workbook ([Content_Types].xml, xl/workbook.xml); "
        f"{SAVE_AS} and import again"
    ]
    assert lines(write(tmp_path, "returns.csv", archive.getvalue())) == [
        "returns.csv: the file cannot be read as CSV: its name says it is CSV text (.csv), but "
        "the content is a zip archive; unpack it and import the file inside"
    ]


def test_a_name_with_another_extension_is_read_as_csv(tmp_path):
    assert lines(write(tmp_path, "returns.txt", workbook_bytes())) == [
        "returns.txt: the file cannot be read as CSV: a name ending in '.txt' is read as CSV "
        f"text, but the content is an Excel workbook (.xlsx); rename it to .xlsx, or {SAVE_AS}, "
        "and import again"
    ]


def test_csv_with_nul_bytes(tmp_path):
    path = write(tmp_path, "returns.csv", CSV + b"2025-02,PK5\x0002,health_card,online,5\n")
    assert lines(path) == [
        "returns.csv: row 3: the file holds a NUL byte (0x00), which text never holds; "
        f"{SAVE_AS} and import again"
    ]


def test_utf16_text(tmp_path):
    # converted by the reader (sniff's refusal of UTF-16 is for readers that cannot)
    path = write(tmp_path, "returns.csv", CSV.decode().encode("utf-16"))
    assert lines(path) == []


def test_the_existing_encoding_rules_stand(tmp_path):
    # UTF-8 with a BOM is read; Windows-1252 text is converted and its cells checked
    assert lines(write(tmp_path, "bom.csv", b"\xef\xbb\xbf" + CSV)) == []
    assert lines(write(tmp_path, "latin.csv", CSV.replace(b"PK502", b"Pe\xe9shawar"))) == [
        "latin.csv: row 2, district: 'Peéshawar' is not a KP district — did you mean "
        "'Peshawar' (PK528)?"
    ]


def test_parquet_cut_short(tmp_path):
    assert lines(write(tmp_path, "returns.parquet", parquet_bytes()[:-9])) == [
        "returns.parquet: the file cannot be read as Parquet (it does not end with 'PAR1': it "
        "is cut short)"
    ]


def test_the_good_files_still_read(tmp_path):
    for name, data in (
        ("ok.csv", CSV),
        ("ok.xlsx", workbook_bytes()),
        ("ok.parquet", parquet_bytes()),
    ):
        assert lines(write(tmp_path, name, data)) == [], name


# --- unpacking to far more than the size --------------------------------------------------------


def test_zip_bomb_is_refused_before_the_workbook_reader_opens_it(
    tmp_path, limit_kb, no_excel_reader
):
    limit_kb(256)  # unpacked parts may total 2.5 MB
    bomb = rezip(workbook_bytes(), add={"xl/media/image1.png": bytes(50 << 20)})
    assert len(bomb) < 256 * 1024  # 50 MB of zeros packs to about 50 KB
    assert lines(write(tmp_path, "returns.xlsx", bomb)) == [
        "returns.xlsx: the workbook unpacks to 50 MB, more than the 2.5 MB allowed (10 times "
        f"the 256 KB limit for imports); {SPLIT}"
    ]


def with_listed(workbook: bytes, part: str, offset: int, value: int) -> bytes:
    """The workbook with one field of `part`'s directory entry changed (16: check sum, 24: the
    size it unpacks to)."""
    data = bytearray(workbook)
    end = data.rfind(b"PK\x05\x06")
    at = int.from_bytes(data[end + 16 : end + 20], "little")
    while data[at : at + 4] == b"PK\x01\x02":
        name, extra, comment = (
            int.from_bytes(data[at + i : at + i + 2], "little") for i in (28, 30, 32)
        )
        if data[at + 46 : at + 46 + name] == part.encode():
            data[at + offset : at + offset + 4] = value.to_bytes(4, "little")
            return bytes(data)
        at += 46 + name + extra + comment
    raise KeyError(part)


SHEET = "xl/worksheets/sheet1.xml"


def test_a_part_that_unpacks_to_more_than_it_lists(tmp_path, no_excel_reader):
    workbook = rezip(workbook_bytes())
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        listed = archive.getinfo(SHEET).file_size // 2
    # a reader trusting the listed sizes would let this past any bound on them
    lying = with_listed(workbook, SHEET, 24, listed)
    assert lines(write(tmp_path, "returns.xlsx", lying)) == [
        f"returns.xlsx: the file cannot be read as an Excel workbook (part '{SHEET}' unpacks to "
        f"more than the {listed:,} bytes it lists)"
    ]


def test_a_damaged_part_is_found_by_its_check_sum(tmp_path, no_excel_reader):
    workbook = rezip(workbook_bytes())
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        crc = archive.getinfo(SHEET).CRC
    damaged = with_listed(workbook, SHEET, 16, crc ^ 1)
    assert lines(write(tmp_path, "returns.xlsx", damaged)) == [
        f"returns.xlsx: the file cannot be read as an Excel workbook (part '{SHEET}' is "
        "damaged: its check sum does not match)"
    ]


def test_a_workbook_of_too_many_parts(tmp_path, monkeypatch, no_excel_reader):
    monkeypatch.setattr(sniff, "MAX_PARTS", 20)
    many = rezip(workbook_bytes(), add={f"xl/media/{i}.bin": b"" for i in range(20)})
    with zipfile.ZipFile(io.BytesIO(many)) as archive:
        count = len(archive.infolist())
    assert lines(write(tmp_path, "returns.xlsx", many)) == [
        f"returns.xlsx: the workbook holds {count:,} parts, more than the 20 allowed (a workbook "
        f"has a few dozen); {SAVE_AS} and import again"
    ]


def test_a_zip_whose_end_record_understates_its_directory(tmp_path, monkeypatch):
    # zipfile reads the whole directory whatever the count says: its size is what counts
    monkeypatch.setattr(sniff, "MAX_PARTS", 1_000)
    many = rezip(workbook_bytes(), add={f"xl/media/{i:05}.bin": b"" for i in range(12_000)})
    end = many.rfind(b"PK\x05\x06")
    implied = int.from_bytes(many[end + 12 : end + 16], "little") // 256
    lying = many[: end + 8] + (1).to_bytes(2, "little") * 2 + many[end + 12 :]
    assert workbook_zip.listed_parts(write(tmp_path, "a.xlsx", many)) == 12_000 + 9
    assert lines(write(tmp_path, "returns.xlsx", lying)) == [
        f"returns.xlsx: the workbook holds {implied:,} parts, more than the 1,000 allowed (a "
        f"workbook has a few dozen); {SAVE_AS} and import again"
    ]


def test_one_cell_in_the_far_corner_of_a_sheet(tmp_path, no_excel_reader):
    book = openpyxl.Workbook()
    for row in (HEADER, ROW):
        book.active.append(row)
    book.active.cell(1_048_576, 16_384, "x")  # a reader would fill 17 billion cells from A1
    out = io.BytesIO()
    book.save(out)
    assert lines(write(tmp_path, "returns.xlsx", out.getvalue())) == [
        "returns.xlsx: a sheet of the workbook reaches row 1,048,576 and column XFD "
        "(17,179,869,184 cells from A1), more than the 104,857,600 cells a file of the 200 MB "
        "limit for imports may hold; delete the cells far from the table (Ctrl+End in Excel "
        "goes to the last one) and import again"
    ]


def test_cells_without_references_are_counted(tmp_path, limit_kb, no_excel_reader):
    limit_kb(256)  # a table may hold 131,072 cells

    def wide_row(name: str, data: bytes) -> bytes:
        if "worksheets/sheet1" not in name:
            return data
        return data.replace(
            b"</sheetData>", b'<row r="1000">' + b"<c/>" * 200 + b"</row></sheetData>"
        )

    assert lines(write(tmp_path, "returns.xlsx", rezip(workbook_bytes(), wide_row))) == [
        "returns.xlsx: a sheet of the workbook reaches row 1,000 and column GR (200,000 cells "
        "from A1), more than the 131,072 cells a file of the 256 KB limit for imports may hold; "
        "delete the cells far from the table (Ctrl+End in Excel goes to the last one) and "
        "import again"
    ]


def test_sheets_are_measured_one_by_one(tmp_path, limit_kb):
    # one long narrow sheet and one short wide one: neither reaches the bound on its own
    limit_kb(256)
    book = openpyxl.Workbook()
    for row in (HEADER, ROW):
        book.active.append(row)
    book.active.cell(20_000, 5, "x")
    book.create_sheet("notes").cell(2, 1_000, "x")
    out = io.BytesIO()
    book.save(out)
    assert "too_many_cells" not in rules(write(tmp_path, "returns.xlsx", out.getvalue()))


def test_a_parquet_table_of_more_cells_than_the_limit_allows(tmp_path, limit_kb):
    limit_kb(256)
    months = pa.array(["2025-01"] * 70_000).dictionary_encode()  # a few hundred bytes on disk
    data = parquet_bytes(pa.table({"month": months, "district": months}))
    assert len(data) < 4_096
    assert lines(write(tmp_path, "returns.parquet", data)) == [
        "returns.parquet: the table holds 70,000 rows × 2 columns (140,000 cells), more than "
        f"the 131,072 cells a file of the 256 KB limit for imports may hold; {SPLIT}"
    ]


# --- names are never paths ----------------------------------------------------------------------

HOSTILE_NAMES = [
    "../../etc/passwd.csv",
    "/etc/cron.d/evil.csv",
    "..\\..\\windows\\win.xlsx",
    "usage\x00.parquet",
    "usage.c\x00sv",
    "x" * 300 + ".csv",
    "usage." + "x" * 300,
    ".hidden.csv",
    "..",
    "",
    "<script>alert(1)</script>.csv",
    "returns.CSV",
    "returns.xlsx.exe",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_an_upload_is_saved_under_a_name_the_code_makes(tmp_path, name):
    root = tmp_path / "uploads"
    data = CSV + name.encode("utf-8", "backslashreplace")
    path = data_page.save_upload(name, data, root=root)
    assert path.parent == root
    assert path.name == hashlib.sha256(data).hexdigest() + sniff.safe_suffix(name)
    assert path.suffix in sniff.SUFFIXES
    assert path.read_bytes() == data
    assert sorted(p.name for p in root.iterdir()) == [path.name]  # nothing else, nothing left over
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p != path]


def test_the_saved_suffix_comes_from_the_allow_list():
    assert [sniff.safe_suffix(n) for n in ("a.csv", "a.XLSX", "a.parquet", "a.xlsm", "a.xls")] == [
        ".csv",
        ".xlsx",
        ".parquet",
        ".xlsm",
        ".xls",
    ]
    assert {
        sniff.safe_suffix(n) for n in HOSTILE_NAMES if not n.lower().endswith(sniff.SUFFIXES)
    } == {".csv"}


def test_the_same_bytes_land_on_the_same_path_once(tmp_path):
    first = data_page.save_upload("a.csv", CSV, root=tmp_path)
    os.utime(first, (0, 0))
    assert data_page.save_upload("../b.csv", CSV, root=tmp_path) == first
    assert first.stat().st_mtime == 0  # not written again
    assert data_page.save_upload("a.xlsx", CSV, root=tmp_path) != first  # another reader


def test_names_are_shown_as_code_that_nothing_in_them_can_end():
    assert data_page.name_shown("<script>alert(1)</script>.csv") == (
        "` <script>alert(1)</script>.csv `"
    )
    assert data_page.name_shown("a`b``c.csv") == "``` a`b``c.csv ```"
    assert data_page.name_shown("a\nb\x00c.csv") == "` a\ufffdb\ufffdc.csv `"
    assert data_page.importing_text("**bold**.csv") == "Importing ` **bold**.csv `"


def test_other_text_from_a_file_is_escaped():
    assert data_page.inert("![x](http://example.org/a.png)") == (
        "!\\[x\\](http://example.org/a.png)"
    )
    assert data_page.inert("a\nb $x$ _e_ :red[y] <b>") == (
        "a\ufffdb \\$x\\$ \\_e\\_ \\:red\\[y\\] \\<b\\>"
    )


def test_a_result_message_shows_the_name_as_code_and_the_rest_escaped():
    name = "[x](http://example.org).csv"
    message = f"{name}: rejected, 1 problem(s); nothing was written"
    assert data_page.shown_message(message, name) == (
        "` [x](http://example.org).csv `: rejected, 1 problem(s); nothing was written"
    )
    assert data_page.shown_message("*a*: b :c") == "\\*a\\*: b \\:c"
    # progress steps name the file further in
    assert data_page.shown_message("reading _a_.csv", "_a_.csv") == "reading ` _a_.csv `"


def test_a_problem_report_download_has_a_plain_name():
    assert data_page._download_stem("../../etc/passwd.csv") == "passwd"
    assert data_page._download_stem("..\\..\\win\\evil name.xlsx") == "evil_name"
    assert data_page._download_stem("a\x00<b>.csv") == "a_b"
    assert data_page._download_stem("x" * 300 + ".csv") == "x" * 80
    assert data_page._download_stem("...") == "file"


@pytest.mark.parametrize(
    "name", ["usage.c\x00sv", "usage." + "x" * 300, "usage.csv/../../../x", "usage.csv\\..\\x"]
)
def test_the_archive_takes_its_suffix_from_the_allow_list(tmp_path, empty_db, name):
    target = tmp_path / "kp_dash.duckdb"
    shutil.copy(empty_db, target)
    path = write(tmp_path, "upload.csv", FIXTURES.joinpath("usage_good.csv").read_bytes())
    result = intake.import_file(path, display_name=name, db_path=target)
    assert result.status == "accepted", result.message
    archived = [p.name for p in (batches.imports_dir() / "archive").iterdir()]
    assert archived == [f"{batches.content_hash(path)}.csv"]
    assert [r["file_name"] for r in batches.read_records()] == [name]


# --- one entry point: nothing reads a file before its checks ------------------------------------


def test_only_the_check_makes_a_checked_file():
    """Readers take a `sniff.Checked`; a module that made one itself would skip the checks."""
    makers = [
        path.relative_to(config.PACKAGE_DIR).as_posix()
        for path in config.PACKAGE_DIR.rglob("*.py")
        if "Checked(" in path.read_text(encoding="utf-8")
    ]
    assert makers == ["store/sniff.py"]


def test_a_line_longer_than_a_table_row_is_refused_naming_its_row(tmp_path):
    long_row = b"2025-01,PK502,health_card,online," + b"9" * (300 * 1024) + b"\n"
    path = write(tmp_path, "long.csv", CSV + long_row + CSV.split(b"\n")[1] + b"\n")
    problems = ingest.validate_file(path, today=TODAY).problems
    assert problems[["row", "rule"]].values.tolist() == [[3, "line_too_long"]]
    assert problems["message"][0].startswith(
        "this line is 300 KB long, more than the 256 KB a table's row may take"
    )


def test_a_line_as_long_as_the_bound_is_read(tmp_path):
    cells = b"x" * (sniff.MAX_LINE_BYTES - len(b"2025-01,PK502,health_card,online,5,"))
    path = write(tmp_path, "wide.csv", CSV + b"2025-01,PK502,health_card,online,5," + cells)
    assert "line_too_long" not in rules(path)


@pytest.mark.parametrize(
    ("data", "row", "length"),
    [
        (b"", 1, 0),
        (b"abc", 1, 3),
        (b"a\nbbbb\ncc\n", 2, 4),
        (b"a,b\r\nccc,dd\r\n", 2, 6 + 1),  # a CR before LF belongs to its line
        (b"a\rbbbbb\rc", 2, 5),  # CR alone ends a line (old Mac files)
        (b"\n\n\nxy", 4, 2),
    ],
)
def test_the_longest_line_and_its_row(tmp_path, monkeypatch, data, row, length):
    path = write(tmp_path, "lines.csv", data)
    assert sniff.longest_line(path) == (row, length)
    monkeypatch.setattr(sniff, "MIB", 2)  # lines across chunks, and CR LF split between them
    assert sniff.longest_line(path) == (row, length)
