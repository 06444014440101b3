"""A file in WHO's HEAT Plus template (disaggregated data: one row per setting × date × source ×
indicator × dimension × subgroup), read and checked whole like an import: every problem is
named by file, row, column and value, and nothing is computed on a file that has any.

The columns are HEAT Plus's own (`COLUMNS`); `se`, `ci_lb`, `ci_ub`, `population`, `flag`,
`setting_average`, `iso3` and `reference_subgroup` may be blank. A non-ordered dimension's
`subgroup_order` is 0, an ordered one's 1…n; `reference_subgroup` is 1 for at most one subgroup.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kp_dash.store import reader
from kp_dash.store.cells import ReadError, file_problem, problem_rows

COLUMNS = (
    "setting", "date", "source", "indicator_abbr", "indicator_name", "dimension", "subgroup",
    "estimate", "se", "ci_lb", "ci_ub", "population", "flag", "setting_average", "iso3",
    "favourable_indicator", "indicator_scale", "ordered_dimension", "subgroup_order",
    "reference_subgroup",
)  # fmt: skip
STRATUM = ("setting", "date", "source", "indicator_abbr", "indicator_name", "dimension")
REQUIRED = (*STRATUM, "subgroup", "estimate", "favourable_indicator", "indicator_scale",
            "ordered_dimension", "subgroup_order")  # fmt: skip
NUMBERS = ("estimate", "se", "ci_lb", "ci_ub", "population", "setting_average",
           "indicator_scale", "favourable_indicator", "ordered_dimension", "subgroup_order",
           "reference_subgroup")  # fmt: skip
FLAGS = ("favourable_indicator", "ordered_dimension", "reference_subgroup")
# per stratum, one value for all its subgroups
CONSTANT = ("favourable_indicator", "indicator_scale", "ordered_dimension", "setting_average")


@dataclass(frozen=True)
class Stratum:
    """One setting × date × source × indicator × dimension: its key and its subgroups' rows."""

    key: dict[str, str]
    rows: pd.DataFrame  # numbers as floats, blanks as NaN, in the file's order


class TemplateError(ValueError):
    """The file has problems: `problems` holds one row each (file, row, column, value, rule,
    message), as an import's report does."""

    def __init__(self, problems: pd.DataFrame) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def read(path: Path, display_name: str | None = None) -> list[Stratum]:
    """The strata of a HEAT Plus template file; TemplateError with every problem otherwise."""
    name = display_name or path.name
    try:
        layout = reader.read_layout(path, display_name=display_name)
    except ReadError as error:
        raise TemplateError(error.problems) from None
    frame = layout.frame.copy()
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        listed = ", ".join(missing)
        message = f"the HEAT Plus template's column(s) {listed} are missing"
        raise TemplateError(file_problem(name, "missing_columns", message, layout.header_row))
    frame["_row"] = layout.rows
    numbers = _numbers(frame)
    problems = _cell_problems(frame, name) + _stratum_problems(numbers, name)
    if problems:
        found = pd.concat(problems, ignore_index=True)
        raise TemplateError(found.sort_values(["row", "column"], kind="stable", ignore_index=True))
    return [
        Stratum(dict(zip(STRATUM, key, strict=True)), rows.reset_index(drop=True))
        for key, rows in numbers.groupby(list(STRATUM), sort=False)
    ]


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    text = frame[column].astype("string").str.strip()
    return text.mask(text == "")


