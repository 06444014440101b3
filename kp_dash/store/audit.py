"""The audit trail: one JSON line per event under `KP_DASH_STATE/audit.jsonl`.

Logins, failed logins, lock-outs, imports, withdrawals, alias confirmations, exports, briefings
and user changes, each with who, when, what and from which address. Each kind of event is one
small class below with the facts it records, so a caller states what happened and this module
alone words it. The file is only ever appended to (never rewritten), one writer at a time, and
each line is flushed to disk before the action it records is reported as done.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import ClassVar

from kp_dash.store import config

MAX_TEXT = 500  # a field longer than this is cut: the trail records, it does not archive


@dataclass(frozen=True)
class Entry:
    at: str
    who: str
    event: str
    what: str
    address: str

    @property
    def day(self) -> str:
        return self.at[:10]


@dataclass(frozen=True, kw_only=True)
class Event:
    """Something the trail records: who did it, from which address (None: this machine), and
    the facts of its kind (`what` words them)."""

    name: ClassVar[str]
    who: str
    address: str | None = None

    @property
    def what(self) -> str:
        return ""


@dataclass(frozen=True, kw_only=True)
class Login(Event):
    name = "login"
    via: str  # "password" or "single sign-on"

    @property
    def what(self) -> str:
        return self.via


@dataclass(frozen=True, kw_only=True)
class LoginFailed(Event):
    name = "login_failed"
    reason: str

    @property
    def what(self) -> str:
        return self.reason


@dataclass(frozen=True, kw_only=True)
class LockedOut(Event):
    name = "locked_out"
    failures: int

    @property
    def what(self) -> str:
        return f"{self.failures} failed logins"


@dataclass(frozen=True, kw_only=True)
class Logout(Event):
    name = "logout"
    how: str  # the way they had logged in, or why the session ended

    @property
    def what(self) -> str:
        return self.how


@dataclass(frozen=True, kw_only=True)
class Refused(Event):
    name = "refused"
    page: str

    @property
    def what(self) -> str:
        return f"page {self.page}"


@dataclass(frozen=True, kw_only=True)
class Imported(Event):
    name = "import"
    file: str
    rows: int
    kind: str
    batch_id: str

    @property
    def what(self) -> str:
        return f"{self.file}: accepted {self.rows:,} {self.kind} rows as batch {self.batch_id}"


@dataclass(frozen=True, kw_only=True)
class Withdrawn(Event):
    name = "withdraw"
    batch_id: str

    @property
    def what(self) -> str:
        return f"batch {self.batch_id}"


@dataclass(frozen=True, kw_only=True)
class AliasConfirmed(Event):
    name = "alias_confirmed"
    alias: str
    district_code: str

    @property
    def what(self) -> str:
        return f"{self.alias!r} = {self.district_code}"


@dataclass(frozen=True, kw_only=True)
class MappingConfirmed(Event):
    name = "mapping_confirmed"
    source: str
    kind: str
    pairs: str  # "file column → field" pairs, as confirmed

    @property
    def what(self) -> str:
        return f"column mapping for {self.source} ({self.kind}): {self.pairs}"


@dataclass(frozen=True, kw_only=True)
class Downloaded(Event):
    """A table, map file or PDF taken away: `name` is "export" or "briefing"."""

    name: ClassVar[str] = "export"
    file: str

    @property
    def what(self) -> str:
        return self.file


@dataclass(frozen=True, kw_only=True)
class BriefingDownloaded(Downloaded):
    name = "briefing"


@dataclass(frozen=True, kw_only=True)
class UserAdded(Event):
    name = "user_added"
    user: str  # the new user as listed: name, role and districts

    @property
    def what(self) -> str:
        return self.user


@dataclass(frozen=True, kw_only=True)
class UserRemoved(Event):
    name = "user_removed"
    user: str

    @property
    def what(self) -> str:
        return self.user


@dataclass(frozen=True, kw_only=True)
class PasswordChanged(Event):
    name = "password_changed"
    user: str

    @property
    def what(self) -> str:
        return self.user


def audit_path() -> Path:
    return config.state_dir() / "audit.jsonl"


def _clean(text: object) -> str:
    """One line of plain text for any reader: control characters (C0, DEL and C1, which holds
    NEL) and the Unicode line and paragraph separators become spaces, so a hostile name cannot
    forge a second entry or move a terminal's cursor."""
    cleaned = "".join(" " if _breaks(c) else c for c in str(text or ""))
    return cleaned[:MAX_TEXT]


def _breaks(character: str) -> bool:
    code = ord(character)
    return code < 32 or 127 <= code <= 159 or character in "\u2028\u2029"


def record(event: Event) -> Entry:
    """Append one entry and flush it to disk."""
    if not isinstance(event, Event) or type(event) is Event:
        raise TypeError(f"not an audit event: {event!r}")
    entry = Entry(
        datetime.now(UTC).isoformat(timespec="seconds"),
        _clean(event.who) or "unknown",
        event.name,
        _clean(event.what),
        _clean(event.address) or "local",
    )
    line = json.dumps(entry.__dict__, ensure_ascii=False) + "\n"
    path = audit_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return entry


def entries(since: date | None = None) -> list[Entry]:
    """Every entry, oldest first, from `since` (a UTC day) on. A line that cannot be read (a
    torn last line after a crash) is reported as such rather than dropped."""
    path = audit_path()
    if not path.exists():
        return []
    found = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            entry = _parse(line, number)
            if entry and (since is None or entry.day >= since.isoformat()):
                found.append(entry)
    return found


def _parse(line: str, number: int) -> Entry | None:
    if not line.strip():
        return None
    try:
        fields = json.loads(line)
        return Entry(*(str(fields[k]) for k in ("at", "who", "event", "what", "address")))
    except (ValueError, KeyError, TypeError):
        return Entry("", "?", "unreadable", f"line {number} of {audit_path().name}", "")
