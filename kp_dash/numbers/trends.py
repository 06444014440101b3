"""Trends and targets: a metric over time (province, divisions or districts) with month-on-month
and year-on-year change, the district delta ranking, and target attainment with a red/amber/green
status (METRICS.md: `delta`, `target_attainment_pct`). Pure functions of a connection or a frame
returning frames and plain values; `kp_dash.views.trends_view` makes tables, captions and the chart.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from kp_dash.numbers import analysis, metrics, registry, source_texts
from kp_dash.numbers.registry import Metric, MetricError, ModelledMetric, Query
from kp_dash.store import config, db
from kp_dash.store.marks import N_

PROVINCE_CODE = "KP"
PROVINCE_NAME = "Khyber Pakhtunkhwa"
ALL_SERVICES = "all"  # a target for all services together
LEVELS = {"province": N_("Province"), "division": N_("Divisions"), "district": N_("Districts")}
NO_TARGET = "no target"
STATUSES = ("green", "amber", "red", NO_TARGET, "no data")
SERIES_COLUMNS = [
    "month",
    "group",
    "group_code",
    "value",
    "mom_change",
    "yoy_change",
    "source",
    "year",
]
DELTA_COLUMNS = [
    "district_code",
    "district_name",
    "value",
    "comparison_value",
    "delta",
    "rank",
    "source",
    "year",
]
TARGET_COLUMNS = [
    "district_code",
    "district_name",
    "service_code",
    "metric",
    "period",
    "target",
    "actual",
    "attainment_pct",
    "status",
    "source",
    "year",
]
REGISTER_SQL = "select district_code, district_name, division from districts order by district_code"
TARGETS_SQL = """
select service_code, district_code, metric,
       coalesce(strftime(month_start, '%Y-%m'), year::varchar) as period, target
