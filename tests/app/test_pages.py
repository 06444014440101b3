"""Every page under Streamlit's AppTest: demo data, an empty database, no database, interactions."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Element

from kp_dash.numbers import registry, summaries
from kp_dash.store import build, db
from kp_dash.views import maps, ui
from tests.app.conftest import ROOT, TIMEOUT_S

ENTRY = "app.py"  # the navigation; it runs Home by default
HOME = "pages/0_Home.py"
MAP = "pages/1_Map.py"
SOURCES = "pages/9_Sources.py"
QUALITY = "pages/3_Quality.py"
UPTAKE_PAGE = "pages/4_Uptake.py"
GROUPS = "pages/5_Groups.py"
TRENDS = "pages/6_Trends.py"
PAGES = (ENTRY, HOME, MAP, QUALITY, UPTAKE_PAGE, GROUPS, TRENDS, SOURCES)
DEMO_BANNER = "Demonstration data"
DISTRICT_COUNT = 35
UPTAKE = registry.get("uptake_per_1000")
# "Source: <text> (<year or year range>)" in the plotly hover text
YEAR = r"\d{4}([-–]\d{4})?"  # one year or a range
HOVER_SOURCE = re.compile(rf"Source: \S.* \({YEAR}\)")
ZERO = re.compile(r"^0+([.,]0+)?\b")

RunPage = Callable[[str], AppTest]  # the run_page fixture


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(elements: Iterable[Element]) -> list[str]:
    return [str(el.value) for el in elements]


def _has_banner(at: AppTest) -> bool:
    return any(DEMO_BANNER in text for text in _texts(at.warning))


def _frame_with(at: AppTest, column: str) -> pd.DataFrame:
    """The shown dataframe that has `column` (AppTest does not keep st.dataframe keys)."""
    frames = [df.value for df in at.dataframe if column in df.value.columns]
    assert len(frames) == 1, f"expected one table with column {column!r}, found {len(frames)}"
    return frames[0]


def _ranking(at: AppTest) -> pd.DataFrame:
    return _frame_with(at, "Rank")


def _value_column(frame: pd.DataFrame, metric: registry.Metric) -> pd.Series:
    return frame[f"{metric.label} ({metric.unit})"]


def _plotly(at: AppTest) -> dict:
    charts = at.get("plotly_chart")
    assert len(charts) == 1, "expected exactly one plotly chart"
    return json.loads(charts[0].proto.spec)


def _deck(at: AppTest) -> tuple[dict, dict]:
    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 1, "expected exactly one pydeck chart"
    return json.loads(decks[0].proto.json), json.loads(decks[0].proto.tooltip)


def _areas(spec: dict) -> list[dict]:
    """The district polygon traces (label-only text traces carry no locations)."""
    return [trace for trace in spec["data"] if trace["type"] == "choroplethmap"]


def _plotly_districts(spec: dict) -> list[str]:
    return [code for trace in _areas(spec) for code in trace["locations"]]


def _plotly_hovers(spec: dict) -> list[str]:
    return [text for trace in _areas(spec) for text in trace["text"]]


def _deck_features(deck: dict) -> list[dict]:
    """Features of the GeoJSON layers (a text layer for tile labels holds plain records)."""
    layers = [layer for layer in deck["layers"] if layer["@@type"] == "GeoJsonLayer"]
    return [feature for layer in layers for feature in layer["data"]["features"]]


def _headlines(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _headline(at: AppTest, metric: registry.Metric) -> str:
    values = [value for label, value in _headlines(at).items() if label.startswith(metric.label)]
    assert len(values) == 1, _headlines(at)
    return values[0]


def _seed_tables_with_source(db_path: Path) -> set[str]:
    """Seed tables whose rows carry a source: each must be accounted for on the Sources page."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute(
            "select distinct table_name from information_schema.columns"
            " where column_name = 'source'"
        ).fetchall()
    return {name for (name,) in rows} & set(build.SEED_TABLES)


# --- every page, three database states ---------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_demo_data_with_banner(page: str, on_demo: Path, run_page: RunPage) -> None:
    at = _ok(run_page(page))
    assert _has_banner(at), f"{page} does not show the demonstration-data banner"


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_empty_database_without_banner(
    page: str, on_empty: Path, run_page: RunPage
) -> None:
    at = _ok(run_page(page))
    assert not _has_banner(at)
    assert any("No service-usage data" in text for text in _texts(at.info)), _texts(at.info)


