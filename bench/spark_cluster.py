"""A Spark standalone cluster on loopback (one master, one worker) from the installed pyspark:
no download, every folder it writes under the one given. For the tests and benchmarks that
check the metrics on a real cluster, not only on `local[N]`."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.appserver import free_port

START_S = 90.0  # a cold JVM on a busy two-core machine takes a while


@dataclass(frozen=True)
class Cluster:
    master: str  # spark://127.0.0.1:PORT
    root: Path  # every folder the cluster writes: logs, work, local, tmp


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def cluster_env(root: Path) -> dict[str, str]:
    """The daemons' environment: their logs, work, scratch and Java temporary folders under
    `root`, and a configuration folder of their own (no REST submission server)."""
    conf = root / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "spark-defaults.conf").write_text("spark.master.rest.enabled false\n")
    folders = {name: root / name for name in ("logs", "work", "local", "tmp", "pids")}
    for folder in folders.values():
        folder.mkdir(exist_ok=True)
    return {
        **os.environ,
        "SPARK_HOME": str(spark_home()),
        "SPARK_CONF_DIR": str(conf),
        "SPARK_LOG_DIR": str(folders["logs"]),
        "SPARK_WORKER_DIR": str(folders["work"]),
        "SPARK_LOCAL_DIRS": str(folders["local"]),
        "SPARK_PID_DIR": str(folders["pids"]),
        "SPARK_DAEMON_JAVA_OPTS": f"-Djava.io.tmpdir={folders['tmp']}",
        "TMPDIR": str(folders["tmp"]),
    }


@contextmanager
def standalone(root: Path, cores: int = 2, memory: str = "2g") -> Iterator[Cluster]:
    """A master and one worker with `cores` and `memory`, stopped on leaving; RuntimeError
    with the daemons' last lines when they do not come up in START_S seconds."""
    env = cluster_env(root)
    port = free_port()
    master = f"spark://127.0.0.1:{port}"
    daemon = [str(spark_home() / "bin" / "spark-class"), "org.apache.spark.deploy"]
    commands = {
        "master": [
            daemon[0], f"{daemon[1]}.master.Master", "--host", "127.0.0.1",
            "--port", str(port), "--webui-port", str(free_port()),
        ],
        "worker": [
            daemon[0], f"{daemon[1]}.worker.Worker", master, "--host", "127.0.0.1",
            "--cores", str(cores), "--memory", memory, "--webui-port", str(free_port()),
            "--work-dir", env["SPARK_WORKER_DIR"],
        ],
    }  # fmt: skip
    processes: dict[str, subprocess.Popen] = {}
    try:
        for name, command in commands.items():
            log = root / "logs" / f"{name}.out"
            with log.open("ab") as out:
                processes[name] = subprocess.Popen(
                    command, env=env, stdout=out, stderr=subprocess.STDOUT
                )
            ready = "I have been elected leader" if name == "master" else "registered with master"
            _await_line(log, ready, processes[name])
        yield Cluster(master, root)
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _await_line(log: Path, wanted: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if wanted in text:
            return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
    raise RuntimeError(f"the Spark daemon did not come up ({wanted!r} not seen):\n{tail}")
