"""District profile frames on the two-district fixture (answers by hand) and the real seed.

small_db (tests/fixtures): Bajaur PK502 (Malakand division, merged; 1,000 people, 500 women, all
rural; 600 adults) and Peshawar PK528 (Peshawar division; 3,000 people, 1,500 women, 1,000 rural;
2,000 adults). Each division holds one fixture district, so a division equals its district and
the province sums both:
  literacy    Bajaur 200 / 800 = 25 %;   Peshawar 1,800 / 2,400 = 75 %;  KP 2,000 / 3,200 = 62.5 %
  female lit. Bajaur 40 / 400 = 10 %;    Peshawar 720 / 1,200 = 60 %;    KP 760 / 1,600 = 47.5 %
  grid light  Bajaur 40 / 100 = 40 %;    Peshawar 450 / 500 = 90 %;      KP 490 / 600 = 81.67 %
  mobile      Bajaur 80 %, Peshawar 100 %; KP (80 × 1,000 + 100 × 3,000) / 4,000 = 95 %
  access      Bajaur (80 + 25 + 40) / 3 = 48.33; Peshawar (100 + 75 + 90) / 3 = 88.33;
              KP (48.33 × 1,000 + 88.33 × 3,000) / 4,000 = 78.33
  unserved    Bajaur 1,000 × (1 − 0.4833) = 516.67; Peshawar 3,000 × (1 − 0.8833) = 350; KP 866.67
(an average of the two district rates would give 50, 35, 65, 90 and 68.33: never that).
Usage 2025-01..02: Bajaur digital 15 (Jan 12, Feb 3; female 6), all channels 27, all
health_complaints; Peshawar digital 230 (30 of them health_card), province digital 245.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kp_dash.numbers import groups, metrics, profile, profile_usage, registry, summaries, trends
from kp_dash.store import config, db
from kp_dash.views import profile_tables

BAJAUR, PESHAWAR = "PK502", "PK528"
HC = "health_complaints"
PERIOD = ("2025-01", "2025-02")


@pytest.fixture(scope="module")
def con(small_db):
    with db.connect_readonly(small_db) as connection:
        yield connection


@pytest.fixture(scope="module")
def demo_con(demo_db):
    with db.connect_readonly(demo_db) as connection:
        yield connection


@pytest.fixture(scope="module")
def empty_con(empty_db):
    with db.connect_readonly(empty_db) as connection:
        yield connection


def _values(frame: pd.DataFrame, figure: str) -> dict[str, float]:
    rows = frame[frame["figure"] == figure]
    return dict(zip(rows["level"], rows["value"], strict=True))


# --- profile_figures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("figure", "bajaur", "province"),
    [
        ("population_2023", 1000.0, 4000.0),
        ("population_female_2023", 500.0, 2000.0),
        ("rural_share_pct", 100.0, 50.0),
        ("literacy_pct", 25.0, 62.5),
        ("literacy_female_pct", 10.0, 47.5),
        ("grid_light_pct", 40.0, 490 / 6),
        ("mobile_hh_pct", 80.0, 95.0),
        ("access_index", 145 / 3, 235 / 3),
        ("unserved_population", 1000 * (1 - 145 / 300), 1000 * (1 - 145 / 300) + 350.0),
    ],
)
def test_figures_by_hand_bajaur(con, figure: str, bajaur: float, province: float) -> None:
    values = _values(profile.profile_figures(con, BAJAUR), figure)
    # Malakand holds only Bajaur among the fixture districts: the division is the district
    assert values == pytest.approx({"district": bajaur, "division": bajaur, "province": province})


def test_division_sums_numerators_not_rates_peshawar(con) -> None:
    frame = profile.profile_figures(con, PESHAWAR).set_index(["figure", "level"])
    literacy = frame.loc[("literacy_pct", "division")]
    assert (literacy["numerator"], literacy["denominator"]) == (1800.0, 2400.0)
    assert literacy["value"] == pytest.approx(75.0)
    assert literacy["area"] == "Peshawar division"
    province = frame.loc[("literacy_pct", "province")]
    assert (province["numerator"], province["denominator"]) == (2000.0, 3200.0)
    assert province["value"] == pytest.approx(62.5)  # the mean of 25 and 75 would be 50
    assert frame.loc[("rural_share_pct", "district"), "value"] == pytest.approx(100 / 3)
    assert (frame["districts_with_data"] == frame["districts"]).all()


def test_figures_carry_unit_source_year_and_flag(con) -> None:
    frame = profile.profile_figures(con, BAJAUR)
    assert list(frame.columns) == profile.FIGURE_COLUMNS
    assert len(frame) == 3 * len(profile.FIGURES)
    assert set(frame["level"]) == set(profile.LEVELS)
    assert (frame["unit"] != "").all() and (frame["source"] != "").all()
    assert frame["year"].str.fullmatch(r"\d{4}(-\d{4})?").all()
    literacy = frame[frame["figure"] == "literacy_pct"].iloc[0]
    assert (literacy["unit"], literacy["source"], literacy["year"]) == (
        "% of people aged 10+",
        "Fixture census",
        "2023",
    )
    assert "Fixture survey" in frame.loc[frame["figure"] == "mobile_hh_pct", "source"].iloc[0]
    assert not frame["parent_estimate"].any()


def test_unknown_district_is_refused(con) -> None:
    with pytest.raises(ValueError, match="unknown district"):
        profile.profile_figures(con, "PK999")


def test_real_seed_bajaur_against_malakand(demo_con) -> None:
    """Division figures recomputed from the seed files, summed over Malakand's nine districts."""
    seed = config.SEED_DIR
    register = pd.read_csv(seed / "districts.csv")
    malakand = register.loc[register["division"] == "Malakand", "district_code"]
    assert len(malakand) == 9
    literacy = pd.read_csv(seed / "literacy.csv")
    literacy = literacy[(literacy["area"] == "all") & literacy["district_code"].isin(malakand)]
    population = pd.read_csv(seed / "population.csv")
    population = population[
        (population["census_year"] == 2023)
        & (population["age_group"] == "all")
        & (population["sex"] == "all")
        & population["district_code"].isin(malakand)
    ]
    lighting = pd.read_csv(seed / "lighting.csv")
    lighting = lighting[(lighting["area"] == "all") & lighting["district_code"].isin(malakand)]

    def literacy_pct(sex: str) -> float:
        rows = literacy[literacy["sex"] == sex]
        return 100 * rows["literate_10plus"].sum() / rows["population_10plus"].sum()

    by_area = population.pivot_table(index="district_code", columns="area", values="population")
    expected = {
        "population_2023": by_area["all"].sum(),
        "rural_share_pct": 100 * by_area["rural"].sum() / by_area["all"].sum(),
        "literacy_pct": literacy_pct("all"),
        "literacy_female_pct": literacy_pct("female"),
        "grid_light_pct": 100
        * lighting["households_grid_light"].sum()
        / lighting["households"].sum(),
    }
    frame = profile.profile_figures(demo_con, BAJAUR)
    division = frame[frame["level"] == "division"].set_index("figure")
    assert division["area"].iloc[0] == "Malakand division"
    for figure, value in expected.items():
        assert division.loc[figure, "value"] == pytest.approx(value), figure
    district = frame[frame["level"] == "district"].set_index("figure")
    assert district.loc["population_2023", "value"] == 1_287_960
    # Chitral's split districts carry the parent value: Malakand and KP say so, Bajaur does not
    assert not district["parent_estimate"].any()
    assert division.loc["mobile_hh_pct", "parent_estimate"]
    assert (
        frame.loc[frame["figure"] == "literacy_pct", "source"].eq("PBS Census 2023, table 12").all()
    )


