"""The SQL of a metric and the frame of a metric that is one SQL view.

Each metric is one SQL view (`kp_dash/store/sql/metrics/CODE.sql`) that lists the additive
components the metric needs, row by row, and one registry entry saying how to combine their sums.
Summing components first and dividing last keeps every ratio exact at any level (district,
month, sex…). Components with 'all' rows (published totals such as population by sex) are
marginal: their 'all' rows are used unless the frame is broken down by that dimension.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from kp_dash.numbers.registry import (
    DIMENSIONS,
    Component,
    Metric,
    MetricError,
    ModelledMetric,
    Query,
    get,
)
from kp_dash.store import db

if TYPE_CHECKING:  # Spark is imported only by `metric --engine spark`
    from kp_dash.store.spark import SparkMetrics


def _component_sql(
    metric: Metric, comp: Component, query: Query, per_district: bool = True
) -> tuple[str, list[object]]:
    keys = [DIMENSIONS[k] for k in query.by if k in comp.dims]
    if per_district and comp.per_district and "district_code" not in keys:
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
    amount = (
        "count(distinct month_start)"
        if comp.months_of
        else f"count(distinct {comp.distinct})"
        if comp.distinct
        else "sum(amount)"
    )
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
    summed = f"select {', '.join(sums)} from c0 {' '.join(joins)}{group}"
    summed = _counted_once(metric, query, summed, ctes, params)
    ctes.append(f"sums as (select *{derived} from ({summed}))")
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


def _counted_once(
    metric: Metric, query: Query, summed: str, ctes: list[str], params: list[object]
) -> str:
    """The sums with each distinct count (people) counted over the breakdown itself instead of
    added up district by district: a person who used services in two districts is one person
    of the province. Adds the counts' CTEs (`d0`…) and their parameters."""
    keys = [DIMENSIONS[k] for k in query.by]
    replaced = []
    for i, comp in enumerate(metric.components):
        if comp.distinct and "district" not in query.by:
            sql, comp_params = _component_sql(metric, comp, query, per_district=False)
            ctes.append(f"d{i} as ({sql})")
            params += comp_params
            replaced.append((f"d{i}", comp.name))
    if not replaced:
        return summed
    joins = " ".join(
        f"left join {cte} using ({', '.join(keys)})" if keys else f"cross join {cte}"
        for cte, _ in replaced
    )
    # every column named (not `s.* replace`): the statement stays in the SQL Spark shares
    counted = {name: cte for cte, name in replaced}
    columns = ", ".join(
        f"{counted[name]}.{name} as {name}" if name in counted else f"s.{name}"
        for name in _summed_columns(metric, keys)
    )
    return f"select {columns} from ({summed}) s {joins}"


def _summed_columns(metric: Metric, keys: Sequence[str]) -> list[str]:
    """The columns of the sums, in order: the breakdown's, then each component's own four."""
    own = ("{}", "src_{}", "y0_{}", "y1_{}")
    return [*keys, *(form.format(c.name) for c in metric.components for form in own)]


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


def fetch_view(con: duckdb.DuckDBPyConnection | SparkMetrics, query: Query) -> pd.DataFrame:
    """The frame of a metric that is one SQL view: the `by` columns, value, numerator and
    denominator where defined, source, year; rows only where its data exist. `con` is the
    database, or Spark over the same stored files (`kp_dash.store.spark`)."""
    sql, params = metric_sql(query)
    if isinstance(con, duckdb.DuckDBPyConnection):
        frame = db.query_df(con, sql, params)
    else:
        frame = con.query_df(sql, params, f"metric {query.code}")
    frame = frame.astype({"value": "float64"})
    for column in ("numerator", "denominator"):
        # sums of counts arrive as 128-bit integers (floats in pandas): show them as counts
        if column in frame and _whole_numbers(frame[column]):
            frame[column] = frame[column].astype("Int64")
    return frame


def _whole_numbers(series: pd.Series) -> bool:
    numbers = pd.to_numeric(series, errors="coerce").dropna()
    return bool((numbers % 1 == 0).all())
