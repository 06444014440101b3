"""District profile, the use of the e-services in a selection: each service in the district
against the province (with its last 12 months and its targets), the district's row of the
excluded-groups matrix, and how complete its usage returns are.

A value the district lacks is NaN, never zero; the frames are shown through
`kp_dash.views.profile_tables`.
"""

from __future__ import annotations

import math

import duckdb
import pandas as pd

from kp_dash.numbers import groups, metrics, profile, quality, registry
from kp_dash.store import db

ALL_SERVICES = "all"
ALL_SERVICES_LABEL = "All services"
TREND_MONTHS = 12
NO_TARGET = "no target"
# worst first: the status shown when a service has several targets
STATUS_ORDER = ("red", "amber", "green", "no data", NO_TARGET)
SERVICES_SQL = "select service_code, service_name from services order by service_code"
LAST_MONTH_SQL = "select strftime(max(month_start), '%Y-%m') as month from usage"


# --- the e-services ----------------------------------------------------------------------------

SERVICE_COLUMNS = [
    "service_code",
    "service_name",
    "uptake_per_1000",
    "province_uptake_per_1000",
    "digital_share_pct",
    "female_share_pct",
    "digital_transactions",
    "trend_months",
    "trend",
    "target_status",
    "target_detail",
    "source",
    "year",
]


def trend_window(month_to: str | None, count: int = TREND_MONTHS) -> list[str]:
    """The `count` months up to and including `month_to` (YYYY-MM), oldest first."""
    if not month_to:
        return []
    end = pd.Period(month_to, freq="M")
    return [str(end - i) for i in range(count - 1, -1, -1)]


def _fetch_district(
    con: duckdb.DuckDBPyConnection,
    code: str,
    by: tuple[str, ...],
    district_code: str,
    month_from: str | None,
    month_to: str | None,
) -> pd.DataFrame:
    frame = metrics.fetch(con, registry.Query(code, ("district", *by), None, month_from, month_to))
    return frame[frame["district_code"] == district_code]


def _by_service(frame: pd.DataFrame, column: str = "value") -> dict[str, float]:
    """Service code ('all' for a frame without a service column) -> value."""
    if frame.empty:
        return {}
    if "service" not in frame:
        return {ALL_SERVICES: float(frame[column].iloc[0])}
    return dict(zip(frame["service"], frame[column].astype("float64"), strict=True))


def _both(
    con: duckdb.DuckDBPyConnection,
    code: str,
    district_code: str | None,
    month_from: str | None,
    month_to: str | None,
    column: str = "value",
) -> dict[str, float]:
    """A metric by service plus its all-services value, for the district (or the province)."""
    values: dict[str, float] = {}
    for by in ((), ("service",)):
        if district_code is None:
            frame = metrics.fetch(con, registry.Query(code, by, None, month_from, month_to))
        else:
            frame = _fetch_district(con, code, by, district_code, month_from, month_to)
        values |= _by_service(frame, column)
    return values


def _trends(
    con: duckdb.DuckDBPyConnection, district_code: str, months: list[str]
) -> dict[str, list[float | None]]:
    """Service ('all' too) -> monthly uptake per 1,000 over `months`, None where no data."""
    if not months:
        return {}
    result: dict[str, list[float | None]] = {}
    for by in (("month",), ("service", "month")):
        frame = _fetch_district(con, "uptake_per_1000", by, district_code, months[0], months[-1])
        keys = frame["service"] if "service" in frame else pd.Series(ALL_SERVICES, frame.index)
        for service, part in frame.groupby(keys):
            values = dict(zip(part["month"], part["value"], strict=True))
            result[str(service)] = [
                None if pd.isna(values.get(m, math.nan)) else float(values[m]) for m in months
            ]
    return result


