"""Map: any registered metric for the chosen service and period as a district choropleth."""

import streamlit as st

from kp_dash.numbers import summaries
from kp_dash.views import cached, decks, disclosure, language, language_ui, map_tables, maps, ui
from kp_dash.views.language import N_

page = ui.start_page("District map", "Map")
t = language_ui.t
selection = page.selection
sources = ui.page_sources(page)

left, right = st.columns([3, 1])
with left:
    metric = ui.metric_picker(key="map_metric")
with right:
    views = {"plotly": t(N_("Map")), "pydeck": t(N_("Map with proportional symbols"))}
    view = st.radio(
        t(N_("View")), list(views), format_func=views.get, horizontal=True, key="map_view"
    )

frame = cached.metric_frame(page, metric.code, ("district",), *selection.period)
values = summaries.map_values(frame, cached.register(page))
layer = ui.current_layer()
st.caption(f"{metric.label} · {selection.service_label} · {selection.period_label}")
if frame.empty:
    st.info(
        t(N_("No data for this metric, service and period: every district is shown as *No data*."))
    )
options = {
    "label": metric.label,
    "unit": metric.unit,
    "higher_is_better": metric.higher_is_better,
    "outside": page.outside,
    "breaks": cached.map_breaks(page, metric.code, *selection.period),  # the province's classes
}
if view == "plotly":
    drawn = ("map", page.stamp, metric.code, selection.period, cached.layer_key(layer))
    lang = language_ui.current()
    figure = ui.figure(
        page, drawn, lambda: maps.choropleth_figure(layer, values, **options, lang=lang)
    )
    event = st.plotly_chart(figure, key="map_plotly", on_select="rerun", selection_mode="points")
    ui.open_profile_on_click(event, values["district_code"])
else:
    deck = decks.choropleth_deck(layer, values, **options)
    st.pydeck_chart(deck, key="map_deck")
ui.map_caption(layer, sources)
shown = {k: v for k, v in options.items() if k != "label"}
table = map_tables.choropleth_table(layer, values, **shown, lang=language_ui.current())
ui.map_as_table(table, "map_as_table")
exported = disclosure.with_counts(values, frame, metric)
ui.download_table(page.viewer, exported, f"map_{metric.code}", "map_table")
ui.download_geojson(page.viewer, layer, exported, f"map_{metric.code}", "map")
map_note = N_("{formula}. Hatched grey: no data, never zero. Click a district to open it.")
st.caption(language.say(map_note, language_ui.current(), formula=metric.formula))
ui.source_caption(frame, sources)
ui.draw_sources(sources)
