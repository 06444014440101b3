"""How the data-quality answers look: the completeness heat map (*no data* in its own grey trace,
never a zero on the colour scale), the import log with its column names, tables with the names
people read and estimates rounded, and their CSV downloads (`kp_dash.views.exports` rules).
"""

from __future__ import annotations

import functools

import pandas as pd
import plotly.graph_objects as go

from kp_dash.numbers import freshness, quality
from kp_dash.store import build, contract, districts
from kp_dash.views import exports, language, palettes
from kp_dash.views.language import N_

NO_DATA = N_("No data")
NO_DATA_COLOUR = palettes.NO_DATA
SHARE_COLOURS = palettes.SHARE_SCALE
# a spreadsheet runs a cell starting with these as a formula (CONTRACTS.md: neutralise)
FORMULA_STARTS = contract.FORMULA_STARTS
DEMO_NOTE = "Demonstration data (simulated, not real usage)"
HOW_TO_IMPORT = N_(
    "Import a department file with `python -m kp_dash import FILE` or on the Data page; "
    "accepted batches are listed here."
)
IMPORT_LOG_COLUMNS = {
    "batch_id": N_("Batch"),
    "kind": N_("Kind"),
    "file_name": N_("File"),
    "rows": N_("Rows"),
    "months": N_("Months"),
    "imported_at": N_("Imported at (UTC)"),
    "who": N_("Imported by"),
    "status": N_("Status"),
    "withdrawn_at": N_("Withdrawn at (UTC)"),
    "withdrawn_by": N_("Withdrawn by"),
}
DISPLAY_DECIMALS = {"expected": 1, "seasonal_index": 3, "z": 2, "reference": 1}
# monthly transaction counts, as the outliers table names them: exports show 1 to 9 as `<10`
OUTLIER_COUNTS = ("Value", "Expected")
# column names people read, for every frame `kp_dash.numbers.quality` and `freshness` return
LABELS = {
    "district_code": N_("District code"),
    "district_name": N_("District"),
    "service_code": N_("Service"),
    "month": N_("Month"),
    "year": N_("Year"),
    "expected": N_("Expected"),
    "received": N_("Received"),
    "row_count": N_("Rows"),
    "transactions": N_("Transactions"),
    "completeness_pct": N_("Completeness (%)"),
    "months_no_data": N_("Months with no data"),
    "kind": N_("Kind"),
    "name": N_("Batch or table"),
    "file": N_("File"),
    "source": N_("Source"),
    "months_covered": N_("Months covered"),
    "imported_at": N_("Imported at (UTC)"),
    "lag_days": N_("Lag after the last month (days)"),
    "age_years": N_("Age (years)"),
    "value": N_("Value"),
    "seasonal_index": N_("Seasonal index"),
    "z": N_("Modified z"),
    "direction": N_("Direction"),
    "check_label": N_("Check"),
    "reference": N_("Compared with"),
    "message": N_("What is wrong"),
    "files": N_("Files"),
}


# what the cells of those frames say in words, read in the page's language
CELL_WORDS = {
    "kind": {"usage (demonstration)": N_("usage (demonstration)"), "usage": N_("usage"),
             "seed": N_("seed")},
    "direction": {"high": N_("high"), "low": N_("low")},
    "check_label": {label: label for label in quality.CHECKS.values()},  # marked there
    "source": {build.DEMO_SOURCE: N_("Demonstration data (simulated, not real usage)")},
}  # fmt: skip
HOVER = N_("District: {district}<br>Month: {month}<br>{received}<br>Rows: {rows}")
NOTHING_RECEIVED = N_("No data ({expected} service(s) expected)")
RECEIVED = N_("Received {received} of {expected} service(s) ({share})")


