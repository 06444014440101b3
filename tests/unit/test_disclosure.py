"""The disclosure rule (kp_dash.views.disclosure): which columns count service records, driven by
the metric registry; counts from 1 to 9 as `<10` (0 stays 0: no one to identify); a rate
whose numerator is under 10 flagged and not ranked. Hand-written frames throughout."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kp_dash.numbers import registry
from kp_dash.views import disclosure, exports

UPTAKE = registry.get("uptake_per_1000")


def _suppressed(values: list[object]) -> list[object]:
    out = disclosure.suppress_counts(pd.Series(values, dtype=object))
    return [None if disclosure._missing(v) else v for v in out]


@pytest.mark.parametrize(
    ("count", "shown"),
    [(1, "<10"), (9, "<10"), (9.5, "<10"), (0, 0), (10, 10), (10.0, 10), (250, 250)],
)
def test_a_count_under_ten_reads_lt10(count: float, shown: object) -> None:
    assert _suppressed([count, 100]) == [shown, 100]


def test_no_data_stays_empty_and_text_stays_text() -> None:
    assert _suppressed([np.nan, None, "<10", 3]) == [None, None, "<10", "<10"]


def test_nullable_integer_counts_as_a_metric_frame_has_them() -> None:
    counts = pd.Series([3, pd.NA, 12], dtype="Int64")
    out = disclosure.suppress_counts(counts)
    assert out[0] == "<10" and pd.isna(out[1]) and out[2] == 12
    flags = disclosure.small_numerator(pd.DataFrame({"digital_transactions": counts}))
    assert flags.tolist()[0] is True and pd.isna(flags[1]) and flags.tolist()[2] is False


# --- which columns count -----------------------------------------------------------------------

# every registered metric: (whether its numerator counts records, whether its denominator does)
EXPECTED_COUNTS = {
    "uptake_per_1000": (True, False),  # digital transactions ÷ census population
    "reach_pct": (True, False),  # people reached ÷ census population
    "digital_share_pct": (True, True),  # digital ÷ all transactions
    "assisted_share_pct": (True, True),
    "female_share_pct": (True, True),
    "literacy_pct": (False, False),  # census: published already
    "literacy_female_pct": (False, False),
    "literacy_female_rural_pct": (False, False),
    "grid_light_pct": (False, False),
    "completion_rate_pct": (True, True),  # completed ÷ all digital attempts of the logs
}


def test_the_registry_says_which_parts_count_records() -> None:
    found = {
        m.code: (m.counts(m.numerator), m.counts(m.denominator))
        for m in registry.REGISTRY.values()
        if m.numerator
    }
    assert found == EXPECTED_COUNTS
    assert registry.counted() == {
        "digital_transactions",
        "all_transactions",
        "assisted_transactions",
        "female_digital_transactions",
        "male_digital_transactions",
        "female_male_digital_transactions",
        "users",
        "mean_monthly_users",
        "people",  # distinct people of the transaction logs
        "reached",  # people + mean monthly users
        "digital_attempts",
        "completed_attempts",
    }


def test_count_columns_by_name_and_display_label() -> None:
    frame = pd.DataFrame(
        columns=[
            "district_code",
            "value",
            "expected",
            "digital_transactions",
            "Digital transactions",
            "Transactions",
            "users",
            "comparison_digital_transactions",
            "eligible_population",  # census: not suppressed
            "population_10plus",
            "households",
            "Rows",  # file rows are not people
            "Received",  # months × services
            "user_months",  # months
            "unserved_population",  # an estimate from census and survey figures
        ]
    )
    assert disclosure.count_columns(frame) == [
        "digital_transactions",
        "Digital transactions",
        "Transactions",
        "users",
        "comparison_digital_transactions",
    ]


def test_the_quality_tables_name_their_counts_value() -> None:
    outliers = pd.DataFrame(columns=["District", "Value", "Expected", "Modified z"])
    assert disclosure.count_columns(outliers) == ["Value", "Expected"]
    failed = pd.DataFrame(columns=["District", "Value", "Compared with", "Check"])
    assert disclosure.count_columns(failed) == ["Value"]
    completeness = pd.DataFrame(columns=["District", "Expected", "Received"])
    assert disclosure.count_columns(completeness) == []


def _metric_frame(numerator: list[float], denominator: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "district_code": ["PK502", "PK528", "PK517"],
            "district_name": ["Bajaur", "Peshawar", "Kolai Palas Kohistan"],
            "value": [1000.0 * n / d for n, d in zip(numerator, denominator, strict=True)],
            "numerator": numerator,
            "denominator": denominator,
            "source": "Fixture returns; Fixture census",
            "year": "2025",
        }
    )


def test_a_metric_frames_numerator_is_suppressed_and_its_census_denominator_is_not() -> None:
    frame = _metric_frame([3, 0, 40], [5, 8, 4000])  # tiny populations: still published figures
    out = exports.export_frame(frame, demo=False, metric=UPTAKE, suppress=True)
    assert out["numerator"].tolist() == ["<10", 0, 40]
    assert out["denominator"].tolist() == [5, 8, 4000]
    share = exports.export_frame(
        frame, demo=False, metric=registry.get("digital_share_pct"), suppress=True
    )
    assert share["denominator"].tolist() == ["<10", "<10", 4000]  # all transactions count
    census = exports.export_frame(
        frame, demo=False, metric=registry.get("literacy_pct"), suppress=True
    )
    assert census["numerator"].tolist() == [3, 0, 40]  # literate people: census
    unknown = exports.export_frame(frame, demo=False, suppress=True)
    assert unknown["numerator"].tolist() == ["<10", 0, 40]  # no metric known: a count
    assert "small_numerator" not in unknown  # but only a known rate is flagged


def test_the_metric_is_read_from_the_frame() -> None:
    frame = _metric_frame([3, 0, 40], [5, 8, 4000]).assign(metric="literacy_pct")
    assert disclosure.count_columns(frame) == []
    assert disclosure.count_columns(frame.assign(metric="uptake_per_1000")) == ["numerator"]


# --- small numerators --------------------------------------------------------------------------


def test_a_rate_on_fewer_than_ten_is_flagged_and_not_ranked() -> None:
    table = pd.DataFrame(
        {
            "Rank": [1, 2, 3, 4, pd.NA],
            "District": ["A", "B", "C", "D", "E"],
            "value": [90.0, 50.0, 20.0, 0.0, np.nan],
            "digital_transactions": [900, 9, 10, 0, np.nan],
        }
    ).astype({"Rank": "Int64"})
    out = exports.export_frame(table, demo=True, suppress=True)
    assert out["digital_transactions"].tolist()[:4] == [900, "<10", 10, 0]
    assert out["small_numerator"].tolist()[:4] == [False, True, False, True]
    assert pd.isna(out["small_numerator"][4])  # no data: no flag
    assert out["Rank"].tolist()[:4] == [1, "—", 3, "—"]  # the others keep their ranks
    assert out["value"].tolist()[:4] == [90.0, 50.0, 20.0, 0.0]  # the rate stays, marked
    notes = out["note"].tolist()
    assert notes[0] == notes[2] == exports.DEMO_NOTE
    assert notes[1] == (
        f"{exports.DEMO_NOTE}; small_numerator: fewer than 10 digital transactions, so the rate "
        "is not exact; its rank is withheld (—)"
    )
    assert list(out.columns)[-3:] == ["note", "source", "year"]


def test_a_delta_is_flagged_when_either_period_is_small() -> None:
    table = pd.DataFrame(
        {
            "district_code": ["PK502", "PK528"],
            "rank": [1, 2],
            "digital_transactions": [50, 400],
            "comparison_digital_transactions": [50, 4],
        }
    )
    out = exports.export_frame(table, demo=False, suppress=True)
    assert out["small_numerator"].tolist() == [False, True]
    assert out["rank"].tolist() == [1, "—"]
    assert out["comparison_digital_transactions"].tolist() == [50, "<10"]
    assert out["note"].tolist()[0] == ""


def test_no_flag_where_the_table_has_no_rate_numerator() -> None:
    out = exports.export_frame(pd.DataFrame({"rank": [1], "score": [0.5]}), demo=False)
    assert "small_numerator" not in out and "note" not in out


# --- the counts behind a table's rates ---------------------------------------------------------


def test_with_counts_names_the_metrics_components() -> None:
    values = pd.DataFrame(
        {
            "district_code": ["PK502", "PK528", "PK501"],
            "district_name": ["Bajaur", "Peshawar", "Abbottabad"],
            "value": [600.0, 0.0, np.nan],
        }
    )
    frame = _metric_frame([3, 0, 40], [5, 8, 4000])
    table = disclosure.with_counts(values, frame, UPTAKE)
    assert list(table.columns) == [
        "district_code",
        "district_name",
        "value",
        "digital_transactions",
        "eligible_population",
    ]
    assert table["digital_transactions"].tolist()[:2] == [3, 0]
    assert pd.isna(table["digital_transactions"][2])  # no data stays no data
    out = exports.export_frame(table, demo=False, suppress=True)
    assert out["digital_transactions"].tolist()[:2] == ["<10", 0]
    assert out["eligible_population"].tolist()[:2] == [5, 8]
    assert out["small_numerator"].tolist()[:2] == [True, True]


def test_with_counts_matches_a_display_table_by_name_and_adds_a_comparison() -> None:
    shown = pd.DataFrame({"Rank": [1, 2], "District": ["Peshawar", "Bajaur"]})
    now = _metric_frame([3, 0, 40], [5, 8, 4000])
    before = _metric_frame([30, 20, 40], [5, 8, 4000])
    table = disclosure.with_counts(shown, now, UPTAKE, comparison=before)
    assert table["digital_transactions"].tolist() == [0, 3]
    assert table["comparison_digital_transactions"].tolist() == [20, 30]
    unmatched = pd.DataFrame({"score": [1.0]})
    assert disclosure.with_counts(unmatched, now, UPTAKE) is unmatched


def test_the_about_lines_explain_what_was_done() -> None:
    out = exports.export_frame(
        pd.DataFrame({"value": [1.0], "digital_transactions": [3]}), demo=False, suppress=True
    )
    lines = disclosure.about(out)
    assert len(lines) == 2 and "read <10" in lines[0] and "small_numerator" in lines[1]
    assert disclosure.about(pd.DataFrame({"rows": [3]})) == []
