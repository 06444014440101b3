"""Exports: one set of rules for every CSV, Excel and GeoJSON download (kp_dash.exports)."""

from __future__ import annotations

import io
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest

from kp_dash.store import config, contract, geo
from kp_dash.views import data_page, exports, quality_view

BOUNDARIES = config.SHARED_DATA_DIR / "boundaries"
OCHA_KP = BOUNDARIES / "kp_districts_ocha_codab_20220909.geojson"


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "district_name": ["=HYPERLINK(1)", "+92 300", "-3", "@SUM(A1)", "Peshawar"],
            "change": [-3.0, -0.5, 0.0, 2.0, -12.0],
            "transactions": [0, 5, 10, 9, np.nan],
            "month": ["2025-01"] * 5,
        }
    )


def _csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)


# --- neutralising --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+9", "'+9"),
        ("-3", "'-3"),
        ("@x", "'@x"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("ok", "ok"),
        ("a=b", "a=b"),
        ("'=already", "'=already"),
        (-3, -3),
        (-1.5, -1.5),
        (None, None),
    ],
)
def test_neutralise_only_formula_text(value: object, expected: object) -> None:
    assert exports.neutralise(value) == expected


def test_formula_text_neutralised_and_numbers_untouched() -> None:
    out = exports.export_frame(_frame(), demo=False, suppress=False)
    assert out["district_name"].tolist() == [
        "'=HYPERLINK(1)",
        "'+92 300",
        "'-3",
        "'@SUM(A1)",
        "Peshawar",
    ]
    assert out["change"].tolist() == [-3.0, -0.5, 0.0, 2.0, -12.0]  # negative numbers stay
    assert pd.api.types.is_float_dtype(out["change"])
    assert out["month"].eq("2025-01").all()  # '2025-01' starts with a digit: not touched
    again = exports.export_frame(out, demo=False, suppress=False)
    assert again["district_name"].tolist() == out["district_name"].tolist()  # idempotent


def test_mixed_and_categorical_text_columns_neutralised() -> None:
    frame = pd.DataFrame(
        {
            "mixed": pd.Series(["=x", -4, None], dtype=object),
            "category": pd.Categorical(["-y", "ok", "-y"]),
            "=header": [1, 2, 3],
        }
    )
    out = exports.export_frame(frame, demo=False)
    assert out["mixed"].tolist()[:2] == ["'=x", -4]
    assert out["category"].tolist() == ["'-y", "ok", "'-y"]
    assert "'=header" in out.columns


def test_input_frame_is_not_changed() -> None:
    frame = _frame()
    before = frame.copy()
    exports.export_frame(frame, demo=True, suppress=True)
    pd.testing.assert_frame_equal(frame, before)


# --- small numbers -------------------------------------------------------------------------


def test_counts_under_ten_are_shown_as_under_ten() -> None:
    # `transactions` is a count by the one rule (kp_dash.views.disclosure): no caller names it
    out = exports.export_frame(_frame(), demo=False, suppress=True)
    assert out["transactions"].tolist()[:4] == [0, "<10", 10, "<10"]  # 0 and 10 are not hidden
    assert out["transactions"].isna().tolist() == [False] * 4 + [True]  # missing stays missing
    shown = _csv(exports.csv_bytes(out))
    assert shown["transactions"].tolist() == ["0", "<10", "10", "<10", ""]
    assert shown["change"].tolist()[0] == "-3.0"  # only the count columns are suppressed


def test_columns_that_do_not_count_records_are_kept() -> None:
    frame = _frame().rename(columns={"transactions": "rows"})  # file rows are not people
    out = exports.export_frame(frame, demo=False, suppress=True)
    assert out["rows"].tolist()[:4] == [0, 5, 10, 9]


def test_suppression_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KP_DASH_SUPPRESS_SMALL", raising=False)
    on = exports.export_frame(_frame(), demo=False)
    assert on["transactions"][1] == "<10"
    monkeypatch.setenv("KP_DASH_SUPPRESS_SMALL", "0")
    off = exports.export_frame(_frame(), demo=False)
    assert off["transactions"].tolist()[:4] == [0, 5, 10, 9]
    assert (
        exports.export_frame(_frame(), demo=False, suppress=True)["transactions"][1] == "<10"
    )  # an explicit choice wins over the environment


