"""Excluded groups: how women, rural people, older people, people with a disability, the merged
districts and districts with low female literacy use the e-services, each against its comparison.

Every rate is summed first and divided last (numerators and denominators over districts, never an
average of rates); a side without data is NaN with a status that says why, never a zero.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kp_dash.numbers import analysis, metrics
from kp_dash.store import db

PARITY_LOW, PARITY_HIGH = 0.98, 1.02
NO_DATA = "No data"
ESTIMATE_NOTE = "estimate: the access index is partly survey-based (PSLM)"
PARENT_NOTE = "includes parent-district survey values for {names}"


@dataclass(frozen=True)
class Group:
    """A group and what it is compared with; `kind` says how its members are told apart."""

    key: str
    label: str
    comparison: str
    short: str  # heat-map column
    kind: str  # 'sex', 'area', 'age', 'disability' or 'district'


GROUPS: list[Group] = [
    Group("women", "Women", "Men", "Women ÷ men", "sex"),
    Group("rural", "Rural residents", "Urban residents", "Rural ÷ urban", "area"),
    Group("age_60plus", "People aged 60+", "People under 60", "Age 60+ ÷ under 60", "age"),
    Group(
        "disability",
        "People with a disability",
        "People without a disability",
        "Disability ÷ none",
        "disability",
    ),
    Group(
        "merged",
        "Merged districts (ex-FATA)",
        "The other districts",
        "Merged district ÷ the rest",
        "district",
    ),
    Group(
        "low_female_literacy",
        "Districts with low female literacy (bottom third)",
        "The other districts",
        "Low female literacy ÷ the rest",
        "district",
    ),
]

TABLE_COLUMNS = [
    "group_key",
    "group",
    "comparison",
    "group_uptake_per_1000",
    "comparison_uptake_per_1000",
    "ratio",
    "representation_ratio",
    "female_share_pct",
    "assisted_share_pct",
    "people_below_access_median",
    "parity_band",
    "status",
    "estimate_note",
    "source_kind",
    "source",
    "year",
]

NO_USAGE = "no data in this selection: no usage for this service and period"
NO_BREAKDOWN = "no data in this selection: the files carry no {what} breakdown"
NO_DISABILITY = (
    "no usage data: the usage files carry no disability breakdown (the people figure is "
    "from the census)"
)
NO_POPULATION = "no eligible population in this group for this service"
NOT_ELIGIBLE = "not in this service's eligible age group"
NO_COMPARISON = "no comparison: every district with data falls in this group"

# Usage by district and age band for one selection; parameters: service ×2, from ×2, to ×2.
AGE_USAGE_SQL = """
select
    district_code,
    age_band,
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
group by district_code, age_band
"""
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
select district_code, with_disability, source, year
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
        return "below parity"
    return "above parity" if ratio > PARITY_HIGH else "parity"


def _rate(transactions: float, population: float) -> float:
    if pd.isna(transactions) or pd.isna(population) or population <= 0:
        return math.nan
    return 1000.0 * transactions / population


def _ratio(numerator: float, denominator: float) -> float:
    if pd.isna(numerator) or pd.isna(denominator) or denominator <= 0:
        return math.nan
    return float(numerator) / float(denominator)


def _pct(part: float, whole: float) -> float:
    return 100.0 * _ratio(part, whole)


def sixty_plus_eligible(age_group: str | None) -> bool:
    """Whether people aged 60+ belong to a service's eligible age group ('all', '18+', '5-24')."""
    if age_group is None or age_group == "all":
        return True
    if age_group.endswith("+"):
        return int(age_group[:-1]) <= 60
    upper = re.findall(r"\d+", age_group)
    return bool(upper) and int(upper[-1]) >= 60


def low_literacy_cut(values: pd.Series) -> float:
    """The bottom-tercile cut of female literacy: the value of the ⌈n/3⌉-th lowest district;
    districts at or below it form the group (ties included)."""
    known = values.dropna().sort_values()
    if known.empty:
        return math.nan
    return float(known.iloc[math.ceil(len(known) / 3) - 1])


