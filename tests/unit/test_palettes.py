"""Readable by everyone: every palette keeps its classes apart for readers with the common
colour-vision deficiencies (simulated with colorspacious at full severity), and the app's text
colours reach WCAG 2 AA contrast (4.5 : 1) on the backgrounds they are drawn on."""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path

import numpy as np
import pytest
from colorspacious import cspace_convert

from kp_dash.views import bivariate, maps, palettes, quality_view, scope, trends_view, uptake_access

ROOT = Path(__file__).parents[2]
VISIONS = ("deuteranomaly", "protanomaly", "tritanomaly")


def rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])


def seen(colour: str, vision: str | None) -> np.ndarray:
    """Where a colour lies in CAM02-UCS for a reader with `vision` (None: typical vision)."""
    shown = rgb(colour)
    if vision:
        cvd = {"name": "sRGB1+CVD", "cvd_type": vision, "severity": 100}
        shown = np.clip(cspace_convert(shown, cvd, "sRGB1"), 0, 1)
    return cspace_convert(shown, "sRGB1", "CAM02-UCS")


def closest_pair(colours: tuple[str, ...], vision: str | None) -> tuple[float, str, str]:
    return min(
        (float(np.linalg.norm(seen(a, vision) - seen(b, vision))), a, b)
        for a, b in itertools.combinations(colours, 2)
    )


@pytest.mark.parametrize("palette", palettes.registry(), ids=lambda p: p.name)
@pytest.mark.parametrize("vision", [None, *VISIONS])
def test_every_palette_keeps_its_classes_apart_for_every_reader(palette, vision):
    distance, a, b = closest_pair(palette.colours, vision)
    assert distance >= palettes.MIN_DISTANCE, (palette.name, vision, a, b, round(distance, 1))


def test_the_check_tells_a_red_green_palette_from_a_safe_one():
    # red and green of equal lightness: apart for typical vision, not for deuteranomaly
    assert closest_pair(("#e41a1c", "#4daf4a"), None)[0] > 30
    assert closest_pair(("#d95f02", "#66a61e"), "deuteranomaly")[0] < palettes.MIN_DISTANCE
    # the pink-teal 3×3 this dashboard drew before: 3.9 for deuteranomaly
    stevens = ("#e8e8e8", "#ace4e4", "#5ac8c8", "#dfb0d6", "#a5add3", "#5698b9", "#be64ac")
    assert closest_pair(stevens, "deuteranomaly")[0] < 5


def test_the_figures_draw_the_registered_colours():
    assert maps.NO_DATA_COLOUR == palettes.NO_DATA and scope.OUTSIDE_COLOUR == palettes.OUTSIDE
    assert bivariate.PALETTE == palettes.BIVARIATE
    # hand-multiplied: f0·f0 ÷ 255 = e2; d9·08 = 07, 48·51 = 17, 01·9c = 01
    assert bivariate.PALETTE["1-1"] == "#e2e2e2" and bivariate.PALETTE["3-3"] == "#071701"
    assert {k: trends_view.STATUS_COLOURS[k] for k in palettes.STATUS} == palettes.STATUS
    assert dict(maps.LOCATOR_CLASSES) == palettes.LOCATOR
    assert quality_view.NO_DATA_COLOUR == palettes.NO_DATA
    assert (uptake_access.DISTRICT_COLOUR, uptake_access.MERGED_COLOUR) == (
        palettes.DISTRICT_POINT,
        palettes.MERGED_POINT,
    )


@pytest.mark.parametrize("n", range(1, palettes.MAX_MAP_CLASSES + 1))
def test_a_map_of_n_classes_draws_the_palette_of_n(n):
    values = pd_series(range(n * 3))
    _, legend = maps.colour_classes(values, n_classes=n)
    assert [colour for _, colour in legend] == list(palettes.MAP_CLASSES[n])


def test_more_classes_than_stay_apart_are_refused():
    with pytest.raises(ValueError, match="at most 5 classes"):
        maps.colour_classes(pd_series(range(30)), n_classes=6)


def pd_series(values):
    import pandas as pd

    return pd.Series(list(values), dtype=float)


# --- contrast -----------------------------------------------------------------------------------


def luminance(colour: str) -> float:
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb(colour)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_is_computed_as_wcag_defines_it():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # just fails AA


def test_the_theme_text_reaches_wcag_aa_on_every_background():
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]
    for background in ("backgroundColor", "secondaryBackgroundColor"):
        for text in ("textColor", "linkColor", "primaryColor"):
            ratio = contrast(theme[text], theme[background])
            assert ratio >= 4.5, (text, background, round(ratio, 2))
    assert contrast("#ffffff", theme["primaryColor"]) >= 4.5  # a primary button's label
    assert contrast(palettes.CAPTION_TEXT, theme["backgroundColor"]) >= 4.5


def test_the_status_words_are_readable_on_their_fills():
    for fill in (*palettes.STATUS.values(), palettes.NO_STATUS):
        assert contrast(palettes.TABLE_TEXT, fill) >= 4.5, fill
