"""How a district profile looks: its heading, the notes under each section, the display tables
of its figures, services, rankings and excluded groups, the completeness sentence, and the
services frame made fit for a sheet. Frames in (from `numbers.profile` and
`numbers.profile_usage`), text and frames of text out; 'No data', never 0, where a value is
missing."""

from __future__ import annotations

import pandas as pd

from kp_dash.numbers import analysis, profile, source_texts
from kp_dash.numbers.profile import FIGURES, LEVELS, NO_DATA
from kp_dash.views.group_tables import round_people

# what the page says under each section (before the numbers of the sources it cites)
FIGURES_NOTE = (
    "Division and province: numerators and denominators summed over their districts, never an "
    "average of district rates; people the e-services cannot reach online = population × "
    "(1 − access index ÷ 100), a survey-based estimate."
)
SERVICES_NOTE = (
    "Digital transactions (online, mobile app) per 1,000 eligible people (Census 2023); the "
    "sparkline shows the 12 months up to the end of the period."
)
GROUPS_NOTE = (
    "Rate ratio = the group's digital uptake ÷ its comparison's in this district (merged and "
    "low-literacy groups: the district ÷ the districts outside the group); parity 0.98–1.02."
)
RANKINGS_NOTE = "1 = best by each metric's direction; a district without data is not ranked."


def district_heading(register: pd.DataFrame, district_code: str) -> str:
    """'Bajaur — Malakand division · merged district (ex-FATA) · 1,290 km²'."""
    row = profile.district_row(register, district_code)
    parts = [f"{row['division']} division"]
    if bool(row["is_merged"]):
        parts.append("merged district (ex-FATA)")
    if not pd.isna(row["area_km2"]):
        parts.append(f"{row['area_km2']:,.0f} km²")
    return f"{row['district_name']} — " + " · ".join(parts)


def _format(value: object, decimals: int) -> str:
    if value is None or pd.isna(value):
        return NO_DATA
    return f"{float(value):,.{decimals}f}"


def figures_display(frame: pd.DataFrame) -> pd.DataFrame:
    """The figures for people: one row per figure, the district, division and province side by
    side as text ('No data', never 0), survey-based people estimates rounded."""
    by_code = {f.code: f for f in FIGURES}
    areas = [frame.loc[frame["level"] == level, "area"].iloc[0] for level in LEVELS]
    rows = []
    for code, part in frame.groupby("figure", sort=False):
        figure = by_code[code]
        row = {"Figure": figure.label}
        for level, area in zip(LEVELS, areas, strict=True):
            cell = part[part["level"] == level].iloc[0]
            row[area] = (
                round_people(cell["value"])
                if figure.unit.endswith("(estimate)")
                else _format(cell["value"], figure.decimals)
            )
        row["Unit"] = figure.unit
        row["Source"] = source_texts.joined(part["source"])
        row["Year"] = analysis.year_span(" ".join(part["year"]))
        row["Note"] = _figure_note(part)
        rows.append(row)
    return pd.DataFrame(rows, columns=["Figure", *areas, "Unit", "Source", "Year", "Note"])


def _figure_note(part: pd.DataFrame) -> str:
    notes = []
    district = part[part["level"] == "district"].iloc[0]
    if district["parent_estimate"]:
        notes.append("the district carries its parent district's survey value")
    elif part["parent_estimate"].any():
        notes.append("division or province includes parent-district survey values")
    partial = part[
        (part["level"] != "district") & (part["districts_with_data"] < part["districts"])
    ]
    for cell in partial.itertuples(index=False):
        notes.append(f"{cell.area}: {cell.districts_with_data} of {cell.districts} districts")
    return "; ".join(notes)


def for_export(frame: pd.DataFrame) -> pd.DataFrame:
    """A profile frame for CSV / Excel: without the list columns (sparklines) a sheet cannot
    hold; counts stay counts and missing values stay empty (never 0)."""
    lists = [c for c in frame.columns if frame[c].map(lambda v: isinstance(v, list)).any()]
    return frame.drop(columns=lists)


def service_display(table: pd.DataFrame) -> pd.DataFrame:
    """The service table for people; `Last 12 months` stays a list for a sparkline column."""
    return pd.DataFrame(
        {
            "Service": table["service_name"],
            "Uptake per 1,000 eligible": table["uptake_per_1000"].map(lambda v: _format(v, 2)),
            "Province uptake per 1,000": table["province_uptake_per_1000"].map(
                lambda v: _format(v, 2)
            ),
            "Digital share (%)": table["digital_share_pct"].map(lambda v: _format(v, 1)),
            "Women's share of digital use (%)": table["female_share_pct"].map(
                lambda v: _format(v, 1)
            ),
            "Last 12 months": table["trend"],
            "Target status": table["target_status"],
            "Target detail": table["target_detail"],
            "Source": table["source"],
            "Year": table["year"],
        }
    )


def rankings_display(table: pd.DataFrame) -> pd.DataFrame:
    best = {"higher_is_better": "highest", "lower_is_better": "lowest", "neutral": "highest"}
    return pd.DataFrame(
        {
            "Metric": table["label"],
            "Value": table["shown"],
            "Unit": table["unit"],
            "Rank": table["position"],
            "1 =": table["direction"].map(best),
            "Source": table["source"],
            "Year": table["year"],
        }
    )


def groups_display(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Group": table["group"],
            "Compared with": table["comparison"],
            "Rate ratio (1 = parity)": table["ratio"].map(lambda v: _format(v, 2)),
            "Parity band (0.98–1.02)": table["parity_band"],
            "Note": table["status"],
        }
    )


def completeness_sentence(row: pd.DataFrame) -> str:
    """'Received 34 of 36 months × services (94.4 %; province 97.0 %). No data at all in …'."""
    cell = row.iloc[0]
    if not cell["expected"]:
        return f"{NO_DATA}: no usage data in this selection."
    text = (
        f"Received {cell['received']:,} of {cell['expected']:,} months × services "
        f"({cell['completeness_pct']:.1f} %; province {cell['province_completeness_pct']:.1f} %)"
        f" over {cell['months']} months and {cell['services']} services."
    )
    missing = cell["months_no_data"]
    if missing:
        text += f" Nothing at all in {len(missing)} month(s): {', '.join(missing)}."
    return text
