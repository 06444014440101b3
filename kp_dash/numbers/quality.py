"""Data quality: completeness, timeliness, outliers, consistency checks and the import log.

Frames and figures for the Data quality page, built on the `quality_*` views in
`kp_dash/sql/quality/`. A district with no data for a month is *no data*, never zero: completeness
counts it as not received and the heat map draws it in its own grey class.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import duckdb
import pandas as pd
import plotly.graph_objects as go

from kp_dash.numbers import analysis
from kp_dash.store import db
from kp_dash.store.batches import MANIFEST_COLUMNS
from kp_dash.views import exports

NO_DATA = "No data"
NO_DATA_COLOUR = "#d9d9d9"
SHARE_COLOURS = "Blues"
OUTLIER_THRESHOLD = 3.5  # Iglewicz & Hoaglin: |modified z| above 3.5 is a potential outlier
OUTLIER_MIN_DIFFERENCE = 10  # transactions; a few more or fewer in a tiny series is no alarm
SPIKE_RATIO = 5.0
SPIKE_MIN_NEIGHBOUR = 20  # transactions in each neighbouring month
# a spreadsheet runs a cell starting with these as a formula (CONTRACTS.md: neutralise)
FORMULA_STARTS = exports.FORMULA_STARTS
DEMO_NOTE = "Demonstration data (simulated, not real usage)"
NOT_LOADED = "import (not yet in the database)"  # the source of an accepted import not built in
HOW_TO_IMPORT = (
    "Import a department file with `python -m kp_dash import FILE` or on the Data page; "
    "accepted batches are listed here."
)

CHECKS = {
    "female_male_above_total": "Female + male above the total",
    "users_above_population": "Users above the eligible population",
    "month_out_of_line": "Month far outside its neighbours",
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
IMPORT_LOG_COLUMNS = {
    "batch_id": "Batch",
    "kind": "Kind",
    "file_name": "File",
    "rows": "Rows",
    "months": "Months",
    "imported_at": "Imported at (UTC)",
    "who": "Imported by",
    "status": "Status",
    "withdrawn_at": "Withdrawn at (UTC)",
    "withdrawn_by": "Withdrawn by",
}
DISPLAY_DECIMALS = {"expected": 1, "seasonal_index": 3, "z": 2, "reference": 1}
# monthly transaction counts, as the outliers table names them: exports show 1 to 9 as `<10`
OUTLIER_COUNTS = ("Value", "Expected")
# column names people read, for every frame this module returns
LABELS = {
    "district_code": "District code",
    "district_name": "District",
    "service_code": "Service",
    "month": "Month",
    "year": "Year",
    "expected": "Expected",
    "received": "Received",
    "row_count": "Rows",
    "transactions": "Transactions",
    "completeness_pct": "Completeness (%)",
    "months_no_data": "Months with no data",
    "kind": "Kind",
    "name": "Batch or table",
    "file": "File",
    "source": "Source",
    "months_covered": "Months covered",
    "imported_at": "Imported at (UTC)",
    "lag_days": "Lag after the last month (days)",
    "age_years": "Age (years)",
    "value": "Value",
    "seasonal_index": "Seasonal index",
    "z": "Modified z",
    "direction": "Direction",
    "check_label": "Check",
    "reference": "Compared with",
    "message": "What is wrong",
    "files": "Files",
}


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


def _cells(frame: pd.DataFrame) -> pd.DataFrame:
    """District × month: services expected and received, usage rows, share received."""
    cells = frame.groupby(["district_code", "district_name", "month"], as_index=False).agg(
        expected=("expected", "sum"), received=("received", "sum"), row_count=("row_count", "sum")
    )
    cells["share"] = cells["received"] / cells["expected"]
    return cells


def completeness_heatmap(frame: pd.DataFrame) -> go.Figure:
    """District × month heat map of the share of expected services received. A cell where nothing
    was received is *no data*: drawn grey in its own trace, never as a zero on the colour scale."""
    figure = go.Figure()
    if frame.empty:
        figure.add_annotation(text="No usage data", showarrow=False)
        figure.update_layout(xaxis_visible=False, yaxis_visible=False, height=200)
        return figure
    cells = _cells(frame)
    hover = (
        "District: " + cells["district_name"] + "<br>Month: " + cells["month"] + "<br>"
    ) + cells.apply(
        lambda c: (
            (
                f"{NO_DATA} ({c.expected} service(s) expected)"
                if c.received == 0
                else f"Received {c.received} of {c.expected} service(s) ({c.share:.0%})"
            )
            + f"<br>Rows: {c.row_count:,}"
        ),
        axis=1,
    )
    cells = cells.assign(hover=hover)
    shares = cells.pivot(index="district_name", columns="month", values="share")
    texts = cells.pivot(index="district_name", columns="month", values="hover")
    has_data = shares.where(shares > 0)
    no_data = shares.where(shares == 0).notna().astype(float).where(shares == 0)
    common = {
        "x": list(shares.columns),
        "y": list(shares.index),
        "text": texts.to_numpy(),
        "hovertemplate": "%{text}<extra></extra>",
        "hoverongaps": False,
        "xgap": 1,
        "ygap": 1,
    }
    figure.add_trace(
        go.Heatmap(
            z=has_data.to_numpy(),
            name="Share received",
            zmin=0,
            zmax=1,
            colorscale=SHARE_COLOURS,
            colorbar={"title": {"text": "Received ÷<br>expected"}, "tickformat": ".0%"},
            **common,
        )
    )
    figure.add_trace(
        go.Heatmap(
            z=no_data.to_numpy(),
            name=NO_DATA,
            colorscale=[[0, NO_DATA_COLOUR], [1, NO_DATA_COLOUR]],
            showscale=False,
            showlegend=True,
            **common,
        )
    )
    figure.update_layout(
        height=max(300, 18 * len(shares.index) + 120),
        yaxis={"autorange": "reversed", "title": None},
        xaxis={"title": None, "type": "category"},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"},
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
    )
    return figure


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
    cells = _cells(frame)
    table = cells.groupby(["district_code", "district_name"], as_index=False).agg(
        expected=("expected", "sum"),
        received=("received", "sum"),
        months_no_data=("received", lambda r: int((r == 0).sum())),
    )
    table["source"], table["year"] = frame["source"].iloc[0], frame["year"].iloc[0]
    table["completeness_pct"] = (100.0 * table["received"] / table["expected"]).round(1)
    table = table.sort_values(["completeness_pct", "district_name"], ignore_index=True)
    return table[columns].head(count)


# --- timeliness --------------------------------------------------------------------------------

_BATCH_SQL = """
select b.batch_id, b.source_kind, b.source, b.file_name, b.loaded_at,
       strftime(min(u.month_start), '%Y-%m') as first_month,
       strftime(max(u.month_start), '%Y-%m') as last_month
