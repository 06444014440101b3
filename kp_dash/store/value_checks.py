"""The rules on parsed values, as pandera checks: how a check is declared, how every failure
becomes a problem row that names the cell as written, and the key a row must not repeat. Each
file kind (`kp_dash.store.kinds`) declares its own schema with these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from kp_dash.store.cells import problem_rows, quoted, row_keys


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


def check(rule: str, test: Callable[[pd.Series], pd.Series]) -> pa.Check:
    """A vectorised check named by its rule; blanks are the parser's business, not the schema's."""
    return pa.Check(test, name=rule, ignore_na=True)


def column(dtype, *checks: pa.Check) -> pa.Column:
    return pa.Column(dtype, list(checks), nullable=True)


# counts are checked as floats and stored as 64-bit integers: above 2**53 a float cannot hold
# every whole number, and above 2**63 the integer would wrap round
MAX_COUNT = 2**53


def count_checks() -> list[pa.Check]:
    # an infinite count is reported once, as too large
    return [
        check("negative_count", lambda s: s >= 0),
        check("fractional_count", lambda s: (s % 1 == 0) | np.isinf(s)),
        check("count_too_large", lambda s: s <= MAX_COUNT),
    ]


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


def repeated_keys(rows: pd.DataFrame, kind, file, rownum, problems) -> None:
    """A row repeating the key of an earlier one is a problem (the first of them is not). Rows
    with a problem already are left out: a value that could not be read is no key to repeat."""
    combined = row_keys(rows[[c for c in kind.keys if c in rows]])
    flagged = {int(r) for found in problems for r in found["row"] if pd.notna(r)}
    checked = ~pd.Series(rownum).isin(flagged).to_numpy()
    repeated = combined.duplicated(keep="first").to_numpy() & checked
    if not repeated.any():
        return
    first_row = pd.Series(rownum).groupby(combined).transform("min").to_numpy()
    messages = (
        f"repeats the key ({kind.key_words}) of row "
        + pd.Series(first_row[repeated]).astype("string")
        + "; combine the two rows or correct one"
    )
    rows_hit = rownum[repeated]
    problems.append(
        problem_rows(file, rows_hit, "", [""] * len(rows_hit), "repeated_key", messages)
    )
