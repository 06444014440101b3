"""The Uptake vs access page under AppTest: demo data, an empty database, no database, and the
district picker highlighting one district in the scatter, the map and the gap table."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from kp_dash.numbers import analysis
from kp_dash.views import uptake_access

RunPage = Callable[[str], AppTest]  # the run_page fixture
PAGE = "pages/4_Uptake.py"
DISTRICT_COUNT = 35
DEMO_BANNER = "Demonstration data"
GAP = "Gap per 1,000"
ZERO = re.compile(r"^[+-]?0+([.,]0+)?$")
NUMBER_COLUMNS = ("Uptake per 1,000", "Expected per 1,000 (modelled)", GAP, "Access index")


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(elements) -> list[str]:
    return [str(el.value) for el in elements]


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _scatter(at: AppTest) -> dict:
    found = [s for s in _charts(at) if any(t["type"] == "scatter" for t in s["data"])]
    found = [s for s in found if s["layout"].get("yaxis", {}).get("type") == "log"]
    assert len(found) == 1, "expected one uptake-vs-access scatter"
    return found[0]


def _map(at: AppTest) -> dict:
    found = [s for s in _charts(at) if any(t["type"] == "choroplethmap" for t in s["data"])]
    assert len(found) == 1, "expected one bivariate map"
    return found[0]


def _gap_table(at: AppTest) -> pd.DataFrame:
    frames = [df.value for df in at.dataframe if GAP in df.value.columns]
    assert len(frames) == 1
    return frames[0]


def _selected_names(spec: dict) -> list[str]:
    return [t["name"] for t in spec["data"] if str(t.get("name", "")).startswith("Selected: ")]


def _gap_values(table: pd.DataFrame) -> list[float]:
    return [float(v) for v in table[GAP] if v != uptake_access.NO_DATA]


def test_page_on_demo_data_shows_scatter_map_legend_and_ranked_table(
    on_demo: Path, run_page: RunPage
) -> None:
    at = _ok(run_page(PAGE))
    assert at.title[0].value == "Uptake vs access"
    assert any(DEMO_BANNER in text for text in _texts(at.warning))
    scatter = _scatter(at)
    names = [t["name"] for t in scatter["data"]]
    assert names[:2] == ["95% band of the fitted line", "Expected uptake at that access (fit)"]
    codes = [c for t in scatter["data"] if t["name"].startswith(("District", "Merged")) for c in
             t["customdata"]]  # fmt: skip
    assert len(set(codes)) == DISTRICT_COUNT
    notes = {re.sub("</?i>", "", a["text"]) for a in scatter["layout"]["annotations"]}
    assert notes == set(analysis.QUADRANTS)
    bivariate_map = _map(at)
    mapped = [c for t in bivariate_map["data"] if t["type"] == "choroplethmap" for c in
              t["locations"]]  # fmt: skip
    assert sorted(mapped) == sorted(set(codes))
    assert len(at.get("plotly_chart")) == 3  # scatter, map, legend square
    table = _gap_table(at)
    assert len(table) == DISTRICT_COUNT
    gaps = _gap_values(table)
    assert gaps == sorted(gaps) and len(gaps) == DISTRICT_COUNT
    assert not (table["Selected"] != "").any()
    captions = " ".join(_texts(at.caption))
    assert "population-weighted least squares of `log(uptake)` on the access index" in captions
    assert "census counts and survey estimates" in captions
    assert "Classes are terciles" in captions and re.search(r"Sources: \[\d+\]", captions)
    # the map cites its boundaries in the page's list, where their attribution is written out
    assert "District boundaries — Source: [1]" in captions
    assert "1. OCHA COD-AB Pakistan 2022 (WFP SDI, ITOS, University of Georgia)" in captions
    assert "Lower Chitral" in captions  # parent-district survey value flagged
    parents = table[table["Flags"].str.contains(uptake_access.PARENT_FLAG)]["District"]
    assert {"Lower Chitral", "Upper Chitral"} <= set(parents)
    quadrant_lines = [t for t in _texts(at.markdown) if " districts: " in t]
    assert len(quadrant_lines) == len(analysis.QUADRANTS)
    assert sum(int(re.search(r"— (\d+) districts", t)[1]) for t in quadrant_lines) == 35


def test_choosing_a_district_highlights_it_in_scatter_map_and_table(
    on_demo: Path, run_page: RunPage
) -> None:
    at = _ok(run_page(PAGE))
    assert at.selectbox(key="ua_district").value is None
    assert not _selected_names(_scatter(at)) and not _selected_names(_map(at))
    _ok(at.selectbox(key="ua_district").set_value("PK528").run())
    assert _selected_names(_scatter(at)) == ["Selected: Peshawar"]
    assert _selected_names(_map(at)) == ["Selected: Peshawar"]
    table = _gap_table(at)
    assert list(table.loc[table["Selected"] != "", "District"]) == ["Peshawar"]
    _ok(at.selectbox(key="ua_district").set_value("PK502").run())
    assert _selected_names(_scatter(at)) == ["Selected: Bajaur"]
    assert _selected_names(_map(at)) == ["Selected: Bajaur"]
    table = _gap_table(at)
    assert list(table.loc[table["Selected"] != "", "District"]) == ["Bajaur"]


def test_service_and_period_choices_change_the_values(on_demo: Path, run_page: RunPage) -> None:
    at = _ok(run_page(PAGE))
    before = _gap_table(at).set_index("District")["Uptake per 1,000"]
    _ok(at.selectbox(key="service").set_value("health_complaints").run())
    after = _gap_table(at).set_index("District")["Uptake per 1,000"]
    assert not after.equals(before)
    assert "Online complaints about health services" in " ".join(_texts(at.caption))
    months = at.select_slider(key="period")
    last = months.value[1]
    _ok(months.set_value((last, last)).run())
    single = _gap_table(at).set_index("District")["Uptake per 1,000"]
    assert not single.equals(after)
    assert len(_gap_values(_gap_table(at))) == DISTRICT_COUNT


def test_empty_database_says_no_uptake_and_never_shows_zero(
    on_empty: Path, run_page: RunPage
) -> None:
    at = _ok(run_page(PAGE))
    infos = " ".join(_texts(at.info))
    assert (
        "No service-usage data" in infos and "No uptake data for this service and period" in infos
    )
    assert len(at.get("plotly_chart")) == 2  # no scatter: the map and its legend
    hovers = [text for t in _map(at)["data"] if t["type"] == "choroplethmap" for text in t["text"]]
    assert len(hovers) == DISTRICT_COUNT
    assert all("Uptake: No data" in text for text in hovers)
    table = _gap_table(at)
    assert len(table) == DISTRICT_COUNT
    for column in ("Uptake per 1,000", "Expected per 1,000 (modelled)", GAP):
        assert (table[column] == uptake_access.NO_DATA).all(), table[column].unique()
    for column in NUMBER_COLUMNS:
        assert not table[column].str.match(ZERO).any(), column
    assert table["Rank"].isna().all()
    lines = [t for t in _texts(at.markdown) if " districts: " in t]
    assert all("— 0 districts" in t for t in lines[:4]) and "— 35 districts" in lines[-1]
    # the picker still highlights on the map and in the table
    _ok(at.selectbox(key="ua_district").set_value("PK528").run())
    assert _selected_names(_map(at)) == ["Selected: Peshawar"]


def test_without_database_says_how_to_build_one(run_page: RunPage) -> None:
    at = _ok(run_page(PAGE))
    messages = " ".join(_texts(at.info))
    assert "no database yet" in messages and "python -m kp_dash build" in messages
    assert not at.get("plotly_chart")
