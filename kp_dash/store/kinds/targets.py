"""Target files: the level a metric should reach for a service in a district (or the province)
by a month or a year."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from kp_dash.store import db, value_checks
from kp_dash.store.cells import (
    lookup_codes,
    map_distinct,
    parse_months,
    parse_numbers,
    problem_rows,
    texts,
)
from kp_dash.store.kinds import FileKind

PROVINCE_CODES = ("kp", "khyber pakhtunkhwa", "pk5", "province", "all")


def schema(today: date) -> pa.DataFrameSchema:
    year = value_checks.check("year_out_of_range", lambda s: (s >= 1950) & (s <= today.year + 10))
    return pa.DataFrameSchema(
        {
            "target": value_checks.column(
                float, value_checks.check("negative_target", lambda s: s >= 0)
            ),
            "year": value_checks.column(float, year),
        },
    )


def parse(v, cells, file, rownum, problems, progress):
    """Target rows from the cells, each bad cell a problem; KP (or the province by name) is a
    province target, with no district."""
    out = pd.DataFrame(index=pd.RangeIndex(len(rownum)))
    out["service_code"] = v.services(cells["service"], file, rownum, problems, allow_all=True)
    written = texts(cells["district"])
    province = written.str.lower().isin(PROVINCE_CODES).fillna(False).astype(bool)
    codes, fuzzy = v.districts(written.mask(province, "PK501"), file, rownum, problems)
    out["district_code"] = codes.mask(province, None)
    out["metric"] = _metrics(v, cells["metric"], file, rownum, problems)
    month = cells.get("month")
    year = cells.get("year")
    out["month_start"] = (
        parse_months(month, file, rownum, problems, required=year is None, notes=v.notes)
        if month is not None
        else pd.NaT
    )
    out["year"] = (
        parse_numbers(year, "year", file, rownum, problems, required=month is None, notes=v.notes)
        if year is not None
        else np.nan
    )
    out["year"] = out["year"].fillna(out["month_start"].dt.year)
    undated = (
        out["year"].isna() & map_distinct(month, lambda v: v is None).astype(bool)
        if month is not None and year is not None
        else None
    )
    if undated is not None and undated.any():
        problems.append(
            problem_rows(
                file,
                rownum[undated],
                "year",
                [""] * int(undated.sum()),
                "missing_period",
                "month and year are both blank; give a month (YYYY-MM) or a year",
            )
        )
    out["target"] = parse_numbers(
        cells["target"], "target", file, rownum, problems, required=True, notes=v.notes
    )
    raw = {
        "target": cells["target"],
        "year": year if year is not None else pd.Series("", index=out.index),
    }
    problems += value_checks.schema_problems(
        schema(v.today),
        out,
        raw,
        file,
        rownum,
        {
            "negative_target": value_checks.value_problem,
            "year_out_of_range": value_checks.value_problem,
        },
    )
    return out, fuzzy, rownum


def _metrics(v, cells, file, rownum, problems) -> pd.Series:
    def to_code(value):
        text = None if value is None else str(value).lower()
        return text if text in v.metric_codes else None

    return lookup_codes(cells, "metric", to_code, sorted(v.metric_codes), file, rownum, problems)


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
)
