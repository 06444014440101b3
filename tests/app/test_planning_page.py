"""The Connectivity planning page under AppTest: weights, stability, the scenario, coverage."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from kp_dash.numbers import planning
from kp_dash.store import build, config, intake
from kp_dash.views import plan_page
from tests.app.test_source_lists import check_source_list

PAGE = Path(__file__).parents[2] / "pages" / "8_Planning.py"


def run(at: AppTest | None = None) -> AppTest:
    at = (at or AppTest.from_file(PAGE, default_timeout=120)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ranking(at: AppTest) -> pd.DataFrame:
    (frame,) = [df.value for df in at.dataframe if "Rank if weights move ±25 %" in df.value]
    return frame


def test_ranking_with_stability_and_stated_weights(on_demo: Path) -> None:
    at = run()
    table = ranking(at)
    assert len(table) == 35 and table["Rank"].tolist()[:3] == [1, 2, 3]
    assert table["Rank if weights move ±25 %"].str.match(r"^\d+(–\d+)?$").all()
    captions = " ".join(c.value for c in at.caption)
    assert "Defaults: " in captions and "a weight of 0 leaves a factor out" in captions
    assert plan_page.CAVEAT in captions
    assert {"plan_ranking_download_csv", "plan_ranking_download_xlsx", "plan_memo"} <= {
        b.key for b in at.get("download_button")
    }


def test_weights_change_the_ranking_and_zero_removes_a_factor(on_demo: Path) -> None:
    at = run()
    before = ranking(at)["District"].tolist()
    for factor in planning.FACTORS:
        if f"plan_w_{factor}" in {s.key for s in at.slider}:
            at.slider(key=f"plan_w_{factor}").set_value(0.0 if factor != "unserved" else 1.0)
    run(at)
    after = ranking(at)
    assert after["District"].tolist() != before
    assert after["Rank if weights move ±25 %"].str.fullmatch(r"\d+").all()  # one factor: stable


def test_scenario_for_chosen_districts(on_demo: Path) -> None:
    at = run()
    text = " ".join(m.value for m in at.markdown)
    assert "more digital transactions over the period" in text
    at.multiselect(key="plan_districts").set_value([])
    run(at)
    assert "more digital transactions" not in " ".join(m.value for m in at.markdown)


def test_the_what_if_table_has_labels_units_and_whole_district_counts(on_demo: Path) -> None:
    at = run()
    (shown,) = [df.value for df in at.dataframe if "E-service" in df.value]
    assert shown.columns.tolist() == [
        "E-service",
        "Added users (transactions)",
        "Added users (low)",
        "Added users (high)",
        "Districts",
    ]
    assert len(shown) == 8 and not shown["E-service"].str.contains("_").any()  # names, not codes
    assert shown["Districts"].tolist() == [35] * 8  # a count, never "35.00"
    for column in ("Added users (transactions)", "Added users (low)", "Added users (high)"):
        assert shown[column].str.fullmatch(r"\d{1,3}(,\d{3})*").all(), shown[column]
    low, high = (shown[c].str.replace(",", "").astype(int) for c in shown.columns[2:4])
    assert (low <= high).all()
    captions = " ".join(c.value for c in at.caption)
    assert plan_page.SCENARIO_NOTE in captions


def test_coverage_says_which_import_enables_it(on_demo: Path) -> None:
    at = run()
    assert any(planning.MISSING_COVERAGE in i.value for i in at.info)


def test_empty_database_and_no_database(on_empty: Path) -> None:
    at = run()
    assert any("No service-usage data" in i.value for i in at.info)
    assert "No expected change" in " ".join(m.value for m in at.markdown) or not any(
        "more digital transactions" in m.value for m in at.markdown
    )


def test_coverage_gap_cites_the_coverage_source_in_the_page_list(tmp_path: Path) -> None:
    build.build(config.db_path(), with_demo=True)
    codes = pd.read_csv(config.SEED_DIR / "districts.csv")["district_code"].tolist()
    path = tmp_path / "coverage.csv"
    pd.DataFrame(
        [(code, 2024, "coverage_4g_pct", "all", 60.0 + i % 7, "pct", "PTA 2024") for i, code in
         enumerate(codes)],
        columns=["district", "year", "indicator", "group", "value", "unit", "source"],
    ).to_csv(path, index=False)  # fmt: skip
    assert intake.import_file(path).status == "accepted"
    at = run()
    assert not any(planning.MISSING_COVERAGE in i.value for i in at.info)
    # listed once with its year, and (as every entry) cited by number above the list
    assert "PTA 2024 (2024)" in check_source_list(at)
    (shown,) = [df.value for df in at.dataframe if "4G coverage (%)" in df.value.columns]
    assert list(shown.columns) == [
        "District",
        "Eligible people",
        "4G coverage (%)",
        "People without 4G coverage",
        "Covered but not using (people)",
    ]
    # Abbottabad (first in the register): 60 % of its 1,419,072 people covered
    first = shown.iloc[0]
    assert first["District"] == "Abbottabad" and first["4G coverage (%)"] == "60.0"
    assert first["Eligible people"] == "1,419,072"
    assert first["People without 4G coverage"] == f"{1_419_072 * 0.4:,.0f}"
