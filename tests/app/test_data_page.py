"""The Data page under AppTest: check, import, confirm spellings, withdraw, templates.

Streamlit 1.67's AppTest simulates `st.file_uploader`, so these tests go through the real widget.
Every test works on its own copy of a database (imports and withdrawals replace the file) and its
own state folder (the autouse `isolated_state` fixture).
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kp_dash.store import batches, config
from kp_dash.views import data_page, templates
from tests.app.conftest import ok as _ok

pytestmark = pytest.mark.usefixtures("private_uploads")

RunPage = Callable[[str], AppTest]  # the run_page fixture
DATA = "pages/2_Data.py"
HOME = "pages/0_Home.py"
IMPORTS = Path(__file__).parents[1] / "fixtures" / "imports"
GOOD = IMPORTS / "usage_good.csv"
BAD = IMPORTS / "usage_bad.csv"
MISSPELLED = IMPORTS / "usage_misspelled.csv"


@pytest.fixture
def own_demo(demo_db: Path) -> Path:
    target = config.db_path()
    shutil.copy(demo_db, target)
    return target


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
    kept = batches.imports_dir() / "checked"
    assert len(list(kept.iterdir())) == 2, "the clean check is kept for the import"

    at.text_input(key="data_who").input("Amina Khan")
    _click(at, "data_import")
    assert list(kept.iterdir()) == [], "the import used the kept check (validated once)"
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
        workbook = kind in templates.WORKBOOK_KINDS  # a log has none: it is read as CSV
        assert any(f"template_csv_{kind}" in widget_id for widget_id in ids), (kind, ids)
        assert workbook == any(f"template_xlsx_{kind}" in widget_id for widget_id in ids)
    assert "events" in templates.KINDS and "events" not in templates.WORKBOOK_KINDS


def test_page_runs_on_demo_data(on_demo: Path, run_page: RunPage) -> None:
    at = _ok(run_page(DATA))
    assert at.title[0].value == "Data"
    assert not any("no database yet" in text for text in _texts(at.info))
    assert any("No file has been imported yet." in text for text in _texts(at.caption))


# --- uploads that cannot hurt the server -------------------------------------------------------

HOSTILE_NAMES = {
    "traversal": "../../etc/passwd.csv",
    "backslashes": "..\\..\\Windows\\win.csv",
    "dot file": ".bashrc.csv",
    "markup": "<script>alert('x')</script> ![a](http://example.org/a.png) $x$ **b**.csv",
    "long": "u" * 300 + ".csv",
}


def _saved_uploads(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_the_page_states_the_size_limit(on_empty: Path, run_page: RunPage) -> None:
    at = _ok(run_page(DATA))
    note = (
        "Files up to 200 MB: CSV or tab-separated text (.csv, .tsv, .txt), Excel (.xlsx) or "
        "Parquet, or a transaction log as Parquet, CSV or gzipped CSV (.csv.gz); the content "
        "must be what the name's extension says."
    )
    assert note in _texts(at.caption)
    assert at.file_uploader(key="data_upload").proto.max_upload_size_mb == 200


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_a_hostile_file_name_is_only_ever_text(
    name: str, own_empty: Path, run_page: RunPage, private_uploads: Path
) -> None:
    data = GOOD.read_bytes()
    at = _ok(run_page(DATA))
    at.file_uploader(key="data_upload").upload(name, data, "text/csv")
    _click(_ok(at.run()), "data_import")
    digest = hashlib.sha256(data).hexdigest()
    # the one file written for the upload is inside the upload folder, named by the code
    assert _saved_uploads(private_uploads) == [
        private_uploads / "kp_dash_uploads" / f"{digest}.csv"
    ]
    # the message shows the name as code: nothing in it is a link, an image or formatting
    (message,) = [t for t in _texts(at.success) if "accepted 3 usage rows" in t]
    assert message.startswith(data_page.name_shown(name) + ": accepted 3 usage rows as batch ")
    # the manifest keeps the name as it came, as text; the archive is named by content hash
    manifest = batches.read_manifest()
    assert list(manifest["file_name"]) == [name]
    archived = sorted(p.name for p in (batches.imports_dir() / "archive").iterdir())
    assert archived == [f"{batches.content_hash(GOOD)}.csv"]
    log = _frame_with(at, "Batch")
    assert list(log["File"]) == [name]  # a table cell: shown as it is, never as Markdown


def test_a_name_with_a_nul_byte_is_refused_before_the_page_sees_it(
    own_empty: Path, run_page: RunPage, private_uploads: Path
) -> None:
    # Streamlit itself refuses the upload (a NUL could hide the real extension)
    at = run_page(DATA)
    at.file_uploader(key="data_upload").upload("usage.csv\x00.exe", GOOD.read_bytes(), "text/csv")
    at.run()
    assert [e.message for e in at.exception] == ["Filename cannot contain null bytes."]
    assert _saved_uploads(private_uploads) == []
    assert batches.read_manifest().empty


def test_an_upload_over_the_limit_is_refused_before_it_is_saved(
    own_empty: Path, run_page: RunPage, private_uploads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KP_DASH_MAX_UPLOAD_MB", str(256 / 1024 / 1024))  # 256 bytes
    at = _upload(_ok(run_page(DATA)), GOOD)
    size = GOOD.stat().st_size
    assert _texts(at.error) == [
        f"` usage_good.csv `: the file is {size:,} bytes, over the 256 bytes limit for imports; "
        "split it into smaller files (for example one per month) and import each"
    ]
    assert not [b for b in at.button if b.key in ("data_check", "data_import")]
    assert _saved_uploads(private_uploads) == []
    assert "Files up to 256 bytes: " in " ".join(_texts(at.caption))


def test_content_that_is_not_what_the_name_says_is_refused(
    own_empty: Path, run_page: RunPage
) -> None:
    at = _ok(run_page(DATA))
    at.file_uploader(key="data_upload").upload(
        "returns.xlsx", GOOD.read_bytes(), data_page.XLSX_MIME
    )
    _click(_ok(at.run()), "data_check")
    assert list(_frame_with(at, "rule")["message"]) == [
        "the file cannot be read as an Excel workbook: its name says it is an Excel workbook "
        "(.xlsx), but the content is text (as in a CSV file); rename it to .csv and import again"
    ]
    assert _texts(at.error) == ["` returns.xlsx `: rejected, 1 problem(s); nothing was written"]
    _click(at, "data_import")
    assert batches.read_manifest().empty


def test_what_was_recognised_is_listed_before_importing(own_empty: Path, run_page: RunPage) -> None:
    semicolons = Path(__file__).parents[1] / "fixtures" / "field" / "layouts" / "semicolon.csv"
    at = _upload(_ok(run_page(DATA)), semicolons)
    _click(at, "data_check")
    shown = [m for m in _texts(at.markdown) if m.startswith("**Recognised in the file**")]
    assert shown == ["**Recognised in the file** (check before importing)\n\n- delimiter ';'"]
    assert batches.read_manifest().empty


# --- transaction logs --------------------------------------------------------------------------

LOG_HEADER = "timestamp,district,service,channel,status,user_ref,event_id\n"


def _log_folder() -> Path:
    """A log of two files waiting on the server, as its operators leave one."""
    folder = data_page.incoming_dir() / "health_card_2025"
    folder.mkdir(parents=True)
    (folder / "january.csv").write_text(
        LOG_HEADER + "2025-01-05T10:00:00,PK528,health_card,online,completed,0300-1,E1\n"
        "2025-01-06T10:00:00,PK528,health_card,online,failed,0300-2,E2\n",
        encoding="utf-8",
    )
    (folder / "february.csv").write_text(
        LOG_HEADER + "2025-02-05T10:00:00,PK502,health_card,mobile_app,completed,0300-1,E3\n",
        encoding="utf-8",
    )
    return folder


def test_a_log_on_the_server_is_checked_then_imported(own_empty: Path, run_page: RunPage) -> None:
    _log_folder()
    at = _ok(run_page(DATA))
    at.selectbox(key="data_log").select("health_card_2025")
    at = _ok(at.run())
    _click(at, "data_check")
    assert "3 rows are valid (events); nothing imported yet." in _texts(at.success)
    assert batches.read_manifest().empty
    _click(at, "data_import")
    assert any("accepted 3 events rows as batch" in t for t in _texts(at.success))
    (record,) = batches.accepted()
    assert (record["kind"], record["file_name"], record["rows"]) == (
        "events",
        "health_card_2025",
        3,
    )
    assert _usage_rows(own_empty) == 2  # completed events are its transactions


def test_an_uploaded_gzipped_log_is_imported(own_empty: Path, run_page: RunPage) -> None:
    import gzip

    data = gzip.compress(
        (LOG_HEADER + "2025-01-05T10:00:00,PK528,health_card,online,completed,0300-1,E1\n").encode()
    )
    at = _ok(run_page(DATA))
    at.file_uploader(key="data_upload").upload("log.csv.gz", data, "application/gzip")
    at = _click(_ok(at.run()), "data_import")
    assert any("accepted 1 events rows as batch" in t for t in _texts(at.success)), _texts(at.error)
    assert _usage_rows(own_empty) == 1
