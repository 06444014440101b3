"""District geometry: the bundled layer, boundary files matched to the 35 districts, and the
tile grid (a view to choose, and the fallback)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from kp_dash.store import boundary_match, config, geo, tile_grid
from kp_dash.store.districts import load_register

BOUNDARIES = config.SHARED_DATA_DIR / "boundaries"
OCHA_KP = BOUNDARIES / "kp_districts_ocha_codab_20220909.geojson"
OCHA_NATIONAL = BOUNDARIES / "pak_admbnda_adm2_wfp_20220909.shp"
CODES = tuple(load_register()["district_code"])


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"reference boundary file absent: {path}")
    return path


@pytest.fixture(autouse=True)
def _no_configured_boundaries(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KP_DASH_BOUNDARIES", raising=False)
    monkeypatch.setattr(config, "SHAPEFILES_DIR", tmp_path / "shapefiles")


def _names_only_file(folder: Path) -> Path:
    """Five boxes named as people write them: one misspelt, one of another province."""
    names = ["D.I. Khan", "Tor Ghar", "Peshawer", "Chitral Lower", "Xyzzy Town", "Lahore"]
    frame = gpd.GeoDataFrame(
        {"DISTRICT": names},
        geometry=[box(70 + i, 32, 70.9 + i, 33) for i in range(len(names))],
        crs="EPSG:4326",
    )
    path = folder / "names_only.geojson"
    frame.to_file(path, driver="GeoJSON")
    return path


@pytest.mark.parametrize("path", [OCHA_KP, OCHA_NATIONAL], ids=["ocha_kp", "ocha_national"])
def test_reference_files_match_all_35_by_pcode(path: Path) -> None:
    match = geo.check_boundaries(_require(path))
    assert match.ok
    assert match.key == "pcode:ADM2_PCODE"
    assert sorted(match.matched) == sorted(CODES)
    assert match.unmatched == () and match.missing == ()
    assert len(match.outside_kp) == (125 if path == OCHA_NATIONAL else 0)
    assert match.report_lines()[0] == f"35 of 35 districts matched by P-code (ADM2_PCODE) in {path}"


def test_pcode_column_is_found_by_its_values() -> None:
    gdf = geo.read_boundaries(_require(OCHA_KP)).rename(columns={"ADM2_PCODE": "CODE_X"})
    layer, match = boundary_match.match_boundaries(gdf)
    assert match.key == "pcode:CODE_X" and match.ok
    assert list(layer.columns) == ["district_code", "district_name", "geometry"]
    assert len(layer) == 35


def test_names_only_file_matches_by_name_and_reports_unmatched(tmp_path: Path) -> None:
    match = geo.check_boundaries(_names_only_file(tmp_path))
    assert match.key == "name:DISTRICT"
    assert match.matched == {"PK509": "D.I. Khan", "PK534": "Tor Ghar", "PK507": "Chitral Lower"}
    # Lahore: recognised as Punjab (non_kp_districts.csv), set aside and named, not unmatched
    assert match.outside_kp == (("'Lahore'", "is in Punjab, not KP"),)
    assert match.unmatched == (
        "'Peshawer' matches no KP district (did you mean 'Peshawar' (PK528)?)",
        "'Xyzzy Town' matches no KP district",
    )
    assert len(match.missing) == 32 and not match.ok
    lines = match.report_lines()
    assert lines[0].startswith("3 of 35 districts matched by name (DISTRICT)")
    assert lines[1:4] == [
        "'Lahore' is in Punjab, not KP",
        "'Peshawer' matches no KP district (did you mean 'Peshawar' (PK528)?)",
        "'Xyzzy Town' matches no KP district",
    ]
    assert lines[4] == "No feature for PK501 (Abbottabad)"
    assert len(lines) == 1 + 1 + 2 + 32


def test_unmatched_names_are_quoted_even_when_nothing_matches() -> None:
    gdf = gpd.GeoDataFrame(
        {"DISTRICT": ["Peshawer", "Chitral", "Xyzzy", None]},
        geometry=[box(71, 34, 71.5, 34.5)] * 4,
        crs="EPSG:4326",
    )
    match = boundary_match.match_boundaries(gdf)[1]
    assert match.key == "name:DISTRICT" and match.matched == {}
    assert match.unmatched == (
        "'Peshawer' matches no KP district (did you mean 'Peshawar' (PK528)?)",
        "'Chitral' was split into Lower Chitral (PK507) and Upper Chitral (PK508); "
        "give one of these districts",
        "'Xyzzy' matches no KP district",
        "Feature 4 has no district name",
    )
    assert match.outside_kp == ()


def _pcode_file(
    codes: list[str | None], names: list[str], **columns: list[str]
) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"CODE": codes, "NAME": names, **columns},
        geometry=[box(70 + i, 32, 70.9 + i, 33) for i in range(len(codes))],
        crs="EPSG:4326",
    )


def test_other_provinces_are_named_with_the_province_their_pcode_gives() -> None:
    # PK6 is Punjab and PK2 Balochistan in OCHA's adm1 file; PK9 is no province of it.
    gdf = _pcode_file(
        ["PK528", "PK601", "PK203", "PK901", "PK536", None],
        ["Peshawar", "Lahore", "Quetta", "Nowhere", "New District", "Blank"],
    )
    match = boundary_match.match_boundaries(gdf)[1]
    assert match.key == "pcode:CODE" and list(match.matched) == ["PK528"]
    assert match.outside_kp == (
        ("'Lahore' (PK601)", "is in Punjab, not KP"),
        ("'Quetta' (PK203)", "is in Balochistan, not KP"),
        ("'Nowhere' (PK901)", "is not a KP district"),
    )
    assert match.unmatched == (
        "'New District' (PK536) matches no KP district",
        "'Blank' matches no KP district",
    )
    lines = match.report_lines()
    assert lines[1:4] == [
        "'Lahore' (PK601) is in Punjab, not KP",
        "'Quetta' (PK203) is in Balochistan, not KP",
        "'Nowhere' (PK901) is not a KP district",
    ]
    assert lines[4:6] == list(match.unmatched)
    assert "No feature for PK501 (Abbottabad)" in lines and not match.ok


def test_a_province_column_names_the_province_when_the_pcode_does_not() -> None:
    gdf = _pcode_file(
        ["PK528", "PK901", "PK902"],
        ["Peshawar", "Nowhere", "Somewhere"],
        PROVINCE=["Khyber Pakhtunkhwa", "Atlantis", "Atlantis"],
    )
    match = boundary_match.match_boundaries(gdf)[1]
    assert match.outside_kp == (
        ("'Nowhere' (PK901)", "is in Atlantis, not KP"),
        ("'Somewhere' (PK902)", "is in Atlantis, not KP"),
    )


def test_the_national_file_names_each_feature_of_another_province() -> None:
    match = geo.check_boundaries(_require(OCHA_NATIONAL))
    assert match.ok and len(match.outside_kp) == 125
    lines = match.report_lines()
    assert "'Lahore' (PK617) is in Punjab, not KP" in lines
    assert "'Quetta' (PK226) is in Balochistan, not KP" in lines
    assert sum(line.endswith(", not KP") for line in lines) == 125


def test_province_pcodes_are_those_of_the_ocha_adm1_file() -> None:
    adm1 = gpd.read_file(
        _require(BOUNDARIES / "pak_admbnda_adm1_wfp_20220909.dbf"), read_geometry=False
    )
    written = dict(zip(adm1["ADM1_PCODE"], adm1["ADM1_EN"], strict=True))
    # OCHA writes 'Islamabad'; the project's province list spells out the territory.
    assert written.pop("PK4") == "Islamabad"
    expected = {**written, "PK4": "Islamabad Capital Territory"}
    assert boundary_match.PROVINCE_PCODES == dict(sorted(expected.items()))
    non_kp = pd.read_csv(config.SEED_DIR / "non_kp_districts.csv", dtype=str)
    assert set(non_kp["province"]) == set(boundary_match.PROVINCE_PCODES.values()) - {
        "Khyber Pakhtunkhwa"
    }


def test_several_features_of_one_district_are_dissolved() -> None:
    gdf = gpd.GeoDataFrame(
        {"name": ["Swat", "Swat", "Buner"]},
        geometry=[box(72, 35, 72.5, 35.5), box(72.5, 35, 73, 35.5), box(72, 34, 73, 34.5)],
        crs="EPSG:4326",
    )
    layer, match = boundary_match.match_boundaries(gdf)
    assert match.matched["PK532"] == "Swat + Swat"
    swat = layer.set_index("district_code").geometry["PK532"]
    assert swat.area == pytest.approx(0.5)


def test_read_boundaries_reprojects_and_reads_zipped_shapefiles(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"name": ["Swat"]}, geometry=[box(72, 35, 72.5, 35.5)], crs=4326)
    folder = tmp_path / "shp"
    folder.mkdir()
    gdf.to_crs("EPSG:32643").to_file(folder / "swat.shp")
    archive = tmp_path / "swat.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, part.name)
    read = geo.read_boundaries(archive)
    assert read.crs.to_epsg() == 4326
    assert read.total_bounds == pytest.approx([72, 35, 72.5, 35.5], abs=1e-6)


def test_read_boundaries_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not found"):
        geo.read_boundaries(tmp_path / "absent.geojson")
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")
    with pytest.raises(ValueError, match="Cannot read boundary file"):
        geo.read_boundaries(broken)
    with pytest.raises(ValueError, match="Unsupported"):
        geo.read_boundaries(Path(__file__))


def test_find_boundary_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    folder = tmp_path / "shapefiles"
    folder.mkdir()
    (folder / "README.md").write_text("how to")
    assert geo.find_boundary_file() is None
    first = folder / "kp.geojson"
    first.write_text("{}")
    assert geo.find_boundary_file() == first
    (folder / "other.gpkg").write_text("")
    with pytest.raises(ValueError, match=r"kp\.geojson, other\.gpkg"):
        geo.find_boundary_file()
    monkeypatch.setenv("KP_DASH_BOUNDARIES", str(tmp_path / "chosen.shp"))
    assert geo.find_boundary_file() == tmp_path / "chosen.shp"


def test_tile_grid_has_every_district_once_without_overlaps() -> None:
    grid = tile_grid.load_hex_grid()
    assert sorted(grid["district_code"]) == sorted(CODES)
    assert not grid.duplicated(["hex_col", "hex_row"]).any()
    assert set(grid["source"]) == {"project-made tile layout"}
    tiles = tile_grid.tile_grid_layer()
    assert len(tiles) == 35 and tiles["district_name"].notna().all()
    assert tiles.crs.to_epsg() == 4326
    geoms = list(tiles.geometry)
    overlaps = [(a, b) for a in range(35) for b in range(a + 1, 35) if geoms[a].overlaps(geoms[b])]
    assert overlaps == []
    west, south, east, north = tiles.total_bounds
    assert 69 <= west and east <= 75 and 30.5 <= south and north <= 37


def test_tile_grid_keeps_most_real_neighbours_next_to_each_other() -> None:
    grid = tile_grid.load_hex_grid().set_index("district_code")
    layer, _ = boundary_match.match_boundaries(geo.read_boundaries(_require(OCHA_KP)))
    pairs = tile_grid.district_adjacency(layer)
    cell = {code: (int(r.hex_col), int(r.hex_row)) for code, r in grid.iterrows()}
    kept = sum(cell[b] in tile_grid.hex_neighbours(*cell[a]) for a, b in pairs)
    assert kept / len(pairs) >= 0.75


def test_draft_hex_grid_gives_distinct_cells() -> None:
    register = load_register()
    centroids = register.rename(columns={"centroid_lon": "lon", "centroid_lat": "lat"})
    draft = tile_grid.draft_hex_grid(centroids[["district_code", "lon", "lat"]])
    assert len(draft) == 35 and not draft.duplicated(["hex_col", "hex_row"]).any()
    assert draft["hex_col"].min() >= 0 and draft["hex_row"].min() == 0


def test_simplified_full_ocha_layer_is_small() -> None:
    layer = geo.district_layer(_require(OCHA_KP))
    assert layer.kind == "boundaries" and layer.source == str(OCHA_KP)
    payload = geo.layer_geojson(layer)
    size = len(json.dumps(payload).encode())
    assert size < 1_000_000, size
    assert len(payload["features"]) == 35
    assert {f["id"] for f in payload["features"]} == set(CODES)
    assert set(payload["features"][0]["properties"]) == {"district_code", "district_name"}
    assert layer.gdf.is_valid.all()
    assert "simplified" in layer.note


def test_tile_layer_is_a_view_that_does_not_ask_for_boundaries() -> None:
    layer = geo.tile_layer()
    assert layer.kind == "tile_grid" and layer.source == "built-in tile grid"
    assert sorted(layer.gdf["district_code"]) == sorted(CODES)
    assert "small districts" in layer.note and "not real boundaries" in layer.note
    assert "KP_DASH_BOUNDARIES" not in layer.note and "shapefiles" not in layer.note
    assert layer.metadata == {}


def test_district_layer_with_unreadable_or_partial_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")
    layer = geo.district_layer(broken)
    assert layer.kind == "tile_grid" and "Cannot read boundary file" in layer.note
    # the note says how to fix the file or go back to the bundled layer
    assert "boundaries check" in layer.note and "bundled OCHA district boundaries" in layer.note
    partial = geo.district_layer(_names_only_file(tmp_path))
    assert partial.kind == "boundaries" and len(partial.gdf) == 3
    assert "Warning" in partial.note and "Peshawer" in partial.note
    assert "Lahore" not in partial.note  # other provinces are left out of the map's note


def test_district_layer_with_two_files_in_folder_explains() -> None:
    folder = Path(config.SHAPEFILES_DIR)
    folder.mkdir()
    (folder / "a.geojson").write_text("{}")
    (folder / "b.geojson").write_text("{}")
    layer = geo.district_layer()
    assert layer.kind == "tile_grid" and "Several boundary files" in layer.note
