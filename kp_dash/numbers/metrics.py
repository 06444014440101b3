"""The metric registry and the one function that fetches a metric frame.

Each metric is one SQL view (`kp_dash/sql/metrics/CODE.sql`) that lists the additive components
the metric needs, row by row, and one registry entry saying how to combine their sums. Summing
components first and dividing last keeps every ratio exact at any level (district, month, sex…).
Components with 'all' rows (published totals such as population by sex) are marginal: their
'all' rows are used unless the frame is broken down by that dimension.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from kp_dash.store import db

# --by key -> column in the metric views
DIMENSIONS = {
    "district": "district_code",
    "month": "month_start",
    "service": "service_code",
    "channel": "channel",
    "sex": "sex",
    "area": "area",
}
USAGE_DIMS = ("district", "month", "service", "channel", "sex", "area")
POPULATION_DIMS = ("district", "service", "sex", "area")


class MetricError(ValueError):
    """An unknown metric code or a breakdown the metric does not have."""


@dataclass(frozen=True)
class Component:
    name: str
    dims: tuple[str, ...]
    marginal: tuple[str, ...] = ()  # dims whose 'all' rows hold published totals
    cited: bool = True  # False for a weight: cited apart, not as the value's own source and year
    months_of: str | None = None  # counts the distinct months of that component's rows

    @property
    def rows(self) -> str:
        """The view's component whose rows this one reads."""
        return self.months_of or self.name

    @property
    def per_district(self) -> bool:
        """Summed district by district first, so that only the districts the driving component
        has data for enter the sums (the same districts in numerator and denominator)."""
        return "district" in self.dims and self.months_of is None


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    unit: str
    direction: str  # 'higher_is_better', 'lower_is_better' or 'neutral'
    formula: str
    source_kind: str
    components: tuple[Component, ...]  # the first one drives: rows exist where it has data
    expression: str  # SQL over the component sums
    numerator: str | None = None
    denominator: str | None = None
    decimals: int = 1
    derived: tuple[tuple[str, str], ...] = ()  # (name, SQL over the component sums), in order

    @property
    def view(self) -> str:
        return f"metric_{self.code}"

    @property
    def by_keys(self) -> tuple[str, ...]:
        return self.components[0].dims

    @property
    def higher_is_better(self) -> bool:
        return self.direction != "lower_is_better"


def _digital(name: str = "digital_transactions", dims: tuple[str, ...] = USAGE_DIMS) -> Component:
    return Component(name, dims)


ELIGIBLE = Component("eligible_population", POPULATION_DIMS, ("service", "sex", "area"))
NO_SEX = tuple(d for d in USAGE_DIMS if d != "sex")
USAGE_KIND = "admin"

