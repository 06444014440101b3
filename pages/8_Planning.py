"""Connectivity planning: where connectivity money reaches the most excluded people, how stable
each place in the ranking is, and what raising access is associated with."""

import functools

import streamlit as st

from kp_dash.numbers import planning
from kp_dash.views import cached, language, language_ui, plan_page, ui
from kp_dash.views.language import N_

page = ui.start_page("Connectivity planning", "Planning")
selection = page.selection
factors = cached.plan_factors(page, *selection.period)
districts, cover = cached.plan_inputs(page, *selection.period)  # what the downloads cite
available = [f for f in planning.FACTORS if f in factors]
sources = ui.page_sources(page)
lang, t = language_ui.current(), language_ui.t

st.subheader(t(N_("Priority weights")))
labels = {factor: t(label) for factor, label in planning.FACTORS.items()}
weights = ui.weight_sliders(available, labels, planning.DEFAULT_WEIGHTS, "plan_w")
st.caption(plan_page.weights_sentence(weights, available, lang))

ranked_for = N_("Districts ranked by priority — {service}, {period}")
service, period = selection.service_label, selection.period_label
st.subheader(language.say(ranked_for, lang, service=service, period=period))
table = cached.plan_ranking(page, tuple(weights.items()), *selection.period)  # ranked among 35
shown = plan_page.ranking_display(table, available, lang)
st.dataframe(shown, hide_index=True, key="plan_ranking")
ranking = plan_page.ranking_export(table, districts, cover)
st.caption(sources.cite(ranking))
ui.download_table(page.viewer, ranking, "connectivity_priorities", "plan_ranking_download")

st.subheader(t(N_("What if access improved?")))
names = {
    code: language.name("district", code, name, lang)
    for code, name in zip(table["district_code"], table["district_name"], strict=True)
}
chosen = st.multiselect(
    t(N_("Districts")),
    list(names),
    default=list(table["district_code"][:5]),
    format_func=names.get,
    key="plan_districts",
)
indicator = st.selectbox(
    t(N_("Raise")), ["access_index", *plan_page.ACCESS_INDICATORS], key="plan_indicator"
)
to_median = st.radio(
    t(N_("to")),
    [True, False],
    format_func=lambda median: t(N_("the provincial median") if median else N_("a level")),
    horizontal=True,
    key="plan_to_median",
)
level = (
    None
    if to_median
    else st.number_input(t(N_("Level (0–100)")), 0.0, 100.0, 80.0, key="plan_level")
)
result = cached.plan_scenario(page, tuple(chosen), indicator, level, *selection.period)
if result is not None:
    st.markdown(plan_page.scenario_sentence(result, [names[c] for c in chosen], lang))
    st.dataframe(plan_page.scenario_display(result, lang), hide_index=True, key="plan_scenario")
    exported = ui.plan_scenario_export(page, result)
    st.caption(f"{t(plan_page.SCENARIO_NOTE)} {sources.cite(exported)}")
    ui.download_table(page.viewer, exported, "access_scenario", "plan_scenario_download")
st.caption(t(plan_page.CAVEAT))

st.subheader(t(N_("Coverage gap and usage gap")))
gaps = cached.plan_coverage(page, *selection.period)
if gaps is None:
    st.info(t(planning.MISSING_COVERAGE))
else:
    shown = plan_page.coverage_display(gaps, lang)
    st.dataframe(shown, hide_index=True, key="plan_coverage")
    exported = plan_page.coverage_export(gaps, districts, cover)
    st.caption(sources.cite(exported))
    ui.download_table(page.viewer, exported, "coverage_and_usage_gap", "plan_coverage_download")

# laid out only when the button is clicked
memo = functools.partial(
    plan_page.memo,
    table,
    available,
    result,
    [names[c] for c in chosen],
    f"{selection.service_label} · {selection.period_label}",
    ui.plan_sources(page),
    page.info.get("has_demo") == "true",
    lang,
)
ui.download_pdf(
    page.viewer,
    N_("Planning memo (PDF)"),
    memo,
    "kp-connectivity-priorities.pdf"
    if lang == language.DEFAULT
    else f"kp-connectivity-priorities-{lang}.pdf",
    "plan_memo",
    f"{selection.service_label} · {selection.period_label}",
)
ui.draw_sources(sources)
