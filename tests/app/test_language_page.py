"""Urdu chosen in the address (`?lang=ur`) or in the sidebar: headings from the catalogue, the
page right to left in the font the app serves, and the choice kept in the address."""

from __future__ import annotations

import io

from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT, TIMEOUT_S

URDU_HOME = "خیبر پختونخوا ڈیجیٹل شمولیت ڈیش بورڈ"


def run(page: str, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(ROOT / page, default_timeout=TIMEOUT_S)
    if lang:
        at.query_params["lang"] = lang
    return at.run()


def _styles(at: AppTest) -> str:
    return "".join(element.proto.body for element in at.get("html"))


def test_urdu_from_the_address_turns_the_page_right_to_left(on_demo):
    at = run("pages/0_Home.py", "ur")
    assert not at.exception
    assert at.title[0].value == URDU_HOME
    assert at.sidebar.selectbox(key="language").value == "ur"
    css = _styles(at)
    assert "direction: rtl" in css
    assert 'url("/_kp/fonts/NotoNastaliqUrdu-Regular.ttf")' in css
    assert "http" not in css  # no font from another host
    assert at.query_params["lang"] == "ur"


def test_the_frame_of_every_data_page_is_in_urdu(on_demo):
    at = run("pages/5_Groups.py", "ur")
    assert not at.exception
    assert at.warning[0].value.startswith("**نمونے کا ڈیٹا")
    assert at.sidebar.selectbox(key="service").label == "خدمت"
    assert at.sidebar.select_slider(key="period").label == "مدت"


def test_the_no_usage_notice_is_in_urdu(on_empty):
    at = run("pages/0_Home.py", "ur")
    assert not at.exception
    assert at.info[0].value.startswith("ابھی خدمات کے استعمال کا کوئی ڈیٹا لوڈ نہیں ہوا")
    assert "`python -m kp_dash build --demo`" in at.info[0].value


def test_english_is_the_default_and_leaves_no_trace_in_the_address(on_demo):
    at = run("pages/1_Map.py")
    assert at.title[0].value == "District map"
    assert "direction: rtl" not in _styles(at)
    assert "lang" not in at.query_params


def test_choosing_urdu_in_the_sidebar_keeps_it_in_the_address(on_demo):
    at = run("pages/9_Sources.py")
    assert at.title[0].value == "Sources & definitions"
    at.sidebar.selectbox(key="language").select("ur").run()
    assert at.title[0].value == "ماخذ اور تعریفیں"
    assert at.query_params["lang"] == "ur"
    at.sidebar.selectbox(key="language").select("en").run()
    assert at.title[0].value == "Sources & definitions" and "lang" not in at.query_params


def test_an_unknown_language_in_the_address_reads_english(on_demo):
    at = run("pages/3_Quality.py", "<script>")
    assert not at.exception and at.title[0].value == "Data quality"


def test_the_briefing_button_speaks_urdu_and_hands_out_the_urdu_briefing(on_demo, monkeypatch):
    from kp_dash.views import cached, ui

    offered, asked = {}, []
    download_pdf = ui.download_pdf

    def remember(viewer, label, make, name, key, what):
        offered.update(make=make, name=name)
        download_pdf(viewer, label, make, name, key, what)

    monkeypatch.setattr(ui, "download_pdf", remember)
    monkeypatch.setattr(cached, "briefing_pdf", lambda *a, **k: asked.append(k) or b"%PDF")
    at = run("pages/0_Home.py", "ur")
    assert not at.exception
    (button,) = [b for b in at.get("download_button") if b.proto.id.endswith("home_briefing_pdf")]
    assert button.proto.label == "قابل طباعت بریفنگ (PDF)"
    assert offered["name"] == "kp-briefing-ur.pdf"
    assert offered["make"]() == b"%PDF" and asked == [{"lang": "ur"}]


def test_the_planning_page_and_its_memo_speak_urdu(on_demo, monkeypatch):
    from kp_dash.views import ui

    offered = {}
    download_pdf = ui.download_pdf

    def remember(viewer, label, make, name, key, what):
        offered[key] = (make, name)
        download_pdf(viewer, label, make, name, key, what)

    monkeypatch.setattr(ui, "download_pdf", remember)
    at = run("pages/8_Planning.py", "ur")
    assert not at.exception
    assert [h.value for h in at.subheader][:2] == [
        "ترجیحی وزن",
        "ترجیح کے لحاظ سے اضلاع کی درجہ بندی — تمام خدمات، نومبر 2025 تا اکتوبر 2026",
    ]
    ranking = at.dataframe[0].value  # the ranking: the first table
    assert list(ranking.columns[:3]) == ["درجہ", "ضلع", "اسکور (0–1)"]
    assert "پشاور" in set(ranking["ضلع"]) and "Peshawar" not in set(ranking["ضلع"])
    assert at.multiselect(key="plan_districts").label == "اضلاع"
    make, name = offered["plan_memo"]
    assert name == "kp-connectivity-priorities-ur.pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(make())).pages)
    assert "ترجیح کے لحاظ سے اضلاع کی درجہ بندی" in text and "Peshawar" not in text
