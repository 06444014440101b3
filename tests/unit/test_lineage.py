"""Rows of districts created after the 2023 census summed into their census district
(kp_dash.store.lineage), checked against totals worked out by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kp_dash.store import cell_table, ingest, reader, rules
from kp_dash.store.districts import DistrictResolver
from kp_dash.store.kinds import usage as usage_kind
from kp_dash.store.lineage import combine_successors

NAMES = Path(__file__).parents[1] / "fixtures" / "field" / "names"
TODAY = date(2026, 11, 26)
KEY = usage_kind.KEYS
COUNTS = ("transactions", "users")
NAN = float("nan")
SW = "Upper South Waziristan and Lower South Waziristan (created 2022 from South Waziristan)"


@pytest.fixture(scope="module")
def resolver() -> DistrictResolver:
    return DistrictResolver.from_seed()


def usage(rows: list[tuple]) -> pd.DataFrame:
    """Normalised rows as parsing leaves them: (month, code, service, transactions, users)."""
    frame = pd.DataFrame(rows, columns=["month_start", "district_code", "service_code", *COUNTS])
    frame["month_start"] = pd.to_datetime(frame["month_start"])
    for column, value in (("channel", "online"), ("sex", "unknown"), ("area", "unknown")):
        frame[column] = value
    frame["age_band"] = frame["disability"] = "unknown"
    return frame[[*KEY, *COUNTS]].astype({"transactions": "float64", "users": "float64"})


def counts(rows: pd.DataFrame) -> list[tuple]:
    out = rows[["district_code", "service_code", *COUNTS]].astype(object)
    return [tuple("" if pd.isna(v) else v for v in r) for r in out.itertuples(index=False)]


def test_upper_and_lower_south_waziristan_are_summed(resolver: DistrictResolver) -> None:
    rows = usage(
        [
            ("2025-01-01", "PK530", "telemedicine", 10, 6),  # Upper
            ("2025-01-01", "PK528", "telemedicine", 50, 40),  # Peshawar
            ("2025-01-01", "PK530", "telemedicine", 4, 3),  # Lower
            ("2025-01-01", "PK530", "health_card", 7, NAN),  # Upper, users not given
            ("2025-01-01", "PK530", "health_card", 2, 2),  # Lower
            ("2025-02-01", "PK530", "telemedicine", 1, 1),  # Upper
            ("2025-02-01", "PK530", "telemedicine", 8, 5),  # Lower
        ]
    )
    upper, lower = "Upper South Waziristan", "Lower South Waziristan"
    written = [upper, "Peshawar", lower, upper, lower, upper, lower]
    successor = pd.Series([w != "Peshawar" for w in written])
    out, rownum, notes = combine_successors(
        rows, successor, np.arange(4, 11), KEY, COUNTS, written=written, resolver=resolver
    )
    assert counts(out) == [
        ("PK530", "telemedicine", 14.0, 9.0),
        ("PK528", "telemedicine", 50.0, 40.0),
        ("PK530", "health_card", 9.0, ""),  # a blank part leaves the total blank
        ("PK530", "telemedicine", 9.0, 6.0),
    ]
    assert rownum.tolist() == [4, 5, 7, 9]  # the first of each summed pair
    assert list(out["month_start"].dt.strftime("%Y-%m")) == ["2025-01"] * 3 + ["2025-02"]
    assert notes == [f"{SW} counted as South Waziristan (PK530): 6 rows summed into 3"]
    assert out.dtypes.equals(rows.dtypes)


def test_a_successor_beside_its_census_district_is_left_for_the_repeated_key_rule(
    resolver: DistrictResolver,
) -> None:
    rows = usage(
        [
            ("2025-01-01", "PK530", "telemedicine", 10, 6),  # South Waziristan itself
            ("2025-01-01", "PK530", "telemedicine", 4, 3),  # Upper
            ("2025-01-01", "PK530", "telemedicine", 5, 2),  # Lower
        ]
    )
    written = ["South Waziristan", "Upper South Waziristan", "Lower South Waziristan"]
    successor = pd.Series([False, True, True])
    out, rownum, notes = combine_successors(
        rows, successor, np.array([2, 3, 4]), KEY, COUNTS, written=written, resolver=resolver
    )
    assert counts(out) == [
        ("PK530", "telemedicine", 10.0, 6.0),
        ("PK530", "telemedicine", 4.0, 3.0),
        ("PK530", "telemedicine", 5.0, 2.0),
    ]
    assert rownum.tolist() == [2, 3, 4]
    assert notes == [
        f"{SW} counted as South Waziristan (PK530): 2 rows not summed because the file also "
        "gives South Waziristan itself with the same key (see the repeated-key problems)"
    ]
    # left apart, rows 3 and 4 repeat row 2's key: the repeated-key rule reports them
    assert out[list(KEY)].duplicated(keep="first").tolist() == [False, True, True]


def test_one_successor_giving_a_key_twice_is_not_summed(resolver: DistrictResolver) -> None:
    rows = usage(
        [
            ("2025-01-01", "PK530", "telemedicine", 10, 6),
            ("2025-01-01", "PK530", "telemedicine", 4, 3),
        ]
    )
    written = ["Upper South Waziristan", "South Waziristan Upper"]  # one district, two spellings
    out, rownum, notes = combine_successors(
        rows, pd.Series([True, True]), np.array([2, 3]), KEY, COUNTS, written=written
    )
    assert counts(out) == [
        ("PK530", "telemedicine", 10.0, 6.0),
        ("PK530", "telemedicine", 4.0, 3.0),
    ]
    assert rownum.tolist() == [2, 3]
    assert notes == [
        "Upper South Waziristan and South Waziristan Upper (created 2022 from South Waziristan) "
        "counted as South Waziristan (PK530): 2 rows not summed because one successor gives the "
        "same key twice (see the repeated-key problems)"
    ]


def test_a_single_successor_row_is_counted_and_said(resolver: DistrictResolver) -> None:
    rows = usage([("2026-02-01", "PK532", "fee_payment", 40, 33)])
    out, rownum, notes = combine_successors(
        rows, pd.Series([True]), np.array([2]), KEY, COUNTS, written=["Upper Swat"]
    )
    assert counts(out) == [("PK532", "fee_payment", 40.0, 33.0)]
    assert rownum.tolist() == [2]
    assert notes == [
        "Upper Swat (created 2026 from Swat) counted as Swat (PK532): 1 row, none summed"
    ]


def test_without_successors_nothing_changes() -> None:
    rows = usage([("2025-01-01", "PK528", "telemedicine", 5, 4)])
    out, rownum, notes = combine_successors(rows, pd.Series([False]), np.array([7]), KEY, COUNTS)
    assert out.equals(rows)
    assert rownum.tolist() == [7]
    assert notes == []


def test_without_the_written_names_the_note_is_general() -> None:
    rows = usage(
        [
            ("2025-01-01", "PK530", "telemedicine", 10, 6),
            ("2025-01-01", "PK530", "telemedicine", 4, 3),
        ]
    )
    out, _, notes = combine_successors(rows, pd.Series([True, True]), np.array([2, 3]), KEY, COUNTS)
    assert counts(out) == [("PK530", "telemedicine", 14.0, 9.0)]
    assert notes == [
        "districts created after the 2023 census counted as South Waziristan (PK530): "
        "2 rows summed into 1"
    ]


def test_successors_fixture_through_the_intended_wiring(resolver: DistrictResolver) -> None:
    """Parse (which combines successors), then the repeated-key check: as ingest calls them."""
    path = NAMES / "successors.csv"
    layout = reader.read_layout(path)
    mapping, problems = rules.header_problems(layout.frame, path.name, "usage")
    cells = {c: layout.frame[mapping[c]].reset_index(drop=True) for c in mapping}
    checker = ingest.validator(TODAY)
    checker.notes = []
    kind = usage_kind.KIND
    with cell_table.checking() as con:
        table = cell_table.CellTable.from_frame(
            con, path.name, cells, np.asarray(layout.rows), set(kind.coded)
        )
        usage_kind.parse(checker, table, problems, lambda *_: None)
        table.repeated_keys(kind.keys, kind.key_words, problems)
        rownum = [row for (row,) in con.execute("select row from parsed order by row").fetchall()]
        rows = table.rows([*kind.keys, *kind.final_types])
    notes = checker.notes
    assert problems == []
    assert rownum == [2, 4, 6, 8, 9, 10, 11]
    final = rows.astype(usage_kind.KIND.final_types)
    final["month_start"] = final["month_start"].dt.strftime("%Y-%m-%d")
    got = sorted(
        tuple("" if pd.isna(v) else str(v) for v in r) for r in final.itertuples(index=False)
    )
    expected = pd.read_csv(NAMES / "successors.expected.csv", dtype=str, keep_default_na=False)
    assert got == sorted(tuple(r) for r in expected[list(final.columns)].itertuples(index=False))
    assert notes == [
        "Upper South Waziristan, Lower South Waziristan, جنوبی وزیرستان اپر, لوئر وزیرستان and "
        "South Waziristan Upper (created 2022 from South Waziristan) counted as South Waziristan "
        "(PK530): 6 rows summed into 3",
        "Allai (created 2023 from Batagram) counted as Batagram (PK504): 1 row, none summed",
        "Paharpur (created 2025 from Dera Ismail Khan) counted as Dera Ismail Khan (PK509): "
        "1 row, none summed",
        "Upper Swat (created 2026 from Swat) counted as Swat (PK532): 1 row, none summed",
    ]


def test_rows_with_an_unread_key_value_are_not_summed() -> None:
    # a month that could not be read is already a problem: it is no key to sum on
    rows = usage(
        [
            ("2025-01-01", "PK530", "telemedicine", 10, 6),
            ("2025-01-01", "PK530", "telemedicine", 4, 3),
        ]
    )
    rows["month_start"] = pd.NaT
    out, rownum, notes = combine_successors(
        rows, pd.Series([True, True]), np.array([2, 3]), KEY, COUNTS
    )
    assert counts(out) == [
        ("PK530", "telemedicine", 10.0, 6.0),
        ("PK530", "telemedicine", 4.0, 3.0),
    ]
    assert rownum.tolist() == [2, 3]
    assert notes == []
