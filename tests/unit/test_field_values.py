"""Months and numbers as department spreadsheets really write them: each form read to the value
a person means, every conversion said in a note, and "not reported" kept as missing, never 0."""

# the Urdu and Arabic digits are the point of these tests
# ruff: noqa: RUF001

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from kp_dash.store import cell_table, ingest, value_columns
from kp_dash.store.values import read_month

FIXTURES = Path(__file__).parents[1] / "fixtures" / "field" / "values"
TODAY = date(2026, 11, 26)
HEADER = ["month", "district", "service", "channel", "sex", "area", "age_band"]
HEADER += ["transactions", "users"]


def parse_month(value: object) -> date | None:
    """The month a single cell holds, as the column parser reads it."""
    return read_month(value).month


def rows_of(result: ingest.Validation) -> list[tuple]:
    assert result.ok, result.problem_lines()
    return [
        (
            f"{r.month_start:%Y-%m}",
            r.district_code,
            r.service_code,
            r.channel,
            r.sex,
            r.area,
            r.age_band,
            int(r.transactions),
            None if pd.isna(r.users) else int(r.users),
        )
        for r in result.rows.itertuples()
    ]


def _read(column: str, cells: tuple, coded: bool, read) -> tuple[list, list, list[str]]:
    """One column of cells through a reader of `cell_table` (as a file's checks read it);
    returns the parsed values, the problems and the notes."""
    problems: list[pd.DataFrame] = []
    notes: list[str] = []
    series = {column: pd.Series(list(cells), dtype=object)}
    rownum = np.arange(2, 2 + len(cells))
    with cell_table.checking() as con:
        table = cell_table.CellTable.from_frame(
            con, "f.csv", series, rownum, {column} if coded else set()
        )
        table.parse({column: read(table, problems, notes)})
        found = table.rows([column])[column].tolist()
    return found, problems, notes


def months(*cells, required: bool = True) -> tuple[list, list, list[str]]:
    """Parse one month column; returns the months as YYYY-MM (None for NaT), problems, notes."""

    def read(table, problems, notes):
        return value_columns.months(table, "month", problems, required=required, notes=notes)

    found, problems, notes = _read("month", cells, True, read)
    written = [None if pd.isna(m) else f"{m:%Y-%m}" for m in found]
    return written, problems, notes


def numbers(*cells, required: bool = False, column: str = "users"):
    def read(table, problems, notes):
        return value_columns.numbers(table, column, problems, required, notes=notes)

    found, problems, notes = _read(column, cells, False, read)
    together = pd.concat(problems) if problems else pd.DataFrame()
    return found, together, notes


# --- months, cell by cell -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-09", date(2026, 9, 1)),
        ("Sep-2026", date(2026, 9, 1)),
        ("sep 2026", date(2026, 9, 1)),
        ("Sept. 2026", date(2026, 9, 1)),
        ("September 2026", date(2026, 9, 1)),
        ("SEPTEMBER, 2026", date(2026, 9, 1)),
        ("2026 September", date(2026, 9, 1)),
        ("01-Sep-2026", date(2026, 9, 1)),
        ("May-2026", date(2026, 5, 1)),
        ("2026-09-01", date(2026, 9, 1)),
        ("2026-09-30", date(2026, 9, 1)),
        ("2026-09-01 00:00:00", date(2026, 9, 1)),
        ("2026/09/01", date(2026, 9, 1)),
        ("01/09/2026", date(2026, 9, 1)),
        ("1/9/2026", date(2026, 9, 1)),
        ("01.09.2026", date(2026, 9, 1)),
        ("01-09-2026", date(2026, 9, 1)),
        # day first, as Pakistan writes dates: month-first would give 2026-09 and 2026-01
        ("09/10/2026", date(2026, 10, 1)),
        ("12/01/2026", date(2026, 1, 1)),
        # a day other than the first is a date all the same, and its month is used
        ("15/09/2026", date(2026, 9, 1)),
        ("31/12/2025", date(2025, 12, 1)),
        ("09/2026", date(2026, 9, 1)),
        # Excel serial numbers, as the reader gives a date cell formatted as a number
        ("46266", date(2026, 9, 1)),
        ("46023", date(2026, 1, 1)),
        ("46127", date(2026, 4, 1)),
        ("46266.75", date(2026, 9, 1)),
        # the last day of a month: a day off in the epoch would give the next month
        ("46173", date(2026, 5, 1)),
        ("46022", date(2025, 12, 1)),
        # Excel and Parquet date cells
        (datetime(2026, 9, 1), date(2026, 9, 1)),
        (date(2026, 9, 17), date(2026, 9, 1)),
        (pd.Timestamp("2026-02-28 13:00"), date(2026, 2, 1)),
        # Urdu and Arabic digits
        ("۲۰۲۶-۰۹", date(2026, 9, 1)),
        ("٢٠٢٦-٠٩", date(2026, 9, 1)),
        ("۰۱/۰۹/۲۰۲۶", date(2026, 9, 1)),
    ],
)
def test_month_forms(cell, expected):
    assert parse_month(cell) == expected


