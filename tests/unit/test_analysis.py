"""Expected uptake, the gap, quadrants and the inequality measures against hand-computed values."""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest

from kp_dash import cli
from kp_dash.numbers import analysis, metric_sql, metrics, registry
from kp_dash.store import build, config, db
from tests.conftest import SMALL_USAGE_FILE, small_seed


def frame(access, uptake, population, codes=None) -> pd.DataFrame:
    codes = codes or [f"D{i}" for i in range(len(access))]
    return pd.DataFrame(
        {
            "district_code": codes,
            "access_index": access,
            "uptake_per_1000": uptake,
            "eligible_population": population,
        }
    )


# --- the fitted line ----------------------------------------------------------------------------


def test_weighted_least_squares_of_log_uptake():
    # log(uptake) = 0, 1, 1 at access 0, 1, 2 with weights 1, 1, 2:
    #   x̄ = (0 + 1 + 2·2) ÷ 4 = 1.25, ȳ = (0 + 1 + 2·1) ÷ 4 = 0.75 (y = 0, 1, 1)
    #   Sxy = 1(−1.25)(−0.75) + 1(−0.25)(0.25) + 2(0.75)(0.25) = 1.25
    #   Sxx = 1(1.5625) + 1(0.0625) + 2(0.5625) = 2.75
    #   slope = 1.25 ÷ 2.75 = 0.454545, intercept = 0.75 − 0.454545 × 1.25 = 0.181818
    fit = analysis.fit_uptake(frame([0, 1, 2], [1, math.e, math.e], [100, 100, 200]))
    assert fit.slope == pytest.approx(1.25 / 2.75)
    assert fit.intercept == pytest.approx(0.75 - 1.25 / 2.75 * 1.25)
    assert fit.expected(1.0) == pytest.approx(math.exp(0.181818 + 0.454545), rel=1e-5)
    low, high = fit.band(np.array([0.0, 1.0, 2.0]))
    assert (low < fit.expected([0, 1, 2])).all() and (high > fit.expected([0, 1, 2])).all()


def test_a_perfect_line_has_no_band():
    access = np.array([40.0, 60.0, 80.0])
    fit = analysis.fit_uptake(frame(access, np.exp(0.5 + 0.04 * access), [1, 2, 3]))
    assert (fit.intercept, fit.slope) == pytest.approx((0.5, 0.04))
    low, high = fit.band(access)
    assert low == pytest.approx(high)


def test_districts_without_uptake_are_left_out_and_named():
    data = frame(
        [10, 20, 30, 40],
        [0.0, 2.0, 4.0, np.nan],
        [1, 1, 1, 1],
        ["PK501", "PK502", "PK503", "PK504"],
    )
    assert analysis.fit_uptake(data) is None  # two usable districts: too few for a line
    data = frame(
        [10, 20, 30, 40, 50],
        [0.0, 2.0, 4.0, 8.0, np.nan],
        [1] * 5,
        ["PK501", "PK502", "PK503", "PK504", "PK505"],
    )
    fit = analysis.fit_uptake(data)
    assert fit.excluded == ("PK501", "PK505") and fit.n_districts == 3
    assert fit.slope == pytest.approx(math.log(2) / 10)  # uptake doubles every 10 points


def test_all_districts_at_the_same_access_give_a_flat_line():
    fit = analysis.fit_uptake(frame([50, 50, 50], [1.0, math.e, math.e**2], [1, 1, 1]))
    assert fit.slope == 0.0
    assert fit.expected(50.0) == pytest.approx(math.e)  # exp(mean of 0, 1, 2)


