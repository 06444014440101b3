"""Imports are all or nothing, nothing is lost, nothing is counted twice, and a kill at any
moment leaves the previous state intact. State lives in the test's own KP_DASH_STATE."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from kp_dash.store import batches, build, config, db, demo, intake

FIXTURE = Path(__file__).parents[1] / "fixtures" / "usage_small.csv"


@pytest.fixture
def database(isolated_state) -> Path:
    """A database with the real seed and no usage, at the test's KP_DASH_DB."""
    build.build(with_demo=False)
    return config.db_path()


def usage_total(path: Path | None = None) -> int:
    with db.connect_readonly(path or config.db_path()) as con:
        frame = db.query_df(con, "select coalesce(sum(transactions), 0) as n from usage")
    return int(frame["n"].iloc[0])


def state_files() -> list[str]:
    root = config.state_dir()
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_accepted_file_is_archived_recorded_and_counted(database):
    result = intake.import_file(FIXTURE, who="Amina")
    assert result.status == "accepted" and result.rows == 11 and result.kind == "usage"
    (record,) = batches.accepted()
    assert record["who"] == "Amina" and record["rows"] == 11
    assert record["content_hash"] == batches.content_hash(FIXTURE)
    assert (record["first_month"], record["last_month"]) == ("2025-01", "2025-02")
    assert (batches.imports_dir() / "archive" / f"{record['content_hash']}.csv").read_bytes() == (
        FIXTURE.read_bytes()
    )
    assert batches.batch_path(result.batch_id).exists()
    assert usage_total() == 307
    assert build.is_current()


def test_the_file_is_copied_and_hashed_in_one_read_and_a_check_reads_it_once(
    database, tmp_path, monkeypatch
):
    """The archive copy is the copy made while hashing: no second read to copy it, no third to
    hash it; a dry run hashes nothing; no staged copy is left behind whatever the outcome."""
    reads: list[str] = []
    blocks = batches._blocks

    def counted(path: Path):
        reads.append(Path(path).name)
        return blocks(path)

    monkeypatch.setattr(batches, "_blocks", counted)
    assert intake.import_file(FIXTURE, dry_run=True).status == "valid"
    assert reads == []
    assert intake.import_file(FIXTURE).status == "accepted"
    assert reads == [FIXTURE.name]
    assert intake.import_file(FIXTURE).status == "already_imported"
    bad = tmp_path / "bad.csv"
    bad.write_text("month,district\n2025-01,Nowhere\n", encoding="utf-8")
    assert intake.import_file(bad).status == "rejected"
    archive = batches.imports_dir() / "archive"
    assert [p.name for p in archive.iterdir()] == [f"{batches.content_hash(FIXTURE)}.csv"]


def test_same_content_twice_is_not_counted_twice(database, tmp_path):
    first = intake.import_file(FIXTURE)
    copy = tmp_path / "renamed.csv"
    copy.write_bytes(FIXTURE.read_bytes())
    again = intake.import_file(copy)
    assert again.status == "already_imported" and again.batch_id == first.batch_id
    assert "already imported as batch" in again.message
    assert usage_total() == 307
    assert len(batches.read_manifest()) == 1


def test_a_corrected_file_sent_again_must_replace_the_first(database, tmp_path):
    first = intake.import_file(FIXTURE)
    corrected = tmp_path / "corrected.csv"
    corrected.write_text(FIXTURE.read_text().replace(",3,3\n", ",4,3\n", 1))
    result = intake.import_file(corrected)
    assert result.status == "rejected"
    lines = result.validation.problem_lines()
    assert len(lines) == 11
    assert lines[0] == (
        f"corrected.csv: row 2: repeats a row of batch {first.batch_id} "
        f"(usage_small.csv); if this file replaces it, withdraw batch "
        f"{first.batch_id} first"
    )
    intake.withdraw(first.batch_id)
    assert intake.import_file(corrected).status == "accepted"
    assert usage_total() == 308


def test_withdraw_removes_rows_and_keeps_the_record(database):
    result = intake.import_file(FIXTURE)
    intake.withdraw(result.batch_id, who="Bilal")
    assert usage_total() == 0
    record = batches.read_manifest().iloc[0]
    assert (record["status"], record["withdrawn_by"]) == ("withdrawn", "Bilal")
    with pytest.raises(intake.UnknownBatch):
        intake.withdraw(result.batch_id)
    with pytest.raises(intake.UnknownBatch):
        intake.withdraw("u-nope")
    assert build.is_current()


