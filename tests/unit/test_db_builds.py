"""Each build is a file of its own that the database path points at: a reader that keeps a
connection open still sees every later build on its next connection (DuckDB keeps one database
instance per path in a process), and a build is removed only once no reader holds it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kp_dash.store import build, config, db

FIXTURE = Path(__file__).parents[1] / "fixtures" / "usage_small.csv"
HOLD = """
import sys
from kp_dash.store import db
con = db.connect_readonly()
print(db.build_info(con)["build_id"], flush=True)
sys.stdin.readline()
"""


def build_id(path: Path | None = None) -> str:
    with db.connect_readonly(path) as con:
        return db.build_info(con)["build_id"]


def usage_total(con) -> int:
    return int(db.query_df(con, "select coalesce(sum(transactions), 0) as n from usage")["n"][0])


def test_a_new_build_is_seen_while_an_old_connection_stays_open():
    first = build.build(with_demo=False)
    kept = db.connect_readonly()
    assert usage_total(kept) == 0
    # the import runs in another process, as the command line does beside a running app
    done = subprocess.run(
        [sys.executable, "-m", "kp_dash", "import", str(FIXTURE)],
        capture_output=True,
        text=True,
        cwd=config.ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    fresh = db.connect_readonly()
    assert usage_total(fresh) == 307  # the fixture's transactions
    assert db.build_info(fresh)["build_id"] != first.build_id
    assert usage_total(kept) == 0  # the open connection reads its own build to the end
    assert db.build_info(kept)["build_id"] == first.build_id


def test_the_path_points_at_a_build_file_of_its_own():
    report = build.build(with_demo=False)
    pointer = config.db_path()
    target = db.current_build(pointer)
    assert pointer.is_symlink() and target.parent == db.builds_dir(pointer)
    assert target.name == f"{report.build_id}.duckdb"
    assert sorted(p.name for p in target.parent.iterdir()) == [
        f"{report.build_id}.duckdb",
        f"{report.build_id}.lock",
    ]


def test_a_build_is_removed_only_when_no_reader_holds_it():
    first = build.build(with_demo=False).build_id
    folder = db.builds_dir(config.db_path())
    reader = subprocess.Popen(
        [sys.executable, "-c", HOLD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=config.ROOT,
    )
    try:
        assert reader.stdout.readline().strip() == first
        second = build.build(with_demo=False).build_id
        third = build.build(with_demo=False).build_id
        # the first is held by the other process; the second had no reader and is gone
        assert (folder / f"{first}.duckdb").exists()
        assert not (folder / f"{second}.duckdb").exists()
        assert build_id() == third
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
    fourth = build.build(with_demo=False).build_id
    assert sorted(p.name for p in folder.glob("*.duckdb")) == [f"{fourth}.duckdb"]


def test_a_reader_in_this_process_keeps_its_build():
    first = build.build(with_demo=False).build_id
    kept = db.connect_readonly()
    build.build(with_demo=False)
    assert (db.builds_dir(config.db_path()) / f"{first}.duckdb").exists()
    del kept  # the connection's lock goes with it
    latest = build.build(with_demo=False).build_id
    remaining = sorted(p.stem for p in db.builds_dir(config.db_path()).glob("*.duckdb"))
    assert remaining == [latest]


def test_a_failed_build_leaves_the_pointer_and_no_files(tmp_path):
    report = build.build(with_demo=False)
    bad = tmp_path / "bad.csv"
    bad.write_text(FIXTURE.read_text().replace("2025-01", "2099-01"))
    source = build.UsageSource(bad, "bad", "admin", "Broken returns")
    with pytest.raises(build.BuildError):
        build.build(with_demo=False, extra_usage=[source])
    assert build_id() == report.build_id
    folder = db.builds_dir(config.db_path())
    assert sorted(p.stem for p in folder.iterdir()) == [report.build_id] * 2


def test_a_plain_database_file_is_read_as_it_is(tmp_path):
    """A database written by an older version (a plain file at the path) still opens."""
    report = build.build(with_demo=False)
    plain = tmp_path / "plain.duckdb"
    plain.write_bytes(db.current_build(config.db_path()).read_bytes())
    assert build_id(plain) == report.build_id


def test_no_database_is_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m kp_dash build"):
        db.connect_readonly(tmp_path / "none.duckdb")
