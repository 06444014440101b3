"""Uptake-vs-access builders: the scatter, its selection read-back and the gap table."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from kp_dash.numbers import analysis
from kp_dash.store import db
from kp_dash.views import uptake_access, uptake_words

ZERO = re.compile(r"^[+-]?0+([.,]0+)?$")
DEMO_KIND = "Demonstration data (simulated, not real usage); PBS Census 2023, table 1"
ACCESS_SOURCE = "literacy_pct: PBS Census 2023, table 12; mobile_hh_pct: PSLM 2019-20"
# code, name, merged, parent estimate, population, uptake, access
ROWS = [
    ("PK501", "Alpha", False, False, 1_000_000, 100.0, 90.0),
    ("PK502", "Bravo", True, False, 250_000, 10.0, 50.0),
    ("PK503", "Charlie", False, False, 4_000_000, 20.0, 80.0),
    ("PK504", "Delta", True, False, 500_000, 60.0, 40.0),
    ("PK505", "Echo", False, False, 300_000, math.nan, 70.0),
    ("PK506", "Foxtrot", False, False, 200_000, 0.0, 60.0),
    ("PK507", "Golf", False, True, 400_000, 90.0, 85.0),
]


def _frame(rows: list[tuple] = ROWS) -> pd.DataFrame:
    """A district frame shaped like `analysis.district_frame`, its model from `analysis`."""
    columns = [
        "district_code",
        "district_name",
        "is_merged",
        "access_is_parent_estimate",
        "eligible_population",
        "uptake_per_1000",
        "access_index",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    has_uptake = frame["uptake_per_1000"].notna()
    frame["uptake_source"] = np.where(has_uptake, DEMO_KIND, None)
    frame["uptake_year"] = np.where(has_uptake, "2023-2026", None)
    frame["access_source"] = ACCESS_SOURCE
    frame["access_year"] = "2019-2023"
    fit = analysis.fit_uptake(frame)
    assert fit is not None
    frame["expected_uptake"] = fit.expected(frame["access_index"])
    frame["expected_low"], frame["expected_high"] = fit.band(frame["access_index"])
    frame["uptake_gap"] = frame["uptake_per_1000"] - frame["expected_uptake"]
    frame["gap_rank"] = frame["uptake_gap"].rank(method="min").astype("Int64")
    access_median, uptake_median = uptake_access.medians(frame)
    frame["quadrant"] = [
        analysis.quadrant(a, u, access_median, uptake_median)
        for a, u in zip(frame["access_index"], frame["uptake_per_1000"], strict=True)
    ]
    return frame


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return _frame()


@pytest.fixture(scope="module")
def fit(frame: pd.DataFrame) -> analysis.UptakeFit:
    result = analysis.fit_uptake(frame)
    assert result is not None
    return result


def _traces(fig: go.Figure) -> dict[str, go.Scatter]:
    return {trace.name: trace for trace in fig.data}


def test_scatter_traces_band_line_and_two_marker_kinds(frame, fit) -> None:
    fig = uptake_access.uptake_access_scatter(frame, fit)
    names = [trace.name for trace in fig.data]
    assert names == [
        "95% band of the fitted line",
        "Expected uptake at that access (fit)",
        "District",
        "Merged district (ex-FATA)",
    ]
    traces = _traces(fig)
    assert traces["District"].marker.symbol == "circle"
    assert traces["Merged district (ex-FATA)"].marker.symbol == "diamond"
    assert fig.layout.yaxis.type == "log"


def test_scatter_band_is_closed_and_contains_the_line(frame, fit) -> None:
    traces = _traces(uptake_access.uptake_access_scatter(frame, fit))
    band, line = (
        traces["95% band of the fitted line"],
        traces["Expected uptake at that access (fit)"],
    )
    assert band.fill == "toself"
    n = len(line.x)
    assert len(band.x) == 2 * n
    upper, lower = np.array(band.y[:n]), np.array(band.y[n:][::-1])
    assert np.all(lower < np.array(line.y)) and np.all(np.array(line.y) < upper)
    # the line spans the access range of the drawn districts
    drawn = frame[uptake_access.plotted(frame)]
    assert line.x[0] == pytest.approx(drawn["access_index"].min())
    assert line.x[-1] == pytest.approx(drawn["access_index"].max())
    assert np.allclose(line.y, fit.expected(np.array(line.x)))


def test_scatter_leaves_out_no_data_and_zero_uptake_and_says_so(frame, fit) -> None:
    traces = _traces(uptake_access.uptake_access_scatter(frame, fit))
    codes = [*traces["District"].customdata, *traces["Merged district (ex-FATA)"].customdata]
    assert sorted(codes) == ["PK501", "PK502", "PK503", "PK504", "PK507"]
    sentence = uptake_words.left_out_sentence(frame)
    assert "Echo (no usage data)" in sentence
    assert "Foxtrot (no digital transactions recorded)" in sentence
    assert uptake_words.left_out_sentence(frame[uptake_access.plotted(frame)]) == ""


def test_scatter_marker_area_follows_population_on_one_scale(frame, fit) -> None:
    traces = _traces(uptake_access.uptake_access_scatter(frame, fit))
    sizes: dict[str, float] = {}
    for name in ("District", "Merged district (ex-FATA)"):
        sizes |= dict(zip(traces[name].customdata, traces[name].marker.size, strict=True))
    population = frame.set_index("district_code")["eligible_population"]
    by_population = sorted(sizes, key=lambda code: population[code])
    assert [sizes[c] for c in by_population] == sorted(sizes.values())
    # Charlie has four times Alpha's population: twice the diameter
    assert sizes["PK503"] == pytest.approx(uptake_access.MAX_MARKER_PX)
    assert sizes["PK503"] / sizes["PK501"] == pytest.approx(2.0)
    assert min(sizes.values()) >= uptake_access.MIN_MARKER_PX


def test_scatter_quadrant_names_sit_in_their_corners(frame, fit) -> None:
    fig = uptake_access.uptake_access_scatter(frame, fit)
    texts = {re.sub("</?i>", "", a.text): a for a in fig.layout.annotations}
    assert set(texts) == set(analysis.QUADRANTS)
    for name, note in texts.items():
        high_access, high_uptake = note.x > 0.5, note.y > 0.5
        assert (
            analysis.quadrant(
                80.0 if high_access else 20.0, 80.0 if high_uptake else 20.0, 50.0, 50.0
            )
            == name
        )


def test_scatter_median_lines_are_dashed_at_the_provincial_medians(frame, fit) -> None:
    shapes = {s.name: s for s in uptake_access.uptake_access_scatter(frame, fit).layout.shapes}
    assert shapes["median access"].x0 == pytest.approx(frame["access_index"].median())
    assert shapes["median uptake"].y0 == pytest.approx(frame["uptake_per_1000"].median())
    assert all(shape.line.dash == "dash" for shape in shapes.values())


def test_scatter_hover_has_values_source_kind_year_and_flags(frame, fit) -> None:
    traces = _traces(uptake_access.uptake_access_scatter(frame, fit))
    hovers = dict(zip(traces["District"].customdata, traces["District"].text, strict=True))
    alpha = hovers["PK501"]
    for part in ("Alpha", "Uptake: 100.0", "Access index: 90.0", "Expected at this access",
                 "Gap: ", "Quadrant: on track", "Uptake source: demo + census, 2023-2026",
                 "Access source: census + survey, 2019-2023"):  # fmt: skip
        assert part in alpha, (part, alpha)
    assert uptake_access.PARENT_FLAG not in alpha
    assert uptake_access.PARENT_FLAG in hovers["PK507"]
    merged = traces["Merged district (ex-FATA)"].text
    assert all(uptake_access.MERGED_FLAG in text for text in merged)


def test_scatter_highlight_is_drawn_larger_and_outlined(frame, fit) -> None:
    plain = _traces(uptake_access.uptake_access_scatter(frame, fit))
    fig = uptake_access.uptake_access_scatter(frame, fit, highlight="PK502")
    selected = fig.data[-1]
    assert selected.name == "Selected: Bravo"
    assert list(selected.customdata) == ["PK502"]
    assert selected.marker.symbol == "diamond"
    assert selected.marker.line.width == 3
    base = dict(
        zip(
            plain["Merged district (ex-FATA)"].customdata,
            plain["Merged district (ex-FATA)"].marker.size,
            strict=True,
        )
    )
    assert selected.marker.size[0] > base["PK502"]
    assert "Bravo" in selected.hovertext[0]
    # a district that is not drawn (no uptake) and no choice add no trace
    assert len(uptake_access.uptake_access_scatter(frame, fit, highlight="PK505").data) == 4
    assert len(uptake_access.uptake_access_scatter(frame, fit, highlight=None).data) == 4


def test_scatter_without_fit_or_uptake() -> None:
    frame = _frame()
    assert [t.name for t in uptake_access.uptake_access_scatter(frame, None).data] == [
        "District",
        "Merged district (ex-FATA)",
    ]
    empty = frame.assign(uptake_per_1000=math.nan)
    fig = uptake_access.uptake_access_scatter(empty, None)
    assert all(len(trace.x) == 0 for trace in fig.data)
    assert "Alpha" in uptake_words.left_out_sentence(empty)
    assert "no fitted line" in uptake_words.model_sentence(empty, None)
    assert "No uptake data" in uptake_words.no_scatter_message(empty)
    zeros = frame.assign(uptake_per_1000=0.0)
    assert not uptake_access.plotted(zeros).any()
    assert "No digital transactions are recorded" in uptake_words.no_scatter_message(zeros)


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        ([{"customdata": "PK503", "x": 80}], "PK503"),
        ([{"customdata": ["PK504"]}], "PK504"),
        ([{"location": "PK501", "customdata": None}], "PK501"),
        ([{"x": 1}, {"customdata": "PK999"}], None),
        ([], None),
    ],
)
def test_picked_district_reads_customdata_or_location(points, expected) -> None:
    assert uptake_access.picked_district(points, ["PK501", "PK503", "PK504"]) == expected


def test_gap_table_ranks_most_under_served_first_no_data_last(frame) -> None:
    table = uptake_access.gap_table(frame, highlight="PK507")
    assert list(table.columns) == list(uptake_access.GAP_COLUMNS.values())
    gaps = frame.set_index("district_name")["uptake_gap"]
    ranked = table[table["Rank"].notna()]
    assert list(ranked["District"]) == list(gaps.dropna().sort_values().index)
    assert list(ranked["Rank"]) == list(range(1, len(ranked) + 1))
    echo = table.set_index("District").loc["Echo"]
    assert table["District"].iloc[-1] == "Echo" and pd.isna(echo["Rank"])
    for column in ("Uptake per 1,000", "Gap per 1,000", "Expected per 1,000 (modelled)"):
        assert echo[column] != "0"
    assert echo["Uptake per 1,000"] == uptake_access.NO_DATA
    assert echo["Quadrant"] == uptake_access.NO_DATA
    # a real zero stays a zero; "No data" is only for missing values
    assert table.set_index("District").loc["Foxtrot", "Uptake per 1,000"] == "0.0"


def test_gap_table_flags_sources_and_selection(frame) -> None:
    table = uptake_access.gap_table(frame, highlight="PK507").set_index("District")
    assert table.loc["Golf", "Selected"] and not table.drop("Golf")["Selected"].any()
    assert uptake_access.PARENT_FLAG in table.loc["Golf", "Flags"]
    assert uptake_access.MERGED_FLAG in table.loc["Bravo", "Flags"]
    assert table.loc["Alpha", "Flags"] == ""
    assert table.loc["Alpha", "Source"] == (
        "uptake: demo + census; access: census + survey; expected: modelled"
    )
    assert table.loc["Alpha", "Year"] == "uptake 2023-2026; access 2019-2023"
    assert table.loc["Echo", "Year"].startswith("uptake not given")
    shown = table.reset_index()
    html = uptake_access.highlight_row_style(shown).to_html()
    style = html.split("</style>")[0]  # only shaded cells get a rule
    cells = set(re.findall(r"_row(\d+)_col(\d+)", style))
    golf = int(shown.index[shown["District"] == "Golf"][0])
    assert {int(row) for row, _ in cells} == {golf}
    assert len(cells) == len(shown.columns)


def test_gap_export_keeps_the_rows_and_provenance_with_numbers_as_numbers(frame) -> None:
    shown = uptake_access.gap_table(frame, highlight="PK507")
    exported = uptake_access.gap_export(frame)
    assert list(exported.columns) == [c for c in shown.columns if c != "Selected"]
    assert exported["District"].tolist() == shown["District"].tolist()
    for column in ("Uptake per 1,000", "Expected per 1,000 (modelled)", "Gap per 1,000"):
        assert pd.api.types.is_float_dtype(exported[column]), column
    by_name = exported.set_index("District")
    # the fixture's own uptake and access, as given in ROWS
    assert by_name.loc["Alpha", ["Uptake per 1,000", "Access index"]].tolist() == [100.0, 90.0]
    assert by_name.loc["Foxtrot", "Uptake per 1,000"] == 0.0  # a real zero stays 0
    echo = by_name.loc["Echo"]  # no uptake: empty, never 0, and no rank
    assert echo[["Rank", "Uptake per 1,000", "Gap per 1,000"]].isna().all()
    assert echo["Quadrant"] == uptake_access.NO_DATA
    # the numbers shown: "-13.9" on screen is -13.9 in the file
    gaps = (
        shown["Gap per 1,000"]
        .str.replace(",", "")
        .replace(uptake_access.NO_DATA, "nan")
        .astype(float)
    )
    assert exported["Gap per 1,000"].tolist() == pytest.approx(gaps.tolist(), nan_ok=True)
    assert (exported["Gap per 1,000"] < 0).any()
    assert by_name.loc["Alpha", "Source"] == (
        "uptake: demo + census; access: census + survey; expected: modelled"
    )
    assert by_name.loc["Alpha", "Year"] == "uptake 2023-2026; access 2019-2023"


def test_quadrant_counts_follow_the_meanings_and_count_no_data(frame) -> None:
    rows = uptake_access.quadrant_counts(frame, analysis.QUADRANTS)
    assert [name for name, _, _ in rows] == [*analysis.QUADRANTS, uptake_access.NO_DATA]
    assert sum(count for _, count, _ in rows) == len(frame)
    assert {n: c for n, c, _ in rows}[uptake_access.NO_DATA] == 1  # Echo
    assert rows[0][2] == analysis.QUADRANTS["on track"]


@pytest.mark.parametrize(
    ("source", "kinds"),
    [
        (DEMO_KIND, "demo + census"),
        (ACCESS_SOURCE, "census + survey"),
        ("Health Department returns", "admin"),
        (None, "not given"),
        ("", "not given"),
    ],
)
def test_source_kinds(source, kinds) -> None:
    assert uptake_access.source_kinds(source) == kinds


def test_model_sentence(frame, fit) -> None:
    model = uptake_words.model_sentence(frame, fit)
    assert "population-weighted least squares of `log(uptake)` on the access index" in model
    assert "left out: Echo, Foxtrot" in model


def test_scatter_on_demo_frame_has_every_district_once(demo_db: Path) -> None:
    con = db.connect_readonly(demo_db)
    frame = analysis.district_frame(con)
    fig = uptake_access.uptake_access_scatter(frame, analysis.fit_uptake(frame), highlight="PK528")
    codes = [c for t in fig.data[2:4] for c in t.customdata]
    assert sorted(codes) == sorted(frame["district_code"])
    assert fig.data[-1].name == "Selected: Peshawar"
    texts = [text for t in fig.data[2:4] for text in t.text]
    assert all("Uptake source: demo" in text and "Access source: census + survey" in text
               for text in texts)  # fmt: skip
    table = uptake_access.gap_table(frame)
    assert len(table) == len(frame) == 35
    assert not any(ZERO.match(v) for v in table["Uptake per 1,000"])
