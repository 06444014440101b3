"""What an import costs at provincial scale (`make bench-scale`, not part of `make test`).

For each size in `--sizes` (rows), writes a usage file deterministically (the demonstration
months split by age band, repeated further back in time so that every row has its own key), then
imports it through the command line (`python -m kp_dash import FILE --kind usage`) into a new
database and state in a temporary folder, as the first real usage (the demonstration data leaves:
a full build). Prints, per size and format: the import's wall time, the time beyond the start-up
(an import of a one-row file the same way: interpreter, modules, build), rows per second beyond
start-up, and the child process's peak resident memory (the kernel's high-water mark). Every
import is bounded by `--timeout`; nothing is asserted: the numbers are for comparing before and
after a change on the same machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ("parquet", "csv")


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_mb: float
    returncode: int
    last_line: str


def usage_rows(rows: int) -> pd.DataFrame:
    """`rows` valid usage rows, each with its own key: the demonstration's rows, then the same
    again with every month moved back by the span of the demonstration's months, and so on."""
    from kp_dash.store import demo

    usage = demo.generate(groups=False)  # before its splits: one row per key and band below
    bands = ("0-4", "5-14", "15-24", "25-59", "60+")
    base = pd.concat([usage.assign(age_band=band) for band in bands], ignore_index=True)
    if rows <= len(base):
        return base.iloc[:rows]
    months = pd.PeriodIndex(base["month"], freq="M")
    span = months.max().ordinal - months.min().ordinal + 1
    copies = -(-rows // len(base))
    frames = [base.assign(month=(months - i * span).strftime("%Y-%m")) for i in range(copies)]
    return pd.concat(frames, ignore_index=True).iloc[:rows]


def _child(command: list[str], env: dict[str, str], timeout: float) -> Measured:
    """Run the command on its own, stopped after `timeout` seconds; its wall time and peak
    memory (ru_maxrss of the children waited for only grows, so each runs under a probe
    process of its own)."""
    probe = [sys.executable, "-c", _PROBE, str(timeout), *command]
    done = subprocess.run(probe, capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    seconds, peak_kb, returncode, last = done.stdout.rstrip("\n").split("\t", 3)
    return Measured(float(seconds), int(peak_kb) / 1024, int(returncode), last)


# the probe: runs argv[2:] with a time limit of argv[1] seconds (subprocess kills it after)
_PROBE = """
import resource, subprocess, sys, time
start = time.perf_counter()
try:
    done = subprocess.run(sys.argv[2:], capture_output=True, text=True, timeout=float(sys.argv[1]))
    code, lines = done.returncode, (done.stdout + done.stderr).strip().splitlines() or [""]
except subprocess.TimeoutExpired:
    code, lines = -1, [f"stopped after {sys.argv[1]} s"]
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(seconds, peak, code, lines[-1], sep="\t")
"""


def _import(
    root: Path, name: str, frame: pd.DataFrame, kind: str, env: dict, timeout: float
) -> Measured:
    """`frame` written as a `kind` file and imported into a copy of the demo database."""
    path = root / f"usage_{name}.{kind}"
    if kind == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    db = root / f"db_{name}_{kind}.duckdb"
    shutil.copyfile(root / "start.duckdb", db)  # the demo database, each time anew
    run_env = {**env, "KP_DASH_STATE": str(root / f"state_{name}_{kind}"), "KP_DASH_DB": str(db)}
    command = [sys.executable, "-m", "kp_dash", "import", str(path), "--kind", "usage"]
    try:
        return _child(command, run_env, timeout)
    finally:
        path.unlink()
        db.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,6500000", help="rows per file, comma-separated")
    parser.add_argument("--formats", default="parquet", help=f"of {', '.join(FORMATS)}")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per import")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    formats = [f for f in args.formats.split(",") if f in FORMATS]
    print(f"this machine: {os.cpu_count()} CPUs; peak memory is the importing process's own")
    print(f"{'rows':>12}  {'format':<8}  {'seconds':>8}  {'beyond start-up':>15}  "
          f"{'rows/s beyond':>13}  {'peak MB':>8}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="kp_dash_scale_") as folder:
        root = Path(folder)
        env = {**os.environ, "KP_DASH_STATE": str(root / "state"), "PYTHONPATH": str(ROOT)}
        env["KP_DASH_DB"] = str(root / "start.duckdb")
        subprocess.run([sys.executable, "-m", "kp_dash", "build"], env=env, cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
        start_up = _import(root, "start_up", usage_rows(1), "parquet", env, args.timeout)
        for rows in sizes:
            frame = usage_rows(rows)
            for kind in formats:
                measured = _import(root, str(rows), frame, kind, env, args.timeout)
                beyond = measured.seconds - start_up.seconds
                rate = rows / beyond if beyond > 0 and not measured.returncode else float("nan")
                failed = "" if measured.returncode == 0 else f"  FAILED: {measured.last_line}"
                print(f"{rows:>12,}  {kind:<8}  {measured.seconds:>8.2f}  {beyond:>15.2f}  "
                      f"{rate:>13,.0f}  {measured.peak_mb:>8,.0f}{failed}")  # fmt: skip
            del frame
    print(f"start-up (an import of one row, the same way): {start_up.seconds:.2f} s, "
          f"{start_up.peak_mb:,.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
