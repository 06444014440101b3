"""Debian's nginx on loopback in front of several app processes, configured from the deployed
site file `deploy/nginx/kp-dash.conf` itself (its upstream servers, listen address and
certificate swapped for the run's), with a self-signed certificate made by `openssl`. For
`bench/loadtest.py --proxy` and its test: what the load test measures is the deployed proxy
configuration. Nothing listens beyond 127.0.0.1."""

from __future__ import annotations

import os
import re
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    from bench import appserver  # the tests import bench/ as a package
except ImportError:
    import appserver  # bench/loadtest.py runs with its neighbours on the path

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "deploy" / "nginx" / "kp-dash.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HEALTH_TIMEOUT_S = 30
MAIN = """\
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
daemon off;
{user}
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
"""


class ProxyError(RuntimeError):
    pass


def available() -> bool:
    return Path(NGINX).exists() and shutil.which("openssl") is not None


def _swap(text: str, pattern: str, replacement: str, count: int = 0) -> str:
    """`text` with `pattern` replaced; ProxyError when the site file no longer has it, so that
    the load test never runs a configuration other than the deployed one."""
    changed, found = re.subn(pattern, replacement, text, count=count, flags=re.MULTILINE)
    if not found:
        raise ProxyError(f"{SITE}: no line matches {pattern!r}: update bench/proxy.py with it")
    return changed


def site_for(
    ports: list[int], listen_port: int, cert: Path, key: Path, reveal_upstream: bool = False
) -> str:
    """The deployed site with this run's upstream processes, loopback port and certificate; the
    plain-HTTP redirect server is left out (nothing to redirect on a test port).
    `reveal_upstream` adds a response header naming the app process that answered, for tests
    of the sticky sessions (never deployed: it tells visitors the internal addresses)."""
    text = SITE.read_text()
    servers = "".join(
        f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;\n" for port in ports
    )
    text = _swap(text, r"^    server 127\.0\.0\.1:\d+ .*\n", "")
    text = _swap(text, r"^(\s*hash \$kp_dash_worker consistent;\n)", rf"\1{servers}", count=1)
    text = _swap(text, r"^server \{\n    listen 80;(?:.*\n)*?\}\n", "", count=1)
    text = _swap(
        text, r"^    listen 443 ssl http2;", f"    listen 127.0.0.1:{listen_port} ssl http2;"
    )
    text = _swap(text, r"^    listen \[::\]:443 ssl http2;\n", "")
    text = _swap(text, r"^    ssl_certificate .*;", f"    ssl_certificate {cert};")
    text = _swap(text, r"^    ssl_certificate_key .*;", f"    ssl_certificate_key {key};")
    if reveal_upstream:
        line = "        add_header X-Kp-Dash-Upstream $upstream_addr always;\n"
        text = _swap(text, r"^(        add_header Set-Cookie .*\n)", rf"\1{line}", count=1)
    return text


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, valid two days: (certificate, key)."""
    cert, key = folder / "proxy.pem", folder / "proxy.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec"),
            *("-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def _healthy(url: str, tls: ssl.SSLContext) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2, context=tls) as answer:
            return answer.read().decode().strip() == "ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def write_config(folder: Path, site: str) -> None:
    """nginx's main configuration for a run in `folder` (its pid, logs and temporary files
    there), including `site`."""
    (folder / "site.conf").write_text(site)
    user = "user root;" if os.geteuid() == 0 else ""  # workers keep the run's own files readable
    (folder / "nginx.conf").write_text(MAIN.format(folder=folder, user=user))


def nginx_command(folder: Path) -> list[str]:
    conf, log = folder / "nginx.conf", folder / "error.log"
    return [NGINX, "-p", str(folder), "-c", str(conf), "-e", str(log)]


@contextmanager
def running(
    folder: Path, ports: list[int], listen_port: int, reveal_upstream: bool = False
) -> Iterator[tuple]:
    """nginx in front of the app processes on `ports`: yields its address, its process and the
    CA file that its certificate is checked against; stops it after."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = make_certificate(folder)
    write_config(folder, site_for(ports, listen_port, cert, key, reveal_upstream))
    command = nginx_command(folder)
    checked = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True, timeout=30)
    if checked.returncode != 0:
        raise ProxyError(f"nginx refused the configuration:\n{checked.stderr}")
    log = (folder / "nginx.out").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url, tls = f"https://127.0.0.1:{listen_port}", ssl.create_default_context(cafile=str(cert))
    try:
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while not _healthy(url, tls):
            if process.poll() is not None or time.monotonic() > deadline:
                errors = (
                    (folder / "error.log").read_text() if (folder / "error.log").exists() else ""
                )
                raise ProxyError(f"nginx did not answer on {url}:\n{errors}")
            time.sleep(0.25)  # a polling interval, bounded by the deadline
        yield url, process, str(cert)
    finally:
        appserver.stop(process)
        log.close()
