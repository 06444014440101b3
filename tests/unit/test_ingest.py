"""Every import rule on a malformed file, with the exact message a person reads."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kp_dash.store import ingest, kinds, rules
from kp_dash.store.values import read_month

TODAY = date(2026, 11, 26)
USAGE_HEADER = "month,district,service,channel,sex,area,transactions,users"
GOOD_ROW = "2025-01,PK502,health_card,online,female,rural,5,4"


def write(tmp_path: Path, text: str, name: str = "returns.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def check(tmp_path: Path, text: str, name: str = "returns.csv", **kwargs) -> list[str]:
    result = ingest.validate_file(write(tmp_path, text, name), today=TODAY, **kwargs)
    return result.problem_lines()


def usage(tmp_path: Path, *rows: str) -> list[str]:
    return check(tmp_path, "\n".join([USAGE_HEADER, *rows]) + "\n")


# --- usage --------------------------------------------------------------------------------------


def test_a_good_file_is_normalised(tmp_path):
    text = "\n".join(
        [
            USAGE_HEADER,
            GOOD_ROW,
            "2025-02-17,D.I. Khan,Telemedicine consultations,mobile app,women,urban,7,",
        ]
    )
    result = ingest.validate_file(write(tmp_path, "\ufeff" + text), today=TODAY)
    assert result.ok and result.kind == "usage"
    second = result.rows.iloc[1]
    assert (second["district_code"], second["sex"], second["service_code"], second["channel"]) == (
        "PK509",
        "female",
        "telemedicine",
        "mobile_app",
    )
    assert str(second["month_start"].date()) == "2025-02-01"
    assert pd.isna(second["users"])
    assert result.rows["transactions"].dtype == "int64"
    assert result.rows.iloc[0]["age_band"] == "unknown"


def test_synonym_headers(tmp_path):
    text = "Period,District Name,SERVICE_CODE,Mode,Count\n2025-01,Tor Ghar,fee_payment,kiosk,3\n"
    result = ingest.validate_file(write(tmp_path, text), today=TODAY)
    assert result.ok
    assert result.rows.iloc[0][["district_code", "sex", "area"]].tolist() == [
        "PK534",
        "unknown",
        "unknown",
    ]


def test_misspelled_district_gets_a_suggestion_and_a_confirmation_entry(tmp_path):
    text = f"{USAGE_HEADER}\n2025-01,Dera Ismial Khan,health_card,online,male,rural,5,4\n"
    result = ingest.validate_file(write(tmp_path, text), today=TODAY)
    assert result.problem_lines() == [
        "returns.csv: row 2, district: 'Dera Ismial Khan' is not a KP district — "
        "did you mean 'Dera Ismail Khan' (PK509)?"
    ]
    assert result.fuzzy[["spelling", "district_code"]].values.tolist() == [
        ["Dera Ismial Khan", "PK509"]
    ]


def test_confirmed_alias_resolves(tmp_path):
    text = f"{USAGE_HEADER}\n2025-01,Dera Ismial Khan,health_card,online,male,rural,5,4\n"
    aliases = pd.DataFrame({"alias": ["Dera Ismial Khan"], "district_code": ["PK509"]})
    result = ingest.validate_file(write(tmp_path, text), today=TODAY, extra_aliases=aliases)
    assert result.ok and result.rows["district_code"].tolist() == ["PK509"]


def test_every_problem_is_reported_in_one_pass(tmp_path):
    lines = usage(
        tmp_path,
        GOOD_ROW,
        "2027-01,PK502,health_card,online,female,rural,5,4",
        "Jan 25,PK502,health_card,online,female,rural,-2,",
        "2025-01,PK502,passports,fax,female,rural,2.5,",
        "2025-01,PK502,health_card,online,female,urban,5,9",
        "2025-01,Lahore,health_card,online,x,rural,5,4",
        "2025-01,Chitral,health_card,online,male,rural,5,4",
        "2025-01,PK502,health_card,online,male,rural,,four",
        GOOD_ROW,
    )
    assert lines == [
        "returns.csv: row 3, month: '2027-01' is in the future (latest allowed month is 2026-11)",
        "returns.csv: row 4, month: 'Jan 25' is not a month; write it as YYYY-MM (e.g. 2025-03), "
        "a date such as 2025-03-01 or 01/03/2025 (day first), Mar-2025, March 2025 or مارچ 2025",
        "returns.csv: row 4, transactions: '-2' is negative; counts are whole numbers ≥ 0",
        "returns.csv: row 5, channel: 'fax' is not a known channel (use one of: counter, "
        "facilitation_centre, helpline, kiosk, mobile_app, online)",
        "returns.csv: row 5, service: 'passports' is not a known service code — known: "
        "college_admissions, education_complaints, fee_payment, health_card, health_complaints, "
        "hospital_appointments, teacher_etransfer, telemedicine",
        "returns.csv: row 5, transactions: '2.5' is not a whole number; counts are whole "
        "numbers ≥ 0",
        "returns.csv: row 6, users: '9' users is more than the row's 5 transactions; users must "
        "be ≤ transactions",
        "returns.csv: row 7, district: 'Lahore' is not a KP district — 'Lahore' is a district of "
        "Punjab, not Khyber Pakhtunkhwa",
        "returns.csv: row 7, sex: 'x' is not a known sex (use one of: female, male, transgender, "
        "unknown)",
        "returns.csv: row 8, district: 'Chitral' names an old parent district: 'Chitral' was "
        "split into Lower Chitral (PK507) and Upper Chitral (PK508); give one of these districts",
        "returns.csv: row 9, transactions: '' is blank; give a number",
        "returns.csv: row 9, users: 'four' is not a number",
        "returns.csv: row 10: repeats the key (month, district, service, channel, sex, area, age "
        "band, disability) of row 2; combine the two rows or correct one",
    ]


def test_service_code_typo_gets_a_suggestion(tmp_path):
    (line,) = usage(tmp_path, "2025-01,PK502,health_crad,online,male,rural,5,4")
    assert line == (
        "returns.csv: row 2, service: 'health_crad' is not a known service code — did you "
        "mean 'health_card'?"
    )


def test_missing_required_columns(tmp_path):
    lines = check(tmp_path, "month,district,transactions\n2025-01,PK502,3\n")
    assert lines == [
        "returns.csv: row 1, channel: required column is missing (accepted headers: 'channel', "
        "'mode')",
        "returns.csv: row 1, service: required column is missing (accepted headers: 'service', "
        "'service_code')",
    ]


def test_two_headers_for_one_column(tmp_path):
    lines = check(tmp_path, f"{USAGE_HEADER},count\n{GOOD_ROW},5\n")
    assert lines == [
        "returns.csv: row 1, count: columns 'transactions' and 'count' both give "
        "'transactions'; keep one"
    ]


def test_unknown_kind(tmp_path):
    assert check(tmp_path, "a,b\n1,2\n") == [
        "returns.csv: row 1: cannot tell whether this is a usage, indicators, targets or "
        "events file "
        "from its header; give the kind (--kind, or the choice on the Data page), and which "
        "column holds what (Map the columns on the Data page, or import --mapping FILE)"
    ]


def test_empty_file_and_header_alone(tmp_path):
    assert check(tmp_path, "", "empty.csv") == ["empty.csv: the file is empty"]
    assert check(tmp_path, f"{USAGE_HEADER}\n", "header.csv") == [
        "header.csv: the file has no data rows (it is empty or has a header alone)"
    ]


def test_wrong_encoding_names_the_row(tmp_path):
    # Windows-1252 text is converted, so the cell is checked as written
    text = f"{USAGE_HEADER}\n{GOOD_ROW}\n2025-01,Peshawar é,health_card,online,male,rural,5,4\n"
    path = write(tmp_path, text, "latin.csv", encoding="latin-1")
    assert ingest.validate_file(path, today=TODAY).problem_lines() == [
        "latin.csv: row 3, district: 'Peshawar é' is not a KP district — did you mean "
        "'Peshawar' (PK528)?"
    ]


def test_formula_like_text_stays_text(tmp_path):
    (line,) = usage(tmp_path, "2025-01,=HYPERLINK(1),health_card,online,male,rural,5,4")
    assert "'=HYPERLINK(1)' is not a KP district" in line


# --- Excel and Parquet --------------------------------------------------------------------------


def _workbook(path: Path, rows: list[list[object]], sheet: str = "data") -> Path:
    book = openpyxl.Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_excel_file_with_dates_and_numbers(tmp_path):
    path = _workbook(
        tmp_path / "returns.xlsx",
        [
            USAGE_HEADER.split(","),
            [date(2025, 3, 31), "Peshawar", "health_card", "online", "male", "urban", 12, 10],
        ],
    )
    result = ingest.validate_file(path, today=TODAY)
    assert result.ok
    assert result.rows.iloc[0][["district_code", "transactions"]].tolist() == ["PK528", 12]
    assert str(result.rows.iloc[0]["month_start"].date()) == "2025-03-01"


def test_excel_sheet_without_header_row(tmp_path):
    path = _workbook(
        tmp_path / "noheader.xlsx",
        [["2025-01", "PK502", "health_card", "online", "male", "rural", 5, 4]],
    )
    assert ingest.validate_file(path, kind="usage", today=TODAY).problem_lines() == [
        "noheader.xlsx: row 1: the sheet has no header row: row 1 holds data ('2025-01, PK502, "
        "health_card, online', …); insert a row with the column names (month, district, service, "
        "channel, transactions) above it"
    ]


def test_excel_unknown_sheet(tmp_path):
    path = _workbook(tmp_path / "book.xlsx", [USAGE_HEADER.split(",")])
    assert ingest.validate_file(path, sheet="June", today=TODAY).problem_lines() == [
        "book.xlsx: there is no sheet 'June' (sheets: 'data')"
    ]


def test_parquet_file_keeps_number_types(tmp_path):
    frame = pd.DataFrame(
        {
            "month": ["2025-01"],
            "district": ["PK502"],
            "service": ["health_card"],
            "channel": ["kiosk"],
            "transactions": [3.5],
        }
    )
    path = tmp_path / "u.parquet"
    frame.to_parquet(path)
    assert ingest.validate_file(path, today=TODAY).problem_lines() == [
        "u.parquet: row 2, transactions: '3.5' is not a whole number; counts are whole numbers ≥ 0"
    ]


def test_unreadable_parquet(tmp_path):
    assert check(tmp_path, "not parquet", "broken.parquet")[0].startswith(
        "broken.parquet: the file cannot be read as Parquet"
    )


# --- indicators ---------------------------------------------------------------------------------

IND_HEADER = "district,year,indicator,group,value,unit,source"


def test_indicators_keep_parent_districts_at_parent_level(tmp_path):
    text = (
        f"{IND_HEADER}\nChitral,2024,internet_use_pct,all,31.5,pct,PTA survey 2024\n"
        "Bajaur,2024,internet_use_pct,female,4,pct,PTA survey 2024\n"
    )
    result = ingest.validate_file(write(tmp_path, text, "ind.csv"), today=TODAY)
    assert result.ok and result.kind == "indicators"
    first = result.rows.iloc[0]
    assert pd.isna(first["district_code"]) and first["parent_name"] == "Chitral"
    assert result.rows.iloc[1][["district_code", "grp"]].tolist() == ["PK502", "female"]


def test_indicator_and_metric_codes_are_read_whatever_their_case(tmp_path):
    text = "\n".join([IND_HEADER, "Bajaur,2024,Internet_Use_PCT,all,31,pct,PTA"])
    result = ingest.validate_file(write(tmp_path, text, "ind.csv"), today=TODAY)
    assert result.ok and result.rows["indicator"].astype(str).tolist() == ["internet_use_pct"]
    text = "service,district,metric,year,target\nall,KP,Digital_Share_PCT,2026,40\n"
    result = ingest.validate_file(write(tmp_path, text, "t.csv"), today=TODAY)
    assert result.ok and result.rows["metric"].astype(str).tolist() == ["digital_share_pct"]


def test_indicator_rules(tmp_path):
    lines = check(
        tmp_path,
        "\n".join(
            [
                IND_HEADER,
                "Bajaur,2024,internet_use_pct,all,131,pct,PTA",
                "Bajaur,2024,internet_usage,all,31,pct,PTA",
                "Bajaur,2024,teachers,all,12.5,count,EMIS",
                "Bajaur,2024,teachers,men,12,pct,",
                "Bajaur,2031,coverage_4g_pct,all,50,pct,PTA",
            ]
        )
        + "\n",
        "ind.csv",
    )
    assert lines == [
        "ind.csv: row 2, value: '131' is not a percentage between 0 and 100",
        "ind.csv: row 3, indicator: 'internet_usage' is not a known indicator code — did you mean "
        "'internet_use_pct'?",
        "ind.csv: row 4, value: '12.5' is not a whole number ≥ 0, as a count must be",
        "ind.csv: row 5, group: 'men' is not a known group (use one of: all, female, male, rural, "
        "urban)",
        "ind.csv: row 5, source: source is blank; name the survey or register the value comes from",
        "ind.csv: row 5, unit: 'pct' is not the unit of teachers (use 'count')",
        "ind.csv: row 6, year: '2031' is not a year between 1950 and this year",
    ]


# --- targets ------------------------------------------------------------------------------------


def test_targets_for_the_province_and_districts(tmp_path):
    text = (
        "service,district,metric,month,target\n"
        "health_complaints,KP,uptake_per_1000,2025-06,2.5\n"
        "all,Swat,digital_share_pct,2025-06,40\n"
    )
    result = ingest.validate_file(write(tmp_path, text, "t.csv"), today=TODAY)
    assert result.ok and result.kind == "targets"
    assert pd.isna(result.rows.iloc[0]["district_code"])
    assert result.rows.iloc[1][["service_code", "district_code", "year"]].tolist() == [
        "all",
        "PK532",
        2025,
    ]


def test_target_rules(tmp_path):
    lines = check(
        tmp_path,
        "service,district,metric,year,target\n"
        "health_complaints,KP,uptake_per_100,2026,2\n"
        "health_complaints,Swat,uptake_per_1000,2026,-1\n",
        "t.csv",
    )
    assert lines == [
        "t.csv: row 2, metric: 'uptake_per_100' is not a known metric code — did you mean "
        "'uptake_per_1000'?",
        "t.csv: row 3, target: '-1' is negative; targets are ≥ 0",
    ]


def test_target_years_reach_ten_years_ahead_and_not_before_1950(tmp_path):
    # TODAY is in 2026: a plan may run to 2036, not to 2037; no target is older than 1950
    lines = check(
        tmp_path,
        "service,district,metric,month,year,target\n"
        "all,KP,uptake_per_1000,,2036,2\n"
        "all,KP,uptake_per_1000,,2037,2\n"
        "all,KP,uptake_per_1000,,1949,2\n"
        "all,Swat,uptake_per_1000,,,2\n",
        "t.csv",
    )
    assert lines == [
        "t.csv: row 3, year: '2037' is not a year between 1950 and this year",
        "t.csv: row 4, year: '1949' is not a year between 1950 and this year",
        "t.csv: row 5, year: month and year are both blank; give a month (YYYY-MM) or a year",
    ]


def test_targets_need_a_month_or_a_year(tmp_path):
    lines = check(
        tmp_path,
        "service,district,metric,target\nall,KP,uptake_per_1000,2\n",
        "t.csv",
        kind="targets",
    )
    assert lines == [
        "t.csv: row 1, month: a targets file needs a 'month' (YYYY-MM) or a 'year' column"
    ]


# --- parsing ------------------------------------------------------------------------------------


def test_parse_month_forms():
    assert read_month("2025-3").month == date(2025, 3, 1)
    assert read_month(pd.Timestamp("2025-03-31")).month == date(2025, 3, 1)
    assert read_month("2025-13").month is None
    assert read_month("2025-02-30").month is None
    assert read_month(None).month is None


def test_guess_kind():
    assert rules.guess_kind(["Month", "District", "Service", "Channel", "Transactions"]) == "usage"
    assert rules.guess_kind(IND_HEADER.split(",")) == "indicators"
    assert rules.guess_kind(["service", "district", "metric", "year", "target"]) == "targets"
    assert rules.guess_kind(["a", "b"]) is None


@pytest.mark.parametrize("kind", kinds.NAMES)
def test_every_kind_has_required_columns_in_its_spec(kind):
    assert set(kinds.get(kind).required) <= set(kinds.get(kind).columns)


def test_a_target_may_give_a_year_alone_when_both_columns_exist(tmp_path):
    text = (
        "service,district,metric,month,year,target\n"
        "telemedicine,PK509,digital_share_pct,,2025,40\n"
        "telemedicine,PK509,digital_share_pct,2025-03,,40\n"
        "telemedicine,PK509,digital_share_pct,,,40\n"
    )
    result = ingest.validate_file(write(tmp_path, text, "t.csv"), today=TODAY)
    assert result.problem_lines() == [
        "t.csv: row 4, year: month and year are both blank; give a month (YYYY-MM) or a year"
    ]


def test_disability_is_read_with_its_synonyms_and_left_unknown_when_absent(tmp_path):
    text = "\n".join(
        [
            "month,district,service,channel,sex,area,Disabled,transactions,users",
            "2025-01,PK502,health_card,online,female,rural,Yes,11,",
            "2025-01,PK502,health_card,online,male,rural,with disability,4,",
            "2025-01,PK502,health_card,online,female,urban,N,22,",
            "2025-01,PK502,health_card,online,male,urban,,5,",
        ]
    )
    result = ingest.validate_file(write(tmp_path, text + "\n"), today=TODAY)
    assert result.ok, result.problem_lines()
    assert result.rows["disability"].tolist() == ["yes", "yes", "no", "unknown"]
    absent = ingest.validate_file(write(tmp_path, f"{USAGE_HEADER}\n{GOOD_ROW}\n", "b.csv"),
                                  today=TODAY)  # fmt: skip
    assert absent.rows["disability"].tolist() == ["unknown"]


def test_an_unknown_disability_value_is_named_by_row_and_column(tmp_path):
    text = "month,district,service,channel,disability,transactions\n"
    text += "2025-01,PK502,health_card,online,yes,3\n2025-01,PK502,health_card,counter,maybe,4\n"
    result = ingest.validate_file(write(tmp_path, text, "d.csv"), today=TODAY)
    assert result.problem_lines() == [
        "d.csv: row 3, disability: 'maybe' is not a known disability (use one of: no, unknown, yes)"
    ]


def test_rows_that_differ_only_by_disability_are_both_kept(tmp_path):
    text = "month,district,service,channel,disability,transactions\n"
    text += "2025-01,PK502,health_card,online,yes,3\n2025-01,PK502,health_card,online,no,4\n"
    result = ingest.validate_file(write(tmp_path, text), today=TODAY)
    assert result.ok and result.rows["transactions"].tolist() == [3, 4]


def test_rows_that_differ_only_by_age_band_are_all_kept(tmp_path):
    # the age band is part of the usage key: these five rows are five different counts
    text = "\n".join(
        [
            "month,district,service,channel,sex,area,age_band,transactions,users",
            "2025-01,PK502,health_card,online,female,rural,15-24,11,",
            "2025-01,PK502,health_card,online,female,rural,25-59,22,",
            "2025-01,PK502,health_card,online,female,rural,60+,3,",
            "2025-01,PK502,health_card,online,female,rural,5-14,4,",
            "2025-01,PK502,health_card,online,female,rural,unknown,5,",
        ]
    )
    result = ingest.validate_file(write(tmp_path, text + "\n"), today=TODAY)
    assert result.ok, result.problem_lines()
    assert len(result.rows) == 5
    by_band = dict(zip(result.rows["age_band"], result.rows["transactions"], strict=True))
    assert by_band == {"15-24": 11, "25-59": 22, "60+": 3, "5-14": 4, "unknown": 5}
