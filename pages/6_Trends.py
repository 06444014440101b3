"""Trends & targets: a metric over time for the province, divisions or districts (month-on-month
and year-on-year change), one inequality measure of a dimension by month, districts ranked by
change since a comparison period, and target attainment with a red/amber/green status."""

import streamlit as st

from kp_dash.numbers import group_inequality, registry, summaries, trends
from kp_dash.numbers.registry import MetricError
from kp_dash.views import cached, disclosure, inequality_view, language, language_ui, ui
from kp_dash.views import trends_view as tv
from kp_dash.views.language import N_

page = ui.start_page("Trends & targets", "Trends")
lang, t = language_ui.current(), language_ui.t
selection = page.selection
where = f"{selection.service_label} · {selection.period_label}"
sources = ui.page_sources(page)

left, right = st.columns([2, 1])
codes = trends.trend_metrics()
pick = {"key": "trends_metric", "format_func": lambda c: tv.metric_label(c, lang)}
code = left.selectbox(t(N_("Metric")), codes, **pick)
level = right.radio(
    t(N_("Show")),
    list(trends.LEVELS),
    key="trends_level",
    format_func=lambda key: t(trends.LEVELS[key]),
    horizontal=True,
    on_change=lambda: st.session_state.pop("trends_members", None),  # other level, other options
)
metric = registry.get(code)
shown_metric = language.metric(metric, lang)
options = trends.member_options(cached.register(page), level)
kind = tv.GROUP_KINDS[level]
members = st.multiselect(
    language.say(N_("{level} (none chosen: all)"), lang, level=t(trends.LEVELS[level])),
    list(options),
    key="trends_members",
    format_func=lambda member: language.name(kind, member, options[member], lang),
    disabled=level == "province",
)

over_time = N_("{metric} over time — {where}")
st.subheader(language.say(over_time, lang, metric=shown_metric.label, where=where))
try:
    if level == "district" and not members:  # "all" of a district officer is their own
        members = list(options)
    frame = cached.trend_series(page, code, level, tuple(members), *selection.period)
except MetricError as error:
    st.warning(str(error))
    frame = None
if frame is not None and frame["value"].notna().any():
    named = tv.in_language(frame, level, lang)
    drawn = ("trends", page.stamp, code, level, tuple(members), selection.period)
    chart = ui.figure(page, drawn, lambda: tv.series_figure(named, metric, lang))
    st.plotly_chart(chart, key="trends_chart")
    st.caption(tv.series_caption(metric, level, lang))
    latest = language.month(trends.latest_month(frame), lang)
    st.markdown("**" + language.say(N_("Change in {month}"), lang, month=latest) + "**")
    changes = tv.change_table(named, metric, lang=lang)
    st.dataframe(changes, hide_index=True, key="trends_changes")
    ui.download_table(page.viewer, frame, "trends_series", "trends_series_download")
    ui.source_caption(frame, sources)
elif frame is not None:
    st.info(t(N_("No data for this metric, service and period: nothing is drawn (never as zero).")))

st.subheader(language.say(N_("Inequality over time — {where}"), lang, where=where))
left, right = st.columns(2)
dimension = left.selectbox(
    t(N_("Dimension")),
    list(inequality_view.DIMENSIONS),
    key="trends_inequality_dimension",
    format_func=lambda key: inequality_view.dimension_label(key, lang),
    on_change=lambda: st.session_state.pop("trends_inequality_measure", None),
)
measure = right.selectbox(
    t(N_("Measure")),
    group_inequality.measures_of(dimension),
    key="trends_inequality_measure",
    format_func=lambda c: inequality_view.measure_label(c, lang),
)
series = cached.inequality_over_time(page, dimension, measure, *selection.period)
if series["estimate"].notna().any():
    label = inequality_view.measure_label(measure, lang)
    drawn = ("inequality", page.stamp, dimension, measure, selection.period)
    unit = inequality_view.measure_unit(measure, lang)
    over = ui.figure(
        page, drawn, lambda: inequality_view.over_time_figure(series, label, unit, lang)
    )
    st.plotly_chart(over, key="trends_inequality_chart")
    st.caption(f"{t(inequality_view.TRENDS_CAPTION)} {sources.cite(series)}")
    exported = inequality_view.for_export(series)
    ui.download_table(page.viewer, exported, "inequality_over_time", "trends_inequality_dl")
else:
    st.info(inequality_view.no_series(series, lang))

ranked = N_("Districts ranked by change (delta) — {service}")
st.subheader(language.say(ranked, lang, service=selection.service_label))
months = summaries.month_options(page.info.get("first_month"), page.info.get("last_month"))
if months and selection.month_from and selection.month_to:
    period = (selection.month_from, selection.month_to)
    default = trends.default_comparison(months, period)
    comparison = st.select_slider(
        t(N_("Comparison period")),
        months,
        default,
        key="trends_comparison",
        format_func=lambda month: language.month(month, lang),
    )
    ranking = cached.delta_ranking(page, code, selection.service, period, comparison)
    table = tv.delta_display(ranking, metric, period, comparison, lang)
    st.dataframe(table, hide_index=True, key="trends_delta")
    now, before = (
        cached.metric_frame(page, code, ("district",), selection.service, *months)
        for months in (period, comparison)
    )
    exported = disclosure.with_counts(ranking, now, metric, comparison=before)
    ui.download_table(page.viewer, exported, "delta_ranking", "trends_delta_download")
    st.caption(tv.delta_caption(metric, lang))
else:
    st.info(t(N_("No usage period in the data: no delta ranking (no data is never a zero).")))

st.subheader(language.say(N_("Targets — {where}"), lang, where=where))
status = cached.target_status(page, *selection.period)
if status.empty:
    st.info(t(tv.NO_TARGETS))
else:
    services = cached.table(page, "services")
    table = tv.target_display(status, services, lang)
    st.dataframe(tv.status_style(table, lang), hide_index=True, key="trends_targets")
    ui.download_table(page.viewer, status, "target_attainment", "trends_targets_download")
    ui.source_caption(status, sources)
st.caption(tv.thresholds_caption(lang=lang))
ui.draw_sources(sources)
