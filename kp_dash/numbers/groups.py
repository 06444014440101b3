"""Excluded groups: who they are and what their figures are computed from — women, rural
people, older people, people with a disability, the merged districts and districts with low female
literacy, each against its comparison — the district × group matrix of rate ratios (and what it
divides), and the people a service cannot reach online.

Every rate is summed first and divided last (numerators and denominators over districts, never an
average of rates); a side without data is NaN with a status that says why, never a zero. The table
of each group against its comparison is `group_rows.group_table`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from kp_dash.numbers import analysis, metrics, registry, source_texts
from kp_dash.store import db
from kp_dash.store.marks import N_

PARITY_LOW, PARITY_HIGH = 0.98, 1.02
NO_DATA = "No data"


@dataclass(frozen=True)
class Group:
    """A group and what it is compared with; `kind` says how its members are told apart."""

    key: str
    label: str
    comparison: str
    short: str  # heat-map column
    kind: str  # 'sex', 'area', 'age', 'disability' or 'district'


GROUPS: list[Group] = [
    Group("women", N_("Women"), N_("Men"), N_("Women ÷ men"), "sex"),
    Group("rural", N_("Rural residents"), N_("Urban residents"), N_("Rural ÷ urban"), "area"),
    Group(
        "age_60plus", N_("People aged 60+"), N_("People under 60"), N_("Age 60+ ÷ under 60"), "age"
    ),
    Group(
        "disability",
        N_("People with a disability"),
        N_("People without a disability"),
        N_("Disability ÷ none"),
        "disability",
    ),
    Group(
        "merged",
        N_("Merged districts (ex-FATA)"),
        N_("The other districts"),
        N_("Merged district ÷ the rest"),
        "district",
    ),
    Group(
        "low_female_literacy",
        N_("Districts with low female literacy (bottom third)"),
        N_("The other districts"),
        N_("Low female literacy ÷ the rest"),
        "district",
    ),
]

NO_USAGE = N_("no data in this selection: no usage for this service and period")
NO_BREAKDOWN = "no data in this selection: the files carry no {what} breakdown"
NO_DISABILITY = N_(
    "no usage data: the usage files carry no disability breakdown (the people figure is "
    "from the census)"
)
NO_POPULATION = N_("no eligible population in this group for this service")
NOT_ELIGIBLE = N_("not in this service's eligible age group")
NO_COMPARISON = N_("no comparison: every district with data falls in this group")

# Usage by district and age band (or disability) for one selection; parameters: service ×2,
# from ×2, to ×2.
BREAKDOWN_SQL = """
select
    district_code,{month}
    {column},
    sum(case when channel_kind = 'digital' then transactions else 0 end) as digital,
    sum(case when channel_kind = 'assisted' then transactions else 0 end) as assisted,
    sum(transactions) as all_transactions,
    sum(case when channel_kind = 'digital' and sex = 'female' then transactions else 0 end)
        as female_digital,
    sum(case when channel_kind = 'digital' and sex in ('female', 'male') then transactions
        else 0 end) as female_male_digital,
    string_agg(distinct source, '; ') as source,
    min(year) as year_from,
    max(year) as year_to
from stg_usage
where (?::varchar is null or service_code = ?)
  and (?::varchar is null or month_start >= strptime(?, '%Y-%m')::date)
  and (?::varchar is null or month_start <= strptime(?, '%Y-%m')::date)
group by all
"""
BREAKDOWNS = ("age_band", "disability")  # the columns BREAKDOWN_SQL is written for
# The eligible population of a service (service 'all': total population) by district, sex, area.
ELIGIBLE_SQL = """
select district_code, sex, area, population, source, year
from stg_eligible_population
where service_code = ?
"""
AGE_60_SQL = """
select district_code, population, source, year
from population
where census_year = 2023 and age_group = '60+' and sex = 'all' and area = 'all'
"""
DISABILITY_SQL = """
select district_code, population, with_disability, source, year
from disability
where sex = 'all' and area = 'all' and with_disability is not null
"""
SERVICE_SQL = "select service_name, population_age_group from services where service_code = ?"
USAGE_KINDS_SQL = "select distinct source_kind from usage_batches order by 1"


def parity_band(ratio: float) -> str:
    """ITU parity band of a ratio (0.98–1.02 = parity)."""
    if ratio is None or pd.isna(ratio):
        return NO_DATA.lower()
    if ratio < PARITY_LOW:
        return N_("below parity")
    return N_("above parity") if ratio > PARITY_HIGH else N_("parity")


def per_1000(transactions: float, population: float) -> float:
    """Transactions per 1,000 people; NaN without a positive population."""
    if pd.isna(transactions) or pd.isna(population) or population <= 0:
        return math.nan
    return 1000.0 * transactions / population


def safe_ratio(numerator: float, denominator: float) -> float:
    """numerator ÷ denominator; NaN when either is missing or the denominator is not positive."""
    if pd.isna(numerator) or pd.isna(denominator) or denominator <= 0:
        return math.nan
    return float(numerator) / float(denominator)


def sixty_plus_eligible(age_group: str | None) -> bool:
    """Whether people aged 60+ belong to a service's eligible age group ('all', '18+', '5-24')."""
    if age_group is None or age_group == "all":
        return True
    if age_group.endswith("+"):
        return int(age_group[:-1]) <= 60
    upper = re.findall(r"\d+", age_group)
    return bool(upper) and int(upper[-1]) >= 60


