"""Entry point: `streamlit run app.py`. Run for each session, it sets up the page and the
navigation between pages; imported by the server (`streamlit run` finds `app`), it adds the
server's own routes (`kp_dash.views.routes`: the session cookie) to Streamlit's.

The navigation lists the pages the session's user may open; the others stay registered but
hidden, so their address still reaches the page, which refuses it. Before login it shows none.
"""

import streamlit as st

from kp_dash.views import auth, routes


def dashboard() -> None:
    st.set_page_config(page_title="KP Digital Inclusion Dashboard", page_icon="📶", layout="wide")
    user = auth.session_user()

    def page(script: str, title: str, icon: str, url_path: str | None = None) -> st.Page:
        shown = auth.allowed(url_path or "Home", user)
        visibility = "visible" if shown else "hidden"
        if url_path is None:
            return st.Page(script, title=title, icon=icon, default=True, visibility=visibility)
        return st.Page(script, title=title, icon=icon, url_path=url_path, visibility=visibility)

    navigation = st.navigation(
        [
            page("pages/0_Home.py", "Home", ":material/home:"),
            page("pages/1_Map.py", "Map", ":material/map:", "Map"),
            page("pages/4_Uptake.py", "Uptake vs access", ":material/scatter_plot:", "Uptake"),
            page("pages/5_Groups.py", "Excluded groups", ":material/groups:", "Groups"),
            page(
                "pages/8_Planning.py", "Connectivity planning", ":material/cell_tower:", "Planning"
            ),
            page("pages/7_Profile.py", "District profile", ":material/location_city:", "Profile"),
            page("pages/6_Trends.py", "Trends & targets", ":material/trending_up:", "Trends"),
            page("pages/2_Data.py", "Data", ":material/upload_file:", "Data"),
            page("pages/3_Quality.py", "Data quality", ":material/fact_check:", "Quality"),
            page("pages/9_Sources.py", "Sources & definitions", ":material/menu_book:", "Sources"),
            page("pages/10_Admin.py", "Administration", ":material/admin_panel_settings:", "Admin"),
        ],
        position="sidebar" if user else "hidden",
    )
    navigation.run()


if __name__ == "__main__":  # each session's run of the script
    dashboard()
else:  # the server's import, once
    app = st.App(__file__, routes=routes.ROUTES)
