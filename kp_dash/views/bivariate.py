"""Bivariate map of uptake × access: tercile classes, a 3×3 palette, the map and its legend square.

Pure builders (no streamlit): the district frame of `analysis.district_frame` and a
`geo.DistrictLayer` in, plotly figures out. A district with no uptake or no access figure is its
own grey "No data" class, never the lowest class.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely

from kp_dash.store.geo import DistrictLayer
from kp_dash.views import language, maps, palettes
from kp_dash.views.language import N_
from kp_dash.views.maps import HATCH_LINE, NO_DATA_COLOUR, NO_DATA_LEGEND, area_figure, hatch_lines
from kp_dash.views.uptake_access import NO_DATA, parent_line, per_1000, source_line

# uptake white to orange, access white to blue, both high darkest (`palettes.BIVARIATE`), so
# "connected but not using" (1-3) reads blue and "assisted channels working" (3-1) orange
PALETTE: dict[str, str] = palettes.BIVARIATE
CLASS_WORDS = {1: N_("low"), 2: N_("middle"), 3: N_("high")}
LEGEND_SIZE_PX = 260


@dataclass(frozen=True)
class Terciles:
    """The two tercile breaks of each variable (a value on a break falls in the lower class) and
    the range of the values classed."""

    uptake_breaks: tuple[float, float]
    access_breaks: tuple[float, float]
    uptake_range: tuple[float, float] = (math.nan, math.nan)
    access_range: tuple[float, float] = (math.nan, math.nan)

    def sentence(self, lang: str = language.DEFAULT) -> str:
        """The classes in words, for a caption."""
        return language.say(
            N_(
                "Classes are terciles of the districts with data (a value on a break falls in "
                "the lower class): uptake per 1,000 {uptake}; access index {access}. Grey: no "
                "data (never the lowest class)."
            ),
            lang,
            uptake=_classes_text(self.uptake_breaks, lang),
            access=_classes_text(self.access_breaks, lang),
        )


def _fmt(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.1f}"


def _classes_text(breaks: tuple[float, float], lang: str = language.DEFAULT) -> str:
    low, high = breaks
    if math.isnan(low):
        return language.text(N_("no data to class"), lang)
    return language.say(
        N_("low ≤ {low}, middle ≤ {high}, high > {high}"), lang, low=_fmt(low), high=_fmt(high)
    )


def _breaks(values: pd.Series) -> tuple[tuple[float, float], tuple[float, float]]:
    present = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    if present.empty:
        return (math.nan, math.nan), (math.nan, math.nan)
    low, high = np.quantile(present, [1 / 3, 2 / 3])
    return (float(low), float(high)), (float(present.min()), float(present.max()))


def _classify(values: pd.Series, breaks: tuple[float, float]) -> pd.Series:
    """1-3 by tercile (a value on a break falls in the lower class); <NA> where missing."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    classes = 1 + (numbers > breaks[0]).astype(int) + (numbers > breaks[1]).astype(int)
    return classes.astype("Int64").where(numbers.notna(), pd.NA)


def bivariate_classes(frame: pd.DataFrame) -> tuple[pd.DataFrame, Terciles]:
    """The frame with `uptake_class`, `access_class` (1-3, <NA> where missing), `bivariate_class`
    ("uptake-access", e.g. "3-1", or "No data") and `colour`; and the tercile breaks."""
    uptake_breaks, uptake_range = _breaks(frame["uptake_per_1000"])
    access_breaks, access_range = _breaks(frame["access_index"])
    out = frame.copy()
    out["uptake_class"] = _classify(frame["uptake_per_1000"], uptake_breaks)
    out["access_class"] = _classify(frame["access_index"], access_breaks)
    both = out["uptake_class"].notna() & out["access_class"].notna()
    codes = out["uptake_class"].astype("string") + "-" + out["access_class"].astype("string")
    out["bivariate_class"] = codes.where(both, NO_DATA).astype(object)
    out["colour"] = out["bivariate_class"].map(PALETTE).fillna(NO_DATA_COLOUR)
    return out, Terciles(uptake_breaks, access_breaks, uptake_range, access_range)