@pytest.mark.parametrize(
    "code",
    ["literacy_pct", "literacy_female_pct", "grid_light_pct", "mobile_hh_pct", "access_index"],
)
def test_real_seed_province_equals_the_registry(demo_con, code: str) -> None:
    frame = profile.profile_figures(demo_con, BAJAUR)
    ours = _values(frame, code)["province"]
    theirs = metrics.fetch(demo_con, registry.Query(code))["value"].iloc[0]
    assert ours == pytest.approx(theirs)


def test_real_seed_unserved_equals_the_groups_table(demo_con) -> None:
    province = _values(profile.profile_figures(demo_con, "PK507"), "unserved_population")
    table = groups.unserved_table(demo_con).set_index("district_code")
    assert province["province"] == pytest.approx(table.loc["KP", "unserved_population"])
    assert province["district"] == pytest.approx(table.loc["PK507", "unserved_population"])


def test_parent_district_flag_on_lower_chitral(demo_con) -> None:
    frame = profile.profile_figures(demo_con, "PK507")
    flagged = frame[(frame["level"] == "district") & frame["parent_estimate"]]["figure"]
    assert set(flagged) == {"mobile_hh_pct", "access_index", "unserved_population"}
    notes = profile_tables.figures_display(frame).set_index("Figure")["Note"]
    assert "parent district" in notes["Access index"]
    assert notes["Literacy, age 10+"] == ""


