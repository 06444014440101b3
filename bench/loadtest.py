"""What many people using the app at once cost (`make loadtest`): page-run times, errors, memory.

Builds a demo database in a temporary folder (the developer's own data is never touched), starts
`streamlit run app.py` on a free loopback port, and runs `--sessions` people at once, each moving
through every page of the app's navigation, in a loop, with `--think` seconds between page runs,
until `--seconds` have passed. Arrivals are spread over one think time and each session starts on
another page (spread over all of them), so that the pages are asked for in a mix. Meanwhile, once,
a usage file of `--import-rows` rows is imported through the command line into the running app's
database and state (the first real usage: the database is rebuilt without the demonstration data
and the sessions' next page runs read the new one).

`--clients websocket` (the default) speaks Streamlit's protocol over the app's websocket
(`bench/wsclient.py`): a page run is timed from the request to the end of the script's run, and
the clients cost this script little CPU, so the times are the server's. `--clients browser` drives
Chromium (`bench/browserclient.py`, one browser context per session): a page run then lasts until
the page is idle in the browser, and the browsers take most of a small machine's CPU. Either way a
page run is an error when the page shows an exception or an error message, when the navigation or
the connection fails, or when the run has not ended within `--page-timeout`. Before the sessions,
one visit of every page, one after the other, warms the server up (not counted; `--no-warm-up`
leaves it out).

`--proxy` puts the deployed reverse proxy in between: `python -m kp_dash serve --workers N`
(`--workers`, default 2) behind Debian's nginx on loopback, configured from
`deploy/nginx/kp-dash.conf` with a self-signed certificate (`bench/proxy.py`); each session loads
the page over HTTPS first, keeps the sticky-session cookie, and speaks over `wss://`. `--think
2-8 --arrivals random` has people arrive at random and pause 2 to 8 s (drawn anew each time, the
same for the same `--seed`) between clicks.

The server's memory is sampled from /proc (VmHWM, the kernel's high-water mark, and VmRSS), as
are the browsers' (proportional set size, shared pages split between processes) and the
machine's available memory, and so is the CPU time of the server, the clients, the import and
everything else on the machine. Nothing is asserted about timings; the exit status is 1 when
there was an error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

# appserver, procstats, wsclient and bench are neighbours in bench/ (run as `python bench/...`)
import appserver
import procstats
import proxy
import wsclient

from bench import _usage_file
from kp_dash.views import page_registry

# the app's pages by their address, in the order of the sidebar's navigation ("" is Home)
PATHS = tuple(page.address for page in page_registry.PAGES if page.load_test)
IMPORT_TIMEOUT_S = 600
CLIENT_KINDS = ("websocket", "browser")


def _name(path: str) -> str:
    return path or "Home"


@dataclass(frozen=True)
class PageRun:
    session: int
    page: str
    at_s: float  # when the navigation began, from the start of the load
    ms: float
    error: str | None  # "exception: …", "error message: …", "connection: …", "timeout: …", …


@dataclass
class ImportRun:
    rows: int
    started_at_s: float = math.nan
    seconds: float = math.nan
    returncode: int | None = None
    message: str = ""
    peak_kb: int = 0


# ---------------------------------------------------------------------------------------------
# sessions


def _clients(kind: str, server: appserver.Server, sessions: int):
    """The sessions' factory: websocket clients, or Chromium (imported only when asked for)."""
    if kind == "browser":
        import browserclient

        return browserclient.BrowserClients(server.url, sessions)
    return wsclient.WebsocketClients(server.url, sessions, server.ca_file)


def _think(text: str) -> tuple[float, float]:
    """`5` (always 5 s) or `2-8` (each pause drawn evenly from 2 to 8 s)."""
    low, _, high = text.partition("-")
    try:
        bounds = (float(low), float(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not seconds (5) or a range (2-8)") from None
    if not 0 <= bounds[0] <= bounds[1]:
        raise argparse.ArgumentTypeError(f"'{text}': give the shorter pause first, from 0 s up")
    return bounds


def _arrival_s(index: int, args: argparse.Namespace, rng: random.Random) -> float:
    """When a person arrives: spread evenly over the mean pause, or at random within the
    longest one (`--arrivals random`)."""
    low, high = args.think
    if args.arrivals == "random":
        return rng.uniform(0.0, high)
    return index * (low + high) / 2 / args.sessions


async def _session(index: int, clients, args: argparse.Namespace, t0: float, out: list) -> None:
    """One person: page after page, in a loop, with a pause between clicks; page runs begin
    until `--seconds` have passed since `t0`."""
    session = clients.session(index)
    rng = random.Random(args.seed * 100_003 + index)  # the same people for the same seed
    try:
        await asyncio.sleep(_arrival_s(index, args, rng))
        deadline = t0 + args.seconds
        step = index * len(PATHS) // args.sessions  # start pages spread out
        while time.monotonic() < deadline:
            path = PATHS[step % len(PATHS)]
            at_s = time.monotonic() - t0
            ms, error = await session.run_page(path, args.page_timeout)
            out.append(PageRun(index, _name(path), at_s, ms, error))
            step += 1
            pause = rng.uniform(*args.think)
            await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))
    finally:
        await session.close()


