"""The priority score, its stability range and the scenario's added users, pinned on hand-made
frames with the working written out; the ranking and coverage tables on built databases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kp_dash.numbers import analysis, planning
from kp_dash.store import build, config, db, intake
from kp_dash.views import plan_page

RANKING_FRONT = ["rank", "district_code", "district_name", "score", "rank_low", "rank_high"]


@pytest.fixture
def factors() -> pd.DataFrame:
    """Three districts; raw factors chosen so the min-max scores are round:
    unserved 300, 200, 100      -> (x − 100) / 200  = 1, 0.5, 0
    access_gap 0, 2000, 1000    -> x / 2000         = 0, 1, 0.5
    merged_female .3, .2, .4    -> (x − .2) / .2    = 0.5, 0, 1
    """
    frame = pd.DataFrame(
        {
            "district_code": ["A", "B", "C"],
            "district_name": ["Alpha", "Beta", "Gamma"],
            "division": ["X", "X", "Y"],
            "is_merged": [True, False, False],
            "unserved": [300.0, 200.0, 100.0],
            "access_gap": [0.0, 2000.0, 1000.0],
            "merged_female": [0.3, 0.2, 0.4],
        }
    )
    for factor in ("unserved", "access_gap", "merged_female"):
        frame[f"{factor}_score"] = planning._min_max(frame[factor])
    return frame


WEIGHTS = {"unserved": 0.5, "access_gap": 0.3, "merged_female": 0.2}


def test_min_max_scores(factors):
    assert factors["unserved_score"].tolist() == [1.0, 0.5, 0.0]
    assert factors["access_gap_score"].tolist() == [0.0, 1.0, 0.5]
    assert factors["merged_female_score"].tolist() == pytest.approx([0.5, 0.0, 1.0])
    # NaN stays NaN; a factor equal everywhere separates nobody, so it scores 0
    assert planning._min_max(pd.Series([1.0, np.nan, 3.0])).tolist()[::2] == [0.0, 1.0]
    assert math.isnan(planning._min_max(pd.Series([1.0, np.nan, 3.0]))[1])
    assert planning._min_max(pd.Series([5.0, 5.0])).tolist() == [0.0, 0.0]


def test_priority_score_by_hand(factors):
    # Σw = 1, so score = Σ w × score:
    # A: .5×1   + .3×0  + .2×.5 = .60
    # B: .5×.5  + .3×1  + .2×0  = .55
    # C: .5×0   + .3×.5 + .2×1  = .35
    result = planning.priority(factors, WEIGHTS)
    assert result.columns.tolist() == [
        "rank",
        "district_code",
        "district_name",
        "score",
        "unserved",
        "access_gap",
        "merged_female",
    ]
    assert result["district_code"].tolist() == ["A", "B", "C"]
    assert result["rank"].tolist() == [1, 2, 3]
    assert result["score"].tolist() == pytest.approx([0.60, 0.55, 0.35])
    assert result["unserved"].tolist() == [300.0, 200.0, 100.0]  # the raw factor, not its score


def test_weights_are_normalised(factors):
    # doubling every weight changes nothing: the score divides by Σw
    doubled = {k: 2 * w for k, w in WEIGHTS.items()}
    pd.testing.assert_frame_equal(
        planning.priority(factors, doubled), planning.priority(factors, WEIGHTS)
    )


def test_a_zero_weight_removes_a_factor_exactly(factors):
    # without merged_female, Σw = .8:
    # A: .5×1 / .8 = .625;  B: (.5×.5 + .3×1) / .8 = .6875;  C: .3×.5 / .8 = .1875
    zero = planning.priority(factors, WEIGHTS | {"merged_female": 0.0})
    assert zero["district_code"].tolist() == ["B", "A", "C"]
    assert zero["score"].tolist() == pytest.approx([0.6875, 0.625, 0.1875])
    assert "merged_female" not in zero.columns
    # identical, bit for bit, to a frame that never had the factor, or weights that omit it
    dropped = factors.drop(columns=["merged_female", "merged_female_score"])
    omitted = {"unserved": 0.5, "access_gap": 0.3}
    pd.testing.assert_frame_equal(zero, planning.priority(dropped, omitted))
    pd.testing.assert_frame_equal(zero, planning.priority(factors, omitted))
    pd.testing.assert_frame_equal(
        planning.stability(factors, WEIGHTS | {"merged_female": 0.0}),
        planning.stability(dropped, omitted),
    )


def test_weights_are_checked(factors):
    with pytest.raises(ValueError, match="unknown factor"):
        planning.priority(factors, {"nonsense": 1.0})
    with pytest.raises(ValueError, match="0 or more"):
        planning.priority(factors, {"unserved": -1.0})
    with pytest.raises(ValueError, match="no factor has a positive weight"):
        planning.priority(factors, {"unserved": 0.0})
    # a weight for a factor that is not available (no coverage loaded) is ignored
    assert planning.priority(factors, WEIGHTS | {"coverage_gap": 5.0}).equals(
        planning.priority(factors, WEIGHTS)
    )


def test_stability_ranges_by_hand(factors):
    # each weight × (.75, 1, 1.25): wu ∈ {.375, .5, .625}, wa ∈ {.225, .3, .375},
    # wm ∈ {.15, .2, .25}. Σw > 0, so who leads depends on the sign of the numerators:
    # A − B = .5wu − wa + .5wm: smallest .1875 − .375 + .075 = −.1125 < 0 (B can lead),
    #         largest .3125 − .225 + .125 = .2125 > 0 (A can lead) -> A and B both 1..2
    # B − C = .5wu + .5wa − wm: smallest .1875 + .1125 − .25 = .05 > 0 (B always ahead of C)
    # A − C = wu − .5wa − .5wm: smallest .375 − .1875 − .125 = .0625 > 0 -> C always 3
    result = planning.stability(factors, WEIGHTS)
    assert result.to_dict("list") == {
        "district_code": ["A", "B", "C"],
        "rank_low": [1, 1, 3],
        "rank_high": [2, 2, 3],
    }
    # no spread: the range is the rank itself
    still = planning.stability(factors, WEIGHTS, spread=0.0)
    assert still["rank_low"].tolist() == still["rank_high"].tolist() == [1, 2, 3]


def test_a_district_without_a_score_ranks_last(factors):
    factors.loc[0, "unserved_score"] = np.nan
    result = planning.priority(factors, WEIGHTS)
    assert result["district_code"].tolist() == ["B", "C", "A"]
    assert result["rank"].tolist() == [1, 2, 3] and math.isnan(result["score"].iloc[2])


# scenario --------------------------------------------------------------------------------------


def log_linear_frame() -> pd.DataFrame:
    """uptake = 2^(access/10) exactly: log(uptake) = 0 + (ln 2 / 10) × access, so the fit is
    exact (no residual, no uncertainty) and expected uptake is 2, 4, 8, 16, 32 at 10…50."""
    return pd.DataFrame(
        {
            "district_code": ["D1", "D2", "D3", "D4", "D5"],
            "district_name": ["One", "Two", "Three", "Four", "Five"],
            "access_index": [10.0, 20.0, 30.0, 40.0, 50.0],
            "uptake_per_1000": [2.0, 4.0, 8.0, 16.0, 32.0],
            "eligible_population": [10_000.0, 5_000.0, 20_000.0, 1_000.0, 4_000.0],
        }
    )


def test_the_fixture_fit_is_exact():
    fit = analysis.fit_uptake(log_linear_frame())
    assert fit.intercept == pytest.approx(0.0, abs=1e-9)
    assert fit.slope == pytest.approx(math.log(2) / 10)
    assert fit.expected(30.0) == pytest.approx(8.0)


def test_scenario_added_users_by_hand():
    frame = log_linear_frame()
    chosen = frame["district_code"].isin(["D1", "D2", "D4"])
    # median access 30: D1 10 -> 30, D2 20 -> 30, D4 stays at 40 (raising never lowers)
    after = planning.raise_access(frame["access_index"], chosen)
    assert after.tolist() == [30.0, 30.0, 30.0, 40.0, 50.0]
    result = planning.scenario_from_frames(
        {"svc": frame}, {"svc": "Service"}, frame, after, ["D1", "D2", "D4"]
    )
    # D1: (8 − 2) × 10,000 / 1000 = 60;  D2: (8 − 4) × 5,000 / 1000 = 20;  D4: 0
    assert result.by_district["added"].tolist() == pytest.approx([60.0, 20.0, 0.0])
    assert result.by_service["added"].tolist() == pytest.approx([80.0])
    assert result.total == pytest.approx(80.0)
    # an exact fit has no uncertainty: the range collapses on the estimate
    assert result.total_low == pytest.approx(80.0) and result.total_high == pytest.approx(80.0)
    # after: D1 2 + 1000 × 60/10,000 = 8, D2 4 + 1000 × 20/5,000 = 8
    population = frame["eligible_population"]
    assert result.ci_before == pytest.approx(
        analysis.concentration_index(frame["uptake_per_1000"], population, frame["access_index"])
    )
    assert result.ci_after == pytest.approx(
        analysis.concentration_index([8.0, 8.0, 8.0, 16.0, 32.0], population, after)
    )
    assert result.ci_after < result.ci_before  # the gap narrows
    assert result.caveat == "an association across districts, not a forecast of cause"


def test_scenario_explicit_target_and_services_add_up():
    frame = log_linear_frame()
    chosen = frame["district_code"] == "D1"
    after = planning.raise_access(frame["access_index"], chosen, 20.0)
    # D1 10 -> 20: (4 − 2) × 10,000 / 1000 = 20 per service; two services fitted alike = 40
    result = planning.scenario_from_frames(
        {"a": frame, "b": frame.copy()}, {"a": "A", "b": "B"}, frame, after, ["D1"]
    )
    assert result.by_service["added"].tolist() == pytest.approx([20.0, 20.0])
    assert result.total == pytest.approx(40.0)


def test_added_users_range_comes_from_the_fit():
    frame = log_linear_frame()
    frame.loc[2, "uptake_per_1000"] = 12.0  # off the line: the fit now has uncertainty
    fit = analysis.fit_uptake(frame)
    added, low, high = planning.added_users(
        fit, np.array([10.0]), np.array([30.0]), np.array([10_000.0])
    )
    expected = (fit.expected(30.0) - fit.expected(10.0)) * 10
    assert added.tolist() == pytest.approx([expected])
    assert low < expected < high


def test_scenario_on_the_demo_data(demo_db):
    with db.connect_readonly(demo_db) as con:
        frame = analysis.district_frame(con)
        lowest = frame.sort_values("access_index")["district_code"].iloc[0]
        result = planning.scenario(con, [lowest])
        by_indicator = planning.scenario(con, [lowest], indicator="literacy_pct")
        one = planning.scenario(con, [lowest], service="health_card")
        with pytest.raises(ValueError, match="unknown district"):
            planning.scenario(con, ["PK999"])
        with pytest.raises(ValueError, match="not in the access index"):
            planning.scenario(con, [lowest], indicator="internet_use_pct")
    assert result.by_district["access_after"].iloc[0] == pytest.approx(
        frame["access_index"].median()
    )
    assert len(result.by_service) == 8 and result.total > 0
    assert result.total_low <= result.total <= result.total_high
    assert result.total == pytest.approx(result.by_service["added"].sum())
    assert 0 < by_indicator.total < result.total  # one indicator moves the index less
    assert one.by_service["service_code"].tolist() == ["health_card"]


# ranking and coverage --------------------------------------------------------------------------


def test_ranking_on_the_demo_data(demo_db):
    with db.connect_readonly(demo_db) as con:
        table = planning.ranking(con)
        no_gap = planning.ranking(con, {"access_gap": 0})
        assert planning.coverage_usage_gap(con) is None
    assert len(table) == 35 and table["district_code"].is_unique
    assert table.columns.tolist() == [*RANKING_FRONT, "unserved", "access_gap", "merged_female"]
    assert (table["rank_low"] <= table["rank"]).all()
    assert (table["rank"] <= table["rank_high"]).all()
    assert table["rank"].iloc[0] == 1 and table["score"].is_monotonic_decreasing
    assert table["score"].between(0, 1).all()
    assert "access_gap" not in no_gap.columns  # the other defaults stay
    assert no_gap.columns.tolist()[-2:] == ["unserved", "merged_female"]


def test_coverage_adds_a_factor_and_the_gap_table(tmp_path):
    build.build(config.db_path(), with_demo=True)
    register = pd.read_csv(config.SEED_DIR / "districts.csv")
    codes = register["district_code"].tolist()
    # coverage 30%, 32%, … so that every district differs
    pct = {code: 30.0 + 2 * i for i, code in enumerate(codes)}
    path = tmp_path / "coverage.csv"
    pd.DataFrame(
        [(code, 2024, "coverage_4g_pct", "all", pct[code], "pct", "PTA 2024") for code in codes],
        columns=["district", "year", "indicator", "group", "value", "unit", "source"],
    ).to_csv(path, index=False)
    assert intake.import_file(path).status == "accepted"
    with db.connect_readonly(config.db_path()) as con:
        gap = planning.coverage_usage_gap(con)
        factors = planning.factor_frame(con)
        table = planning.ranking(con)
    assert len(gap) == 35
    row = gap.set_index("district_code").loc[codes[0]]
    # not covered = P × (1 − 30/100); covered but not using = max(P × 0.3 − transactions, 0)
    assert row["not_covered"] == pytest.approx(row["eligible_population"] * 0.7)
    assert row["covered_not_using"] >= 0
    by_code = factors.set_index("district_code")
    assert by_code.loc[codes[0], "coverage_gap"] == pytest.approx(row["not_covered"])
    assert by_code["coverage_gap_score"].between(0, 1).all()
    assert table.columns.tolist()[-1] == "coverage_gap"


def test_merged_female_definition(demo_db):
    with db.connect_readonly(demo_db) as con:
        factors = planning.factor_frame(con).set_index("district_code")
        frame = analysis.district_frame(con).set_index("district_code")
        women = db.query_df(
            con,
            "select district_code, population from stg_eligible_population"
            " where service_code = 'all' and sex = 'female' and area = 'all'",
        ).set_index("district_code")["population"]
    left_out = 1 - frame["access_index"] / 100
    merged = frame["is_merged"].astype(bool)
    # merged district: every unserved person; elsewhere unserved women; as a share of P
    expected = left_out.where(merged, left_out * women / frame["eligible_population"])
    assert factors["merged_female"].to_numpy() == pytest.approx(expected.to_numpy())
    assert merged.any() and (factors.loc[merged, "merged_female"] > 0).all()


# sources and years of what is downloaded -------------------------------------------------------


def provenance_frame() -> pd.DataFrame:
    """Two districts as `analysis.district_frame` carries their inputs' provenance; B has no
    uptake in the selection."""
    return pd.DataFrame(
        {
            "district_code": ["A", "B"],
            "population_source": ["Census 2023 t1", "Census 2023 t1"],
            "population_year": ["2023", "2023"],
            "access_source": ["Survey 2019; Census 2023 t12", "Survey 2019; Census 2023 t12"],
            "access_year": ["2019-2023", "2019-2023"],
            "uptake_source": ["Health returns; Census 2023 t1", None],
            "uptake_year": ["2023-2025", None],
        }
    )


INDICATORS = pd.DataFrame(
    {
        "district_code": ["A", "B", "A"],
        "indicator": ["coverage_4g_pct", "coverage_4g_pct", "literacy_pct"],
        "grp": ["all", "all", "all"],
        "year": [2024, 2024, 2023],
        "source": ["PTA 2024", "PTA 2024", "Census 2023 t12"],
        "covers_all": [True, True, True],
    }
)


def test_coverage_sources_are_the_rows_coverage_uses():
    cover = planning.coverage_sources(INDICATORS)
    assert cover.values.tolist() == [["A", "PTA 2024", "2024"], ["B", "PTA 2024", "2024"]]
    # a year that does not cover every district is not used, so it is no one's source
    assert planning.coverage_sources(INDICATORS.assign(covers_all=False)) is None


def test_input_sources_join_the_named_inputs():
    cover = planning.coverage_sources(INDICATORS)
    both = planning.input_sources(provenance_frame(), ["population", "access", "uptake"])
    assert both.values.tolist() == [
        ["A", "Census 2023 t1; Survey 2019; Census 2023 t12; Health returns", "2019-2025"],
        ["B", "Census 2023 t1; Survey 2019; Census 2023 t12", "2019-2023"],  # no uptake
    ]
    covered = planning.input_sources(provenance_frame(), ["population", "coverage"], cover)
    assert covered["source"].tolist() == ["Census 2023 t1; PTA 2024"] * 2
    assert covered["year"].tolist() == ["2023-2024"] * 2
    # coverage not loaded: the other inputs still say where the numbers come from
    assert (
        planning.input_sources(provenance_frame(), ["population", "coverage"])["source"].tolist()
        == ["Census 2023 t1"] * 2
    )


def test_ranking_export_names_the_inputs_of_the_weighted_factors(factors):
    table = plan_page.ranked(factors, WEIGHTS)
    exported = plan_page.ranking_export(table, provenance_frame())
    assert exported.columns.tolist() == [*table.columns, "source", "year"]
    rows = exported.set_index("district_code")
    # access_gap is weighted, so uptake counts; C is not in the district frame: nothing to name
    assert rows.loc["A", "source"] == "Census 2023 t1; Survey 2019; Census 2023 t12; Health returns"
    assert rows.loc["A", "year"] == "2019-2025"
    assert pd.isna(rows.loc["C", "source"])
    unserved_only = plan_page.ranked(factors, {"unserved": 1.0})
    exported = plan_page.ranking_export(unserved_only, provenance_frame()).set_index(
        "district_code"
    )
    assert exported.loc["A", ["source", "year"]].tolist() == [
        "Census 2023 t1; Survey 2019; Census 2023 t12",
        "2019-2023",
    ]


def test_scenario_export_names_each_services_uptake_and_the_access_index():
    frame = log_linear_frame()
    after = planning.raise_access(frame["access_index"], frame["district_code"] == "D1", 20.0)
    result = planning.scenario_from_frames(
        {"a": frame, "b": frame.copy()}, {"a": "A", "b": "B"}, frame, after, ["D1"]
    )
    uptake = pd.DataFrame(
        {
            "service": ["a"],  # b has no uptake row: only the access index is named
            "source": ["Health returns; Census 2023 t1"],
            "year": ["2023-2025"],
        }
    )
    access = pd.DataFrame({"source": ["Survey 2019; Census 2023 t12"], "year": ["2019-2023"]})
    exported = plan_page.scenario_export(result, uptake, access)
    assert exported.columns.tolist() == [*result.by_service.columns, "source", "year"]
    assert exported[["service_code", "source", "year"]].values.tolist() == [
        ["a", "Health returns; Census 2023 t1; Survey 2019; Census 2023 t12", "2019-2025"],
        ["b", "Survey 2019; Census 2023 t12", "2019-2023"],
    ]
    assert exported["added"].tolist() == pytest.approx([20.0, 20.0])  # numbers unchanged


def test_scenario_display_has_labels_units_and_whole_district_counts():
    by_service = pd.DataFrame(
        {
            "service_code": ["fee_payment", "telemedicine"],
            "service_name": ["School fee payment", "Telemedicine consultations"],
            "added": [1234.4, math.nan],  # telemedicine: no fit (no uptake)
            "added_low": [987.6, math.nan],
            "added_high": [1500.5, math.nan],
            "n_districts": [35, 0],
        }
    )
    empty = pd.DataFrame()
    result = planning.Scenario(by_service, empty, 1234.4, 987.6, 1500.5, 0.2, 0.1)
    shown = plan_page.scenario_display(result)
    assert shown.columns.tolist() == [
        "E-service",
        "Added users (transactions)",
        "Added users (low)",
        "Added users (high)",
        "Districts",
    ]
    assert shown.values.tolist() == [
        ["School fee payment", "1,234", "988", "1,500", 35],
        ["Telemedicine consultations", "No data", "No data", "No data", 0],
    ]
    assert str(shown["Districts"].dtype) == "Int64"  # 35, never 35.00
    # the download keeps the machine-readable columns and numbers
    assert result.by_service.columns.tolist()[:3] == ["service_code", "service_name", "added"]
    assert result.by_service["added"].iloc[0] == 1234.4


def test_the_memo_prints_the_labelled_scenario(factors):
    frame = log_linear_frame()
    after = planning.raise_access(frame["access_index"], frame["district_code"] == "D1", 20.0)
    result = planning.scenario_from_frames({"a": frame}, {"a": "A"}, frame, after, ["D1"])
    # D1 10 -> 20: (4 − 2) × 10,000 / 1000 = 20 added; an exact fit on the 5 districts
    assert plan_page.scenario_display(result).values.tolist() == [["A", "20", "20", "20", 5]]
    table = plan_page.ranked(factors, WEIGHTS)
    pdf = plan_page.memo(
        table, list(WEIGHTS), result, ["Alpha"], "All services", ["S (2023)"], False
    )
    assert pdf.startswith(b"%PDF")


def test_coverage_export_names_population_coverage_and_uptake():
    gaps = pd.DataFrame({"district_code": ["A", "B"], "not_covered": [10.0, 20.0]})
    cover = planning.coverage_sources(INDICATORS)
    exported = plan_page.coverage_export(gaps, provenance_frame(), cover)
    assert exported[["district_code", "not_covered", "source", "year"]].values.tolist() == [
        ["A", 10.0, "Census 2023 t1; PTA 2024; Health returns", "2023-2025"],
        ["B", 20.0, "Census 2023 t1; PTA 2024", "2023-2024"],
    ]
