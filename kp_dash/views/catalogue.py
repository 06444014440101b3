"""What the Sources & definitions page lists: the metric registry, its SQL, data sources and the
map's boundary layer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kp_dash.numbers import analysis, registry
from kp_dash.store import db, geo, tile_grid

SOURCE_KIND_NOTES = {
    "census": "Census (PBS 2023), exact counts as published",
    "survey": "Survey estimate (PSLM 2019-20), not an exact count",
    "census+survey": "Combines census counts and survey estimates",
    "admin": "Service records (department returns or, where marked, demonstration data)",
}
# A definition row comes from the registry itself; a definition that changes gets a new code or a
# dated note (METRICS.md), so the year is that of the definitions, set in 2026.
REGISTRY_SOURCE = "KP Dashboard metric registry (METRICS.md)"
REGISTRY_YEAR = 2026
# The service and channel lists are written from the data contract (CONTRACTS.md, 2026), which
# dates them: their seed rows carry no year of their own.
CONTRACT_TABLES = ("services", "channels")
CONTRACT_YEAR = 2026
BATCH_COLUMNS = {
    "batch_id": "Batch",
    "source_kind": "Kind",
    "source": "Source",
    "file_name": "File",
    "months": "Months",
    "row_count": "Rows",
    "loaded_at": "Loaded (UTC)",
    "year": "Year",
}


BOUNDARY_COLUMNS = ["Map layer", "File", "Source", "Attribution", "Licence", "Year"]
TILE_MAP_ROW = {
    "File": f"data/seed/{tile_grid.HEX_GRID_FILE}",
    "Source": "Project-made tile layout: one hexagon per district, neighbours kept next to each "
    "other (not real boundaries)",
    "Attribution": "KP Digital Inclusion Dashboard",
    "Licence": "Part of this project",
    "Year": "—",
}


@dataclass(frozen=True)
class MetricSql:
    code: str
    header: dict[str, str]
    sql: str


def metric_sql() -> list[MetricSql]:
    """Each registered metric's SQL file, header and statement, in registry order."""
    files = {f.name: f for f in db.sql_files("metrics")}
    return [
        MetricSql(code, files[code].header, files[code].path.read_text(encoding="utf-8"))
        for code in registry.REGISTRY
    ]


def _grain(code: str) -> str:
    if code in registry.REGISTRY:
        return registry.REGISTRY[code].grain
    inputs = ", ".join(registry.MODELLED[code].inputs)
    return f"computed across districts in kp_dash.numbers.analysis from {inputs}"


def metric_definitions() -> pd.DataFrame:
    """Every metric's definition, one row each, with the registry as its source and year."""
    frame = registry.registry_frame()
    frame["grain"] = frame["code"].map(_grain)
    frame["source_kind"] = frame["source_kind"].map(lambda k: SOURCE_KIND_NOTES.get(k, k))
    frame["breakdowns"] = frame["code"].map(lambda c: ", ".join(registry.get(c).by_keys))
    frame["Source"], frame["Year"] = REGISTRY_SOURCE, REGISTRY_YEAR
    return frame.rename(
        columns={
            "code": "Code",
            "label": "Label",
            "unit": "Unit",
            "direction": "Direction",
            "formula": "Formula",
            "source_kind": "Source kind",
            "grain": "Grain (SQL view)",
            "breakdowns": "Can be broken down by",
        }
    )


def seed_sources(frame: pd.DataFrame) -> pd.DataFrame:
    """Each seed table's sources with their years (the contract's year for the lists it sets)."""
    shown = frame.sort_values(["seed_table", "year", "source"], ignore_index=True)
    contract = shown["seed_table"].isin(CONTRACT_TABLES) & shown["year"].isna()
    shown["year"] = shown["year"].mask(contract, CONTRACT_YEAR)
    shown["year"] = shown["year"].astype("Int64").astype("string").fillna("—")
    shown["file"] = shown["seed_table"].map(lambda t: f"data/seed/{t}.csv")
    return shown.rename(
        columns={
            "seed_table": "Table",
            "source": "Source",
            "year": "Year",
            "row_count": "Rows",
            "file": "File",
        }
    )


def batch_table(batches: pd.DataFrame) -> pd.DataFrame:
    """Every usage batch loaded (`freshness.usage_batches`), with its own source and, as its
    year, the years of the months it covers (a batch without rows: the year it was loaded)."""
    frame = batches.copy()
    frame["months"] = [
        "" if not isinstance(f, str) else f if f == t else f"{f} to {t}"
        for f, t in zip(frame["first_month"], frame["last_month"], strict=True)
    ]
    frame["year"] = [
        analysis.year_span(months) or str(pd.Timestamp(loaded).year)
        for months, loaded in zip(frame["months"], frame["loaded_at"], strict=True)
    ]
    return frame[list(BATCH_COLUMNS)].rename(columns=BATCH_COLUMNS)


def services(frame: pd.DataFrame) -> pd.DataFrame:
    """The service catalogue, each row with its source and year: a `year` of its own when the
    catalogue gives one, else the year of the data contract it is written from."""
    return frame if "year" in frame else frame.assign(year=CONTRACT_YEAR)


def boundary_sources(layer: geo.DistrictLayer) -> pd.DataFrame:
    """The boundary layer the maps draw, with its attribution and licence, and the tile map.

    The bundled layer cites its own metadata; a configured file overriding it is named (its
    licence is its publisher's). When `layer` is the tile map (no usable boundaries) only the
    tile map is listed.
    """
    rows = []
    if layer.kind == "boundaries" and layer.metadata:
        meta = layer.metadata
        url = meta.get("source_url", "")
        year = re.match(r"\d{4}", meta.get("source_date", ""))
        rows.append(
            {
                "Map layer": "District boundaries",
                "File": f"data/seed/{geo.BUNDLED_BOUNDARIES_FILE}",
                "Source": meta["source"] + (f" ({url})" if url else ""),
                "Attribution": meta["attribution"],
                "Licence": meta["licence"],
                "Year": year.group() if year else "—",
            }
        )
    elif layer.kind == "boundaries":
        rows.append(
            {
                "Map layer": "District boundaries",
                "File": Path(layer.source).name,
                "Source": "Boundary file configured for this installation (KP_DASH_BOUNDARIES "
                "or shapefiles/), in place of the bundled OCHA layer",
                "Attribution": "As given by the file's publisher",
                "Licence": "As given by the file's publisher",
                "Year": "—",
            }
        )
    fallback = layer.kind == "tile_grid"
    label = "Tile map (drawn instead of boundaries)" if fallback else "Tile map (a view to choose)"
    rows.append({"Map layer": label, **TILE_MAP_ROW})
    return pd.DataFrame(rows, columns=BOUNDARY_COLUMNS)