@dataclass(frozen=True)
class _Inputs:
    """Everything the group figures are computed from, for one service and period."""

    districts: pd.DataFrame  # analysis.district_frame plus literacy and membership flags
    below: set[str]  # districts with access below the provincial median
    eligible: pd.DataFrame
    age_usage: pd.DataFrame
    age_population: pd.DataFrame
    sixty_eligible: bool
    disability: pd.DataFrame
    usage_kinds: str
    literacy_cut: float
    literacy_source: str


def _load(
    con: duckdb.DuckDBPyConnection,
    service: str | None,
    month_from: str | None,
    month_to: str | None,
) -> _Inputs:
    districts = analysis.district_frame(con, service, month_from, month_to)
    literacy = metrics.fetch(con, metrics.Query("literacy_female_pct", ("district",)))
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
    service_row = db.query_df(con, SERVICE_SQL, [service]) if service else pd.DataFrame()
    age_group = service_row["population_age_group"].iloc[0] if len(service_row) else None
    params = [service, service, month_from, month_from, month_to, month_to]
    kinds = db.query_df(con, USAGE_KINDS_SQL)["source_kind"]
    return _Inputs(
        districts=districts,
        below=below,
        eligible=db.query_df(con, ELIGIBLE_SQL, [service or "all"]),
        age_usage=db.query_df(con, AGE_USAGE_SQL, params),
        age_population=db.query_df(con, AGE_60_SQL),
        sixty_eligible=sixty_plus_eligible(age_group),
        disability=db.query_df(con, DISABILITY_SQL),
        usage_kinds=", ".join(kinds),
        literacy_cut=cut,
        literacy_source=_source_text(literacy),
    )


def _source_text(frame: pd.DataFrame) -> str:
    if frame.empty:
        return ""
    return "; ".join(dict.fromkeys(p for s in frame["source"].dropna() for p in s.split("; ")))


def _year_text(*texts: object) -> str:
    return analysis.year_span(" ".join(str(t) for t in texts if isinstance(t, str | int)))


def _eligible(inputs: _Inputs, sex: str = "all", area: str = "all") -> pd.Series:
    rows = inputs.eligible[(inputs.eligible["sex"] == sex) & (inputs.eligible["area"] == area)]
    return rows.set_index("district_code")["population"].astype(float)


def _below_sum(inputs: _Inputs, population: pd.Series) -> float:
    """People of a group (population by district) living in districts below the access median;
    NaN when the group has no population figures at all."""
    if population.empty:
        return math.nan
    return float(population[population.index.isin(inputs.below)].sum())


def _estimate_note(inputs: _Inputs, value: float) -> str:
    if pd.isna(value):
        return ""
    frame = inputs.districts
    parents = frame[frame["district_code"].isin(inputs.below) & frame["access_is_parent_estimate"]]
    note = ESTIMATE_NOTE
    if len(parents):
        note += "; " + PARENT_NOTE.format(names=", ".join(parents["district_name"]))
    return note


def _row(
    inputs: _Inputs,
    group: Group,
    label: str,
    sides: tuple[float, float, float, float, float, float],
    shares: tuple[float, float],
    below: float,
    status: str,
    source: str,
    year: str,
) -> dict[str, object]:
    """One table row from the group's and comparison's sums: (T_g, P_g, T_c, P_c, ΣT, ΣP)."""
    t_g, p_g, t_c, p_c, t_all, p_all = sides
    group_rate, comparison_rate = _rate(t_g, p_g), _rate(t_c, p_c)
    ratio = _ratio(group_rate, comparison_rate)
    representation = (
        analysis.representation_ratio(t_g, t_all, p_g, p_all) if not pd.isna(t_g) else math.nan
    )
    kinds = [k for k in (inputs.usage_kinds if not pd.isna(group_rate) else "", "census") if k]
    if not pd.isna(below):
        kinds.append("survey (access index)")
    return {
        "group_key": group.key,
        "group": label,
        "comparison": group.comparison,
        "group_uptake_per_1000": group_rate,
        "comparison_uptake_per_1000": comparison_rate,
        "ratio": ratio,
        "representation_ratio": representation,
        "female_share_pct": shares[0],
        "assisted_share_pct": shares[1],
        "people_below_access_median": below,
        "parity_band": parity_band(ratio),
        "status": status,
        "estimate_note": _estimate_note(inputs, below),
        "source_kind": "; ".join(kinds),
        "source": source,
        "year": year,
    }