def test_dry_run_and_rejection_write_nothing(database, tmp_path):
    before = state_files()
    assert intake.import_file(FIXTURE, dry_run=True).status == "valid"
    bad = tmp_path / "bad.csv"
    bad.write_text(FIXTURE.read_text().replace("2025-01", "2029-01"))
    result = intake.import_file(bad)
    assert result.status == "rejected" and "nothing was written" in result.message
    assert state_files() == before
    assert usage_total() == 0


def test_a_confirmed_spelling_is_used_by_later_imports(database, tmp_path):
    misspelt = tmp_path / "misspelt.csv"
    misspelt.write_text(FIXTURE.read_text().replace("Peshawar", "Peshawer"))
    first = intake.import_file(misspelt)
    assert first.status == "rejected"
    assert first.validation.fuzzy[["spelling", "district_code"]].values.tolist() == [
        ["Peshawer", "PK528"]
    ]
    batches.confirm_alias("Peshawer", "PK528", who="Amina")
    assert batches.confirmed_aliases()[["alias", "district_code", "who"]].values.tolist() == [
        ["Peshawer", "PK528", "Amina"]
    ]
    assert intake.import_file(misspelt).status == "accepted"
    with pytest.raises(KeyError):
        batches.confirm_alias("Nowhere", "PK999")


def test_indicators_import_feeds_the_access_index(database, tmp_path):
    register = pd.read_csv(config.SEED_DIR / "districts.csv")
    rows = [
        (code, 2024, "internet_use_pct", "all", 40.0, "pct", "PTA 2024")
        for code in register["district_code"]
    ]
    rows.append(("Kohistan", 2024, "internet_use_pct", "female", 2.0, "pct", "PTA 2024"))
    path = tmp_path / "internet.csv"
    pd.DataFrame(
        rows, columns=["district", "year", "indicator", "group", "value", "unit", "source"]
    ).to_csv(path, index=False)
    assert intake.import_file(path).status == "accepted"
    with db.connect_readonly(config.db_path()) as con:
        parent = db.query_df(con, "select * from indicator_values where parent_name is not null")
        used = db.query_df(con, "select distinct indicator from stg_access_components")
    assert parent[["parent_name", "district_code", "is_parent_estimate"]].values.tolist() == [
        ["Kohistan", None, True]
    ]
    assert "internet_use_pct" in set(used["indicator"])


def test_targets_import(database, tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text(
        "service,district,metric,year,target\n"
        "health_card,KP,uptake_per_1000,2026,150\n"
        "health_card,Swat,uptake_per_1000,2026,120\n"
    )
    assert intake.import_file(path).status == "accepted"
    with db.connect_readonly(config.db_path()) as con:
        targets = db.query_df(con, "select district_code, target from targets order by target")
    assert targets["target"].tolist() == [120.0, 150.0]
    assert targets["district_code"].iloc[0] == "PK532" and pd.isna(targets["district_code"][1])


def test_a_database_behind_the_manifest_is_repaired(database, tmp_path):
    before = tmp_path / "before.duckdb"
    before.write_bytes(config.db_path().read_bytes())
    intake.import_file(FIXTURE)
    # as if the import had been killed after its manifest was committed, before the swap
    os.replace(before, config.db_path())
    assert not build.is_current() and usage_total() == 0
    again = intake.import_file(FIXTURE)
    assert again.status == "already_imported"
    assert build.is_current() and usage_total() == 307


@pytest.mark.parametrize(
    "stage", ["archiving the file", "writing the batch", "updating the database", "loading batch"]
)
def test_killed_import_leaves_the_previous_state(database, tmp_path, stage):
    intake.import_file(FIXTURE)
    total, manifest = usage_total(), batches.manifest_path().read_text()
    big = tmp_path / "big.csv"
    demo.generate(n_months=12).to_csv(big, index=False)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "kp_dash", "import", str(big)],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=config.ROOT,
    )
    for line in process.stderr:
        if stage in line:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, f"the import ended before '{stage}'"
    assert usage_total() == total
    assert batches.manifest_path().read_text() == manifest
    assert json.loads(manifest)[0]["rows"] == 11
    assert build.is_current()
    assert intake.import_file(big).status == "accepted"  # nothing half-written stands in the way


