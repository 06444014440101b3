"""Login mode in a real browser: users made with the command line, an anonymous visit that sees
the login form alone, a district officer for Bajaur who sees Bajaur and no other district and
has no Data page, a data manager who imports a file, and an audit trail that names them all."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.conftest import Server

ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.e2e
expect.set_options(timeout=30_000)

IMPORTS = ROOT / "tests" / "fixtures" / "imports"
EXCEPTION = '[data-testid="stException"]'
FILE_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'
NAV_LINKS = '[data-testid="stSidebarNav"] a'
PASSWORDS = {"bajaur.officer": "Bajaur district 502", "pmdu.data": "PMDU imports monthly"}

WaitForApp = Callable[[Page], None]


def _kp_dash(server: Server, *args: str, stdin: str = "") -> str:
    result = subprocess.run(
        [sys.executable, "-m", "kp_dash", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=server.env,
        timeout=60,
        check=True,
    )
    return result.stdout


def _log_in(page: Page, url: str, name: str, wait_for_app: WaitForApp) -> None:
    """Open `url` as `name`: through the login form, unless the browser's session already is
    theirs."""
    page.goto(url)
    wait_for_app(page)
    if page.get_by_text(f"Logged in: {name}").count():
        return
    page.get_by_role("textbox", name="Username").fill(name)
    page.get_by_role("textbox", name="Password").fill(PASSWORDS[name])
    page.get_by_role("button", name="Log in", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_login_district_officer_data_manager_and_the_audit_trail(
    own_server: Server, page: Page, wait_for_app: WaitForApp
) -> None:
    url = own_server.url
    for name, role, districts in (
        ("bajaur.officer", "analyst", ["--districts", "PK502"]),
        ("pmdu.data", "data_manager", []),
    ):
        command = ["users", "add", name, "--role", role, *districts, "--password-stdin"]
        _kp_dash(own_server, *command, stdin=PASSWORDS[name] + "\n")

    # anonymous: the login form and nothing else, whatever the address asks for
    page.goto(f"{url}/Profile?district=PK502")
    wait_for_app(page)
    expect(page.get_by_role("textbox", name="Username")).to_be_visible()
    expect(page.get_by_role("textbox", name="Password")).to_be_visible()
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_visible()
    expect(page.locator(NAV_LINKS)).to_have_count(0)
    for kind in ("stDataFrame", "stPlotlyChart", "stDownloadButton", "stMetric"):
        expect(page.locator(f'[data-testid="{kind}"]')).to_have_count(0)

    # a wrong password is refused
    page.get_by_role("textbox", name="Username").fill("bajaur.officer")
    page.get_by_role("textbox", name="Password").fill("not the password")
    page.get_by_role("button", name="Log in", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_text("Wrong username or password.")).to_be_visible()

    # the district officer: Bajaur's profile, not Abbottabad's, and no Data page
    _log_in(page, f"{url}/Profile?district=PK502", "bajaur.officer", wait_for_app)
    expect(page.get_by_role("heading", name=re.compile("^Bajaur"))).to_be_visible()
    # each link reads "icon name" then the title
    titles = [text.split("\n")[-1] for text in page.locator(NAV_LINKS).all_inner_texts()]
    assert "Data" not in titles and "Administration" not in titles
    assert "District profile" in titles
    _log_in(page, f"{url}/Profile?district=PK501", "bajaur.officer", wait_for_app)
    expect(page.get_by_text("Abbottabad is not one of your districts")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^Abbottabad"))).to_have_count(0)
    _log_in(page, f"{url}/Data", "bajaur.officer", wait_for_app)
    expect(
        page.get_by_text("The Data page is for data managers and administrators")
    ).to_be_visible()
    expect(page.locator(FILE_INPUT)).to_have_count(0)
    page.get_by_role("button", name="Log out").click()
    wait_for_app(page)
    expect(page.get_by_role("textbox", name="Username")).to_be_visible()

    # the data manager imports a file; the manifest names them
    _log_in(page, f"{url}/Data", "pmdu.data", wait_for_app)
    page.locator(FILE_INPUT).set_input_files(IMPORTS / "usage_good.csv")
    expect(page.get_by_role("button", name="Import", exact=True)).to_be_visible()
    wait_for_app(page)
    page.get_by_role("button", name="Import", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_text(re.compile(r"accepted 3 usage rows as batch u-"))).to_be_visible()
    expect(page.get_by_text("Recorded as pmdu.data")).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)

    trail = list(csv.DictReader(io.StringIO(_kp_dash(own_server, "audit"))))
    events = [(row["event"], row["who"]) for row in trail]
    assert ("login_failed", "bajaur.officer") in events
    # one login for the three pages: the session outlives each new address typed
    assert events.count(("login", "bajaur.officer")) == 1
    assert ("refused", "bajaur.officer") in events
    assert ("logout", "bajaur.officer") in events
    assert ("login", "pmdu.data") in events
    imports = [row for row in trail if row["event"] == "import"]
    assert [row["who"] for row in imports] == ["pmdu.data"]
    assert "usage_good.csv: accepted 3 usage rows" in imports[0]["what"]
    assert all(row["address"] == "local" for row in trail if row["event"] == "login")


def test_a_district_officer_keeps_urdu_across_pages_reloads_and_the_briefing(
    own_server: Server, page: Page, wait_for_app: WaitForApp
) -> None:
    url = own_server.url
    command = ["users", "add", "bajaur.officer", "--role", "analyst", "--districts", "PK502"]
    _kp_dash(own_server, *command, "--password-stdin", stdin=PASSWORDS["bajaur.officer"] + "\n")
    page.goto(f"{url}/Profile?district=PK502&lang=ur")
    wait_for_app(page)
    page.get_by_role("textbox", name="صارف نام").fill("bajaur.officer")
    page.get_by_role("textbox", name="پاس ورڈ").fill(PASSWORDS["bajaur.officer"])
    page.get_by_role("button", name="لاگ اِن", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_role("button", name="لاگ آؤٹ")).to_be_visible()
    expect(page.get_by_role("heading", name="ضلعی خاکہ")).to_be_visible()
    expect(page.locator(".stApp")).to_have_css("direction", "rtl")
    assert "lang=ur" in page.url  # the cookie's round trip kept the address

    page.locator(NAV_LINKS).filter(has_text="نقشہ").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="اضلاع کا نقشہ")).to_be_visible()
    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="اضلاع کا نقشہ")).to_be_visible()
    expect(page.get_by_text("لاگ اِن: bajaur.officer")).to_be_visible()

    page.goto(f"{url}/Profile?district=PK502&lang=ur")
    wait_for_app(page)
    button = page.get_by_role("button", name="اس ضلع کی قابل طباعت بریفنگ (PDF)")
    with page.expect_download(timeout=60_000) as download:
        button.click()
    assert download.value.suggested_filename == "kp-briefing-PK502-ur.pdf"
    reader = PdfReader(download.value.path())
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "باجوڑ" in text and "کلیدی پیغامات" in text and "Key messages" not in text
    others = ("پشاور", "سوات", "مہمند", "ایبٹ آباد", "لوئر دیر")  # neighbours and the largest
    assert [name for name in others if name in text] == []
