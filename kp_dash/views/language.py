"""The dashboard's languages: English, in which every text is written, and Urdu, read right to
left. A text a person reads is looked up by its English wording in a gettext catalogue,
`kp_dash/locale/ur/LC_MESSAGES/messages.po`, kept with Babel (`make messages` extracts every
text marked `N_(…)` into `messages.pot` and merges it into the catalogue for translators); the
catalogue is read once per process. Numbers are written as the language's CLDR locale writes
them. No streamlit here: the command line and the tests use it too.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import io
import re
import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from babel import Locale, dates, numbers
from babel.messages.extract import extract_python
from babel.messages.pofile import read_po

from kp_dash.store import local_names
from kp_dash.store.marks import N_ as N_  # views mark their texts with `language.N_`

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "messages"
LANGUAGES = {"en": "English", "ur": "اردو"}
DEFAULT = "en"
LOCALES = {"en": "en_PK", "ur": "ur_PK"}
URL_PARAM = "lang"
# how the texts are marked where they are written (`make messages` passes the same to pybabel)
MESSAGE_KEYWORDS = {"N_": None, "t": None, "start_page": (1,), "title": (1,)}
# a metric's words, defined once in kp_dash/store/sql/metrics/CODE.toml, are translated there
METRIC_TEXTS = ("label", "unit", "formula", "grain")
METRIC_FILES = "kp_dash/store/sql/metrics/*.toml"
_TOML_TEXT = re.compile(r'^(\w+) = (".*")\s*$')
# Debian's fonts-noto-core: the Nastaliq face Urdu is read in, served by the app itself
FONT_DIR = Path("/usr/share/fonts/truetype/noto")
FONTS = {400: "NotoNastaliqUrdu-Regular.ttf", 700: "NotoNastaliqUrdu-Bold.ttf"}
FONT_FAMILY = "Noto Nastaliq Urdu"


def chosen(value: object) -> str:
    """A language code from the page address or a widget, else English."""
    return value if isinstance(value, str) and value in LANGUAGES else DEFAULT


def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """English text → its translation, for every translated entry of the language's catalogue
    (a fuzzy entry, not yet checked by a translator, is left out)."""
    if lang == DEFAULT:
        return {}
    with catalogue_path(lang).open("rb") as handle:
        entries = read_po(handle, locale=LOCALES[lang])
    return {m.id: m.string for m in entries if m.id and m.string and not m.fuzzy}


def text(message: str, lang: str) -> str:
    """`message` in `lang`; the English itself when the catalogue has no translation."""
    return catalogue(lang).get(message, message) if lang != DEFAULT else message


def names(lang: str) -> dict[tuple[str, str], str]:
    """(kind, code) → the name in `lang`'s script (`kp_dash.store.local_names`); empty in
    English, whose names are the registers' own."""
    return {} if lang == DEFAULT else local_names.urdu()


def name(kind: str, code: object, english: object, lang: str) -> str:
    """A district's, division's, sector's or service's name in `lang`: the register's, else the
    English name it was given (a code the register does not know keeps its English name)."""
    shown = "" if english is None else str(english)
    return names(lang).get((kind, str(code)), shown) if lang != DEFAULT else shown


def extract_metric_texts(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel's extraction method for a metric's definition (babel.cfg): its label, unit,
    formula and grain, each where its line is."""
    for number, line in enumerate(fileobj.read().decode("utf-8").splitlines(), start=1):
        found = _TOML_TEXT.match(line)
        if found and found.group(1) in METRIC_TEXTS:
            yield number, None, tomllib.loads(f"v = {found.group(2)}")["v"], []


def extract_kind_texts(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, Any, Any, list[str]]]:
    """Babel's extraction method for a file kind's module (babel.cfg): its docstring, which is
    what the Data page says the kind holds (`kinds.FileKind.about`), and its marked texts."""
    source = fileobj.read()
    about = ast.get_docstring(ast.parse(source))
    if about and not str(getattr(fileobj, "name", "")).endswith("__init__.py"):  # the package's
        yield 1, None, " ".join(about.split()), []
    yield from extract_python(io.BytesIO(source), keywords, comment_tags, options)


def metric(definition: Any, lang: str) -> Any:
    """A metric's definition with its label, unit, formula and grain in `lang` (the code, SQL
    and everything else as defined)."""
    if lang == DEFAULT:
        return definition
    words = {name: text(getattr(definition, name), lang) for name in METRIC_TEXTS}
    return dataclasses.replace(definition, **words)


def source(text_: object, lang: str) -> str:
    """A source text in `lang`: each of its parts ("; " between them) that the dashboard wrote
    itself (the demonstration data's) from the catalogue; published sources keep their names."""
    return "; ".join(text(part, lang) for part in str(text_).split("; "))


def say(message: str, lang: str, **values: object) -> str:
    """A marked text with `{names}` in `lang`, the names filled in: a translation may put them
    in another order."""
    return text(message, lang).format(**values)


def right_to_left(lang: str) -> bool:
    return Locale.parse(LOCALES[lang]).character_order == "right-to-left"


def number(value: float, lang: str, decimals: int = 0) -> str:
    """`value` as the language writes it: grouping and decimal signs of its locale."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return numbers.format_decimal(value, format=pattern, locale=LOCALES[lang])


def month(value: str, lang: str) -> str:
    """A month `YYYY-MM` as the language names it: `2026-03` → `March 2026`, `مارچ 2026`."""
    year, month_number = (int(part) for part in value.split("-"))
    return dates.format_date(date(year, month_number, 1), "MMMM y", locale=LOCALES[lang])


def font_file(name: str) -> Path | None:
    """The font file served under `name`, when it is one of FONTS and installed."""
    path = FONT_DIR / name
    return path if name in FONTS.values() and path.is_file() else None
