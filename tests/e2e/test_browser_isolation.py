"""A file that makes its reader run out of memory ends the reader's own process, never the
server: while one person checks a zip bomb and then a workbook too big for the import's memory
cap, another keeps using the dashboard without an error, and the server answers its health
check throughout."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import hostile_files
from tests.e2e.conftest import APP_IDLE, SCRIPT_TIMEOUT_MS, Server, _serve
from tests.e2e.steps import EXCEPTION, WaitForApp, upload

pytestmark = pytest.mark.e2e
expect.set_options(timeout=60_000)

PAGES = ["", "Map", "Uptake", "Profile", "Trends", "Quality"]


class HealthWatch:
    """Asks `/_stcore/health` every 0.1 s in a thread of its own, recording each answer."""

    def __init__(self, url: str) -> None:
        self.url = f"{url}/_stcore/health"
        self.answers: list[tuple[bool, float]] = []  # answered "ok", seconds taken
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=5) as answer:
                    ok = answer.read().decode().strip() == "ok"
            except OSError:
                ok = False
            self.answers.append((ok, time.monotonic() - started))

    def __enter__(self) -> HealthWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


@pytest.fixture(scope="module")
def capped_server(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    settings = {"KP_DASH_IMPORT_MEMORY_MB": "1024"}
    with _serve(tmp_path_factory.mktemp("e2e_capped"), settings=settings) as running:
        yield running


def _running(page: Page) -> bool:
    return page.locator(APP_IDLE).count() == 0


def test_a_reader_out_of_memory_leaves_the_server_and_the_other_sessions(
    capped_server: Server, browser: Browser, wait_for_app: WaitForApp, tmp_path: Path
) -> None:
    bomb = hostile_files.zip_bomb_xlsx(tmp_path / "bomb.xlsx")
    # passes every check (a 300 MB sheet) but needs more than the 1,024 MB an import may use
    heavy = hostile_files.zip_bomb_xlsx(tmp_path / "heavy.xlsx", 300 * hostile_files.MIB)
    url = capped_server.url
    importer = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    for tab in (importer, other):
        tab.set_default_timeout(SCRIPT_TIMEOUT_MS)
    other.goto(f"{url}/")
    wait_for_app(other)
    importer.goto(f"{url}/Data")
    wait_for_app(importer)
    overlapping = 0
    with HealthWatch(url) as health:
        upload(importer, bomb, wait_for_app)
        importer.get_by_role("button", name="Check file", exact=True).click()
        wait_for_app(importer)
        expect(importer.get_by_text("bomb.xlsx: rejected, 1 problem(s)")).to_be_visible()

        upload(importer, heavy, wait_for_app)
        importer.get_by_role("button", name="Check file", exact=True).click()
        for route in PAGES:  # the other person goes on while the heavy file is read
            other.goto(f"{url}/{route}")
            wait_for_app(other)
            expect(other.locator(EXCEPTION)).to_have_count(0)
            overlapping += _running(importer)
        wait_for_app(importer)
        cells = importer.locator('[data-testid="stDataFrame"] [role="gridcell"]')
        expect(cells.filter(has_text="the file could not be read to the end")).to_have_count(1)
        expect(importer.locator(EXCEPTION)).to_have_count(0)
        other.goto(f"{url}/Map")  # and the dashboard still serves after the reader's death
        wait_for_app(other)
        expect(other.locator(EXCEPTION)).to_have_count(0)
    assert health.answers and all(ok for ok, _ in health.answers), health.answers
    assert overlapping >= 1, "the other session never ran a page while the file was read"
    importer.context.close()
    other.context.close()
