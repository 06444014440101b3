"""Who is looking: open mode, the login form, the session's user and what their role may do.

*Open mode* (no user exists): everyone is the machine's own user with every right, and only
this machine may connect. *Login mode*: nothing but the login form until someone logs in with a
local account (`kp_dash.store.accounts`) or through single sign-on (`kp_dash.views.sso`); the
session ends after eight hours or on *Log out*. The user's record is read again on every run, so
removing a user or changing their role takes effect at their next click.
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from kp_dash.store import accounts, audit, batches, network
from kp_dash.views import markdown, sso

USER_KEY = "auth_user_name"
STARTED_KEY = "auth_started"
SSO_SEEN_KEY = "auth_sso_seen"
ENDED_KEY = "auth_ended"
SESSION_ENDED = {
    "session ended": f"Your session ended after {accounts.SESSION_HOURS} hours: log in again.",
    "user removed": "Your account was removed: ask an administrator.",
}
# each page that is not for every role, and the least role that may open it
PAGE_ROLES = {"Data": "data_manager", "Admin": "admin"}
ROLE_PURPOSE = {"data_manager": "data managers and administrators", "admin": "administrators"}
OPEN_MODE_NOTE = (
    "Open mode: no user account exists, so there is no login and this app serves this computer "
    "only (127.0.0.1). To let colleagues in, add the first user: "
    "`python -m kp_dash users add NAME --role admin`, then `make run HOST=0.0.0.0`."
)


def address() -> str | None:
    """The visitor's address, for the audit trail and the open-mode check (None: this
    machine): the connection's own, or whom a trusted proxy names (`kp_dash.store.network`)."""
    try:
        peer = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For")
    except Exception:  # outside a session (e.g. a bare script run) there is no connection
        return None
    if not isinstance(peer, str):  # a test harness has no real connection
        return None
    try:
        return network.visitor(peer, forwarded)
    except ValueError:  # a broken KP_DASH_TRUSTED_PROXIES trusts nobody (`serve` names it)
        return peer


def _from_this_machine() -> bool:
    where = address()
    return where is None or network.is_local(where)


def session_user() -> accounts.User | None:
    """The user of this session, or None when login is required and nobody is logged in."""
    if not accounts.login_mode():
        return accounts.User(batches.user(), "admin", (), via="open")
    if sso.configured() and (user := sso.current_user()):
        if st.session_state.get(SSO_SEEN_KEY) != user.name:  # once per session, not per click
            st.session_state[SSO_SEEN_KEY] = user.name
            audit.record("login", user.name, "single sign-on", address())
        return user
    name = st.session_state.get(USER_KEY)
    if name is None:
        return None
    started = st.session_state.get(STARTED_KEY)
    user = accounts.find(name)
    if user is None or started is None or accounts.session_expired(started):
        _end_session("session ended" if user else "user removed")
        return None
    return user


def may_download() -> bool:
    user = session_user()
    return user is not None and user.may("analyst")


def allowed(page: str, user: accounts.User | None) -> bool:
    return user is not None and user.may(PAGE_ROLES.get(page, "viewer"))


def require(page: str) -> accounts.User:
    """The session's user when they may open `page`; otherwise the login form or a refusal,
    and the page stops there (so a page shows nothing of its own to anyone else)."""
    if not accounts.login_mode() and not _from_this_machine():
        st.error("This app is in open mode and serves only the computer it runs on.")
        st.stop()
    user = session_user()
    if user is None:
        login_form()
        st.stop()
    sidebar_account(user)
    if not allowed(page, user):
        audit.record("refused", user.name, f"page {page}", address())
        role = PAGE_ROLES[page]
        st.error(
            f"The {page} page is for {ROLE_PURPOSE[role]}; you are logged in as "
            f"{user.name} ({accounts.ROLE_LABELS[user.role]})."
        )
        st.stop()
    return user


def login_form() -> None:
    st.title("KP Digital Inclusion Dashboard")
    st.caption("Log in to see the dashboard.")
    if ended := st.session_state.pop(ENDED_KEY, None):
        st.info(ended)
    with st.form("login", clear_on_submit=True):
        name = st.text_input("Username", max_chars=64)
        password = st.text_input("Password", type="password", max_chars=256)
        submitted = st.form_submit_button("Log in", type="primary")
    if submitted:
        outcome = accounts.log_in(name.strip(), password, address())
        if outcome.user is not None:
            st.session_state[USER_KEY] = outcome.user.name
            st.session_state[STARTED_KEY] = datetime.now(UTC)
            st.rerun()
        st.error(outcome.message)
    if sso.configured():
        sso.login_button()
        if message := sso.refusal():
            if st.session_state.get(SSO_SEEN_KEY) != message:
                st.session_state[SSO_SEEN_KEY] = message
                audit.record("login_failed", "(single sign-on)", message, address())
            st.error(message)


def sidebar_account(user: accounts.User) -> None:
    if user.via == "open":
        st.sidebar.caption(OPEN_MODE_NOTE)
        return
    st.sidebar.caption(f"Logged in: {markdown.inert(user.label)}")
    if st.sidebar.button("Log out", key="auth_logout"):
        audit.record("logout", user.name, user.via, address())
        if user.via == "sso":
            sso.logout()
        _end_session(None)
        st.rerun()


def _end_session(reason: str | None) -> None:
    name = st.session_state.pop(USER_KEY, None)
    st.session_state.pop(STARTED_KEY, None)
    if reason and name:
        audit.record("logout", name, reason, address())
        st.session_state[ENDED_KEY] = SESSION_ENDED.get(reason, "")
