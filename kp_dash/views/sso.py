"""Single sign-on through Streamlit's OIDC login (`st.login`).

The identity provider is configured in the `[auth]` section of `.streamlit/secrets.toml` (or a
file given by `--secrets.files`): `redirect_uri`, `cookie_secret`, and the provider's
`client_id`, `client_secret` and `server_metadata_url`, either in `[auth]` itself or in one
named section such as `[auth.pmdu]`. Who the person is in the dashboard (name, role, districts)
comes from the claims the provider sends, through the mapping of `kp_dash.store.sso_map`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import NoReturn

import streamlit as st

from kp_dash.store import accounts, sso_map

LOGIN_LABEL = "Log in with single sign-on"
DEFAULT_PROVIDER = "default"
SHARED_KEYS = ("redirect_uri", "cookie_secret")
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
SESSION_ENDED = (
    "Your single sign-on session has ended after "
    f"{accounts.SESSION_HOURS} hours. Log in again to continue."
)
_LOGGER = logging.getLogger(__name__)


def _auth_section() -> Mapping | None:
    try:
        auth = st.secrets.get("auth")
    except FileNotFoundError:  # no secrets file, or one Streamlit cannot parse
        return None
    return auth if isinstance(auth, Mapping) else None


def _has(section: Mapping, keys: tuple[str, ...]) -> bool:
    return all(isinstance(section.get(key), str) and section.get(key) for key in keys)


def provider() -> str | None:
    """The provider `st.login` is given: "default" for keys in `[auth]` itself, else the first
    named section holding them; None when single sign-on is not configured completely (Streamlit
    refuses to log in without every one of these keys)."""
    auth = _auth_section()
    if auth is None or not _has(auth, SHARED_KEYS):
        return None
    if _has(auth, PROVIDER_KEYS):
        return DEFAULT_PROVIDER
    for name, section in auth.items():
        if isinstance(section, Mapping) and _has(section, PROVIDER_KEYS) and "_" not in name:
            return name
    return None


def configured() -> bool:
    return provider() is not None


def login_button() -> None:
    """The single sign-on button; nothing when single sign-on is not configured."""
    name = provider()
    if name and st.button(LOGIN_LABEL, key="sso_login", icon=":material/login:"):
        st.login(name)


def _claims() -> dict | None:
    """The logged-in person's claims, None when nobody is logged in through the provider."""
    info = st.user.to_dict()
    return dict(info) if info.get("is_logged_in") is True else None


def _outcome() -> tuple[accounts.User | None, str | None]:
    """(the user, None), or (None, why the person logged in at the provider has no access), or
    (None, None) when nobody is logged in through single sign-on."""
    if not configured() or (claims := _claims()) is None:
        return None, None
    started = sso_map.issued_at(claims)
    if started is None or accounts.session_expired(started):
        return None, SESSION_ENDED
    try:
        return sso_map.user_from_claims(claims, sso_map.load_mapping()), None
    except sso_map.SsoRefused as refused:
        return None, str(refused)
    except sso_map.SsoMapError as error:
        _LOGGER.error("single sign-on mapping: %s", error)
        return None, f"Single sign-on is not set up correctly ({error}). Ask your administrator."


def current_user() -> accounts.User | None:
    return _outcome()[0]


def refusal() -> str | None:
    """Why the person the provider logged in may not use the dashboard, or None."""
    return _outcome()[1]


def logout() -> NoReturn:
    """End the single sign-on session (and the provider's, when it offers that), and this run:
    the browser is on its way to the logout address, and a rerun would drop that redirect."""
    st.logout()
    st.stop()