URDU = [
    ("جنوری", 1),
    ("فروری", 2),
    ("مارچ", 3),
    ("اپریل", 4),
    ("مئی", 5),
    ("مئ", 5),
    ("جون", 6),
    ("جولائی", 7),
    ("جولائ", 7),
    ("اگست", 8),
    ("ستمبر", 9),
    ("اکتوبر", 10),
    ("نومبر", 11),
    ("دسمبر", 12),
    # Arabic yeh and kaf, as some keyboards type them
    ("فروري", 2),
    ("اكتوبر", 10),
]


@pytest.mark.parametrize(("name", "number"), URDU)
def test_urdu_month_names(name, number):
    assert parse_month(f"{name} 2026") == date(2026, number, 1)
    assert parse_month(f"{name} ۲۰۲۵") == date(2025, number, 1)
    assert parse_month(f"{name}، 2026") == date(2026, number, 1)


def test_urdu_month_with_direction_marks():
    # text copied from a right-to-left document carries invisible marks
    assert parse_month("\u200fستمبر\u200f 2026") == date(2026, 9, 1)
    assert parse_month("2026 ستمبر") == date(2026, 9, 1)


@pytest.mark.parametrize(
    "cell",
    [
        "2026/13/01",  # no 13th month
        "09/13/2026",  # month first: no 13th month when read day first
        "31/02/2026",
        "2026-13",
        "Sep-26",  # a two-digit year could be 1926 or 2026
        "2026",  # a year is not a month
        "202609",
        "Septembre 2026",
        "ستمبری 2026",
        "13/2026",
        "-",
        "0000-01",
    ],
)
def test_values_that_are_not_months(cell):
    assert parse_month(cell) is None


def test_a_bad_month_names_the_value_and_the_forms():
    _, problems, _ = months("2026-09", "2026/13/01", "09/13/2026")
    found = pd.concat(problems)
    assert found["row"].tolist() == [3, 4]
    assert found["value"].tolist() == ["2026/13/01", "09/13/2026"]
    assert set(found["rule"]) == {"bad_month"}
    assert found["message"].iloc[0] == (
        "'2026/13/01' is not a month; write it as YYYY-MM (e.g. 2025-03), a date such as "
        "2025-03-01 or 01/03/2025 (day first), Mar-2025, March 2025 or مارچ 2025"
    )


# --- month notes --------------------------------------------------------------------------------


def test_each_month_form_is_noted():
    cells = ["Sep-2026"] * 12 + ["2026-08"] * 5 + ["46266", "ستمبر 2026", datetime(2026, 7, 1)]
    found, problems, notes = months(*cells)
    assert found == ["2026-09"] * 12 + ["2026-08"] * 5 + ["2026-09"] * 2 + ["2026-07"]
    assert not problems
    assert notes == [
        "month: 1 cell holding the date 2026-07-01 read as 2026-07",
        "month: 1 cell written as '46266' (an Excel date number, 2026-09-01) read as 2026-09",
        "month: 12 cells written as 'Sep-2026' read as 2026-09",
        "month: 1 cell written as 'ستمبر 2026' read as 2026-09",
    ]


def test_months_as_today_need_no_note():
    found, problems, notes = months("2026-09", "2026-9", None, required=False)
    assert found == ["2026-09", "2026-09", None]
    assert not problems and notes == []


