"""`backup` and `restore`: a restore into an empty folder gives the same figures, users and audit
trail; a damaged, truncated, tampered or hostile archive is refused with nothing written."""

from __future__ import annotations

import fcntl
import io
import json
import os
import stat
import tarfile
from collections import namedtuple
from pathlib import Path

import pandas as pd
import pytest

from kp_dash import cli
from kp_dash.numbers import metric_sql, metrics, registry
from kp_dash.store import (
    accounts,
    audit,
    backup,
    batches,
    build,
    config,
    db,
    intake,
    mappings,
    pseudonyms,
    sessions,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"
SMALL_USAGE = FIXTURES / "usage_small.csv"
PASSWORD = "a long enough password 1"
DiskUsage = namedtuple("DiskUsage", "total used free")


def _every_metric() -> dict[tuple[str, str], pd.DataFrame]:
    """Every metric for the province and by district, read from the current database."""
    tables = {}
    with db.connect_readonly(config.db_path()) as con:
        for code in registry.registry_frame()["code"]:
            for by in ((), ("district",)):
                query = registry.Query(code, by, None, None, None)
                try:
                    metric_sql.check(query)
                except registry.MetricError:
                    continue
                tables[code, ",".join(by)] = metrics.fetch(con, query)
    return tables


def _point_at(monkeypatch, folder: Path) -> Path:
    state = folder / "state"
    monkeypatch.setenv("KP_DASH_STATE", str(state))
    monkeypatch.setenv("KP_DASH_DB", str(folder / "kp_dash.duckdb"))
    return state


@pytest.fixture
def installation(tmp_path, monkeypatch) -> Path:
    """A state folder as an office leaves it after a month: an accepted import, two users (one a
    district officer), a confirmed spelling, a saved column mapping, a login session."""
    state = _point_at(monkeypatch, tmp_path / "office")
    batches.set_demo(False)  # the figures are the import's alone, and builds stay quick
    accounts.add_user("admin1", "admin", PASSWORD)
    accounts.add_user("bajaur1", "viewer", PASSWORD, ("PK502",))
    batches.confirm_alias("Bajaur Agncy", "PK502", who="admin1")
    header = ("Mahina", "Zila", "Khidmat", "Tareeqa", "Kul")
    fields = ("month", "district", "service", "channel", "transactions")
    mappings.save(mappings.ColumnMapping(header, fields, "usage", "Health"))
    pseudonyms.secret()
    sessions.start("admin1")
    result = intake.import_file(SMALL_USAGE, who="admin1")
    assert result.status == "accepted", result.message
    return state


def test_a_restore_into_an_empty_folder_gives_the_same_figures_users_and_trail(
    installation, tmp_path, monkeypatch
):
    figures, users = _every_metric(), accounts.users()
    marks = {user.name: accounts.password_mark(user.name) for user in users}
    archive = tmp_path / "office.tar.gz"
    assert cli.main(["backup", "--out", str(archive)]) == 0
    trail = audit.entries()  # the backup itself is the last entry
    assert trail[-1].event == "backup" and trail[-1].what == "office.tar.gz: 9 files"
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert len(figures) > 20 and not figures["uptake_per_1000", ""].empty

    restored = _point_at(monkeypatch, tmp_path / "elsewhere")
    assert cli.main(["restore", str(archive)]) == 0

    assert _every_metric().keys() == figures.keys()
    for key, table in _every_metric().items():
        pd.testing.assert_frame_equal(table, figures[key], obj=str(key))
    assert accounts.users() == users
    assert {user.name: accounts.password_mark(user.name) for user in users} == marks
    after = audit.entries()
    assert after[: len(trail) - 1] == trail[:-1]  # the backup's own entry came after the copy
    assert (after[-1].event, after[-1].what.split(" (made")[0]) == ("restore", "office.tar.gz")
    assert batches.confirmed_aliases()["alias"].tolist() == ["Bajaur Agncy"]
    assert (restored / "secret.key").read_bytes() == (installation / "secret.key").read_bytes()
    assert not (restored / "sessions.json").exists()  # a restore logs everybody out
    assert stat.S_IMODE((restored / "users.json").stat().st_mode) == 0o600
    assert accounts.log_in("bajaur1", PASSWORD).user.districts == ("PK502",)


def test_every_file_an_installation_writes_is_kept_or_left_out_on_purpose(installation):
    kept = {p.relative_to(installation).as_posix() for p in backup.kept_files()}
    left_out = []
    for path in sorted(installation.rglob("*")):
        name = path.relative_to(installation).as_posix()
        if path.is_file() and name not in kept:
            left_out.append(name)
    hidden_or_passing = [
        n for n in left_out if n.split("/")[-1].startswith(".") or n.startswith("tmp/")
    ]
    assert sorted(set(left_out) - set(hidden_or_passing)) == ["sessions.json"]
    assert {
        "users.json",
        "audit.jsonl",
        "aliases.csv",
        "secret.key",
        "imports/manifest.json",
    } <= kept
    assert any(n.startswith("imports/archive/") for n in kept)
    assert any(n.startswith("imports/batches/") for n in kept)
    assert any(n.startswith("column_maps/") for n in kept)


def test_a_backup_is_taken_under_the_lock_imports_write_under(installation, tmp_path, monkeypatch):
    held = []

    def listing(state=None):
        with (installation / "imports" / ".lock").open("w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                held.append(True)
        return original(state)

    original = backup.kept_files
    monkeypatch.setattr(backup, "kept_files", listing)
    backup.write_backup(tmp_path / "b.tar.gz")
    assert held == [True]


def _files(folder: Path) -> list[str]:
    return (
        sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
        if folder.exists()
        else []
    )


@pytest.fixture
def archive(installation, tmp_path) -> Path:
    path = tmp_path / "office.tar.gz"
    backup.write_backup(path)
    return path


def _refused(capsys, path: Path, monkeypatch, tmp_path) -> str:
    """Restore `path` into an empty folder; it must exit 1 with one line and write nothing."""
    state = _point_at(monkeypatch, tmp_path / "target")
    assert cli.main(["restore", str(path)]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert _files(state) == [] and not (tmp_path / "target" / "kp_dash.duckdb").exists()
    return err


def test_a_damaged_archive_is_refused_with_nothing_written(archive, capsys, monkeypatch, tmp_path):
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(bytes(data))
    err = _refused(capsys, damaged, monkeypatch, tmp_path)
    assert "refused: damaged or truncated" in err and "nothing was written" in err


def test_a_truncated_archive_is_refused_with_nothing_written(
    archive, capsys, monkeypatch, tmp_path
):
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size * 2 // 3])
    assert "refused: damaged or truncated" in _refused(capsys, cut, monkeypatch, tmp_path)


def _rewritten(archive: Path, out: Path, change) -> Path:
    """The archive's members passed through `change(name, data)` (None drops a member), in a
    new, well-formed gzip: only the checksums can tell."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(out, "w:gz") as target:
        for info in source:
            data = change(info.name, source.extractfile(info).read())
            if data is not None:
                info.size = len(data)
                target.addfile(info, io.BytesIO(data))
    return out


def test_a_member_changed_inside_a_well_formed_archive_is_refused(
    archive, capsys, monkeypatch, tmp_path
):
    def promote(name, data):
        return data.replace(b'"viewer"', b'"admin"') if name == "users.json" else data

    changed = _rewritten(archive, tmp_path / "changed.tar.gz", promote)
    err = _refused(capsys, changed, monkeypatch, tmp_path)
    assert "refused: users.json does not match its checksum" in err


def test_a_missing_member_is_refused(archive, capsys, monkeypatch, tmp_path):
    def drop(name, data):
        return None if name.startswith("imports/batches/") else data

    err = _refused(
        capsys, _rewritten(archive, tmp_path / "less.tar.gz", drop), monkeypatch, tmp_path
    )
    assert "imports/batches/" in err and "is missing" in err


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("../escaped.json", tarfile.REGTYPE),
        ("/etc/kp-dash-planted", tarfile.REGTYPE),
        ("users.json", tarfile.SYMTYPE),
        ("app.py", tarfile.REGTYPE),
    ],
)
def test_a_hostile_member_is_refused(archive, capsys, monkeypatch, tmp_path, name, kind):
    hostile = tmp_path / "hostile.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(hostile, "w:gz") as target:
        planted = tarfile.TarInfo(name)
        planted.type, planted.linkname = kind, "/etc/passwd"
        target.addfile(planted, io.BytesIO(b"") if kind == tarfile.REGTYPE else None)
        for info in source:
            target.addfile(info, source.extractfile(info))
    err = _refused(capsys, hostile, monkeypatch, tmp_path)
    assert "is not a file this dashboard backs up" in err
    assert not (tmp_path / "escaped.json").exists()


def test_a_folder_in_use_is_refused_without_force_and_kept_aside_with_it(
    archive, installation, capsys
):
    accounts.add_user("later1", "viewer", PASSWORD)  # made after the backup
    before = {n: (installation / n).read_bytes() for n in ("users.json", "audit.jsonl")}
    assert cli.main(["restore", str(archive)]) == 1
    err = capsys.readouterr().err
    assert "already holds imports, users.json, audit.jsonl, aliases.csv" in err
    assert {n: (installation / n).read_bytes() for n in before} == before

    assert cli.main(["restore", str(archive), "--force"]) == 0
    (aside,) = (installation / "replaced").iterdir()
    assert {n: (aside / n).read_bytes() for n in before} == before
    assert (aside / "sessions.json").exists() and not (installation / "sessions.json").exists()
    assert [user.name for user in accounts.users()] == ["admin1", "bajaur1"]
    assert (installation / "imports" / "manifest.json").exists()
    assert "kept in" in capsys.readouterr().err


def test_the_restored_files_are_the_backed_up_bytes(archive, installation, tmp_path, monkeypatch):
    originals = {
        p.relative_to(installation).as_posix(): p.read_bytes() for p in backup.kept_files()
    }
    restored = _point_at(monkeypatch, tmp_path / "again")
    backup.restore(archive)
    copies = {p.relative_to(restored).as_posix(): p.read_bytes() for p in backup.kept_files()}
    assert copies.keys() == originals.keys()
    assert {n: d for n, d in copies.items() if n != "audit.jsonl"} == {
        n: d for n, d in originals.items() if n != "audit.jsonl"
    }
    index = json.loads(tarfile.open(archive, "r:gz").extractfile(backup.INDEX).read())
    assert {m["path"] for m in index["members"]} == set(originals)
    assert all(os.stat(p).st_mode & 0o077 == 0 for p in backup.kept_files())


def test_a_backup_to_a_missing_folder_says_so(capsys, tmp_path):
    assert cli.main(["backup", "--out", str(tmp_path / "no" / "b.tar.gz")]) == 1
    assert capsys.readouterr().err.strip() == f"{tmp_path / 'no'}: no such folder"


def test_an_archive_is_never_written_into_what_it_backs_up(installation, tmp_path):
    for inside in ("imports/state.tar.gz", "column_maps/state.tar.gz"):
        with pytest.raises(backup.BackupError, match="would be copied into the next one"):
            backup.write_backup(installation / inside)
    (installation / "backups").mkdir()
    backup.write_backup(installation / "backups" / "state.tar.gz")  # a folder of its own
    assert "backups/state.tar.gz" not in {
        m.path for m in backup.check_archive(installation / "backups" / "state.tar.gz")[1]
    }


def test_restore_needs_room_on_the_disk(archive, monkeypatch, tmp_path):
    state = _point_at(monkeypatch, tmp_path / "small-disk")
    monkeypatch.setattr(backup.shutil, "disk_usage", lambda _: DiskUsage(1000, 1000, 0))
    with pytest.raises(backup.BackupError, match="the disk has 0 MB free; nothing was written"):
        backup.restore(archive)
    assert _files(state) == []


def test_the_built_database_is_restored_from_files_not_copied(archive, tmp_path, monkeypatch):
    _point_at(monkeypatch, tmp_path / "fresh")
    backup.restore(archive)
    assert db.database_state(config.db_path()).usable
    assert build.is_current(config.db_path())
