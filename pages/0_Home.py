"""Home: province headline figures and the district ranking for a chosen metric and service."""

import streamlit as st

from kp_dash.numbers import registry, summaries
from kp_dash.views import cached, disclosure, ui

page = ui.start_page("KP Digital Inclusion Dashboard", "Home")
st.caption(
    "Uptake of Khyber Pakhtunkhwa's health and education e-services against internet and device "
    "access, district by district, to show who is left out."
)
selection = page.selection
sources = ui.page_sources(page)

st.subheader(f"Khyber Pakhtunkhwa — {selection.service_label}, {selection.period_label}")
columns = st.columns(4)
for column, code in zip(
    columns,
    ("uptake_per_1000", "digital_share_pct", "female_share_pct", "access_index"),
    strict=True,
):
    metric = registry.get(code)
    fact = summaries.headline(metric, cached.metric_frame(page, code, (), *selection.period))
    column.metric(f"{metric.label} ({metric.unit})", fact.text, help=metric.formula)
    cited = sources.cite([(fact.source, fact.year)])
    column.caption(cited if fact.source else "No data for this selection")

st.subheader("Districts ranked")
metric = ui.metric_picker(key="home_metric")
frame = cached.metric_frame(page, metric.code, ("district",), *selection.period)
ranking = cached.district_ranking(page, metric.code, *selection.period)
shown = summaries.ranking_display(ranking, metric)
links = {summaries.PROFILE_COLUMN: st.column_config.LinkColumn(display_text="Open profile")}
st.dataframe(shown, hide_index=True, key="home_ranking", column_config=links)
ranked = disclosure.with_counts(shown, frame, metric)
ui.download_table(page.viewer, ranked, f"district_ranking_{metric.code}", "home_ranking_download")
st.caption(f"{metric.label}: {metric.formula}. Unit: {metric.unit}.")
ui.source_caption(frame, sources)

ui.download_briefing(page, "home_briefing_pdf")
info = page.info
st.caption(
    f"Usage data: {info.get('first_month', '—')} to {info.get('last_month', '—')} · "
    f"database built {info.get('built_at', '?')} · see *Sources & definitions* for every figure."
)
ui.draw_sources(sources)
