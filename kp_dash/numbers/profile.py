"""District profile: one district against its division and the province, and its place among the
35 districts.

Every division and province figure is summed first and divided last over the member districts
(numerators and denominators, never an average of district rates), so a division value is what
the division would report as one place. A figure a district lacks is *No data*, never zero; a
division or province value says how many of its districts carried the figure.

The district's e-services, excluded groups and data completeness are in `profile_usage`. The page
`pages/7_Profile.py` shows these frames (through `kp_dash.views.profile_tables`); it is opened with
`?district=PK502`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import pandas as pd

from kp_dash.numbers import analysis, metrics, registry, source_texts, summaries
from kp_dash.store import db
from kp_dash.store.marks import N_

NO_DATA = "No data"
PROVINCE_CODE = "KP"
PROVINCE_NAME = "Khyber Pakhtunkhwa"
PROFILE_PAGE = "pages/7_Profile.py"
URL_PARAM = "district"
LEVELS = ("district", "division", "province")


@dataclass(frozen=True)
class Figure:
    """A profile figure: `scale` × Σ numerator ÷ Σ denominator, or Σ numerator for counts."""

    code: str
    label: str
    unit: str
    scale: float | None  # None: a count (no denominator)
    decimals: int


FIGURES: tuple[Figure, ...] = (
    Figure("population_2023", N_("Population"), N_("people"), None, 0),
    Figure("population_female_2023", N_("Female population"), N_("people"), None, 0),
    Figure("rural_share_pct", N_("Rural share of the population"), N_("% of people"), 100.0, 1),
    Figure("literacy_pct", N_("Literacy, age 10+"), N_("% of people aged 10+"), 100.0, 1),
    Figure(
        "literacy_female_pct", N_("Female literacy, age 10+"), N_("% of women aged 10+"), 100.0, 1
    ),
    Figure(
        "grid_light_pct", N_("Households lit by grid electricity"), N_("% of households"), 100.0, 1
    ),
    Figure(
        "mobile_hh_pct", N_("People in households with a mobile phone"), N_("% of people"), 1.0, 1
    ),
    Figure("access_index", N_("Access index"), N_("index 0–100"), 1.0, 1),
    Figure(
        "unserved_population",
        N_("People e-services cannot reach online"),
        N_("people (estimate)"),
        None,
        0,
    ),
)
FIGURE_COLUMNS = [
    "figure",
    "label",
    "unit",
    "level",
    "area",
    "value",
    "numerator",
    "denominator",
    "districts_with_data",
    "districts",
    "source",
    "year",
    "parent_estimate",
]
# key metrics ranked on the profile (direction from the registry)
RANKED = (
    "uptake_per_1000",
    "digital_share_pct",
    "female_share_pct",
    "gender_parity",
    "uptake_gap",
    "access_index",
    "mobile_hh_pct",
    "literacy_pct",
    "literacy_female_pct",
    "grid_light_pct",
    "unserved_population",
)

POPULATION_SQL = """
select district_code, sex, area, population, source, year
from population
where census_year = 2023 and age_group = 'all'
  and ((sex = 'all' and area in ('all', 'rural')) or (sex = 'female' and area = 'all'))
