"""Spreadsheet shapes of usage files as department offices export them, turned into one row per
month × district × service × channel [× sex]: a header over two rows (merged cells), and wide
files whose columns are districts, months or sexes; total rows and columns are left out once
checked (`sheet_totals`). The usage header's words are `rules`'; how notes name rows, columns
and counts is `cells`'.

Each value column carries a set of labels taken from the header rows (the measure: transactions
or users; the month, district or sex it stands for), merged cells filled rightward; the table is
then melted on those labels. This works on the header and the positional cells as read, before
the column names are checked, and keeps each melted row's spreadsheet row number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kp_dash.store.cells import (
    cell_text,
    column_letter,
    column_letters,
    file_problem,
    format_count,
    listing,
    problem_rows,
    unique_items,
)
from kp_dash.store.districts import DistrictResolver
from kp_dash.store.kinds.usage import SEX_SYNONYMS, SEXES
from kp_dash.store.layout import LayoutError
from kp_dash.store.rules import ID_KEYS, MEASURE_KEYS, MEASURES, guess_kind, key
from kp_dash.store.sheet_totals import numbers, total_kind, without_total_rows
from kp_dash.store.values import NOT_REPORTED, read_month

DIMENSIONS = ("month", "district", "sex")  # what a column of a wide file can stand for
NAMES = {"month": "month", "district": "district", "sex": "sex", "measure": "measure"}
PLURALS = {"month": "months", "district": "districts", "sex": "sexes", "measure": "measures"}


@dataclass
class Shaped:
    """The header and positional cells to name, each row's spreadsheet number, and notes."""

    header: list[str]
    frame: pd.DataFrame
    rows: np.ndarray
    notes: list[str] = field(default_factory=list)


@dataclass
class ValueColumn:
    """A column of counts and what its header rows say it holds."""

    position: int
    labels: dict[str, str]  # dimension (or 'measure') -> value: a code, or YYYY-MM
    written: dict[str, str]  # dimension -> the header text as written
    total: str | None = None  # the kind of total ('total') when it is a total column


class Districts:
    """The resolver, built on first use: most files never need it."""

    def __init__(self, resolver: DistrictResolver | None, build: Callable[[], DistrictResolver]):
        self._resolver, self._build = resolver, build

    @property
    def resolver(self) -> DistrictResolver:
        if self._resolver is None:
            self._resolver = self._build()
        return self._resolver

    def code(self, text: str) -> str | None:
        """The district a name surely gives: the resolver gives no code for a fuzzy guess."""
        return self.resolver.resolve(text).district_code

    def members(self, division: str) -> set[str]:
        register = self.resolver.register
        return set(register.loc[register["division"] == division, "district_code"])


def reshape(
    header: list[str],
    frame: pd.DataFrame,
    rows: np.ndarray,
    header_row: int,
    name: str,
    districts: Districts,
) -> Shaped:
    """The table as one row per value: a two-row header or a wide file melted, totals left out
    and checked. A plain usage file comes back as it was (with its total rows left out)."""
    filled = [h for h in header if h.strip()]
    if guess_kind(filled) != "usage":
        return Shaped(header, frame, rows)
    notes: list[str] = []
    roles = [_role(h) for h in header]
    second = _second_header(header, roles, frame, districts)
    columns = _value_columns(header, roles, frame, second, districts)
    if columns:
        _refuse_unclear(header, roles, columns, header_row, rows, name, second, districts)
        header, frame, rows = _melted(header, frame, rows, header_row, columns, second, notes)
    frame, rows = without_total_rows(header, frame, rows, districts, notes)
    return Shaped(header, frame, rows, notes)


# --- labels -------------------------------------------------------------------------------------


def _role(text: str) -> str:
    """'id' for a column naming a contract column other than a count, 'measure' for a count,
    'blank', or 'other' (a label or a column the contract does not know)."""
    if not text.strip():
        return "blank"
    if key(text) in ID_KEYS:
        return "id"
    return "measure" if key(text) in MEASURE_KEYS else "other"