from usage_batches as b
left join usage as u using (batch_id)
group by b.batch_id, b.source_kind, b.source, b.file_name, b.loaded_at
order by b.loaded_at, b.batch_id
"""
_SEED_SQL = """
select seed_table, source, year from stg_seed_sources
where year is not null
order by seed_table, year
"""
TIMELINESS_COLUMNS = [
    "kind",
    "name",
    "file",
    "source",
    "months_covered",
    "imported_at",
    "lag_days",
    "year",
    "age_years",
]


def _accepted(manifest: pd.DataFrame | None) -> pd.DataFrame:
    if manifest is None or manifest.empty:
        return pd.DataFrame(columns=MANIFEST_COLUMNS)
    return manifest[manifest["status"].fillna("accepted") == "accepted"]


def _utc(text: object) -> pd.Timestamp:
    """A manifest or database time as naive UTC (NaT when absent)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return pd.NaT
    stamp = pd.Timestamp(text)
    if pd.isna(stamp):
        return pd.NaT
    return stamp.tz_convert(UTC).tz_localize(None) if stamp.tzinfo else stamp


def _months_text(first: object, last: object) -> str:
    first, last = (m if isinstance(m, str) and m else "" for m in (first, last))
    if not first:
        return ""
    return first if first == last or not last else f"{first} to {last}"


def _covered_years(first: object, last: object, imported: pd.Timestamp) -> str:
    """The years of the months covered; without months (an indicator import), the year imported."""
    years = analysis.year_span(" ".join(m for m in (first, last) if isinstance(m, str)))
    return years or ("" if pd.isna(imported) else str(imported.year))


def _lag_days(last_month: object, imported_at: pd.Timestamp) -> object:
    """Days from the last day of the last month covered to the import."""
    if not isinstance(last_month, str) or not last_month or pd.isna(imported_at):
        return pd.NA
    month_end = pd.Period(last_month, freq="M").end_time.normalize()
    return (imported_at.normalize() - month_end).days


