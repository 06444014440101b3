"""The audit trail: one JSON line per event under `KP_DASH_STATE/audit.jsonl`.

Logins, failed logins, lock-outs, imports, withdrawals, alias confirmations, exports, briefings,
user changes, backups and restores, each with who, when, what and from which address. Each kind
of event is one small class below with the facts it records, so a caller states what happened
and this module alone words it. The file is only ever appended to (never rewritten), one writer
at a time, and each line is flushed to disk before the action it records is reported as done.
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
    the facts of its kind, which its `words` put into the entry's `what`."""

    name: ClassVar[str]
    words: ClassVar[str] = ""  # a format string over the kind's own fields
    who: str
    address: str | None = None

    @property
    def what(self) -> str:
        return self.words.format_map(vars(self))


@dataclass(frozen=True, kw_only=True)
class Login(Event):
    name, words = "login", "{via}"
    via: str  # "password" or "single sign-on"


@dataclass(frozen=True, kw_only=True)
class LoginFailed(Event):
    name, words = "login_failed", "{reason}"
    reason: str


@dataclass(frozen=True, kw_only=True)
class LockedOut(Event):
    name, words = "locked_out", "{failures} failed logins"
    failures: int


@dataclass(frozen=True, kw_only=True)
class Logout(Event):
    name, words = "logout", "{how}"
    how: str  # the way they had logged in, or why the session ended


@dataclass(frozen=True, kw_only=True)
class Refused(Event):
    name, words = "refused", "page {page}"
    page: str


@dataclass(frozen=True, kw_only=True)
class Imported(Event):
    name, words = "import", "{file}: accepted {rows:,} {kind} rows as batch {batch_id}"
    file: str
    rows: int
    kind: str
    batch_id: str


@dataclass(frozen=True, kw_only=True)
class Withdrawn(Event):
    name, words = "withdraw", "batch {batch_id}"
    batch_id: str


@dataclass(frozen=True, kw_only=True)
class AliasConfirmed(Event):
    name, words = "alias_confirmed", "{alias!r} = {district_code}"
    alias: str
    district_code: str


@dataclass(frozen=True, kw_only=True)
class MappingConfirmed(Event):
    name, words = "mapping_confirmed", "column mapping for {source} ({kind}): {pairs}"
    source: str
    kind: str
    pairs: str  # "file column → field" pairs, as confirmed


@dataclass(frozen=True, kw_only=True)
class Downloaded(Event):
    """A table, map file or PDF taken away."""

    name, words = "export", "{file}"
    file: str


@dataclass(frozen=True, kw_only=True)
class BriefingDownloaded(Downloaded):
    name = "briefing"


@dataclass(frozen=True, kw_only=True)
class UserAdded(Event):
    name, words = "user_added", "{user}"
    user: str  # the new user as listed: name, role and districts


@dataclass(frozen=True, kw_only=True)
class UserRemoved(Event):
    name, words = "user_removed", "{user}"
    user: str


@dataclass(frozen=True, kw_only=True)
class PasswordChanged(Event):
    name, words = "password_changed", "{user}"
    user: str


@dataclass(frozen=True, kw_only=True)
class BackedUp(Event):
    name, words = "backup", "{file}: {members:,} files"
    file: str
    members: int


@dataclass(frozen=True, kw_only=True)
class Restored(Event):
    name, words = "restore", "{file} (made {made_at}): {members:,} files"
    file: str
    made_at: str
    members: int


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
