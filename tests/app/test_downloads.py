"""What people download, read from the bytes each page's download buttons carry.

AppTest exposes a download button only as its proto (label, key, a `/mock/media/…` address or a
deferred-file id), not the file. The bytes live in the run's MediaFileManager, which AppTest
creates per run and drops afterwards, so these tests record that manager (a subclass put where
`app_test` looks it up) and read each file from it; a deferred file (the PDFs) is generated as a
click would. Checked in every file: the demonstration-data note, `source` and `year` filled in,
numbers kept as numbers and no cell a spreadsheet would run as a formula; counts under 10 as
`<10` in the Profile's services and the Quality page's outliers. On a database of real usage
where some districts have 0 to 9 digital transactions, every download of every page is read
back: no column that counts records holds a number under 10 (the columns are recognised here by
their headers, independently of the rule in kp_dash.views.disclosure), a rate on so few is
flagged and not ranked, and the briefings print no such count.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
import streamlit as st
import streamlit.testing.v1.app_test as app_test_module
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from kp_dash.store import build, config, intake
from tests.app.conftest import ROOT, TIMEOUT_S

DEMO_NOTE = "Demonstration data (simulated)"  # CSV, Excel and GeoJSON
PDF_DEMO_NOTICE = "Demonstration data — simulated usage, not real records"  # atop every PDF page
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet runs (OWASP)
QUOTED_NUMBER = re.compile(r"^'[-+−]?\d")  # a number turned into text by neutralising it
# a CSV cell a spreadsheet reads as a number (text, not a formula)
CSV_NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$")
SMALL_USAGE = Path(__file__).parents[1] / "fixtures" / "usage_small.csv"

# Every download button on each page, on the demonstration data with the default selection. The
# Data page offers blank import templates there; its import log is checked further down.
DOWNLOADS = {
    "pages/0_Home.py": ("home_ranking_download", "home_briefing_pdf"),
    "pages/1_Map.py": ("map_table", "map_geojson"),
    "pages/3_Quality.py": (
        "quality_least_complete",
        "quality_timeliness",
        "quality_outliers",
        "quality_consistency",
        "quality_imports",
    ),
    "pages/4_Uptake.py": ("ua_map_geojson", "ua_table_download"),
    "pages/5_Groups.py": (
        "groups_table_download",
        "groups_inequality_dl",
        "groups_subgroups_dl",
        "groups_unserved_dl",
    ),
    "pages/6_Trends.py": (
        "trends_series_download",
        "trends_inequality_dl",
        "trends_delta_download",
    ),
    "pages/7_Profile.py": (
        "profile_figures_download",
        "profile_services_dl",
        "profile_inequality_dl",
        "profile_rankings_download",
        "profile_brief",
    ),
    "pages/8_Planning.py": ("plan_ranking_download", "plan_scenario_download", "plan_memo"),
    "pages/9_Sources.py": (
        "sources_metrics_dl",
        "sources_seed_download",
        "sources_batches_download",
        "sources_services_download",
    ),
}
PDFS = {"home_briefing_pdf", "profile_brief", "plan_memo"}
GEOJSON = {"map_geojson", "ua_map_geojson"}


def _keys(name: str) -> list[str]:
    """A table gives two buttons (`_csv`, `_xlsx`); a map layer and a PDF one."""
    return [name] if name in PDFS | GEOJSON else [f"{name}_csv", f"{name}_xlsx"]


FILES = [key for names in DOWNLOADS.values() for name in names for key in _keys(name)]
TABLES = [key for key in FILES if key.endswith(("_csv", "_xlsx"))]


@dataclass(frozen=True)
class Download:
    key: str
    data: bytes


MANAGERS: list[MediaFileManager] = []


class _RecordingManager(MediaFileManager):
    """The media manager of each AppTest run, kept so that its files can be read."""

    def __init__(self, storage) -> None:
        super().__init__(storage)
        MANAGERS.append(self)


@pytest.fixture(scope="module", autouse=True)
def recording() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(app_test_module, "MediaFileManager", _RecordingManager)
        yield
    MANAGERS.clear()


def _read(at: AppTest) -> dict[str, Download]:
    """The file behind each download button of the run that just finished, by key."""
    manager = MANAGERS[-1]
    files = {}
    for button in at.get("download_button"):
        proto = button.proto
        url = proto.url or manager.execute_deferred(proto.deferred_file_id)  # as a click would
        stored = manager.read_file(url.rsplit("/", 1)[-1])
        assert stored is not None, f"{button.key}: no file behind {url}"
        files[button.key] = Download(button.key, stored.content)
    return files


def _run(page: str, params: dict[str, str] | None = None) -> dict[str, Download]:
    """Run a page once with fresh caches; its download buttons' files by key."""
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(ROOT / page, default_timeout=TIMEOUT_S)
    at.query_params.update(params or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return _read(at)


@pytest.fixture(scope="module")
def demo_pages(demo_db: Path, tmp_path_factory) -> dict[str, dict[str, Download]]:
    """Every page's downloads on the demonstration data, each page run once."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KP_DASH_DB", str(demo_db))
        patch.setenv("KP_DASH_STATE", str(tmp_path_factory.mktemp("downloads_state")))
        pages = {page: _run(page) for page in DOWNLOADS}
    st.cache_data.clear()
    st.cache_resource.clear()
    return pages


@pytest.fixture(scope="module")
def demo_files(demo_pages) -> dict[str, Download]:
    return {key: file for files in demo_pages.values() for key, file in files.items()}


# --- reading the files back -----------------------------------------------------------------


def _table(download: Download) -> tuple[list[str], list[list[object]], list[str]]:
    """Header, rows and the notes of the `about` sheet (none for CSV)."""
    if download.key.endswith("_csv"):
        assert download.data.startswith(b"\xef\xbb\xbf"), "CSV without its UTF-8 byte-order mark"
        rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig"))))
        return rows[0], rows[1:], []
    book = openpyxl.load_workbook(io.BytesIO(download.data), read_only=True)
    assert book.sheetnames[-1] == "about", book.sheetnames
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    about = [str(row[0]) for row in book["about"].iter_rows(values_only=True) if row[0]]
    return [str(c) for c in rows[0]], rows[1:], about


def _records(download: Download) -> list[dict[str, object]]:
    """Rows as mappings of column to cell (a GeoJSON feature's properties)."""
    if download.key in GEOJSON:
        collection = json.loads(download.data)
        assert collection["type"] == "FeatureCollection"
        return [feature["properties"] for feature in collection["features"]]
    header, rows, _ = _table(download)
    return [dict(zip(header, row, strict=True)) for row in rows]


def _pdf_pages(download: Download) -> list[str]:
    assert download.data.startswith(b"%PDF")
    return [page.extract_text() for page in PdfReader(io.BytesIO(download.data)).pages]


def _blank(value: object) -> bool:
    return value is None or str(value).strip() == ""


def _texts(download: Download) -> list[str]:
    """The text cells (headers and notes too); a number in a CSV is a number, not text."""
    texts = [c for c in _cells(download) if isinstance(c, str)]
    if download.key.endswith("_csv"):
        texts = [t for t in texts if not CSV_NUMBER.match(t)]
    return texts


def _cells(download: Download) -> list[object]:
    if download.key.endswith(("_csv", "_xlsx")):
        header, rows, about = _table(download)
        return [*header, *(cell for row in rows for cell in row), *about]
    return [value for record in _records(download) for value in record.values()]


# --- every page's downloads on the demonstration data -----------------------------------------


@pytest.mark.parametrize("page", list(DOWNLOADS))
def test_each_page_offers_the_downloads_checked_here(demo_pages, page: str) -> None:
    assert set(demo_pages[page]) == {key for name in DOWNLOADS[page] for key in _keys(name)}


@pytest.mark.parametrize("key", FILES)
def test_every_download_says_demonstration_data(demo_files, key: str) -> None:
    download = demo_files[key]
    if key in PDFS:
        pages = _pdf_pages(download)
        assert pages and all(PDF_DEMO_NOTICE in text for text in pages)
        return
    # a row may say more after the notice (a rate on fewer than 10 records: `small_numerator`)
    assert all(str(record["note"]).startswith(DEMO_NOTE) for record in _records(download))
    if key in TABLES:
        header, _, about = _table(download)
        assert header[-3:] == ["note", "source", "year"]
        assert key.endswith("_csv") or DEMO_NOTE in about  # Excel: the `about` sheet too


@pytest.mark.parametrize("key", [*TABLES, *GEOJSON])
def test_every_row_names_its_source_and_year(demo_files, key: str) -> None:
    records = _records(demo_files[key])
    if key in GEOJSON:  # a district without data has no value and so no provenance
        records = [record for record in records if record["value"] is not None]
        assert records, "no district has a value"
    blank = [r for r in records if _blank(r["source"]) or _blank(r["year"])]
    assert not blank, f"{len(blank)} of {len(records)} rows without source or year: {blank[:1]}"


@pytest.mark.parametrize("key", [key for key in FILES if key not in PDFS])
def test_no_cell_runs_as_a_formula(demo_files, key: str) -> None:
    assert not [t for t in _texts(demo_files[key]) if t.startswith(FORMULA_STARTS)]


@pytest.mark.parametrize("key", [key for key in FILES if key not in PDFS])
def test_numbers_stay_numbers(demo_files, key: str) -> None:
    assert not [t for t in _texts(demo_files[key]) if QUOTED_NUMBER.match(t)]


def test_the_scenario_download_keeps_its_machine_readable_columns(demo_files) -> None:
    # the page shows "E-service", "Added users (low)", "Districts"; the file keeps the codes
    for suffix in ("csv", "xlsx"):
        header, rows, _ = _table(demo_files[f"plan_scenario_download_{suffix}"])
        assert header[:6] == [
            "service_code",
            "service_name",
            "added",
            "added_low",
            "added_high",
            "n_districts",
        ]
        first = dict(zip(header, rows[0], strict=True))
        assert float(first["n_districts"]) == 35 and float(first["added_low"]) > 0


# --- small counts ------------------------------------------------------------------------------

# Kolai Palas Kohistan (PK517) in November 2025 in the demonstration data: one digital health
# complaint and one digital college admission.
SMALL_COUNTS = {"district": "PK517", "from": "2025-11", "to": "2025-11"}


def _services(files: dict[str, Download], suffix: str) -> dict[str, object]:
    rows = _records(files[f"profile_services_dl_{suffix}"])
    return {row["service_code"]: row["digital_transactions"] for row in rows}


def test_counts_under_ten_read_lt10(on_demo: Path) -> None:
    files = _run("pages/7_Profile.py", SMALL_COUNTS)
    for suffix in ("csv", "xlsx"):
        counts = _services(files, suffix)
        assert counts["health_complaints"] == counts["college_admissions"] == "<10", counts
        for service, count in counts.items():  # everything else: 0, or 10 and more
            assert count == "<10" or float(count) == 0 or float(count) >= 10, (service, count)


# Malakand (PK521) in December 2023 in the demonstration data: 3 digital teacher e-transfer
# applications where about 13 were expected, a low outlier.
SMALL_OUTLIER = {"service": "teacher_etransfer", "from": "2023-12", "to": "2023-12"}
OUTLIER_COUNTS = ("Value", "Expected")  # monthly transactions, as the Quality page names them


def _outliers(files: dict[str, Download], suffix: str) -> dict[tuple[object, object], dict]:
    rows = _records(files[f"quality_outliers_{suffix}"])
    return {(row["District code"], row["Month"]): row for row in rows}


def test_outlier_counts_under_ten_read_lt10(on_demo: Path) -> None:
    files = _run("pages/3_Quality.py", SMALL_OUTLIER)
    for suffix in ("csv", "xlsx"):
        rows = _outliers(files, suffix)
        malakand = rows["PK521", "2023-12"]
        assert malakand["Value"] == "<10" and float(malakand["Expected"]) >= 10, malakand
        for row in rows.values():  # everything else: 10 and more (0 is <10)
            for column in OUTLIER_COUNTS:
                count = row[column]
                assert count == "<10" or float(count) >= 10, (column, row)


def test_small_counts_are_shown_when_suppression_is_off(
    on_demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KP_DASH_SUPPRESS_SMALL", "0")
    files = _run("pages/7_Profile.py", SMALL_COUNTS)
    counts = _services(files, "xlsx")
    assert counts["health_complaints"] == counts["college_admissions"] == 1
    outliers = _outliers(_run("pages/3_Quality.py", SMALL_OUTLIER), "xlsx")
    assert outliers["PK521", "2023-12"]["Value"] == 3


# --- text a person typed ---------------------------------------------------------------------

WHO = "=1+2"
FILE_NAME = "@returns.csv"


@pytest.fixture
def imported_by_formula(tmp_path: Path) -> Path:
    """A database with one import whose file name and importer's name look like formulas."""
    path = config.db_path()
    build.build(path, with_demo=False)
    source = tmp_path / FILE_NAME
    shutil.copy(SMALL_USAGE, source)
    assert intake.import_file(source, who=WHO).status == "accepted"
    return path


@pytest.mark.parametrize(
    ("page", "name", "column"),
    [
        ("pages/2_Data.py", "data_import_log", None),
        ("pages/3_Quality.py", "quality_imports", None),
        ("pages/9_Sources.py", "sources_batches_download", "File"),
    ],
)
def test_formula_like_text_from_an_import_is_neutralised(
    imported_by_formula: Path, page: str, name: str, column: str | None
) -> None:
    files = _run(page)
    for key in _keys(name):
        cells = _texts(files[key])
        assert f"'{FILE_NAME}" in cells, key
        if column is None:  # the import logs name who imported
            assert f"'{WHO}" in cells, key
        assert not [c for c in cells if c.startswith(FORMULA_STARTS)], key


# --- disclosure control on real usage with small counts ----------------------------------------

# digital (online) transactions over the three months of the fixture's usage file, by district;
# every other district has 40 a month per service and sex
SMALL_DIGITAL = {
    "PK502": [0, 0, 0],  # Bajaur: counter use only, a true zero
    "PK515": [4, 0, 5],  # Lower Kohistan: 9 in all
    "PK516": [0, 10, 0],  # Upper Kohistan: 10, just enough
    "PK517": [0, 3, 0],  # Kolai Palas Kohistan: 3
}
MONTHS = ("2025-01", "2025-02", "2025-03")
SERVICES = ("health_card", "fee_payment")
# what the reader of a file takes for a count of records: a header ending in "transactions" or
# "users" (any spelling: `digital_transactions`, "Transactions", `comparison_…`), a metric
# frame's `numerator`, and the Quality tables' "Value" / "Expected" (monthly transactions)
COUNT_HEADER = re.compile(r"(^|[ _])(transactions|users)$|^numerator$", re.IGNORECASE)
QUALITY_COUNTS = {"quality_outliers": ("Value", "Expected"), "quality_consistency": ("Value",)}
SMALL_COUNT = re.compile(r"(?<![\d.,])[0-9] (digital |monthly )?(transactions|users|people)\b")


def _small_usage_csv(path: Path) -> Path:
    """Real-shaped usage for all 35 districts: online use split between women and men, counter
    use beside it; the districts of SMALL_DIGITAL have only those few online transactions (on
    the health card, women first)."""
    lines = ["month,district,service,channel,sex,transactions,users"]
    for number in range(501, 536):
        code = f"PK{number}"
        for month_index, month in enumerate(MONTHS):
            for service in SERVICES:
                lines.append(f"{month},{code},{service},counter,unknown,30,20")
                if code in SMALL_DIGITAL:
                    total = SMALL_DIGITAL[code][month_index] if service == SERVICES[0] else 0
                    women = total // 3
                    split = {"female": women, "male": total - women}
                else:
                    split = {"female": 40, "male": 40}
                for sex, count in split.items():
                    lines.append(f"{month},{code},{service},online,{sex},{count},{count}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


SMALL_PAGES = [*DOWNLOADS, "pages/2_Data.py"]
SMALL_PARAMS = {"pages/7_Profile.py": {"district": "PK517"}}


@pytest.fixture(scope="module")
def small_count_pages(tmp_path_factory) -> dict[str, dict[str, Download]]:
    """Every page's downloads on real usage with small counts (the demonstration data gone)."""
    root = tmp_path_factory.mktemp("small_counts")
    (root / "state").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KP_DASH_STATE", str(root / "state"))
        patch.setenv("KP_DASH_DB", str(root / "kp_dash.duckdb"))
        patch.delenv("KP_DASH_SUPPRESS_SMALL", raising=False)
        build.build(config.db_path(), with_demo=False)
        result = intake.import_file(_small_usage_csv(root / "returns.csv"), who="fixture")
        assert result.status == "accepted", result
        pages = {page: _run(page, SMALL_PARAMS.get(page)) for page in SMALL_PAGES}
    st.cache_data.clear()
    st.cache_resource.clear()
    return pages


def _count_headers(name: str, header: list[str]) -> list[str]:
    quality = QUALITY_COUNTS.get(name.removesuffix("_csv").removesuffix("_xlsx"), ())
    return [h for h in header if COUNT_HEADER.search(h) or h in quality]


def _small(cell: object) -> bool:
    """A count from 1 to 9 (0 is no one, so it may show), however a file holds it."""
    if cell is None or isinstance(cell, bool) or str(cell).strip() in ("", "<10"):
        return False
    try:
        return 0 < float(str(cell).replace(",", "")) < 10
    except ValueError:
        return False


def test_the_small_count_database_has_downloads_on_every_page(small_count_pages) -> None:
    for page, files in small_count_pages.items():
        assert files, f"{page}: no download"
    found = {key for files in small_count_pages.values() for key in files}
    assert {"map_table_csv", "map_geojson", "home_briefing_pdf", "profile_brief"} <= found


def test_no_count_column_holds_a_number_under_ten(small_count_pages) -> None:
    checked, suppressed = 0, 0
    for page, files in small_count_pages.items():
        for key, download in files.items():
            if not key.endswith(("_csv", "_xlsx")):
                continue
            header, rows, _ = _table(download)
            for column in _count_headers(key, header):
                position = header.index(column)
                cells = [row[position] for row in rows]
                small = [c for c in cells if _small(c)]
                assert not small, f"{page} {key}: {column} holds {small[:5]}"
                checked += 1
                suppressed += cells.count("<10")
    assert checked >= 10 and suppressed >= 10, (checked, suppressed)


def _map_rows(files: dict[str, Download], suffix: str) -> dict[str, dict[str, object]]:
    return {str(r["district_code"]): r for r in _records(files[f"map_table_{suffix}"])}


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_map_table_carries_suppressed_numerators_and_flags(small_count_pages, suffix) -> None:
    rows = _map_rows(small_count_pages["pages/1_Map.py"], suffix)
    assert len(rows) == 35
    assert float(rows["PK502"]["digital_transactions"]) == 0  # a true zero: no one to identify
    for code in ("PK502", "PK515", "PK517"):
        assert code == "PK502" or rows[code]["digital_transactions"] == "<10", rows[code]
        assert str(rows[code]["small_numerator"]) == "True"
        assert "small_numerator: fewer than 10 digital transactions" in str(rows[code]["note"])
    upper = rows["PK516"]  # 10 transactions: shown, not flagged
    assert float(upper["digital_transactions"]) == 10 and str(upper["small_numerator"]) == "False"
    assert float(rows["PK501"]["digital_transactions"]) == 480
    assert float(rows["PK517"]["eligible_population"]) > 10_000  # census: published, not hidden


def test_the_map_geojson_flags_small_numerators(small_count_pages) -> None:
    records = _records(small_count_pages["pages/1_Map.py"]["map_geojson"])
    flags = {r["district_code"]: r["small_numerator"] for r in records}
    assert flags["PK517"] is True and flags["PK502"] is True and flags["PK516"] is False
    assert all("digital_transactions" not in r for r in records)


@pytest.mark.parametrize(
    ("page", "name", "district"),
    [
        ("pages/0_Home.py", "home_ranking_download", "District"),
        ("pages/4_Uptake.py", "ua_table_download", "District"),
        ("pages/6_Trends.py", "trends_delta_download", "district_name"),
    ],
)
def test_a_ranking_gives_no_exact_rank_to_a_rate_on_few_records(
    small_count_pages, page: str, name: str, district: str
) -> None:
    for key in _keys(name):
        rows = {r[district]: r for r in _records(small_count_pages[page][key])}
        rank = "Rank" if "Rank" in next(iter(rows.values())) else "rank"
        small = rows["Kolai Palas Kohistan"]
        assert small[rank] == "—" and str(small["small_numerator"]) == "True", small
        assert "rank is withheld" in str(small["note"])
        assert str(rows["Peshawar"][rank]).isdigit()


def test_the_profile_of_a_small_district_suppresses_and_flags(small_count_pages) -> None:
    files = small_count_pages["pages/7_Profile.py"]
    for suffix in ("csv", "xlsx"):
        rows = {r["service_code"]: r for r in _records(files[f"profile_services_dl_{suffix}"])}
        assert rows["health_card"]["digital_transactions"] == "<10"
        assert float(rows["fee_payment"]["digital_transactions"]) == 0  # a true zero shows
        assert str(rows["health_card"]["small_numerator"]) == "True"


@pytest.mark.parametrize("key", ["home_briefing_pdf", "profile_brief"])
def test_the_briefings_print_no_small_count(small_count_pages, key) -> None:
    files = {k: f for page in small_count_pages.values() for k, f in page.items()}
    text = " ".join(" ".join(page.split()) for page in _pdf_pages(files[key]))
    assert not SMALL_COUNT.findall(text), SMALL_COUNT.findall(text)
    assert "* fewer than 10 digital transactions: the rate is not exact and is not ranked" in text
    if key == "profile_brief":  # Kolai Palas Kohistan's own briefing
        assert "Kolai Palas Kohistan is not ranked on digital uptake" in text
    else:  # Bajaur (0) is the lowest: listed without a rank
        assert "— Bajaur 0.00 *" in text
