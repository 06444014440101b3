"""Who is looking: open mode, the login form, the session's user and what their role may do.

*Open mode* (no user exists): everyone is the machine's own user with every right, and only
this machine may connect. *Login mode*: nothing but the login form until someone logs in with a
local account (`kp_dash.store.accounts`) or through single sign-on (`kp_dash.views.sso`). A
password login is a session on the server (`kp_dash.store.sessions`) that the tab holds and the
browser's cookie brings back after a reload or in another tab (`kp_dash.views.routes` sets it);
it ends after eight hours, on *Log out* in any tab, or when the user is removed or their
password changes. The user's record is read again on every run, so removing a user or changing
their role takes effect at their next click.
"""

from __future__ import annotations

import streamlit as st

from kp_dash.store import accounts, audit, batches, network, sessions
from kp_dash.views import admin_page, language, language_ui, markdown, page_registry, routes, sso
from kp_dash.views.language import N_

SESSION_KEY = "auth_session"  # this tab's session id (server side only)
HANDOFF_KEY = "auth_handoff"  # a ticket for the browser's cookie, given on the next run
LEAVING_KEY = "auth_leaving"  # logged out: the browser's cookie is cleared on the next run
RUN_USER_KEY = "auth_run_user"  # the user app.py looked up, handed to this run's page
SSO_SEEN_KEY = "auth_sso_seen"
ENDED_KEY = "auth_ended"
SESSION_ENDED = {
    sessions.ENDED_AFTER_HOURS: N_("Your session ended after {hours} hours: log in again."),
    sessions.USER_REMOVED: N_("Your account was removed: ask an administrator."),
    sessions.PASSWORD_CHANGED: N_("Your password was changed: log in with the new one."),
    sessions.LOGGED_OUT: N_("You logged out (in this tab or another): log in again."),
}
ROLE_PURPOSE = {
    "data_manager": N_("data managers and administrators"),
    "admin": N_("administrators"),
}
OPEN_MODE_NOTE = N_(
    "Open mode: no user account exists, so there is no login and this app serves this computer "
    "only (127.0.0.1). To let colleagues in, add the first user: "
    "`python -m kp_dash users add NAME --role admin`, then `make run HOST=0.0.0.0`."
)


def t(message: str) -> str:
    return language_ui.t(message)


def say(message: str, **values: object) -> str:
    return language.say(message, language_ui.current(), **values)


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
            audit.record(audit.Login(who=user.name, via="single sign-on", address=address()))
        return user
    in_tab = st.session_state.get(SESSION_KEY)
    session_id = in_tab or _cookie()
    if session_id is None:
        return None
    found = sessions.find(session_id)
    if found.session is None:
        _session_over(session_id, found, in_tab is not None)
        return None
    st.session_state[SESSION_KEY] = session_id
    user = accounts.find(found.session.user)
    if user is None:  # removed since the look-up a moment ago
        return None
    return user


def _cookie() -> str | None:
    """The session id the browser sent (its cookie is HttpOnly: only the server reads it)."""
    try:
        value = st.context.cookies.get(sessions.COOKIE)
    except Exception:  # outside a session (a bare script run) there are no cookies
        return None
    return value if isinstance(value, str) and value else None


def _session_over(session_id: str, found: sessions.Lookup, in_tab: bool) -> None:
    """The session ended: say why on the login form; the first tab to find out ends it for
    every other (and records it), the others only say so."""
    st.session_state.pop(SESSION_KEY, None)
    if found.live_user is not None:
        sessions.end(session_id, found.ended)
        audit.record(audit.Logout(who=found.live_user, how=found.ended, address=address()))
    if found.ended and (in_tab or found.ended != sessions.LOGGED_OUT):
        st.session_state[ENDED_KEY] = SESSION_ENDED[found.ended]


def user_of_run() -> accounts.User | None:
    """The session's user, looked up once for this run: app.py looks them up for the navigation
    and hands them to the page it runs (`require` takes them)."""
    user = session_user()
    st.session_state[RUN_USER_KEY] = (user,)
    return user


