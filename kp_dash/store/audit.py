"""The audit trail: one JSON line per event under `KP_DASH_STATE/audit.jsonl`.

Logins, failed logins, lock-outs, imports, withdrawals, alias confirmations, exports, briefings
and user changes, each with who, when, what and from which address. The file is only ever
appended to (never rewritten), one writer at a time, and each line is flushed to disk before
the action it records is reported as done.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from kp_dash.store import config

EVENTS = (
    "login",
    "login_failed",
    "locked_out",
    "logout",
    "import",
    "withdraw",
    "alias_confirmed",
    "mapping_confirmed",
    "export",
    "briefing",
    "user_added",
    "user_removed",
    "password_changed",
    "refused",
)
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


def record(event: str, who: str, what: str = "", address: str | None = None) -> Entry:
    """Append one entry and flush it to disk."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    entry = Entry(
        datetime.now(UTC).isoformat(timespec="seconds"),
        _clean(who) or "unknown",
        event,
        _clean(what),
        _clean(address) or "local",
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
