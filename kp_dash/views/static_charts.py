"""Static chart images for print (the PDF briefing): matplotlib figures rendered to PNG bytes.

Figures are drawn on their own `Figure` with the Agg canvas, never through `pyplot`, so nothing
touches matplotlib's global state and no display or browser is needed. Colour classes and the
"No data" grey come from `kp_dash.views.maps`, so a printed map reads like the one in the app.
"""

from __future__ import annotations

import io
import math

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from shapely.geometry.base import BaseGeometry

from kp_dash.store.geo import DistrictLayer
from kp_dash.views.maps import colour_classes

MM_PER_INCH = 25.4
HIGHLIGHT_COLOUR = "#d7301f"  # red-orange: stands out against the blue-green palette
EDGE_COLOUR = "#ffffff"


def _geometry_path(geometry: BaseGeometry) -> MplPath:
    """One compound path for a polygon or multipolygon (holes included)."""
    polygons = getattr(geometry, "geoms", [geometry])
    vertices: list[tuple[float, float]] = []
    codes: list[int] = []
    for polygon in polygons:
        for ring in (polygon.exterior, *polygon.interiors):
            coords = list(ring.coords)
            vertices += coords
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(coords) - 2) + [MplPath.CLOSEPOLY]
    return MplPath(vertices, codes)


def _text_colour(fill: str) -> str:
    """Black or white, whichever reads better on the fill (relative luminance)."""
    red, green, blue = (int(fill.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "#000000" if luminance > 0.45 else "#ffffff"


def to_png(figure: Figure, dpi: int = 200) -> bytes:
    """The figure as PNG bytes (Agg canvas, white background)."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


def district_map_figure(
    layer: DistrictLayer,
    values: pd.DataFrame,
    *,
    highlight: str | None = None,
    higher_is_better: bool = True,
    value_format: str = "{:,.1f}",
    legend_title: str = "",
    size_mm: tuple[float, float] = (90.0, 95.0),
    legend: bool = True,
) -> Figure:
    """A choropleth of `values` (district_code, value; NaN or missing = "No data") over the
    layer's polygons, the `highlight` district (a P-code) outlined, and a class legend."""
    gdf = layer.gdf.reset_index(drop=True)
    by_code = values.drop_duplicates("district_code").set_index("district_code")["value"]
    numbers = pd.to_numeric(gdf["district_code"].map(by_code), errors="coerce").astype(float)
    labels, classes = colour_classes(
        numbers, higher_is_better=higher_is_better, value_format=value_format
    )
    colours = dict(classes)

    figure = Figure(figsize=(size_mm[0] / MM_PER_INCH, size_mm[1] / MM_PER_INCH))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    for geometry, label in zip(gdf.geometry, labels, strict=True):
        axes.add_patch(
            PathPatch(_geometry_path(geometry), facecolor=colours[label], edgecolor=EDGE_COLOUR)
        )
    if highlight is not None:
        for geometry in gdf.loc[gdf["district_code"] == highlight, "geometry"]:
            axes.add_patch(
                PathPatch(
                    _geometry_path(geometry),
                    facecolor="none",
                    edgecolor=HIGHLIGHT_COLOUR,
                    linewidth=2.2,
                    zorder=3,
                )
            )
    if "tile_label" in gdf:  # hexagons are abstract: without labels nobody can find a district
        for row, label in zip(gdf.itertuples(), labels, strict=True):
            point = row.geometry.representative_point()
            axes.text(
                point.x,
                point.y,
                row.tile_label,
                ha="center",
                va="center",
                fontsize=5,
                fontweight="bold" if row.district_code == highlight else "normal",
                color=_text_colour(colours[label]),
                zorder=4,
            )

    west, south, east, north = gdf.total_bounds
    pad = 0.03 * max(east - west, north - south)
    axes.set_xlim(west - pad, east + pad)
    axes.set_ylim(south - pad, north + pad)
    # lon/lat degrees: shrink longitude by cos(latitude) so shapes keep their proportions
    axes.set_aspect(1 / math.cos(math.radians((south + north) / 2)))
    if legend and classes:  # without: the caller draws the legend itself (shaped Urdu text)
        handles = [
            Patch(facecolor=colour, edgecolor="#666666", linewidth=0.3, label=name)
            for name, colour in classes
        ]
        axes.legend(
            handles=handles,
            title=legend_title or None,
            loc="lower right",
            fontsize=5.5,
            title_fontsize=5.5,
            frameon=False,
        )
    return figure


def district_map_png(
    layer: DistrictLayer,
    values: pd.DataFrame,
    *,
    highlight: str | None = None,
    higher_is_better: bool = True,
    value_format: str = "{:,.1f}",
    legend_title: str = "",
    size_mm: tuple[float, float] = (90.0, 95.0),
    dpi: int = 200,
    legend: bool = True,
) -> bytes:
    """`district_map_figure` as PNG bytes."""
    figure = district_map_figure(
        layer,
        values,
        highlight=highlight,
        higher_is_better=higher_is_better,
        value_format=value_format,
        legend_title=legend_title,
        size_mm=size_mm,
        legend=legend,
    )
    return to_png(figure, dpi)
