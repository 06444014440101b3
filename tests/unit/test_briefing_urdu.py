"""The briefing in Urdu (`brief --lang ur`): one A4 page whose text, read back with pypdf, holds
the Urdu headings, title and district name, with no English heading left and no glyph drawn in
the wrong font; its key messages say the same numbers as the English ones, in Urdu; a district
officer's Urdu briefing names no other district, in either script."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from pypdf import PdfReader

from kp_dash import cli
from kp_dash.numbers import planning
from kp_dash.store import db, district_rule, geo
from kp_dash.views import key_messages, language, pdf_document, pdf_layout, plan_page

ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")
URDU_FULL_STOP = "\u06d4"
LATIN_LETTER = re.compile(r"[A-Za-z]")
FIGURE = re.compile(r"\d[\d,]*\.\d+|\d+ %")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")  # what a glyph in the wrong font reads back as
URDU_HEADINGS = ("اہم اعداد و شمار", "کلیدی پیغامات", "ذرائع", "اضلاع کے لحاظ سے ڈیجیٹل استعمال")
ENGLISH_HEADINGS = ("Headline figures", "Key messages", "Sources", "Digital uptake by district")
URDU_TITLE = ("خیبر پختونخوا ڈیجیٹل شمولیت", "بریفنگ")  # read back apart: "—" is neutral


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


@pytest.fixture(scope="module")
def demo_con(demo_db):
    with db.connect_readonly(demo_db) as connection:
        yield connection


@pytest.fixture(scope="module")
def layer() -> geo.DistrictLayer:
    return geo.district_layer()


def test_brief_lang_ur_writes_one_urdu_page_from_the_command_line(demo_db, tmp_path):
    out = tmp_path / "brief_ur.pdf"
    args = ["brief", "--lang", "ur", "--district", "Peshawar", "--out", str(out)]
    assert cli.main([*args, "--db", str(demo_db)]) == 0
    pages, text = pdf_text(out.read_bytes())
    assert pages == 1
    for heading in (*URDU_HEADINGS, *URDU_TITLE, "پشاور", "نمونے کا ڈیٹا"):
        assert heading in text, heading
    for heading in ENGLISH_HEADINGS:
        assert heading not in text, heading
    assert not CONTROL.search(text), CONTROL.findall(text)[:5]
    assert PdfReader(out).root_object["/Lang"] == "ur-PK"


def test_the_english_briefing_is_left_as_it_was(demo_con, layer):
    pages, text = pdf_text(pdf_layout.briefing_pdf(demo_con, district="Peshawar", layer=layer))
    assert pages >= 1 and all(heading in text for heading in ENGLISH_HEADINGS)
    assert not ARABIC_LETTER.search(text)


def test_latin_words_in_urdu_leave_the_next_text_in_its_own_font():
    pdf = pdf_document.Document(False, "", "ur")
    pdf.add_page()
    pdf.use_font("", 8)
    pdf.cell(30, 4, "PBS Census 2023")  # only the fallback face
    pdf.cell(30, 4, "12.2 – 25.2 پشاور")
    _, text = pdf_text(bytes(pdf.output()))
    assert "12.2" in text and "25.2" in text and "پشاور" in text
    assert not CONTROL.search(text)


def test_urdu_key_messages_say_the_english_numbers_in_urdu(demo_con):
    english = key_messages.key_messages(demo_con)
    urdu = key_messages.key_messages(demo_con, lang="ur")
    assert len(urdu) == len(english) >= 4
    for en, ur in zip(english, urdu, strict=True):
        assert ur.numbers == en.numbers and ur.sources == en.sources
        assert ur.text.endswith(URDU_FULL_STOP) and ARABIC_LETTER.search(ur.text)
        assert not LATIN_LETTER.search(ur.text), ur.text
        # every figure of the English sentence is in the Urdu one (months are named in Urdu)
        assert set(FIGURE.findall(en.text)) <= set(FIGURE.findall(ur.text)), (en.text, ur.text)
    assert "شمالی وزیرستان" in urdu[0].text and "North Waziristan" in english[0].text


def test_an_urdu_name_of_another_district_is_kept_from_a_district_officer():
    peshawar = ("PK528",)
    assert district_rule.mentions_others("سوات میں خواتین نے کم استعمال کیا", peshawar)
    assert not district_rule.mentions_others("پشاور میں خواتین نے کم استعمال کیا", peshawar)
    # the province's Urdu name holds خیبر, which is also a district: the province is no district
    assert not district_rule.mentions_others("خیبر پختونخوا میں استعمال بڑھا", peshawar)
    assert district_rule.mentions_others("خیبر میں استعمال بڑھا", peshawar)


def test_a_district_officers_urdu_briefing_names_their_district_alone(demo_con, layer):
    data = pdf_layout.briefing_pdf(demo_con, layer=layer, allowed=("PK528",), lang="ur")
    _, text = pdf_text(data)
    others = [
        name
        for (kind, code), name in language.names("ur").items()
        if kind == "district" and code != "PK528"
    ]
    # names that hold another's (پشاور in none; خیبر in the province's name) are checked apart
    named = [name for name in others if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text)]
    assert [n for n in named if n != "خیبر"] == []
    assert "پشاور" in text and "آپ کے اضلاع" in text


def test_plan_lang_ur_names_the_districts_in_urdu_and_keeps_every_code_and_number(capsys, demo_db):
    assert cli.main(["plan", "--db", str(demo_db)]) == 0
    english = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert cli.main(["plan", "--lang", "ur", "--db", str(demo_db)]) == 0
    urdu = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(urdu.columns) == list(english.columns)
    pd.testing.assert_frame_equal(
        urdu.drop(columns="district_name"), english.drop(columns="district_name")
    )
    peshawar = urdu.loc[urdu["district_code"] == "PK528", "district_name"].item()
    assert peshawar == "پشاور" and not urdu["district_name"].str.contains("[A-Za-z]").any()


def test_the_planning_memo_in_urdu(demo_con):
    factors = planning.factor_frame(demo_con, None, None, None)
    table = plan_page.ranked(factors, planning.DEFAULT_WEIGHTS)
    result = planning.scenario(demo_con, ["PK502"])
    names = [language.name("district", "PK502", "Bajaur", "ur")]
    data = plan_page.memo(
        table, list(planning.DEFAULT_WEIGHTS), result, names, "", ["PBS Census 2023"], True, "ur"
    )
    pages, text = pdf_text(data)
    assert pages == 1
    for heading in ("ترجیح کے لحاظ سے اضلاع کی درجہ بندی", "اگر رسائی بہتر ہو جائے", "ذرائع"):
        assert heading in text, heading
    top = table.sort_values("rank").iloc[0]
    assert language.name("district", top["district_code"], "", "ur") in text
    assert "باجوڑ" in text and "Bajaur" not in text and not CONTROL.search(text)
    assert "Districts ranked by priority" not in text
