"""Event files: one row per transaction from a service's own system (health-card claims,
complaints, admissions, appointments), completed, failed or abandoned, with the citizen's
reference pseudonymised as it is read. Parquet, CSV or gzipped CSV; one file or a folder."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from kp_dash.store import value_columns
from kp_dash.store.cell_table import Read, literal, sentence
from kp_dash.store.kinds import FileKind, usage

STATUSES = ("completed", "failed", "abandoned")
DEFAULTS = {"status": "completed", **usage.DEFAULTS}
EARLIEST = date(2000, 1, 1)  # before any of KP's e-services: a clock reset, not an event
# upper ends of the age bands, whole years (a band's lower end is the last one's + 1)
AGE_BANDS = ((4, "0-4"), (14, "5-14"), (24, "15-24"), (59, "25-59"))
OLDEST = 120
TIME_ADVICE = (
    "write it as 2025-01-31T14:05:00 (Pakistan time), with its offset when it is not "
    "(2025-01-31T09:05:00Z, …+05:00), or as a date"
)


def parse(v, table, problems, progress):
    """Event rows from the cells as the view `parsed`, each bad cell a problem; a log is read
    once per check instead of being held. Returns the close matches of district names."""
    table.con.execute("set TimeZone = 'Asia/Karachi'")  # a time without an offset is local
    progress(0.1, "checking timestamps")
    moment = _timestamps(table, v.today, problems)
    progress(0.25, "resolving districts")
    district, fuzzy = v.read_districts(table, "district", problems)
    progress(0.4, "checking codes")
    text = table.as_text
    values = {
        "event_time": moment,
        "month_start": Read(f"cast(date_trunc('month', {moment.sql}) as date)"),
        "district_code": text(district),
        "service_code": text(v.read_services(table, "service", problems)),
        "channel": text(table.coded("channel", v.channels, {}, problems)),
        "status": text(table.coded("status", set(STATUSES), {}, problems, DEFAULTS["status"])),
        "sex": text(
            table.coded("sex", set(usage.SEXES), usage.SEX_SYNONYMS, problems, DEFAULTS["sex"])
        ),
        "area": text(table.coded("area", set(usage.AREAS), {}, problems, DEFAULTS["area"])),
        "user_ref": _text_cell(table, "user_ref"),
        "event_id": _text_cell(table, "event_id"),
    }
    written_band = text(
        table.coded("age_band", set(usage.AGE_BANDS), {}, problems, DEFAULTS["age_band"])
    )
    if "age" in table:
        progress(0.55, "checking ages")
        age = value_columns.numbers(table, "age", problems, required=False, notes=v.notes)
        values["age"] = age
        values["age_band"] = Read(_band(age.sql, written_band.sql))
    else:
        values["age_band"] = written_band
    table.parse(values, materialise=False)
    if "age" in table:
        _age_rules(table, problems)
    return fuzzy


def _text_cell(table, column: str) -> Read:
    if column not in table:
        return Read("null::varchar")
    return Read(f"nullif(trim(cast(cells.{column} as varchar)), '')")


def _timestamps(table, today: date, problems: list) -> Read:
    """Date-times (ISO 8601; Asia/Karachi unless they carry an offset) or dates, cast by DuckDB
    row by row: a log's timestamps are nearly all distinct. Blank, unreadable, future and
    implausibly early ones are problems."""
    held = str(table.con.table("cells").select("timestamp").types[0])
    cell = "cells.timestamp"
    moment = (
        f"try_cast(trim({cell}) as timestamptz)"
        if held == "VARCHAR"
        else f"try_cast({cell} as timestamptz)"
        if held.startswith(("TIMESTAMP", "DATE"))
        else "null::timestamptz"  # numbers (seconds since 1970?) say nothing of their zone
    )
    written = f"coalesce(cast({cell} as varchar), '')"
    tomorrow = literal(f"{today + timedelta(days=1):%Y-%m-%d}")
    earliest = literal(f"{EARLIEST:%Y-%m-%d}")
    checks = (
        ("missing_value", f"{cell} is null", literal("is blank; give the event's date-time")),
        (
            "bad_timestamp",
            f"{moment} is null and {cell} is not null",
            sentence(written, f"is not an ISO 8601 date-time; {TIME_ADVICE}"),
        ),
        (
            "future_timestamp",
            f"{moment} >= cast({tomorrow} as timestamptz)",
            sentence(written, f"is in the future (the latest allowed day is {today:%Y-%m-%d})"),
        ),
        (
            "too_early",
            f"{moment} < cast({earliest} as timestamptz)",
            sentence(written, f"is before {EARLIEST.year}: check the clock of the logging system"),
        ),
    )
    for rule, where, said in checks:
        table.find(where, "timestamp", written, rule, said, problems)
    return Read(moment)


def _band(age: str, written: str) -> str:
    """SQL: the band of an age in whole years, else the band the file wrote (or its default)."""
    bands = " ".join(f"when {age} <= {upper} then '{band}'" for upper, band in AGE_BANDS)
    return f"case when {age} is null then {written} {bands} else '60+' end"


def _age_rules(table, problems: list) -> None:
    value = "cast(cells.age as varchar)"
    rules = (
        ("fractional_age", "age <> floor(age)", "is not a whole number of years"),
        ("age_out_of_range", f"age < 0 or age > {OLDEST}", f"is not an age of 0–{OLDEST} years"),
    )
    for rule, where, text in rules:
        table.rule(where, "age", value, rule, text, problems)


def _code_lists(seed_dir: Path) -> dict[str, list[str]]:
    return {"status": list(STATUSES), **usage.KIND.code_lists(seed_dir)}


STORED = (
    "event_time",
    "month_start",
    "district_code",
    "service_code",
    "channel",
    "status",
    "sex",
    "area",
    "age_band",
    "user_ref",
    "event_id",
)

KIND = FileKind(
    name="events",
    order=4,
    columns={
        "timestamp": ("time", "event_time", "created_at"),
        "district": ("district_name", "district_code"),
        "service": ("service_code",),
        "channel": ("mode",),
        "status": ("outcome",),
        "sex": ("gender",),
        "age": ("age_years",),
        "age_band": ("age_group",),
        "area": ("urban_rural",),
        "user_ref": ("user_id",),
        "event_id": ("id", "transaction_id"),
    },
    required=("timestamp", "district", "service", "channel"),
    keys=("event_id",),
    key_words="event id",
    table="events",
    insert_sql=None,  # stored as monthly Parquet partitions (`event_logs`), scanned in place
    final_types={},
    parse=parse,
    # fixed past days: an example must never become "in the future" as time passes
    examples=[
        [
            *("2025-01-06T10:15:00", "Peshawar", "health_card", "online", "completed"),
            *("female", 34, "", "urban", "acct-1029", "HC-000123"),
        ],
        [
            *("2025-01-06T10:17:30+05:00", "PK509", "telemedicine", "mobile_app", "abandoned"),
            *("male", "", "15-24", "rural", "0300-0000000", "TM-000456"),
        ],
    ],
    code_lists=_code_lists,
    about=" ".join(__doc__.split()),
    defaults=DEFAULTS,
    coded=("district", "service", "channel", "status", "sex", "area", "age_band"),
    stored=STORED,
    log=True,
)