def test_expected_uptake_and_gap_by_hand():
    # the weighted example above (a = 0.181818, b = 0.454545) plus a district with zero uptake,
    # which the fit leaves out but which still has an expectation and a (negative) gap
    data = frame([0, 1, 2, 1], [1, math.e, math.e, 0.0], [100, 100, 200, 50])
    data["uptake_source"] = data["access_source"] = "fixture"
    data["uptake_year"] = data["access_year"] = "2025"
    out = analysis.model_districts(data)
    expected = [math.exp(0.181818), math.exp(0.636364), math.exp(1.090909), math.exp(0.636364)]
    assert out["expected_uptake"].tolist() == pytest.approx(expected, rel=1e-5)
    #   gaps: 1 − 1.199396, e − 1.889597, e − 2.976977, 0 − 1.889597
    assert out["uptake_gap"].tolist() == pytest.approx(
        [-0.199396, 0.828685, -0.258696, -1.889597], abs=1e-5
    )
    # medians: access 1, uptake (1 + e) ÷ 2 = 1.859
    assert out["quadrant"].tolist() == [
        "not connected",
        "on track",
        "on track",
        "connected but not using",
    ]
    assert out["unserved_population"].tolist() == pytest.approx([100, 99, 196, 49.5])


# --- quadrants ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("access", "uptake", "expected"),
    [
        (70, 9, "on track"),
        (70, 1, "connected but not using"),
        (30, 1, "not connected"),
        (30, 9, "assisted channels working"),
        (50, 5, "on track"),  # at the median counts as above it
        (np.nan, 5, analysis.NO_DATA),
    ],
)
def test_quadrant(access, uptake, expected):
    assert analysis.quadrant(access, uptake, 50, 5) == expected
    assert expected in analysis.QUADRANTS or expected == analysis.NO_DATA


# --- concentration and representation -------------------------------------------------------------


def test_concentration_index_by_hand():
    # equal populations, access rank 1, 2, 3, uptake 1, 2, 3: p = 1/3, X = 1/6, 1/2, 5/6,
    # 2X − 1 = −2/3, 0, 2/3; μ = 2; Σ p (2X − 1) y = (1/3)(−2/3 + 2) = 4/9; CI = 4/9 ÷ 2 = 2/9
    assert analysis.concentration_index([1, 2, 3], [5, 5, 5], [10, 20, 30]) == pytest.approx(2 / 9)
    assert analysis.concentration_index([1, 2, 3], [5, 5, 5], [30, 20, 10]) == pytest.approx(-2 / 9)
    # unequal populations: p = 0.25, 0.75, X = 0.125, 0.625; μ = 0.25·4 + 0.75·0 = 1;
    # Σ = 0.25(−0.75)(4) + 0.75(0.25)(0) = −0.75 → CI = −0.75
    assert analysis.concentration_index([4, 0], [1, 3], [1, 2]) == pytest.approx(-0.75)


def test_concentration_index_weighs_each_district_by_its_population():
    # uptake 10, 20, 40 per 1,000 with 100, 300 and 600 people, ranked by access 3, 1, 2:
    # in access order p = 0.3, 0.6, 0.1 and y = 20, 40, 10; X = 0.15, 0.6, 0.95;
    # μ = 0.3·20 + 0.6·40 + 0.1·10 = 31; Σ p (2X − 1) y = −4.2 + 4.8 + 0.9 = 1.5 → CI = 1.5/31
    value = analysis.concentration_index([10, 20, 40], [100, 300, 600], [3, 1, 2])
    assert value == pytest.approx(1.5 / 31)
    # unweighted (each district a third) it would be (1/3)(−2/3·20 + 0 + 2/3·10)/(70/3) = −2/21
    assert value != pytest.approx(-2 / 21)


def test_concentration_index_edge_cases():
    assert analysis.concentration_index([3, 3, 3], [1, 2, 3], [1, 2, 3]) == pytest.approx(0)
    assert math.isnan(analysis.concentration_index([0, 0], [1, 1], [1, 2]))
    assert math.isnan(analysis.concentration_index([1, 2], [0, 0], [1, 2]))
    # a district with no uptake figure is left out, not counted as zero
    assert analysis.concentration_index([1, np.nan, 3], [5, 5, 5], [1, 2, 3]) == (
        analysis.concentration_index([1, 3], [5, 5], [1, 3])
    )


