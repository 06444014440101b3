"""The read boundary seen from the pages: no page applies the district rule itself, nothing but
the boundary reaches past it, and a page run looks its user up once."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kp_dash.store import accounts, config, sessions
from kp_dash.views import auth, page_registry
from tests.app.conftest import ROOT, TIMEOUT_S

PASSWORD = "a long enough password"
DISTRICT_RULE = re.compile(r"\b(scope|district_rule)\b")
ANALYST = accounts.User("amina", "analyst", ("PK502",))


def test_no_page_applies_the_district_rule() -> None:
    """Pages read restricted rows and pass `page.outside` to map builders; they never filter."""
    for path in sorted((ROOT / "pages").glob("*.py")):
        assert not DISTRICT_RULE.search(path.read_text(encoding="utf-8")), path.name


def test_only_the_boundary_reads_past_the_rule() -> None:
    for path in sorted([*(ROOT / "kp_dash").rglob("*.py"), *(ROOT / "pages").glob("*.py")]):
        if path.name != "cached.py":
            assert ".unrestricted(" not in path.read_text(encoding="utf-8"), path


@pytest.fixture
def logged_in(demo_db: Path) -> str:
    shutil.copy(demo_db, config.db_path())
    accounts.add_user(ANALYST.name, ANALYST.role, PASSWORD, ANALYST.districts)
    return sessions.start("amina")


@pytest.mark.parametrize(
    "entry", [e for e in page_registry.PAGES if ANALYST.may(e.least_role)], ids=lambda e: e.name
)
def test_a_page_run_looks_its_user_up_once(
    entry: page_registry.PageEntry, logged_in: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through app.py, as a browser reaches every page: app.py looks the user up for the
    navigation and hands them to the page."""
    calls: list[str] = []
    find = accounts.find

    def counted(name: str) -> accounts.User | None:
        calls.append(name)
        return find(name)

    monkeypatch.setattr(accounts, "find", counted)
    at = AppTest.from_file(ROOT / "app.py", default_timeout=TIMEOUT_S)
    at.session_state[auth.SESSION_KEY] = logged_in
    at.run()
    calls.clear()
    at.switch_page(entry.script).run()
    assert not at.exception, [e.value for e in at.exception]
    assert calls == ["amina"]
