"""Nothing reads a file before its checks: a workbook whose sheet unpacks to 2.7 GB, a Parquet
file whose footer claims 10¹² cells and a CSV file of one 50 MB line go in by every way a file
comes in (the command line with and without a saved mapping, `--source` and `--mapping`; the
Data page's check, import and mapping form) with a column mapping saved for the workbook's
header, and each is refused, in a process whose peak memory stays under 1 GB.

Each way runs in a process of its own, capped at 3 GB of address space so that a regression
fails in seconds instead of taking the machine (unchecked, the workbook took 12 GB in 100 s)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

import pytest

from kp_dash.store import mappings
from kp_dash.store.mappings import ColumnMapping
from tests import hostile_files

ROOT = Path(__file__).parents[2]
PEAK_LIMIT = 1 << 30
ADDRESS_SPACE_CAP = 3 << 30
TIMEOUT_S = 180
SOURCE = "Health Dept"
FIELDS = ("district", "month", "service", "channel", "sex", "transactions")
# what each refusal says
REFUSALS = {
    "bomb.xlsx": "the workbook unpacks to 2,699.8 MB, more than the 2,000 MB allowed",
    "claim.parquet": "(1,000,000,000,000 cells), more than the 104,857,600 cells",
    "line.csv": "this line is 50 MB long, more than the 256 KB a table's row may take",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {
        "bomb.xlsx": hostile_files.zip_bomb_xlsx(folder / "bomb.xlsx"),
        "claim.parquet": hostile_files.claiming_parquet(folder / "claim.parquet"),
        "line.csv": hostile_files.long_line_csv(folder / "line.csv"),
    }


@pytest.fixture
def mapping_file(tmp_path: Path) -> Path:
    """A mapping saved for the workbook's header (so that the look-up would open it) and the
    same mapping as a file for `--mapping`."""
    mapping = ColumnMapping(hostile_files.BOMB_HEADER, FIELDS, "usage", SOURCE)
    mappings.save(mapping, "tester")
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(mappings.to_record(mapping)), encoding="utf-8")
    return path


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))


def _run(arguments: list[str]) -> tuple[int, str, int]:
    """Exit code, output and peak resident memory (bytes) of a Python process, the processes it
    waited for included (the kernel keeps the largest for `wait4`)."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        process = subprocess.Popen(
            [sys.executable, *arguments],
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_capped,
        )
        timer = threading.Timer(TIMEOUT_S, process.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        return process.returncode, out.read(), usage.ru_maxrss * 1024


def _refused(name: str, code: int, output: str, peak: int) -> None:
    assert REFUSALS[name] in output, output[-3000:]
    assert "rejected, 1 problem(s); nothing was written" in output, output[-3000:]
    assert peak < PEAK_LIMIT, f"{name}: peak {peak / 2**20:,.0f} MiB"
    assert code in (0, 1), output[-3000:]


CLI_WAYS = {
    "saved mapping, --source": ["--source", SOURCE],
    "saved mapping, no source": [],
    "saved mapping, --source, --dry-run": ["--source", SOURCE, "--dry-run"],
    "--mapping": ["--mapping", "MAPPING"],
}


@pytest.mark.parametrize("name", list(REFUSALS))
@pytest.mark.parametrize("way", list(CLI_WAYS))
def test_the_command_line_refuses_before_reading(
    hostile: dict[str, Path], mapping_file: Path, name: str, way: str
) -> None:
    options = [str(mapping_file) if o == "MAPPING" else o for o in CLI_WAYS[way]]
    code, output, peak = _run(["-m", "kp_dash", "import", str(hostile[name]), *options])
    _refused(name, code, output, peak)
    assert code == 1


@pytest.mark.parametrize("name", list(REFUSALS))
@pytest.mark.parametrize("way", ["check", "import"])
def test_the_data_page_refuses_before_reading(
    hostile: dict[str, Path], mapping_file: Path, name: str, way: str
) -> None:
    code, output, peak = _run(["-m", "tests.hostile_run", way, str(hostile[name]), SOURCE])
    _refused(name, code, output, peak)
    assert code == 0  # the page ran to its end


@pytest.mark.parametrize("name", list(REFUSALS))
def test_the_mapping_form_does_not_open_a_refused_file(
    hostile: dict[str, Path], mapping_file: Path, name: str
) -> None:
    code, output, peak = _run(["-m", "tests.hostile_run", "form", str(hostile[name]), SOURCE])
    assert (code, output.strip().splitlines()[-1]) == (0, "no form"), output[-3000:]
    assert peak < PEAK_LIMIT, f"{name}: peak {peak / 2**20:,.0f} MiB"


def test_each_hostile_file_is_what_it_claims(hostile: dict[str, Path]) -> None:
    """The files are small on disk and claim what the refusals name."""
    import pyarrow.parquet as pq

    assert hostile["bomb.xlsx"].stat().st_size < 12 * 2**20
    with zipfile.ZipFile(hostile["bomb.xlsx"]) as bomb:
        assert sum(p.file_size for p in bomb.infolist()) > 2.6 * 2**30
    meta = pq.read_metadata(hostile["claim.parquet"])
    assert meta.num_rows * meta.num_columns == 10**12
    assert hostile["line.csv"].read_bytes().count(b"\n") == 0
