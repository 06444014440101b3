"""Ranking, headline and map-value helpers: no data stays "No data", never zero."""

from __future__ import annotations

import math

import pandas as pd

from kp_dash import metrics, summaries

REGISTER = pd.DataFrame(
    {
        "district_code": ["PK501", "PK502", "PK503"],
        "district_name": ["Abbottabad", "Bajaur", "Bannu"],
        "division": ["Hazara", "Malakand", "Bannu"],
        "is_merged": [False, True, False],
    }
)
FRAME = pd.DataFrame(
    {
        "district_code": ["PK501", "PK503"],
        "district_name": ["Abbottabad", "Bannu"],
        "value": [12.5, 40.0],
        "source": ["s", "s"],
        "year": ["2025", "2025"],
    }
)


def test_ranking_puts_best_first_and_no_data_last():
    table = summaries.district_ranking(metrics.get("uptake_per_1000"), FRAME, REGISTER)
    assert table["district_code"].tolist() == ["PK503", "PK501", "PK502"]
    assert table["rank"].tolist()[:2] == [1, 2] and pd.isna(table["rank"].iloc[2])
    assert table["shown"].tolist() == ["40.00", "12.50", "No data"]


def test_ranking_direction_lower_is_better():
    lower = metrics.Metric(
        "x", "X", "u", "lower_is_better", "f", "admin", metrics.get("literacy_pct").components, "1"
    )
    table = summaries.district_ranking(lower, FRAME, REGISTER)
    assert table["district_code"].tolist()[:2] == ["PK501", "PK503"]


def test_ranking_display_names_the_unit_and_merged_districts():
    metric = metrics.get("uptake_per_1000")
    shown = summaries.ranking_display(summaries.district_ranking(metric, FRAME, REGISTER), metric)
    assert f"{metric.label} ({metric.unit})" in shown.columns
    assert shown.set_index("District").loc["Bajaur", "Merged district"] == "merged (ex-FATA)"


def test_headline_without_data_says_so():
    metric = metrics.get("uptake_per_1000")
    empty = FRAME.iloc[0:0]
    assert summaries.headline(metric, empty).text == "No data"
    nan = pd.DataFrame({"value": [math.nan], "source": [""], "year": [""]})
    assert summaries.headline(metric, nan).value is None
    one = pd.DataFrame({"value": [82.69], "source": ["Census"], "year": ["2023"]})
    assert summaries.headline(metric, one).text == "82.69"
    share = summaries.headline(metrics.get("digital_share_pct"), one)
    assert share.text == "82.7 %"


def test_map_values_cover_every_district():
    values = summaries.map_values(FRAME, REGISTER)
    assert len(values) == 3 and values["value"].isna().sum() == 1
    assert values.set_index("district_code").loc["PK502", "source"] == ""


def test_month_options():
    assert summaries.month_options("2025-11", "2026-02") == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    assert summaries.month_options(None, None) == []
