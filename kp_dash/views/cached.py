"""The read boundary: everything the pages read from the database, cached, and restricted to the
viewer's districts. Metric and district frames, group, profile, quality and planning parts, small
tables and the briefing PDF are *readers*; the read-only connection to the current build, the map
layers and the figures are the plumbing beside them.

Every reader is declared with `@reader` and takes a `Reading` (who reads, which build) first:
what it computes is cached once for everyone (the key includes the identity of the build the
database path points at, so a new build by an import on the Data page, the command line or
another process is picked up on the next run) and what it returns passes through the district
rule (`kp_dash.store.district_rule`) on its way out, so a district officer gets the rows of their
districts alone whichever page or download asks. The only module that uses `st.cache_*`.
A reader's `*period` is the service, first and last month of `Selection.period`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from kp_dash.numbers import (
    analysis,
    freshness,
    group_inequality,
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
from kp_dash.store import accounts, batches, config, db, district_rule, districts, geo
from kp_dash.views import (
    bivariate,
    briefing,
    catalogue,
    maps,
    pdf_layout,
    plan_page,
    profile_tables,
    uptake_access,
    warm_builds,
)


def build_file_stamp(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path), stat.st_mtime_ns, stat.st_ino


@st.cache_resource(max_entries=3)  # the build served, the one warming and a newer one
def _connection(path: str, mtime_ns: int, inode: int) -> duckdb.DuckDBPyConnection:
    """One read-only connection per build file; it keeps its build on disk while cached."""
    return db.connect_readonly(Path(path))


def stamp() -> tuple[str, int, int] | None:
    """The identity of the build this process serves, its connection open (so the build stays
    while this run reads it), or None when there is no database yet. Every page run asks again:
    a build any process swaps in is served on a later run, once warm (`warm_builds`)."""
    pointer = config.db_path()
    for _ in range(db.READ_ATTEMPTS):
        if not pointer.exists():
            return None
        try:
            newest = build_file_stamp(db.current_build(pointer))
            _connection(*newest)
            served = _SWITCH.serve(newest)
            _connection(*served)
        except FileNotFoundError:  # that build was replaced and removed meanwhile: follow again
            _SWITCH.forget()
            continue
        return served
    return None


def connection(file_stamp: tuple[str, int, int]) -> duckdb.DuckDBPyConnection:
    return _connection(*file_stamp)


@dataclass(frozen=True)
class Reading:
    """What every reader is given first: who reads (their districts decide the rows returned)
    and the identity of the build read (`stamp()`)."""

    viewer: accounts.User
    stamp: tuple

    @property
    def outside(self) -> frozenset[str]:
        """The districts a map draws as "Outside your districts" for this viewer."""
        return district_rule.outside(self.viewer.districts)


READERS: dict[str, Callable] = {}
# the readers' recent calls, made again on a new build before it is served
_RECENT = warm_builds.Replay(lambda name: READERS[name].unrestricted, size=200)
_SWITCH = warm_builds.Switch(_RECENT.warm, limit_s=60.0)


def reader(
    max_entries: int,
    show_spinner: bool | str = True,
    districts_inside: bool = False,
    asks_for: str | None = None,
):
    """Declare a reader: `compute(file_stamp, *args)` is cached for everyone, and the reader
    `read(reading, *args)` returns its value restricted to `reading.viewer`'s districts. With
    `districts_inside` the computation is also told the districts (the briefing lays out a
    district officer's own ranks), and they join the cache key. `asks_for` names the argument
    that picks districts (a profile's, the briefing's, a scenario's): a district outside the
    viewer's is refused before anything is read."""

    def declare(compute: Callable) -> Callable:
        stored = st.cache_data(max_entries=max_entries, show_spinner=show_spinner)(compute)
        signature = inspect.signature(compute)

        @functools.wraps(compute)
        def read(reading: Reading, *args, **kwargs):
            districts = reading.viewer.districts
            if asks_for and districts:
                asked = signature.bind(reading.stamp, *args, **kwargs).arguments.get(asks_for)
                district_rule.check_asked(asked, districts)
            if districts_inside:
                kwargs["districts"] = districts
            value = stored(reading.stamp, *args, **kwargs)
            _RECENT.add(compute.__name__, args, kwargs)
            return district_rule.restrict_value(value, districts)

        read.clear = stored.clear
        read.unrestricted = stored  # for readers built on readers, inside this module only
        READERS[compute.__name__] = read
        return read

    return declare


@reader(max_entries=256)
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


@reader(max_entries=64)
def district_ranking(file_stamp: tuple, code: str, *period: str | None) -> pd.DataFrame:
    """Every district ranked by a metric (ranks among all 35, kept for a district officer)."""
    frame = metric_frame.unrestricted(file_stamp, code, ("district",), *period)
    return summaries.district_ranking(registry.get(code), frame, _register(file_stamp))


@reader(max_entries=64)
def map_breaks(file_stamp: tuple, code: str, *period: str | None) -> tuple[float, ...]:
    """The class breaks of a metric's map, from every district's value (no district named), so
    a district officer's map keeps the province's classes."""
    frame = metric_frame.unrestricted(file_stamp, code, ("district",), *period)
    return maps.quantile_breaks(frame["value"]) if "value" in frame else ()


@reader(max_entries=64)
def district_frame(file_stamp: tuple, *period: str | None) -> pd.DataFrame:
    """Uptake, access, expected uptake, gap and its rank, quadrant of every district
    (kp_dash.numbers.analysis)."""
    return analysis.district_frame(connection(file_stamp), *period)


@dataclass(frozen=True)
class UptakeView:
    """The Uptake page's reading: the district rows, and what is drawn from all of them (the
    fitted line, the tercile breaks and how many districts fall in each quadrant)."""

    districts: pd.DataFrame
    fit: analysis.UptakeFit | None
    classed: pd.DataFrame
    terciles: bivariate.Terciles
    quadrants: list[tuple[str, int, str]] = field(default_factory=list)


@reader(max_entries=32)
def uptake_view(file_stamp: tuple, *period: str | None) -> UptakeView:
    frame = district_frame.unrestricted(file_stamp, *period)
    classed, terciles = bivariate.bivariate_classes(frame)
    quadrants = uptake_access.quadrant_counts(frame, analysis.QUADRANTS)
    return UptakeView(frame, analysis.fit_uptake(frame), classed, terciles, quadrants)


GROUP_PARTS = {
    "table": group_rows.group_table,
    "matrix": groups.district_group_matrix,
    "matrix_sources": groups.matrix_sources,  # what the district × group ratios divide
    "unserved": groups.unserved_table,
    "inequality": group_inequality.selection_summary,
    "subgroups": group_inequality.selection_subgroups,
}


@reader(max_entries=64)
def group_part(file_stamp: tuple, part: str, *period: str | None) -> pd.DataFrame:
    """One frame of the Excluded groups page (`part` names a function in `GROUP_PARTS`)."""
    return GROUP_PARTS[part](connection(file_stamp), *period)


@reader(max_entries=64)
def inequality_over_time(
    file_stamp: tuple, dimension: str, code: str, *period: str | None
) -> pd.DataFrame:
    """One inequality measure of one dimension by month (kp_dash.numbers.group_inequality)."""
    return group_inequality.over_time(connection(file_stamp), dimension, code, *period)


@reader(max_entries=32)
def key_messages(
    file_stamp: tuple, *period: str | None, lang: str = "en"
) -> list[briefing.KeyMessage]:
    """The key messages of the selection in `lang` (kp_dash.views.key_messages)."""
    return briefing.key_messages(connection(file_stamp), *period, lang=lang)


@reader(max_entries=64, asks_for="code")
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
        "inequality": group_inequality.district_summary,
        "rankings": profile.rankings,
        "completeness": profile_usage.completeness_row,
    }
    return functions[part](con, code, month_from, month_to, service=service)


@reader(max_entries=32)
def plan_factors(file_stamp: tuple, *period: str | None) -> pd.DataFrame:
    """The connectivity priority factors of every district (kp_dash.numbers.planning)."""
    return planning.factor_frame(connection(file_stamp), *period)


@reader(max_entries=64)
def plan_ranking(
    file_stamp: tuple, weights: tuple[tuple[str, float], ...], *period: str | None
) -> pd.DataFrame:
    """The priority ranking under `weights` ((factor, weight) pairs), ranked among all 35, with
    each district's stability range (kp_dash.views.plan_page.ranked)."""
    return plan_page.ranked(plan_factors.unrestricted(file_stamp, *period), dict(weights))


@reader(max_entries=64, asks_for="districts")
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


@reader(max_entries=32)
def plan_coverage(file_stamp: tuple, *period: str | None) -> pd.DataFrame | None:
    return planning.coverage_usage_gap(connection(file_stamp), *period)


@reader(max_entries=32)
def plan_inputs(file_stamp: tuple, *period: str | None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """What the planning downloads cite: the district frame (uptake, access and population with
    their sources) and the 4G coverage sources (None when coverage is not loaded)."""
    cover = planning.coverage_sources(table.unrestricted(file_stamp, "stg_indicators_current"))
    return district_frame.unrestricted(file_stamp, *period), cover


@reader(max_entries=16)
def table(file_stamp: tuple, name: str) -> pd.DataFrame:
    """A whole small table or view (register, services, sources); names come from the code."""
    return db.whole_table(connection(file_stamp), name)


@reader(max_entries=4)
def usage_batches(file_stamp: tuple) -> pd.DataFrame:
    """Every usage batch loaded, with its source and year (kp_dash.views.catalogue)."""
    return catalogue.batch_table(freshness.usage_batches(connection(file_stamp)))


@st.cache_data(max_entries=4)
def build_info(file_stamp: tuple) -> dict[str, str]:
    """Facts of the build (when, which months, whether demonstration data): none of a district."""
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


@st.cache_data(max_entries=1)
def province_register() -> pd.DataFrame:
    """The published register of the 35 districts (codes, names, divisions): names, no figures,
    which links and forms may name whoever looks."""
    return districts.load_register()


@st.cache_data(max_entries=4)
def database_problem(path: str, build_file: tuple | None) -> str | None:
    """Checked once per build file (`build_file` is its identity), not on every page run."""
    return db.database_problem(Path(path))


# Caches that hold no district's figures: the connection, the build's facts, the published
# register (names only), the shapes every map draws (a district officer's others "Outside your
# districts"), what is wrong with the database file, and figures, which are built from readers'
# values and keyed by the viewer's districts.
PLUMBING = ("_connection", "build_info", "province_register", "district_layer", "tile_layer",
            "database_problem", "figure")  # fmt: skip


def data_changed() -> None:
    """Forget cached database results after an import or withdrawal (the map layer stays)."""
    for cached_function in (_connection, build_info, figure, *READERS.values()):
        cached_function.clear()
    _SWITCH.forget()


@st.cache_resource(max_entries=256)
def figure(key: tuple, _build: Callable[[], go.Figure]) -> go.Figure:
    """A figure built once per `key` and shared by every session that draws it (none changes
    it). The key names everything it is drawn from: the database stamp, the selection, the
    shapes (`layer_key`) and the viewer's districts."""
    return _build()


def layer_key(layer: geo.DistrictLayer) -> tuple[str, str, int]:
    return layer.kind, layer.source, len(layer.gdf)


@reader(max_entries=64)
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


@reader(max_entries=64, asks_for="code")
def profile_figures_display(file_stamp: tuple, code: str, lang: str = "en") -> pd.DataFrame:
    """The profile's figures as people read them (the formatting costs more than the query)."""
    figures = profile_part.unrestricted(file_stamp, "figures", code)
    return profile_tables.figures_display(figures, lang, code)


@reader(max_entries=64)
def trend_series(
    file_stamp: tuple, code: str, level: str, members: tuple[str, ...], *period: str | None
) -> pd.DataFrame:
    service, month_from, month_to = period
    con, span = connection(file_stamp), {"month_from": month_from, "month_to": month_to}
    return trends.series(con, code, level=level, members=members, service=service, **span)


@reader(max_entries=64)
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


@reader(max_entries=32)
def target_status(file_stamp: tuple, *period: str | None) -> pd.DataFrame:
    service, month_from, month_to = period
    span = {"month_from": month_from, "month_to": month_to}
    return trends.target_status(connection(file_stamp), service=service, **span)


def _register(file_stamp: tuple) -> pd.DataFrame:
    return table.unrestricted(file_stamp, "districts")


def register(reading: Reading) -> pd.DataFrame:
    """The district register: the viewer's districts (all 35 for the province)."""
    return table(reading, "districts")


@reader(
    max_entries=16,
    show_spinner="Preparing the briefing…",
    districts_inside=True,
    asks_for="district",
)
def briefing_pdf(
    file_stamp: tuple,
    district: str | None = None,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
    lang: str = "en",
    districts: tuple[str, ...] = (),
) -> bytes:
    """The printable briefing in `lang` (about a second to build: cached per database,
    selection, language and a district officer's districts, whose own ranks it lays out)."""
    return pdf_layout.briefing_pdf(
        connection(file_stamp),
        district=district,
        service=service,
        month_from=month_from,
        month_to=month_to,
        allowed=districts,
        lang=lang,
        layer=boundary_layer(),  # printed on paper: the real boundaries, not the tile map
    )


@reader(max_entries=32)
def source_years(file_stamp: tuple, *period: str | None) -> dict[str, tuple[int, ...]]:
    return summaries.source_years(connection(file_stamp), *period)
