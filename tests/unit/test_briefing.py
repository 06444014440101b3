"""Key messages on the two-district fixture (see test_groups.py for the hand-worked figures),
on an empty database, and on the demonstration data."""

from __future__ import annotations

import pytest

from kp_dash.store import db
from kp_dash.views import briefing

PERIOD = "2025-01 to 2025-02"
FIXTURE = "Fixture census; Fixture returns"
ACCESS = (
    "grid_light_pct (2023): Fixture census; literacy_pct (2023): Fixture census; "
    "mobile_hh_pct (2019): Fixture survey"
)


@pytest.fixture(scope="module")
def con(small_db):
    with db.connect_readonly(small_db) as connection:
        yield connection


def test_messages_on_the_fixture(con) -> None:
    messages = briefing.key_messages(con)
    # no uptake-gap message: two districts are too few for the fitted line
    assert [m.text for m in messages] == [
        # Bajaur women (6 / 500) ÷ men (9 / 500) = 0.67; female literacy 40 / 400
        "In Bajaur, women used all e-services at 0.67 times the rate of men from 2025-01 to "
        "2025-02; female literacy there is 10 %.",
        # Bajaur 15 / 1,000 ÷ Peshawar 230 / 3,000 = 0.196
        "The merged districts used all e-services at 0.20 times the rate of the other "
        "districts from 2025-01 to 2025-02 (15.0 against 76.7 per 1,000 eligible people).",
        # ranked by access: Bajaur p 0.25 (X 0.125, y 15), Peshawar p 0.75 (X 0.625, y 76.67);
        # μ = 61.25; Σ p (2X − 1) y = −2.8125 + 14.375 = 11.5625; CI = 0.189
        "Concentration index +0.19: uptake is concentrated in the better-connected districts "
        "(0 = even; the index runs from −1 to +1, districts ranked by access), for all "
        "e-services from 2025-01 to 2025-02.",
        # 1,000 × (1 − 48.33 %) + 3,000 × (1 − 88.33 %) = 516.67 + 350 = 866.67
        "An estimated 870 people eligible for all e-services cannot be reached online "
        "(eligible population × (1 − access index ÷ 100); the access index rests partly on "
        "survey data).",
    ]
    parity, merged, concentration, unserved = messages
    assert parity.numbers == pytest.approx({"gender_parity": 6 / 9, "literacy_female_pct": 10.0})
    assert merged.numbers == pytest.approx(
        {
            "rate_ratio": 15 / (230 / 3),
            "merged_uptake_per_1000": 15.0,
            "other_uptake_per_1000": 230 / 3,
        }
    )
    assert concentration.numbers == pytest.approx({"concentration_index": 11.5625 / 61.25})
    assert unserved.numbers == pytest.approx({"unserved_population": 2600 / 3})
    assert all(m.period == PERIOD for m in messages)
    assert parity.sources == f"{FIXTURE} (2023-2025); Fixture census (2023)"
    assert unserved.sources == f"Fixture census; {ACCESS} (2019-2023)"


def test_a_service_without_usage_gets_fewer_messages_never_invented(con) -> None:
    # education_complaints has eligible adults but no usage in the fixture
    messages = briefing.key_messages(con, "education_complaints")
    assert [m.text for m in messages] == [
        # adults: 600 × (1 − 48.33 %) + 2,000 × (1 − 88.33 %) = 310 + 233.3 = 543.3
        "An estimated 540 people eligible for online complaints about education services cannot "
        "be reached online (eligible population × (1 − access index ÷ 100); the access index "
        "rests partly on survey data).",
    ]


def test_the_service_and_period_are_named(con) -> None:
    messages = briefing.key_messages(con, "health_complaints", "2025-02", "2025-02", limit=2)
    # February has no male uptake in either district: no parity message; merged Bajaur
    # 3 / 600 = 5.0 against Peshawar 50 / 2,000 = 25.0 per 1,000 adults
    assert [m.text for m in messages] == [
        "The merged districts used online complaints about health services at 0.20 times the "
        "rate of the other districts in 2025-02 (5.0 against 25.0 per 1,000 eligible people).",
        "Concentration index +0.17: uptake is concentrated in the better-connected districts "
        "(0 = even; the index runs from −1 to +1, districts ranked by access), for online "
        "complaints about health services in 2025-02.",
    ]
    assert all(m.period == "2025-02" for m in messages)


def test_no_messages_without_usage(empty_db) -> None:
    with db.connect_readonly(empty_db) as connection:
        assert briefing.key_messages(connection) == []


def test_demonstration_data_is_said_in_the_text(demo_db) -> None:
    with db.connect_readonly(demo_db) as connection:
        messages = briefing.key_messages(connection, "telemedicine", "2025-11", "2026-10")
    assert 3 <= len(messages) <= 5
    usage_based = [m for m in messages if "unserved_population" not in m.numbers]
    assert usage_based and all("demonstration data" in m.text for m in usage_based)
    assert all("telemedicine consultations" in m.text for m in messages)
    assert all(m.period == "2025-11 to 2026-10" and m.sources for m in messages)
    assert any("uptake_gap" in m.numbers for m in messages)