def _access_source(inputs: _Inputs) -> tuple[str, str]:
    frame = inputs.districts
    return _joined(*frame["access_source"].dropna()), _year_text(*frame["access_year"].dropna())


def _population_source(frame: pd.DataFrame) -> tuple[str, str]:
    return _source_text(frame), _year_text(*frame["year"].dropna().astype(str))


def _joined(*parts: str) -> str:
    return "; ".join(dict.fromkeys(p for part in parts for p in part.split("; ") if p))


def _cell(frame: pd.DataFrame, column: str, dim: str | None = None, key: str = "") -> float:
    """One value of a metric frame: the row whose `dim` is `key`, or its only row; NaN if none."""
    rows = frame[frame[dim] == key] if dim else frame
    if rows.empty or pd.isna(rows[column].iloc[0]):
        return math.nan
    return float(rows[column].iloc[0])


def _by_dimension_row(
    con: duckdb.DuckDBPyConnection,
    inputs: _Inputs,
    group: Group,
    query: tuple[str | None, str | None, str | None],
) -> dict[str, object]:
    """Women vs men or rural vs urban: rates from `metrics.fetch(... by=(dim,))`."""
    dim = group.kind
    member, other = ("female", "male") if dim == "sex" else ("rural", "urban")
    uptake = metrics.fetch(con, metrics.Query("uptake_per_1000", (dim,), *query))
    total = metrics.fetch(con, metrics.Query("uptake_per_1000", (), *query))
    assisted = metrics.fetch(con, metrics.Query("assisted_share_pct", (dim,), *query))
    female_by = () if dim == "sex" else (dim,)
    female = metrics.fetch(con, metrics.Query("female_share_pct", female_by, *query))
    rows = uptake.set_index(dim)
    known = rows[rows.index != "unknown"]

    population = _eligible(inputs, **{dim: member})
    below = _below_sum(inputs, population)
    if total.empty or pd.isna(total["numerator"].iloc[0]):
        status = NO_USAGE
    elif member not in rows.index or other not in rows.index:
        status = NO_BREAKDOWN.format(what="sex" if dim == "sex" else "urban/rural")
    elif pd.isna(rows.loc[member, "denominator"]):
        status = NO_POPULATION
    else:
        status = ""
    has = status == ""
    if has:
        sides = (
            _cell(uptake, "numerator", dim, member),
            _cell(uptake, "denominator", dim, member),
            _cell(uptake, "numerator", dim, other),
            _cell(uptake, "denominator", dim, other),
            float(known["numerator"].sum()),
            _cell(total, "denominator"),
        )
        # for women vs men the share is women's share of all digital use by women and men
        shares = (
            _cell(female, "value") if dim == "sex" else _cell(female, "value", dim, member),
            _cell(assisted, "value", dim, member),
        )
    else:
        sides, shares = (math.nan,) * 6, (math.nan, math.nan)
    access_source, access_year = _access_source(inputs)
    population_source, population_year = _population_source(inputs.eligible)
    source = _joined(_source_text(uptake) if has else "", population_source, access_source)
    year = _year_text(uptake["year"].astype(str).str.cat(sep=" ") if has else "", population_year)
    year = _year_text(year, access_year)
    return _row(inputs, group, group.label, sides, shares, below, status, source, year)


def _age_sums(inputs: _Inputs) -> pd.DataFrame:
    """Per district with known age bands: digital, assisted, all and female transactions of
    people aged 60+ and under 60, with the eligible population of each."""
    usage = inputs.age_usage[inputs.age_usage["age_band"] != "unknown"].copy()
    if usage.empty:
        return pd.DataFrame()
    usage["side"] = np.where(usage["age_band"] == "60+", "g", "c")
    columns = ["digital", "assisted", "all_transactions", "female_digital", "female_male_digital"]
    sums = usage.pivot_table(index="district_code", columns="side", values=columns, aggfunc="sum")
    sums.columns = [f"{value}_{side}" for value, side in sums.columns]
    sums = sums.reindex(columns=[f"{c}_{s}" for c in columns for s in "gc"]).fillna(0.0)
    total = _eligible(inputs)
    sixty = inputs.age_population.set_index("district_code")["population"].astype(float)
    sums["population_g"] = sixty.reindex(sums.index) if inputs.sixty_eligible else math.nan
    sums["population_c"] = total.reindex(sums.index) - sums["population_g"].fillna(0.0)
    sums["population_all"] = total.reindex(sums.index)
    return sums


