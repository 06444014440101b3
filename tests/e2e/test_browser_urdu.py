"""Urdu in a real browser: `?lang=ur` turns the page right to left, sets its heading and the
navigation in Urdu in the Nastaliq face the app serves itself, keeps Urdu on the next page and
after a reload, and no font or other file comes from another host; every page in Urdu; a
district officer who logs in with Urdu chosen keeps it across pages, reloads and the briefing."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from kp_dash.views import page_registry

pytestmark = pytest.mark.e2e
expect.set_options(timeout=30_000)
WaitForApp = Callable[[Page], None]
URDU_TITLE = "خیبر پختونخوا ڈیجیٹل شمولیت ڈیش بورڈ"
URDU_MAP = "اضلاع کا نقشہ"


def test_urdu_reads_right_to_left_in_the_served_font_across_pages(
    app_url: str, page: Page, wait_for_app: WaitForApp, tmp_path: Path
) -> None:
    hosts = set()
    page.on("request", lambda request: hosts.add(network_host(request.url)))
    page.goto(f"{app_url}/?lang=ur")
    wait_for_app(page)
    heading = page.get_by_role("heading", name=URDU_TITLE)
    expect(heading).to_be_visible()
    # the style sheet arrives as its own element, possibly a moment after the heading
    expect(page.locator(".stApp")).to_have_css("direction", "rtl")
    expect(heading).to_have_css("font-family", re.compile("Noto Nastaliq Urdu"))
    page.wait_for_function("document.fonts.check('16px \"Noto Nastaliq Urdu\"')")
    # the face is loaded, and from this server: the style sheet names the app's own route (an
    # earlier test's Urdu page may have left it in the browser's cache, so no request is seen)
    loaded = page.evaluate(
        "document.fonts.load('16px \"Noto Nastaliq Urdu\"', 'اردو').then(faces => faces.length)"
    )
    assert loaded >= 1
    assert page.request.get(f"{app_url}/_kp/fonts/NotoNastaliqUrdu-Regular.ttf").status == 200
    page.screenshot(path=tmp_path / "home_ur.png", full_page=True)

    page.locator('[data-testid="stSidebarNav"]').get_by_text("نقشہ", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=URDU_MAP)).to_be_visible()
    assert "lang=ur" in page.url
    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=URDU_MAP)).to_be_visible()
    assert hosts - {None} == {urlsplit(app_url).netloc}, hosts


def network_host(url: str) -> str | None:
    """The host a request goes to; None for what the page holds itself (`data:`, `blob:`)."""
    parts = urlsplit(url)
    return parts.netloc if parts.scheme in ("http", "https", "ws", "wss") else None


ARABIC = re.compile(r"[\u0600-\u06ff]")
LATIN = re.compile(r"[A-Za-z]")


@pytest.mark.parametrize("entry", page_registry.PAGES, ids=lambda entry: entry.name)
def test_every_page_in_urdu_right_to_left_in_the_served_font(
    app_url: str, page: Page, wait_for_app: WaitForApp, entry
) -> None:
    hosts = set()
    page.on("request", lambda request: hosts.add(network_host(request.url)))
    page.goto(f"{app_url}/{entry.address}?lang=ur")
    wait_for_app(page)
    heading = page.locator("h1").first
    expect(heading).to_have_text(ARABIC)
    assert not LATIN.search(heading.inner_text()), heading.inner_text()
    expect(page.locator(".stApp")).to_have_css("direction", "rtl")
    expect(heading).to_have_css("font-family", re.compile("Noto Nastaliq Urdu"))
    page.wait_for_function("document.fonts.check('16px \"Noto Nastaliq Urdu\"')")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert hosts - {None} == {urlsplit(app_url).netloc}, hosts
