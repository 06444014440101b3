"""What the Administration page shows and does: the users as a table, and adding, removing and
setting passwords with the reason of any refusal (the page only draws the forms)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kp_dash.store import accounts, audit
from kp_dash.views import language
from kp_dash.views.language import N_

AUDIT_COLUMNS = ["at", "who", "event", "what", "address"]
# the trail's entries are kept as written (English); in Urdu its headers are read in Urdu
AUDIT_HEADERS = {
    "at": N_("At (UTC)"),
    "who": N_("Who"),
    "event": N_("Event"),
    "what": N_("What"),
    "address": N_("Address"),
}
ONLY_ADMIN = N_("You are the only administrator: add another before removing yourself.")


@dataclass(frozen=True)
class Done:
    """What an action came to: `ok` and the message the page shows (success or error)."""

    ok: bool
    message: str


def role_label(role: str, lang: str = language.DEFAULT) -> str:
    return language.text(accounts.ROLE_LABELS[role], lang)


def account_label(user: accounts.User, lang: str = language.DEFAULT) -> str:
    """`accounts.User.label` in `lang`: name · role · districts (or the province)."""
    where = ", ".join(user.districts) or language.text(N_("province"), lang)
    return f"{user.name} · {role_label(user.role, lang)} · {where}"


def users_table(people: list[accounts.User], lang: str = language.DEFAULT) -> pd.DataFrame:
    def say(message: str) -> str:
        return language.text(message, lang)

    return pd.DataFrame(
        [
            {
                say(N_("User")): u.name,
                say(N_("Role")): role_label(u.role, lang),
                say(N_("Districts")): ", ".join(u.districts) or say(N_("Whole province")),
                say(N_("Locked until (UTC)")): str(accounts.locked_until(u.name) or "")[:16],
            }
            for u in people
        ]
    )


def _refused(error: accounts.AccountError, lang: str) -> Done:
    return Done(False, language.say(error.wording, lang, **error.values))


def add(
    name: str,
    role: str,
    districts: list[str],
    passwords: tuple[str, str],
    by: str,
    lang: str = language.DEFAULT,
) -> Done:
    """Add a user from the form (the password typed twice)."""
    password, again = passwords
    if password != again:
        return Done(False, language.text(N_("The two passwords differ."), lang))
    try:
        added = accounts.add_user(name.strip(), role, password, districts, by=by)
    except accounts.AccountError as error:
        return _refused(error, lang)
    said = account_label(added, lang)
    return Done(True, language.say(N_("Added {account}."), lang, account=said))


def remove(name: str, by: str, lang: str = language.DEFAULT) -> Done:
    """Remove a user, unless it would leave no administrator."""
    admins = [u.name for u in accounts.users() if u.role == "admin"]
    if admins == [name]:
        return Done(False, language.text(ONLY_ADMIN, lang))
    try:
        accounts.remove_user(name, by=by)
    except accounts.AccountError as error:
        return _refused(error, lang)
    return Done(True, language.say(N_("Removed {name}."), lang, name=name))


def set_password(name: str, password: str, by: str, lang: str = language.DEFAULT) -> Done:
    try:
        accounts.set_password(name, password, by=by)
    except accounts.AccountError as error:
        return _refused(error, lang)
    said = N_("Set the password of {name} (any lock lifted).")
    return Done(True, language.say(said, lang, name=name))


def trail(since, lang: str = language.DEFAULT) -> pd.DataFrame:
    """The audit trail from `since`, newest first, under its own field names (in Urdu, headers
    in Urdu; the entries as recorded)."""
    entries = audit.entries(since)
    frame = pd.DataFrame([e.__dict__ for e in reversed(entries)], columns=AUDIT_COLUMNS)
    if lang == language.DEFAULT:
        return frame
    return frame.rename(columns=lambda c: language.text(AUDIT_HEADERS[c], lang))