async def _import(
    command: list[str], env: dict, run: ImportRun, sampler: procstats.Sampler, t0: float
):
    run.started_at_s = time.monotonic() - t0
    start = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=appserver.ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    sampler.import_pid = process.pid
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), IMPORT_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        stdout, stderr = await process.communicate()
        run.message = f"killed after {IMPORT_TIMEOUT_S} s"
    run.seconds = time.perf_counter() - start
    run.returncode = process.returncode
    run.peak_kb = sampler.import_hwm_kb
    sampler.import_pid = None
    lines = (stderr.decode(errors="replace") + stdout.decode(errors="replace")).splitlines()
    if not run.message:
        accepted = [line for line in lines if "accepted" in line]
        run.message = (accepted or lines[-1:] or [""])[-1][:300]


@dataclass
class Load:
    clients: str  # "websocket" or "browser"
    proxy: int | None = None  # nginx's pid when the sessions go through it
    supervisor: int | None = None  # `serve --workers`'s pid, when there are several processes
    process_cores: list[float] = field(default_factory=list)  # CPUs used by each app process
    described: str = ""  # how the sessions ran, for the report's first line
    browsers: int = 0
    warm_up: list[PageRun] = field(default_factory=list)
    runs: list[PageRun] = field(default_factory=list)
    imported: ImportRun = field(default_factory=lambda: ImportRun(0))
    seconds: float = math.nan
    server_rss_kb: int = 0  # after the warm-up, before the sessions
    script_rss_kb: tuple[int, int] = (0, 0)  # this script's, before and after the sessions
    cores: dict[str, float] = field(default_factory=dict)  # CPUs used on average, by whom
    machine_busy: float = math.nan  # share of all CPUs' time busy


async def _warm_up(sessions: list, args: argparse.Namespace, load: Load) -> None:
    """Every page once, one after the other, so that the sessions meet a server that has loaded
    its modules and filled its caches, as a server that has been up a while has. Behind the
    proxy, each app process is warmed directly (the proxy would choose one)."""
    for session in sessions:
        try:
            for path in PATHS:
                ms, error = await session.run_page(path, args.page_timeout)
                load.warm_up.append(PageRun(-1, _name(path), 0.0, ms, error))
        finally:
            await session.close()


def _cores_used(load: Load, before: dict, after: dict) -> dict[str, float]:
    """CPUs used on average by each party; this script is the clients when they are websockets."""
    load.machine_busy = (after["busy"] - before["busy"]) / max(1, after["all"] - before["all"])
    used = {key: (after[key] - before[key]) / load.seconds for key in procstats.CPU_USERS}
    # each app process's share: the proxy spreads the sessions when the shares are alike
    load.process_cores = [
        (seconds - before["by app process"].get(pid, 0.0)) / load.seconds
        for pid, seconds in after["by app process"].items()
        if pid != load.supervisor
    ]
    if load.proxy is None:
        used.pop("proxy")
    if load.clients == "websocket":
        used.pop("browsers")
        used["websocket clients (this script)"] = used.pop("this script")
    cpus = os.cpu_count() or 1
    used["other processes"] = max(0.0, load.machine_busy * cpus - sum(used.values()))
    return used


async def _sessions(server, args, usage: Path, sampler: procstats.Sampler, load: Load, clients):
    command = [sys.executable, "-m", "kp_dash", "import", str(usage), "--db", str(server.db)]
    import_after = args.seconds / 2 if args.import_after is None else args.import_after
    if args.warm_up:
        direct = [wsclient.Session(url) for url in server.worker_urls]
        await _warm_up(direct or [clients.session(0)], args, load)
    pids = sampler.server_pids()
    load.server_rss_kb = sum(procstats.status_kb(pid).get("VmRSS", 0) for pid in pids)
    script_rss_before = procstats.status_kb(os.getpid()).get("VmRSS", 0)
    t0 = time.monotonic()
    before = procstats.cpu_snapshot(sampler)

    async def later_import() -> None:
        await asyncio.sleep(import_after)
        await _import(command, server.env, load.imported, sampler, t0)

    sessions = [_session(i, clients, args, t0, load.runs) for i in range(args.sessions)]
    await asyncio.gather(later_import(), *sessions)
    load.seconds = time.monotonic() - t0
    after = procstats.cpu_snapshot(sampler)
    load.script_rss_kb = (script_rss_before, procstats.status_kb(os.getpid()).get("VmRSS", 0))
    load.cores = _cores_used(load, before, after)