def completeness_heatmap(frame: pd.DataFrame, lang: str = language.DEFAULT) -> go.Figure:
    """District × month heat map of the share of expected services received. A cell where nothing
    was received is *no data*: drawn grey in its own trace, never as a zero on the colour scale."""
    figure = go.Figure()
    say = functools.partial(language.say, lang=lang)
    if frame.empty:
        figure.add_annotation(text=say(N_("No usage data")), showarrow=False)
        figure.update_layout(xaxis_visible=False, yaxis_visible=False, height=200)
        return figure
    cells = quality.completeness_cells(frame)
    cells["district_name"] = _district_names(cells["district_name"], lang)

    def hover_text(cell) -> str:
        counts = {"expected": cell.expected, "received": cell.received}
        received = (
            say(NOTHING_RECEIVED, **counts)
            if cell.received == 0
            else say(RECEIVED, **counts, share=f"{cell.share:.0%}")
        )
        rows = language.number(cell.row_count, lang)
        return say(
            HOVER, district=cell.district_name, month=cell.month, received=received, rows=rows
        )

    hover = cells.apply(hover_text, axis=1)
    cells = cells.assign(hover=hover)
    shares = cells.pivot(index="district_name", columns="month", values="share")
    texts = cells.pivot(index="district_name", columns="month", values="hover")
    has_data = shares.where(shares > 0)
    no_data = shares.where(shares == 0).notna().astype(float).where(shares == 0)
    common = {
        "x": list(shares.columns),
        "y": list(shares.index),
        "text": texts.to_numpy(),
        "hovertemplate": "%{text}<extra></extra>",
        "hoverongaps": False,
        "xgap": 1,
        "ygap": 1,
    }
    figure.add_trace(
        go.Heatmap(
            z=has_data.to_numpy(),
            name=say(N_("Share received")),
            zmin=0,
            zmax=1,
            colorscale=SHARE_COLOURS,
            colorbar={"title": {"text": say(N_("Received ÷<br>expected"))}, "tickformat": ".0%"},
            **common,
        )
    )
    figure.add_trace(
        go.Heatmap(
            z=no_data.to_numpy(),
            name=say(NO_DATA),
            colorscale=[[0, NO_DATA_COLOUR], [1, NO_DATA_COLOUR]],
            showscale=False,
            showlegend=True,
            **common,
        )
    )
    figure.update_layout(
        height=max(300, 18 * len(shares.index) + 120),
        yaxis={"autorange": "reversed", "title": None},
        xaxis={"title": None, "type": "category"},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"},
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
    )
    return figure


def import_log(manifest: pd.DataFrame | None) -> pd.DataFrame:
    """Every import, newest first, with people-readable columns: batch, kind, file, rows, months
    covered, when and by whom it was imported, and whether it was later withdrawn (headed in
    Urdu by `for_display`, whose catalogue has these headers too)."""
    log = freshness.imports(manifest)
    return log[list(IMPORT_LOG_COLUMNS)].rename(columns=IMPORT_LOG_COLUMNS)


def for_display(frame: pd.DataFrame, lang: str = language.DEFAULT) -> pd.DataFrame:
    """The same frame with the column names people read, estimates rounded to what they can
    tell (the check's code is dropped: its label is shown); in Urdu, district names from the
    register and the cells' words from the catalogue (sources keep their own names)."""
    shown = frame.drop(columns=[c for c in ("check",) if c in frame])
    shown = shown.round({c: d for c, d in DISPLAY_DECIMALS.items() if c in shown})
    if lang != language.DEFAULT:
        shown = shown.copy()
        if "district_name" in shown:
            shown["district_name"] = _district_names(shown["district_name"], lang)
        for column, words in CELL_WORDS.items():
            if column in shown:
                said = {cell: language.text(word, lang) for cell, word in words.items()}
                shown[column] = shown[column].map(lambda cell, said=said: said.get(cell, cell))
    return shown.rename(columns={c: language.text(LABELS.get(c, c), lang) for c in shown.columns})


def _district_names(names: pd.Series, lang: str) -> pd.Series:
    """English district names as `lang` writes them (by the register's codes)."""
    if lang == language.DEFAULT:
        return names
    register = districts.load_register()
    codes = dict(zip(register["district_name"], register["district_code"], strict=True))
    return names.map(lambda name: language.name("district", codes.get(name), name, lang))


def export_csv(frame: pd.DataFrame, demo: bool = False) -> bytes:
    """CSV bytes (UTF-8 with BOM, for Excel) of a table as shown, text cells neutralised
    (`kp_dash.views.exports`); demonstration data says so in a column of its own."""
    shown = for_display(frame)
    if demo:
        shown = shown.assign(Note=DEMO_NOTE)
    return exports.csv_bytes(shown)
