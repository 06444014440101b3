"""Imported indicators change the numbers as METRICS.md says: a later year replaces an earlier
one, a value for an old parent district stands for each of its districts (flagged), the latest
year that covers every district is used, each value keeps its own source and year, and imported
indicators are survey figures. Expected values are worked out from the seed files by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kp_dash.numbers import metrics
from kp_dash.numbers.registry import Query
from kp_dash.store import build, config, db, intake
from tests.conftest import census_population

COLUMNS = ["district", "year", "indicator", "group", "value", "unit", "source"]
REGISTER = pd.read_csv(config.SEED_DIR / "districts.csv")
CODES = list(REGISTER["district_code"])
SPLIT = {"Chitral": ("PK507", "PK508"), "Kohistan": ("PK515", "PK516", "PK517")}
ABBOTTABAD = "PK501"


@pytest.fixture
def database() -> Path:
    build.build(with_demo=False)
    return config.db_path()


def indicator_file(folder: Path, name: str, rows: list[tuple]) -> Path:
    path = folder / f"{name}.csv"
    pd.DataFrame(rows, columns=COLUMNS).to_csv(path, index=False)
    return path


def accept(path: Path) -> None:
    result = intake.import_file(path)
    assert result.status == "accepted", result.message


def by_district(code: str) -> pd.DataFrame:
    with db.connect_readonly() as con:
        return metrics.fetch(con, Query(code, ("district",))).set_index("district_code")


def province(code: str) -> pd.Series:
    with db.connect_readonly() as con:
        return metrics.fetch(con, Query(code)).iloc[0]


def internet_in_access_index() -> pd.DataFrame:
    """The internet_use_pct rows the access index uses, by district."""
    with db.connect_readonly() as con:
        return db.query_df(
            con,
            "select district_code, year, value, is_parent_estimate from stg_access_components"
            " where indicator = 'internet_use_pct' order by district_code",
        )


def seed_share(table: str, part: str, whole: str, code: str) -> float:
    """100 × part ÷ whole of a district's published total row in a seed table."""
    frame = pd.read_csv(config.SEED_DIR / f"{table}.csv")
    row = frame[(frame["district_code"] == code) & (frame["area"] == "all")]
    if "sex" in row:
        row = row[row["sex"] == "all"]
    (part_value,), (whole_value,) = row[part], row[whole]
    return 100 * part_value / whole_value


def test_a_later_year_replaces_the_earlier_one(database, tmp_path):
    rows = [(code, 2024, "mobile_hh_pct", "all", 90, "pct", "PSLM 2024") for code in CODES]
    accept(indicator_file(tmp_path, "mobile_2024", rows))
    mobile = by_district("mobile_hh_pct")
    assert len(mobile) == 35 and (mobile["value"] == 90).all()  # not 2019 + 2024 summed
    assert mobile.loc[ABBOTTABAD, ["source", "year"]].tolist() == ["PSLM 2024", "2024"]
    assert province("mobile_hh_pct")["value"] == pytest.approx(90)
    literacy = seed_share("literacy", "literate_10plus", "population_10plus", ABBOTTABAD)
    grid = seed_share("lighting", "households_grid_light", "households", ABBOTTABAD)
    access = by_district("access_index")
    assert access.loc[ABBOTTABAD, "value"] == pytest.approx((literacy + grid + 90) / 3)
    assert "mobile_hh_pct (2024): PSLM 2024" in access.loc[ABBOTTABAD, "source"]
    assert "2019" not in access.loc[ABBOTTABAD, "source"]


def test_an_old_layout_file_enters_the_access_index_for_all_35(database, tmp_path):
    present = [c for c in CODES if not any(c in codes for codes in SPLIT.values())]
    rows = [(code, 2019, "internet_use_pct", "all", 20, "pct", "MICS 2019") for code in present]
    rows += [("Chitral", 2019, "internet_use_pct", "all", 11, "pct", "MICS 2019")]
    rows += [("Kohistan", 2019, "internet_use_pct", "all", 3, "pct", "MICS 2019")]
    assert len(rows) == 32  # the 2019 layout: 30 districts and two parents
    accept(indicator_file(tmp_path, "internet_2019", rows))
    used = internet_in_access_index()[["district_code", "value", "is_parent_estimate"]]
    used = used.set_index("district_code")
    assert len(used) == 35
    for parent, value in (("Chitral", 11.0), ("Kohistan", 3.0)):
        for code in SPLIT[parent]:
            assert used.loc[code].tolist() == [value, True]
    assert used.loc[ABBOTTABAD].tolist() == [20.0, False]
    access = by_district("access_index")
    mobile = pd.read_csv(config.SEED_DIR / "mobile_ownership.csv").set_index("district_code")
    upper_chitral = "PK508"
    expected = (
        seed_share("literacy", "literate_10plus", "population_10plus", upper_chitral)
        + seed_share("lighting", "households_grid_light", "households", upper_chitral)
        + mobile.loc[upper_chitral, "mobile_hh_pct"]
        + 11.0
    ) / 4
    assert access.loc[upper_chitral, "value"] == pytest.approx(expected)
    assert (
        "internet_use_pct (2019): MICS 2019, parent-district estimate (Chitral)"
        in (access.loc[upper_chitral, "source"])
    )


def test_a_partial_latest_year_falls_back_to_the_latest_complete_one(database, tmp_path):
    complete = [(code, 2024, "internet_use_pct", "all", 40, "pct", "PTA 2024") for code in CODES]
    partial = [
        (code, 2025, "internet_use_pct", "all", 99, "pct", "PTA 2025") for code in CODES[:10]
    ]
    accept(indicator_file(tmp_path, "internet_2024", complete))
    accept(indicator_file(tmp_path, "internet_2025", partial))
    used = internet_in_access_index()[["year", "value"]].drop_duplicates()
    assert used.values.tolist() == [[2024, 40.0]]


def test_imported_indicators_are_survey_figures(database, tmp_path):
    rows = [(code, 2024, "computer_hh_pct", "all", 12, "pct", "PSLM 2024") for code in CODES]
    accept(indicator_file(tmp_path, "computers", rows))
    with db.connect_readonly() as con:
        kinds = db.query_df(con, "select distinct source_kind from indicator_values")
    assert kinds["source_kind"].tolist() == ["survey"]


def test_a_value_keeps_its_own_source_and_year(database):
    mobile = by_district("mobile_hh_pct")
    assert mobile.loc[ABBOTTABAD, ["source", "year"]].tolist() == [
        "PSLM 2019-20 (Data4Pakistan, World Bank)",
        "2019",
    ]
    total = province("mobile_hh_pct")
    assert total["year"] == "2019"  # the Census 2023 weight is cited apart, not as its year
    assert total["source"].endswith("population weights: PBS Census 2023, table 1 (2023)")
    seed = pd.read_csv(config.SEED_DIR / "mobile_ownership.csv").set_index("district_code")
    people = census_population()
    weighted = (seed["mobile_hh_pct"] * people.reindex(seed.index)).sum() / people.sum()
    assert total["value"] == pytest.approx(weighted)
