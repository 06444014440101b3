"""Import templates: the contract header, example rows that pass validation, readable workbooks."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from kp_dash.store import batches, config, event_logs, ingest, intake
from kp_dash.store.kinds import usage
from kp_dash.views import data_page, templates

# The columns as CONTRACTS.md lists them, in its order (usage: the table; the others: the text),
# with usage's `disability` (an extension, README "Import files") after the age band.
CONTRACT_HEADERS = {
    "usage": [
        "month",
        "district",
        "service",
        "channel",
        "sex",
        "area",
        "age_band",
        "disability",
        "transactions",
        "users",
    ],
    "indicators": ["district", "year", "indicator", "group", "value", "unit", "source"],
    "targets": ["service", "district", "metric", "month", "year", "target"],
    "events": [
        "timestamp",
        "district",
        "service",
        "channel",
        "status",
        "sex",
        "age",
        "age_band",
        "area",
        "user_ref",
        "event_id",
    ],
}
DISTRICT_COUNT = 35
BOM = b"\xef\xbb\xbf"


def _workbook(kind: str, tmp_path: Path) -> Path:
    path = tmp_path / f"{kind}_template.xlsx"
    path.write_bytes(templates.template_xlsx(kind))
    return path


@pytest.mark.parametrize("kind", templates.KINDS)
def test_csv_template_has_contract_header_bom_and_two_rows(kind: str) -> None:
    data = templates.template_csv(kind)
    assert data.startswith(BOM)
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame.columns) == CONTRACT_HEADERS[kind]
    assert len(frame) == 2


@pytest.mark.parametrize("kind", templates.KINDS)
def test_templates_pass_validation_as_they_are(kind: str, tmp_path: Path) -> None:
    csv_path = tmp_path / f"{kind}.csv"
    csv_path.write_bytes(templates.template_csv(kind))
    if kind not in templates.WORKBOOK_KINDS:  # a log, read as logs are (no workbook)
        assert event_logs.is_log(csv_path, csv_path.name)
        validation = event_logs.checked_only(csv_path, csv_path.name, None, None, None)
        assert validation.ok and validation.row_count == 2, validation.problem_lines()
        return
    for path in (csv_path, _workbook(kind, tmp_path)):
        validation = ingest.validate_file(path)  # the kind is guessed from the header
        assert validation.ok, validation.problem_lines()
        assert validation.kind == kind
        assert validation.row_count == 2


@pytest.mark.parametrize("kind", templates.KINDS)
def test_example_months_are_in_the_past(kind: str) -> None:
    frame = pd.read_csv(io.BytesIO(templates.template_csv(kind)), encoding="utf-8-sig", dtype=str)
    if "month" in frame:
        months = frame["month"].dropna()
        assert (months < f"{date.today():%Y-%m}").all(), months.tolist()


@pytest.mark.parametrize("kind", templates.WORKBOOK_KINDS)
def test_workbook_reads_back_with_calamine(kind: str, tmp_path: Path) -> None:
    sheets = pd.read_excel(_workbook(kind, tmp_path), sheet_name=None, engine="calamine")
    assert next(iter(sheets)) == "data"  # the first sheet is the one an import reads
    assert list(sheets["data"].columns) == CONTRACT_HEADERS[kind]
    assert len(sheets["data"]) == 2
    districts = sheets["districts"]
    assert list(districts.columns) == ["district_code", "district_name", "division", "is_merged"]
    assert len(districts) == DISTRICT_COUNT
    assert list(districts["district_code"]) == [f"PK{n}" for n in range(501, 536)]
    register = pd.read_csv(config.SEED_DIR / "districts.csv")
    assert districts["is_merged"].astype(str).str.lower().eq("true").sum() == int(
        register["is_merged"].sum()
    )
    if "service" in CONTRACT_HEADERS[kind]:
        services = pd.read_csv(config.SEED_DIR / "services.csv")
        assert list(sheets["services"]["service_code"]) == list(services["service_code"])


def test_usage_workbook_lists_codes_and_has_drop_downs(tmp_path: Path) -> None:
    path = _workbook("usage", tmp_path)
    codes = pd.read_excel(path, sheet_name="codes", engine="calamine", dtype=str)
    assert list(codes.columns) == ["channel", "sex", "area", "age_band", "disability"]
    assert set(codes["channel"].dropna()) == {
        "online",
        "mobile_app",
        "kiosk",
        "facilitation_centre",
        "helpline",
        "counter",
    }
    assert list(codes["sex"].dropna()) == list(usage.SEXES)
    assert list(codes["area"].dropna()) == list(usage.AREAS)
    assert list(codes["age_band"].dropna()) == list(usage.AGE_BANDS)
    assert list(codes["disability"].dropna()) == ["yes", "no", "unknown"]

    book = load_workbook(path)
    data = book["data"]
    assert data.freeze_panes == "A2"
    assert all(cell.font.bold for cell in data[1])
    lists = {
        str(rule.sqref).split(":")[0]: rule.formula1
        for rule in data.data_validations.dataValidation
    }
    assert lists == {
        "B2": "districts!$B$2:$B$36",
        "C2": "services!$A$2:$A$9",
        "D2": "codes!$A$2:$A$7",
        "E2": "codes!$B$2:$B$5",
        "F2": "codes!$C$2:$C$4",
        "G2": "codes!$D$2:$D$7",
        "H2": "codes!$E$2:$E$4",
    }


def test_indicator_and_target_workbooks_list_their_codes(tmp_path: Path) -> None:
    codes = pd.read_excel(_workbook("indicators", tmp_path), sheet_name="codes", engine="calamine")
    assert list(codes.columns) == ["indicator", "group", "unit"]
    assert "internet_use_pct" in set(codes["indicator"])
    codes = pd.read_excel(_workbook("targets", tmp_path), sheet_name="codes", engine="calamine")
    assert "uptake_per_1000" in set(codes["metric"])


@pytest.mark.parametrize("make", [templates.template_csv, templates.template_xlsx])
def test_unknown_kind_names_the_known_kinds(make) -> None:
    with pytest.raises(ValueError, match="usage, indicators, targets"):
        make("population")


def test_templates_are_the_same_every_time() -> None:
    assert templates.template_csv("usage") == templates.template_csv("usage")


# --- the Data page's pure helpers --------------------------------------------------------------


def test_save_upload_is_named_by_content_and_is_stable(tmp_path: Path) -> None:
    first = data_page.save_upload("../returns March.xlsx", b"abc", root=tmp_path)
    assert first == data_page.save_upload("../returns March.xlsx", b"abc", root=tmp_path)
    # sha256 of "abc", by hand: the uploaded name never becomes a path
    digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert first.name == f"{digest}.xlsx"
    assert first.parent == tmp_path
    assert first.read_bytes() == b"abc"
    assert data_page.save_upload("x.csv", b"other", root=tmp_path) != first


def test_problem_report_is_csv_with_formulas_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "evil.csv"
    path.write_text(
        "month,district,service,channel,transactions\n2025-01,=HYPERLINK(1),telemedicine,"
        "online,4\n",
        encoding="utf-8",
    )
    result = intake.import_file(path, dry_run=True)
    report = pd.read_csv(io.BytesIO(data_page.report_csv(result)), encoding="utf-8-sig")
    assert list(report.columns) == ingest.PROBLEM_COLUMNS
    assert report["value"][0] == "'=HYPERLINK(1)"


def test_neutralise_only_formula_text() -> None:
    assert [data_page.neutralise(v) for v in ("=1+1", "+9", "-3", "@x", "ok", 5)] == [
        "'=1+1",
        "'+9",
        "'-3",
        "'@x",
        "ok",
        5,
    ]


def test_progress_fraction_is_clamped() -> None:
    assert [data_page.progress_fraction(f) for f in (-1, 0.5, 1.2)] == [0.0, 0.5, 1.0]


def test_withdrawable_lists_accepted_batches_only(tmp_path: Path) -> None:
    manifest = pd.DataFrame(
        [
            {
                **dict.fromkeys(batches.MANIFEST_COLUMNS, ""),
                "batch_id": "u-1",
                "status": "accepted",
                "file_name": "a.csv",
                "rows": 2,
                "imported_at": "2025-02-01T10:00:00+00:00",
            },
            {
                **dict.fromkeys(batches.MANIFEST_COLUMNS, ""),
                "batch_id": "u-2",
                "status": "withdrawn",
                "file_name": "b.csv",
                "rows": 5,
                "imported_at": "2025-02-02T10:00:00+00:00",
            },
        ]
    )
    assert data_page.withdrawable(manifest) == {"u-1": "u-1 · a.csv · 2 rows · 2025-02-01"}
    assert list(data_page.import_log(manifest).columns) == list(data_page.LOG_COLUMNS.values())


def test_withdrawing_an_unknown_batch_is_a_warning_not_a_crash() -> None:
    outcome = data_page.withdraw("u-20250101-0000000000", who="test")
    assert outcome == data_page.Outcome(
        "warning", "Batch u-20250101-0000000000 is not an accepted batch (any more)."
    )


def test_each_kind_says_what_it_holds_beside_its_templates() -> None:
    assert "transactions" in templates.about("usage")
    assert "unit and source" in templates.about("indicators")
    assert "by a month or a year" in templates.about("targets")
    with pytest.raises(ValueError, match="unknown kind 'payments'"):
        templates.about("payments")
