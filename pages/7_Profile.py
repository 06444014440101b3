"""District profile: one district against its division and the province — population and access,
each e-service with its trend and target, excluded groups, rankings and data completeness.
`?district=PK502` opens a district, so a copied link reproduces the profile."""

import streamlit as st

from kp_dash.numbers import profile
from kp_dash.views import (
    cached,
    inequality_view,
    language_ui,
    map_tables,
    maps,
    profile_tables,
    trends_view,
    ui,
)

page = ui.start_page("District profile", "Profile")
selection = page.selection
sources = ui.page_sources(page)
period = (selection.month_from, selection.month_to)
register = cached.register(page)  # the viewer's districts
names = profile.district_options(ui.province_register())
mine = profile.district_options(register)

asked = st.query_params.get(profile.URL_PARAM)
from_url = profile.district_from_param(asked, names)
if asked and from_url is None:
    st.warning(f"No district '{ui.plain(asked[:80])}' in the register: choose one below.")
elif from_url is not None and from_url not in mine:
    st.error(
        f"{names[from_url]} is not one of your districts: its profile is not shown. "
        "Choose one of yours below."
    )
    from_url = None
# the URL gives the first choice; after that the widget keeps its own and writes it back
if "profile_district" not in st.session_state:
    st.session_state["profile_district"] = from_url or next(iter(mine))
code = st.selectbox("District", list(mine), key="profile_district", format_func=mine.get)
ui.keep_in_url(profile.URL_PARAM, code)
st.subheader(profile_tables.district_heading(register, code))
layer = ui.current_layer()
drawn = ("locator", page.stamp, cached.layer_key(layer), code)
locator = ui.figure(page, drawn, lambda: maps.locator_figure(layer, register, code, page.outside))
st.plotly_chart(locator, key="profile_map")
ui.map_caption(layer, sources)
table = map_tables.locator_table(register, code, language_ui.current())
ui.map_as_table(table, "profile_map_table")

st.subheader("Population and access")
figures = cached.profile_part(page, "figures", code)
shown = cached.profile_figures_display(page, code)
st.dataframe(shown, hide_index=True, key="profile_figures")
st.caption(f"{profile_tables.FIGURES_NOTE} {sources.cite(figures)}")
ui.download_table(page.viewer, figures, f"profile_{code}_figures", "profile_figures_download")

st.subheader(f"E-services — {selection.period_label}")
services = cached.profile_part(page, "services", code, *period)
sparkline = st.column_config.LineChartColumn("Last 12 months", help="Uptake per 1,000, monthly")
st.dataframe(
    profile_tables.service_display(services),
    hide_index=True,
    key="profile_services",
    column_config={"Last 12 months": sparkline},
)
st.caption(
    f"{profile_tables.SERVICES_NOTE} {trends_view.thresholds_caption()} {sources.cite(services)}"
)
exported = profile_tables.for_export(services)
ui.download_table(page.viewer, exported, f"profile_{code}_services", "profile_services_dl")

st.subheader(f"Excluded groups — {selection.service_label}")
group_row = cached.profile_part(page, "groups", code, *period, selection.service)
st.dataframe(profile_tables.groups_display(group_row), hide_index=True, key="profile_groups")
cited = cached.group_part(page, "matrix_sources", selection.service, *period)
st.caption(f"{profile_tables.GROUPS_NOTE} {sources.cite(cited)}")
within = cached.profile_part(page, "inequality", code, *period, selection.service)
st.markdown("**Inequality within the district**")
st.dataframe(inequality_view.summary_display(within), hide_index=True, key="profile_inequality")
st.caption(f"{inequality_view.CAPTION} {sources.cite(within)}")
exported = inequality_view.for_export(within)
ui.download_table(page.viewer, exported, f"profile_{code}_inequality", "profile_inequality_dl")

st.subheader(f"Place among the 35 districts — {selection.service_label}")
ranks = cached.profile_part(page, "rankings", code, *period, selection.service)
st.dataframe(profile_tables.rankings_display(ranks), hide_index=True, key="profile_rankings")
st.caption(f"{profile_tables.RANKINGS_NOTE} {sources.cite(ranks)}")
ui.download_table(page.viewer, ranks, f"profile_{code}_rankings", "profile_rankings_download")

st.subheader("Data completeness")
completeness = cached.profile_part(page, "completeness", code, *period, selection.service)
st.markdown(profile_tables.completeness_sentence(completeness))
st.caption(f"Months × services expected from every district · {selection.period_label}")

ui.download_briefing(page, "profile_brief", district=code)
ui.draw_sources(sources)
