"""Data quality: completeness, timeliness, outliers, consistency checks and the import log."""

from datetime import date

import pandas as pd
import streamlit as st

from kp_dash.numbers import freshness, quality
from kp_dash.store import batches
from kp_dash.views import cached, language, language_ui, quality_view, ui
from kp_dash.views.language import N_

page = ui.start_page("Data quality", "Quality")
lang, t = language_ui.current(), language_ui.t
selection = page.selection
manifest = batches.read_manifest()
timeliness = cached.quality_part(page, "timeliness", day=date.today())
sources = ui.page_sources(page)
usage = freshness.usage_sources(timeliness)
how_to_import = t(quality_view.HOW_TO_IMPORT)


def table(frame: pd.DataFrame, key: str, empty: str) -> None:
    """A table in the page's language (or what its being empty means) and its CSV and Excel
    downloads, headed in English as every file is."""
    if frame.empty:
        st.caption(empty)
    else:
        shown = quality_view.for_display(frame, lang)
        st.dataframe(shown, hide_index=True, key=f"quality_{key}")
    ui.download_table(
        page.viewer, quality_view.for_display(frame), f"quality_{key}", f"quality_{key}"
    )


st.subheader(t(N_("Completeness")))
if not page.has_usage:
    st.info(t(N_("There is no usage data yet, so nothing to check.")) + " " + how_to_import)
else:
    grid = cached.quality_part(page, "completeness", *selection.period)
    st.caption(f"{selection.service_label} · {selection.period_label}")
    drawn = ("completeness", page.stamp, selection.period)
    heatmap = ui.figure(page, drawn, lambda: quality_view.completeness_heatmap(grid, lang))
    st.plotly_chart(heatmap, key="quality_heatmap")
    completeness_note = N_(
        "Share of the expected services each district sent each month; grey: *no data* (never "
        "zero). A service is expected from every district in every month once it has any data "
        "in the period. {sources}."
    )
    st.caption(language.say(completeness_note, lang, sources=sources.cite(usage)))
    st.markdown("**" + t(N_("Least complete districts")) + "**")
    least = quality.least_complete(grid)
    table(least, "least_complete", t(N_("No district is missing anything.")))

st.subheader(t(N_("Timeliness")))
table(timeliness, "timeliness", t(N_("Nothing loaded.")))
st.caption(
    t(
        N_(
            "Lag: days from the end of the last month covered to the import; year: the years of "
            "the months covered. Seed tables: the year of the published source and its age in "
            "years."
        )
    )
)

st.subheader(t(N_("Outliers")))
threshold = st.number_input(
    t(N_("Flag when |modified z| is above")),
    2.0,
    10.0,
    quality.OUTLIER_THRESHOLD,
    0.5,
    key="quality_threshold",
)
found = cached.quality_part(page, "outliers", *selection.period, threshold=threshold)
quiet = t(N_("No month stands out from its district's surrounding months."))
table(found, "outliers", quiet)
outliers_note = N_(
    "Modified z = 0.6745 × (x - median) ÷ MAD of the district's own monthly digital "
    "transactions after the service's seasonal index (admissions, e-transfer window), over its "
    "months within ±6 months of the month (a Hampel filter, so steady growth is not flagged); "
    "expected = median × seasonal index. {sources}."
)
st.caption(language.say(outliers_note, lang, sources=sources.cite(usage)))

st.subheader(t(N_("Consistency")))
failed = cached.quality_part(page, "consistency", *selection.period)
table(failed, "consistency", t(N_("Every check passes for this selection.")))
consistency_note = N_(
    "Female + male ≤ total (count indicators); users ≤ eligible population (Census 2023); "
    "each month within 5× of the months either side, after the seasonal pattern. {sources}."
)
st.caption(language.say(consistency_note, lang, sources=sources.cite(usage)))

st.subheader(t(N_("Import log")))
none_yet = t(N_("No imports yet.")) + " " + how_to_import
table(quality_view.import_log(manifest), "imports", none_yet)
ui.draw_sources(sources)