def test_representation_ratio():
    assert analysis.representation_ratio(20, 100, 30, 100) == pytest.approx(2 / 3)
    # women: 60 of 300 transactions, 4,800 of 10,000 people → (0.2) ÷ (0.48)
    assert analysis.representation_ratio(60, 300, 4_800, 10_000) == pytest.approx(0.2 / 0.48)
    # the arguments are not interchangeable: swapping count and population shares must differ
    assert analysis.representation_ratio(4_800, 10_000, 60, 300) != pytest.approx(0.2 / 0.48)
    assert math.isnan(analysis.representation_ratio(20, 100, 0, 100))
    assert math.isnan(analysis.representation_ratio(0, 0, 30, 100))


def test_meanings_say_what_the_number_means():
    assert "better-connected" in analysis.concentration_meaning(0.2)
    assert "less-connected" in analysis.concentration_meaning(-0.2)
    assert "evenly" in analysis.concentration_meaning(0.0)
    assert "cannot be computed" in analysis.concentration_meaning(math.nan)


# --- on the database ----------------------------------------------------------------------------


def test_district_frame_on_the_fixture(small_db):
    with db.connect_readonly(small_db) as con:
        data = analysis.district_frame(con, "health_complaints").set_index("district_code")
    # Bajaur: 15 digital ÷ 600 adults; Peshawar 200 ÷ 2,000 (see test_metrics)
    assert data["uptake_per_1000"].to_dict() == pytest.approx({"PK502": 25.0, "PK528": 100.0})
    assert data["access_index"]["PK502"] == pytest.approx((80 + 25 + 40) / 3)
    # two districts are too few for a line: no expectation, no gap (never a zero)
    assert data["expected_uptake"].isna().all() and data["uptake_gap"].isna().all()
    # medians of two values: access 68.33, uptake 62.5
    assert data["quadrant"].to_dict() == {"PK502": "not connected", "PK528": "on track"}
    assert data["unserved_population"]["PK502"] == pytest.approx(600 * (1 - 145 / 300))
    assert data["unserved_population"]["PK528"] == pytest.approx(2000 * (1 - 265 / 300))


def test_district_frame_without_usage_keeps_every_district(empty_db):
    with db.connect_readonly(empty_db) as con:
        data = analysis.district_frame(con)
    assert len(data) == 35
    assert data["uptake_per_1000"].isna().all() and (data["quadrant"] == analysis.NO_DATA).all()
    assert data["unserved_population"].notna().all()
    assert data.set_index("district_code")["access_is_parent_estimate"]["PK507"]


# The two-district fixture plus Swat (PK532), so that a line can be fitted (three districts):
# Swat has 2,000 people (1,000 adults), mobile 60 %, literacy 500 ÷ 1,000 = 50 %, grid light
# 140 ÷ 200 = 70 %: access (60 + 50 + 70) ÷ 3 = 60; 50 digital complaints ÷ 1,000 adults = 50.
SWAT_SEED = {
    "districts.csv": "PK532,Swat,SWAT,Malakand,false,72.4621,35.2419,5337,Fixture register,2023\n",
    "population.csv": "".join(
        f"PK532,2023,{age},{sex},{area},{people},Fixture census,2023\n"
        for age, sex, area, people in [
            ("all", "all", "all", 2000),
            ("all", "female", "all", 1000),
            ("all", "male", "all", 1000),
            ("all", "all", "rural", 2000),
            ("18+", "all", "all", 1000),
            ("18+", "female", "all", 500),
            ("18+", "male", "all", 500),
            ("18+", "all", "rural", 1000),
        ]
    ),
    "literacy.csv": (
        "PK532,all,all,1000,500,50.0,Fixture census,2023\n"
        "PK532,female,all,500,150,30.0,Fixture census,2023\n"
        "PK532,male,all,500,350,70.0,Fixture census,2023\n"
        "PK532,female,rural,500,150,30.0,Fixture census,2023\n"
    ),
    "lighting.csv": "PK532,all,200,140,50,10,Fixture census,2023\n",
    "mobile_ownership.csv": "PK532,60.0,Swat,false,Fixture survey,2019\n",
    "disability.csv": "PK532,all,all,2000,60,160,Fixture census,2023\n",
}
SWAT_USAGE = (
    "month,district,service,channel,sex,area,transactions,users\n"
    "2025-01,PK532,health_complaints,online,female,rural,30,\n"
    "2025-01,PK532,health_complaints,mobile_app,male,rural,20,\n"
    "2025-01,PK532,health_complaints,counter,male,rural,10,\n"
)


