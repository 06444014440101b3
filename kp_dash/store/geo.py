"""District geometry: the bundled OCHA district layer, a configured boundary file, or a tile grid.

Without a configured file the maps draw `data/seed/kp_districts.geojson`, the 35 KP districts of
OCHA COD-AB Pakistan 2022, already simplified by the seed script (`python -m kp_dash seed`).
A configured file (`KP_DASH_BOUNDARIES`, or the one file in `shapefiles/`) replaces it; it is
matched to the districts (`boundary_match`: by P-code, otherwise by district name) and simplified
here. The project-made tile grid (`tile_grid`) is a view to
choose (it shows small districts fairly) and the fallback when geometry is unusable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kp_dash.store import config
from kp_dash.store.boundary_match import BoundaryMatch, match_boundaries
from kp_dash.store.config import ROOT, SEED_DIR
from kp_dash.store.contract import CRS
from kp_dash.store.districts import load_register
from kp_dash.store.tile_grid import tile_grid_layer

TILE_GRID_SOURCE = "built-in tile grid"
# Degrees (about 500 m), as in the shared simplified OCHA file: fine at district zoom.
SIMPLIFY_TOLERANCE = 0.005
COORD_DECIMALS = 5  # about 1 m: more precision only adds bytes to the browser payload

# The bundled layer: made by the seed script, read as it is (it is simplified already).
BUNDLED_BOUNDARIES_FILE = "kp_districts.geojson"
BUNDLED_MAX_BYTES = 200_000
BUNDLED_METADATA = (
    "name",
    "source",
    "source_url",
    "source_date",
    "licence",
    "attribution",
    "derived_by",
)
REGENERATE_COMMAND = "python -m kp_dash seed"
TILE_GRID_NOTE = (
    "Tile map: one hexagon per district, neighbours kept next to each other, so small districts "
    "show as clearly as large ones. The shapes are not real boundaries."
)
HOW_TO_ADD_BOUNDARIES = (
    "Showing the tile map instead (one hexagon per district, not real boundaries). Check the "
    "file with `python -m kp_dash boundaries check FILE` (.shp, .geojson, .json, .gpkg or a "
    "zipped shapefile), or unset KP_DASH_BOUNDARIES and leave no boundary file in shapefiles/ "
    "to draw the bundled OCHA district boundaries."
)


@dataclass(frozen=True)
class DistrictLayer:
    """District shapes ready for a map: one row per district present, EPSG:4326."""

    gdf: gpd.GeoDataFrame
    kind: str
    source: str
    note: str
    # The bundled layer's attribution members (BUNDLED_METADATA); empty for other layers.
    metadata: Mapping[str, str] = field(default_factory=dict)


# --- finding and reading boundary files -------------------------------------------------------


def find_boundary_file() -> Path | None:
    """`KP_DASH_BOUNDARIES`, else the single boundary file in `shapefiles/`, else None."""
    configured = config.boundaries_setting()
    if configured is not None:
        return configured
    folder = Path(config.SHAPEFILES_DIR)
    if not folder.is_dir():
        return None
    candidates = sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and p.suffix.lower() in config.BOUNDARY_SUFFIXES
    )
    if len(candidates) > 1:
        names = ", ".join(p.name for p in candidates)
        raise ValueError(
            f"Several boundary files in {folder}: {names}. Keep exactly one there, "
            "or choose one with KP_DASH_BOUNDARIES."
        )
    return candidates[0] if candidates else None


def read_boundaries(path: Path) -> gpd.GeoDataFrame:
    """Read a .shp/.geojson/.json/.gpkg/.zip boundary file into EPSG:4326."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Boundary file not found: {path}")
    suffix = path.suffix.lower()
    if suffix not in config.BOUNDARY_SUFFIXES:
        supported = ", ".join(config.BOUNDARY_SUFFIXES)
        raise ValueError(f"Unsupported boundary file type {suffix!r} ({path}); use {supported}")
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several error types; one clear message is enough
        raise ValueError(f"Cannot read boundary file {path}: {exc}") from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.isna().all() or gdf.empty:
        raise ValueError(f"Boundary file {path} has no geometries")
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if gdf.crs is None:
        west, south, east, north = gdf.total_bounds
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            raise ValueError(f"Boundary file {path} has no CRS and is not in degrees")
        gdf = gdf.set_crs(CRS)  # coordinates in degrees and no CRS: almost always WGS84
    elif not gdf.crs.equals(CRS):
        gdf = gdf.to_crs(CRS)
    gdf.attrs["source"] = str(path)
    return gdf


def check_boundaries(path: Path) -> BoundaryMatch:
    """Read a boundary file and report how it matches the 35 districts."""
    return match_boundaries(read_boundaries(path), source=str(path))[1]


# --- the layer sent to the browser ------------------------------------------------------------


def simplify_layer(gdf: gpd.GeoDataFrame, tolerance: float = SIMPLIFY_TOLERANCE) -> gpd.GeoSeries:
    """Simplify once, keeping shared borders shared; round coordinates to shrink the payload."""
    geoms = gdf.geometry.to_numpy()
    if shapely.coverage_is_valid(geoms):
        simplified = shapely.coverage_simplify(geoms, tolerance)
    else:  # overlapping or gapped input: no shared edges to keep, simplify each on its own
        simplified = shapely.simplify(geoms, tolerance, preserve_topology=True)
    rounded = shapely.transform(simplified, lambda xy: np.round(xy, COORD_DECIMALS))
    rounded = np.where(shapely.is_valid(rounded), rounded, shapely.make_valid(rounded))
    return gpd.GeoSeries(rounded, index=gdf.index, crs=CRS)


