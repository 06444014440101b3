"""What the Sources & definitions page lists: the metric registry, its SQL, data sources and the
map's boundary layer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kp_dash.numbers import analysis, registry
from kp_dash.store import db, geo, tile_grid
from kp_dash.views import language
from kp_dash.views.language import N_

SOURCE_KIND_NOTES = {
    "census": N_("Census (PBS 2023), exact counts as published"),
    "survey": N_("Survey estimate (PSLM 2019-20), not an exact count"),
    "census+survey": N_("Combines census counts and survey estimates"),
    "admin": N_("Service records (department returns or, where marked, demonstration data)"),
    "modelled": N_("Modelled across districts from the metrics it names"),
}
# A definition row comes from the registry itself; a definition that changes gets a new code or a
# dated note (METRICS.md), so the year is that of the definitions, set in 2026.
REGISTRY_SOURCE = N_("KP Dashboard metric registry (METRICS.md)")
REGISTRY_YEAR = 2026
# The service and channel lists are written from the data contract (CONTRACTS.md, 2026), which
# dates them: their seed rows carry no year of their own.
CONTRACT_TABLES = ("services", "channels")
CONTRACT_YEAR = 2026
BATCH_COLUMNS = {
    "batch_id": N_("Batch"),
    "source_kind": N_("Kind"),
    "source": N_("Source"),
    "file_name": N_("File"),
    "months": N_("Months"),
    "row_count": N_("Rows"),
    "loaded_at": N_("Loaded (UTC)"),
    "year": N_("Year"),
}
METRIC_COLUMNS = {
    "code": N_("Code"),
    "label": N_("Label"),
    "unit": N_("Unit"),
    "direction": N_("Direction"),
    "formula": N_("Formula"),
    "source_kind": N_("Source kind"),
    "grain": N_("Grain (SQL view)"),
    "breakdowns": N_("Can be broken down by"),
    "source": N_("Source"),
    "year": N_("Year"),
}
SEED_COLUMNS = {
    "seed_table": N_("Table"),
    "source": N_("Source"),
    "year": N_("Year"),
    "row_count": N_("Rows"),
    "file": N_("File"),
}
SERVICE_COLUMNS = {
    "service_code": N_("Code"),
    "service_name": N_("Service"),
    "sector": N_("Sector"),
    "eligible_population": N_("Eligible population"),
    "population_age_group": N_("Age group"),
    "source": N_("Source"),
    "year": N_("Year"),
}
BOUNDARY_COLUMNS = [
    N_("Map layer"),
    N_("File"),
    N_("Source"),
    N_("Attribution"),
    N_("Licence"),
    N_("Year"),
]
TILE_MAP_ROW = {
    "File": f"data/seed/{tile_grid.HEX_GRID_FILE}",
    "Source": N_(
        "Project-made tile layout: one hexagon per district, neighbours kept next to each "
        "other (not real boundaries)"
    ),
    "Attribution": "KP Digital Inclusion Dashboard",
    "Licence": N_("Part of this project"),
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


def _grain(code: str, lang: str) -> str:
    if code in registry.REGISTRY:
        return language.text(registry.REGISTRY[code].grain, lang)
    inputs = ", ".join(registry.MODELLED[code].inputs)
    said = N_("computed across districts in kp_dash.numbers.analysis from {inputs}")
    return language.say(said, lang, inputs=inputs)


def headed(frame: pd.DataFrame, columns: dict[str, str], lang: str) -> pd.DataFrame:
    """`frame`'s `columns` (code → marked header), headed in `lang`, in that order."""
    shown = frame[list(columns)]
    return shown.rename(columns={c: language.text(h, lang) for c, h in columns.items()})


def metric_definitions(lang: str = language.DEFAULT) -> pd.DataFrame:
    """Every metric's definition, one row each, with the registry as its source and year."""
    frame = registry.registry_frame()
    for words in language.METRIC_TEXTS[:3]:  # label, unit, formula
        frame[words] = frame[words].map(lambda v: language.text(v, lang))
    frame["grain"] = frame["code"].map(lambda c: _grain(c, lang))
    notes = {kind: language.text(note, lang) for kind, note in SOURCE_KIND_NOTES.items()}
    frame["source_kind"] = frame["source_kind"].map(lambda k: notes.get(k, k))
    frame["breakdowns"] = frame["code"].map(lambda c: ", ".join(registry.get(c).by_keys))
    frame["source"], frame["year"] = language.text(REGISTRY_SOURCE, lang), REGISTRY_YEAR
    return headed(frame, METRIC_COLUMNS, lang)


