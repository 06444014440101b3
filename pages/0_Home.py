"""Home: province headline figures and the district ranking for a chosen metric and service."""

import streamlit as st

from kp_dash.numbers import registry, summaries, trends
from kp_dash.views import cached, disclosure, language, language_ui, ui
from kp_dash.views.language import N_

page = ui.start_page("KP Digital Inclusion Dashboard", "Home")
lang, t = language_ui.current(), language_ui.t
st.caption(
    t(
        N_(
            "Uptake of Khyber Pakhtunkhwa's health and education e-services against internet and "
            "device access, district by district, to show who is left out."
        )
    )
)
selection = page.selection
sources = ui.page_sources(page)

province = language.name("province", "KP", trends.PROVINCE_NAME, lang)
chosen = language.say(
    N_("{service}, {period}"), lang, service=selection.service_label, period=selection.period_label
)
st.subheader(f"{province} — {chosen}")
columns = st.columns(4)
for column, code in zip(
    columns,
    ("uptake_per_1000", "digital_share_pct", "female_share_pct", "access_index"),
    strict=True,
):
    metric = language.metric(registry.get(code), lang)
    fact = summaries.headline(metric, cached.metric_frame(page, code, (), *selection.period))
    shown_value = t(fact.text) if fact.text == summaries.NO_DATA else fact.text
    column.metric(f"{metric.label} ({metric.unit})", shown_value, help=metric.formula)
    cited = sources.cite([(fact.source, fact.year)])
    column.caption(cited if fact.source else t(N_("No data for this selection")))

st.subheader(t(N_("Districts ranked")))
metric = ui.metric_picker(key="home_metric")
frame = cached.metric_frame(page, metric.code, ("district",), *selection.period)
ranking = cached.district_ranking(page, metric.code, *selection.period)
shown = language_ui.in_language(summaries.ranking_display(ranking, metric), ranking)
link = st.column_config.LinkColumn(display_text=t(N_("Open profile")))
links = {t(summaries.PROFILE_COLUMN): link}
st.dataframe(shown, hide_index=True, key="home_ranking", column_config=links)
ranked = disclosure.with_counts(shown, frame, metric)
ui.download_table(page.viewer, ranked, f"district_ranking_{metric.code}", "home_ranking_download")
st.caption(
    language.say(
        N_("{label}: {formula}. Unit: {unit}."),
        lang,
        label=metric.label,
        formula=metric.formula,
        unit=metric.unit,
    )
)
ui.source_caption(frame, sources)

ui.download_briefing(page, "home_briefing_pdf")
info = page.info
usage_note = N_(
    "Usage data: {first} to {last} · database built {built} · see *Sources & definitions* for "
    "every figure."
)
first, last, built = (info.get(k, "—") for k in ("first_month", "last_month", "built_at"))
built = built[:16].replace("T", " ")  # to the minute, as a person reads it
st.caption(language.say(usage_note, lang, first=first, last=last, built=built))
ui.draw_sources(sources)