def _age_row(inputs: _Inputs, group: Group) -> dict[str, object]:
    sums = _age_sums(inputs)
    sixty = inputs.age_population.set_index("district_code")["population"].astype(float)
    below = _below_sum(inputs, sixty) if inputs.sixty_eligible else math.nan
    usage_known = not inputs.age_usage.empty
    if not inputs.sixty_eligible:
        status = NOT_ELIGIBLE
    elif not usage_known:
        status = NO_USAGE
    elif sums.empty:
        status = NO_BREAKDOWN.format(what="age")
    elif sums["population_g"].isna().all():
        status = NO_POPULATION
    else:
        status = ""
    if status:
        sides = (math.nan,) * 6
        shares = (math.nan, math.nan)
    else:
        s = sums.dropna(subset=["population_g"]).sum()
        sides = (
            s["digital_g"],
            s["population_g"],
            s["digital_c"],
            s["population_c"],
            s["digital_g"] + s["digital_c"],
            s["population_all"],
        )
        shares = (
            _pct(s["female_digital_g"], s["female_male_digital_g"]),
            _pct(s["assisted_g"], s["all_transactions_g"]),
        )
    population_source, population_year = _population_source(inputs.age_population)
    access_source, access_year = _access_source(inputs)
    usage = inputs.age_usage
    source = _joined(_source_text(usage) if not status else "", population_source, access_source)
    years = [*usage["year_from"].astype(str), *usage["year_to"].astype(str)] if not status else []
    year = _year_text(" ".join(years), population_year, access_year)
    return _row(inputs, group, group.label, sides, shares, below, status, source, year)


def _disability_row(inputs: _Inputs, group: Group) -> dict[str, object]:
    people = inputs.disability.set_index("district_code")["with_disability"].astype(float)
    below = _below_sum(inputs, people)
    status = NO_DISABILITY if not inputs.age_usage.empty else NO_USAGE
    population_source, population_year = _population_source(inputs.disability)
    access_source, access_year = _access_source(inputs)
    source = _joined(population_source, access_source)
    year = _year_text(population_year, access_year)
    row = _row(
        inputs, group, group.label, (math.nan,) * 6, (math.nan,) * 2, below, status, source, year
    )
    row["source_kind"] = "census; survey (access index)" if not pd.isna(below) else "census"
    return row


def _district_sums(frame: pd.DataFrame, shares: pd.DataFrame, members: pd.Series) -> dict:
    """Sums over the districts with usage data, for the members and for the rest."""
    has = frame["digital_transactions"].notna()
    group, rest = frame[has & members], frame[has & ~members]
    share_rows = shares.set_index("district_code")

    def share(part: pd.DataFrame, column: str) -> float:
        codes = share_rows.index.intersection(part["district_code"])
        return float(share_rows.loc[codes, column].sum()) if len(codes) else math.nan

    return {
        "t_g": float(group["digital_transactions"].sum()) if len(group) else math.nan,
        "p_g": float(group["eligible_population"].sum()) if len(group) else math.nan,
        "t_c": float(rest["digital_transactions"].sum()) if len(rest) else math.nan,
        "p_c": float(rest["eligible_population"].sum()) if len(rest) else math.nan,
        "t_all": float(frame.loc[has, "digital_transactions"].sum()),
        "p_all": float(frame.loc[has, "eligible_population"].sum()),
        "female": _pct(share(group, "female_num"), share(group, "female_den")),
        "assisted": _pct(share(group, "assisted_num"), share(group, "assisted_den")),
        "n_group": len(group),
        "n_rest": len(rest),
    }


