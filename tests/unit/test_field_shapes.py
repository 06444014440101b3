"""Usage files in the spreadsheet shapes department offices export (tests/fixtures/field/shapes/,
written by make_shapes.py there): headers over two merged rows, wide files whose columns are
districts, months or sexes, and total and subtotal rows or columns. Each is read to the rows a
person means (X.expected.csv, from hand-written lists), every decision said in a note, and
totals left out only after they are checked against the rows they add up."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from kp_dash.store import cells, ingest, reader, sheet_totals, wide_sheets
from tests.field_cases import ROW_COLUMNS

SHAPES = Path(__file__).parents[1] / "fixtures" / "field" / "shapes"
TODAY = date(2026, 11, 26)
COLUMNS = ROW_COLUMNS

TWO_ROW_SEX = (
    "two-row header (rows 1–2): Transactions and Users by sex (Female, Male) turned into rows, "
)
# fixture: (its expected file, the notes said about its shape and totals, in order)
ACCEPTED = {
    "measures_over_sex.xlsx": (
        "measures_over_sex.expected.csv",
        [TWO_ROW_SEX + "5 rows from 3; 2 blank cells not reported"],
    ),
    "measures_over_sex.csv": (
        "measures_over_sex.expected.csv",
        [TWO_ROW_SEX + "5 rows from 3; 2 blank cells not reported"],
    ),
    "sex_over_measures.xlsx": (
        "sex_over_measures.expected.csv",
        [TWO_ROW_SEX + "4 rows from 2"],
    ),
    "months_over_sex.xlsx": (
        "months_over_sex.expected.csv",
        [
            "two-row header (rows 1–2): Transactions by month (2026-09-01, 2026-10-01) and sex "
            "(F, M) turned into rows, 7 rows from 2; 1 blank cell not reported"
        ],
    ),
    "wide_districts.csv": (
        "wide_districts.expected.csv",
        [
            "wide file: 12 district columns (Peshawar … Swat) turned into rows, 45 rows from 4; "
            "3 blank cells not reported"
        ],
    ),
    "wide_districts_total.xlsx": (
        "wide_districts_total.expected.csv",
        [
            "wide file: 12 district columns (Peshawar … Swat) turned into rows, 45 rows from 4; "
            "3 blank cells not reported",
            "column P 'Total' left out (a total of D–O; 4 rows checked, 3 equal to the sums of "
            "their cells)",
            "⚠ row 3, column P 'Total': the file's total 22 differs from the sum of the row's "
            "cells 20 by 2",
        ],
    ),
    "wide_months.csv": (
        "wide_months.expected.csv",
        [
            "wide file: 3 month columns (Sep-2026, October 2026, نومبر 2026) turned into rows, "
            "8 rows from 3; 1 blank cell not reported",
            "row 4 'Total' (2026-09) left out (a total: 1,514 = the sum of rows 2–3)",
            "row 4 'Total' (2026-10) left out (a total: 1,310 = the sum of row 2)",
            "⚠ row 4 'Total' (2026-11) left out: the file's total 1,280 differs from the sum of "
            "its rows 1,275 by 5",
            "transactions: 2 numbers with thousands separators converted",
        ],
    ),
    "wide_month_dates.xlsx": (
        "wide_month_dates.expected.csv",
        [
            "wide file: 2 month columns (2026-08-01, 2026-09-01) turned into rows, 3 rows from "
            "2; 1 blank cell not reported"
        ],
    ),
    "wide_sexes.csv": (
        "wide_sexes.expected.csv",
        [
            "wide file: 3 sex columns (Female, Male, Transgender) turned into rows, 5 rows "
            "from 2; 1 blank cell not reported"
        ],
    ),
    "division_totals.csv": (
        "division_totals.expected.csv",
        [
            "4 total rows left out, 3 equal to the sums of their rows",
            "⚠ row 10 'Mardan Division' left out: the file's total 510 differs from the sum of "
            "its rows 500 by 10",
            "transactions: 1 number with thousands separators converted",
        ],
    ),
    # the district cell blank: 'Sub-total' under the service, 'Grand Total' in the first column
    "totals_in_other_columns.csv": (
        "totals_in_other_columns.expected.csv",
        [
            "row 4 'Sub-total' left out (a total: 15 = the sum of rows 2–3)",
            "row 6 'Sub-total' left out (a total: 7 = the sum of row 5)",
            "row 7 'Grand Total' left out (a total: 22 = the sum of rows 2–3 and 5)",
        ],
    ),
    "urdu_totals.csv": (
        "urdu_totals.expected.csv",
        [
            "row 4 'ذیلی میزان' left out (a total: 165 = the sum of rows 2–3)",
            "row 6 'ذیلی میزان' left out (a total: 1,000 = the sum of row 5)",
            "row 7 'ٹوٹل' left out (a total: 1,165 = the sum of rows 2–3 and 5)",
            "transactions: 1 number with thousands separators, 3 in Urdu digits converted",
        ],
    ),
    "monthly_subtotals.csv": (
        "monthly_subtotals.expected.csv",
        [
            "10 total rows left out, 9 equal to the sums of their rows",
            "⚠ row 22 'Sub-total' left out: the file's total 96 differs from the sum of its "
            "rows 91 by 5",
        ],
    ),
}
REFUSED = ["damaged_two_row.csv", "mixed_dimensions.csv"]


def as_text(rows: pd.DataFrame) -> list[tuple]:
    """Rows as the expected files write them, in one order."""
    out = rows[COLUMNS].copy()
    out["month_start"] = pd.to_datetime(out["month_start"]).dt.strftime("%Y-%m-%d")
    for column in ("transactions", "users"):
        out[column] = out[column].astype("Int64").astype("string").fillna("")
    return sorted(tuple(str(v) for v in r) for r in out.itertuples(index=False))


def expected_rows(name: str) -> list[tuple]:
    written = pd.read_csv(SHAPES / name, dtype=str, keep_default_na=False)
    assert list(written.columns) == COLUMNS
    return sorted(tuple(r) for r in written.itertuples(index=False))


def validate(path: Path) -> ingest.Validation:
    return ingest.validate_file(path, today=TODAY)


def csv_file(tmp_path: Path, lines: list[str], name: str = "returns.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- the fixtures -------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", sorted(ACCEPTED))
def test_each_shape_imports_to_its_expected_rows(fixture):
    expected_file, notes = ACCEPTED[fixture]
    result = validate(SHAPES / fixture)
    assert result.ok, result.problem_lines()
    assert as_text(result.rows) == expected_rows(expected_file)
    assert result.notes == notes


@pytest.mark.parametrize("fixture", REFUSED)
def test_an_unclear_shape_is_refused(fixture):
    rule, fragment = (SHAPES / fixture).with_suffix(".refused.txt").read_text().splitlines()[:2]
    result = validate(SHAPES / fixture)
    assert not result.ok
    assert result.problems["rule"].tolist() == [rule]
    assert fragment in result.problems["message"].iloc[0]


def test_every_fixture_has_an_expected_or_refused_file():
    files = [p for p in SHAPES.iterdir() if p.suffix in (".csv", ".xlsx") and "." not in p.stem]
    assert sorted(p.name for p in files) == sorted([*ACCEPTED, *REFUSED])


def test_a_melted_row_keeps_its_spreadsheet_row_and_the_layout_says_so():
    found = reader.read_layout(SHAPES / "wide_sexes.csv")
    # two data rows (spreadsheet rows 2 and 3) of three sexes, Swabi's transgender cell a dash
    assert found.rows.tolist() == [2, 2, 2, 3, 3]
    assert found.frame["sex"].tolist() == ["female", "male", "transgender", "female", "male"]
    found = reader.read_layout(SHAPES / "measures_over_sex.xlsx")
    assert found.rows.tolist() == [3, 3, 4, 4, 5]


# --- problems in a reshaped file name the spreadsheet's row -------------------------------------


def test_a_bad_count_in_a_wide_file_names_its_row(tmp_path):
    path = csv_file(
        tmp_path,
        [
            "Month,Service,Channel,Peshawar,Swat",
            "2026-09,health_card,online,5,6",
            "2026-09,health_card,kiosk,7,x",
        ],
    )
    lines = validate(path).problem_lines()
    assert len(lines) == 1
    assert lines[0].startswith("returns.csv: row 3, transactions: 'x'")


def test_a_bad_code_under_a_two_row_header_names_its_row(tmp_path):
    path = csv_file(
        tmp_path,
        [
            "Month,District,Service,Channel,Transactions,",
            ",,,,Female,Male",
            "2026-09,Swat,health_card,online,4,5",
            "2026-09,Swat,health_card,bus,4,5",
        ],
    )
    problems = validate(path).problems
    assert problems["rule"].unique().tolist() == ["unknown_channel"]
    assert problems["row"].tolist() == [4, 4]
    assert problems["column"].unique().tolist() == ["channel"]


# --- what must stay as it is --------------------------------------------------------------------


def test_a_plain_long_file_is_left_as_it_is(tmp_path):
    path = csv_file(
        tmp_path,
        [
            "month,district,service,channel,sex,transactions,users,remarks",
            "2026-09,Peshawar,health_card,online,female,10,8,Female staff",
            "2026-09,Peshawar,health_card,online,male,12,9,",
        ],
    )
    found = reader.read_layout(path)
    assert found.notes == []
    assert found.rows.tolist() == [2, 3]
    assert list(found.frame.columns) == [
        "month",
        "district",
        "service",
        "channel",
        "sex",
        "transactions",
        "users",
        "remarks",
    ]


def test_wide_by_sex_does_not_fire_beside_a_sex_column(tmp_path):
    # a long file whose extra column happens to be named like a sex
    path = csv_file(
        tmp_path,
        [
            "month,district,service,channel,sex,transactions,Female",
            "2026-09,Swat,health_card,online,female,10,yes",
        ],
    )
    result = validate(path)
    assert result.ok, result.problem_lines()
    assert result.notes == ["column 'Female' not in the data contract, left out"]
    assert result.rows["sex"].tolist() == ["female"]
    assert result.rows["transactions"].tolist() == [10]


def test_a_district_column_and_district_headers_is_refused(tmp_path):
    path = csv_file(
        tmp_path,
        [
            "Month,District,Service,Channel,Peshawar,Swat",
            "2026-09,Peshawar,health_card,online,5,6",
        ],
    )
    result = validate(path)
    assert result.problems["rule"].tolist() == ["ambiguous_wide_header"]
    assert (
        "has a 'district' column and also districts as column headers"
        in (result.problem_lines()[0])
    )


def test_a_mistyped_district_header_is_refused_with_a_suggestion(tmp_path):
    path = csv_file(
        tmp_path,
        ["Month,Service,Channel,Peshwar,Swat", "2026-09,health_card,online,5,6"],
    )
    assert validate(path).problem_lines() == [
        "returns.csv: row 1, D: the columns of this file are districts, but 'Peshwar' is not "
        "one; did you mean 'Peshawar' (PK528)?"
    ]


def test_two_columns_for_one_district_are_refused(tmp_path):
    path = csv_file(
        tmp_path,
        ["Month,Service,Channel,Peshawar,PK528", "2026-09,health_card,online,5,6"],
    )
    result = validate(path)
    assert result.problems["rule"].tolist() == ["duplicate_column"]
    assert (
        "columns D and E all give transactions for Peshawar; keep one"
        in (result.problem_lines()[0])
    )


def test_counts_over_two_rows_that_name_no_measure_stay_refused(tmp_path):
    # 'counts' is no column name: the existing refusal, not a guess
    book = openpyxl.Workbook()
    for row in (
        ["month", "district", "service", "channel", "counts", None],
        [None, None, None, None, "transactions", "users"],
        ["2025-01", "PK502", "health_card", "online", 5, 4],
    ):
        book.active.append(row)
    book.active.merge_cells("E1:F1")
    path = tmp_path / "returns.xlsx"
    book.save(path)
    assert validate(path).problems["rule"].tolist() == ["unnamed_column"]


# --- totals -------------------------------------------------------------------------------------


def test_a_grand_total_across_months_covers_every_row(tmp_path):
    path = csv_file(
        tmp_path,
        [
            "month,district,service,channel,transactions",
            "2026-09,Swat,health_card,online,10",
            "2026-10,Swat,health_card,online,20",
            ",Grand total,,,30",
        ],
    )
    result = validate(path)
    assert result.ok, result.problem_lines()
    assert result.notes == ["row 4 'Grand total' left out (a total: 30 = the sum of rows 2–3)"]
    assert result.rows["transactions"].tolist() == [10, 20]


def test_a_total_row_matches_only_its_own_service(tmp_path):
    path = csv_file(
        tmp_path,
        [
            "month,district,service,channel,transactions",
            "2026-09,Swat,health_card,online,10",
            "2026-09,Swat,telemedicine,online,7",
            "2026-09,Mardan,health_card,online,5",
            "2026-09,Total,health_card,online,15",
        ],
    )
    result = validate(path)
    assert result.notes == ["row 5 'Total' left out (a total: 15 = the sum of rows 2 and 4)"]


def test_many_equal_totals_are_summarised(tmp_path):
    lines = ["month,district,service,channel,transactions"]
    for month in range(1, 6):
        lines += [f"2026-{month:02d},Swat,health_card,online,{month}", f"2026-{month:02d},Total,"]
        lines[-1] += f"health_card,online,{month}"
    result = validate(csv_file(tmp_path, lines))
    assert result.ok, result.problem_lines()
    assert result.notes == ["5 total rows left out, all equal to the sums of their rows"]


def test_a_total_that_is_not_a_number_is_said(tmp_path):
    path = csv_file(
        tmp_path,
        [
            "month,district,service,channel,transactions",
            "2026-09,Swat,health_card,online,10",
            "2026-09,Sub total,health_card,online,n/a",
        ],
    )
    result = validate(path)
    assert result.ok, result.problem_lines()
    assert result.notes == [
        "⚠ row 3 'Sub total' left out: its total 'n/a' is not a number, so it was not checked"
    ]


def test_a_division_subtotal_sums_only_its_districts(tmp_path):
    # Kohat division: Kohat, Hangu, Karak, Kurram, Orakzai; Bannu is not in it
    path = csv_file(
        tmp_path,
        [
            "month,district,service,channel,transactions",
            "2026-09,Kohat,health_card,online,10",
            "2026-09,Bannu,health_card,online,100",
            "2026-09,Hangu,health_card,online,5",
            "2026-09,کوہاٹ ڈویژن,health_card,online,15",
        ],
    )
    result = validate(path)
    assert result.notes == ["row 5 'کوہاٹ ڈویژن' left out (a total: 15 = the sum of rows 2 and 4)"]
    assert result.rows["district_code"].tolist() == ["PK514", "PK503", "PK510"]


@pytest.mark.parametrize(
    ("cell", "kind"),
    [
        ("Total", ("total", "")),
        ("GRAND TOTAL", ("total", "")),
        ("Grand total:", ("total", "")),
        ("Sub-total", ("subtotal", "")),
        ("Sub total", ("subtotal", "")),
        ("subtotal", ("subtotal", "")),
        ("کل", ("total", "")),
        ("میزان", ("total", "")),
        ("ٹوٹل", ("total", "")),
        ("ذیلی میزان", ("subtotal", "")),
        ("Peshawar Division", ("division", "Peshawar")),
        ("Division Malakand", ("division", "Malakand")),
        ("D.I. Khan Division", ("division", "Dera Ismail Khan")),
        ("Hazara Division", ("division", "Hazara")),
        ("Hazara", ("division", "Hazara")),
        ("ہزارہ ڈویژن", ("division", "Hazara")),
        ("Peshawar", None),
        ("Malakand", None),
        ("Dera Ismail Khan", None),
        ("Kohat", None),
        ("Swat", None),
        ("Swat Division", None),
        ("", None),
    ],
)
def test_total_kind(cell, kind):
    assert sheet_totals.total_kind(cell) == kind


# --- the small pieces ---------------------------------------------------------------------------


def test_rows_as_ranges():
    assert cells.rows_text(np.array([2, 3, 4, 5, 8, 10, 11, 12])) == "rows 2–5, 8 and 10–12"
    assert cells.rows_text(np.array([7])) == "row 7"
    assert cells.rows_text(np.array([], dtype=int)) == "no rows"


def test_letters_of_columns():
    assert cells.column_letters([3, 4, 5]) == "D–F"
    assert cells.column_letters([3, 5]) == "D and F"
    assert cells.column_letter(26) == "AA"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Female", ("sex", "female")),
        ("M", ("sex", "male")),
        ("Users", ("measure", "users")),
        ("Count", ("measure", "transactions")),
        ("Oct-2026", ("month", "2026-10")),
        ("2026-09-01", ("month", "2026-09")),
        ("Abbotabad", ("district", "PK501")),
        ("pk502", ("district", "PK502")),
        ("Total", ("total", "total")),
        ("45000", None),  # a count, never an Excel date number
        ("Peshwar", None),  # a fuzzy guess is no district
        ("remarks", None),
    ],
)
def test_header_labels(text, label):
    districts = wide_sheets.Districts(None, _seed_resolver)
    assert wide_sheets._label(text, districts) == label


def _seed_resolver():
    from kp_dash.store import config
    from kp_dash.store.districts import DistrictResolver

    return DistrictResolver.from_seed(config.SEED_DIR)


def test_the_resolver_is_built_only_when_a_header_needs_it(tmp_path):
    built = []

    def build():
        built.append(1)
        return _seed_resolver()

    header = ["month", "district", "service", "channel", "transactions"]
    frame = pd.DataFrame([["2026-09", "Swat", "health_card", "online", "5"]])
    shaped = wide_sheets.reshape(
        header, frame, np.array([2]), 1, "f.csv", wide_sheets.Districts(None, build)
    )
    assert built == []
    assert shaped.header == header
    assert shaped.frame is frame


# --- the edges of a two-row header --------------------------------------------------------------


def test_sexes_on_the_second_row_alone_make_a_two_row_header(tmp_path):
    # the cells above Female and Male were left blank rather than merged with a measure
    path = csv_file(
        tmp_path,
        [
            "Month,District,Service,Channel,,",
            ",,,,Female,Male",
            "2026-09,Swat,health_card,online,4,5",
        ],
    )
    result = validate(path)
    assert result.ok, result.problem_lines()
    assert result.notes == [
        "two-row header (rows 1–2): Transactions by sex (Female, Male) turned into rows, 2 rows "
        "from 1"
    ]
    assert result.rows["sex"].tolist() == ["female", "male"]


def test_padded_cells_still_make_a_two_row_header(tmp_path):
    path = csv_file(
        tmp_path,
        [
            "Month,District,Service,Channel, Transactions ,",
            " , , , , Female , Male ",
            "2026-09,Swat,health_card,online,4,5",
        ],
    )
    result = validate(path)
    assert result.ok, result.problem_lines()
    assert result.rows["transactions"].tolist() == [4, 5]


def test_a_data_row_with_blank_codes_is_no_second_header(tmp_path):
    # row 2 names a month and a district but no service: a data row, not the header's second row
    path = csv_file(
        tmp_path,
        [
            "Month,District,Service,Channel,Female,Male",
            "2026-09,Swat,,,,",
            "2026-09,Swat,health_card,online,5,6",
        ],
    )
    found = reader.read_layout(path)
    assert found.notes == [
        "wide file: 2 sex columns (Female, Male) turned into rows, 2 rows from 2; 2 blank cells "
        "not reported"
    ]
    assert found.rows.tolist() == [3, 3]


def test_a_second_row_under_an_unknown_header_stays_refused(tmp_path):
    # 'Counts' is no column name: its two columns are not guessed, and the file is not half-read
    path = csv_file(
        tmp_path,
        [
            "Month,District,Service,Channel,Counts,,Users,",
            ",,,,Female,Male,Female,Male",
            "2026-09,Swat,health_card,online,4,5,3,4",
        ],
    )
    assert validate(path).problems["rule"].tolist() == ["unnamed_column", "unnamed_column"]


def test_each_total_column_adds_up_its_own_measure(tmp_path):
    path = csv_file(
        tmp_path,
        [
            "Month,District,Service,Channel,Transactions,,,Users,,",
            ",,,,Female,Male,Total,Female,Male,Total",
            "2026-09,Swat,health_card,online,4,5,9,3,4,7",
        ],
    )
    result = validate(path)
    assert result.ok, result.problem_lines()
    assert result.notes[1:] == [
        "column G 'Total' (Transactions) left out (a total of E and F; 1 row checked, equal to "
        "the sum of its cells)",
        "column J 'Total' (Users) left out (a total of H and I; 1 row checked, equal to the sum "
        "of its cells)",
    ]
    assert sorted(zip(result.rows["sex"], result.rows["users"], strict=True)) == [
        ("female", 3),
        ("male", 4),
    ]


def test_a_total_below_its_rows_gives_the_difference(tmp_path):
    path = csv_file(
        tmp_path,
        [
            "month,district,service,channel,transactions",
            "2026-09,Swat,health_card,online,10",
            "2026-09,Total,health_card,online,7",
        ],
    )
    assert validate(path).notes == [
        "⚠ row 3 'Total' left out: the file's total 7 differs from the sum of its rows 10 by 3"
    ]


def test_a_targets_file_is_left_to_its_own_checks(tmp_path):
    path = csv_file(
        tmp_path,
        ["service,district,metric,year,target,Swat", "health_card,Swat,uptake_per_1000,2026,5,x"],
    )
    found = reader.read_layout(path)
    assert found.notes == []
    assert list(found.frame.columns) == ["service", "district", "metric", "year", "target", "Swat"]


def test_the_resolver_is_built_once_for_a_wide_file():
    built = []

    def build():
        built.append(1)
        return _seed_resolver()

    header = ["Month", "Service", "Channel", "Swat", "Mardan"]
    frame = pd.DataFrame([["2026-09", "health_card", "online", "5", "6"]])
    districts = wide_sheets.Districts(None, build)
    shaped = wide_sheets.reshape(header, frame, np.array([2]), 1, "f.csv", districts)
    assert built == [1]
    assert shaped.header == ["Month", "Service", "Channel", "district", "transactions"]
    assert shaped.frame[3].tolist() == ["PK532", "PK523"]


def test_a_blank_district_without_a_total_word_is_still_a_problem(tmp_path):
    path = csv_file(
        tmp_path,
        [
            "month,district,service,channel,transactions",
            "2026-09,,health_card,online,10",
        ],
    )
    assert validate(path).problem_lines() == [
        f"{path.name}: row 2, district: district is blank; give a P-code (PK501-PK535) or a name"
    ]


def test_a_total_word_beside_a_district_is_no_total_row(tmp_path):
    # a row naming a district is that district's, whatever its service cell says
    path = csv_file(
        tmp_path,
        [
            "month,district,service,channel,transactions",
            "2026-09,Swat,health_card,online,10",
            "2026-09,Swat,Total,online,10",
            "2026-09,,Total,,20",
        ],
    )
    result = validate(path)
    assert result.problems[["row", "column", "value"]].values.tolist() == [[3, "service", "Total"]]
    assert result.notes == ["row 4 'Total' left out (a total: 20 = the sum of rows 2–3)"]
