"""Readers and a database built by older code: the reading commands check the build's
fingerprint first, rebuild what they cannot read (or say exactly what to run), and never stop
with a traceback."""

from __future__ import annotations

import fcntl
import io
import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from kp_dash import cli
from kp_dash.store import batches, build, config, db, intake
from tests.conftest import SMALL_USAGE_FILE

# usage_small.csv by district, digital channels (online, mobile app) over all channels:
# Bajaur PK502: online 3 + 9 + 3 of 3 + 9 + 8 + 4 + 3 = 27; Peshawar PK528: online 50 + 50 + 30
# and mobile app 100 of 50 + 100 + 10 + 40 + 50 + 30 = 280
DIGITAL_SHARE = {"PK502": (15, 27), "PK528": (230, 280)}
BUILD_PIECES = ("sql_fingerprint", "seed_fingerprint", "imports_fingerprint", "inputs")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def build_id(path: Path) -> str:
    with db.connect_readonly(path) as con:
        return db.build_info(con)["build_id"]


@pytest.fixture
def current() -> Path:
    """The installation's database with the fixture's usage accepted (so no simulation)."""
    build.build(config.db_path(), with_demo=False)
    result = intake.import_file(SMALL_USAGE_FILE, who="tester")
    assert result.status == "accepted", result.message
    return config.db_path()


def older_copy(current: Path, target: Path, *, recorded: bool) -> Path:
    """A copy of a real build as older code left it: a plain file whose metric view is missing
    and whose fingerprint is not this code's (`recorded`: it has an SQL fingerprint, another
    one; otherwise it predates the build recording one)."""
    shutil.copyfile(db.current_build(current), target)
    with duckdb.connect(str(target)) as con:
        con.execute("drop view metric_digital_share_pct")
        con.execute("update build_info set value = 'older' where key = 'fingerprint'")
        if recorded:
            con.execute("update build_info set value = 'older' where key = 'sql_fingerprint'")
        else:
            keys = ", ".join(f"'{key}'" for key in BUILD_PIECES)
            con.execute(f"delete from build_info where key in ({keys})")
    return target


@pytest.fixture(params=["other_sql", "no_sql_fingerprint"])
def older(request, current: Path, tmp_path: Path) -> Path:
    return older_copy(current, tmp_path / "older.duckdb", recorded=request.param == "other_sql")


def assert_digital_share(out: str) -> None:
    """The metric table holds the hand-computed shares (and their parts) of the fixture."""
    frame = pd.read_csv(io.StringIO(out)).set_index("district_code")
    for code, (digital, total) in DIGITAL_SHARE.items():
        row = frame.loc[code]
        assert (row["numerator"], row["denominator"]) == (digital, total)
        assert row["value"] == pytest.approx(100 * digital / total, rel=1e-12)


# --- the state of a database --------------------------------------------------------------------


def test_a_build_records_what_it_was_made_from(current):
    state = build.database_state(current)
    assert (state.kind, state.usable) == (db.CURRENT, True)
    assert state.info["sql_fingerprint"] == db.sql_fingerprint()
    assert state.info["inputs"] == "standard"
    assert db.database_problem(current) is None


def test_a_build_from_other_inputs_is_not_compared_with_the_installation(small_db):
    # its own seed folder and usage file: only its maker can reproduce it
    state = build.database_state(small_db)
    assert state.kind == db.CURRENT and state.info["inputs"] == "custom"


def test_an_older_build_is_told_apart(older):
    state = build.database_state(older)
    assert (state.kind, state.usable) == (db.OLDER_CODE, False)
    assert state.message.startswith(f"The database at {older} was built by older code (")
    assert state.message.endswith(f"rebuild it with `python -m kp_dash build --db {older}`.")
    assert "\n" not in state.message
    assert db.database_problem(older) == state.message


def test_the_installation_database_is_named_without_db(current, tmp_path):
    older_copy(current, tmp_path / "copy.duckdb", recorded=True)
    os.replace(tmp_path / "copy.duckdb", current)  # the pointer itself now an older plain file
    problem = db.database_problem()
    assert problem is not None and problem.endswith("rebuild it with `python -m kp_dash build`.")