REGISTRY: dict[str, Metric] = {
    m.code: m
    for m in (
        Metric(
            "uptake_per_1000",
            "Digital uptake per 1,000 eligible people",
            "per 1,000 eligible people",
            "higher_is_better",
            "1000 × Σ digital transactions (online, mobile app) in the period ÷ eligible "
            "population (Census 2023; all services together: total population)",
            USAGE_KIND,
            (_digital(), ELIGIBLE),
            "1000.0 * digital_transactions / nullif(eligible_population, 0)",
            "digital_transactions",
            "eligible_population",
            2,
        ),
        Metric(
            "reach_pct",
            "Eligible people reached (mean monthly)",
            "% of eligible people",
            "higher_is_better",
            "100 × mean monthly unique users ÷ eligible population: users summed over the "
            "period's months that report them, divided by the number of those months "
            "(monthly unique users cannot be added across months)",
            USAGE_KIND,
            (
                Component("users", USAGE_DIMS),
                ELIGIBLE,
                Component("user_months", USAGE_DIMS, cited=False, months_of="users"),
            ),
            "100.0 * mean_monthly_users / nullif(eligible_population, 0)",
            "mean_monthly_users",
            "eligible_population",
            2,
            (("mean_monthly_users", "users / nullif(user_months, 0)"),),
        ),
        Metric(
            "digital_share_pct",
            "Digital share of transactions",
            "% of transactions",
            "higher_is_better",
            "100 × digital transactions ÷ all transactions (undefined when there are none)",
            USAGE_KIND,
            (Component("all_transactions", USAGE_DIMS), _digital()),
            "100.0 * digital_transactions / nullif(all_transactions, 0)",
            "digital_transactions",
            "all_transactions",
        ),
        Metric(
            "assisted_share_pct",
            "Assisted-channel share of transactions",
            "% of transactions",
            "neutral",
            "100 × assisted transactions (kiosk, facilitation centre, helpline) ÷ all transactions",
            USAGE_KIND,
            (
                Component("all_transactions", USAGE_DIMS),
                Component("assisted_transactions", USAGE_DIMS),
            ),
            "100.0 * assisted_transactions / nullif(all_transactions, 0)",
            "assisted_transactions",
            "all_transactions",
        ),
        Metric(
            "female_share_pct",
            "Women's share of digital transactions",
            "% of digital transactions",
            "higher_is_better",
            "100 × female digital transactions ÷ (female + male) digital transactions",
            USAGE_KIND,
            (
                Component("female_male_digital_transactions", NO_SEX),
                Component("female_digital_transactions", NO_SEX),
            ),
            "100.0 * female_digital_transactions / nullif(female_male_digital_transactions, 0)",
            "female_digital_transactions",
            "female_male_digital_transactions",
        ),
        Metric(
            "gender_parity",
            "Gender parity of digital uptake",
            "ratio (1 = parity)",
            "higher_is_better",
            "female uptake per 1,000 ÷ male uptake per 1,000, each on that sex's eligible "
            "population (parity band 0.98–1.02)",
            USAGE_KIND,
            (
                Component("male_digital_transactions", NO_SEX),
                Component("female_digital_transactions", NO_SEX),
                Component(
                    "female_population", ("district", "service", "area"), ("service", "area")
                ),
                Component("male_population", ("district", "service", "area"), ("service", "area")),
            ),
            "(female_digital_transactions / nullif(female_population, 0))"
            " / nullif(male_digital_transactions / nullif(male_population, 0), 0)",
            decimals=2,
        ),
        Metric(
            "mobile_hh_pct",
            "People in households with a mobile phone",
            "% of people",
            "higher_is_better",
            "% of people living in a household with a working mobile phone (PSLM 2019-20; "
            "split districts carry their parent district's value); above district level "
            "weighted by Census 2023 population",
            "survey",
            (
                Component("weighted_value", ("district",)),
                Component("population_weight", ("district",), cited=False),
            ),
            "weighted_value / nullif(population_weight, 0)",
        ),
        Metric(
            "literacy_pct",
            "Literacy, age 10+",
            "% of people aged 10+",
            "higher_is_better",
            "100 × literate people aged 10+ ÷ people aged 10+ (Census 2023, table 12)",
            "census",
            (
                Component("literate_10plus", ("district", "sex", "area"), ("sex", "area")),
                Component("population_10plus", ("district", "sex", "area"), ("sex", "area")),
            ),
            "100.0 * literate_10plus / nullif(population_10plus, 0)",
            "literate_10plus",
            "population_10plus",
        ),
        Metric(
            "literacy_female_pct",
            "Female literacy, age 10+",
            "% of women aged 10+",
            "higher_is_better",
            "100 × literate women aged 10+ ÷ women aged 10+ (Census 2023, table 12)",
            "census",
            (
                Component("literate_10plus", ("district", "area"), ("area",)),
                Component("population_10plus", ("district", "area"), ("area",)),
            ),
            "100.0 * literate_10plus / nullif(population_10plus, 0)",
            "literate_10plus",
            "population_10plus",
        ),
        Metric(
            "literacy_female_rural_pct",
            "Rural female literacy, age 10+",
            "% of rural women aged 10+",
            "higher_is_better",
            "100 × literate rural women aged 10+ ÷ rural women aged 10+ (Census 2023, table 12)",
            "census",
            (
                Component("literate_10plus", ("district",)),
                Component("population_10plus", ("district",)),
            ),
            "100.0 * literate_10plus / nullif(population_10plus, 0)",
            "literate_10plus",
            "population_10plus",
        ),
        Metric(
            "grid_light_pct",
            "Households lit by grid electricity",
            "% of households",
            "higher_is_better",
            "100 × households lit by grid electricity ÷ all households (Census 2023, "
            "table 22; solar counted separately)",
            "census",
            (
                Component("households_grid_light", ("district", "area"), ("area",)),
                Component("households", ("district", "area"), ("area",)),
            ),
            "100.0 * households_grid_light / nullif(households, 0)",
            "households_grid_light",
            "households",
        ),
        Metric(
            "access_index",
            "Access index",
            "index 0–100",
            "higher_is_better",
            "unweighted mean of the access indicators loaded for every district, latest year "
            "of each, on 0–100 (with the seed data: mobile_hh_pct, literacy_pct, "
            "grid_light_pct; the list used is given in the source); above district level "
            "each indicator is weighted by Census 2023 population",
            "census+survey",
            (
                Component("weighted_value", ("district",)),
                Component("weight", ("district",), cited=False),
            ),
            "weighted_value / nullif(weight, 0)",
        ),
    )
}


