"""The page the briefing and the memo are printed on (fpdf2): A4 with the demonstration notice on
top and page numbers below, headings kept with what follows, tables; in Urdu the text is shaped
by HarfBuzz (uharfbuzz), set right to left in Noto Naskh Arabic and table columns run from the
right. The text stays real and searchable. What is printed is `kp_dash.views.pdf_layout`'s."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

from kp_dash.numbers import summaries
from kp_dash.views import language
from kp_dash.views.language import N_

DEMO_NOTICE = N_("Demonstration data — simulated usage, not real records")
FONT = "DejaVu"
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
# Urdu on paper: Debian's Noto Naskh Arabic, shaped by HarfBuzz (uharfbuzz). Its glyphs map back
# to the letters, so the text stays searchable; the Nastaliq face of the pages does not, yet.
# Latin words (a source's name) fall back to DejaVu.
URDU_FONT = "Naskh"
URDU_FONT_FILES = {"": "NotoNaskhArabic-Regular.ttf", "B": "NotoNaskhArabic-Bold.ttf"}
MARGIN_MM = 12.0
KEEP_WITH_NEXT_MM = 15.0
INK = (33, 33, 33)
MUTED = (96, 96, 96)
RULE = (180, 180, 180)
DEMO_FILL = (255, 224, 178)
DEMO_INK = (140, 45, 4)


def font_files(lang: str = language.DEFAULT) -> dict[str, Path]:
    """The briefing's font file of each style: matplotlib ships DejaVu, full Unicode ('×', '–',
    '≥') without a system font; Urdu is set in Debian's Noto Naskh Arabic."""
    if language.right_to_left(lang):
        return {style: language.FONT_DIR / file for style, file in URDU_FONT_FILES.items()}
    font_dir = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return {style: font_dir / file for style, file in _FONT_FILES.items()}


def font_problems() -> list[str]:
    """Why a font file of the briefing, in any language, cannot be used; empty when all can."""
    problems = []
    for path in (path for lang in language.LANGUAGES for path in font_files(lang).values()):
        try:
            FPDF().add_font("check", "", str(path))
        except (OSError, RuntimeError, ValueError) as error:
            problems.append(f"{path}: {str(error).splitlines()[0] if str(error) else error!r}")
    return problems


class Document(FPDF):
    """A4 portrait with the demonstration notice at the top of every page and page numbers; in
    a right-to-left language the text is shaped, aligned right and table columns run from the
    right."""

    def __init__(self, demo: bool, footer_text: str, lang: str = language.DEFAULT) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.demo = demo
        self.footer_text = footer_text
        self.text_lang = lang
        self.rtl = language.right_to_left(lang)
        self.align = "R" if self.rtl else "L"
        self.font_name = URDU_FONT if self.rtl else FONT
        for style, path in font_files().items():
            self.add_font(FONT, style, str(path))
        if self.rtl:
            for style, path in font_files(lang).items():
                self.add_font(URDU_FONT, style, str(path))
            self.set_fallback_fonts([FONT])
            self.set_text_shaping(True, direction="rtl", script="arab", language="urd")
        self.set_margins(MARGIN_MM, 10, MARGIN_MM)
        self.set_auto_page_break(True, margin=14)
        self.set_text_color(*INK)

    def t(self, message: str, **values: object) -> str:
        """A marked text in the PDF's language, its `{names}` filled in."""
        return language.say(message, self.text_lang, **values)

    def use_font(self, style: str = "", size: float = 8.5) -> None:
        self.set_font(self.font_name, style, size)

    # fpdf2 2.8.9 ends a text that switched to the fallback font (Latin words in Urdu) with that
    # font still set on the page, yet believes its own is: the next text's glyphs would be drawn
    # in the wrong font. Choosing the face anew makes it set the font again before the next text.
    def cell(self, *args: Any, **kwargs: Any) -> Any:
        done = super().cell(*args, **kwargs)
        self._own_face_again()
        return done

    def multi_cell(self, *args: Any, **kwargs: Any) -> Any:
        done = super().multi_cell(*args, **kwargs)
        self._own_face_again()
        return done

    def _own_face_again(self) -> None:
        if self.rtl:
            style, size = self.font_style, self.font_size_pt
            self.set_font(FONT, style, size)
            self.set_font(self.font_name, style, size)

    def ordered(self, items: list) -> list:
        """Table cells or widths in reading order: from the right in a right-to-left language."""
        return items[::-1] if self.rtl else items

    def header(self) -> None:
        if not self.demo:
            return
        self.use_font("B", 10)
        self.set_fill_color(*DEMO_FILL)
        self.set_draw_color(*DEMO_INK)
        self.set_text_color(*DEMO_INK)
        self.cell(0, 8, self.t(DEMO_NOTICE), border=1, fill=True, align="C")
        self.ln(11)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-11)
        self.use_font("", 7)
        self.set_text_color(*MUTED)
        if self.rtl:  # fpdf2 cannot put the page count ({nb}) into shaped text
            text = self.t(
                N_("{title} · page {number}"), title=self.footer_text, number=self.page_no()
            )
        else:
            text = f"{self.footer_text} · page {self.page_no()} of {{nb}}"
        self.cell(0, 5, text, align="C")
        self.set_text_color(*INK)

    def heading(self, text: str) -> None:
        if self.get_y() + KEEP_WITH_NEXT_MM > self.page_break_trigger:  # no orphan headings
            self.add_page()
        self.ln(1.5)
        self.use_font("B", 11)
        self.cell(0, 6, text, align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.2)

    def paragraph(self, text: str, size: float = 8.5, style: str = "", colour=INK) -> None:
        self.use_font(style, size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.5, text, align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)

    def bullet(self, text: str, size: float = 8) -> None:
        self.use_font("", size)
        if self.rtl:  # the bullet leads the line, at its right
            self.multi_cell(
                0, size * 0.5, f"• {text}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        else:
            self.cell(4, size * 0.5, "•")
            self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(0.8)

    def table_row(self, table: Any, cells: list[tuple[str, dict]], style=None) -> None:
        """One table row of (text, cell options), in reading order."""
        row = table.row(style=style)
        for text, options in self.ordered(cells):
            row.cell(text, **options)


def table_style(pdf: Document) -> dict[str, object]:
    return {
        "borders_layout": "HORIZONTAL_LINES",
        "headings_style": FontFace(emphasis="BOLD", fill_color=(238, 238, 238)),
        "line_height": 3.8,
        "padding": (0.6, 1.0),
        "text_align": "RIGHT" if pdf.rtl else "LEFT",
    }


def headings(pdf: Document, table: Any, columns: list[str]) -> None:
    pdf.table_row(table, [(pdf.t(column), {}) for column in columns])


def no_data(pdf: Document, text: str) -> str:
    """A figure as printed; "No data" in the PDF's language."""
    return pdf.t(summaries.NO_DATA) if text == summaries.NO_DATA else text


def document(title: str, subtitle: str, demo: bool, footer: str, lang: str) -> Document:
    """A new PDF with its first page begun: the title and the subtitle under it."""
    pdf = Document(demo, footer, lang)
    pdf.set_title(title)
    pdf.set_lang(language.LOCALES[lang].replace("_", "-"))
    pdf.set_author("KP Digital Inclusion Dashboard")
    pdf.set_creator("kp_dash (fpdf2)")
    pdf.add_page()
    pdf.use_font("B", 15)
    pdf.multi_cell(0, 7, title, align=pdf.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.paragraph(subtitle, size=8.5, colour=MUTED)
    return pdf
