"""Every metric on the two-district fixture, against answers worked out by hand.

Fixture (tests/fixtures): Bajaur PK502 (1,000 people, 600 adults, all rural) and Peshawar PK528
(3,000 people, 2,000 adults). health_complaints usage, 2025-01 and 2025-02:
  Bajaur   digital 15 (female 6, male 9), assisted 4, counter 8  → all 27
  Peshawar digital 200 (female 100, male 100), assisted 10, counter 40 → all 250
plus one health_card row in Peshawar (30 digital, male, 2025-02).
"""

from __future__ import annotations

import duckdb
import pytest

from kp_dash.numbers import metric_sql, metrics, registry
from kp_dash.numbers.registry import Query
from kp_dash.store import db

HC = "health_complaints"


@pytest.fixture(scope="module")
def con(small_db):
    with db.connect_readonly(small_db) as connection:
        yield connection


def values(con, code, by=("district",), **kwargs) -> dict:
    frame = metrics.fetch(con, Query(code, by, **kwargs))
    keys = [
        c
        for c in frame.columns
        if c in ("district_code", "month", "sex", "area", "channel", "service")
    ]
    return {
        tuple(row[k] for k in keys) if len(keys) > 1 else row[keys[0]]: row["value"]
        for _, row in frame.iterrows()
    }


def province(con, code, **kwargs) -> float:
    frame = metrics.fetch(con, Query(code, (), **kwargs))
    assert len(frame) == 1
    return frame["value"].iloc[0]


def test_uptake_per_1000_uses_the_service_population(con):
    assert values(con, "uptake_per_1000", service=HC) == pytest.approx(
        {"PK502": 1000 * 15 / 600, "PK528": 1000 * 200 / 2000}
    )
    assert province(con, "uptake_per_1000", service=HC) == pytest.approx(1000 * 215 / 2600)


def test_uptake_of_all_services_together_uses_total_population(con):
    assert values(con, "uptake_per_1000") == pytest.approx(
        {"PK502": 1000 * 15 / 1000, "PK528": 1000 * 230 / 3000}
    )
    assert province(con, "uptake_per_1000") == pytest.approx(1000 * 245 / 4000)


def test_uptake_by_month_keeps_the_population_once(con):
    by_month = values(con, "uptake_per_1000", by=("month",), service=HC)
    assert by_month == pytest.approx({"2025-01": 1000 * 162 / 2600, "2025-02": 1000 * 53 / 2600})


def test_uptake_period_filter(con):
    feb = values(con, "uptake_per_1000", service=HC, month_from="2025-02", month_to="2025-02")
    assert feb == pytest.approx({"PK502": 1000 * 3 / 600, "PK528": 1000 * 50 / 2000})


def test_uptake_by_sex_uses_each_sexs_population(con):
    by_sex = values(con, "uptake_per_1000", by=("district", "sex"), service=HC)
    assert by_sex[("PK502", "female")] == pytest.approx(1000 * 6 / 300)
    assert by_sex[("PK502", "male")] == pytest.approx(1000 * 9 / 300)


def test_uptake_numerator_and_denominator_columns(con):
    frame = metrics.fetch(con, Query("uptake_per_1000", ("district",), HC))
    assert list(frame.columns) == [
        "district_code",
        "district_name",
        "value",
        "numerator",
        "denominator",
        "source",
        "year",
    ]
    row = frame.set_index("district_code").loc["PK502"]
    assert (row["numerator"], row["denominator"]) == (15, 600)
    assert "Fixture returns" in row["source"] and "Fixture census" in row["source"]
    assert row["year"] == "2023-2025"


def test_digital_and_assisted_shares(con):
    assert values(con, "digital_share_pct", service=HC) == pytest.approx(
        {"PK502": 100 * 15 / 27, "PK528": 100 * 200 / 250}
    )
    assert values(con, "assisted_share_pct", service=HC) == pytest.approx(
        {"PK502": 100 * 4 / 27, "PK528": 100 * 10 / 250}
    )
    assert province(con, "digital_share_pct", service=HC) == pytest.approx(100 * 215 / 277)