def low_literacy_cut(values: pd.Series, thirds: int = 1) -> float:
    """The bottom-tercile cut of female literacy: the value of the ⌈n/3⌉-th lowest district;
    districts at or below it form the group (ties included). `thirds=2`: the ⌈2n/3⌉-th, the
    top of the middle third."""
    known = values.dropna().sort_values()
    if known.empty:
        return math.nan
    return float(known.iloc[math.ceil(thirds * len(known) / 3) - 1])


def service_age_group(con: duckdb.DuckDBPyConnection, service: str | None) -> str | None:
    """A service's eligible age group ('all', '18+', '5-24'…); None for all services or an
    unknown code."""
    rows = db.query_df(con, SERVICE_SQL, [service]) if service else pd.DataFrame()
    return str(rows["population_age_group"].iloc[0]) if len(rows) else None


@dataclass(frozen=True)
class Inputs:
    """Everything the group figures are computed from, for one service and period."""

    districts: pd.DataFrame  # analysis.district_frame plus literacy and membership flags
    below: set[str]  # districts with access below the provincial median
    eligible: pd.DataFrame
    age_usage: pd.DataFrame
    disability_usage: pd.DataFrame
    age_population: pd.DataFrame
    sixty_eligible: bool
    disability: pd.DataFrame
    usage_kinds: str
    literacy_cut: float
    literacy_source: str


def load_inputs(
    con: duckdb.DuckDBPyConnection,
    service: str | None,
    month_from: str | None,
    month_to: str | None,
) -> Inputs:
    """The `Inputs` of one service (None: all) and period."""
    districts = analysis.district_frame(con, service, month_from, month_to)
    literacy = metrics.fetch(con, registry.Query("literacy_female_pct", ("district",)))
    districts = districts.merge(
        literacy[["district_code", "value"]].rename(columns={"value": "literacy_female_pct"}),
        on="district_code",
        how="left",
    )
    cut = low_literacy_cut(districts["literacy_female_pct"])
    districts["in_merged"] = districts["is_merged"].astype(bool)
    districts["in_low_female_literacy"] = districts["literacy_female_pct"] <= cut
    median = districts["access_index"].median()
    below = set(districts.loc[districts["access_index"] < median, "district_code"])
    age_group = service_age_group(con, service)
    params = [service, service, month_from, month_from, month_to, month_to]
    kinds = db.query_df(con, USAGE_KINDS_SQL)["source_kind"]
    return Inputs(
        districts=districts,
        below=below,
        eligible=db.query_df(con, ELIGIBLE_SQL, [service or "all"]),
        age_usage=db.query_df(con, breakdown_sql("age_band"), params),
        disability_usage=db.query_df(con, breakdown_sql("disability"), params),
        age_population=db.query_df(con, AGE_60_SQL),
        sixty_eligible=sixty_plus_eligible(age_group),
        disability=db.query_df(con, DISABILITY_SQL),
        usage_kinds=", ".join(kinds),
        literacy_cut=cut,
        literacy_source=source_texts.joined(literacy["source"]),
    )


def year_text(*texts: object) -> str:
    """The span of the years named in `texts` ('2023', '2023-2025'); '' when none."""
    return analysis.year_span(" ".join(str(t) for t in texts if isinstance(t, str | int)))


