"""What the Administration page shows and does: the users as a table, and adding, removing and
setting passwords with the reason of any refusal (the page only draws the forms)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kp_dash.store import accounts, audit

AUDIT_COLUMNS = ["at", "who", "event", "what", "address"]
ONLY_ADMIN = "You are the only administrator: add another before removing yourself."


@dataclass(frozen=True)
class Done:
    """What an action came to: `ok` and the message the page shows (success or error)."""

    ok: bool
    message: str


def users_table(people: list[accounts.User]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "User": u.name,
                "Role": accounts.ROLE_LABELS[u.role],
                "Districts": ", ".join(u.districts) or "Whole province",
                "Locked until (UTC)": str(accounts.locked_until(u.name) or "")[:16],
            }
            for u in people
        ]
    )


def add(name: str, role: str, districts: list[str], password: str, again: str, by: str) -> Done:
    if password != again:
        return Done(False, "The two passwords differ.")
    try:
        added = accounts.add_user(name.strip(), role, password, districts, by=by)
    except accounts.AccountError as error:
        return Done(False, str(error))
    return Done(True, f"Added {added.label}.")


def remove(name: str, by: str) -> Done:
    """Remove a user, unless it would leave no administrator."""
    admins = [u.name for u in accounts.users() if u.role == "admin"]
    if admins == [name]:
        return Done(False, ONLY_ADMIN)
    try:
        accounts.remove_user(name, by=by)
    except accounts.AccountError as error:
        return Done(False, str(error))
    return Done(True, f"Removed {name}.")


def set_password(name: str, password: str, by: str) -> Done:
    try:
        accounts.set_password(name, password, by=by)
    except accounts.AccountError as error:
        return Done(False, str(error))
    return Done(True, f"Set the password of {name} (any lock lifted).")


def trail(since) -> pd.DataFrame:
    """The audit trail from `since`, newest first."""
    entries = audit.entries(since)
    return pd.DataFrame([e.__dict__ for e in reversed(entries)], columns=AUDIT_COLUMNS)