def test_digital_share_is_undefined_not_zero_without_transactions(con):
    by_channel = values(con, "digital_share_pct", by=("channel",), service=HC)
    assert by_channel["counter"] == 0.0
    assert "telemedicine" not in values(con, "digital_share_pct", by=("service",))


def test_female_share_and_gender_parity(con):
    assert values(con, "female_share_pct", service=HC) == pytest.approx(
        {"PK502": 100 * 6 / 15, "PK528": 100 * 100 / 200}
    )
    assert values(con, "gender_parity", service=HC) == pytest.approx(
        {"PK502": (6 / 300) / (9 / 300), "PK528": (100 / 1000) / (100 / 1000)}
    )


def test_reach_is_the_mean_monthly_reach_of_reported_users(con):
    # Bajaur reports 3 + 8 + 2 = 13 users in January and 3 in February: mean 8 of 600 adults;
    # Peshawar 40 + 90 + 10 + 30 = 170 and 45: mean 107.5 of 2,000 (monthly users never add up)
    assert values(con, "reach_pct", service=HC) == pytest.approx(
        {"PK502": 100 * 8 / 600, "PK528": 100 * 107.5 / 2000}
    )
    by_month = values(con, "reach_pct", by=("month",), service=HC)
    assert by_month == pytest.approx(
        {"2025-01": 100 * (13 + 170) / 2600, "2025-02": 100 * (3 + 45) / 2600}
    )
    # the province over both months: (183 + 48) ÷ 2 users of 2,600 adults
    assert province(con, "reach_pct", service=HC) == pytest.approx(100 * 115.5 / 2600)


def test_access_indicators(con):
    assert values(con, "literacy_pct") == pytest.approx({"PK502": 25.0, "PK528": 75.0})
    assert province(con, "literacy_pct") == pytest.approx(100 * 2000 / 3200)
    assert values(con, "literacy_pct", by=("sex",)) == pytest.approx(
        {"female": 100 * 760 / 1600, "male": 100 * 1240 / 1600}
    )
    assert values(con, "literacy_female_pct") == pytest.approx({"PK502": 10.0, "PK528": 60.0})
    assert values(con, "literacy_female_rural_pct") == pytest.approx({"PK502": 10.0, "PK528": 50.0})
    assert values(con, "grid_light_pct") == pytest.approx({"PK502": 40.0, "PK528": 90.0})
    assert province(con, "grid_light_pct") == pytest.approx(100 * 490 / 600)
    assert values(con, "mobile_hh_pct") == pytest.approx({"PK502": 80.0, "PK528": 100.0})
    assert province(con, "mobile_hh_pct") == pytest.approx((80 * 1000 + 100 * 3000) / 4000)


def test_access_index_is_the_unweighted_mean_per_district(con):
    assert values(con, "access_index") == pytest.approx(
        {"PK502": (80 + 25 + 40) / 3, "PK528": (100 + 75 + 90) / 3}
    )
    # province: each indicator population-weighted first, then the plain mean
    assert province(con, "access_index") == pytest.approx((95 + 62.5 + 77.5) / 3)
    source = metrics.fetch(con, Query("access_index"))["source"].iloc[0]
    for code in ("mobile_hh_pct", "literacy_pct", "grid_light_pct"):
        assert code in source


def test_metric_without_usage_returns_no_rows(empty_db):
    with db.connect_readonly(empty_db) as con:
        assert metrics.fetch(con, Query("uptake_per_1000", ("district",))).empty
        assert len(metrics.fetch(con, Query("literacy_pct", ("district",)))) == 35


# metrics of transaction logs alone: monthly returns (and the simulated usage) carry no attempts
LOG_ONLY = {"completion_rate_pct"}


def test_every_district_has_a_value_with_demo_data(demo_db):
    with db.connect_readonly(demo_db) as con:
        for code in registry.REGISTRY:
            frame = metrics.fetch(con, Query(code, ("district",)))
            assert len(frame) == (0 if code in LOG_ONLY else 35), code  # no data, never 0
            assert frame["value"].notna().all(), code


