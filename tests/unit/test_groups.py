"""Excluded groups on the two-district fixture, against answers worked out by hand.

small_db (tests/fixtures): Bajaur PK502 (merged; 1,000 people, 500 women, 500 men, all rural;
600 adults) and Peshawar PK528 (3,000 people, 1,500 women, 1,500 men, 2,000 urban and 1,000 rural;
2,000 adults). Usage 2025-01..2025-02, every age band 'unknown':
  Bajaur   digital 15 (female 6, male 9; all rural), kiosk 4 (female), counter 8 → all 27
  Peshawar digital 230 (female 100, male 130 incl. 30 health_card; all urban),
           helpline 10 (male, urban), counter 40 (female, rural)              → all 280
Access index (mean of mobile, literacy, grid): Bajaur (80 + 25 + 40) / 3 = 48.33,
Peshawar (100 + 75 + 90) / 3 = 88.33; median 68.33, so Bajaur alone is below it.
Female literacy: Bajaur 40 / 400 = 10 %, Peshawar 720 / 1,200 = 60 %; bottom third = the
⌈2 / 3⌉ = 1 lowest district: Bajaur, cut 10.0 %. Disability: Bajaur 30, Peshawar 90.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from kp_dash.numbers import group_rows, groups, metrics, registry
from kp_dash.store import build, db
from kp_dash.views import group_tables
from tests.conftest import small_seed

HC = "health_complaints"


@pytest.fixture(scope="module")
def con(small_db):
    with db.connect_readonly(small_db) as connection:
        yield connection


@pytest.fixture(scope="module")
def table(con) -> pd.DataFrame:
    return group_rows.group_table(con).set_index("group_key")


# Both districts equal on access (mobile 90, literacy 50, grid 80 → 73.33) and female literacy
# (50 %), with 60+ population (Bajaur 100, Peshawar 300) and usage that carries age bands.
EQUAL_SEED = {
    "literacy.csv": "district_code,sex,area,population_10plus,literate_10plus,"
    "literacy_pct_published,source,year\n"
    """PK502,all,all,800,400,50.0,Fixture census,2023
PK502,female,all,400,200,50.0,Fixture census,2023
PK502,male,all,400,200,50.0,Fixture census,2023
PK528,all,all,2400,1200,50.0,Fixture census,2023
PK528,female,all,1200,600,50.0,Fixture census,2023
PK528,male,all,1200,600,50.0,Fixture census,2023
""",
    "mobile_ownership.csv": "district_code,mobile_hh_pct,source_unit,is_parent_estimate,"
    "source,year\n"
    """PK502,90.0,Bajaur Agency,false,Fixture survey,2019
PK528,90.0,Peshawar,false,Fixture survey,2019
""",
    "lighting.csv": "district_code,area,households,households_grid_light,"
    "households_solar_light,households_other_light,source,year\n"
    """PK502,all,100,80,10,10,Fixture census,2023
