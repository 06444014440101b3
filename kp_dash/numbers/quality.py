"""Data quality: completeness, outliers and consistency checks (timeliness and the import log
are in `kp_dash.numbers.freshness`).

Frames for the Data quality page, built on the `quality_*` views in `kp_dash/sql/quality/`
(`kp_dash.views.quality_view` draws the heat map and names the columns). A district with no data
for a month is *no data*, never zero: completeness counts it as not received.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from kp_dash.numbers import analysis
from kp_dash.store import db
from kp_dash.store.marks import N_

OUTLIER_THRESHOLD = 3.5  # Iglewicz & Hoaglin: |modified z| above 3.5 is a potential outlier
OUTLIER_MIN_DIFFERENCE = 10  # transactions; a few more or fewer in a tiny series is no alarm
SPIKE_RATIO = 5.0
SPIKE_MIN_NEIGHBOUR = 20  # transactions in each neighbouring month

CHECKS = {
    "female_male_above_total": N_("Female + male above the total"),
    "users_above_population": N_("Users above the eligible population"),
    "month_out_of_line": N_("Month far outside its neighbours"),
}
CONSISTENCY_COLUMNS = [
    "check",
    "check_label",
    "district_code",
    "district_name",
    "service_code",
    "month",
    "year",
    "value",
    "reference",
    "message",
    "files",
]


def _period_filter(
    where: list[str],
    params: list[object],
    service: str | None,
    month_from: str | None,
    month_to: str | None,
    alias: str = "",
) -> None:
    """Add service and month conditions (values always as parameters) to a where list."""
    if service:
        where.append(f"{alias}service_code = ?")
        params.append(service)
    if month_from:
        where.append(f"{alias}month_start >= strptime(?, '%Y-%m')::date")
        params.append(month_from)
    if month_to:
        where.append(f"{alias}month_start <= strptime(?, '%Y-%m')::date")
        params.append(month_to)


def _where(where: Sequence[str]) -> str:
    return f" where {' and '.join(where)}" if where else ""


def _usage_provenance(
    con: duckdb.DuckDBPyConnection,
    service: str | None,
    month_from: str | None,
    month_to: str | None,
) -> tuple[str, str]:
    """The sources of the usage rows in the selection ('; '-joined) and the span of their years."""
    where: list[str] = []
    params: list[object] = []
    _period_filter(where, params, service, month_from, month_to)
    sql = (
        "select string_agg(distinct source, '; ' order by source) as source,"
        " min(year)::varchar || ' ' || max(year)::varchar as years"
        f" from stg_usage{_where(where)}"
    )
    row = db.query_df(con, sql, params).iloc[0]
    return (row["source"] or "", analysis.year_span(row["years"] or ""))


# --- completeness ------------------------------------------------------------------------------


def completeness(
    con: duckdb.DuckDBPyConnection,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """One row per district × month × service expected in the selection: `expected` 1, `received`
    1 when the district sent any row for it, else 0, with `row_count` and `transactions` (null when
    nothing came). A service is expected from every district in every month of the selection when
    it has any data in the selection. Completeness = Σ received ÷ Σ expected. `source` and `year`
    are those of the selection's usage: what was expected, and so what is missing, follows from
    all of it, not from a district's own rows."""
    where: list[str] = []
    params: list[object] = []
    _period_filter(where, params, service, month_from, month_to)
    inner = [*where, "received = 1"]
    sql = (
        "select district_code, district_name, strftime(month_start, '%Y-%m') as month,"
        " service_code, expected, received, row_count, transactions"
        f" from quality_completeness{_where(where)}"
        f"{' and' if where else ' where'} service_code in"
        f" (select service_code from quality_completeness{_where(inner)})"
        " order by district_code, month_start, service_code"
    )
    frame = db.query_df(con, sql, params + params)
    frame["source"], frame["year"] = _usage_provenance(con, service, month_from, month_to)
    return frame.astype({"expected": "int64", "received": "int64", "row_count": "int64"})


def completeness_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """District × month: services expected and received, usage rows, share received."""
    cells = frame.groupby(["district_code", "district_name", "month"], as_index=False).agg(
        expected=("expected", "sum"), received=("received", "sum"), row_count=("row_count", "sum")
    )
    cells["share"] = cells["received"] / cells["expected"]
    return cells


