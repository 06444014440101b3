"""Hostile text in everything a person types or uploads: district spellings, codes, sources,
aliases, user names, sheet and file names, command-line arguments. Each is rejected with a
problem line naming file, row, column and value, or stored exactly as written (read back with
DuckDB); SQL only ever receives it as a parameter; every export neutralises formula text; no file
lands outside KP_DASH_STATE."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from streamlit.elements.deck_gl_json_chart import _get_pydeck_tooltip

from kp_dash import cli
from kp_dash.numbers import freshness, metrics, registry
from kp_dash.store import batches, config, db, geo, ingest, intake
from kp_dash.views import catalogue, data_page, decks, exports, maps
from tests.unit.test_store import database  # noqa: F401 (a fixture)

TODAY = date(2026, 11, 26)
GOOD = Path(__file__).parents[1] / "fixtures" / "imports" / "usage_good.csv"

SQL_DROP = "'; DROP TABLE usage; --"
SQL_OR = "' OR '1'='1"
FORMULA = "=cmd|' /C calc'!A0"
HYPERLINK = '=HYPERLINK("http://evil.example","x")'
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
LINK = "[click](http://evil.example)"
TRAVERSAL = "../../etc/passwd"
WINDOWS = "..\\..\\windows"
NUL = "a\x00b"
LONG = "x" * 10_000
URDU = "\u0633\u0644\u0627\u0645 \u062f\u0646\u06cc\u0627"  # "hello world": Urdu, no district
RTL = "\u202etxt.exe"  # a right-to-left override: shows as 'exe.txt'
# text a CSV or workbook cell can hold (a NUL byte refuses a CSV file whole)
TEXT = [SQL_DROP, SQL_OR, FORMULA, HYPERLINK, SCRIPT, IMG, TRAVERSAL, WINDOWS, LONG, URDU, RTL]
HOSTILE = [*TEXT, NUL]
# a spelling close enough to Peshawar for a suggestion, carrying markup
NEAR_PESHAWAR = f"Peshawar{SCRIPT}"
NOT_A_DISTRICT = "is not a KP district; give a P-code (PK501-PK535) or a district name"
SERVICES = (
    "college_admissions, education_complaints, fee_payment, health_card, health_complaints, "
    "hospital_appointments, teacher_etransfer, telemedicine"
)


# --- helpers -----------------------------------------------------------------------------------


def months(count: int) -> list[str]:
    """Distinct months from 2024-01, so that no two rows share a key."""
    return [f"{2024 + i // 12}-{i % 12 + 1:02d}" for i in range(count)]


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    """The frame as the file its suffix names; workbook cells are kept as text, never formulas."""
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append(list(row))
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # a department's text cell, as typed
        book.save(path)
    return path


def usage_frame(column: str, values: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "month": months(len(values)),
            "district": "PK502",
            "service": "health_card",
            "channel": "online",
            "transactions": 5,
        }
    )
    frame[column] = values
    return frame


def register_codes() -> list[str]:
    return pd.read_csv(config.SEED_DIR / "districts.csv")["district_code"].tolist()


def indicator_frame(sources: dict[str, str]) -> pd.DataFrame:
    """mobile_hh_pct 2024 for all 35 districts (so that it replaces the seed's year), each row
    with the source given for its district, else 'PTA 2024'."""
    rows = [
        (code, 2024, "mobile_hh_pct", "all", 50.0, "pct", sources.get(code, "PTA 2024"))
        for code in register_codes()
    ]
    columns = ["district", "year", "indicator", "group", "value", "unit", "source"]
    return pd.DataFrame(rows, columns=columns)


def read_db(sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(config.db_path()), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def tables() -> set[str]:
    return {name for (name,) in read_db("select table_name from information_schema.tables")}


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


# --- import files: rejected, naming file, row, column and value ---------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
@pytest.mark.usefixtures("database")
def test_hostile_district_names_are_rejected_naming_each_value(tmp_path, suffix):
    values = [*(TEXT if suffix != ".parquet" else HOSTILE), NEAR_PESHAWAR]
    name = f"returns{suffix}"
    path = write_table(usage_frame("district", values), tmp_path / name)
    before, kept = tables(), files_under(batches.imports_dir())
    result = intake.import_file(path)
    assert result.status == "rejected"
    assert result.message == f"{name}: rejected, {len(values)} problem(s); nothing was written"
    problems = result.validation.problems
    assert problems[["row", "column", "value"]].values.tolist() == [
        [row, "district", value] for row, value in enumerate(values, start=2)
    ]
    expected = [
        f"{name}: row {row}, district: '{v}' {NOT_A_DISTRICT}"
        for row, v in enumerate(values[:-1], start=2)
    ]
    expected.append(
        f"{name}: row {len(values) + 1}, district: '{NEAR_PESHAWAR}' is not a KP district — "
        "did you mean 'Peshawar' (PK528)?"
    )
    assert result.validation.problem_lines() == expected
    # the suggestion waits for a person, spelled as the file has it
    assert result.validation.fuzzy[["spelling", "district_code"]].values.tolist() == [
        [NEAR_PESHAWAR, "PK528"]
    ]
    assert tables() == before and {"usage", "usage_rows", "districts"} <= before
    assert read_db("select count(*) from usage") == [(0,)]
    assert read_db("select count(*) from districts") == [(35,)]
    assert files_under(batches.imports_dir()) == kept  # no manifest, archive or batch
    assert not batches.manifest_path().exists()


def test_hostile_service_and_channel_codes_are_rejected_naming_each_value(tmp_path):
    frame = usage_frame("service", HOSTILE).assign(channel=HOSTILE)
    path = write_table(frame, tmp_path / "codes.parquet")
    lines = ingest.validate_file(path, today=TODAY).problem_lines()
    channels = "counter, facilitation_centre, helpline, kiosk, mobile_app, online"
    expected = []
    for row, value in enumerate(HOSTILE, start=2):
        expected += [
            f"codes.parquet: row {row}, channel: '{value}' is not a known channel (use one of: "
            f"{channels})",
            f"codes.parquet: row {row}, service: '{value}' is not a known service code — known: "
            f"{SERVICES}",
        ]
    assert lines == expected


def test_rows_differing_in_unknown_districts_do_not_repeat_a_key(tmp_path):
    frame = usage_frame("district", [SQL_DROP, SQL_OR]).assign(month="2025-01")
    path = write_table(frame, tmp_path / "returns.csv")
    assert ingest.validate_file(path, today=TODAY).problem_lines() == [
        f"returns.csv: row 2, district: '{SQL_DROP}' {NOT_A_DISTRICT}",
        f"returns.csv: row 3, district: '{SQL_OR}' {NOT_A_DISTRICT}",
    ]


def test_a_hostile_sheet_name_is_named_in_the_problem(tmp_path):
    path = write_table(usage_frame("district", ["PK502"]), tmp_path / "returns.xlsx")
    result = intake.import_file(path, sheet=SQL_DROP, dry_run=True)
    assert result.validation.problem_lines() == [
        f"returns.xlsx: there is no sheet '{SQL_DROP}' (sheets: 'Sheet')"
    ]


# --- free text: stored exactly as written -------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.usefixtures("database")
def test_hostile_sources_are_stored_exactly_as_written(tmp_path, suffix):
    values = TEXT if suffix == ".csv" else HOSTILE
    sources = dict(zip(register_codes(), values, strict=False))
    path = write_table(indicator_frame(sources), tmp_path / f"upload{suffix}")
    shown_name, who = f"{SQL_DROP}{suffix}", SQL_OR
    before = tables()
    result = intake.import_file(path, display_name=shown_name, who=who)
    assert result.status == "accepted", result.message
    stored = read_db(
        "select district_code, source from indicator_values where batch_id = ? "
        "order by district_code",
        [result.batch_id],
    )
    expected = sorted((code, sources.get(code, "PTA 2024")) for code in register_codes())
    assert stored == expected
    assert tables() == before  # nothing dropped, nothing added
    assert read_db("select count(*) from districts") == [(35,)]
    (record,) = batches.read_records()
    assert (record["file_name"], record["who"]) == (shown_name, who)


@pytest.mark.usefixtures("database")
def test_a_usage_batch_keeps_a_hostile_file_name_and_user_name():
    who = f"{IMG}{SQL_OR}"
    result = intake.import_file(GOOD, display_name=f"{SQL_DROP}.csv", who=who)
    assert result.status == "accepted", result.message
    assert read_db(
        "select file_name, row_count from usage_batches where batch_id = ?", [result.batch_id]
    ) == [(f"{SQL_DROP}.csv", 3)]
    assert read_db("select count(*) from usage") == [(3,)]
    (record,) = batches.read_records()
    assert record["who"] == who


@pytest.mark.usefixtures("database")
def test_confirmed_aliases_are_stored_exactly_and_resolve(tmp_path):
    for spelling in HOSTILE:
        batches.confirm_alias(spelling, "PK528", who=spelling)
    saved = batches.confirmed_aliases()
    assert saved["alias"].tolist() == HOSTILE
    assert saved["who"].tolist() == HOSTILE
    assert saved["district_code"].tolist() == ["PK528"] * len(HOSTILE)
    assert batches.aliases_path().parent == config.state_dir()
    # a later import resolves each spelling without asking again
    path = write_table(usage_frame("district", HOSTILE), tmp_path / "returns.parquet")
    result = intake.import_file(path)
    assert result.status == "accepted", result.validation.problem_lines()
    assert read_db("select district_code, count(*) from usage group by all") == [
        ("PK528", len(HOSTILE))
    ]


@pytest.mark.usefixtures("database")
def test_traversal_names_write_nothing_outside_the_state_folder(tmp_path):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    path = incoming / "upload.csv"
    path.write_bytes(GOOD.read_bytes())
    before = files_under(tmp_path)
    for name in ("../../../../pwned.csv", "..\\..\\..\\pwned.csv", "/tmp/pwned.csv"):
        intake.import_file(path, display_name=name, who=TRAVERSAL, dry_run=True)
    result = intake.import_file(path, display_name="../../../../pwned.csv", who=TRAVERSAL)
    assert result.status == "accepted", result.message
    batches.confirm_alias(TRAVERSAL, "PK528", who=WINDOWS)
    intake.withdraw(result.batch_id, who=TRAVERSAL)
    state = config.state_dir()
    written = files_under(tmp_path) - before
    outside = {
        p
        for p in written
        if not p.is_relative_to(state)
        and not p.name.startswith(config.db_path().name)
        and not p.is_relative_to(tmp_path / "kp_dash.builds")
    }
    assert outside == set()
    archive = batches.imports_dir() / "archive"
    assert sorted(p.name for p in archive.iterdir()) == [f"{batches.content_hash(path)}.csv"]
    assert not list(tmp_path.parent.rglob("pwned*"))
    assert not Path("/tmp/pwned.csv").exists()


# --- SQL receives hostile text as a parameter only ----------------------------------------------


@pytest.fixture
def sql_calls(monkeypatch):
    """Every (sql, params) the numbers run through `db.query_df`."""
    calls: list[tuple[str, list]] = []
    real = db.query_df

    def spy(con, sql, params=()):
        calls.append((sql, list(params)))
        return real(con, sql, params)

    monkeypatch.setattr(db, "query_df", spy)
    return calls


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("service", [SQL_OR, SQL_DROP])
def test_metric_service_reaches_sql_as_a_parameter(capsys, small_db, sql_calls, service):
    code, out, err = _run(
        capsys,
        "metric",
        "uptake_per_1000",
        "--by",
        "district",
        "--service",
        service,
        "--db",
        str(small_db),
    )
    assert code == 0
    # an `OR '1'='1'` spliced into the SQL would return every service's rows
    assert out == "district_code,district_name,value,numerator,denominator,source,year\n"
    assert err.endswith("uptake_per_1000: no rows (no data for this selection)\n")
    assert any(service in params for _, params in sql_calls)
    assert not [sql for sql, _ in sql_calls if service in sql]
    with duckdb.connect(str(small_db), read_only=True) as con:
        assert con.execute("select count(*) from usage").fetchall() == [(11,)]


def test_plan_service_reaches_sql_as_a_parameter(capsys, demo_db, sql_calls):
    code, out, _ = _run(capsys, "plan", "--service", SQL_OR, "--db", str(demo_db))
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert len(table) == 35 and table["score"].isna().all()  # no usage under that service
    assert any(SQL_OR in params for _, params in sql_calls)
    assert not [sql for sql, _ in sql_calls if SQL_OR in sql]


def test_cli_names_hostile_arguments_as_plain_text(capsys, small_db, tmp_path):
    code, _, err = _run(capsys, "metric", SCRIPT, "--db", str(small_db))
    assert code == 2
    assert err.startswith(f"unknown metric '{SCRIPT}' (known: access_index, ")
    out_file = tmp_path / "brief.pdf"
    code, _, err = _run(
        capsys, "brief", "--district", SQL_OR, "--out", str(out_file), "--db", str(small_db)
    )
    assert (code, err.splitlines()[-1]) == (
        2,
        f"unknown district '{SQL_OR}' (give a name or P-code)",
    )
    assert not out_file.exists()
    code, _, err = _run(capsys, "withdraw", SQL_DROP, "--who", SCRIPT)
    assert (code, err) == (
        1,
        f"no accepted batch '{SQL_DROP}' (see the import log on the Data page)\n",
    )
    assert not batches.manifest_path().exists()


@pytest.mark.usefixtures("database")
def test_cli_import_reports_hostile_cells_line_by_line(capsys, tmp_path):
    path = write_table(usage_frame("district", [NEAR_PESHAWAR, FORMULA]), tmp_path / "r.csv")
    code, out, err = _run(capsys, "import", str(path), "--who", SQL_DROP)
    assert (code, out) == (1, "")
    assert [line for line in err.splitlines() if not line.startswith("[")] == [
        f"r.csv: row 2, district: '{NEAR_PESHAWAR}' is not a KP district — did you mean "
        "'Peshawar' (PK528)?",
        f"r.csv: row 3, district: '{FORMULA}' {NOT_A_DISTRICT}",
        f"to accept '{NEAR_PESHAWAR}' as Peshawar (PK528) from now on, confirm it on the Data page",
        "r.csv: rejected, 2 problem(s); nothing was written",
    ]


@pytest.mark.usefixtures("database")
def test_python_m_kp_dash_import_keeps_hostile_names(tmp_path):
    path = tmp_path / f"{SQL_DROP} {IMG}.csv"  # a name on disk holds no slash
    path.write_bytes(GOOD.read_bytes())
    who = f"{SQL_OR} {IMG}"
    done = subprocess.run(
        [sys.executable, "-m", "kp_dash", "import", str(path), "--who", who],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        cwd=config.ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (record,) = batches.read_records()
    assert done.stdout == f"{record['batch_id']}\n"
    assert (record["file_name"], record["who"]) == (path.name, who)
    assert read_db("select file_name from usage_batches") == [(path.name,)]
    assert read_db("select count(*) from usage") == [(3,)]


# --- exports neutralise formula text ------------------------------------------------------------

FORMULA_SOURCES = {
    "PK501": HYPERLINK,
    "PK502": "+cmd",
    "PK503": "-1+1",
    "PK504": "@SUM(A1)",
    "PK505": FORMULA,
    "PK506": SQL_OR,  # starts with a quote already: a spreadsheet shows it as text
}
NEUTRALISED = {
    "PK501": "'" + HYPERLINK,
    "PK502": "'+cmd",
    "PK503": "'-1+1",
    "PK504": "'@SUM(A1)",
    "PK505": "'" + FORMULA,
    "PK506": SQL_OR,
}


@pytest.fixture
def formula_metric(request, tmp_path) -> pd.DataFrame:
    """mobile_hh_pct by district from a database whose 2024 sources are formula text."""
    request.getfixturevalue("database")
    path = write_table(indicator_frame(FORMULA_SOURCES), tmp_path / "formulas.csv")
    assert intake.import_file(path).status == "accepted"
    with db.connect_readonly(config.db_path()) as con:
        frame = metrics.fetch(con, registry.Query("mobile_hh_pct", ("district",)))
    shown = frame.set_index("district_code")["source"]
    assert {code: shown[code] for code in FORMULA_SOURCES} == FORMULA_SOURCES  # stored as text
    return frame


def _by_code(codes, sources) -> dict[str, str]:
    return {c: s for c, s in zip(codes, sources, strict=True) if c in FORMULA_SOURCES}


def test_csv_and_excel_downloads_neutralise_formula_sources(formula_metric):
    shown = exports.export_frame(formula_metric, demo=False)
    rows = list(csv.DictReader(io.StringIO(exports.csv_bytes(shown).decode("utf-8-sig"))))
    assert _by_code([r["district_code"] for r in rows], [r["source"] for r in rows]) == NEUTRALISED
    book = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(shown, notes=[FORMULA])))
    sheet = book["data"]
    header = [c.value for c in sheet[1]]
    code_at, source_at = header.index("district_code"), header.index("source")
    cells = list(sheet.iter_rows(min_row=2))
    assert (
        _by_code([r[code_at].value for r in cells], [r[source_at].value for r in cells])
        == NEUTRALISED
    )
    formulas = [
        c.coordinate for ws in book for r in ws.iter_rows() for c in r if c.data_type == "f"
    ]
    assert formulas == []
    assert book["about"]["A1"].value == "'" + FORMULA


def test_geojson_download_neutralises_formula_sources(formula_metric):
    shown = exports.export_frame(formula_metric, demo=False)
    data = json.loads(exports.geojson_bytes(geo.tile_layer(), shown))
    properties = [f["properties"] for f in data["features"]]
    assert (
        _by_code([p["district_code"] for p in properties], [p["source"] for p in properties])
        == NEUTRALISED
    )


@pytest.mark.usefixtures("database")
def test_the_sources_page_batch_list_neutralises_a_formula_file_name():
    name = f"{HYPERLINK}.csv"
    result = intake.import_file(GOOD, display_name=name, who="+cmd")
    with db.connect_readonly(config.db_path()) as con:
        listed = catalogue.batch_table(freshness.usage_batches(con))
    assert listed["File"].tolist() == [name]  # the page's table shows it as written
    shown = exports.export_frame(listed, demo=False)
    (row,) = csv.DictReader(io.StringIO(exports.csv_bytes(shown).decode("utf-8-sig")))
    assert (row["Batch"], row["File"]) == (result.batch_id, "'" + name)
    # the Data page's import log download
    log = exports.export_frame(data_page.import_log(batches.read_manifest()), demo=False)
    (row,) = csv.DictReader(io.StringIO(exports.csv_bytes(log).decode("utf-8-sig")))
    assert (row["File"], row["Imported by"]) == ("'" + name, "'+cmd")


def test_the_problem_report_neutralises_formula_values(tmp_path):
    frame = usage_frame("district", ["PK502"]).assign(
        district=FORMULA, channel="+cmd", sex="@SUM(A1)", transactions="-1+1"
    )
    name = f"{HYPERLINK}.csv"
    path = write_table(frame, tmp_path / "upload.csv")
    result = intake.import_file(path, display_name=name, dry_run=True)
    rows = list(csv.reader(io.StringIO(data_page.report_csv(result).decode("utf-8-sig"))))
    quoted = "'" + name
    channels = "counter, facilitation_centre, helpline, kiosk, mobile_app, online"
    sexes = "female, male, transgender, unknown"
    assert rows == [
        ["file", "row", "column", "value", "rule", "message"],
        [
            quoted,
            "2",
            "channel",
            "'+cmd",
            "unknown_channel",
            f"'+cmd' is not a known channel (use one of: {channels})",
        ],
        [
            quoted,
            "2",
            "district",
            "'" + FORMULA,
            "unknown_district",
            f"'{FORMULA}' {NOT_A_DISTRICT}",
        ],
        [
            quoted,
            "2",
            "sex",
            "'@SUM(A1)",
            "unknown_sex",
            f"'@SUM(A1)' is not a known sex (use one of: {sexes})",
        ],
        [quoted, "2", "transactions", "'-1+1", "not_a_number", "'-1+1' is not a number"],
    ]


# --- the Data page's helpers: names are text, markup is escaped ---------------------------------

UPLOAD_NAMES = {
    "traversal": "../../etc/passwd.csv",
    "windows": "..\\..\\windows\\win.csv",
    "script": f"{SCRIPT}.csv",
    "long": "n" * 5_000 + ".csv",
    "rtl": "invoice\u202evsc.exe",
}


@pytest.mark.parametrize("name", UPLOAD_NAMES.values(), ids=UPLOAD_NAMES.keys())
def test_an_upload_name_is_only_ever_shown(tmp_path, monkeypatch, name):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    data = b"month,district\n2025-01,PK502\n"  # a usage file short of columns
    request = data_page.request(name, data, data_page.AUTO, "", SQL_DROP)
    assert request.display_name == name
    assert request.path == data_page.upload_dir() / f"{hashlib.sha256(data).hexdigest()}.csv"
    assert files_under(tmp_path) == {request.path}
    result = request.run()
    assert result.validation.problems["file"].unique().tolist() == [name]
    shown = data_page.outcome(result, name)
    code = data_page.name_shown(name)
    assert shown == data_page.Outcome(
        "error", f"{code}: rejected, 3 problem(s); nothing was written"
    )
    # as code: one line, every unprintable character (the override too) made visible
    assert code == "` " + name.replace("\u202e", "\ufffd") + " `"
    download = data_page.report_download(result)["file_name"]
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,80}_problems\.csv", download), download
    assert files_under(tmp_path) == {request.path}  # nothing written for the rejected file


def test_a_close_spelling_with_markup_is_escaped_in_its_checkbox(tmp_path):
    path = write_table(usage_frame("district", [NEAR_PESHAWAR]), tmp_path / "r.csv")
    (spelling,) = data_page.spellings(intake.import_file(path, dry_run=True))
    assert spelling.spelling == NEAR_PESHAWAR  # saved as written when confirmed
    assert spelling.label == ("'Peshawar\\<script\\>alert(1)\\</script\\>' → Peshawar (PK528)")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (SCRIPT, "\\<script\\>alert(1)\\</script\\>"),
        (IMG, "\\<img src=x onerror=alert(1)\\>"),
        (LINK, "\\[click\\](http://evil.example)"),
        (f"{SQL_DROP}\n# x", "'; DROP TABLE usage; --\ufffd\\# x"),
        (f"{NUL}{RTL}", "a\ufffdb\ufffdtxt.exe"),
    ],
)
def test_text_from_a_file_is_escaped_for_markdown(text, shown):
    assert data_page.inert(text) == shown


# --- maps: hover and tooltip text ---------------------------------------------------------------


def _map_values(source: str) -> pd.DataFrame:
    layer = geo.tile_layer()
    frame = layer.gdf[["district_code", "district_name"]].copy()
    return frame.assign(value=50.0, source=source, year="2024")


def test_the_deck_tooltip_takes_source_text_as_data_not_markup():
    deck = decks.choropleth_deck(geo.tile_layer(), _map_values(SCRIPT), label="Mobile", unit="%")
    # the html template, as Streamlit sends it, holds placeholders alone: the browser escapes
    # each value it fills in
    template = _get_pydeck_tooltip(deck)["html"]
    assert SCRIPT not in template and "{source}" in template
    spec = json.loads(deck.to_json())
    (layer,) = [x for x in spec["layers"] if x["@@type"] == "GeoJsonLayer"]
    assert {f["properties"]["source"] for f in layer["data"]["features"]} == {SCRIPT}


def test_map_hover_shows_source_text_as_text():
    source = "<br>Mobile: 99.0 %<br><b>verified</b>"
    figure = maps.choropleth_figure(geo.tile_layer(), _map_values(source), label="Mobile", unit="%")
    hovers = [
        str(text)
        for trace in figure.data
        for texts in (trace.hovertext, getattr(trace, "text", None))
        if texts is not None
        for text in texts
        if "Source:" in str(text)
    ]
    assert len(hovers) == 35
    escaped = "&lt;br&gt;Mobile: 99.0 %&lt;br&gt;&lt;b&gt;verified&lt;/b&gt;"
    assert all(hover.endswith(f"<br>Source: {escaped} (2024)") for hover in hovers), hovers[0]
