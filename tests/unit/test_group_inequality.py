"""The inequality summary of the dashboard's groups (`group_subgroups`, `group_inequality`,
`inequality_terms`) against answers worked out by hand.

small_db (tests/fixtures, see test_groups.py): women 106 digital transactions on 2,000 people
(53.0 per 1,000), men 139 on 2,000 (69.5); rural 15 on 2,000 (7.5), urban 230 on 2,000 (115);
Bajaur 15 on 1,000 (15.0, merged, female literacy 10 %), Peshawar 230 on 3,000 (76.67, 60 %).

ages_db adds census age bands and age-banded usage in 2025-03:
  people   PK502: 0-4 150, 5-14 250, 15-24 200, 25-59 300, 60+ 100 (18+ 600)
           PK528: 0-4 400, 5-14 500, 15-24 600, 25-59 1,200, 60+ 300 (18+ 2,000)
  digital  health_card: PK502 25-59 30, 60+ 12; PK528 15-24 60, 0-4 20, 60+ 15
           (a kiosk 60+ 40 and an 'unknown' band 7 are not counted);
           health_complaints (adults): PK528 15-24 25.
and usage by disability in 2025-04 (age band unknown), with the census share with a disability
Bajaur 100 of 1,000 (10 %), Peshawar 150 of 3,000 (5 %):
  digital  with a disability: PK502 12 (female), PK528 15 (male); a kiosk 20 not counted
           without: PK502 60, PK528 300
  people   with: 1,000 × 10 % + 3,000 × 5 % = 250; without: 900 + 2,850 = 3,750
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kp_dash.numbers import group_inequality, group_rows, group_subgroups, groups, inequality_terms
from kp_dash.numbers.group_subgroups import Selection
from kp_dash.numbers.inequality import Measure
from kp_dash.store import build, db
from kp_dash.store.age_bands import band_population
from tests.conftest import small_seed

Z = 1.959963984540054
BAND_ROWS = """PK502,2023,0-4,all,all,150,Fixture census,2023
PK502,2023,5-14,all,all,250,Fixture census,2023
PK502,2023,15-24,all,all,200,Fixture census,2023
PK502,2023,25-59,all,all,300,Fixture census,2023
PK502,2023,60+,all,all,100,Fixture census,2023
PK528,2023,0-4,all,all,400,Fixture census,2023
PK528,2023,5-14,all,all,500,Fixture census,2023
PK528,2023,15-24,all,all,600,Fixture census,2023
PK528,2023,25-59,all,all,1200,Fixture census,2023
PK528,2023,60+,all,all,300,Fixture census,2023
"""
AGE_USAGE = """month,district,service,channel,sex,area,age_band,disability,transactions,users
2025-03,PK502,health_card,online,female,rural,25-59,,30,
2025-03,PK502,health_card,online,male,rural,60+,,12,
2025-03,PK528,health_card,online,male,urban,15-24,,60,
2025-03,PK528,health_card,mobile_app,female,urban,0-4,,20,
2025-03,PK528,health_card,online,male,urban,60+,,15,
2025-03,PK528,health_card,kiosk,female,urban,60+,,40,
2025-03,PK528,health_card,online,female,urban,unknown,,7,
2025-03,PK528,health_complaints,online,male,urban,15-24,,25,
2025-04,PK502,health_card,online,female,rural,,yes,12,
2025-04,PK502,health_card,online,male,rural,,no,60,
2025-04,PK528,health_card,online,male,urban,,yes,15,
2025-04,PK528,health_card,kiosk,female,urban,,yes,20,
2025-04,PK528,health_card,online,female,urban,,no,300,
"""
DISABILITY_SEED = """district_code,sex,area,population,with_disability,with_functional_limitation,\
source,year
PK502,all,all,1000,100,150,Fixture census,2023
PK528,all,all,3000,150,300,Fixture census,2023
"""


@pytest.fixture(scope="module")
def small(small_db):
    with db.connect_readonly(small_db) as connection:
        yield connection


@pytest.fixture(scope="module")
def ages(tmp_path_factory):
    root = tmp_path_factory.mktemp("ages")
    seed = small_seed(root / "seed")
    with (seed / "population.csv").open("a", encoding="utf-8") as population:
        population.write(BAND_ROWS)
    (seed / "disability.csv").write_text(DISABILITY_SEED, encoding="utf-8")
    usage = root / "ages.csv"
    usage.write_text(AGE_USAGE, encoding="utf-8")
    path = root / "ages.duckdb"
    build.build(path, with_demo=False, seed_dir=seed,
                extra_usage=[build.UsageSource(usage, "ages", "admin", "Age returns")])  # fmt: skip
    with db.connect_readonly(path) as connection:
        yield connection


def _rows(frame: pd.DataFrame, dimension: str) -> pd.DataFrame:
    return frame[frame["dimension"] == dimension].set_index("subgroup")


def _measure(frame: pd.DataFrame, dimension: str, code: str) -> pd.Series:
    rows = frame[(frame["dimension"] == dimension) & (frame["measure"] == code)]
    assert len(rows) == 1, f"{dimension} {code}: {len(rows)} rows"
    return rows.iloc[0]


# --- the eligible people of an age band -----------------------------------------------------


def test_a_band_counts_whole_inside_the_eligible_ages_and_cut_at_an_open_group():
    census = {"0-4": 150, "5-14": 250, "15-24": 200, "25-59": 300, "60+": 100, "18+": 550,
              "5-24": 450}  # fmt: skip
    assert band_population(census, "all") == {"0-4": 150, "5-14": 250, "15-24": 200,
                                              "25-59": 300, "60+": 100}  # fmt: skip
    # 18+: 15-24 holds 550 − 300 − 100 = 150 adults; children's bands none
    assert band_population(census, "18+") == {"0-4": 0, "5-14": 0, "15-24": 150, "25-59": 300,
                                              "60+": 0 + 100}  # fmt: skip
    assert band_population(census, "5-24") == {"0-4": 0, "5-14": 250, "15-24": 200,
                                               "25-59": 0, "60+": 0}  # fmt: skip
    assert band_population(census, "15-24") == {"0-4": 0, "5-14": 0, "15-24": 200,
                                                "25-59": 0, "60+": 0}  # fmt: skip


# --- the subgroups --------------------------------------------------------------------------


def test_subgroups_sum_before_dividing_with_a_poisson_error(small):
    frame = group_subgroups.subgroups(small, Selection())
    sexes = _rows(frame, "sex")
    assert list(sexes.index) == ["Women", "Men"]
    assert sexes["estimate"].tolist() == pytest.approx([53.0, 69.5])
    assert sexes.loc["Women", "se"] == pytest.approx(1000 * math.sqrt(106) / 2000)
    areas = _rows(frame, "area")
    assert areas["estimate"].tolist() == pytest.approx([7.5, 115.0])
    districts = _rows(frame, "district")
    assert districts.loc["Bajaur", "estimate"] == pytest.approx(15.0)
    assert districts.loc["Peshawar", "estimate"] == pytest.approx(230 / 3)
    assert districts.loc["Peshawar", "district_code"] == "PK528"
    merged = _rows(frame, "merged")
    assert merged["estimate"].tolist() == pytest.approx([15.0, 230 / 3])
    # two districts: thirds cut at the 1st and 2nd lowest literacy, so no top third
    thirds = _rows(frame, "literacy")
    assert list(thirds.index) == ["Lowest third", "Middle third"]
    assert thirds["eligible_population"].tolist() == [1000, 3000]
    assert "age" not in set(frame["dimension"]) and "disability" not in set(frame["dimension"])


def test_a_month_keeps_its_own_counts(small):
    frame = group_subgroups.subgroups(small, Selection(month_from="2025-02", month_to="2025-02"))
    districts = _rows(frame, "district")  # February: Bajaur 3, Peshawar 50 + 30
    assert districts["digital_transactions"].tolist() == [3, 80]
    monthly = group_subgroups.subgroups(small, Selection(by_month=True))
    assert sorted(set(monthly["month"])) == ["2025-01", "2025-02"]
    january = monthly[(monthly["month"] == "2025-01") & (monthly["dimension"] == "district")]
    assert january["digital_transactions"].tolist() == [12, 150]


def test_age_bands_with_their_eligible_people(ages):
    frame = _rows(group_subgroups.subgroups(ages, Selection("health_card")), "age")
    assert list(frame.index) == ["Aged 0-4", "Aged 5-14", "Aged 15-24", "Aged 25-59", "Aged 60+"]
    assert frame["digital_transactions"].tolist() == [20, 0, 60, 30, 27]  # 5-14: a true 0
    assert frame["eligible_population"].tolist() == [550, 750, 800, 1500, 400]
    # adults only, and only Peshawar's usage carries age bands: 15-24 has 2,000 − 1,200 − 300
    adults = _rows(group_subgroups.subgroups(ages, Selection("health_complaints")), "age")
    assert list(adults.index) == ["Aged 15-24", "Aged 25-59", "Aged 60+"]
    assert adults["eligible_population"].tolist() == [500, 1200, 300]
    assert adults["estimate"].tolist() == pytest.approx([50.0, 0.0, 0.0])


def test_a_profile_counts_its_district_alone(ages):
    frame = group_subgroups.subgroups(ages, Selection("health_card", district="PK502"))
    assert set(frame["dimension"]) == {"sex", "area", "age", "disability"}
    assert _rows(frame, "disability")["eligible_population"].tolist() == [100, 900]
    bands = _rows(frame, "age")
    assert bands["eligible_population"].tolist() == [150, 250, 200, 300, 100]
    assert bands["digital_transactions"].tolist() == [0, 0, 0, 30, 12]


# --- the measures, with hand-worked values --------------------------------------------------


def test_women_and_men_measured_by_hand(small):
    summary = group_inequality.selection_summary(small)
    se_women, se_men = 1000 * math.sqrt(106) / 2000, 1000 * math.sqrt(139) / 2000
    d = _measure(summary, "sex", "d")
    assert d["estimate"] == pytest.approx(16.5)
    half = Z * math.hypot(se_women, se_men)
    assert (d["ci_lb"], d["ci_ub"]) == pytest.approx((16.5 - half, 16.5 + half))
    r = _measure(summary, "sex", "r")
    ratio = 69.5 / 53.0
    se = math.sqrt(se_men**2 + ratio**2 * se_women**2) / 53.0
    assert r["estimate"] == pytest.approx(ratio)
    assert r["ci_lb"] == pytest.approx(ratio * math.exp(-Z * se / ratio))
    assert r["in_words"] == (
        f"Uptake among men is 1.31 ({r['ci_lb']:.2f}–{r['ci_ub']:.2f}) times that among women."
    )
    # the mean is 61.25: if everyone had men's 69.5 uptake would be 8.25 higher, 13.5 %
    assert _measure(summary, "sex", "par")["estimate"] == pytest.approx(8.25)
    assert _measure(summary, "sex", "paf")["estimate"] == pytest.approx(100 * 8.25 / 61.25)
    assert r["definition"] == inequality_terms.TERMS["r"].definition
    assert r["source"] and r["year"]


def test_an_ordered_dimension_measured_by_hand(ages):
    summary = group_inequality.selection_summary(ages, "health_card")
    y = np.array([20 / 550, 0, 60 / 800, 30 / 1500, 27 / 400]) * 1000
    people = np.array([550, 750, 800, 1500, 400])
    share = people / people.sum()
    rank = np.cumsum(share) - share / 2
    mean = float((share * y).sum())
    assert set(summary.loc[summary["dimension"] == "age", "measure"]) == {
        "d", "r", "aci", "rci", "sii", "rii", "par", "paf"}  # fmt: skip
    # d and r compare the last band (60+) with the first (0-4)
    assert _measure(summary, "age", "d")["estimate"] == pytest.approx(y[4] - y[0])
    assert _measure(summary, "age", "r")["estimate"] == pytest.approx(y[4] / y[0])
    # the concentration index as the weighted covariance of uptake with the mid-point rank
    aci = 2 * float((share * (y - mean) * (rank - 0.5)).sum())
    assert _measure(summary, "age", "aci")["estimate"] == pytest.approx(aci)
    assert _measure(summary, "age", "rci")["estimate"] == pytest.approx(aci / mean)
    words = _measure(summary, "age", "sii")["in_words"]
    assert "from people aged 0-4 to people aged 60+" in words
    par = _measure(summary, "age", "par")
    assert par["estimate"] == pytest.approx(y[4] - mean)  # the last band's level for all
    assert "among people aged 60+" in par["in_words"]


def test_the_district_dimension_never_names_a_district(small):
    summary = group_inequality.selection_summary(small)
    districts = summary[summary["dimension"] == "district"]
    assert set(districts["measure"]) == {"d", "r", "par", "paf"}  # two districts: binary
    words = " ".join(districts["in_words"])
    assert "Bajaur" not in words and "Peshawar" not in words
    assert "in the best-off district" in words and "in the worst-off district" in words
    r = _measure(summary, "district", "r")
    assert r["estimate"] == pytest.approx((230 / 3) / 15)


def test_dimensions_without_data_say_so_once(small):
    summary = group_inequality.selection_summary(small)
    age = summary[summary["dimension"] == "age"]
    assert len(age) == 1 and math.isnan(age["estimate"].iloc[0])
    assert age["status"].iloc[0] == group_inequality.NO_BREAKDOWN.format(what="age band")
    disability = summary[summary["dimension"] == "disability"]
    assert disability["status"].tolist() == [
        group_inequality.NO_BREAKDOWN.format(what="disability")
    ]


# --- small counts ---------------------------------------------------------------------------


def _made(dimension: str, counts: list[int], people: list[float]) -> pd.DataFrame:
    n = len(counts)
    frame = pd.DataFrame(
        {
            "month": "",
            "dimension": dimension,
            "subgroup": [f"G{i}" for i in range(n)],
            "subgroup_order": range(1, n + 1),
            "phrase": [f"in G{i}" for i in range(n)],
            "noun": [f"G{i}" for i in range(n)],
            "digital_transactions": np.array(counts, dtype=float),
            "eligible_population": people,
            "source": "S",
            "year": "2025",
        }
    )
    frame["estimate"] = 1000 * frame["digital_transactions"] / frame["eligible_population"]
    frame["se"] = 1000 * np.sqrt(frame["digital_transactions"]) / frame["eligible_population"]
    return frame


def test_a_binary_or_ordered_dimension_with_a_small_subgroup_is_withheld():
    for dimension in ("sex", "age"):
        frame = _made(dimension, [50, 7, 40], [1000.0, 1000.0, 1000.0])
        found = group_inequality.summary(frame, 10, [dimension])
        assert len(found) == 1 and math.isnan(found["estimate"].iloc[0])
        assert found["status"].iloc[0] == (
            "Withheld: uptake in G1 rests on fewer than 10 digital transactions (<10)"
        )
        # the rule off: measured
        assert group_inequality.summary(frame, None, [dimension])["estimate"].notna().all()
    zero = group_inequality.summary(_made("sex", [50, 0], [1000.0, 1000.0]), 10, ["sex"])
    assert _measure(zero, "sex", "d")["estimate"] == pytest.approx(50.0)  # 0 is no small count


def test_small_districts_leave_the_district_dimension_and_the_note_says_so():
    frame = _made("district", [50, 3, 40, 90], [1000.0, 500.0, 1000.0, 1000.0])
    found = group_inequality.summary(frame, 10, ["district"])
    assert set(found["status"]) == {
        "1 district with fewer than 10 digital transactions left out (<10)"
    }
    assert _measure(found, "district", "r")["estimate"] == pytest.approx(90 / 40)
    one_left = _made("district", [50, 3], [1000.0, 500.0])
    assert group_inequality.summary(one_left, 10, ["district"])["status"].tolist() == [
        "1 district with fewer than 10 digital transactions left out (<10); "
        + group_inequality.TOO_FEW.format(n=1)
    ]


def test_over_time_keeps_one_row_per_month(small):
    series = group_inequality.over_time(small, "district", "r")
    assert series["month"].tolist() == ["2025-01", "2025-02"]
    # January: Bajaur 12 on 1,000, Peshawar 150 on 3,000; February: 3 (small) and 80
    assert series["estimate"].iloc[0] == pytest.approx(50 / 12)
    assert math.isnan(series["estimate"].iloc[1])
    assert "fewer than 10" in series["status"].iloc[1]


# --- the words ------------------------------------------------------------------------------


def test_a_negative_difference_reads_lower_with_its_interval_turned():
    found = Measure("d", -2.5, 0.5, -3.48, -1.52, "analytic")
    said = inequality_terms.Wording(low="among the young", high="among the old",
                                    unit="per 1,000")  # fmt: skip
    assert inequality_terms.in_words(found, said) == (
        "Uptake among the old is 2.50 (1.52–3.48) per 1,000 lower than among the young."
    )
    slope = Measure("sii", -4.0, None, None, None, "none")
    said = inequality_terms.Wording(first="the young", last="the old", unit="per 1,000")
    assert inequality_terms.in_words(slope, said) == (
        "On the fitted gradient, uptake falls by 4.00 per 1,000 from the young to the old."
    )
    assert inequality_terms.in_words(Measure("r", math.nan, None, None, None, "none"), said) == ""


def test_every_measure_has_a_name_a_definition_and_words():
    said = inequality_terms.Wording("in A", "in B", "in B", "A", "B", "districts", "district",
                                    "per 1,000")  # fmt: skip
    for code, term in inequality_terms.TERMS.items():
        assert term.name and term.definition.endswith(".")
        sentence = inequality_terms.in_words(Measure(code, 1.5, 0.1, 1.3, 1.7, "analytic"), said)
        assert sentence.endswith(".") and "{" not in sentence and "1.3" in sentence, code
    assert len(inequality_terms.TERMS) == 21


# --- disability -----------------------------------------------------------------------------


def test_disability_subgroups_and_measures_by_hand(ages):
    frame = _rows(group_subgroups.subgroups(ages, Selection()), "disability")
    assert list(frame.index) == ["People with a disability", "People without a disability"]
    assert frame["digital_transactions"].tolist() == [27, 360]
    assert frame["eligible_population"].tolist() == pytest.approx([250, 3750])
    summary = group_inequality.selection_summary(ages)
    d = _measure(summary, "disability", "d")
    assert d["estimate"] == pytest.approx(108 - 96)
    assert d["in_words"].startswith("Uptake among people with a disability is 12.00 (")
    assert d["in_words"].endswith("per 1,000 higher than among people without a disability.")


def test_the_groups_table_and_heat_map_fill_disability_from_usage(ages):
    row = group_rows.group_table(ages).set_index("group_key").loc["disability"]
    assert row["status"] == ""
    assert row["group_uptake_per_1000"] == pytest.approx(108.0)  # 27 / 250
    assert row["comparison_uptake_per_1000"] == pytest.approx(96.0)  # 360 / 3,750
    assert row["ratio"] == pytest.approx(1.125)
    assert row["female_share_pct"] == pytest.approx(100 * 12 / 27)
    assert row["assisted_share_pct"] == pytest.approx(100 * 20 / 47)
    assert "Fixture census" in row["source"] and "Age returns" in row["source"]
    matrix = groups.district_group_matrix(ages)["Disability ÷ none"]
    # Bajaur: 12 / 100 against 60 / 900; Peshawar: 15 / 150 against 300 / 2,850
    assert matrix["Bajaur"] == pytest.approx((12 / 100) / (60 / 900))
    assert matrix["Peshawar"] == pytest.approx((15 / 150) / (300 / 2850))