def _numbers(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in (*STRATUM, "subgroup"):
        out[column] = _text(frame, column)
    for column in NUMBERS:
        out[column] = pd.to_numeric(_text(frame, column), errors="coerce").astype("float64")
    return out


def _problem(name: str, rows, column: str, values, rule: str, message) -> pd.DataFrame:
    """One problem per row; `message` is the text, or makes it from the row's value (never a
    template: a message may hold the file's own text, such as a dimension's name)."""
    texts = [f"{v:g}" if isinstance(v, float) else str(v) for v in values]
    messages = [message(t) if callable(message) else message for t in texts]
    return problem_rows(name, rows, column, texts, rule, messages)


def _cell_problems(frame: pd.DataFrame, name: str) -> list[pd.DataFrame]:
    """Blank required cells, numbers that are not numbers, flags other than 0 and 1, and
    values outside their range, cell by cell."""
    texts = {c: _text(frame, c) for c in COLUMNS}
    numbers = {c: pd.to_numeric(texts[c], errors="coerce") for c in NUMBERS}
    checks = []  # column, the rows that fail, their values, rule, message from a value
    for c in REQUIRED:
        checks.append((c, texts[c].isna(), texts[c].fillna(""), "blank",
                       lambda v, c=c: f"{c} is required"))  # fmt: skip
    for c in NUMBERS:
        checks.append((c, texts[c].notna() & numbers[c].isna(), texts[c], "not_a_number",
                       lambda v, c=c: f"{c} '{v}' is not a number"))  # fmt: skip
    for c in FLAGS:
        checks.append((c, numbers[c].notna() & ~numbers[c].isin([0, 1]), numbers[c],
                       "not_a_flag", lambda v, c=c: f"{c} is {v}: it must be 0 or 1"))  # fmt: skip
    for c in ("population", "se"):
        checks.append((c, numbers[c] < 0, numbers[c], "negative",
                       lambda v, c=c: f"{c} {v} cannot be negative"))  # fmt: skip
    scale, estimate = numbers["indicator_scale"], numbers["estimate"]
    checks.append(("indicator_scale", scale <= 0, scale, "bad_scale",
                   lambda v: f"indicator_scale {v} must be more than 0 (100 for a %)"))  # fmt: skip
    found = [
        _problem(name, frame["_row"][bad], column, values[bad], rule, message)
        for column, bad, values, rule, message in checks
        if bad.any()
    ]
    outside = (estimate < 0) | (estimate > scale)
    if outside.any():  # the message names each row's own scale
        messages = [
            f"estimate {v:g} must lie within 0…{s:g}, the indicator's scale"
            for v, s in zip(estimate[outside], scale[outside], strict=True)
        ]
        values = [f"{v:g}" for v in estimate[outside]]
        found.append(problem_rows(name, frame["_row"][outside], "estimate", values,
                                  "outside_scale", messages))  # fmt: skip
    return found


def _stratum_problems(frame: pd.DataFrame, name: str) -> list[pd.DataFrame]:
    """What a stratum as a whole must be: two subgroups at least, each once, one value of each
    setting-wide column, at most one reference subgroup, and orders 1…n when ordered."""
    found = []
    for key, rows in frame.groupby(list(STRATUM), sort=False):
        where = f"{key[5]} of {key[3]} ({key[0]}, {key[1]}, {key[2]})"
        first = rows["_row"].iloc[:1]
        if len(rows) < 2:
            found.append(_problem(name, first, "subgroup", rows["subgroup"].iloc[:1],
                                  "one_subgroup", f"{where} has one subgroup: a measure of "
                                  "inequality needs two at least"))  # fmt: skip
        repeated = rows["subgroup"].duplicated()
        if repeated.any():
            found.append(_problem(name, rows["_row"][repeated], "subgroup",
                                  rows["subgroup"][repeated], "repeated_subgroup",
                                  f"this subgroup of {where} is listed twice"))  # fmt: skip
        for column in CONSTANT:
            values = rows[column].dropna().unique()
            if len(values) > 1 or (column != "setting_average" and rows[column].isna().any()):
                found.append(_problem(name, first, column, [", ".join(f"{v:g}" for v in values)],
                                      "not_constant", f"{where} must have one {column} for "
                                      "all its subgroups"))  # fmt: skip
        references = rows["reference_subgroup"] == 1
        if references.sum() > 1:
            found.append(_problem(name, rows["_row"][references], "reference_subgroup",
                                  ["1"] * int(references.sum()), "two_references",
                                  f"{where} has {int(references.sum())} reference subgroups: "
                                  "at most one"))  # fmt: skip
        found += _order_problems(rows, where, name)
    return found


def _order_problems(rows: pd.DataFrame, where: str, name: str) -> list[pd.DataFrame]:
    orders = rows["subgroup_order"]
    if (rows["ordered_dimension"] == 1).all():
        expected = list(range(1, len(rows) + 1))
        if sorted(orders.tolist()) != expected:
            listed = ", ".join(f"{v:g}" for v in orders)
            message = (f"{where} is ordered: its subgroup_order must be 1…{len(rows)}, "
                       f"each once (given: {listed})")  # fmt: skip
            return [_problem(name, rows["_row"].iloc[:1], "subgroup_order", [listed],
                             "bad_order", message)]  # fmt: skip
    elif (orders != 0).any():
        bad = orders != 0
        return [_problem(name, rows["_row"][bad], "subgroup_order", orders[bad], "bad_order",
                         f"{where} is not ordered: its subgroup_order must be 0")]  # fmt: skip
    return []