def test_missing_and_unreadable_databases(tmp_path):
    missing = tmp_path / "none.duckdb"
    assert build.database_state(missing).kind == db.MISSING
    assert db.database_problem(missing).startswith(f"No database at {missing}. Build it with `")

    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(os.urandom(8192))
    state = build.database_state(junk)
    assert (state.kind, state.reason) == (db.UNREADABLE, "it is not a DuckDB database file")

    bare = tmp_path / "bare.duckdb"
    with duckdb.connect(str(bare)) as con:
        con.execute("create table districts (district_code varchar)")
    state = build.database_state(bare)
    assert (state.kind, state.reason) == (db.UNREADABLE, "it has no build_info table")
    assert state.message == (
        f"The database at {bare} cannot be read (it has no build_info table): "
        f"rebuild it with `python -m kp_dash build --db {bare}`."
    )


def test_other_data_is_usable_but_behind(current, tmp_path):
    before = tmp_path / "before.duckdb"
    shutil.copyfile(db.current_build(current), before)
    intake.withdraw(batches.accepted()[0]["batch_id"], who="reviewer")
    state = build.database_state(before)
    assert (state.kind, state.usable) == (db.DATA_CHANGED, True)
    assert state.reason == "other accepted imports than the current ones"
    assert db.database_problem(before) is None
    assert build.database_state(current).kind == db.CURRENT  # the withdrawal rebuilt it


def test_a_changed_demonstration_choice_is_other_data():
    build.build(config.db_path(), with_demo=False)
    batches.set_demo(True)
    state = build.database_state()
    assert state.kind == db.DATA_CHANGED
    assert state.reason == "no demonstration data, which is now included"


# --- the reading commands -----------------------------------------------------------------------


def test_metric_on_an_older_build_rebuilds_it_then_answers(capsys, older):
    old_id = build_id(older)
    code, out, err = run(
        capsys, "metric", "digital_share_pct", "--by", "district", "--db", str(older)
    )
    assert code == 0, err
    assert_digital_share(out)
    (line,) = err.splitlines()
    assert line.startswith(f"Database built by older code: rebuilding {older} … done (")
    assert line.endswith(" s)")
    assert build_id(older) != old_id
    assert build.database_state(older).kind == db.CURRENT


def test_brief_and_plan_rebuild_an_older_build_too(capsys, older, tmp_path):
    pdf = tmp_path / "kp.pdf"
    code, _, err = run(capsys, "brief", "--out", str(pdf), "--db", str(older))
    assert code == 0, err
    assert "Database built by older code: rebuilding" in err and pdf.read_bytes()[:4] == b"%PDF"
    rebuilt = build_id(older)
    code, out, err = run(capsys, "plan", "--db", str(older))
    assert code == 0 and "rebuilding" not in err and len(pd.read_csv(io.StringIO(out))) == 35
    assert build_id(older) == rebuilt


@pytest.mark.parametrize("command", ["metric", "brief", "plan"])
def test_no_rebuild_exits_1_and_names_the_command(capsys, older, tmp_path, command):
    before = older.read_bytes()
    argv = {
        "metric": ["metric", "digital_share_pct"],
        "brief": ["brief", "--out", str(tmp_path / "x.pdf")],
        "plan": ["plan"],
    }[command]
    code, out, err = run(capsys, *argv, "--no-rebuild", "--db", str(older))
    assert (code, out) == (1, "")
    (line,) = err.splitlines()
    assert line.startswith(f"The database at {older} was built by older code (")
    assert f"rebuild it with `python -m kp_dash build --db {older}`." in line
    assert line.endswith("(--no-rebuild: nothing was written)")
    assert older.read_bytes() == before and not db.builds_dir(older).exists()


def test_a_current_build_is_not_rebuilt(capsys, current):
    kept = build_id(current)
    code, out, err = run(capsys, "metric", "digital_share_pct", "--by", "district")
    assert (code, err) == (0, "")
    assert_digital_share(out)
    assert build_id(current) == kept


