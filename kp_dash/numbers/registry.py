"""The metric registry: every metric's code, label, unit, formula, direction and source kind,
its additive components (each one SQL view, `kp_dash/store/sql/metrics/CODE.sql`) and which of
them count service records, the metrics modelled from the district frame, and the `Query` a
caller asks with. Each metric is defined once, in `kp_dash/store/sql/metrics/CODE.toml` beside
its SQL; this module reads those definitions."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    # counts the distinct values of this column of its rows (people): counted anew at each level
    # asked for, never added up across districts, months or services
    distinct: str | None = None

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
    meaning: str = ""  # the README's one line
    grain: str = ""  # what one row of its view is

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
    meaning: str = ""  # the README's one line

    @property
    def higher_is_better(self) -> bool:
        return self.direction != "lower_is_better"


def _metric(definition: dict) -> Metric | ModelledMetric:
    """One definition of `sql/metrics/CODE.toml` as the registry holds it."""
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in definition.items()}
    del fields["order"]
    if fields.pop("modelled", False):
        return ModelledMetric(**fields)
    components = tuple(
        Component(**{k: tuple(v) if isinstance(v, list) else v for k, v in c.items()})
        for c in definition["components"]
    )
    derived = tuple(tuple(pair) for pair in definition.get("derived", ()))
    return Metric(**{**fields, "components": components, "derived": derived})


_DEFINED = [_metric(definition) for definition in db.metric_definitions()]
REGISTRY: dict[str, Metric] = {m.code: m for m in _DEFINED if isinstance(m, Metric)}
MODELLED: dict[str, ModelledMetric] = {m.code: m for m in _DEFINED if isinstance(m, ModelledMetric)}
ALL: dict[str, Metric | ModelledMetric] = {m.code: m for m in _DEFINED}  # in their order


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
