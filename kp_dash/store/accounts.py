"""Local accounts: who may log in, with which role and for which districts.

Kept in `KP_DASH_STATE/users.json` (owner-only permissions, never in the repository): each user's
name, role, districts (none: the whole province), an Argon2id password hash and the count of
failed logins since the last success. No password is ever stored, logged or printed. While no
user exists the app runs in *open mode* (this machine only); the first user turns login on.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kp_dash.store import audit, batches, config, districts
from kp_dash.store.marks import N_

ROLES = ("viewer", "analyst", "data_manager", "admin")
ROLE_LABELS = {
    "viewer": N_("viewer"),
    "analyst": N_("analyst"),
    "data_manager": N_("data manager"),
    "admin": N_("administrator"),
}
MAX_FAILURES = 5
LOCK_MINUTES = 15
SESSION_HOURS = 8
MIN_PASSWORD = 10
NAME_RULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_HASHER = PasswordHasher()
# verified against when the user does not exist, so a wrong name takes as long as a wrong password
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


class AccountError(ValueError):
    """A user name, role, district or password that cannot be accepted; the message says why.
    It keeps its marked wording and values apart, so a page can say it in its language."""

    def __init__(self, wording: str, **values: object) -> None:
        super().__init__(wording.format(**values))
        self.wording, self.values = wording, values


@dataclass(frozen=True)
class User:
    name: str
    role: str
    districts: tuple[str, ...] = ()
    via: str = "password"

    def may(self, role: str) -> bool:
        """Whether this user has `role` or a higher one (each role includes those below)."""
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def restricted(self) -> bool:
        return bool(self.districts)

    @property
    def label(self) -> str:
        where = ", ".join(self.districts) if self.districts else "province"
        return f"{self.name} · {ROLE_LABELS[self.role]} · {where}"


@dataclass(frozen=True)
class Login:
    """What a login attempt came to: `user` when it succeeded, else a message for the form."""

    user: User | None
    message: str = ""


def users_path() -> Path:
    return config.state_dir() / "users.json"


def login_mode() -> bool:
    """Whether any user exists (login required), as opposed to open mode."""
    return bool(_read())


def _read() -> dict[str, dict]:
    path = users_path()
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _save(records: dict[str, dict]) -> None:
    batches.write_private(users_path(), json.dumps(records, indent=1, sort_keys=True))


@contextmanager
def _locked() -> Iterator[dict[str, dict]]:
    """The records for one change at a time: read under the lock, saved when the block ends."""
    with batches.exclusive(config.state_dir() / ".users.lock"):
        records = _read()
        before = json.dumps(records, sort_keys=True)
        yield records
        if json.dumps(records, sort_keys=True) != before:
            _save(records)


def _now() -> datetime:
    return datetime.now(UTC)


def check_name(name: str) -> str:
    if not NAME_RULE.fullmatch(name or ""):
        raise AccountError(
            N_(
                "user name {name} is not allowed: use 1–64 letters, digits, '.', '_', '@' or "
                "'-', starting with a letter or digit"
            ),
            name=repr(name[:40]),
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(
            N_("role {role} is not one of {roles}"), role=repr(role), roles=", ".join(ROLES)
        )
    return role


def check_districts(codes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """P-codes of KP districts, upper-cased, each once, in register order."""
    known = list(districts.load_register()["district_code"])
    asked = {code.strip().upper() for code in codes if code.strip()}
    if unknown := sorted(asked - set(known)):
        raise AccountError(
            N_(
                "{codes}: not a KP district P-code (PK501 Abbottabad … PK535; "
                "`python -m kp_dash metric population_total` lists them)"
            ),
            codes=", ".join(c[:12] for c in unknown),
        )
    return tuple(code for code in known if code in asked)


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(N_("a password needs at least {count} characters"), count=MIN_PASSWORD)
    return password


def add_user(name: str, role: str, password: str, district_codes=(), by: str | None = None) -> User:
    user = User(check_name(name), check_role(role), check_districts(district_codes))
    digest = _HASHER.hash(check_password(password))
    with _locked() as records:
        if name in records:
            wording = N_("user {quoted} exists: `users passwd {name}` changes the password")
            raise AccountError(wording, quoted=repr(name), name=name)
        records[name] = {
            "role": user.role,
            "districts": list(user.districts),
            "hash": digest,
            "created": _now().isoformat(timespec="seconds"),
            "failures": 0,
            "locked_until": None,
        }
    audit.record(audit.UserAdded(who=by or batches.user(), user=user.label))
    return user


def remove_user(name: str, by: str | None = None) -> None:
    with _locked() as records:
        if records.pop(name, None) is None:
            raise AccountError(N_("no user {name}"), name=repr(name[:64]))
    audit.record(audit.UserRemoved(who=by or batches.user(), user=name))


def set_password(name: str, password: str, by: str | None = None) -> None:
    digest = _HASHER.hash(check_password(password))
    with _locked() as records:
        if name not in records:
            raise AccountError(N_("no user {name}"), name=repr(name[:64]))
        records[name].update(hash=digest, failures=0, locked_until=None)
    audit.record(audit.PasswordChanged(who=by or batches.user(), user=name))


def users() -> list[User]:
    return [_user(name, record) for name, record in sorted(_read().items())]


def find(name: str) -> User | None:
    record = _read().get(name)
    return _user(name, record) if record else None


def password_mark(name: str) -> str | None:
    """A short digest of the user's stored password hash (None: no such user): a session
    opened with one password ends when the password changes."""
    record = _read().get(name)
    if not record:
        return None
    return hashlib.sha256(record["hash"].encode("utf-8")).hexdigest()[:16]


def _user(name: str, record: dict) -> User:
    return User(name, record["role"], tuple(record.get("districts") or ()))


def locked_until(name: str) -> datetime | None:
    value = (_read().get(name) or {}).get("locked_until")
    until = datetime.fromisoformat(value) if value else None
    return until if until and until > _now() else None


def log_in(name: str, password: str, address: str | None = None) -> Login:
    """Check a name and password. Five failures in a row lock the account for 15 minutes
    (attempts while locked are refused without checking the password, and not counted)."""
    refused = Login(None, "Wrong username or password.")
    with _locked() as records:
        record = records.get(name)
        if record is None:
            _verify(_DUMMY_HASH, password)
            audit.record(
                audit.LoginFailed(who=_shown(name), reason="no such user", address=address)
            )
            return refused
        if (until := record.get("locked_until")) and datetime.fromisoformat(until) > _now():
            audit.record(audit.LoginFailed(who=name, reason="account locked", address=address))
            return Login(None, _locked_message(datetime.fromisoformat(until)))
        if not _verify(record["hash"], password):
            return _failed(name, record, address, refused)
        record.update(failures=0, locked_until=None)
        if _HASHER.check_needs_rehash(record["hash"]):
            record["hash"] = _HASHER.hash(password)
    audit.record(audit.Login(who=name, via="password", address=address))
    return Login(_user(name, record))


def _failed(name: str, record: dict, address: str | None, refused: Login) -> Login:
    record["failures"] = int(record.get("failures") or 0) + 1
    reason = f"wrong password ({record['failures']} in a row)"
    audit.record(audit.LoginFailed(who=name, reason=reason, address=address))
    if record["failures"] < MAX_FAILURES:
        return refused
    until = _now() + timedelta(minutes=LOCK_MINUTES)
    record.update(failures=0, locked_until=until.isoformat(timespec="seconds"))
    audit.record(audit.LockedOut(who=name, failures=MAX_FAILURES, address=address))
    return Login(None, _locked_message(until))


def _locked_message(until: datetime) -> str:
    return (
        f"This account is locked after {MAX_FAILURES} failed logins until "
        f"{until:%H:%M} UTC. Try again then, or ask an administrator to reset the password."
    )


def _verify(digest: str, password: str) -> bool:
    try:
        return _HASHER.verify(digest, password)
    except (VerificationError, InvalidHashError):
        return False


def _shown(name: str) -> str:
    """A name typed into the form, fit for the trail (it may be anything)."""
    return name[:64] if NAME_RULE.fullmatch(name or "") else f"(unknown name {name[:64]!r})"


def session_expired(started: datetime) -> bool:
    return _now() - started >= timedelta(hours=SESSION_HOURS)
