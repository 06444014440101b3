"""Paths and settings: derived from the checkout, overridable by environment variables."""

from __future__ import annotations

import os
from pathlib import Path

STORE_DIR = Path(__file__).resolve().parent
PACKAGE_DIR = STORE_DIR.parent
ROOT = PACKAGE_DIR.parent
SQL_DIR = STORE_DIR / "sql"
DATA_DIR = ROOT / "data"
SEED_DIR = DATA_DIR / "seed"
DEMO_DIR = DATA_DIR / "demo"
DEMO_USAGE_FILE = DEMO_DIR / "usage.parquet"
SHAPEFILES_DIR = ROOT / "shapefiles"
# The public reference data this project's seed tables are made from (not part of the checkout).
SHARED_DATA_DIR = ROOT.parent / "shared" / "data"

BOUNDARY_SUFFIXES = (".shp", ".geojson", ".json", ".gpkg", ".zip")
BASEMAPS = ("none", "carto")
# The largest import file, in MB of 1,024 × 1,024 bytes as Streamlit counts them; the Data page's
# uploads are capped by Streamlit too (`server.maxUploadSize` in .streamlit/config.toml).
MAX_UPLOAD_MB = 200


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


def max_upload_mb() -> float:
    """The largest file an import reads, in MB: `KP_DASH_MAX_UPLOAD_MB` (a positive number),
    else `MAX_UPLOAD_MB`."""
    try:
        value = float(os.environ.get("KP_DASH_MAX_UPLOAD_MB") or MAX_UPLOAD_MB)
    except ValueError:
        return MAX_UPLOAD_MB
    return value if 0 < value < float("inf") else MAX_UPLOAD_MB


def max_upload_bytes() -> int:
    return int(max_upload_mb() * 1024 * 1024)


MAX_LOG_MB = 20_480  # one file of a transaction log, read in place from the server's disk


def max_log_bytes() -> int:
    """The largest file of a transaction log an import reads: `KP_DASH_MAX_LOG_MB` (a positive
    number), else `MAX_LOG_MB`. Logs are read in place, so their limit is the disk's, not the
    upload's."""
    try:
        value = float(os.environ.get("KP_DASH_MAX_LOG_MB") or MAX_LOG_MB)
    except ValueError:
        value = MAX_LOG_MB
    return int((value if 0 < value < float("inf") else MAX_LOG_MB) * 1024 * 1024)


IMPORT_MEMORY_MB = 4096


def import_memory_mb() -> int:
    """The memory (address space, MB) an import's or a check's own process may take:
    `KP_DASH_IMPORT_MEMORY_MB` (at least 1,024), else `IMPORT_MEMORY_MB`."""
    try:
        value = int(os.environ.get("KP_DASH_IMPORT_MEMORY_MB") or IMPORT_MEMORY_MB)
    except ValueError:
        return IMPORT_MEMORY_MB
    return max(value, 1024)


def import_memory_bytes() -> int:
    return import_memory_mb() * 1024 * 1024


def duckdb_settings() -> dict[str, str]:
    """What a database build connects with: half the import's memory for DuckDB, which spills
    the rest to a folder under `KP_DASH_STATE`."""
    spill = state_dir() / "tmp" / "duckdb"
    spill.mkdir(parents=True, exist_ok=True)
    return {"memory_limit": f"{import_memory_mb() // 2}MB", "temp_directory": str(spill)}


def rag_thresholds() -> tuple[float, float]:
    """Target attainment (%) at or above which a district is green, and amber; red below.
    `KP_DASH_RAG_GREEN` and `KP_DASH_RAG_AMBER` override the METRICS.md defaults 100 and 90."""
    green = float(os.environ.get("KP_DASH_RAG_GREEN") or 100)
    amber = float(os.environ.get("KP_DASH_RAG_AMBER") or 90)
    return green, min(amber, green)


def suppress_small_counts() -> bool:
    """Exports show counts under 10 as '<10' unless `KP_DASH_SUPPRESS_SMALL=0` (internal use)."""
    return (os.environ.get("KP_DASH_SUPPRESS_SMALL") or "1").strip() not in ("0", "false", "no")


SMALL_COUNT_LIMIT = 10  # METRICS.md "Rules": a cell with fewer than 10 transactions reads <10


def small_count_limit() -> int | None:
    """The count below which figures are withheld (`SMALL_COUNT_LIMIT`), None when
    `KP_DASH_SUPPRESS_SMALL=0` switches the rule off."""
    return SMALL_COUNT_LIMIT if suppress_small_counts() else None


SPARK_MASTER = "local[2]"


def spark_master(given: str | None = None) -> str:
    """The Spark master for `--engine spark`: the one given, `KP_DASH_SPARK_MASTER`, else two
    threads of this process (`local[2]`)."""
    return given or os.environ.get("KP_DASH_SPARK_MASTER") or SPARK_MASTER


def spark_imports() -> str | None:
    """Where Spark reads the accepted logs and usage batches: `KP_DASH_SPARK_IMPORTS`, a copy of
    `KP_DASH_STATE/imports` on storage every worker reaches (`s3a://…`, `hdfs://…`); None reads
    the state folder itself."""
    return (os.environ.get("KP_DASH_SPARK_IMPORTS") or "").strip().rstrip("/") or None
