"""Clean plain Parquet and CSV files are checked by DuckDB as it reads them (`in_place`), never
held as a frame of cells; any other file, and a file with a problem, is read in full first.
Either way a file gets the same rows and the same problem lines, which hand-written
expectations pin here."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from kp_dash.store import in_place, ingest, sniff
from kp_dash.store.kinds import usage as usage_kind

TODAY = date(2026, 11, 26)
HEADER = ["month", "district", "service", "channel", "sex", "transactions", "users"]
ROWS = [
    ["2025-01", "PK502", "health_card", "online", "female", "5", "4"],
    ["2025-02", "Peshawar", "telemedicine", "mobile app", "f", "1,200", ""],
    ["2025-03", "Pesahwar", "health_card", "online", "male", "-3", "2"],
    ["2031-01", "PK502", "health_card", "fax", "male", "4", "9"],
    ["2025-01", "PK502", "health_card", "online", "female", "6", "1"],
]
EXPECTED_PROBLEMS = [
    "{f}: row 4, district: 'Pesahwar' is not a KP district — did you mean 'Peshawar' (PK528)?",
    "{f}: row 4, transactions: '-3' is negative; counts are whole numbers ≥ 0",
    "{f}: row 5, channel: 'fax' is not a known channel (use one of: counter, "
    "facilitation_centre, helpline, kiosk, mobile_app, online)",
    "{f}: row 5, month: '2031-01' is in the future (latest allowed month is 2026-11)",
    "{f}: row 5, users: '9' users is more than the row's 4 transactions; users must be ≤ "
    "transactions",
    "{f}: row 6: repeats the key (month, district, service, channel, sex, area, age band, "
    "disability) of row 2; combine the two rows or correct one",
]


def _scannable(path: Path) -> tuple | None:
    return in_place.scannable_csv(sniff.check(path, path.name))


def _csv(folder: Path, rows: list[list[str]], name: str = "usage.csv") -> Path:
    path = folder / name
    frame = pd.DataFrame(rows, columns=HEADER)
    frame.to_csv(path, index=False)
    return path


def _parquet(folder: Path, rows: list[list[str]], name: str = "usage.parquet") -> Path:
    path = folder / name
    frame = pd.DataFrame(rows, columns=HEADER)
    frame.to_parquet(path, index=False)
    return path


@pytest.fixture
def no_full_reading(monkeypatch):
    """A file read in full fails the test: the plain ones must be checked in place."""

    def refuse(*args, **kwargs):
        raise AssertionError("the file was read in full")

    monkeypatch.setattr(ingest, "read_layout", refuse)


@pytest.mark.parametrize("write", [_csv, _parquet])
def test_plain_files_with_problems_get_every_one(tmp_path, write):
    # a file with a problem is read in full too (it may hold total rows the full reading knows)
    path = write(tmp_path, ROWS)
    result = ingest.validate_file(path, today=TODAY)
    assert result.problem_lines() == [p.format(f=path.name) for p in EXPECTED_PROBLEMS]


@pytest.mark.parametrize("write", [_csv, _parquet])
def test_plain_files_checked_in_place_give_the_rows(tmp_path, no_full_reading, write):
    path = write(tmp_path, ROWS[:2])
    result = ingest.validate_file(path, today=TODAY)
    assert result.ok
    rows = result.rows
    # the stored columns: the usage key, then the counts
    assert list(rows.columns) == [*usage_kind.KEYS, "transactions", "users"]
    assert rows["month_start"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02"]
    assert rows["district_code"].astype(str).tolist() == ["PK502", "PK528"]
    assert rows["channel"].astype(str).tolist() == ["online", "mobile_app"]
    assert rows["sex"].astype(str).tolist() == ["female", "female"]
    assert rows["area"].astype(str).tolist() == ["unknown", "unknown"]
    assert rows["transactions"].tolist() == [5, 1200]
    assert rows["transactions"].dtype == "int64"
    assert rows["users"].iloc[0] == 4 and pd.isna(rows["users"].iloc[1])
    assert result.notes == ["transactions: 1 number with thousands separators converted"]


def test_a_file_read_in_full_gives_the_same_problems(tmp_path):
    """Title rows above the header: the layout step reads the file, the checks are the same."""
    plain = _csv(tmp_path, ROWS)
    titled = tmp_path / "titled.csv"
    titled.write_text("Returns of the health department\n" + plain.read_text())
    assert _scannable(titled) is None
    result = ingest.validate_file(titled, today=TODAY)
    shifted = [p.format(f="titled.csv") for p in EXPECTED_PROBLEMS]
    for before, after in (("row 6:", "row 7:"), ("row 5,", "row 6,"), ("row 4,", "row 5,")):
        shifted = [p.replace(before, after) for p in shifted]
    shifted = [p.replace("of row 2;", "of row 3;") for p in shifted]
    assert result.problem_lines() == shifted


def test_a_row_of_another_width_is_named_by_the_full_reading(tmp_path):
    path = tmp_path / "usage.csv"
    path.write_text(",".join(HEADER) + "\n" + ",".join(ROWS[0]) + "\n2025-01,PK502,x\n")
    assert _scannable(path) is not None  # plain at its start
    lines = ingest.validate_file(path, today=TODAY).problem_lines()
    assert lines == [
        "usage.csv: row 3: this row has 3 cells but the header row has 7; a value holding a "
        "comma or a line break must be in double quotes"
    ]


def test_text_that_is_not_utf8_further_down_is_read_in_full(tmp_path):
    path = tmp_path / "usage.csv"
    body = ",".join(HEADER) + "\n" + ",".join(ROWS[0]) + "\n"
    path.write_bytes(body.encode() + b"2025-02,Peshawar,health_card,online,male,7,\n"
                     + b"2025-03,Peshawar,health_card,online,male,7," + b"\xe9\n")  # fmt: skip
    assert _scannable(path) is not None  # its first bytes are UTF-8
    result = ingest.validate_file(path, today=TODAY)
    # the full reading decodes the byte as Windows-1252 and says so
    assert result.problem_lines() == ["usage.csv: row 4, users: 'é' is not a number"]
    assert result.notes == ["encoding Windows-1252 converted to UTF-8"]


def test_a_path_and_names_with_quotes_stay_data(tmp_path, no_full_reading):
    folder = tmp_path / "it's here"
    folder.mkdir()
    path = _parquet(folder, ROWS[:1], name="usage'; drop table cells; --.parquet")
    frame = pd.read_parquet(path).assign(**{'note "x"': "y"})
    frame.to_parquet(path, index=False)
    result = ingest.validate_file(path, today=TODAY)
    assert result.ok and len(result.rows) == 1
