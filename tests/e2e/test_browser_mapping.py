"""Mapping the columns of a department file in a real browser: September's file, whose headers
the contract does not name, is mapped once and imported; October's, with the same headers and
source, is read with the saved mapping without asking and imported."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server
from tests.e2e.steps import EXCEPTION, WaitForApp
from tests.e2e.steps import press as _press
from tests.e2e.steps import upload as _upload

ROOT = Path(__file__).parents[2]
MAPPING = ROOT / "tests" / "fixtures" / "field" / "mapping"
SELECTBOX = '[data-testid="stSelectbox"]'
SOURCE = "Source (department or office that sent the file)"
# September's headers, in order, and the field each holds (as the drop-down says it)
FIELDS = [
    ("Mahina", "month (required)"),
    ("Zila", "district (required)"),
    ("Khidmat", "service (required)"),
    ("Tareeqa", "channel (required)"),
    ("Jins", "sex"),
    ("Kul Darkhwastain", "transactions (required)"),
]

pytestmark = pytest.mark.e2e
expect.set_options(timeout=30_000)


def _choose(page: Page, label: str, option: str, wait_for_app: WaitForApp) -> None:
    """In the drop-down whose label starts with `label`, type `option` and take it."""
    box = page.locator(SELECTBOX).filter(has_text=re.compile("^" + re.escape(label)))
    field = box.locator("input")
    field.scroll_into_view_if_needed()
    field.click()
    field.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page)
    expect(field).to_have_value(option)


def test_a_file_is_mapped_once_and_next_months_file_is_read_without_asking(
    own_server: Server, page: Page, wait_for_app: WaitForApp, tmp_path: Path
) -> None:
    page.goto(f"{own_server.url}/Data")
    wait_for_app(page)
    page.get_by_label(SOURCE).fill("Health Dept")
    page.get_by_label(SOURCE).press("Enter")
    wait_for_app(page)

    _upload(page, MAPPING / "health_sep.csv", wait_for_app)
    _press(page, "Check file", wait_for_app)
    # exact: the problem table's hint names the form too ("… Map the columns on the Data page …")
    expect(page.get_by_text("Map the columns", exact=True)).to_be_visible()
    confirm = page.get_by_role("button", name="Confirm mapping", exact=True)
    expect(confirm).to_be_disabled()
    _choose(page, "Kind of this file", "usage", wait_for_app)
    expect(page.get_by_text("required column(s) not given: month, district")).to_be_visible()
    for number, (header, field) in enumerate(FIELDS, start=1):
        _choose(page, f"Column {number}: {header}", field, wait_for_app)
    expect(confirm).to_be_enabled()
    page.screenshot(path=tmp_path / "mapping_form.png", full_page=True)
    _press(page, "Confirm mapping", wait_for_app)
    expect(page.get_by_text("Column mapping saved for Health Dept")).to_be_visible()
    expect(page.get_by_text("3 rows are valid (usage); nothing imported yet.")).to_be_visible()
    expect(page.get_by_text("column mapping confirmed for Health Dept")).to_be_visible()
    _press(page, "Import", wait_for_app)
    expect(page.get_by_text(re.compile(r"accepted 3 usage rows as batch u-"))).to_be_visible()

    _upload(page, MAPPING / "health_oct.csv", wait_for_app)
    _press(page, "Check file", wait_for_app)
    expect(page.get_by_text("3 rows are valid (usage); nothing imported yet.")).to_be_visible()
    expect(page.get_by_text("Map the columns")).to_have_count(0)
    expect(page.get_by_text("column mapping confirmed for Health Dept")).to_be_visible()
    _press(page, "Import", wait_for_app)
    expect(page.get_by_text(re.compile(r"accepted 3 usage rows as batch u-"))).to_be_visible()
    log = page.locator('[data-testid="stDataFrame"]').first.locator('[role="grid"]')
    expect(log).to_have_attribute("aria-rowcount", "3")  # the header and the two batches
    expect(page.locator(EXCEPTION)).to_have_count(0)
    page.screenshot(path=tmp_path / "mapping_applied.png", full_page=True)