def timeliness(
    con: duckdb.DuckDBPyConnection, manifest: pd.DataFrame | None, today: date | None = None
) -> pd.DataFrame:
    """How fresh each source is. For every usage batch in the database and every accepted import:
    kind, file, months covered, when it was imported and the lag in days from the end of the last
    month covered to the import (a return for March imported on 20 April lags 20 days), and as
    `year` the years of the months covered. For every seed source: its year and its age in years
    today."""
    today = today or datetime.now(UTC).date()
    accepted = _accepted(manifest).set_index("batch_id", drop=False)
    rows = []
    for b in db.query_df(con, _BATCH_SQL).itertuples(index=False):
        entry = accepted.loc[b.batch_id] if b.batch_id in accepted.index else None
        imported = _utc(entry["imported_at"]) if entry is not None else _utc(b.loaded_at)
        rows.append(
            {
                "kind": "usage (demonstration)" if b.source_kind == "demo" else "usage",
                "name": b.batch_id,
                "file": entry["file_name"] if entry is not None else b.file_name,
                "source": b.source,
                "first_month": b.first_month,
                "last_month": b.last_month,
                "imported_at": imported,
                "year": _covered_years(b.first_month, b.last_month, imported),
            }
        )
    loaded = {row["name"] for row in rows}
    for entry in accepted.itertuples(index=False):
        if entry.batch_id in loaded:
            continue
        imported = _utc(entry.imported_at)
        rows.append(
            {
                "kind": entry.kind,
                "name": entry.batch_id,
                "file": entry.file_name,
                "source": NOT_LOADED if entry.kind == "usage" else "import",
                "first_month": entry.first_month,
                "last_month": entry.last_month,
                "imported_at": imported,
                "year": _covered_years(entry.first_month, entry.last_month, imported),
            }
        )
    for seed in db.query_df(con, _SEED_SQL).itertuples(index=False):
        rows.append(
            {
                "kind": "seed",
                "name": seed.seed_table,
                "file": f"data/seed/{seed.seed_table}.csv",
                "source": seed.source,
                "year": str(int(seed.year)),
                "age_years": today.year - int(seed.year),
            }
        )
    frame = pd.DataFrame(rows, columns=[*TIMELINESS_COLUMNS, "first_month", "last_month"])
    frame["months_covered"] = [
        _months_text(f, t) for f, t in zip(frame["first_month"], frame["last_month"], strict=True)
    ]
    frame["imported_at"] = pd.to_datetime(frame["imported_at"])
    frame["lag_days"] = pd.array(
        [_lag_days(m, t) for m, t in zip(frame["last_month"], frame["imported_at"], strict=True)],
        dtype="Int64",
    )
    frame = frame.astype({"year": "string", "age_years": "Int64"})
    return frame[TIMELINESS_COLUMNS]


def usage_sources(timeliness_frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(source, year) of the usage data the checks ran on (the batches in the database), the year
    being the years of the months each covers; none when no usage is loaded."""
    frame = timeliness_frame
    usage = frame[frame["kind"].str.startswith("usage") & (frame["source"] != NOT_LOADED)]
    pairs = zip(usage["source"], usage["year"].fillna(""), strict=True)
    return list(dict.fromkeys((str(s), str(y)) for s, y in pairs if isinstance(s, str) and s))


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


# --- import log --------------------------------------------------------------------------------


def import_log(manifest: pd.DataFrame | None) -> pd.DataFrame:
    """Every import, newest first, with people-readable columns: batch, kind, file, rows, months
    covered, when and by whom it was imported, and whether it was later withdrawn."""
    if manifest is None or manifest.empty:
        return pd.DataFrame(
            {label: pd.Series(dtype="object") for label in IMPORT_LOG_COLUMNS.values()}
        )
    log = manifest.copy()
    log["months"] = [
        _months_text(f, t) for f, t in zip(log["first_month"], log["last_month"], strict=True)
    ]
    log["imported_at"] = log["imported_at"].map(_utc)
    log["withdrawn_at"] = log["withdrawn_at"].map(_utc)
    log = log.sort_values("imported_at", ascending=False, ignore_index=True)
    return log[list(IMPORT_LOG_COLUMNS)].rename(columns=IMPORT_LOG_COLUMNS)


# --- display and export ------------------------------------------------------------------------


def for_display(frame: pd.DataFrame) -> pd.DataFrame:
    """The same frame with the column names people read, estimates rounded to what they can
    tell (the check's code is dropped: its label is shown)."""
    shown = frame.drop(columns=[c for c in ("check",) if c in frame])
    shown = shown.round({c: d for c, d in DISPLAY_DECIMALS.items() if c in shown})
    return shown.rename(columns={c: LABELS.get(c, c) for c in shown.columns})


def export_csv(frame: pd.DataFrame, demo: bool = False) -> bytes:
    """CSV bytes (UTF-8 with BOM, for Excel) of a table as shown, text cells neutralised
    (`kp_dash.exports`); demonstration data says so in a column of its own."""
    shown = for_display(frame)
    if demo:
        shown = shown.assign(Note=DEMO_NOTE)
    return exports.csv_bytes(shown)


def download_args(frame: pd.DataFrame, key: str, demo: bool = False) -> dict[str, object]:
    """Arguments of a table's CSV download button (label, data, file name, type, widget key)."""
    return {
        "label": "Download CSV",
        "data": export_csv(frame, demo),
        "file_name": f"quality_{key}.csv",
        "mime": "text/csv",
        "key": f"quality_{key}_csv",
    }
