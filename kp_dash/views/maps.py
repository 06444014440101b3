"""Map builders: a district layer and a values frame in, a plotly figure out (the pydeck
view is `kp_dash.views.decks`).

The values frame has columns `district_code, district_name, value, source, year`; `value` NaN means
no data. Districts in the values but not in the layer are ignored; layer districts without a row
are "No data". Rates are coloured by quantile class; counts are drawn as proportional symbols.
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Iterable
from itertools import pairwise

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely

from kp_dash.store import config
from kp_dash.store.geo import DistrictLayer, layer_geojson
from kp_dash.views import language, palettes, scope
from kp_dash.views.language import N_

NO_DATA = N_("No data")
NOT_GIVEN = "not given"  # source or year of a district with no row in the values
RANGE_DASH = "\u2013"
NO_DATA_COLOUR = palettes.NO_DATA
NO_DATA_LEGEND = N_("No data (hatched grey)")
HOVER = N_("<b>{district}</b><br>{label}: {value}<br>Source: {source} ({year})")
SELECTED = N_("Selected: {district}")
HATCH_LINE = {"color": "#525252", "width": 1}
HATCH_SPACING_DEG = 0.07  # about 7 km: several lines even across Peshawar
AREA_LINE = {"color": "white", "width": 0.8}
HIGHLIGHT_LINE = {"color": "#111111", "width": 4}
TILE_LABEL_PX = 12
TILE_POINT_PX = (
    34  # about a hexagon's width at the default height, so a click anywhere on it counts
)
MAP_HEIGHT_PX = 520
LOCATOR_HEIGHT_PX = 360
TILE_PX = 512  # both plotly's map and deck.gl use 512-pixel tiles for zoom levels


def hex_to_rgba(colour: str, alpha: int = 220) -> list[int]:
    colour = colour.lstrip("#")
    return [int(colour[i : i + 2], 16) for i in (0, 2, 4)] + [alpha]


def _palette(n: int, higher_is_better: bool) -> list[str]:
    """`n` colours ordered by ascending value: darker = better (or worse when lower is better)."""
    colours = list(palettes.MAP_CLASSES[n])
    return colours if higher_is_better else colours[::-1]


def _class_labels(breaks: np.ndarray, value_format: str) -> list[str]:
    for fmt in (value_format, "{:,.3g}", "{:,.6g}"):
        labels = [f"{fmt.format(a)} {RANGE_DASH} {fmt.format(b)}" for a, b in pairwise(breaks)]
        if len(set(labels)) == len(labels):
            return labels
    return [f"Class {i + 1}" for i in range(len(breaks) - 1)]


def quantile_breaks(values: pd.Series, n_classes: int = 5) -> tuple[float, ...]:
    """The class breaks of a choropleth: quantiles of the values present (none without any)."""
    present = pd.to_numeric(values, errors="coerce").astype(float).dropna()
    if present.empty:
        return ()
    return tuple(
        float(b) for b in np.unique(np.quantile(present, np.linspace(0, 1, n_classes + 1)))
    )


def colour_classes(
    values: pd.Series,
    n_classes: int = 5,
    higher_is_better: bool = True,
    value_format: str = "{:,.1f}",
    breaks: tuple[float, ...] | None = None,
) -> tuple[pd.Series, list[tuple[str, str]]]:
    """Quantile class label per value ("No data" for NaN) and the legend [(label, hex colour)].
    `breaks` drawn from more values than those shown (a district officer's map keeps the
    province's classes) are used as given. At most `palettes.MAX_MAP_CLASSES` classes: more would
    not stay apart for every reader."""
    if n_classes > palettes.MAX_MAP_CLASSES:
        raise ValueError(
            f"{n_classes} classes asked for: a map draws at most {palettes.MAX_MAP_CLASSES} classes"
        )
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    present = numbers.dropna()
    labels = pd.Series(NO_DATA, index=values.index, dtype=object)
    legend: list[tuple[str, str]] = []
    breaks = np.asarray(breaks if breaks else quantile_breaks(present, n_classes))
    if not present.empty:
        if len(breaks) == 1:  # all equal: one class, not a spread of empty ones
            names = [value_format.format(breaks[0])]
            labels[present.index] = names[0]
        else:
            names = _class_labels(breaks, value_format)
            codes = np.clip(np.searchsorted(breaks, present, side="right") - 1, 0, len(names) - 1)
            labels[present.index] = [names[c] for c in codes]
        legend = list(zip(names, _palette(len(names), higher_is_better), strict=True))
    if present.size < numbers.size:
        legend.append((NO_DATA, NO_DATA_COLOUR))
    return labels, legend


def joined_values(
    layer: DistrictLayer, values: pd.DataFrame, value_format: str, unit: str
) -> pd.DataFrame:
    """Layer districts with their value, display text, source and year (no NaN in text columns)."""
    rows = values.drop_duplicates("district_code").set_index("district_code")
    frame = layer.gdf[["district_code", "district_name"]].copy().reset_index(drop=True)
    frame["value"] = frame["district_code"].map(pd.to_numeric(rows["value"], errors="coerce"))
    frame["value"] = frame["value"].astype(float)
    for column in ("source", "year"):
        mapped = frame["district_code"].map(rows[column]) if column in rows else None
        frame[column] = (
            NOT_GIVEN if mapped is None else mapped.astype("string").fillna(NOT_GIVEN).astype(str)
        )
    suffix = f" {unit}" if unit else ""
    frame["value_text"] = [
        NO_DATA if math.isnan(v) else value_format.format(v) + suffix for v in frame["value"]
    ]
    return frame


def map_view(layer: DistrictLayer, height_px: int = MAP_HEIGHT_PX) -> tuple[float, float, float]:
    """Centre (lon, lat) and zoom that fit the layer's bounds into the map's height."""
    west, south, east, north = layer.gdf.total_bounds
    lon, lat = (west + east) / 2, (south + north) / 2
    merc = (math.degrees(math.asinh(math.tan(math.radians(v)))) for v in (north, south))
    lat_span = float(np.subtract(*merc))  # Mercator stretches latitude away from the equator
    span = max(lat_span, (east - west) * 0.75, 0.5)  # maps are usually wider than tall
    zoom = math.log2(360 * height_px * 0.9 / (TILE_PX * span))
    return float(lon), float(lat), round(zoom, 2)


def _hover(frame: pd.DataFrame, label: str, lang: str) -> list[str]:
    """Plotly reads tags in hover text: a source comes from an imported file, so it is escaped."""
    return [
        language.say(
            HOVER,
            lang,
            district=r.district_name,
            label=label,
            value=r.value_text,
            source=html.escape(language.source(r.source, lang)),
            year=html.escape(str(r.year)),
        )
        for r in frame.itertuples()
    ]


def in_language(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Map rows with their district names (from the register) and *No data* in `lang`."""
    if lang == language.DEFAULT:
        return frame
    frame = frame.copy()
    frame["district_name"] = [
        language.name("district", c, n, lang)
        for c, n in zip(frame["district_code"], frame["district_name"], strict=True)
    ]
    if "value_text" in frame:
        frame["value_text"] = frame["value_text"].replace(NO_DATA, language.text(NO_DATA, lang))
    return frame


def classified(
    layer: DistrictLayer,
    values: pd.DataFrame,
    unit: str,
    higher_is_better: bool,
    value_format: str,
    breaks: tuple[float, ...] | None = None,
) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Layer districts with their values and colour class, and the legend."""
    frame = joined_values(layer, values, value_format, unit)
    frame["label"], legend = colour_classes(
        frame["value"], higher_is_better=higher_is_better, value_format=value_format, breaks=breaks
    )
    return frame, legend


def choropleth_figure(
    layer: DistrictLayer,
    values: pd.DataFrame,
    *,
    label: str,
    unit: str,
    higher_is_better: bool = True,
    value_format: str = "{:,.1f}",
    outside: frozenset[str] = frozenset(),
    breaks: tuple[float, ...] | None = None,
    lang: str = language.DEFAULT,
) -> go.Figure:
    """Discrete-class choropleth: MapLibre for real boundaries, a plain diagram for the tiles;
    its hover text and legend in `lang` (`label` and `unit` given in it)."""
    frame, legend = classified(layer, values, unit, higher_is_better, value_format, breaks)
    frame = in_language(frame, lang)
    frame["hover"] = _hover(frame, label, lang)
    fig = area_figure(layer, frame, legend, outside=outside, lang=lang)
    fig.update_layout(
        legend={"title": {"text": f"{label} ({unit})" if unit else label}, "traceorder": "normal"},
    )
    return fig


def area_figure(
    layer: DistrictLayer,
    frame: pd.DataFrame,
    legend: list[tuple[str, str]],
    *,
    names: dict[str, str] | None = None,
    highlight: str | None = None,
    showlegend: bool = True,
    height: int = MAP_HEIGHT_PX,
    outside: frozenset[str] = frozenset(),
    lang: str = language.DEFAULT,
) -> go.Figure:
    """Districts filled by class (`frame`: district_code, district_name, label, hover; `legend`:
    [(class, colour)], `names` the legend text of a class), "No data" hatched, `highlight`
    outlined; the `outside` districts (a district officer's others) "Outside your districts"
    (`scope`); the words it adds in `lang`. Nothing in it needs a font, tile or style from
    another host."""
    frame, legend = scope.mark_outside(frame, legend, outside, lang)
    names = {
        NO_DATA: language.text(NO_DATA_LEGEND, lang),
        scope.OUTSIDE: language.text(scope.OUTSIDE, lang),
        **(names or {}),
    }
    tiles = layer.kind == "tile_grid"
    if tiles:
        add = functools.partial(_tile_area, layer.gdf.set_index("district_code").geometry)
    else:
        add = functools.partial(_map_area, {f["id"]: f for f in layer_geojson(layer)["features"]})
    fig = go.Figure()
    for name, colour in legend:
        part = frame[frame["label"] == name]
        if part.empty:
            continue
        fig.add_trace(add(part, colour, names.get(name, name), showlegend=showlegend))
        if name == NO_DATA:
            fig.add_trace(_hatch_trace(layer, part["district_code"], tiles))
    chosen = frame[frame["district_code"] == highlight]
    if not chosen.empty:
        title = language.say(SELECTED, lang, district=chosen.iloc[0]["district_name"])
        fig.add_trace(add(chosen, None, title, showlegend=False, line=HIGHLIGHT_LINE))
    if tiles:
        _finish_tiles(fig, layer, frame, legend, height)
    else:
        _finish_map(fig, layer, height)
    return fig


def _map_area(
    features: dict[str, dict],
    part: pd.DataFrame,
    colour: str | None,
    name: str,
    *,
    showlegend: bool,
    line: dict | None = None,
) -> go.Choroplethmap:
    # each trace carries only its own features, so the geometry is sent once in total
    geojson = {"type": "FeatureCollection", "features": [features[c] for c in part.district_code]}
    fill = colour or "rgba(0,0,0,0)"
    return go.Choroplethmap(
        geojson=geojson,
        locations=list(part["district_code"]),
        z=[1] * len(part),
        colorscale=[[0, fill], [1, fill]],
        showscale=False,
        name=name,
        showlegend=showlegend,
        customdata=list(part["district_code"]),
        text=list(part["hover"]),
        hovertemplate="%{text}<extra></extra>",
        marker={"line": line or AREA_LINE, "opacity": 1},
    )


def _rings(geometries: Iterable) -> tuple[list, list]:
    """Exterior rings of (multi)polygons as x and y lists, one None between rings."""
    xs: list = []
    ys: list = []
    for geometry in geometries:
        for polygon in getattr(geometry, "geoms", [geometry]):
            x, y = polygon.exterior.coords.xy
            xs += [*x, None]
            ys += [*y, None]
    return xs, ys


def _tile_area(
    shapes: pd.Series,
    part: pd.DataFrame,
    colour: str | None,
    name: str,
    *,
    showlegend: bool,
    line: dict | None = None,
) -> go.Scatter:
    xs, ys = _rings(shapes[list(part["district_code"])])
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        fill="none" if colour is None else "toself",
        fillcolor=colour,
        line=line or AREA_LINE,
        name=name,
        showlegend=showlegend,
        hoverinfo="skip",
    )


def hatch_lines(geometries: Iterable, spacing: float = HATCH_SPACING_DEG) -> tuple[list, list]:
    """Diagonal lines (south-west to north-east) clipped to the geometries, as x and y lists with
    None between segments: the "No data" pattern, drawn the same on every map."""
    shapes = [g for g in geometries if g is not None and not g.is_empty]
    if not shapes:
        return [], []
    west, south, east, north = shapely.total_bounds(shapes)
    reach = (east - west) + (north - south)
    offsets = np.arange(math.floor((south - east) / spacing), math.ceil((north - west) / spacing))
    lines = shapely.MultiLineString(
        [[(west - reach, west - reach + k * spacing), (east + reach, east + reach + k * spacing)]
         for k in offsets]
    )  # fmt: skip
    xs: list = []
    ys: list = []
    for shape in shapes:
        clipped = shapely.intersection(lines, shape)
        for segment in shapely.get_parts(clipped):
            if segment.geom_type != "LineString" or segment.is_empty:
                continue
            x, y = segment.coords.xy
            xs += [*x, None]
            ys += [*y, None]
    return xs, ys


def _hatch_trace(layer: DistrictLayer, codes: pd.Series, tiles: bool) -> go.Scatter:
    shapes = layer.gdf.set_index("district_code").geometry
    xs, ys = hatch_lines(shapes[list(codes)])
    style = {"mode": "lines", "line": HATCH_LINE, "hoverinfo": "skip", "showlegend": False}
    if tiles:
        return go.Scatter(x=xs, y=ys, name=NO_DATA_LEGEND, **style)
    return go.Scattermap(lon=xs, lat=ys, name=NO_DATA_LEGEND, **style)


def _finish_map(fig: go.Figure, layer: DistrictLayer, height: int) -> None:
    """The map view: no basemap unless one is configured, framed on the layer."""
    lon, lat, zoom = map_view(layer, height)
    style = "white-bg" if config.basemap() == "none" else "carto-positron"
    fig.update_layout(
        map={"style": style, "center": {"lon": lon, "lat": lat}, "zoom": zoom, "fitbounds": False},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        height=height,
    )


def _finish_tiles(
    fig: go.Figure,
    layer: DistrictLayer,
    frame: pd.DataFrame,
    legend: list[tuple[str, str]],
    height: int,
) -> None:
    """The tile map as a diagram: short names written on the hexagons in the page's own font
    (a MapLibre text layer would fetch glyphs from a public server), one invisible point per
    hexagon carrying the hover text and the district a click selects."""
    labels = tile_labels(layer, frame, legend)
    scale = height / MAP_HEIGHT_PX
    hover = frame.set_index("district_code")["hover"]
    codes = list(layer.gdf["district_code"])
    fig.add_trace(
        go.Scatter(
            x=labels["lon"],
            y=labels["lat"],
            mode="markers+text",
            text=labels["tile_label"],
            # hexagons shrink with the figure's height, and their names with them
            textfont={"size": round(TILE_LABEL_PX * scale), "color": list(labels["text_colour"])},
            marker={"size": round(TILE_POINT_PX * scale), "opacity": 0},
            customdata=codes,
            hovertext=[hover.get(c, c) for c in codes],
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
            name="districts",
        )
    )
    west, south, east, north = layer.gdf.total_bounds
    hidden = {"visible": False, "fixedrange": True}
    fig.update_layout(
        xaxis={**hidden, "range": [west - 0.05, east + 0.05]},
        # degrees of latitude drawn longer than those of longitude, as on a Mercator map
        yaxis={
            **hidden,
            "range": [south - 0.05, north + 0.05],
            "scaleanchor": "x",
            "scaleratio": 1 / math.cos(math.radians((south + north) / 2)),
        },
        plot_bgcolor="white",
        dragmode=False,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        height=height,
    )


LOCATOR_CLASSES = tuple(palettes.LOCATOR.items())


def locator_figure(
    layer: DistrictLayer,
    register: pd.DataFrame,
    code: str,
    outside: frozenset[str] = frozenset(),
    lang: str = language.DEFAULT,
) -> go.Figure:
    """Where a district lies: it in blue, the rest of its division pale blue, the others pale
    grey (`register`: district_code, district_name, division); its words in `lang`."""
    rows = register.set_index("district_code")
    division = rows["division"].get(code)
    frame = layer.gdf[["district_code", "district_name"]].copy().reset_index(drop=True)
    in_division = frame["district_code"].map(rows["division"]).eq(division)
    this, same, other = (name for name, _ in LOCATOR_CLASSES)
    frame["label"] = np.where(
        frame["district_code"] == code, this, np.where(in_division, same, other)
    )
    frame = in_language(frame, lang)
    divisions = frame["district_code"].map(rows["division"])
    division_text = [
        language.text(N_("division not given"), lang)
        if pd.isna(d)
        else language.say(
            N_("{division} division"), lang, division=language.name("division", d, d, lang)
        )
        for d in divisions
    ]
    frame["hover"] = "<b>" + frame["district_name"] + "</b><br>" + pd.Series(division_text)
    names = {name: language.text(name, lang) for name, _ in LOCATOR_CLASSES}
    fig = area_figure(
        layer,
        frame,
        list(LOCATOR_CLASSES),
        names=names,
        height=LOCATOR_HEIGHT_PX,
        outside=outside,
        lang=lang,
    )
    fig.update_layout(legend={"title": {"text": ""}})
    return fig


def tile_labels(
    layer: DistrictLayer, frame: pd.DataFrame, legend: list[tuple[str, str]]
) -> pd.DataFrame:
    """Where to write each district's short name on the tile map, in a colour that reads on its
    fill (empty for real boundaries, whose shapes people know and whose names the hover gives)."""
    if "tile_label" not in layer.gdf.columns:
        return pd.DataFrame(columns=["tile_label", "lon", "lat", "text_colour"])
    # hexagons are symmetric, so the planar centre is exact (no projection needed)
    centres = shapely.centroid(layer.gdf.geometry.to_numpy())
    fills = dict(legend)
    classes = frame.set_index("district_code")["label"]
    fill = layer.gdf["district_code"].map(classes).map(fills).fillna(NO_DATA_COLOUR)
    return pd.DataFrame(
        {
            "tile_label": layer.gdf["tile_label"].to_numpy(),
            "lon": shapely.get_x(centres),
            "lat": shapely.get_y(centres),
            "text_colour": [_text_colour(c) for c in fill],
        }
    )


def _text_colour(fill: str) -> str:
    """White on dark fills, near-black on light ones (relative luminance, WCAG weights)."""
    red, green, blue = (c / 255 for c in hex_to_rgba(fill)[:3])
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "#ffffff" if luminance < 0.5 else "#222222"