@pytest.fixture(scope="module")
def three_db(tmp_path_factory):
    root = tmp_path_factory.mktemp("three")
    seed = small_seed(root / "seed")
    for name, rows in SWAT_SEED.items():
        with (seed / name).open("a", encoding="utf-8") as table:
            table.write(rows)
    swat = root / "swat.csv"
    swat.write_text(SWAT_USAGE, encoding="utf-8")
    sources = [
        build.UsageSource(SMALL_USAGE_FILE, "fixture", "admin", "Fixture returns"),
        build.UsageSource(swat, "swat", "admin", "Swat returns"),
    ]
    path = root / "three.duckdb"
    build.build(path, with_demo=False, seed_dir=seed, extra_usage=sources)
    return path


THREE = ["PK502", "PK528", "PK532"]
THREE_ACCESS = [145 / 3, 265 / 3, 60.0]  # Bajaur (80 + 25 + 40) ÷ 3, Peshawar (100 + 75 + 90) ÷ 3
THREE_ADULTS = [600, 2000, 1000]  # the line's weights (health complaints: adults 18+)


def _line_by_hand(uptake: list[float]) -> tuple[float, float, list[float]]:
    """Weighted least squares of ln(uptake) on access by the textbook sums: slope, intercept
    and the expected uptake of each of the three districts."""
    pairs = list(zip(THREE_ADULTS, THREE_ACCESS, [math.log(u) for u in uptake], strict=True))
    total = sum(THREE_ADULTS)
    x_bar = sum(w * x for w, x, _ in pairs) / total
    y_bar = sum(w * y for w, _, y in pairs) / total
    sxy = sum(w * (x - x_bar) * (y - y_bar) for w, x, y in pairs)
    sxx = sum(w * (x - x_bar) ** 2 for w, x, _ in pairs)
    slope = sxy / sxx
    intercept = y_bar - slope * x_bar
    return slope, intercept, [math.exp(intercept + slope * x) for x in THREE_ACCESS]


@pytest.mark.parametrize(
    ("months", "uptake", "line", "gaps"),
    [
        # January and February: 15 ÷ 600, 200 ÷ 2,000, 50 ÷ 1,000 digital complaints per adult;
        # x̄ = 73.796, ȳ = 4.18158, Sxy = 30,742.36, Sxx = 1,002,006.2
        ((None, None), [25.0, 100.0, 50.0], (0.0306808, 1.91745), [-4.9748, -2.2671, 7.1246]),
        # January alone: 12 ÷ 600, 150 ÷ 2,000, 50 ÷ 1,000
        (
            ("2025-01", "2025-01"),
            [20.0, 75.0, 50.0],
            (0.0257358, 2.085361),
            [-7.9176, -3.1545, 12.3057],
        ),
    ],
)
def test_uptake_gap_by_hand(three_db, months, uptake, line, gaps):
    slope, intercept, expected = _line_by_hand(uptake)
    assert (slope, intercept) == pytest.approx(line, abs=1e-6)
    assert [u - e for u, e in zip(uptake, expected, strict=True)] == pytest.approx(gaps, abs=1e-4)
    with db.connect_readonly(three_db) as con:
        for code, values in (("uptake_gap", gaps), ("expected_uptake", expected)):
            query = registry.Query(code, ("district",), "health_complaints", *months)
            found = metrics.fetch(con, query)
            assert found["district_code"].tolist() == THREE
            assert found["value"].tolist() == pytest.approx(values, abs=1e-4), code


