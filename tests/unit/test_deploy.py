"""What `deploy/` ships: systemd units that systemd accepts, an nginx site that nginx accepts
as the load test renders it, and `serve --workers`, which keeps its app processes running."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import proxy
from kp_dash import cli
from kp_dash.cli import workers

ROOT = Path(__file__).parents[2]
UNITS = ROOT / "deploy" / "systemd"


def _verify_copy(tmp_path: Path) -> list[Path]:
    """The units with the interpreter path pointed at this checkout's, as an installation has
    it at /opt/kp-dash (systemd checks that the command exists)."""
    copies = []
    for unit in sorted(UNITS.iterdir()):
        text = unit.read_text().replace("/opt/kp-dash/.venv/bin/python", sys.executable)
        name = unit.name.replace("@.", "@8601.")
        (tmp_path / name).write_text(text)
        copies.append(tmp_path / name)
    return copies


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not here")
def test_systemd_accepts_every_unit(tmp_path):
    units = _verify_copy(tmp_path)
    assert {u.name for u in units} >= {"kp-dash@8601.service", "kp-dash-doctor.timer"}
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *map(str, units)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # an unknown key, a bad value or a missing file is reported, one line each
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def test_the_app_unit_writes_only_its_state_folder():
    unit = (UNITS / "kp-dash@.service").read_text()
    for line in (
        "User=kp-dash",
        "Restart=on-failure",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/kp-dash",
        "StateDirectoryMode=0700",
        "UMask=0077",
        "NoNewPrivileges=yes",
        "ExecStart=/opt/kp-dash/.venv/bin/python -m kp_dash serve --host 127.0.0.1 --port %i",
    ):
        assert line in unit.splitlines(), line


def test_the_rendered_site_keeps_the_deployed_rules(tmp_path):
    site = proxy.site_for([9001, 9002], 9443, tmp_path / "c.pem", tmp_path / "k.pem")
    assert "server 127.0.0.1:9001 max_fails=1" in site and "server 127.0.0.1:9002" in site
    assert "8601" not in site and "listen 80" not in site and "[::]" not in site
    assert "listen 127.0.0.1:9443 ssl http2;" in site
    for kept in ("hash $kp_dash_worker consistent;", "proxy_set_header Upgrade $http_upgrade;"):
        assert kept in site
    assert "X-Kp-Dash-Upstream" not in site
    assert "X-Kp-Dash-Upstream" in proxy.site_for([1], 2, Path("c"), Path("k"), True)


def test_a_site_file_that_lost_a_rule_stops_the_load_test(monkeypatch, tmp_path):
    changed = tmp_path / "kp-dash.conf"
    changed.write_text(proxy.SITE.read_text().replace("hash $kp_dash_worker consistent;", ""))
    monkeypatch.setattr(proxy, "SITE", changed)
    with pytest.raises(proxy.ProxyError, match="no line matches"):
        proxy.site_for([9001], 9443, Path("c"), Path("k"))


@pytest.mark.skipif(not proxy.available(), reason="Debian's nginx or openssl is not installed")
def test_nginx_accepts_the_site_as_rendered(tmp_path):
    cert, key = proxy.make_certificate(tmp_path)
    proxy.write_config(tmp_path, proxy.site_for([9001, 9002], 9443, cert, key))
    done = subprocess.run(
        [*proxy.nginx_command(tmp_path), "-t"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr


def _program(monkeypatch, code: str) -> None:
    monkeypatch.setattr(workers, "app_command", lambda host, port: [sys.executable, "-c", code])
    monkeypatch.setattr(workers, "QUICK_EXIT_S", 5.0)
    monkeypatch.setattr(workers, "POLL_S", 0.05)


def test_a_process_that_will_not_start_stops_them_all(monkeypatch):
    _program(monkeypatch, "import sys; sys.exit(3)")
    said = []
    assert workers.supervise("127.0.0.1", 9100, 2, said.append, stop_after=30) == 1
    assert said[0] == "2 app processes on 127.0.0.1, ports 9100–9101"
    assert "exited (status 3); starting it again" in said[1]
    assert said[-1].endswith("within 5 s of starting (last status 3); stopping them all")


def test_a_process_that_exits_is_started_again_and_all_stop_at_the_end(monkeypatch, tmp_path):
    marks = tmp_path / "starts"
    # each start leaves a mark; the first start exits at once, later ones run until stopped
    code = (
        "import os, sys, time; p = sys.argv[0]; "
        f"m = {str(marks)!r}; os.makedirs(m, exist_ok=True); n = len(os.listdir(m)); "
        "open(os.path.join(m, str(os.getpid())), 'w').close(); "
        "sys.exit(1) if n == 0 else time.sleep(60)"
    )
    _program(monkeypatch, code)
    said = []
    assert workers.supervise("127.0.0.1", 9100, 1, said.append, stop_after=2) == 0
    assert len(list(marks.iterdir())) == 2, said
    assert "exited (status 1); starting it again" in said[1]
    for pid in (int(p.name) for p in marks.iterdir()):
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()


def test_serve_refuses_a_worker_count_out_of_range(capsys):
    for count in ("0", "65", "two"):
        with pytest.raises(SystemExit):
            cli.main(["serve", "--workers", count])
        assert "is not a number of processes from 1 to 64" in capsys.readouterr().err
