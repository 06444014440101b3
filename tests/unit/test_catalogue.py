"""The Sources & definitions tables: each row names its source and year."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kp_dash import catalogue, db, metrics


def test_metric_definitions_name_the_registry_and_its_year() -> None:
    frame = catalogue.metric_definitions()
    assert set(frame["Code"]) == set(metrics.ALL)
    assert frame.columns[-2:].tolist() == ["Source", "Year"]
    assert frame["Source"].eq("KP Dashboard metric registry (METRICS.md)").all()
    assert frame["Year"].eq(2026).all()


def test_usage_batches_carry_their_source_months_and_years(two_sources_db: Path) -> None:
    with db.connect_readonly(two_sources_db) as con:
        frame = catalogue.usage_batches(con).set_index("Batch")
    assert frame.columns.tolist() == [
        "Kind",
        "Source",
        "File",
        "Months",
        "Rows",
        "Loaded (UTC)",
        "Year",
    ]
    assert frame.loc["fixture", ["Source", "File", "Months", "Rows", "Year"]].tolist() == [
        "Fixture returns",
        "usage_small.csv",
        "2025-01 to 2025-02",
        11,
        "2025",
    ]
    assert frame.loc["december", ["Source", "Months", "Rows", "Year"]].tolist() == [
        "Education returns",
        "2024-12",
        1,
        "2024",
    ]


def test_services_take_the_contracts_year_unless_they_carry_one() -> None:
    services = pd.DataFrame(
        {"service_code": ["health_card"], "source": ["KP Dashboard service catalogue"]}
    )
    assert catalogue.services(services).to_dict("records") == [
        {"service_code": "health_card", "source": "KP Dashboard service catalogue", "year": 2026}
    ]
    dated = services.assign(year=[2027])
    assert catalogue.services(dated)["year"].tolist() == [2027]


def test_seed_sources_date_the_contracts_lists_only() -> None:
    frame = pd.DataFrame(
        {
            "seed_table": ["services", "channels", "literacy", "districts"],
            "source": ["Service catalogue", "Channel list", "Census 2023 t12", "Register"],
            "year": [None, None, 2023, None],
            "row_count": [8, 6, 356, 35],
        }
    )
    shown = catalogue.seed_sources(frame).set_index("Table")
    assert shown["Year"].to_dict() == {
        "channels": "2026",
        "districts": "—",  # not set by the contract: a missing year stays missing
        "literacy": "2023",
        "services": "2026",
    }
    assert shown.loc["literacy", ["Source", "Rows", "File"]].tolist() == [
        "Census 2023 t12",
        356,
        "data/seed/literacy.csv",
    ]
