"""Blank import templates people fill in: a CSV and an Excel workbook for each import kind.

The header is the data contract's (CONTRACTS.md), in its column order; the two example rows pass
validation, so a person can import the template as it is to see what an accepted file looks like.
The workbook also carries the code lists (districts, services, allowed values) and drop-downs.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kp_dash.store import config, kinds

KINDS = kinds.NAMES
# a log is imported from CSV or Parquet alone (`event_logs`): it has no workbook template
WORKBOOK_KINDS = tuple(name for name in KINDS if not kinds.get(name).log)
DATA_SHEET = "data"
# drop-downs cover this many data rows (a department return is rarely longer; more rows still work)
VALIDATED_ROWS = 5000


def _check_kind(kind: str) -> None:
    kinds.get(kind)  # an unknown kind is refused, the known ones named


def about(kind: str) -> str:
    """What a kind of file holds, as its module says (shown beside its templates)."""
    return kinds.get(kind).about


def header(kind: str) -> list[str]:
    """The contract's columns for a kind, in the contract's order."""
    _check_kind(kind)
    return list(kinds.get(kind).columns)


def template_csv(kind: str) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens accents and '≥' correctly."""
    _check_kind(kind)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header(kind))
    writer.writerows(kinds.get(kind).examples)
    return buffer.getvalue().encode("utf-8-sig")


# --- the workbook ---------------------------------------------------------------------------------


def _seed(name: str, columns: list[str], seed_dir: Path) -> pd.DataFrame:
    return pd.read_csv(seed_dir / name, dtype=str, keep_default_na=False)[columns]


def code_lists(kind: str, seed_dir: Path = config.SEED_DIR) -> dict[str, list[str]]:
    """The allowed values of a kind's coded columns (column -> values)."""
    return kinds.get(kind).code_lists(seed_dir)


def _bold_frozen_header(sheet: Worksheet, names: list[str]) -> None:
    sheet.append(names)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, name in enumerate(names, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(name) + 4)


def _table_sheet(book: Workbook, title: str, frame: pd.DataFrame) -> Worksheet:
    sheet = book.create_sheet(title)
    _bold_frozen_header(sheet, list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append(list(row))
    return sheet


def _drop_down(sheet: Worksheet, column: str, source: str, strict: bool) -> None:
    """A list drop-down on a data column; `strict` warns on other values, otherwise it only
    informs (districts may also be written as names the list does not hold, or P-codes)."""
    rule = DataValidation(
        type="list",
        formula1=source,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning" if strict else "information",
        errorTitle=f"Check the {column}",
        error=f"This {column} is not in the list; see the sheets of this workbook.",
    )
    rule.add(f"{column}2:{column}{VALIDATED_ROWS + 1}")
    sheet.add_data_validation(rule)


def template_xlsx(kind: str, seed_dir: Path = config.SEED_DIR) -> bytes:
    """Sheet `data` (bold frozen header, example rows, drop-downs), then the lists it refers to:
    `districts`, `services` (kinds with a service column) and `codes`."""
    names = header(kind)
    book = Workbook()
    data = book.active
    data.title = DATA_SHEET
    _bold_frozen_header(data, names)
    for row in kinds.get(kind).examples:
        data.append([None if value == "" else value for value in row])
    letters = {name: get_column_letter(i) for i, name in enumerate(names, start=1)}

    districts = _seed(
        "districts.csv", ["district_code", "district_name", "division", "is_merged"], seed_dir
    )
    _table_sheet(book, "districts", districts)
    last = len(districts) + 1
    _drop_down(data, letters["district"], f"districts!$B$2:$B${last}", strict=False)

    if "service" in letters:
        services = _seed(
            "services.csv",
            ["service_code", "service_name", "sector", "eligible_population"],
            seed_dir,
        )
        _table_sheet(book, "services", services)
        source = f"services!$A$2:$A${len(services) + 1}"
        _drop_down(data, letters["service"], source, strict=True)

    lists = code_lists(kind, seed_dir)
    codes = book.create_sheet("codes")
    _bold_frozen_header(codes, list(lists))
    for index, (column, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(index)
        for row, value in enumerate(values, start=2):
            codes.cell(row=row, column=index, value=value)
        source = f"codes!${letter}$2:${letter}${len(values) + 1}"
        _drop_down(data, letters[column], source, strict=True)

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
