"""How the data-quality answers look: the completeness heat map (*no data* in its own grey trace,
never a zero on the colour scale), the import log with its column names, tables with the names
people read and estimates rounded, and their CSV downloads (`kp_dash.views.exports` rules).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from kp_dash.numbers import freshness, quality
from kp_dash.store import contract
from kp_dash.views import exports, palettes

NO_DATA = "No data"
NO_DATA_COLOUR = palettes.NO_DATA
SHARE_COLOURS = palettes.SHARE_SCALE
# a spreadsheet runs a cell starting with these as a formula (CONTRACTS.md: neutralise)
FORMULA_STARTS = contract.FORMULA_STARTS
DEMO_NOTE = "Demonstration data (simulated, not real usage)"
HOW_TO_IMPORT = (
    "Import a department file with `python -m kp_dash import FILE` or on the Data page; "
    "accepted batches are listed here."
)
IMPORT_LOG_COLUMNS = {
    "batch_id": "Batch",
    "kind": "Kind",
    "file_name": "File",
    "rows": "Rows",
    "months": "Months",
    "imported_at": "Imported at (UTC)",
    "who": "Imported by",
    "status": "Status",
    "withdrawn_at": "Withdrawn at (UTC)",
    "withdrawn_by": "Withdrawn by",
}
DISPLAY_DECIMALS = {"expected": 1, "seasonal_index": 3, "z": 2, "reference": 1}
# monthly transaction counts, as the outliers table names them: exports show 1 to 9 as `<10`
OUTLIER_COUNTS = ("Value", "Expected")
# column names people read, for every frame `kp_dash.numbers.quality` and `freshness` return
LABELS = {
    "district_code": "District code",
    "district_name": "District",
    "service_code": "Service",
    "month": "Month",
    "year": "Year",
    "expected": "Expected",
    "received": "Received",
    "row_count": "Rows",
    "transactions": "Transactions",
    "completeness_pct": "Completeness (%)",
    "months_no_data": "Months with no data",
    "kind": "Kind",
    "name": "Batch or table",
    "file": "File",
    "source": "Source",
    "months_covered": "Months covered",
    "imported_at": "Imported at (UTC)",
    "lag_days": "Lag after the last month (days)",
    "age_years": "Age (years)",
    "value": "Value",
    "seasonal_index": "Seasonal index",
    "z": "Modified z",
    "direction": "Direction",
    "check_label": "Check",
    "reference": "Compared with",
    "message": "What is wrong",
    "files": "Files",
}


def completeness_heatmap(frame: pd.DataFrame) -> go.Figure:
    """District × month heat map of the share of expected services received. A cell where nothing
    was received is *no data*: drawn grey in its own trace, never as a zero on the colour scale."""
    figure = go.Figure()
    if frame.empty:
        figure.add_annotation(text="No usage data", showarrow=False)
        figure.update_layout(xaxis_visible=False, yaxis_visible=False, height=200)
        return figure
    cells = quality.completeness_cells(frame)
    hover = (
        "District: " + cells["district_name"] + "<br>Month: " + cells["month"] + "<br>"
    ) + cells.apply(
        lambda c: (
            (
                f"{NO_DATA} ({c.expected} service(s) expected)"
                if c.received == 0
                else f"Received {c.received} of {c.expected} service(s) ({c.share:.0%})"
            )
            + f"<br>Rows: {c.row_count:,}"
        ),
        axis=1,
    )
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
            name="Share received",
            zmin=0,
            zmax=1,
            colorscale=SHARE_COLOURS,
            colorbar={"title": {"text": "Received ÷<br>expected"}, "tickformat": ".0%"},
            **common,
        )
    )
    figure.add_trace(
        go.Heatmap(
            z=no_data.to_numpy(),
            name=NO_DATA,
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
    covered, when and by whom it was imported, and whether it was later withdrawn."""
    log = freshness.imports(manifest)
    return log[list(IMPORT_LOG_COLUMNS)].rename(columns=IMPORT_LOG_COLUMNS)


def for_display(frame: pd.DataFrame) -> pd.DataFrame:
    """The same frame with the column names people read, estimates rounded to what they can
    tell (the check's code is dropped: its label is shown)."""
    shown = frame.drop(columns=[c for c in ("check",) if c in frame])
    shown = shown.round({c: d for c, d in DISPLAY_DECIMALS.items() if c in shown})
    return shown.rename(columns={c: LABELS.get(c, c) for c in shown.columns})


def export_csv(frame: pd.DataFrame, demo: bool = False) -> bytes:
    """CSV bytes (UTF-8 with BOM, for Excel) of a table as shown, text cells neutralised
    (`kp_dash.views.exports`); demonstration data says so in a column of its own."""
    shown = for_display(frame)
    if demo:
        shown = shown.assign(Note=DEMO_NOTE)
    return exports.csv_bytes(shown)
