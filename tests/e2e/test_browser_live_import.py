"""Imports from another process reach a running app without a restart, once the app has made
its recent readings on the new build (`kp_dash.views.warm_builds`): a targets file appears on
the Trends page, and the first real usage file replaces the demonstration data on the Home
page."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server

ROOT = Path(__file__).parents[2]
GOOD = ROOT / "tests" / "fixtures" / "imports" / "usage_good.csv"
EXCEPTION = '[data-testid="stException"]'
NO_TARGETS = "No targets for this service and period"

pytestmark = pytest.mark.e2e
expect.set_options(timeout=30_000)

WaitForApp = Callable[[Page], None]
SERVED_WITHIN_S = 60  # warm_builds' limit


def _reload_until_gone(page: Page, wait_for_app: WaitForApp, text: str) -> None:
    """Reload until `text` is no longer shown: the build another process published is served
    once this app process has warmed it."""
    deadline = time.monotonic() + SERVED_WITHIN_S
    while True:
        page.reload()
        wait_for_app(page)
        if page.get_by_text(text).count() == 0 or time.monotonic() > deadline:
            return
        time.sleep(1)


def _kp_dash(server: Server, *argv: str) -> subprocess.CompletedProcess:
    """The command line in a process of its own, on the running app's database and state."""
    return subprocess.run(
        [sys.executable, "-m", "kp_dash", *argv],
        cwd=ROOT,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_an_import_while_the_app_runs_shows_on_the_next_run(
    own_server: Server, page: Page, wait_for_app: WaitForApp, tmp_path: Path
) -> None:
    page.goto(f"{own_server.url}/Trends")
    wait_for_app(page)
    expect(page.get_by_text(NO_TARGETS)).to_be_visible()

    targets = tmp_path / "targets.csv"
    targets.write_text(
        "service,district,metric,year,target\n"
        "all,KP,uptake_per_1000,2026,987.5\n"
        "all,Swat,uptake_per_1000,2026,876.5\n"
    )
    done = _kp_dash(own_server, "import", str(targets))
    assert done.returncode == 0, done.stderr
    _reload_until_gone(page, wait_for_app, NO_TARGETS)
    expect(page.get_by_text(NO_TARGETS)).to_have_count(0)
    # the province row comes first; the grid draws only the rows in view
    cells = page.locator('[role="gridcell"]')
    expect(cells.filter(has_text="987.50").first).to_be_attached()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    page.screenshot(path=tmp_path / "trends_targets.png", full_page=True)

    page.goto(own_server.url)
    wait_for_app(page)
    expect(page.get_by_text("Demonstration data").first).to_be_visible()
    done = _kp_dash(own_server, "import", str(GOOD))
    assert done.returncode == 0 and "taken out" in done.stderr, done.stderr
    _reload_until_gone(page, wait_for_app, "Demonstration data")
    expect(page.get_by_text("Demonstration data")).to_have_count(0)
    # usage_good.csv: 160 digital of 172 transactions, 120 of the 160 by women
    expect(page.get_by_text(f"{100 * 160 / 172:.1f} %", exact=True)).to_be_visible()
    expect(page.get_by_text(f"{100 * 120 / 160:.1f} %", exact=True)).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
