"""Target files: the level a metric should reach for a service in a district (or the province)
by a month or a year."""

from __future__ import annotations

from pathlib import Path

from kp_dash.store import db, value_checks, value_columns
from kp_dash.store.cell_table import Read, literal
from kp_dash.store.kinds import FileKind

PROVINCE_CODES = ("kp", "khyber pakhtunkhwa", "pk5", "province", "all")


def parse(v, table, problems, progress):
    """Target rows from the cells (in DuckDB, `cell_table`), each bad cell a problem, the rules
    on the values checked in SQL; KP (or the province by name) is a province target, with no
    district. Returns the close matches of district names."""
    district, fuzzy = v.read_districts(table, "district", problems, province=PROVINCE_CODES)
    has_month, has_year = "month" in table, "year" in table
    month = (
        value_columns.months(table, "month", problems, required=not has_year, notes=v.notes)
        if has_month
        else Read("null::date")
    )
    year = (
        value_columns.numbers(table, "year", problems, required=not has_month, notes=v.notes)
        if has_year
        else Read("null::double")
    )
    values = {
        "service_code": v.read_services(table, "service", problems, allow_all=True),
        "district_code": district,
        "metric": table.listed("metric", sorted(v.metric_codes), problems),
        "month_start": month,
        "year": Read(f"coalesce({year.sql}, year({month.sql}))"),
    }
    if has_month and has_year:
        table.find(
            f"{year.sql} is null and {month.lookup}.blank",
            "year",
            "''",
            "missing_period",
            literal("month and year are both blank; give a month (YYYY-MM) or a year"),
            problems,
        )
    values["target"] = value_columns.numbers(
        table, "target", problems, required=True, notes=v.notes
    )
    table.parse(values)
    written_target = "cast(cells.target as varchar)"
    text = value_checks.RULES["negative_target"]
    table.rule("target < 0", "target", written_target, "negative_target", text, problems)
    written_year = "cast(cells.year as varchar)" if has_year else "''"
    table.rule(
        f"year < 1950 or year > {v.today.year + 10}",
        "year",
        written_year,
        "year_out_of_range",
        value_checks.RULES["year_out_of_range"],
        problems,
    )
    return fuzzy


def _code_lists(seed_dir: Path) -> dict[str, list[str]]:
    return {"metric": list(db.metric_codes())}


KIND = FileKind(
    name="targets",
    order=3,
    columns={
        "service": ("service_code",),
        "district": ("district_name", "district_code"),
        "metric": ("metric_code",),
        "month": ("period", "month_start"),
        "year": (),
        "target": ("target_value",),
    },
    required=("service", "district", "metric", "target"),
    keys=("service_code", "district_code", "metric", "month_start", "year"),
    key_words="service, district, metric, month or year",
    table="targets",
    insert_sql="insert into targets by name select * replace (? as batch_id) from read_parquet(?)",
    final_types={"year": "int64"},
    parse=parse,
    examples=[
        ["health_complaints", "KP", "uptake_per_1000", "2025-06", "", 12],
        ["telemedicine", "Dera Ismail Khan", "digital_share_pct", "2025-12", "", 40],
    ],
    code_lists=_code_lists,
    about=" ".join(__doc__.split()),
    either=("month", "year"),
    either_message="a targets file needs a 'month' (YYYY-MM) or a 'year' column",
    coded=("service", "district", "metric", "month"),
    stored=("service_code", "district_code", "metric", "month_start", "year", "target"),
)
