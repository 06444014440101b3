"""Connectivity planning: where connectivity money reaches the most excluded people, how stable
each place in the ranking is, and what raising access is associated with."""

import functools

import streamlit as st

from kp_dash.numbers import planning
from kp_dash.views import cached, plan_page, ui

page = ui.start_page("Connectivity planning", "Planning")
selection = page.selection
factors = cached.plan_factors(page, *selection.period)
districts, cover = cached.plan_inputs(page, *selection.period)  # what the downloads cite
available = [f for f in planning.FACTORS if f in factors]
sources = ui.page_sources(page)

st.subheader("Priority weights")
weights = ui.weight_sliders(available, planning.FACTORS, planning.DEFAULT_WEIGHTS, "plan_w")
st.caption(plan_page.weights_sentence(weights, available))

st.subheader(f"Districts ranked by priority — {selection.service_label}, {selection.period_label}")
table = cached.plan_ranking(page, tuple(weights.items()), *selection.period)  # ranked among 35
st.dataframe(plan_page.ranking_display(table, available), hide_index=True, key="plan_ranking")
ranking = plan_page.ranking_export(table, districts, cover)
st.caption(sources.cite(ranking))
ui.download_table(page.viewer, ranking, "connectivity_priorities", "plan_ranking_download")

st.subheader("What if access improved?")
names = dict(zip(table["district_code"], table["district_name"], strict=True))
chosen = st.multiselect(
    "Districts",
    list(names),
    default=list(table["district_code"][:5]),
    format_func=names.get,
    key="plan_districts",
)
indicator = st.selectbox(
    "Raise", ["access_index", *plan_page.ACCESS_INDICATORS], key="plan_indicator"
)
use_median = (
    st.radio("to", ["the provincial median", "a level"], horizontal=True, key="plan_level_kind")
    == "the provincial median"
)
level = None if use_median else st.number_input("Level (0–100)", 0.0, 100.0, 80.0, key="plan_level")
result = cached.plan_scenario(page, tuple(chosen), indicator, level, *selection.period)
if result is not None:
    st.markdown(plan_page.scenario_sentence(result, [names[c] for c in chosen]))
    st.dataframe(plan_page.scenario_display(result), hide_index=True, key="plan_scenario")
    exported = ui.plan_scenario_export(page, result)
    st.caption(f"{plan_page.SCENARIO_NOTE} {sources.cite(exported)}")
    ui.download_table(page.viewer, exported, "access_scenario", "plan_scenario_download")
st.caption(plan_page.CAVEAT)

st.subheader("Coverage gap and usage gap")
gaps = cached.plan_coverage(page, *selection.period)
if gaps is None:
    st.info(planning.MISSING_COVERAGE)
else:
    st.dataframe(plan_page.coverage_display(gaps), hide_index=True, key="plan_coverage")
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
)
ui.download_pdf(
    page.viewer,
    "Planning memo (PDF)",
    memo,
    "kp-connectivity-priorities.pdf",
    "plan_memo",
    f"{selection.service_label} · {selection.period_label}",
)
ui.draw_sources(sources)
