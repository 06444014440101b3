"""Tables and figures the pages show, built from metric frames (pure functions, unit-tested),
and the years of the sources they cite."""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import pandas as pd

from kp_dash.numbers import source_texts
from kp_dash.numbers.registry import Metric
from kp_dash.store import db
from kp_dash.store.marks import N_

NO_DATA = N_("No data")
MERGED = N_("merged (ex-FATA)")
# joins several sources (or their years) in one text: "Demonstration data …; PBS Census 2023"
PROFILE_COLUMN = N_("Profile")
# Every source the database holds with its year: seed tables, current indicators, and the usage
# of a selection (parameters: service ×2, from ×2, to ×2).
SOURCE_YEARS_SQL = """
select source, year from stg_seed_sources where year is not null
union
select concat_ws(', ', source, source_note), year from stg_indicators_current
union
select source, year from stg_usage
where (?::varchar is null or service_code = ?)
  and (?::varchar is null or month_start >= strptime(?, '%Y-%m')::date)
  and (?::varchar is null or month_start <= strptime(?, '%Y-%m')::date)
"""


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
        merged=table["is_merged"].map({True: MERGED, False: ""}),
        profile=table["district_code"].map(profile_url),
    )
    columns = ["rank", "district_name", "division", "merged", "shown", "source", "year", "profile"]
    shown = shown[columns]
    return shown.rename(
        columns={
            "rank": N_("Rank"),
            "district_name": N_("District"),
            "division": N_("Division"),
            "merged": N_("Merged district"),
            "shown": f"{metric.label} ({metric.unit})",
            "source": N_("Source"),
            "year": N_("Year"),
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


def source_years(
    con: duckdb.DuckDBPyConnection,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> dict[str, tuple[int, ...]]:
    """Each single source of the database with the years it covers: seed and indicator sources
    with their published year, usage sources with the years of their months in the selection
    (a `kp_dash.views.source_list.SourceList` dates the parts of joined source texts with them)."""
    params = [service, service, month_from, month_from, month_to, month_to]
    years: dict[str, set[int]] = {}
    for source, year in db.query_df(con, SOURCE_YEARS_SQL, params).itertuples(index=False):
        if isinstance(source, str) and not pd.isna(year):
            for part in source.split(source_texts.SEPARATOR):
                years.setdefault(part.strip(), set()).add(int(year))
    return {source: tuple(sorted(found)) for source, found in years.items() if source}


def month_options(first: str | None, last: str | None) -> list[str]:
    """Every month from first to last as YYYY-MM (empty when there is no usage)."""
    if not first or not last:
        return []
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def register(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The district register as the database holds it (code, name, division, merged, source…),
    in code order."""
    return db.query_df(con, "select * from districts order by district_code")


def service_name(con: duckdb.DuckDBPyConnection, code: str) -> str | None:
    """A service's name in the catalogue; None for a code it does not hold."""
    names = db.query_df(con, "select service_name from services where service_code = ?", [code])
    return None if names.empty else str(names["service_name"].iloc[0])
