"""How a district profile looks: its heading, the notes under each section, the display tables
of its figures, services, rankings and excluded groups, the completeness sentence, and the
services frame made fit for a sheet. Frames in (from `numbers.profile` and
`numbers.profile_usage`), text and frames of text out; 'No data', never 0, where a value is
missing."""

from __future__ import annotations

import functools

import pandas as pd

from kp_dash.numbers import analysis, profile, source_texts
from kp_dash.numbers.profile import FIGURES, LEVELS, NO_DATA
from kp_dash.views import language
from kp_dash.views.group_tables import group_name, round_people
from kp_dash.views.language import N_

# what the page says under each section (before the numbers of the sources it cites)
FIGURES_NOTE = N_(
    "Division and province: numerators and denominators summed over their districts, never an "
    "average of district rates; people the e-services cannot reach online = population × "
    "(1 − access index ÷ 100), a survey-based estimate."
)
SERVICES_NOTE = N_(
    "Digital transactions (online, mobile app) per 1,000 eligible people (Census 2023); the "
    "sparkline shows the 12 months up to the end of the period."
)
GROUPS_NOTE = N_(
    "Rate ratio = the group's digital uptake ÷ its comparison's in this district (merged and "
    "low-literacy groups: the district ÷ the districts outside the group); parity 0.98–1.02."
)
RANKINGS_NOTE = N_("1 = best by each metric's direction; a district without data is not ranked.")
DIVISION = N_("{division} division")


def district_heading(
    register: pd.DataFrame, district_code: str, lang: str = language.DEFAULT
) -> str:
    """'Bajaur — Malakand division · merged district (ex-FATA) · 1,290 km²'."""
    row = profile.district_row(register, district_code)
    division = language.name("division", row["division"], row["division"], lang)
    parts = [language.say(DIVISION, lang, division=division)]
    if bool(row["is_merged"]):
        parts.append(language.text(N_("merged district (ex-FATA)"), lang))
    if not pd.isna(row["area_km2"]):
        parts.append(language.say(N_("{area} km²"), lang, area=f"{row['area_km2']:,.0f}"))
    name = language.name("district", district_code, row["district_name"], lang)
    return f"{name} — " + " · ".join(parts)


def _format(value: object, decimals: int, lang: str = language.DEFAULT) -> str:
    if value is None or pd.isna(value):
        return language.text(NO_DATA, lang)
    return f"{float(value):,.{decimals}f}"


def area_name(level: str, area: str, code: str, lang: str) -> str:
    """A profile's district, division or province as `lang` names it."""
    if lang == language.DEFAULT:
        return area
    if level == "division":
        division = area.removesuffix(" division")
        named = language.name("division", division, division, lang)
        return language.say(DIVISION, lang, division=named)
    return language.name(level, "KP" if level == "province" else code, area, lang)


def figures_display(
    frame: pd.DataFrame, lang: str = language.DEFAULT, code: str = ""
) -> pd.DataFrame:
    """The figures for people: one row per figure, the district, division and province side by
    side as text ('No data', never 0), survey-based people estimates rounded; in `lang`."""
    by_code = {f.code: f for f in FIGURES}
    areas = [frame.loc[frame["level"] == level, "area"].iloc[0] for level in LEVELS]
    shown_areas = [area_name(lv, a, code, lang) for lv, a in zip(LEVELS, areas, strict=True)]
    say = functools.partial(language.text, lang=lang)
    rows = []
    for figure_code, part in frame.groupby("figure", sort=False):
        figure = by_code[figure_code]
        row = {"Figure": say(figure.label)}
        for level, area in zip(LEVELS, shown_areas, strict=True):
            cell = part[part["level"] == level].iloc[0]
            row[area] = (
                round_people(cell["value"], lang)
                if figure.unit.endswith("(estimate)")
                else _format(cell["value"], figure.decimals, lang)
            )
        row["Unit"] = say(figure.unit)
        row["Source"] = language.source(source_texts.joined(part["source"]), lang)
        row["Year"] = analysis.year_span(" ".join(part["year"]))
        row["Note"] = _figure_note(part, lang)
        rows.append(row)
    columns = [N_("Figure"), *shown_areas, N_("Unit"), N_("Source"), N_("Year"), N_("Note")]
    shown = pd.DataFrame(rows, columns=columns)
    return shown.rename(columns={c: say(c) for c in columns})


def _figure_note(part: pd.DataFrame, lang: str = language.DEFAULT) -> str:
    notes = []
    district = part[part["level"] == "district"].iloc[0]
    if district["parent_estimate"]:
        notes.append(N_("the district carries its parent district's survey value"))
    elif part["parent_estimate"].any():
        notes.append(N_("division or province includes parent-district survey values"))
    notes = [language.text(note, lang) for note in notes]
    partial = part[
        (part["level"] != "district") & (part["districts_with_data"] < part["districts"])
    ]
    for cell in partial.itertuples(index=False):
        notes.append(
            language.say(
                N_("{area}: {count} of {total} districts"),
                lang,
                area=area_name(cell.level, cell.area, "", lang),
                count=cell.districts_with_data,
                total=cell.districts,
            )
        )
    return ("; " if lang == language.DEFAULT else "؛ ").join(notes)


