"""Usage files: service transactions (and unique users) per month, district, service and
channel, optionally by sex, area, age band and disability."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from kp_dash.store import lineage, value_checks, value_columns
from kp_dash.store.cell_table import Read, literal, quoted
from kp_dash.store.kinds import FileKind

SEXES = ("female", "male", "transgender", "unknown")
AREAS = ("urban", "rural", "unknown")
AGE_BANDS = ("0-4", "5-14", "15-24", "25-59", "60+", "unknown")
DISABILITIES = ("yes", "no", "unknown")  # whether the people served have a disability
DISABILITY_SYNONYMS = {
    "y": "yes",
    "n": "no",
    "true": "yes",
    "false": "no",
    "disabled": "yes",
    "with_disability": "yes",
    "without_disability": "no",
    "none": "no",
}
SEX_SYNONYMS = {
    "f": "female",
    "m": "male",
    "women": "female",
    "men": "male",
    "woman": "female",
    "man": "male",
    "t": "transgender",
}
DEFAULTS = {"sex": "unknown", "area": "unknown", "age_band": "unknown", "disability": "unknown"}
KEYS = (
    "month_start", "district_code", "service_code", "channel", "sex", "area", "age_band",
    "disability",
)  # fmt: skip


def parse(v, table, problems, progress):
    """Usage rows from the cells (in DuckDB, `cell_table`), each bad cell a problem, the rules
    on the values checked in SQL; rows under districts made after the 2023 census are summed
    into their census district. Returns the close matches of district names."""
    progress(0.1, "checking months")
    month = value_columns.months(table, "month", problems, required=True, notes=v.notes)
    progress(0.25, "resolving districts")
    district, fuzzy = v.read_districts(table, "district", problems)
    progress(0.4, "checking codes")
    values = {
        "month_start": month,
        "district_code": district,
        "successor": Read(f"{district.lookup}.successor"),
        "service_code": v.read_services(table, "service", problems),
        "channel": table.coded("channel", v.channels, {}, problems),
        "sex": table.coded("sex", set(SEXES), SEX_SYNONYMS, problems, DEFAULTS["sex"]),
        "area": table.coded("area", set(AREAS), {}, problems, DEFAULTS["area"]),
        "age_band": table.coded("age_band", set(AGE_BANDS), {}, problems, DEFAULTS["age_band"]),
        "disability": table.coded(
            "disability", set(DISABILITIES), DISABILITY_SYNONYMS, problems, DEFAULTS["disability"]
        ),
    }
    progress(0.55, "checking counts")
    for column, required in (("transactions", True), ("users", False)):
        present = column in table
        values[column] = (
            value_columns.numbers(table, column, problems, required, notes=v.notes)
            if present
            else Read("null::double")
        )
    table.parse(values)
    _value_rules(table, month, v.today, problems)
    _count_successors(v, table, district)
    return fuzzy


def _value_rules(table, month: Read, today: date, problems: list) -> None:
    """Months not in the future; counts whole, ≥ 0 and storable; users within transactions."""
    current = f"{today:%Y-%m}"
    table.rule(
        f"month_start > date '{current}-01'",
        "month",
        f"{month.lookup}.shown",
        "future_month",
        f"is in the future (latest allowed month is {current})",
        problems,
    )
    for column in ("transactions", "users"):
        for rule, where in value_checks.count_rules(column):
            text = value_checks.RULES[rule]
            table.rule(where, column, f"cast(cells.{column} as varchar)", rule, text, problems)
    # only against valid counts: a negative or too large count is reported once, as such
    users = "printf('%.0f', parsed.users)"
    transactions = "printf('%.0f', parsed.transactions)"
    above = literal(" users is more than the row's ")
    must = literal(" transactions; users must be ≤ transactions")
    message = f"{quoted(users)} || {above} || {transactions} || {must}"
    table.rule(
        f"users > transactions and transactions >= 0 and users <= {value_checks.MAX_COUNT}",
        "users",
        users,
        "users_above_transactions",
        "",
        problems,
        message=message,
    )


def _count_successors(v, table, district: Read) -> None:
    """Rows under districts made after the 2023 census, summed into their census district:
    those rows and the rows that share their key go through `lineage` (they are few)."""
    keys = ", ".join(KEYS)
    complete = " and ".join(f"{k} is not null" for k in KEYS)
    part = table.con.execute(
        f"select parsed.*, {district.lookup}.written from parsed semi join "
        f"(select distinct {keys} from parsed where successor and {complete}) using ({keys}) "
        f"join cells on cells.row = parsed.row left join {district.lookup} "
        f"on cells.district is not distinct from {district.lookup}.raw order by parsed.row"
    ).df()
    if part.empty:
        return
    part = table.decoded(part)
    rows, rownum, notes = lineage.combine_successors(
        part[[*KEYS, "transactions", "users"]],
        part["successor"],
        part["row"].to_numpy(),
        KEYS,
        ("transactions", "users"),
        written=part["written"].where(part["written"] != "", None),
        resolver=v.resolver,
    )
    v.notes += notes
    table.replace_rows(part["row"].tolist(), rows.assign(row=rownum))


def _code_lists(seed_dir: Path) -> dict[str, list[str]]:
    channels = pd.read_csv(seed_dir / "channels.csv", dtype=str, keep_default_na=False)
    return {
        "channel": channels["channel"].tolist(),
        "sex": list(SEXES),
        "area": list(AREAS),
        "age_band": list(AGE_BANDS),
        "disability": list(DISABILITIES),
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
        "disability": ("with_disability", "disabled"),
        "transactions": ("count", "applications"),
        "users": ("unique_users",),
    },
    required=("month", "district", "service", "channel", "transactions"),
    keys=KEYS,
    key_words="month, district, service, channel, sex, area, age band, disability",
    table="usage",
    insert_sql=None,  # the `usage` view scans each batch's Parquet file in place
    final_types={"transactions": "int64", "users": "Int64"},
    parse=parse,
    # fixed past months: an example must never become "in the future" as time passes
    examples=[
        [
            "2025-01",
            "Peshawar",
            "health_complaints",
            "online",
            "female",
            "urban",
            "25-59",
            "no",
            120,
            95,
        ],
        ["2025-01", "PK509", "telemedicine", "mobile_app", "male", "rural", "15-24", "yes", 40, ""],
    ],
    code_lists=_code_lists,
    about=" ".join(__doc__.split()),
    defaults=DEFAULTS,
    coded=("month", "district", "service", "channel", "sex", "area", "age_band", "disability"),
    stored=(*KEYS, "transactions", "users"),
)
