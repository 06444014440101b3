"""Entry point: `streamlit run app.py`. Run for each session, it sets up the page and the
navigation between pages; imported by the server (`streamlit run` finds `app`), it adds the
server's own routes (`kp_dash.views.routes`: the session cookie) to Streamlit's.

The navigation lists the pages the session's user may open; the others stay registered but
hidden, so their address still reaches the page, which refuses it. Before login it shows none.
"""

import streamlit as st

from kp_dash.views import auth, language_ui, page_registry, routes
from kp_dash.views.language import N_

APP_TITLE = N_("KP Digital Inclusion Dashboard")


def dashboard() -> None:
    st.set_page_config(page_title=language_ui.t(APP_TITLE), page_icon="📶", layout="wide")
    user = auth.user_of_run()

    def page(entry: page_registry.PageEntry) -> st.Page:
        visibility = "visible" if auth.allowed(entry.name, user) else "hidden"
        title = language_ui.t(entry.title)
        options = {"title": title, "icon": entry.icon, "visibility": visibility}
        if entry.address:
            return st.Page(entry.script, url_path=entry.address, **options)
        return st.Page(entry.script, default=True, **options)

    navigation = st.navigation(
        [page(entry) for entry in page_registry.PAGES], position="sidebar" if user else "hidden"
    )
    navigation.run()


if __name__ == "__main__":  # each session's run of the script
    dashboard()
else:  # the server's import, once
    app = st.App(__file__, routes=routes.ROUTES)
