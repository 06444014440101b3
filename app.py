"""Entry point: `streamlit run app.py`. Sets up the page and the navigation between pages."""

import streamlit as st

st.set_page_config(page_title="KP Digital Inclusion Dashboard", page_icon="📶", layout="wide")
navigation = st.navigation(
    [
        st.Page("pages/0_Home.py", title="Home", icon=":material/home:", default=True),
        st.Page("pages/1_Map.py", title="Map", icon=":material/map:", url_path="Map"),
        st.Page(
            "pages/4_Uptake.py",
            title="Uptake vs access",
            icon=":material/scatter_plot:",
            url_path="Uptake",
        ),
        st.Page(
            "pages/5_Groups.py",
            title="Excluded groups",
            icon=":material/groups:",
            url_path="Groups",
        ),
        st.Page(
            "pages/8_Planning.py",
            title="Connectivity planning",
            icon=":material/cell_tower:",
            url_path="Planning",
        ),
        st.Page(
            "pages/7_Profile.py",
            title="District profile",
            icon=":material/location_city:",
            url_path="Profile",
        ),
        st.Page(
            "pages/6_Trends.py",
            title="Trends & targets",
            icon=":material/trending_up:",
            url_path="Trends",
        ),
        st.Page("pages/2_Data.py", title="Data", icon=":material/upload_file:", url_path="Data"),
        st.Page(
            "pages/3_Quality.py",
            title="Data quality",
            icon=":material/fact_check:",
            url_path="Quality",
        ),
        st.Page(
            "pages/9_Sources.py",
            title="Sources & definitions",
            icon=":material/menu_book:",
            url_path="Sources",
        ),
    ]
)
navigation.run()
