"""Sources & definitions: every metric from the registry, every seed table's source and year, and
the map's boundary layer with its attribution and licence."""

import streamlit as st

from kp_dash.views import cached, catalogue, ui

viewer = ui.enter("Sources")
ui.title("Sources & definitions")
st.caption(
    "Rendered from the metric registry and the SQL the dashboard runs, so what you read "
    "here is what computes the figures."
)

st.subheader("Metrics")
st.dataframe(catalogue.metric_definitions(), hide_index=True, key="sources_metrics")
ui.download_table(
    viewer, catalogue.metric_definitions(), "metric_definitions", "sources_metrics_dl"
)
for item in catalogue.metric_sql():
    with st.expander(f"SQL of {item.code}"):
        st.code(item.sql, language="sql")

st.subheader("Map boundaries")
layer = cached.boundary_layer()
st.dataframe(catalogue.boundary_sources(layer), hide_index=True, key="sources_boundaries")
if layer.kind == "tile_grid":
    st.caption(layer.note)

reading = ui.read_as(viewer)
ui.data_banner(cached.build_info(reading.stamp))

tables = {
    "Seed tables": catalogue.seed_sources(cached.table(reading, "stg_seed_sources")),
    "Usage data loaded": cached.usage_batches(reading),
    "Services": catalogue.services(cached.table(reading, "services")),
}
for (title, frame), key in zip(tables.items(), ("seed", "batches", "services"), strict=True):
    st.subheader(title)
    st.dataframe(frame, hide_index=True, key=f"sources_{key}")
    ui.download_table(viewer, frame, f"sources_{key}", f"sources_{key}_download")
