"""Total and subtotal rows as department files write them: 'Total', 'Grand total', 'Sub-total',
their Urdu words, or a division ('Peshawar Division', 'Hazara'). Each is left out of the rows and
checked: the file's total must equal the sum of the rows it covers, and a difference is said for
a person to check before accepting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from kp_dash.store.cells import cell_text, format_count, rows_text
from kp_dash.store.rules import ID_KEYS, MEASURE_KEYS, MEASURES, key
from kp_dash.store.values import read_number

SHOWN_TOTALS = 3  # more total rows than this are summarised in one note
# 'ذیلی' (sub-) before 'میزان' or 'کل' (total) says an Urdu subtotal
_TOTAL_WORDS = {"total", "grandtotal", "subtotal", "کل", "میزان", "ٹوٹل", "کلمیزان"}
_TOTAL_WORDS |= {"ذیلیمیزان", "ذیلیکل", "ذیلیٹوٹل"}
_SUB_WORDS = {"sub", "subtotal", "ذیلی"}
_WORD_PARTS = {"total", "sub", "subtotal", "grand", "کل", "میزان", "ٹوٹل", "ذیلی"}
_DIVISION_WORDS = {"division", "div", "ڈویژن", "ڈویزن", "ڈیویژن"}
URDU_DIVISIONS = {
    "پشاور": "Peshawar",
    "مردان": "Mardan",
    "کوہاٹ": "Kohat",
    "بنوں": "Bannu",
    "ڈیرہ اسماعیل خان": "Dera Ismail Khan",
    "ملاکنڈ": "Malakand",
    "ہزارہ": "Hazara",
}


class DistrictCodes(Protocol):
    """What the checks need to know of districts: a cell's code and a division's districts."""

    def code(self, text: str) -> str | None: ...

    def members(self, division: str) -> set[str]: ...


# --- total rows -------------------------------------------------------------------------------


def total_kind(text: str) -> tuple[str, str] | None:
    """('total', ''), ('subtotal', '') or ('division', name) for a cell that says a total of
    rows rather than a district; None otherwise. A bare name is a district's, except Hazara,
    which is a division only."""
    words = re.sub(r"[\s\-.:_()]+", " ", text.casefold()).split()
    if not words:
        return None
    if "".join(words) in _TOTAL_WORDS:
        return ("subtotal", "") if set(words) & _SUB_WORDS else ("total", "")
    rest = [w for w in words if w not in _WORD_PARTS | _DIVISION_WORDS]
    named = " ".join(rest)
    division = _division_name(named)
    if division is not None and (len(rest) < len(words) or division == "Hazara"):
        return "division", division
    return None


def _division_name(text: str) -> str | None:
    divisions = {
        "peshawar": "Peshawar",
        "mardan": "Mardan",
        "kohat": "Kohat",
        "bannu": "Bannu",
        "dera ismail khan": "Dera Ismail Khan",
        "d i khan": "Dera Ismail Khan",
        "di khan": "Dera Ismail Khan",
        "malakand": "Malakand",
        "hazara": "Hazara",
    }
    return divisions.get(text) or URDU_DIVISIONS.get(text)


@dataclass
class TotalCheck:
    row: int
    written: str  # the district cell
    detail: str  # what tells apart totals melted from one spreadsheet row
    cell: str  # the total as written
    total: float
    added: float
    covered: np.ndarray  # spreadsheet rows summed

    @property
    def equal(self) -> bool:
        return abs(self.total - self.added) < 1e-9


def numbers(cells: pd.Series) -> np.ndarray:
    """Counts as read_number reads them; blank, dashes and text count as nothing."""
    distinct = {v: read_number(cell_text(v)).number for v in pd.unique(cells)}
    return cells.map(distinct).to_numpy(dtype=float)


def without_total_rows(
    header: list[str],
    frame: pd.DataFrame,
    rows: np.ndarray,
    districts: DistrictCodes,
    notes: list[str],
) -> tuple[pd.DataFrame, np.ndarray]:
    positions = {}
    for position, text in enumerate(header):
        column = ID_KEYS.get(key(text)) or MEASURE_KEYS.get(key(text))
        if column is not None:
            positions.setdefault(column, position)
    if "district" not in positions or "transactions" not in positions or frame.empty:
        return frame, rows
    district = frame[positions["district"]]
    kinds = {v: total_kind(cell_text(v)) for v in pd.unique(district)}
    keys = [p for c, p in positions.items() if c not in ("district", *MEASURES)]
    found = district.map(kinds).astype(object)
    said_in = _totals_beside_a_blank_district(frame, district, keys, found)
    if not found.notna().any():
        return frame, rows
    is_total = found.notna().to_numpy(dtype=bool)
    counts = numbers(frame[positions["transactions"]])
    checks = []
    previous = -1
    for index in np.flatnonzero(is_total):
        kind, division = found.iloc[index]
        covered = ~is_total
        for position in (p for p in keys if p != said_in[index]):
            wanted = cell_text(frame.iat[index, position]).casefold()
            if wanted:
                covered &= frame[position].map(cell_text).str.casefold().eq(wanted).to_numpy()
        if kind == "subtotal":
            covered &= (np.arange(len(frame)) > previous) & (np.arange(len(frame)) < index)
        if kind == "division":
            covered &= _in_division(district, division, districts)
        previous = index
        written = cell_text(district.iloc[index]) or cell_text(frame.iat[index, said_in[index]])
        checks.append(
            TotalCheck(
                int(rows[index]),
                written,
                _melted_detail(frame, index, rows, keys),
                cell_text(frame.iat[index, positions["transactions"]]),
                counts[index],
                float(np.nansum(counts[covered])),
                rows[covered],
            )
        )
    notes += _total_row_notes(checks)
    return frame[~is_total].reset_index(drop=True), rows[~is_total]


def _totals_beside_a_blank_district(
    frame: pd.DataFrame, district: pd.Series, keys: list[int], found: pd.Series
) -> np.ndarray:
    """Rows whose district is blank and whose month, service or channel cell says 'Total'
    (as a sheet's last row often does) marked as totals in `found`; the position of the cell
    that says so, -1 for other rows."""
    said_in = np.full(len(frame), -1)
    blanks = [v for v in pd.unique(district) if not cell_text(v)]  # few values, many rows
    blank = district.isin(blanks).to_numpy(dtype=bool)
    for position in keys if blank.any() else ():
        column = frame[position]
        labels = {v: total_kind(cell_text(v)) for v in pd.unique(column[blank])}
        labels = {v: k for v, k in labels.items() if k is not None and k[0] != "division"}
        hit = blank & found.isna().to_numpy() & column.isin(list(labels)).to_numpy()
        for index in np.flatnonzero(hit):
            found.iat[index] = labels[column.iat[index]]
            said_in[index] = position
    return said_in


def _melted_detail(frame: pd.DataFrame, index: int, rows: np.ndarray, keys: list[int]) -> str:
    """' (2026-10)' when the row's total was one of several melted from one spreadsheet row:
    the labels that tell them apart."""
    same = np.flatnonzero(rows == rows[index])
    if len(same) == 1:
        return ""
    differ = [
        cell_text(frame.iat[index, p])
        for p in keys
        if frame.iloc[same, p].map(cell_text).nunique() > 1
    ]
    return f" ({', '.join(differ)})" if differ else ""


def _in_division(district: pd.Series, division: str, districts: DistrictCodes) -> np.ndarray:
    members = districts.members(division)
    codes = {v: districts.code(cell_text(v)) for v in pd.unique(district) if cell_text(v)}
    return district.map(lambda v: codes.get(v) in members).to_numpy(dtype=bool)


def _total_row_note(check: TotalCheck) -> str:
    place = f"row {check.row} '{check.written}'{check.detail} left out"
    if check.equal:
        total, covered = format_count(check.total), rows_text(check.covered)
        return f"{place} (a total: {total} = the sum of {covered})"
    if np.isnan(check.total):
        return f"⚠ {place}: its total '{check.cell}' is not a number, so it was not checked"
    return (
        f"⚠ {place}: the file's total {format_count(check.total)} differs from the sum of its rows "
        f"{format_count(check.added)} by {format_count(abs(check.total - check.added))}"
    )


def _total_row_notes(checks: list[TotalCheck]) -> list[str]:
    """One note per total row; with many, one for those that agree and one per other."""
    if len(checks) <= SHOWN_TOTALS:
        return [_total_row_note(c) for c in sorted(checks, key=lambda c: not c.equal)]
    differing = [_total_row_note(c) for c in checks if not c.equal]
    agree = len(checks) - len(differing)
    if not differing:
        return [f"{len(checks)} total rows left out, all equal to the sums of their rows"]
    return [
        f"{len(checks)} total rows left out, {agree} equal to the sums of their rows",
        *differing,
    ]
