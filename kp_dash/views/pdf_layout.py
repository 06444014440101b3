"""The PDF layout (fpdf2): the printable A4 briefing and the memo in its style.

Pages with the demonstration notice on top and page numbers below, DejaVu fonts (from
matplotlib, so full Unicode without a system font), headings kept with what follows, tables and a
matplotlib map; the text stays real and searchable. What the briefing says comes from
`kp_dash.views.briefing.briefing_content`; here it is only placed. Built offline (no browser).
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import matplotlib
import pandas as pd
from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

from kp_dash.numbers import summaries, trends
from kp_dash.views.briefing import Briefing, RankRow, briefing_content

if TYPE_CHECKING:  # geopandas loads only when a briefing is drawn
    from kp_dash.store.geo import DistrictLayer

DEMO_NOTICE = "Demonstration data — simulated usage, not real records"
PROVINCE = trends.PROVINCE_NAME
NO_USAGE = (
    "No usage data loaded: uptake, digital share, women's share, the district ranking and the "
    "key messages on usage need usage returns (import them, or build with the demonstration data)."
)
FONT = "DejaVu"
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
MARGIN_MM = 12.0
MAP_SIZE_MM = (88.0, 88.0)
KEEP_WITH_NEXT_MM = 15.0
INK = (33, 33, 33)
MUTED = (96, 96, 96)
RULE = (180, 180, 180)
DEMO_FILL = (255, 224, 178)
DEMO_INK = (140, 45, 4)
STATUS_INK = {"red": (189, 0, 38), "amber": (176, 104, 0)}


def font_files() -> dict[str, Path]:
    """The briefing's font file of each style: matplotlib ships DejaVu, full Unicode ('×', '–',
    '≥') without a system font."""
    font_dir = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return {style: font_dir / file for style, file in _FONT_FILES.items()}


def font_problems() -> list[str]:
    """Why a font file of the briefing cannot be used; empty when all can."""
    problems = []
    for path in font_files().values():
        try:
            FPDF().add_font("check", "", str(path))
        except (OSError, RuntimeError, ValueError) as error:
            problems.append(f"{path}: {str(error).splitlines()[0] if str(error) else error!r}")
    return problems


class _BriefingPdf(FPDF):
    """A4 portrait with the demonstration notice at the top of every page and page numbers."""

    def __init__(self, demo: bool, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.demo = demo
        self.footer_text = footer_text
        for style, path in font_files().items():
            self.add_font(FONT, style, str(path))
        self.set_margins(MARGIN_MM, 10, MARGIN_MM)
        self.set_auto_page_break(True, margin=14)
        self.set_text_color(*INK)

    def header(self) -> None:
        if not self.demo:
            return
        self.set_font(FONT, "B", 10)
        self.set_fill_color(*DEMO_FILL)
        self.set_draw_color(*DEMO_INK)
        self.set_text_color(*DEMO_INK)
        self.cell(0, 8, DEMO_NOTICE, border=1, fill=True, align="C")
        self.ln(11)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FONT, "", 7)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{self.footer_text} · page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(*INK)

    def heading(self, text: str) -> None:
        if self.get_y() + KEEP_WITH_NEXT_MM > self.page_break_trigger:  # no orphan headings
            self.add_page()
        self.ln(1.5)
        self.set_font(FONT, "B", 11)
        self.cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.2)

    def paragraph(self, text: str, size: float = 8.5, style: str = "", colour=INK) -> None:
        self.set_font(FONT, style, size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)

    def bullet(self, text: str, size: float = 8) -> None:
        self.set_font(FONT, "", size)
        self.cell(4, size * 0.5, "•")
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(0.8)


def _table_style() -> dict[str, object]:
    return {
        "borders_layout": "HORIZONTAL_LINES",
        "headings_style": FontFace(emphasis="BOLD", fill_color=(238, 238, 238)),
        "line_height": 3.8,
        "padding": (0.6, 1.0),
        "text_align": "LEFT",
    }


def _headline_table(pdf: _BriefingPdf, brief: Briefing) -> None:
    pdf.set_font(FONT, "", 8)
    pdf.set_draw_color(*RULE)
    columns = ["Figure", *([brief.district_name] if brief.district_name else []), PROVINCE]
    widths = (52, 24, 26, 84) if brief.district_name else (58, 28, 100)
    with pdf.table(col_widths=widths, **_table_style()) as table:
        head = table.row()
        for column in (*columns, "Source (year)"):
            head.cell(column)
        for row in brief.headlines:
            cells = table.row()
            cells.cell(row.label)
            if brief.district_name:
                cells.cell(row.district or summaries.NO_DATA, style=FontFace(emphasis="BOLD"))
            cells.cell(row.province)
            source = f"{row.source} ({row.year})" if row.year else row.source or "—"
            cells.cell(source, style=FontFace(size_pt=6.5, color=MUTED))


def _rank_table(pdf: _BriefingPdf, title: str, rows: list[RankRow], brief: Briefing) -> None:
    pdf.set_font(FONT, "B", 8.5)
    pdf.cell(0, 5, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8)
    with pdf.table(col_widths=(10, 48, 26), width=84, align="LEFT", **_table_style()) as table:
        head = table.row()
        for column in ("Rank", "District", "per 1,000"):
            head.cell(column)
        for row in rows:
            own = row.district_code == brief.district_code
            style = FontFace(emphasis="BOLD", fill_color=(255, 236, 230)) if own else None
            cells = table.row(style=style)
            cells.cell(row.rank_text)
            cells.cell(row.district_name)
            cells.cell(row.shown, align="RIGHT")
    pdf.ln(2)


def _layer_name(layer: DistrictLayer) -> str:
    """The tile grid's name, or the boundary file's name (a full path says nothing on paper)."""
    return layer.source if layer.kind == "tile_grid" else Path(layer.source).name


def _map_and_ranking(pdf: _BriefingPdf, brief: Briefing, layer: DistrictLayer) -> None:
    from kp_dash.views import static_charts

    pdf.heading("Digital uptake by district" + (f", {brief.period}" if brief.period else ""))
    png = static_charts.district_map_png(
        layer,
        brief.map_values,
        highlight=brief.district_code,
        value_format="{:,.1f}",
        legend_title="per 1,000 eligible people",
        size_mm=MAP_SIZE_MM,
    )
    top_y = pdf.get_y()
    pdf.image(
        io.BytesIO(png),
        x=MARGIN_MM,
        y=top_y,
        w=MAP_SIZE_MM[0],
        h=MAP_SIZE_MM[1],
        alt_text="Map of digital uptake per 1,000 eligible people by district",
    )
    column_x = MARGIN_MM + MAP_SIZE_MM[0] + 8
    pdf.set_left_margin(column_x)
    pdf.set_xy(column_x, top_y)
    if brief.top:
        _rank_table(pdf, brief.rank_title, brief.top, brief)
        if brief.bottom:
            _rank_table(pdf, "Lowest uptake", brief.bottom, brief)
    else:
        pdf.paragraph("No usage data for this selection: no district ranking.")
    if brief.small_note:
        pdf.paragraph(brief.small_note, size=6.5, colour=MUTED)
    caption = (
        f"Map: {_layer_name(layer)}"
        + ("; one hexagon per district, not real boundaries" if layer.kind == "tile_grid" else "")
        + ". Grey: no data (never zero). "
        + brief.outside_note
        + (f"{brief.district_name} outlined in red." if brief.district_name else "")
    )
    pdf.paragraph(caption.strip(), size=6.5, colour=MUTED)
    pdf.set_left_margin(MARGIN_MM)
    pdf.set_xy(MARGIN_MM, max(pdf.get_y(), top_y + MAP_SIZE_MM[1]) + 2)


def _targets_section(pdf: _BriefingPdf, brief: Briefing) -> None:
    pdf.heading("Targets off track")
    pdf.paragraph(brief.targets_note)
    if brief.targets.empty:
        return
    pdf.ln(1)
    pdf.set_font(FONT, "", 7.5)
    pdf.set_draw_color(*RULE)
    columns = ("District", "Service", "Metric", "Period", "Target", "Actual", "Attained", "Status")
    with pdf.table(col_widths=(30, 30, 34, 16, 18, 18, 20, 20), **_table_style()) as table:
        head = table.row()
        for column in columns:
            head.cell(column)
        for row in brief.targets.itertuples(index=False):
            cells = table.row()
            cells.cell(str(row.district_name or PROVINCE))
            cells.cell(str(row.service_code))
            cells.cell(str(row.metric))
            cells.cell(str(row.period))
            for value in (row.target, row.actual):
                cells.cell("—" if pd.isna(value) else f"{value:,.1f}", align="RIGHT")
            attained = row.attainment_pct
            cells.cell("—" if pd.isna(attained) else f"{attained:.0f} %", align="RIGHT")
            colour = STATUS_INK.get(str(row.status), INK)
            cells.cell(str(row.status), style=FontFace(emphasis="BOLD", color=colour))


def render_pdf(brief: Briefing, layer: DistrictLayer) -> bytes:
    """Lay the briefing out on A4: a second page only when the content needs one."""
    footer = " · ".join(p for p in (brief.title, brief.period or "no usage data") if p)
    pdf = _BriefingPdf(brief.demo, footer)
    pdf.set_title(brief.title)
    pdf.set_author("KP Digital Inclusion Dashboard")
    pdf.set_creator("kp_dash (fpdf2)")
    pdf.add_page()

    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(0, 7, brief.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.paragraph(brief.subtitle, size=8.5, colour=MUTED)

    pdf.heading(
        "Headline figures"
        + (f": {brief.district_name} and the province" if brief.district_name else "")
    )
    _headline_table(pdf, brief)
    if not brief.has_usage:
        pdf.ln(1)
        pdf.paragraph(NO_USAGE, style="B")
    if brief.district_note:
        pdf.ln(1)
        pdf.paragraph(brief.district_note)

    _map_and_ranking(pdf, brief, layer)

    pdf.heading("Key messages")
    if brief.messages:
        for message in brief.messages:
            pdf.bullet(message.text)
    else:
        pdf.paragraph("No key messages: they need usage data for the selection.")
    _targets_section(pdf, brief)

    pdf.heading("Sources")
    pdf.paragraph(" · ".join(brief.sources), size=7)
    return bytes(pdf.output())


def briefing_pdf(
    con: duckdb.DuckDBPyConnection,
    *,
    district: str | None = None,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
    layer: DistrictLayer | None = None,
    allowed: tuple[str, ...] = (),
) -> bytes:
    """The printable A4 briefing as PDF bytes, built offline (no browser): headline figures, a
    district map, top and bottom districts, key messages, targets off track and sources.
    `district` is a name, alias or P-code (None: the province); unknown names raise ValueError
    with a suggestion. `layer` defaults to `geo.district_layer()`. With `allowed` (a district
    officer's P-codes) only those districts' figures are printed; province totals stay."""
    from kp_dash.store import geo

    if layer is None:
        layer = geo.district_layer()
    brief = briefing_content(
        con,
        district=district,
        service=service,
        month_from=month_from,
        month_to=month_to,
        layer_source=f"Map geometry: {_layer_name(layer)}",
        allowed=allowed,
    )
    return render_pdf(brief, layer)


def write_briefing(path: Path | str, **kwargs: Any) -> float:
    """Write `briefing_pdf(**kwargs)` to `path`; the seconds it took (for the CLI message)."""
    start = time.perf_counter()
    Path(path).write_bytes(briefing_pdf(**kwargs))
    return time.perf_counter() - start


@dataclass(frozen=True)
class MemoSection:
    """One part of a memo: a heading, a sentence or two, and optionally a table of text cells."""

    heading: str
    text: str = ""
    table: pd.DataFrame | None = None


def memo_pdf(
    title: str, subtitle: str, sections: list[MemoSection], sources: list[str], demo: bool
) -> bytes:
    """A short A4 memo in the briefing's style (planning exports): real text, offline."""
    pdf = _BriefingPdf(demo, title)
    pdf.set_title(title)
    pdf.set_author("KP Digital Inclusion Dashboard")
    pdf.set_creator("kp_dash (fpdf2)")
    pdf.add_page()
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(0, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.paragraph(subtitle, size=8.5, colour=MUTED)
    for section in sections:
        pdf.heading(section.heading)
        if section.text:
            pdf.paragraph(section.text)
        if section.table is not None and not section.table.empty:
            _memo_table(pdf, section.table)
    pdf.heading("Sources")
    pdf.paragraph(" · ".join(sources) or "—", size=7)
    return bytes(pdf.output())


def _memo_table(pdf: _BriefingPdf, frame: pd.DataFrame) -> None:
    pdf.set_font(FONT, "", 7.5)
    with pdf.table(**_table_style()) as table:
        head = table.row()
        for column in frame.columns:
            head.cell(str(column))
        for values in frame.itertuples(index=False):
            cells = table.row()
            for value in values:
                cells.cell("" if pd.isna(value) else str(value))
    pdf.ln(2)
