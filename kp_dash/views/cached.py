"""Everything the pages read from the database, cached: the read-only connection to the current
build, metric and district frames, group, profile and planning parts, small tables, the map
layers and the briefing PDF.

The only module that uses `st.cache_*`. Cached functions take plain hashable arguments and open a
cursor inside; the cache key includes the identity of the build the database path points at, so
a new build (by an import on the Data page, the command line or another process) is picked up on
the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from kp_dash.numbers import (
    analysis,
    freshness,
    group_rows,
    groups,
    metrics,
    planning,
    profile,
    profile_usage,
    quality,
    registry,
    summaries,
    trends,
)
from kp_dash.store import batches, config, db, geo
from kp_dash.views import briefing, pdf_layout, profile_tables


def build_file_stamp(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path), stat.st_mtime_ns, stat.st_ino


@st.cache_resource(max_entries=2)
def _connection(path: str, mtime_ns: int, inode: int) -> duckdb.DuckDBPyConnection:
    """One read-only connection per build file; it keeps its build on disk while cached."""
    return db.connect_readonly(Path(path))


def stamp() -> tuple[str, int, int] | None:
    """The identity of the build the database path points at now, with its connection open
    (so that the build stays while this run reads it), or None when there is no database yet.
    Every page run asks again, so a build swapped in by any process shows on the next run."""
    pointer = config.db_path()
    for _ in range(db.READ_ATTEMPTS):
        if not pointer.exists():
            return None
        try:
            file_stamp = build_file_stamp(db.current_build(pointer))
            _connection(*file_stamp)
        except FileNotFoundError:  # that build was replaced and removed meanwhile: follow again
            continue
        return file_stamp
    return None


def connection(file_stamp: tuple[str, int, int]) -> duckdb.DuckDBPyConnection:
    return _connection(*file_stamp)


@st.cache_data(max_entries=256)
def metric_frame(
    file_stamp: tuple,
    code: str,
    by: tuple[str, ...] = (),
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    query = registry.Query(code, by, service, month_from, month_to)
    return metrics.fetch(connection(file_stamp), query)


@st.cache_data(max_entries=64)
def district_frame(
    file_stamp: tuple,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """Uptake, access, expected uptake, gap and quadrant of every district
    (kp_dash.numbers.analysis)."""
    return analysis.district_frame(connection(file_stamp), service, month_from, month_to)


@st.cache_data(max_entries=32)
def group_table(
    file_stamp: tuple,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    return group_rows.group_table(connection(file_stamp), service, month_from, month_to)


@st.cache_data(max_entries=32)
def group_matrix(
    file_stamp: tuple,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    return groups.district_group_matrix(connection(file_stamp), service, month_from, month_to)


@st.cache_data(max_entries=32)
def unserved_table(
    file_stamp: tuple,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    return groups.unserved_table(connection(file_stamp), service, month_from, month_to)


@st.cache_data(max_entries=32)
def key_messages(
    file_stamp: tuple,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> list[briefing.KeyMessage]:
    return briefing.key_messages(connection(file_stamp), service, month_from, month_to)


@st.cache_data(max_entries=64)
def profile_part(
    file_stamp: tuple,
    part: str,
    code: str,
    month_from: str | None = None,
    month_to: str | None = None,
    service: str | None = None,
) -> pd.DataFrame:
    """One section of a district profile (`part` names a function of kp_dash.numbers.profile
    or profile_usage)."""
    con = connection(file_stamp)
    if part == "figures":
        return profile.profile_figures(con, code)
    if part == "services":
        return profile_usage.service_table(con, code, month_from, month_to)
    functions = {
        "groups": profile_usage.groups_row,
        "rankings": profile.rankings,
        "completeness": profile_usage.completeness_row,
    }
    return functions[part](con, code, month_from, month_to, service=service)


@st.cache_data(max_entries=32)
def plan_factors(
    file_stamp: tuple,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """The connectivity priority factors of every district (kp_dash.numbers.planning)."""
    return planning.factor_frame(connection(file_stamp), service, month_from, month_to)


@st.cache_data(max_entries=64)
def plan_scenario(
    file_stamp: tuple,
    districts: tuple[str, ...],
    indicator: str,
    level: float | None,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> planning.Scenario | None:
    """What raising the chosen districts' access is associated with; None with no district."""
    if not districts:
        return None
    target = (
        {"target_access": level}
        if indicator == "access_index"
        else {"indicator": indicator, "level": level}
    )
    return planning.scenario(
        connection(file_stamp),
        list(districts),
        service=service,
        month_from=month_from,
        month_to=month_to,
        **target,
    )


