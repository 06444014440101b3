"""Streamlit glue for the pages: the page frame (navigation, database check, data banner, the
shared sidebar filters kept in the URL), the choice of district shapes, pickers, downloads,
captions and the page's numbered source list. What it reads comes from `kp_dash.views.cached`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from kp_dash.numbers import planning, profile, registry, source_texts, summaries
from kp_dash.store import accounts, audit, config, db, geo
from kp_dash.views import (
    auth,
    cached,
    disclosure,
    exports,
    key_messages,
    language,
    language_ui,
    markdown,
    plan_page,
    scope,
    source_list,
)
from kp_dash.views.cached import Reading
from kp_dash.views.language import N_

BOUNDARY_SHAPES = "boundaries"
TILE_SHAPES = "tiles"
SHAPES = {BOUNDARY_SHAPES: N_("District boundaries"), TILE_SHAPES: N_("Tile map (equal sizes)")}
SHAPES_KEY = "map_shapes"
SHAPES_KEPT = "map_shapes_kept"
ALL_SERVICES = N_("All services")
ALL_CODE = "all"
SOURCES_HEADING = N_("Sources")
DEMO_WARNING = N_(
    "**Demonstration data.** The usage figures on this page are simulated from real district "
    "figures (Census 2023, PSLM 2019-20); they are not real service records. Population and "
    "access figures are real."
)
NO_USAGE = N_(
    "No service-usage data is loaded yet: uptake figures show *No data*. Import a department "
    "usage file on the Data page, or show the simulated demonstration data with "
    "`python -m kp_dash build --demo` (only while no real usage is loaded). Population and "
    "access figures below are real."
)
SERVICE_LABEL, PERIOD_LABEL = N_("Service"), N_("Period")
NO_PERIOD = N_("Period: no usage data loaded")


def plan_scenario_export(page: PageContext, result: planning.Scenario) -> pd.DataFrame:
    """The scenario by service as downloaded, with each service's uptake source and the access
    index's."""
    period = page.selection.period
    uptake = cached.metric_frame(page, "uptake_per_1000", ("service",), *period)
    access = cached.metric_frame(page, "access_index")
    return plan_page.scenario_export(result, uptake, access)


def plan_sources(page: PageContext) -> list[str]:
    """The sources behind the planning factors: the usage, the census and the access surveys."""
    return source_texts.parts(cached.district_frame(page)["source"])


def province_register() -> pd.DataFrame:
    """The 35 districts' codes, names and divisions (the published register, no figures): what
    a link or a form may name, whoever looks."""
    return cached.province_register()


def current_layer() -> geo.DistrictLayer:
    """The district shapes the page's maps draw, as chosen in the sidebar: the boundaries (a
    configured file, else the bundled OCHA layer) or the tile map."""
    return cached.tile_layer() if shapes_choice() == TILE_SHAPES else cached.boundary_layer()


def shapes_choice() -> str:
    """Boundaries or tile map, one click away in the sidebar of every page with a map. The
    choice is kept for the session (pages without a map do not draw the widget, so it is copied
    aside) and in the URL (`shapes=tiles`)."""
    if SHAPES_KEY not in st.session_state:
        kept = st.session_state.get(SHAPES_KEPT)
        st.session_state[SHAPES_KEY] = kept or url_choice("shapes", list(SHAPES), BOUNDARY_SHAPES)
    t = language_ui.t
    choice = st.sidebar.radio(
        t(N_("District shapes")),
        list(SHAPES),
        key=SHAPES_KEY,
        format_func=lambda shapes: t(SHAPES[shapes]),
        help=t(
            N_(
                "The tile map draws every district the same size, so small districts such as "
                "Peshawar or Charsadda are seen as clearly as large ones."
            )
        ),
    )
    st.session_state[SHAPES_KEPT] = choice
    keep_in_url("shapes", choice if choice != BOUNDARY_SHAPES else None)
    return choice


def require_database() -> tuple | None:
    """The database cached.stamp, or one message saying what is wrong and how to fix it (and None):
    no database yet, a database built by older code, or a file that cannot be read."""
    path = config.db_path()
    try:
        build_file = cached.build_file_stamp(db.current_build(path))
    except OSError:
        build_file = None
    problem = cached.database_problem(str(path), build_file)
    if problem is None:
        return cached.stamp()
    if not path.exists():
        st.info(
            f"There is no database yet at `{path}`. Build it with "
            "`python -m kp_dash build` (or start the app with `make run`, which builds it)."
        )
    else:
        st.error(problem)
    return None