def test_aggregate_skips_districts_without_data() -> None:
    figure = profile.Figure("x_pct", "X", "%", 100.0, 1)
    parts = pd.DataFrame(
        {
            "district_code": ["A", "B", "C"],
            "numerator": [1.0, math.nan, 3.0],
            "denominator": [10.0, 10.0, 10.0],
            "source": ["s", "s", "t"],
            "year": ["2023", "2023", "2020"],
            "parent_estimate": [False, True, False],
        }
    )
    both = profile.aggregate(figure, parts, ["A", "B", "C"])
    assert both["value"] == pytest.approx(20.0)  # (1 + 3) / (10 + 10), B left out
    assert (both["districts_with_data"], both["districts"]) == (2, 3)
    assert (both["source"], both["year"], both["parent_estimate"]) == ("s; t", "2020-2023", False)
    none = profile.aggregate(figure, parts, ["B"])
    assert math.isnan(none["value"]) and none["districts_with_data"] == 0


def test_figures_display_says_no_data_never_zero(con) -> None:
    frame = profile.profile_figures(con, BAJAUR)
    frame.loc[frame["figure"] == "grid_light_pct", "value"] = math.nan
    shown = profile_tables.figures_display(frame).set_index("Figure")
    assert list(shown.columns[:3]) == ["Bajaur", "Malakand division", "Khyber Pakhtunkhwa"]
    assert (shown.loc["Households lit by grid electricity", shown.columns[:3]] == "No data").all()
    assert shown.loc["Literacy, age 10+", "Khyber Pakhtunkhwa"] == "62.5"
    assert shown.loc["Population", "Khyber Pakhtunkhwa"] == "4,000"


# --- service_table -----------------------------------------------------------------------------


def test_service_table_by_hand(con) -> None:
    table = profile_usage.service_table(con, BAJAUR, *PERIOD).set_index("service_code")
    assert list(table.index[:1]) == ["all"]
    every = table.loc["all"]
    assert every["service_name"] == "All services"
    assert every["uptake_per_1000"] == pytest.approx(15.0)  # 15 / 1,000 people
    assert every["province_uptake_per_1000"] == pytest.approx(61.25)  # 245 / 4,000
    assert every["digital_share_pct"] == pytest.approx(100 * 15 / 27)
    assert every["female_share_pct"] == pytest.approx(40.0)  # 6 / 15
    complaints = table.loc[HC]
    assert complaints["uptake_per_1000"] == pytest.approx(25.0)  # 15 / 600 adults
    assert complaints["province_uptake_per_1000"] == pytest.approx(1000 * 215 / 2600)
    assert complaints["digital_transactions"] == 15
    card = table.loc["health_card"]
    assert math.isnan(card["uptake_per_1000"])  # no Bajaur use: no data, never 0
    # only Peshawar reports the health card: 30 on its 3,000 people (Bajaur is no data, not 0)
    assert card["province_uptake_per_1000"] == pytest.approx(10.0)
    assert (table["target_status"] == profile_usage.NO_TARGET).all()
    assert "Fixture returns" in complaints["source"]


def test_service_trend_is_the_last_12_months(con) -> None:
    table = profile_usage.service_table(con, BAJAUR, *PERIOD).set_index("service_code")
    months = table.loc["all", "trend_months"]
    assert months == profile_usage.trend_window("2025-02")
    assert (len(months), months[0], months[-1]) == (12, "2024-03", "2025-02")
    assert table.loc[HC, "trend"] == [None] * 10 + [pytest.approx(20.0), pytest.approx(5.0)]
    assert table.loc["all", "trend"][-2:] == [pytest.approx(12.0), pytest.approx(3.0)]
    assert table.loc["health_card", "trend"] == [None] * 12


