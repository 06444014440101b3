"""Sources & definitions: every metric from the registry, every seed table's source and year, and
the map's boundary layer with its attribution and licence."""

import streamlit as st

from kp_dash.views import cached, catalogue, language, language_ui, ui
from kp_dash.views.language import N_

viewer = ui.enter("Sources")
lang, t = language_ui.current(), language_ui.t
ui.title("Sources & definitions")
st.caption(
    t(
        N_(
            "Rendered from the metric registry and the SQL the dashboard runs, so what you read "
            "here is what computes the figures."
        )
    )
)

st.subheader(t(N_("Metrics")))
definitions = catalogue.metric_definitions(lang)
st.dataframe(definitions, hide_index=True, key="sources_metrics")
ui.download_table(
    viewer, catalogue.metric_definitions(), "metric_definitions", "sources_metrics_dl"
)
for item in catalogue.metric_sql():
    with st.expander(language.say(N_("SQL of {code}"), lang, code=item.code)):
        st.code(item.sql, language="sql")

st.subheader(t(N_("Map boundaries")))
layer = cached.boundary_layer()
st.dataframe(catalogue.boundary_sources(layer, lang), hide_index=True, key="sources_boundaries")
if layer.kind == "tile_grid":
    st.caption(layer.note)

reading = ui.read_as(viewer)
ui.data_banner(cached.build_info(reading.stamp))

seed = cached.table(reading, "stg_seed_sources")
services = cached.table(reading, "services")
batches = cached.usage_batches(reading)
tables = {
    N_("Seed tables"): (catalogue.seed_sources(seed), catalogue.seed_sources(seed, lang)),
    N_("Usage data loaded"): (batches, catalogue.batches_in(batches, lang)),
    N_("Services"): (catalogue.services(services), catalogue.services(services, lang)),
}
for (title, (frame, shown)), key in zip(
    tables.items(), ("seed", "batches", "services"), strict=True
):
    st.subheader(t(title))
    st.dataframe(shown, hide_index=True, key=f"sources_{key}")
    ui.download_table(viewer, frame, f"sources_{key}", f"sources_{key}_download")