def data_banner(info: dict[str, str]) -> bool:
    """Demo warning, or the no-usage notice; returns whether usage data is present."""
    if info.get("has_demo") == "true":
        st.warning(language_ui.t(DEMO_WARNING), icon="⚠️")
    has_usage = int(info.get("usage_rows", "0")) > 0
    if not has_usage:
        st.info(language_ui.t(NO_USAGE))
    return has_usage


@dataclass(frozen=True)
class PageContext(Reading):
    """What every data page starts from, once per run: the viewer and the database (what every
    reader is given), the database's build facts and the selection."""

    info: dict[str, str]
    selection: Selection
    has_usage: bool


def use_app_navigation() -> None:
    """Make sure the page runs inside app.py's navigation, whatever the server's first URL was.

    On the server's first run Streamlit notes whether a `pages/` folder exists and, if so, serves
    its automatic navigation until some script calls `st.navigation`. When the first request is a
    shared link to a page, app.py never runs and that navigation would stay for every session.
    Clearing the note (what `st.navigation` itself does) and rerunning sends this run through
    app.py, which then opens the page the link asked for.
    """
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


def enter(page: str) -> accounts.User:
    """The first call of every page: app.py's navigation, then the login form or a refusal
    unless the session's user may open `page` (its URL path, `Home` for the first page)."""
    use_app_navigation()
    language_ui.picker()
    return auth.require(page)


def start_page(title: str, page: str) -> PageContext:
    """Login check, title, database check, data banner and the shared sidebar filters; stops the
    page with a how-to message when there is no database."""
    viewer = enter(page)
    st.title(language_ui.t(title))
    reading = read_as(viewer)
    info = cached.build_info(reading.stamp)
    has_usage = data_banner(info)
    selection = sidebar_selection(reading, info)
    return PageContext(reading.viewer, reading.stamp, info, selection, has_usage)


def title(text: str) -> None:
    """A page's heading, in the session's language."""
    st.title(language_ui.t(text))


def read_as(viewer: accounts.User) -> Reading:
    """What `viewer` reads the database with; the page stops with a how-to message when there
    is no database."""
    file_stamp = require_database()
    if file_stamp is None:
        st.stop()
    return Reading(viewer, file_stamp)


@dataclass(frozen=True)
class Selection:
    service: str | None
    month_from: str | None
    month_to: str | None
    service_label: str = ALL_SERVICES  # in the session's language
    lang: str = "en"

    @property
    def period(self) -> tuple[str | None, str | None, str | None]:
        """Service and months, in the order `metric_frame` takes them."""
        return self.service, self.month_from, self.month_to

    @property
    def period_label(self) -> str:
        if not self.month_from:
            return language.text(N_("no usage period"), self.lang)
        return key_messages.period_text(self.month_from, self.month_to, self.lang)


def url_choice(name: str, options: Sequence, default: object) -> object:
    """A choice carried in the page URL (`?service=…`), when it is one of the options."""
    value = st.query_params.get(name)
    return value if value in options else default


def keep_in_url(name: str, value: object) -> None:
    """Write a choice into the page URL so that a copied link reproduces what was seen."""
    if value is None:
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != str(value):
        st.query_params[name] = str(value)


def _start_from_url(key: str, value: object) -> None:
    """A widget's first value comes from the URL; after that the widget keeps its own."""
    if key not in st.session_state:
        st.session_state[key] = value


def sidebar_selection(reading: Reading, info: dict[str, str]) -> Selection:
    """Service and period filters, shared by every page (same keys, so choices persist) and kept
    in the URL (`service`, `from`, `to`)."""
    services = cached.table(reading, "services")
    lang = language_ui.current()
    names = {ALL_CODE: language_ui.t(ALL_SERVICES)} | {
        code: language.name("service", code, name, lang)
        for code, name in zip(services["service_code"], services["service_name"], strict=True)
    }
    # "all" rather than None: a selectbox shows None as an empty placeholder
    _start_from_url("service", url_choice("service", list(names), ALL_CODE))
    choice = st.sidebar.selectbox(
        language_ui.t(SERVICE_LABEL), list(names), key="service", format_func=names.get
    )
    code = None if choice == ALL_CODE else choice
    keep_in_url("service", code)
    months = summaries.month_options(info.get("first_month"), info.get("last_month"))
    label = names[choice]
    if not months:
        st.sidebar.caption(language_ui.t(NO_PERIOD))
        return Selection(code, None, None, label, lang)
    # the URL holds the current choice after the first run, so the default follows the widget
    start, end = st.sidebar.select_slider(
        language_ui.t(PERIOD_LABEL), months, value=_period_from_url(months), key="period"
    )
    keep_in_url("from", start)
    keep_in_url("to", end)
    return Selection(code, start, end, label, lang)