def test_service_table_with_targets(con, monkeypatch) -> None:
    status = pd.DataFrame(
        {
            "district_code": [BAJAUR, BAJAUR, BAJAUR, BAJAUR],
            "district_name": ["Bajaur"] * 4,
            "service_code": [HC, HC, "all", "health_card"],
            "metric": ["uptake_per_1000", "female_share_pct", "uptake_per_1000", "uptake_per_1000"],
            "period": ["2025"] * 4,
            "target": [20.0, 50.0, 10.0, 5.0],
            "actual": [25.0, 40.0, 15.0, math.nan],
            "attainment_pct": [125.0, 80.0, 150.0, math.nan],
            "status": ["green", "red", "green", "no target"],
            "source": ["Targets import"] * 4,
            "year": ["2025"] * 4,
        }
    )
    monkeypatch.setattr(trends, "target_status", lambda con, **_: status)
    table = profile_usage.service_table(con, BAJAUR, *PERIOD).set_index("service_code")
    assert table.loc[HC, "target_status"] == "red"  # the worst of its two targets
    assert "female_share_pct 2025: 80 % of the target 50.0 (red)" in table.loc[HC, "target_detail"]
    assert table.loc["all", "target_status"] == "green"
    assert table.loc["health_card", "target_status"] == profile_usage.NO_TARGET
    assert table.loc["telemedicine", "target_status"] == profile_usage.NO_TARGET


def test_service_display_text(con) -> None:
    shown = profile_tables.service_display(profile_usage.service_table(con, BAJAUR, *PERIOD))
    card = shown[shown["Service"].str.startswith("Health card")].iloc[0]
    assert card["Uptake per 1,000 eligible"] == "No data"
    assert card["Province uptake per 1,000"] == "10.00"
    assert isinstance(card["Last 12 months"], list)


def test_service_table_without_usage(empty_con) -> None:
    table = profile_usage.service_table(empty_con, BAJAUR)
    assert table["uptake_per_1000"].isna().all()
    assert table["trend"].map(len).eq(0).all()
    shown = profile_tables.service_display(table)
    assert (shown["Uptake per 1,000 eligible"] == "No data").all()


