"""The deployed reverse proxy (Debian's nginx with `deploy/nginx/kp-dash.conf`) over TLS in front
of `python -m kp_dash serve --workers 2`: a browser's requests stay on one app process, new
browsers are spread over both, a page runs through it over `wss://`, and an app process that dies
is started again."""

from __future__ import annotations

import asyncio
import os
import signal
import ssl
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench import appserver, proxy, wsclient
from bench.procstats import descendants

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not proxy.available(), reason="Debian's nginx or openssl is not installed"),
]
HEADER = "X-Kp-Dash-Upstream"  # added by the tests' rendering only, never deployed


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    root = tmp_path_factory.mktemp("proxied")
    with appserver.serve_proxied(root, 2, reveal_upstream=True) as server:
        yield server


def _get(server, cookie: str | None = None):
    tls = ssl.create_default_context(cafile=server.ca_file)
    request = urllib.request.Request(f"{server.url}/")
    if cookie:
        request.add_header("Cookie", f"kp_dash_worker={cookie}")
    with urllib.request.urlopen(request, timeout=10, context=tls) as response:
        response.read()
        return response.headers


def test_a_browser_stays_on_one_process_and_new_ones_are_spread(proxied):
    first = _get(proxied)
    cookie = first["Set-Cookie"]
    assert cookie.startswith("kp_dash_worker=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie
    key = cookie.split(";")[0].split("=", 1)[1]
    again = [_get(proxied, key) for _ in range(10)]
    assert {h[HEADER] for h in again} == {first[HEADER]}
    assert all(h["Set-Cookie"].startswith(f"kp_dash_worker={key};") for h in again)
    # 16 new browsers all on one of two processes: a chance of 1 in 32,768
    spread = Counter(_get(proxied)[HEADER] for _ in range(16))
    assert len(spread) == 2, spread
    assert "max-age=31536000" in first["Strict-Transport-Security"]


def _run(coroutine):
    """The coroutine run to its end on a thread of its own: the browser tests' Playwright may
    hold this thread's event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_pages_run_through_the_proxy_over_tls_on_the_page_s_process(proxied):
    tls = wsclient.tls_context(proxied.ca_file)
    sessions = [wsclient.Session(proxied.url, tls) for _ in range(4)]

    async def visit(session, paths) -> list[str | None]:
        try:
            return [(await session.run_page(path, 60))[1] for path in paths]
        finally:
            await session.close()

    assert _run(visit(sessions[0], ("", "Map", "Groups"))) == [None, None, None]
    for session in sessions[1:]:
        assert _run(visit(session, ("Sources",))) == [None]
    # each websocket went to the process its page came from: the cookie kept it there (a
    # websocket sent without it would land elsewhere, for four sessions, 15 times in 16)
    for session in sessions:
        page = _get(proxied, session.cookies["kp_dash_worker"])
        assert session.handshake[HEADER] == page[HEADER]


def test_plain_http_to_the_tls_port_is_refused(proxied):
    with pytest.raises((OSError, ConnectionError)):
        urllib.request.urlopen(proxied.url.replace("https", "http") + "/", timeout=5).read()


def test_an_app_process_that_dies_is_started_again(proxied):
    app_processes = descendants(proxied.pid, [])
    assert len(app_processes) == 2
    os.kill(app_processes[0], signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = descendants(proxied.pid, [])
        if len(now) == 2 and app_processes[0] not in now:
            break
        time.sleep(0.5)  # polling, bounded by the deadline
    assert len(descendants(proxied.pid, [])) == 2
    for url in proxied.worker_urls:
        deadline = time.monotonic() + 60
        while not appserver.healthy(url) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert appserver.healthy(url), url
    assert "starting it again" in Path(proxied.log).read_text()
