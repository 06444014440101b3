"""Trends & targets: a metric over time for the province, divisions or districts (month-on-month
and year-on-year change), one inequality measure of a dimension by month, districts ranked by
change since a comparison period, and target attainment with a red/amber/green status."""

import streamlit as st

from kp_dash.numbers import group_inequality, registry, summaries, trends
from kp_dash.numbers.registry import MetricError
from kp_dash.views import cached, disclosure, inequality_view, trends_view, ui

page = ui.start_page("Trends & targets", "Trends")
selection = page.selection
where = f"{selection.service_label} · {selection.period_label}"
sources = ui.page_sources(page)

left, right = st.columns([2, 1])
codes = trends.trend_metrics()
code = left.selectbox("Metric", codes, key="trends_metric", format_func=trends_view.metric_label)
level = right.radio(
    "Show",
    list(trends.LEVELS),
    key="trends_level",
    format_func=trends.LEVELS.get,
    horizontal=True,
    on_change=lambda: st.session_state.pop("trends_members", None),  # other level, other options
)
metric = registry.get(code)
options = trends.member_options(cached.register(page), level)
members = st.multiselect(
    f"{trends.LEVELS[level]} (none chosen: all)",
    list(options),
    key="trends_members",
    format_func=options.get,
    disabled=level == "province",
)

st.subheader(f"{metric.label} over time — {where}")
try:
    if level == "district" and not members:  # "all" of a district officer is their own
        members = list(options)
    frame = cached.trend_series(page, code, level, tuple(members), *selection.period)
except MetricError as error:
    st.warning(str(error))
    frame = None
if frame is not None and frame["value"].notna().any():
    drawn = ("trends", page.stamp, code, level, tuple(members), selection.period)
    chart = ui.figure(page, drawn, lambda: trends_view.series_figure(frame, metric))
    st.plotly_chart(chart, key="trends_chart")
    st.caption(trends_view.series_caption(metric, level))
    st.markdown(f"**Change in {trends.latest_month(frame)}**")
    st.dataframe(trends_view.change_table(frame, metric), hide_index=True, key="trends_changes")
    ui.download_table(page.viewer, frame, "trends_series", "trends_series_download")
    ui.source_caption(frame, sources)
elif frame is not None:
    st.info("No data for this metric, service and period: nothing is drawn (never as zero).")

st.subheader(f"Inequality over time — {where}")
left, right = st.columns(2)
dimension = left.selectbox(
    "Dimension",
    list(inequality_view.DIMENSIONS),
    key="trends_inequality_dimension",
    format_func=inequality_view.DIMENSIONS.get,
    on_change=lambda: st.session_state.pop("trends_inequality_measure", None),
)
measure = right.selectbox(
    "Measure",
    group_inequality.measures_of(dimension),
    key="trends_inequality_measure",
    format_func=inequality_view.measure_label,
)
series = cached.inequality_over_time(page, dimension, measure, *selection.period)
if series["estimate"].notna().any():
    label = inequality_view.measure_label(measure)
    drawn = ("inequality", page.stamp, dimension, measure, selection.period)
    unit = inequality_view.measure_unit(measure)
    chart = ui.figure(page, drawn, lambda: inequality_view.over_time_figure(series, label, unit))
    st.plotly_chart(chart, key="trends_inequality_chart")
    st.caption(f"{inequality_view.TRENDS_CAPTION} {sources.cite(series)}")
    exported = inequality_view.for_export(series)
    ui.download_table(page.viewer, exported, "inequality_over_time", "trends_inequality_dl")
else:
    st.info(inequality_view.no_series(series))

st.subheader(f"Districts ranked by change (delta) — {selection.service_label}")
months = summaries.month_options(page.info.get("first_month"), page.info.get("last_month"))
if months and selection.month_from and selection.month_to:
    period = (selection.month_from, selection.month_to)
    default = trends.default_comparison(months, period)
    comparison = st.select_slider("Comparison period", months, default, key="trends_comparison")
    ranking = cached.delta_ranking(page, code, selection.service, period, comparison)
    table = trends_view.delta_display(ranking, metric, period, comparison)
    st.dataframe(table, hide_index=True, key="trends_delta")
    now, before = (
        cached.metric_frame(page, code, ("district",), selection.service, *months)
        for months in (period, comparison)
    )
    exported = disclosure.with_counts(ranking, now, metric, comparison=before)
    ui.download_table(page.viewer, exported, "delta_ranking", "trends_delta_download")
    st.caption(trends_view.delta_caption(metric))
else:
    st.info("No usage period in the data: no delta ranking (no data is never a zero).")

st.subheader(f"Targets — {where}")
status = cached.target_status(page, *selection.period)
if status.empty:
    st.info(trends_view.NO_TARGETS)
else:
    table = trends_view.target_display(status, cached.table(page, "services"))
    st.dataframe(trends_view.status_style(table), hide_index=True, key="trends_targets")
    ui.download_table(page.viewer, status, "target_attainment", "trends_targets_download")
    ui.source_caption(status, sources)
st.caption(trends_view.thresholds_caption())
ui.draw_sources(sources)
