"""AppTest fixtures: which database a page sees, fresh Streamlit caches, and a page runner."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from kp_dash.store import config

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


@pytest.fixture
def private_uploads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Uploads are saved under the temporary folder; keep this test's apart."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def own_empty(empty_db: Path) -> Path:
    """A private copy of the no-usage database at KP_DASH_DB (imports replace that file)."""
    target = config.db_path()
    shutil.copy(empty_db, target)
    return target


def ok(at: AppTest) -> AppTest:
    """The run raised nothing."""
    assert not at.exception, [e.value for e in at.exception]
    return at
