"""WHO's summary measures of inequality (`kp_dash.numbers.inequality`): each measure against a
value worked out by hand below, where WHO applies it, and refused where WHO does not.

The three subgroups: estimates 20, 40 and 60 % with standard errors 2, 4 and 6, populations
100, 300 and 600 (shares 0.1, 0.3, 0.6): the weighted mean is 2 + 12 + 36 = 50."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kp_dash.numbers import logistic
from kp_dash.numbers.inequality import (
    DRAWS,
    SEED,
    Dimension,
    NotApplicable,
    Z,
    applicable,
    compared,
    impact_reference,
    measure,
    summary,
)

ESTIMATES, SES, POPULATIONS = (20.0, 40.0, 60.0), (2.0, 4.0, 6.0), (100.0, 300.0, 600.0)
DISTRICTS = Dimension(ESTIMATES, SES, POPULATIONS)  # non-ordered
WITH_REFERENCE = Dimension(ESTIMATES, SES, POPULATIONS, reference=1)  # the 40 % subgroup
AGE_BANDS = Dimension(ESTIMATES, SES, POPULATIONS, order=(1, 2, 3))
SEXES = Dimension((30.0, 50.0), (3.0, 4.0), (400.0, 600.0))  # mean 12 + 30 = 42


def _close(value, expected, rel=1e-9):
    assert value == pytest.approx(expected, rel=rel, abs=1e-12)


def _normal_interval(found, estimate, se):
    _close(found.estimate, estimate)
    _close(found.se, se)
    _close(found.ci_lb, estimate - Z * se)
    _close(found.ci_ub, estimate + Z * se)


# --- which measures apply ---------------------------------------------------------------------


def test_the_measures_follow_the_kind_of_dimension():
    assert applicable(SEXES) == ("d", "r", "par", "paf")
    assert applicable(AGE_BANDS) == ("d", "r", "aci", "rci", "sii", "rii", "par", "paf")
    assert applicable(DISTRICTS) == (
        "d", "r", "bgv", "bgsd", "cov", "mdbu", "mdbw", "mdmu", "mdmw",
        "idisu", "idisw", "mld", "ti", "par", "paf",
    )  # fmt: skip
    assert "mdru" in applicable(WITH_REFERENCE) and "mdrw" in applicable(WITH_REFERENCE)


@pytest.mark.parametrize(
    ("code", "dimension", "reason"),
    [
        ("aci", DISTRICTS, "aci applies to ordered dimensions, not to a non-ordered one"),
        ("rci", SEXES, "rci applies to ordered dimensions, not to a binary one"),
        ("sii", DISTRICTS, "sii applies to ordered dimensions"),
        ("rii", SEXES, "rii applies to ordered dimensions"),
        ("bgv", AGE_BANDS, "bgv applies to non-ordered dimensions, not to an ordered one"),
        ("bgsd", SEXES, "bgsd applies to non-ordered dimensions"),
        ("cov", AGE_BANDS, "cov applies to non-ordered dimensions"),
        ("mdbu", AGE_BANDS, "mdbu applies to non-ordered"),
        ("mdbw", SEXES, "mdbw applies to non-ordered"),
        ("mdmu", AGE_BANDS, "mdmu applies to non-ordered"),
        ("mdmw", SEXES, "mdmw applies to non-ordered"),
        ("mdru", DISTRICTS, "mdru needs a reference subgroup"),
        ("mdrw", DISTRICTS, "mdrw needs a reference subgroup"),
        ("idisu", AGE_BANDS, "idisu applies to non-ordered"),
        ("idisw", SEXES, "idisw applies to non-ordered"),
        ("mld", AGE_BANDS, "mld applies to non-ordered"),
        ("ti", SEXES, "ti applies to non-ordered"),
        ("par", Dimension(ESTIMATES, SES), "par is weighted by population"),
        ("paf", Dimension(ESTIMATES, SES), "paf is weighted by population"),
        ("d", DISTRICTS, None),  # d and r apply everywhere
        ("r", AGE_BANDS, None),
    ],
)
def test_a_measure_is_refused_where_who_does_not_apply_it(code, dimension, reason):
    if reason is None:
        assert measure(code, dimension).estimate > 0
        return
    with pytest.raises(NotApplicable, match=reason):
        measure(code, dimension)


def test_an_unknown_measure_is_named():
    with pytest.raises(NotApplicable, match="unknown measure 'gini'"):
        measure("gini", DISTRICTS)


# --- simple measures --------------------------------------------------------------------------


def test_difference_and_ratio_of_the_highest_and_lowest_subgroups():
    # d = 60 − 20 = 40, se = √(6² + 2²) = √40
    _normal_interval(measure("d", DISTRICTS), 40, math.sqrt(40))
    # r = 60 ÷ 20 = 3, se = √((6² + 3² × 2²) ÷ 20²) = √0.18; the interval on the log scale
    found = measure("r", DISTRICTS)
    _close(found.estimate, 3)
    _close(found.se, math.sqrt(0.18))
    _close(found.ci_lb, 3 * math.exp(-Z * math.sqrt(0.18) / 3))
    _close(found.ci_ub, 3 * math.exp(Z * math.sqrt(0.18) / 3))


def test_an_adverse_ordered_indicator_compares_the_least_with_the_most_advantaged():
    # adverse (less is better), order 1 = least advantaged: d = est(order 1) − est(order 3)
    adverse = Dimension((60.0, 40.0, 20.0), SES[::-1], POPULATIONS, order=(1, 2, 3),
                        favourable=False)  # fmt: skip
    assert measure("d", adverse).estimate == 40
    assert measure("r", adverse).estimate == 3


def test_with_a_reference_subgroup_d_compares_it_with_the_worst_of_the_others():
    # favourable: the reference (40) against the lowest other subgroup (20)
    _normal_interval(measure("d", WITH_REFERENCE), 20, math.sqrt(4**2 + 2**2))


def test_a_ratio_over_a_zero_estimate_is_refused():
    with pytest.raises(NotApplicable, match="estimate is 0"):
        measure("r", Dimension((0.0, 40.0), (1.0, 2.0), (1.0, 1.0)))


def test_without_standard_errors_a_measure_has_no_interval():
    found = measure("d", Dimension(ESTIMATES))
    assert (found.estimate, found.se, found.ci_lb, found.method) == (40, None, None, "none")


# --- variance measures ------------------------------------------------------------------------


def test_between_group_variance_and_its_analytic_error():
    # bgv = 0.1×30² + 0.3×10² + 0.6×10² = 90 + 30 + 60 = 180
    # p²se² = 0.04, 1.44, 12.96; 4 Σ p²se²(y−μ)² = 4 × (36 + 144 + 1,296) = 5,904;
    # 2 ((Σ p²se²)² − Σ p⁴se⁴ + Σ p²(1−p)²se⁴) = 2 × (208.5136 − 170.0368 + 86.0688) = 249.0912
    _normal_interval(measure("bgv", DISTRICTS), 180, math.sqrt(5904 + 249.0912))


def test_standard_deviation_and_coefficient_of_variation_with_simulated_intervals():
    bgsd, cov = measure("bgsd", DISTRICTS), measure("cov", DISTRICTS)
    _close(bgsd.estimate, math.sqrt(180))
    _close(cov.estimate, 100 * math.sqrt(180) / 50)
    for found in (bgsd, cov):
        assert found.ci_lb < found.estimate < found.ci_ub
        assert found.method == f"simulated ({DRAWS} draws, seed {SEED})"


# --- mean differences and the index of disparity ----------------------------------------------


@pytest.mark.parametrize(
    ("code", "dimension", "expected"),
    [
        ("mdbu", DISTRICTS, (40 + 20 + 0) / 3),  # from the best (60)
        ("mdbw", DISTRICTS, 0.1 * 40 + 0.3 * 20),
        ("mdmu", DISTRICTS, (30 + 10 + 10) / 3),  # from the mean (50)
        ("mdmw", DISTRICTS, 0.1 * 30 + 0.3 * 10 + 0.6 * 10),
        ("mdru", WITH_REFERENCE, (20 + 0 + 20) / 3),  # from the reference (40)
        ("mdrw", WITH_REFERENCE, 0.1 * 20 + 0.6 * 20),
        ("idisu", DISTRICTS, 100 * ((30 + 10 + 10) / 3) / 50),
        ("idisw", DISTRICTS, 100 * 12 / 50),
    ],
)
def test_mean_differences_and_disparity(code, dimension, expected):
    found = measure(code, dimension)
    _close(found.estimate, expected)
    assert found.ci_lb < found.estimate < found.ci_ub


def test_an_adverse_indicator_measures_from_the_lowest_subgroup():
    adverse = Dimension(ESTIMATES, SES, POPULATIONS, favourable=False)
    _close(measure("mdbu", adverse).estimate, (0 + 20 + 40) / 3)


def test_a_simulated_interval_is_the_same_each_time_and_narrows_with_the_errors():
    first, again = measure("mdbw", DISTRICTS), measure("mdbw", DISTRICTS)
    assert (first.ci_lb, first.ci_ub) == (again.ci_lb, again.ci_ub)
    precise = measure("mdbw", Dimension(ESTIMATES, (0.2, 0.4, 0.6), POPULATIONS))
    assert precise.ci_ub - precise.ci_lb < (first.ci_ub - first.ci_lb) / 5


# --- disproportionality -----------------------------------------------------------------------


def test_mean_log_deviation_and_theil_index_per_thousand():
    # mld = 1000 Σ p (−ln(y/μ)) = 1000 (0.1×0.916291 + 0.3×0.223144 − 0.6×0.182322)
    # its error: √Σ (se² p² ÷ μ²)(1 − μ/y)² = √(3.6e-5 + 3.6e-5 + 1.44e-4) = √2.16e-4, × 1000
    mld = measure("mld", DISTRICTS)
    expected = 1000 * (0.1 * -math.log(0.4) + 0.3 * -math.log(0.8) + 0.6 * -math.log(1.2))
    _normal_interval(mld, expected, 1000 * math.sqrt(2.16e-4))
    # ti = 1000 Σ p (y/μ) ln(y/μ)
    ti = measure("ti", DISTRICTS)
    expected = 1000 * (
        0.1 * 0.4 * math.log(0.4) + 0.3 * 0.8 * math.log(0.8) + 0.6 * 1.2 * math.log(1.2)
    )
    _close(ti.estimate, expected)
    _close(ti.se, 12.5822, rel=1e-5)  # √1.583103e-4 × 1000, worked in the notes of the module
    assert ti.ci_lb < ti.estimate < ti.ci_ub


# --- impact measures --------------------------------------------------------------------------


def test_population_attributable_risk_and_fraction():
    # the best subgroup (60) against the mean (50): par = 10, paf = 20 %
    # c = 0.6 × 600 = 360, d = 240, a = 0.5 × 1,000 − 360 = 140, b = 1,000 − 140 − 600 = 260;
    # var = c N (a d (N − c) + b c²) ÷ ((a + c)³ (c + d)³) = 360,000 × 55,200,000 ÷ 2.7e16
    fraction_se = math.sqrt(360_000 * 55_200_000 / 2.7e16)
    _normal_interval(measure("par", DISTRICTS), 10, 50 * fraction_se)
    _normal_interval(measure("paf", DISTRICTS), 20, 100 * fraction_se)


def test_no_subgroup_better_than_the_mean_is_no_attributable_risk():
    # the reference (40) is below the mean (50): nothing to gain at its level
    assert measure("par", WITH_REFERENCE).estimate == 0
    assert measure("paf", WITH_REFERENCE).estimate == 0


def test_a_binary_dimension_gets_the_impact_of_its_better_subgroup():
    # men 50 against the mean 42: par = 8, paf = 8 ÷ 42
    _close(measure("par", SEXES).estimate, 8)
    _close(measure("paf", SEXES).estimate, 100 * 8 / 42)


# --- ordered dimensions -----------------------------------------------------------------------


def test_concentration_indices_and_their_regression_errors():
    # mid-point ranks 0.05, 0.25, 0.70; rci = 2/μ Σ p y rank − 1 = 0.04 × 28.3 − 1 = 0.132
    # the fit's residuals −0.0162, 0.0078, −0.0012 (×√w): RSS 0.04536 on 1 degree of freedom;
    # (XᵀX)⁻¹ for the slope = 1,000 ÷ (313 × 1,000 − 500²) = 1/63
    _normal_interval(measure("rci", AGE_BANDS), 0.132, math.sqrt(0.04536 / 63))
    _normal_interval(measure("aci", AGE_BANDS), 50 * 0.132, 50 * math.sqrt(0.04536 / 63))


def test_the_order_not_the_listing_decides_an_ordered_measure():
    shuffled = Dimension((60.0, 20.0, 40.0), (6.0, 2.0, 4.0), (600.0, 100.0, 300.0),
                         order=(3, 1, 2))  # fmt: skip
    _close(measure("rci", shuffled).estimate, 0.132)


def _on_a_logit_line(intercept: float, slope: float) -> Dimension:
    """Three subgroups whose percentages lie on logit p = intercept + slope × rank exactly
    (a million people and more each, so that rounding to whole people moves nothing)."""
    populations = (1e6, 3e6, 6e6)
    ranks = (0.05, 0.25, 0.7)
    estimates = tuple(100 / (1 + math.exp(-(intercept + slope * r))) for r in ranks)
    return Dimension(estimates, (1.0, 1.0, 1.0), populations, order=(1, 2, 3))


def test_slope_and_relative_index_of_inequality_from_the_logistic_fit():
    # on logit p = −1 + 2 rank: p(0) = 1/(1 + e), p(1) = e/(1 + e); SII = p(1) − p(0) in %,
    # RII = p(1) ÷ p(0) = e
    dimension = _on_a_logit_line(-1, 2)
    sii, rii = measure("sii", dimension), measure("rii", dimension)
    _close(sii.estimate, 100 * (math.e - 1) / (1 + math.e), rel=1e-5)
    _close(rii.estimate, math.e, rel=1e-5)
    for found in (sii, rii):
        assert found.ci_lb <= found.estimate <= found.ci_ub


def test_a_flat_logit_line_has_no_slope():
    dimension = _on_a_logit_line(0.5, 0)  # whole people: a rounding of a millionth remains
    assert measure("sii", dimension).estimate == pytest.approx(0, abs=1e-4)
    assert measure("rii", dimension).estimate == pytest.approx(1, abs=1e-6)


def test_estimates_beyond_the_scale_give_no_regression():
    beyond = Dimension((20.0, 40.0, 160.0), SES, POPULATIONS, order=(1, 2, 3))
    with pytest.raises(NotApplicable, match="within 0…100"):
        measure("sii", beyond)


def test_the_summary_lists_every_measure_the_data_give():
    codes = [m.code for m in summary(AGE_BANDS)]
    assert codes == ["d", "r", "aci", "rci", "sii", "rii", "par", "paf"]
    assert all(m.ci_lb <= m.estimate <= m.ci_ub for m in summary(DISTRICTS))


def test_an_adverse_indicator_attributes_to_its_lowest_subgroup():
    # less is better: the lowest subgroup (20) against the mean (50): par = −30, paf = −60 %
    adverse = Dimension(ESTIMATES, SES, POPULATIONS, favourable=False)
    _close(measure("par", adverse).estimate, -30)
    _close(measure("paf", adverse).estimate, -60)


def test_the_relative_index_interval_is_taken_from_the_log_scale():
    rii = measure("rii", AGE_BANDS)
    log_se = rii.se / rii.estimate
    _close(rii.ci_lb, rii.estimate * math.exp(-Z * log_se))
    _close(rii.ci_ub, rii.estimate * math.exp(Z * log_se))
    assert rii.estimate > 1  # the most advantaged band (order 3) has the highest estimate


def test_the_regression_errors_are_the_delta_method_of_the_fit_by_finite_differences():

    # the fit of AGE_BANDS as `_regression` makes it: whole people, events, mid-point ranks,
    # weighted by the population
    n = np.array(POPULATIONS)
    events = np.round(np.array(ESTIMATES) / 100 * n)
    rank = (np.cumsum(n) - n / 2) / n.sum()
    x = np.column_stack([np.ones(3), rank])
    beta, covariance = logistic.fit(x, events, n, weights=n)

    def p(b, at):
        return 1 / (1 + math.exp(-(b[0] + b[1] * at)))

    def numeric_se(function):
        step = 1e-6
        gradient = np.array([
            (function(beta + step * e) - function(beta - step * e)) / (2 * step)
            for e in np.eye(2)
        ])  # fmt: skip
        return math.sqrt(gradient @ covariance @ gradient)

    sii_se = numeric_se(lambda b: 100 * (p(b, 1) - p(b, 0)))
    log_rii_se = numeric_se(lambda b: math.log(p(b, 1) / p(b, 0)))
    _close(measure("sii", AGE_BANDS).se, sii_se, rel=1e-6)
    rii = measure("rii", AGE_BANDS)
    _close(rii.se / rii.estimate, log_rii_se, rel=1e-6)


# --- WHO's own worked example ------------------------------------------------------------------

# births attended by skilled personnel (%) by wealth quintile, the `OrderedSample` of WHO's
# healthequal package (its reference pages print the data and each measure's result)
QUINTILES = Dimension(
    (75.60530, 91.01997, 96.03959, 97.04223, 99.22405),
    (1.5996131, 1.1351504, 0.6461946, 0.5676206, 0.2237683),
    (2072.436, 2112.204, 1983.059, 2052.124, 1884.510),
    order=(1, 2, 3, 4, 5),
    setting_average=91.59669,
)


@pytest.mark.parametrize(
    ("code", "estimate", "ci_lb", "ci_ub"),
    [
        ("aci", 4.30052, 1.783865, 6.817174),
        ("rci", 0.0469506, 0.01947522, 0.07442599),
        ("sii", 31.61763, 25.71885, 37.51641),  # WHO prints SII's error as a fraction: 0.0301
        ("rii", 1.466089, 1.345669, 1.597286),
    ],
)
def test_the_ordered_measures_equal_who_s_worked_example(code, estimate, ci_lb, ci_ub):
    found = measure(code, QUINTILES)
    for value, printed in ((found.estimate, estimate), (found.ci_lb, ci_lb), (found.ci_ub, ci_ub)):
        assert value == pytest.approx(printed, rel=2e-6)  # WHO prints seven digits


def test_the_relative_index_error_is_who_s_on_the_log_scale():
    rii = measure("rii", QUINTILES)
    assert rii.se / rii.estimate == pytest.approx(0.04372912, rel=2e-6)
    assert measure("sii", QUINTILES).se == pytest.approx(100 * 0.03009635, rel=2e-6)
    assert measure("aci", QUINTILES).se == pytest.approx(1.284031, rel=2e-6)


# --- any data: a value with an interval that holds it, or a reason --------------------------


@st.composite
def _dimensions(draw) -> Dimension:
    n = draw(st.sampled_from([2, 3, 5, 35]))
    scale = draw(st.sampled_from([1.0, 100.0, 1000.0]))
    values = st.one_of(st.just(0.0), st.just(scale), st.floats(0, scale))
    estimates = tuple(draw(st.lists(values, min_size=n, max_size=n)))
    errors = st.lists(st.one_of(st.just(0.0), st.floats(0, scale / 5)), min_size=n, max_size=n)
    people = st.lists(st.one_of(st.just(0.0), st.just(1.0), st.floats(0, 1e7)),
                      min_size=n, max_size=n)  # fmt: skip
    return Dimension(
        estimates,
        draw(st.one_of(st.none(), errors.map(tuple))),
        draw(st.one_of(st.none(), people.map(tuple))),
        draw(st.one_of(st.none(), st.permutations(range(1, n + 1)).map(tuple))),
        draw(st.booleans()),
        scale,
        draw(st.one_of(st.none(), st.integers(0, n - 1))),
        draw(st.one_of(st.none(), st.floats(0, scale))),
    )


@settings(max_examples=150, deadline=None)
@given(_dimensions())
def test_any_data_give_a_value_whose_interval_holds_it_or_a_reason(dimension):
    for code in applicable(dimension):
        try:
            found = measure(code, dimension, draws=200)
        except NotApplicable as reason:
            assert str(reason).startswith(code)
            continue
        assert math.isfinite(found.estimate)
        if found.ci_lb is not None:
            slack = 1e-9 * max(1.0, abs(found.estimate))
            assert found.ci_lb - slack <= found.estimate <= found.ci_ub + slack, found


def test_the_subgroups_compared_and_the_impact_reference_in_the_order_given():
    # subgroups as given: orders 3, 1, 2 (the first is the most advantaged)
    ordered = Dimension((60.0, 20.0, 40.0), SES, POPULATIONS, order=(3, 1, 2))
    assert compared(ordered) == (1, 0)
    assert impact_reference(ordered) == 0
    adverse = Dimension((60.0, 20.0, 40.0), SES, POPULATIONS, order=(3, 1, 2), favourable=False)
    assert compared(adverse) == (0, 1)
    assert impact_reference(adverse) == 0  # the most advantaged by order, whatever its value
    assert compared(DISTRICTS) == (0, 2)  # lowest and highest estimate
    assert impact_reference(DISTRICTS) == 2
    assert impact_reference(Dimension(ESTIMATES, SES, POPULATIONS, favourable=False)) == 0
    assert compared(WITH_REFERENCE) == (0, 1)  # the lowest other against the reference
    assert impact_reference(WITH_REFERENCE) == 1
