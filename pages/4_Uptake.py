"""Uptake vs access: is low uptake explained by low access? Scatter with the fitted line, the
bivariate map and the districts ranked by the gap; a district picked anywhere is highlighted."""

import streamlit as st

from kp_dash.views import bivariate, cached, disclosure, language_ui, map_tables, ui
from kp_dash.views import uptake_access as ua

page = ui.start_page("Uptake vs access", "Uptake")
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
    "District to highlight",
    [None, *names],
    key="ua_district",
    format_func=lambda code: "(none)" if code is None else names[code],
    help="Or click a district on the chart or the map.",
)

if ua.plotted(frame).any():
    drawn = ("scatter", page.stamp, selection.period, chosen)
    scatter = ui.figure(page, drawn, lambda: ua.uptake_access_scatter(frame, fit, chosen))
    st.plotly_chart(scatter, on_select="rerun", selection_mode="points", key="ua_scatter")
    st.caption(f"{ua.left_out_sentence(frame)} {ua.model_sentence(frame, fit)}".strip())
else:
    st.info(ua.no_scatter_message(frame))

classed, terciles = view.classed, view.terciles
layer = ui.current_layer()
map_column, legend_column = st.columns([3, 1])
with map_column:
    drawn = ("bivariate", page.stamp, selection.period, cached.layer_key(layer), chosen)
    bivariate_figure = ui.figure(
        page, drawn, lambda: bivariate.bivariate_map(layer, classed, terciles, chosen, page.outside)
    )
    st.plotly_chart(bivariate_figure, on_select="rerun", selection_mode="points", key="ua_map")
with legend_column:
    legend = ui.figure(
        page, ("legend", page.stamp, selection.period), lambda: bivariate.bivariate_legend(terciles)
    )
    st.plotly_chart(legend, key="ua_legend")
st.caption(terciles.sentence())
ui.map_caption(layer, sources)
table = map_tables.bivariate_table(layer, classed, language_ui.current(), page.outside)
ui.map_as_table(table, "ua_map_table")
mapped = disclosure.with_counts(ua.map_values(frame), frame)
ui.download_geojson(page.viewer, layer, mapped, "uptake_access_map", "ua_map")

st.subheader("Districts ranked by uptake gap")
table = ua.gap_table(frame, chosen)
st.dataframe(ua.highlight_row_style(table), hide_index=True, key="ua_table")
ui.download_table(
    page.viewer,
    disclosure.with_counts(ua.gap_export(frame), frame),
    "uptake_gap",
    "ua_table_download",
)
st.caption("Most under-served beyond what access explains first; *No data* is never zero.")

st.subheader("Four kinds of district")
for name, count, sentence in view.quadrants:
    st.markdown(f"**{name.capitalize()}** — {count} districts: {sentence}.")
st.caption(ua.access_note(frame, sources))
ui.source_caption(frame, sources)
ui.draw_sources(sources)
