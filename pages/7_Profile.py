"""District profile: one district against its division and the province — population and access,
each e-service with its trend and target, excluded groups, rankings and data completeness.
`?district=PK502` opens a district, so a copied link reproduces the profile."""

import streamlit as st

from kp_dash.numbers import profile
from kp_dash.views import (
    cached,
    inequality_view,
    language,
    language_ui,
    map_tables,
    maps,
    profile_tables,
    trends_view,
    ui,
)
from kp_dash.views.language import N_

page = ui.start_page("District profile", "Profile")
lang, t = language_ui.current(), language_ui.t
selection = page.selection
sources = ui.page_sources(page)
period = (selection.month_from, selection.month_to)
register = cached.register(page)  # the viewer's districts
names = profile.district_options(ui.province_register())
mine = profile.district_options(register)

asked = st.query_params.get(profile.URL_PARAM)
from_url = profile.district_from_param(asked, names)
if asked and from_url is None:
    unknown = N_("No district '{asked}' in the register: choose one below.")
    st.warning(language.say(unknown, lang, asked=ui.plain(asked[:80])))
elif from_url is not None and from_url not in mine:
    not_yours = N_(
        "{district} is not one of your districts: its profile is not shown. "
        "Choose one of yours below."
    )
    district = language.name("district", from_url, names[from_url], lang)
    st.error(language.say(not_yours, lang, district=district))
    from_url = None
# the URL gives the first choice; after that the widget keeps its own and writes it back
if "profile_district" not in st.session_state:
    st.session_state["profile_district"] = from_url or next(iter(mine))
code = st.selectbox(
    t(N_("District")),
    list(mine),
    key="profile_district",
    format_func=lambda c: language.name("district", c, mine[c], lang),
)
ui.keep_in_url(profile.URL_PARAM, code)
st.subheader(profile_tables.district_heading(register, code, lang))
layer = ui.current_layer()
drawn = ("locator", page.stamp, cached.layer_key(layer), code)
locator = ui.figure(
    page, drawn, lambda: maps.locator_figure(layer, register, code, page.outside, lang)
)
st.plotly_chart(locator, key="profile_map")
ui.map_caption(layer, sources)
table = map_tables.locator_table(register, code, lang)
ui.map_as_table(table, "profile_map_table")

st.subheader(t(N_("Population and access")))
figures = cached.profile_part(page, "figures", code)
shown = cached.profile_figures_display(page, code, lang)
st.dataframe(shown, hide_index=True, key="profile_figures")
st.caption(f"{t(profile_tables.FIGURES_NOTE)} {sources.cite(figures)}")
ui.download_table(page.viewer, figures, f"profile_{code}_figures", "profile_figures_download")

st.subheader(language.say(N_("E-services — {period}"), lang, period=selection.period_label))
services = cached.profile_part(page, "services", code, *period)
last_months = t(profile_tables.SPARKLINE)
monthly = t(N_("Uptake per 1,000, monthly"))
sparkline = st.column_config.LineChartColumn(last_months, help=monthly)
st.dataframe(
    profile_tables.service_display(services, lang),
    hide_index=True,
    key="profile_services",
    column_config={last_months: sparkline},
)
notes = (t(profile_tables.SERVICES_NOTE), trends_view.thresholds_caption(lang=lang))
st.caption(f"{notes[0]} {notes[1]} {sources.cite(services)}")
exported = profile_tables.for_export(services)
ui.download_table(page.viewer, exported, f"profile_{code}_services", "profile_services_dl")

excluded = N_("Excluded groups — {service}")
st.subheader(language.say(excluded, lang, service=selection.service_label))
group_row = cached.profile_part(page, "groups", code, *period, selection.service)
groups_shown = profile_tables.groups_display(group_row, lang)
st.dataframe(groups_shown, hide_index=True, key="profile_groups")
cited = cached.group_part(page, "matrix_sources", selection.service, *period)
st.caption(f"{t(profile_tables.GROUPS_NOTE)} {sources.cite(cited)}")
within = cached.profile_part(page, "inequality", code, *period, selection.service)
st.markdown("**" + t(N_("Inequality within the district")) + "**")
inequality_shown = inequality_view.summary_display(within, lang)
st.dataframe(inequality_shown, hide_index=True, key="profile_inequality")
st.caption(f"{t(inequality_view.CAPTION)} {sources.cite(within)}")
exported = inequality_view.for_export(within)
ui.download_table(page.viewer, exported, f"profile_{code}_inequality", "profile_inequality_dl")

place = N_("Place among the 35 districts — {service}")
st.subheader(language.say(place, lang, service=selection.service_label))
ranks = cached.profile_part(page, "rankings", code, *period, selection.service)
ranks_shown = profile_tables.rankings_display(ranks, lang)
st.dataframe(ranks_shown, hide_index=True, key="profile_rankings")
st.caption(f"{t(profile_tables.RANKINGS_NOTE)} {sources.cite(ranks)}")
ui.download_table(page.viewer, ranks, f"profile_{code}_rankings", "profile_rankings_download")

st.subheader(t(N_("Data completeness")))
completeness = cached.profile_part(page, "completeness", code, *period, selection.service)
st.markdown(profile_tables.completeness_sentence(completeness, lang))
expected = N_("Months × services expected from every district · {period}")
st.caption(language.say(expected, lang, period=selection.period_label))

ui.download_briefing(page, "profile_brief", district=code)
ui.draw_sources(sources)
