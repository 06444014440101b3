"""How the excluded groups look: the group table and the unserved table for people, rounded
people estimates, and the district × group heat map of rate ratios. Frames in (from
`numbers.groups` and `numbers.group_rows`), text frames and plotly figures out; 'No data', never 0,
where a value is missing."""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kp_dash.numbers import group_rows
from kp_dash.numbers.groups import GROUPS, NO_DATA
from kp_dash.store import districts
from kp_dash.views import language, palettes
from kp_dash.views.language import N_

GROUP_BY_KEY = {group.key: group for group in GROUPS}
CUT = re.compile(r"≤ ([\d.]+) %")  # the literacy cut in that group's label
SOURCE_KIND_WORDS = {"census": N_("census"), "survey (access index)": N_("survey (access index)"),
                     "demo": N_("demo"), "admin": N_("admin"),
                     "survey (estimate)": N_("survey (estimate)")}  # fmt: skip


def round_people(value: float, lang: str = language.DEFAULT) -> str:
    """A survey-based people estimate for display: two to three significant figures."""
    if pd.isna(value):
        return language.text(NO_DATA, lang)
    if value >= 1_000_000:
        return language.text(N_("≈ {millions} million"), lang).format(
            millions=f"{value / 1_000_000:.1f}"
        )
    step = 1000 if value >= 100_000 else 100 if value >= 1_000 else 10
    return f"≈ {round(value / step) * step:,.0f}"


def _number(value: float, decimals: int, lang: str = language.DEFAULT) -> str:
    return language.text(NO_DATA, lang) if pd.isna(value) else f"{value:,.{decimals}f}"


def group_name(key: str, english: str, lang: str) -> str:
    """A group's label in `lang` (the literacy group's with its cut)."""
    cut = CUT.search(english)
    if cut:
        return language.say(group_rows.LOW_LITERACY, lang, cut=cut.group(1))
    group = GROUP_BY_KEY.get(key)
    return language.text(group.label if group else english, lang)


def _kinds(text: object, lang: str) -> str:
    """ "census; survey (access index)" in `lang`."""
    parts = str(text).split("; ") if isinstance(text, str) and text else []
    return "؛ ".join(language.text(SOURCE_KIND_WORDS.get(p, p), lang) for p in parts)


def district_names(lang: str) -> dict[str, str]:
    """English district name → its name in `lang` (for frames that carry names alone)."""
    register = districts.load_register()
    return {
        name: language.name("district", code, name, lang)
        for code, name in zip(register["district_code"], register["district_name"], strict=True)
    }


def note_in(note: object, lang: str) -> str:
    """An estimate note in `lang`: its parts from the catalogue, the districts it names from
    the register."""
    if lang == language.DEFAULT or not isinstance(note, str) or not note:
        return "" if not isinstance(note, str) else note
    prefix = group_rows.PARENT_NOTE.split("{")[0]
    names = district_names(lang)
    parts = []
    for part in note.split("; "):
        if part.startswith(prefix):
            listed = "، ".join(names.get(n, n) for n in part[len(prefix) :].split(", "))
            parts.append(language.say(group_rows.PARENT_NOTE, lang, names=listed))
        else:
            parts.append(language.text(part, lang))
    return "؛ ".join(parts)


GROUP_COLUMNS = {
    "group": N_("Group"),
    "comparison": N_("Compared with"),
    "group_uptake_per_1000": N_("Uptake of the group (per 1,000 eligible)"),
    "comparison_uptake_per_1000": N_("Uptake of the comparison (per 1,000 eligible)"),
    "ratio": N_("Rate ratio (1 = parity)"),
    "parity_band": N_("Parity band (0.98–1.02)"),
    "representation_ratio": N_("Representation ratio"),
    "female_share_pct": N_("Women's share of digital use (%)"),
    "assisted_share_pct": N_("Assisted-channel share (%)"),
    "people_below_access_median": N_("People in districts below the access median"),
    "status": N_("Status"),
    "estimate_note": N_("Note"),
    "source_kind": N_("Source kind"),
    "source": N_("Source"),
    "year": N_("Year"),
}
DECIMALS = {"group_uptake_per_1000": 2, "comparison_uptake_per_1000": 2, "ratio": 2,
            "representation_ratio": 2, "female_share_pct": 1, "assisted_share_pct": 1,
            "people_below_access_median": 0}  # fmt: skip


