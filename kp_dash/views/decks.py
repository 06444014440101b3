"""The pydeck (deck.gl) view of the maps: the same classes and "No data" hatching as the plotly
maps of `kp_dash.views.maps`, and counts as proportional symbols. No basemap unless one is
configured."""

from __future__ import annotations

import pandas as pd
import pydeck as pdk

from kp_dash.store import config
from kp_dash.store.geo import DistrictLayer, layer_geojson
from kp_dash.views import maps, scope

OUTLINE_COLOUR = (255, 255, 255, 255)
DECK_LABEL_PX = 15


def _deck(layers: list[pdk.Layer], layer: DistrictLayer, label: str) -> pdk.Deck:
    lon, lat, zoom = maps.map_view(layer)
    # Without a basemap the style is left at pydeck's placeholder: given None instead, Streamlit
    # would load its own default basemap style from the internet.
    basemap = {"map_provider": "carto", "map_style": "light"} if config.basemap() == "carto" else {}
    return pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(longitude=lon, latitude=lat, zoom=zoom),
        **({"map_provider": None} | basemap),
        tooltip={
            "html": f"<b>{{district_name}}</b><br/>{label}: {{value_text}}"
            "<br/>Source: {source} ({year})"
        },
        height=maps.MAP_HEIGHT_PX,
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
    outside: frozenset[str] = frozenset(),
    breaks: tuple[float, ...] | None = None,
) -> pdk.Deck:
    """The same classes as `choropleth_figure`, as a pydeck GeoJsonLayer (no basemap needed)."""
    frame, legend = maps.classified(layer, values, unit, higher_is_better, value_format, breaks)
    frame, legend = scope.mark_outside(frame, legend, outside)
    colours = {name: maps.hex_to_rgba(colour) for name, colour in legend}
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
    hatch = _hatch_paths(layer, frame.loc[frame["label"] == maps.NO_DATA, "district_code"])
    texts = _tile_text_layers(maps.tile_labels(layer, frame, legend))
    return _deck([polygons, *hatch, *texts], layer, label)


def _hatch_paths(layer: DistrictLayer, codes: pd.Series) -> list[pdk.Layer]:
    """The "No data" hatching of the plotly maps, as a deck.gl path layer."""
    shapes = layer.gdf.set_index("district_code").geometry
    xs, ys = maps.hatch_lines(shapes[list(codes)])
    paths, current = [], []
    for x, y in zip(xs, ys, strict=True):
        if x is None:
            paths.append({"path": current})
            current = []
        else:
            current.append([x, y])
    if not paths:
        return []
    colour = maps.hex_to_rgba(maps.HATCH_LINE["color"], 255)
    return [
        pdk.Layer(
            "PathLayer",
            data=paths,
            id="no-data-hatch",
            get_path="path",
            get_color=colour,
            width_units="'pixels'",
            get_width=maps.HATCH_LINE["width"],
            pickable=False,
        )
    ]


def _tile_text_layers(labels: pd.DataFrame) -> list[pdk.Layer]:
    if labels.empty:
        return []
    records = labels.assign(rgba=labels["text_colour"].map(lambda c: maps.hex_to_rgba(c, 255)))
    return [
        pdk.Layer(
            "TextLayer",
            data=records.to_dict(orient="records"),
            id="tile-labels",
            get_position=["lon", "lat"],
            get_text="tile_label",
            get_size=DECK_LABEL_PX,
            # quoted: pydeck reads a bare string as an expression over the rows
            size_units="'pixels'",
            get_color="rgba",
            font_family="'Arial, Helvetica, sans-serif'",
            font_weight=700,
            pickable=False,
        )
    ]