def test_many_month_forms_are_counted_after_the_first_twelve():
    cells = [f"01/{m:02d}/2025" for m in range(1, 13)] + ["Jan-2026", "Feb-2026", "Feb-2026"]
    _, _, notes = months(*cells)
    assert len(notes) == 13
    assert notes[0] == "month: 1 cell written as '01/01/2025' read as 2025-01"
    assert notes[-1] == (
        "month: 2 more written values read as their months the same way (15 converted cells in all)"
    )


def test_a_refused_month_is_not_noted_as_read():
    _, problems, notes = months("2026/13/01", "Sep-2026")
    assert len(problems) == 1
    assert notes == ["month: 1 cell written as 'Sep-2026' read as 2026-09"]


# --- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1234", 1234.0),
        ("1,234", 1234.0),
        ("1,234,567", 1234567.0),
        ("12,34,567", 1234567.0),  # lakh grouping
        ("1,234.5", 1234.5),
        ("1 234", 1234.0),
        ("1\u00a0234", 1234.0),  # no-break space, as Excel writes it in some locales
        ("1\u202f234", 1234.0),
        ("۱۲۳۴", 1234.0),
        ("٣٤٥", 345.0),
        ("۱,۲۳۴", 1234.0),
        ("۱٬۲۳۴", 1234.0),  # Arabic thousands separator
        ("۱۲٫۵", 12.5),  # Arabic decimal separator
        ("-5", -5.0),  # a negative count is read, and refused by the schema
    ],
)
def test_number_forms(cell, expected):
    found, problems, _ = numbers(cell, "1")
    assert found == [expected, 1.0] and problems.empty


@pytest.mark.parametrize("cell", ["12,5", "1,2345", "1,23", "1 2 3", "1,234 567", "۱۲x", "--"])
def test_values_that_are_not_numbers(cell):
    found, problems, _ = numbers("7", cell)
    assert np.isnan(found[1])
    assert problems[["row", "column", "value", "rule"]].values.tolist() == [
        [3, "users", cell, "not_a_number"]
    ]
    assert problems["message"].iloc[0] == f"'{cell}' is not a number"


def test_not_reported_is_missing_never_zero():
    found, problems, notes = numbers("-", "–", "—", "", None, "-", "0", "5")
    assert problems.empty
    assert [None if np.isnan(v) else v for v in found] == [None] * 6 + [0.0, 5.0]
    assert notes == ["users: 2 cells '-', 1 cell '–' and 1 cell '—' kept as not reported"]


def test_not_reported_is_refused_where_a_number_is_required():
    _, problems, notes = numbers("4", "-", "", "—", required=True, column="transactions")
    assert problems[["row", "column", "value", "rule"]].values.tolist() == [
        [4, "transactions", "", "missing_value"],
        [3, "transactions", "-", "missing_value"],
        [5, "transactions", "—", "missing_value"],
    ]
    assert problems["message"].tolist() == [
        "'' is blank; give a number",
        "'-' marks it not reported; give a number",
        "'—' marks it not reported; give a number",
    ]
    assert not any("not reported" in n for n in notes)


def test_conversions_are_noted():
    cells = ["1,234"] * 40 + ["۱۲"] * 5 + ["۱,۲۰۰"] + ["٣"] * 2 + ["7"] * 3
    found, problems, notes = numbers(*cells, column="transactions", required=True)
    assert problems.empty
    assert found == [1234.0] * 40 + [12.0] * 5 + [1200.0] + [3.0] * 2 + [7.0] * 3
    assert notes == [
        "transactions: 41 numbers with thousands separators, 6 in Urdu digits, "
        "2 in Arabic digits converted"
    ]


def test_one_conversion_reads_in_the_singular():
    _, _, notes = numbers("۵", "2")
    assert notes == ["users: 1 number in Urdu digits converted"]


def test_plain_numbers_need_no_note():
    found, problems, notes = numbers("1", "2.5", "", "30")
    assert found[:2] == [1.0, 2.5] and problems.empty and notes == []


# --- whole files --------------------------------------------------------------------------------


