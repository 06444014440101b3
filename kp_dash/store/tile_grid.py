"""The hexagon tile grid: one hexagon per district, laid out so that neighbours stay next to each
other and small districts show as clearly as large ones (`data/seed/hex_grid.csv`).

Convention: pointy-top hexagons in "odd-r" offset coordinates. `hex_col` counts west to east,
`hex_row` counts south to north (row 0 is the southernmost), and odd rows are shifted half a
cell east. Cells (c, r) and (c', r') are neighbours when they share an edge of the drawn hexagons.
`draft_hex_grid` derives a first layout from district centroids and borders, to check by eye.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Polygon

from kp_dash.store.config import SEED_DIR
from kp_dash.store.contract import CRS, UTM_43N
from kp_dash.store.districts import load_register

HEX_GRID_FILE = "hex_grid.csv"
# Where the tile grid is drawn: roughly KP's own extent, so maps share a zoom with real boundaries.
TILE_GRID_BOUNDS = (69.5, 31.0, 74.5, 36.5)  # west, south, east, north
TILE_GRID_GUTTER = 0.94  # hexagons drawn slightly smaller than their cell, so borders read clearly


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
