"""Bivariate uptake × access map: tercile classes, the palette, the map and the legend square."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kp_dash.store import geo
from kp_dash.views import bivariate, maps, uptake_access

DISTRICT_COUNT = 35


@pytest.fixture(autouse=True)
def _offline_basemap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KP_DASH_BASEMAP", raising=False)


@pytest.fixture(scope="module")
def layer() -> geo.DistrictLayer:
    """The bundled OCHA layer, the map a fresh clone draws."""
    return geo.bundled_layer()


@pytest.fixture(scope="module")
def tiles() -> geo.DistrictLayer:
    return geo.tile_layer()


def _frame(uptake: list[float], access: list[float]) -> pd.DataFrame:
    n = len(uptake)
    return pd.DataFrame(
        {
            "district_code": [f"PK5{i + 1:02d}" for i in range(n)],
            "district_name": [f"District {i + 1}" for i in range(n)],
            "uptake_per_1000": uptake,
            "access_index": access,
            "uptake_source": "Demonstration data (simulated, not real usage)",
            "uptake_year": "2023-2026",
            "access_source": "literacy_pct: PBS Census 2023; mobile_hh_pct: PSLM 2019-20",
            "access_year": "2019-2023",
            "access_is_parent_estimate": [i == 0 for i in range(n)],
        }
    )


def _luminance(colour: str) -> float:
    red, green, blue = (int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def test_terciles_split_nine_values_three_by_three() -> None:
    values = [float(v) for v in range(1, 10)]
    classed, terciles = bivariate.bivariate_classes(_frame(values, values[::-1]))
    assert list(classed["uptake_class"]) == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert list(classed["access_class"]) == [3, 3, 3, 2, 2, 2, 1, 1, 1]
    assert list(classed["bivariate_class"][[0, 4, 8]]) == ["1-3", "2-2", "3-1"]
    assert classed.loc[0, "colour"] == bivariate.PALETTE["1-3"]
    assert terciles.uptake_breaks == pytest.approx((11 / 3, 19 / 3))
    assert terciles.uptake_range == (1.0, 9.0)
    assert terciles.access_breaks == pytest.approx((11 / 3, 19 / 3))


def test_terciles_value_on_a_break_falls_in_the_lower_class() -> None:
    # ties: the first tercile break is 1.0, shared by four districts
    uptake = [1.0, 1.0, 1.0, 1.0, 2.0, 3.0]
    classed, terciles = bivariate.bivariate_classes(_frame(uptake, [10.0] * 6))
    assert terciles.uptake_breaks[0] == 1.0
    assert list(classed["uptake_class"]) == [1, 1, 1, 1, 3, 3]
    # every access value equal: all in the lowest class, not spread over empty ones
    assert set(classed["access_class"]) == {1}


def test_missing_values_are_no_data_never_the_lowest_class() -> None:
    uptake = [math.nan, 5.0, 10.0, 20.0, 0.0]
    access = [50.0, math.nan, 60.0, 70.0, 80.0]
    classed, terciles = bivariate.bivariate_classes(_frame(uptake, access))
    assert pd.isna(classed.loc[0, "uptake_class"]) and classed.loc[0, "access_class"] == 1
    assert list(classed["bivariate_class"][:2]) == [uptake_access.NO_DATA, uptake_access.NO_DATA]
    assert list(classed["colour"][:2]) == [maps.NO_DATA_COLOUR] * 2
    # a real zero is classed (lowest), NaN is not counted in the breaks
    assert classed.loc[4, "uptake_class"] == 1
    assert terciles.uptake_range == (0.0, 20.0)
    assert terciles.uptake_breaks == pytest.approx(
        tuple(np.quantile([5, 10, 20, 0], [1 / 3, 2 / 3]))
    )


def test_all_missing_gives_no_data_everywhere_and_says_so() -> None:
    classed, terciles = bivariate.bivariate_classes(_frame([math.nan] * 3, [1.0, 2.0, 3.0]))
    assert set(classed["bivariate_class"]) == {uptake_access.NO_DATA}
    assert "uptake per 1,000 no data to class" in terciles.sentence()


def test_palette_is_nine_distinct_colours_with_standard_corners() -> None:
    palette = bivariate.PALETTE
    assert sorted(palette) == [f"{u}-{a}" for u in (1, 2, 3) for a in (1, 2, 3)]
    assert len(set(palette.values())) == 9
    assert maps.NO_DATA_COLOUR not in palette.values()
    # low-low lightest, high-high darkest; access alone blue, uptake alone orange (each ramp's
    # end times the other's light grey: 08·f0 ÷ 255 = 08, 51·f0 = 4c, 9c·f0 = 93)
    assert palette["1-3"] == "#084c93" and palette["3-1"] == "#cc4401"
    lightness = {code: _luminance(colour) for code, colour in palette.items()}
    assert max(lightness, key=lightness.get) == "1-1"
    assert min(lightness, key=lightness.get) == "3-3"


def test_class_words() -> None:
    assert bivariate.class_words("3-1") == "high uptake, low access"
    assert bivariate.class_words("1-3") == "low uptake, high access"
    assert bivariate.class_words(uptake_access.NO_DATA) == uptake_access.NO_DATA


def test_terciles_sentence_states_breaks() -> None:
    terciles = bivariate.Terciles((36.1, 77.0), (67.1, 80.7), (5.0, 300.0), (40.0, 95.0))
    sentence = terciles.sentence()
    assert "uptake per 1,000 low ≤ 36.1, middle ≤ 77.0, high > 77.0" in sentence
    assert "access index low ≤ 67.1, middle ≤ 80.7, high > 80.7" in sentence
    assert "Grey: no data" in sentence


def test_legend_square_has_nine_cells_axis_titles_and_breaks() -> None:
    terciles = bivariate.Terciles((36.1, 77.0), (67.1, 80.7), (5.0, 300.0), (40.0, 95.0))
    fig = bivariate.bivariate_legend(terciles)
    cells = [s for s in fig.layout.shapes if s.name in bivariate.PALETTE]
    assert len(cells) == 9
    for cell in cells:
        uptake, access = (int(p) for p in cell.name.split("-"))
        assert (cell.x0, cell.y0) == (access - 1, uptake - 1)  # access right, uptake up
        assert cell.fillcolor == bivariate.PALETTE[cell.name]
    no_data = [s for s in fig.layout.shapes if s.name == uptake_access.NO_DATA]
    assert len(no_data) == 1 and no_data[0].fillcolor == maps.NO_DATA_COLOUR
    # the swatch is hatched like the map, and the legend says so
    (hatch,) = [t for t in fig.data if t.mode == "lines"]
    assert hatch.line.color == maps.HATCH_LINE["color"]
    swatch = no_data[0]
    inside = [
        swatch.x0 <= x <= swatch.x1 and swatch.y0 <= y <= swatch.y1
        for x, y in zip(hatch.x, hatch.y, strict=True)
        if x is not None
    ]
    assert inside and all(inside)
    assert fig.layout.annotations[0].text == maps.NO_DATA_LEGEND
    assert fig.layout.xaxis.title.text == "Access →"
    assert fig.layout.yaxis.title.text == "Uptake →"
    assert list(fig.layout.xaxis.ticktext) == ["40.0", "67.1", "80.7", "95.0"]
    assert list(fig.layout.yaxis.ticktext) == ["5.0", "36.1", "77.0", "300.0"]


def _layer_frame(layer: geo.DistrictLayer) -> pd.DataFrame:
    """Every layer district but the last; the second has no uptake."""
    gdf = layer.gdf.sort_values("district_code").iloc[:-1]
    n = len(gdf)
    frame = _frame(list(np.linspace(10, 300, n)), list(np.linspace(40, 95, n)))
    frame["district_code"] = list(gdf["district_code"])
    frame["district_name"] = list(gdf["district_name"])
    frame.loc[1, "uptake_per_1000"] = math.nan
    return frame


def _areas(fig) -> list:
    return [trace for trace in fig.data if trace.type == "choroplethmap"]


def test_map_has_every_district_once_coloured_by_class(layer: geo.DistrictLayer) -> None:
    frame = _layer_frame(layer)
    classed, terciles = bivariate.bivariate_classes(frame)
    fig = bivariate.bivariate_map(layer, classed, terciles)
    areas = _areas(fig)
    codes = [code for trace in areas for code in trace.locations]
    assert sorted(codes) == sorted(layer.gdf["district_code"])
    assert len(codes) == DISTRICT_COUNT
    classes = classed.set_index("district_code")["bivariate_class"]
    for trace in areas:
        colour = trace.colorscale[0][1]
        if trace.name == maps.NO_DATA_LEGEND:
            assert colour == maps.NO_DATA_COLOUR
            # the district without uptake and the one the frame does not have
            assert len(trace.locations) == 2
        else:
            code = trace.name.split(":")[0]
            assert colour == bivariate.PALETTE[code]
            assert {classes[c] for c in trace.locations} == {code}
        assert list(trace.customdata) == list(trace.locations)
    assert fig.layout.map.style == "white-bg"
    assert not fig.layout.showlegend
    # "No data" is hatched as well as grey, so it cannot pass for the low-low class
    (hatch,) = [t for t in fig.data if t.type == "scattermap"]
    assert hatch.mode == "lines" and hatch.line.color == maps.HATCH_LINE["color"]
    assert list(hatch.lon).count(None) >= 2


def test_map_hover_names_values_classes_source_and_year(layer: geo.DistrictLayer) -> None:
    frame = _layer_frame(layer)
    classed, terciles = bivariate.bivariate_classes(frame)
    fig = bivariate.bivariate_map(layer, classed, terciles)
    hovers = {
        c: t for trace in _areas(fig) for c, t in zip(trace.locations, trace.text, strict=True)
    }
    first = hovers[frame.loc[0, "district_code"]]
    assert "Uptake: 10.0 per 1,000 (low tercile)" in first
    assert "Access index: 40.0 / 100 (low tercile)" in first
    assert "Class 1-1: low uptake, low access" in first
    assert "Uptake source: demo, 2023-2026" in first
    assert "Access source: census + survey, 2019-2023" in first
    assert uptake_access.PARENT_FLAG in first
    missing = hovers[frame.loc[1, "district_code"]]
    assert "Uptake: No data (no data tercile)" in missing
    assert "Class No data" in missing and uptake_access.PARENT_FLAG not in missing
    absent = hovers[sorted(layer.gdf["district_code"])[-1]]
    assert "Uptake source: not given, not given" in absent


def test_map_highlight_outlines_the_district_on_top(layer: geo.DistrictLayer) -> None:
    frame = _layer_frame(layer)
    classed, terciles = bivariate.bivariate_classes(frame)
    code, name = frame.loc[3, ["district_code", "district_name"]]
    fig = bivariate.bivariate_map(layer, classed, terciles, highlight=code)
    areas = _areas(fig)
    assert areas[-1].name == f"Selected: {name}"
    assert list(areas[-1].locations) == [code]
    assert areas[-1].marker.line.width == maps.HIGHLIGHT_LINE["width"]
    assert len(areas) == len(_areas(bivariate.bivariate_map(layer, classed, terciles))) + 1
    assert len(_areas(bivariate.bivariate_map(layer, classed, terciles, "PK999"))) == len(areas) - 1


def test_map_uses_carto_when_configured(
    layer: geo.DistrictLayer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KP_DASH_BASEMAP", "carto")
    classed, terciles = bivariate.bivariate_classes(_layer_frame(layer))
    assert bivariate.bivariate_map(layer, classed, terciles).layout.map.style == "carto-positron"


def test_map_on_the_tile_map_draws_hexagons_with_names_and_hatching(
    tiles: geo.DistrictLayer,
) -> None:
    frame = _layer_frame(tiles)
    classed, terciles = bivariate.bivariate_classes(frame)
    code = frame.loc[3, "district_code"]
    fig = bivariate.bivariate_map(tiles, classed, terciles, highlight=code)
    assert {t.type for t in fig.data} == {"scatter"}  # nothing that needs map glyphs
    areas = [t for t in fig.data if t.fill == "toself"]
    assert sum(list(t.x).count(None) for t in areas) == DISTRICT_COUNT
    (no_data,) = [t for t in areas if t.name == maps.NO_DATA_LEGEND]
    assert no_data.fillcolor == maps.NO_DATA_COLOUR and list(no_data.x).count(None) == 2
    outline = [t for t in fig.data if t.line.width == maps.HIGHLIGHT_LINE["width"]]
    assert len(outline) == 1 and list(outline[0].x).count(None) == 1
    (names,) = [t for t in fig.data if t.mode == "markers+text"]
    assert len(names.text) == DISTRICT_COUNT and code in list(names.customdata)