def test_other_data_is_answered_with_a_note(capsys, current, tmp_path):
    before = tmp_path / "before.duckdb"
    shutil.copyfile(db.current_build(current), before)
    intake.withdraw(batches.accepted()[0]["batch_id"], who="reviewer")
    kept = build_id(before)
    code, out, err = run(
        capsys, "metric", "digital_share_pct", "--by", "district", "--db", str(before)
    )
    assert code == 0
    assert_digital_share(out)  # as it was built
    assert err == (
        f"note: The database at {before} was built from other accepted imports than the "
        f"current ones: `python -m kp_dash build --db {before}` brings it up to date.\n"
    )
    assert build_id(before) == kept


def test_an_unreadable_file_is_explained_and_left_alone(capsys, tmp_path):
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(os.urandom(8192))
    before = junk.read_bytes()
    code, out, err = run(capsys, "metric", "digital_share_pct", "--db", str(junk))
    assert (code, out) == (1, "")
    assert err == (
        f"The database at {junk} cannot be read (it is not a DuckDB database file): "
        f"rebuild it with `python -m kp_dash build --db {junk}`.\n"
    )
    assert junk.read_bytes() == before


def test_a_missing_database_is_built_first(capsys, tmp_path):
    target = tmp_path / "new.duckdb"
    code, out, err = run(capsys, "metric", "literacy_pct", "--db", str(target))
    assert code == 0 and out.startswith("value,")
    assert err.startswith(f"No database yet: building {target} … done (")
    code, _, err = run(capsys, "metric", "literacy_pct", "--db", str(tmp_path / "no" / "x.duckdb"))
    assert code == 1 and "no such folder" in err
    assert "Build it with `python -m kp_dash build --db" in err


def test_no_rebuild_while_another_process_writes(capsys, older):
    lock = batches.imports_dir() / ".lock"
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as an import or a withdrawal in another process
        before = older.read_bytes()
        code, out, err = run(capsys, "metric", "digital_share_pct", "--db", str(older))
    assert (code, out) == (1, "")
    first, second = err.splitlines()
    assert first == f"Database built by older code: rebuilding {older} … not done"
    assert f"rebuild it with `python -m kp_dash build --db {older}`." in second
    assert second.endswith(
        "(could not rebuild it here: another process is importing, withdrawing or building; "
        "run this command again when it has finished)"
    )
    assert older.read_bytes() == before


def test_no_rebuild_where_it_cannot_write(capsys, older, monkeypatch):
    def refused(pointer, build_id):
        raise PermissionError(13, "Permission denied", str(db.builds_dir(pointer)))

    monkeypatch.setattr(db, "start_build", refused)
    code, _, err = run(capsys, "metric", "digital_share_pct", "--db", str(older))
    assert code == 1 and "Traceback" not in err
    assert err.splitlines()[-1].endswith(
        f"(could not rebuild it here: permission denied: {db.builds_dir(older)})"
    )


def test_a_current_looking_database_that_lacks_a_view_is_explained(capsys, current, tmp_path):
    broken = tmp_path / "broken.duckdb"
    shutil.copyfile(db.current_build(current), broken)
    with duckdb.connect(str(broken)) as con:
        con.execute("drop view metric_digital_share_pct")
    code, out, err = run(capsys, "metric", "digital_share_pct", "--db", str(broken))
    assert (code, out) == (1, "")
    assert err.startswith(f"The database at {broken} lacks what this code reads (Catalog Error")
    assert err.endswith(f"rebuild it with `python -m kp_dash build --db {broken}`.\n")


def test_a_corrupt_build_behind_the_pointer_is_rebuilt(capsys, current):
    # the file is one of this database's own builds, so a reader may replace it
    db.current_build(current).write_bytes(os.urandom(8192))
    assert build.database_state(current).kind == db.UNREADABLE
    code, out, err = run(capsys, "metric", "digital_share_pct", "--by", "district")
    assert code == 0, err
    assert err.startswith(f"Database unreadable: rebuilding {current} … done (")
    assert_digital_share(out)
