"""Steps the Data page's browser tests share: pressing a button and uploading a file, each
waiting until the app has finished its run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

EXCEPTION = '[data-testid="stException"]'
FILE_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'

WaitForApp = Callable[[Page], None]


def press(page: Page, name: str, wait_for_app: WaitForApp) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    wait_for_app(page)


def upload(page: Page, path: Path, wait_for_app: WaitForApp) -> None:
    page.locator(FILE_INPUT).set_input_files(path)
    expect(page.get_by_text(path.name, exact=True).first).to_be_visible()
    expect(page.get_by_role("button", name="Check file", exact=True)).to_be_visible()
    wait_for_app(page)
