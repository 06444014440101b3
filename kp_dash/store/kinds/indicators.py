"""Indicator files: access and connectivity figures per district (or old parent district),
year, indicator and group, each with its unit and source."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from kp_dash.store import value_checks
from kp_dash.store.cells import (
    lookup_codes,
    parse_codes,
    parse_numbers,
    problem_rows,
    quoted,
    texts,
)
from kp_dash.store.kinds import FileKind

GROUPS = ("all", "female", "male", "urban", "rural")
UNITS = ("pct", "count")


def schema(today: date) -> pa.DataFrameSchema:
    pct = pa.Check(
        lambda d: ~((d["unit"] == "pct") & ((d["value"] < 0) | (d["value"] > 100))),
        name="pct_out_of_range",
    )
    count = pa.Check(
        lambda d: ~((d["unit"] == "count") & ((d["value"] < 0) | (d["value"] % 1 != 0))),
        name="bad_count",
    )
    year = value_checks.check("year_out_of_range", lambda s: (s >= 1950) & (s <= today.year))
    return pa.DataFrameSchema(
        {"year": value_checks.column(float, year), "value": value_checks.column(float)},
        checks=[pct, count],
    )


def _bad_count(check, column, index, frame, raw, file, rownum) -> pd.DataFrame:
    values = raw["value"].iloc[index]
    return problem_rows(
        file,
        rownum[index],
        "value",
        values,
        check,
        quoted(values) + " is not a whole number ≥ 0, as a count must be",
    )


def _unit_problems(out, cells, indicator_units: dict[str, str], file, rownum, problems) -> None:
    """An indicator given in another unit than its own (indicators.csv) is a problem."""
    # as plain text: the two columns are categoricals whose categories differ
    units = out["unit"].astype(object)
    expected = pd.Series(
        [indicator_units.get(i) for i in out["indicator"].astype(object)],
        index=out.index,
        dtype=object,
    )
    wrong = (expected.notna() & units.notna() & (expected != units)).astype(bool)
    if wrong.any():
        values = cells["unit"][wrong]
        messages = (
            quoted(values)
            + " is not the unit of "
            + out["indicator"][wrong].astype("string")
            + " (use '"
            + expected[wrong].astype("string")
            + "')"
        )
        problems.append(problem_rows(file, rownum[wrong], "unit", values, "wrong_unit", messages))


def parse(v, cells, file, rownum, problems, progress):
    """Indicator rows from the cells, each bad cell a problem; an old parent district (Chitral,
    Kohistan) is kept at parent level."""
    out = pd.DataFrame(index=pd.RangeIndex(len(rownum)))
    progress(0.2, "resolving districts")
    out["district_code"], out["parent_name"], fuzzy = v.districts_or_parents(
        cells["district"], file, rownum, problems
    )
    out["year"] = parse_numbers(
        cells["year"], "year", file, rownum, problems, required=True, notes=v.notes
    )
    out["indicator"] = _indicators(v, cells["indicator"], file, rownum, problems)
    out["grp"] = parse_codes(cells["group"], "group", set(GROUPS), {}, file, rownum, problems)
    out["value"] = parse_numbers(
        cells["value"], "value", file, rownum, problems, required=True, notes=v.notes
    )
    out["unit"] = parse_codes(
        cells["unit"], "unit", set(UNITS), {"%": "pct"}, file, rownum, problems
    )
    _unit_problems(out, cells, v.indicator_units, file, rownum, problems)
    source = texts(cells["source"])
    blank = source.isna()
    if blank.any():
        problems.append(
            problem_rows(
                file,
                rownum[blank],
                "source",
                [""] * int(blank.sum()),
                "missing_source",
                "source is blank; name the survey or register the value comes from",
            )
        )
    out["source"] = source
    raw = {"year": cells["year"], "value": cells["value"]}
    problems += value_checks.schema_problems(
        schema(v.today),
        out,
        raw,
        file,
        rownum,
        {
            "year_out_of_range": value_checks.value_problem,
            "pct_out_of_range": lambda *a: value_checks.value_problem(
                "pct_out_of_range", "value", *a[2:]
            ),
            "bad_count": _bad_count,
        },
    )
    return out, fuzzy, rownum


def _indicators(v, cells, file, rownum, problems) -> pd.Series:
    def to_code(value):
        text = None if value is None else str(value).lower()
        return text if text in v.indicator_units else None

    return lookup_codes(
        cells, "indicator", to_code, sorted(v.indicator_units), file, rownum, problems
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
)
