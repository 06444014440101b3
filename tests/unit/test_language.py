"""The message catalogue: every text marked for people has its Urdu, in Arabic script; numbers
and months follow the language; the Urdu font comes from this server."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from starlette.applications import Starlette
from starlette.testclient import TestClient

from kp_dash.views import language, page_registry, routes

ROOT = Path(__file__).parents[2]
ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")


def marked_texts() -> set[str]:
    """Every text marked in the code, as `make messages` extracts them (hidden folders such as
    .venv are passed over)."""
    method_map = [(pattern, "python") for pattern in ("app.py", "pages/**.py", "kp_dash/**.py")]
    method_map.append((language.METRIC_FILES, "kp_dash.views.language:extract_metric_texts"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = extract_from_dir(ROOT, method_map=method_map, keywords=language.MESSAGE_KEYWORDS)
        return {message for _, _, message, _, _ in found if isinstance(message, str)}


def test_every_marked_text_has_its_urdu_in_arabic_script():
    texts = marked_texts()
    assert {"Home", "Language", "District map", "Sources & definitions"} <= texts
    urdu = language.catalogue("ur")
    missing = sorted(texts - set(urdu))
    assert missing == [], f"no Urdu for {missing}: run `make messages` and translate them"
    for english, translated in urdu.items():
        # Latin script only where the English has the same word: a command, a code, an acronym
        carried = set(LATIN_WORD.findall(translated)) - set(LATIN_WORD.findall(english))
        assert ARABIC_LETTER.search(translated) and not carried, (english, carried)


def test_the_template_holds_every_marked_text():
    with (language.LOCALE_DIR / "messages.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    assert marked_texts() <= template, "run `make messages`"


def test_the_makefile_extracts_with_the_same_keywords():
    makefile = (ROOT / "Makefile").read_text()
    given = re.search(r"^MESSAGE_KEYWORDS := (.*)$", makefile, re.MULTILINE).group(1)
    expected = " ".join(
        f"-k {name}" + (f":{','.join(map(str, spec))}" if spec else "")
        for name, spec in language.MESSAGE_KEYWORDS.items()
    )
    assert given == expected


def test_every_metric_reads_in_urdu_from_its_one_definition():
    from kp_dash.numbers import registry

    assert {"Access index", "% of households"} <= marked_texts()
    for metric in registry.REGISTRY.values():
        for text in (metric.label, metric.unit, metric.formula):
            assert ARABIC_LETTER.search(language.text(text, "ur")), (metric.code, text)


def test_every_page_title_is_translated():
    for page in page_registry.PAGES:
        assert language.text(page.title, "ur") != page.title, page.title


def test_text_falls_back_to_english_and_languages_are_checked():
    assert language.text("Home", "ur") == "سرورق"
    assert language.text("Home", "en") == "Home"
    assert language.text("A text nobody marked", "ur") == "A text nobody marked"
    assert [language.chosen(v) for v in ("ur", "en", "fr", None, 3)] == [
        "ur",
        "en",
        "en",
        "en",
        "en",
    ]
    assert language.right_to_left("ur") and not language.right_to_left("en")


def test_numbers_and_months_follow_the_language():
    assert language.number(1234567.891, "en", 2) == "1,234,567.89"
    assert language.number(1234567.891, "ur") == "1,234,568"
    assert language.month("2026-03", "en") == "March 2026"
    assert language.month("2026-03", "ur") == "مارچ 2026"


@pytest.fixture
def client() -> TestClient:
    return TestClient(Starlette(routes=routes.ROUTES))


@pytest.mark.skipif(
    language.font_file(language.FONTS[400]) is None,
    reason="Debian's fonts-noto-core (Noto Nastaliq Urdu) is not installed",
)
def test_the_urdu_font_is_served_by_the_app(client):
    answer = client.get(f"{routes.FONT_PATH}/{language.FONTS[400]}")
    assert answer.status_code == 200 and answer.headers["content-type"] == "font/ttf"
    assert answer.content[:4] == b"\x00\x01\x00\x00"  # a TrueType font
    assert answer.content == (language.FONT_DIR / language.FONTS[400]).read_bytes()


@pytest.mark.parametrize(
    "name", ["DejaVuSans.ttf", "..%2F..%2F..%2Fetc%2Fpasswd", "NotoNastaliqUrdu-Regular.ttf.bak"]
)
def test_only_the_listed_fonts_are_served(client, name):
    assert client.get(f"{routes.FONT_PATH}/{name}").status_code == 404


def test_every_register_name_has_its_urdu_and_a_district_reads_back_to_its_code():
    from kp_dash.store import local_names
    from kp_dash.store.config import SEED_DIR
    from kp_dash.store.districts import DistrictResolver

    districts = pd.read_csv(SEED_DIR / "districts.csv")
    services = pd.read_csv(SEED_DIR / "services.csv")
    wanted = {
        ("province", "KP"),
        *(("district", code) for code in districts["district_code"]),
        *(("division", name) for name in districts["division"]),
        *(("service", code) for code in services["service_code"]),
        *(("sector", code) for code in services["sector"]),
    }
    urdu = language.names("ur")
    assert wanted - set(urdu) == set()
    assert {kind for kind, _ in urdu} <= set(local_names.KINDS)
    assert all(ARABIC_LETTER.search(n) and not LATIN_WORD.search(n) for n in urdu.values())
    resolver = DistrictResolver.from_seed()
    for code in districts["district_code"]:
        assert resolver.resolve(urdu["district", code]).district_code == code, code
    assert len({urdu["district", code] for code in districts["district_code"]}) == 35


def test_a_name_falls_back_to_english_and_english_keeps_the_register_name():
    assert language.name("district", "PK528", "Peshawar", "ur") == "پشاور"
    assert language.name("division", "Hazara", "Hazara", "ur") == "ہزارہ"
    assert language.name("district", "PK999", "Elsewhere", "ur") == "Elsewhere"
    assert language.name("district", "PK528", "Peshawar", "en") == "Peshawar"
    assert language.name("district", None, None, "ur") == ""


def test_a_translation_keeps_every_placeholder_of_its_english():
    placeholder = re.compile(r"\{(\w*)\}")
    for english, translated in language.catalogue("ur").items():
        assert sorted(placeholder.findall(translated)) == sorted(placeholder.findall(english)), (
            english
        )
    assert language.say("{first} to {last}", "ur", first="مارچ", last="اپریل") == "مارچ تا اپریل"
