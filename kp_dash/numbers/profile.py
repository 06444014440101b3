"""District profile: everything about one district, against its division and the province.

Every division and province figure is summed first and divided last over the member districts
(numerators and denominators, never an average of district rates), so a division value is what
the division would report as one place. A figure a district lacks is *No data*, never zero; a
division or province value says how many of its districts carried the figure.

The page `pages/7_Profile.py` shows these frames; it is opened with `?district=PK502`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import pandas as pd

from kp_dash.numbers import analysis, groups, metrics, quality, summaries
from kp_dash.store import db

NO_DATA = "No data"
PROVINCE_CODE = "KP"
PROVINCE_NAME = "Khyber Pakhtunkhwa"
PROFILE_PAGE = "pages/7_Profile.py"
URL_PARAM = "district"
ALL_SERVICES = "all"
ALL_SERVICES_LABEL = "All services"
TREND_MONTHS = 12
NO_TARGET = "no target"
# worst first: the status shown when a service has several targets
STATUS_ORDER = ("red", "amber", "green", "no data", NO_TARGET)
LEVELS = ("district", "division", "province")
# what the page says under each section (before the numbers of the sources it cites)
FIGURES_NOTE = (
    "Division and province: numerators and denominators summed over their districts, never an "
    "average of district rates; people the e-services cannot reach online = population × "
    "(1 − access index ÷ 100), a survey-based estimate."
)
SERVICES_NOTE = (
    "Digital transactions (online, mobile app) per 1,000 eligible people (Census 2023); the "
    "sparkline shows the 12 months up to the end of the period."
)
GROUPS_NOTE = (
    "Rate ratio = the group's digital uptake ÷ its comparison's in this district (merged and "
    "low-literacy groups: the district ÷ the districts outside the group); parity 0.98–1.02."
)
RANKINGS_NOTE = "1 = best by each metric's direction; a district without data is not ranked."


@dataclass(frozen=True)
class Figure:
    """A profile figure: `scale` × Σ numerator ÷ Σ denominator, or Σ numerator for counts."""

    code: str
    label: str
    unit: str
    scale: float | None  # None: a count (no denominator)
    decimals: int


FIGURES: tuple[Figure, ...] = (
    Figure("population_2023", "Population", "people", None, 0),
    Figure("population_female_2023", "Female population", "people", None, 0),
    Figure("rural_share_pct", "Rural share of the population", "% of people", 100.0, 1),
    Figure("literacy_pct", "Literacy, age 10+", "% of people aged 10+", 100.0, 1),
    Figure("literacy_female_pct", "Female literacy, age 10+", "% of women aged 10+", 100.0, 1),
    Figure("grid_light_pct", "Households lit by grid electricity", "% of households", 100.0, 1),
    Figure("mobile_hh_pct", "People in households with a mobile phone", "% of people", 1.0, 1),
    Figure("access_index", "Access index", "index 0–100", 1.0, 1),
    Figure(
        "unserved_population",
        "People e-services cannot reach online",
        "people (estimate)",
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
SERVICES_SQL = "select service_code, service_name from services order by service_code"
LAST_MONTH_SQL = "select strftime(max(month_start), '%Y-%m') as month from usage"


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


def _register(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return db.query_df(con, REGISTER_SQL)


def _district(register: pd.DataFrame, district_code: str) -> pd.Series:
    rows = register[register["district_code"] == district_code]
    if rows.empty:
        raise ValueError(f"unknown district code '{district_code}'")
    return rows.iloc[0]


def district_heading(register: pd.DataFrame, district_code: str) -> str:
    """'Bajaur — Malakand division · merged district (ex-FATA) · 1,290 km²'."""
    row = _district(register, district_code)
    parts = [f"{row['division']} division"]
    if bool(row["is_merged"]):
        parts.append("merged district (ex-FATA)")
    if not pd.isna(row["area_km2"]):
        parts.append(f"{row['area_km2']:,.0f} km²")
    return f"{row['district_name']} — " + " · ".join(parts)


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
    frame = metrics.fetch(con, metrics.Query(code, ("district",)))
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
    mobile = metrics.fetch(con, metrics.Query("mobile_hh_pct", ("district",))).merge(
        population, on="district_code"
    )
    parts["mobile_hh_pct"] = _weighted_parts(
        mobile, "value", "eligible_population", "source", "year"
    ).drop(columns="parent_estimate")
    parents = db.query_df(con, MOBILE_PARENT_SQL)
    parts["mobile_hh_pct"] = parts["mobile_hh_pct"].merge(parents, on="district_code", how="left")
    access = model.dropna(subset=["access_index"])
    access = access.assign(
        source=analysis.joined_sources(access, ("access_source",)),
        year=analysis.joined_years(access, ("access_year",)),
    )
    parts["access_index"] = _weighted_parts(
        access, "access_index", "eligible_population", "source", "year"
    )
    unserved = model.dropna(subset=["unserved_population"])
    unserved = unserved.assign(
        source=analysis.joined_sources(unserved, ("population_source", "access_source")),
        year=analysis.joined_years(unserved, ("population_year", "access_year")),
    )
    parts["unserved_population"] = _parts(unserved, "unserved_population", None, "source", "year")
    flags = model.set_index("district_code")["access_is_parent_estimate"]
    for code in ("access_index", "unserved_population"):
        parts[code]["parent_estimate"] = parts[code]["district_code"].map(flags)
    for frame in parts.values():
        frame["parent_estimate"] = frame["parent_estimate"].fillna(False).astype(bool)
    return parts


def _joined(texts: pd.Series) -> str:
    parts = [p for text in texts.dropna() for p in str(text).split("; ") if p]
    return "; ".join(dict.fromkeys(parts))


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
        "source": _joined(rows["source"]),
        "year": analysis.year_span(" ".join(rows["year"].dropna().astype(str))),
        "parent_estimate": bool(rows["parent_estimate"].any()),
    }


def profile_figures(con: duckdb.DuckDBPyConnection, district_code: str) -> pd.DataFrame:
    """Population and access figures of the district, its division and the province: one row
    per figure × level ('district', 'division', 'province') with value, numerator, denominator,
    how many districts carried it, unit, source, year and whether parent-district survey values
    (split districts) are in it. Counts have no denominator; the population-weighted figures
    (mobile_hh_pct, access_index) carry Σ value × population over Σ population."""
    register = _register(con)
    row = _district(register, district_code)
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


def _format(value: object, decimals: int) -> str:
    if value is None or pd.isna(value):
        return NO_DATA
    return f"{float(value):,.{decimals}f}"


def figures_display(frame: pd.DataFrame) -> pd.DataFrame:
    """The figures for people: one row per figure, the district, division and province side by
    side as text ('No data', never 0), survey-based people estimates rounded."""
    by_code = {f.code: f for f in FIGURES}
    areas = [frame.loc[frame["level"] == level, "area"].iloc[0] for level in LEVELS]
    rows = []
    for code, part in frame.groupby("figure", sort=False):
        figure = by_code[code]
        row = {"Figure": figure.label}
        for level, area in zip(LEVELS, areas, strict=True):
            cell = part[part["level"] == level].iloc[0]
            row[area] = (
                groups.round_people(cell["value"])
                if figure.unit.endswith("(estimate)")
                else _format(cell["value"], figure.decimals)
            )
        row["Unit"] = figure.unit
        row["Source"] = _joined(part["source"])
        row["Year"] = analysis.year_span(" ".join(part["year"]))
        row["Note"] = _figure_note(part)
        rows.append(row)
    return pd.DataFrame(rows, columns=["Figure", *areas, "Unit", "Source", "Year", "Note"])


def _figure_note(part: pd.DataFrame) -> str:
    notes = []
    district = part[part["level"] == "district"].iloc[0]
    if district["parent_estimate"]:
        notes.append("the district carries its parent district's survey value")
    elif part["parent_estimate"].any():
        notes.append("division or province includes parent-district survey values")
    partial = part[
        (part["level"] != "district") & (part["districts_with_data"] < part["districts"])
    ]
    for cell in partial.itertuples(index=False):
        notes.append(f"{cell.area}: {cell.districts_with_data} of {cell.districts} districts")
    return "; ".join(notes)


# --- the e-services ----------------------------------------------------------------------------

SERVICE_COLUMNS = [
    "service_code",
    "service_name",
    "uptake_per_1000",
    "province_uptake_per_1000",
    "digital_share_pct",
    "female_share_pct",
    "digital_transactions",
    "trend_months",
    "trend",
    "target_status",
    "target_detail",
    "source",
    "year",
]


def trend_window(month_to: str | None, count: int = TREND_MONTHS) -> list[str]:
    """The `count` months up to and including `month_to` (YYYY-MM), oldest first."""
    if not month_to:
        return []
    end = pd.Period(month_to, freq="M")
    return [str(end - i) for i in range(count - 1, -1, -1)]


def _fetch_district(
    con: duckdb.DuckDBPyConnection,
    code: str,
    by: tuple[str, ...],
    district_code: str,
    month_from: str | None,
    month_to: str | None,
) -> pd.DataFrame:
    frame = metrics.fetch(con, metrics.Query(code, ("district", *by), None, month_from, month_to))
    return frame[frame["district_code"] == district_code]


def _by_service(frame: pd.DataFrame, column: str = "value") -> dict[str, float]:
    """Service code ('all' for a frame without a service column) -> value."""
    if frame.empty:
        return {}
    if "service" not in frame:
        return {ALL_SERVICES: float(frame[column].iloc[0])}
    return dict(zip(frame["service"], frame[column].astype("float64"), strict=True))


def _both(
    con: duckdb.DuckDBPyConnection,
    code: str,
    district_code: str | None,
    month_from: str | None,
    month_to: str | None,
    column: str = "value",
) -> dict[str, float]:
    """A metric by service plus its all-services value, for the district (or the province)."""
    values: dict[str, float] = {}
    for by in ((), ("service",)):
        if district_code is None:
            frame = metrics.fetch(con, metrics.Query(code, by, None, month_from, month_to))
        else:
            frame = _fetch_district(con, code, by, district_code, month_from, month_to)
        values |= _by_service(frame, column)
    return values


def _trends(
    con: duckdb.DuckDBPyConnection, district_code: str, months: list[str]
) -> dict[str, list[float | None]]:
    """Service ('all' too) -> monthly uptake per 1,000 over `months`, None where no data."""
    if not months:
        return {}
    result: dict[str, list[float | None]] = {}
    for by in (("month",), ("service", "month")):
        frame = _fetch_district(con, "uptake_per_1000", by, district_code, months[0], months[-1])
        keys = frame["service"] if "service" in frame else pd.Series(ALL_SERVICES, frame.index)
        for service, part in frame.groupby(keys):
            values = dict(zip(part["month"], part["value"], strict=True))
            result[str(service)] = [
                None if pd.isna(values.get(m, math.nan)) else float(values[m]) for m in months
            ]
    return result


def _sources(
    con: duckdb.DuckDBPyConnection,
    district_code: str,
    month_from: str | None,
    month_to: str | None,
) -> dict[str, tuple[str, str]]:
    values: dict[str, tuple[str, str]] = {}
    for by in ((), ("service",)):
        frame = _fetch_district(con, "uptake_per_1000", by, district_code, month_from, month_to)
        for row in frame.to_dict("records"):
            values[row.get("service", ALL_SERVICES)] = (row["source"], str(row["year"]))
    return values


def target_summary(rows: pd.DataFrame) -> tuple[str, str]:
    """The worst status of a service's targets and a sentence per target; 'no target' when the
    district has none."""
    if rows.empty:
        return NO_TARGET, ""
    statuses = [str(s) for s in rows["status"]]
    worst = min(statuses, key=lambda s: STATUS_ORDER.index(s) if s in STATUS_ORDER else 99)
    details = []
    for row in rows.itertuples(index=False):
        attained = (
            f"{row.attainment_pct:.0f} % of the target {row.target:,.1f}"
            if not pd.isna(row.attainment_pct)
            else f"target {row.target:,.1f}, no actual"
        )
        details.append(f"{row.metric} {row.period}: {attained} ({row.status})")
    return worst, "; ".join(details)


def district_targets(
    con: duckdb.DuckDBPyConnection,
    district_code: str,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """The district's targets in the period (every service and 'all'), from
    `trends.target_status`, without the 'no target' rows."""
    from kp_dash.numbers import trends

    frame = trends.target_status(
        con, month_from=month_from, month_to=month_to, district=district_code
    )
    return frame[(frame["district_code"] == district_code) & (frame["status"] != NO_TARGET)]


def service_table(
    con: duckdb.DuckDBPyConnection,
    district_code: str,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """One row per service, all services together first: the district's uptake per 1,000
    eligible people, the province's, the digital share and women's share of digital
    transactions in the period, the monthly uptake of the last 12 months up to `month_to`
    (`trend`, None where no data, with `trend_months`) and the target status ('no target' when
    the district has none). NaN, never 0, where there is no data."""
    services = db.query_df(con, SERVICES_SQL)
    names = {ALL_SERVICES: ALL_SERVICES_LABEL} | dict(
        zip(services["service_code"], services["service_name"], strict=True)
    )
    period = (month_from, month_to)
    uptake = _both(con, "uptake_per_1000", district_code, *period)
    transactions = _both(con, "uptake_per_1000", district_code, *period, column="numerator")
    province = _both(con, "uptake_per_1000", None, *period)
    digital = _both(con, "digital_share_pct", district_code, *period)
    female = _both(con, "female_share_pct", district_code, *period)
    last = month_to or db.query_df(con, LAST_MONTH_SQL)["month"].iloc[0]
    months = trend_window(last if isinstance(last, str) else None)
    trends_by_service = _trends(con, district_code, months)
    sources = _sources(con, district_code, *period)
    targets = district_targets(con, district_code, *period)
    rows = []
    for code, name in names.items():
        status, detail = target_summary(targets[targets["service_code"] == code])
        source, year = sources.get(code, ("", ""))
        rows.append(
            {
                "service_code": code,
                "service_name": name,
                "uptake_per_1000": uptake.get(code, math.nan),
                "province_uptake_per_1000": province.get(code, math.nan),
                "digital_share_pct": digital.get(code, math.nan),
                "female_share_pct": female.get(code, math.nan),
                "digital_transactions": transactions.get(code, math.nan),
                "trend_months": months,
                "trend": trends_by_service.get(code, [None] * len(months)),
                "target_status": status,
                "target_detail": detail,
                "source": source,
                "year": year,
            }
        )
    return pd.DataFrame(rows, columns=SERVICE_COLUMNS).astype(
        dict.fromkeys(
            (
                "uptake_per_1000",
                "province_uptake_per_1000",
                "digital_share_pct",
                "female_share_pct",
                "digital_transactions",
            ),
            "float64",
        )
    )


def for_export(frame: pd.DataFrame) -> pd.DataFrame:
    """A profile frame for CSV / Excel: without the list columns (sparklines) a sheet cannot
    hold; counts stay counts and missing values stay empty (never 0)."""
    lists = [c for c in frame.columns if frame[c].map(lambda v: isinstance(v, list)).any()]
    return frame.drop(columns=lists)


def service_display(table: pd.DataFrame) -> pd.DataFrame:
    """The service table for people; `Last 12 months` stays a list for a sparkline column."""
    return pd.DataFrame(
        {
            "Service": table["service_name"],
            "Uptake per 1,000 eligible": table["uptake_per_1000"].map(lambda v: _format(v, 2)),
            "Province uptake per 1,000": table["province_uptake_per_1000"].map(
                lambda v: _format(v, 2)
            ),
            "Digital share (%)": table["digital_share_pct"].map(lambda v: _format(v, 1)),
            "Women's share of digital use (%)": table["female_share_pct"].map(
                lambda v: _format(v, 1)
            ),
            "Last 12 months": table["trend"],
            "Target status": table["target_status"],
            "Target detail": table["target_detail"],
            "Source": table["source"],
            "Year": table["year"],
        }
    )


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
    metric: metrics.Metric | metrics.ModelledMetric,
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
    register = _register(con)
    _district(register, district_code)
    rows = []
    for code in RANKED:
        metric = metrics.get(code)
        frame = metrics.fetch(
            con, metrics.Query(code, ("district",), service, month_from, month_to)
        )
        rows.append(rank_row(metric, frame, register, district_code))
    table = pd.DataFrame(rows, columns=RANKING_COLUMNS)
    table["rank"] = table["rank"].astype("Int64")
    return table


def rankings_display(table: pd.DataFrame) -> pd.DataFrame:
    best = {"higher_is_better": "highest", "lower_is_better": "lowest", "neutral": "highest"}
    return pd.DataFrame(
        {
            "Metric": table["label"],
            "Value": table["shown"],
            "Unit": table["unit"],
            "Rank": table["position"],
            "1 =": table["direction"].map(best),
            "Source": table["source"],
            "Year": table["year"],
        }
    )


# --- excluded groups ---------------------------------------------------------------------------

GROUP_COLUMNS = ["group_key", "group", "comparison", "ratio", "parity_band", "status"]
NOT_MEMBER = "not in this group"


def group_membership(con: duckdb.DuckDBPyConnection, district_code: str) -> dict[str, bool]:
    """Whether the district belongs to each district-kind group (merged; low female literacy,
    by the same bottom-third cut as `groups`)."""
    register = _register(con)
    row = _district(register, district_code)
    literacy = metrics.fetch(con, metrics.Query("literacy_female_pct", ("district",)))
    cut = groups.low_literacy_cut(literacy["value"])
    own = literacy.loc[literacy["district_code"] == district_code, "value"]
    low = bool(len(own) and not pd.isna(own.iloc[0]) and own.iloc[0] <= cut)
    return {"merged": bool(row["is_merged"]), "low_female_literacy": low}


def district_groups(
    matrix: pd.DataFrame, district_name: str, membership: dict[str, bool]
) -> pd.DataFrame:
    """The district's row of `groups.district_group_matrix`, one row per group: the rate ratio
    (the group's uptake ÷ its comparison's), the parity band and why a ratio is missing."""
    row = matrix.loc[district_name] if district_name in matrix.index else pd.Series(dtype=float)
    rows = []
    for group in groups.GROUPS:
        ratio = float(row.get(group.short, math.nan))
        if not pd.isna(ratio):
            status = ""
        elif group.kind == "district" and not membership.get(group.key, False):
            status = NOT_MEMBER
        elif group.kind == "disability":
            status = groups.NO_DISABILITY
        else:
            status = NO_DATA
        rows.append(
            {
                "group_key": group.key,
                "group": group.label,
                "comparison": group.comparison,
                "ratio": ratio,
                "parity_band": groups.parity_band(ratio),
                "status": status,
            }
        )
    return pd.DataFrame(rows, columns=GROUP_COLUMNS)


def groups_row(
    con: duckdb.DuckDBPyConnection,
    district_code: str,
    month_from: str | None = None,
    month_to: str | None = None,
    service: str | None = None,
) -> pd.DataFrame:
    """`district_groups` for the district, from the whole matrix of the selection."""
    matrix = groups.district_group_matrix(con, service, month_from, month_to)
    name = str(_district(_register(con), district_code)["district_name"])
    return district_groups(matrix, name, group_membership(con, district_code))


def groups_display(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Group": table["group"],
            "Compared with": table["comparison"],
            "Rate ratio (1 = parity)": table["ratio"].map(lambda v: _format(v, 2)),
            "Parity band (0.98–1.02)": table["parity_band"],
            "Note": table["status"],
        }
    )


# --- data completeness -------------------------------------------------------------------------

COMPLETENESS_COLUMNS = [
    "district_code",
    "expected",
    "received",
    "completeness_pct",
    "province_completeness_pct",
    "months_no_data",
    "services",
    "months",
]


def completeness_summary(frame: pd.DataFrame, district_code: str) -> pd.DataFrame:
    """From a `quality.completeness` frame: the district's expected and received
    month × service cells, its completeness (%) against the province's, the months it sent
    nothing at all; NaN completeness when nothing was expected (no usage)."""
    mine = frame[frame["district_code"] == district_code]
    expected, received = int(mine["expected"].sum()), int(mine["received"].sum())
    by_month = mine.groupby("month")["received"].sum()
    province_expected = int(frame["expected"].sum())
    row = {
        "district_code": district_code,
        "expected": expected,
        "received": received,
        "completeness_pct": 100.0 * received / expected if expected else math.nan,
        "province_completeness_pct": (
            100.0 * int(frame["received"].sum()) / province_expected
            if province_expected
            else math.nan
        ),
        "months_no_data": [str(m) for m in by_month.index[by_month == 0]],
        "services": int(mine["service_code"].nunique()),
        "months": int(mine["month"].nunique()),
    }
    return pd.DataFrame([row], columns=COMPLETENESS_COLUMNS)


def completeness_row(
    con: duckdb.DuckDBPyConnection,
    district_code: str,
    month_from: str | None = None,
    month_to: str | None = None,
    service: str | None = None,
) -> pd.DataFrame:
    """`completeness_summary` of the selection: share of expected months × services received."""
    frame = quality.completeness(con, service, month_from, month_to)
    return completeness_summary(frame, district_code)


def completeness_sentence(row: pd.DataFrame) -> str:
    """'Received 34 of 36 months × services (94.4 %; province 97.0 %). No data at all in …'."""
    cell = row.iloc[0]
    if not cell["expected"]:
        return f"{NO_DATA}: no usage data in this selection."
    text = (
        f"Received {cell['received']:,} of {cell['expected']:,} months × services "
        f"({cell['completeness_pct']:.1f} %; province {cell['province_completeness_pct']:.1f} %)"
        f" over {cell['months']} months and {cell['services']} services."
    )
    missing = cell["months_no_data"]
    if missing:
        text += f" Nothing at all in {len(missing)} month(s): {', '.join(missing)}."
    return text
