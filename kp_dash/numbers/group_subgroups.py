"""The subgroups of each dimension the dashboard measures inequality over, for one selection:
districts (non-ordered), sex and area (binary), age bands and female-literacy terciles of
districts (ordered), merged vs other districts and disability (binary). Each subgroup carries its
digital transactions, its eligible population, its uptake per 1,000 and that uptake's standard
error (Poisson: 1000 × √transactions ÷ population; census populations taken as exact).

Uptake is the registry's `uptake_per_1000`: numerators and denominators summed over districts
(and months) before dividing. With `by_month` every row belongs to one month (the Trends page);
with `district` only that district's people count (the district profile), and the dimensions
made of districts are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from kp_dash.numbers import groups, metrics, registry, source_texts
from kp_dash.store import db
from kp_dash.store.age_bands import BANDS, band_population
from kp_dash.store.marks import N_

PERIOD = ""  # the month of a row that covers the whole selection


@dataclass(frozen=True)
class Spec:
    """One dimension: its key and label, its kind as WHO names it, and how a sentence names
    its members ("districts") and one member ("district")."""

    key: str
    label: str
    kind: str  # 'binary', 'ordered' or 'non-ordered'
    members: str
    member: str


SPECS: tuple[Spec, ...] = (
    Spec("district", N_("Districts"), "non-ordered", N_("districts"), N_("district")),
    Spec("sex", N_("Sex (women, men)"), "binary", N_("sexes"), N_("sex")),
    Spec("area", N_("Area (rural, urban)"), "binary", N_("areas"), N_("area")),
    Spec("age", N_("Age bands"), "ordered", N_("age bands"), N_("age band")),
    Spec("literacy", N_("Female-literacy thirds of districts"), "ordered", N_("thirds"),
         N_("third")),
    Spec("merged", N_("Merged districts (ex-FATA) vs the rest"), "binary", N_("district groups"),
         N_("district group")),
    Spec("disability", N_("Disability"), "binary", N_("groups"), N_("group")),
)  # fmt: skip
SPEC = {spec.key: spec for spec in SPECS}

COLUMNS = [
    "month",
    "dimension",
    "subgroup",
    "subgroup_order",
    "phrase",
    "noun",
    "district_code",
    "digital_transactions",
    "eligible_population",
    "estimate",
    "se",
    "source",
    "year",
]
SEX = {"female": (N_("women"), 1), "male": (N_("men"), 2)}
AREA = {"rural": (N_("rural areas"), 1), "urban": (N_("urban areas"), 2)}
THIRDS = ("lowest", "middle", "highest")
THIRD_NAMES = (
    N_("the districts with the lowest female literacy"),
    N_("the districts in the middle third of female literacy"),
    N_("the districts with the highest female literacy"),
)

DISABILITY_PEOPLE_SQL = """
select e.district_code, e.population as eligible, d.population, d.with_disability,
       d.source as census
from stg_eligible_population as e
join disability as d using (district_code)
where e.service_code = ? and e.sex = 'all' and e.area = 'all'
  and d.sex = 'all' and d.area = 'all' and d.with_disability is not null and d.population > 0
"""
DISABILITY_NOUNS = {"yes": N_("people with a disability"), "no": N_("people without a disability")}
BAND_POPULATION_SQL = """
select district_code, age_group, population, source, year
from population
where census_year = 2023 and sex = 'all' and area = 'all'
"""


@dataclass(frozen=True)
class Selection:
    service: str | None = None
    month_from: str | None = None
    month_to: str | None = None
    district: str | None = None
    by_month: bool = False

    @property
    def query(self) -> tuple[str | None, str | None, str | None]:
        return self.service, self.month_from, self.month_to


def _fetch(con: duckdb.DuckDBPyConnection, chosen: Selection, *by: str) -> pd.DataFrame:
    """uptake_per_1000 by `by` (with the month when asked; with the district for a profile),
    the profile's district alone."""
    keys = (*(("district",) if chosen.district else ()), *by, *(("month",) if chosen.by_month
            else ()))  # fmt: skip
    frame = metrics.fetch(con, registry.Query("uptake_per_1000", keys, *chosen.query))
    if chosen.district and len(frame):
        frame = frame[frame["district_code"] == chosen.district]
    if "month" not in frame:
        frame = frame.assign(month=PERIOD)
    return frame.rename(
        columns={"numerator": "digital_transactions", "denominator": "eligible_population"}
    )


def _rows(frame: pd.DataFrame, dimension: str, **columns: object) -> pd.DataFrame:
    out = frame.assign(dimension=dimension, **columns)
    return out.reindex(columns=COLUMNS)


