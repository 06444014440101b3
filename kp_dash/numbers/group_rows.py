"""Excluded groups, one row each against its comparison: the uptake of the group and of the
comparison on their own eligible populations, the rate ratio and parity band, the representation
ratio, women's and assisted channels' shares within the group, the people of the group in
districts below the provincial access median, and a status saying why a figure is missing.

The groups and the inputs they are computed from are in `groups`.
"""

from __future__ import annotations

import math

import duckdb
import pandas as pd

from kp_dash.numbers import analysis, metrics, registry, source_texts
from kp_dash.numbers.groups import (
    GROUPS,
    NO_BREAKDOWN,
    NO_COMPARISON,
    NO_DISABILITY,
    NO_POPULATION,
    NO_USAGE,
    NOT_ELIGIBLE,
    Group,
    Inputs,
    age_sums,
    disability_sums,
    eligible_by_district,
    load_inputs,
    parity_band,
    per_1000,
    safe_ratio,
    year_text,
)
from kp_dash.store.marks import N_

ESTIMATE_NOTE = N_("estimate: the access index is partly survey-based (PSLM)")
PARENT_NOTE = N_("includes parent-district survey values for {names}")
LOW_LITERACY = N_("Districts with low female literacy (≤ {cut} %, bottom third of districts)")

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


def _pct(part: float, whole: float) -> float:
    return 100.0 * safe_ratio(part, whole)


def _below_sum(inputs: Inputs, population: pd.Series) -> float:
    """People of a group (population by district) living in districts below the access median;
    NaN when the group has no population figures at all."""
    if population.empty:
        return math.nan
    return float(population[population.index.isin(inputs.below)].sum())


def _estimate_note(inputs: Inputs, value: float) -> str:
    if pd.isna(value):
        return ""
    frame = inputs.districts
    parents = frame[frame["district_code"].isin(inputs.below) & frame["access_is_parent_estimate"]]
    note = ESTIMATE_NOTE
    if len(parents):
        note += "; " + PARENT_NOTE.format(names=", ".join(parents["district_name"]))
    return note


def _row(
    inputs: Inputs,
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
    group_rate, comparison_rate = per_1000(t_g, p_g), per_1000(t_c, p_c)
    ratio = safe_ratio(group_rate, comparison_rate)
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


def _access_source(inputs: Inputs) -> tuple[str, str]:
    frame = inputs.districts
    return source_texts.joined(frame["access_source"]), year_text(*frame["access_year"].dropna())


def _population_source(frame: pd.DataFrame) -> tuple[str, str]:
    return source_texts.joined(frame["source"]), year_text(*frame["year"].dropna().astype(str))


def _cell(frame: pd.DataFrame, column: str, dim: str | None = None, key: str = "") -> float:
    """One value of a metric frame: the row whose `dim` is `key`, or its only row; NaN if none."""
    rows = frame[frame[dim] == key] if dim else frame
    if rows.empty or pd.isna(rows[column].iloc[0]):
        return math.nan
    return float(rows[column].iloc[0])


def _by_dimension_row(
    con: duckdb.DuckDBPyConnection,
    inputs: Inputs,
    group: Group,
    query: tuple[str | None, str | None, str | None],
) -> dict[str, object]:
    """Women vs men or rural vs urban: rates from `metrics.fetch(... by=(dim,))`."""
    dim = group.kind
    member, other = ("female", "male") if dim == "sex" else ("rural", "urban")
    uptake = metrics.fetch(con, registry.Query("uptake_per_1000", (dim,), *query))
    total = metrics.fetch(con, registry.Query("uptake_per_1000", (), *query))
    assisted = metrics.fetch(con, registry.Query("assisted_share_pct", (dim,), *query))
    female_by = () if dim == "sex" else (dim,)
    female = metrics.fetch(con, registry.Query("female_share_pct", female_by, *query))
    rows = uptake.set_index(dim)
    known = rows[rows.index != "unknown"]

    population = eligible_by_district(inputs, **{dim: member})
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
    uptake_source = source_texts.joined(uptake["source"]) if has else ""
    source = source_texts.joined((uptake_source, population_source, access_source))
    year = year_text(uptake["year"].astype(str).str.cat(sep=" ") if has else "", population_year)
    year = year_text(year, access_year)
    return _row(inputs, group, group.label, sides, shares, below, status, source, year)


def _age_row(inputs: Inputs, group: Group) -> dict[str, object]:
    sixty = inputs.age_population.set_index("district_code")["population"].astype(float)
    below = _below_sum(inputs, sixty) if inputs.sixty_eligible else math.nan
    status = None if inputs.sixty_eligible else NOT_ELIGIBLE  # None: the breakdown decides
    sums = age_sums(inputs)
    return _breakdown_row(inputs, group, sums, inputs.age_usage, inputs.age_population, below,
                          status, NO_BREAKDOWN.format(what="age"))  # fmt: skip


def _disability_row(inputs: Inputs, group: Group) -> dict[str, object]:
    people = inputs.disability.set_index("district_code")["with_disability"].astype(float)
    below = _below_sum(inputs, people)
    sums = disability_sums(inputs)
    row = _breakdown_row(inputs, group, sums, inputs.disability_usage, inputs.disability, below,
                         None, NO_DISABILITY)  # fmt: skip
    if row["status"]:
        row["source_kind"] = "census; survey (access index)" if not pd.isna(below) else "census"
    return row


def _breakdown_row(
    inputs: Inputs,
    group: Group,
    sums: pd.DataFrame,
    usage: pd.DataFrame,
    census: pd.DataFrame,
    below: float,
    status: str | None,
    no_breakdown: str,
) -> dict[str, object]:
    """People aged 60+ or with a disability against the rest, from the usage that carries the
    breakdown (`sums`: `age_sums`, `disability_sums`) and the census people of each side."""
    if status is None:
        if usage.empty:
            status = NO_USAGE
        elif sums.empty:
            status = no_breakdown
        elif sums["population_g"].isna().all():
            status = NO_POPULATION
        else:
            status = ""
    if status:
        sides, shares = (math.nan,) * 6, (math.nan, math.nan)
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
    population_source, population_year = _population_source(census)
    access_source, access_year = _access_source(inputs)
    usage_source = source_texts.joined(usage["source"]) if not status else ""
    source = source_texts.joined((usage_source, population_source, access_source))
    years = [*usage["year_from"].astype(str), *usage["year_to"].astype(str)] if not status else []
    year = year_text(" ".join(years), population_year, access_year)
    return _row(inputs, group, group.label, sides, shares, below, status, source, year)


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
    female = metrics.fetch(con, registry.Query("female_share_pct", ("district",), *query))
    assisted = metrics.fetch(con, registry.Query("assisted_share_pct", ("district",), *query))
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


def _district_row(inputs: Inputs, group: Group, shares: pd.DataFrame) -> dict[str, object]:
    frame = inputs.districts
    members = frame[f"in_{group.key}"].fillna(False).astype(bool)
    sums = _district_sums(frame, shares, members)
    label = group.label
    if group.key == "low_female_literacy" and not pd.isna(inputs.literacy_cut):
        label = LOW_LITERACY.format(cut=f"{inputs.literacy_cut:.1f}")
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
    source = source_texts.joined(
        [*used["uptake_source"], *frame["population_source"], *frame["access_source"]]
    )
    if group.key == "low_female_literacy":
        source = source_texts.joined((source, inputs.literacy_source))
    year = year_text(
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
    inputs = load_inputs(con, service, month_from, month_to)
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
