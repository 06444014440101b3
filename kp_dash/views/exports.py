"""Exports people download: CSV, Excel and GeoJSON built by one set of rules.

No streamlit here; `kp_dash.views.ui` wires these to download buttons. The rules (METRICS.md
"Rules", CONTRACTS.md):

- *Formula text is neutralised.* A text cell starting with `=`, `+`, `-` or `@`, or with a tab or
  carriage return (OWASP's CSV-injection list), gets a leading single quote, so no spreadsheet runs
  it. Only text is touched: numbers stay numbers, negative ones included. Applying it twice changes
  nothing (a quoted cell starts with `'`), so every writer here applies it again as a safety net.
- *Small counts are suppressed* by the one rule of `kp_dash.views.disclosure`: it decides which
  columns count service records (from the metric registry, never from a page), shows every such
  count below 10 as `<10` (a missing value stays empty), and flags a rate whose numerator is
  below 10 (`small_numerator`, its rank withheld, the reason in `note`).
  `KP_DASH_SUPPRESS_SMALL=0` switches this off for internal use
  (`kp_dash.store.config.suppress_small_counts`).
- *Every row carries its provenance*: `source` and `year` are always the last two columns (empty
  text when the frame has none), and demonstration data has a `note` column saying so, just
  before them.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from numbers import Integral, Real
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kp_dash.store import config
from kp_dash.store.contract import FORMULA_STARTS
from kp_dash.views import disclosure

if TYPE_CHECKING:
    from kp_dash.numbers.registry import Metric, ModelledMetric
    from kp_dash.store.geo import DistrictLayer

SMALL_COUNT_TEXT = disclosure.SMALL_COUNT_TEXT
DEMO_NOTE = "Demonstration data (simulated)"
NOTE_COLUMN = disclosure.NOTE_COLUMN
PROVENANCE_COLUMNS = ("source", "year")
GEOJSON_PROPERTIES = ("district_code", "district_name", "value", "source", "year")
ABOUT_SHEET = "about"
DEFAULT_SHEET = "data"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_MAX_SHEET_NAME = 31
_MAX_COLUMN_WIDTH = 60


# --- neutralising text -----------------------------------------------------------------------


def neutralise(value: object) -> object:
    """A text cell a spreadsheet would run as a formula, made plain text with a leading quote.
    Anything that is not text (numbers, negative ones too, dates, missing values) is returned
    as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _is_text_column(series: pd.Series) -> bool:
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _is_text_column(pd.Series(dtype.categories))
    return pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell (and text header) neutralised; numeric columns
    are left exactly as they are."""
    safe = frame.copy()
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        if not _is_text_column(column):
            continue
        values = column.astype(object)
        if values.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS)).any():
            safe.isetitem(position, values.map(neutralise))
    safe.columns = [neutralise(c) for c in safe.columns]
    return safe


# --- the export frame ------------------------------------------------------------------------


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers are values, not "missing"
        return False


def export_frame(
    frame: pd.DataFrame,
    *,
    demo: bool,
    metric: Metric | ModelledMetric | None = None,
    suppress: bool | None = None,
) -> pd.DataFrame:
    """The frame as it may leave the dashboard.

    Text cells are neutralised; when `suppress` (default: `config.suppress_small_counts()`, on
    unless `KP_DASH_SUPPRESS_SMALL=0`) the disclosure rule applies (`disclosure.protect`: count
    columns below 10 as `<10`, small numerators flagged and not ranked; `metric` says whose
    generic `numerator` and `denominator` a metric frame carries); a `note` column says
    "Demonstration data (simulated)" when `demo`; `source` and `year` are the last two columns
    (a display table's 'Source' and 'Year' are taken as them), added as empty text when the
    frame has none. The input frame is not changed."""
    if suppress is None:
        suppress = config.suppress_small_counts()
    out = frame.reset_index(drop=True)  # a new frame: the caller's is never changed
    if suppress:
        out = disclosure.protect(out, metric)
    if demo:
        if NOTE_COLUMN in out.columns:
            existing = out[NOTE_COLUMN].astype(object)
            out[NOTE_COLUMN] = [
                DEMO_NOTE if _missing(v) or str(v) in ("", DEMO_NOTE) else f"{DEMO_NOTE}; {v}"
                for v in existing
            ]
        else:
            out[NOTE_COLUMN] = DEMO_NOTE
    for column in PROVENANCE_COLUMNS:
        if column in out.columns:
            continue
        shown = next((c for c in out.columns if str(c).casefold() == column), None)
        # a display table names them for people ('Source', 'Year'): the same provenance
        out = (
            out.rename(columns={shown: column}) if shown is not None else out.assign(**{column: ""})
        )
    order = [c for c in out.columns if c not in PROVENANCE_COLUMNS]
    out = out[[*order, *PROVENANCE_COLUMNS]]
    return neutralise_frame(out)


# --- writers ---------------------------------------------------------------------------------


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV bytes, UTF-8 with a byte-order mark (so Excel reads non-ASCII names right), no index.
    Text cells are neutralised (again: harmless after `export_frame`)."""
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8-sig")


def _sheet_name(name: str) -> str:
    cleaned = _BAD_SHEET_CHARS.sub(" ", str(name)).strip().strip("'")[:_MAX_SHEET_NAME].strip()
    if not cleaned or cleaned.lower() == ABOUT_SHEET:
        return DEFAULT_SHEET
    return cleaned


def _naive_datetimes(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel has no time zones: time-zone-aware columns as naive UTC."""
    out = frame
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            if out is frame:
                out = frame.copy()
            out.isetitem(position, column.dt.tz_convert(UTC).dt.tz_localize(None))
    return out


def _export_time() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def xlsx_bytes(
    frame: pd.DataFrame, *, sheet: str = DEFAULT_SHEET, notes: Iterable[str] = ()
) -> bytes:
    """An Excel workbook: the table on `sheet` (bold header row, frozen under it), and an
    `about` sheet listing `notes` and the export time (UTC). Text cells are neutralised."""
    from openpyxl.styles import Font

    table = _naive_datetimes(neutralise_frame(frame))
    name = _sheet_name(sheet)
    lines = [(neutralise(str(note)), None) for note in notes]
    about = pd.DataFrame([*lines, ("Exported at (UTC)", _export_time())], columns=["about", "at"])
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name=name, index=False)
        about.to_excel(writer, sheet_name=ABOUT_SHEET, index=False, header=False)
        data_sheet = writer.sheets[name]
        bold = Font(bold=True)
        for cell in data_sheet[1]:
            cell.font = bold
        data_sheet.freeze_panes = "A2"
        for index, column in enumerate(table.columns, start=1):
            values = table.iloc[:200, index - 1].astype(str)
            width = max([len(str(column)), *values.str.len().tolist()], default=8)
            letter = data_sheet.cell(row=1, column=index).column_letter
            data_sheet.column_dimensions[letter].width = min(width + 2, _MAX_COLUMN_WIDTH)
        about_sheet = writer.sheets[ABOUT_SHEET]
        about_sheet.column_dimensions["A"].width = 100
        about_sheet.column_dimensions["B"].width = 24
    return buffer.getvalue()


# --- GeoJSON ---------------------------------------------------------------------------------


def _json_value(value: object) -> object:
    """A cell as JSON: missing and empty text as null, numpy scalars as Python ones."""
    if _missing(value):
        return None
    if isinstance(value, str):
        return neutralise(value) if value != "" else None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        number = float(value)
        return number if math.isfinite(number) else None
    return str(value)


def _year_value(value: object) -> object:
    value = _json_value(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def geojson_bytes(layer: DistrictLayer, values: pd.DataFrame) -> bytes:
    """The layer's districts as a GeoJSON FeatureCollection (feature id = district code) whose
    properties are district_code, district_name, value, source and year from `values` (one row
    per `district_code`); a district without a row, or with a missing value, has null. A `note`
    column and the `small_numerator` flag in `values` (see `export_frame`) are carried too."""
    from kp_dash.store import geo

    if "district_code" not in values.columns:
        raise ValueError("values need a district_code column")
    duplicated = values["district_code"][values["district_code"].duplicated()]
    if not duplicated.empty:
        raise ValueError(f"values have several rows for {', '.join(map(str, duplicated.unique()))}")
    rows = values.set_index(values["district_code"].astype(str), drop=False)
    extra = tuple(c for c in (NOTE_COLUMN, disclosure.SMALL_NUMERATOR) if c in values.columns)
    collection = geo.layer_geojson(layer)
    features = []
    for feature in collection["features"]:
        shape = feature.get("properties") or {}
        code = str(shape.get("district_code", feature.get("id")))
        row = rows.loc[code] if code in rows.index else None
        name = shape.get("district_name")
        if _missing(name) and row is not None and "district_name" in rows.columns:
            name = row["district_name"]  # the layer's own name wins; this only fills a gap
        properties = {"district_code": code, "district_name": _json_value(name)}
        for column in ("value", "source", *extra):
            properties[column] = (
                _json_value(row[column]) if row is not None and column in rows.columns else None
            )
        year = row["year"] if row is not None and "year" in rows.columns else None
        properties["year"] = _year_value(year)
        ordered = {k: properties[k] for k in (*GEOJSON_PROPERTIES, *extra)}
        features.append(
            {"type": "Feature", "id": code, "properties": ordered, "geometry": feature["geometry"]}
        )
    out = {"type": "FeatureCollection", "features": features}
    return json.dumps(out, separators=(",", ":"), allow_nan=False, ensure_ascii=False).encode(
        "utf-8"
    )