def _by_key(con, chosen: Selection, dim: str, names: dict[str, tuple[str, int]]) -> pd.DataFrame:
    """Sex or area: each known value of the breakdown as a subgroup (unknown left out)."""
    frame = _fetch(con, chosen, dim)
    frame = frame[frame[dim].isin(list(names))]
    label = frame[dim].map(lambda v: names[v][0])
    return _rows(
        frame,
        dim,
        subgroup=label.str.capitalize(),
        subgroup_order=frame[dim].map(lambda v: names[v][1]),
        phrase=("among " if dim == "sex" else "in ") + label,
        noun=label,
    )


def _districts(con: duckdb.DuckDBPyConnection, chosen: Selection) -> pd.DataFrame:
    """Each district's uptake, with whether it is merged and its female literacy."""
    frame = _fetch(con, chosen, "district")
    literacy = metrics.fetch(con, registry.Query("literacy_female_pct", ("district",)))
    merged = db.query_df(con, "select district_code, is_merged from districts")
    return frame.merge(merged, on="district_code", how="left").merge(
        literacy[["district_code", "value"]].rename(columns={"value": "literacy_female_pct"}),
        on="district_code",
        how="left",
    )


def _pooled(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Districts' rows summed within `by` (and month): numerators and denominators alike."""
    return (
        frame.groupby(["month", by], dropna=False, sort=False)
        .agg(
            digital_transactions=("digital_transactions", "sum"),
            eligible_population=("eligible_population", "sum"),
            source=("source", source_texts.joined),
            year=("year", lambda y: groups.year_text(*y)),
        )
        .reset_index()
    )


def _district_groups(districts: pd.DataFrame) -> pd.DataFrame:
    """Merged vs the other districts, and the districts' female-literacy thirds (the bottom
    third as on the groups table: at or below the ⌈n/3⌉-th lowest value)."""
    frame = districts.dropna(subset=["digital_transactions"])
    frame = frame.assign(merged=np.where(frame["is_merged"].fillna(False).astype(bool), 1, 2))
    literacy = frame.drop_duplicates("district_code")["literacy_female_pct"]
    cuts = groups.low_literacy_cut(literacy), groups.low_literacy_cut(literacy, thirds=2)
    third = np.select(
        [frame["literacy_female_pct"] <= cuts[0], frame["literacy_female_pct"] <= cuts[1]],
        [1, 2],
        default=3,
    )
    frame = frame.assign(third=np.where(frame["literacy_female_pct"].isna(), 0, third))
    merged = _pooled(frame, "merged")
    thirds = _pooled(frame[frame["third"] > 0], "third")
    merged_names = {1: N_("the merged districts"), 2: N_("the other districts")}
    third_names = dict(enumerate(THIRD_NAMES, start=1))
    return pd.concat(
        [
            _rows(
                merged,
                "merged",
                subgroup=merged["merged"].map(merged_names).str.capitalize(),
                subgroup_order=merged["merged"],
                phrase="in " + merged["merged"].map(merged_names),
                noun=merged["merged"].map(merged_names),
            ),
            _rows(
                thirds,
                "literacy",
                subgroup=thirds["third"].map(lambda i: f"{THIRDS[i - 1].capitalize()} third"),
                subgroup_order=thirds["third"],
                phrase="in " + thirds["third"].map(third_names),
                noun=thirds["third"].map(third_names),
            ),
        ]
    )


def _band_people(con: duckdb.DuckDBPyConnection, eligible: str) -> pd.DataFrame:
    """Each district's eligible people by age band (`band_population`), with the census cited."""
    census = db.query_df(con, BAND_POPULATION_SQL)
    people = []
    for code, rows in census.groupby("district_code"):
        by_group = dict(zip(rows["age_group"], rows["population"], strict=True))
        bands = band_population(by_group, eligible)
        people += [(code, band, value) for band, value in bands.items()]
    frame = pd.DataFrame(people, columns=["district_code", "age_band", "eligible_population"])
    return frame.assign(census=source_texts.joined(census["source"]))


def _disability_people(con: duckdb.DuckDBPyConnection, eligible_for: str) -> pd.DataFrame:
    """Each district's eligible people with and without a disability: the census share with
    one (all ages) applied to the service's eligible population."""
    census = db.query_df(con, DISABILITY_PEOPLE_SQL, [eligible_for])
    share = census["with_disability"] / census["population"]
    return pd.concat(
        [
            census.assign(disability="yes", eligible_population=census["eligible"] * share),
            census.assign(disability="no", eligible_population=census["eligible"] * (1 - share)),
        ]
    )[["district_code", "disability", "eligible_population", "census"]]


def _broken_down(
    con: duckdb.DuckDBPyConnection,
    chosen: Selection,
    column: str,
    people: pd.DataFrame,
    values: tuple[str, ...],
) -> pd.DataFrame:
    """Every value of an age-band or disability breakdown in each month (or the period), over
    the districts whose usage carries it then: a value without usage there has 0 transactions;
    its people are the census's in those districts (`people`: district, value, people)."""
    params = [chosen.service, chosen.service, chosen.month_from, chosen.month_from,
              chosen.month_to, chosen.month_to]  # fmt: skip
    usage = db.query_df(con, groups.breakdown_sql(column, by_month=True), params)
    usage = usage[usage[column] != "unknown"]
    if chosen.district:
        usage = usage[usage["district_code"] == chosen.district]
    if usage.empty:
        return pd.DataFrame(columns=["month", column, "digital_transactions",
                                     "eligible_population", "source", "year"])  # fmt: skip
    if not chosen.by_month:
        usage = usage.assign(month=PERIOD)
    rows = []
    for month, in_month in usage.groupby("month", sort=True):
        covered = people[people["district_code"].isin(set(in_month["district_code"]))]
        eligible_people = covered.groupby(column)["eligible_population"].sum()
        counts = in_month.groupby(column)["digital"].sum()
        years = (*in_month["year_from"].astype(str), *in_month["year_to"].astype(str), "2023")
        source = source_texts.joined((*in_month["source"], *people["census"].iloc[:1]))
        rows += [
            {"month": month, column: value, "digital_transactions": counts.get(value, 0),
             "eligible_population": eligible_people.get(value, 0.0), "source": source,
             "year": groups.year_text(*years)}
            for value in values
        ]  # fmt: skip
    found = pd.DataFrame(rows)
    return found[found["eligible_population"] > 0]


def _ages(con: duckdb.DuckDBPyConnection, chosen: Selection, eligible: str) -> pd.DataFrame:
    bands = _broken_down(con, chosen, "age_band", _band_people(con, eligible), BANDS)
    return _rows(
        bands,
        "age",
        subgroup="Aged " + bands["age_band"],
        subgroup_order=bands["age_band"].map(BANDS.index) + 1,
        phrase="among people aged " + bands["age_band"],
        noun="people aged " + bands["age_band"],
    )


def _disability(con: duckdb.DuckDBPyConnection, chosen: Selection) -> pd.DataFrame:
    people = _disability_people(con, chosen.service or "all")
    found = _broken_down(con, chosen, "disability", people, ("yes", "no"))
    nouns = found["disability"].map(DISABILITY_NOUNS)
    return _rows(
        found,
        "disability",
        subgroup=nouns.str.capitalize(),
        subgroup_order=found["disability"].map({"yes": 1, "no": 2}),
        phrase="among " + nouns,
        noun=nouns,
    )


def subgroups(con: duckdb.DuckDBPyConnection, chosen: Selection) -> pd.DataFrame:
    """Every dimension's subgroups for the selection (`COLUMNS`), with each subgroup's uptake
    per 1,000 and its standard error; no rows for a dimension without data."""
    eligible = groups.service_age_group(con, chosen.service) or "all"
    parts = [_by_key(con, chosen, "sex", SEX), _by_key(con, chosen, "area", AREA)]
    parts += [_ages(con, chosen, eligible), _disability(con, chosen)]
    if not chosen.district:
        districts = _districts(con, chosen)
        parts.append(
            _rows(
                districts,
                "district",
                subgroup=districts["district_name"],
                phrase="in " + districts["district_name"],
                noun=districts["district_name"],
            )
        )
        parts.append(_district_groups(districts))
    found = [p for p in parts if len(p)]
    if not found:
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.concat(found, ignore_index=True)
    frame = frame.dropna(subset=["digital_transactions", "eligible_population"])
    frame = frame[frame["eligible_population"] > 0].astype(
        {"digital_transactions": "float64", "eligible_population": "float64"}
    )
    frame["estimate"] = 1000 * frame["digital_transactions"] / frame["eligible_population"]
    frame["se"] = 1000 * np.sqrt(frame["digital_transactions"]) / frame["eligible_population"]
    order = {spec.key: i for i, spec in enumerate(SPECS)}
    frame = frame.sort_values(
        ["month", "dimension", "subgroup_order", "subgroup"],
        key=lambda c: c.map(order) if c.name == "dimension" else c,
    )
    return frame.reset_index(drop=True)[COLUMNS]
