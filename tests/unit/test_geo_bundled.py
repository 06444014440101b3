"""The bundled district layer: what the seed script wrote, and the maps' default."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from kp_dash.store import config, geo

BUNDLED = config.SEED_DIR / "kp_districts.geojson"
CODES = [f"PK5{i:02d}" for i in range(1, 36)]  # PK501 … PK535, the census 2023 set
REGISTER = pd.read_csv(config.SEED_DIR / "districts.csv", dtype=str, keep_default_na=False)


@pytest.fixture(autouse=True)
def _no_configured_boundaries(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KP_DASH_BOUNDARIES", raising=False)
    monkeypatch.setattr(config, "SHAPEFILES_DIR", tmp_path / "shapefiles")


@pytest.fixture(scope="module")
def collection() -> dict:
    return json.loads(BUNDLED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def geoms(collection: dict) -> list:
    return [shapely.geometry.shape(f["geometry"]) for f in collection["features"]]


def _small_file(folder: Path, name: str = "mine.geojson") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    frame = gpd.GeoDataFrame(
        {"ADM2_PCODE": ["PK528", "PK532"], "ADM2_EN": ["Peshawar", "Swat"]},
        geometry=[box(71.4, 33.9, 71.7, 34.2), box(72, 34.6, 72.8, 35.5)],
        crs="EPSG:4326",
    )
    path = folder / name
    frame.to_file(path, driver="GeoJSON")
    return path


# --- the file -------------------------------------------------------------------------------


def test_the_file_is_small_and_keyed_by_the_registers_pcodes(collection: dict) -> None:
    assert BUNDLED.stat().st_size <= 200_000
    features = collection["features"]
    assert [f["properties"]["district_code"] for f in features] == CODES
    assert all(set(f["properties"]) == {"district_code", "district_name"} for f in features)
    names = {f["properties"]["district_code"]: f["properties"]["district_name"] for f in features}
    assert names == dict(zip(REGISTER["district_code"], REGISTER["district_name"], strict=True))
    assert names["PK509"] == "Dera Ismail Khan" and names["PK534"] == "Torghar"


def test_the_file_carries_the_ocha_attribution_and_licence(collection: dict) -> None:
    assert collection["type"] == "FeatureCollection"
    assert "OCHA COD-AB Pakistan 2022" in collection["attribution"]
    assert "ITOS, University of Georgia" in collection["attribution"]
    assert "COD/FOD Registry Terms of Use" in collection["licence"]
    assert "CC BY-IGO 3.0" in collection["licence"] and "verify" in collection["licence"]
    assert "cod-ab-pak" in collection["source"]
    assert collection["source_url"] == "https://data.humdata.org/dataset/cod-ab-pak"
    assert collection["source_date"].startswith("2022-09-02")
    assert "coverage_simplify" in collection["derived_by"]


def test_geopandas_reads_it_despite_the_metadata_members() -> None:
    gdf = gpd.read_file(BUNDLED)
    assert list(gdf.columns) == ["district_code", "district_name", "geometry"]
    assert gdf.crs.to_epsg() == 4326 and list(gdf["district_code"]) == CODES


def test_it_is_a_valid_coverage_with_shared_borders_and_no_gaps(geoms: list) -> None:
    assert all(g.is_valid and g.geom_type in ("Polygon", "MultiPolygon") for g in geoms)
    assert shapely.coverage_is_valid(geoms)  # neighbours' edges match vertex for vertex
    assert shapely.coverage_is_valid(geoms, gap_width=0.01)  # and no sliver gap ~1 km wide
    outline = shapely.union_all(geoms)
    assert outline.geom_type == "Polygon" and len(outline.interiors) == 0
    assert sum(g.area for g in geoms) == pytest.approx(outline.area, rel=1e-9)  # no overlap
    by_code = dict(zip(CODES, geoms, strict=True))
    border = by_code["PK528"].intersection(by_code["PK526"])  # Peshawar and Nowshera
    assert border.length > 0.1 and border.area == 0


def test_it_keeps_kps_area_and_extent(geoms: list) -> None:
    area = gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs("EPSG:32643").area.sum() / 1e6
    # PROVENANCE.md: the full-resolution districts cover about 101,088 km2 in UTM 43N.
    assert area == pytest.approx(101_088, rel=0.005)
    west, south, east, north = shapely.union_all(geoms).bounds
    assert 69 < west < 71 and 31 < south < 32 and 73 < east < 75 and 36 < north < 37


def test_it_is_simplified_and_rounded() -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    numbers = re.findall(r"-?\d+\.\d+", text.split('"features"', 1)[1])
    assert numbers and max(len(n.split(".")[1]) for n in numbers) <= 5
    # The full-resolution OCHA districts have 62,009 vertices; one pair of numbers per vertex.
    assert len(numbers) // 2 < 10_000


# --- the maps' default ----------------------------------------------------------------------


def test_without_configuration_the_maps_draw_the_bundled_layer(geoms: list) -> None:
    layer = geo.district_layer()
    assert layer.kind == "boundaries"
    assert layer.source == "data/seed/kp_districts.geojson (OCHA COD-AB Pakistan 2022, simplified)"
    assert "OCHA COD-AB Pakistan 2022" in layer.note and "Warning" not in layer.note
    assert list(layer.gdf.columns) == ["district_code", "district_name", "geometry"]
    assert list(layer.gdf["district_code"]) == CODES
    assert layer.metadata["licence"].startswith("COD/FOD Registry Terms of Use")
    # read as written: not simplified a second time
    assert [g.equals_exact(w, 0) for g, w in zip(layer.gdf.geometry, geoms, strict=True)] == [
        True
    ] * 35
    payload = geo.layer_geojson(layer)
    assert [f["id"] for f in payload["features"]] == CODES


def test_kp_dash_boundaries_overrides_the_bundled_layer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = _small_file(tmp_path / "elsewhere")
    monkeypatch.setenv("KP_DASH_BOUNDARIES", str(path))
    layer = geo.district_layer()
    assert layer.kind == "boundaries" and layer.source == str(path)
    assert sorted(layer.gdf["district_code"]) == ["PK528", "PK532"]
    assert layer.metadata == {} and "Boundaries from mine.geojson" in layer.note


def test_a_file_in_shapefiles_overrides_the_bundled_layer() -> None:
    path = _small_file(Path(config.SHAPEFILES_DIR), "kp.geojson")
    layer = geo.district_layer()
    assert layer.source == str(path) and len(layer.gdf) == 2


def _seed_copy(tmp_path: Path) -> Path:
    seed = tmp_path / "seed"
    seed.mkdir()
    for csv in config.SEED_DIR.glob("*.csv"):
        shutil.copy(csv, seed / csv.name)
    return seed


def _fallback_note(seed: Path) -> str:
    layer = geo.district_layer(seed_dir=seed)
    assert layer.kind == "tile_grid" and len(layer.gdf) == 35
    assert str(seed / "kp_districts.geojson") in layer.note
    assert "`python -m kp_dash seed`" in layer.note
    return layer.note


def test_a_missing_bundled_file_falls_back_to_tiles_saying_how_to_regenerate(
    tmp_path: Path,
) -> None:
    assert "(it is missing)" in _fallback_note(_seed_copy(tmp_path))


def test_a_broken_bundled_file_falls_back_to_tiles(tmp_path: Path, collection: dict) -> None:
    seed = _seed_copy(tmp_path)
    target = seed / "kp_districts.geojson"
    target.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    assert "not valid GeoJSON" in _fallback_note(seed)

    short = {**collection, "features": collection["features"][:-1]}  # Upper Kohistan dropped
    target.write_text(json.dumps(short), encoding="utf-8")
    assert "missing PK535" in _fallback_note(seed)

    unattributed = {k: v for k, v in collection.items() if k != "attribution"}
    target.write_text(json.dumps(unattributed), encoding="utf-8")
    assert "no attribution" in _fallback_note(seed)


def test_a_copied_bundled_file_is_used_from_another_seed_folder(tmp_path: Path) -> None:
    seed = _seed_copy(tmp_path)
    shutil.copy(BUNDLED, seed / BUNDLED.name)
    layer = geo.district_layer(seed_dir=seed)
    assert layer.kind == "boundaries" and layer.source.startswith(str(seed / BUNDLED.name))
