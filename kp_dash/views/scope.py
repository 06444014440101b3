"""What a district officer's maps and map files show of the other districts: every shape stays,
drawn as "Outside your districts" with no value, and their own shapes alone go into a GeoJSON
file. The rows themselves are restricted where they are read (`kp_dash.store.district_rule`);
these builders are told which districts are outside and never look anyone up.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from kp_dash.store.geo import DistrictLayer
from kp_dash.views import language, palettes
from kp_dash.views.language import N_

OUTSIDE = N_("Outside your districts")
OUTSIDE_COLOUR = palettes.OUTSIDE


def mark_outside(
    frame: pd.DataFrame,
    legend: list[tuple[str, str]],
    outside: frozenset[str],
    lang: str = language.DEFAULT,
) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Map rows (district_code, label, hover) with the `outside` districts' class and hover text
    replaced by "Outside your districts" (the hover in `lang`), and that class in the legend."""
    if not outside:
        return frame, legend
    frame = frame.copy()
    out = frame["district_code"].isin(outside)
    frame.loc[out, "label"] = OUTSIDE
    said = language.text(OUTSIDE, lang)
    if "hover" in frame:
        frame.loc[out, "hover"] = "<b>" + frame.loc[out, "district_name"] + "</b><br>" + said
    for column in ("value", "value_text"):
        if column in frame:
            frame.loc[out, column] = float("nan") if column == "value" else said
    shown = set(frame["label"])
    legend = [item for item in legend if item[0] in shown]
    return frame, [*legend, (OUTSIDE, OUTSIDE_COLOUR)]


def own_shapes(layer: DistrictLayer, districts: tuple[str, ...]) -> DistrictLayer:
    """The layer with `districts` alone (what a district officer's GeoJSON holds); the whole
    layer for the province."""
    if not districts:
        return layer
    return dataclasses.replace(layer, gdf=layer.gdf[layer.gdf["district_code"].isin(districts)])
