"""Every set of colours a map, chart or table tells classes apart with, in one place.

Each `Palette` lists the colours a reader must be able to tell apart on one figure (its classes
and, where drawn beside them, "No data" and "Outside your districts"), and the figures that
draw it. `tests/unit/test_palettes.py` simulates the common colour-vision deficiencies
(deuteranomaly, protanomaly, tritanomaly at full severity, with colorspacious) and requires
every two colours of a palette to stay `MIN_DISTANCE` apart in CAM02-UCS, for every reader.
The modules that draw take their colours from here, so a palette is changed, and checked, once.
"""

from __future__ import annotations

from dataclasses import dataclass

from kp_dash.store.marks import N_

# a CAM02-UCS distance of 12 is several times a just-noticeable difference: two classes at that
# distance are told apart at a glance, on screen and on paper
MIN_DISTANCE = 12.0

TABLE_TEXT = "#262730"  # the theme's text colour (.streamlit/config.toml), on a status fill
CAPTION_TEXT = "#555867"  # captions: 7.1 : 1 on white, where Streamlit's faded grey gives 4.1
NO_DATA = "#969696"  # mid grey, also hatched on the maps: never mistaken for a class
OUTSIDE = "#ffffff"  # a district officer's map: the other districts left blank
# ColorBrewer YlGnBu, the two lightest steps dropped (too close to white, and to each other for
# a reader with tritanomaly). Five classes at most: with six, two neighbouring classes come
# within 6 of each other for a reader with protanomaly.
MAP_CLASSES: dict[int, tuple[str, ...]] = {
    1: ("#1d91c0",),
    2: ("#c7e9b4", "#081d58"),
    3: ("#c7e9b4", "#1d91c0", "#081d58"),
    4: ("#c7e9b4", "#7fcdbb", "#225ea8", "#081d58"),
    5: ("#c7e9b4", "#7fcdbb", "#1d91c0", "#225ea8", "#081d58"),
}
MAX_MAP_CLASSES = max(MAP_CLASSES)
# uptake × access, keyed "uptake class-access class": uptake runs light grey to orange, access
# light grey to blue, and each cell is the two multiplied, so the high-high corner is darkest. Blue
# against orange is the contrast the red-green deficiencies keep.
UPTAKE_RAMP = ("#f0f0f0", "#fdae6b", "#d94801")  # ColorBrewer Oranges
ACCESS_RAMP = ("#f0f0f0", "#6baed6", "#08519c")  # ColorBrewer Blues


def _multiplied(first: str, second: str) -> str:
    channels = (int(first[i : i + 2], 16) * int(second[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "#" + "".join(f"{round(value):02x}" for value in channels)


BIVARIATE: dict[str, str] = {
    f"{u}-{a}": _multiplied(UPTAKE_RAMP[u - 1], ACCESS_RAMP[a - 1])
    for u in (1, 2, 3)
    for a in (1, 2, 3)
}
# target status: light fills under the status word (which carries the meaning too), a teal
# green, a yellow and an orange-red that differ in lightness as well as hue
STATUS: dict[str, str] = {"green": "#66c2a4", "amber": "#fec44f", "red": "#f46d43"}
NO_STATUS = "#eeeeee"
LOCATOR: dict[str, str] = {  # marked: the map's table names them in the reader's language
    N_("This district"): "#225ea8",
    N_("Same division"): "#a6c8e6",
    N_("Other districts"): "#f0f0f0",
}
DISTRICT_POINT = "#225ea8"  # the Uptake page's scatter: a district,
MERGED_POINT = "#d95f0e"  # and a merged district
# continuous scales (plotly's names), checked at five evenly spaced points
RATIO_SCALE = "RdBu"  # the Groups page's rate ratios, centred on parity
SHARE_SCALE = "Blues"  # the Quality page's share of returns received
SCALE_SAMPLES = 5


@dataclass(frozen=True)
class Palette:
    name: str
    colours: tuple[str, ...]  # what one figure must keep apart
    drawn_by: str


def _scale(name: str) -> tuple[str, ...]:
    from plotly.colors import sample_colorscale, unlabel_rgb

    points = [i / (SCALE_SAMPLES - 1) for i in range(SCALE_SAMPLES)]
    rgb = (unlabel_rgb(colour) for colour in sample_colorscale(name, points))
    return tuple("#" + "".join(f"{round(c):02x}" for c in colour) for colour in rgb)


def registry() -> list[Palette]:
    """Every palette with what a figure draws beside its classes."""
    return [
        *(
            Palette(f"map, {n} classes", (*colours, NO_DATA, OUTSIDE), "maps, static_charts")
            for n, colours in MAP_CLASSES.items()
        ),
        Palette("bivariate 3×3", (*BIVARIATE.values(), NO_DATA), "bivariate"),
        Palette("target status", (*STATUS.values(), NO_STATUS), "trends_view"),
        Palette("district locator", tuple(LOCATOR.values()), "maps.locator_figure"),
        Palette("uptake scatter", (DISTRICT_POINT, MERGED_POINT), "uptake_access"),
        Palette("rate ratio scale", (*_scale(RATIO_SCALE), NO_DATA), "group_tables"),
        Palette("returns received scale", (*_scale(SHARE_SCALE), NO_DATA), "quality_view"),
    ]
