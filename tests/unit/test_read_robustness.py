"""Files that used to stop the importer with a traceback: each is now a clean report with the
exact message a person reads (or a clean accept)."""

from __future__ import annotations

import io
import logging
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kp_dash.store import ingest, reader

TODAY = date(2026, 11, 26)
USAGE = ["month", "district", "service", "channel", "transactions"]


def lines(path: Path, **kwargs) -> list[str]:
    return ingest.validate_file(path, today=TODAY, **kwargs).problem_lines()


def csv_file(tmp_path: Path, text: str, name: str = "returns.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def workbook(tmp_path: Path, rows: list[list], merged: tuple[str, ...] = ()) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    for cells in merged:
        book.active.merge_cells(cells)
    path = tmp_path / "returns.xlsx"
    book.save(path)
    return path


def parquet_file(tmp_path: Path, table: pa.Table, name: str = "returns.parquet") -> Path:
    path = tmp_path / name
    pq.write_table(table, path)
    return path


# --- the header row -----------------------------------------------------------------------------


def test_excel_header_cell_left_empty(tmp_path):
    path = workbook(
        tmp_path,
        [
            ["month", "district", "service", "channel", None, "transactions"],
            ["2025-01", "PK502", "health_card", "online", "web", 5],
        ],
    )
    assert lines(path) == [
        "returns.xlsx: row 1, E: column E has no name in the header row (row 1); give it a name "
        "or delete the column; if the header spans two rows, merge them into one"
    ]


def test_excel_header_over_two_merged_rows(tmp_path):
    path = workbook(
        tmp_path,
        [
            ["month", "district", "service", "channel", "counts", None],
            [None, None, None, None, "transactions", "users"],
            ["2025-01", "PK502", "health_card", "online", 5, 4],
        ],
        merged=("A1:A2", "E1:F1"),
    )
    assert lines(path) == [
        "returns.xlsx: row 1, F: column F has no name in the header row (row 1); give it a name "
        "or delete the column; if the header spans two rows, merge them into one"
    ]


def test_header_row_below_blank_rows_is_named_by_its_row(tmp_path):
    path = workbook(tmp_path, [[], [], [*USAGE[:4], None, "transactions"], ["2025-01"] * 5])
    assert lines(path) == [
        "returns.xlsx: row 3, E: column E has no name in the header row (row 3); give it a name "
        "or delete the column; if the header spans two rows, merge them into one"
    ]


def test_an_empty_unnamed_column_is_ignored(tmp_path):
    # trailing commas, or an Excel column that was formatted but never filled
    text = "month,district,service,channel,transactions,,\n2025-01,PK502,health_card,online,5,,\n"
    assert lines(csv_file(tmp_path, text)) == []


def test_csv_and_parquet_unnamed_columns(tmp_path):
    text = "month,district,service,channel,,transactions\n2025-01,PK502,health_card,online,x,5\n"
    assert lines(csv_file(tmp_path, text)) == [
        "returns.csv: row 1, E: column E has no name in the header row (row 1); give it a name "
        "or delete the column; if the header spans two rows, merge them into one"
    ]
    table = pa.table({**{c: ["x"] for c in USAGE}, "": ["web"]})
    assert lines(parquet_file(tmp_path, table)) == [
        "returns.parquet: row 1, column 6: column 6 has no name; give it a name or drop it"
    ]


def test_the_same_header_twice(tmp_path):
    text = "month,district,service,channel,transactions,District\n2025-01,PK502,x,y,5,PK528\n"
    assert lines(csv_file(tmp_path, text)) == [
        "returns.csv: row 1, district: columns B and F are both named 'district'; keep one"
    ]


def test_semicolon_separated_file(tmp_path):
    # read as it is (the delimiter is told from the header), and said so
    text = "month;district;service;channel;transactions\n2025-01;PK502;health_card;online;5\n"
    assert lines(csv_file(tmp_path, text)) == []
    assert reader.read_layout(tmp_path / "returns.csv").notes == ["delimiter ';'"]


# --- CSV structure ------------------------------------------------------------------------------


def test_csv_row_with_too_few_cells(tmp_path):
    text = "\n".join([",".join(USAGE), "2025-01,PK502,health_card,online,5", "2025-02,PK502,x,5"])
    assert lines(csv_file(tmp_path, text + "\n")) == [
        "returns.csv: row 3: this row has 4 cells but the header row has 5; a value holding a "
        "comma or a line break must be in double quotes"
    ]


def test_csv_carriage_return_inside_a_header(tmp_path):
    # a lone CR ends a line for Arrow and for Excel; it used to stop Python's csv module
    text = "month,dis\rtrict,service,channel,transactions\n2025-01,PK502,health_card,online,5\n"
    assert lines(csv_file(tmp_path, text)) == [
        "returns.csv: row 2: this row has 4 cells but the header row has 2; a value holding a "
        "comma or a line break must be in double quotes"
    ]


def test_csv_header_cell_over_the_csv_module_limit(tmp_path):
    text = "x" * 200_000 + "," + ",".join(USAGE) + "\n1,2025-01,PK502,health_card,online,5\n"
    assert lines(csv_file(tmp_path, text)) == [
        "returns.csv: row 1: this row cannot be read as CSV (field larger than field limit "
        "(131072))"
    ]


# --- broken files -------------------------------------------------------------------------------


def test_workbook_whose_sheet_is_damaged(tmp_path):
    # the workbook opens, its sheet does not: calamine raises only when the sheet is read
    good = workbook(tmp_path, [USAGE, ["2025-01", "PK502", "health_card", "online", 5]])
    broken = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    good.write_bytes(broken.getvalue())
    (line,) = lines(good)
    assert line.startswith("returns.xlsx: the file cannot be read as an Excel workbook (")


def test_parquet_with_a_name_that_is_not_utf8(tmp_path):
    path = parquet_file(tmp_path, pa.table({"districx": ["PK502"]}))
    path.write_bytes(path.read_bytes().replace(b"districx", b"distric\xff"))
    (line,) = lines(path)
    assert line.startswith("returns.parquet: the file cannot be read as Parquet (")


def test_parquet_with_text_that_is_not_utf8(tmp_path):
    table = pa.table({**{c: ["health_card"] for c in USAGE[:4]}, "transactions": [5]})
    path = parquet_file(tmp_path, table)
    path.write_bytes(path.read_bytes().replace(b"health_card", b"health_car\xff", 1))
    (line,) = lines(path)
    assert line.startswith("returns.parquet: the file cannot be read as Parquet (")


def test_parquet_with_bytes_that_are_not_utf8(tmp_path):
    table = pa.table(
        {
            "month": ["2025-01"],
            "district": pa.array([b"PK\xff502"], pa.binary()),
            "service": pa.array([b"health_card"], pa.binary()).dictionary_encode(),
            "channel": ["online"],
            "transactions": [5],
        }
    )
    assert lines(parquet_file(tmp_path, table)) == [
        "returns.parquet: row 2, district: 'PK\\xff502' is not a KP district; give a P-code "
        "(PK501-PK535) or a district name"
    ]


def test_parquet_with_a_date_no_calendar_has(tmp_path):
    days = pa.array([10**9], pa.int32()).cast(pa.date32())  # a flipped byte can make one
    table = pa.table({**{c: ["x"] for c in USAGE}, "reported_on": days})
    assert lines(parquet_file(tmp_path, table)) == [
        "returns.parquet: the file cannot be read as Parquet (year 2739877 is out of range)"
    ]


def test_parquet_month_past_the_year_9999(tmp_path):
    seconds = pa.array([10**13], pa.int64()).cast(pa.timestamp("s"))
    table = pa.table(
        {
            "month": seconds,
            "district": ["PK502"],
            "service": ["health_card"],
            "channel": ["online"],
            "transactions": [5],
        }
    )
    assert lines(parquet_file(tmp_path, table)) == [
        "returns.parquet: row 2, month: '318857-05-20 17:46:40' is not a month; write it as "
        "YYYY-MM (e.g. 2025-03)"
    ]


def test_parquet_with_nested_values(tmp_path):
    table = pa.table(
        {
            "month": ["2025-01"],
            "district": pa.array([["PK502", "PK528"]]),
            "service": ["health_card"],
            "channel": ["online"],
            "transactions": [5],
        }
    )
    assert lines(parquet_file(tmp_path, table)) == [
        "returns.parquet: row 2, district: '['PK502', 'PK528']' is not a KP district; give a "
        "P-code (PK501-PK535) or a district name"
    ]


# --- cells --------------------------------------------------------------------------------------


def test_blank_district_cells(tmp_path):
    # every district cell that failed was blank: the messages came out of Arrow's null type
    text = ",".join(USAGE) + "\n2025-01,,health_card,online,5\n2025-02, ,health_card,online,5\n"
    assert lines(csv_file(tmp_path, text)) == [
        "returns.csv: row 2, district: district is blank; give a P-code (PK501-PK535) or a name",
        "returns.csv: row 3, district: district is blank; give a P-code (PK501-PK535) or a name",
    ]


def test_blank_districts_in_an_indicators_file(tmp_path):
    text = (
        "district,year,indicator,group,value,unit,source\n"
        ",2024,internet_use_pct,all,31.5,pct,PTA\n"
        ",2024,internet_use_pct,female,4,pct,PTA\n"
    )
    assert lines(csv_file(tmp_path, text, "ind.csv")) == [
        "ind.csv: row 2, district: district is blank; give a P-code (PK501-PK535) or a name",
        "ind.csv: row 3, district: district is blank; give a P-code (PK501-PK535) or a name",
    ]


def test_a_unit_no_indicator_in_the_file_has(tmp_path):
    # the units and the expected units were categoricals with different categories
    text = (
        "district,year,indicator,group,value,unit,source\n"
        "Bajaur,2024,internet_use_pct,all,31,count,PTA\n"
    )
    assert lines(csv_file(tmp_path, text, "ind.csv")) == [
        "ind.csv: row 2, unit: 'count' is not the unit of internet_use_pct (use 'pct')"
    ]


def test_several_blank_sources(tmp_path):
    # one message for several rows
    text = (
        "district,year,indicator,group,value,unit,source\n"
        "Bajaur,2024,internet_use_pct,all,31.5,pct,\n"
        "Bajaur,2024,internet_use_pct,female,4,pct,\n"
    )
    message = "source is blank; name the survey or register the value comes from"
    assert lines(csv_file(tmp_path, text, "ind.csv")) == [
        f"ind.csv: row 2, source: {message}",
        f"ind.csv: row 3, source: {message}",
    ]


def test_several_targets_without_month_or_year(tmp_path):
    text = (
        "service,district,metric,month,year,target\n"
        "telemedicine,PK509,digital_share_pct,,,40\n"
        "telemedicine,PK528,digital_share_pct,,,40\n"
    )
    message = "month and year are both blank; give a month (YYYY-MM) or a year"
    assert lines(csv_file(tmp_path, text, "t.csv")) == [
        f"t.csv: row 2, year: {message}",
        f"t.csv: row 3, year: {message}",
    ]


def test_blank_count_in_a_parquet_number_column(tmp_path):
    table = pa.table(
        {
            "month": ["2025-01", "2025-02"],
            "district": ["PK502", "PK502"],
            "service": ["health_card", "health_card"],
            "channel": ["online", "online"],
            "transactions": pa.array([5, None], pa.int64()),
        }
    )
    assert lines(parquet_file(tmp_path, table)) == [
        "returns.parquet: row 3, transactions: '' is blank; give a number"
    ]


def test_months_outside_the_datetime_range(tmp_path):
    text = (
        ",".join(USAGE)
        + "\n2263-01,PK502,health_card,online,5\n1200-05,PK502,health_card,kiosk,5\n"
        + "0000-01,PK502,health_card,helpline,5\n"
    )
    assert lines(csv_file(tmp_path, text)) == [
        "returns.csv: row 2, month: '2263-01' is in the future (latest allowed month is 2026-11)",
        "returns.csv: row 3, month: '1200-05' is too early to be a month of this data; write it "
        "as YYYY-MM (e.g. 2025-03)",
        "returns.csv: row 4, month: '0000-01' is not a month; write it as YYYY-MM (e.g. 2025-03)",
    ]


def test_counts_too_large_for_an_integer(tmp_path):
    text = (
        "month,district,service,channel,transactions,users\n"
        "2025-01,PK502,health_card,online,10000000000000000000000,\n"
        "2025-02,PK502,health_card,online,5,9223372036854775808\n"
    )
    assert lines(csv_file(tmp_path, text)) == [
        "returns.csv: row 2, transactions: '10000000000000000000000' is too large to be a count",
        "returns.csv: row 3, users: '9223372036854775808' is too large to be a count",
    ]


def test_a_rule_failing_in_two_columns_names_each(tmp_path):
    # transactions and users share the count rules; a failure in users was named transactions
    text = (
        "month,district,service,channel,transactions,users\n"
        "2025-01,PK502,health_card,online,-1,\n"
        "2025-02,PK502,health_card,online,5,-2\n"
    )
    assert lines(csv_file(tmp_path, text)) == [
        "returns.csv: row 2, transactions: '-1' is negative; counts are whole numbers ≥ 0",
        "returns.csv: row 3, users: '-2' is negative; counts are whole numbers ≥ 0",
    ]


# --- the last line of defence -------------------------------------------------------------------


def test_an_unexpected_error_is_one_problem_and_is_logged(tmp_path, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    # a plain file is checked in place, any other read in full first: both break
    monkeypatch.setattr(ingest.Validator, "validate", broken)
    monkeypatch.setattr(ingest.Validator, "validate_in_place", broken)
    path = csv_file(tmp_path, ",".join(USAGE) + "\n2025-01,PK502,health_card,online,5\n")
    with caplog.at_level(logging.ERROR, logger="kp_dash.store.ingest"):
        result = ingest.validate_file(path, today=TODAY)
    assert result.problems[["row", "rule"]].values.tolist() == [[0, "internal_error"]]
    assert result.problem_lines() == [
        "returns.csv: returns.csv could not be checked because of an internal error "
        "(RuntimeError: boom); nothing was written; please report this together with the file"
    ]
    assert "RuntimeError: boom" in caplog.text  # the traceback is kept for whoever fixes it


def test_an_unknown_kind_is_still_a_usage_error(tmp_path):
    with pytest.raises(ValueError, match="unknown kind 'payments'"):
        ingest.validate_file(csv_file(tmp_path, "a\n1\n"), kind="payments")


def test_frames_from_every_reader_have_text_column_names(tmp_path):
    frame = pd.DataFrame({c: ["x"] for c in USAGE})
    frame.to_parquet(tmp_path / "f.parquet")
    assert list(reader.read_file(tmp_path / "f.parquet").columns) == USAGE