# --- provenance and the demonstration note ---------------------------------------------------


def test_source_and_year_always_present_and_last() -> None:
    out = exports.export_frame(_frame(), demo=False)
    assert list(out.columns)[-2:] == ["source", "year"]
    assert out["source"].eq("").all() and out["year"].eq("").all()
    frame = _frame().assign(year=2025, source="demo").iloc[:, ::-1]  # source, year first
    out = exports.export_frame(frame, demo=False)
    assert list(out.columns) == [*_frame().columns[::-1], "source", "year"]
    assert out["year"].eq(2025).all() and out["source"].eq("demo").all()
    assert "note" not in out.columns


def test_demo_exports_say_so() -> None:
    out = exports.export_frame(_frame().assign(source="demo", year=2025), demo=True)
    assert list(out.columns)[-3:] == ["note", "source", "year"]
    assert out["note"].eq("Demonstration data (simulated)").all()
    assert _csv(exports.csv_bytes(out))["note"].eq(exports.DEMO_NOTE).all()


def test_empty_frame_still_has_its_columns() -> None:
    out = exports.export_frame(_frame().iloc[:0], demo=True)
    assert list(out.columns) == [*_frame().columns, "note", "source", "year"]
    assert out.empty


# --- CSV -------------------------------------------------------------------------------------


def test_csv_is_utf8_with_bom_and_no_index() -> None:
    frame = pd.DataFrame({"district_name": ["Dera Ismail Khan", "Kohat ÷ Hangu"], "v": [1, 2]})
    data = exports.csv_bytes(frame.set_index(pd.Index([7, 8])))
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines()[0] == "district_name,v"
    assert _csv(data)["district_name"].tolist() == ["Dera Ismail Khan", "Kohat ÷ Hangu"]


def test_csv_neutralises_even_an_unprepared_frame() -> None:
    data = exports.csv_bytes(pd.DataFrame({"file": ["=HYPERLINK(1).csv"], "n": [-2]}))
    assert _csv(data).iloc[0].tolist() == ["'=HYPERLINK(1).csv", "-2"]


# --- Excel -----------------------------------------------------------------------------------


def test_xlsx_reads_back_with_an_about_sheet() -> None:
    out = exports.export_frame(_frame(), demo=True, suppress=True)
    notes = ["Source: demonstration data", "Suppressed: counts under 10"]
    data = exports.xlsx_bytes(out, sheet="uptake", notes=notes)
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, engine="calamine", header=None)
    assert list(sheets) == ["uptake", "about"]
    table = pd.read_excel(io.BytesIO(data), sheet_name="uptake", engine="calamine")
    assert list(table.columns) == list(out.columns)
    assert table["district_name"][0] == "'=HYPERLINK(1)"  # text, not a formula
    assert table["change"].tolist() == [-3.0, -0.5, 0.0, 2.0, -12.0]
    assert table["transactions"].tolist()[:4] == [0, "<10", 10, "<10"]
    about = sheets["about"]
    assert about[0].tolist()[:2] == notes
    assert about[0].tolist()[-1] == "Exported at (UTC)"
    assert str(about[1].tolist()[-1]).endswith("UTC")


