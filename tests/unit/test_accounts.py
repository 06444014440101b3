"""Local accounts, the audit trail and the commands about people: hashes never the password,
five failures lock for fifteen minutes, names and districts checked, every change recorded."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from kp_dash.cli import main
from kp_dash.store import accounts, audit, network

PASSWORD = "district officer 502"
ROOT = Path(__file__).parents[2]


def _events() -> list[tuple[str, str]]:
    return [(e.event, e.who) for e in audit.entries()]


def test_no_user_means_open_mode_and_the_first_user_turns_login_on() -> None:
    assert not accounts.login_mode()
    accounts.add_user("admin1", "admin", PASSWORD)
    assert accounts.login_mode()


def test_the_users_file_holds_a_hash_not_the_password_and_only_its_owner_reads_it() -> None:
    accounts.add_user("bajaur", "analyst", PASSWORD, ["pk502"])
    text = accounts.users_path().read_text()
    assert PASSWORD not in text
    record = json.loads(text)["bajaur"]
    assert record["hash"].startswith("$argon2id$")
    assert record["districts"] == ["PK502"]
    assert accounts.users_path().stat().st_mode & 0o077 == 0


def test_a_right_password_logs_in_with_role_and_districts() -> None:
    accounts.add_user("bajaur", "analyst", PASSWORD, ["PK513", "PK502"])
    outcome = accounts.log_in("bajaur", PASSWORD, "10.0.0.7")
    # register order, whatever order they were given in
    assert outcome.user == accounts.User("bajaur", "analyst", ("PK502", "PK513"))
    assert audit.entries()[-1].event == "login"
    assert audit.entries()[-1].address == "10.0.0.7"


def test_a_wrong_password_and_an_unknown_name_read_the_same() -> None:
    accounts.add_user("bajaur", "viewer", PASSWORD)
    wrong = accounts.log_in("bajaur", "not it at all")
    unknown = accounts.log_in("nobody", PASSWORD)
    assert wrong.user is None and unknown.user is None
    assert wrong.message == unknown.message == "Wrong username or password."
    assert _events()[-2:] == [("login_failed", "bajaur"), ("login_failed", "nobody")]


def test_five_failures_lock_the_account_for_fifteen_minutes_even_for_the_right_password() -> None:
    accounts.add_user("bajaur", "viewer", PASSWORD)
    for _ in range(4):
        assert "Wrong" in accounts.log_in("bajaur", "guess guess").message
    assert accounts.locked_until("bajaur") is None  # four are not enough
    fifth = accounts.log_in("bajaur", "guess guess")
    assert "locked" in fifth.message
    until = accounts.locked_until("bajaur")
    expected = datetime.now(UTC) + timedelta(minutes=15)
    assert until is not None and abs((until - expected).total_seconds()) < 5
    assert accounts.log_in("bajaur", PASSWORD).user is None
    assert ("locked_out", "bajaur") in _events()


def test_a_success_resets_the_count_of_failures() -> None:
    accounts.add_user("bajaur", "viewer", PASSWORD)
    for _ in range(4):
        accounts.log_in("bajaur", "guess guess")
    assert accounts.log_in("bajaur", PASSWORD).user is not None
    for _ in range(4):
        accounts.log_in("bajaur", "guess guess")
    assert accounts.locked_until("bajaur") is None


def test_a_lock_lifts_after_fifteen_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    accounts.add_user("bajaur", "viewer", PASSWORD)
    for _ in range(5):
        accounts.log_in("bajaur", "guess guess")
    later = datetime.now(UTC) + timedelta(minutes=15, seconds=5)
    monkeypatch.setattr(accounts, "_now", lambda: later)
    assert accounts.log_in("bajaur", PASSWORD).user is not None


def test_a_new_password_lifts_the_lock() -> None:
    accounts.add_user("bajaur", "viewer", PASSWORD)
    for _ in range(5):
        accounts.log_in("bajaur", "guess guess")
    accounts.set_password("bajaur", "a brand new password")
    assert accounts.log_in("bajaur", "a brand new password").user is not None


@pytest.mark.parametrize(
    "name", ["", "a b", "x;drop", "../etc", "<script>", "-leading", "é" * 3, "a" * 65]
)
def test_user_names_outside_the_rule_are_refused(name: str) -> None:
    with pytest.raises(accounts.AccountError, match="not allowed"):
        accounts.add_user(name, "viewer", PASSWORD)
    assert not accounts.users_path().exists()


def test_unknown_roles_districts_and_short_passwords_are_refused() -> None:
    with pytest.raises(accounts.AccountError, match="role"):
        accounts.add_user("x", "superuser", PASSWORD)
    with pytest.raises(accounts.AccountError, match="PK999"):
        accounts.add_user("x", "viewer", PASSWORD, ["PK502", "PK999"])
    with pytest.raises(accounts.AccountError, match="10 characters"):
        accounts.add_user("x", "viewer", "123456789")
    assert accounts.users() == []


def test_roles_include_those_below() -> None:
    analyst = accounts.User("a", "analyst")
    assert analyst.may("viewer") and analyst.may("analyst")
    assert not analyst.may("data_manager") and not analyst.may("admin")
    assert accounts.User("m", "data_manager").may("analyst")


def test_a_session_ends_after_eight_hours() -> None:
    now = datetime.now(UTC)
    assert not accounts.session_expired(now - timedelta(hours=7, minutes=59))
    assert accounts.session_expired(now - timedelta(hours=8))


def test_audit_entries_are_one_line_each_whatever_the_text() -> None:
    audit.record(
        audit.Downloaded(who="bajaur", file='x.csv\n{"at": "forged"}\r', address="10.0.0.7")
    )
    lines = audit.audit_path().read_text().splitlines()
    assert len(lines) == 1
    assert audit.entries()[0].what == 'x.csv {"at": "forged"} '


@pytest.mark.parametrize(
    "breaker",
    ["\u2028", "\u2029", "\x85", "\x9b", "\x80", "\x9f", "\x1c", "\x1e", "\x0b", "\x0c", "\r\n"],
)
def test_no_character_that_any_reader_takes_for_a_line_break_gets_into_the_trail(
    breaker: str,
) -> None:
    # JavaScript ends lines at U+2028 and U+2029, Python's splitlines also at NEL (\x85), the
    # file separators and the form feed; C1 controls (\x80-\x9f) move terminals' cursors
    file, address = f'x.csv{breaker}{{"at": "forged"}}', f"10.0.0.7{breaker}"
    audit.record(audit.Downloaded(who=f"bajaur{breaker}x", file=file, address=address))
    text = audit.audit_path().read_text(encoding="utf-8")
    assert len(text.splitlines()) == 1 and text.endswith("}\n")
    assert not [ch for ch in text[:-1] if (ch.isspace() and ch != " ") or ord(ch) < 32]
    assert not [ch for ch in text if 0x80 <= ord(ch) <= 0x9F]
    (entry,) = audit.entries()
    gap = " " * len(breaker)
    assert (entry.who, entry.address) == (f"bajaur{gap}x", f"10.0.0.7{gap}")
    assert entry.what.startswith("x.csv ")


def test_audit_since_keeps_the_days_from_then_on() -> None:
    audit.record(audit.Login(who="a", via="password"))
    today = datetime.now(UTC).date()
    assert len(audit.entries(today)) == 1
    assert audit.entries(today + timedelta(days=1)) == []


def test_each_event_words_its_own_facts() -> None:
    """Callers state what happened; the trail's words for it are written in one place."""
    events = [
        audit.LockedOut(who="a", failures=5),
        audit.Refused(who="a", page="Admin"),
        audit.Imported(who="dm", file="f.csv", rows=1200, kind="usage", batch_id="b7"),
        audit.AliasConfirmed(who="dm", alias="D I Khan", district_code="PK509"),
        audit.BriefingDownloaded(who="a", file="kp-briefing.pdf"),
    ]
    for event in events:
        audit.record(event)
    shown = [(e.event, e.what) for e in audit.entries()]
    assert shown == [
        ("locked_out", "5 failed logins"),
        ("refused", "page Admin"),
        ("import", "f.csv: accepted 1,200 usage rows as batch b7"),
        ("alias_confirmed", "'D I Khan' = PK509"),
        ("briefing", "kp-briefing.pdf"),
    ]
    with pytest.raises(TypeError, match="not an audit event"):
        audit.record("login")  # free text is refused


