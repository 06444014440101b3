"""A small load: on a server that has just started, every page once (the warm-up), then five
sessions speaking Streamlit's protocol over its websocket (no browser) move through the pages for
ten seconds while a usage file is imported through the command line. No page run may show an
error, every page is run, and every session gets through at least one page run.
`bench/loadtest.py` (`make loadtest`) is the full size and reports the timings; none is asserted
here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SESSIONS = 5

pytestmark = pytest.mark.e2e


def test_five_sessions_at_once_with_an_import_show_no_error(tmp_path: Path) -> None:
    results = tmp_path / "load.json"
    command = [
        sys.executable,
        "bench/loadtest.py",
        "--clients=websocket",
        f"--sessions={SESSIONS}",
        "--seconds=10",
        "--think=1",
        "--import-rows=2000",
        f"--json={results}",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert results.exists(), f"no results (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
    load = json.loads(results.read_text())
    report = done.stdout
    assert load["errors"] == [], report
    assert load["import"]["returncode"] == 0, report
    assert len(load["runs_per_session"]) == SESSIONS
    assert min(load["runs_per_session"]) >= 1, report
    # the warm-up runs every page once on the cold server; ten seconds of sessions may not
    visited = {run["page"] for run in load["warm_up"] + load["runs"]}
    assert visited == set(load["pages"]), report
    assert "Admin" in load["pages"], load["pages"]
    assert done.returncode == 0, f"{report}\n{done.stderr}"
