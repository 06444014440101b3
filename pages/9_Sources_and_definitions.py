"""Sources & definitions: every metric from the registry and every seed table's source and year."""

import streamlit as st

from kp_dash import catalogue, ui

st.title("Sources & definitions")
st.caption(
    "Rendered from the metric registry and the SQL the dashboard runs, so what you read "
    "here is what computes the figures."
)

st.subheader("Metrics")
st.dataframe(catalogue.metric_definitions(), hide_index=True, key="sources_metrics")
for item in catalogue.metric_sql():
    with st.expander(f"SQL of {item.code}"):
        st.code(item.sql, language="sql")

file_stamp = ui.require_database()
if file_stamp is None:
    st.stop()
info = ui.build_info(file_stamp)
ui.data_banner(info)

st.subheader("Seed tables")
st.dataframe(
    catalogue.seed_sources(ui.table(file_stamp, "stg_seed_sources")),
    hide_index=True,
    key="sources_seed",
)
st.subheader("Usage data loaded")
st.dataframe(
    catalogue.usage_batches(ui.table(file_stamp, "usage_batches")),
    hide_index=True,
    key="sources_batches",
)
st.subheader("Services")
st.dataframe(ui.table(file_stamp, "services"), hide_index=True, key="sources_services")
