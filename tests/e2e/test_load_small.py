"""A small load: on a server that has just started, every page once (the warm-up), then five
sessions speaking Streamlit's protocol over its websocket (no browser) move through the pages for
ten seconds while a usage file is imported through the command line. No page run may show an
error, every page is run, and every session gets through at least one page run. Then the same
behind the deployed proxy (Debian's nginx, TLS, sticky cookie) with two app processes.
`bench/loadtest.py` (`make loadtest`) is the full size and reports the timings; none is asserted
here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import proxy

ROOT = Path(__file__).parents[2]
SESSIONS = 5

pytestmark = pytest.mark.e2e


def load_test(tmp_path: Path, *flags: str) -> tuple[dict, str]:
    """`bench/loadtest.py` for ten seconds with a 2,000-row import: its results and report, once
    it ran with no error."""
    results = tmp_path / "load.json"
    command = [sys.executable, "bench/loadtest.py", *flags, "--seconds=10"]
    command += ["--import-rows=2000", f"--json={results}"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert results.exists(), f"no results (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
    load, report = json.loads(results.read_text()), done.stdout
    assert load["errors"] == [], report
    assert load["import"]["returncode"] == 0, report
    assert min(load["runs_per_session"]) >= 1, report
    assert done.returncode == 0, f"{report}\n{done.stderr}"
    return load, report


def test_five_sessions_at_once_with_an_import_show_no_error(tmp_path: Path) -> None:
    load, report = load_test(tmp_path, "--clients=websocket", f"--sessions={SESSIONS}", "--think=1")
    assert len(load["runs_per_session"]) == SESSIONS
    # the warm-up runs every page once on the cold server; ten seconds of sessions may not
    visited = {run["page"] for run in load["warm_up"] + load["runs"]}
    assert visited == set(load["pages"]), report
    assert "Admin" in load["pages"], load["pages"]


@pytest.mark.skipif(not proxy.available(), reason="Debian's nginx or openssl is not installed")
def test_the_load_test_behind_the_proxy_with_two_app_processes_shows_no_error(tmp_path: Path):
    """`make loadtest-proxy` at a small size: four people arriving at random, pausing 1–2 s,
    through nginx over TLS to two app processes, while a file is imported."""
    flags = ("--proxy", "--workers=2", "--sessions=4", "--think=1-2", "--arrivals=random")
    load, report = load_test(tmp_path, *flags)
    assert (load["proxy"], load["workers"], load["think_s"]) == (True, 2, [1.0, 2.0])
    assert len(load["runs_per_session"]) == 4
    assert len(load["app_process_cores"]) == 2, report
    # the warm-up visits every page on each app process directly
    assert len(load["warm_up"]) == 2 * len(load["pages"]), report
    assert "through nginx (sticky cookie) to 2 app processes" in report