@dataclass(frozen=True)
class ModelledMetric:
    """A metric computed across districts in Python (`kp_dash.analysis`) from registered SQL
    metrics: `inputs` names them, `column` is the `analysis.district_frame` column it reports."""

    code: str
    label: str
    unit: str
    direction: str
    formula: str
    by_keys: tuple[str, ...]
    inputs: tuple[str, ...]
    column: str | None = None
    decimals: int = 2
    source_kind: str = "modelled"
    province: bool = False  # whether a province value (the district sum) means something
    sources: tuple[str, ...] = ("uptake", "access")  # which inputs' sources and years it carries

    @property
    def higher_is_better(self) -> bool:
        return self.direction != "lower_is_better"


MODELLED: dict[str, ModelledMetric] = {
    m.code: m
    for m in (
        ModelledMetric(
            "expected_uptake",
            "Expected uptake at the district's access",
            "per 1,000 eligible people",
            "neutral",
            "exp(a + b × access_index), a and b from the population-weighted least "
            "squares of log(uptake_per_1000) on access_index across districts with "
            "uptake (the selected services and period)",
            ("district",),
            ("uptake_per_1000", "access_index"),
            "expected_uptake",
        ),
        ModelledMetric(
            "uptake_gap",
            "Uptake gap (beyond what access explains)",
            "per 1,000 eligible people",
            "higher_is_better",
            "uptake_per_1000 − expected_uptake; negative = under-served beyond what "
            "access explains",
            ("district",),
            ("uptake_per_1000", "access_index"),
            "uptake_gap",
        ),
        ModelledMetric(
            "unserved_population",
            "People the service cannot reach online",
            "people (estimate)",
            "lower_is_better",
            "eligible population × (1 − access_index ÷ 100); a survey-based estimate",
            ("district",),
            ("access_index",),
            "unserved_population",
            0,
            province=True,
            sources=("population", "access"),
        ),
        ModelledMetric(
            "concentration_index",
            "Concentration of uptake by access",
            "index −1 to 1",
            "neutral",
            "Σ p_d (2X_d − 1) y_d ÷ μ, districts ranked by access_index (X_d: "
            "cumulative population share to the district's midpoint; y: "
            "uptake_per_1000; μ: population-weighted mean); > 0: uptake concentrated "
            "in better-connected districts",
            ("service",),
            ("uptake_per_1000", "access_index"),
            province=True,
        ),
    )
}
ALL: dict[str, Metric | ModelledMetric] = {**REGISTRY, **MODELLED}


def get(code: str) -> Metric | ModelledMetric:
    try:
        return ALL[code]
    except KeyError:
        known = ", ".join(sorted(ALL))
        raise MetricError(f"unknown metric '{code}' (known: {known})") from None


def by_district() -> list[str]:
    """Codes of the metrics that can be shown district by district (rankings, maps)."""
    return [code for code, metric in ALL.items() if "district" in metric.by_keys]


def registry_frame() -> pd.DataFrame:
    """Code, label, unit, direction, formula and source kind of every metric."""
    return pd.DataFrame(
        [
            {
                "code": m.code,
                "label": m.label,
                "unit": m.unit,
                "direction": m.direction,
                "formula": m.formula,
                "source_kind": m.source_kind,
            }
            for m in ALL.values()
        ]
    )


@dataclass(frozen=True)
class Query:
    """What to fetch: a metric broken down by some keys, for one service and period."""

    code: str
    by: tuple[str, ...] = ()
    service: str | None = None
    month_from: str | None = None  # YYYY-MM, inclusive
    month_to: str | None = None  # YYYY-MM, inclusive


