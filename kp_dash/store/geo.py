"""District geometry: the bundled OCHA district layer, a configured boundary file, or a tile grid.

Without a configured file the maps draw `data/seed/kp_districts.geojson`, the 35 KP districts of
OCHA COD-AB Pakistan 2022, already simplified by the seed script (`python -m kp_dash seed`).
A configured file (`KP_DASH_BOUNDARIES`, or the one file in `shapefiles/`) replaces it; it is
matched by P-code when a column holds PK5xx values, otherwise by district name through
`kp_dash.districts`, and simplified here. The project-made tile grid in `data/seed/hex_grid.csv`
is a view to choose (it shows small districts fairly) and the fallback when geometry is unusable.

Tile grid convention: pointy-top hexagons in "odd-r" offset coordinates. `hex_col` counts west to
east, `hex_row` counts south to north (row 0 is the southernmost), and odd rows are shifted half a
cell east. Cells (c, r) and (c', r') are neighbours when they share an edge of the drawn hexagons.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon

from kp_dash.store import config
from kp_dash.store.config import ROOT, SEED_DIR
from kp_dash.store.districts import DistrictResolver, Resolution, load_register

CRS = "EPSG:4326"
UTM_43N = "EPSG:32643"  # metres over KP, for border lengths and centroids
HEX_GRID_FILE = "hex_grid.csv"
TILE_GRID_SOURCE = "built-in tile grid"
# Degrees (about 500 m), as in the shared simplified OCHA file: fine at district zoom.
SIMPLIFY_TOLERANCE = 0.005
COORD_DECIMALS = 5  # about 1 m: more precision only adds bytes to the browser payload
# Where the tile grid is drawn: roughly KP's own extent, so maps share a zoom with real boundaries.
TILE_GRID_BOUNDS = (69.5, 31.0, 74.5, 36.5)  # west, south, east, north
TILE_GRID_GUTTER = 0.94  # hexagons drawn slightly smaller than their cell, so borders read clearly

_PCODE = re.compile(r"^PK\d{3}$")
_KP_PCODE = re.compile(r"^PK5\d{2}$")
_KP_PROVINCE_NAMES = {
    "khyberpakhtunkhwa",
    "khyberpakhtoonkhwa",
    "kpk",
    "kp",
    "nwfp",
    "northwestfrontierprovince",
    "fata",
    "pk5",
}
# OCHA adm1 P-codes (ADM1_PCODE -> ADM1_EN of pak_admbnda_adm1_wfp_20220909), with the province
# names spelt as in data/seed/non_kp_districts.csv; tests check both against the files.
PROVINCE_PCODES = {
    "PK1": "Azad Kashmir",
    "PK2": "Balochistan",
    "PK3": "Gilgit Baltistan",
    "PK4": "Islamabad Capital Territory",
    "PK5": "Khyber Pakhtunkhwa",
    "PK6": "Punjab",
    "PK7": "Sindh",
}
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
class BoundaryMatch:
    """How the features of one boundary file map onto the 35 districts.

    `unmatched` holds one sentence per feature that matches no district; `outside_kp` one
    (label, reason) pair per feature set aside as lying outside KP, e.g.
    ("'Lahore' (PK617)", "is in Punjab, not KP").
    """

    source: str
    key: str
    matched: dict[str, str]
    unmatched: tuple[str, ...]
    missing: tuple[str, ...]
    outside_kp: tuple[tuple[str, str], ...]
    expected: int = 35
    district_names: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return len(self.matched) == self.expected and not self.unmatched

    def problem_lines(self) -> list[str]:
        """Unmatched features, then districts without a feature."""
        lines = list(self.unmatched)
        for code in self.missing:
            name = self.district_names.get(code)
            lines.append(f"No feature for {code}" + (f" ({name})" if name else ""))
        return lines

    def report_lines(self) -> list[str]:
        kind, _, column = self.key.partition(":")
        how = {"pcode": "by P-code", "name": "by name"}.get(kind, "")
        how = f"{how} ({column})" if column else "(no P-code or district-name column found)"
        lines = [f"{len(self.matched)} of {self.expected} districts matched {how} in {self.source}"]
        lines += [f"{label} {reason}" for label, reason in self.outside_kp]
        return lines + self.problem_lines()


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


# --- matching features to districts -----------------------------------------------------------


def _text_columns(gdf: gpd.GeoDataFrame) -> list[str]:
    return [
        c
        for c in gdf.columns
        if c != gdf.geometry.name
        and (pd.api.types.is_object_dtype(gdf[c]) or pd.api.types.is_string_dtype(gdf[c]))
    ]


def _clean(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip()


def _pcode_column(gdf: gpd.GeoDataFrame) -> str | None:
    """The column with the most PK5xx values (found by values, whatever the column is called)."""
    best, best_count = None, 0
    for column in _text_columns(gdf):
        count = int(_clean(gdf[column]).str.upper().str.fullmatch(_KP_PCODE.pattern).sum())
        if count > best_count:
            best, best_count = column, count
    return best


def _province_column(gdf: gpd.GeoDataFrame) -> str | None:
    """A column of few distinct values, one of them naming KP (e.g. ADM1_EN, PROVINCE)."""
    for column in _text_columns(gdf):
        keys = _province_keys(gdf[column]).dropna()
        few = keys.nunique() <= max(12, len(gdf) // 4) and keys.nunique() < len(keys)
        if few and keys.isin(_KP_PROVINCE_NAMES).any():
            return column
    return None


def _province_keys(values: pd.Series) -> pd.Series:
    return _clean(values).str.lower().str.replace(r"[^a-z0-9]", "", regex=True)


def _name_column(gdf: gpd.GeoDataFrame, resolver: DistrictResolver) -> str | None:
    """The text column whose values resolve to the most districts."""
    best, best_count = None, 0
    for column in _text_columns(gdf):
        names = [str(v) for v in _clean(gdf[column]).dropna().unique()]
        resolved = resolver.resolve_many(names)
        count = len({r.district_code for r in resolved.values() if r.district_code})
        if count > best_count:
            best, best_count = column, count
    return best or _name_like_column(gdf)


def _name_like_column(gdf: gpd.GeoDataFrame) -> str | None:
    """When no name resolves, still pick a column to quote: by its header, else most distinct."""
    columns = _text_columns(gdf)
    named = [c for c in columns if re.search(r"name|district|adm2|dist", c, re.IGNORECASE)]
    pool = named or columns
    return max(pool, key=lambda c: gdf[c].nunique(), default=None)


def _suggestion(resolution: Resolution | None) -> str:
    hint = resolution.suggestion() if resolution is not None else None
    return f" ({hint})" if hint else ""


def _quoted(label: object, code: object = None) -> str:
    """How a feature is named in the report: 'Lahore' (PK617), 'Lahore' or 'PK617'."""
    label = None if label is None or pd.isna(label) or not str(label).strip() else str(label)
    code = None if code is None or pd.isna(code) or not str(code).strip() else str(code)
    if label is not None and code is not None and label.upper() != code:
        return f"'{label}' ({code})"
    return f"'{label or code}'" if (label or code) else "A feature without a name or P-code"


def _outside_reason(province: object) -> str:
    if province is None or pd.isna(province) or not str(province).strip():
        return "is not a KP district"
    return f"is in {str(province).strip()}, not KP"


def _name_unmatched(label: str, resolution: Resolution | None) -> str:
    """'Xyz' matches no KP district (did you mean …?); a split or ambiguous name says so."""
    if resolution is not None and resolution.method in ("parent", "ambiguous"):
        hint = resolution.suggestion()
        if hint:
            return hint
    return f"{label} matches no KP district{_suggestion(resolution)}"


def match_boundaries(
    gdf: gpd.GeoDataFrame,
    resolver: DistrictResolver | None = None,
    *,
    source: str | None = None,
    seed_dir: Path = SEED_DIR,
) -> tuple[gpd.GeoDataFrame, BoundaryMatch]:
    """Map features to district codes; returns one (dissolved) row per matched district."""
    register = load_register(seed_dir)
    names = dict(zip(register["district_code"], register["district_name"], strict=True))
    resolver = resolver or DistrictResolver.from_seed(seed_dir)
    source = source or str(gdf.attrs.get("source", "<GeoDataFrame>"))
    codes = pd.Series(pd.NA, index=gdf.index, dtype="string")
    outside: list[tuple[str, str]] = []
    unmatched: list[str] = []
    province_col = _province_column(gdf)
    provinces = _clean(gdf[province_col]) if province_col else pd.Series(pd.NA, index=gdf.index)

    pcode_col = _pcode_column(gdf)
    if pcode_col is not None:
        key = f"pcode:{pcode_col}"
        values = _clean(gdf[pcode_col]).str.upper()
        label_col = _name_column(gdf.drop(columns=pcode_col), resolver)  # names, not codes
        labels = gdf[label_col] if label_col else pd.Series(None, index=gdf.index)
        for idx, value in values.items():
            if pd.notna(value) and value in names:
                codes[idx] = value
            elif pd.notna(value) and _PCODE.match(value) and not _KP_PCODE.match(value):
                province = PROVINCE_PCODES.get(value[:3], provinces[idx])
                outside.append((_quoted(labels[idx], value), _outside_reason(province)))
            else:
                unmatched.append(f"{_quoted(labels[idx], value)} matches no KP district")
    else:
        name_col = _name_column(gdf, resolver)
        key = f"name:{name_col}" if name_col else "none"
        in_other_province = provinces.notna() & ~_province_keys(provinces).isin(
            _KP_PROVINCE_NAMES
        ).fillna(False)
        written = _clean(gdf[name_col]) if name_col else pd.Series(pd.NA, index=gdf.index)
        resolved = resolver.resolve_many([str(v) for v in written.dropna().unique()])
        for position, (idx, value) in enumerate(written.items(), start=1):
            label = _quoted(value) if pd.notna(value) and value else f"Feature {position}"
            if in_other_province[idx]:
                outside.append((label, _outside_reason(provinces[idx])))
                continue
            resolution = resolved.get(str(value)) if pd.notna(value) else None
            if resolution is not None and resolution.district_code:
                codes[idx] = resolution.district_code
            elif resolution is not None and resolution.method == "non_kp":
                outside.append((label, _outside_reason(resolution.province)))
            elif pd.isna(value) or not value:
                unmatched.append(f"{label} has no district name")
            else:
                unmatched.append(_name_unmatched(label, resolution))

    found = gdf.assign(district_code=codes, _written=_written_labels(gdf, pcode_col, key))
    found = found[found["district_code"].notna()]
    matched = {
        code: " + ".join(group["_written"]) for code, group in found.groupby("district_code")
    }
    layer = _dissolve(found, names)
    match = BoundaryMatch(
        source=source,
        key=key,
        matched=dict(sorted(matched.items())),
        unmatched=tuple(unmatched),
        missing=tuple(code for code in names if code not in matched),
        outside_kp=tuple(outside),
        expected=len(names),
        district_names=names,
    )
    return layer, match


def _written_labels(gdf: gpd.GeoDataFrame, pcode_col: str | None, key: str) -> pd.Series:
    column = pcode_col if pcode_col is not None else key.partition(":")[2]
    if column in gdf.columns:
        return _clean(gdf[column]).fillna("").astype(str)
    return pd.Series("", index=gdf.index)


def _dissolve(found: gpd.GeoDataFrame, names: dict[str, str]) -> gpd.GeoDataFrame:
    """One row per code; several features of one district (e.g. split districts) are unioned."""
    geometry = found.geometry.make_valid() if not found.geometry.is_valid.all() else found.geometry
    parts = gpd.GeoDataFrame({"district_code": found["district_code"]}, geometry=geometry, crs=CRS)
    merged = parts.dissolve(by="district_code").reset_index()
    merged.insert(1, "district_name", merged["district_code"].map(names))
    order = {code: i for i, code in enumerate(names)}
    merged = merged.sort_values("district_code", key=lambda s: s.map(order))
    return merged[["district_code", "district_name", "geometry"]].reset_index(drop=True)


def check_boundaries(path: Path) -> BoundaryMatch:
    """Read a boundary file and report how it matches the 35 districts."""
    return match_boundaries(read_boundaries(path), source=str(path))[1]


# --- the hexagon tile grid --------------------------------------------------------------------


def _hex_height_ratio(latitude: float) -> float:
    """Hexagon height / width in degrees so that it looks regular in Web Mercator at `latitude`."""
    return 2 / math.sqrt(3) * math.cos(math.radians(latitude))


def hex_offsets(cols: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Odd-r cell centres in units of one cell width (x east, y north)."""
    x = np.asarray(cols, dtype=float) + 0.5 * (np.asarray(rows) % 2)
    y = np.asarray(rows, dtype=float) * 0.75 * 2 / math.sqrt(3)
    return x, y