def _label(text: str, districts: Districts) -> tuple[str, str] | None:
    """What a header cell of a value column stands for: ('total', kind), ('measure', name),
    ('sex', code), ('month', YYYY-MM) or ('district', code); None when it is none of these."""
    text = text.strip()
    if not text:
        return None
    if (kind := total_kind(text)) is not None and kind[0] != "division":
        return "total", kind[0]
    if (measure := MEASURE_KEYS.get(key(text))) is not None:
        return "measure", measure
    sex = text.casefold()
    if sex in SEXES or sex in SEX_SYNONYMS:
        return "sex", SEX_SYNONYMS.get(sex, sex)
    # a bare number is a count, never a month (Excel's date numbers are five digits)
    if not text.replace(".", "").isdigit() and (month := read_month(text).month) is not None:
        return "month", f"{month:%Y-%m}"
    if (code := districts.code(text)) is not None:
        return "district", code
    return None


def _second_header(
    header: list[str], roles: list[str], frame: pd.DataFrame, districts: Districts
) -> list[str] | None:
    """The first row below the header when it continues the header (merged cells): blank under
    every named column, and a label in each of its filled cells."""
    if frame.empty or all(r in ("id", "measure") for r in roles):
        return None
    cells = [cell_text(v) for v in frame.iloc[0].tolist()]
    if not any(cells):
        return None
    for position, text in enumerate(cells):
        role = roles[position] if position < len(roles) else "blank"
        if text and (role == "id" or _label(text, districts) is None):
            return None
    return cells


def _value_columns(
    header: list[str],
    roles: list[str],
    frame: pd.DataFrame,
    second: list[str] | None,
    districts: Districts,
) -> list[ValueColumn]:
    """The columns of counts with their labels; none when the file is not of these shapes (a
    damaged header is then left to the header checks)."""
    if second is None and "measure" in roles:
        return []  # a long file: a column such as 'Swat' beside 'transactions' is no value column
    tops = _filled_rightward(header, roles, second)
    found = []
    for position, top in enumerate(tops):
        if roles[position] == "id":
            continue
        below = second[position] if second is not None and position < len(second) else ""
        column = _value_column(position, [top, below], districts)
        if column is None and below:
            return []  # a label under a header cell that is none: not a clear two-row header
        if column is not None:
            found.append(column)
    if not any(c.total is None for c in found):
        return []
    return found


def _filled_rightward(header: list[str], roles: list[str], second: list[str] | None) -> list[str]:
    """The top header with a merged cell's label repeated over the columns it spans (only where
    a second header row labels them)."""
    tops = list(header)
    if second is None:
        return tops
    for position in range(1, len(tops)):
        below = second[position] if position < len(second) else ""
        if not tops[position].strip() and below and roles[position - 1] != "id":
            tops[position] = tops[position - 1]
    return tops


def _value_column(position: int, texts: list[str], districts: Districts) -> ValueColumn | None:
    labels: dict[str, str] = {}
    written: dict[str, str] = {}
    total = None
    for text in texts:
        if not text.strip():
            continue
        found = _label(text, districts)
        if found is None or found[0] in labels:
            return None
        dimension, value = found
        if dimension == "total":
            total = value
            written["total"] = text.strip()
        else:
            labels[dimension], written[dimension] = value, text.strip()
    if total is None and not set(labels) - {"measure"}:
        return None
    labels.setdefault("measure", "transactions")
    return ValueColumn(position, labels, written, total)


# --- refusals -----------------------------------------------------------------------------------


def _refuse_unclear(
    header: list[str],
    roles: list[str],
    columns: list[ValueColumn],
    header_row: int,
    rows: np.ndarray,
    name: str,
    second: list[str] | None,
    districts: Districts,
) -> None:
    """A header row spreading two dimensions, labels repeating a named column, two columns with
    the same labels, or a wide header naming a district that cannot be told, is refused."""
    label_rows = [(header_row, header)] + ([(int(rows[0]), second)] if second else [])
    for row, texts in label_rows:
        kinds: dict[str, list[int]] = {}
        for column in columns:
            text = texts[column.position] if column.position < len(texts) else ""
            found = _label(text, districts) if text.strip() else None
            if found is not None and found[0] != "total":
                kinds.setdefault(found[0], []).append(column.position)
        if len(kinds) > 1:
            _raise_mixed(name, row, texts, kinds)
    named = {ID_KEYS[key(h)] for h, r in zip(header, roles, strict=False) if r == "id"}
    carried = {d for c in columns for d in c.labels if d != "measure"}
    if named & carried:
        dimension = sorted(named & carried)[0]
        message = (
            f"the file has a '{dimension}' column and also {PLURALS[dimension]} as column "
            f"headers; give each {NAMES[dimension]} either as a row value under '{dimension}' "
            "or as a column, not both"
        )
        raise LayoutError(file_problem(name, "ambiguous_wide_header", message, header_row))
    _refuse_repeated(columns, header_row, name)
    if "district" in carried and second is None:
        _refuse_unknown_districts(header, roles, columns, header_row, name, districts)


