"""Memory and CPU time of processes, read from /proc (Linux), for `bench/loadtest.py`: the app
processes' high-water mark and resident set (summed when there are several), the proxy's CPU
time, the browsers' proportional set size and CPU time, the machine's available memory and busy
time."""

from __future__ import annotations

import math
import os
import resource
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_S = 0.2
CLIENT_SAMPLE_S = 1.0


def status_kb(pid: int) -> dict[str, int]:
    """The kB fields of /proc/PID/status (VmRSS, VmHWM, …); empty once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    fields = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if value.strip().endswith(" kB"):
            fields[key] = int(value.split()[0])
    return fields


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return math.nan
    fields = stat.rsplit(")", 1)[1].split()  # the name in brackets may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[int, int]:
    """Busy and total jiffies of all CPUs since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return sum(values) - idle, sum(values)


def meminfo_kb(key: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return 0


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def descendants(root: int, leave_out: Iterable[int]) -> list[int]:
    tree, skip = _children(), set(leave_out)
    found, todo = [], list(tree.get(root, []))
    while todo:
        pid = todo.pop()
        if pid in skip:
            continue
        found.append(pid)
        todo.extend(tree.get(pid, []))
    return found


def pss_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


@dataclass
class Sampler:
    """Samples the server's memory (and the import's while it runs) every SAMPLE_S, the
    browsers' and the machine's every CLIENT_SAMPLE_S, in a thread of its own."""

    server_pid: int  # the app process, or the supervisor of several (`serve --workers`)
    import_pid: int | None = None
    proxy_pid: int | None = None  # nginx's master, when the app runs behind it
    server_hwm_kb: int = 0
    server_rss_kb: int = 0
    import_hwm_kb: int = 0
    client_pss_kb: int = 0
    client_cpu_s: dict[int, float] = field(default_factory=dict)  # by process, the latest
    lock: threading.Lock = field(default_factory=threading.Lock)  # for client_cpu_s
    min_available_kb: int = field(default_factory=lambda: meminfo_kb("MemAvailable"))
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample_server()  # the last high-water mark, just before the server stops

    def server_pids(self) -> list[int]:
        """The app process, or the supervisor and every app process under it."""
        return [self.server_pid, *descendants(self.server_pid, [])]

    def sample_server(self, pids: list[int] | None = None) -> None:
        """Memory of the app processes together: the sum of their high-water marks and of
        their resident sets."""
        statuses = [status_kb(pid) for pid in pids or self.server_pids()]
        self.server_hwm_kb = max(self.server_hwm_kb, sum(s.get("VmHWM", 0) for s in statuses))
        self.server_rss_kb = max(self.server_rss_kb, sum(s.get("VmRSS", 0) for s in statuses))

    def _run(self) -> None:
        next_client, pids = 0.0, self.server_pids()
        while not self._stop.wait(SAMPLE_S):
            self.sample_server(pids)
            if self.import_pid is not None:
                hwm = status_kb(self.import_pid).get("VmHWM", 0)
                self.import_hwm_kb = max(self.import_hwm_kb, hwm)
            if time.monotonic() >= next_client:
                next_client = time.monotonic() + CLIENT_SAMPLE_S
                pids = self.server_pids()  # an app process restarted is found again
                leave_out = [self.server_pid, self.import_pid or -1, self.proxy_pid or -1]
                browsers = descendants(os.getpid(), leave_out)
                self.client_pss_kb = max(self.client_pss_kb, sum(map(pss_kb, browsers)))
                for pid in browsers:
                    used = cpu_seconds(pid)
                    with self.lock:
                        if not math.isnan(used):
                            self.client_cpu_s[pid] = max(self.client_cpu_s.get(pid, 0.0), used)
                available = meminfo_kb("MemAvailable")
                self.min_available_kb = min(self.min_available_kb, available)


CPU_USERS = ("server", "proxy", "browsers", "import", "this script")


def _tree_seconds(pid: int | None) -> float:
    if pid is None:
        return 0.0
    used = [cpu_seconds(p) for p in (pid, *descendants(pid, []))]
    return sum(u for u in used if not math.isnan(u))


def cpu_snapshot(sampler: Sampler) -> dict[str, float]:
    """CPU seconds used so far: the server, the browsers and their driver (as sampled, the
    processes that have ended with their last sample), the import (the only process this script
    waits for meanwhile), this script; and the machine's busy and total time."""
    leave_out = [sampler.server_pid, sampler.import_pid or -1, sampler.proxy_pid or -1]
    pids = descendants(os.getpid(), leave_out)
    with sampler.lock:
        browsers = dict(sampler.client_cpu_s)
    browsers |= {pid: used for pid in pids if not math.isnan(used := cpu_seconds(pid))}
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy, total = machine_busy()
    return {
        "server": _tree_seconds(sampler.server_pid),
        "proxy": _tree_seconds(sampler.proxy_pid),
        "browsers": sum(browsers.values()),
        "import": children.ru_utime + children.ru_stime,
        "this script": time.process_time(),
        "busy": busy / os.sysconf("SC_CLK_TCK"),
        "all": total / os.sysconf("SC_CLK_TCK"),
        "by app process": {pid: cpu_seconds(pid) for pid in sampler.server_pids()},
    }
