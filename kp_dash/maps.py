"""Map builders: a district layer and a values frame in, a plotly figure or pydeck deck out.

The values frame has columns `district_code, district_name, value, source, year`; `value` NaN means
no data. Districts in the values but not in the layer are ignored; layer districts without a row
are "No data". Rates are coloured by quantile class; counts are drawn as proportional symbols.
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk
import shapely

from kp_dash import config
from kp_dash.geo import UTM_43N, DistrictLayer, layer_geojson

NO_DATA = "No data"
NOT_GIVEN = "not given"  # source or year of a district with no row in the values
RANGE_DASH = "\u2013"
NO_DATA_COLOUR = "#bdbdbd"
# ColorBrewer YlGnBu (colour-blind safe, sequential), lightest dropped: it is too close to white.
PALETTE = ("#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58")
SYMBOL_COLOUR = (34, 94, 168, 170)
OUTLINE_COLOUR = (255, 255, 255, 255)
MAX_SYMBOL_RADIUS_M = 25_000
MAP_HEIGHT_PX = 520
TILE_PX = 512  # both plotly's map and deck.gl use 512-pixel tiles for zoom levels


def _hex_to_rgba(colour: str, alpha: int = 220) -> list[int]:
    colour = colour.lstrip("#")
    return [int(colour[i : i + 2], 16) for i in (0, 2, 4)] + [alpha]


def _palette(n: int, higher_is_better: bool) -> list[str]:
    """`n` colours ordered by ascending value: darker = better (or worse when lower is better)."""
    picks = np.linspace(0, len(PALETTE) - 1, n).round().astype(int) if n > 1 else [4]
    colours = [PALETTE[i] for i in picks]
    return colours if higher_is_better else colours[::-1]


def _class_labels(breaks: np.ndarray, value_format: str) -> list[str]:
    for fmt in (value_format, "{:,.3g}", "{:,.6g}"):
        labels = [f"{fmt.format(a)} {RANGE_DASH} {fmt.format(b)}" for a, b in pairwise(breaks)]
        if len(set(labels)) == len(labels):
            return labels
    return [f"Class {i + 1}" for i in range(len(breaks) - 1)]


def colour_classes(
    values: pd.Series,
    n_classes: int = 5,
    higher_is_better: bool = True,
    value_format: str = "{:,.1f}",
) -> tuple[pd.Series, list[tuple[str, str]]]:
    """Quantile class label per value ("No data" for NaN) and the legend [(label, hex colour)]."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    present = numbers.dropna()
    labels = pd.Series(NO_DATA, index=values.index, dtype=object)
    legend: list[tuple[str, str]] = []
    if not present.empty:
        breaks = np.unique(np.quantile(present, np.linspace(0, 1, n_classes + 1)))
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