def class_words(code: str, lang: str = language.DEFAULT) -> str:
    """A class code in words: "3-1" -> "high uptake, low access"."""
    if code not in PALETTE:
        return language.text(NO_DATA, lang)
    uptake, access = (language.text(CLASS_WORDS[int(part)], lang) for part in code.split("-"))
    return language.say(N_("{uptake} uptake, {access} access"), lang, uptake=uptake, access=access)


def _value(value: object, unit: str, lang: str) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return language.text(NO_DATA, lang)
    return f"{float(value):,.1f}{unit}"


def _hover(row: Any, lang: str = language.DEFAULT) -> str:
    say = functools.partial(language.say, lang=lang)
    name = language.name("district", row.district_code, row.district_name, lang)
    access = _value(row.access_index, " / 100", lang)
    lines = [
        f"<b>{name}</b>",
        say(N_("Uptake: {value} ({word} tercile)"), value=per_1000(row.uptake_per_1000, lang),
            word=_class_word(row.uptake_class, lang)),
        say(N_("Access index: {value} ({word} tercile)"), value=access,
            word=_class_word(row.access_class, lang)),
        say(N_("Class {code}: {words}"), code=_class_code(row.bivariate_class, lang),
            words=class_words(row.bivariate_class, lang)),
        source_line("uptake", row.uptake_source, row.uptake_year, lang),
        source_line("access", row.access_source, row.access_year, lang),
    ]  # fmt: skip
    if bool(getattr(row, "access_is_parent_estimate", False)):
        lines.append(parent_line(lang))
    return "<br>".join(lines)


def _class_code(code: str, lang: str) -> str:
    return code if code in PALETTE else language.text(NO_DATA, lang)


def _class_word(value: object, lang: str = language.DEFAULT) -> str:
    if value is None or value is pd.NA:
        return language.text(NO_DATA, lang).lower()
    return language.text(CLASS_WORDS[int(value)], lang)


def layer_frame(layer: DistrictLayer, classed: pd.DataFrame) -> pd.DataFrame:
    """Layer districts with their classes; a layer district with no row is "No data"."""
    rows = classed.drop_duplicates("district_code").set_index("district_code")
    frame = layer.gdf[["district_code", "district_name"]].reset_index(drop=True)
    frame = frame.join(rows.drop(columns=["district_name"], errors="ignore"), on="district_code")
    frame["bivariate_class"] = frame["bivariate_class"].fillna(NO_DATA)
    frame["colour"] = frame["colour"].fillna(NO_DATA_COLOUR)
    frame["label"] = frame["bivariate_class"]  # what maps.tile_labels reads
    for column in ("uptake_per_1000", "access_index"):
        frame[column] = frame[column].astype(float)
    for column in ("uptake_class", "access_class"):
        frame[column] = frame[column].astype("Int64")
    frame["access_is_parent_estimate"] = (
        frame["access_is_parent_estimate"].fillna(False).astype(bool)
    )
    return frame


def bivariate_map(
    layer: DistrictLayer,
    frame: pd.DataFrame,
    terciles: Terciles,
    highlight: str | None = None,
    outside: frozenset[str] = frozenset(),
    lang: str = language.DEFAULT,
) -> go.Figure:
    """The districts coloured by bivariate class (`frame` from `bivariate_classes`), "No data"
    grey and hatched; `highlight` (a district code) outlined in black on top; words in `lang`.
    The legend is the separate square of `bivariate_legend`, so the map shows none."""
    shown = layer_frame(layer, frame)
    shown["hover"] = [_hover(r, lang) for r in shown.itertuples(index=False)]
    shown = maps.in_language(shown, lang)
    legend = [*PALETTE.items(), (NO_DATA, NO_DATA_COLOUR)]
    names = {code: f"{code}: {class_words(code, lang)}" for code in PALETTE}
    fig = area_figure(
        layer, shown, legend, names=names, highlight=highlight, showlegend=False, outside=outside,
        lang=lang,
    )  # fmt: skip
    fig.update_layout(showlegend=False, meta={"terciles": terciles.sentence(lang)})
    return fig


