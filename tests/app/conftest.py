"""AppTest fixtures: which database a page sees, fresh Streamlit caches, and a page runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).parents[2]
# The first run of a page imports geopandas/plotly and builds the map layer: far above 3 s.
TIMEOUT_S = 60

RunPage = Callable[[str], AppTest]


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    """AppTest runs in this process, so `st.cache_*` would otherwise leak between tests."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def on_demo(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KP_DASH_DB", str(demo_db))
    return demo_db


@pytest.fixture
def on_empty(empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KP_DASH_DB", str(empty_db))
    return empty_db


@pytest.fixture
def run_page() -> RunPage:
    """Run a page (path relative to the repo root) once and return the finished AppTest."""

    def run(page: str) -> AppTest:
        return AppTest.from_file(ROOT / page, default_timeout=TIMEOUT_S).run()

    return run
