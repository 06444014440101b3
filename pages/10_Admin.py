"""Administration: the users who may log in (add, remove, reset a password) and the audit trail.
For administrators only."""

from datetime import date, timedelta

import streamlit as st

from kp_dash.store import accounts
from kp_dash.views import admin_page, auth, language, language_ui, ui
from kp_dash.views.language import N_

admin = ui.enter("Admin")
lang, t = language_ui.current(), language_ui.t
ui.title("Administration")
if flash := st.session_state.pop("admin_flash", None):
    st.success(flash)


def report(done: admin_page.Done) -> None:
    """A success is shown after the rerun that redraws the users; a refusal at once."""
    if done.ok:
        st.session_state["admin_flash"] = done.message
        st.rerun()
    st.error(done.message)


st.subheader(t(N_("Users")))
people = accounts.users()
if people:
    st.dataframe(admin_page.users_table(people, lang), hide_index=True, key="admin_users")
else:
    st.caption(t(auth.OPEN_MODE_NOTE))

register = ui.province_register()
names = {
    code: language.name("district", code, name, lang)
    for code, name in zip(register["district_code"], register["district_name"], strict=True)
}
with st.form("admin_add", clear_on_submit=True):
    st.markdown("**" + t(N_("Add a user")) + "**")
    left, middle = st.columns(2)
    name = left.text_input(t(N_("User name")), max_chars=64)
    role = middle.selectbox(
        t(N_("Role")), accounts.ROLES, format_func=lambda r: admin_page.role_label(r, lang)
    )
    chosen = st.multiselect(
        t(N_("Districts (none: the whole province)")),
        list(names),
        format_func=lambda c: f"{names[c]} ({c})",
    )
    first, second = st.columns(2)
    password = first.text_input(t(N_("Password")), type="password", max_chars=256)
    again = second.text_input(t(N_("Password again")), type="password", max_chars=256)
    if st.form_submit_button(t(N_("Add user"))):
        report(admin_page.add(name, role, chosen, (password, again), admin.name, lang))

if people:
    others = [u.name for u in people]
    choose = {"index": None, "placeholder": t(N_("Choose a user"))}
    left, right = st.columns(2)
    with left.form("admin_remove"):
        gone = st.selectbox(t(N_("Remove a user")), others, **choose)
        sure = st.checkbox(t(N_("Yes, remove this user")))
        if st.form_submit_button(t(N_("Remove"))) and gone and sure:
            report(admin_page.remove(gone, admin.name, lang))
    with right.form("admin_passwd", clear_on_submit=True):
        whom = st.selectbox(t(N_("Set a password")), others, **choose)
        new = st.text_input(t(N_("New password")), type="password", max_chars=256)
        if st.form_submit_button(t(N_("Set password"))) and whom:
            report(admin_page.set_password(whom, new, admin.name, lang))

st.subheader(t(N_("Audit trail")))
since = st.date_input(t(N_("From")), date.today() - timedelta(days=30), key="admin_since")
trail = admin_page.trail(since, lang)
count, day = language.number(len(trail), lang), f"{since:%Y-%m-%d}"
st.caption(
    language.say(
        N_("{count} entries from {day}, newest first (times in UTC)."), lang, count=count, day=day
    )
)
st.dataframe(trail, hide_index=True, key="admin_audit")
ui.download_table(admin, admin_page.trail(since), "audit_trail", "admin_audit_download")