def group_display(table: pd.DataFrame, lang: str = language.DEFAULT) -> pd.DataFrame:
    """The group table for people: numbers as text ('No data', never 0, where missing); in
    Urdu, its words from the catalogue."""
    shown = pd.DataFrame(index=table.index)
    for column, header in GROUP_COLUMNS.items():
        values = table[column]
        if column in DECIMALS:
            values = values.map(lambda v, d=DECIMALS[column]: _number(v, d, lang))
        shown[language.text(header, lang)] = values
    status = language.text(N_("Status"), lang)
    shown[status] = table["status"].replace("", N_("ok"))
    if lang != language.DEFAULT:
        group, comparison = (language.text(GROUP_COLUMNS[c], lang) for c in ("group", "comparison"))
        shown[group] = [
            group_name(k, n, lang) for k, n in zip(table["group_key"], table["group"], strict=True)
        ]
        shown[comparison] = table["comparison"].map(lambda c: language.text(c, lang))
        for column in ("parity_band", "status"):
            header = language.text(GROUP_COLUMNS[column], lang)
            shown[header] = shown[header].map(lambda v: language.text(str(v), lang))
        note, kinds = (
            language.text(GROUP_COLUMNS[c], lang) for c in ("estimate_note", "source_kind")
        )
        shown[note] = table["estimate_note"].map(lambda n: note_in(n, lang))
        shown[kinds] = table["source_kind"].map(lambda k: _kinds(k, lang))
    return shown.reset_index(drop=True)


def unserved_display(table: pd.DataFrame, lang: str = language.DEFAULT) -> pd.DataFrame:
    """The unserved table for people: estimates rounded, parent-district values flagged."""
    say = functools.partial(language.text, lang=lang)
    notes = {"KP": N_("includes parent-district survey values"),
             "": N_("access uses parent-district survey values")}  # fmt: skip
    names = [
        language.name("province" if code == "KP" else "district", code, name, lang)
        for code, name in zip(table["district_code"], table["district_name"], strict=True)
    ]
    return pd.DataFrame(
        {
            say(N_("District")): names,
            say(N_("Eligible population")): table["eligible_population"].map(
                lambda v: _number(v, 0, lang)
            ),
            say(N_("Access index (0–100)")): table["access_index"].map(
                lambda v: _number(v, 1, lang)
            ),
            say(N_("People the service cannot reach online (estimate)")): table[
                "unserved_population"
            ].map(lambda v: round_people(v, lang)),
            say(N_("Note")): [
                say(notes["KP" if code == "KP" else ""]) if flag else ""
                for code, flag in zip(
                    table["district_code"], table["access_is_parent_estimate"], strict=True
                )
            ],
            say(N_("Source kind")): say(N_("census; survey (estimate)")),
            say(N_("Source")): table["source"],
            say(N_("Year")): table["year"],
        }
    )


HEAT_HOVER = N_("District: {district}<br>Group: {group}<br>Ratio: {ratio}")


def group_heatmap(matrix: pd.DataFrame, lang: str = language.DEFAULT) -> go.Figure:
    """District × group heat map of rate ratios: a diverging scale centred on 1 (red = the group
    uses the service less than its comparison), 'No data' cells grey, hover with district,
    group and ratio; its words in `lang`."""
    z = matrix.to_numpy(dtype=float)
    names = district_names(lang) if lang != language.DEFAULT else {}
    districts_shown = [names.get(d, d) for d in matrix.index]
    groups_shown = [language.text(g, lang) for g in matrix.columns]  # each a group's `short`
    hover = language.say(HEAT_HOVER, lang, district="%{y}", group="%{x}", ratio="%{z:.2f}")
    no_data = language.text(NO_DATA, lang)
    missing_hover = language.say(HEAT_HOVER, lang, district="%{y}", group="%{x}", ratio=no_data)
    missing = np.where(np.isnan(z), 1.0, np.nan)
    figure = go.Figure(
        [
            go.Heatmap(
                z=z,
                x=groups_shown,
                y=districts_shown,
                zmin=0.0,
                zmid=1.0,
                zmax=2.0,
                colorscale=palettes.RATIO_SCALE,
                colorbar={"title": {"text": language.text(N_("ratio<br>(1 = parity)"), lang)}},
                hovertemplate=hover + "<extra></extra>",
                name=language.text(N_("ratio"), lang),
                xgap=1,
                ygap=1,
            ),
            go.Heatmap(
                z=missing,
                x=groups_shown,
                y=districts_shown,
                colorscale=[[0.0, palettes.NO_DATA], [1.0, palettes.NO_DATA]],
                showscale=False,
                hovertemplate=missing_hover + "<extra></extra>",
                name=no_data,
                xgap=1,
                ygap=1,
            ),
        ]
    )
    figure.update_layout(
        height=max(320, 22 * len(districts_shown) + 140),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"autorange": "reversed", "title": None},
        xaxis={"side": "top", "title": None},
        plot_bgcolor="white",
    )
    return figure
