"""`python -m kp_dash doctor`: a healthy installation passes; each planted fault is found, named,
and makes the exit status 1."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import pytest

from kp_dash import cli
from kp_dash.store import accounts, backup, batches, config, geo, health, intake
from kp_dash.views import language, pdf_document

ROOT = Path(__file__).parents[2]
SMALL_USAGE = ROOT / "tests" / "fixtures" / "usage_small.csv"
DiskUsage = namedtuple("DiskUsage", "total used free")


@pytest.fixture(autouse=True)
def urdu_font_present(monkeypatch, tmp_path_factory) -> None:
    """On a machine without Debian's fonts-noto-core, stand-in files take the Urdu font's
    place, so that each test here is about the fault it plants (one test removes them)."""
    if all(language.font_file(name) for name in language.FONTS.values()):
        return
    folder = tmp_path_factory.mktemp("fonts")
    for name in language.FONTS.values():
        (folder / name).write_bytes(b"")
    monkeypatch.setattr(language, "FONT_DIR", folder)


@pytest.fixture
def healthy(isolated_state) -> Path:
    """An installation as the service runs it: owner-only state, a user, an accepted import."""
    os.chmod(isolated_state, 0o700)
    batches.set_demo(False)
    accounts.add_user("admin1", "admin", "a long enough password 1")
    assert intake.import_file(SMALL_USAGE, who="admin1").status == "accepted"
    return isolated_state


def doctor(capsys, *argv: str) -> tuple[int, list[str], str]:
    code = cli.main(["doctor", *argv])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def faults(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("FAULT")]


def test_a_healthy_installation_passes(healthy, capsys):
    code, lines, err = doctor(capsys)
    assert code == 0 and faults(lines) == [], lines
    assert err.strip() == "healthy: no fault"
    areas = [line.split(":")[0].split()[-1] for line in lines]
    for area in ("state", "disk", "imports", "files", "database", "boundaries", "fonts"):
        assert area in areas, lines
    assert any("accepted batches: 1, stored rows and raw files present" in x for x in lines)


def test_a_users_file_others_may_read_is_a_fault(healthy, capsys):
    users = healthy / "users.json"
    os.chmod(users, 0o644)
    code, lines, err = doctor(capsys)
    assert code == 1 and err.strip() == "1 fault(s)"
    assert faults(lines) == [
        f"FAULT  private files: {users} is mode 0644: others may read it; `chmod 600 {users}`"
    ]


def test_a_missing_archived_file_is_a_fault(healthy, capsys, tmp_path):
    (raw,) = (healthy / "imports" / "archive").iterdir()
    earlier = tmp_path / "usage_2024.csv"  # a second batch, whose raw file stays
    earlier.write_text(SMALL_USAGE.read_text().replace("2025-", "2024-"))
    assert intake.import_file(earlier, who="admin1").status == "accepted"
    raw.unlink()
    batch = batches.accepted()[0]
    code, lines, _ = doctor(capsys)
    assert code == 1
    (line,) = faults(lines)
    assert f"batch {batch['batch_id']}: the archived file 'usage_small.csv' is missing" in line
    assert "restore it from a backup" in line


def test_missing_batch_rows_and_an_altered_archive_are_faults(healthy, capsys):
    (batch,) = batches.accepted()
    (raw,) = (healthy / "imports" / "archive").iterdir()
    raw.write_bytes(raw.read_bytes() + b"\n")
    assert doctor(capsys)[0] == 0  # the raw file is hashed only with --deep
    code, lines, _ = doctor(capsys, "--deep")
    assert code == 1 and "differs from what was accepted" in faults(lines)[0]
    batches.batch_path(batch["batch_id"]).unlink()
    code, lines, _ = doctor(capsys)
    assert f"batch {batch['batch_id']}: its rows are missing" in faults(lines)[0]


def test_a_full_disk_is_a_fault(healthy, capsys, monkeypatch):
    monkeypatch.setattr(health.shutil, "disk_usage", lambda _: DiskUsage(10**9, 10**9, 5 << 20))
    code, lines, _ = doctor(capsys)
    assert code == 1
    assert f"FAULT  disk: {healthy}: 5 MB free, under the 1,024 MB set; free some space" in lines


def test_the_free_space_wanted_is_set_by_flag_or_environment(healthy, capsys, monkeypatch):
    monkeypatch.setenv("KP_DASH_MIN_FREE_MB", "1e12")
    assert doctor(capsys)[0] == 1
    code, lines, _ = doctor(capsys, "--min-free-mb", "1")
    assert code == 0, lines


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def test_a_disk_that_takes_no_more_writes_is_a_fault(healthy):
    """A file-size limit of 64 kB: the 1 MB write fails as it would on a full disk."""
    done = subprocess.run(
        [sys.executable, "-m", "kp_dash", "doctor"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_file_size,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    # the process's own check of the Urdu font is its machine's: only the disk is asked about
    (line,) = [f for f in faults(done.stdout.splitlines()) if f.startswith("FAULT  disk")]
    assert line == (
        f"FAULT  disk: {healthy}: cannot write 1 MB (file too large): imports, backups and "
        "rebuilds will fail"
    )
    assert not list(healthy.glob(".doctor-probe-*"))


def test_a_state_folder_others_may_read_is_a_fault(healthy, capsys):
    os.chmod(healthy, 0o755)
    (line,) = faults(doctor(capsys)[1])
    assert line.startswith(f"FAULT  state: {healthy} is mode 0755: other users may read")


def test_a_missing_or_stale_database_is_a_fault(healthy, capsys):
    accepted = batches.read_records()
    batches.save_records([{**accepted[0], "status": "withdrawn"}])  # edited behind its back
    (line,) = faults(doctor(capsys)[1])
    assert line.startswith("FAULT  database: The database at") and "up to date" in line
    for path in config.db_path().parent.glob("kp_dash*"):
        if path.is_symlink() or path.is_file():
            path.unlink()
    (line,) = faults(doctor(capsys)[1])
    assert "FAULT  database:" in line and "build" in line


def test_unusable_boundaries_are_a_fault(healthy, capsys, monkeypatch, tmp_path):
    broken = tmp_path / "districts.geojson"
    broken.write_text("{not json")
    monkeypatch.setenv("KP_DASH_BOUNDARIES", str(broken))
    (line,) = faults(doctor(capsys)[1])
    assert line.startswith("FAULT  boundaries:") and "tile" in line.lower()


def test_boundaries_that_miss_a_district_are_a_fault(healthy, capsys, monkeypatch, tmp_path):
    layer = geo.read_bundled_layer()[0]
    partial = tmp_path / "districts.geojson"
    layer[layer["district_code"] != "PK502"].to_file(partial, driver="GeoJSON")
    monkeypatch.setenv("KP_DASH_BOUNDARIES", str(partial))
    (line,) = faults(doctor(capsys)[1])
    assert line.startswith(f"FAULT  boundaries: {partial}: 34 districts drawn.")


def test_a_missing_font_is_a_fault(healthy, capsys, monkeypatch):
    monkeypatch.setitem(pdf_document._FONT_FILES, "B", "NoSuchFont.ttf")
    (line,) = faults(doctor(capsys)[1])
    assert line.startswith("FAULT  fonts: the briefing's font ") and "NoSuchFont.ttf" in line


def test_a_missing_urdu_font_is_a_fault(healthy, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(language, "FONT_DIR", tmp_path)
    *briefing, line = faults(doctor(capsys)[1])
    names = ("NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf")
    assert len(briefing) == len(names)
    for found, name in zip(briefing, names, strict=True):  # then the font library's reason
        assert found.startswith(f"FAULT  fonts: the briefing's font {tmp_path / name}: ")
    assert line == (
        f"FAULT  fonts: the Urdu font NotoNastaliqUrdu-Regular.ttf, NotoNastaliqUrdu-Bold.ttf "
        f"is missing from {tmp_path}: `apt-get install fonts-noto-core`"
    )


def test_json_output_lists_every_finding(healthy, capsys):
    os.chmod(healthy / "users.json", 0o640)
    code, lines, _ = doctor(capsys, "--format", "json")
    found = json.loads("\n".join(lines))
    assert code == 1
    assert [f["area"] for f in found if f["fault"]] == ["private files"]
    assert {"area", "fault", "message"} == set(found[0])


def test_a_restored_installation_is_healthy(healthy, capsys, tmp_path, monkeypatch):
    backup.write_backup(tmp_path / "b.tar.gz")
    monkeypatch.setenv("KP_DASH_STATE", str(tmp_path / "restored"))
    monkeypatch.setenv("KP_DASH_DB", str(tmp_path / "restored.duckdb"))
    backup.restore(tmp_path / "b.tar.gz")
    code, lines, _ = doctor(capsys)
    assert code == 0, lines