def _raise_mixed(name: str, row: int, texts: list[str], kinds: dict[str, list[int]]) -> None:
    parts = [
        f"{PLURALS[kind]} ({column_letters(positions)}: {listing([texts[p] for p in positions])})"
        for kind, positions in kinds.items()
    ]
    message = (
        f"the header (row {row}) has {' and '.join(parts)} as columns; a wide file can spread "
        "one of them across its columns: give the other as rows under its own column (or one "
        "sheet each)"
    )
    raise LayoutError(file_problem(name, "ambiguous_wide_header", message, row))


def _refuse_repeated(columns: list[ValueColumn], header_row: int, name: str) -> None:
    seen: dict[tuple, list[int]] = {}
    for column in columns:
        labels = (*sorted(column.labels.items()), column.total)
        seen.setdefault(labels, []).append(column.position)
    for positions in seen.values():
        if len(positions) > 1:
            first = next(c for c in columns if c.position == positions[0])
            what = _describe(first)
            message = f"columns {column_letters(positions)} all give {what}; keep one"
            raise LayoutError(file_problem(name, "duplicate_column", message, header_row))


def _refuse_unknown_districts(
    header: list[str],
    roles: list[str],
    columns: list[ValueColumn],
    header_row: int,
    name: str,
    districts: Districts,
) -> None:
    """In a file whose columns are districts, a header that is almost a district name is a
    mistyped district, which would otherwise be left out unseen."""
    values = {c.position for c in columns}
    problems = []
    for position, text in enumerate(header):
        if position in values or roles[position] != "other":
            continue
        found = districts.resolver.resolve(text)
        advice = found.suggestion()
        if found.method in ("fuzzy", "parent", "ambiguous") and advice:
            message = f"the columns of this file are districts, but '{text}' is not one; {advice}"
            letter = column_letter(position)
            problems.append(
                problem_rows(name, [header_row], letter, [text], "unknown_district", [message])
            )
    if problems:
        raise LayoutError(pd.concat(problems, ignore_index=True))


# --- melting ------------------------------------------------------------------------------------


def _blank(cells: pd.Series) -> np.ndarray:
    """Blank or a dash: not reported."""
    text = cells.map(cell_text)
    return (text.eq("") | text.isin(NOT_REPORTED)).to_numpy(dtype=bool)


def _melted(
    header: list[str],
    frame: pd.DataFrame,
    rows: np.ndarray,
    header_row: int,
    columns: list[ValueColumn],
    second: list[str] | None,
    notes: list[str],
) -> tuple[list[str], pd.DataFrame, np.ndarray]:
    if second is not None:
        frame, rows = frame.iloc[1:].reset_index(drop=True), rows[1:]
    totals = [c for c in columns if c.total is not None]
    values = [c for c in columns if c.total is None]
    checked = _total_column_notes(header, frame, rows, totals, values)
    groups = _groups(values)
    dimensions = [d for d in DIMENSIONS if any(d in dict(g) for g in groups)]
    measures = [m for m in MEASURES if any(m in g for g in groups.values())]
    kept = [p for p in range(frame.shape[1]) if p not in {c.position for c in columns}]
    count = len(frame)
    parts, keep, blanks = [], [], 0
    for labels, positions in groups.items():
        part, reported = _group_part(frame, kept, dict(labels), positions, dimensions, measures)
        parts.append(part)
        keep.append(reported)
        blanks += int((~reported).sum()) * len(positions)
    long = pd.concat(parts, ignore_index=True)
    source = np.tile(np.arange(count), len(parts))
    reported = np.concatenate(keep)
    order = np.argsort(source, kind="stable")  # row by row, as the spreadsheet reads
    order = order[reported[order]]
    long = long.iloc[order].reset_index(drop=True)
    long.columns = range(long.shape[1])
    names = [header[p] if p < len(header) else "" for p in kept] + dimensions + measures
    notes.append(_shape_note(header_row, values, second is not None, len(long), count, blanks))
    notes += checked
    return names, long, rows[source[order]]


def _groups(values: list[ValueColumn]) -> dict[tuple, dict[str, int]]:
    """The value columns by what they stand for apart from the measure: each group is one row
    per data row, with the position of its transactions and users columns."""
    groups: dict[tuple, dict[str, int]] = {}
    for column in values:
        where = tuple(sorted((d, v) for d, v in column.labels.items() if d != "measure"))
        groups.setdefault(where, {})[column.labels["measure"]] = column.position
    return groups


