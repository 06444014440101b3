"""The Data quality page under AppTest: demo data, an empty database, no database."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kp_dash.store import batches
from kp_dash.views import quality_view

RunPage = Callable[[str], AppTest]  # the run_page fixture
PAGE = "pages/3_Quality.py"
SECTIONS = ["Completeness", "Timeliness", "Outliers", "Consistency", "Import log", "Sources"]
DOWNLOADS = {"timeliness", "outliers", "consistency", "imports"}
MANIFEST = pd.DataFrame(
    [
        {
            "batch_id": "u-20260102-ab12cd",
            "kind": "usage",
            "file_name": "December returns.xlsx",
            "rows": 1200,
            "who": "data officer",
            "imported_at": "2026-01-02T09:00:00+00:00",
            "status": "accepted",
            "first_month": "2025-12",
            "last_month": "2025-12",
        }
    ],
    columns=batches.MANIFEST_COLUMNS,
)


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(elements) -> list[str]:
    return [str(el.value) for el in elements]


def _downloads(at: AppTest) -> set[str]:
    """Keys of the download buttons, without their 'quality_' prefix and '_csv' suffix."""
    keys = {button.proto.id for button in at.get("download_button")}
    assert len(keys) == len(at.get("download_button"))
    return {
        name
        for name in ("least_complete", *DOWNLOADS)
        if any(f"quality_{name}_csv" in key for key in keys)
    }


def _frame_with(at: AppTest, column: str) -> pd.DataFrame:
    frames = [df.value for df in at.dataframe if column in df.value.columns]
    assert len(frames) == 1, f"expected one table with column {column!r}, found {len(frames)}"
    return frames[0]


def test_demo_data_every_section_table_and_download(on_demo: Path, run_page: RunPage) -> None:
    at = _ok(run_page(PAGE))
    assert at.title[0].value == "Data quality"
    assert any("Demonstration data" in text for text in _texts(at.warning))
    assert _texts(at.subheader) == SECTIONS
    assert _downloads(at) == {"least_complete", *DOWNLOADS}
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    assert [trace["name"] for trace in spec["data"]] == ["Share received", quality_view.NO_DATA]
    assert len(spec["data"][0]["y"]) == 35
    assert len(spec["data"][0]["x"]) == 12  # the default period: the last 12 months
    timeliness = _frame_with(at, "Lag after the last month (days)")
    assert "usage (demonstration)" in set(timeliness["Kind"])
    assert {"seed"} <= set(timeliness["Kind"])
    captions = " ".join(_texts(at.caption))
    assert "Demonstration data (simulated, not real usage)" in captions
    assert "grey: *no data* (never zero)" in captions


def test_demo_widgets_change_what_is_shown(on_demo: Path, run_page: RunPage) -> None:
    at = _ok(run_page(PAGE))
    outliers = _frame_with(at, "Modified z")
    _ok(at.number_input(key="quality_threshold").set_value(10.0).run())
    fewer = [df.value for df in at.dataframe if "Modified z" in df.value.columns]
    assert not fewer or len(fewer[0]) < len(outliers)
    _ok(at.selectbox(key="service").set_value("teacher_etransfer").run())
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    hover = [text for row in spec["data"][0]["text"] for text in row]
    assert all("of 1 service(s)" in text or quality_view.NO_DATA in text for text in hover)
    for frame in (df.value for df in at.dataframe if "Service" in df.value.columns):
        assert set(frame["Service"].dropna()) <= {"teacher_etransfer"}


def test_empty_database_says_there_is_no_usage_data(on_empty: Path, run_page: RunPage) -> None:
    at = _ok(run_page(PAGE))
    infos = " ".join(_texts(at.info))
    assert "There is no usage data yet" in infos
    assert "python -m kp_dash import FILE" in infos
    assert not at.get("plotly_chart")
    assert _texts(at.subheader) == SECTIONS
    assert _downloads(at) == DOWNLOADS  # every table, even empty, can be downloaded
    captions = " ".join(_texts(at.caption))
    assert "No imports yet" in captions and "python -m kp_dash import FILE" in captions
    assert set(_frame_with(at, "Lag after the last month (days)")["Kind"]) == {"seed"}


def test_import_log_lists_the_manifest(
    on_empty: Path, run_page: RunPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batches, "read_manifest", lambda: MANIFEST)
    at = _ok(run_page(PAGE))
    log = _frame_with(at, "Withdrawn by")
    assert log[["File", "Months", "Status"]].values.tolist() == [
        ["December returns.xlsx", "2025-12", "accepted"]
    ]


def test_without_a_database_says_how_to_build_one(run_page: RunPage) -> None:
    at = _ok(run_page(PAGE))  # isolated_state points KP_DASH_DB at a missing file
    assert "no database yet" in " ".join(_texts(at.info))
    assert not at.get("plotly_chart") and not at.get("download_button")