def eligible_by_district(inputs: Inputs, sex: str = "all", area: str = "all") -> pd.Series:
    """The eligible population of one sex and area, by district."""
    rows = inputs.eligible[(inputs.eligible["sex"] == sex) & (inputs.eligible["area"] == area)]
    return rows.set_index("district_code")["population"].astype(float)


def _known(column: str) -> str:
    if column not in BREAKDOWNS:
        raise ValueError(f"no usage breakdown by {column!r}")
    return column


def breakdown_sql(column: str, by_month: bool = False) -> str:
    """`BREAKDOWN_SQL` by one of `BREAKDOWNS` (a fixed name, never user text), and by month
    (`YYYY-MM`) when asked."""
    month = "\n    strftime(month_start, '%Y-%m') as month," if by_month else ""
    return BREAKDOWN_SQL.format(column=_known(column), month=month)


def _sides(usage: pd.DataFrame, column: str, member: str) -> pd.DataFrame:
    """Per district with the breakdown known: digital, assisted, all and female transactions
    of the group (`member`, suffix _g) and of the rest (_c)."""
    usage = usage[usage[column] != "unknown"].copy()
    if usage.empty:
        return pd.DataFrame()
    usage["side"] = np.where(usage[column] == member, "g", "c")
    columns = ["digital", "assisted", "all_transactions", "female_digital", "female_male_digital"]
    sums = usage.pivot_table(index="district_code", columns="side", values=columns, aggfunc="sum")
    sums.columns = [f"{value}_{side}" for value, side in sums.columns]
    return sums.reindex(columns=[f"{c}_{s}" for c in columns for s in "gc"]).fillna(0.0)


def disability_sums(inputs: Inputs) -> pd.DataFrame:
    """`age_sums` for people with a disability against those without: each district's eligible
    population split by its census share with a disability (all ages)."""
    sums = _sides(inputs.disability_usage, "disability", "yes")
    if sums.empty:
        return sums
    census = inputs.disability.set_index("district_code")
    share = (census["with_disability"] / census["population"]).astype(float)
    total = eligible_by_district(inputs).reindex(sums.index)
    sums["population_g"] = total * share.reindex(sums.index)
    sums["population_c"] = total - sums["population_g"]
    sums["population_all"] = total
    return sums


def age_sums(inputs: Inputs) -> pd.DataFrame:
    """Per district with known age bands: digital, assisted, all and female transactions of
    people aged 60+ and under 60, with the eligible population of each."""
    sums = _sides(inputs.age_usage, "age_band", "60+")
    if sums.empty:
        return sums
    total = eligible_by_district(inputs)
    sixty = inputs.age_population.set_index("district_code")["population"].astype(float)
    sums["population_g"] = sixty.reindex(sums.index) if inputs.sixty_eligible else math.nan
    sums["population_c"] = total.reindex(sums.index) - sums["population_g"].fillna(0.0)
    sums["population_all"] = total.reindex(sums.index)
    return sums


def _side_ratio(sums: pd.DataFrame) -> pd.Series:
    """Each district's uptake of the group ÷ the rest's (`age_sums`, `disability_sums`)."""
    if sums.empty:
        return pd.Series(dtype="float64")
    group_rate = 1000 * sums["digital_g"] / sums["population_g"].where(sums["population_g"] > 0)
    other_rate = 1000 * sums["digital_c"] / sums["population_c"].where(sums["population_c"] > 0)
    return group_rate / other_rate.where(other_rate > 0)


