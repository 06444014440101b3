"""The rules on parsed values as people read them, and the count rules as SQL conditions: each
file kind (`kp_dash.store.kinds`) checks its parsed rows in DuckDB (`cell_table`) with these."""

from __future__ import annotations

# how a broken rule reads, after the cell as written (quoted)
RULES = {
    "negative_count": "is negative; counts are whole numbers ≥ 0",
    "fractional_count": "is not a whole number; counts are whole numbers ≥ 0",
    "count_too_large": "is too large to be a count",
    "pct_out_of_range": "is not a percentage between 0 and 100",
    "year_out_of_range": "is not a year between 1950 and this year",
    "negative_target": "is negative; targets are ≥ 0",
}

# counts are checked as floats and stored as 64-bit integers: above 2**53 a float cannot hold
# every whole number, and above 2**63 the integer would wrap round
MAX_COUNT = 2**53


def count_rules(column: str) -> list[tuple[str, str]]:
    """The rules on a count as SQL conditions over `column` (a double); an infinite count is
    reported once, as too large."""
    return [
        ("negative_count", f"{column} < 0"),
        ("fractional_count", f"not isinf({column}) and {column} % 1 <> 0"),
        ("count_too_large", f"{column} > {MAX_COUNT}"),
    ]
