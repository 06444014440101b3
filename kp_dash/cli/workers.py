"""`serve --workers N`: N app processes on ports PORT … PORT+N-1 of the same address, for a
reverse proxy with sticky sessions in front of them (deploy/nginx/kp-dash.conf). Each is
`streamlit run app.py`; every one reads the same database and state folder. A process that
exits is started again; one that keeps exiting at once (its port taken, say) stops them all.
Stopping this process (SIGTERM, SIGINT) stops them all."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from kp_dash.store import config

POLL_S = 0.5
QUICK_EXIT_S = 10.0  # a process that exits sooner than this after its start failed to start
QUICK_EXITS_ALLOWED = 3
STOP_TIMEOUT_S = 15.0


def app_command(host: str, port: int) -> list[str]:
    return [
        *(sys.executable, "-m", "streamlit", "run", str(config.ROOT / "app.py")),
        *("--server.address", host, "--server.port", str(port)),
    ]


@dataclass
class Worker:
    port: int
    command: list[str]
    process: subprocess.Popen | None = None
    started: float = 0.0
    quick_exits: int = 0

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, cwd=config.ROOT)
        self.started = time.monotonic()


def supervise(
    host: str, port: int, count: int, say: Callable[[str], None], stop_after: float | None = None
) -> int:
    """Run `count` app processes until told to stop; 0 when stopped, 1 when one would not
    start. `stop_after` (seconds) bounds the run, for tests."""
    workers = [Worker(port + i, app_command(host, port + i)) for i in range(count)]
    stopping: list[int] = []
    previous = {
        s: signal.signal(s, lambda number, _: stopping.append(number))
        for s in (signal.SIGTERM, signal.SIGINT)
    }
    ends = None if stop_after is None else time.monotonic() + stop_after
    status = 0
    try:
        for worker in workers:
            worker.start()
        say(f"{count} app processes on {host}, ports {port}–{port + count - 1}")
        while status == 0:
            time.sleep(POLL_S)
            # Ctrl-C reaches the app processes too: those are not started again
            if stopping or (ends is not None and time.monotonic() >= ends):
                break
            status = _restart_exited(workers, say)
    finally:
        _stop(workers)
        for number, handler in previous.items():
            signal.signal(number, handler)
    return status


def _restart_exited(workers: list[Worker], say: Callable[[str], None]) -> int:
    for worker in workers:
        code = worker.process.poll() if worker.process else None
        if code is None:
            continue
        quick = time.monotonic() - worker.started < QUICK_EXIT_S
        worker.quick_exits = worker.quick_exits + 1 if quick else 0
        if worker.quick_exits >= QUICK_EXITS_ALLOWED:
            say(
                f"the app process on port {worker.port} exited {worker.quick_exits} times within "
                f"{QUICK_EXIT_S:g} s of starting (last status {code}); stopping them all"
            )
            return 1
        say(f"the app process on port {worker.port} exited (status {code}); starting it again")
        worker.start()
    return 0


def _stop(workers: list[Worker]) -> None:
    running = [w.process for w in workers if w.process and w.process.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