def _group_part(
    frame: pd.DataFrame,
    kept: list[int],
    labels: dict[str, str],
    positions: dict[str, int],
    dimensions: list[str],
    measures: list[str],
) -> tuple[pd.DataFrame, np.ndarray]:
    """One group's rows (the kept columns, its labels, its counts) and which were reported."""
    count = len(frame)
    part = {i: frame[p].to_numpy(dtype=object) for i, p in enumerate(kept)}
    for dimension in dimensions:
        part[f"d_{dimension}"] = np.full(count, labels.get(dimension, ""), dtype=object)
    reported = np.zeros(count, dtype=bool)
    for measure in measures:
        position = positions.get(measure)
        cells = frame[position] if position is not None else pd.Series([""] * count)
        part[f"m_{measure}"] = cells.to_numpy(dtype=object)
        reported |= ~_blank(cells)
    return pd.DataFrame(part), reported


def _shape_note(
    header_row: int, values: list[ValueColumn], two_rows: bool, made: int, read: int, blanks: int
) -> str:
    tail = f", {made:,} rows from {read:,}"
    if blanks:
        tail += f"; {blanks:,} blank {'cell' if blanks == 1 else 'cells'} not reported"
    dimensions = [d for d in DIMENSIONS if any(d in c.labels for c in values)]
    if two_rows:
        measures = unique_items([c.written.get("measure", "Transactions") for c in values])
        written = {
            d: unique_items([c.written[d] for c in values if d in c.written]) for d in dimensions
        }
        by = " and ".join(f"{NAMES[d]} ({', '.join(written[d])})" for d in dimensions)
        return (
            f"two-row header (rows {header_row}–{header_row + 1}): {' and '.join(measures)} "
            f"by {by} turned into rows{tail}"
        )
    dimension = dimensions[0]
    shown = unique_items([c.written[dimension] for c in values])
    spread = f"{shown[0]} … {shown[-1]}" if len(shown) > 3 else ", ".join(shown)
    what = f"{len(shown)} {NAMES[dimension]} columns ({spread})"
    measure = values[0].labels["measure"]
    cells_are = "" if measure == "transactions" else f", cells read as {measure}"
    return f"wide file: {what} turned into rows{tail}{cells_are}"


def _describe(column: ValueColumn) -> str:
    where = [column.written[d] for d in DIMENSIONS if d in column.written]
    total = " total" if column.total else ""
    return f"{column.labels['measure']}{total}" + (f" for {', '.join(where)}" if where else "")


def _total_column_notes(
    header: list[str],
    frame: pd.DataFrame,
    rows: np.ndarray,
    totals: list[ValueColumn],
    values: list[ValueColumn],
) -> list[str]:
    """A total column left out, each of its cells checked against the cells it adds up."""
    notes = []
    for total in totals:
        covered = [
            v.position
            for v in values
            if all(v.labels.get(d) == label for d, label in total.labels.items())
        ]
        given = numbers(frame[total.position])
        added = np.nansum(np.column_stack([numbers(frame[p]) for p in covered]), axis=1)
        checked = ~np.isnan(given)
        differs = checked & (np.abs(given - added) > 1e-9)
        letter = column_letter(total.position)
        of = f" ({total.written['measure']})" if "measure" in total.written else ""
        shown = f"'{total.written['total']}'{of}"
        notes.append(
            f"column {letter} {shown} left out (a total of {column_letters(covered)}; "
            + _checked_rows(int(checked.sum()), int(checked.sum() - differs.sum()))
            + ")"
        )
        notes += [
            f"⚠ row {rows[i]}, column {letter} {shown}: the file's total "
            f"{format_count(given[i])} differs from the sum of the row's cells "
            f"{format_count(added[i])} by "
            f"{format_count(abs(given[i] - added[i]))}"
            for i in np.flatnonzero(differs)
        ]
    return notes


def _checked_rows(checked: int, equal: int) -> str:
    """'4 rows checked, all equal to the sums of their cells', or how many were."""
    if checked == 1:
        return "1 row checked, " + ("equal to the sum of its cells" if equal else "not equal")
    agree = "all" if equal == checked else f"{equal:,}"
    return f"{checked:,} rows checked, {agree} equal to the sums of their cells"