def _period_from_url(months: list[str]) -> tuple[str, str]:
    """The URL's `from`/`to` months, else the last twelve months of data."""
    start = url_choice("from", months, months[max(0, len(months) - 12)])
    end = url_choice("to", months, months[-1])
    return (start, end) if start <= end else (end, start)


def metric_picker(
    label: str = N_("Metric"), key: str = "metric", default: str = "uptake_per_1000"
) -> registry.Metric:
    """A metric that can be shown district by district, kept in the URL (`metric`)."""
    codes = registry.by_district()
    _start_from_url(key, url_choice("metric", codes, default))
    lang = language_ui.current()
    code = st.selectbox(
        language_ui.t(label),
        codes,
        key=key,
        format_func=lambda c: f"{language.text(registry.get(c).label, lang)} ({c})",
    )
    keep_in_url("metric", code)
    return language.metric(registry.get(code), lang)


def source_caption(frame: pd.DataFrame, sources: source_list.SourceList) -> None:
    """A caption pointing at the page's source list for the sources of a frame."""
    st.caption(sources.cite(frame))


def download_briefing(page: PageContext, key: str, district: str | None = None) -> None:
    """A button for the printable briefing (analysts and up); the PDF is built when clicked
    (about a second), then cached per database, district, selection and the user's districts."""
    label = (
        N_("Printable briefing for this district (PDF)")
        if district
        else N_("Printable briefing (PDF)")
    )
    lang = language_ui.current()
    suffix = "" if lang == "en" else f"-{lang}"
    name = f"kp-briefing-{district}{suffix}.pdf" if district else f"kp-briefing{suffix}.pdf"
    selection = page.selection
    make = functools.partial(cached.briefing_pdf, page, district, *selection.period, lang=lang)
    what = f"{selection.service_label} · {selection.period_label}"
    download_pdf(page.viewer, label, make, name, key, what)


def download_pdf(
    viewer: accounts.User, label: str, make: Callable[[], bytes], name: str, key: str, what: str
) -> None:
    """A PDF (briefing or memo) for analysts and up, laid out when clicked and recorded then."""
    if not viewer.may("analyst"):
        return
    data = audited(viewer, audit.BriefingDownloaded, f"{name} · {what}", make)
    st.download_button(
        language_ui.t(label), data, name, "application/pdf", key=key, on_click="ignore"
    )


def audited(
    viewer: accounts.User,
    kind: type[audit.Downloaded],
    what: str,
    make: Callable[[], bytes],
) -> Callable[[], bytes]:
    """The bytes of a download, made when the button is clicked and recorded in the audit trail
    then (who and from where are taken now: the click runs outside the page script)."""
    event = kind(who=viewer.name, file=what, address=auth.address())

    def download() -> bytes:
        audit.record(event)
        return make()

    return download


def _demo_shown() -> bool:
    """Whether the database on screen carries the demonstration data (its exports say so)."""
    file_stamp = cached.stamp()
    return file_stamp is not None and cached.build_info(file_stamp).get("has_demo") == "true"


def download_table(viewer: accounts.User, frame: pd.DataFrame, name: str, key: str) -> None:
    """CSV and Excel downloads of a table (analysts and up), with source and year, formula-like
    text neutralised and the disclosure rule applied (counts under 10 read '<10' in whichever
    columns count service records, and a rate on fewer than 10 is flagged and not ranked:
    kp_dash.views.exports, kp_dash.views.disclosure). Give a table the counts behind its rates
    with `disclosure.with_counts`. Its rows come from readers, so a district officer's are their
    own. The files are made when a button is clicked, and each download is recorded in the
    audit trail."""
    if not viewer.may("analyst"):
        return
    demo = _demo_shown()

    def export() -> pd.DataFrame:
        return exports.export_frame(frame, demo=demo)

    def workbook() -> bytes:
        shown = export()
        notes = [*([exports.DEMO_NOTE] if demo else []), *disclosure.about(shown)]
        return exports.xlsx_bytes(shown, notes=notes)

    what = f"{len(frame):,} rows"
    csv_file = audited(
        viewer, audit.Downloaded, f"{name}.csv · {what}", lambda: exports.csv_bytes(export())
    )
    xlsx_file = audited(viewer, audit.Downloaded, f"{name}.xlsx · {what}", workbook)
    left, right, _ = st.columns([1, 1, 6])
    left.download_button(
        "CSV", csv_file, f"{name}.csv", "text/csv", key=f"{key}_csv", on_click="ignore"
    )
    right.download_button(
        "Excel", xlsx_file, f"{name}.xlsx", exports.XLSX_MIME, key=f"{key}_xlsx", on_click="ignore"
    )


