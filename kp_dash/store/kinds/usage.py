"""Usage files: service transactions (and unique users) per month, district, service and
channel, optionally by sex, area and age band."""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from kp_dash.store import lineage, value_checks
from kp_dash.store.cells import (
    map_distinct,
    parse_codes,
    parse_months,
    parse_numbers,
    problem_rows,
    quoted,
    texts,
)
from kp_dash.store.kinds import FileKind

SEXES = ("female", "male", "transgender", "unknown")
AREAS = ("urban", "rural", "unknown")
AGE_BANDS = ("0-4", "5-14", "15-24", "25-59", "60+", "unknown")
SEX_SYNONYMS = {
    "f": "female",
    "m": "male",
    "women": "female",
    "men": "male",
    "woman": "female",
    "man": "male",
    "t": "transgender",
}
DEFAULTS = {"sex": "unknown", "area": "unknown", "age_band": "unknown"}
KEYS = ("month_start", "district_code", "service_code", "channel", "sex", "area", "age_band")


def schema(today: date) -> pa.DataFrameSchema:
    current = pd.Timestamp(today.year, today.month, 1)
    return pa.DataFrameSchema(
        {
            "month_start": value_checks.column(
                "datetime64[ns]", value_checks.check("future_month", lambda s: s <= current)
            ),
            "transactions": value_checks.column(float, *value_checks.count_checks()),
            "users": value_checks.column(float, *value_checks.count_checks()),
        },
        # only against valid counts: a negative or too large count is reported once, as such
        checks=[
            pa.Check(
                lambda d: (
                    ~(
                        (d["users"] > d["transactions"])
                        & (d["transactions"] >= 0)
                        & (d["users"] <= value_checks.MAX_COUNT)
                    )
                ),
                name="users_above_transactions",
            )
        ],
    )


def _users_above(check, column, index, frame, raw, file, rownum) -> pd.DataFrame:
    # whole numbers as written, without a 64-bit cast that could wrap a large one round
    users = frame["users"].iloc[index].map("{:.0f}".format).astype("string")
    transactions = frame["transactions"].iloc[index].map("{:.0f}".format).astype("string")
    messages = (
        "'"
        + users
        + "' users is more than the row's "
        + transactions
        + " transactions; users must be ≤ transactions"
    )
    return problem_rows(file, rownum[index], "users", users, check, messages)


def parse(v, cells, file, rownum, problems, progress):
    """Usage rows from the cells, each bad cell a problem; rows under districts made after the
    2023 census are summed into their census district."""
    out = pd.DataFrame(index=pd.RangeIndex(len(rownum)))
    progress(0.1, "checking months")
    out["month_start"] = parse_months(cells["month"], file, rownum, problems, notes=v.notes)
    progress(0.25, "resolving districts")
    out["district_code"], fuzzy = v.districts(cells["district"], file, rownum, problems)
    progress(0.4, "checking codes")
    out["service_code"] = v.services(cells["service"], file, rownum, problems)
    out["channel"] = parse_codes(
        cells["channel"], "channel", v.channels, {}, file, rownum, problems
    )
    for column, allowed, synonyms in (
        ("sex", SEXES, SEX_SYNONYMS),
        ("area", AREAS, {}),
        ("age_band", AGE_BANDS, {}),
    ):
        values = cells.get(column, pd.Series(DEFAULTS[column], index=out.index))
        filled = texts(values).fillna(DEFAULTS[column])
        out[column] = parse_codes(filled, column, set(allowed), synonyms, file, rownum, problems)
    progress(0.55, "checking counts")
    raw = {
        "transactions": cells["transactions"],
        "users": cells.get("users", pd.Series(pd.NA, index=out.index, dtype="object")),
    }
    out["transactions"] = parse_numbers(
        raw["transactions"],
        "transactions",
        file,
        rownum,
        problems,
        required=True,
        notes=v.notes,
    )
    out["users"] = parse_numbers(
        raw["users"], "users", file, rownum, problems, required=False, notes=v.notes
    )
    raw["month_start"] = cells["month"]
    problems += value_checks.schema_problems(
        schema(v.today),
        out,
        raw,
        file,
        rownum,
        {
            "future_month": functools.partial(_future_month, v),
            "negative_count": value_checks.value_problem,
            "fractional_count": value_checks.value_problem,
            "count_too_large": value_checks.value_problem,
            "users_above_transactions": _users_above,
        },
    )
    rows, rownum = _count_successors(v, out, cells["district"], rownum)
    return rows, fuzzy, rownum


def _future_month(v, check, column, index, frame, raw, file, rownum):
    values = raw["month_start"].iloc[index]
    current = f"{v.today:%Y-%m}"
    return problem_rows(
        file,
        rownum[index],
        "month",
        values,
        check,
        quoted(values) + f" is in the future (latest allowed month is {current})",
    )


def _count_successors(v, rows, written, rownum):
    """Rows under districts made after the 2023 census, summed into their census district."""
    names = texts(written)
    successor = map_distinct(names, lambda t: t is not None and v.resolver.resolve(t).is_successor)
    rows, rownum, notes = lineage.combine_successors(
        rows,
        successor.astype(bool),
        rownum,
        KEYS,
        ("transactions", "users"),
        written=names,
        resolver=v.resolver,
    )
    v.notes += notes
    return rows, rownum


def _code_lists(seed_dir: Path) -> dict[str, list[str]]:
    channels = pd.read_csv(seed_dir / "channels.csv", dtype=str, keep_default_na=False)
    return {
        "channel": channels["channel"].tolist(),
        "sex": list(SEXES),
        "area": list(AREAS),
        "age_band": list(AGE_BANDS),
    }


KIND = FileKind(
    name="usage",
    order=1,
    columns={
        "month": ("period", "month_start"),
        "district": ("district_name", "district_code"),
        "service": ("service_code",),
        "channel": ("mode",),
        "sex": ("gender",),
        "area": ("urban_rural",),
        "age_band": ("age_group",),
        "transactions": ("count", "applications"),
        "users": ("unique_users",),
    },
    required=("month", "district", "service", "channel", "transactions"),
    keys=KEYS,
    key_words="month, district, service, channel, sex, area, age band",
    table="usage",
    insert_sql=None,  # the `usage` view scans each batch's Parquet file in place
    final_types={"transactions": "int64", "users": "Int64"},
    parse=parse,
    # fixed past months: an example must never become "in the future" as time passes
    examples=[
        ["2025-01", "Peshawar", "health_complaints", "online", "female", "urban", "25-59", 120, 95],
        ["2025-01", "PK509", "telemedicine", "mobile_app", "male", "rural", "15-24", 40, ""],
    ],
    code_lists=_code_lists,
    about=" ".join(__doc__.split()),
    defaults=DEFAULTS,
)
