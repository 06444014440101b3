"""Single sign-on: from the claims an identity provider sends to a dashboard user.

The mapping is a TOML file, `KP_DASH_SSO_MAP`, else `KP_DASH_STATE/sso.toml`. Every key is
optional; without the file the defaults shown here apply:

    role_claim = "kp_role"            # the claim holding the role, or group names mapped below
    districts_claim = "kp_districts"  # the claim holding the user's districts
    missing_districts = "province"    # a user without districts: "province" or "refuse"

    [roles]                           # claim value -> role; when given, only these values count
    "pmdu-analysts" = "analyst"
    "kp-dash-admins" = "admin"

Role: the role claim holds one value or a list (a groups claim). Without `[roles]` a value must
be a role name itself (viewer, analyst, data_manager, admin); with `[roles]`, only the values
listed there count, so an unrelated group called "admin" grants nothing. Values are compared
ignoring case and surrounding spaces. When several values give roles, the highest one wins;
when none does, the user is refused.

Districts: a list of P-codes (`["PK502", "PK501"]`) or one string of P-codes separated by commas
or spaces (`"PK502, PK501"`). Every code must be one of KP's 35 districts, else the user is
refused: a typing error must not widen or silently narrow what someone sees. No claim, or an
empty one, means the whole province, unless `missing_districts = "refuse"`.

Claim names are used exactly as the provider sends them (`"https://kp.gov.pk/role"` for a
namespaced claim); a dotted name (`"realm_access.roles"`) also reaches into nested objects when
no claim carries the whole name.

Name: the first of `preferred_username`, `email` and `sub` that is a usable name (1-128
letters, digits and `. _ @ + -`, starting with a letter or digit).

Claims are whatever the provider sends: any value that is not what is expected is refused with
a message, and claim text in a message is reduced to plain characters.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from kp_dash.store import accounts, config, districts

DEFAULT_ROLE_CLAIM = "kp_role"
DEFAULT_DISTRICTS_CLAIM = "kp_districts"
MISSING_DISTRICTS = ("province", "refuse")
NAME_CLAIMS = ("preferred_username", "email", "sub")
SSO_NAME_RULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")
KEYS = {"role_claim", "districts_claim", "missing_districts", "roles"}
SHOWN_CHARS = 40
SHOWN_ITEMS = 5
_SEPARATORS = re.compile(r"[,\s]+")
# Claim text in messages: anything that could be read as markup or a link becomes '?'.
_NOT_PLAIN = re.compile(r"[^A-Za-z0-9 ._@+/-]")


class SsoRefused(Exception):
    """The provider logged someone in whom the mapping gives no access; the message says why."""


class SsoMapError(ValueError):
    """The mapping file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class ClaimMapping:
    role_claim: str = DEFAULT_ROLE_CLAIM
    districts_claim: str = DEFAULT_DISTRICTS_CLAIM
    missing_districts: str = "province"
    # casefolded claim value -> role; None: the claim holds role names
    roles: Mapping[str, str] | None = field(default=None)


# --- the mapping file ---------------------------------------------------------------------------


def mapping_path() -> Path:
    return Path(os.environ.get("KP_DASH_SSO_MAP") or config.state_dir() / "sso.toml")


def load_mapping(path: Path | None = None) -> ClaimMapping:
    """The mapping in `path` (default `mapping_path()`); the defaults when the default file does
    not exist. A file named explicitly (argument or `KP_DASH_SSO_MAP`) must exist."""
    explicit = path is not None or bool(os.environ.get("KP_DASH_SSO_MAP"))
    path = path or mapping_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if explicit:
            raise SsoMapError(f"{path}: the single sign-on mapping file does not exist") from None
        return ClaimMapping()
    except (OSError, UnicodeDecodeError) as error:
        raise SsoMapError(f"{path}: cannot be read ({error})") from None
    try:
        settings = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SsoMapError(f"{path}: not valid TOML ({error})") from None
    return mapping_from_settings(settings, str(path))


def mapping_from_settings(settings: Mapping[str, object], where: str = "sso.toml") -> ClaimMapping:
    if unknown := sorted(set(settings) - KEYS):
        raise SsoMapError(
            f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(KEYS))}"
        )
    missing = settings.get("missing_districts", "province")
    if missing not in MISSING_DISTRICTS:
        raise SsoMapError(f"{where}: missing_districts must be 'province' or 'refuse'")
    return ClaimMapping(
        role_claim=_claim_name(settings, "role_claim", DEFAULT_ROLE_CLAIM, where),
        districts_claim=_claim_name(settings, "districts_claim", DEFAULT_DISTRICTS_CLAIM, where),
        missing_districts=str(missing),
        roles=_role_table(settings.get("roles"), where),
    )