def test_trend_window() -> None:
    assert profile_usage.trend_window(None) == []
    assert profile_usage.trend_window("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]


# --- rankings ----------------------------------------------------------------------------------


def test_rankings_by_hand(con) -> None:
    bajaur = profile.rankings(con, BAJAUR, *PERIOD).set_index("code")
    peshawar = profile.rankings(con, PESHAWAR, *PERIOD).set_index("code")
    assert list(bajaur.index) == list(profile.RANKED)
    # uptake 15 vs 76.67 per 1,000: Peshawar first
    assert (bajaur.loc["uptake_per_1000", "rank"], peshawar.loc["uptake_per_1000", "rank"]) == (
        2,
        1,
    )
    assert bajaur.loc["uptake_per_1000", "position"] == "2 of 2"
    # lower is better: Peshawar's 350 unserved beat Bajaur's 516.67
    assert peshawar.loc["unserved_population", "direction"] == "lower_is_better"
    assert peshawar.loc["unserved_population", "rank"] == 1
    assert bajaur.loc["unserved_population", "value"] == pytest.approx(516.6667, rel=1e-4)
    # the fitted expectation needs three districts: no gap, no rank
    gap = bajaur.loc["uptake_gap"]
    assert pd.isna(gap["rank"]) and gap["position"] == "No data" and gap["ranked"] == 0
    assert (bajaur["districts"] == 2).all()


def test_rankings_match_the_ranking_table_on_demo(demo_con) -> None:
    ranks = profile.rankings(demo_con, BAJAUR, "2025-11", "2026-10").set_index("code")
    assert (ranks["districts"] == 35).all() and ranks["rank"].notna().all()
    register = db.query_df(demo_con, "select * from districts")
    for code in ("uptake_per_1000", "literacy_female_pct", "unserved_population"):
        metric = registry.get(code)
        frame = metrics.fetch(
            demo_con, registry.Query(code, ("district",), None, "2025-11", "2026-10")
        )
        table = summaries.district_ranking(metric, frame, register).set_index("district_code")
        assert ranks.loc[code, "rank"] == table.loc[BAJAUR, "rank"]
    shown = profile_tables.rankings_display(ranks.reset_index())
    assert shown["Rank"].str.fullmatch(r"\d+ of 35").all()


def test_rankings_without_usage(empty_con) -> None:
    ranks = profile.rankings(empty_con, BAJAUR).set_index("code")
    assert ranks.loc["uptake_per_1000", "shown"] == "No data"
    assert ranks.loc["literacy_pct", "position"] == "32 of 35"


# --- groups, completeness, URL -----------------------------------------------------------------


def test_groups_row_by_hand(con) -> None:
    bajaur = profile_usage.groups_row(con, BAJAUR, *PERIOD).set_index("group_key")
    assert bajaur.loc["women", "ratio"] == pytest.approx(6 / 9)  # 6 / 500 ÷ 9 / 500
    assert bajaur.loc["women", "parity_band"] == "below parity"
    # a member district's uptake ÷ the pooled uptake outside the group: 15 ÷ 76.67
    assert bajaur.loc["merged", "ratio"] == pytest.approx(15 / (230 / 3))
    assert bajaur.loc["disability", "status"] == groups.NO_DISABILITY
    peshawar = profile_usage.groups_row(con, PESHAWAR, *PERIOD).set_index("group_key")
    assert peshawar.loc["merged", "status"] == profile_usage.NOT_MEMBER
    assert peshawar.loc["low_female_literacy", "status"] == profile_usage.NOT_MEMBER
    shown = profile_tables.groups_display(peshawar.reset_index())
    # Peshawar's rural residents made no digital transactions: a real 0, beside 'No data'
    assert list(shown["Rate ratio (1 = parity)"][:3]) == ["0.77", "0.00", "No data"]


def test_completeness_by_hand(con) -> None:
    row = profile_usage.completeness_row(con, BAJAUR, *PERIOD).iloc[0]
    # 2 months × 2 services with data; Bajaur sent health_complaints both months, no health_card
    assert (row["expected"], row["received"]) == (4, 2)
    assert row["completeness_pct"] == pytest.approx(50.0)
    assert row["province_completeness_pct"] == pytest.approx(62.5)  # 5 of 8
    assert row["months_no_data"] == []
    sentence = profile_tables.completeness_sentence(
        profile_usage.completeness_row(con, BAJAUR, *PERIOD)
    )
    assert sentence.startswith("Received 2 of 4 months × services (50.0 %; province 62.5 %)")


def test_completeness_without_usage(empty_con) -> None:
    row = profile_usage.completeness_row(empty_con, BAJAUR)
    assert math.isnan(row["completeness_pct"].iloc[0])
    assert profile_tables.completeness_sentence(row).startswith("No data")


def test_district_from_url_value() -> None:
    options = {"PK502": "Bajaur", "PK528": "Peshawar"}
    assert profile.district_from_param("PK502", options) == "PK502"
    assert profile.district_from_param("pk528", options) == "PK528"
    assert profile.district_from_param(" bajaur ", options) == "PK502"
    assert profile.district_from_param("PK999", options) is None
    assert profile.district_from_param(None, options) is None
    assert profile.profile_url("PK502") == "/Profile?district=PK502"


def test_heading_and_options(con) -> None:
    register = db.query_df(con, "select * from districts")
    assert list(profile.district_options(register)) == [BAJAUR, PESHAWAR]
    heading = profile_tables.district_heading(register, BAJAUR)
    assert heading == "Bajaur — Malakand division · merged district (ex-FATA) · 1,290 km²"
    urdu = profile_tables.district_heading(register, BAJAUR, "ur")
    assert urdu == "باجوڑ — مالاکنڈ ڈویژن · ضم شدہ ضلع (سابق فاٹا) · 1,290 مربع کلومیٹر"


def test_the_profile_tables_in_urdu(con) -> None:
    ranks = profile.rankings(con, BAJAUR, *PERIOD, service=None)
    shown = profile_tables.rankings_display(ranks, "ur")
    assert shown.columns[:4].tolist() == ["پیمانہ", "قدر", "اکائی", "درجہ"]
    english = profile_tables.rankings_display(ranks)
    ranked = english["Rank"].str.fullmatch(r"\d+ of \d+")
    rank, of = english.loc[ranked, "Rank"].iloc[0].split(" of ")
    assert shown.loc[ranked, "درجہ"].iloc[0] == f"{of} میں سے {rank}"
    sentence = profile_tables.completeness_sentence(
        pd.DataFrame([{"expected": 36, "received": 34, "completeness_pct": 94.44,
                       "province_completeness_pct": 97.0, "months": 12, "services": 3,
                       "months_no_data": ["2025-02"]}]),
        "ur",
    )  # fmt: skip
    stop = "\u06d4"  # Urdu's full stop
    assert sentence == (
        f"12 مہینوں اور 3 خدمات میں 36 میں سے 34 مہینے × خدمات موصول (94.4 %؛ صوبہ 97.0 %){stop} "
        f"1 مہینوں میں کچھ بھی نہیں: 2025-02{stop}"
    )


def test_for_export_drops_the_sparkline_lists(con) -> None:
    table = profile_usage.service_table(con, BAJAUR, *PERIOD)
    exported = profile_tables.for_export(table)
    assert "trend" not in exported and "trend_months" not in exported
    assert list(exported["uptake_per_1000"].iloc[:1]) == [pytest.approx(15.0)]
