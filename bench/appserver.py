"""`streamlit run app.py` on a free loopback port over a demo database of its own, as the browser
tests start it (they share its pieces), for measurements that need a real server
(`bench/loadtest.py`).

The database and the state folder live in a folder the caller gives (a temporary one): the
developer's own data is never read or written.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HEALTH_TIMEOUT_S = 60
BUILD_TIMEOUT_S = 600


@dataclass(frozen=True)
class Server:
    url: str
    pid: int  # the streamlit process: its /proc entry gives the server's memory
    log: Path
    env: dict[str, str]  # what the app runs with: KP_DASH_DB, KP_DASH_STATE, …
    db: Path
    workers: int = 1  # app processes: with more than one, `pid` is their supervisor's
    proxy_pid: int | None = None  # nginx in front of them (`serve_proxied`)
    ca_file: str | None = None  # what the proxy's TLS certificate is checked against
    worker_urls: tuple[str, ...] = ()  # each app process directly, behind the proxy


def app_env(root: Path) -> dict[str, str]:
    """The environment of the app and of the command line: a database and state under `root`."""
    state = root / "state"
    state.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "KP_DASH_DB": str(root / "demo.duckdb"),
        "KP_DASH_STATE": str(state),
        "KP_DASH_BASEMAP": "none",
    }
    env.pop("KP_DASH_BOUNDARIES", None)
    return env


def stop(process: subprocess.Popen, seconds: float = 10) -> None:
    """Ask the process to stop; kill it when it has not within `seconds`."""
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_ports(count: int) -> int:
    """The first of `count` consecutive free loopback ports."""
    for _ in range(50):
        first = free_port()
        try:
            for port in range(first + 1, first + count):
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError(f"no {count} consecutive free ports on 127.0.0.1")


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited ({process.returncode}):\n{log.read_text()}")
        if healthy(url):
            return
        time.sleep(0.25)  # a polling interval, bounded by the deadline
    raise RuntimeError(f"streamlit not healthy within {HEALTH_TIMEOUT_S} s:\n{log.read_text()}")


def build_demo(env: dict[str, str]) -> None:
    """The demo database at `KP_DASH_DB` of `env`, built by the command line."""
    done = subprocess.run(
        [sys.executable, "-m", "kp_dash", "build", "--db", env["KP_DASH_DB"]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )
    if done.returncode != 0:
        raise RuntimeError(f"demo build failed ({done.returncode}):\n{done.stderr}")


@contextmanager
def streamlit_running(
    script: Path | str, env: dict[str, str], log: Path, listen: str | None = "127.0.0.1"
) -> Iterator[tuple]:
    """`streamlit run SCRIPT` (from the checkout) on a free port, healthy; yields its address
    and process, and stops it after. It listens on `listen`, or, with None, where Streamlit
    listens when no address is given (every address, as its documentation starts apps)."""
    port = free_port()
    command = [
        *(sys.executable, "-m", "streamlit", "run", str(script)),
        *("--server.port", str(port)),
        *(("--server.address", listen) if listen else ()),
        *("--server.headless", "true", "--browser.gatherUsageStats", "false"),
        *("--server.fileWatcherType", "none"),
    ]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, log)
        yield url, process
    finally:
        stop(process)


@contextmanager
def serve(root: Path) -> Iterator[Server]:
    """Build the demo database under `root`, start `streamlit run app.py` on it, stop it after."""
    env = app_env(root)
    build_demo(env)
    log = root / "streamlit.log"
    with streamlit_running("app.py", env, log) as (url, process):
        yield Server(url, process.pid, log, env, Path(env["KP_DASH_DB"]))


@contextmanager
def serve_proxied(root: Path, workers: int, reveal_upstream: bool = False) -> Iterator[Server]:
    """Build the demo database under `root`, start `python -m kp_dash serve --workers N` and
    Debian's nginx in front of it with the deployed site configuration (`bench/proxy.py`), over
    TLS on loopback; stop both after."""
    try:
        from bench import proxy  # the tests import bench/ as a package
    except ImportError:
        import proxy  # bench/loadtest.py runs with its neighbours on the path

    env = app_env(root)
    build_demo(env)
    first = free_ports(workers)
    ports = list(range(first, first + workers))
    log = root / "workers.log"
    command = [sys.executable, "-m", "kp_dash", "serve", "--workers", str(workers)]
    command += ["--host", "127.0.0.1", "--port", str(first)]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    urls = tuple(f"http://127.0.0.1:{port}" for port in ports)
    try:
        for url in urls:
            wait_healthy(url, process, log)
        nginx_folder, listen = root / "nginx", free_port()
        with proxy.running(nginx_folder, ports, listen, reveal_upstream) as (url, nginx, ca):
            db = Path(env["KP_DASH_DB"])
            yield Server(url, process.pid, log, env, db, workers, nginx.pid, ca, urls)
    finally:
        stop(process, 30)  # the supervisor stops its app processes first