def _claim_name(settings: Mapping[str, object], key: str, default: str, where: str) -> str:
    value = settings.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise SsoMapError(f"{where}: {key} must be the name of a claim (text)")
    return value.strip()


def _role_table(table: object, where: str) -> dict[str, str] | None:
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise SsoMapError(f"{where}: [roles] must be a table of claim value = role")
    roles: dict[str, str] = {}
    for value, role in table.items():
        if role not in accounts.ROLES:
            raise SsoMapError(
                f"{where}: [roles] {value!r} = {role!r}: the role must be one of "
                f"{', '.join(accounts.ROLES)}"
            )
        key = _key(value)
        if roles.get(key, role) != role:
            raise SsoMapError(f"{where}: [roles] gives {value!r} two different roles")
        roles[key] = role
    return roles


# --- claims to a user ---------------------------------------------------------------------------


def user_from_claims(claims: Mapping, mapping: ClaimMapping) -> accounts.User:
    """The dashboard user these claims describe, or `SsoRefused` saying why there is none."""
    if not isinstance(claims, Mapping):
        raise SsoRefused("The identity provider sent no usable claims.")
    return accounts.User(
        name=user_name(claims),
        role=role_from_claims(claims, mapping),
        districts=districts_from_claims(claims, mapping),
        via="sso",
    )


def user_name(claims: Mapping) -> str:
    for claim in NAME_CLAIMS:
        value = claims.get(claim)
        if isinstance(value, str) and SSO_NAME_RULE.fullmatch(value.strip()):
            return value.strip()
    raise SsoRefused(
        "The identity provider sent no usable user name "
        f"({', '.join(NAME_CLAIMS)}: 1-128 letters, digits and . _ @ + -)."
    )


def role_from_claims(claims: Mapping, mapping: ClaimMapping) -> str:
    values = [v for v in _as_list(claim_value(claims, mapping.role_claim)) if isinstance(v, str)]
    if not values:
        raise SsoRefused(
            f"No dashboard role: the identity provider sent no {_shown(mapping.role_claim)!r} "
            "claim. Ask your administrator to grant access."
        )
    table = mapping.roles if mapping.roles is not None else {role: role for role in accounts.ROLES}
    granted = [table[_key(value)] for value in values if _key(value) in table]
    if not granted:
        raise SsoRefused(
            f"No dashboard role: {_listing(values)} in the {_shown(mapping.role_claim)!r} claim "
            "is not a role the dashboard knows. Ask your administrator to grant access."
        )
    return max(granted, key=accounts.ROLES.index)


def districts_from_claims(claims: Mapping, mapping: ClaimMapping) -> tuple[str, ...]:
    """P-codes in register order, each once; () for the whole province."""
    value = claim_value(claims, mapping.districts_claim)
    items = _SEPARATORS.split(value) if isinstance(value, str) else _as_list(value)
    if any(not isinstance(item, str) for item in items):
        raise SsoRefused(
            f"The {_shown(mapping.districts_claim)!r} claim must list district P-codes as text."
        )
    asked = {item.strip().upper() for item in items if item.strip()}
    if not asked:
        if mapping.missing_districts == "refuse":
            raise SsoRefused(
                f"No districts: the identity provider sent no {_shown(mapping.districts_claim)!r} "
                "claim, and this dashboard requires one. Ask your administrator."
            )
        return ()
    known = known_district_codes()
    if unknown := sorted(asked - set(known)):
        raise SsoRefused(
            f"{_listing(unknown)} in the {_shown(mapping.districts_claim)!r} claim: not a KP "
            "district P-code (PK501 Abbottabad … PK535). Ask your administrator to correct it."
        )
    return tuple(code for code in known if code in asked)


def issued_at(claims: Mapping) -> datetime | None:
    """When the identity token was issued (`iat`), or None when it does not say."""
    value = claims.get("iat") if isinstance(claims, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def claim_value(claims: Mapping, name: str) -> object:
    """The claim called `name`; else, for a dotted name, the nested value it leads to."""
    if name in claims:
        return claims[name]
    value: object = claims
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


@lru_cache(maxsize=1)
def known_district_codes() -> tuple[str, ...]:
    return tuple(districts.load_register()["district_code"])


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _key(value: object) -> str:
    return str(value).strip().casefold()


def _shown(value: object) -> str:
    """Claim text fit for a message: plain characters only, cut short."""
    text = _NOT_PLAIN.sub("?", " ".join(str(value).split()))
    return text if len(text) <= SHOWN_CHARS else f"{text[:SHOWN_CHARS]}…"


def _listing(values: list[str]) -> str:
    shown = [repr(_shown(value)) for value in values[:SHOWN_ITEMS]]
    more = len(values) - SHOWN_ITEMS
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")