def test_unserved_population_by_hand(three_db):
    # population × (1 − access ÷ 100): everyone for all services, adults for complaints
    people = [1000 * (1 - 145 / 300), 3000 * (1 - 265 / 300), 2000 * (1 - 0.6)]
    adults = [600 * (1 - 145 / 300), 2000 * (1 - 265 / 300), 1000 * (1 - 0.6)]
    with db.connect_readonly(three_db) as con:
        by_district = metrics.fetch(con, registry.Query("unserved_population", ("district",)))
        province = metrics.fetch(con, registry.Query("unserved_population"))
        complaints = metrics.fetch(
            con, registry.Query("unserved_population", (), "health_complaints")
        )
    assert by_district["district_code"].tolist() == THREE
    assert by_district["value"].tolist() == pytest.approx(people)  # 516.7, 350, 800
    assert province["value"].tolist() == pytest.approx([sum(people)])
    assert complaints["value"].tolist() == pytest.approx([sum(adults)])  # 310 + 233.3 + 400


def test_modelled_metrics_on_demo_data(demo_db):
    with db.connect_readonly(demo_db) as con:
        gap = metrics.fetch(con, registry.Query("uptake_gap", ("district",), "health_complaints"))
        ci = metrics.fetch(con, registry.Query("concentration_index", ("service",)))
        unserved = metrics.fetch(con, registry.Query("unserved_population"))
    assert len(gap) == 35 and gap["value"].notna().all()
    assert len(ci) == 8 and (ci["value"] > 0).all()  # the demo follows access
    # the province total from the seed tables: access = mean of mobile, literacy, grid light
    seed = config.SEED_DIR
    mobile = pd.read_csv(seed / "mobile_ownership.csv").set_index("district_code")
    literacy = pd.read_csv(seed / "literacy.csv").query("sex == 'all' and area == 'all'")
    literacy = literacy.set_index("district_code")
    light = pd.read_csv(seed / "lighting.csv").query("area == 'all'").set_index("district_code")
    people = pd.read_csv(seed / "population.csv").query(
        "census_year == 2023 and age_group == 'all' and sex == 'all' and area == 'all'"
    )
    access = (
        mobile["mobile_hh_pct"]
        + 100 * literacy["literate_10plus"] / literacy["population_10plus"]
        + 100 * light["households_grid_light"] / light["households"]
    ) / 3
    by_hand = (people.set_index("district_code")["population"] * (1 - access / 100)).sum()
    assert len(access.dropna()) == 35
    assert unserved["value"].tolist() == pytest.approx([by_hand])
    with pytest.raises(registry.MetricError, match="defined per district"):
        metric_sql.check(registry.Query("uptake_gap"))


@pytest.mark.parametrize("code", ["uptake_gap", "gender_parity"])
def test_cli_by_district_for_a_service(capsys, demo_db, code):
    status = cli.main(
        [
            "metric",
            code,
            "--by",
            "district",
            "--service",
            "health_complaints",
            "--format",
            "csv",
            "--db",
            str(demo_db),
        ]
    )
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert status == 0 and len(table) == 35
    assert list(table.columns[:3]) == ["district_code", "district_name", "value"]


def test_cli_concentration_index(capsys, demo_db):
    status = cli.main(
        [
            "metric",
            "concentration_index",
            "--service",
            "health_complaints",
            "--format",
            "csv",
            "--db",
            str(demo_db),
        ]
    )
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert status == 0 and len(table) == 1 and 0 < table["value"].iloc[0] < 1
    assert table["year"].iloc[0] == "2019-2026"
