"""Usage validation: every problem in one pass, each naming file, row, column and value."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from kp_dash import config
from kp_dash.districts import DistrictResolver
from kp_dash.ingest import UsageValidator, parse_month, read_table

GOOD = {
    "month": "2025-01",
    "district": "PK502",
    "service": "health_card",
    "channel": "online",
    "sex": "female",
    "area": "rural",
    "transactions": "5",
    "users": "4",
}


@pytest.fixture(scope="module")
def validator() -> UsageValidator:
    return UsageValidator(
        DistrictResolver.from_seed(),
        pd.read_csv(config.SEED_DIR / "services.csv"),
        date(2026, 11, 26),
    )


def check(validator, *rows: dict, file: str = "returns.csv") -> list[str]:
    return validator.validate(pd.DataFrame(list(rows)), file).problem_lines()


def test_a_good_file_is_normalised(validator):
    rows = [
        GOOD,
        {
            **GOOD,
            "district": "D.I. Khan",
            "sex": "women",
            "month": "2025-02-17",
            "service": "Telemedicine consultations",
            "users": "",
        },
    ]
    result = validator.validate(pd.DataFrame(rows), "ok.csv")
    assert result.ok
    second = result.rows.iloc[1]
    assert (second["district_code"], second["sex"], second["service_code"]) == (
        "PK509",
        "female",
        "telemedicine",
    )
    assert str(second["month_start"].date()) == "2025-02-01"
    assert pd.isna(second["users"])
    assert result.rows["transactions"].dtype == "int64"


def test_synonym_headers_and_defaults(validator):
    frame = pd.DataFrame(
        [
            {
                "Period": "2025-01",
                "District Name": "Tor Ghar",
                "SERVICE_CODE": "fee_payment",
                "Mode": "kiosk",
                "Count": "3",
            }
        ]
    )
    result = validator.validate(frame, "x.csv")
    assert result.ok
    assert result.rows.iloc[0][["sex", "area", "age_band"]].tolist() == ["unknown"] * 3


def test_misspelled_district_gets_a_suggestion(validator):
    assert check(validator, {**GOOD, "district": "Dera Ismial Khan"}) == [
        "returns.csv: row 2, district: 'Dera Ismial Khan' is not a KP district — "
        "did you mean 'Dera Ismail Khan' (PK509)?"
    ]


def test_every_problem_is_reported_in_one_pass(validator):
    lines = check(
        validator,
        GOOD,
        {**GOOD, "month": "2027-01"},
        {**GOOD, "month": "Jan 2025", "transactions": "-2"},
        {**GOOD, "service": "passports", "channel": "fax", "transactions": "2.5"},
        {**GOOD, "area": "urban", "users": "9"},
        {**GOOD, "district": "Lahore", "sex": "x"},
        GOOD,
    )
    assert lines == [
        "returns.csv: row 3, month: '2027-01' is in the future (latest allowed month is 2026-11)",
        "returns.csv: row 4, month: 'Jan 2025' is not a month; write it as YYYY-MM (e.g. 2025-03)",
        "returns.csv: row 4, transactions: '-2' is negative; counts are whole numbers ≥ 0",
        "returns.csv: row 5, channel: 'fax' is not a known channel (use one of: counter, "
        "facilitation_centre, helpline, kiosk, mobile_app, online)",
        "returns.csv: row 5, service: 'passports' is not a service code (known: "
        "college_admissions, education_complaints, fee_payment, health_card, health_complaints, "
        "hospital_appointments, teacher_etransfer, telemedicine)",
        "returns.csv: row 5, transactions: '2.5' is not a whole number; counts are whole "
        "numbers ≥ 0",
        "returns.csv: row 6, users: '9' users is more than the row's 5 transactions; users must "
        "be ≤ transactions",
        "returns.csv: row 7, district: 'Lahore' is not a KP district — 'Lahore' is a district of "
        "Punjab, not Khyber Pakhtunkhwa",
        "returns.csv: row 7, sex: 'x' is not a known sex (use one of: female, male, transgender, "
        "unknown)",
        "returns.csv: row 8: repeats the key (month, district, service, channel, sex, area, age "
        "band) of row 2; combine the two rows or correct one",
    ]


def test_missing_columns_and_empty_files(validator):
    frame = pd.DataFrame([{"month": "2025-01", "district": "PK502"}])
    lines = validator.validate(frame, "short.csv").problem_lines()
    assert lines[0] == (
        "short.csv: row 1, service: required column is missing (accepted "
        "headers: 'service', 'service_code')"
    )
    assert len(lines) == 3
    empty = validator.validate(pd.DataFrame(columns=list(GOOD)), "empty.csv").problem_lines()
    assert empty == ["empty.csv: the file has no data rows (it is empty or has a header alone)"]


def test_parent_district_is_refused_for_usage(validator):
    (line,) = check(validator, {**GOOD, "district": "Chitral"})
    assert "old parent district" in line and "PK507" in line and "PK508" in line


def test_parse_month_forms():
    assert parse_month("2025-3") == date(2025, 3, 1)
    assert parse_month(pd.Timestamp("2025-03-31")) == date(2025, 3, 1)
    assert parse_month("2025-13") is None
    assert parse_month("2025-02-30") is None
    assert parse_month(None) is None


def test_read_table_keeps_text_cells(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("\ufeffmonth,district,transactions\n2025-01,=cmd(),007\n", encoding="utf-8")
    frame = read_table(path)
    assert frame.columns[0] == "month"
    assert frame.iloc[0].tolist() == ["2025-01", "=cmd()", "007"]