def download_geojson(
    viewer: accounts.User, layer: geo.DistrictLayer, values: pd.DataFrame, name: str, key: str
) -> None:
    """The map's data as GeoJSON (analysts and up): district shapes with value, source and year,
    and `small_numerator` where `values` carries the counts behind the value; a district
    officer's file has their districts' shapes alone (`values` come from readers)."""
    if not viewer.may("analyst"):
        return
    demo, shapes = _demo_shown(), scope.own_shapes(layer, viewer.districts)

    def collection() -> bytes:
        return exports.geojson_bytes(shapes, exports.export_frame(values, demo=demo))

    data = audited(viewer, audit.Downloaded, f"{name}.geojson", collection)
    st.download_button(
        "GeoJSON",
        data,
        f"{name}.geojson",
        "application/geo+json",
        key=f"{key}_geojson",
        on_click="ignore",
    )


def figure(reading: Reading, key: tuple, build: Callable[[], object]) -> object:
    """A figure drawn once per `key` (everything it is drawn from but the viewer and the
    language), the viewer's districts and the page's language, shared across sessions: a page
    run then only sends it."""
    return cached.figure((*key, reading.viewer.districts, language_ui.current()), build)


def open_profile_on_click(event: object, codes: Sequence[str]) -> None:
    """Clicking a district on a map opens its profile (the district travels in the URL)."""
    from kp_dash.views import uptake_access

    points = getattr(getattr(event, "selection", None), "points", None) or []
    code = uptake_access.picked_district(points, codes)
    if code:
        st.switch_page(profile.PROFILE_PAGE, query_params={profile.URL_PARAM: code})


def weight_sliders(
    factors: Sequence[str], labels: dict[str, str], defaults: dict[str, float], key: str
) -> dict[str, float]:
    """One 0–1 slider per factor, side by side; returns the chosen weights."""
    columns = st.columns(len(factors))
    return {
        factor: column.slider(
            labels[factor], 0.0, 1.0, defaults[factor], 0.05, key=f"{key}_{factor}"
        )
        for factor, column in zip(factors, columns, strict=True)
    }


def page_sources(page: PageContext) -> source_list.SourceList:
    """A new, empty source list for this run of a page, dating the sources of joined texts with
    the years the database holds for the page's selection. The page cites into it under each
    table and figure and draws it once at the end (`draw_sources`)."""
    years = cached.source_years(page, *page.selection.period)
    return source_list.SourceList(years, page.selection.lang)


def draw_sources(sources: source_list.SourceList) -> None:
    """The page's numbered source list, each source once with its year. Source names can come
    from imported files, so they are shown as plain text, never as markdown."""
    st.subheader(language_ui.t(SOURCES_HEADING))
    lines = [f"{number}. {plain(str(entry))}" for number, entry in enumerate(sources.entries, 1)]
    st.caption("\n".join(lines) if lines else sources.caption())


def plain(text: str) -> str:
    """Text with every Markdown (and LaTeX) character escaped, on one line."""
    return markdown.inert(text)


def map_caption(layer: geo.DistrictLayer, sources: source_list.SourceList) -> None:
    """Under a map: the bundled boundaries cited in the page's list (with their attribution
    there), or the note of the layer drawn (the tile map, a configured file and its warnings)."""
    if layer.metadata.get("attribution"):
        cited = layer.metadata["attribution"].removeprefix("District boundaries: ").rstrip(".")
        # the list splits a cited text at "; ", and the attribution is one source
        cited = cited.replace(source_texts.SEPARATOR, ", ")
        year = layer.metadata.get("source_date", "")[:4]
        boundaries = language_ui.t(SHAPES[BOUNDARY_SHAPES])
        st.caption(f"{boundaries} — {sources.cite([(cited, year)])}")
    elif layer.note:
        st.caption(layer.note)


MAP_AS_TABLE = N_("The map as a table")


def map_as_table(table: pd.DataFrame, key: str) -> None:
    """Under a map: its data as a table, one click (or Enter on the keyboard) away."""
    with st.expander(language_ui.t(MAP_AS_TABLE)):
        st.dataframe(table, hide_index=True, key=key)
