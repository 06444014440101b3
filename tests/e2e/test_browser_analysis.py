"""The Uptake vs access page in a real browser: the scatter and the bivariate map are drawn, and
clicking a district on the scatter or the map highlights it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

ROUTE = "Uptake"
pytestmark = pytest.mark.e2e
# Plotly loads lazily after the script has finished; allow for a slow machine.
expect.set_options(timeout=30_000)

DISTRICT_COUNT = 35
EXCEPTION = '[data-testid="stException"]'
CHART = '[data-testid="stPlotlyChart"]'
PICKER = '[data-testid="stSelectbox"]'

WaitForApp = Callable[[Page], None]


def check_scatter_and_map(page: Page, url: str, wait_for_app: WaitForApp, shots: Path) -> None:
    page.goto(f"{url}/{ROUTE}")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Uptake vs access")).to_be_visible()
    expect(page.get_by_text("Demonstration data").first).to_be_visible()
    charts = page.locator(f"{CHART} .js-plotly-plot")
    expect(charts).to_have_count(3)  # scatter, bivariate map, legend square
    scatter, bivariate_map = charts.nth(0), charts.nth(1)
    expect(scatter).to_be_visible()
    # one marker per district across the district and merged-district traces
    expect(scatter.locator(".scatterlayer .trace.scatter .points path")).to_have_count(
        DISTRICT_COUNT
    )
    expect(scatter.get_by_text("connected but not using")).to_be_visible()
    expect(bivariate_map.locator("canvas").first).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    page.screenshot(path=shots / "uptake_vs_access.png", full_page=True)


def check_click_highlights(page: Page, wait_for_app: WaitForApp, shots: Path) -> None:
    """Click the first merged-district marker: the scatter draws it as the selected trace and
    the picker names it."""
    scatter = page.locator(f"{CHART} .js-plotly-plot").nth(0)
    merged = scatter.locator(".scatterlayer .trace.scatter").nth(3).locator(".points path")
    merged.first.scroll_into_view_if_needed()
    box = merged.first.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    legend = page.locator(f"{CHART} .js-plotly-plot").nth(0).locator(".legend")
    expect(legend).to_contain_text("Selected: ")
    wait_for_app(page)
    found = re.search(r"Selected: (.+)", legend.locator(".traces").last.text_content() or "")
    assert found, legend.text_content()
    chosen = found[1].strip()
    picker = page.locator(PICKER).filter(has_text="District to highlight")
    expect(picker.locator("input")).to_have_value(chosen)
    # the gap table's marking is pinned by the AppTest (the grid's accessible table is virtual)
    # the page's last table (the map's own table, closed in its expander, comes before it)
    grid = page.locator('[data-testid="stDataFrame"]').last.locator('[role="grid"]')
    expect(grid).to_have_attribute("aria-rowcount", str(DISTRICT_COUNT + 1))
    expect(page.locator(EXCEPTION)).to_have_count(0)
    page.screenshot(path=shots / "uptake_vs_access_selected.png", full_page=True)


def check_map_click_highlights(page: Page, wait_for_app: WaitForApp, shots: Path) -> None:
    """Click the middle of the bivariate map (a district of the tile grid): the picker moves to
    that district."""
    picker = page.locator(PICKER).filter(has_text="District to highlight").locator("input")
    before = picker.input_value()
    bivariate_map = page.locator(f"{CHART} .js-plotly-plot").nth(1)
    bivariate_map.scroll_into_view_if_needed()
    expect(bivariate_map.locator("canvas").first).to_be_visible()
    box = bivariate_map.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.45)
    expect(picker).not_to_have_value(before)
    wait_for_app(page)
    assert picker.input_value() not in ("", "(none)")
    expect(page.locator(EXCEPTION)).to_have_count(0)
    page.screenshot(path=shots / "uptake_vs_access_map_selected.png", full_page=True)


def test_uptake_page_shows_scatter_and_map(
    app_url: str, page: Page, wait_for_app: WaitForApp, tmp_path: Path
) -> None:
    check_scatter_and_map(page, app_url, wait_for_app, tmp_path)


def test_clicking_the_scatter_or_the_map_highlights_the_district(
    app_url: str, page: Page, wait_for_app: WaitForApp, tmp_path: Path
) -> None:
    check_scatter_and_map(page, app_url, wait_for_app, tmp_path)
    check_click_highlights(page, wait_for_app, tmp_path)
    check_map_click_highlights(page, wait_for_app, tmp_path)


def test_excluded_groups_page_shows_messages_table_and_heat_map(
    app_url: str, page: Page, wait_for_app: WaitForApp, tmp_path: Path
) -> None:
    page.goto(f"{app_url}/Groups")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Excluded groups")).to_be_visible()
    expect(page.get_by_text("Demonstration data").first).to_be_visible()
    # the key messages are sentences with their numbers, e.g. "… at 0.15 times the rate of men"
    expect(page.get_by_text(re.compile(r"times the rate of men")).first).to_be_visible()
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    expect(page.locator(f"{CHART} .js-plotly-plot").first).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    page.screenshot(path=tmp_path / "groups.png", full_page=True)


def test_planning_page_shows_the_ranking_and_scenario(
    app_url: str, page: Page, wait_for_app: WaitForApp
) -> None:
    page.goto(f"{app_url}/Planning")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Connectivity planning")).to_be_visible()
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    # the grid is drawn on a canvas; its accessible copy carries the headers
    expect(page.get_by_text("Rank if weights move ±25 %").first).to_be_attached()
    expect(
        page.get_by_text(re.compile(r"more digital transactions over the period"))
    ).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