def _component_sql(metric: Metric, comp: Component, query: Query) -> tuple[str, list[object]]:
    keys = [DIMENSIONS[k] for k in query.by if k in comp.dims]
    if comp.per_district and "district_code" not in keys:
        keys.append("district_code")
    where, params = ["component = ?"], [comp.rows]
    for dim in comp.marginal:
        column = DIMENSIONS[dim]
        if dim == "service" and query.service:
            where.append(f"{column} = ?")
            params.append(query.service)
        elif dim in query.by:
            where.append(f"{column} <> 'all'")
        else:
            where.append(f"{column} = 'all'")
    if "service" in comp.dims and "service" not in comp.marginal and query.service:
        where.append("service_code = ?")
        params.append(query.service)
    if "month" in comp.dims:
        if query.month_from:
            where.append("month_start >= strptime(?, '%Y-%m')::date")
            params.append(query.month_from)
        if query.month_to:
            where.append("month_start <= strptime(?, '%Y-%m')::date")
            params.append(query.month_to)
    amount = "count(distinct month_start)" if comp.months_of else "sum(amount)"
    select = [
        *keys,
        f"{amount} as {comp.name}",
        f"list(distinct source) as src_{comp.name}",
        f"min(year) as y0_{comp.name}",
        f"max(year) as y1_{comp.name}",
    ]
    sql = f"select {', '.join(select)} from {metric.view} where {' and '.join(where)}"
    if keys:
        sql += f" group by {', '.join(keys)}"
    return sql, params


def check(query: Query) -> Metric | ModelledMetric:
    """The metric, when it exists and has the breakdown asked for; MetricError otherwise."""
    metric = get(query.code)
    if not query.by and isinstance(metric, ModelledMetric) and not metric.province:
        raise MetricError(f"{metric.code} is defined per district: use --by district")
    unknown = [k for k in query.by if k not in metric.by_keys]
    if unknown:
        raise MetricError(
            f"{metric.code} cannot be broken down by {', '.join(unknown)} "
            f"(it can by: {', '.join(metric.by_keys) or 'nothing; province value only'})"
        )
    return metric


def metric_sql(query: Query) -> tuple[str, list[object]]:
    """The SQL and parameters for a metric frame; identifiers come only from the registry.

    Components are summed per district (`c0`… `cN`), joined on the districts the first one has
    data for, then summed over the breakdown (`sums`), and divided last."""
    metric = check(query)
    ctes, params, joins = [], [], []
    for i, comp in enumerate(metric.components):
        sql, comp_params = _component_sql(metric, comp, query)
        ctes.append(f"c{i} as ({sql})")
        params += comp_params
        if i:
            keys = [DIMENSIONS[k] for k in query.by if k in comp.dims]
            if comp.per_district and "district_code" not in keys:
                keys.append("district_code")
            condition = f"using ({', '.join(keys)})" if keys else "on true"
            joins.append(f"left join c{i} {condition}")
    keys = [DIMENSIONS[k] for k in query.by]
    sums = [*keys]
    for comp in metric.components:
        total = "max" if comp.months_of else "sum"
        sums += [
            f"{total}({comp.name}) as {comp.name}",
            f"flatten(list(src_{comp.name})) as src_{comp.name}",
            f"min(y0_{comp.name}) as y0_{comp.name}",
            f"max(y1_{comp.name}) as y1_{comp.name}",
        ]
    group = f" group by {', '.join(keys)}" if keys else ""
    derived = "".join(f", {sql} as {name}" for name, sql in metric.derived)
    ctes.append(
        f"sums as (select *{derived} from (select {', '.join(sums)} from c0 {' '.join(joins)}"
        f"{group}))"
    )
    outputs = [*_key_outputs(query.by), f"{metric.expression} as value"]
    if metric.numerator:
        outputs += [f"{metric.numerator} as numerator", f"{metric.denominator} as denominator"]
    outputs += _source_outputs(metric, query)
    district_join = " join districts d using (district_code)" if "district" in query.by else ""
    order = [_order_key(k) for k in query.by]
    sql = f"with {', '.join(ctes)} select {', '.join(outputs)} from sums{district_join}" + (
        f" order by {', '.join(order)}" if order else ""
    )
    return sql, params


