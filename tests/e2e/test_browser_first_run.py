"""A new user's first minutes in a real browser: a shared link as the server's very first request,
the real district map by default with the tile map one click away, and no request to any host but
the app's own on any page or map view."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, expect

from kp_dash.views import page_registry
from tests.e2e.conftest import SCRIPT_TIMEOUT_MS, Server

pytestmark = pytest.mark.e2e
expect.set_options(timeout=30_000)

EXCEPTION = '[data-testid="stException"]'
SIDEBAR_NAV = '[data-testid="stSidebarNav"]'
PLOTLY = '[data-testid="stPlotlyChart"] .js-plotly-plot'
DECK_CANVAS = '[data-testid="stDeckGlJsonChart"] canvas'
# the app's own titles, in its own order (open mode: the machine's own user is an administrator,
# so every page shows); the automatic `pages/` navigation would show "app" and the file names
APP_TITLES = [page.title for page in page_registry.PAGES]
ROUTES = [page.address for page in page_registry.PAGES]
TILES = "Tile map (equal sizes)"
BOUNDARIES = "District boundaries"

WaitForApp = Callable[[Page], None]


class Requests:
    """Every request the browser makes, with the hosts that are not the app's."""

    def __init__(self, app_url: str) -> None:
        self.own = urlsplit(app_url).netloc
        self.urls: list[str] = []

    def record(self, request: Request) -> None:
        self.urls.append(request.url)

    @property
    def elsewhere(self) -> list[str]:
        return [
            url
            for url in self.urls
            if urlsplit(url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(url).netloc != self.own
        ]


@pytest.fixture
def recorded(browser: Browser, server: Server) -> Iterator[tuple[Page, Requests]]:
    """A page whose every request is recorded; a request to another host is answered with an
    error at once, so the test never waits on a network it must not use."""
    requests = Requests(server.url)
    context: BrowserContext = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.on("request", requests.record)
    own = requests.own
    context.route(
        re.compile(r"^(https?|wss?)://"),
        lambda route: (
            route.continue_() if urlsplit(route.request.url).netloc == own else route.abort()
        ),
    )
    tab = context.new_page()
    tab.set_default_timeout(SCRIPT_TIMEOUT_MS)
    try:
        yield tab, requests
    finally:
        context.close()


def _sidebar_titles(page: Page) -> list[str]:
    links = page.locator(SIDEBAR_NAV).locator('[data-testid="stSidebarNavLink"]')
    expect(links).to_have_count(len(APP_TITLES))
    # each link holds the icon's ligature name and the title; the title is the last line
    return [text.strip().splitlines()[-1].strip() for text in links.all_inner_texts()]


def test_a_shared_link_as_the_first_request_gets_the_app_navigation(
    own_server: Server, page: Page, wait_for_app: WaitForApp, tmp_path: Path
) -> None:
    # own_server is fresh: this is the first page any browser asks it for
    page.goto(f"{own_server.url}/Profile?district=PK502")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="District profile")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Bajaur"))).to_be_visible()
    assert _sidebar_titles(page) == APP_TITLES
    assert page.title() == "KP Digital Inclusion Dashboard"  # app.py's page config applied
    assert urlsplit(page.url).path == "/Profile"
    expect(page.locator(EXCEPTION)).to_have_count(0)
    page.screenshot(path=tmp_path / "first_request_profile.png", full_page=True)

    # a second visitor, arriving by another link, gets the same navigation
    other = page.context.new_page()
    other.goto(f"{own_server.url}/Trends")
    wait_for_app(other)
    expect(other.get_by_role("heading", name="Trends & targets")).to_be_visible()
    assert _sidebar_titles(other) == APP_TITLES


def _choose(page: Page, wait_for_app: WaitForApp, label: str) -> None:
    page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]').get_by_text(
        label, exact=True
    ).click()
    wait_for_app(page)


def _open(page: Page, url: str, wait_for_app: WaitForApp) -> None:
    page.goto(url)
    wait_for_app(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_maps_draw_the_real_districts_and_the_tile_map_is_one_click_away(
    recorded: tuple[Page, Requests], server: Server, wait_for_app: WaitForApp, tmp_path: Path
) -> None:
    page, _ = recorded
    # each of these pages draws one map (their other charts are not maps)
    for route in ("Map", "Uptake", "Profile"):
        _open(page, f"{server.url}/{route}", wait_for_app)
        maps = page.locator(PLOTLY).filter(has=page.locator(".maplibregl-canvas"))
        expect(maps).to_have_count(1)
        expect(maps.first.locator(".maplibregl-canvas")).to_be_visible()
        expect(page.get_by_text(re.compile("OCHA")).first).to_be_visible()
        page.screenshot(path=tmp_path / f"{route}_boundaries.png", full_page=True)

        _choose(page, wait_for_app, TILES)
        # the tile map is a diagram with the district names written on it
        expect(page.locator(PLOTLY).get_by_text("Peshawar", exact=True).first).to_be_visible()
        expect(page.locator(f"{PLOTLY} .maplibregl-canvas")).to_have_count(0)
        assert "shapes=tiles" in page.url
        page.screenshot(path=tmp_path / f"{route}_tiles.png", full_page=True)
        _choose(page, wait_for_app, BOUNDARIES)
        expect(page.locator(f"{PLOTLY} .maplibregl-canvas").first).to_be_visible()


def test_no_page_or_map_view_asks_another_host(
    recorded: tuple[Page, Requests], server: Server, wait_for_app: WaitForApp
) -> None:
    page, requests = recorded
    for route in ROUTES:
        _open(page, f"{server.url}/{route}", wait_for_app)
    for shapes in ("", "&shapes=tiles"):
        _open(page, f"{server.url}/Map?metric=uptake_per_1000{shapes}", wait_for_app)
        expect(page.locator(PLOTLY).first).to_be_visible()
        page.locator('[data-testid="stMain"] [data-testid="stRadio"]').get_by_text(
            "Map with proportional symbols", exact=True
        ).click()
        wait_for_app(page)
        expect(page.locator(DECK_CANVAS).first).to_be_visible()
        for route in ("Uptake", "Profile"):
            _open(page, f"{server.url}/{route}?{shapes.lstrip('&')}", wait_for_app)
            expect(page.locator(PLOTLY).first).to_be_visible()
    # maps load their fonts, glyphs and styles lazily: let the last one finish before counting
    page.wait_for_load_state("networkidle")
    assert len(requests.urls) > 50, "the recorder saw too few requests to be trusted"
    assert requests.elsewhere == []
