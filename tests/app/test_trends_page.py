"""The Trends & targets page under AppTest: demo data (the chart follows the metric, level and
members; MoM/YoY and delta tables; a division view of a metric without counts says why it cannot
be shown), an empty database (no data, never 0) and no database."""

from __future__ import annotations

import base64
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kp_dash.store import build, intake
from tests.conftest import small_seed

RunPage = Callable[[str], AppTest]  # the run_page fixture
PAGE = "pages/6_Trends.py"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "trends"
ZERO = re.compile(r"^[+−-]?0+([.,]0+)?$")


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _chart(at: AppTest, key: str = "trends_chart") -> dict:
    charts = [chart for chart in at.get("plotly_chart") if chart.key == key]
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def _frame(at: AppTest, column: str) -> pd.DataFrame:
    """The one table on the page with this column ("Group": changes, "Rank": delta ranking)."""
    frames = [df.value for df in at.dataframe if column in df.value.columns]
    assert len(frames) == 1, f"expected one table with column {column!r}"
    return frames[0]


def _ys(trace: dict) -> list[float]:
    """A trace's y values (plotly sends numeric arrays base64-encoded)."""
    y = trace["y"]
    if isinstance(y, dict):
        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).tolist()
    return [np.nan if v is None else v for v in y]


def _line_names(at: AppTest) -> list[str]:
    return [trace["name"] for trace in _chart(at)["data"]]


def test_page_on_demo_data(on_demo: Path, run_page: RunPage) -> None:
    at = _ok(run_page(PAGE))
    assert any("Demonstration data" in str(w.value) for w in at.warning)
    assert _line_names(at) == ["Khyber Pakhtunkhwa"]
    first = _ys(_chart(at)["data"][0])
    assert len(first) == 12 and all(v > 0 for v in first)
    changes = _frame(at, "Group")
    assert list(changes["Group"]) == ["Khyber Pakhtunkhwa"]
    assert not changes.iloc[0, 3:5].str.contains("No data").any()  # 36 months: MoM and YoY
    ranking = _frame(at, "Rank")
    assert len(ranking) == 35 and list(ranking["Rank"].iloc[:3]) == [1, 2, 3]
    assert at.select_slider(key="trends_comparison").value == ("2024-11", "2025-10")
    assert any("no target" in str(i.value) for i in at.info)  # no targets in the demo data
    assert any("Green ≥ 100 %, amber ≥ 90 %" in str(c.value) for c in at.caption)
    found = {button.key for button in at.get("download_button")}
    assert {"trends_series_download_csv", "trends_delta_download_xlsx"} <= found


def test_widgets_change_the_chart(on_demo: Path, run_page: RunPage) -> None:
    at = _ok(run_page(PAGE))
    before = _ys(_chart(at)["data"][0])
    _ok(at.selectbox(key="trends_metric").set_value("digital_share_pct").run())
    assert _ys(_chart(at)["data"][0]) != before
    assert "Digital share" in _chart(at)["layout"]["yaxis"]["title"]["text"]
    _ok(at.radio(key="trends_level").set_value("division").run())
    assert len(_line_names(at)) == 7  # none chosen: every division
    _ok(at.multiselect(key="trends_members").set_value(["Hazara", "Malakand"]).run())
    assert _line_names(at) == ["Hazara", "Malakand"]
    _ok(at.radio(key="trends_level").set_value("district").run())  # the choice is cleared
    assert len(_line_names(at)) == 35
    _ok(at.multiselect(key="trends_members").set_value(["PK528", "PK502"]).run())
    assert _line_names(at) == ["Peshawar", "Bajaur"]
    ranking = _frame(at, "Rank")
    _ok(at.select_slider(key="trends_comparison").set_value(("2023-11", "2024-01")).run())
    assert not _frame(at, "Rank").equals(ranking)


def test_a_metric_without_counts_cannot_be_shown_by_division(
    on_demo: Path, run_page: RunPage
) -> None:
    at = _ok(run_page(PAGE))
    at.selectbox(key="trends_metric").set_value("gender_parity")
    _ok(at.radio(key="trends_level").set_value("division").run())
    assert any("cannot be shown by division" in str(w.value) for w in at.warning)
    assert [chart.key for chart in at.get("plotly_chart")] == ["trends_inequality_chart"]
    _ok(at.radio(key="trends_level").set_value("province").run())
    assert _line_names(at) == ["Khyber Pakhtunkhwa"]


