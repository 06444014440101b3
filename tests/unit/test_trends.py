"""Trends, delta ranking and target attainment on a fixture with hand-computed answers.

Fixture (tests/fixtures/trends, on top of the small seed): three districts, adults 18+ (the
health_complaints population) Bajaur PK502 1,000 (Malakand division), Peshawar PK528 2,000 and
Charsadda PK506 1,000 (both Peshawar division); province 4,000 adults, 8,000 people.
Digital health_complaints transactions → uptake per 1,000 adults:

    month     PK502      PK528       PK506       province           Peshawar division
    2024-01   40 → 40    200 → 100   160 → 160   400/4000 → 100     360/3000 → 120
    2024-02   60 → 60    200 → 100   160 → 160   420/4000 → 105     360/3000 → 120
    2024-03 … 2024-12: no usage at all
    2025-01  120 → 120   240 → 120    60 → 60    420/4000 → 105     300/3000 → 100
    2025-02  100 → 100   160 → 80     none       260/3000 → 86.67   160/2000 → 80 (PK506 left out)
    2025-03  120 → 120   400 → 200   200 → 200   720/4000 → 180     600/3000 → 200

plus health_card in Peshawar: 200 (2024-01) and 400 (2025-03) digital transactions, on its
4,000 people. The targets file (targets.csv) is imported with `intake.import_file`.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from kp_dash.numbers import metrics, registry, trends
from kp_dash.numbers.registry import MetricError, Query
from kp_dash.store import build, db, intake
from kp_dash.views import palettes, trends_view
from tests.conftest import small_seed

FIXTURES = Path(__file__).parents[1] / "fixtures" / "trends"
HC = "health_complaints"
UPTAKE = "uptake_per_1000"
Q1 = {"month_from": "2025-01", "month_to": "2025-03"}


@pytest.fixture(scope="module")
def trends_db(tmp_path_factory) -> Path:
    """The fixture database with the targets file accepted (state kept in its own folder)."""
    root = tmp_path_factory.mktemp("trends")
    path = root / "trends.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KP_DASH_STATE", str(root / "state"))
        patch.setenv("KP_DASH_DB", str(path))
        seed = small_seed(root / "seed")
        for extra in (FIXTURES / "seed").glob("*.csv"):
            shutil.copy(extra, seed / extra.name)
        usage = build.UsageSource(FIXTURES / "usage.csv", "fixture", "admin", "Fixture returns")
        build.build(path, with_demo=False, seed_dir=seed, extra_usage=[usage])
        result = intake.import_file(FIXTURES / "targets.csv", who="test")
        assert result.status == "accepted", result.message
        # the import rebuilt from the real seed: build again from the fixture, with the batch
        build.build(path, with_demo=False, seed_dir=seed, extra_usage=[usage])
    return path


@pytest.fixture(scope="module")
def con(trends_db):
    with db.connect_readonly(trends_db) as connection:
        yield connection


def column(frame: pd.DataFrame, group: str, name: str = "value") -> list[float]:
    return list(frame.loc[frame["group_code"] == group, name])


def same(values: list[float], expected: list[float]) -> bool:
    """Equal within rounding, NaN matching NaN (a missing value is never 0)."""
    return len(values) == len(expected) and all(
        (math.isnan(v) and math.isnan(e)) or v == pytest.approx(e)
        for v, e in zip(values, expected, strict=True)
    )


# --- series, MoM and YoY ------------------------------------------------------------------------


def test_province_series_with_month_on_month_and_year_on_year(con):
    frame = trends.series(con, UPTAKE, service=HC, **Q1)
    assert list(frame.columns) == trends.SERIES_COLUMNS
    assert list(frame["month"]) == ["2025-01", "2025-02", "2025-03"]
    assert set(frame["group"]) == {"Khyber Pakhtunkhwa"}
    # February: Charsadda reports nothing, so it is in neither sum (260 of 3,000 adults)
    feb = 1000 * 260 / 3000
    assert same(column(frame, "KP"), [105, feb, 180])
    # MoM: 2024-12 has no data → NaN; 86.67 − 105; 180 − 86.67
    assert same(column(frame, "KP", "mom_change"), [math.nan, feb - 105, 180 - feb])
    # YoY reads the year before the period: 105 − 100 = +5; 86.67 − 105; 2024-03 none → NaN
    assert same(column(frame, "KP", "yoy_change"), [5, feb - 105, math.nan])
    assert frame["source"].str.contains("Fixture returns").all()


def test_division_sums_numerators_and_denominators(con):
    frame = trends.series(con, UPTAKE, service=HC, level="division", **Q1)
    assert set(frame["group_code"]) == {"Malakand", "Peshawar"}
    # Peshawar = (PK528 + PK506 transactions) ÷ (2,000 + 1,000) adults, not the mean of rates:
    # 2025-01 (240 + 60) / 3000 = 100 (the mean of 120 and 60 would be 90);
    # 2025-02 PK506 has no data, so it is left out: 160 / 2000 = 80; 2025-03 600 / 3000 = 200
    assert same(column(frame, "Peshawar"), [100, 80, 200])
    assert same(column(frame, "Peshawar", "mom_change"), [math.nan, -20, 120])
    assert same(column(frame, "Peshawar", "yoy_change"), [100 - 120, 80 - 120, math.nan])
    assert same(column(frame, "Malakand"), [120, 100, 120])  # Bajaur alone


def test_all_divisions_together_give_the_province_where_every_district_reports(con):
    divisions = trends.series(con, UPTAKE, service=HC, level="division", **Q1)
    rows = divisions[divisions["month"].isin(["2025-01", "2025-03"])]
    frame = metrics.fetch(con, Query(UPTAKE, ("month", "district"), HC, "2025-01", "2025-03"))
    for month, expected in (("2025-01", 105), ("2025-03", 180)):
        part = frame[frame["month"] == month]
        summed = 1000 * part["numerator"].sum() / part["denominator"].sum()
        assert summed == pytest.approx(expected)
    assert len(rows) == 4


def test_one_district_division_equals_its_district(con):
    """Pins the scale factor read from the registry (1000 for uptake, 100 for shares)."""
    for code in (UPTAKE, "digital_share_pct", "female_share_pct", "reach_pct"):
        division = trends.series(
            con, code, service=HC, level="division", members=("Malakand",), **Q1
        )
        district = trends.series(con, code, service=HC, level="district", members=("PK502",), **Q1)
        assert same(list(division["value"]), list(district["value"]))


def test_district_series_keeps_months_without_data_as_nan(con):
    frame = trends.series(con, UPTAKE, service=HC, level="district", members=("PK506",), **Q1)
    assert list(frame["group"]) == ["Charsadda"] * 3
    assert same(column(frame, "PK506"), [60, math.nan, 200])
    assert same(column(frame, "PK506", "mom_change"), [math.nan, math.nan, math.nan])
    assert same(column(frame, "PK506", "yoy_change"), [60 - 160, math.nan, math.nan])
    assert frame.loc[1, "source"] == ""  # no data: no source either


def test_whole_data_range_when_no_period_is_given(con):
    frame = trends.series(con, UPTAKE, service=HC, month_from=None, month_to=None)
    assert frame["month"].iloc[0] == "2024-01" and frame["month"].iloc[-1] == "2025-03"
    assert len(frame) == 15  # every month in between, the empty ones as NaN
    assert frame["value"].notna().sum() == 5


def test_metrics_without_numerator_cannot_be_shown_by_division(con):
    for code in ("gender_parity", "access_index", "uptake_gap"):
        with pytest.raises(MetricError, match="cannot be shown by division"):
            trends.series(con, code, service=None, level="division", **Q1)


def test_metrics_without_months_cannot_be_shown_over_time(con):
    with pytest.raises(MetricError, match="no monthly values"):
        trends.series(con, "literacy_pct", service=None, month_from=None, month_to=None)
    assert "literacy_pct" not in trends.trend_metrics()
    assert {UPTAKE, "gender_parity", "digital_share_pct"} <= set(trends.trend_metrics())


def test_unknown_members_and_levels_are_errors(con):
    with pytest.raises(MetricError, match="unknown district"):
        trends.series(con, UPTAKE, service=HC, level="district", members=("PK999",), **Q1)
    with pytest.raises(MetricError, match="unknown level"):
        trends.series(con, UPTAKE, service=HC, level="tehsil", **Q1)


def test_series_on_the_small_fixture_matches_the_metric_frame(small_db):
    with db.connect_readonly(small_db) as connection:
        frame = trends.series(
            connection, UPTAKE, service=HC, month_from="2025-01", month_to="2025-02"
        )
        expected = metrics.fetch(connection, Query(UPTAKE, ("month",), HC))
    # small fixture: 2025-01 digital 12 + 150 = 162, 2025-02 3 + 50 = 53, on 2,600 adults
    assert same(list(frame["value"]), [1000 * 162 / 2600, 1000 * 53 / 2600])
    assert same(list(frame["value"]), list(expected["value"]))
    assert same(list(frame["mom_change"]), [math.nan, 1000 * (53 - 162) / 2600])


# --- delta ranking ------------------------------------------------------------------------------


def test_delta_ranking_puts_the_most_improved_first(con):
    table = trends.delta_ranking(
        con, UPTAKE, service=HC, period=("2025-01", "2025-02"), comparison=("2024-01", "2024-02")
    )
    assert list(table.columns) == trends.DELTA_COLUMNS
    # PK502: (120 + 100) / 1000 = 220 vs (40 + 60) → 100: +120
    # PK528: (240 + 160) / 2000 = 200 vs 400 / 2000 = 200: 0
    # PK506: 60 / 1000 = 60 vs 320 / 1000 = 320: −260
    assert list(table["district_code"]) == ["PK502", "PK528", "PK506"]
    assert same(list(table["delta"]), [120, 0, -260])
    assert same(list(table["comparison_value"]), [100, 200, 320])
    assert list(table["rank"]) == [1, 2, 3]


def test_delta_ranking_leaves_districts_without_both_values_unranked(con):
    table = trends.delta_ranking(
        con,
        UPTAKE,
        service="health_card",
        period=("2025-03", "2025-03"),
        comparison=("2024-01", "2024-01"),
    )
    # only Peshawar has health_card use: 400 vs 200 on 4,000 people → 100 − 50 = +50
    assert table.loc[0, "district_code"] == "PK528"
    assert table.loc[0, "delta"] == pytest.approx(50)
    assert table.loc[0, "rank"] == 1
    assert table["delta"].iloc[1:].isna().all() and table["rank"].iloc[1:].isna().all()


def test_delta_ranking_refuses_a_metric_that_does_not_change_with_time(con):
    with pytest.raises(MetricError, match="delta"):
        trends.delta_ranking(
            con,
            "literacy_pct",
            service=None,
            period=("2025-01", "2025-03"),
            comparison=("2024-01", "2024-02"),
        )


def test_default_comparison_period():
    months = trends._month_range("2024-01", "2025-03")
    assert trends.default_comparison(months, ("2025-01", "2025-03")) == ("2024-01", "2024-03")
    assert trends.default_comparison(months, ("2024-07", "2024-09")) == ("2024-04", "2024-06")
    assert trends.default_comparison(months, ("2024-01", "2025-03")) == ("2024-01", "2024-01")


# --- target attainment and RAG ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pct", "status"),
    [
        (120.0, "green"),
        (100.0, "green"),
        (99.9, "amber"),
        (90.0, "amber"),
        (89.9, "red"),
        (0.0, "red"),
        (math.nan, "no data"),
    ],
)
def test_rag_default_thresholds(pct, status):
    assert trends.rag(pct) == status


def test_rag_thresholds_come_from_configuration(monkeypatch):
    monkeypatch.setenv("KP_DASH_RAG_GREEN", "95")
    monkeypatch.setenv("KP_DASH_RAG_AMBER", "80")
    assert trends.rag(96.0) == "green"
    assert trends.rag(85.0) == "amber"
    assert trends.rag(79.0) == "red"
    assert trends.rag(85.0, (100.0, 90.0)) == "red"
    assert "Green ≥ 95 %, amber ≥ 80 %" in trends_view.thresholds_caption()


def test_attainment_of_a_lower_is_better_metric():
    # 100 × actual ÷ target either way; the status is judged on target ÷ actual
    assert trends.attainment(80.0, 100.0, lower_is_better=True) == (80.0, "green")
    pct, status = trends.attainment(105.0, 100.0, lower_is_better=True)
    assert pct == pytest.approx(105.0) and status == "amber"  # 100/105 = 95.2 %
    assert trends.attainment(120.0, 100.0, lower_is_better=True)[1] == "red"  # 83.3 %
    assert trends.attainment(0.0, 100.0, lower_is_better=True)[1] == "green"
    assert trends.attainment(5.0, math.nan) == (pytest.approx(math.nan, nan_ok=True), "no target")
    assert trends.attainment(math.nan, 5.0)[1] == "no data"


def row(table: pd.DataFrame, district: str | None, service: str, period: str) -> pd.Series:
    codes = table["district_code"].fillna("KP")
    match = table[
        (codes == (district or "KP"))
        & (table["service_code"] == service)
        & (table["period"] == period)
    ]
    assert len(match) == 1
    return match.iloc[0]


def test_target_status_every_district_and_the_province(con):
    table = trends.target_status(con)
    assert list(table.columns) == trends.TARGET_COLUMNS
    # 4 (service, metric, period) keys × (province + 3 districts)
    assert len(table) == 16
    cases = [
        # PK502 2025-03: 120 ÷ 100 → 120 % green
        ("PK502", HC, "2025-03", 100, 120, 120.0, "green"),
        # PK528 2025-03: 200 ÷ 210 → 95.24 % amber
        ("PK528", HC, "2025-03", 210, 200, 100 * 200 / 210, "amber"),
        # province 2025-03: 720/4000 = 180 ÷ 200 → 90 % amber (the threshold itself)
        (None, HC, "2025-03", 200, 180, 90.0, "amber"),
        # PK528 year 2024 (months in data 2024-01, 2024-02): 400/2000 = 200 ÷ 250 → 80 % red
        ("PK528", HC, "2024", 250, 200, 80.0, "red"),
        # province, all services, 2025-03: (720 + 400) / 8000 people = 140 ÷ 250 → 56 % red
        (None, "all", "2025-03", 250, 140, 56.0, "red"),
    ]
    for district, service, period, target, actual, pct, status in cases:
        got = row(table, district, service, period)
        assert (got["target"], got["actual"]) == pytest.approx((target, actual))
        assert got["attainment_pct"] == pytest.approx(pct)
        assert got["status"] == status
        assert got["metric"] == UPTAKE and "Fixture" in got["source"]
    # Charsadda 2025-02 has a target (50) but no usage that month
    charsadda = row(table, "PK506", HC, "2025-02")
    assert charsadda["status"] == "no data" and math.isnan(charsadda["attainment_pct"])
    # Bajaur has no 2025-02 target: it says so, and its actual (100) is still shown
    bajaur = row(table, "PK502", HC, "2025-02")
    assert bajaur["status"] == "no target" and math.isnan(bajaur["target"])
    assert bajaur["actual"] == pytest.approx(100)
    assert row(table, None, HC, "2025-03")["district_name"] == "Khyber Pakhtunkhwa"


def test_target_status_follows_service_period_and_district(con):
    table = trends.target_status(con, service=HC, **Q1)
    # health_complaints only; the 2024 year target is outside the period
    assert set(table["period"]) == {"2025-02", "2025-03"}
    assert set(table["service_code"]) == {HC}
    one = trends.target_status(con, service=HC, district="PK528", **Q1)
    assert list(one["district_code"]) == ["PK528", "PK528"]
    assert list(one["status"]) == ["no target", "amber"]
    assert trends.target_status(con, service="telemedicine").empty
    year = trends.target_status(con, month_from="2024-01", month_to="2024-12")
    assert set(year["period"]) == {"2024"}


def test_target_status_thresholds_from_configuration(con, monkeypatch):
    monkeypatch.setenv("KP_DASH_RAG_AMBER", "96")
    table = trends.target_status(con, service=HC, **Q1)
    assert row(table, "PK528", HC, "2025-03")["status"] == "red"  # 95.24 % < 96


def test_no_targets_loaded_gives_an_empty_table(small_db):
    with db.connect_readonly(small_db) as connection:
        table = trends.target_status(connection)
    assert table.empty and list(table.columns) == trends.TARGET_COLUMNS


# --- builders for the page ----------------------------------------------------------------------


def test_series_figure_has_a_line_per_group_and_gaps_for_no_data(con):
    frame = trends.series(con, UPTAKE, service=HC, level="district", **Q1)
    figure = trends_view.series_figure(frame, registry.get(UPTAKE))
    assert isinstance(figure, go.Figure)
    assert [t.name for t in figure.data] == ["Bajaur", "Charsadda", "Peshawar"]
    charsadda = figure.data[1]
    assert math.isnan(charsadda.y[1]) and charsadda.connectgaps is False
    assert charsadda.customdata[1][0] == "February 2025"  # the month as the hover names it
    assert "No data" in charsadda.customdata[1][1]
    assert "per 1,000" in figure.layout.yaxis.title.text


def test_series_figure_says_no_data_when_empty(con):
    frame = trends.series(con, UPTAKE, service="telemedicine", **Q1)
    figure = trends_view.series_figure(frame, registry.get(UPTAKE))
    assert any("No data" in a.text for a in figure.layout.annotations)


def test_change_table_reads_no_data_never_zero(con):
    frame = trends.series(con, UPTAKE, service=HC, level="district", **Q1)
    table = trends_view.change_table(frame, registry.get(UPTAKE), "2025-02")
    shown = table.set_index("Group")
    assert shown.loc["Charsadda"].iloc[1:4].tolist() == ["No data"] * 3
    assert shown.loc["Bajaur", "Change on previous month (per 1,000 eligible people)"] == "-20.00"
    assert trends_view.change_table(frame, registry.get(UPTAKE))["Month"].unique().tolist() == [
        "2025-03"
    ]


def test_target_display_and_status_style(con):
    table = trends.target_status(con, service=HC, **Q1)
    shown = trends_view.target_display(
        table, pd.DataFrame({"service_code": [HC], "service_name": ["Online complaints"]})
    )
    assert set(shown["Service"]) == {"Online complaints"}
    bajaur = shown[(shown["District"] == "Bajaur") & (shown["Period"] == "2025-02")].iloc[0]
    assert (bajaur["Target"], bajaur["Attainment (%)"]) == ("no target", "no target")
    charsadda = shown[(shown["District"] == "Charsadda") & (shown["Period"] == "2025-02")].iloc[0]
    assert (charsadda["Actual"], charsadda["Attainment (%)"]) == ("No data", "No data")
    html = trends_view.status_style(shown).to_html()
    assert (
        trends_view.STATUS_COLOURS["amber"] in html and trends_view.STATUS_COLOURS["green"] in html
    )


def test_target_table_in_urdu_keeps_its_colours(con):
    """In Urdu the statuses are words of the catalogue, and still coloured by what they mean."""
    table = trends.target_status(con, service=HC, **Q1)
    shown = trends_view.target_display(table, None, "ur")
    assert shown.columns.tolist()[:2] == ["ضلع", "خدمت"] and "کیفیت" in shown.columns
    bajaur = shown[(shown["ضلع"] == "باجوڑ") & (shown["مدت"] == "2025-02")].iloc[0]
    assert (bajaur["ہدف"], bajaur["کیفیت"]) == ("بغیر ہدف", "بغیر ہدف")
    assert {"سبز", "زرد"} <= set(shown["کیفیت"])
    html = trends_view.status_style(shown, "ur").to_html()
    assert palettes.STATUS["amber"] in html and palettes.STATUS["green"] in html


def test_delta_table_in_urdu(con):
    ranking = trends.delta_ranking(
        con, UPTAKE, service=HC, period=("2025-03", "2025-03"), comparison=("2025-01", "2025-02")
    )
    shown = trends_view.delta_display(
        ranking, registry.get(UPTAKE), ("2025-03", "2025-03"), ("2025-01", "2025-02"), "ur"
    )
    assert shown.columns[:2].tolist() == ["درجہ", "ضلع"]
    assert "2025-01 تا 2025-02 (فی 1,000 اہل افراد)" in shown.columns
    assert set(shown["ضلع"]) == {"باجوڑ", "چارسدہ", "پشاور"}


def test_member_options(con):
    register = trends._register(con)
    assert trends.member_options(register, "division") == {
        "Malakand": "Malakand",
        "Peshawar": "Peshawar",
    }
    assert list(trends.member_options(register, "district")) == ["PK502", "PK506", "PK528"]
    assert trends.member_options(register, "province") == {}
