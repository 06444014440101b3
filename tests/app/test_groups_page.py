"""The Excluded groups page under AppTest: demo data (key messages, group table with parity bands,
heat map, unserved table; a service choice changes the messages), an empty database (says there
is no usage, shows no zero) and no database."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from kp_dash.numbers import groups

RunPage = Callable[[str], AppTest]  # the run_page fixture
PAGE = "pages/5_Groups.py"
RATIO = "Rate ratio (1 = parity)"
BAND = "Parity band (0.98–1.02)"
ESTIMATE = "People the service cannot reach online (estimate)"
ZERO = re.compile(r"^[≈ ]*0+([.,]0+)?$")


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _messages(at: AppTest) -> list[str]:
    return [str(md.value) for md in at.markdown if str(md.value).startswith("- ")]


def _frame_with(at: AppTest, column: str) -> pd.DataFrame:
    frames = [df.value for df in at.dataframe if column in df.value.columns]
    assert len(frames) == 1, f"expected one table with column {column!r}"
    return frames[0]


def test_page_on_demo_data(on_demo: Path, run_page: RunPage) -> None:
    at = _ok(run_page(PAGE))
    assert any("Demonstration data" in str(w.value) for w in at.warning)
    messages = _messages(at)
    assert 3 <= len(messages) <= 5
    assert any("demonstration data" in m for m in messages)
    assert any(str(c.value).startswith("Sources: ") for c in at.caption)
    table = _frame_with(at, RATIO)
    assert list(table["Group"].str[:5]) == [g.label[:5] for g in groups.GROUPS]
    assert set(table[BAND]) <= {"below parity", "parity", "above parity", "no data"}
    for group in ("People aged 60+", "People with a disability"):  # the demo splits by both
        row = table[table["Group"] == group].iloc[0]
        assert float(row[RATIO]) < 0.98 and row[BAND] == "below parity" and row["Status"] == "ok"
    heatmap = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [t["type"] for t in heatmap["data"]] == ["heatmap", "heatmap"]
    assert len(heatmap["data"][0]["y"]) == 35
    unserved = _frame_with(at, ESTIMATE)
    assert len(unserved) == 36  # 35 districts and the province
    assert unserved[ESTIMATE].str.startswith("≈").all()
    notes = unserved["Note"]
    assert notes.str.startswith("access uses parent-district").sum() == 5  # Chitral, Kohistan
    assert notes.iloc[-1] == "includes parent-district survey values"


def test_choosing_a_service_changes_the_messages(on_demo: Path, run_page: RunPage) -> None:
    at = _ok(run_page(PAGE))
    before = _messages(at)
    _ok(at.selectbox(key="service").set_value("college_admissions").run())
    after = _messages(at)
    assert after and after != before
    assert all("online college admissions" in m for m in after)
    age = _frame_with(at, RATIO).set_index("Group").loc["People aged 60+"]
    assert age["Status"] == groups.NOT_ELIGIBLE


def test_page_on_empty_database_says_there_is_no_usage(on_empty: Path, run_page: RunPage) -> None:
    at = _ok(run_page(PAGE))
    assert not _messages(at)
    assert any("No key messages" in str(i.value) for i in at.info)
    assert any("No service-usage data" in str(i.value) for i in at.info)
    assert not at.get("plotly_chart")
    unserved = _frame_with(at, ESTIMATE)
    for column in unserved.columns:
        assert not unserved[column].astype(str).str.match(ZERO).any(), column


def test_page_without_database_says_how_to_build_one(run_page: RunPage) -> None:
    at = _ok(run_page(PAGE))
    assert any("python -m kp_dash build" in str(i.value) for i in at.info)
    assert not at.dataframe


INEQUALITY = "In plain words"
DISTRICT_MEASURES = [
    "Difference", "Ratio", "Between-group variance", "Between-group standard deviation",
    "Coefficient of variation", "Mean difference from the best subgroup (unweighted)",
    "Mean difference from the best subgroup (weighted)",
    "Mean difference from the mean (unweighted)", "Mean difference from the mean (weighted)",
    "Index of disparity (unweighted)", "Index of disparity (weighted)", "Mean log deviation",
    "Theil index", "Population attributable risk", "Population attributable fraction",
]  # fmt: skip


def test_inequality_summary_on_demo_data(on_demo: Path, run_page: RunPage) -> None:
    at = _ok(run_page(PAGE))
    districts = _frame_with(at, INEQUALITY)
    assert districts["Measure"].tolist() == DISTRICT_MEASURES
    assert (districts["Dimension"] == "Districts").all()
    assert districts["Value"].str.match(r"^[\d,]+\.\d+$").all()
    assert districts["95 % interval"].str.match(r"^[\d,.]+–[\d,.]+$").all()
    ratio = districts.set_index("Measure").loc["Ratio"]
    assert ratio["In plain words"].startswith("Uptake in the best-off district is ")
    assert ratio["In plain words"].endswith("times that in the worst-off district.")
    names = set(_frame_with(at, ESTIMATE)["District"])
    assert not any(name in " ".join(districts[INEQUALITY]) for name in names)
    assert any("WHO's summary measures" in str(c.value) for c in at.caption)
    keys = {b.key for b in at.get("download_button")}
    assert {"groups_inequality_dl_csv", "groups_subgroups_dl_xlsx"} <= keys

    _ok(at.selectbox(key="groups_inequality_dimension").set_value("sex").run())
    sexes = _frame_with(at, INEQUALITY).set_index("Measure")
    assert list(sexes.index) == DISTRICT_MEASURES[:2] + DISTRICT_MEASURES[-2:]
    assert sexes.loc["Ratio", INEQUALITY].startswith("Uptake among men is ")
    subgroups = _frame_with(at, "Subgroup")
    assert subgroups["Subgroup"].tolist() == ["Women", "Men"]

    _ok(at.selectbox(key="groups_inequality_dimension").set_value("age").run())
    bands = _frame_with(at, INEQUALITY).set_index("Measure")  # the demo splits by age band
    assert bands.loc["Slope index of inequality", INEQUALITY].endswith(
        "from people aged 0-4 to people aged 60+."
    )
    assert _frame_with(at, "Subgroup")["Subgroup"].str.startswith("Aged ").sum() == 5

    _ok(at.selectbox(key="groups_inequality_dimension").set_value("disability").run())
    ratio = _frame_with(at, INEQUALITY).set_index("Measure").loc["Ratio", INEQUALITY]
    assert ratio.startswith("Uptake among people without a disability is ")
    assert ratio.endswith(" times that among people with a disability.")

    _ok(at.selectbox(key="groups_inequality_dimension").set_value("literacy").run())
    thirds = _frame_with(at, INEQUALITY).set_index("Measure")
    assert "Slope index of inequality" in thirds.index
    assert "from the districts with the lowest female literacy" in thirds.loc[
        "Slope index of inequality", INEQUALITY]  # fmt: skip


def test_inequality_summary_on_an_empty_database(on_empty: Path, run_page: RunPage) -> None:
    at = _ok(run_page(PAGE))
    for dimension in ("district", "sex", "age", "disability"):
        _ok(at.selectbox(key="groups_inequality_dimension").set_value(dimension).run())
        summary = _frame_with(at, INEQUALITY)
        assert len(summary) == 1 and summary["Value"].tolist() == [groups.NO_DATA]
        assert summary["Note"].iloc[0].startswith("No data")