def _tick_labels(breaks: tuple[float, float], value_range: tuple[float, float]) -> list[str]:
    return [_fmt(v) for v in (value_range[0], *breaks, value_range[1])]


NO_DATA_SWATCH = (0.0, 3.3, 0.4, 3.7)  # x0, y0, x1, y1 above the square
_NO_DATA_NOTE = {
    "text": NO_DATA_LEGEND,
    "x": 0.5,
    "y": 3.5,
    "xref": "x",
    "yref": "y",
    "xanchor": "left",
    "showarrow": False,
    "font": {"size": 12},
}


def bivariate_legend(terciles: Terciles, lang: str = language.DEFAULT) -> go.Figure:
    """The 3×3 legend square: access to the right, uptake upwards, tercile breaks on the axes,
    and a grey "No data" swatch above; its words in `lang`."""
    shapes = []
    for code, colour in PALETTE.items():
        uptake, access = (int(part) for part in code.split("-"))
        shapes.append(
            {"type": "rect", "x0": access - 1, "x1": access, "y0": uptake - 1, "y1": uptake,
             "fillcolor": colour, "line": {"color": "white", "width": 2}, "name": code,
             "layer": "below"}
        )  # fmt: skip
    # the "No data" swatch sits above the square, so the access ticks stay right under it
    shapes.append(
        {"type": "rect", "x0": NO_DATA_SWATCH[0], "x1": NO_DATA_SWATCH[2],
         "y0": NO_DATA_SWATCH[1], "y1": NO_DATA_SWATCH[3], "fillcolor": NO_DATA_COLOUR,
         "line": {"color": "white", "width": 2}, "name": NO_DATA, "layer": "below"}
    )  # fmt: skip
    fig = go.Figure()
    # the swatch carries the same hatching as the "No data" districts on the map
    xs, ys = hatch_lines([shapely.box(*NO_DATA_SWATCH)], spacing=0.12)
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=HATCH_LINE, hoverinfo="skip",
                             showlegend=False, name=NO_DATA_LEGEND))  # fmt: skip
    # an invisible trace per cell so hovering a cell names its class
    centres = [(int(c.split("-")[1]) - 0.5, int(c.split("-")[0]) - 0.5, c) for c in PALETTE]
    fig.add_trace(
        go.Scatter(
            x=[x for x, _, _ in centres],
            y=[y for _, y, _ in centres],
            mode="markers",
            marker={"size": 30, "opacity": 0},
            text=[f"{c}: {class_words(c, lang)}" for _, _, c in centres],
            hovertemplate="%{text}<extra></extra>",
            showlegend=False,
        )
    )
    # constrain="domain": square cells by shrinking the plot area, not by stretching the ranges
    axis = {
        "showgrid": False,
        "zeroline": False,
        "fixedrange": True,
        "tickvals": [0, 1, 2, 3],
        "constrain": "domain",
    }
    fig.update_layout(
        shapes=shapes,
        annotations=[{**_NO_DATA_NOTE, "text": language.text(NO_DATA_LEGEND, lang)}],
        xaxis={
            **axis,
            "range": [-0.05, 3.05],
            "ticktext": _tick_labels(terciles.access_breaks, terciles.access_range),
            "title": {"text": language.text(N_("Access →"), lang)},
        },
        yaxis={
            **axis,
            "range": [-0.05, 3.8],
            "ticktext": _tick_labels(terciles.uptake_breaks, terciles.uptake_range),
            "title": {"text": language.text(N_("Uptake →"), lang)},
            "scaleanchor": "x",
        },
        width=LEGEND_SIZE_PX,
        height=LEGEND_SIZE_PX + 60,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        plot_bgcolor="white",
    )
    return fig
