"""What each kind of department file must hold (CONTRACTS.md) and the rules its rows must keep.

Per kind: the contract columns and the header names accepted for each, the required ones, the
code lists, the key a row must not repeat; guessing the kind from a header and the problems of a
header. The rules on parsed values (ranges, whole numbers, users within transactions, months not
in the future) are a pandera schema per kind, each failure read back as problem rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np
import pandas as pd
import pandera.pandas as pa

from kp_dash.store.cells import file_problem, problem_rows, quoted, row_keys

KINDS = ("usage", "indicators", "targets")
SEXES = ("female", "male", "transgender", "unknown")
AREAS = ("urban", "rural", "unknown")
AGE_BANDS = ("0-4", "5-14", "15-24", "25-59", "60+", "unknown")
GROUPS = ("all", "female", "male", "urban", "rural")
UNITS = ("pct", "count")
SEX_SYNONYMS = {
    "f": "female",
    "m": "male",
    "women": "female",
    "men": "male",
    "woman": "female",
    "man": "male",
    "t": "transgender",
}
PROVINCE_CODES = ("kp", "khyber pakhtunkhwa", "pk5", "province", "all")

# contract column -> accepted synonyms (matched ignoring case, spaces and underscores)
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "usage": {
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
    "indicators": {
        "district": ("district_name", "district_code"),
        "year": (),
        "indicator": ("indicator_code",),
        "group": ("grp",),
        "value": (),
        "unit": ("units",),
        "source": (),
    },
    "targets": {
        "service": ("service_code",),
        "district": ("district_name", "district_code"),
        "metric": ("metric_code",),
        "month": ("period", "month_start"),
        "year": (),
        "target": ("target_value",),
    },
}
REQUIRED = {
    "usage": ("month", "district", "service", "channel", "transactions"),
    "indicators": ("district", "year", "indicator", "group", "value", "unit", "source"),
    "targets": ("service", "district", "metric", "target"),
}
DEFAULTS = {"sex": "unknown", "area": "unknown", "age_band": "unknown"}
KEYS = {
    "usage": ("month_start", "district_code", "service_code", "channel", "sex", "area", "age_band"),
    "indicators": ("district_code", "parent_name", "year", "indicator", "grp"),
    "targets": ("service_code", "district_code", "metric", "month_start", "year"),
}
KEY_WORDS = {
    "usage": "month, district, service, channel, sex, area, age band",
    "indicators": "district, year, indicator, group",
    "targets": "service, district, metric, month or year",
}
LISTED_COLUMNS = 8  # columns left out are named up to this many, then counted
MIN_KIND_SCORE = 0.4  # share of a kind's required columns a header needs for the kind to be guessed


# --- columns ------------------------------------------------------------------------------------


def key(name: object) -> str:
    return re.sub(r"[\s_]+", "", str(name)).lower()


# a usage file's header words: the counts it measures and the columns that identify a row
MEASURES = ("transactions", "users")
ID_KEYS = {
    key(n): contract
    for contract, syns in COLUMNS["usage"].items()
    if contract not in MEASURES
    for n in (contract, *syns)
}
MEASURE_KEYS = {key(n): m for m in MEASURES for n in (m, *COLUMNS["usage"][m])}


def is_known_header(name: str) -> bool:
    return key(name) in _known_header_keys()


@cache
def _known_header_keys() -> frozenset[str]:
    """Every header name some kind accepts, as matched."""
    return frozenset(
        key(n) for spec in COLUMNS.values() for c, syns in spec.items() for n in (c, *syns)
    )


def match_columns(
    columns: list[object], spec: dict[str, tuple[str, ...]]
) -> tuple[dict[str, object], list[tuple[str, object, object]]]:
    """Map contract columns to the file's header names; also returns clashes (two headers for
    one contract column)."""
    lookup = {key(name): contract for contract, syns in spec.items() for name in (contract, *syns)}
    mapping: dict[str, object] = {}
    clashes = []
    for column in columns:
        contract = lookup.get(key(column))
        if contract is None:
            continue
        if contract in mapping:
            clashes.append((contract, column, mapping[contract]))
        else:
            mapping[contract] = column
    return mapping, clashes


def guess_kind(columns: list[object]) -> str | None:
    """The kind whose required columns the header has most of (all of them for a sure guess)."""
    scores = {}
    for kind in KINDS:
        mapping, _ = match_columns(columns, COLUMNS[kind])
        scores[kind] = sum(c in mapping for c in REQUIRED[kind]) / len(REQUIRED[kind])
    ranked = sorted(scores.values(), reverse=True)
    best = max(scores, key=scores.get)
    # a clear front-runner is taken even with columns missing, so that they can be named
    return best if scores[best] >= MIN_KIND_SCORE and ranked[0] > ranked[1] else None


def unknown_kind(frame: pd.DataFrame, file: str, header_row: int = 1) -> pd.DataFrame:
    """The problem of a header that names too few contract columns to tell the kind; where it
    names none (or lies below titles), its columns are a department's own, which a mapping
    names."""
    message = (
        "cannot tell whether this is a usage, indicators or targets file from its header; "
        "give the kind (--kind, or the choice on the Data page)"
    )
    if header_row > 1 or not any(map(is_known_header, frame.columns)):
        message += (
            ", and which column holds what (Map the columns on the Data page, or import "
            "--mapping FILE)"
        )
    return file_problem(file, "unknown_kind", message, header_row)


def header_problems(
    frame: pd.DataFrame, file: str, kind: str, header_row: int = 1
) -> tuple[dict, list]:
    """The header's problems, on the spreadsheet row that holds it."""
    mapping, clashes = match_columns(list(frame.columns), COLUMNS[kind])
    problems = []
    if not mapping and any(_looks_like_data(c) for c in frame.columns):
        first = ", ".join(str(c) for c in list(frame.columns)[:4])
        message = (
            f"the sheet has no header row: row {header_row} holds data ('{first}', …); insert "
            f"a row with the column names ({', '.join(REQUIRED[kind])}) above it"
        )
        return mapping, [file_problem(file, "no_header_row", message, header_row)]
    for contract, column, first in clashes:
        message = f"columns '{first}' and '{column}' both give '{contract}'; keep one"
        problems.append(
            problem_rows(file, [header_row], str(column), [column], "duplicate_column", [message])
        )
    for column in (c for c in REQUIRED[kind] if c not in mapping):
        names = ", ".join(f"'{n}'" for n in (column, *COLUMNS[kind][column]))
        message = f"required column is missing (accepted headers: {names})"
        problems.append(problem_rows(file, [header_row], column, [""], "missing_column", [message]))
    if kind == "targets" and "month" not in mapping and "year" not in mapping:
        message = "a targets file needs a 'month' (YYYY-MM) or a 'year' column"
        problems.append(
            problem_rows(file, [header_row], "month", [""], "missing_column", [message])
        )
    return mapping, problems


