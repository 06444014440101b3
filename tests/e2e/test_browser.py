"""What a person sees in a real browser: the home ranking and the map in both views."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e
# Grids and maps load their code lazily after the script has finished; allow for a slow machine.
expect.set_options(timeout=30_000)

TITLE = "KP Digital Inclusion Dashboard"
DEMO_BANNER = "Demonstration data"
DISTRICT_COUNT = 35
EXCEPTION = '[data-testid="stException"]'
PLOTLY_MAP = '[data-testid="stPlotlyChart"] .js-plotly-plot'
DECK_CANVAS = '[data-testid="stDeckGlJsonChart"] canvas'

WaitForApp = Callable[[Page], None]


def test_home_shows_title_banner_and_ranking(
    app_url: str, page: Page, wait_for_app: WaitForApp, tmp_path: Path
) -> None:
    page.goto(app_url)
    wait_for_app(page)
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_text(DEMO_BANNER).first).to_be_visible()
    ranking = page.locator('[data-testid="stDataFrame"]').first
    expect(ranking).to_be_visible()
    # the grid is drawn on a canvas; its accessible table carries the headers and row count
    # (visually hidden, so CSS locators rather than get_by_role)
    grid = ranking.locator('[role="grid"]')
    expect(grid.locator('[role="columnheader"]')).to_contain_text(["Rank", "District"])
    expect(grid).to_have_attribute("aria-rowcount", str(DISTRICT_COUNT + 1))
    expect(page.locator(EXCEPTION)).to_have_count(0)
    page.screenshot(path=tmp_path / "home.png", full_page=True)


def test_map_page_shows_plotly_map_then_deck(
    app_url: str, page: Page, wait_for_app: WaitForApp, tmp_path: Path
) -> None:
    page.goto(f"{app_url}/Map")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="District map")).to_be_visible()
    expect(page.get_by_text(DEMO_BANNER).first).to_be_visible()
    expect(page.locator(PLOTLY_MAP)).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    page.screenshot(path=tmp_path / "map_plotly.png", full_page=True)

    symbols = page.locator('[data-testid="stRadio"]').get_by_text("Map with proportional symbols")
    symbols.click()
    expect(page.locator(DECK_CANVAS).first).to_be_attached()
    wait_for_app(page)
    expect(page.locator(DECK_CANVAS).first).to_be_visible()
    expect(page.locator(PLOTLY_MAP)).to_have_count(0)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    page.screenshot(path=tmp_path / "map_pydeck.png", full_page=True)


def test_a_shared_link_opens_the_same_selection(
    app_url: str, page: Page, wait_for_app: WaitForApp
) -> None:
    page.goto(f"{app_url}/Map?service=health_card&from=2025-01&to=2025-06&metric=literacy_pct")
    wait_for_app(page)
    # the caption under the metric picker names the metric, the service and the period shown
    shown = re.compile(
        r"Literacy, age 10\+ · Health card \(Sehat Card Plus\).* · 2025-01 to 2025-06"
    )
    expect(page.get_by_text(shown)).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_a_profile_link_opens_the_district(
    app_url: str, page: Page, wait_for_app: WaitForApp
) -> None:
    page.goto(f"{app_url}/Profile?district=PK502")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="District profile")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Bajaur"))).to_be_visible()
    # the briefing is built when the button is clicked, and arrives as a real PDF
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Printable briefing for this district (PDF)").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    expect(page.locator(EXCEPTION)).to_have_count(0)
