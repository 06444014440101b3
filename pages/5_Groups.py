"""Excluded groups: key messages, each group against its comparison, where each falls furthest
behind (district × group heat map), WHO's inequality summary by dimension, and the people the
service cannot reach online."""

import streamlit as st

from kp_dash.views import cached, group_tables, inequality_view, language, language_ui, ui
from kp_dash.views.language import N_

page = ui.start_page("Excluded groups", "Groups")
lang, t = language_ui.current(), language_ui.t
selection = page.selection
where = f"{selection.service_label} · {selection.period_label}"
sources = ui.page_sources(page)

st.subheader(t(N_("Key messages")))
messages = cached.key_messages(page, *selection.period, lang=lang) if page.has_usage else []
if not messages:
    st.info(t(N_("No key messages: there is no service usage for this selection.")))
for message in messages:
    st.markdown(f"- {message.text}")
    said = N_("{sources} · period {period}")
    st.caption(
        language.say(said, lang, sources=sources.cite_text(message.sources), period=message.period)
    )

st.subheader(language.say(N_("Groups against their comparison — {where}"), lang, where=where))
if page.has_usage:
    table = cached.group_part(page, "table", *selection.period)
    st.dataframe(group_tables.group_display(table, lang), hide_index=True, key="groups_table")
    ui.download_table(
        page.viewer, group_tables.group_display(table), "excluded_groups", "groups_table_download"
    )
    rates = N_(
        "Rate ratio = the group's uptake ÷ the comparison's, each on its own eligible population "
        "(for women vs men this is the gender parity score; for people with a disability each "
        "district's eligible population is split by its census share with one, all ages); "
        "parity band 0.98–1.02. Representation ratio = the group's share of digital "
        "transactions ÷ its share of the eligible population. *No data* is never zero. {sources}"
    )
    st.caption(language.say(rates, lang, sources=sources.cite(table)))

    st.subheader(t(N_("Where each group falls furthest behind")))
    matrix = cached.group_part(page, "matrix", *selection.period)
    cited = cached.group_part(page, "matrix_sources", *selection.period)
    drawn = ("groups", page.stamp, selection.period)
    heatmap = ui.figure(page, drawn, lambda: group_tables.group_heatmap(matrix, lang))
    st.plotly_chart(heatmap, key="groups_heatmap")
    colours = N_(
        "Red: the group uses the service less than its comparison in that district; blue: more; "
        "grey: no data. Merged and low-literacy columns compare a member district with the "
        "districts outside the group. {sources}"
    )
    st.caption(language.say(colours, lang, sources=sources.cite(cited)))

st.subheader(language.say(N_("Inequality summary — {where}"), lang, where=where))
summary = cached.group_part(page, "inequality", *selection.period)
dimension = st.selectbox(
    t(N_("Dimension")),
    list(inequality_view.DIMENSIONS),
    key="groups_inequality_dimension",
    format_func=lambda key: inequality_view.dimension_label(key, lang),
)
chosen = summary[summary["dimension"] == dimension]
shown = inequality_view.summary_display(chosen, lang)
st.dataframe(shown, hide_index=True, key="groups_inequality")
st.caption(f"{t(inequality_view.CAPTION)} {sources.cite(chosen)}")
ui.download_table(
    page.viewer, inequality_view.for_export(summary), "inequality_summary", "groups_inequality_dl"
)
with st.expander(t(N_("The subgroups measured"))):
    measured = cached.group_part(page, "subgroups", *selection.period)
    in_dimension = measured[measured["dimension"] == dimension]
    st.dataframe(
        inequality_view.subgroup_display(in_dimension, lang),
        hide_index=True,
        key="groups_subgroups",
    )
    ui.download_table(page.viewer, measured, "inequality_subgroups", "groups_subgroups_dl")

unreached = N_("People the service cannot reach online — {service}")
st.subheader(language.say(unreached, lang, service=selection.service_label))
unserved = cached.group_part(page, "unserved", *selection.period)
people = group_tables.unserved_display(unserved, lang)
st.dataframe(people, hide_index=True, key="groups_unserved")
ui.download_table(
    page.viewer,
    group_tables.unserved_display(unserved),
    "unserved_population",
    "groups_unserved_dl",
)
estimate = N_(
    "Eligible population × (1 − access index ÷ 100): a survey-based estimate, rounded; "
    "parent-district survey values (Chitral, Kohistan) are flagged. {sources}"
)
st.caption(language.say(estimate, lang, sources=sources.cite(unserved)))
ui.draw_sources(sources)
