"""What the Sources & definitions page lists: the metric registry, its SQL, and data sources."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kp_dash import db, metrics

SOURCE_KIND_NOTES = {
    "census": "Census (PBS 2023), exact counts as published",
    "survey": "Survey estimate (PSLM 2019-20), not an exact count",
    "census+survey": "Combines census counts and survey estimates",
    "admin": "Service records (department returns or, where marked, demonstration data)",
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
        for code in metrics.REGISTRY
    ]


def _grain(code: str, headers: dict[str, dict[str, str]]) -> str:
    if code in headers:
        return headers[code].get("grain", "")
    inputs = ", ".join(metrics.MODELLED[code].inputs)
    return f"computed across districts in kp_dash.analysis from {inputs}"


def metric_definitions() -> pd.DataFrame:
    headers = {item.code: item.header for item in metric_sql()}
    frame = metrics.registry_frame()
    frame["grain"] = frame["code"].map(lambda c: _grain(c, headers))
    frame["source_kind"] = frame["source_kind"].map(lambda k: SOURCE_KIND_NOTES.get(k, k))
    frame["breakdowns"] = frame["code"].map(lambda c: ", ".join(metrics.get(c).by_keys))
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
    shown = frame.sort_values(["seed_table", "year", "source"], ignore_index=True)
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


def usage_batches(frame: pd.DataFrame) -> pd.DataFrame:
    shown = frame[["batch_id", "source_kind", "source", "file_name", "row_count", "loaded_at"]]
    return shown.rename(
        columns={
            "batch_id": "Batch",
            "source_kind": "Kind",
            "source": "Source",
            "file_name": "File",
            "row_count": "Rows",
            "loaded_at": "Loaded (UTC)",
        }
    )
