"""Ranking, headline and map-value helpers: no data stays "No data", never zero; the years of
the sources a page cites and the access note."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from kp_dash.numbers import analysis, registry, summaries
from kp_dash.store import db
from kp_dash.views import uptake_words
from kp_dash.views.source_list import SourceList

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
    table = summaries.district_ranking(registry.get("uptake_per_1000"), FRAME, REGISTER)
    assert table["district_code"].tolist() == ["PK503", "PK501", "PK502"]
    assert table["rank"].tolist()[:2] == [1, 2] and pd.isna(table["rank"].iloc[2])
    assert table["shown"].tolist() == ["40.00", "12.50", "No data"]


def test_ranking_direction_lower_is_better():
    lower = registry.Metric(
        "x", "X", "u", "lower_is_better", "f", "admin", registry.get("literacy_pct").components, "1"
    )
    table = summaries.district_ranking(lower, FRAME, REGISTER)
    assert table["district_code"].tolist()[:2] == ["PK501", "PK503"]


def test_ranking_display_names_the_unit_and_merged_districts():
    metric = registry.get("uptake_per_1000")
    shown = summaries.ranking_display(summaries.district_ranking(metric, FRAME, REGISTER), metric)
    assert f"{metric.label} ({metric.unit})" in shown.columns
    assert shown.set_index("District").loc["Bajaur", "Merged district"] == "merged (ex-FATA)"


def test_headline_without_data_says_so():
    metric = registry.get("uptake_per_1000")
    empty = FRAME.iloc[0:0]
    assert summaries.headline(metric, empty).text == "No data"
    nan = pd.DataFrame({"value": [math.nan], "source": [""], "year": [""]})
    assert summaries.headline(metric, nan).value is None
    one = pd.DataFrame({"value": [82.69], "source": ["Census"], "year": ["2023"]})
    assert summaries.headline(metric, one).text == "82.69"
    share = summaries.headline(registry.get("digital_share_pct"), one)
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


# --- the years of the sources a page cites ------------------------------------------------------


def test_source_years_of_seed_indicators_and_the_selections_usage(two_sources_db: Path):
    # usage: "Fixture returns" January and February 2025, "Education returns" December 2024
    with db.connect_readonly(two_sources_db) as con:
        everything = summaries.source_years(con)
        this_year = summaries.source_years(con, None, "2025-01", "2025-02")
        december = summaries.source_years(con, "fee_payment", "2024-12", "2024-12")
    assert everything["Fixture returns"] == (2025,)
    assert everything["Education returns"] == (2024,)
    assert everything["Fixture census"] == (2023,) and everything["Fixture survey"] == (2019,)
    # a joined seed source is split: its parts are what frames cite
    assert everything["OpenStreetMap (division)"] == (2023,)
    assert "Education returns" not in this_year and this_year["Fixture returns"] == (2025,)
    assert "Fixture returns" not in december and december["Education returns"] == (2024,)
    assert december["Fixture census"] == (2023,)  # seed years do not depend on the selection


def test_source_years_date_the_parts_of_a_joined_source(small_db: Path):
    with db.connect_readonly(small_db) as con:
        frame = analysis.district_frame(con)
        sources = SourceList(summaries.source_years(con))
    # each district cites "Fixture census; Fixture returns; grid_light_pct (2023): Fixture
    # census; …; mobile_hh_pct (2019): Fixture survey" for 2019-2025
    assert sources.cite(frame) == "Sources: [1]–[3]"
    assert sources.lines() == [
        "1. Fixture census (2023)",
        "2. Fixture returns (2025)",
        "3. Fixture survey (2019)",
    ]


def _access_frame(parents: list[bool]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "district_name": ["Upper Chitral", "Lower Chitral", "Bajaur"][: len(parents)],
            "access_source": [
                "literacy_pct (2023): Census; mobile_hh_pct (2019): Survey, parent (Chitral)",
                "literacy_pct (2023): Census; mobile_hh_pct (2019): Survey, parent (Chitral)",
                "literacy_pct (2023): Census; mobile_hh_pct (2019): Survey",
            ][: len(parents)],
            "access_year": ["2019-2023"] * len(parents),
            "access_is_parent_estimate": parents,
        }
    )


def test_access_note_cites_the_access_sources_by_number():
    sources = SourceList()
    sources.cite([("Usage", "2025")])
    note = uptake_words.access_note(_access_frame([True, True, False]), sources)
    assert note == (
        "The access index averages census counts and survey estimates (Sources: [2]–[4]): the "
        "survey parts are estimates with sampling error, not counts. ⚑ Lower Chitral, Upper "
        "Chitral: access uses the parent-district survey value (the district was split after "
        "the survey)."
    )
    assert sources.lines()[1:] == [
        "2. Census (2023)",
        "3. Survey, parent (Chitral) (2019)",
        "4. Survey (2019)",
    ]


def test_access_note_without_parent_values_or_access():
    sources = SourceList()
    no_parents = uptake_words.access_note(_access_frame([False]), sources)
    assert no_parents.endswith(
        "(Sources: [1], [2]): the survey parts are estimates with sampling error, not counts."
    )
    nothing = uptake_words.access_note(_access_frame([False]).iloc[0:0], SourceList())
    assert nothing == (
        "The access index averages census counts and survey estimates (Sources: none for this "
        "selection): the survey parts are estimates with sampling error, not counts."
    )