def test_xlsx_header_bold_and_frozen_and_no_formulas() -> None:
    data = exports.xlsx_bytes(pd.DataFrame({"file": ["=1+1"], "n": [3]}))
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["data"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "'=1+1"
    assert "about" in book.sheetnames


def test_xlsx_handles_time_zones_and_odd_sheet_names() -> None:
    frame = pd.DataFrame({"at": pd.to_datetime(["2025-03-01T10:00:00+05:00"])})
    data = exports.xlsx_bytes(frame, sheet="a/b:c*")
    table = pd.read_excel(io.BytesIO(data), sheet_name=None, engine="calamine")
    name = next(iter(table))
    assert name == "a b c"
    assert table[name]["at"][0] == pd.Timestamp("2025-03-01 05:00")  # naive UTC
    assert (
        next(
            iter(
                pd.read_excel(
                    io.BytesIO(exports.xlsx_bytes(frame, sheet="about")),
                    sheet_name=None,
                    engine="calamine",
                )
            )
        )
        == "data"
    )


# --- GeoJSON ---------------------------------------------------------------------------------


@pytest.fixture
def tile_layer() -> geo.DistrictLayer:
    layer = geo.tile_layer()
    assert layer.kind == "tile_grid"
    return layer


def test_geojson_has_every_district_and_null_for_no_data(tile_layer: geo.DistrictLayer) -> None:
    values = pd.DataFrame(
        {
            "district_code": ["PK502", "PK528", "PK999"],
            "value": [12.5, np.nan, 3.0],
            "source": ["demo", "demo", "demo"],
            "year": pd.array([2025, 2025, 2025], dtype="Int64"),
        }
    )
    data = exports.geojson_bytes(tile_layer, values)
    collection = json.loads(data)
    assert collection["type"] == "FeatureCollection"
    features = {f["id"]: f for f in collection["features"]}
    assert len(collection["features"]) == 35 and len(features) == 35
    assert "PK999" not in features
    bajaur = features["PK502"]["properties"]
    assert bajaur == {
        "district_code": "PK502",
        "district_name": "Bajaur",
        "value": 12.5,
        "source": "demo",
        "year": 2025,
    }
    assert features["PK528"]["properties"]["value"] is None  # NaN -> null
    assert features["PK501"]["properties"]["value"] is None  # no row -> null
    assert features["PK501"]["properties"]["source"] is None
    assert features["PK502"]["geometry"]["type"] == "Polygon"
    assert b"NaN" not in data
    assert len(data) < 300_000


def test_geojson_carries_the_small_numerator_flag_and_demo_note(
    tile_layer: geo.DistrictLayer,
) -> None:
    values = pd.DataFrame(
        {
            "district_code": ["PK502", "PK528", "PK501"],
            "value": [4.0, 40.0, np.nan],
            "digital_transactions": [4, 40, np.nan],
        }
    )
    prepared = exports.export_frame(values, demo=True, suppress=True)
    collection = json.loads(exports.geojson_bytes(tile_layer, prepared))
    features = {f["id"]: f["properties"] for f in collection["features"]}
    assert features["PK502"]["small_numerator"] is True
    assert features["PK502"]["value"] == 4.0  # a rate, flagged: not a count
    assert features["PK528"]["small_numerator"] is False
    assert features["PK501"]["small_numerator"] is None  # no data: no flag
    assert "digital_transactions" not in features["PK502"]  # the map's data is its value
    assert features["PK528"]["note"] == exports.DEMO_NOTE
    assert features["PK502"]["note"].startswith(exports.DEMO_NOTE + "; small_numerator")
    assert features["PK528"]["source"] is None  # empty text added by export_frame


def test_geojson_refuses_ambiguous_values(tile_layer: geo.DistrictLayer) -> None:
    with pytest.raises(ValueError, match="PK502"):
        exports.geojson_bytes(
            tile_layer, pd.DataFrame({"district_code": ["PK502", "PK502"], "value": [1, 2]})
        )


def test_geojson_of_real_boundaries_stays_small() -> None:
    if not OCHA_KP.exists():
        pytest.skip(f"reference boundary file absent: {OCHA_KP}")
    layer = geo.district_layer(OCHA_KP)
    assert layer.kind == "boundaries"
    data = exports.geojson_bytes(layer, pd.DataFrame({"district_code": [], "value": []}))
    assert len(json.loads(data)["features"]) == 35
    assert len(data) < 300_000  # about 120 KB with the OCHA file


# --- the other exports use the same rule -----------------------------------------------------


def test_quality_and_data_page_share_the_rule() -> None:
    assert quality_view.FORMULA_STARTS == data_page.FORMULA_STARTS == contract.FORMULA_STARTS
    assert data_page.neutralise("\t=cmd") == "'\t=cmd"
    data = quality_view.export_csv(pd.DataFrame({"file": ["@x"], "value": [-3.0]}))
    assert _csv(data).iloc[0].tolist() == ["'@x", "-3.0"]