async def _load(
    server: appserver.Server, args: argparse.Namespace, usage: Path, sampler: procstats.Sampler
) -> Load:
    supervisor = server.pid if server.workers > 1 else None
    load = Load(args.clients, server.proxy_pid, supervisor, imported=ImportRun(args.import_rows))
    clients = _clients(args.clients, server, args.sessions)
    load.described = clients.describe()
    if server.proxy_pid is not None:
        load.described += f", through nginx (sticky cookie) to {server.workers} app processes"
    load.browsers = getattr(clients, "browsers", 0)
    async with clients:
        await _sessions(server, args, usage, sampler, load, clients)
    return load


# ---------------------------------------------------------------------------------------------
# report


def _percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else math.nan


def _mb(kb: float) -> str:
    return f"{kb / 1024:,.0f} MB"


def _print_times(runs: list[PageRun]) -> None:
    by_page = {"all pages": [run.ms for run in runs]}
    by_page |= {_name(p): [run.ms for run in runs if run.page == _name(p)] for p in PATHS}
    width = max(len("page run (ms)"), *map(len, by_page))
    print(f"{'page run (ms)':<{width}}  {'runs':>5}  {'p50':>7}  {'p95':>7}  {'max':>7}")
    for name, values in by_page.items():
        p50, p95 = _percentile(values, 0.5), _percentile(values, 0.95)
        top = max(values, default=math.nan)
        print(f"{name:<{width}}  {len(values):>5}  {p50:>7.0f}  {p95:>7.0f}  {top:>7.0f}")


def _print_client_memory(load: Load, sampler: procstats.Sampler) -> None:
    available = f"the machine's available memory fell to {_mb(sampler.min_available_kb)}"
    if load.clients == "browser":
        print(f"browsers' memory      peak {_mb(sampler.client_pss_kb)} (PSS); {available}")
        return
    before, after = load.script_rss_kb
    print(
        f"clients' memory       this script's RSS {_mb(after)} after the sessions, "
        f"{_mb(before)} before them; {available}"
    )


def _shown_think(args: argparse.Namespace) -> str:
    low, high = args.think
    return f"{low:g} s" if low == high else f"{low:g}–{high:g} s at random"