def test_page_on_empty_database_says_no_data(on_empty: Path, run_page: RunPage) -> None:
    at = _ok(run_page(PAGE))
    assert not at.get("plotly_chart")
    infos = " ".join(str(i.value) for i in at.info)
    assert "No data for this metric" in infos and "no delta ranking" in infos
    assert "No measure to draw" in infos  # the inequality chart: nothing, never a zero
    assert "no target" in infos
    for table in at.dataframe:
        cells = table.value.astype(str).to_numpy().ravel()
        assert not any(ZERO.match(c) for c in cells)


def test_page_without_database_says_how_to_build_one(run_page: RunPage) -> None:
    at = _ok(run_page(PAGE))
    assert any("python -m kp_dash build" in str(i.value) for i in at.info)
    assert not at.get("plotly_chart")


def test_warm_reruns_show_the_same_page(on_demo: Path, run_page: RunPage) -> None:
    # reruns are served from the caches (their time is measured by bench/bench.py)
    at = _ok(run_page(PAGE))
    chart, ranking = _chart(at), _frame(at, "Rank")
    for _ in range(2):
        _ok(at.run())
        assert _chart(at) == chart
        assert _frame(at, "Rank").equals(ranking)


@pytest.fixture
def on_targets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The trends fixture (tests/unit/test_trends.py explains its numbers) with its targets."""
    seed = small_seed(tmp_path / "seed")
    for extra in (FIXTURES / "seed").glob("*.csv"):
        shutil.copy(extra, seed / extra.name)
    usage = build.UsageSource(FIXTURES / "usage.csv", "fixture", "admin", "Fixture returns")
    path = tmp_path / "trends.duckdb"
    monkeypatch.setenv("KP_DASH_DB", str(path))
    build.build(path, with_demo=False, seed_dir=seed, extra_usage=[usage])
    assert intake.import_file(FIXTURES / "targets.csv").status == "accepted"
    build.build(path, with_demo=False, seed_dir=seed, extra_usage=[usage])
    return path


def test_target_table_with_status_colours(on_targets: Path, run_page: RunPage) -> None:
    at = _ok(run_page(PAGE))
    # the default period is the last 12 months of data, 2024-04 to 2025-03: every target counts
    targets = _frame(at, "Status")
    assert len(targets) == 16  # 4 (service, metric, period) × (province + 3 districts)
    health = targets[targets["Service"] == "Online complaints about health services"]
    shown = health.set_index(["District", "Period"])
    assert shown.loc[("Peshawar", "2025-03"), "Status"] == "amber"  # 200 ÷ 210 = 95.2 %
    assert shown.loc[("Bajaur", "2025-02"), "Target"] == "no target"
    assert shown.loc[("Charsadda", "2025-02"), "Actual"] == "No data"
    assert set(targets["Status"]) == {"green", "amber", "red", "no target", "no data"}
    found = {button.key for button in at.get("download_button")}
    assert "trends_targets_download_csv" in found
    _ok(at.selectbox(key="service").set_value("health_card").run())
    assert any("no target" in str(i.value) for i in at.info)


def test_an_inequality_measure_over_time_with_its_interval(on_demo: Path, run_page: RunPage):
    at = _ok(run_page(PAGE))
    chart = _chart(at, "trends_inequality_chart")
    low, high, line = chart["data"]
    assert len(line["x"]) == 12 and high["fill"] == "tonexty"  # the default period: 12 months
    assert all(a <= v <= b for a, v, b in zip(low["y"], line["y"], high["y"], strict=True))
    assert line["name"] == "Difference (d)"
    _ok(at.selectbox(key="trends_inequality_dimension").set_value("literacy").run())
    _ok(at.selectbox(key="trends_inequality_measure").set_value("sii").run())
    assert _chart(at, "trends_inequality_chart")["data"][2]["name"].startswith("Slope index")
    _ok(at.selectbox(key="trends_inequality_dimension").set_value("disability").run())
    spec = _chart(at, "trends_inequality_chart")  # the demo splits by disability
    assert spec["data"][2]["name"] == "Difference (d)" and len(spec["data"][2]["x"]) == 12
