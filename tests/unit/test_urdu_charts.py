"""Charts in Urdu: hover text, legend and axis titles of the district map, the uptake × access
scatter, the bivariate map and its legend, and the completeness heat map come from the catalogue
and the name register, while the English they draw is as before, word for word."""

from __future__ import annotations

import functools

import pandas as pd
import pytest

from kp_dash.numbers import analysis, inequality_terms
from kp_dash.numbers.inequality import Measure
from kp_dash.numbers.inequality_terms import Wording
from kp_dash.store import build, geo, tile_grid
from kp_dash.views import bivariate, language, maps, quality_view, uptake_access
from kp_dash.views import inequality_view as iv
from tests.unit.test_uptake_access import _frame

DEMO = build.DEMO_SOURCE
FULL_STOP = "\u06d4"  # Urdu's
_urdu = functools.partial(language.say, lang="ur")


@pytest.fixture(scope="module")
def tiles() -> geo.DistrictLayer:
    return geo.DistrictLayer(tile_grid.tile_grid_layer(), "tile_grid", geo.TILE_GRID_SOURCE, "t")


def _hover_by_code(fig) -> dict[str, str]:
    (labels,) = [t for t in fig.data if t.mode == "markers+text"]
    return dict(zip(labels.customdata, labels.hovertext, strict=True))


def test_a_source_text_says_our_parts_in_urdu_and_keeps_published_names():
    text = f"{DEMO}; PBS Census 2023, table 1"
    assert (
        language.source(text, "ur")
        == "نمائشی ڈیٹا (فرضی، اصل استعمال نہیں); PBS Census 2023, table 1"
    )
    assert language.source(text, "en") == text


def test_the_district_map_hover_and_legend_in_urdu(tiles):
    values = pd.DataFrame(
        {"district_code": ["PK502", "PK528"], "district_name": ["Bajaur", "Peshawar"],
         "value": [17.6, None], "source": [DEMO, DEMO], "year": ["2026", "2026"]}
    )  # fmt: skip
    options = {"label": "Uptake", "unit": "per 1,000"}
    urdu = _hover_by_code(maps.choropleth_figure(tiles, values, **options, lang="ur"))
    english = _hover_by_code(maps.choropleth_figure(tiles, values, **options))
    demo = "نمائشی ڈیٹا (فرضی، اصل استعمال نہیں)"
    assert urdu["PK502"] == f"<b>باجوڑ</b><br>Uptake: 17.6 per 1,000<br>ماخذ: {demo} (2026)"
    assert english["PK502"] == f"<b>Bajaur</b><br>Uptake: 17.6 per 1,000<br>Source: {DEMO} (2026)"
    assert "Uptake: ڈیٹا نہیں<br>" in urdu["PK528"] and "Uptake: No data<br>" in english["PK528"]
    names = {t.name for t in maps.choropleth_figure(tiles, values, **options, lang="ur").data}
    assert "کوئی ڈیٹا نہیں (دھاری دار سرمئی)" in names


def test_the_district_map_of_a_district_officer_says_outside_in_urdu(tiles):
    values = pd.DataFrame(
        {"district_code": ["PK502"], "district_name": ["Bajaur"], "value": [1.0],
         "source": ["s"], "year": ["2026"]}
    )  # fmt: skip
    others = frozenset({"PK528"})
    fig = maps.choropleth_figure(tiles, values, label="U", unit="", outside=others, lang="ur")
    assert _hover_by_code(fig)["PK528"] == "<b>پشاور</b><br>آپ کے اضلاع سے باہر"


def test_the_scatter_hover_in_urdu_and_as_before_in_english():
    frame = _frame()
    row = next(frame[frame["district_code"] == "PK501"].itertuples(index=False))
    english = uptake_access.hover_lines(row).split("<br>")
    urdu = uptake_access.hover_lines(row, "ur").split("<br>")
    assert english[:3] == ["<b>Alpha</b>", "Uptake: 100.0 per 1,000", "Access index: 90.0 / 100"]
    assert english[6] == "Uptake source: demo + census, 2023-2026"
    assert urdu[:3] == [
        "<b>ایبٹ آباد</b>",
        "استعمال: 100.0 فی 1,000",
        "رسائی کا اشاریہ: 90.0 / 100",
    ]
    assert urdu[6] == "استعمال کا ماخذ: نمائشی + مردم شماری، 2023-2026"
    assert urdu[7] == "رسائی کا ماخذ: مردم شماری + سروے، 2019-2023"