def _report(args: argparse.Namespace, load: Load, sampler: procstats.Sampler) -> dict:
    done = [run for run in load.runs if run.error is None]
    errors = [run for run in load.warm_up + load.runs if run.error is not None]
    per_session = Counter(run.session for run in done)
    counts = [per_session.get(i, 0) for i in range(args.sessions)]
    imported = load.imported
    cpus = os.cpu_count() or 1
    warm_s = sum(run.ms for run in load.warm_up) / 1000
    print(
        f"load test: {args.sessions} sessions {load.described}, {args.seconds:g} s, "
        f"think {_shown_think(args)}, arrivals {args.arrivals}, import {args.import_rows:,} "
        f"rows; this machine: {cpus} CPUs, "
        f"{_mb(procstats.meminfo_kb('MemTotal'))} memory"
    )
    if args.warm_up:
        each = " on each app process" if args.workers > 1 else ""
        print(f"warm-up               every page once{each}, one after the other: {warm_s:.1f} s")
    else:
        print("warm-up               none: the sessions meet a server that has just started")
    print(f"sessions              {args.sessions}")
    print(
        f"duration              {load.seconds:.1f} s (until the page runs begun by "
        f"{args.seconds:g} s and the import have ended)"
    )
    print(
        f"page runs completed   {len(done)} (per session: min {min(counts)}, "
        f"max {max(counts)}; {len(done) / load.seconds:.2f} per second)"
    )
    print(f"errors                {len(errors)}")
    grouped = Counter(
        (run.page if run.session >= 0 else f"{run.page} (warm-up)", run.error) for run in errors
    )
    for (page, error), times in sorted(grouped.items()):
        print(f"  {times:>4} × {page}: {error}")
    print()
    _print_times(done)
    state = "accepted" if imported.returncode == 0 else f"exit {imported.returncode}"
    print(
        f"\nimport                {imported.rows:,} rows through the command line: "
        f"{imported.seconds:.1f} s ({state}), begun at {imported.started_at_s:.1f} s, "
        f"peak memory {_mb(imported.peak_kb)}"
    )
    print(f"                      {imported.message}")
    print(
        f"server memory         VmHWM {_mb(sampler.server_hwm_kb)}, peak RSS (sampled) "
        f"{_mb(sampler.server_rss_kb)}; RSS after the warm-up {_mb(load.server_rss_kb)} "
        f"(peak {_mb(sampler.server_rss_kb - load.server_rss_kb)} above it)"
    )
    shares = ", ".join(f"{who} {cores:.2f}" for who, cores in load.cores.items())
    print(f"CPU                   {cpus} CPUs, {100 * load.machine_busy:.0f} % busy; cores used:")
    print(f"                      {shares}")
    if len(load.process_cores) > 1:
        each = ", ".join(f"{cores:.2f}" for cores in load.process_cores)
        print(f"                      app processes, each: {each}")
    if done and not errors:  # a failed run's server time would count against the rest
        per_run = load.cores["server"] * load.seconds / len(done)
        print(f"                      server CPU per page run completed: {per_run:.2f} s")
    _print_client_memory(load, sampler)
    return {
        "sessions": args.sessions,
        "proxy": load.proxy is not None,
        "workers": args.workers,
        "think_s": list(args.think),
        "pages": [_name(path) for path in PATHS],
        "seconds": load.seconds,
        "page_runs": len(done),
        "runs_per_session": counts,
        "errors": [asdict(run) for run in errors],
        "runs": [asdict(run) for run in load.runs],
        "warm_up": [asdict(run) for run in load.warm_up],
        "import": asdict(imported),
        "server": {
            "vm_hwm_kb": sampler.server_hwm_kb,
            "peak_rss_kb": sampler.server_rss_kb,
            "rss_after_warm_up_kb": load.server_rss_kb,
        },
        "clients": {
            "kind": load.clients,
            "browsers": load.browsers,
            "browsers_peak_pss_kb": sampler.client_pss_kb,
            "this_script_rss_kb": list(load.script_rss_kb),
        },
        "machine": {"busy": load.machine_busy, "min_available_kb": sampler.min_available_kb},
        "cores": load.cores,
        "app_process_cores": load.process_cores,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--clients",
        choices=CLIENT_KINDS,
        default="websocket",
        help="websocket: Streamlit's protocol without a browser; browser: Chromium",
    )
    parser.add_argument("--sessions", type=int, default=20, help="people using the app at once")
    parser.add_argument("--seconds", type=float, default=60, help="how long the sessions go on")
    parser.add_argument(
        "--think",
        type=_think,
        default="5",
        help="seconds between page runs: 5, or a range such as 2-8 drawn at random each time",
    )
    parser.add_argument(
        "--arrivals",
        choices=("spread", "random"),
        default="spread",
        help="spread: evenly over the mean pause; random: at random within the longest",
    )
    parser.add_argument("--seed", type=int, default=1, help="for the random pauses and arrivals")
    parser.add_argument(
        "--proxy",
        action="store_true",
        help="through Debian's nginx (deploy/nginx/kp-dash.conf: TLS, sticky cookie) on loopback "
        "in front of --workers app processes (`python -m kp_dash serve --workers N`)",
    )
    parser.add_argument("--workers", type=int, default=2, help="app processes behind --proxy")
    parser.add_argument("--import-rows", type=int, default=1_000_000, help="usage rows imported")
    parser.add_argument(
        "--import-after", type=float, help="seconds into the load; none: half of --seconds"
    )
    parser.add_argument(
        "--warm-up",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="visit every page once before the sessions begin",
    )
    parser.add_argument("--page-timeout", type=float, default=60, help="seconds per page run")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    if args.clients == "browser" and not appserver.CHROMIUM.exists():
        parser.exit(2, f"the load test needs Debian's Chromium at {appserver.CHROMIUM}\n")
    if args.proxy and (args.clients == "browser" or not proxy.available()):
        parser.exit(2, "--proxy needs websocket clients, Debian's nginx and openssl\n")
    if not args.proxy:
        args.workers = 1

    with tempfile.TemporaryDirectory(prefix="kp_dash_load_") as folder:
        root = Path(folder)
        # Set before kp_dash reads them, so nothing touches data/ of the checkout.
        env = appserver.app_env(root)
        os.environ.update({key: env[key] for key in ("KP_DASH_DB", "KP_DASH_STATE")})
        usage = root / "usage.csv"
        _usage_file(root, args.import_rows).to_csv(usage, index=False)
        serving = (
            appserver.serve_proxied(root, args.workers) if args.proxy else appserver.serve(root)
        )
        with serving as server:
            sampler = procstats.Sampler(server.pid, proxy_pid=server.proxy_pid)
            sampler.start()
            try:
                load = asyncio.run(_load(server, args, usage, sampler))
            finally:
                sampler.stop()
    result = _report(args, load, sampler)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 1 if result["errors"] or load.imported.returncode != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