"""
MOBILE_PARENT_SQL = """
select district_code, bool_or(is_parent_estimate) as parent_estimate
from stg_indicators_current
where indicator = 'mobile_hh_pct' and grp = 'all'
group by district_code
"""
REGISTER_SQL = """
select district_code, district_name, division, is_merged, area_km2
from districts order by district_code
"""


# --- the district register ---------------------------------------------------------------------


def district_options(register: pd.DataFrame) -> dict[str, str]:
    """P-code -> district name, in name order (the district picker's options)."""
    ordered = register.sort_values("district_name")
    return dict(zip(ordered["district_code"], ordered["district_name"], strict=True))


def district_from_param(value: object, options: dict[str, str]) -> str | None:
    """The district a URL's `district` value names: a P-code (any case) or a district name;
    None when it names none."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.upper() in options:
        return text.upper()
    by_name = {name.casefold(): code for code, name in options.items()}
    return by_name.get(text.casefold())


profile_url = summaries.profile_url


def load_register(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The district register: code, name, division, merged flag and area, by code."""
    return db.query_df(con, REGISTER_SQL)


def district_row(register: pd.DataFrame, district_code: str) -> pd.Series:
    """The district's register row; ValueError for a code the register lacks."""
    rows = register[register["district_code"] == district_code]
    if rows.empty:
        raise ValueError(f"unknown district code '{district_code}'")
    return rows.iloc[0]


# --- population and access against the division and the province -------------------------------


def _parts(
    frame: pd.DataFrame, numerator: str, denominator: str | None, source: str, year: str
) -> pd.DataFrame:
    """Per-district parts of a figure in the common shape."""
    parts = pd.DataFrame(
        {
            "district_code": frame["district_code"],
            "numerator": pd.to_numeric(frame[numerator], errors="coerce").astype("float64"),
            "denominator": (
                pd.to_numeric(frame[denominator], errors="coerce").astype("float64")
                if denominator
                else math.nan
            ),
            "source": frame[source],
            "year": frame[year].astype("string"),
        }
    )
    parts["parent_estimate"] = False
    return parts


def _population_parts(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    rows = db.query_df(con, POPULATION_SQL)

    def pick(sex: str, area: str) -> pd.DataFrame:
        part = rows[(rows["sex"] == sex) & (rows["area"] == area)]
        return part.drop(columns=["sex", "area"]).reset_index(drop=True)

    total, female, rural = pick("all", "all"), pick("female", "all"), pick("all", "rural")
    rural = rural.rename(columns={"population": "rural"}).merge(
        total[["district_code", "population"]].rename(columns={"population": "total"}),
        on="district_code",
    )
    return {
        "population_2023": _parts(total, "population", None, "source", "year"),
        "population_female_2023": _parts(female, "population", None, "source", "year"),
        "rural_share_pct": _parts(rural, "rural", "total", "source", "year"),
    }


def _metric_parts(con: duckdb.DuckDBPyConnection, code: str) -> pd.DataFrame:
    """A registered ratio metric's numerator and denominator by district."""
    frame = metrics.fetch(con, registry.Query(code, ("district",)))
    return _parts(frame, "numerator", "denominator", "source", "year")


def _weighted_parts(
    values: pd.DataFrame, value: str, weight: str, source: str, year: str
) -> pd.DataFrame:
    """A metric that is population-weighted above district level (mobile_hh_pct, access_index,
    as their SQL views do): value × population over population."""
    frame = values.assign(_weighted=values[value] * values[weight])
    return _parts(frame, "_weighted", weight, source, year)


def district_parts(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """Figure code -> per-district numerator, denominator, source, year and parent flag."""
    parts = _population_parts(con)
    for code in ("literacy_pct", "literacy_female_pct", "grid_light_pct"):
        parts[code] = _metric_parts(con, code)
    model = analysis.district_frame(con)
    population = model[["district_code", "eligible_population"]]
    mobile = metrics.fetch(con, registry.Query("mobile_hh_pct", ("district",))).merge(
        population, on="district_code"
    )
    parts["mobile_hh_pct"] = _weighted_parts(
        mobile, "value", "eligible_population", "source", "year"
    ).drop(columns="parent_estimate")
    parents = db.query_df(con, MOBILE_PARENT_SQL)
    parts["mobile_hh_pct"] = parts["mobile_hh_pct"].merge(parents, on="district_code", how="left")
    access = model.dropna(subset=["access_index"])
    access = access.assign(
        source=source_texts.joined_by_row(access, ("access_source",)),
        year=analysis.joined_years(access, ("access_year",)),
    )
    parts["access_index"] = _weighted_parts(
        access, "access_index", "eligible_population", "source", "year"
    )
    unserved = model.dropna(subset=["unserved_population"])
    unserved = unserved.assign(
        source=source_texts.joined_by_row(unserved, ("population_source", "access_source")),
        year=analysis.joined_years(unserved, ("population_year", "access_year")),
    )
    parts["unserved_population"] = _parts(unserved, "unserved_population", None, "source", "year")
    flags = model.set_index("district_code")["access_is_parent_estimate"]
    for code in ("access_index", "unserved_population"):
        parts[code]["parent_estimate"] = parts[code]["district_code"].map(flags)
    for frame in parts.values():
        frame["parent_estimate"] = frame["parent_estimate"].fillna(False).astype(bool)
    return parts


def aggregate(figure: Figure, parts: pd.DataFrame, members: list[str]) -> dict[str, object]:
    """One figure over a set of districts: Σ numerator (÷ Σ denominator × scale), over the
    member districts that carry both; NaN when none does."""
    rows = parts[parts["district_code"].isin(members)].dropna(subset=["numerator"])
    if figure.scale is not None:
        rows = rows[rows["denominator"] > 0]
    numerator = float(rows["numerator"].sum()) if len(rows) else math.nan
    denominator = float(rows["denominator"].sum()) if figure.scale and len(rows) else math.nan
    if figure.scale is None:
        value = numerator
    else:
        value = figure.scale * numerator / denominator if len(rows) else math.nan
    return {
        "figure": figure.code,
        "label": figure.label,
        "unit": figure.unit,
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "districts_with_data": len(rows),
        "districts": len(members),
        "source": source_texts.joined(rows["source"]),
        "year": analysis.year_span(" ".join(rows["year"].dropna().astype(str))),
        "parent_estimate": bool(rows["parent_estimate"].any()),
    }


def profile_figures(con: duckdb.DuckDBPyConnection, district_code: str) -> pd.DataFrame:
    """Population and access figures of the district, its division and the province: one row
    per figure × level ('district', 'division', 'province') with value, numerator, denominator,
    how many districts carried it, unit, source, year and whether parent-district survey values
    (split districts) are in it. Counts have no denominator; the population-weighted figures
    (mobile_hh_pct, access_index) carry Σ value × population over Σ population."""
    register = load_register(con)
    row = district_row(register, district_code)
    division = register.loc[register["division"] == row["division"], "district_code"].tolist()
    levels = (
        ("district", str(row["district_name"]), [district_code]),
        ("division", f"{row['division']} division", division),
        ("province", PROVINCE_NAME, register["district_code"].tolist()),
    )
    parts = district_parts(con)
    rows = [
        {"level": level, "area": area, **aggregate(figure, parts[figure.code], members)}
        for figure in FIGURES
        for level, area, members in levels
    ]
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)


# --- rankings ----------------------------------------------------------------------------------

RANKING_COLUMNS = [
    "code",
    "label",
    "unit",
    "direction",
    "value",
    "shown",
    "rank",
    "ranked",
    "districts",
    "position",
    "source",
    "year",
]


def rank_row(
    metric: registry.Metric | registry.ModelledMetric,
    frame: pd.DataFrame,
    register: pd.DataFrame,
    district_code: str,
) -> dict[str, object]:
    """The district's place among all districts for one metric frame (by district), best first
    by the metric's direction; no rank where the district has no data."""
    # text columns as objects: an empty frame's would be float and not take the '' fill
    frame = frame.astype({"source": "object", "year": "object"})
    table = summaries.district_ranking(metric, frame, register)
    mine = table[table["district_code"] == district_code].iloc[0]
    ranked = int(table["value"].notna().sum())
    rank = mine["rank"]
    position = NO_DATA if pd.isna(rank) else f"{int(rank)} of {ranked}"
    return {
        "code": metric.code,
        "label": metric.label,
        "unit": metric.unit,
        "direction": metric.direction,
        "value": float(mine["value"]) if not pd.isna(mine["value"]) else math.nan,
        "shown": summaries.format_value(mine["value"], metric),
        "rank": rank,
        "ranked": ranked,
        "districts": len(table),
        "position": position,
        "source": mine["source"],
        "year": mine["year"],
    }


def rankings(
    con: duckdb.DuckDBPyConnection,
    district_code: str,
    month_from: str | None = None,
    month_to: str | None = None,
    service: str | None = None,
) -> pd.DataFrame:
    """The district's rank among the 35 for the key metrics (`RANKED`), 1 = best by each
    metric's direction (for `unserved_population`, the fewest people), with how many districts
    have data; 'No data' where the district has none."""
    register = load_register(con)
    district_row(register, district_code)
    rows = []
    for code in RANKED:
        metric = registry.get(code)
        frame = metrics.fetch(
            con, registry.Query(code, ("district",), service, month_from, month_to)
        )
        rows.append(rank_row(metric, frame, register, district_code))
    table = pd.DataFrame(rows, columns=RANKING_COLUMNS)
    table["rank"] = table["rank"].astype("Int64")
    return table