def hex_neighbours(col: int, row: int) -> set[tuple[int, int]]:
    """The six odd-r neighbours of a cell."""
    shift = row % 2  # odd rows sit half a cell east, so their diagonal neighbours do too
    return {
        (col - 1, row),
        (col + 1, row),
        (col - 1 + shift, row - 1),
        (col + shift, row - 1),
        (col - 1 + shift, row + 1),
        (col + shift, row + 1),
    }


def district_adjacency(gdf: gpd.GeoDataFrame, min_border_m: float = 1000.0) -> set[tuple[str, str]]:
    """Pairs of district codes sharing a border longer than `min_border_m` (a corner is not one)."""
    metric = gdf.to_crs(UTM_43N)
    codes, geoms = list(metric["district_code"]), list(metric.geometry)
    pairs = set()
    for i, j in zip(*np.triu_indices(len(codes), k=1), strict=True):
        if geoms[i].intersection(geoms[j]).length > min_border_m:
            pairs.add((min(codes[i], codes[j]), max(codes[i], codes[j])))
    return pairs


def draft_hex_grid(
    centroids: pd.DataFrame,
    n_cols: int = 7,
    adjacency: set[tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """A first tile layout from district centroids (`district_code, lon, lat`), to check by eye.

    Centroids are scaled onto an odd-r grid about `n_cols` cells wide; districts then take the
    nearest free cell, the most crowded ones (nearest other centroid) last so the sparse edges
    keep their shape. With `adjacency` (see `district_adjacency`), moves and swaps that keep more
    real neighbours next to each other are then applied while they improve the layout.
    """
    lat_mid = float(centroids["lat"].mean())
    x = (centroids["lon"] - centroids["lon"].min()) * math.cos(math.radians(lat_mid))
    y = centroids["lat"] - centroids["lat"].min()
    scale = (n_cols - 1) / float(x.max())
    targets = np.column_stack([x.to_numpy() * scale, y.to_numpy() * scale])
    n_rows = math.ceil(targets[:, 1].max() / (0.75 * 2 / math.sqrt(3))) + 2
    cells = [(c, r) for r in range(-1, n_rows + 1) for c in range(-1, n_cols + 1)]
    centres = np.column_stack(hex_offsets(*np.array(cells).T))
    codes = list(centroids["district_code"])
    place = _greedy_cells(targets, centres)
    if adjacency:
        place = _improve_cells(place, codes, cells, centres, targets, adjacency)
    grid = pd.DataFrame(
        [(code, *cells[k]) for code, k in zip(codes, place, strict=True)],
        columns=["district_code", "hex_col", "hex_row"],
    )
    row_shift = grid["hex_row"].min()
    grid["hex_row"] -= row_shift
    # Shifting rows by an odd number flips which rows are offset: move columns to compensate.
    grid["hex_col"] += np.where((grid["hex_row"] % 2 == 0) & (row_shift % 2 == 1), 1, 0)
    grid["hex_col"] -= grid["hex_col"].min()
    return grid.sort_values("district_code").reset_index(drop=True)


def _greedy_cells(targets: np.ndarray, centres: np.ndarray) -> list[int]:
    gap = np.hypot(*(targets[:, None, :] - targets[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(gap, np.inf)
    place = [-1] * len(targets)
    taken: set[int] = set()
    for i in np.argsort(-gap.min(axis=1), kind="stable"):
        dist = np.hypot(*(centres - targets[i]).T)
        dist[list(taken)] = np.inf
        place[i] = int(np.argmin(dist))
        taken.add(place[i])
    return place


def _improve_cells(
    place: list[int],
    codes: list[str],
    cells: list[tuple[int, int]],
    centres: np.ndarray,
    targets: np.ndarray,
    adjacency: set[tuple[str, str]],
) -> list[int]:
    """Hill-climb: kept real neighbours count 1, false neighbours -0.3, drift -0.2 per cell."""
    index = {cell: k for k, cell in enumerate(cells)}
    near = [{index[n] for n in hex_neighbours(*cell) if n in index} for cell in cells]
    pairs = {(codes.index(a), codes.index(b)) for a, b in adjacency if a in codes and b in codes}
    real = {
        i: {b for a, b in pairs if a == i} | {a for a, b in pairs if b == i}
        for i in range(len(codes))
    }

    def score(p: list[int]) -> float:
        at = {k: i for i, k in enumerate(p)}
        kept = sum(1 for a, b in pairs if p[b] in near[p[a]])
        touching = sum(1 for i, k in enumerate(p) for n in near[k] if n in at and at[n] > i)
        drift = float(np.hypot(*(centres[p] - targets).T).sum())
        return kept - 0.3 * (touching - kept) - 0.2 * drift

    best = score(place)
    improved = True
    while improved:
        improved = False
        for i in range(len(codes)):
            options = set().union(*(near[place[j]] for j in real[i])) if real[i] else set()
            for k in sorted(options - {place[i]}):
                trial = list(place)
                if k in place:
                    trial[place.index(k)] = place[i]
                trial[i] = k
                value = score(trial)
                if value > best + 1e-9:
                    place, best, improved = trial, value, True
    return place


def load_hex_grid(seed_dir: Path = SEED_DIR) -> pd.DataFrame:
    return pd.read_csv(Path(seed_dir) / HEX_GRID_FILE, dtype={"district_code": str})


def hex_cell_polygons(
    cols: np.ndarray, rows: np.ndarray, bounds: tuple[float, float, float, float]
) -> list[Polygon]:
    """Hexagons for odd-r cells, scaled and centred to fit `bounds` (west, south, east, north)."""
    west, south, east, north = bounds
    ratio = _hex_height_ratio((south + north) / 2)
    x, y = hex_offsets(cols, rows)
    y = y * ratio * math.sqrt(3) / 2  # hex_offsets rows are in regular-hexagon units
    span_x = x.max() - x.min() + 1
    span_y = y.max() - y.min() + ratio
    width = min((east - west) / span_x, (north - south) / span_y)
    lon0 = (west + east) / 2 - width * (x.min() + x.max()) / 2
    lat0 = (south + north) / 2 - width * (y.min() + y.max()) / 2
    angles = np.radians(np.arange(30, 390, 60))
    dx = np.cos(angles) / math.sqrt(3) * width * TILE_GRID_GUTTER
    dy = np.sin(angles) / 2 * ratio * width * TILE_GRID_GUTTER
    return [
        Polygon(np.column_stack([lon0 + width * xi + dx, lat0 + width * yi + dy]))
        for xi, yi in zip(x, y, strict=True)
    ]


def tile_grid_layer(seed_dir: Path = SEED_DIR) -> gpd.GeoDataFrame:
    """One hexagon per district from `hex_grid.csv`, drawn over KP's extent in lon/lat."""
    grid = load_hex_grid(seed_dir)
    register = load_register(seed_dir)
    names = dict(zip(register["district_code"], register["district_name"], strict=True))
    polygons = hex_cell_polygons(grid["hex_col"], grid["hex_row"], TILE_GRID_BOUNDS)
    return gpd.GeoDataFrame(
        {
            "district_code": grid["district_code"],
            "district_name": grid["district_code"].map(names),
            "tile_label": grid["tile_label"],
        },
        geometry=polygons,
        crs=CRS,
    )


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
