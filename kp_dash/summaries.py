"""Tables and figures the pages show, built from metric frames (pure functions, unit-tested)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from kp_dash.metrics import Metric

NO_DATA = "No data"
PROFILE_COLUMN = "Profile"


def profile_url(district_code: str) -> str:
    """The district profile page's address for a district (a link that reproduces it)."""
    return f"/Profile?district={district_code}"


@dataclass(frozen=True)
class Headline:
    code: str
    label: str
    value: float | None
    text: str  # the number (with % for percentages), or "No data"
    source: str
    year: str


def format_value(value: float | None, metric: Metric) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_DATA
    return f"{value:,.{metric.decimals}f}"


def headline(metric: Metric, frame: pd.DataFrame) -> Headline:
    """The province value of a metric frame fetched with no breakdown."""
    if frame.empty or pd.isna(frame["value"].iloc[0]):
        return Headline(metric.code, metric.label, None, NO_DATA, "", "")
    row = frame.iloc[0]
    percent = " %" if metric.unit.startswith("%") else ""
    text = f"{format_value(float(row['value']), metric)}{percent}"
    return Headline(
        metric.code, metric.label, float(row["value"]), text, row["source"], str(row["year"])
    )


def district_ranking(metric: Metric, frame: pd.DataFrame, register: pd.DataFrame) -> pd.DataFrame:
    """All 35 districts, best first by the metric's direction; districts without data last,
    marked "No data" (never zero)."""
    columns = ["district_code", "district_name", "division", "is_merged"]
    table = register[columns].merge(
        frame[["district_code", "value", "source", "year"]], on="district_code", how="left"
    )
    ascending = metric.direction == "lower_is_better"
    table = table.sort_values(
        ["value", "district_name"],
        ascending=[ascending, True],
        na_position="last",
        ignore_index=True,
    )
    ranks = table["value"].rank(method="min", ascending=ascending)
    table.insert(0, "rank", ranks.astype("Int64"))
    table["shown"] = table["value"].map(lambda v: format_value(v, metric))
    table["source"] = table["source"].fillna("")
    table["year"] = table["year"].fillna("").astype(str)
    return table


def ranking_display(table: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    """Column names for people, value as text so "No data" reads as such."""
    shown = table.assign(
        merged=table["is_merged"].map({True: "merged (ex-FATA)", False: ""}),
        profile=table["district_code"].map(profile_url),
    )
    columns = ["rank", "district_name", "division", "merged", "shown", "source", "year", "profile"]
    shown = shown[columns]
    return shown.rename(
        columns={
            "rank": "Rank",
            "district_name": "District",
            "division": "Division",
            "merged": "Merged district",
            "shown": f"{metric.label} ({metric.unit})",
            "source": "Source",
            "year": "Year",
            "profile": PROFILE_COLUMN,
        }
    )


def map_values(frame: pd.DataFrame, register: pd.DataFrame) -> pd.DataFrame:
    """The values frame the map builders take: every district, NaN where there is no data."""
    values = register[["district_code", "district_name"]].merge(
        frame[["district_code", "value", "source", "year"]], on="district_code", how="left"
    )
    values["source"] = values["source"].fillna("")
    values["year"] = values["year"].fillna("").astype(str)
    return values


def source_lines(frame: pd.DataFrame) -> list[str]:
    """Distinct 'source (year)' pairs of a metric frame, for a caption under a table or map."""
    if frame.empty:
        return []
    pairs = frame[["source", "year"]].dropna().drop_duplicates()
    return [f"{row.source} ({row.year})" for row in pairs.itertuples(index=False)]


def month_options(first: str | None, last: str | None) -> list[str]:
    """Every month from first to last as YYYY-MM (empty when there is no usage)."""
    if not first or not last:
        return []
    return [str(p) for p in pd.period_range(first, last, freq="M")]
