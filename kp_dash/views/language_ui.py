"""The language a session reads, chosen in the sidebar and kept in the page address (`?lang=ur`),
so that a copied link and a reload keep it; and the page's style sheet: captions in a colour that
reaches WCAG AA contrast (`palettes.CAPTION_TEXT`) and, in Urdu, the page turned right to left
and set in the Nastaliq face the app serves itself (`routes.FONT_PATH`)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kp_dash.numbers import summaries
from kp_dash.views import language, palettes, routes

KEY = "language"  # the sidebar widget
CHOSEN = "language_chosen"  # the session's choice, which every page's widget starts from
LABEL = language.N_("Language")
# Streamlit fades captions to 60 % of the text colour, below AA contrast (4.1 : 1 on white)
READABLE_CSS = """
<style>
[data-testid="stCaptionContainer"] { opacity: 1; color: %(caption)s; }
</style>
"""
# Nastaliq's letters rise and fall far from the line: text needs more room between lines
RIGHT_TO_LEFT_CSS = """
<style>
%(faces)s
.stApp, [data-testid="stSidebar"] { direction: rtl; }
.stApp :is(h1, h2, h3, h4, p, li, label, th, td, input, textarea, button),
[data-testid="stSidebarNav"] span:not([data-testid="stIconMaterial"]),
[data-testid="stMarkdownContainer"] :is(p, li, span) {
  font-family: "%(family)s", "Source Sans", sans-serif !important;
  line-height: 2.1;
}
[data-testid="stMarkdownContainer"], [data-testid="stCaptionContainer"] { text-align: right; }
</style>
"""
FACE = (
    '@font-face { font-family: "%(family)s"; font-weight: %(weight)d; font-display: swap; '
    'src: url("%(path)s/%(file)s") format("truetype"); }'
)


def current() -> str:
    """The session's language: its choice, else the address's, else English."""
    if CHOSEN in st.session_state:
        return language.chosen(st.session_state[CHOSEN])
    return language.chosen(st.query_params.get(language.URL_PARAM))


def t(message: str) -> str:
    """`message` in the session's language."""
    return language.text(message, current())


def picker() -> str:
    """The sidebar's language choice, started from the address and kept in it (English, the
    default, leaves no `lang` in the address); in Urdu the page turns right to left.

    The choice is kept apart from the widget: a page's widgets are that page's own, so the
    widget on the next page starts from the choice."""
    lang = current()
    options = list(language.LANGUAGES)
    picked = st.sidebar.selectbox(
        t(LABEL), options, index=options.index(lang), key=KEY, format_func=language.LANGUAGES.get
    )
    if st.session_state.get(CHOSEN) != picked:
        st.session_state[CHOSEN] = picked
        if picked != lang:  # the navigation, drawn before this page, is in the old language
            st.rerun()
    if lang == language.DEFAULT:
        st.query_params.pop(language.URL_PARAM, None)
    elif st.query_params.get(language.URL_PARAM) != lang:
        st.query_params[language.URL_PARAM] = lang
    st.html(page_css(lang))
    return lang


def page_css(lang: str) -> str:
    """The page's style sheet: readable captions, and right to left in Urdu."""
    readable = READABLE_CSS % {"caption": palettes.CAPTION_TEXT}
    rtl = right_to_left_css() if language.right_to_left(lang) else ""
    return (readable + rtl).strip()  # as Streamlit sends it


def right_to_left_css() -> str:
    faces = "\n".join(
        FACE
        % {"family": language.FONT_FAMILY, "weight": weight, "path": routes.FONT_PATH, "file": name}
        for weight, name in language.FONTS.items()
    )
    return RIGHT_TO_LEFT_CSS % {"faces": faces, "family": language.FONT_FAMILY}


def in_language(shown: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """A display table in the session's language: its headers and its cells of "No data" and
    "merged" from the catalogue, district and division names from the register (`rows`: the
    frame it was made from, row for row, with `district_code` and `division`)."""
    lang = current()
    if lang == language.DEFAULT:
        return shown
    shown = shown.copy()
    codes = list(rows["district_code"])
    for column, kind, keys in (("District", "district", codes), ("Division", "division", None)):
        if column in shown:
            keys = keys or list(shown[column])
            shown[column] = [
                language.name(kind, k, n, lang) for k, n in zip(keys, shown[column], strict=True)
            ]
    for fixed in (summaries.NO_DATA, summaries.MERGED):
        shown = shown.replace(fixed, language.text(fixed, lang))
    return shown.rename(columns=lambda column: language.text(column, lang))
