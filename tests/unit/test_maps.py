"""Map builders: classes, plotly figure and pydeck decks, asserted on their JSON specs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely

from kp_dash.store import geo, tile_grid
from kp_dash.views import decks, maps

NO_BASEMAP_STYLE = "__MAP_STYLE__"


@pytest.fixture(autouse=True)
def _offline_basemap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KP_DASH_BASEMAP", raising=False)


@pytest.fixture(scope="module")
def layer() -> geo.DistrictLayer:
    tiles = tile_grid.tile_grid_layer()
    return geo.DistrictLayer(tiles, "tile_grid", geo.TILE_GRID_SOURCE, "test")


@pytest.fixture(scope="module")
def values(layer: geo.DistrictLayer) -> pd.DataFrame:
    """Every district but Tank (PK533) has a row; Bannu (PK503) has a row with no value."""
    frame = layer.gdf[["district_code", "district_name"]].copy()
    frame = frame[frame["district_code"] != "PK533"].reset_index(drop=True)
    frame["value"] = np.arange(len(frame), dtype=float) * 10
    frame.loc[frame["district_code"] == "PK503", "value"] = np.nan
    frame["source"] = "Demo survey"
    frame["year"] = "2024"
    extra = pd.DataFrame(
        [
            {
                "district_code": "PK999",
                "district_name": "Elsewhere",
                "value": 1.0,
                "source": "x",
                "year": "2024",
            }
        ]
    )
    return pd.concat([frame, extra], ignore_index=True)


def test_colour_classes_no_data_is_its_own_grey_class() -> None:
    labels, legend = maps.colour_classes(pd.Series([1.0, 2.0, np.nan, 4.0, 8.0, 16.0]))
    assert labels[2] == maps.NO_DATA
    assert legend[-1] == (maps.NO_DATA, maps.NO_DATA_COLOUR)
    assert maps.NO_DATA not in set(labels.drop(2))
    assert len(legend) == 6  # five quantile classes + No data
    assert labels[0] == legend[0][0] and labels[5] == legend[4][0]


def test_colour_classes_all_equal_values_give_one_class() -> None:
    labels, legend = maps.colour_classes(pd.Series([3.0, 3.0, 3.0]))
    assert labels.nunique() == 1 and len(legend) == 1
    assert legend[0][0] == "3.0"


def test_colour_classes_direction_flips_the_palette() -> None:
    series = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0])
    _, better_high = maps.colour_classes(series, higher_is_better=True)
    _, better_low = maps.colour_classes(series, higher_is_better=False)
    assert [c for _, c in better_high] == [c for _, c in better_low][::-1]
    darkness = [sum(maps.hex_to_rgba(c)[:3]) for _, c in better_high]
    assert darkness == sorted(darkness, reverse=True)  # highest value = darkest


@pytest.fixture(scope="module")
def real() -> geo.DistrictLayer:
    """The bundled OCHA layer, the map a fresh clone draws."""
    layer = geo.bundled_layer()
    assert layer.kind == "boundaries", layer.note
    return layer


def _traces(fig, kind: str) -> list[dict]:
    return [t for t in json.loads(fig.to_json())["data"] if t["type"] == kind]


def test_choropleth_figure_on_the_tile_map_is_a_diagram(
    layer: geo.DistrictLayer, values: pd.DataFrame
) -> None:
    fig = maps.choropleth_figure(layer, values, label="Uptake", unit="per 1,000")
    assert not _traces(fig, "scattermap") and not _traces(fig, "choroplethmap")
    scatters = _traces(fig, "scatter")
    areas = [t for t in scatters if t.get("fill") == "toself"]
    # one hexagon ring (7 points and a break) per district, 35 in all, PK999 ignored
    assert sum(t["x"].count(None) for t in areas) == 35
    assert [t["name"] for t in areas][-1] == maps.NO_DATA_LEGEND
    assert areas[-1]["fillcolor"] == maps.NO_DATA_COLOUR
    assert areas[-1]["x"].count(None) == 2  # Bannu (no value) and Tank (no row)
    hatch = [t for t in scatters if t.get("line") == maps.HATCH_LINE]
    assert len(hatch) == 1 and hatch[0]["x"].count(None) > 2
    (labels,) = [t for t in scatters if t["mode"] == "markers+text"]
    assert len(labels["text"]) == 35 and "Peshawar" in labels["text"]
    assert set(labels["textfont"]["color"]) == {"#ffffff", "#222222"}
    hover = dict(zip(labels["customdata"], labels["hovertext"], strict=True))
    assert "Demo survey" in hover["PK501"] and "2024" in hover["PK501"]
    assert "per 1,000" in hover["PK501"]
    assert "No data" in hover["PK533"] and "No data" in hover["PK503"]
    assert fig.layout.yaxis.scaleanchor == "x"


def test_choropleth_figure_on_boundaries(real: geo.DistrictLayer, values: pd.DataFrame) -> None:
    fig = maps.choropleth_figure(real, values, label="Uptake", unit="per 1,000")
    spec = json.loads(fig.to_json())
    classes = _traces(fig, "choroplethmap")
    locations = [loc for trace in classes for loc in trace["locations"]]
    assert sorted(locations) == sorted(real.gdf["district_code"])  # 35, PK999 ignored
    assert spec["layout"]["map"]["style"] == "white-bg"
    assert classes[-1]["name"] == maps.NO_DATA_LEGEND
    assert sorted(classes[-1]["locations"]) == ["PK503", "PK533"]
    hover = {
        loc: text
        for trace in classes
        for loc, text in zip(trace["locations"], trace["text"], strict=True)
    }
    assert "Demo survey" in hover["PK501"] and "No data" in hover["PK533"]
    # the only other trace is the hatching: lines, never text (text would fetch glyphs)
    (hatch,) = _traces(fig, "scattermap")
    assert hatch["mode"] == "lines" and hatch["line"] == maps.HATCH_LINE
    west, south, east, north = real.gdf.total_bounds
    centre = spec["layout"]["map"]["center"]
    assert west < centre["lon"] < east and south < centre["lat"] < north
    assert len(fig.to_json()) < 1_000_000


def test_choropleth_figure_uses_carto_when_configured(
    real: geo.DistrictLayer, values: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KP_DASH_BASEMAP", "carto")
    fig = maps.choropleth_figure(real, values, label="Uptake", unit="%")
    assert fig.layout.map.style == "carto-positron"


def test_hatch_lines_clip_diagonals_to_the_shape() -> None:
    # y = x + k/2 across the unit square: k = -1, 0, 1 cross it; k = -2 and 2 only touch a corner
    xs, ys = maps.hatch_lines([shapely.box(0, 0, 1, 1)], spacing=0.5)
    segments = []
    for x0, y0, x1, y1, gap in zip(xs[0::3], ys[0::3], xs[1::3], ys[1::3], xs[2::3], strict=True):
        assert gap is None
        segments.append(sorted([(round(x0, 9), round(y0, 9)), (round(x1, 9), round(y1, 9))]))
    assert sorted(segments) == [
        [(0.0, 0.0), (1.0, 1.0)],
        [(0.0, 0.5), (0.5, 1.0)],
        [(0.5, 0.0), (1.0, 0.5)],
    ]
    assert maps.hatch_lines([]) == ([], [])


def test_locator_marks_the_district_and_its_division(real: geo.DistrictLayer) -> None:
    register = pd.read_csv(geo.SEED_DIR / "districts.csv", dtype=str)
    fig = maps.locator_figure(real, register, "PK502")
    classes = {t["name"]: t["locations"] for t in _traces(fig, "choroplethmap")}
    assert classes["This district"] == ["PK502"]
    # Malakand division: Bajaur, Buner, Lower and Upper Chitral, Lower and Upper Dir, Malakand,
    # Shangla, Swat (PK502 itself is the district)
    assert sorted(classes["Same division"]) == [
        "PK505", "PK507", "PK508", "PK520", "PK521", "PK529", "PK532", "PK535",
    ]  # fmt: skip
    assert len(classes["Other districts"]) == 35 - 9
    hovers = {
        code: text
        for trace in _traces(fig, "choroplethmap")
        for code, text in zip(trace["locations"], trace["text"], strict=True)
    }
    assert hovers["PK501"] == "<b>Abbottabad</b><br>Hazara division"


def _deck_spec(deck) -> dict:
    text = deck.to_json()
    assert "NaN" not in text
    return json.loads(text)


def test_choropleth_deck(layer: geo.DistrictLayer, values: pd.DataFrame) -> None:
    deck = decks.choropleth_deck(layer, values, label="Uptake", unit="%")
    spec = _deck_spec(deck)
    # pydeck's placeholder style, not None: for None Streamlit loads a basemap from the internet
    assert spec.get("mapProvider") is None and spec["mapStyle"] == NO_BASEMAP_STYLE
    # pydeck keeps the tooltip out of to_json(); st.pydeck_chart reads it from `_tooltip`.
    html = deck._tooltip["html"]
    assert "{district_name}" in html and "{value_text}" in html
    assert "{source}" in html and "{year}" in html
    features = spec["layers"][0]["data"]["features"]
    assert len(features) == 35
    props = {f["id"]: f["properties"] for f in features}
    assert props["PK533"]["value_text"] == "No data"
    assert props["PK533"]["fill"] == maps.hex_to_rgba(maps.NO_DATA_COLOUR)
    assert props["PK501"]["source"] == "Demo survey" and props["PK501"]["year"] == "2024"
    layers = {layer["id"]: layer for layer in spec["layers"]}
    assert len(layers["no-data-hatch"]["data"]) > 2  # Bannu and Tank hatched, as on plotly
    labels = layers["tile-labels"]
    assert labels["getSize"] >= 14 and labels["sizeUnits"] == "pixels"  # readable, literal


def test_choropleth_deck_carto(
    layer: geo.DistrictLayer, values: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KP_DASH_BASEMAP", "carto")
    spec = _deck_spec(decks.choropleth_deck(layer, values, label="Uptake", unit="%"))
    assert spec["mapProvider"] == "carto" and "positron" in spec["mapStyle"]
