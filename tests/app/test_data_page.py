"""The Data page under AppTest: check, import, confirm spellings, withdraw, templates.

Streamlit 1.67's AppTest simulates `st.file_uploader`, so these tests go through the real widget.
Every test works on its own copy of a database (imports and withdrawals replace the file) and its
own state folder (the autouse `isolated_state` fixture).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kp_dash.store import batches, config
from kp_dash.views import data_page, templates

RunPage = Callable[[str], AppTest]  # the run_page fixture
DATA = "pages/2_Data.py"
HOME = "pages/0_Home.py"
IMPORTS = Path(__file__).parents[1] / "fixtures" / "imports"
GOOD = IMPORTS / "usage_good.csv"
BAD = IMPORTS / "usage_bad.csv"
MISSPELLED = IMPORTS / "usage_misspelled.csv"


@pytest.fixture(autouse=True)
def private_uploads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Uploads are saved under the temporary folder; keep this test's apart."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def own_empty(empty_db: Path) -> Path:
    """A private copy of the no-usage database at KP_DASH_DB (imports replace that file)."""
    target = config.db_path()
    shutil.copy(empty_db, target)
    return target


@pytest.fixture
def own_demo(demo_db: Path) -> Path:
    target = config.db_path()
    shutil.copy(demo_db, target)
    return target


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(elements) -> list[str]:
    return [str(el.value) for el in elements]


def _upload(at: AppTest, path: Path) -> AppTest:
    at.file_uploader(key="data_upload").upload(path.name, path.read_bytes(), "text/csv")
    return _ok(at.run())


def _click(at: AppTest, key: str) -> AppTest:
    return _ok(at.button(key=key).click().run())


def _frame_with(at: AppTest, column: str) -> pd.DataFrame:
    frames = [df.value for df in at.dataframe if column in df.value.columns]
    assert len(frames) == 1, f"expected one table with column {column!r}, found {len(frames)}"
    return frames[0]


def _usage_rows(db_path: Path) -> int:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute("select count(*) from usage").fetchall()[0][0]


def _import(at: AppTest, path: Path) -> AppTest:
    _upload(at, path)
    return _click(at, "data_import")


# --- check and import --------------------------------------------------------------------------


def test_good_file_checks_valid_then_imports_and_shows_in_log(
    own_empty: Path, run_page: RunPage
) -> None:
    at = _ok(run_page(DATA))
    assert not [b for b in at.button if b.key == "data_check"], "nothing to check before a file"
    _upload(at, GOOD)
    _click(at, "data_check")
    assert "3 rows are valid (usage); nothing imported yet." in _texts(at.success)
    assert batches.read_manifest().empty, "a check must not import"

    at.text_input(key="data_who").input("Amina Khan")
    _click(at, "data_import")
    accepted = [t for t in _texts(at.success) if "accepted 3 usage rows as batch" in t]
    assert accepted, _texts(at.success)
    assert at.get("progress")[0].proto.value == 100  # the bar reached the end
    manifest = batches.read_manifest()
    assert list(manifest["status"]) == ["accepted"]
    assert manifest["who"][0] == "Amina Khan"
    assert manifest["file_name"][0] == GOOD.name
    log = _frame_with(at, "Batch")
    assert list(log["Batch"]) == [manifest["batch_id"][0]]
    assert list(log["Status"]) == ["accepted"]
    assert _usage_rows(own_empty) == 3


def test_same_file_twice_is_already_imported(own_empty: Path, run_page: RunPage) -> None:
    at = _import(_ok(run_page(DATA)), GOOD)
    _click(at, "data_import")
    assert any("already imported as batch" in text for text in _texts(at.info)), _texts(at.info)
    assert len(batches.read_manifest()) == 1
    assert _usage_rows(own_empty) == 3


def test_bad_file_lists_every_problem_and_imports_nothing(
    own_empty: Path, run_page: RunPage
) -> None:
    at = _upload(_ok(run_page(DATA)), BAD)
    _click(at, "data_check")
    problems = _frame_with(at, "rule")
    assert list(problems.columns) == ["row", "column", "value", "rule", "message"]
    latest = f"{date.today():%Y-%m}"
    channels = "counter, facilitation_centre, helpline, kiosk, mobile_app, online"
    assert list(problems["message"]) == [
        "'-5' is negative; counts are whole numbers ≥ 0",
        f"'2099-01' is in the future (latest allowed month is {latest})",
        f"'carrier_pigeon' is not a known channel (use one of: {channels})",
        "'Lahore' is not a KP district — 'Lahore' is a district of Punjab, not Khyber Pakhtunkhwa",
        "'20' users is more than the row's 12 transactions; users must be ≤ transactions",
    ]
    assert list(problems["row"]) == [2, 3, 4, 5, 6]
    assert any("rejected, 5 problem(s)" in text for text in _texts(at.error)), _texts(at.error)
    report = at.get("download_button")
    assert any(b.proto.id and "data_report_download" in b.proto.id for b in report)

    _click(at, "data_import")
    assert any("nothing was written" in text for text in _texts(at.error))
    assert batches.read_manifest().empty
    assert _usage_rows(own_empty) == 0


def test_no_database_shows_how_and_import_builds_one(run_page: RunPage) -> None:
    # isolated_state points KP_DASH_DB at a file that does not exist
    at = _ok(run_page(DATA))
    assert any("no database yet" in text for text in _texts(at.info)), _texts(at.info)
    _upload(at, GOOD)
    _click(at, "data_check")
    assert "3 rows are valid (usage); nothing imported yet." in _texts(at.success)
    assert not config.db_path().exists()
    _click(at, "data_import")
    assert any("accepted 3 usage rows" in text for text in _texts(at.success)), _texts(at.success)
    batch = batches.read_manifest()["batch_id"][0]
    with duckdb.connect(str(config.db_path()), read_only=True) as con:
        rows = con.execute("select count(*) from usage where batch_id = ?", [batch]).fetchall()
    assert rows == [(3,)]


def test_first_real_import_replaces_the_demo_data(own_demo: Path, run_page: RunPage) -> None:
    assert _usage_rows(own_demo) > 100_000
    at = _ok(run_page(DATA))
    assert any("shown only until" in text for text in _texts(at.caption)), _texts(at.caption)
    _upload(at, GOOD)
    _click(at, "data_check")
    assert any("will take the demonstration data out" in t for t in _texts(at.success))
    _click(at, "data_import")
    assert any(
        "accepted 3 usage rows" in text and "demonstration data was taken out" in text
        for text in _texts(at.success)
    ), _texts(at.success)
    assert _usage_rows(config.db_path()) == 3
    home = _ok(run_page(HOME))
    assert not [w for w in home.warning if "Demonstration data" in str(w.value)]
    # usage_good.csv: 120 online (female) + 40 mobile app (male) digital, 12 at a kiosk
    shown = {m.label.split(" (")[0]: m.value for m in home.metric}
    assert shown["Digital share of transactions"] == f"{100 * 160 / 172:.1f} %"
    assert shown["Women's share of digital transactions"] == f"{100 * 120 / 160:.1f} %"


def test_excel_upload_with_sheet_choice(own_empty: Path, run_page: RunPage) -> None:
    at = _ok(run_page(DATA))
    workbook = templates.template_xlsx("usage")
    at.file_uploader(key="data_upload").upload("returns.xlsx", workbook, data_page.XLSX_MIME)
    _ok(at.run())
    _click(at, "data_check")
    assert "2 rows are valid (usage); nothing imported yet." in _texts(at.success)
    _ok(at.text_input(key="data_sheet").input("March").run())
    _click(at, "data_check")
    sheets = "'data', 'districts', 'services', 'codes'"
    assert list(_frame_with(at, "rule")["message"]) == [
        f"there is no sheet 'March' (sheets: {sheets})"
    ]


def test_kind_choice_overrides_the_guess(own_empty: Path, run_page: RunPage) -> None:
    at = _upload(_ok(run_page(DATA)), GOOD)
    _ok(at.selectbox(key="data_kind").set_value("targets").run())
    _click(at, "data_check")
    problems = _frame_with(at, "rule")
    assert not problems.empty
    assert set(problems["column"]) >= {"metric", "target"}, problems.to_string()


# --- fuzzy spellings ---------------------------------------------------------------------------


def test_misspelled_district_needs_confirmation_then_checks_valid(
    own_empty: Path, run_page: RunPage
) -> None:
    at = _upload(_ok(run_page(DATA)), MISSPELLED)
    _click(at, "data_check")
    box = at.checkbox(key="data_confirm_0")
    assert box.label == "'Dera Ismial Khan' → Dera Ismail Khan (PK509)"
    assert not box.value
    assert at.button(key="data_save_aliases").disabled  # nothing ticked, nothing to save
    assert batches.confirmed_aliases().empty, "a close match is never applied without a person"

    _ok(box.check().run())
    _click(at, "data_save_aliases")
    aliases = batches.confirmed_aliases()
    assert list(zip(aliases["alias"], aliases["district_code"], strict=True)) == [
        ("Dera Ismial Khan", "PK509")
    ]
    assert "2 rows are valid (usage); nothing imported yet." in _texts(at.success)
    assert not [c for c in at.checkbox if c.key and c.key.startswith("data_confirm_")]


# --- withdraw ----------------------------------------------------------------------------------


def test_withdraw_keeps_the_record_and_removes_the_rows(own_empty: Path, run_page: RunPage) -> None:
    at = _import(_ok(run_page(DATA)), GOOD)
    batch = batches.read_manifest()["batch_id"][0]
    assert _usage_rows(own_empty) == 3
    assert at.button(key="data_withdraw").disabled  # no batch chosen yet
    _ok(at.selectbox(key="data_withdraw_batch").set_value(batch).run())
    _click(at, "data_withdraw")
    assert f"Batch {batch} withdrawn; its record stays in the log." in _texts(at.success)
    log = _frame_with(at, "Batch")
    assert list(log["Status"]) == ["withdrawn"]
    assert _usage_rows(own_empty) == 0
    assert at.selectbox(key="data_withdraw_batch").options == []
    assert any("its record stays" in text for text in _texts(at.caption))


# --- templates and other states ----------------------------------------------------------------


def test_template_downloads_exist_for_every_kind(own_empty: Path, run_page: RunPage) -> None:
    at = _ok(run_page(DATA))
    ids = [button.proto.id for button in at.get("download_button")]
    for kind in templates.KINDS:
        for key in (f"template_csv_{kind}", f"template_xlsx_{kind}"):
            assert any(key in widget_id for widget_id in ids), (key, ids)


def test_page_runs_on_demo_data(on_demo: Path, run_page: RunPage) -> None:
    at = _ok(run_page(DATA))
    assert at.title[0].value == "Data"
    assert not any("no database yet" in text for text in _texts(at.info))
    assert any("No file has been imported yet." in text for text in _texts(at.caption))
