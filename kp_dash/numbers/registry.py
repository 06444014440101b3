"""The metric registry: every metric's code, label, unit, formula, direction and source kind,
its additive components (each one SQL view, `kp_dash/store/sql/metrics/CODE.sql`) and which of
them count service records, the metrics modelled from the district frame, and the `Query` a
caller asks with."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

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
    # counts service records (transactions, people using a service): a small one can point at a
    # person, so exports show it as `<10` (METRICS.md, Rules). Census and survey figures are
    # published already and months are not people: never suppressed.
    count: bool = False

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

    def counts(self, name: str | None) -> bool:
        """Whether `name` (one of this metric's components or derived values) counts service
        records: a counted component, or a derived value computed from one (mean monthly users
        are users)."""
        if name is None:
            return False
        for component in self.components:
            if component.name == name:
                return component.count
        sql = dict(self.derived).get(name, "")
        return any(
            c.count and re.search(rf"\b{c.name}\b", sql) is not None for c in self.components
        )


def _usage(name: str, dims: tuple[str, ...] = USAGE_DIMS) -> Component:
    """A component that counts service records (transactions or users)."""
    return Component(name, dims, count=True)


def _digital(name: str = "digital_transactions", dims: tuple[str, ...] = USAGE_DIMS) -> Component:
    return _usage(name, dims)


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
                _usage("users"),
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
            (_usage("all_transactions"), _digital()),
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
                _usage("all_transactions"),
                _usage("assisted_transactions"),
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
                _usage("female_male_digital_transactions", NO_SEX),
                _usage("female_digital_transactions", NO_SEX),
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
                _usage("male_digital_transactions", NO_SEX),
                _usage("female_digital_transactions", NO_SEX),
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
    """A metric computed across districts in Python (`kp_dash.numbers.analysis`) from registered SQL
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


def counted() -> frozenset[str]:
    """Every name under which a registered metric counts service records: its counted
    components and the values derived from them (`digital_transactions`, `users`,
    `mean_monthly_users`…). The export layer suppresses small values in columns so named."""
    return frozenset(
        name
        for metric in REGISTRY.values()
        for name in (*(c.name for c in metric.components), *dict(metric.derived))
        if metric.counts(name)
    )


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
