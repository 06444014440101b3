"""Chromium sessions for `bench/loadtest.py --clients browser`: one browser context per session,
one Chromium for every ten, driven by Playwright.

A page run is timed from the click on its navigation link (the session's first, and any after a
failed one, is a page load of its address) to the app's idle state: the script has run to its end
and nothing shows as running (checked every 50 ms). It is an error when the page then shows an
exception or an error message, when the navigation fails, or when it is not idle in time.
"""

from __future__ import annotations

import math
import time

import appserver
from playwright.async_api import Browser, Page, async_playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

SESSIONS_PER_BROWSER = 10
NAV_LINK = '[data-testid="stSidebarNav"] a[data-testid="stSidebarNavLink"]'
PROBLEMS = (
    ("exception", '[data-testid="stException"]'),
    ("error message", '[data-testid="stAlertContentError"]'),
)
VIEWPORT = {"width": 1400, "height": 1000}
# Counts the changes of the app root's script state, so that a page run is seen to have started
# and finished again even when the state read "notRunning" before the click.
OBSERVE_SCRIPT_STATE = """
window.__scriptStateChanges = 0;
new MutationObserver((records) => { window.__scriptStateChanges += records.length; }).observe(
  document, {subtree: true, attributes: true, attributeFilter: ["data-test-script-state"]}
);
"""
# idle: the state changed since the navigation began, reads notRunning, and nothing is running
IDLE_AFTER = """(before) => window.__scriptStateChanges > before
  && document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]') !== null
  && document.querySelector('[data-testid="stStatusWidgetRunningIcon"]') === null"""


def _first_line(error: BaseException | str) -> str:
    text = str(error).strip()
    return (text.splitlines() or [type(error).__name__])[0][:200]


async def _shown_problem(page: Page) -> str | None:
    for label, selector in PROBLEMS:
        shown = page.locator(selector)
        if await shown.count():
            return f"{label}: {_first_line(await shown.first.inner_text())}"
    return None


async def _page_run(
    page: Page, url: str, path: str, by_link: bool, timeout_ms: float
) -> tuple[float, str | None]:
    """One page run: (milliseconds, error or None)."""
    start = time.perf_counter()
    before = 0  # a page load starts counting afresh

    def elapsed_ms() -> float:
        return (time.perf_counter() - start) * 1000

    try:
        if by_link:
            before = await page.evaluate("window.__scriptStateChanges")
            start = time.perf_counter()
            await page.locator(f'{NAV_LINK}[href="{url}/{path}"]').click(timeout=timeout_ms)
        else:
            await page.goto(f"{url}/{path}", timeout=timeout_ms)
    except PlaywrightError as error:
        return elapsed_ms(), f"navigation: {_first_line(error)}"
    try:
        remaining = max(1.0, timeout_ms - elapsed_ms())
        await page.wait_for_function(IDLE_AFTER, arg=before, polling=50, timeout=remaining)
    except PlaywrightTimeout:
        return elapsed_ms(), f"timeout: not idle within {timeout_ms / 1000:.0f} s"
    except PlaywrightError as error:
        return elapsed_ms(), f"navigation: {_first_line(error)}"
    ms = elapsed_ms()
    try:
        return ms, await _shown_problem(page)
    except PlaywrightError as error:
        return ms, f"navigation: {_first_line(error)}"


class BrowserSession:
    """One person in a browser context of their own."""

    def __init__(self, browser: Browser, url: str) -> None:
        self._browser, self._url = browser, url
        self._page: Page | None = None
        self._by_link = False

    async def run_page(self, path: str, timeout_s: float) -> tuple[float, str | None]:
        if self._page is None:
            context = await self._browser.new_context(viewport=VIEWPORT)
            self._page = await context.new_page()
            await self._page.add_init_script(OBSERVE_SCRIPT_STATE)
        ms, error = await _page_run(self._page, self._url, path, self._by_link, timeout_s * 1000)
        # after a failed navigation or a timeout, the next page is loaded by its address
        self._by_link = error is None or error.startswith(("exception", "error message"))
        return ms, error

    async def close(self) -> None:
        if self._page is not None:
            await self._page.context.close()
            self._page = None


class BrowserClients:
    """Enough Chromium for `sessions` sessions, launched on entry and closed on exit."""

    kind = "browser"

    def __init__(self, url: str, sessions: int) -> None:
        self.url = url
        self.browsers = math.ceil(sessions / SESSIONS_PER_BROWSER)
        self._launched: list[Browser] = []
        self._playwright = None

    def describe(self) -> str:
        return f"in {self.browsers} Chromium"

    def session(self, index: int) -> BrowserSession:
        return BrowserSession(self._launched[index % len(self._launched)], self.url)

    async def __aenter__(self) -> BrowserClients:
        self._playwright = await async_playwright().start()
        for _ in range(self.browsers):
            browser = await self._playwright.chromium.launch(
                executable_path=str(appserver.CHROMIUM), args=appserver.CHROMIUM_ARGS
            )
            self._launched.append(browser)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for browser in self._launched:
            await browser.close()
        if self._playwright is not None:
            await self._playwright.stop()