def _district_shares(
    con: duckdb.DuckDBPyConnection, query: tuple[str | None, str | None, str | None]
) -> pd.DataFrame:
    """Numerators and denominators of female and assisted shares by district (to be summed)."""
    female = metrics.fetch(con, metrics.Query("female_share_pct", ("district",), *query))
    assisted = metrics.fetch(con, metrics.Query("assisted_share_pct", ("district",), *query))
    return (
        female[["district_code", "numerator", "denominator"]]
        .rename(columns={"numerator": "female_num", "denominator": "female_den"})
        .merge(
            assisted[["district_code", "numerator", "denominator"]].rename(
                columns={"numerator": "assisted_num", "denominator": "assisted_den"}
            ),
            on="district_code",
            how="outer",
        )
        .astype(dict.fromkeys(("female_num", "female_den", "assisted_num"), "float64"))
        .astype({"assisted_den": "float64"})
    )


def _district_row(inputs: _Inputs, group: Group, shares: pd.DataFrame) -> dict[str, object]:
    frame = inputs.districts
    members = frame[f"in_{group.key}"].fillna(False).astype(bool)
    sums = _district_sums(frame, shares, members)
    label = group.label
    if group.key == "low_female_literacy" and not pd.isna(inputs.literacy_cut):
        label = (
            f"Districts with low female literacy (≤ {inputs.literacy_cut:.1f} %, "
            "bottom third of districts)"
        )
    if frame["digital_transactions"].notna().sum() == 0:
        status = NO_USAGE
    elif sums["n_group"] == 0 or not sums["p_g"] > 0:
        status = NO_POPULATION
    elif sums["n_rest"] == 0:
        status = NO_COMPARISON
    else:
        status = ""
    usage_status = status in ("", NO_COMPARISON)
    sides = (
        sums["t_g"] if usage_status else math.nan,
        sums["p_g"] if usage_status else math.nan,
        sums["t_c"] if status == "" else math.nan,
        sums["p_c"] if status == "" else math.nan,
        sums["t_all"],
        sums["p_all"],
    )
    share_values = (sums["female"], sums["assisted"]) if usage_status else (math.nan, math.nan)
    population = frame.loc[members].set_index("district_code")["eligible_population"]
    below = _below_sum(inputs, population.dropna().astype(float))
    used = frame[members & frame["digital_transactions"].notna()]
    source = _joined(
        *used["uptake_source"].dropna(),
        *frame["population_source"].dropna(),
        *frame["access_source"].dropna(),
    )
    if group.key == "low_female_literacy":
        source = _joined(source, inputs.literacy_source)
    year = _year_text(
        *used["uptake_year"].dropna(),
        *frame["population_year"].dropna(),
        *frame["access_year"].dropna(),
    )
    return _row(inputs, group, label, sides, share_values, below, status, source, year)