def district_group_matrix(
    con: duckdb.DuckDBPyConnection,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """District × group rate ratios for the heat map: index district names, one column per group
    (`Group.short`, in `GROUPS` order); NaN = no data. For the district groups a member
    district's uptake is divided by the pooled uptake of the districts outside the group."""
    inputs = load_inputs(con, service, month_from, month_to)
    query = (service, month_from, month_to)
    frame = inputs.districts.set_index("district_code")
    matrix = pd.DataFrame(index=frame.index)
    for group in GROUPS:
        if group.kind in ("sex", "area"):
            member, other = ("female", "male") if group.kind == "sex" else ("rural", "urban")
            uptake = metrics.fetch(
                con, registry.Query("uptake_per_1000", ("district", group.kind), *query)
            )
            rates = uptake.pivot_table(
                index="district_code", columns=group.kind, values="value", aggfunc="first"
            ).reindex(columns=[member, other])
            matrix[group.short] = (rates[member] / rates[other].where(rates[other] > 0)).reindex(
                matrix.index
            )
        elif group.kind in ("age", "disability"):
            sums = age_sums(inputs) if group.kind == "age" else disability_sums(inputs)
            matrix[group.short] = _side_ratio(sums).reindex(matrix.index)
        else:
            members = frame[f"in_{group.key}"].fillna(False).astype(bool)
            has = frame["digital_transactions"].notna()
            rest = frame[has & ~members]
            rest_rate = per_1000(
                rest["digital_transactions"].sum() if len(rest) else math.nan,
                rest["eligible_population"].sum(),
            )
            own = (
                1000
                * frame["digital_transactions"]
                / frame["eligible_population"].where(frame["eligible_population"] > 0)
            )
            divisor = rest_rate if rest_rate > 0 else math.nan
            matrix[group.short] = (own / divisor).where(members)
    matrix = matrix.astype("float64")
    matrix.index = pd.Index(frame["district_name"].reindex(matrix.index), name="district")
    return matrix


KNOWN_SQL = """
select count(*) as n from stg_usage
where {column} <> 'unknown'
  and (?::varchar is null or service_code = ?)
  and (?::varchar is null or month_start >= strptime(?, '%Y-%m')::date)
  and (?::varchar is null or month_start <= strptime(?, '%Y-%m')::date)
"""


def _has_breakdown(con: duckdb.DuckDBPyConnection, column: str, params: list) -> bool:
    """Whether the selection's usage has rows with `column` (one of `BREAKDOWNS`) known."""
    return bool(db.query_df(con, KNOWN_SQL.format(column=_known(column)), params)["n"].iloc[0])


def matrix_sources(
    con: duckdb.DuckDBPyConnection,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """`source` and `year` of what `district_group_matrix` divides: each district's uptake by
    sex and area (usage and eligible population), female literacy (which districts form the
    low-literacy group) and, when the usage carries age bands, the population aged 60+ (and
    disability: the census disability table). Empty
    without usage in the selection (the matrix is then all *no data*)."""
    query = (service, month_from, month_to)
    frames = [
        metrics.fetch(con, registry.Query("uptake_per_1000", ("district", kind), *query))
        for kind in ("sex", "area")
    ]
    if all(frame.empty for frame in frames):
        return pd.DataFrame(columns=["source", "year"])
    frames.append(metrics.fetch(con, registry.Query("literacy_female_pct", ("district",))))
    params = [service, service, month_from, month_from, month_to, month_to]
    age_group = service_age_group(con, service)
    if sixty_plus_eligible(age_group) and _has_breakdown(con, "age_band", params):
        frames.append(db.query_df(con, AGE_60_SQL))
    if _has_breakdown(con, "disability", params):
        frames.append(db.query_df(con, DISABILITY_SQL))
    cited = pd.concat([f[["source", "year"]].astype("object") for f in frames if len(f)])
    return cited.dropna(subset=["source"]).drop_duplicates(ignore_index=True)


def unserved_table(
    con: duckdb.DuckDBPyConnection,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """People eligible for the service whom it cannot reach online, per district and a province
    total row (district_code 'KP'): eligible population × (1 − access_index ÷ 100), exact here
    (round for display only); a survey-based estimate. NaN where access or population is
    missing."""
    frame = analysis.district_frame(con, service, month_from, month_to)
    columns = [
        "district_code",
        "district_name",
        "eligible_population",
        "access_index",
        "unserved_population",
        "access_is_parent_estimate",
        "population_source",
        "population_year",
        "access_source",
        "access_year",
    ]
    table = frame[columns].copy()
    table["eligible_population"] = table["eligible_population"].astype("float64")
    table["source"] = source_texts.joined_by_row(table, ("population_source", "access_source"))
    table["year"] = analysis.joined_years(table, ("population_year", "access_year"))
    table = table.drop(
        columns=["population_source", "population_year", "access_source", "access_year"]
    )
    known = table.dropna(subset=["unserved_population"])
    total = {
        "district_code": "KP",
        "district_name": "Khyber Pakhtunkhwa (total)",
        "eligible_population": known["eligible_population"].sum() if len(known) else math.nan,
        "access_index": safe_ratio(
            (known["access_index"] * known["eligible_population"]).sum(),
            known["eligible_population"].sum(),
        ),
        "unserved_population": known["unserved_population"].sum() if len(known) else math.nan,
        "access_is_parent_estimate": bool(known["access_is_parent_estimate"].any()),
        "source": source_texts.joined(known["source"]),
        "year": year_text(*known["year"]),
    }
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)
