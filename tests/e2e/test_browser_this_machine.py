"""Open mode serves the person at this machine however the server was started: plain
`streamlit run app.py` listens on every address, so a browser on 127.0.0.1 may arrive as
`::ffff:127.0.0.1` and one on `[::1]` over IPv6; both must reach Home, not the refusal."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.conftest import Server, _serve

pytestmark = pytest.mark.e2e

REFUSAL = "serves only the computer it runs on"


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def plain_server(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`streamlit run app.py` with no `--server.address`, as Streamlit's documentation has it."""
    with _serve(tmp_path_factory.mktemp("e2e_plain"), listen=None) as running:
        yield running


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]"])
def test_plain_streamlit_run_serves_this_machine(
    plain_server: Server, page: Page, wait_for_app: Callable[[Page], None], host: str
) -> None:
    if host == "[::1]" and not _ipv6_loopback():
        pytest.skip("this machine has no IPv6 loopback (::1), so a browser cannot use it")
    port = plain_server.url.rsplit(":", 1)[1]
    page.goto(f"http://{host}:{port}/")
    wait_for_app(page)
    body = page.locator("body").inner_text()
    assert REFUSAL not in body
    assert "Open mode" in body  # the sidebar notice: the page ran as the machine's own user
    assert "Districts ranked" in body  # Home's own content, drawn to the end
