"""Administration: the users who may log in (add, remove, reset a password) and the audit trail.
For administrators only."""

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from kp_dash.store import accounts, audit
from kp_dash.views import auth, cached, ui

admin = ui.enter("Admin")
address = auth.address()
st.title("Administration")
if flash := st.session_state.pop("admin_flash", None):
    st.success(flash)

st.subheader("Users")
people = accounts.users()
if not people:
    st.caption(auth.OPEN_MODE_NOTE)
else:
    rows = [
        {
            "User": u.name,
            "Role": accounts.ROLE_LABELS[u.role],
            "Districts": ", ".join(u.districts) or "Whole province",
            "Locked until (UTC)": str(accounts.locked_until(u.name) or "")[:16],
        }
        for u in people
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="admin_users")

register = cached.register(cached.stamp()) if cached.stamp() else None
district_names = (
    dict(zip(register["district_code"], register["district_name"], strict=True))
    if register is not None
    else {}
)
with st.form("admin_add", clear_on_submit=True):
    st.markdown("**Add a user**")
    left, middle = st.columns(2)
    name = left.text_input("User name", max_chars=64)
    role = middle.selectbox("Role", accounts.ROLES, format_func=accounts.ROLE_LABELS.get)
    chosen = st.multiselect(
        "Districts (none: the whole province)",
        list(district_names),
        format_func=lambda c: f"{district_names[c]} ({c})",
    )
    first, second = st.columns(2)
    password = first.text_input("Password", type="password", max_chars=256)
    again = second.text_input("Password again", type="password", max_chars=256)
    if st.form_submit_button("Add user"):
        try:
            if password != again:
                raise accounts.AccountError("the two passwords differ")
            added = accounts.add_user(name.strip(), role, password, chosen, by=admin.name)
            st.session_state["admin_flash"] = f"Added {added.label}."
            st.rerun()
        except accounts.AccountError as error:
            st.error(str(error))

if people:
    others = [u.name for u in people]
    left, right = st.columns(2)
    with left.form("admin_remove"):
        gone = st.selectbox("Remove a user", others, index=None, placeholder="Choose a user")
        sure = st.checkbox("Yes, remove this user")
        if st.form_submit_button("Remove") and gone and sure:
            if gone == admin.name and sum(u.role == "admin" for u in people) == 1:
                st.error("You are the only administrator: add another before removing yourself.")
            else:
                accounts.remove_user(gone, by=admin.name)
                st.session_state["admin_flash"] = f"Removed {gone}."
                st.rerun()
    with right.form("admin_passwd", clear_on_submit=True):
        whom = st.selectbox("Set a password", others, index=None, placeholder="Choose a user")
        new = st.text_input("New password", type="password", max_chars=256)
        if st.form_submit_button("Set password") and whom:
            try:
                accounts.set_password(whom, new, by=admin.name)
                st.session_state["admin_flash"] = f"Set the password of {whom} (any lock lifted)."
                st.rerun()
            except accounts.AccountError as error:
                st.error(str(error))

st.subheader("Audit trail")
since = st.date_input("From", date.today() - timedelta(days=30), key="admin_since")
entries = audit.entries(since)
trail = pd.DataFrame(
    [e.__dict__ for e in reversed(entries)], columns=["at", "who", "event", "what", "address"]
)
st.caption(f"{len(trail):,} entries from {since:%Y-%m-%d}, newest first (times in UTC).")
st.dataframe(trail, hide_index=True, key="admin_audit")
ui.download_table(trail, "audit_trail", "admin_audit_download")
