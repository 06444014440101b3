"""The Sources page lists the map's boundary layer with its attribution and licence."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import streamlit as st
from shapely.geometry import box
from streamlit.testing.v1 import AppTest

from kp_dash.store import config

PAGE = config.ROOT / "pages" / "9_Sources.py"


@pytest.fixture(autouse=True)
def _no_database_nor_boundaries(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("KP_DASH_DB", str(tmp_path / "absent.duckdb"))
    monkeypatch.delenv("KP_DASH_BOUNDARIES", raising=False)
    monkeypatch.setattr(config, "SHAPEFILES_DIR", tmp_path / "shapefiles")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def _boundaries_table() -> pd.DataFrame:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Map boundaries" in [s.value for s in at.subheader]
    (frame,) = [df.value for df in at.dataframe if "Map layer" in df.value.columns]
    return frame.set_index("Map layer")


def test_the_page_credits_ocha_for_the_bundled_layer_even_without_a_database() -> None:
    frame = _boundaries_table()
    row = frame.loc["District boundaries"]
    assert row["File"] == "data/seed/kp_districts.geojson"
    assert row["Attribution"].startswith("District boundaries: OCHA COD-AB Pakistan 2022")
    assert row["Licence"].startswith("COD/FOD Registry Terms of Use")
    assert "Tile map (a view to choose)" in frame.index


def test_the_page_names_a_configured_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "newer_districts.geojson"
    gpd.GeoDataFrame(
        {"ADM2_PCODE": ["PK532"]}, geometry=[box(72, 34.6, 72.8, 35.5)], crs="EPSG:4326"
    ).to_file(path, driver="GeoJSON")
    monkeypatch.setenv("KP_DASH_BOUNDARIES", str(path))
    row = _boundaries_table().loc["District boundaries"]
    assert row["File"] == "newer_districts.geojson"
    assert "OCHA" not in row["Attribution"]
