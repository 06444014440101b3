"""Browser fixtures: a demo database, `streamlit run` on a free port, and Debian's Chromium.

Playwright cannot download its own browser here, so it drives /usr/bin/chromium. Every wait is on
a condition (health endpoint, the app's script state, an element) with a bound, never a sleep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from bench.appserver import CHROMIUM, CHROMIUM_ARGS, app_env, streamlit_running
from kp_dash.store import build

ROOT = Path(__file__).parents[2]
SCRIPT_TIMEOUT_MS = 60_000
# The app root carries the script state; "notRunning" means the page's script has finished.
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


@dataclass(frozen=True)
class Server:
    url: str
    log: Path
    env: dict[str, str]  # what the app runs with: KP_DASH_DB, KP_DASH_STATE, …


@contextmanager
def _serve(
    root: Path, listen: str | None = "127.0.0.1", settings: dict[str, str] | None = None
) -> Iterator[Server]:
    """`streamlit run app.py` on a free port over a demo database and state folder of its own
    (listening on `listen`; None: Streamlit's own default, every address), with `settings`
    added to its environment."""
    env = {**app_env(root), **(settings or {})}
    db_path, state = Path(env["KP_DASH_DB"]), env["KP_DASH_STATE"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KP_DASH_STATE", state)
        build.build(db_path, with_demo=True)
    log = root / "streamlit.log"
    with streamlit_running("app.py", env, log, listen) as (url, _):
        yield Server(url, log, env)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with _serve(tmp_path_factory.mktemp("e2e")) as running:
        yield running


@pytest.fixture
def own_server(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of the test's own, for a test that changes its data (imports)."""
    with _serve(tmp_path_factory.mktemp("e2e_own")) as running:
        yield running


@pytest.fixture
def app_url(browser: Browser, server: Server) -> str:
    """The app's address; asks for the browser first so that a missing Chromium skips the test
    before a server is started for nothing."""
    return server.url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium); "
            "Playwright cannot download its own browser here"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(SCRIPT_TIMEOUT_MS)
    try:
        yield tab
    finally:
        context.close()


def _wait_for_app(page: Page) -> None:
    page.wait_for_selector(APP_IDLE, timeout=SCRIPT_TIMEOUT_MS)
    page.locator('[data-testid="stStatusWidgetRunningIcon"]').wait_for(
        state="detached", timeout=SCRIPT_TIMEOUT_MS
    )


@pytest.fixture
def wait_for_app() -> Callable[[Page], None]:
    """Wait until the page's script has run to the end and nothing shows as running."""
    return _wait_for_app