@pytest.mark.parametrize("page", PAGES)
def test_page_without_database_says_how_to_build_one(page: str, run_page: RunPage) -> None:
    # isolated_state points KP_DASH_DB at a file that does not exist
    at = _ok(run_page(page))
    messages = " ".join(_texts(at.info))
    assert "no database yet" in messages
    assert "python -m kp_dash build" in messages
    assert not at.get("plotly_chart")
    assert not _has_banner(at)


@pytest.fixture(scope="module")
def older_db(empty_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database as older code left it: a view this code reads is missing, its SQL differs."""
    path = tmp_path_factory.mktemp("older") / "older.duckdb"
    shutil.copyfile(db.current_build(empty_db), path)
    with duckdb.connect(str(path)) as con:
        con.execute("drop view metric_uptake_per_1000")
        con.execute("update build_info set value = 'older' where key = 'sql_fingerprint'")
    return path


@pytest.mark.parametrize("page", PAGES)
def test_page_on_a_database_built_by_older_code_says_what_to_run(
    page: str, older_db: Path, run_page: RunPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KP_DASH_DB", str(older_db))
    at = _ok(run_page(page))
    errors = _texts(at.error)
    assert len(errors) == 1, errors
    assert "built by older code" in errors[0] and "python -m kp_dash build" in errors[0]
    assert str(older_db) in errors[0]
    assert not at.get("plotly_chart")
    if page != SOURCES:  # the metric definitions need no database
        assert not at.dataframe


def test_page_on_an_unreadable_database_says_so(
    run_page: RunPage, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database" * 100)
    monkeypatch.setenv("KP_DASH_DB", str(junk))
    at = _ok(run_page(MAP))
    (error,) = _texts(at.error)
    assert "cannot be read" in error and str(junk) in error


# --- Home --------------------------------------------------------------------------------------


def test_home_shows_headlines_and_all_districts_ranked(on_demo: Path, run_page: RunPage) -> None:
    at = _ok(run_page(HOME))
    assert at.title[0].value == "KP Digital Inclusion Dashboard"
    assert _headline(at, UPTAKE) != summaries.NO_DATA
    ranking = _ranking(at)
    assert len(ranking) == DISTRICT_COUNT
    assert ranking["District"].is_unique
    assert list(ranking["Rank"])[:3] == [1, 2, 3]
    assert not (_value_column(ranking, UPTAKE) == summaries.NO_DATA).all()


def test_home_on_empty_database_shows_no_data_never_zero(on_empty: Path, run_page: RunPage) -> None:
    at = _ok(run_page(HOME))
    assert _headline(at, UPTAKE) == summaries.NO_DATA
    for label, value in _headlines(at).items():
        assert not ZERO.match(value), f"headline {label!r} shows a zero: {value!r}"
    shown = _value_column(_ranking(at), UPTAKE)
    assert len(shown) == DISTRICT_COUNT
    assert (shown == summaries.NO_DATA).all(), shown.unique()


def test_home_service_choice_changes_ranking_values(on_demo: Path, run_page: RunPage) -> None:
    at = _ok(run_page(HOME))
    before = _value_column(_ranking(at), UPTAKE).tolist()
    subheaders = _texts(at.subheader)
    service = at.selectbox(key="service")
    assert service.value == "all"  # all services
    # set_value takes the option itself (a code); select_index would pass the formatted label
    _ok(service.set_value("health_complaints").run())
    after = _value_column(_ranking(at), UPTAKE).tolist()
    assert after != before
    assert _texts(at.subheader) != subheaders
    # the heading names the service as people know it, not by its code
    assert "Online complaints about health services" in _texts(at.subheader)[0]


def test_home_metric_choice_changes_table_header(on_demo: Path, run_page: RunPage) -> None:
    at = _ok(run_page(HOME))
    other = registry.get("digital_share_pct")
    assert f"{UPTAKE.label} ({UPTAKE.unit})" in _ranking(at).columns
    _ok(at.selectbox(key="home_metric").set_value(other.code).run())
    columns = _ranking(at).columns
    assert f"{other.label} ({other.unit})" in columns
    assert f"{UPTAKE.label} ({UPTAKE.unit})" not in columns


# --- Map ---------------------------------------------------------------------------------------


def test_map_plotly_has_every_district_with_source_and_year(
    on_demo: Path, run_page: RunPage
) -> None:
    at = _ok(run_page(MAP))
    assert at.radio(key="map_view").value == "plotly"
    spec = _plotly(at)
    codes = _plotly_districts(spec)
    assert len(codes) == DISTRICT_COUNT
    assert len(set(codes)) == DISTRICT_COUNT
    hovers = _plotly_hovers(spec)
    assert len(hovers) == DISTRICT_COUNT
    assert all(HOVER_SOURCE.search(text) for text in hovers), hovers[:3]
    assert any(UPTAKE.label in text for text in hovers)


def test_map_pydeck_view_has_every_district_with_source_and_year(
    on_demo: Path, run_page: RunPage
) -> None:
    at = _ok(run_page(MAP))
    _ok(at.radio(key="map_view").set_value("pydeck").run())
    assert not at.get("plotly_chart")
    deck, tooltip = _deck(at)
    features = _deck_features(deck)
    assert len(features) == DISTRICT_COUNT
    assert len({f["properties"]["district_name"] for f in features}) == DISTRICT_COUNT
    assert "{source}" in tooltip["html"] and "{year}" in tooltip["html"]
    for feature in features:
        props = feature["properties"]
        assert props["source"].strip(" –"), props
        assert re.fullmatch(YEAR, props["year"]), props


def test_map_view_switches_back_to_plotly(on_demo: Path, run_page: RunPage) -> None:
    at = _ok(run_page(MAP))
    _ok(at.radio(key="map_view").set_value("pydeck").run())
    _ok(at.radio(key="map_view").set_value("plotly").run())
    assert len(_plotly_districts(_plotly(at))) == DISTRICT_COUNT
    assert not at.get("deck_gl_json_chart")


def test_map_draws_the_real_districts_and_the_tile_map_is_one_click_away(
    on_demo: Path, run_page: RunPage
) -> None:
    at = _ok(run_page(MAP))
    shapes = at.sidebar.radio(key=ui.SHAPES_KEY)
    assert shapes.value == ui.BOUNDARY_SHAPES
    assert any("OCHA COD-AB" in text for text in _texts(at.caption))
    _ok(shapes.set_value(ui.TILE_SHAPES).run())
    spec = _plotly(at)
    assert not _areas(spec)  # the tile map is a diagram, not a MapLibre map
    (names,) = [t for t in spec["data"] if t.get("mode") == "markers+text"]
    assert len(names["text"]) == DISTRICT_COUNT and "Peshawar" in names["text"]
    assert at.query_params["shapes"] in (ui.TILE_SHAPES, [ui.TILE_SHAPES])
    _ok(at.sidebar.radio(key=ui.SHAPES_KEY).set_value(ui.BOUNDARY_SHAPES).run())
    assert len(_plotly_districts(_plotly(at))) == DISTRICT_COUNT
    assert "shapes" not in at.query_params


def test_the_shapes_choice_survives_a_page_without_a_map(on_demo: Path) -> None:
    at = _ok(AppTest.from_file(ROOT / ENTRY, default_timeout=TIMEOUT_S).run())
    _ok(at.switch_page(MAP).run())
    _ok(at.sidebar.radio(key=ui.SHAPES_KEY).set_value(ui.TILE_SHAPES).run())
    _ok(at.switch_page(SOURCES).run())  # no map there, so no shapes widget
    assert not at.sidebar.radio
    at.query_params.clear()  # the sidebar's page links carry no query string
    _ok(at.switch_page(MAP).run())
    assert at.sidebar.radio(key=ui.SHAPES_KEY).value == ui.TILE_SHAPES


def test_map_metric_choice_changes_map(on_demo: Path, run_page: RunPage) -> None:
    at = _ok(run_page(MAP))
    before = _plotly(at)
    other = registry.get("literacy_pct")
    _ok(at.selectbox(key="map_metric").set_value(other.code).run())
    after = _plotly(at)
    assert after["layout"]["legend"]["title"]["text"] != before["layout"]["legend"]["title"]["text"]
    assert other.label in after["layout"]["legend"]["title"]["text"]
    assert all(other.label in text for text in _plotly_hovers(after))
    assert len(_plotly_districts(after)) == DISTRICT_COUNT


def test_map_on_empty_database_shows_every_district_as_no_data(
    on_empty: Path, run_page: RunPage
) -> None:
    at = _ok(run_page(MAP))
    assert any("No data for this metric" in text for text in _texts(at.info)), _texts(at.info)
    spec = _plotly(at)
    assert [trace["name"] for trace in _areas(spec)] == [maps.NO_DATA_LEGEND]
    assert len(_plotly_districts(spec)) == DISTRICT_COUNT
    hovers = _plotly_hovers(spec)
    assert all(f": {summaries.NO_DATA}<br>" in text for text in hovers), hovers[:3]


# --- Sources & definitions ---------------------------------------------------------------------


def test_sources_lists_every_metric_and_seed_table(on_demo: Path, run_page: RunPage) -> None:
    at = _ok(run_page(SOURCES))
    listed = set(_frame_with(at, "Formula")["Code"])
    assert listed == set(registry.ALL)
    expanders = {e.label for e in at.expander}
    assert expanders >= {f"SQL of {code}" for code in registry.REGISTRY}
    tables = set(_frame_with(at, "Table")["Table"])
    assert tables >= _seed_tables_with_source(on_demo), tables
    assert {"Seed tables", "Usage data loaded", "Services"} <= set(_texts(at.subheader))


def test_sources_lists_metrics_even_without_database(run_page: RunPage) -> None:
    at = _ok(run_page(SOURCES))
    assert set(_frame_with(at, "Formula")["Code"]) == set(registry.ALL)


# --- shareable views ---------------------------------------------------------------------------


def test_a_shared_link_reproduces_the_selection(on_demo: Path) -> None:
    at = AppTest.from_file(Path(__file__).parents[2] / MAP, default_timeout=60)
    at.query_params.update(
        {"service": "health_card", "from": "2025-01", "to": "2025-06", "metric": "literacy_pct"}
    )
    _ok(at.run())
    assert at.selectbox(key="service").value == "health_card"
    assert at.select_slider(key="period").value == ("2025-01", "2025-06")
    assert at.selectbox(key="map_metric").value == "literacy_pct"
    # choosing again writes the choice back into the link
    _ok(at.selectbox(key="map_metric").set_value("grid_light_pct").run())
    assert at.query_params["metric"] == "grid_light_pct"


def test_a_link_with_unknown_values_falls_back_to_defaults(on_demo: Path) -> None:
    at = AppTest.from_file(Path(__file__).parents[2] / HOME, default_timeout=60)
    at.query_params.update({"service": "passports", "from": "1999-01", "metric": "nope"})
    _ok(at.run())
    assert at.selectbox(key="service").value == "all"
    assert at.selectbox(key="home_metric").value == "uptake_per_1000"


# --- exports -----------------------------------------------------------------------------------


def test_tables_and_map_data_can_be_downloaded(on_demo: Path, run_page: RunPage) -> None:
    keys = {
        HOME: {"home_ranking_download_csv", "home_ranking_download_xlsx"},
        MAP: {"map_table_csv", "map_table_xlsx", "map_geojson"},
        UPTAKE_PAGE: {"ua_table_download_csv", "ua_table_download_xlsx"},
        GROUPS: {"groups_table_download_csv", "groups_unserved_dl_xlsx"},
        SOURCES: {"sources_metrics_dl_csv", "sources_seed_download_xlsx"},
    }
    for page, expected in keys.items():
        at = _ok(run_page(page))
        found = {button.key for button in at.get("download_button")}
        assert expected <= found, (page, found)


def test_map_geojson_carries_values_sources_and_the_demo_note(on_demo: Path) -> None:
    from kp_dash.store import geo
    from kp_dash.views import exports

    layer = geo.district_layer(None)
    values = pd.DataFrame(
        {
            "district_code": ["PK502"],
            "district_name": ["Bajaur"],
            "value": [12.5],
            "source": ["=cmd"],
            "year": ["2025"],
        }
    )
    data = json.loads(exports.geojson_bytes(layer, exports.export_frame(values, demo=True)))
    bajaur = next(f for f in data["features"] if f["id"] == "PK502")["properties"]
    assert (bajaur["value"], bajaur["year"], bajaur["source"]) == (12.5, "2025", "'=cmd")
    assert bajaur["note"] == exports.DEMO_NOTE
    assert len(data["features"]) == 35
