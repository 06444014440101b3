"""What a transaction log costs at provincial scale (`make bench-scale`, not part of `make test`).

For each size in `--sizes` (events), writes a log deterministically with DuckDB (a year of one
province's events in time order: every district, four services, four channels, three outcomes,
a quarter as many people as events), then, each in a process of its own under a time limit:

1. imports it through the command line (`python -m kp_dash import LOG --kind events`) into a new
   database: wall time, time beyond start-up (a one-event log imported the same way), events per
   second beyond start-up, and the process's peak resident memory;
2. answers `uptake_per_1000` by district for all months three ways: from the rollup (the metric
   as the pages ask it), from the raw events (DuckDB over the stored Parquet), and the way a
   typical dashboard does (pandas `read_parquet`, then `groupby`). Each answer's time is taken
   inside a new process (cold: after the interpreter and modules have started) and again in the
   same process (warm), with the process's peak memory; the pandas answer's time and memory are
   given as ratios to the rollup's;
3. answers `uptake_per_1000` (from the rollup) and `reach_pct` (distinct people, from the raw
   events) by district through the command line on each engine, `--engine duckdb` and
   `--engine spark` on `local[2]`: wall time with start-up, peak memory, the same values or not;
4. checks the province `uptake_per_1000` and `completion_rate_pct` that `python -m kp_dash
   metric` prints against sums computed straight from the generated file.

Nothing is asserted: the numbers are for comparing before and after a change on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
import procstats
from scale import Measured, _child  # the time-limited probe of `make bench-scale`

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("health_card", "telemedicine", "hospital_appointments", "health_complaints")
CHANNELS = ("online", "mobile_app", "kiosk", "counter")
DIGITAL = ("online", "mobile_app")
STATUSES = ("completed", "completed", "completed", "failed", "abandoned")
YEAR_SECONDS = 365 * 86400
# answered by the command line on DuckDB and on Spark: from the rollup, and from the raw events
ENGINE_METRICS = ("uptake_per_1000", "reach_pct")


def write_log(path: Path, events: int, anonymous_every: int = 0) -> None:
    """`events` events of 2025, in time order, the same for the same size; every
    `anonymous_every`-th event (when more than 0) has no `user_ref`."""

    def pick(values: tuple[str, ...], index: str) -> str:
        listed = ", ".join(f"'{v}'" for v in values)
        return f"([{listed}])[1 + ({index}) % {len(values)}]"

    people = max(events // 4, 1)
    duckdb.sql(
        f"""copy (select
            timestamp '2025-01-01' + to_seconds(cast(i * {YEAR_SECONDS} // {events} as bigint))
                as timestamp,
            'PK5' || lpad(cast(1 + (i * 31) % 35 as varchar), 2, '0') as district,
            {pick(SERVICES, "i // 7")} as service,
            {pick(CHANNELS, "i // 3")} as channel,
            {pick(STATUSES, "i // 11")} as status,
            {pick(("female", "male"), "i // 13")} as sex,
            cast((i * 7) % 90 as integer) as age,
            {pick(("urban", "rural"), "i // 17")} as area,
            case when {anonymous_every} > 0 and i % greatest({anonymous_every}, 1) = 0 then null
                else 'acct-' || cast((i * 2654435761) % {people} as varchar) end as user_ref,
            'E' || cast(i as varchar) as event_id
        from range({events}) t(i)) to '{path}' (format parquet, compression zstd)"""
    )


# one answer in a process of its own: argv = way, database, log file; prints its two timings
# (cold, then warm) and a digest of the answer (district -> digital completed events)
_ANSWER = """
import json, sys, time
way, database, log = sys.argv[1:4]
def rollup():
    from kp_dash.numbers import metrics, registry
    from kp_dash.store import db
    with db.connect_readonly(database) as con:
        frame = metrics.fetch(con, registry.Query("uptake_per_1000", ("district",)))
    return dict(zip(frame["district_code"], frame["numerator"].astype(int)))
def raw():
    import duckdb
    with duckdb.connect(database, read_only=True) as con:
        found = con.execute(
            "select district_code, count(*) from events where status = 'completed' "
            "and channel in ('online', 'mobile_app') group by 1").fetchall()
    return dict(found)
def frames():
    import pandas as pd
    events = pd.read_parquet(log)
    digital = events["channel"].isin(["online", "mobile_app"])
    done = events[events["status"].eq("completed") & digital]
    return done.groupby("district").size().to_dict()
answer = {"rollup": rollup, "raw": raw, "pandas": frames}[way]
times = []
for _ in range(2):
    start = time.perf_counter()
    found = answer()
    times.append(time.perf_counter() - start)
answer = {k: int(v) for k, v in found.items()}
print(json.dumps({"cold": times[0], "warm": times[1], "answer": answer}))
"""


def _answer(way: str, env: dict, database: Path, log: Path, timeout: float) -> dict:
    command = [sys.executable, "-c", _ANSWER, way, str(database), str(log)]
    measured = _child(command, env, timeout)
    if measured.returncode:
        return {"failed": measured.last_line}
    return {**json.loads(measured.last_line), "peak_mb": measured.peak_mb}


def _independent(log: Path) -> tuple[dict, float]:
    """Digital completed events by district, and the province completion rate, from the file."""
    found = duckdb.sql(
        f"select district, count(*) filter (where status = 'completed') from '{log}' "
        f"where channel in {DIGITAL} group by 1"
    ).fetchall()
    done, attempts = duckdb.sql(
        f"select count(*) filter (where status = 'completed'), count(*) from '{log}' "
        f"where channel in {DIGITAL}"
    ).fetchall()[0]
    return dict(found), 100 * done / attempts if attempts else float("nan")


def _province(code: str, env: dict) -> dict:
    command = [sys.executable, "-m", "kp_dash", "metric", code, "--format", "json"]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)[0]


def _run(root: Path, events: int, env: dict, timeout: float) -> dict:
    log = root / f"events_{events}.parquet"
    write_log(log, events)
    state = {**env, "KP_DASH_STATE": str(root / f"state_{events}")}
    state["KP_DASH_DB"] = str(root / f"db_{events}.duckdb")
    subprocess.run([sys.executable, "-m", "kp_dash", "build", "--no-demo"], env=state, cwd=ROOT,
                   check=True, capture_output=True)  # fmt: skip
    command = [sys.executable, "-m", "kp_dash", "import", str(log), "--kind", "events"]
    result = {"events": events, "import": _child(command, state, timeout)}
    if result["import"].returncode:
        return result
    database = Path(state["KP_DASH_DB"])
    for way in ("rollup", "raw", "pandas"):
        result[way] = _answer(way, state, database, log, timeout)
    for code in ENGINE_METRICS:
        for engine in ("duckdb", "spark"):
            command = [sys.executable, "-m", "kp_dash", "metric", code, "--by", "district",
                       "--format", "json", "--engine", engine]  # fmt: skip
            result[f"{code} {engine}"] = _tree_child(command, state, timeout)
    by_district, completion = _independent(log)
    result["independent"] = by_district
    uptake = _province("uptake_per_1000", state)
    rate = _province("completion_rate_pct", state)
    result["province"] = {
        "uptake numerator": (uptake["numerator"], sum(by_district.values())),
        "completion_rate_pct": (rate["value"], completion),
    }
    log.unlink()
    return result


def _report(result: dict, start_up: float) -> None:
    events, measured = result["events"], result["import"]
    beyond = measured.seconds - start_up
    print(f"\n{events:,} events")
    if measured.returncode:
        print(f"  import FAILED: {measured.last_line}")
        return
    print(f"  import: {measured.seconds:.2f} s ({beyond:.2f} s beyond start-up, "
          f"{events / beyond:,.0f} events/s beyond), peak {measured.peak_mb:,.0f} MB")  # fmt: skip
    expected = result["independent"]
    for way in ("rollup", "raw", "pandas"):
        found = result[way]
        if "failed" in found:
            print(f"  {way:<7} FAILED: {found['failed']}")
            continue
        same = "equal" if found["answer"] == expected else "DIFFERENT"
        print(f"  {way:<7} cold {found['cold']:7.3f} s  warm {found['warm']:7.3f} s  "
              f"peak {found['peak_mb']:7,.0f} MB  answer {same} to the file's sums")  # fmt: skip
    rollup, frames = result["rollup"], result["pandas"]
    if "failed" not in rollup and "failed" not in frames:
        print(f"  pandas ÷ rollup: {frames['cold'] / rollup['cold']:.1f}× the time cold, "
              f"{frames['warm'] / rollup['warm']:.1f}× warm, "
              f"{frames['peak_mb'] / rollup['peak_mb']:.1f}× the peak memory")  # fmt: skip
    for code in ENGINE_METRICS:
        _report_engines(code, result[f"{code} duckdb"], result[f"{code} spark"])
    for name, (shown, summed) in result["province"].items():
        same = (
            "equal"
            if abs(float(shown) - float(summed)) < 1e-9 * max(1, abs(summed))
            else "DIFFERENT"
        )
        print(
            f"  province {name}: {shown} by `kp_dash metric`, {summed} summed from the file: {same}"
        )


def _tree_child(command: list[str], env: dict, timeout: float) -> Measured:
    """Like `_child`, with the peak memory of the whole process tree: Spark's JVM is started
    by the command and never waited for, so the children's ru_maxrss leaves it out. Each
    process's high-water mark (VmHWM) is sampled and the marks are added up (an upper bound)."""
    peaks: dict[int, int] = {}
    start = time.perf_counter()
    with subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as process:  # fmt: skip
        while process.poll() is None and time.perf_counter() - start < timeout:
            for pid in [process.pid, *procstats.descendants(process.pid, ())]:
                peaks[pid] = max(peaks.get(pid, 0), procstats.status_kb(pid).get("VmHWM", 0))
            time.sleep(procstats.SAMPLE_S)
        if process.poll() is None:
            process.kill()
        out, err = process.communicate()
    lines = (out + err).strip().splitlines() or [""]
    code = process.returncode if time.perf_counter() - start < timeout else -1
    return Measured(time.perf_counter() - start, sum(peaks.values()) / 1024, code, lines[0])


def _report_engines(code: str, duck, spark) -> None:
    """The command line's answer by district on each engine: wall time (with each start-up),
    peak memory of its process tree (Spark's JVM included), and whether the values agree."""
    for engine, measured in (("duckdb", duck), ("spark", spark)):
        if measured.returncode:
            print(f"  {code} --engine {engine} FAILED: {measured.last_line}")
            return
    values = [[row["value"] for row in json.loads(m.last_line)] for m in (duck, spark)]
    same = len(values[0]) == len(values[1]) and all(
        abs(a - b) <= 1e-9 * max(abs(a), 1e-300) for a, b in zip(*values, strict=True)
    )
    print(f"  {code} by district: --engine duckdb {duck.seconds:.2f} s, "
          f"peak {duck.peak_mb:,.0f} MB; --engine spark (local[2]) {spark.seconds:.2f} s, "
          f"peak {spark.peak_mb:,.0f} MB; {'equal' if same else 'DIFFERENT'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000000,50000000", help="events, comma-separated")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per step")
    args = parser.parse_args()
    print(f"this machine: {os.cpu_count()} CPUs; peak memory is each process's own")
    with tempfile.TemporaryDirectory(prefix="kp_dash_events_") as folder:
        root = Path(folder)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        start_up = _run(root, 1, env, args.timeout)["import"].seconds
        print(f"start-up (a one-event log imported the same way): {start_up:.2f} s")
        for events in (int(size) for size in args.sizes.split(",")):
            _report(_run(root, events, env, args.timeout), start_up)


if __name__ == "__main__":
    main()