def least_complete(frame: pd.DataFrame, count: int = 10) -> pd.DataFrame:
    """The districts that sent the smallest share of what was expected in the selection:
    expected and received district-month-services, completeness in %, and the months in which
    the district sent nothing at all, with the selection's source and year."""
    columns = [
        "district_name",
        "expected",
        "received",
        "completeness_pct",
        "months_no_data",
        "source",
        "year",
    ]
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    cells = completeness_cells(frame)
    table = cells.groupby(["district_code", "district_name"], as_index=False).agg(
        expected=("expected", "sum"),
        received=("received", "sum"),
        months_no_data=("received", lambda r: int((r == 0).sum())),
    )
    table["source"], table["year"] = frame["source"].iloc[0], frame["year"].iloc[0]
    table["completeness_pct"] = (100.0 * table["received"] / table["expected"]).round(1)
    table = table.sort_values(["completeness_pct", "district_name"], ignore_index=True)
    return table[columns].head(count)


# --- outliers ----------------------------------------------------------------------------------


def outliers(
    con: duckdb.DuckDBPyConnection,
    service: str | None = None,
    threshold: float = OUTLIER_THRESHOLD,
    month_from: str | None = None,
    month_to: str | None = None,
    min_difference: float = OUTLIER_MIN_DIFFERENCE,
) -> pd.DataFrame:
    """Months whose digital transactions are far from the district's own months around them for
    the service (a Hampel filter): modified z = 0.6745 × (x - median) ÷ MAD of the deseasonalised
    series (x = transactions ÷ the service's seasonal index, so the August–September admissions
    and the September e-transfer window are not outliers) over the district's months within ±6
    calendar months of the month, so steady growth is not flagged. Listed when |z| > threshold and
    the month differs from `expected` (median × seasonal index) by at least `min_difference`
    transactions; the window always reaches into the neighbouring months, whatever the months
    selected: those only select what is listed. `source` and `year` are those of the month's own
    usage rows (the same district's neighbouring months set `expected` and `z`)."""
    where = ["abs(z) > ?", "abs(digital_transactions - expected) >= ?"]
    params: list[object] = [threshold, min_difference]
    _period_filter(where, params, service, month_from, month_to)
    sql = (
        "with sources as (select district_code, service_code, month_start,"
        " string_agg(distinct source, '; ' order by source) as source from stg_usage group by all)"
        " select district_code, d.district_name, service_code,"
        " strftime(month_start, '%Y-%m') as month, digital_transactions as value,"
        " expected, seasonal_index, z,"
        " case when z > 0 then 'high' else 'low' end as direction,"
        " sources.source, year(month_start)::varchar as year"
        " from quality_outlier_scores join districts as d using (district_code)"
        " left join sources using (district_code, service_code, month_start)"
        f"{_where(where)} order by abs(z) desc, district_code, service_code, month_start"
    )
    frame = db.query_df(con, sql, params)
    return frame.astype({"value": "int64", "expected": "float64", "z": "float64"})


# --- consistency -------------------------------------------------------------------------------

_SEX_SQL = """
select t.district_code, d.district_name, t.year, t.indicator, t.female, t.male, t.total,
       t.batch_ids
from quality_sex_totals as t
join districts as d using (district_code)
where t.female + t.male > t.total
order by t.district_code, t.year, t.indicator
"""


def _reach_sql(where: list[str]) -> str:
    return (
        "select r.district_code, d.district_name, r.service_code, s.service_name,"
        " strftime(r.month_start, '%Y-%m') as month, year(r.month_start) as year, r.users,"
        " r.eligible_population, r.batch_ids"
        " from quality_reach as r join districts as d using (district_code)"
        " join services as s using (service_code)"
        f"{_where(['r.users > r.eligible_population', *where])}"
        " order by r.district_code, r.service_code, r.month_start"
    )


def _neighbours_sql(where: list[str]) -> str:
    return (
        "select n.district_code, d.district_name, n.service_code, s.service_name,"
        " strftime(n.month_start, '%Y-%m') as month, year(n.month_start) as year,"
        " n.digital_transactions, n.previous_transactions, n.next_transactions,"
        " n.neighbour_expected, n.ratio"
        " from quality_neighbours as n join districts as d using (district_code)"
        " join services as s using (service_code)"
        " where n.previous_transactions >= ? and n.next_transactions >= ?"
        " and (n.ratio > ? or n.ratio < 1.0 / ?)"
        f"{''.join(' and ' + w for w in where)}"
        " order by n.district_code, n.service_code, n.month_start"
    )


