"""A password session as people use it: it survives a reload, reaches a second tab and a link
opened later, lands a login from a deep link on that page, lives in a cookie no page script can
read, and *Log out* in one tab ends it in the other."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Server

ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.e2e
expect.set_options(timeout=30_000)

NAME, PASSWORD = "pmdu.viewer", "PMDU reads every month"
COOKIE = "kp_dash_session"

WaitForApp = Callable[[Page], None]


def _add_user(server: Server) -> None:
    subprocess.run(
        [sys.executable, "-m", "kp_dash", "users", "add", NAME, "--role", "viewer",
         "--password-stdin"],
        input=PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT, env=server.env,
        timeout=60, check=True,
    )  # fmt: skip


def _logged_in(page: Page) -> None:
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("textbox", name="Password")).to_have_count(0)


def _login_form(page: Page) -> None:
    expect(page.get_by_role("textbox", name="Password")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def test_a_session_survives_a_reload_reaches_other_tabs_and_ends_everywhere(
    own_server: Server, browser: Browser, wait_for_app: WaitForApp
) -> None:
    _add_user(own_server)
    url = own_server.url
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    first = context.new_page()

    # a link to a district's profile, opened before login: the login lands on that page
    first.goto(f"{url}/Profile?district=PK502")
    wait_for_app(first)
    first.get_by_role("textbox", name="Username").fill(NAME)
    first.get_by_role("textbox", name="Password").fill(PASSWORD)
    first.get_by_role("button", name="Log in", exact=True).click()
    first.wait_for_url(re.compile(r"/Profile\?district=PK502$"))  # back from the cookie route
    wait_for_app(first)
    _logged_in(first)
    expect(first.get_by_role("heading", name=re.compile("^Bajaur"))).to_be_visible()

    # the cookie: HttpOnly (no page script reads it), SameSite=Strict, for the whole site
    (cookie,) = [c for c in context.cookies() if c["name"] == COOKIE]
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/")
    assert COOKIE not in first.evaluate("document.cookie")

    first.reload()  # a reload keeps the session
    wait_for_app(first)
    _logged_in(first)
    expect(first.get_by_role("heading", name=re.compile("^Bajaur"))).to_be_visible()

    second = context.new_page()  # a second tab, as a link from a briefing opens one
    second.goto(f"{url}/Map")
    wait_for_app(second)
    _logged_in(second)

    first.get_by_role("button", name="Log out").click()
    wait_for_app(first)
    _login_form(first)
    assert not [c for c in context.cookies() if c["name"] == COOKIE]  # the cookie is cleared
    second.get_by_role("link", name=re.compile("Trends")).click()  # the next click in tab two
    wait_for_app(second)
    _login_form(second)
    expect(second.get_by_text("You logged out (in this tab or another)")).to_be_visible()
    context.close()


def test_another_browser_does_not_share_the_session(
    own_server: Server, browser: Browser, wait_for_app: WaitForApp
) -> None:
    _add_user(own_server)
    mine = browser.new_context()
    page = mine.new_page()
    page.goto(own_server.url)
    wait_for_app(page)
    page.get_by_role("textbox", name="Username").fill(NAME)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    wait_for_app(page)
    _logged_in(page)
    theirs = browser.new_context().new_page()
    theirs.goto(own_server.url)
    wait_for_app(theirs)
    _login_form(theirs)
    mine.close()
    theirs.context.close()
