"""Administration: the users who may log in (add, remove, reset a password) and the audit trail.
For administrators only."""

from datetime import date, timedelta

import streamlit as st

from kp_dash.store import accounts
from kp_dash.views import admin_page, auth, ui

admin = ui.enter("Admin")
ui.title("Administration")
if flash := st.session_state.pop("admin_flash", None):
    st.success(flash)


def report(done: admin_page.Done) -> None:
    """A success is shown after the rerun that redraws the users; a refusal at once."""
    if done.ok:
        st.session_state["admin_flash"] = done.message
        st.rerun()
    st.error(done.message)


st.subheader("Users")
people = accounts.users()
if people:
    st.dataframe(admin_page.users_table(people), hide_index=True, key="admin_users")
else:
    st.caption(auth.OPEN_MODE_NOTE)

register = ui.province_register()
names = dict(zip(register["district_code"], register["district_name"], strict=True))
with st.form("admin_add", clear_on_submit=True):
    st.markdown("**Add a user**")
    left, middle = st.columns(2)
    name = left.text_input("User name", max_chars=64)
    role = middle.selectbox("Role", accounts.ROLES, format_func=accounts.ROLE_LABELS.get)
    chosen = st.multiselect(
        "Districts (none: the whole province)",
        list(names),
        format_func=lambda c: f"{names[c]} ({c})",
    )
    first, second = st.columns(2)
    password = first.text_input("Password", type="password", max_chars=256)
    again = second.text_input("Password again", type="password", max_chars=256)
    if st.form_submit_button("Add user"):
        report(admin_page.add(name, role, chosen, password, again, admin.name))

if people:
    others = [u.name for u in people]
    left, right = st.columns(2)
    with left.form("admin_remove"):
        gone = st.selectbox("Remove a user", others, index=None, placeholder="Choose a user")
        sure = st.checkbox("Yes, remove this user")
        if st.form_submit_button("Remove") and gone and sure:
            report(admin_page.remove(gone, admin.name))
    with right.form("admin_passwd", clear_on_submit=True):
        whom = st.selectbox("Set a password", others, index=None, placeholder="Choose a user")
        new = st.text_input("New password", type="password", max_chars=256)
        if st.form_submit_button("Set password") and whom:
            report(admin_page.set_password(whom, new, admin.name))

st.subheader("Audit trail")
since = st.date_input("From", date.today() - timedelta(days=30), key="admin_since")
trail = admin_page.trail(since)
st.caption(f"{len(trail):,} entries from {since:%Y-%m-%d}, newest first (times in UTC).")
st.dataframe(trail, hide_index=True, key="admin_audit")
ui.download_table(admin, trail, "audit_trail", "admin_audit_download")
