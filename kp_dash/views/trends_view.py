"""How trends and targets look: the change and delta tables, the target table with its RAG
colours, the series chart, and the captions that explain them. The numbers come from
`kp_dash.numbers.trends`; here they become text, colours and figures ("No data", never 0).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from kp_dash.numbers import registry
from kp_dash.numbers.registry import Metric, ModelledMetric
from kp_dash.numbers.trends import ALL_SERVICES, NO_TARGET, latest_month
from kp_dash.store import config
from kp_dash.views import language, palettes
from kp_dash.views.language import N_

NO_DATA = N_("No data")
NO_TARGETS = N_(
    "No targets for this service and period: every district has *no target*. Targets come "
    "from a `targets` import (service, district or KP, metric, month or year, target)."
)
# the kind of name each level's groups have in the name register
GROUP_KINDS = {"province": "province", "division": "division", "district": "district"}
STATUS_WORDS = {"green": N_("green"), "amber": N_("amber"), "red": N_("red"),
                NO_TARGET: N_("no target"), "no data": N_("no data")}  # fmt: skip
# light fills keep the status word readable; the word itself carries the meaning too
STATUS_COLOURS = {
    **palettes.STATUS,
    NO_TARGET: palettes.NO_STATUS,
    "no data": palettes.NO_STATUS,
}


def change_unit(metric: Metric, lang: str = language.DEFAULT) -> str:
    """The unit a change of the metric is in (a change of a percentage is in points)."""
    if metric.unit.startswith("%"):
        return language.text(N_("percentage points"), lang)
    return language.text(metric.unit, lang)


def _signed(value: float, decimals: int, lang: str = language.DEFAULT) -> str:
    return language.text(NO_DATA, lang) if pd.isna(value) else f"{value:+,.{decimals}f}"


def _number(value: float, decimals: int, lang: str = language.DEFAULT) -> str:
    return language.text(NO_DATA, lang) if pd.isna(value) else f"{value:,.{decimals}f}"


def _headed(metric: Metric, lang: str) -> str:
    """ "Label (unit)" of a metric in `lang`."""
    said = language.metric(metric, lang)
    return f"{said.label} ({said.unit})"


def in_language(frame: pd.DataFrame, level: str, lang: str) -> pd.DataFrame:
    """A series with its groups named in `lang` (province, divisions or districts)."""
    if lang == language.DEFAULT:
        return frame
    kind = GROUP_KINDS[level]
    names = [
        language.name(kind, code, name, lang)
        for code, name in zip(frame["group_code"], frame["group"], strict=True)
    ]
    return frame.assign(group=names)


def change_table(
    frame: pd.DataFrame, metric: Metric, month: str | None = None, lang: str = language.DEFAULT
) -> pd.DataFrame:
    """Each group's value in one month (default: the latest with data) with its month-on-month
    and year-on-year change, as text for people ("No data", never 0, where missing)."""
    month = month or latest_month(frame)
    rows = frame[frame["month"] == month]
    unit, decimals = change_unit(metric, lang), metric.decimals
    say = functools.partial(language.say, lang=lang)
    return pd.DataFrame(
        {
            say(N_("Group")): rows["group"],
            say(N_("Month")): rows["month"],
            _headed(metric, lang): rows["value"].map(lambda v: _number(v, decimals, lang)),
            say(N_("Change on previous month ({unit})"), unit=unit): rows["mom_change"].map(
                lambda v: _signed(v, decimals, lang)
            ),
            say(N_("Change on same month last year ({unit})"), unit=unit): rows["yoy_change"].map(
                lambda v: _signed(v, decimals, lang)
            ),
            say(N_("Source")): rows["source"],
            say(N_("Year")): rows["year"],
        }
    ).reset_index(drop=True)


def month_axis(months: pd.Series, lang: str) -> dict[str, Any]:
    """A month axis ticked every three months, the months named in `lang` (plotly's own names
    are English)."""
    if lang == language.DEFAULT:
        return {"dtick": "M3", "tickformat": "%b %Y"}
    ticks = sorted(set(months.dropna()))[::3]
    return {"tickvals": ticks, "ticktext": [language.month(m, lang) for m in ticks]}


def series_figure(frame: pd.DataFrame, metric: Metric, lang: str = language.DEFAULT) -> go.Figure:
    """One line per group; months without data are gaps (never drawn as 0); the hover gives the
    value and its month-on-month and year-on-year change; its words in `lang`."""
    figure = go.Figure()
    unit, decimals = change_unit(metric, lang), metric.decimals
    changes = N_("{mom} on previous month, {yoy} on a year earlier ({unit})")
    for _, part in frame.groupby("group_code", sort=False):
        hover = [
            [
                language.month(month, lang),
                language.say(
                    changes,
                    lang,
                    mom=_signed(mom, decimals, lang),
                    yoy=_signed(yoy, decimals, lang),
                    unit=unit,
                ),
            ]
            for month, mom, yoy in zip(
                part["month"], part["mom_change"], part["yoy_change"], strict=True
            )
        ]
        figure.add_trace(
            go.Scatter(
                x=part["month"],
                y=part["value"],
                name=str(part["group"].iloc[0]),
                mode="lines+markers",
                connectgaps=False,
                customdata=hover,
                hovertemplate=f"%{{fullData.name}}<br>%{{customdata[0]}}: %{{y:,.{decimals}f}}"
                "<br>%{customdata[1]}<extra></extra>",
            )
        )
    if frame["value"].isna().all():
        figure.add_annotation(
            text=language.text(N_("No data for this selection"), lang),
            showarrow=False,
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
        )
    figure.update_layout(
        height=420,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"title": {"text": _headed(metric, lang)}, "rangemode": "tozero"},
        xaxis={"title": None, **month_axis(frame["month"], lang)},
        legend={"title": {"text": ""}},
        hovermode="closest",
        plot_bgcolor="white",
    )
    return figure


def delta_display(
    table: pd.DataFrame,
    metric: Metric,
    period: tuple[str, str],
    comparison: tuple[str, str],
    lang: str = language.DEFAULT,
) -> pd.DataFrame:
    """The delta ranking for people: numbers as text, "No data" (never 0) where missing."""
    say = functools.partial(language.say, lang=lang)
    unit, decimals = language.text(metric.unit, lang), metric.decimals

    def label(months: tuple[str, str]) -> str:
        first, last = months
        return first if first == last else say(N_("{first} to {last}"), first=first, last=last)

    names = [
        language.name("district", code, name, lang)
        for code, name in zip(table["district_code"], table["district_name"], strict=True)
    ]
    return pd.DataFrame(
        {
            say(N_("Rank")): table["rank"],
            say(N_("District")): names,
            f"{label(period)} ({unit})": table["value"].map(lambda v: _number(v, decimals, lang)),
            f"{label(comparison)} ({unit})": table["comparison_value"].map(
                lambda v: _number(v, decimals, lang)
            ),
            say(N_("Delta ({unit})"), unit=change_unit(metric, lang)): table["delta"].map(
                lambda v: _signed(v, decimals, lang)
            ),
            say(N_("Source")): table["source"],
            say(N_("Year")): table["year"],
        }
    )


def thresholds_caption(
    thresholds: tuple[float, float] | None = None, lang: str = language.DEFAULT
) -> str:
    """The RAG rule as configured, for a caption under the target table."""
    green, amber = thresholds or config.rag_thresholds()
    rule = N_(
        "Target attainment = 100 × actual ÷ target, same metric and period (month targets: that "
        "month; year targets: that year's months in the data). Green ≥ {green} %, amber ≥ "
        "{amber} %, red below (set by KP_DASH_RAG_GREEN and KP_DASH_RAG_AMBER). For a "
        "lower-is-better metric above 100 is worse, and the status is judged on target ÷ "
        "actual. *no target*: the district has none; *No data*: no actual value."
    )
    return language.say(rule, lang, green=f"{green:g}", amber=f"{amber:g}")


def target_display(
    table: pd.DataFrame, services: pd.DataFrame | None = None, lang: str = language.DEFAULT
) -> pd.DataFrame:
    """The target table for people: names, numbers as text, "no target" / "No data" never 0.
    `services` is the services table (service_code, service_name) for the names."""
    names: Mapping[str, str] = (
        dict(zip(services["service_code"], services["service_name"], strict=True))
        if services is not None
        else {}
    )
    names = {ALL_SERVICES: language.text(N_("All services"), lang), **names}
    say = functools.partial(language.text, lang=lang)

    def decimals(code: str) -> int:
        return registry.get(code).decimals

    def attained(pct: float, status: str) -> str:
        if status in (NO_TARGET, "no data"):
            return say(NO_TARGET if status == NO_TARGET else NO_DATA)
        return say(N_("target 0")) if pd.isna(pct) else f"{pct:,.1f}"

    def service(code: str) -> str:
        return language.name("service", code, names.get(code, code), lang)

    rows = table.itertuples(index=False)
    shown: list[dict[str, Any]] = [
        {
            "District": language.name("district", row.district_code, row.district_name, lang),
            "Service": service(row.service_code),
            "Metric": f"{say(registry.get(row.metric).label)} ({row.metric})",
            "Period": row.period,
            "Target": say(NO_TARGET)
            if pd.isna(row.target)
            else _number(row.target, decimals(row.metric), lang),
            "Actual": _number(row.actual, decimals(row.metric), lang),
            "Attainment (%)": attained(row.attainment_pct, row.status),
            "Status": say(STATUS_WORDS.get(row.status, row.status)),
            "Source": row.source,
            "Year": row.year,
        }
        for row in rows
    ]
    columns = [
        *(N_("District"), N_("Service"), N_("Metric"), N_("Period"), N_("Target")),
        *(N_("Actual"), N_("Attainment (%)"), N_("Status"), N_("Source"), N_("Year")),
    ]
    frame = pd.DataFrame(shown, columns=columns)
    return frame.rename(columns={c: say(c) for c in columns})


def status_style(table: pd.DataFrame, lang: str = language.DEFAULT) -> Any:
    """The target display table as a pandas Styler with the Status cells in RAG colours (the
    statuses as `target_display` wrote them in `lang`)."""
    fills = {
        language.text(STATUS_WORDS.get(status, status), lang): fill
        for status, fill in STATUS_COLOURS.items()
    }

    def colour(status: object) -> str:
        fill = fills.get(str(status))
        return f"background-color: {fill}" if fill else ""

    return table.style.map(colour, subset=[language.text(N_("Status"), lang)])


def series_caption(metric: Metric, level: str, lang: str = language.DEFAULT) -> str:
    """What the chart shows and how its numbers are made, for the caption under it."""
    text = language.say(
        N_(
            "{formula}. Change on the previous month and on the same month a year earlier are "
            "differences in {unit}. Months without data are gaps, never zero."
        ),
        lang,
        formula=language.text(metric.formula, lang),
        unit=change_unit(metric, lang),
    )
    if level == "division":
        text += " " + language.text(
            N_(
                "A division's value adds up the counts of its districts with data in that month "
                "(numerator and denominator), never an average of district rates."
            ),
            lang,
        )
    return text


DELTA_DIRECTIONS = {
    "lower_is_better": N_("lower is better, so the largest fall ranks first"),
    "neutral": N_("neither direction is better for this metric; the largest rise ranks first"),
}


def delta_caption(metric: Metric | ModelledMetric, lang: str = language.DEFAULT) -> str:
    """How the delta ranking is read for this metric."""
    direction = DELTA_DIRECTIONS.get(metric.direction, N_("the largest rise ranks first"))
    rule = N_(
        "Delta = value in the period − value in the comparison period (NITI Aayog's district "
        "delta ranking); rank 1 = improved most ({direction}). Districts without a value in "
        "both periods have no rank and come last."
    )
    return language.say(rule, lang, direction=language.text(direction, lang))


def metric_label(code: str, lang: str = language.DEFAULT) -> str:
    """How a metric is named in the picker."""
    return f"{language.text(registry.get(code).label, lang)} ({code})"