def test_file_with_every_month_form():
    result = ingest.validate_file(FIXTURES / "usage_month_forms.csv", today=TODAY)
    health = ("PK502", "health_card", "online", "female", "urban", "25-59")
    tele = ("PK528", "telemedicine", "mobile_app", "male", "rural", "15-24")
    assert rows_of(result) == [
        ("2026-09", *health, 120, 95),
        ("2026-08", *health, 118, 90),
        ("2026-07", *health, 101, 80),
        ("2026-06", *health, 99, 71),
        ("2026-05", *health, 97, 70),
        ("2026-10", *health, 130, 99),
        ("2026-04", *health, 88, 60),
        ("2026-01", *health, 87, 59),
        ("2026-09", *tele, 40, 31),
        ("2026-05", *tele, 38, 30),
        ("2026-07", *tele, 41, 33),
        ("2026-02", *tele, 35, 28),
        ("2026-03", *tele, 36, 29),
        ("2025-12", *tele, 33, 25),
    ]


def test_file_with_urdu_digits_and_separators():
    result = ingest.validate_file(FIXTURES / "usage_urdu_digits.csv", today=TODAY)
    place = ("2026-09", "PK509", "fee_payment")
    assert rows_of(result) == [
        (*place, "kiosk", "female", "rural", "5-14", 1234, 987),
        (*place, "kiosk", "male", "rural", "5-14", 120, 95),
        (*place, "online", "female", "urban", "15-24", 1234567, 1000000),
        (*place, "online", "male", "urban", "15-24", 2500, 1999),
        (*place, "counter", "female", "urban", "25-59", 2500, 1200),
        (*place, "counter", "male", "urban", "25-59", 3400, 12),
        (*place, "helpline", "female", "rural", "60+", 45, 40),
    ]


def test_file_with_counts_not_reported():
    result = ingest.validate_file(FIXTURES / "usage_not_reported.csv", today=TODAY)
    place = ("2026-10", "PK528", "hospital_appointments")
    assert rows_of(result) == [
        (*place, "online", "female", "urban", "25-59", 210, None),
        (*place, "online", "male", "urban", "25-59", 190, None),
        (*place, "kiosk", "female", "urban", "25-59", 75, None),
        (*place, "kiosk", "male", "urban", "25-59", 64, None),
        (*place, "counter", "female", "urban", "25-59", 0, 0),
        (*place, "counter", "male", "urban", "25-59", 12, None),
    ]
    assert result.rows["users"].isna().sum() == 5


def test_workbook_with_date_cells_and_serial_numbers(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    base = ["PK502", "health_card", "online", "female"]
    sheet.append([datetime(2026, 9, 1), *base, "urban", "25-59", 10, 8])
    sheet.append([datetime(2026, 8, 14), *base, "rural", "25-59", 11, 9])
    sheet.append([46174, *base, "urban", "15-24", 12, 10])  # a date cell shown as a number
    sheet.append(["Jul-2026", *base, "rural", "15-24", "1,300", "-"])
    sheet["A2"].number_format = "mmm-yy"
    path = tmp_path / "returns.xlsx"
    book.save(path)
    result = ingest.validate_file(path, today=TODAY)
    assert rows_of(result) == [
        ("2026-09", *base, "urban", "25-59", 10, 8),
        ("2026-08", *base, "rural", "25-59", 11, 9),
        ("2026-06", *base, "urban", "15-24", 12, 10),
        ("2026-07", *base, "rural", "15-24", 1300, None),
    ]


def test_bad_values_name_file_row_column_and_value(tmp_path):
    lines = [
        ",".join(HEADER),
        "Sep-2026,PK502,health_card,online,female,urban,25-59,10,8",
        "2026/13/01,PK502,health_card,online,male,urban,25-59,10,8",
        'Sep-2026,PK502,health_card,kiosk,female,urban,25-59,"12,5",3',
        "Sep-2026,PK502,health_card,counter,female,urban,25-59,-,3",
        "Sep-2026,PK502,health_card,helpline,female,urban,25-59,۹,۱۲",
    ]
    path = tmp_path / "district_returns.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = ingest.validate_file(path, today=TODAY)
    found = result.problems[["file", "row", "column", "value", "rule"]].values.tolist()
    assert found == [
        ["district_returns.csv", 3, "month", "2026/13/01", "bad_month"],
        ["district_returns.csv", 4, "transactions", "12,5", "not_a_number"],
        ["district_returns.csv", 5, "transactions", "-", "missing_value"],
        # Urdu digits are read as numbers, so the rule on them still applies
        ["district_returns.csv", 6, "users", "12", "users_above_transactions"],
    ]
