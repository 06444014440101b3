"""Readers open the database read-only: they cannot write, and other processes read beside them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from kp_dash.store import build, db

# A second process opening the file the way the app's other sessions and workers do.
READER = (
    "import sys, duckdb; con = duckdb.connect(sys.argv[1], read_only=True); "
    "print(con.execute('select count(*) from districts').fetchall()[0][0])"
)


@pytest.fixture
def built(tmp_path: Path) -> Path:
    path = tmp_path / "kp.duckdb"
    build.build(path, with_demo=False)
    return path  # the path build() was given, whatever it is on disk


def test_a_reader_cannot_write(built: Path) -> None:
    con = db.connect_readonly(built)
    try:
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("create table scratch (x integer)")
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("insert into districts (district_code) values ('PK999')")
        assert con.execute("select count(*) from districts").fetchall() == [(35,)]
    finally:
        con.close()


def test_another_process_can_read_while_a_reader_is_open(built: Path) -> None:
    con = db.connect_readonly(built)
    try:
        done = subprocess.run(
            [sys.executable, "-c", READER, str(built)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "35"
    finally:
        con.close()
