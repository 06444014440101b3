"""Uptake vs access: is low uptake explained by low access? Scatter with the fitted line, the
bivariate map and the districts ranked by the gap; a district picked anywhere is highlighted."""

import streamlit as st

from kp_dash.views import bivariate, cached, disclosure, language, language_ui, map_tables, ui
from kp_dash.views import uptake_access as ua
from kp_dash.views import uptake_words as words
from kp_dash.views.language import N_

page = ui.start_page("Uptake vs access", "Uptake")
lang, t = language_ui.current(), language_ui.t
selection = page.selection
sources = ui.page_sources(page)
view = cached.uptake_view(page, *selection.period)  # line and classes from all 35 districts
frame, fit = view.districts, view.fit
names = ua.district_options(frame)


def _take_pick(chart_key: str) -> None:
    """A point newly selected on a chart becomes the district of the picker (before it is drawn);
    a selection already applied is not applied again, so the picker can move on."""
    event = st.session_state.get(chart_key)
    points = list(event["selection"]["points"]) if event else []
    picked = ua.picked_district(points, names)
    if picked and st.session_state.get(f"{chart_key}_applied") != picked:
        st.session_state["ua_district"] = picked
    st.session_state[f"{chart_key}_applied"] = picked


for chart_key in ("ua_scatter", "ua_map"):
    _take_pick(chart_key)
st.caption(f"{selection.service_label} · {selection.period_label}")
chosen = st.selectbox(
    t(N_("District to highlight")),
    [None, *names],
    key="ua_district",
    format_func=lambda code: (
        t(N_("(none)")) if code is None else language.name("district", code, names[code], lang)
    ),
    help=t(N_("Or click a district on the chart or the map.")),
)

if ua.plotted(frame).any():
    drawn = ("scatter", page.stamp, selection.period, chosen)
    scatter = ui.figure(page, drawn, lambda: ua.uptake_access_scatter(frame, fit, chosen, lang))
    st.plotly_chart(scatter, on_select="rerun", selection_mode="points", key="ua_scatter")
    model = words.model_sentence(frame, fit, lang)
    st.caption(f"{words.left_out_sentence(frame, lang)} {model}".strip())
else:
    st.info(words.no_scatter_message(frame, lang))

classed, terciles = view.classed, view.terciles
layer = ui.current_layer()
map_column, legend_column = st.columns([3, 1])
with map_column:
    drawn = ("bivariate", page.stamp, selection.period, cached.layer_key(layer), chosen)
    bivariate_figure = ui.figure(
        page,
        drawn,
        lambda: bivariate.bivariate_map(layer, classed, terciles, chosen, page.outside, lang),
    )
    st.plotly_chart(bivariate_figure, on_select="rerun", selection_mode="points", key="ua_map")
with legend_column:
    legend = ui.figure(
        page,
        ("legend", page.stamp, selection.period),
        lambda: bivariate.bivariate_legend(terciles, lang),
    )
    st.plotly_chart(legend, key="ua_legend")
st.caption(terciles.sentence(lang))
ui.map_caption(layer, sources)
table = map_tables.bivariate_table(layer, classed, language_ui.current(), page.outside)
ui.map_as_table(table, "ua_map_table")
mapped = disclosure.with_counts(ua.map_values(frame), frame)
ui.download_geojson(page.viewer, layer, mapped, "uptake_access_map", "ua_map")

st.subheader(t(N_("Districts ranked by uptake gap")))
st.dataframe(words.gap_table_shown(frame, chosen, lang), hide_index=True, key="ua_table")
ui.download_table(
    page.viewer,
    disclosure.with_counts(ua.gap_export(frame), frame),
    "uptake_gap",
    "ua_table_download",
)
st.caption(t(N_("Most under-served beyond what access explains first; *No data* is never zero.")))

st.subheader(t(N_("Four kinds of district")))
for line in words.quadrant_lines(view.quadrants, lang):
    st.markdown(line)
st.caption(words.access_note(frame, sources, lang))
ui.source_caption(frame, sources)
ui.draw_sources(sources)
