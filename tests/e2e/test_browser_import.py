"""The Data page in a real browser: upload through the file input, check, import, a bad file."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import EXCEPTION, WaitForApp
from tests.e2e.steps import press as _press
from tests.e2e.steps import upload as _upload

ROOT = Path(__file__).parents[2]

pytestmark = pytest.mark.e2e
expect.set_options(timeout=30_000)

IMPORTS = ROOT / "tests" / "fixtures" / "imports"


def test_upload_check_and_import_then_a_bad_file(
    app_url: str, page: Page, wait_for_app: WaitForApp, tmp_path: Path
) -> None:
    page.goto(f"{app_url}/Data")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()

    _upload(page, IMPORTS / "usage_good.csv", wait_for_app)
    _press(page, "Check file", wait_for_app)
    expect(page.get_by_text("3 rows are valid (usage); nothing imported yet.")).to_be_visible()
    _press(page, "Import", wait_for_app)
    expect(page.get_by_text(re.compile(r"accepted 3 usage rows as batch u-"))).to_be_visible()
    log = page.locator('[data-testid="stDataFrame"]').first.locator('[role="grid"]')
    expect(log.locator('[role="columnheader"]')).to_contain_text(["Batch", "Kind", "File"])
    expect(log).to_have_attribute("aria-rowcount", "2")  # the header and the one batch
    expect(page.locator(EXCEPTION)).to_have_count(0)
    page.screenshot(path=tmp_path / "data_accepted.png", full_page=True)

    _upload(page, IMPORTS / "usage_bad.csv", wait_for_app)
    _press(page, "Check file", wait_for_app)
    expect(page.get_by_text("usage_bad.csv: rejected, 5 problem(s)")).to_be_visible()
    problems = page.locator('[data-testid="stDataFrame"]').first.locator('[role="grid"]')
    expect(problems.locator('[role="columnheader"]')).to_contain_text(["row", "column", "value"])
    expect(problems).to_have_attribute("aria-rowcount", "6")  # the header and five problems
    cells = problems.locator('[role="gridcell"]')
    for message in (
        "'-5' is negative; counts are whole numbers ≥ 0",
        f"'2099-01' is in the future (latest allowed month is {date.today():%Y-%m})",
        "'20' users is more than the row's 12 transactions; users must be ≤ transactions",
    ):
        expect(cells.filter(has_text=message)).to_have_count(1)
    expect(page.get_by_role("button", name="Download the problem report (CSV)")).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    page.screenshot(path=tmp_path / "data_rejected.png", full_page=True)
