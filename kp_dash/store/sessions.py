"""Password logins kept on the server, so that a reload, a second tab or a link from a briefing
finds the person still logged in, and *Log out*, the user's removal, a new password or eight
hours end the session in every tab at once.

A session id is 32 random bytes, issued anew at each login (an id planted before the login is
never promoted). Only its SHA-256 is stored, in `KP_DASH_STATE/sessions.json` (mode 0600,
shared by every app process on the same state folder), with the user's name, when it started
and a mark of the password it was opened with. The browser holds the id in a cookie scripts
cannot read (`kp_dash.views.routes` sets it): the page gets a one-time *ticket* for it, valid
for a minute, and the server's route exchanges the ticket for the cookie.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kp_dash.store import accounts, batches, config

COOKIE = "kp_dash_session"
TICKET_SECONDS = 60
KEPT_HOURS = 24  # an ended session is remembered this long after its end, to say why
ID_BYTES = 32
# why a session is no longer valid, as the login form says it
ENDED_AFTER_HOURS = "session ended"
USER_REMOVED = "user removed"
PASSWORD_CHANGED = "password changed"
LOGGED_OUT = "logged out"


@dataclass(frozen=True)
class Session:
    user: str
    started: datetime


@dataclass(frozen=True)
class Lookup:
    """A session found valid (`session`), or why the id opens nothing (`ended`: one of the
    reasons above; None for an id never issued here, or forgotten). `live_user` names the user
    of a session that is over but still recorded, which the finder ends for every tab."""

    session: Session | None = None
    ended: str | None = None
    live_user: str | None = None


def sessions_path() -> Path:
    return config.state_dir() / "sessions.json"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _read() -> dict[str, dict]:
    path = sessions_path()
    try:
        records = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except ValueError:  # a damaged file ends every session rather than stopping every page
        return {"sessions": {}, "tickets": {}, "ended": {}}
    for part in ("sessions", "tickets", "ended"):
        records.setdefault(part, {})
    return records


@contextmanager
def _locked() -> Iterator[dict[str, dict]]:
    """The records for one change at a time, saved (with what has run out left out) after."""
    with batches.exclusive(config.state_dir() / ".sessions.lock"):
        records = _read()
        yield records
        _prune(records)
        batches.write_private(sessions_path(), json.dumps(records, indent=1, sort_keys=True))


def _prune(records: dict[str, dict]) -> None:
    """Forget sessions a day after they ended (until then a tab can still say why), and
    tickets that ran out."""
    now = _now()
    oldest = now - timedelta(hours=accounts.SESSION_HOURS + KEPT_HOURS)
    for part, field in (("sessions", "started"), ("ended", "at")):
        for key in [k for k, v in records[part].items() if _when(v[field]) < oldest]:
            del records[part][key]
    for key in [k for k, v in records["tickets"].items() if _when(v["expires"]) < now]:
        del records["tickets"][key]


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def start(user: str) -> str:
    """A new session for `user` (who has just logged in); its id, which only the caller and
    the browser ever hold."""
    session_id = secrets.token_urlsafe(ID_BYTES)
    with _locked() as records:
        records["sessions"][_digest(session_id)] = {
            "user": user,
            "started": _now().isoformat(timespec="seconds"),
            "password": accounts.password_mark(user) or "",
        }
    return session_id


def find(session_id: str | None) -> Lookup:
    """The session of `session_id` while it is valid: younger than eight hours, its user still
    there with the password it was opened with, and not logged out."""
    if not session_id or len(session_id) > 256:
        return Lookup()
    key = _digest(session_id)
    records = _read()
    record = records["sessions"].get(key)
    if record is None:
        return Lookup(ended=records["ended"].get(key, {}).get("why"))
    user, started = record["user"], _when(record["started"])
    if _now() - started >= timedelta(hours=accounts.SESSION_HOURS):
        return Lookup(ended=ENDED_AFTER_HOURS, live_user=user)
    mark = accounts.password_mark(user)
    if mark is None:
        return Lookup(ended=USER_REMOVED, live_user=user)
    if mark != record["password"]:
        return Lookup(ended=PASSWORD_CHANGED, live_user=user)
    return Lookup(Session(user, started))


def end(session_id: str | None, why: str = LOGGED_OUT) -> None:
    """End a session for every tab that holds it; the reason is kept until it would have ended
    anyway, so that the other tabs can say why."""
    if not session_id:
        return
    key = _digest(session_id)
    with _locked() as records:
        record = records["sessions"].pop(key, None)
        if record is not None:
            records["ended"][key] = {"why": why, "at": record["started"]}
        for ticket in [k for k, v in records["tickets"].items() if v["session"] == key]:
            del records["tickets"][ticket]


def ticket(session_id: str) -> str:
    """A one-time ticket, valid for `TICKET_SECONDS`, that the server's route exchanges for the
    session's cookie (the page's script never sees the session id itself)."""
    value = secrets.token_urlsafe(ID_BYTES)
    expires = _now() + timedelta(seconds=TICKET_SECONDS)
    with _locked() as records:
        records["tickets"][_digest(value)] = {
            "session": _digest(session_id),
            "id": session_id,
            "expires": expires.isoformat(timespec="seconds"),
        }
    return value


def redeem(value: str | None) -> str | None:
    """The session id a ticket stands for, once: a ticket used, run out or never issued gives
    None."""
    if not value or len(value) > 256:
        return None
    with _locked() as records:
        record = records["tickets"].pop(_digest(value), None)
        live = record is not None and record["session"] in records["sessions"]
    return record["id"] if live and _when(record["expires"]) >= _now() else None