PK528,all,500,400,90,10,Fixture census,2023
""",
}
SIXTY_PLUS_ROWS = """PK502,2023,60+,all,all,100,Fixture census,2023
PK528,2023,60+,all,all,300,Fixture census,2023
"""
AGE_USAGE = """month,district,service,channel,sex,area,age_band,transactions,users
2025-03,PK502,health_card,online,female,rural,60+,2,
2025-03,PK502,health_card,online,male,rural,25-59,18,
2025-03,PK528,health_card,online,male,urban,60+,3,
2025-03,PK528,health_card,kiosk,female,urban,60+,3,
2025-03,PK528,health_card,online,female,urban,25-59,60,
2025-03,PK528,health_card,online,male,rural,unknown,10,
"""


@pytest.fixture(scope="module")
def equal_db(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("equal")
    seed = small_seed(root / "seed")
    for name, text in EQUAL_SEED.items():
        (seed / name).write_text(text, encoding="utf-8")
    with (seed / "population.csv").open("a", encoding="utf-8") as population:
        population.write(SIXTY_PLUS_ROWS)
    usage = root / "ages.csv"
    usage.write_text(AGE_USAGE, encoding="utf-8")
    path = root / "equal.duckdb"
    source = build.UsageSource(usage, "ages", "admin", "Age returns")
    build.build(path, with_demo=False, seed_dir=seed, extra_usage=[source])
    return path


@pytest.fixture(scope="module")
def equal(equal_db):
    with db.connect_readonly(equal_db) as connection:
        yield connection


def test_groups_have_plain_labels_and_unique_keys() -> None:
    keys = [g.key for g in groups.GROUPS]
    assert keys == [
        "women",
        "rural",
        "age_60plus",
        "disability",
        "merged",
        "low_female_literacy",
    ]
    assert all(g.label and g.comparison and g.short for g in groups.GROUPS)


def test_women_against_men_is_the_gender_parity_score(con, table) -> None:
    women = table.loc["women"]
    # women: digital 6 + 100 = 106 on 500 + 1,500 = 2,000 → 53.0; men: 9 + 130 = 139 / 2,000
    assert women["group_uptake_per_1000"] == pytest.approx(53.0)
    assert women["comparison_uptake_per_1000"] == pytest.approx(69.5)
    assert women["ratio"] == pytest.approx(106 / 139)
    parity = metrics.fetch(con, registry.Query("gender_parity"))["value"].iloc[0]
    assert women["ratio"] == pytest.approx(parity)
    # (106 / 245) ÷ (2,000 / 4,000)
    assert women["representation_ratio"] == pytest.approx((106 / 245) / 0.5)
    assert women["female_share_pct"] == pytest.approx(100 * 106 / 245)
    # women's transactions: 3 + 4 (kiosk) + 3 + 50 + 50 + 40 (counter) = 150; assisted 4
    assert women["assisted_share_pct"] == pytest.approx(100 * 4 / 150)
    assert women["people_below_access_median"] == 500  # the women of Bajaur
    assert women["parity_band"] == "below parity"
    assert women["status"] == ""
    assert "survey" in women["estimate_note"]
    assert women["source"] and women["year"] == "2019-2025"
    assert "admin" in women["source_kind"] and "census" in women["source_kind"]


def test_rural_against_urban(table) -> None:
    rural = table.loc["rural"]
    # rural: digital 15 (Bajaur) + 0 (Peshawar counter) on 1,000 + 1,000; urban 230 / 2,000
    assert rural["group_uptake_per_1000"] == pytest.approx(7.5)
    assert rural["comparison_uptake_per_1000"] == pytest.approx(115.0)
    assert rural["ratio"] == pytest.approx(7.5 / 115)
    assert rural["representation_ratio"] == pytest.approx((15 / 245) / (2000 / 4000))
    assert rural["female_share_pct"] == pytest.approx(100 * 6 / 15)
    # rural transactions 27 + 40 = 67, assisted 4
    assert rural["assisted_share_pct"] == pytest.approx(100 * 4 / 67)
    assert rural["people_below_access_median"] == 1000


def test_district_groups_sum_before_dividing(table) -> None:
    for key in ("merged", "low_female_literacy"):  # both are Bajaur alone here
        row = table.loc[key]
        assert row["group_uptake_per_1000"] == pytest.approx(15.0)  # 15 / 1,000
        assert row["comparison_uptake_per_1000"] == pytest.approx(230 / 3)  # 230 / 3,000
        assert row["ratio"] == pytest.approx(15 / (230 / 3))
        assert row["representation_ratio"] == pytest.approx((15 / 245) / (1000 / 4000))
        assert row["female_share_pct"] == pytest.approx(40.0)  # 6 of 15
        assert row["assisted_share_pct"] == pytest.approx(100 * 4 / 27)
        assert row["people_below_access_median"] == 1000
        assert row["status"] == ""
    assert table.loc["low_female_literacy", "group"].startswith(
        "Districts with low female literacy (≤ 10.0 %"
    )


def test_groups_without_usage_breakdown_say_so_never_zero(table) -> None:
    age = table.loc["age_60plus"]
    assert "no age breakdown" in age["status"]
    disability = table.loc["disability"]
    assert "disability" in disability["status"]
    for row in (age, disability):
        for column in ("group_uptake_per_1000", "ratio", "representation_ratio"):
            assert math.isnan(row[column])
        assert row["parity_band"] == "no data"
    # the fixture has no 60+ population at all; the census disability table does (Bajaur 30)
    assert math.isnan(age["people_below_access_median"])
    assert disability["people_below_access_median"] == 30


def test_one_service_uses_its_own_eligible_population(con) -> None:
    women = group_rows.group_table(con, HC).set_index("group_key").loc["women"]
    # health_complaints (adults): women 6 + 100 on 300 + 1,000; men 9 + 100 on 300 + 1,000
    assert women["group_uptake_per_1000"] == pytest.approx(1000 * 106 / 1300)
    assert women["comparison_uptake_per_1000"] == pytest.approx(1000 * 109 / 1300)
    assert women["people_below_access_median"] == 300  # adult women of Bajaur


def test_a_period_keeps_only_its_months(con) -> None:
    merged = group_rows.group_table(con, None, "2025-02", "2025-02").set_index("group_key")
    # February: Bajaur 3 digital, Peshawar 50 + 30
    assert merged.loc["merged", "ratio"] == pytest.approx((3 / 1000) / (80 / 3000))


def test_a_group_with_no_population_and_no_usage_is_no_data(con) -> None:
    # college_admissions: age 15-24, which the fixture's population does not have, and no usage
    frame = group_rows.group_table(con, "college_admissions").set_index("group_key")
    rates = frame[["group_uptake_per_1000", "comparison_uptake_per_1000", "ratio"]]
    assert rates.isna().all().all()
    assert frame.loc["women", "status"].startswith("no data in this selection")
    assert frame.loc["age_60plus", "status"] == groups.NOT_ELIGIBLE
    assert frame.loc[["women", "rural", "merged"], "people_below_access_median"].isna().all()
    shown = group_tables.group_display(frame.reset_index())
    assert not (shown["Rate ratio (1 = parity)"] == "0.00").any()
    assert (shown["Rate ratio (1 = parity)"] == groups.NO_DATA).all()


def test_age_group_from_age_bands_with_all_districts_equal(equal) -> None:
    frame = group_rows.group_table(equal).set_index("group_key")
    age = frame.loc["age_60plus"]
    # 60+: digital 2 (Bajaur) + 3 (Peshawar) on 100 + 300 = 12.5 per 1,000; under 60: 18 + 60
    # on 900 + 2,700 = 21.67 (the 'unknown' age row of 10 is left out of both)
    assert age["group_uptake_per_1000"] == pytest.approx(12.5)
    assert age["comparison_uptake_per_1000"] == pytest.approx(1000 * 78 / 3600)
    assert age["ratio"] == pytest.approx(12.5 / (1000 * 78 / 3600))
    assert age["representation_ratio"] == pytest.approx((5 / 83) / (400 / 4000))
    assert age["female_share_pct"] == pytest.approx(40.0)  # 2 of 5
    assert age["assisted_share_pct"] == pytest.approx(100 * 3 / 8)  # kiosk 3 of 2 + 3 + 3
    # every district has the same access: none is below the median, a true zero
    assert (frame["people_below_access_median"].dropna() == 0).all()
    women = frame.loc["women"]
    # women 2 + 60 = 62 / 2,000 = 31; men 18 + 3 + 10 = 31 / 2,000 = 15.5
    assert women["ratio"] == pytest.approx(2.0)
    assert women["parity_band"] == "above parity"


def test_all_districts_equal_on_female_literacy_leave_no_comparison(equal) -> None:
    low = group_rows.group_table(equal).set_index("group_key").loc["low_female_literacy"]
    assert low["status"] == groups.NO_COMPARISON
    assert low["group_uptake_per_1000"] == pytest.approx(1000 * 93 / 4000)
    assert math.isnan(low["comparison_uptake_per_1000"]) and math.isnan(low["ratio"])
    assert low["group"].startswith("Districts with low female literacy (≤ 50.0 %")


def test_parity_band_edges() -> None:
    assert groups.parity_band(0.979) == "below parity"
    assert groups.parity_band(0.98) == "parity"
    assert groups.parity_band(1.02) == "parity"
    assert groups.parity_band(1.021) == "above parity"
    assert groups.parity_band(math.nan) == "no data"


def test_low_literacy_cut_is_the_bottom_third() -> None:
    assert groups.low_literacy_cut(pd.Series([10.0, 60.0])) == 10.0
    assert groups.low_literacy_cut(pd.Series([float(v) for v in range(1, 36)])) == 12.0
    assert math.isnan(groups.low_literacy_cut(pd.Series([], dtype=float)))


def test_sixty_plus_eligibility() -> None:
    assert groups.sixty_plus_eligible(None) and groups.sixty_plus_eligible("18+")
    assert not groups.sixty_plus_eligible("15-24") and not groups.sixty_plus_eligible("5-24")


def test_district_group_matrix(con) -> None:
    matrix = groups.district_group_matrix(con)
    assert list(matrix.index) == ["Bajaur", "Peshawar"]
    assert list(matrix.columns) == [g.short for g in groups.GROUPS]
    women, rural, age, disability, merged, low = matrix.columns
    # women ÷ men: Bajaur (6 / 500) ÷ (9 / 500); Peshawar (100 / 1,500) ÷ (130 / 1,500)
    assert matrix.loc["Bajaur", women] == pytest.approx(6 / 9)
    assert matrix.loc["Peshawar", women] == pytest.approx(100 / 130)
    # Bajaur has no urban population: no data; Peshawar's rural people have usage (counter)
    # but no digital transactions: a true 0
    assert math.isnan(matrix.loc["Bajaur", rural])
    assert matrix.loc["Peshawar", rural] == 0
    assert matrix[[age, disability]].isna().all().all()
    # a member district against the pooled rest; Peshawar is in neither group
    assert matrix.loc["Bajaur", merged] == pytest.approx(15 / (230 / 3))
    assert matrix.loc["Bajaur", low] == pytest.approx(15 / (230 / 3))
    assert math.isnan(matrix.loc["Peshawar", merged]) and math.isnan(matrix.loc["Peshawar", low])


def test_district_group_matrix_with_age_bands_and_no_comparison(equal) -> None:
    matrix = groups.district_group_matrix(equal)
    age = "Age 60+ ÷ under 60"
    assert matrix.loc["Bajaur", age] == pytest.approx((2 / 100) / (18 / 900))
    assert matrix.loc["Peshawar", age] == pytest.approx((3 / 300) / (60 / 2700))
    assert matrix["Low female literacy ÷ the rest"].isna().all()


def test_matrix_sources_are_the_usage_population_and_literacy_it_divides(con) -> None:
    sources = groups.matrix_sources(con)
    # uptake by sex and by area: usage and eligible population; female literacy for the group
    assert sources.to_dict("records") == [
        {"source": "Fixture census; Fixture returns", "year": "2023-2025"},
        {"source": "Fixture census", "year": "2023"},
    ]
    # no usage for the service: the matrix is all no data, and cites nothing
    assert groups.matrix_sources(con, "fee_payment").empty


def test_matrix_sources_name_the_sixty_plus_population_when_usage_has_age_bands(
    con, equal, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the fixture's 60+ rows share the census source: name them apart to see them cited
    sixty = groups.AGE_60_SQL.replace("source, year", "'Sixty census' as source, year")
    monkeypatch.setattr(groups, "AGE_60_SQL", sixty)
    with_ages = groups.matrix_sources(equal)
    assert ("Sixty census", 2023) in set(with_ages.itertuples(index=False, name=None))
    assert any("Age returns" in text for text in with_ages["source"])
    # small_db's usage has only unknown age bands: the 60+ column is no data, not cited
    assert "Sixty census" not in set(groups.matrix_sources(con)["source"])


def test_group_heatmap_diverges_around_one_and_greys_no_data() -> None:
    matrix = pd.DataFrame(
        {"Women ÷ men": [0.5, math.nan], "Rural ÷ urban": [1.0, 1.5]},
        index=pd.Index(["Bajaur", "Peshawar"], name="district"),
    )
    ratios, missing = group_tables.group_heatmap(matrix).data
    assert (ratios.zmin, ratios.zmid, ratios.zmax) == (0.0, 1.0, 2.0)
    assert list(ratios.y) == ["Bajaur", "Peshawar"]
    assert "District: %{y}" in ratios.hovertemplate and "Group: %{x}" in ratios.hovertemplate
    assert "Ratio: %{z:.2f}" in ratios.hovertemplate
    assert missing.z[1][0] == 1.0 and math.isnan(missing.z[0][0])
    assert groups.NO_DATA in missing.hovertemplate
    assert {c for _, c in missing.colorscale} == {"#969696"}


def test_unserved_table_per_district_and_province(con) -> None:
    table = groups.unserved_table(con).set_index("district_code")
    # Bajaur 1,000 × (1 − 48.33 / 100) = 516.67; Peshawar 3,000 × (1 − 88.33 / 100) = 350
    assert table.loc["PK502", "unserved_population"] == pytest.approx(1000 * (1 - 145 / 300))
    assert table.loc["PK528", "unserved_population"] == pytest.approx(350.0)
    assert table.loc["KP", "unserved_population"] == pytest.approx(1000 * (1 - 145 / 300) + 350)
    assert table.loc["KP", "eligible_population"] == 4000
    adults = groups.unserved_table(con, HC).set_index("district_code")
    assert adults.loc["PK502", "unserved_population"] == pytest.approx(600 * (1 - 145 / 300))
    shown = group_tables.unserved_display(table.reset_index())
    estimate = "People the service cannot reach online (estimate)"
    assert list(shown[estimate]) == ["≈ 520", "≈ 350", "≈ 870"]
    assert shown["Year"].iloc[0] == "2019-2023"


def test_round_people() -> None:
    assert group_tables.round_people(866.67) == "≈ 870"
    assert group_tables.round_people(123_456) == "≈ 123,000"
    assert group_tables.round_people(10_008_776) == "≈ 10.0 million"
    assert group_tables.round_people(math.nan) == groups.NO_DATA