def _source_outputs(metric: Metric, query: Query) -> list[str]:
    """`source` and `year` of the value: its own components' sources and year span; a weight
    (used above district level only) is named after them, without changing the year."""
    cited = [c.name for c in metric.components if c.cited]
    weights = [
        c.name
        for c in metric.components
        if not c.cited and not c.months_of and "district" not in query.by
    ]
    sources = ", ".join(f"src_{n}" for n in cited)
    own = f"array_to_string(list_sort(list_distinct(list_concat({sources}))), '; ')"
    if weights:
        weight_sources = ", ".join(f"src_{n}" for n in weights)
        weight_years = ", ".join(f"y1_{n}" for n in weights)
        own = (
            f"concat_ws('; ', {own}, 'population weights: ' || array_to_string("
            f"list_sort(list_distinct(list_concat({weight_sources}))), '; ') || ' ('"
            f" || greatest({weight_years})::varchar || ')')"
        )
    first = ", ".join(f"y0_{n}" for n in cited)
    last = ", ".join(f"y1_{n}" for n in cited)
    return [
        f"{own} as source",
        f"case when least({first}) = greatest({last}) then least({first})::varchar "
        f"else least({first})::varchar || '-' || greatest({last})::varchar end as year",
    ]


def _key_outputs(by: Sequence[str]) -> list[str]:
    outputs = []
    for key in by:
        if key == "district":
            outputs += ["district_code", "d.district_name"]
        elif key == "month":
            outputs.append("strftime(month_start, '%Y-%m') as month")
        else:
            outputs.append(f"{DIMENSIONS[key]} as {key}")
    return outputs


def _order_key(key: str) -> str:
    return "district_code" if key == "district" else DIMENSIONS[key]


def fetch(con: duckdb.DuckDBPyConnection, query: Query) -> pd.DataFrame:
    """The metric frame: the `by` columns, value, numerator/denominator where defined, source,
    year. Rows exist only where the metric's data exist: no data is never a zero."""
    if isinstance(check(query), ModelledMetric):
        return _modelled(con, query)
    sql, params = metric_sql(query)
    frame = db.query_df(con, sql, params).astype({"value": "float64"})
    for column in ("numerator", "denominator"):
        # sums of counts arrive as 128-bit integers (floats in pandas): show them as counts
        if column in frame and _whole_numbers(frame[column]):
            frame[column] = frame[column].astype("Int64")
    return frame


def _whole_numbers(series: pd.Series) -> bool:
    numbers = pd.to_numeric(series, errors="coerce").dropna()
    return bool((numbers % 1 == 0).all())


def _modelled(con: duckdb.DuckDBPyConnection, query: Query) -> pd.DataFrame:
    from kp_dash.numbers import analysis

    metric = MODELLED[query.code]
    if metric.code == "concentration_index":
        return _concentration(con, query)
    frame = analysis.district_frame(con, query.service, query.month_from, query.month_to)
    frame = frame.dropna(subset=[metric.column]).rename(columns={metric.column: "value"})
    frame["source"] = analysis.joined_sources(frame, tuple(f"{s}_source" for s in metric.sources))
    frame["year"] = analysis.joined_years(frame, tuple(f"{s}_year" for s in metric.sources))
    if "district" in query.by:
        columns = ["district_code", "district_name", "value", "source", "year"]
        return frame[columns].reset_index(drop=True)
    if frame.empty:
        return pd.DataFrame(columns=["value", "source", "year"])
    return pd.DataFrame(
        {
            "value": [frame["value"].sum()],
            "source": [_joined(frame["source"])],
            "year": [analysis.year_span(" ".join(frame["year"]))],
        }
    )


def _concentration(con: duckdb.DuckDBPyConnection, query: Query) -> pd.DataFrame:
    from kp_dash.numbers import analysis

    services = (
        [query.service]
        if query.service or "service" not in query.by
        else list(db.query_df(con, "select service_code from services order by 1")["service_code"])
    )
    rows = []
    for service in services:
        frame = analysis.district_frame(con, service, query.month_from, query.month_to)
        value = analysis.concentration_index(
            frame["uptake_per_1000"], frame["eligible_population"], frame["access_index"]
        )
        if not math.isnan(value):
            rows.append(
                {
                    "service": service,
                    "value": value,
                    "source": _joined(frame["source"]),
                    "year": analysis.year_span(" ".join(frame["year"])),
                }
            )
    frame = pd.DataFrame(rows, columns=["service", "value", "source", "year"])
    return frame if "service" in query.by else frame.drop(columns="service")


def _joined(texts: pd.Series) -> str:
    """Distinct parts of '; '-joined source or year texts, in order."""
    parts = [p for text in texts.dropna() for p in str(text).split("; ") if p]
    return "; ".join(dict.fromkeys(parts))