def left_out_note(columns: list[object], mapping: dict[str, object]) -> list[str]:
    """The file's columns that no contract column reads, said so that none is dropped unseen."""
    used = {str(c) for c in mapping.values()}
    left = [str(c) for c in columns if str(c) not in used]
    if not left:
        return []
    shown = ", ".join(f"'{name[:40]}'" for name in left[:LISTED_COLUMNS])
    more = f" and {len(left) - LISTED_COLUMNS} more" if len(left) > LISTED_COLUMNS else ""
    which = "column" if len(left) == 1 else "columns"
    return [f"{which} {shown}{more} not in the data contract, left out"]


def _looks_like_data(header: object) -> bool:
    text = str(header).strip()
    return bool(re.fullmatch(r"[\d.,\-/: ]+|PK\d{3}", text, flags=re.IGNORECASE))


# --- the rules on parsed values (pandera) ---------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """How a failed schema check reads to people."""

    column: str
    text: str  # follows the quoted value


RULES = {
    "negative_count": Rule("", "is negative; counts are whole numbers ≥ 0"),
    "fractional_count": Rule("", "is not a whole number; counts are whole numbers ≥ 0"),
    "count_too_large": Rule("", "is too large to be a count"),
    "pct_out_of_range": Rule("value", "is not a percentage between 0 and 100"),
    "year_out_of_range": Rule("year", "is not a year between 1950 and this year"),
    "negative_target": Rule("target", "is negative; targets are ≥ 0"),
}


def _check(rule: str, test: Callable[[pd.Series], pd.Series]) -> pa.Check:
    """A vectorised check named by its rule; blanks are the parser's business, not the schema's."""
    return pa.Check(test, name=rule, ignore_na=True)


def _column(dtype, *checks: pa.Check) -> pa.Column:
    return pa.Column(dtype, list(checks), nullable=True)


# counts are checked as floats and stored as 64-bit integers: above 2**53 a float cannot hold
# every whole number, and above 2**63 the integer would wrap round
MAX_COUNT = 2**53


def _count_checks() -> list[pa.Check]:
    # an infinite count is reported once, as too large
    return [
        _check("negative_count", lambda s: s >= 0),
        _check("fractional_count", lambda s: (s % 1 == 0) | np.isinf(s)),
        _check("count_too_large", lambda s: s <= MAX_COUNT),
    ]


