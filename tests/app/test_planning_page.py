"""The Connectivity planning page under AppTest: weights, stability, the scenario, coverage."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from kp_dash import plan_page, planning

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


def test_coverage_says_which_import_enables_it(on_demo: Path) -> None:
    at = run()
    assert any(planning.MISSING_COVERAGE in i.value for i in at.info)


def test_empty_database_and_no_database(on_empty: Path) -> None:
    at = run()
    assert any("No service-usage data" in i.value for i in at.info)
    assert "No expected change" in " ".join(m.value for m in at.markdown) or not any(
        "more digital transactions" in m.value for m in at.markdown
    )