def tile_layer(seed_dir: Path = SEED_DIR) -> DistrictLayer:
    """The hexagon tile map as a view to choose: every district the same size."""
    return _tile_layer(TILE_GRID_NOTE, seed_dir)


def _tile_layer(note: str, seed_dir: Path) -> DistrictLayer:
    return DistrictLayer(tile_grid_layer(seed_dir), "tile_grid", TILE_GRID_SOURCE, note)


def _shown_path(path: Path) -> str:
    """A path inside the checkout as `data/seed/…`, anything else in full."""
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def read_bundled_layer(seed_dir: Path = SEED_DIR) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    """The bundled district layer and its attribution members, as written by the seed script.

    Read as it is (no simplification) and checked against the register; raises OSError or
    ValueError when the file is missing, unreadable or does not hold the 35 districts.
    """
    path = Path(seed_dir) / BUNDLED_BOUNDARIES_FILE
    try:
        collection = json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid GeoJSON ({exc})") from exc
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ValueError("not a GeoJSON FeatureCollection")
    metadata = {k: collection[k] for k in BUNDLED_METADATA if isinstance(collection.get(k), str)}
    absent = [k for k in ("source", "licence", "attribution") if not metadata.get(k)]
    if absent:
        raise ValueError(f"no {', '.join(absent)} in its metadata")
    try:
        gdf = gpd.GeoDataFrame.from_features(collection.get("features") or [], crs=CRS)
    except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
        raise ValueError(f"unreadable features ({exc})") from exc
    register = load_register(seed_dir)
    names = dict(zip(register["district_code"], register["district_name"], strict=True))
    codes = gdf["district_code"] if "district_code" in gdf else pd.Series(dtype=object)
    missing = sorted(set(names) - set(codes))
    extra = sorted(set(map(str, codes)) - set(names))
    if missing or extra or not codes.is_unique or len(gdf) != len(names):
        detail = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"unknown {', '.join(extra)}" if extra else "",
                "a district twice" if not codes.is_unique else "",
            )
            if part
        )
        raise ValueError(f"its districts do not match the register ({detail or 'no features'})")
    if gdf.geometry.isna().any() or gdf.geometry.is_empty.any() or not gdf.is_valid.all():
        raise ValueError("empty or invalid geometries")
    gdf = gdf.assign(district_name=gdf["district_code"].map(names))
    order = {code: i for i, code in enumerate(names)}
    gdf = gdf.sort_values("district_code", key=lambda s: s.map(order), ignore_index=True)
    return gdf[["district_code", "district_name", "geometry"]], metadata


def bundled_layer(seed_dir: Path = SEED_DIR) -> DistrictLayer:
    """The default map: the bundled OCHA layer, else the tile map with a note on regenerating it."""
    path = Path(seed_dir) / BUNDLED_BOUNDARIES_FILE
    shown = _shown_path(path)
    try:
        gdf, metadata = read_bundled_layer(seed_dir)
    except (OSError, ValueError) as exc:
        reason = "it is missing" if isinstance(exc, FileNotFoundError) else f"it is broken: {exc}"
        note = (
            f"The bundled district boundaries {shown} cannot be used ({reason}). Regenerate "
            f"the file with `{REGENERATE_COMMAND}` (it needs the reference data in "
            "../shared/data); meanwhile the map is a tile map (one hexagon per district, not "
            "real boundaries)."
        )
        return _tile_layer(note, seed_dir)
    source = f"{shown} (OCHA COD-AB Pakistan 2022, simplified)"
    return DistrictLayer(gdf, "boundaries", source, metadata["attribution"], metadata)


def district_layer(path: Path | None = None, seed_dir: Path = SEED_DIR) -> DistrictLayer:
    """A configured boundary file (`path`, `KP_DASH_BOUNDARIES` or the file in `shapefiles/`)
    when there is one, else the bundled OCHA layer. A configured file that cannot be used gives
    the tile grid with a note saying why."""
    if path is None:
        try:
            path = find_boundary_file()
        except ValueError as exc:
            return _tile_layer(f"{exc} {HOW_TO_ADD_BOUNDARIES}", seed_dir)
    if path is None:
        return bundled_layer(seed_dir)
    try:
        gdf = read_boundaries(Path(path))
    except (OSError, ValueError) as exc:
        return _tile_layer(f"{exc}. {HOW_TO_ADD_BOUNDARIES}", seed_dir)
    matched, match = match_boundaries(gdf, source=str(path), seed_dir=seed_dir)
    if matched.empty:
        detail = " ".join(match.report_lines()[:1])
        return _tile_layer(f"{detail}. {HOW_TO_ADD_BOUNDARIES}", seed_dir)
    matched = matched.set_geometry(simplify_layer(matched))
    return DistrictLayer(matched, "boundaries", str(path), _boundaries_note(Path(path), match))


def _boundaries_note(path: Path, match: BoundaryMatch) -> str:
    note = f"Boundaries from {path.name}, simplified for the web. {match.report_lines()[0]}."
    if not match.ok:
        shown = match.problem_lines()
        note += " Warning: " + "; ".join(shown[:8]) + ("; …" if len(shown) > 8 else "")
        note += f". Run `python -m kp_dash boundaries check {path}` for the full report."
    return note


def layer_geojson(layer: DistrictLayer) -> dict:
    """The layer as a GeoJSON FeatureCollection whose feature ids are district codes."""
    gdf = layer.gdf[["district_code", "district_name", "geometry"]]
    return gdf.set_index(gdf["district_code"], drop=False).to_geo_dict(drop_id=False)