def _joined(
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


def _hover(frame: pd.DataFrame, label: str) -> list[str]:
    return [
        f"<b>{r.district_name}</b><br>{label}: {r.value_text}<br>Source: {r.source} ({r.year})"
        for r in frame.itertuples()
    ]


def _classified(
    layer: DistrictLayer,
    values: pd.DataFrame,
    unit: str,
    higher_is_better: bool,
    value_format: str,
) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Layer districts with their values and colour class, and the legend."""
    frame = _joined(layer, values, value_format, unit)
    frame["label"], legend = colour_classes(
        frame["value"], higher_is_better=higher_is_better, value_format=value_format
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
) -> go.Figure:
    """Discrete-class choropleth on plotly's MapLibre map (renders offline with 'white-bg')."""
    frame, legend = _classified(layer, values, unit, higher_is_better, value_format)
    frame["hover"] = _hover(frame, label)
    features = {f["id"]: f for f in layer_geojson(layer)["features"]}
    fig = go.Figure()
    for name, colour in legend:
        part = frame[frame["label"] == name]
        # Each class trace carries only its own features, so the geometry is sent once in total.
        geojson = {
            "type": "FeatureCollection",
            "features": [features[c] for c in part.district_code],
        }
        fig.add_trace(
            go.Choroplethmap(
                geojson=geojson,
                locations=list(part["district_code"]),
                z=[1] * len(part),
                colorscale=[[0, colour], [1, colour]],
                showscale=False,
                name=name,
                showlegend=True,
                text=list(part["hover"]),
                hovertemplate="%{text}<extra></extra>",
                marker={"line": {"color": "white", "width": 0.8}},
            )
        )
    finish_map(fig, layer, frame, legend)
    fig.update_layout(
        legend={"title": {"text": f"{label} ({unit})" if unit else label}, "traceorder": "normal"},
    )
    return fig


def finish_map(
    fig: go.Figure, layer: DistrictLayer, frame: pd.DataFrame, legend: list[tuple[str, str]]
) -> None:
    """Tile labels (on the tile grid) and the offline map view shared by every plotly map."""
    labels = tile_labels(layer, frame, legend)
    for text_colour, part in labels.groupby("text_colour"):
        fig.add_trace(
            go.Scattermap(
                lon=part["lon"],
                lat=part["lat"],
                text=part["tile_label"],
                mode="text",
                textfont={"size": 10, "color": text_colour},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    lon, lat, zoom = map_view(layer)
    style = "white-bg" if config.basemap() == "none" else "carto-positron"
    fig.update_layout(
        map={"style": style, "center": {"lon": lon, "lat": lat}, "zoom": zoom, "fitbounds": False},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        height=MAP_HEIGHT_PX,
    )


def _deck(layers: list[pdk.Layer], layer: DistrictLayer, label: str) -> pdk.Deck:
    lon, lat, zoom = map_view(layer)
    carto = config.basemap() == "carto"
    return pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(longitude=lon, latitude=lat, zoom=zoom),
        map_provider="carto" if carto else None,
        map_style="light" if carto else None,
        tooltip={
            "html": f"<b>{{district_name}}</b><br/>{label}: {{value_text}}"
            "<br/>Source: {source} ({year})"
        },
        height=MAP_HEIGHT_PX,
    )


def _features(layer: DistrictLayer, frame: pd.DataFrame, columns: list[str]) -> dict:
    """The layer's GeoJSON with display columns copied into each feature's properties."""
    geojson = layer_geojson(layer)
    props = frame.set_index("district_code")[columns].to_dict(orient="index")
    for feature in geojson["features"]:
        feature["properties"].update(props[feature["id"]])
    return geojson


def choropleth_deck(
    layer: DistrictLayer,
    values: pd.DataFrame,
    *,
    label: str,
    unit: str,
    higher_is_better: bool = True,
    value_format: str = "{:,.1f}",
) -> pdk.Deck:
    """The same classes as `choropleth_figure`, as a pydeck GeoJsonLayer (no basemap needed)."""
    frame, legend = _classified(layer, values, unit, higher_is_better, value_format)
    colours = {name: _hex_to_rgba(colour) for name, colour in legend}
    frame["fill"] = frame["label"].map(colours)
    columns = ["district_name", "value_text", "source", "year", "label", "fill"]
    polygons = pdk.Layer(
        "GeoJsonLayer",
        data=_features(layer, frame, columns),
        id="districts",
        pickable=True,
        stroked=True,
        filled=True,
        get_fill_color="properties.fill",
        get_line_color=list(OUTLINE_COLOUR),
        line_width_min_pixels=1,
    )
    return _deck([polygons, *_tile_text_layers(tile_labels(layer, frame, legend))], layer, label)


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
    red, green, blue = (c / 255 for c in _hex_to_rgba(fill)[:3])
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "#ffffff" if luminance < 0.5 else "#222222"


def _tile_text_layers(labels: pd.DataFrame) -> list[pdk.Layer]:
    if labels.empty:
        return []
    records = labels.assign(rgba=labels["text_colour"].map(lambda c: _hex_to_rgba(c, 255)))
    return [
        pdk.Layer(
            "TextLayer",
            data=records.to_dict(orient="records"),
            id="tile-labels",
            get_position=["lon", "lat"],
            get_text="tile_label",
            get_size=10,
            get_color="rgba",
            font_family="Helvetica, Arial, sans-serif",
            font_weight=600,
            pickable=False,
        )
    ]


def proportional_symbols_deck(
    layer: DistrictLayer,
    values: pd.DataFrame,
    *,
    label: str,
    unit: str,
    value_format: str = "{:,.0f}",
) -> pdk.Deck:
    """Counts as circles at district centroids, area proportional to the count."""
    frame = _joined(layer, values, value_format, unit)
    centres = layer.gdf.to_crs(UTM_43N).centroid.to_crs(layer.gdf.crs)
    frame["lon"], frame["lat"] = centres.x.to_numpy(), centres.y.to_numpy()
    counts = frame["value"].clip(lower=0)
    top = float(counts.max()) if counts.notna().any() else 0.0
    frame["radius_m"] = (np.sqrt(counts / top) * MAX_SYMBOL_RADIUS_M) if top > 0 else 0.0
    columns = ["district_name", "value_text", "source", "year"]
    base = pdk.Layer(
        "GeoJsonLayer",
        data=_features(layer, frame, columns),
        id="districts",
        pickable=True,
        stroked=True,
        filled=True,
        get_fill_color=[235, 235, 235, 255],
        get_line_color=[150, 150, 150, 255],
        line_width_min_pixels=1,
    )
    drawn = frame[frame["radius_m"].fillna(0) > 0].sort_values("radius_m", ascending=False)
    records = drawn[[*columns, "lon", "lat", "radius_m"]].to_dict(orient="records")
    circles = pdk.Layer(
        "ScatterplotLayer",
        data=records,
        id="symbols",
        pickable=True,
        get_position=["lon", "lat"],
        get_radius="radius_m",
        radius_units="meters",
        get_fill_color=list(SYMBOL_COLOUR),
        get_line_color=list(OUTLINE_COLOUR),
        stroked=True,
        line_width_min_pixels=1,
    )
    return _deck([base, circles], layer, label)
