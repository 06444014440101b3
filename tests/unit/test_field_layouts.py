"""Department files as they really arrive (tests/fixtures/field/layouts/, written by
make_layouts.py there): each layout is recognised, said in plain sentences, and read to the
same normalised rows as a plain UTF-8 comma file, or refused with a message naming the fix."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kp_dash.store import build, ingest, reader

LAYOUTS = Path(__file__).parents[1] / "fixtures" / "field" / "layouts"
TODAY = date(2026, 11, 26)
ROOT = Path(__file__).parents[2]

# usage_good.csv's three rows, normalised by hand
MARCH = [
    # the files carry no disability: it reads 'unknown'
    (
        "2025-03-01",
        "PK528",
        "health_complaints",
        "online",
        "female",
        "urban",
        "25-59",
        "unknown",
        120,
        95,
    ),
    (
        "2025-03-01",
        "PK509",
        "telemedicine",
        "mobile_app",
        "male",
        "rural",
        "15-24",
        "unknown",
        40,
        31,
    ),
    ("2025-03-01", "PK502", "fee_payment", "kiosk", "female", "rural", "5-14", "unknown", 12, 12),
]


def in_month(month: str) -> list[tuple]:
    return [(f"{month}-01", *row[1:]) for row in MARCH]


TITLES = "header found on row 3 (rows 1–2: title and notes, left out)"
# file: (notes, header row, data rows as the spreadsheet numbers them, normalised rows)
ACCEPTED = {
    "semicolon.csv": (["delimiter ';'"], 1, [2, 3, 4], MARCH),
    "tab.tsv": (["delimiter tab"], 1, [2, 3, 4], MARCH),
    "pipe.csv": (["delimiter '|'"], 1, [2, 3, 4], MARCH),
    "utf8_bom.csv": ([], 1, [2, 3, 4], MARCH),
    "utf16.txt": (
        ["encoding UTF-16 converted to UTF-8", "delimiter tab"],
        1,
        [2, 3, 4],
        MARCH,
    ),
    "cp1252.csv": (["encoding Windows-1252 converted to UTF-8"], 1, [2, 3, 4], MARCH),
    "cp1256.csv": (["encoding Windows-1256 converted to UTF-8", TITLES], 3, [4, 5, 6], MARCH),
    "title_rows.csv": (
        ["header found on row 5 (rows 1–4: title and notes, left out)"],
        5,
        [6, 7, 8],
        MARCH,
    ),
    "cover_sheet.xlsx": (
        ["sheet 'Sep 2026' used (the only one with a valid header)", TITLES],
        3,
        [4, 5, 6],
        in_month("2026-09"),
    ),
}
HEADER = ["month", "district", "service", "channel", "sex", "area", "age_band"]
HEADER += ["transactions", "users"]
USAGE_COLUMNS = [c for c in build.USAGE_COLUMNS if c != "batch_id"]  # a batch's stored rows


def normalised(rows: pd.DataFrame) -> list[tuple]:
    out = rows[USAGE_COLUMNS].copy()
    out["month_start"] = pd.to_datetime(out["month_start"]).dt.strftime("%Y-%m-%d")
    return [tuple(r) for r in out.astype(object).itertuples(index=False)]


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_the_layout_is_recognised_and_said(name):
    notes, header_row, rows, _ = ACCEPTED[name]
    found = reader.read_layout(LAYOUTS / name)
    assert found.notes == notes
    assert found.header_row == header_row
    assert found.rows.tolist() == rows
    assert list(found.frame.columns)[:9] == HEADER
    assert len(found.frame) == len(rows)


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_the_layout_reads_to_the_normalised_rows(name):
    result = ingest.validate_file(LAYOUTS / name, today=TODAY)
    assert result.problem_lines() == []
    assert result.kind == "usage"
    assert normalised(result.rows) == ACCEPTED[name][3]


def test_read_file_is_the_layouts_frame():
    frame = reader.read_file(LAYOUTS / "semicolon.csv")
    assert frame.equals(reader.read_layout(LAYOUTS / "semicolon.csv").frame)
    assert frame.iloc[1].tolist() == [
        "2025-03",
        "D.I. Khan",
        "telemedicine",
        "mobile_app",
        "male",
        "rural",
        "15-24",
        "40",
        "31",
    ]


def test_code_page_text_is_converted_as_written():
    western = reader.read_layout(LAYOUTS / "cp1252.csv").frame["remarks"].tolist()
    assert western == ["Kiosk closed 3 days – Eid", "café staff trained", "fee €0 waived"]
    # Urdu typed on a Windows-1256 system: Arabic yeh, kept as written
    urdu = reader.read_layout(LAYOUTS / "cp1256.csv").frame["remarks"].tolist()
    assert urdu == ["عيد کي چھٹياں", "", "فيس معاف"]


def test_bom_is_not_part_of_the_first_column():
    assert reader.read_layout(LAYOUTS / "utf8_bom.csv").frame.columns[0] == "month"


def test_workbook_with_two_data_sheets_is_refused_naming_them():
    result = ingest.validate_file(LAYOUTS / "two_sheets.xlsx", today=TODAY)
    assert result.problem_lines() == [
        "two_sheets.xlsx: 2 sheets hold a table with a header row ('Aug 2026', 'Sep 2026'); "
        "choose the sheet to import with --sheet (or the sheet field on the Data page) and "
        "import each on its own"
    ]
    assert result.problems["rule"].tolist() == ["several_sheets"]


def test_a_named_sheet_still_overrides():
    result = ingest.validate_file(LAYOUTS / "two_sheets.xlsx", sheet="Aug 2026", today=TODAY)
    assert normalised(result.rows) == in_month("2026-08")
    assert reader.read_layout(LAYOUTS / "two_sheets.xlsx", "Sep 2026").notes == []
    cover = ingest.validate_file(LAYOUTS / "cover_sheet.xlsx", sheet="Cover", today=TODAY)
    assert not cover.ok  # the cover holds no table


def test_ambiguous_delimiter_is_refused_naming_both():
    result = ingest.validate_file(LAYOUTS / "ambiguous_delimiter.csv", today=TODAY)
    assert result.problem_lines() == [
        "ambiguous_delimiter.csv: row 1: the column delimiter is ambiguous: the header (row 1) "
        "is split by ',' but the rows below it by ';'; use one delimiter throughout (in Excel "
        "use 'Save as' → 'CSV UTF-8 (Comma delimited)' and import again)"
    ]


def test_bytes_of_no_known_encoding_are_still_refused(tmp_path):
    # 0x81 is not a Windows-1252 character, and alone it is no Arabic-script word
    path = tmp_path / "odd.csv"
    path.write_bytes(b"month,district,service,channel,transactions\n2025-03,PK5\x8102,x,y,5\n")
    assert ingest.validate_file(path, today=TODAY).problem_lines() == [
        "odd.csv: row 2: the file is not UTF-8 text (byte 0x81 cannot be read); in Excel use "
        "'Save as' → 'CSV UTF-8 (Comma delimited)' and import again"
    ]


def test_header_problems_below_titles_name_the_spreadsheet_row(tmp_path):
    path = tmp_path / "returns.csv"
    path.write_text(
        "Monthly returns\n\nmonth,district,service,channel,,transactions\n"
        "2025-03,PK502,health_card,online,web,5\n",
        encoding="utf-8",
    )
    assert ingest.validate_file(path, today=TODAY).problem_lines() == [
        "returns.csv: row 3, E: column E has no name in the header row (row 3); give it a name "
        "or delete the column; if the header spans two rows, merge them into one"
    ]


def test_a_row_of_the_wrong_width_below_titles_names_its_row(tmp_path):
    path = tmp_path / "returns.csv"
    path.write_text(
        "Monthly returns;;\nmonth;district;service;channel;transactions\n"
        "2025-03;PK502;health_card;online;5\n2025-03;PK502;health_card;5\n",
        encoding="utf-8",
    )
    assert ingest.validate_file(path, today=TODAY).problem_lines() == [
        "returns.csv: row 4: this row has 4 cells but the header row has 5; a value holding a "
        "comma or a line break must be in double quotes"
    ]


def test_a_bad_value_below_titles_names_its_spreadsheet_row(tmp_path):
    path = tmp_path / "returns.csv"
    path.write_text(
        "Monthly returns\n\nmonth,district,service,channel,transactions\n"
        "2025-03,PK502,health_card,online,-5\n",
        encoding="utf-8",
    )
    (line,) = ingest.validate_file(path, today=TODAY).problem_lines()
    assert line.startswith("returns.csv: row 4, transactions:")


def _dry_run(path: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "KP_DASH_STATE": str(tmp_path / "state")}
    command = [sys.executable, "-m", "kp_dash", "import", str(path), "--dry-run"]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)


@pytest.mark.parametrize(
    ("name", "recognised"),
    [
        ("semicolon.csv", "recognised: delimiter ';'"),
        ("cp1256.csv", "recognised: encoding Windows-1256 converted to UTF-8"),
        ("cover_sheet.xlsx", "recognised: sheet "),
    ],
)
def test_dry_run_import_from_the_command_line(name, recognised, tmp_path):
    done = _dry_run(LAYOUTS / name, tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{name}: 3 usage rows are valid (dry run: nothing was written)" in done.stderr
    assert recognised in done.stderr  # every decision is said before anything is accepted


def test_dry_run_of_a_refused_layout_exits_1(tmp_path):
    done = _dry_run(LAYOUTS / "two_sheets.xlsx", tmp_path)
    assert done.returncode == 1
    assert "2 sheets hold a table with a header row ('Aug 2026', 'Sep 2026')" in done.stderr


def test_a_sheet_of_code_lists_is_not_a_second_table(tmp_path):
    # a lookup sheet naming a few contract columns is not a table to import
    book = openpyxl.Workbook()
    book.active.title = "codes"
    book.active.append(["service", "channel", "sex"])
    book.active.append(["telemedicine", "online", "female"])
    data = book.create_sheet("returns")
    data.append(HEADER)
    data.append(["2025-03", "PK502", "fee_payment", "kiosk", "female", "rural", "5-14", 12, 12])
    path = tmp_path / "returns.xlsx"
    book.save(path)
    found = reader.read_layout(path)
    assert found.notes == ["sheet 'returns' used (the only one with a valid header)"]
    assert normalised(ingest.validate_file(path, today=TODAY).rows) == MARCH[2:]


def test_headers_not_recognised_below_titles_are_named_on_their_own_row(tmp_path):
    # a department's own column names under a title: the header checks name the header's row
    # and say how to map the columns, instead of a cell count against the one-cell title
    path = tmp_path / "returns.csv"
    path.write_text(
        "Mahkama Sehat KP — mahana report\n\nMahina,Zila,Khidmat,Tareeqa,Kul\n"
        "2026-09,Peshawar,health_card,online,12\n",
        encoding="utf-8",
    )
    guessed = ingest.validate_file(path, today=TODAY)
    assert guessed.problem_lines() == [
        "returns.csv: row 3: cannot tell whether this is a usage, indicators, targets or "
        "events file "
        "from its header; give the kind (--kind, or the choice on the Data page), and which "
        "column holds what (Map the columns on the Data page, or import --mapping FILE)"
    ]
    assert guessed.notes == ["header found on row 3 (rows 1–2: title and notes, left out)"]
    given = ingest.validate_file(path, kind="usage", today=TODAY)
    assert set(given.problems["row"]) == {3}
    assert sorted(given.problems["column"]) == [
        "channel",
        "district",
        "month",
        "service",
        "transactions",
    ]
    assert set(given.problems["rule"]) == {"missing_column"}


def test_a_wider_row_above_the_table_is_not_taken_for_a_title(tmp_path):
    # two cells above a row of five: a damaged table, not titles; the cell count is named
    path = tmp_path / "returns.csv"
    path.write_text("Mahina,Zila\nKhidmat,Tareeqa,Kul,Jins,Umar\n1,2,3,4,5\n", encoding="utf-8")
    assert ingest.validate_file(path, today=TODAY).problem_lines() == [
        "returns.csv: row 2: this row has 5 cells but the header row has 2; a value holding a "
        "comma or a line break must be in double quotes"
    ]


def test_columns_the_contract_does_not_read_are_said(tmp_path):
    result = ingest.validate_file(LAYOUTS / "cp1252.csv", today=TODAY)
    assert result.notes == [
        "encoding Windows-1252 converted to UTF-8",
        "column 'remarks' not in the data contract, left out",
    ]
    extra = [f"note {n}" for n in range(1, 11)]
    path = tmp_path / "returns.csv"
    path.write_text(
        ",".join(HEADER + extra)
        + "\n"
        + ",".join(["2026-09", "PK502", "health_card", "online"])
        + ",female,urban,25-59,5,4"
        + "," * len(extra)
        + "\n",
        encoding="utf-8",
    )
    shown = ", ".join(f"'note {n}'" for n in range(1, 9))
    assert ingest.validate_file(path, today=TODAY).notes == [
        f"columns {shown} and 2 more not in the data contract, left out"
    ]
