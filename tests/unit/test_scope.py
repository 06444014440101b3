"""A district officer's view, on hand-made frames: the rows kept, the sentences left out, the map
classes, the briefing and the import of a district data manager."""

from __future__ import annotations

import dataclasses
import io
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from pypdf import PdfReader

from kp_dash.store import batches, config, district_rule, intake
from kp_dash.views import briefing, pdf_layout, scope

BAJAUR, ABBOTTABAD, SWAT = "PK502", "PK501", "PK532"
MINE = (BAJAUR,)
IMPORTS = Path(__file__).parents[1] / "fixtures" / "imports"


def test_keep_drops_other_districts_rows_by_code_or_name_and_keeps_totals() -> None:
    frame = pd.DataFrame(
        {
            "District": ["Bajaur", "Abbottabad", "Khyber Pakhtunkhwa", "Malakand division"],
            "Division": ["Malakand", "Hazara", None, "Malakand"],
            "value": [1.0, 2.0, 3.0, 4.0],
        }
    )
    kept = district_rule.restrict(frame, MINE)
    assert list(kept["District"]) == ["Bajaur", "Khyber Pakhtunkhwa", "Malakand division"]
    codes = pd.DataFrame({"district_code": [BAJAUR, ABBOTTABAD, None], "v": [1, 2, 3]})
    assert list(district_rule.restrict(codes, MINE)["v"]) == [1, 3]


def test_keep_reads_every_column_that_names_districts() -> None:
    # a trends series names its districts in `group`, a quality table in "District code"
    series = pd.DataFrame({"group": ["Bajaur", "Swat"], "group_code": [BAJAUR, SWAT]})
    assert list(district_rule.restrict(series, MINE)["group"]) == ["Bajaur"]
    outliers = pd.DataFrame({"District code": [SWAT, BAJAUR], "Value": [5, 6]})
    assert list(district_rule.restrict(outliers, MINE)["Value"]) == [6]


def test_keep_changes_nothing_for_the_province() -> None:
    frame = pd.DataFrame({"district_code": [BAJAUR, ABBOTTABAD]})
    assert district_rule.restrict(frame, ()).equals(frame)


def test_restrict_keeps_every_column_type_and_the_rows_order() -> None:
    frame = pd.DataFrame(
        {
            "district_code": [SWAT, BAJAUR, None, ABBOTTABAD, BAJAUR],
            "rank": pd.array([3, 1, None, 2, 5], dtype="Int64"),
            "when": pd.to_datetime(["2024-01-01"] * 5),
        }
    )
    kept = district_rule.restrict(frame, MINE)
    assert kept["rank"].iloc[[0, 2]].tolist() == [1, 5] and pd.isna(kept["rank"].iloc[1])
    assert kept.index.tolist() == [1, 2, 4]
    assert kept.dtypes.equals(frame.dtypes)


def test_what_a_reader_returns_is_restricted_whatever_its_shape() -> None:
    @dataclasses.dataclass(frozen=True)
    class Said:
        text: str

    @dataclasses.dataclass(frozen=True)
    class Bundle:
        rows: pd.DataFrame
        excluded: tuple[str, ...]
        said: list
        total: float

    rows = pd.DataFrame({"district_name": ["Swat", "Bajaur"], "v": [1.0, 2.0]})
    bundle = Bundle(rows, (SWAT, BAJAUR), [Said("Swat leads."), Said("Bajaur trails.")], 7.0)
    kept = district_rule.restrict_value({"bundle": bundle, "none": None}, MINE)
    assert list(kept["bundle"].rows["district_name"]) == ["Bajaur"]
    assert kept["bundle"].excluded == (BAJAUR,)
    assert [s.text for s in kept["bundle"].said] == ["Bajaur trails."]
    assert kept["bundle"].total == 7.0 and kept["none"] is None
    assert district_rule.restrict_value(bundle, ()) is bundle  # the province: untouched
    with pytest.raises(TypeError, match="set"):
        district_rule.restrict_value({SWAT}, MINE)  # a kind the rule has not looked at


def test_a_sentence_naming_another_district_is_recognised_but_the_province_is_not() -> None:
    assert district_rule.mentions_others("Swat is furthest below its access.", MINE)
    assert not district_rule.mentions_others("Bajaur is furthest below its access.", MINE)
    # "Khyber" is a district, "Khyber Pakhtunkhwa" the province
    assert not district_rule.mentions_others("Across Khyber Pakhtunkhwa, 1.2 million people.", MINE)
    assert district_rule.mentions_others("In Khyber, women used it less.", MINE)


def test_the_map_draws_other_districts_as_outside_with_no_value() -> None:
    frame = pd.DataFrame(
        {
            "district_code": [BAJAUR, ABBOTTABAD],
            "district_name": ["Bajaur", "Abbottabad"],
            "label": ["1–2", "3–4"],
            "hover": ["<b>Bajaur</b><br>1.5", "<b>Abbottabad</b><br>3.5"],
            "value": [1.5, 3.5],
        }
    )
    legend = [("1–2", "#fff"), ("3–4", "#000")]
    shown, classes = scope.mark_outside(frame, legend, district_rule.outside(MINE))
    assert list(shown["label"]) == ["1–2", scope.OUTSIDE]
    assert shown["hover"].iloc[1] == f"<b>Abbottabad</b><br>{scope.OUTSIDE}"
    assert pd.isna(shown["value"].iloc[1])
    # Abbottabad's class is no longer drawn, so the legend does not offer it
    assert classes == [("1–2", "#fff"), (scope.OUTSIDE, scope.OUTSIDE_COLOUR)]


@pytest.fixture
def demo_con(demo_db: Path) -> duckdb.DuckDBPyConnection:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        yield con


def test_a_district_officers_briefing_lists_their_district_alone(demo_con) -> None:
    province = briefing.briefing_content(demo_con)
    mine = briefing.briefing_content(demo_con, allowed=MINE)
    assert [r.district_code for r in mine.top] == [BAJAUR] and mine.bottom == []
    assert mine.rank_title == "Your districts (rank of 35)"
    assert mine.headlines == province.headlines  # the province's figures stay
    shown = mine.map_values.dropna(subset=["value"])
    assert list(shown["district_code"]) == [BAJAUR]
    assert all(not district_rule.mentions_others(m.text, MINE) for m in mine.messages)
    text = "".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(pdf_layout.briefing_pdf(demo_con, allowed=MINE))).pages
    )
    assert "Your districts (rank of 35)" in text and "Bajaur" in text
    assert "Abbottabad" not in text and "Peshawar" not in text


def test_a_district_data_manager_imports_only_their_rows(empty_db: Path) -> None:
    shutil.copy(empty_db, config.db_path())
    good = IMPORTS / "usage_good.csv"  # Peshawar (row 2), D.I. Khan (row 3), PK502 (row 4)
    refused = intake.import_file(good, districts=MINE)
    assert refused.status == "rejected"
    problems = refused.validation.problems
    assert list(problems["row"]) == [2, 3]
    assert list(problems["value"]) == ["PK528", "PK509"]
    assert set(problems["rule"]) == {"outside_your_districts"}
    assert "PK528 is not one of your districts (PK502)" in problems["message"].iloc[0]
    assert batches.read_manifest().empty
    accepted = intake.import_file(good, districts=(BAJAUR, "PK528", "PK509"), who="dm")
    assert accepted.status == "accepted"
