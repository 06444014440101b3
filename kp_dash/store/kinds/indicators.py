"""Indicator files: access and connectivity figures per district (or old parent district),
year, indicator and group, each with its unit and source."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from kp_dash.store import value_checks, value_columns
from kp_dash.store.cell_table import Read, quoted
from kp_dash.store.kinds import FileKind

GROUPS = ("all", "female", "male", "urban", "rural")
UNITS = ("pct", "count")


def parse(v, table, problems, progress):
    """Indicator rows from the cells (in DuckDB, `cell_table`), each bad cell a problem, the
    rules on the values checked in SQL; an old parent district (Chitral, Kohistan) is kept at
    parent level. Returns the close matches of district names."""
    progress(0.2, "resolving districts")
    district, fuzzy = v.read_districts(table, "district", problems, parents=True)
    values = {
        "district_code": district,
        "parent_name": Read(f"{district.lookup}.parent_name"),
        "year": value_columns.numbers(table, "year", problems, required=True, notes=v.notes),
        "indicator": table.listed("indicator", sorted(v.indicator_units), problems),
        "grp": table.coded("group", set(GROUPS), {}, problems),
        "value": value_columns.numbers(table, "value", problems, required=True, notes=v.notes),
        "unit": table.coded("unit", set(UNITS), {"%": "pct"}, problems),
    }
    values["source"] = table.codes(
        "source",
        lambda value: None if value is None else str(value),
        "missing_source",
        lambda value, _: "source is blank; name the survey or register the value comes from",
        problems,
    )
    table.parse(values)
    _unit_problems(table, v, values["unit"], problems)
    _value_rules(table, v.today, problems)
    return fuzzy


def _unit_problems(table, v, unit: Read, problems) -> None:
    """An indicator given in another unit than its own (indicators.csv) is a problem."""
    indicators, units = table.categories["indicator"], table.categories["unit"]
    own = [v.indicator_units[code] for code in indicators]
    texts = [f" is not the unit of {i} (use '{u}')" for i, u in zip(indicators, own, strict=True)]
    table.small_table(
        "unit_of_indicator",
        pd.DataFrame(
            {
                "indicator": range(len(indicators)),
                "own_unit": pd.array([_position(units, u) for u in own], dtype="Int16"),
                "text": texts,
            }
        ),
    )
    own_of = "(select {} from unit_of_indicator o where o.indicator = parsed.indicator)"
    value = f"{unit.lookup}.shown"
    known = "indicator is not null and unit is not null"
    table.rule(
        f"{known} and unit is distinct from {own_of.format('own_unit')}",
        "unit",
        value,
        "wrong_unit",
        "",
        problems,
        message=f"{quoted(value)} || {own_of.format('text')}",
    )


def _position(categories: tuple[str, ...], code: str) -> int | None:
    return categories.index(code) if code in categories else None


def _value_rules(table, today: date, problems: list) -> None:
    """Years from 1950 to this year; a percentage within 0-100; a count whole and ≥ 0."""
    year = "cast(cells.year as varchar)"
    table.rule(
        f"year < 1950 or year > {today.year}",
        "year",
        year,
        "year_out_of_range",
        value_checks.RULES["year_out_of_range"],
        problems,
    )
    value = "cast(cells.value as varchar)"
    pct, count = table.code_is("unit", "pct"), table.code_is("unit", "count")
    table.rule(
        f"{pct} and (value < 0 or value > 100)",
        "value",
        value,
        "pct_out_of_range",
        value_checks.RULES["pct_out_of_range"],
        problems,
    )
    table.rule(
        f"{count} and (value < 0 or value % 1 <> 0)",
        "value",
        value,
        "bad_count",
        "is not a whole number ≥ 0, as a count must be",
        problems,
    )


def _code_lists(seed_dir: Path) -> dict[str, list[str]]:
    indicators = pd.read_csv(seed_dir / "indicators.csv", dtype=str, keep_default_na=False)
    return {
        "indicator": indicators["indicator"].tolist(),
        "group": list(GROUPS),
        "unit": list(UNITS),
    }


KIND = FileKind(
    name="indicators",
    order=2,
    columns={
        "district": ("district_name", "district_code"),
        "year": (),
        "indicator": ("indicator_code",),
        "group": ("grp",),
        "value": (),
        "unit": ("units",),
        "source": (),
    },
    required=("district", "year", "indicator", "group", "value", "unit", "source"),
    keys=("district_code", "parent_name", "year", "indicator", "grp"),
    key_words="district, year, indicator, group",
    table="indicator_values",
    insert_sql=(
        "insert into indicator_values by name select * replace (? as batch_id),"
        " 'survey' as source_kind, parent_name is not null as is_parent_estimate"
        " from read_parquet(?)"
    ),
    final_types={"year": "int64"},
    parse=parse,
    examples=[
        ["Peshawar", 2023, "internet_use_pct", "all", 45.5, "pct", "District survey 2023"],
        ["PK509", 2023, "mobile_ownership_pct", "female", 31.2, "pct", "District survey 2023"],
    ],
    code_lists=_code_lists,
    about=" ".join(__doc__.split()),
    coded=("district", "indicator", "group", "unit", "source"),
    stored=("district_code", "parent_name", "year", "indicator", "grp", "value", "unit", "source"),
)