def seed_sources(frame: pd.DataFrame, lang: str = language.DEFAULT) -> pd.DataFrame:
    """Each seed table's sources with their years (the contract's year for the lists it sets)."""
    shown = frame.sort_values(["seed_table", "year", "source"], ignore_index=True)
    contract = shown["seed_table"].isin(CONTRACT_TABLES) & shown["year"].isna()
    shown["year"] = shown["year"].mask(contract, CONTRACT_YEAR)
    shown["year"] = shown["year"].astype("Int64").astype("string").fillna("—")
    shown["file"] = shown["seed_table"].map(lambda t: f"data/seed/{t}.csv")
    return headed(shown, SEED_COLUMNS, lang)


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
    return headed(frame, BATCH_COLUMNS, language.DEFAULT)


def batches_in(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """`batch_table`'s headers in `lang` (a reader's value is cached in English)."""
    headers = {language.text(h, language.DEFAULT): h for h in BATCH_COLUMNS.values()}
    return table.rename(columns=lambda c: language.text(headers.get(c, c), lang))


def services(frame: pd.DataFrame, lang: str = language.DEFAULT) -> pd.DataFrame:
    """The service catalogue, each row with its source and year: a `year` of its own when the
    catalogue gives one, else the year of the data contract it is written from. In Urdu the
    services' and sectors' names are the register's and the headers are read in Urdu."""
    frame = frame if "year" in frame else frame.assign(year=CONTRACT_YEAR)
    if lang == language.DEFAULT:
        return frame
    frame = frame.copy()
    for kind, column, code in (
        ("service", "service_name", "service_code"),
        ("sector", "sector", "sector"),
    ):
        frame[column] = [
            language.name(kind, c, n, lang) for c, n in zip(frame[code], frame[column], strict=True)
        ]
    known = {c: h for c, h in SERVICE_COLUMNS.items() if c in frame}
    return headed(frame, known, lang)


def boundary_sources(layer: geo.DistrictLayer, lang: str = language.DEFAULT) -> pd.DataFrame:
    """The boundary layer the maps draw, with its attribution and licence, and the tile map.

    The bundled layer cites its own metadata (as its publisher wrote it); a configured file
    overriding it is named (its licence is its publisher's). When `layer` is the tile map (no
    usable boundaries) only the tile map is listed.
    """

    def say(message: str) -> str:
        return language.text(message, lang)

    publishers = say(N_("As given by the file's publisher"))
    rows = []
    if layer.kind == "boundaries" and layer.metadata:
        meta = layer.metadata
        url = meta.get("source_url", "")
        year = re.match(r"\d{4}", meta.get("source_date", ""))
        rows.append(
            [
                say(N_("District boundaries")),
                f"data/seed/{geo.BUNDLED_BOUNDARIES_FILE}",
                meta["source"] + (f" ({url})" if url else ""),
                meta["attribution"],
                meta["licence"],
                year.group() if year else "—",
            ]
        )
    elif layer.kind == "boundaries":
        configured = N_(
            "Boundary file configured for this installation (KP_DASH_BOUNDARIES or "
            "shapefiles/), in place of the bundled OCHA layer"
        )
        name = Path(layer.source).name
        rows.append(
            [say(N_("District boundaries")), name, say(configured), publishers, publishers, "—"]
        )
    fallback = layer.kind == "tile_grid"
    label = (
        N_("Tile map (drawn instead of boundaries)")
        if fallback
        else N_("Tile map (a view to choose)")
    )
    tile = [
        say(TILE_MAP_ROW[c]) if c in ("Source", "Licence") else TILE_MAP_ROW[c]
        for c in TILE_MAP_ROW
    ]
    rows.append([say(label), *tile])
    return pd.DataFrame(rows, columns=[say(c) for c in BOUNDARY_COLUMNS])