def _sources(
    con: duckdb.DuckDBPyConnection,
    district_code: str,
    month_from: str | None,
    month_to: str | None,
) -> dict[str, tuple[str, str]]:
    values: dict[str, tuple[str, str]] = {}
    for by in ((), ("service",)):
        frame = _fetch_district(con, "uptake_per_1000", by, district_code, month_from, month_to)
        for row in frame.to_dict("records"):
            values[row.get("service", ALL_SERVICES)] = (row["source"], str(row["year"]))
    return values


def target_summary(rows: pd.DataFrame) -> tuple[str, str]:
    """The worst status of a service's targets and a sentence per target; 'no target' when the
    district has none."""
    if rows.empty:
        return NO_TARGET, ""
    statuses = [str(s) for s in rows["status"]]
    worst = min(statuses, key=lambda s: STATUS_ORDER.index(s) if s in STATUS_ORDER else 99)
    details = []
    for row in rows.itertuples(index=False):
        attained = (
            f"{row.attainment_pct:.0f} % of the target {row.target:,.1f}"
            if not pd.isna(row.attainment_pct)
            else f"target {row.target:,.1f}, no actual"
        )
        details.append(f"{row.metric} {row.period}: {attained} ({row.status})")
    return worst, "; ".join(details)


def district_targets(
    con: duckdb.DuckDBPyConnection,
    district_code: str,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """The district's targets in the period (every service and 'all'), from
    `trends.target_status`, without the 'no target' rows."""
    from kp_dash.numbers import trends

    frame = trends.target_status(
        con, month_from=month_from, month_to=month_to, district=district_code
    )
    return frame[(frame["district_code"] == district_code) & (frame["status"] != NO_TARGET)]


def service_table(
    con: duckdb.DuckDBPyConnection,
    district_code: str,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """One row per service, all services together first: the district's uptake per 1,000
    eligible people, the province's, the digital share and women's share of digital
    transactions in the period, the monthly uptake of the last 12 months up to `month_to`
    (`trend`, None where no data, with `trend_months`) and the target status ('no target' when
    the district has none). NaN, never 0, where there is no data."""
    services = db.query_df(con, SERVICES_SQL)
    names = {ALL_SERVICES: ALL_SERVICES_LABEL} | dict(
        zip(services["service_code"], services["service_name"], strict=True)
    )
    period = (month_from, month_to)
    uptake = _both(con, "uptake_per_1000", district_code, *period)
    transactions = _both(con, "uptake_per_1000", district_code, *period, column="numerator")
    province = _both(con, "uptake_per_1000", None, *period)
    digital = _both(con, "digital_share_pct", district_code, *period)
    female = _both(con, "female_share_pct", district_code, *period)
    last = month_to or db.query_df(con, LAST_MONTH_SQL)["month"].iloc[0]
    months = trend_window(last if isinstance(last, str) else None)
    trends_by_service = _trends(con, district_code, months)
    sources = _sources(con, district_code, *period)
    targets = district_targets(con, district_code, *period)
    rows = []
    for code, name in names.items():
        status, detail = target_summary(targets[targets["service_code"] == code])
        source, year = sources.get(code, ("", ""))
        rows.append(
            {
                "service_code": code,
                "service_name": name,
                "uptake_per_1000": uptake.get(code, math.nan),
                "province_uptake_per_1000": province.get(code, math.nan),
                "digital_share_pct": digital.get(code, math.nan),
                "female_share_pct": female.get(code, math.nan),
                "digital_transactions": transactions.get(code, math.nan),
                "trend_months": months,
                "trend": trends_by_service.get(code, [None] * len(months)),
                "target_status": status,
                "target_detail": detail,
                "source": source,
                "year": year,
            }
        )
    return pd.DataFrame(rows, columns=SERVICE_COLUMNS).astype(
        dict.fromkeys(
            (
                "uptake_per_1000",
                "province_uptake_per_1000",
                "digital_share_pct",
                "female_share_pct",
                "digital_transactions",
            ),
            "float64",
        )
    )


# --- excluded groups ---------------------------------------------------------------------------

GROUP_COLUMNS = ["group_key", "group", "comparison", "ratio", "parity_band", "status"]
NOT_MEMBER = "not in this group"


def group_membership(con: duckdb.DuckDBPyConnection, district_code: str) -> dict[str, bool]:
    """Whether the district belongs to each district-kind group (merged; low female literacy,
    by the same bottom-third cut as `groups`)."""
    register = profile.load_register(con)
    row = profile.district_row(register, district_code)
    literacy = metrics.fetch(con, registry.Query("literacy_female_pct", ("district",)))
    cut = groups.low_literacy_cut(literacy["value"])
    own = literacy.loc[literacy["district_code"] == district_code, "value"]
    low = bool(len(own) and not pd.isna(own.iloc[0]) and own.iloc[0] <= cut)
    return {"merged": bool(row["is_merged"]), "low_female_literacy": low}


def district_groups(
    matrix: pd.DataFrame, district_name: str, membership: dict[str, bool]
) -> pd.DataFrame:
    """The district's row of `groups.district_group_matrix`, one row per group: the rate ratio
    (the group's uptake ÷ its comparison's), the parity band and why a ratio is missing."""
    row = matrix.loc[district_name] if district_name in matrix.index else pd.Series(dtype=float)
    rows = []
    for group in groups.GROUPS:
        ratio = float(row.get(group.short, math.nan))
        if not pd.isna(ratio):
            status = ""
        elif group.kind == "district" and not membership.get(group.key, False):
            status = NOT_MEMBER
        elif group.kind == "disability":
            status = groups.NO_DISABILITY
        else:
            status = profile.NO_DATA
        rows.append(
            {
                "group_key": group.key,
                "group": group.label,
                "comparison": group.comparison,
                "ratio": ratio,
                "parity_band": groups.parity_band(ratio),
                "status": status,
            }
        )
    return pd.DataFrame(rows, columns=GROUP_COLUMNS)


def groups_row(
    con: duckdb.DuckDBPyConnection,
    district_code: str,
    month_from: str | None = None,
    month_to: str | None = None,
    service: str | None = None,
) -> pd.DataFrame:
    """`district_groups` for the district, from the whole matrix of the selection."""
    matrix = groups.district_group_matrix(con, service, month_from, month_to)
    name = str(profile.district_row(profile.load_register(con), district_code)["district_name"])
    return district_groups(matrix, name, group_membership(con, district_code))


# --- data completeness -------------------------------------------------------------------------

COMPLETENESS_COLUMNS = [
    "district_code",
    "expected",
    "received",
    "completeness_pct",
    "province_completeness_pct",
    "months_no_data",
    "services",
    "months",
]


def completeness_summary(frame: pd.DataFrame, district_code: str) -> pd.DataFrame:
    """From a `quality.completeness` frame: the district's expected and received
    month × service cells, its completeness (%) against the province's, the months it sent
    nothing at all; NaN completeness when nothing was expected (no usage)."""
    mine = frame[frame["district_code"] == district_code]
    expected, received = int(mine["expected"].sum()), int(mine["received"].sum())
    by_month = mine.groupby("month")["received"].sum()
    province_expected = int(frame["expected"].sum())
    row = {
        "district_code": district_code,
        "expected": expected,
        "received": received,
        "completeness_pct": 100.0 * received / expected if expected else math.nan,
        "province_completeness_pct": (
            100.0 * int(frame["received"].sum()) / province_expected
            if province_expected
            else math.nan
        ),
        "months_no_data": [str(m) for m in by_month.index[by_month == 0]],
        "services": int(mine["service_code"].nunique()),
        "months": int(mine["month"].nunique()),
    }
    return pd.DataFrame([row], columns=COMPLETENESS_COLUMNS)


def completeness_row(
    con: duckdb.DuckDBPyConnection,
    district_code: str,
    month_from: str | None = None,
    month_to: str | None = None,
    service: str | None = None,
) -> pd.DataFrame:
    """`completeness_summary` of the selection: share of expected months × services received."""
    frame = quality.completeness(con, service, month_from, month_to)
    return completeness_summary(frame, district_code)
