"""Password sessions kept on the server: a new random id at each login, stored only as its
digest; valid for eight hours while the user and their password stay; ended for every holder by
*Log out*; handed to the browser through a one-time ticket that the server's route exchanges for
a cookie scripts cannot read, sent back only to a page of this site."""

from __future__ import annotations

import hashlib
import json
import re
import stat
from datetime import UTC, datetime, timedelta

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from kp_dash.store import accounts, sessions
from kp_dash.views import routes

PASSWORD = "a long enough password"


@pytest.fixture
def amina() -> str:
    accounts.add_user("amina", "viewer", PASSWORD)
    return "amina"


def _later(monkeypatch: pytest.MonkeyPatch, **delta: float) -> None:
    moment = datetime.now(UTC) + timedelta(**delta)
    monkeypatch.setattr(sessions, "_now", lambda: moment)


def test_each_login_gets_a_new_random_id_stored_only_as_its_digest(amina: str) -> None:
    first, second = sessions.start(amina), sessions.start(amina)
    assert first != second and len(first) >= 43  # 32 random bytes
    text = sessions.sessions_path().read_text(encoding="utf-8")
    assert first not in text and second not in text
    assert hashlib.sha256(first.encode()).hexdigest() in json.loads(text)["sessions"]
    assert stat.S_IMODE(sessions.sessions_path().stat().st_mode) == 0o600


def test_a_session_holds_for_its_user(amina: str) -> None:
    found = sessions.find(sessions.start(amina))
    assert found.session is not None and found.session.user == "amina"


@pytest.mark.parametrize("session_id", [None, "", "made-up", "x" * 10_000])
def test_an_id_never_issued_opens_nothing(amina: str, session_id: str | None) -> None:
    assert sessions.find(session_id) == sessions.Lookup()


def test_a_session_ends_after_eight_hours(amina: str, monkeypatch: pytest.MonkeyPatch) -> None:
    session_id = sessions.start(amina)
    _later(monkeypatch, hours=7, minutes=59)
    assert sessions.find(session_id).session is not None
    _later(monkeypatch, hours=8)
    assert sessions.find(session_id) == sessions.Lookup(ended="session ended", live_user="amina")


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(amina: str) -> None:
    session_id = sessions.start(amina)
    accounts.set_password(amina, "another long password")
    assert sessions.find(session_id).ended == "password changed"
    assert sessions.find(sessions.start(amina)).session is not None  # a login with the new one


def test_removing_the_user_ends_their_sessions(amina: str) -> None:
    session_id = sessions.start(amina)
    accounts.add_user("boss", "admin", PASSWORD)
    accounts.remove_user(amina)
    assert sessions.find(session_id).ended == "user removed"


def test_log_out_ends_the_session_for_every_holder_and_says_why(amina: str) -> None:
    kept, ended = sessions.start(amina), sessions.start(amina)
    sessions.end(ended)
    assert sessions.find(ended) == sessions.Lookup(ended="logged out")
    assert sessions.find(kept).session is not None  # another login of the same user stays


