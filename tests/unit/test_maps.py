"""Map builders: classes, plotly figure and pydeck decks, asserted on their JSON specs."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from kp_dash import geo, maps


@pytest.fixture(autouse=True)
def _offline_basemap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KP_DASH_BASEMAP", raising=False)


@pytest.fixture(scope="module")
def layer() -> geo.DistrictLayer:
    tiles = geo.tile_grid_layer()
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
    darkness = [sum(maps._hex_to_rgba(c)[:3]) for _, c in better_high]
    assert darkness == sorted(darkness, reverse=True)  # highest value = darkest


def test_choropleth_figure(layer: geo.DistrictLayer, values: pd.DataFrame) -> None:
    fig = maps.choropleth_figure(layer, values, label="Uptake", unit="per 1,000")
    spec = json.loads(fig.to_json())
    classes = [t for t in spec["data"] if t["type"] == "choroplethmap"]
    labels = [t for t in spec["data"] if t["type"] == "scattermap"]
    assert len(classes) + len(labels) == len(spec["data"])
    locations = [loc for trace in classes for loc in trace["locations"]]
    assert sorted(locations) == sorted(layer.gdf["district_code"])  # 35, PK999 ignored
    assert spec["layout"]["map"]["style"] == "white-bg"
    # the tile map writes each district's short name on its hexagon, light on dark fills
    texts = [text for trace in labels for text in trace["text"]]
    assert len(texts) == 35 and "Peshawar" in texts
    assert {t["mode"] for t in labels} == {"text"}
    assert {t["textfont"]["color"] for t in labels} == {"#ffffff", "#222222"}
    hover = {
        loc: text
        for trace in classes
        for loc, text in zip(trace["locations"], trace["text"], strict=True)
    }
    assert "Demo survey" in hover["PK501"] and "2024" in hover["PK501"]
    assert "per 1,000" in hover["PK501"]
    assert "No data" in hover["PK533"] and "No data" in hover["PK503"]
    assert classes[-1]["name"] == maps.NO_DATA
    assert sorted(classes[-1]["locations"]) == ["PK503", "PK533"]
    west, south, east, north = layer.gdf.total_bounds
    centre = spec["layout"]["map"]["center"]
    assert west < centre["lon"] < east and south < centre["lat"] < north


def test_choropleth_figure_uses_carto_when_configured(
    layer: geo.DistrictLayer, values: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KP_DASH_BASEMAP", "carto")
    fig = maps.choropleth_figure(layer, values, label="Uptake", unit="%")
    assert fig.layout.map.style == "carto-positron"


def _deck_spec(deck) -> dict:
    text = deck.to_json()
    assert "NaN" not in text
    return json.loads(text)


def test_choropleth_deck(layer: geo.DistrictLayer, values: pd.DataFrame) -> None:
    deck = maps.choropleth_deck(layer, values, label="Uptake", unit="%")
    spec = _deck_spec(deck)
    assert spec.get("mapProvider") is None and spec.get("mapStyle") is None
    # pydeck keeps the tooltip out of to_json(); st.pydeck_chart reads it from `_tooltip`.
    html = deck._tooltip["html"]
    assert "{district_name}" in html and "{value_text}" in html
    assert "{source}" in html and "{year}" in html
    features = spec["layers"][0]["data"]["features"]
    assert len(features) == 35
    props = {f["id"]: f["properties"] for f in features}
    assert props["PK533"]["value_text"] == "No data"
    assert props["PK533"]["fill"] == maps._hex_to_rgba(maps.NO_DATA_COLOUR)
    assert props["PK501"]["source"] == "Demo survey" and props["PK501"]["year"] == "2024"


def test_choropleth_deck_carto(
    layer: geo.DistrictLayer, values: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KP_DASH_BASEMAP", "carto")
    spec = _deck_spec(maps.choropleth_deck(layer, values, label="Uptake", unit="%"))
    assert spec["mapProvider"] == "carto" and "positron" in spec["mapStyle"]


def test_proportional_symbols_radius_grows_with_sqrt_of_value(
    layer: geo.DistrictLayer, values: pd.DataFrame
) -> None:
    deck = maps.proportional_symbols_deck(layer, values, label="Users", unit="people")
    spec = _deck_spec(deck)
    assert spec.get("mapProvider") is None
    circles = {d["district_name"]: d for d in spec["layers"][1]["data"]}
    assert "Tank" not in circles and "Bannu" not in circles  # no data: no circle
    by_value = sorted(
        circles.values(), key=lambda d: float(d["value_text"].split()[0].replace(",", ""))
    )
    radii = [d["radius_m"] for d in by_value]
    assert radii == sorted(radii)
    top, other = by_value[-1], by_value[len(by_value) // 2]
    ratio = float(other["value_text"].split()[0].replace(",", "")) / float(
        top["value_text"].split()[0].replace(",", "")
    )
    assert other["radius_m"] / top["radius_m"] == pytest.approx(math.sqrt(ratio), rel=1e-6)
    assert len(spec["layers"][0]["data"]["features"]) == 35  # base layer keeps No data visible


def test_maps_on_real_boundaries_have_35_locations(values: pd.DataFrame) -> None:
    path = geo.config.SHARED_DATA_DIR / "boundaries" / "kp_districts_ocha_codab_20220909.geojson"
    if not path.exists():
        pytest.skip(f"reference boundary file absent: {path}")
    real = geo.district_layer(path)
    fig = maps.choropleth_figure(real, values, label="Uptake", unit="%")
    assert sum(len(t.locations) for t in fig.data) == 35
    assert len(fig.to_json()) < 1_000_000
