"""By keyboard alone: Tab reaches the map's table and Enter opens it; the language choice is
reached and changed with the keyboard, and the page turns to Urdu. Captions reach WCAG AA
contrast as the browser draws them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e
expect.set_options(timeout=30_000)
WaitForApp = Callable[[Page], None]
MAX_TABS = 120  # more than the controls of the Map page


def tab_to(page: Page, check: str) -> None:
    """Press Tab until the focused element passes the JavaScript `check` (given `e`)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const e = document.activeElement; return {check}; }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {check}")


def test_the_map_table_and_the_language_by_keyboard(
    app_url: str, page: Page, wait_for_app: WaitForApp
) -> None:
    page.goto(f"{app_url}/Map")
    wait_for_app(page)
    tab_to(page, "e.tagName === 'SUMMARY' && e.textContent.includes('The map as a table')")
    page.keyboard.press("Enter")
    table = page.locator('[data-testid="stExpander"]').filter(has_text="The map as a table")
    expect(table.locator('[data-testid="stDataFrame"]')).to_be_visible()

    page.goto(f"{app_url}/Map")
    wait_for_app(page)
    tab_to(page, "e.getAttribute('aria-label') === 'Language'")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    wait_for_app(page)
    expect(page.locator(".stApp")).to_have_css("direction", "rtl")
    assert "lang=ur" in page.url


# what a person operates: every one must take the focus in one round of Tab (a part of a
# composite control that hands the focus to its main part, tabindex -1, is not a stop of its own)
# A table's toolbar (show or hide columns, search, full screen) appears while the table has the
# pointer or the focus, and is reached from the table: it is not a stop of the page's own.
REACHABLE = ", ".join(
    f"{kind}:not([disabled]):not([tabindex='-1']):not([type=hidden])"
    ":not([data-testid='stBaseButton-elementToolbar'])"
    for kind in ("input", "button", "summary", "a[href]", "[role=button]")
)


@pytest.mark.parametrize("path", ["/", "/Map", "/Uptake", "/Planning", "/Trends"])
def test_every_control_on_a_page_takes_the_keyboard_focus(
    app_url: str, page: Page, wait_for_app: WaitForApp, path: str
) -> None:
    page.goto(f"{app_url}{path}")
    wait_for_app(page)
    marked = page.evaluate(
        f"""(() => {{
        const shown = [...document.querySelectorAll({REACHABLE!r})]
            .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== "hidden");
        shown.forEach((e, i) => e.dataset.kpStop = String(i));
        return shown.length;
    }})()"""
    )
    focused = set()
    for _ in range(marked * 3 + 20):
        page.keyboard.press("Tab")
        stop = page.evaluate("document.activeElement.dataset.kpStop")
        if stop is not None:
            focused.add(stop)
        if len(focused) == marked:
            break
    missed = page.evaluate(
        "stops => [...document.querySelectorAll('[data-kp-stop]')]"
        ".filter(e => !stops.includes(e.dataset.kpStop)).map(e => e.outerHTML.slice(0, 160))",
        sorted(focused),
    )
    assert marked > 5 and missed == [], missed


def test_captions_reach_aa_contrast_as_drawn(
    app_url: str, page: Page, wait_for_app: WaitForApp
) -> None:
    page.goto(f"{app_url}/Map")
    wait_for_app(page)
    caption = page.locator('[data-testid="stCaptionContainer"]').first
    expect(caption).to_have_css("opacity", "1")
    expect(caption).to_have_css("color", "rgb(85, 88, 103)")  # palettes.CAPTION_TEXT, #555867
