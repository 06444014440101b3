"""A check or an import in a process of its own: the same answer as in the caller's process, its
progress as it goes, the caller's settings at the moment of the call, and a clear rejection when
the process dies, with the caller's memory untouched."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kp_dash.store import batches, config, intake, isolated
from tests import hostile_files

USAGE = Path(__file__).parents[1] / "fixtures" / "usage_small.csv"


def test_a_check_in_the_child_answers_as_one_in_this_process(tmp_path: Path) -> None:
    steps: list[tuple[float, str]] = []
    child = isolated.run_import(USAGE, dry_run=True, progress=lambda f, m: steps.append((f, m)))
    here = intake.import_file(USAGE, dry_run=True)
    said = "usage_small.csv: 11 usage rows are valid (dry run: nothing was written)"
    assert (child.status, child.kind, child.rows, child.message) == ("valid", "usage", 11, said)
    assert (here.status, here.rows, here.message) == (child.status, child.rows, child.message)
    assert steps[0] == (0.0, "reading usage_small.csv")
    assert steps[-1] == (0.7, "11 rows checked")
    assert [f for f, _ in steps] == sorted(f for f, _ in steps)


def test_the_accepted_rows_stay_in_the_child(tmp_path: Path) -> None:
    result = isolated.run_import(USAGE, dry_run=True)
    assert result.rows == 11 and result.validation.rows.empty


def test_the_child_takes_the_settings_of_the_moment_of_the_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolated.run_import(USAGE, dry_run=True)
    second = tmp_path / "second_state"
    second.mkdir()
    monkeypatch.setenv("KP_DASH_STATE", str(second))
    monkeypatch.setenv("KP_DASH_DB", str(tmp_path / "second.duckdb"))
    result = isolated.run_import(USAGE, who="amina")
    assert result.status == "accepted", result.message
    assert batches.read_manifest()["who"].tolist() == ["amina"]  # read from the second state
    assert (second / "audit.jsonl").exists()


def test_a_file_too_big_for_the_memory_cap_ends_the_child_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # passes every check (300 MB of sheet, 18 million cells) but needs more than 1,024 MB
    heavy = hostile_files.zip_bomb_xlsx(tmp_path / "heavy.xlsx", 300 * hostile_files.MIB)
    monkeypatch.setenv("KP_DASH_IMPORT_MEMORY_MB", "1024")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = isolated.run_import(heavy, dry_run=True, display_name="heavy.xlsx")
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert result.status == "rejected" and result.batch_id is None
    assert result.validation.problems["rule"].tolist() == ["import_stopped"]
    assert result.validation.problem_lines() == [
        "heavy.xlsx: the file could not be read to the end: reading it needed more than the "
        "1,024 MB an import may use (KP_DASH_IMPORT_MEMORY_MB); nothing was written. Split it "
        "into smaller files (for example one per month) and import each; report the file if it "
        "is small"
    ]
    assert result.message == "heavy.xlsx: rejected, 1 problem(s); nothing was written"
    assert grown_mb < 100, f"this process grew by {grown_mb:,.0f} MB"
    assert batches.read_manifest().empty


@pytest.mark.parametrize(
    ("exit_code", "says"),
    [
        (-signal.SIGKILL,
         "the process reading it was killed (SIGKILL: the system ran out of memory?)"),
        (-signal.SIGABRT, "the process reading it stopped (SIGABRT); most likely reading it needed "
         "more than the 4,096 MB an import may use (KP_DASH_IMPORT_MEMORY_MB)"),
        (3, "the process reading it ended without an answer (exit code 3)"),
    ],
)  # fmt: skip
def test_how_a_child_ended_is_said(exit_code: int, says: str) -> None:
    assert isolated._death(exit_code) == says


@pytest.mark.parametrize(
    ("setting", "mb"), [(None, 4096), ("2048", 2048), ("512", 1024), ("x", 4096)]
)
def test_the_memory_an_import_may_use(
    monkeypatch: pytest.MonkeyPatch, setting: str | None, mb: int
) -> None:
    if setting is None:
        monkeypatch.delenv("KP_DASH_IMPORT_MEMORY_MB", raising=False)
    else:
        monkeypatch.setenv("KP_DASH_IMPORT_MEMORY_MB", setting)
    assert config.import_memory_mb() == mb
    assert config.duckdb_settings()["memory_limit"] == f"{mb // 2}MB"
    assert Path(config.duckdb_settings()["temp_directory"]).is_relative_to(config.state_dir())


def test_the_cap_never_raises_a_limit_already_set(tmp_path: Path) -> None:
    """Under a service manager's lower limit the child keeps that limit instead of failing."""
    script = (
        "import resource; from kp_dash.store import isolated; "
        "resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30)); "
        "isolated._cap_memory(4 << 30); print(resource.getrlimit(resource.RLIMIT_AS)[0] >> 20); "
        "isolated._cap_memory(2 << 30); print(resource.getrlimit(resource.RLIMIT_AS)[0] >> 20)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=config.ROOT, timeout=60
    )
    assert done.stdout.split() == ["3072", "2048"], done.stderr


def test_the_mapping_preview_runs_in_the_child_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = hostile_files.zip_bomb_xlsx(tmp_path / "small.xlsx", hostile_files.MIB)
    header, columns = isolated.run_preview(small, "small.xlsx", None)
    assert header == hostile_files.BOMB_HEADER
    assert columns[0] == (0, "Zila", ("1", "1", "1"))
    # a sheet that passes every check but needs more than the cap: no preview, no harm here
    heavy = hostile_files.zip_bomb_xlsx(tmp_path / "heavy.xlsx", 300 * hostile_files.MIB)
    monkeypatch.setenv("KP_DASH_IMPORT_MEMORY_MB", "1024")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert isolated.run_preview(heavy, "heavy.xlsx", None) is None
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100, f"this process grew by {grown_mb:,.0f} MB"


def test_the_mapping_form_reads_a_heavy_file_in_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Data page asks for the form after a header refusal; the file is not read here."""
    import pandas as pd

    from kp_dash.store import cells, ingest
    from kp_dash.views import column_mapping, data_page

    heavy = hostile_files.zip_bomb_xlsx(tmp_path / "heavy.xlsx", 300 * hostile_files.MIB)
    monkeypatch.setenv("KP_DASH_IMPORT_MEMORY_MB", "1024")
    request = data_page.request("heavy.xlsx", heavy.read_bytes(), "usage", "", None)
    problem = cells.file_problem("heavy.xlsx", "missing_column", "no column 'district'", 1)
    refused = intake.ImportResult(
        "rejected",
        None,
        None,
        0,
        ingest.Validation("heavy.xlsx", None, pd.DataFrame(), problem),
        "",
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert column_mapping.mapping_form(request, refused) is None
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100, f"this process grew by {grown_mb:,.0f} MB"
