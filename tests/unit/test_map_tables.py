"""Every map's data as a table: the district map's values, classes and sources, highest first,
"No data" last and never zero, a district officer's others outside without a value; the
uptake × access map's classes in words; the locator's division; in Urdu, the same figures."""

from __future__ import annotations

import pandas as pd
import pytest

from kp_dash.store import geo, tile_grid
from kp_dash.views import bivariate, map_tables


@pytest.fixture(scope="module")
def layer() -> geo.DistrictLayer:
    tiles = tile_grid.tile_grid_layer()
    four = tiles[tiles["district_code"].isin(["PK501", "PK502", "PK503", "PK528"])]
    return geo.DistrictLayer(four.reset_index(drop=True), "tile_grid", geo.TILE_GRID_SOURCE, "t")


def values() -> pd.DataFrame:
    """Abbottabad 10, Bajaur 40, Peshawar 25.5; Bannu has no row."""
    return pd.DataFrame(
        {
            "district_code": ["PK501", "PK502", "PK528"],
            "district_name": ["Abbottabad", "Bajaur", "Peshawar"],
            "value": [10.0, 40.0, 25.5],
            "source": ["Survey A", "Survey A", "Survey B"],
            "year": ["2023", "2023", "2024"],
        }
    )


def test_the_district_map_as_a_table(layer):
    table = map_tables.choropleth_table(layer, values(), unit="%", breaks=(10.0, 25.0, 40.0))
    assert list(table.columns) == ["District", "Value", "Class", "Source (year)"]
    assert table.values.tolist() == [
        ["Bajaur", "40.0 %", "25.0 – 40.0", "Survey A (2023)"],
        ["Peshawar", "25.5 %", "25.0 – 40.0", "Survey B (2024)"],
        ["Abbottabad", "10.0 %", "10.0 – 25.0", "Survey A (2023)"],
        ["Bannu", "No data", "No data", "not given"],
    ]


def test_a_district_officers_table_holds_their_districts_alone(layer):
    mine = values()[values()["district_code"] == "PK528"]
    outside = frozenset({"PK501", "PK502", "PK503"})
    table = map_tables.choropleth_table(layer, mine, unit="", outside=outside)
    assert table.values.tolist() == [["Peshawar", "25.5", "25.5", "Survey B (2024)"]]
    classed, _ = bivariate.bivariate_classes(
        values().assign(uptake_per_1000=1.0, access_index=2.0, access_is_parent_estimate=False)
    )
    assert map_tables.bivariate_table(layer, classed, outside=outside).iloc[:, 0].tolist() == [
        "Peshawar"
    ]


def test_the_table_in_urdu_has_urdu_headers_and_names(layer):
    table = map_tables.choropleth_table(layer, values(), unit="%", lang="ur")
    assert list(table.columns) == ["ضلع", "قدر", "درجہ بندی", "ماخذ (سال)"]
    assert table.iloc[0, 0] == "باجوڑ" and table.iloc[-1, 1] == "ڈیٹا نہیں"


def test_the_uptake_access_map_as_a_table(layer):
    frame = pd.DataFrame(
        {
            "district_code": ["PK501", "PK502", "PK503", "PK528"],
            "district_name": ["Abbottabad", "Bajaur", "Bannu", "Peshawar"],
            "uptake_per_1000": [10.0, 40.0, 25.0, float("nan")],
            "access_index": [70.0, 20.0, 50.0, 80.0],
            "access_is_parent_estimate": [False] * 4,
        }
    )
    classed, _ = bivariate.bivariate_classes(frame)
    table = map_tables.bivariate_table(layer, classed)
    # terciles, a value on a break in the lower class: uptake 10, 25, 40 breaks at 20 and 30;
    # access 20, 50, 70, 80 breaks at 50 and 70
    assert table.values.tolist() == [
        ["Bajaur", "high uptake, low access", "40.0", "20.0"],
        ["Bannu", "middle uptake, low access", "25.0", "50.0"],
        ["Abbottabad", "low uptake, middle access", "10.0", "70.0"],
        ["Peshawar", "No data", "No data", "80.0"],
    ]


def test_the_locator_as_a_table():
    register = pd.DataFrame(
        {
            "district_code": ["PK501", "PK511", "PK528", "PK522"],
            "district_name": ["Abbottabad", "Haripur", "Peshawar", "Mansehra"],
            "division": ["Hazara", "Hazara", "Peshawar", "Hazara"],
        }
    )
    table = map_tables.locator_table(register, "PK511")
    assert table.values.tolist() == [
        ["Haripur", "Hazara", "This district"],
        ["Abbottabad", "Hazara", "Same division"],
        ["Mansehra", "Hazara", "Same division"],
    ]
    urdu = map_tables.locator_table(register, "PK511", "ur")
    assert urdu.iloc[0].tolist()[:2] == ["ہری پور", "ہزارہ"]
