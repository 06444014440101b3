"""Every map's data as a table, one click away under the map (`ui.map_as_table`): each district
the map draws, in the map's order of classes, with what its colour stands for in words and the
source and year of its value. A reader who cannot tell the colours apart, or uses a screen
reader or the keyboard, reads the same figures here. Pure builders: frames in, frames out."""

from __future__ import annotations

import pandas as pd

from kp_dash.store.geo import DistrictLayer
from kp_dash.views import bivariate, language, maps
from kp_dash.views.language import N_

DISTRICT, VALUE, CLASS, SOURCE = N_("District"), N_("Value"), N_("Class"), N_("Source (year)")


def _source(frame: pd.DataFrame) -> list[str]:
    return [
        maps.NOT_GIVEN if s == maps.NOT_GIVEN else f"{s} ({y})" if y != maps.NOT_GIVEN else s
        for s, y in zip(frame["source"], frame["year"], strict=True)
    ]


def _names(frame: pd.DataFrame, lang: str) -> list[str]:
    return [
        language.name("district", code, name, lang)
        for code, name in zip(frame["district_code"], frame["district_name"], strict=True)
    ]


def choropleth_table(
    layer: DistrictLayer,
    values: pd.DataFrame,
    *,
    unit: str,
    higher_is_better: bool = True,
    value_format: str = "{:,.1f}",
    breaks: tuple[float, ...] | None = None,
    outside: frozenset[str] = frozenset(),
    lang: str = language.DEFAULT,
) -> pd.DataFrame:
    """The district map as a table: district, value, its class (the legend's range) and source,
    highest value first; no data last and named so. A district officer's table holds their own
    districts alone (a table row names a district; the map only draws the others' shapes)."""
    frame, _ = maps.classified(layer, values, unit, higher_is_better, value_format, breaks)
    frame = frame[~frame["district_code"].isin(outside)]
    frame = frame.sort_values(["value", "district_name"], ascending=[False, True])
    say = language_text(lang)
    no_data = say(maps.NO_DATA)
    table = pd.DataFrame(
        {
            say(DISTRICT): _names(frame, lang),
            say(VALUE): frame["value_text"].where(frame["value"].notna(), no_data),
            say(CLASS): frame["label"].where(frame["label"] != maps.NO_DATA, no_data),
            say(SOURCE): _source(frame),
        }
    )
    return table.reset_index(drop=True)


def bivariate_table(
    layer: DistrictLayer,
    classed: pd.DataFrame,
    lang: str = language.DEFAULT,
    outside: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """The uptake × access map as a table: district, its class in words, uptake and access,
    in the order of the legend square (high uptake and high access first); a district
    officer's own districts alone."""
    say = language_text(lang)
    frame = bivariate.layer_frame(layer, classed)
    frame = frame[~frame["district_code"].isin(outside)]
    frame = frame.sort_values(
        ["uptake_class", "access_class", "district_name"],
        ascending=[False, False, True],
        na_position="last",
    )
    return pd.DataFrame(
        {
            say(DISTRICT): _names(frame, lang),
            say(CLASS): [bivariate.class_words(c, lang) for c in frame["bivariate_class"]],
            say(N_("Uptake per 1,000")): [_number(v, say) for v in frame["uptake_per_1000"]],
            say(N_("Access index")): [_number(v, say) for v in frame["access_index"]],
        }
    ).reset_index(drop=True)


def locator_table(register: pd.DataFrame, code: str, lang: str = language.DEFAULT) -> pd.DataFrame:
    """The locator map as a table: the district and the others of its division."""
    say = language_text(lang)
    division = register.loc[register["district_code"] == code, "division"].iloc[0]
    members = register[register["division"] == division].copy()
    members["_own"] = members["district_code"] != code
    members = members.sort_values(["_own", "district_name"])
    this, same, _ = (name for name, _ in maps.LOCATOR_CLASSES)
    return pd.DataFrame(
        {
            say(DISTRICT): _names(members, lang),
            say(N_("Division")): [
                language.name("division", d, d, lang) for d in members["division"]
            ],
            say(CLASS): [say(same) if other else say(this) for other in members["_own"]],
        }
    ).reset_index(drop=True)


def _number(value: float, say) -> str:
    return say(maps.NO_DATA) if pd.isna(value) else f"{value:,.1f}"


def language_text(lang: str):
    """The catalogue's `text` for `lang`, as one-argument function."""
    return lambda message: language.text(message, lang)