def allowed(page: str, user: accounts.User | None) -> bool:
    return user is not None and user.may(page_registry.least_role(page))


def require(page: str) -> accounts.User:
    """The session's user when they may open `page`; otherwise the login form or a refusal,
    and the page stops there (so a page shows nothing of its own to anyone else)."""
    if not accounts.login_mode() and not _from_this_machine():
        st.error(t(N_("This app is in open mode and serves only the computer it runs on.")))
        st.stop()
    handed = st.session_state.pop(RUN_USER_KEY, None)
    user = handed[0] if handed else session_user()  # a page run on its own looks them up
    if user is None:
        login_form()
        st.stop()
    sidebar_account(user)
    hand_over()
    if not allowed(page, user):
        audit.record(audit.Refused(who=user.name, page=page, address=address()))
        role = page_registry.least_role(page)
        refusal = N_("The {page} page is for {who}; you are logged in as {name} ({role}).")
        st.error(
            say(
                refusal,
                page=t(page_registry.title(page)),
                who=t(ROLE_PURPOSE[role]),
                name=user.name,
                role=accounts.ROLE_LABELS[user.role],
            )
        )
        st.stop()
    return user


def login_form() -> None:
    st.title(t(N_("KP Digital Inclusion Dashboard")))
    st.caption(t(N_("Log in to see the dashboard.")))
    if ended := st.session_state.pop(ENDED_KEY, None):
        st.info(say(ended, hours=accounts.SESSION_HOURS))
    if st.session_state.pop(LEAVING_KEY, False):
        _go_to(routes.LOGOUT_PATH)
    with st.form("login", clear_on_submit=True):
        name = st.text_input(t(N_("Username")), max_chars=64)
        password = st.text_input(t(N_("Password")), type="password", max_chars=256)
        submitted = st.form_submit_button(t(N_("Log in")), type="primary")
    if submitted:
        outcome = accounts.log_in(name.strip(), password, address())
        if outcome.user is not None:
            session_id = sessions.start(outcome.user.name)  # a new id at every login
            st.session_state[SESSION_KEY] = session_id
            st.session_state[HANDOFF_KEY] = sessions.ticket(session_id)
            st.rerun()
        st.error(outcome.message)
    if sso.configured():
        sso.login_button()
        if message := sso.refusal():
            if st.session_state.get(SSO_SEEN_KEY) != message:
                st.session_state[SSO_SEEN_KEY] = message
                failed = audit.LoginFailed(
                    who="(single sign-on)", reason=message, address=address()
                )
                audit.record(failed)
            st.error(message)


def sidebar_account(user: accounts.User) -> None:
    if user.via == "open":
        st.sidebar.caption(t(OPEN_MODE_NOTE))
        return
    shown = admin_page.account_label(user, language_ui.current())
    st.sidebar.caption(say(N_("Logged in: {name}"), name=markdown.inert(shown)))
    if st.sidebar.button(t(N_("Log out")), key="auth_logout"):
        audit.record(audit.Logout(who=user.name, how=user.via, address=address()))
        if user.via == "sso":
            sso.logout()
        sessions.end(st.session_state.pop(SESSION_KEY, None))
        st.session_state[LEAVING_KEY] = True
        st.rerun()


def hand_over() -> None:
    """After a login, have the browser fetch its session cookie from the server's route, which
    brings it back to the page it is on (a deep link included)."""
    if ticket := st.session_state.pop(HANDOFF_KEY, None):
        _go_to(routes.SESSION_PATH, ticket)


def _go_to(path: str, ticket: str | None = None) -> None:
    """Send the browser to one of the server's own routes, which set or clear the cookie and
    come back to this page. Only fixed text and a ticket of URL-safe letters go into it."""
    query = f"ticket={ticket}&" if ticket else ""
    script = (
        "<script>(function(){var back=window.location.pathname+window.location.search;"
        f"window.location.replace('{path}?{query}next='+encodeURIComponent(back));}})();</script>"
    )
    st.html(script, unsafe_allow_javascript=True)