def usage_schema(today: date) -> pa.DataFrameSchema:
    current = pd.Timestamp(today.year, today.month, 1)
    return pa.DataFrameSchema(
        {
            "month_start": _column(
                "datetime64[ns]", _check("future_month", lambda s: s <= current)
            ),
            "transactions": _column(float, *_count_checks()),
            "users": _column(float, *_count_checks()),
        },
        # only against valid counts: a negative or too large count is reported once, as such
        checks=[
            pa.Check(
                lambda d: (
                    ~(
                        (d["users"] > d["transactions"])
                        & (d["transactions"] >= 0)
                        & (d["users"] <= MAX_COUNT)
                    )
                ),
                name="users_above_transactions",
            )
        ],
    )


def indicators_schema(today: date) -> pa.DataFrameSchema:
    pct = pa.Check(
        lambda d: ~((d["unit"] == "pct") & ((d["value"] < 0) | (d["value"] > 100))),
        name="pct_out_of_range",
    )
    count = pa.Check(
        lambda d: ~((d["unit"] == "count") & ((d["value"] < 0) | (d["value"] % 1 != 0))),
        name="bad_count",
    )
    year = _check("year_out_of_range", lambda s: (s >= 1950) & (s <= today.year))
    return pa.DataFrameSchema(
        {"year": _column(float, year), "value": _column(float)}, checks=[pct, count]
    )


def targets_schema(today: date) -> pa.DataFrameSchema:
    year = _check("year_out_of_range", lambda s: (s >= 1950) & (s <= today.year + 10))
    return pa.DataFrameSchema(
        {
            "target": _column(float, _check("negative_target", lambda s: s >= 0)),
            "year": _column(float, year),
        },
    )


def schema_problems(
    schema: pa.DataFrameSchema,
    frame: pd.DataFrame,
    raw: dict[str, pd.Series],
    file: str,
    rownum: np.ndarray,
    messages: dict[str, Callable],
) -> list:
    """Run a pandera schema over the parsed values; every failure becomes a problem line."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases.dropna(subset=["index"])
        out = []
        for (check, context), group in cases.groupby(["check", "schema_context"], sort=False):
            # a column's check fails per column (transactions and users share the count
            # checks); a check across columns names every column for one failing row
            by_column = (
                group.groupby("column", sort=False) if context == "Column" else [("", group)]
            )
            for column, failed in by_column:
                index = np.unique(failed["index"].astype("int64"))
                out.append(messages[check](check, column, index, frame, raw, file, rownum))
        return out
    return []


def value_problem(check, column, index, frame, raw, file, rownum) -> pd.DataFrame:
    """A single-column rule: the cell as written, then what is wrong with it."""
    values = raw[column].iloc[index]
    rule = RULES[check]
    return problem_rows(
        file, rownum[index], rule.column or column, values, check, quoted(values) + f" {rule.text}"
    )


def users_above(check, column, index, frame, raw, file, rownum) -> pd.DataFrame:
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


def bad_indicator_count(check, column, index, frame, raw, file, rownum) -> pd.DataFrame:
    values = raw["value"].iloc[index]
    return problem_rows(
        file,
        rownum[index],
        "value",
        values,
        check,
        quoted(values) + " is not a whole number ≥ 0, as a count must be",
    )


def unit_problems(out, cells, indicator_units: dict[str, str], file, rownum, problems) -> None:
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


def final_types(rows: pd.DataFrame, kind: str) -> pd.DataFrame:
    if kind == "usage":
        return rows.astype({"transactions": "int64", "users": "Int64"})
    if kind == "indicators":
        return rows.astype({"year": "int64"})
    return rows.astype({"year": "int64"})


def repeated_keys(rows: pd.DataFrame, kind: str, file, rownum, problems) -> None:
    """A row repeating the key of an earlier one is a problem (the first of them is not). Rows
    with a problem already are left out: a value that could not be read is no key to repeat."""
    combined = row_keys(rows[[c for c in KEYS[kind] if c in rows]])
    flagged = {int(r) for found in problems for r in found["row"] if pd.notna(r)}
    checked = ~pd.Series(rownum).isin(flagged).to_numpy()
    repeated = combined.duplicated(keep="first").to_numpy() & checked
    if not repeated.any():
        return
    first_row = pd.Series(rownum).groupby(combined).transform("min").to_numpy()
    messages = (
        f"repeats the key ({KEY_WORDS[kind]}) of row "
        + pd.Series(first_row[repeated]).astype("string")
        + "; combine the two rows or correct one"
    )
    rows_hit = rownum[repeated]
    problems.append(
        problem_rows(file, rows_hit, "", [""] * len(rows_hit), "repeated_key", messages)
    )