def for_export(frame: pd.DataFrame) -> pd.DataFrame:
    """A profile frame for CSV / Excel: without the list columns (sparklines) a sheet cannot
    hold; counts stay counts and missing values stay empty (never 0)."""
    lists = [c for c in frame.columns if frame[c].map(lambda v: isinstance(v, list)).any()]
    return frame.drop(columns=lists)


SPARKLINE = N_("Last 12 months")
SERVICE_COLUMNS = {
    "service_name": N_("Service"),
    "uptake_per_1000": N_("Uptake per 1,000 eligible"),
    "province_uptake_per_1000": N_("Province uptake per 1,000"),
    "digital_share_pct": N_("Digital share (%)"),
    "female_share_pct": N_("Women's share of digital use (%)"),
    "trend": SPARKLINE,
    "target_status": N_("Target status"),
    "target_detail": N_("Target detail"),
    "source": N_("Source"),
    "year": N_("Year"),
}
SERVICE_DECIMALS = {"uptake_per_1000": 2, "province_uptake_per_1000": 2,
                    "digital_share_pct": 1, "female_share_pct": 1}  # fmt: skip


def service_display(table: pd.DataFrame, lang: str = language.DEFAULT) -> pd.DataFrame:
    """The service table for people; `Last 12 months` stays a list for a sparkline column."""
    say = functools.partial(language.text, lang=lang)
    shown = pd.DataFrame(index=table.index)
    for column, header in SERVICE_COLUMNS.items():
        values = table[column]
        if column in SERVICE_DECIMALS:
            values = values.map(lambda v, d=SERVICE_DECIMALS[column]: _format(v, d, lang))
        elif column == "service_name":
            values = [
                language.name("service", c, n, lang)
                for c, n in zip(table["service_code"], values, strict=True)
            ]
        elif column == "target_status":
            values = values.map(lambda v: say(str(v)))
        shown[say(header)] = values
    return shown.reset_index(drop=True)


BEST = {"higher_is_better": N_("highest"), "lower_is_better": N_("lowest"),
        "neutral": N_("highest")}  # fmt: skip


def rankings_display(table: pd.DataFrame, lang: str = language.DEFAULT) -> pd.DataFrame:
    say = functools.partial(language.text, lang=lang)
    position = N_("{rank} of {ranked}")
    places = [
        p
        if lang == language.DEFAULT or pd.isna(r)
        else language.say(position, lang, rank=int(r), ranked=n)
        for p, r, n in zip(table["position"], table["rank"], table["ranked"], strict=True)
    ]
    columns = {
        N_("Metric"): table["label"].map(say),
        N_("Value"): table["shown"].map(lambda v: say(str(v)) if v == NO_DATA else v),
        N_("Unit"): table["unit"].map(say),
        N_("Rank"): places,
        N_("1 ="): table["direction"].map(lambda d: say(BEST[d])),
        N_("Source"): table["source"],
        N_("Year"): table["year"],
    }
    return pd.DataFrame({say(header): values for header, values in columns.items()})


def groups_display(table: pd.DataFrame, lang: str = language.DEFAULT) -> pd.DataFrame:
    say = functools.partial(language.text, lang=lang)

    keys = table["group_key"]
    return pd.DataFrame(
        {
            say(N_("Group")): [
                group_name(k, g, lang) for k, g in zip(keys, table["group"], strict=True)
            ],
            say(N_("Compared with")): table["comparison"].map(say),
            say(N_("Rate ratio (1 = parity)")): table["ratio"].map(lambda v: _format(v, 2, lang)),
            say(N_("Parity band (0.98–1.02)")): table["parity_band"].map(lambda v: say(str(v))),
            say(N_("Note")): table["status"].map(lambda v: say(str(v)) if v else ""),
        }
    )


def completeness_sentence(row: pd.DataFrame, lang: str = language.DEFAULT) -> str:
    """'Received 34 of 36 months × services (94.4 %; province 97.0 %). No data at all in …'."""
    cell = row.iloc[0]
    say = functools.partial(language.say, lang=lang)
    if not cell["expected"]:
        return say(N_("{no_data}: no usage data in this selection."), no_data=say(NO_DATA))
    text = say(
        N_(
            "Received {received} of {expected} months × services ({share} %; province "
            "{province} %) over {months} months and {services} services."
        ),
        received=f"{cell['received']:,}",
        expected=f"{cell['expected']:,}",
        share=f"{cell['completeness_pct']:.1f}",
        province=f"{cell['province_completeness_pct']:.1f}",
        months=cell["months"],
        services=cell["services"],
    )
    missing = cell["months_no_data"]
    if missing:
        text += " " + say(
            N_("Nothing at all in {count} month(s): {months}."),
            count=len(missing),
            months=", ".join(missing),
        )
    return text