def test_the_trail_is_appended_to_never_rewritten() -> None:
    audit.record(audit.Login(who="a", via="password"))
    first = audit.audit_path().read_text()
    audit.record(audit.Logout(who="a", how="password"))
    assert audit.audit_path().read_text().startswith(first)


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kp_dash", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_users_commands_add_list_passwd_remove_and_audit_them() -> None:
    added = _cli("users", "add", "bajaur", "--role", "analyst", "--districts", "PK502",
                 "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "login is now required" in added.stderr
    listed = _cli("users", "list")
    assert listed.stdout.splitlines() == [
        "name,role,districts,locked_until",
        "bajaur,analyst,PK502,",
    ]
    assert (
        _cli("users", "passwd", "bajaur", "--password-stdin", stdin="another one here\n").returncode
        == 0
    )
    assert accounts.log_in("bajaur", "another one here").user is not None
    assert _cli("users", "remove", "bajaur").returncode == 0
    trail = _cli("audit", "--since", date.today().isoformat()).stdout.splitlines()
    assert trail[0] == "at,who,event,what,address"
    events = [line.split(",")[2] for line in trail[1:]]
    assert events == ["user_added", "password_changed", "login", "user_removed"]
    assert PASSWORD not in audit.audit_path().read_text()


def test_users_add_refuses_without_a_terminal_or_stdin_flag_and_explains() -> None:
    result = _cli("users", "add", "x", "--role", "viewer")
    assert result.returncode == 1
    assert "--password-stdin" in result.stderr
    assert not accounts.users_path().exists()


def test_audit_refuses_a_day_that_is_not_one() -> None:
    result = _cli("audit", "--since", "2026-13-01")
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr


def test_serve_refuses_the_network_in_open_mode_and_names_the_fix() -> None:
    assert main(["serve", "--host", "0.0.0.0"]) == 1


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False),
     ("192.168.1.4", False), ("example.org", False)],
)  # fmt: skip
def test_which_hosts_are_this_machine(host: str, loopback: bool) -> None:
    assert network.is_local(host) is loopback


def test_the_printed_trail_cannot_run_as_a_spreadsheet_formula() -> None:
    audit.record(audit.Downloaded(who="amina", file='=HYPERLINK("http://x","y").csv'))
    rows = _cli("audit").stdout.splitlines()
    assert rows[1].endswith(',export,"\'=HYPERLINK(""http://x"",""y"").csv",local')


def test_serve_refuses_a_trusted_proxy_setting_it_cannot_read(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("KP_DASH_TRUSTED_PROXIES", "10.0.0.1, proxy.local")
    assert main(["serve", "--host", "127.0.0.1"]) == 1
    assert "'proxy.local' is not an address" in capsys.readouterr().err
