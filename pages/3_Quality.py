"""Data quality: completeness, timeliness, outliers, consistency checks and the import log."""

from datetime import date

import pandas as pd
import streamlit as st

from kp_dash.numbers import freshness, quality
from kp_dash.store import batches
from kp_dash.views import cached, quality_view, ui

page = ui.start_page("Data quality", "Quality")
selection = page.selection
manifest = batches.read_manifest()
demo = page.info.get("has_demo") == "true"
timeliness = cached.quality_part(page, "timeliness", day=date.today())
sources = ui.page_sources(page)
usage = freshness.usage_sources(timeliness)


def table(frame: pd.DataFrame, key: str, empty: str) -> None:
    """A table (or what its being empty means) and its CSV and Excel downloads."""
    if frame.empty:
        st.caption(empty)
    else:
        st.dataframe(quality_view.for_display(frame), hide_index=True, key=f"quality_{key}")
    ui.download_table(
        page.viewer, quality_view.for_display(frame), f"quality_{key}", f"quality_{key}"
    )


st.subheader("Completeness")
if not page.has_usage:
    st.info("There is no usage data yet, so nothing to check. " + quality_view.HOW_TO_IMPORT)
else:
    grid = cached.quality_part(page, "completeness", *selection.period)
    st.caption(f"{selection.service_label} · {selection.period_label}")
    drawn = ("completeness", page.stamp, selection.period)
    heatmap = ui.figure(page, drawn, lambda: quality_view.completeness_heatmap(grid))
    st.plotly_chart(heatmap, key="quality_heatmap")
    st.caption(
        "Share of the expected services each district sent each month; grey: *no data* (never "
        "zero). A service is expected from every district in every month once it has any data "
        f"in the period. {sources.cite(usage)}."
    )
    st.markdown("**Least complete districts**")
    table(quality.least_complete(grid), "least_complete", "No district is missing anything.")

st.subheader("Timeliness")
table(timeliness, "timeliness", "Nothing loaded.")
st.caption(
    "Lag: days from the end of the last month covered to the import; year: the years of the "
    "months covered. Seed tables: the year of the published source and its age in years."
)

st.subheader("Outliers")
threshold = st.number_input(
    "Flag when |modified z| is above",
    2.0,
    10.0,
    quality.OUTLIER_THRESHOLD,
    0.5,
    key="quality_threshold",
)
found = cached.quality_part(page, "outliers", *selection.period, threshold=threshold)
table(found, "outliers", "No month stands out from its district's surrounding months.")
st.caption(
    "Modified z = 0.6745 × (x - median) ÷ MAD of the district's own monthly digital "
    "transactions after the service's seasonal index (admissions, e-transfer window), over its "
    "months within ±6 months of the month (a Hampel filter, so steady growth is not flagged); "
    f"expected = median × seasonal index. {sources.cite(usage)}."
)

st.subheader("Consistency")
failed = cached.quality_part(page, "consistency", *selection.period)
table(failed, "consistency", "Every check passes for this selection.")
st.caption(
    "Female + male ≤ total (count indicators); users ≤ eligible population (Census 2023); "
    f"each month within 5× of the months either side, after the seasonal pattern. "
    f"{sources.cite(usage)}."
)

st.subheader("Import log")
table(quality_view.import_log(manifest), "imports", "No imports yet. " + quality_view.HOW_TO_IMPORT)
ui.draw_sources(sources)
