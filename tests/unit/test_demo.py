"""The simulated usage: deterministic, complete, seasonal, and valid under the import rules."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from kp_dash.store import demo, ingest


@pytest.fixture(scope="module")
def usage() -> pd.DataFrame:
    return demo.generate()


def test_same_seed_gives_identical_rows(usage):
    pd.testing.assert_frame_equal(usage, demo.generate())
    assert not usage.equals(demo.generate(seed=7))


def test_covers_every_service_district_and_month(usage):
    assert usage["service"].nunique() == 8
    assert usage["district"].nunique() == 35
    months = sorted(usage["month"].unique())
    assert len(months) == 36 and months[-1] == "2026-10" and months[0] == "2023-11"
    assert set(usage["channel"]) == {
        "online",
        "mobile_app",
        "kiosk",
        "facilitation_centre",
        "helpline",
        "counter",
    }
    assert set(usage["sex"]) == {"female", "male"} and set(usage["area"]) == {"urban", "rural"}


def test_fully_rural_districts_have_no_urban_rows(usage):
    bajaur = usage[usage["district"] == "PK502"]
    assert set(bajaur["area"]) == {"rural"}


def test_admissions_peak_in_august_and_september(usage):
    admissions = usage[usage["service"] == "college_admissions"]
    by_month = admissions.groupby(admissions["month"].str[5:])["transactions"].sum()
    assert by_month[["08", "09"]].min() > 2 * by_month.drop(["08", "09"]).max()
    transfers = usage[usage["service"] == "teacher_etransfer"]
    by_month = transfers.groupby(transfers["month"].str[5:])["transactions"].sum()
    assert by_month.idxmax() == "09"


def test_uptake_follows_access(usage):
    digital = usage[usage["channel"].isin(["online", "mobile_app"])]
    per_district = digital.groupby("district")["transactions"].sum()
    # Abbottabad (literacy 77 %, grid 99 %) far above Kolai Palas (19 %, 16 %) per head
    population = {"PK501": 1_419_072, "PK517": 280_162}
    rate = {code: per_district[code] / population[code] for code in population}
    assert rate["PK501"] > 5 * rate["PK517"]


def test_women_use_digital_channels_less(usage):
    digital = usage[usage["channel"].isin(["online", "mobile_app"])]
    by_sex = digital.groupby("sex")["transactions"].sum()
    assert by_sex["female"] < 0.5 * by_sex["male"]


def test_passes_the_import_validation(usage):
    result = ingest.validator(date(2026, 11, 1)).validate(usage, "usage.parquet", "usage")
    assert result.ok, result.problem_lines()[:5]
    assert len(result.rows) == len(usage)
    assert (usage["users"] <= usage["transactions"]).all()


def test_write_demo_is_atomic_and_repeatable(tmp_path):
    path = tmp_path / "usage.parquet"
    demo.write_demo(path, n_months=3)
    first = path.read_bytes()
    demo.write_demo(path, n_months=3)
    assert path.read_bytes() == first
    assert not list(tmp_path.glob("*.tmp"))


def test_age_bands_split_each_row_without_changing_its_totals(usage):
    keys = ["month", "district", "service", "channel", "sex", "area"]
    before = demo.generate(groups=False)
    assert set(before["age_band"]) == set(before["disability"]) == {"unknown"}
    summed = usage.groupby(keys)[["transactions", "users"]].sum()
    pd.testing.assert_frame_equal(summed, before.set_index(keys)[["transactions", "users"]]
                                  .sort_index())  # fmt: skip
    # each service's rows carry only the bands it is for (adults: 15-24, 25-59, 60+)
    bands = usage.groupby("service")["age_band"].agg(set)
    assert bands["health_card"] == {"0-4", "5-14", "15-24", "25-59", "60+"}
    assert bands["teacher_etransfer"] == {"15-24", "25-59", "60+"}
    assert bands["college_admissions"] == {"15-24"}
    assert bands["fee_payment"] == {"5-14", "15-24"}


def test_older_people_use_digital_channels_less_per_head(usage):
    card = usage[usage["service"] == "health_card"]
    digital = card[card["channel"].isin(["online", "mobile_app"])]
    by_band = digital.groupby("age_band")["transactions"].sum()
    people = pd.read_csv(demo.config.SEED_DIR / "population.csv")
    people = people[people["census_year"] == 2023]
    people = people[(people["sex"] == "all") & (people["area"] == "all")]
    per_head = by_band / people.groupby("age_group")["population"].sum().reindex(by_band.index)
    assert per_head["60+"] < 0.5 * per_head["25-59"]


def test_people_with_a_disability_use_digital_channels_less(usage):
    digital = usage[usage["channel"].isin(["online", "mobile_app"])]
    counter = usage[usage["channel"] == "counter"]
    share = {
        name: part.groupby("disability")["transactions"].sum()["yes"] / part["transactions"].sum()
        for name, part in (("digital", digital), ("counter", counter))
    }
    assert set(usage["disability"]) == {"yes", "no"}
    assert share["digital"] < 0.6 * share["counter"]  # propensity 0.45 against 1.0


def test_a_file_from_another_generator_is_made_again(tmp_path):
    path = tmp_path / "usage.parquet"
    assert not demo.is_current(path)  # missing
    demo.write_demo(path, n_months=2)
    assert demo.is_current(path)
    demo.generate(n_months=2).to_parquet(path, index=False)  # no generator stamp
    assert not demo.is_current(path)
    path.write_bytes(b"not parquet")
    assert not demo.is_current(path)
