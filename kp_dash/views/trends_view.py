"""How trends and targets look: the change and delta tables, the target table with its RAG
colours, the series chart, and the captions that explain them. The numbers come from
`kp_dash.numbers.trends`; here they become text, colours and figures ("No data", never 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from kp_dash.numbers import registry
from kp_dash.numbers.registry import Metric, ModelledMetric
from kp_dash.numbers.trends import ALL_SERVICES, NO_TARGET, latest_month
from kp_dash.store import config
from kp_dash.views import palettes

NO_DATA = "No data"
NO_TARGETS = (
    "No targets for this service and period: every district has *no target*. Targets come "
    "from a `targets` import (service, district or KP, metric, month or year, target)."
)
# light fills keep the status word readable; the word itself carries the meaning too
STATUS_COLOURS = {
    **palettes.STATUS,
    NO_TARGET: palettes.NO_STATUS,
    "no data": palettes.NO_STATUS,
}


def change_unit(metric: Metric) -> str:
    """The unit a change of the metric is in (a change of a percentage is in points)."""
    return "percentage points" if metric.unit.startswith("%") else metric.unit


def _signed(value: float, decimals: int) -> str:
    return NO_DATA if pd.isna(value) else f"{value:+,.{decimals}f}"


def _number(value: float, decimals: int) -> str:
    return NO_DATA if pd.isna(value) else f"{value:,.{decimals}f}"


def change_table(frame: pd.DataFrame, metric: Metric, month: str | None = None) -> pd.DataFrame:
    """Each group's value in one month (default: the latest with data) with its month-on-month
    and year-on-year change, as text for people ("No data", never 0, where missing)."""
    month = month or latest_month(frame)
    rows = frame[frame["month"] == month]
    unit = change_unit(metric)
    return pd.DataFrame(
        {
            "Group": rows["group"],
            "Month": rows["month"],
            f"{metric.label} ({metric.unit})": rows["value"].map(
                lambda v: _number(v, metric.decimals)
            ),
            f"Change on previous month ({unit})": rows["mom_change"].map(
                lambda v: _signed(v, metric.decimals)
            ),
            f"Change on same month last year ({unit})": rows["yoy_change"].map(
                lambda v: _signed(v, metric.decimals)
            ),
            "Source": rows["source"],
            "Year": rows["year"],
        }
    ).reset_index(drop=True)


def series_figure(frame: pd.DataFrame, metric: Metric) -> go.Figure:
    """One line per group; months without data are gaps (never drawn as 0); the hover gives the
    value and its month-on-month and year-on-year change."""
    figure = go.Figure()
    unit = change_unit(metric)
    for _, part in frame.groupby("group_code", sort=False):
        hover = [
            f"{_signed(mom, metric.decimals)} on previous month, "
            f"{_signed(yoy, metric.decimals)} on a year earlier ({unit})"
            for mom, yoy in zip(part["mom_change"], part["yoy_change"], strict=True)
        ]
        figure.add_trace(
            go.Scatter(
                x=part["month"],
                y=part["value"],
                name=str(part["group"].iloc[0]),
                mode="lines+markers",
                connectgaps=False,
                customdata=hover,
                hovertemplate=f"%{{fullData.name}}<br>%{{x|%b %Y}}: %{{y:,.{metric.decimals}f}}"
                "<br>%{customdata}<extra></extra>",
            )
        )
    if frame["value"].isna().all():
        figure.add_annotation(
            text=f"{NO_DATA} for this selection",
            showarrow=False,
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
        )
    figure.update_layout(
        height=420,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"title": {"text": f"{metric.label} ({metric.unit})"}, "rangemode": "tozero"},
        xaxis={"title": None, "dtick": "M3", "tickformat": "%b %Y"},
        legend={"title": {"text": ""}},
        hovermode="closest",
        plot_bgcolor="white",
    )
    return figure


def delta_display(
    table: pd.DataFrame, metric: Metric, period: tuple[str, str], comparison: tuple[str, str]
) -> pd.DataFrame:
    """The delta ranking for people: numbers as text, "No data" (never 0) where missing."""

    def label(months: tuple[str, str]) -> str:
        return months[0] if months[0] == months[1] else f"{months[0]} to {months[1]}"

    return pd.DataFrame(
        {
            "Rank": table["rank"],
            "District": table["district_name"],
            f"{label(period)} ({metric.unit})": table["value"].map(
                lambda v: _number(v, metric.decimals)
            ),
            f"{label(comparison)} ({metric.unit})": table["comparison_value"].map(
                lambda v: _number(v, metric.decimals)
            ),
            f"Delta ({change_unit(metric)})": table["delta"].map(
                lambda v: _signed(v, metric.decimals)
            ),
            "Source": table["source"],
            "Year": table["year"],
        }
    )


def thresholds_caption(thresholds: tuple[float, float] | None = None) -> str:
    """The RAG rule as configured, for a caption under the target table."""
    green, amber = thresholds or config.rag_thresholds()
    return (
        f"Target attainment = 100 × actual ÷ target, same metric and period (month targets: "
        f"that month; year targets: that year's months in the data). Green ≥ {green:g} %, "
        f"amber ≥ {amber:g} %, red below (set by KP_DASH_RAG_GREEN and KP_DASH_RAG_AMBER). "
        "For a lower-is-better metric above 100 is worse, and the status is judged on "
        "target ÷ actual. *no target*: the district has none; *No data*: no actual value."
    )


def target_display(table: pd.DataFrame, services: pd.DataFrame | None = None) -> pd.DataFrame:
    """The target table for people: names, numbers as text, "no target" / "No data" never 0.
    `services` is the services table (service_code, service_name) for the names."""
    names: Mapping[str, str] = (
        dict(zip(services["service_code"], services["service_name"], strict=True))
        if services is not None
        else {}
    )
    names = {ALL_SERVICES: "All services", **names}

    def decimals(code: str) -> int:
        return registry.get(code).decimals

    def attained(pct: float, status: str) -> str:
        if status in (NO_TARGET, "no data"):
            return NO_TARGET if status == NO_TARGET else NO_DATA
        return "target 0" if pd.isna(pct) else f"{pct:,.1f}"

    rows = table.itertuples(index=False)
    shown: list[dict[str, Any]] = [
        {
            "District": row.district_name,
            "Service": names.get(row.service_code, row.service_code),
            "Metric": f"{registry.get(row.metric).label} ({row.metric})",
            "Period": row.period,
            "Target": NO_TARGET
            if pd.isna(row.target)
            else _number(row.target, decimals(row.metric)),
            "Actual": _number(row.actual, decimals(row.metric)),
            "Attainment (%)": attained(row.attainment_pct, row.status),
            "Status": row.status,
            "Source": row.source,
            "Year": row.year,
        }
        for row in rows
    ]
    columns = ["District", "Service", "Metric", "Period", "Target", "Actual", "Attainment (%)"]
    return pd.DataFrame(shown, columns=[*columns, "Status", "Source", "Year"])


def status_style(table: pd.DataFrame) -> Any:
    """The target display table as a pandas Styler with the Status cells in RAG colours."""

    def colour(status: object) -> str:
        fill = STATUS_COLOURS.get(str(status))
        return f"background-color: {fill}" if fill else ""

    return table.style.map(colour, subset=["Status"])


def series_caption(metric: Metric, level: str) -> str:
    """What the chart shows and how its numbers are made, for the caption under it."""
    text = (
        f"{metric.formula}. Change on the previous month and on the same month a year earlier "
        f"are differences in {change_unit(metric)}. Months without data are gaps, never zero."
    )
    if level == "division":
        text += (
            " A division's value adds up the counts of its districts with data in that month "
            "(numerator and denominator), never an average of district rates."
        )
    return text


def delta_caption(metric: Metric | ModelledMetric) -> str:
    """How the delta ranking is read for this metric."""
    direction = {
        "lower_is_better": "lower is better, so the largest fall ranks first",
        "neutral": "neither direction is better for this metric; the largest rise ranks first",
    }.get(metric.direction, "the largest rise ranks first")
    return (
        "Delta = value in the period − value in the comparison period (NITI Aayog's district "
        f"delta ranking); rank 1 = improved most ({direction}). Districts without a value in "
        "both periods have no rank and come last."
    )


def metric_label(code: str) -> str:
    """How a metric is named in the picker."""
    return f"{registry.get(code).label} ({code})"