def group_table(
    con: duckdb.DuckDBPyConnection,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """One row per group of `GROUPS`: the uptake of the group and of its comparison (each on its
    own eligible population), their ratio (for women vs men: `gender_parity`), the
    representation ratio, women's and assisted channels' shares within the group, the people of
    the group in districts below the provincial access median, the parity band, a status saying
    why a figure is missing, and source kinds, sources and years."""
    inputs = _load(con, service, month_from, month_to)
    query = (service, month_from, month_to)
    shares = _district_shares(con, query)
    rows = []
    for group in GROUPS:
        if group.kind in ("sex", "area"):
            rows.append(_by_dimension_row(con, inputs, group, query))
        elif group.kind == "age":
            rows.append(_age_row(inputs, group))
        elif group.kind == "disability":
            rows.append(_disability_row(inputs, group))
        else:
            rows.append(_district_row(inputs, group, shares))
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def district_group_matrix(
    con: duckdb.DuckDBPyConnection,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """District × group rate ratios for the heat map: index district names, one column per group
    (`Group.short`, in `GROUPS` order); NaN = no data. For the district groups a member
    district's uptake is divided by the pooled uptake of the districts outside the group."""
    inputs = _load(con, service, month_from, month_to)
    query = (service, month_from, month_to)
    frame = inputs.districts.set_index("district_code")
    matrix = pd.DataFrame(index=frame.index)
    for group in GROUPS:
        if group.kind in ("sex", "area"):
            member, other = ("female", "male") if group.kind == "sex" else ("rural", "urban")
            uptake = metrics.fetch(
                con, metrics.Query("uptake_per_1000", ("district", group.kind), *query)
            )
            rates = uptake.pivot_table(
                index="district_code", columns=group.kind, values="value", aggfunc="first"
            ).reindex(columns=[member, other])
            matrix[group.short] = (rates[member] / rates[other].where(rates[other] > 0)).reindex(
                matrix.index
            )
        elif group.kind == "age":
            sums = _age_sums(inputs)
            if sums.empty:
                matrix[group.short] = math.nan
                continue
            group_rate = (
                1000 * sums["digital_g"] / sums["population_g"].where(sums["population_g"] > 0)
            )
            other_rate = (
                1000 * sums["digital_c"] / sums["population_c"].where(sums["population_c"] > 0)
            )
            matrix[group.short] = (group_rate / other_rate.where(other_rate > 0)).reindex(
                matrix.index
            )
        elif group.kind == "disability":
            matrix[group.short] = math.nan
        else:
            members = frame[f"in_{group.key}"].fillna(False).astype(bool)
            has = frame["digital_transactions"].notna()
            rest = frame[has & ~members]
            rest_rate = _rate(
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


AGE_BANDS_SQL = """
select count(*) as n from stg_usage
where age_band <> 'unknown'
  and (?::varchar is null or service_code = ?)
  and (?::varchar is null or month_start >= strptime(?, '%Y-%m')::date)
  and (?::varchar is null or month_start <= strptime(?, '%Y-%m')::date)
"""


def matrix_sources(
    con: duckdb.DuckDBPyConnection,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """`source` and `year` of what `district_group_matrix` divides: each district's uptake by
    sex and area (usage and eligible population), female literacy (which districts form the
    low-literacy group) and, when the usage carries age bands, the population aged 60+. Empty
    without usage in the selection (the matrix is then all *no data*)."""
    query = (service, month_from, month_to)
    frames = [
        metrics.fetch(con, metrics.Query("uptake_per_1000", ("district", kind), *query))
        for kind in ("sex", "area")
    ]
    if all(frame.empty for frame in frames):
        return pd.DataFrame(columns=["source", "year"])
    frames.append(metrics.fetch(con, metrics.Query("literacy_female_pct", ("district",))))
    params = [service, service, month_from, month_from, month_to, month_to]
    service_row = db.query_df(con, SERVICE_SQL, [service]) if service else pd.DataFrame()
    age_group = service_row["population_age_group"].iloc[0] if len(service_row) else None
    if sixty_plus_eligible(age_group) and db.query_df(con, AGE_BANDS_SQL, params)["n"].iloc[0]:
        frames.append(db.query_df(con, AGE_60_SQL))
    cited = pd.concat([f[["source", "year"]].astype("object") for f in frames if len(f)])
    return cited.dropna(subset=["source"]).drop_duplicates(ignore_index=True)


def group_heatmap(matrix: pd.DataFrame) -> go.Figure:
    """District × group heat map of rate ratios: a diverging scale centred on 1 (red = the group
    uses the service less than its comparison), 'No data' cells grey, hover with district,
    group and ratio."""
    z = matrix.to_numpy(dtype=float)
    districts, groups = list(matrix.index), list(matrix.columns)
    missing = np.where(np.isnan(z), 1.0, np.nan)
    figure = go.Figure(
        [
            go.Heatmap(
                z=z,
                x=groups,
                y=districts,
                zmin=0.0,
                zmid=1.0,
                zmax=2.0,
                colorscale="RdBu",
                colorbar={"title": {"text": "ratio<br>(1 = parity)"}},
                hovertemplate="District: %{y}<br>Group: %{x}<br>Ratio: %{z:.2f}<extra></extra>",
                name="ratio",
                xgap=1,
                ygap=1,
            ),
            go.Heatmap(
                z=missing,
                x=groups,
                y=districts,
                colorscale=[[0.0, "#d0d0d0"], [1.0, "#d0d0d0"]],
                showscale=False,
                hovertemplate=f"District: %{{y}}<br>Group: %{{x}}<br>Ratio: {NO_DATA}"
                "<extra></extra>",
                name=NO_DATA,
                xgap=1,
                ygap=1,
            ),
        ]
    )
    figure.update_layout(
        height=max(320, 22 * len(districts) + 140),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"autorange": "reversed", "title": None},
        xaxis={"side": "top", "title": None},
        plot_bgcolor="white",
    )
    return figure


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
    table["source"] = analysis.joined_sources(table, ("population_source", "access_source"))
    table["year"] = analysis.joined_years(table, ("population_year", "access_year"))
    table = table.drop(
        columns=["population_source", "population_year", "access_source", "access_year"]
    )
    known = table.dropna(subset=["unserved_population"])
    total = {
        "district_code": "KP",
        "district_name": "Khyber Pakhtunkhwa (total)",
        "eligible_population": known["eligible_population"].sum() if len(known) else math.nan,
        "access_index": _ratio(
            (known["access_index"] * known["eligible_population"]).sum(),
            known["eligible_population"].sum(),
        ),
        "unserved_population": known["unserved_population"].sum() if len(known) else math.nan,
        "access_is_parent_estimate": bool(known["access_is_parent_estimate"].any()),
        "source": _joined(*known["source"]),
        "year": _year_text(*known["year"]),
    }
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def round_people(value: float) -> str:
    """A survey-based people estimate for display: two to three significant figures."""
    if pd.isna(value):
        return NO_DATA
    if value >= 1_000_000:
        return f"≈ {value / 1_000_000:.1f} million"
    step = 1000 if value >= 100_000 else 100 if value >= 1_000 else 10
    return f"≈ {round(value / step) * step:,.0f}"


def _number(value: float, decimals: int) -> str:
    return NO_DATA if pd.isna(value) else f"{value:,.{decimals}f}"


def group_display(table: pd.DataFrame) -> pd.DataFrame:
    """The group table for people: numbers as text ('No data', never 0, where missing)."""
    return pd.DataFrame(
        {
            "Group": table["group"],
            "Compared with": table["comparison"],
            "Uptake of the group (per 1,000 eligible)": table["group_uptake_per_1000"].map(
                lambda v: _number(v, 2)
            ),
            "Uptake of the comparison (per 1,000 eligible)": table[
                "comparison_uptake_per_1000"
            ].map(lambda v: _number(v, 2)),
            "Rate ratio (1 = parity)": table["ratio"].map(lambda v: _number(v, 2)),
            "Parity band (0.98–1.02)": table["parity_band"],
            "Representation ratio": table["representation_ratio"].map(lambda v: _number(v, 2)),
            "Women's share of digital use (%)": table["female_share_pct"].map(
                lambda v: _number(v, 1)
            ),
            "Assisted-channel share (%)": table["assisted_share_pct"].map(lambda v: _number(v, 1)),
            "People in districts below the access median": table["people_below_access_median"].map(
                lambda v: NO_DATA if pd.isna(v) else f"{v:,.0f}"
            ),
            "Status": table["status"].replace("", "ok"),
            "Note": table["estimate_note"],
            "Source kind": table["source_kind"],
            "Source": table["source"],
            "Year": table["year"],
        }
    )


def unserved_display(table: pd.DataFrame) -> pd.DataFrame:
    """The unserved table for people: estimates rounded, parent-district values flagged."""
    return pd.DataFrame(
        {
            "District": table["district_name"],
            "Eligible population": table["eligible_population"].map(
                lambda v: NO_DATA if pd.isna(v) else f"{v:,.0f}"
            ),
            "Access index (0–100)": table["access_index"].map(lambda v: _number(v, 1)),
            "People the service cannot reach online (estimate)": table["unserved_population"].map(
                round_people
            ),
            "Note": [
                ("includes " if code == "KP" else "access uses ") + "parent-district survey values"
                if flag
                else ""
                for code, flag in zip(
                    table["district_code"], table["access_is_parent_estimate"], strict=True
                )
            ],
            "Source kind": "census; survey (estimate)",
            "Source": table["source"],
            "Year": table["year"],
        }
    )