def test_an_ended_session_is_forgotten_a_day_after_it_would_have_ended(
    amina: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ended = sessions.start(amina)
    sessions.end(ended)
    _later(monkeypatch, hours=8 + 24, minutes=1)
    sessions.start(amina)  # any change prunes
    assert sessions.find(ended) == sessions.Lookup()


def test_a_ticket_is_exchanged_once_and_only_within_a_minute(
    amina: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = sessions.start(amina)
    ticket = sessions.ticket(session_id)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", ticket)  # safe in a URL and a script string
    assert ticket not in sessions.sessions_path().read_text(encoding="utf-8")
    assert sessions.redeem(ticket) == session_id
    assert sessions.redeem(ticket) is None  # once
    late = sessions.ticket(session_id)
    _later(monkeypatch, seconds=61)
    assert sessions.redeem(late) is None
    assert sessions.redeem("made-up") is None and sessions.redeem(None) is None


def test_a_ticket_of_a_session_that_ended_gives_nothing(amina: str) -> None:
    session_id = sessions.start(amina)
    ticket = sessions.ticket(session_id)
    sessions.end(session_id)
    assert sessions.redeem(ticket) is None


def test_a_damaged_sessions_file_ends_every_session_without_stopping_pages(amina: str) -> None:
    session_id = sessions.start(amina)
    sessions.sessions_path().write_text("{ not json", encoding="utf-8")
    assert sessions.find(session_id) == sessions.Lookup()


# --- the server's routes ------------------------------------------------------------------------


@pytest.fixture
def client() -> TestClient:
    return TestClient(Starlette(routes=routes.ROUTES), follow_redirects=False)


def test_the_route_sets_a_cookie_scripts_cannot_read_and_goes_back(
    amina: str, client: TestClient
) -> None:
    session_id = sessions.start(amina)
    ticket = sessions.ticket(session_id)
    answer = client.get(
        routes.SESSION_PATH, params={"ticket": ticket, "next": "/Profile?district=PK502"}
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/Profile?district=PK502"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{sessions.COOKIE}={session_id};")
    for attribute in ("HttpOnly", "SameSite=strict", "Path=/", "Max-Age=28800"):
        assert attribute in cookie
    assert "Secure" not in cookie  # plain http on this machine: a Secure cookie would be lost
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["referrer-policy"] == "no-referrer"


def test_a_used_or_made_up_ticket_sets_no_cookie(amina: str, client: TestClient) -> None:
    ticket = sessions.ticket(sessions.start(amina))
    client.get(routes.SESSION_PATH, params={"ticket": ticket})
    for again in (ticket, "made-up", ""):
        answer = client.get(routes.SESSION_PATH, params={"ticket": again})
        assert answer.status_code == 303 and "set-cookie" not in answer.headers


def _cookie_over(client: TestClient, user: str, proto: str | None = None) -> str:
    params = {"ticket": sessions.ticket(sessions.start(user))}
    headers = {"X-Forwarded-Proto": proto} if proto else {}
    return client.get(routes.SESSION_PATH, params=params, headers=headers).headers["set-cookie"]


def test_behind_https_the_cookie_is_secure_when_a_trusted_proxy_says_so(
    amina: str, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "_peer", lambda request: "10.0.0.1")
    assert "Secure" not in _cookie_over(client, amina, "https")  # nobody trusted: not believed
    monkeypatch.setenv("KP_DASH_TRUSTED_PROXIES", "10.0.0.1")
    assert "Secure" in _cookie_over(client, amina, "https")
    assert "Secure" not in _cookie_over(client, amina, "http")
    direct = TestClient(
        Starlette(routes=routes.ROUTES), base_url="https://kp.local", follow_redirects=False
    )
    assert "Secure" in _cookie_over(direct, amina)  # https straight to the app


@pytest.mark.parametrize(
    ("target", "back"),
    [
        ("/Map", "/Map"), ("/Profile?district=PK502&x=1", "/Profile?district=PK502&x=1"),
        ("https://evil.example/", "/"), ("//evil.example/", "/"), ("/\\evil.example", "/"),
        ("/a\\b", "/"), ("javascript:alert(1)", "/"), ("/a b", "/"), ("/a\r\nSet-Cookie: x", "/"),
        ("", "/"), (None, "/"), ("/" + "x" * 3000, "/"),
    ],
)  # fmt: skip
def test_the_route_only_goes_back_to_a_page_of_this_site(target: str | None, back: str) -> None:
    assert routes.back_to(target) == back


def test_the_logout_route_ends_the_session_and_clears_the_cookie(
    amina: str, client: TestClient
) -> None:
    session_id = sessions.start(amina)
    client.cookies.set(sessions.COOKIE, session_id)
    answer = client.get(routes.LOGOUT_PATH, params={"next": "/Map"})
    assert answer.status_code == 303 and answer.headers["location"] == "/Map"
    assert f'{sessions.COOKIE}=""' in answer.headers["set-cookie"]
    assert "Max-Age=0" in answer.headers["set-cookie"]
    assert sessions.find(session_id).ended == "logged out"