@st.cache_data(max_entries=32)
def plan_coverage(
    file_stamp: tuple,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame | None:
    return planning.coverage_usage_gap(connection(file_stamp), service, month_from, month_to)


@st.cache_data(max_entries=32)
def plan_inputs(
    file_stamp: tuple,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """What the planning downloads cite: the district frame (uptake, access and population with
    their sources) and the 4G coverage sources (None when coverage is not loaded)."""
    cover = planning.coverage_sources(table(file_stamp, "stg_indicators_current"))
    return district_frame(file_stamp, service, month_from, month_to), cover


@st.cache_data(max_entries=16)
def table(file_stamp: tuple, name: str) -> pd.DataFrame:
    """A whole small table or view (register, services, sources); names come from the code."""
    return db.query_df(connection(file_stamp), f"select * from {name}")


@st.cache_data(max_entries=4)
def build_info(file_stamp: tuple) -> dict[str, str]:
    return db.build_info(connection(file_stamp))


@st.cache_resource(max_entries=2)
def district_layer(boundary_file: str | None, mtime_ns: int) -> geo.DistrictLayer:
    return geo.district_layer(Path(boundary_file) if boundary_file else None)


def boundary_layer() -> geo.DistrictLayer:
    """The real district boundaries: a configured file, else the bundled OCHA layer (the tile
    map when neither can be read, its note saying why)."""
    try:
        path = geo.find_boundary_file()
    except ValueError:  # several files in shapefiles/: the layer's note says so
        path = None
    mtime = path.stat().st_mtime_ns if path and path.exists() else 0
    return district_layer(str(path) if path else None, mtime)


@st.cache_resource(max_entries=1)
def tile_layer() -> geo.DistrictLayer:
    return geo.tile_layer()


@st.cache_data(max_entries=4)
def database_problem(path: str, build_file: tuple | None) -> str | None:
    """Checked once per build file (`build_file` is its identity), not on every page run."""
    return db.database_problem(Path(path))


def data_changed() -> None:
    """Forget cached database results after an import or withdrawal (the map layer stays)."""
    cached_functions = (
        _connection,
        metric_frame,
        district_frame,
        group_table,
        group_matrix,
        unserved_table,
        key_messages,
        profile_part,
        plan_factors,
        plan_scenario,
        plan_coverage,
        plan_inputs,
        briefing_pdf,
        table,
        build_info,
        figure,
        quality_part,
        trend_series,
        profile_figures_display,
        delta_ranking,
        target_status,
    )
    for cached in cached_functions:
        cached.clear()


@st.cache_resource(max_entries=256)
def figure(key: tuple, _build: Callable[[], go.Figure]) -> go.Figure:
    """A figure built once per `key` and shared by every session that draws it (none changes
    it). The key names everything it is drawn from: the database stamp, the selection, the
    shapes (`layer_key`) and the user's districts."""
    return _build()


def layer_key(layer: geo.DistrictLayer) -> tuple[str, str, int]:
    return layer.kind, layer.source, len(layer.gdf)


@st.cache_data(max_entries=64)
def quality_part(
    file_stamp: tuple,
    part: str,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
    threshold: float | None = None,
    day: date | None = None,
) -> pd.DataFrame:
    """A table of the Data quality page (`completeness`, `outliers`, `consistency`,
    `timeliness`); the import manifest they read changes only with the database."""
    con = connection(file_stamp)
    if part == "completeness":
        return quality.completeness(con, service, month_from, month_to)
    if part == "outliers":
        return quality.outliers(con, service, threshold, month_from, month_to)
    if part == "consistency":
        return quality.consistency(con, batches.read_manifest(), service, month_from, month_to)
    if part == "timeliness":
        return freshness.timeliness(con, batches.read_manifest(), day)
    raise ValueError(f"unknown quality table {part!r}")


@st.cache_data(max_entries=64)
def profile_figures_display(file_stamp: tuple, code: str) -> pd.DataFrame:
    """The profile's figures as people read them (the formatting costs more than the query)."""
    return profile_tables.figures_display(profile_part(file_stamp, "figures", code))


@st.cache_data(max_entries=64)
def trend_series(
    file_stamp: tuple, code: str, level: str, members: tuple[str, ...], *period: str | None
) -> pd.DataFrame:
    service, month_from, month_to = period
    return trends.series(
        connection(file_stamp),
        code,
        level=level,
        members=members,
        service=service,
        month_from=month_from,
        month_to=month_to,
    )


@st.cache_data(max_entries=64)
def delta_ranking(
    file_stamp: tuple,
    code: str,
    service: str | None,
    period: tuple[str, str],
    comparison: tuple[str, str],
) -> pd.DataFrame:
    return trends.delta_ranking(
        connection(file_stamp), code, service=service, period=period, comparison=comparison
    )


@st.cache_data(max_entries=32)
def target_status(file_stamp: tuple, *period: str | None) -> pd.DataFrame:
    service, month_from, month_to = period
    return trends.target_status(
        connection(file_stamp), service=service, month_from=month_from, month_to=month_to
    )


def register(file_stamp: tuple) -> pd.DataFrame:
    return table(file_stamp, "districts")


def district_names(file_stamp: tuple) -> dict[str, str]:
    """P-code -> district name, in register order."""
    frame = register(file_stamp)
    return dict(zip(frame["district_code"], frame["district_name"], strict=True))


@st.cache_data(max_entries=16, show_spinner="Preparing the briefing…")
def briefing_pdf(
    file_stamp: tuple,
    district: str | None = None,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
    allowed: tuple[str, ...] = (),
) -> bytes:
    """The printable briefing (about a second to build: cached per database, selection and a
    district officer's districts)."""
    return pdf_layout.briefing_pdf(
        connection(file_stamp),
        district=district,
        service=service,
        month_from=month_from,
        month_to=month_to,
        allowed=allowed,
        layer=boundary_layer(),  # printed on paper: the real boundaries, not the tile map
    )


@st.cache_data(max_entries=32)
def source_years(
    file_stamp: tuple,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> dict[str, tuple[int, ...]]:
    return summaries.source_years(connection(file_stamp), service, month_from, month_to)


@st.cache_data(max_entries=32)
def group_matrix_sources(
    file_stamp: tuple,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """Source and year of what the district × group rate ratios divide (kp_dash.numbers.groups)."""
    return groups.matrix_sources(connection(file_stamp), service, month_from, month_to)