def _usage_rows(count: int) -> pd.DataFrame:
    """`count` distinct usage rows: months × districts × services, 5 online transactions each."""
    register = pd.read_csv(config.SEED_DIR / "districts.csv")["district_code"]
    services = pd.read_csv(config.SEED_DIR / "services.csv")["service_code"]
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    keys = pd.MultiIndex.from_product([months, register, services]).to_frame(index=False)
    keys.columns = ["month", "district", "service"]
    return keys.head(count).assign(channel="online", transactions=5)


def test_repeated_rows_are_counted_in_all_and_by_batch(database, tmp_path):
    rows = _usage_rows(1_700)
    first, second, whole = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "all.csv"
    rows.iloc[:600].to_csv(first, index=False)
    rows.iloc[600:1_300].to_csv(second, index=False)
    rows.to_csv(whole, index=False)
    batch_a = intake.import_file(first).batch_id
    batch_b = intake.import_file(second).batch_id
    result = intake.import_file(whole)
    assert result.status == "rejected"
    assert result.message == (
        f"all.csv: rejected, 1,300 of its 1,700 row(s) repeat rows already imported "
        f"(600 of batch {batch_a} (a.csv); 700 of batch {batch_b} (b.csv)); the first 1,000 "
        "are listed; if this file replaces those batches, withdraw them first; nothing was "
        "written"
    )
    problems = result.validation.problems
    assert len(problems) == 1_000 and problems["row"].tolist() == list(range(2, 1_002))
    dry = intake.import_file(whole, dry_run=True)
    assert dry.status == "rejected" and dry.message == result.message


def test_a_few_repeated_rows_are_each_listed(database, tmp_path):
    rows = _usage_rows(30)
    first, again = tmp_path / "first.csv", tmp_path / "again.csv"
    rows.iloc[:10].to_csv(first, index=False)
    rows.iloc[5:30].to_csv(again, index=False)
    batch = intake.import_file(first).batch_id
    result = intake.import_file(again)
    assert result.message == (
        f"again.csv: rejected, 5 of its 25 row(s) repeat rows already imported (5 of batch "
        f"{batch} (first.csv)); each is listed; if this file replaces those batches, withdraw "
        "them first; nothing was written"
    )
    assert result.validation.problems["row"].tolist() == [2, 3, 4, 5, 6]


def _validations_counted(monkeypatch) -> list[str]:
    calls: list[str] = []
    validate = intake.validate_file

    def counted(*args, **kwargs):
        calls.append("validated")
        return validate(*args, **kwargs)

    monkeypatch.setattr(intake, "validate_file", counted)
    return calls


def test_a_file_checked_then_imported_is_validated_once(database, monkeypatch):
    calls = _validations_counted(monkeypatch)
    digest = batches.content_hash(FIXTURE)
    assert intake.import_file(FIXTURE, dry_run=True, content_hash=digest).status == "valid"
    kept = sorted(p.suffix for p in (batches.imports_dir() / "checked").iterdir())
    assert kept == [".json", ".parquet"]
    result = intake.import_file(FIXTURE, who="Amina")
    assert result.status == "accepted" and result.rows == 11
    assert calls == ["validated"]  # the check's, not the import's
    assert usage_total() == 307  # the same rows as a file validated on import
    assert list((batches.imports_dir() / "checked").iterdir()) == []  # used once, then gone


def test_a_kept_check_is_not_used_for_other_bytes_or_other_spellings(database, monkeypatch):
    calls = _validations_counted(monkeypatch)
    claimed = "0" * 64  # a caller's hash that is not the file's
    intake.import_file(FIXTURE, dry_run=True, content_hash=claimed)
    assert intake.import_file(FIXTURE).status == "accepted"
    assert calls == ["validated", "validated"]
    intake.withdraw(intake.import_file(FIXTURE).batch_id)
    calls.clear()
    intake.import_file(FIXTURE, dry_run=True, content_hash=batches.content_hash(FIXTURE))
    batches.confirm_alias("Peshawer", "PK528", who="dm")  # spellings changed since the check
    intake.import_file(FIXTURE)
    assert calls == ["validated", "validated"]
