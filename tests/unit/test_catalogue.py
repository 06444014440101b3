"""The Sources & definitions tables: each row names its source and year; the boundary layer its
attribution and licence."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from kp_dash.numbers import freshness, registry
from kp_dash.store import config, db, geo
from kp_dash.views import catalogue


def test_metric_definitions_name_the_registry_and_its_year() -> None:
    frame = catalogue.metric_definitions()
    assert set(frame["Code"]) == set(registry.ALL)
    assert frame.columns[-2:].tolist() == ["Source", "Year"]
    assert frame["Source"].eq("KP Dashboard metric registry (METRICS.md)").all()
    assert frame["Year"].eq(2026).all()


def test_usage_batches_carry_their_source_months_and_years(two_sources_db: Path) -> None:
    with db.connect_readonly(two_sources_db) as con:
        frame = catalogue.batch_table(freshness.usage_batches(con)).set_index("Batch")
    assert frame.columns.tolist() == [
        "Kind",
        "Source",
        "File",
        "Months",
        "Rows",
        "Loaded (UTC)",
        "Year",
    ]
    assert frame.loc["fixture", ["Source", "File", "Months", "Rows", "Year"]].tolist() == [
        "Fixture returns",
        "usage_small.csv",
        "2025-01 to 2025-02",
        11,
        "2025",
    ]
    assert frame.loc["december", ["Source", "Months", "Rows", "Year"]].tolist() == [
        "Education returns",
        "2024-12",
        1,
        "2024",
    ]


def test_services_take_the_contracts_year_unless_they_carry_one() -> None:
    services = pd.DataFrame(
        {"service_code": ["health_card"], "source": ["KP Dashboard service catalogue"]}
    )
    assert catalogue.services(services).to_dict("records") == [
        {"service_code": "health_card", "source": "KP Dashboard service catalogue", "year": 2026}
    ]
    dated = services.assign(year=[2027])
    assert catalogue.services(dated)["year"].tolist() == [2027]


def test_seed_sources_date_the_contracts_lists_only() -> None:
    frame = pd.DataFrame(
        {
            "seed_table": ["services", "channels", "literacy", "districts"],
            "source": ["Service catalogue", "Channel list", "Census 2023 t12", "Register"],
            "year": [None, None, 2023, None],
            "row_count": [8, 6, 356, 35],
        }
    )
    shown = catalogue.seed_sources(frame).set_index("Table")
    assert shown["Year"].to_dict() == {
        "channels": "2026",
        "districts": "—",  # not set by the contract: a missing year stays missing
        "literacy": "2023",
        "services": "2026",
    }
    assert shown.loc["literacy", ["Source", "Rows", "File"]].tolist() == [
        "Census 2023 t12",
        356,
        "data/seed/literacy.csv",
    ]


# --- the map's boundary layer -----------------------------------------------------------------


@pytest.fixture
def no_configured_boundaries(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KP_DASH_BOUNDARIES", raising=False)
    monkeypatch.setattr(config, "SHAPEFILES_DIR", tmp_path / "shapefiles")


@pytest.mark.usefixtures("no_configured_boundaries")
def test_boundary_sources_cite_the_bundled_layers_attribution_and_licence() -> None:
    frame = catalogue.boundary_sources(geo.district_layer())
    assert frame.columns.tolist() == [
        "Map layer",
        "File",
        "Source",
        "Attribution",
        "Licence",
        "Year",
    ]
    bundled, tiles = frame.to_dict("records")
    assert bundled["Map layer"] == "District boundaries"
    assert bundled["File"] == "data/seed/kp_districts.geojson"
    assert bundled["Source"].startswith("OCHA Common Operational Dataset for Pakistan")
    assert bundled["Source"].endswith("(https://data.humdata.org/dataset/cod-ab-pak)")
    assert bundled["Attribution"].startswith("District boundaries: OCHA COD-AB Pakistan 2022")
    assert bundled["Licence"].startswith("COD/FOD Registry Terms of Use")
    assert "CC BY-IGO 3.0" in bundled["Licence"]
    assert bundled["Year"] == "2022"
    assert tiles["Map layer"] == "Tile map (a view to choose)"
    assert tiles["File"] == "data/seed/hex_grid.csv"


def test_boundary_sources_name_a_configured_file_instead(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "my_districts.geojson"
    gpd.GeoDataFrame(
        {"ADM2_PCODE": ["PK528"]}, geometry=[box(71.4, 33.9, 71.7, 34.2)], crs="EPSG:4326"
    ).to_file(path, driver="GeoJSON")
    monkeypatch.setenv("KP_DASH_BOUNDARIES", str(path))
    frame = catalogue.boundary_sources(geo.district_layer())
    configured = frame.iloc[0]
    assert configured["File"] == "my_districts.geojson"
    assert "KP_DASH_BOUNDARIES" in configured["Source"]
    # the user's file is not credited to OCHA, nor given OCHA's licence
    assert "OCHA" not in configured["Attribution"] + configured["Licence"]
    assert configured["Licence"] == "As given by the file's publisher"


def test_boundary_sources_when_the_maps_fall_back_to_tiles() -> None:
    frame = catalogue.boundary_sources(geo.tile_layer())
    assert frame["Map layer"].tolist() == ["Tile map (drawn instead of boundaries)"]