from targets
order by service_code, metric, period
"""
# the registry's ratio metrics read `[scale *] numerator / nullif(denominator, 0)`
_RATIO = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)\s*\*\s*)?(\w+)\s*/\s*nullif\(\s*(\w+)\s*,\s*0\s*\)\s*$"
)


# --- which metrics ------------------------------------------------------------------------------


def trend_metrics() -> list[str]:
    """Codes of the metrics that have monthly values (the ones a trend can show)."""
    return [code for code, metric in registry.REGISTRY.items() if "month" in metric.by_keys]


def _monthly(code: str) -> Metric:
    metric = registry.get(code)
    if not isinstance(metric, Metric) or "month" not in metric.by_keys:
        raise MetricError(
            f"{metric.label} ({code}) has no monthly values, so it cannot be shown over time "
            f"(metrics with monthly values: {', '.join(trend_metrics())})"
        )
    return metric


def division_scale(metric: Metric | ModelledMetric) -> float:
    """The factor in `value = factor × numerator ÷ denominator`; MetricError for a metric that is
    not such a ratio (a division value sums its districts' counts, it never averages rates)."""
    match = (
        _RATIO.match(metric.expression) if isinstance(metric, Metric) and metric.numerator else None
    )
    if not match or (match[2], match[3]) != (metric.numerator, metric.denominator):
        raise MetricError(
            f"{metric.label} ({metric.code}) cannot be shown by division: it has no numerator "
            "and denominator to add up over the division's districts, and averaging district "
            "values would be wrong. Choose the province or districts."
        )
    return float(match[1] or 1)


def _varies_with_period(metric: Metric | ModelledMetric) -> bool:
    if isinstance(metric, Metric):
        return "month" in metric.by_keys
    return any(_varies_with_period(registry.get(code)) for code in metric.inputs)


# --- months -------------------------------------------------------------------------------------


def shift_month(month: str, months: int) -> str:
    """A YYYY-MM month moved by a number of months."""
    return str(pd.Period(month, freq="M") + months)


def _shifted(months: pd.Series, by: int) -> pd.Series:
    return pd.Series((pd.PeriodIndex(months, freq="M") + by).strftime("%Y-%m"), index=months.index)


def _month_range(first: str, last: str) -> list[str]:
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def default_comparison(months: Sequence[str], period: tuple[str, str]) -> tuple[str, str]:
    """The comparison period a delta ranking starts from: the same months a year earlier when
    the data reach back that far, else the as-long stretch just before the period, else the
    first month of data."""
    start, end = period
    for shift in (12, len(_month_range(start, end))):
        earlier = (shift_month(start, -shift), shift_month(end, -shift))
        if earlier[0] in months and earlier[1] in months:
            return earlier
    return months[0], months[0]


# --- series -------------------------------------------------------------------------------------


def _register(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return db.query_df(con, REGISTER_SQL)


def member_options(register: pd.DataFrame, level: str) -> dict[str, str]:
    """What the level's multiselect offers: district code → name, or division → division."""
    if level == "district":
        ordered = register.sort_values("district_name")
        return dict(zip(ordered["district_code"], ordered["district_name"], strict=True))
    if level == "division":
        return {name: name for name in sorted(register["division"].unique())}
    return {}


def _groups(register: pd.DataFrame, level: str, members: Sequence[str]) -> pd.DataFrame:
    """The groups a series has (group_code, group), in the order asked for."""
    if level == "province":
        return pd.DataFrame({"group_code": [PROVINCE_CODE], "group": [PROVINCE_NAME]})
    options = member_options(register, level)
    unknown = [m for m in members if m not in options]
    if unknown:
        raise MetricError(f"unknown {level}: {', '.join(unknown)}")
    if level == "district" and not members:
        codes = list(register["district_code"])
    else:
        codes = list(members or options)
    return pd.DataFrame({"group_code": codes, "group": [options[c] for c in codes]})


def _division_rows(rows: pd.DataFrame, register: pd.DataFrame, scale: float) -> pd.DataFrame:
    """Division × month values: Σ numerator ÷ Σ denominator over the division's districts that
    have data in that month (a district without a row is left out, not counted as zero)."""
    rows = rows.merge(register[["district_code", "division"]], on="district_code")
    summed = (
        rows.groupby(["division", "month"], as_index=False)
        .agg(
            numerator=("numerator", "sum"),
            denominator=("denominator", "sum"),
            source=("source", source_texts.joined),
            year=("year", lambda years: analysis.year_span(" ".join(years.dropna()))),
        )
        .rename(columns={"division": "group_code"})
    )
    numerator = summed["numerator"].astype("float64")
    denominator = summed["denominator"].astype("float64")
    summed["value"] = (scale * numerator / denominator.where(denominator != 0)).astype("float64")
    return summed


def series(
    con: duckdb.DuckDBPyConnection,
    code: str,
    *,
    service: str | None,
    month_from: str | None,
    month_to: str | None,
    level: str = "province",
    members: tuple[str, ...] = (),
) -> pd.DataFrame:
    """A monthly metric for the province, divisions (members: division names; none = all) or
    districts (members: P-codes; none = all), one row per group × month of the period with
    `value` NaN where there is no data (never 0). `mom_change` and `yoy_change` are the value
    minus the value a month / twelve months earlier (NaN when either is missing); the year before
    the period is read too, so the first months of a period have a year-on-year change."""
    if level not in LEVELS:
        raise MetricError(f"unknown level '{level}' (known: {', '.join(LEVELS)})")
    scale = division_scale(registry.get(code)) if level == "division" else 1.0
    _monthly(code)
    by = ("month",) if level == "province" else ("month", "district")
    read_from = shift_month(month_from, -12) if month_from else None
    rows = metrics.fetch(con, Query(code, by, service, read_from, month_to))
    register = _register(con)
    groups = _groups(register, level, members)
    if level == "province":
        rows = rows.assign(group_code=PROVINCE_CODE)
    elif level == "district":
        rows = rows.rename(columns={"district_code": "group_code"})
    else:
        rows = _division_rows(rows, register, scale)
    if rows.empty and not (month_from and month_to):
        return pd.DataFrame(columns=SERIES_COLUMNS).astype({"value": "float64"})
    first = month_from or str(rows["month"].min())
    last = month_to or str(rows["month"].max())
    grid = groups.merge(
        pd.DataFrame({"month": _month_range(shift_month(first, -12), last)}), how="cross"
    )
    full = grid.merge(
        rows[["group_code", "month", "value", "source", "year"]],
        on=["group_code", "month"],
        how="left",
    )
    full["value"] = full["value"].astype("float64")
    values = full.set_index(["group_code", "month"])["value"]
    for column, months in (("mom_change", 1), ("yoy_change", 12)):
        earlier = pd.MultiIndex.from_arrays([full["group_code"], _shifted(full["month"], -months)])
        full[column] = full["value"].to_numpy() - values.reindex(earlier).to_numpy()
    full = full[full["month"] >= first].reset_index(drop=True)
    full["source"] = full["source"].fillna("").astype(str)
    full["year"] = full["year"].fillna("").astype(str)
    return full[SERIES_COLUMNS]


def latest_month(frame: pd.DataFrame) -> str | None:
    """The last month of a series frame that has a value for some group."""
    known = frame.dropna(subset=["value"])
    return str(known["month"].max()) if not known.empty else None


# --- delta ranking ------------------------------------------------------------------------------


def delta_ranking(
    con: duckdb.DuckDBPyConnection,
    code: str,
    *,
    service: str | None,
    period: tuple[str, str],
    comparison: tuple[str, str],
) -> pd.DataFrame:
    """Every district's value in the period and in the comparison period, the delta (value −
    comparison value) and its rank, 1 = improved most (the largest fall for a lower-is-better
    metric; a neutral metric ranks by rise). Districts missing either value have no delta and no
    rank and come last."""
    metric = registry.get(code)
    if "district" not in metric.by_keys or not _varies_with_period(metric):
        raise MetricError(
            f"{metric.label} ({code}) does not change with the period (no monthly data), so it "
            "has no delta ranking"
        )
    now = metrics.fetch(con, Query(code, ("district",), service, *period))
    before = metrics.fetch(con, Query(code, ("district",), service, *comparison))
    table = _register(con)[["district_code", "district_name"]]
    table = table.merge(
        now[["district_code", "value", "source", "year"]], on="district_code", how="left"
    ).merge(
        before[["district_code", "value", "source", "year"]].rename(
            columns={"value": "comparison_value", "source": "source_0", "year": "year_0"}
        ),
        on="district_code",
        how="left",
    )
    table["value"] = table["value"].astype("float64")
    table["comparison_value"] = table["comparison_value"].astype("float64")
    table["delta"] = table["value"] - table["comparison_value"]
    ascending = metric.direction == "lower_is_better"
    table["rank"] = table["delta"].rank(method="min", ascending=ascending).astype("Int64")
    table["source"] = source_texts.joined_by_row(table, ("source", "source_0"))
    table["year"] = analysis.joined_years(table, ("year", "year_0"))
    table = table.sort_values(["rank", "district_name"], na_position="last", ignore_index=True)
    return table[DELTA_COLUMNS]


# --- targets ------------------------------------------------------------------------------------


def rag(attainment_pct: float, thresholds: tuple[float, float] | None = None) -> str:
    """'green' at or above the green threshold, 'amber' at or above the amber one, 'red' below
    (defaults from `config.rag_thresholds()`); 'no data' when there is no attainment."""
    green, amber = thresholds or config.rag_thresholds()
    if attainment_pct is None or (isinstance(attainment_pct, float) and math.isnan(attainment_pct)):
        return "no data"
    if attainment_pct >= green:
        return "green"
    return "amber" if attainment_pct >= amber else "red"


def attainment(
    actual: float,
    target: float,
    *,
    lower_is_better: bool = False,
    thresholds: tuple[float, float] | None = None,
) -> tuple[float, str]:
    """(target_attainment_pct, status). Attainment is 100 × actual ÷ target for every metric
    (METRICS.md); for a lower-is-better metric the status is judged on 100 × target ÷ actual so
    that doing better than the target is green there too. A target of 0 has no attainment: the
    status says whether it was met."""
    if pd.isna(target):
        return math.nan, NO_TARGET
    if pd.isna(actual):
        return math.nan, "no data"
    if target == 0:
        met = actual <= 0 if lower_is_better else actual >= 0
        return math.nan, "green" if met else "red"
    pct = 100.0 * actual / target
    judged = (100.0 * target / actual if actual else math.inf) if lower_is_better else pct
    return pct, rag(judged, thresholds)


def _in_period(period: str, month_from: str | None, month_to: str | None) -> bool:
    if len(period) == 4:  # a year target counts when its year overlaps the selection
        return (not month_from or period >= month_from[:4]) and (
            not month_to or period <= month_to[:4]
        )
    return (not month_from or period >= month_from) and (not month_to or period <= month_to)


def _actuals(
    con: duckdb.DuckDBPyConnection, code: str, service: str, period: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The metric by district and for the province over a target's month, or over the months of
    its year that are in the data; empty frames where the metric has no such value."""
    first, last = (f"{period}-01", f"{period}-12") if len(period) == 4 else (period, period)
    chosen = None if service == ALL_SERVICES else service
    frames = []
    for by in (("district",), ()):
        try:
            frames.append(metrics.fetch(con, Query(code, by, chosen, first, last)))
        except MetricError:  # e.g. a modelled metric that has no province value
            frames.append(pd.DataFrame(columns=["district_code", "value", "source", "year"]))
    return frames[0], frames[1]


def _cell(province: pd.DataFrame, by_district: pd.DataFrame, key: str, column: str) -> Any:
    """One value of an actuals frame: the province's, or a district's (NaN / '' when absent)."""
    missing = math.nan if column == "value" else ""
    if key == PROVINCE_CODE:
        return province[column].iloc[0] if len(province) else missing
    return by_district[column].get(key, missing)


def targets_loaded(con: duckdb.DuckDBPyConnection) -> int:
    """How many target rows the database holds (imported `targets` batches)."""
    return int(db.query_df(con, "select count(*) as n from targets")["n"].iloc[0])


def target_status(
    con: duckdb.DuckDBPyConnection,
    *,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
    district: str | None = None,
) -> pd.DataFrame:
    """Attainment of every target in the selection: for each (service, metric, period) that has a
    target anywhere, one row for the province (district_code None) and one per district, those
    without a target marked 'no target' (their actual still shown). `service` None takes targets
    of every service and of 'all'; month targets count when their month is in the selected
    period, year targets when their year overlaps it; `district` keeps that district's rows."""
    targets = db.query_df(con, TARGETS_SQL)
    if service:
        targets = targets[targets["service_code"] == service]
    targets = targets[[_in_period(p, month_from, month_to) for p in targets["period"]]]
    if targets.empty:
        return pd.DataFrame(columns=TARGET_COLUMNS)
    register = _register(con)
    places = pd.concat(
        [
            pd.DataFrame({"district_code": [None], "district_name": [PROVINCE_NAME]}),
            register[["district_code", "district_name"]].sort_values("district_name"),
        ],
        ignore_index=True,
    )
    if district:
        places = places[places["district_code"] == district]
    thresholds = config.rag_thresholds()
    parts = []
    for (service_code, code, period), group in targets.groupby(
        ["service_code", "metric", "period"], sort=True
    ):
        by_district, province = _actuals(con, code, service_code, period)
        lower = registry.get(code).direction == "lower_is_better"
        wanted = dict(
            zip(group["district_code"].fillna(PROVINCE_CODE), group["target"], strict=True)
        )
        actual = by_district.set_index("district_code")
        part = places.assign(service_code=service_code, metric=code, period=period)
        keys = part["district_code"].fillna(PROVINCE_CODE)
        part["target"] = keys.map(wanted).astype("float64")
        for column in ("value", "source", "year"):
            found = [_cell(province, actual, key, column) for key in keys]
            part["actual" if column == "value" else column] = found
        part["actual"] = part["actual"].astype("float64")
        scored = [
            attainment(a, t, lower_is_better=lower, thresholds=thresholds)
            for a, t in zip(part["actual"], part["target"], strict=True)
        ]
        part["attainment_pct"] = [pct for pct, _ in scored]
        part["status"] = [status for _, status in scored]
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    table["district_code"] = (
        table["district_code"].astype(object).where(table["district_code"].notna(), None)
    )
    return table[TARGET_COLUMNS]