def test_the_scatter_legend_and_axes_in_urdu():
    frame = _frame()
    fit = analysis.fit_uptake(frame)
    fig = uptake_access.uptake_access_scatter(frame, fit, "PK502", "ur")
    assert [t.name for t in fig.data] == [
        "فٹ کی گئی لکیر کی 95% پٹی",
        "اس رسائی پر متوقع استعمال (فٹ)",
        "ضلع",
        "ضم شدہ ضلع (سابق فاٹا)",
        "منتخب: باجوڑ",
    ]
    assert fig.layout.yaxis.title.text == "فی 1,000 اہل افراد استعمال (لاگ پیمانہ)"


def test_the_bivariate_legend_in_urdu():
    terciles = bivariate.Terciles((10.0, 20.0), (50.0, 70.0), (1.0, 30.0), (40.0, 90.0))
    fig = bivariate.bivariate_legend(terciles, "ur")
    assert fig.layout.xaxis.title.text == "رسائی →"
    assert fig.layout.yaxis.title.text == "استعمال →"
    assert "3-1: زیادہ استعمال، کم رسائی" in fig.data[1].text


def test_the_completeness_heat_map_hover_in_urdu():
    grid = pd.DataFrame(
        {"district_code": ["PK502", "PK502"], "district_name": ["Bajaur", "Bajaur"],
         "month": ["2026-01", "2026-02"], "service_code": ["telemedicine"] * 2,
         "expected": [2, 2], "received": [2, 0], "row_count": [1234, 0]}
    )  # fmt: skip
    fig = quality_view.completeness_heatmap(grid, "ur")
    texts = [t for row in fig.data[0].text for t in row]
    assert "ضلع: باجوڑ<br>مہینہ: 2026-01<br>2 میں سے 2 خدمات موصول (100%)<br>قطاریں: 1,234" in texts
    assert fig.data[0].name == "موصول حصہ"
    english = [t for row in quality_view.completeness_heatmap(grid).data[0].text for t in row]
    assert (
        "District: Bajaur<br>Month: 2026-02<br>No data (2 service(s) expected)<br>Rows: 0"
        in english
    )


# --- WHO's inequality measures in plain words ---------------------------------------------------

SEXES = Wording(
    low="among women", high="among men", best="among men", members="sexes", member="sex",
    unit="per 1,000",
)  # fmt: skip


def test_a_measure_in_plain_words_in_urdu_and_as_before_in_english():
    found = Measure("r", 4.52, None, 4.51, 4.52, "analytic")
    urdu = inequality_terms.in_words(found, iv.wording_in(SEXES, "ur"), _urdu)
    assert urdu == f"مردوں میں استعمال، خواتین میں استعمال کا 4.52 (4.51–4.52) گنا ہے{FULL_STOP}"
    english = inequality_terms.in_words(found, SEXES)
    assert english == "Uptake among men is 4.52 (4.51–4.52) times that among women."


def test_an_age_band_and_a_fall_are_said_in_urdu():
    ages = Wording(first="people aged 0-4", last="people aged 60+", unit="per 1,000")
    found = Measure("sii", -2.5, None, -3.0, -2.0, "analytic")
    urdu = inequality_terms.in_words(found, iv.wording_in(ages, "ur"), _urdu)
    expected = (
        "فٹ کیے گئے ڈھلوان پر 0-4 سال کی عمر کے افراد سے 60+ سال کی عمر کے افراد تک استعمال "
        f"2.50 (2.00–3.00) فی 1,000 کم ہو جاتا ہے{FULL_STOP}"
    )
    assert urdu == expected


def test_the_summary_table_in_urdu_keeps_the_numbers_and_exports_no_wording():
    frame = pd.DataFrame(
        {"month": [""], "dimension": ["sex"], "measure": ["r"], "measure_name": ["Ratio"],
         "estimate": [4.52], "ci_lb": [4.51], "ci_ub": [4.52], "interval_method": ["analytic"],
         "in_words": ["Uptake among men is 4.52 (4.51–4.52) times that among women."],
         "wording": [SEXES], "definition": [inequality_terms.TERMS["r"].definition],
         "status": [""], "source": ["s"], "year": ["2026"]}
    )  # fmt: skip
    shown = iv.summary_display(frame, "ur")
    assert shown.columns[:4].tolist() == ["پہلو", "پیمانہ", "قدر", "95 % وقفہ"]
    assert shown.iloc[0, :4].tolist() == ["جنس (خواتین، مرد)", "تناسب", "4.52", "4.51–4.52"]
    assert shown.iloc[0, 4].startswith("مردوں میں استعمال")
    assert "wording" not in iv.for_export(frame).columns
