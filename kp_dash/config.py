"""Paths and settings: derived from the checkout, overridable by environment variables."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
SQL_DIR = PACKAGE_DIR / "sql"
DATA_DIR = ROOT / "data"
SEED_DIR = DATA_DIR / "seed"
DEMO_DIR = DATA_DIR / "demo"
DEMO_USAGE_FILE = DEMO_DIR / "usage.parquet"
SHAPEFILES_DIR = ROOT / "shapefiles"
# The public reference data this project's seed tables are made from (not part of the checkout).
SHARED_DATA_DIR = ROOT.parent / "shared" / "data"

BOUNDARY_SUFFIXES = (".shp", ".geojson", ".json", ".gpkg", ".zip")
BASEMAPS = ("none", "carto")


def db_path() -> Path:
    """The database file: `KP_DASH_DB`, else `data/kp_dash.duckdb`."""
    return Path(os.environ.get("KP_DASH_DB") or DATA_DIR / "kp_dash.duckdb")


def state_dir() -> Path:
    """Where an installation writes: accepted imports, their archive and manifest, aliases."""
    return Path(os.environ.get("KP_DASH_STATE") or DATA_DIR)


def boundaries_setting() -> Path | None:
    """An explicitly configured boundary file, if any (`KP_DASH_BOUNDARIES`)."""
    value = os.environ.get("KP_DASH_BOUNDARIES")
    return Path(value) if value else None


def basemap() -> str:
    """`none` (default, works offline) or `carto` (needs internet)."""
    value = (os.environ.get("KP_DASH_BASEMAP") or "none").strip().lower()
    return value if value in BASEMAPS else "none"