def _file_names(con: duckdb.DuckDBPyConnection, manifest: pd.DataFrame | None) -> dict[str, str]:
    """Batch id -> the file people know it by (the upload name in the manifest wins)."""
    names = db.query_df(con, "select batch_id, file_name from usage_batches")
    found = dict(zip(names["batch_id"], names["file_name"], strict=True))
    if manifest is not None and not manifest.empty:
        found.update(zip(manifest["batch_id"], manifest["file_name"], strict=True))
    return found


def consistency(
    con: duckdb.DuckDBPyConnection,
    manifest: pd.DataFrame | None = None,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """One row per failed check, with the numbers and a plain sentence:
    female + male above the 'all' value of a count indicator (where all three are given);
    Σ users of a district × service × month above its eligible population (Census 2023);
    a month whose deseasonalised digital transactions are more than 5× or below 1/5 of the mean of
    the two adjacent months (each with at least 20 transactions). `value` is the number checked,
    `reference` what it is checked against; `files` names the batches the numbers came from."""
    files = _file_names(con, manifest)
    rows: list[dict[str, object]] = []

    def named(batch_ids: object) -> str:
        return ", ".join(files.get(b, b) for b in (batch_ids if batch_ids is not None else []))

    for r in db.query_df(con, _SEX_SQL).itertuples(index=False):
        both = r.female + r.male
        rows.append(
            {
                "check": "female_male_above_total",
                "district_code": r.district_code,
                "district_name": r.district_name,
                "year": r.year,
                "value": both,
                "reference": r.total,
                "message": (
                    f"{r.district_name}, {r.indicator} {r.year}: female {r.female:,.0f} + male "
                    f"{r.male:,.0f} = {both:,.0f}, more than the total of {r.total:,.0f}."
                ),
                "files": named(r.batch_ids),
            }
        )
    where: list[str] = []
    params: list[object] = []
    _period_filter(where, params, service, month_from, month_to, alias="r.")
    for r in db.query_df(con, _reach_sql(where), params).itertuples(index=False):
        rows.append(
            {
                "check": "users_above_population",
                "district_code": r.district_code,
                "district_name": r.district_name,
                "service_code": r.service_code,
                "month": r.month,
                "year": r.year,
                "value": r.users,
                "reference": r.eligible_population,
                "message": (
                    f"{r.district_name}, {r.service_name}, {r.month}: {r.users:,.0f} users "
                    f"reported, more than the {r.eligible_population:,.0f} eligible people "
                    "(Census 2023)."
                ),
                "files": named(r.batch_ids),
            }
        )
    spike_where: list[str] = []
    spike_params: list[object] = [
        SPIKE_MIN_NEIGHBOUR,
        SPIKE_MIN_NEIGHBOUR,
        SPIKE_RATIO,
        SPIKE_RATIO,
    ]
    _period_filter(spike_where, spike_params, service, month_from, month_to, alias="n.")
    for r in db.query_df(con, _neighbours_sql(spike_where), spike_params).itertuples(index=False):
        rows.append(
            {
                "check": "month_out_of_line",
                "district_code": r.district_code,
                "district_name": r.district_name,
                "service_code": r.service_code,
                "month": r.month,
                "year": r.year,
                "value": r.digital_transactions,
                "reference": round(r.neighbour_expected, 1),
                "message": (
                    f"{r.district_name}, {r.service_name}, {r.month}: {r.digital_transactions:,.0f}"
                    f" digital transactions, {r.ratio:.1f}× what the months either side "
                    f"({r.previous_transactions:,.0f} and {r.next_transactions:,.0f}) lead to "
                    f"expect after the seasonal pattern ({r.neighbour_expected:,.0f})."
                ),
                "files": "",
            }
        )
    frame = pd.DataFrame(rows, columns=CONSISTENCY_COLUMNS)
    frame["check_label"] = frame["check"].map(CHECKS)
    return frame.astype({"year": "Int64", "value": "float64", "reference": "float64"})