def test_unknown_metric_and_breakdown_are_refused():
    with pytest.raises(registry.MetricError, match="unknown metric 'nope'"):
        metric_sql.metric_sql(Query("nope"))
    with pytest.raises(registry.MetricError, match="cannot be broken down by month"):
        metric_sql.metric_sql(Query("literacy_pct", ("month",)))


def test_filters_are_parameters_not_sql(con):
    hostile = "x'; drop table usage; --"
    assert metrics.fetch(con, Query("uptake_per_1000", ("district",), service=hostile)).empty
    assert len(db.query_df(con, "select * from usage")) > 0


def test_registry_and_sql_views_match_one_to_one():
    files = {f.name: f for f in db.sql_files("metrics")}
    assert set(files) == set(registry.REGISTRY)
    for code, sql_file in files.items():
        metric = registry.REGISTRY[code]
        assert metric.grain and metric.formula and metric.unit, code  # in CODE.toml beside it
        assert f"create or replace view metric_{code} as" in sql_file.statement
        assert sql_file.statement.count(";") == 0, "one statement per file"


def test_every_sql_file_has_a_header():
    """A metric's grain, formula and unit are in its definition (`CODE.toml`) instead."""
    for layer in db.SQL_LAYERS:
        for sql_file in db.sql_files(layer) if layer != "metrics" else ():
            assert {"grain", "formula", "unit"} <= set(sql_file.header), sql_file.path


def test_every_component_exists_in_its_view(con):
    for metric in registry.REGISTRY.values():
        names = set(db.query_df(con, f"select distinct component from {metric.view}")["component"])
        expected = set() if metric.code in LOG_ONLY else {c.rows for c in metric.components}
        assert names == expected, metric.code


def test_views_reject_writes(small_db):
    with db.connect_readonly(small_db) as con, pytest.raises(duckdb.Error):
        con.execute("delete from usage")


@pytest.fixture(scope="module")
def unequal_sexes(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    """The fixture with Bajaur's women and men in unequal numbers: 400 women and 600 men, of
    whom 200 and 400 adults (the totals stay 1,000 and 600)."""
    from kp_dash.store import build
    from tests.conftest import SMALL_USAGE_FILE, small_seed

    root = tmp_path_factory.mktemp("unequal")
    seed_dir = small_seed(root / "seed")
    table = seed_dir / "population.csv"
    rows = table.read_text(encoding="utf-8").splitlines()
    changed = {
        "PK502,2023,all,female,all,500": "PK502,2023,all,female,all,400",
        "PK502,2023,all,male,all,500": "PK502,2023,all,male,all,600",
        "PK502,2023,18+,female,all,300": "PK502,2023,18+,female,all,200",
        "PK502,2023,18+,male,all,300": "PK502,2023,18+,male,all,400",
    }
    rows = [
        next((new + r[len(old) :] for old, new in changed.items() if r.startswith(old + ",")), r)
        for r in rows
    ]
    assert sum(r.startswith(tuple(changed.values())) for r in rows) == 4
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    path = root / "unequal.duckdb"
    source = build.UsageSource(SMALL_USAGE_FILE, "fixture", "admin", "Fixture returns")
    build.build(path, with_demo=False, seed_dir=seed_dir, extra_usage=[source])
    with db.connect_readonly(path) as connection:
        yield connection


def test_gender_parity_divides_each_sex_by_its_own_population(unequal_sexes):
    # Bajaur: 6 digital transactions by women of 200 adult women, 9 by men of 400 adult men
    parity = values(unequal_sexes, "gender_parity", service=HC)["PK502"]
    assert parity == pytest.approx((6 / 200) / (9 / 400))  # 1.33: women use it more per head
    assert parity != pytest.approx((6 / 400) / (9 / 200))  # each sex's own denominator
    # all services: the whole population (400 women, 600 men)
    assert values(unequal_sexes, "gender_parity")["PK502"] == pytest.approx((6 / 400) / (9 / 600))
