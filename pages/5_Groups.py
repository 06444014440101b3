"""Excluded groups: key messages, each group against its comparison, where each falls furthest
behind (district × group heat map), WHO's inequality summary by dimension, and the people the
service cannot reach online."""

import streamlit as st

from kp_dash.views import cached, group_tables, inequality_view, ui

page = ui.start_page("Excluded groups", "Groups")
selection = page.selection
where = f"{selection.service_label} · {selection.period_label}"
sources = ui.page_sources(page)

st.subheader("Key messages")
messages = cached.key_messages(page, *selection.period) if page.has_usage else []
if not messages:
    st.info("No key messages: there is no service usage for this selection.")
for message in messages:
    st.markdown(f"- {message.text}")
    st.caption(f"{sources.cite_text(message.sources)} · period {message.period}")

st.subheader(f"Groups against their comparison — {where}")
if page.has_usage:
    table = cached.group_part(page, "table", *selection.period)
    st.dataframe(group_tables.group_display(table), hide_index=True, key="groups_table")
    ui.download_table(
        page.viewer, group_tables.group_display(table), "excluded_groups", "groups_table_download"
    )
    st.caption(
        "Rate ratio = the group's uptake ÷ the comparison's, each on its own eligible population "
        "(for women vs men this is the gender parity score; for people with a disability each "
        "district's eligible population is split by its census share with one, all ages); "
        "parity band 0.98–1.02. "
        "Representation ratio = the group's share of digital transactions ÷ its share of the "
        f"eligible population. *No data* is never zero. {sources.cite(table)}"
    )

    st.subheader("Where each group falls furthest behind")
    matrix = cached.group_part(page, "matrix", *selection.period)
    cited = cached.group_part(page, "matrix_sources", *selection.period)
    drawn = ("groups", page.stamp, selection.period)
    heatmap = ui.figure(page, drawn, lambda: group_tables.group_heatmap(matrix))
    st.plotly_chart(heatmap, key="groups_heatmap")
    st.caption(
        "Red: the group uses the service less than its comparison in that district; blue: more; "
        "grey: no data. Merged and low-literacy columns compare a member district with the "
        f"districts outside the group. {sources.cite(cited)}"
    )

st.subheader(f"Inequality summary — {where}")
summary = cached.group_part(page, "inequality", *selection.period)
dimension = st.selectbox(
    "Dimension",
    list(inequality_view.DIMENSIONS),
    key="groups_inequality_dimension",
    format_func=inequality_view.DIMENSIONS.get,
)
chosen = summary[summary["dimension"] == dimension]
st.dataframe(inequality_view.summary_display(chosen), hide_index=True, key="groups_inequality")
st.caption(f"{inequality_view.CAPTION} {sources.cite(chosen)}")
ui.download_table(
    page.viewer, inequality_view.for_export(summary), "inequality_summary", "groups_inequality_dl"
)
with st.expander("The subgroups measured"):
    measured = cached.group_part(page, "subgroups", *selection.period)
    shown = inequality_view.subgroup_display(measured[measured["dimension"] == dimension])
    st.dataframe(shown, hide_index=True, key="groups_subgroups")
    ui.download_table(page.viewer, measured, "inequality_subgroups", "groups_subgroups_dl")

st.subheader(f"People the service cannot reach online — {selection.service_label}")
unserved = cached.group_part(page, "unserved", *selection.period)
st.dataframe(group_tables.unserved_display(unserved), hide_index=True, key="groups_unserved")
ui.download_table(
    page.viewer,
    group_tables.unserved_display(unserved),
    "unserved_population",
    "groups_unserved_dl",
)
st.caption(
    "Eligible population × (1 − access index ÷ 100): a survey-based estimate, rounded; "
    f"parent-district survey values (Chitral, Kohistan) are flagged. {sources.cite(unserved)}"
)
ui.draw_sources(sources)
