"""The PDF layout: the printable A4 briefing and the memo in its style, in English or Urdu.

Headline figures, a matplotlib map with the district ranking beside it, key messages, targets
and sources, on the page of `kp_dash.views.pdf_document`; the text stays real and searchable.
What the briefing says comes from `kp_dash.views.briefing.briefing_content`; here it is only
placed. Built offline (no browser).
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
from fpdf import FontFace
from fpdf.enums import XPos, YPos

from kp_dash.numbers import summaries, trends
from kp_dash.views import language
from kp_dash.views.briefing import Briefing, RankRow, briefing_content
from kp_dash.views.language import N_
from kp_dash.views.pdf_document import (
    INK,
    MARGIN_MM,
    MUTED,
    RULE,
    Document,
    document,
    headings,
    no_data,
    table_style,
)

if TYPE_CHECKING:  # geopandas loads only when a briefing is drawn
    from kp_dash.store.geo import DistrictLayer

PROVINCE = trends.PROVINCE_NAME
NO_USAGE = N_(
    "No usage data loaded: uptake, digital share, women's share, the district ranking and the "
    "key messages on usage need usage returns (import them, or build with the demonstration data)."
)
MAP_SIZE_MM = (88.0, 88.0)
STATUS_INK = {"red": (189, 0, 38), "amber": (176, 104, 0)}


def _headline_table(pdf: Document, brief: Briefing) -> None:
    pdf.use_font("", 8)
    pdf.set_draw_color(*RULE)
    district = [brief.district_name] if brief.district_name else []
    province = language.name("province", "KP", PROVINCE, pdf.text_lang)
    widths = [52, 24, 26, 84] if brief.district_name else [58, 28, 100]
    with pdf.table(col_widths=pdf.ordered(widths), **table_style(pdf)) as table:
        pdf.table_row(
            table,
            [
                (c, {})
                for c in (pdf.t(N_("Figure")), *district, province, pdf.t(N_("Source (year)")))
            ],
        )
        for row in brief.headlines:
            source = f"{row.source} ({row.year})" if row.year else row.source or "—"
            cells = [(row.label, {})]
            if brief.district_name:
                shown = no_data(pdf, row.district or summaries.NO_DATA)
                cells.append((shown, {"style": FontFace(emphasis="BOLD")}))
            cells.append((no_data(pdf, row.province), {}))
            cells.append((source, {"style": FontFace(size_pt=6.5, color=MUTED)}))
            pdf.table_row(table, cells)


def _rank_table(pdf: Document, title: str, rows: list[RankRow], brief: Briefing) -> None:
    pdf.use_font("B", 8.5)
    pdf.cell(0, 5, title, align=pdf.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.use_font("", 8)
    widths = pdf.ordered([10, 48, 26])
    with pdf.table(col_widths=widths, width=84, align="LEFT", **table_style(pdf)) as table:
        headings(pdf, table, [N_("Rank"), N_("District"), N_("per 1,000")])
        for row in rows:
            own = row.district_code == brief.district_code
            style = FontFace(emphasis="BOLD", fill_color=(255, 236, 230)) if own else None
            cells = [(row.rank_text, {}), (row.district_name, {}), (row.shown, {"align": "RIGHT"})]
            pdf.table_row(table, cells, style=style)
    pdf.ln(2)


def _layer_name(layer: DistrictLayer) -> str:
    """The tile grid's name, or the boundary file's name (a full path says nothing on paper)."""
    return layer.source if layer.kind == "tile_grid" else Path(layer.source).name


def _map_and_ranking(pdf: Document, brief: Briefing, layer: DistrictLayer) -> None:
    from kp_dash.views import static_charts

    if brief.period:
        pdf.heading(pdf.t(N_("Digital uptake by district, {period}"), period=brief.period))
    else:
        pdf.heading(pdf.t(N_("Digital uptake by district")))
    unit = pdf.t(N_("per 1,000 eligible people"))
    png = static_charts.district_map_png(
        layer,
        brief.map_values,
        highlight=brief.district_code,
        value_format="{:,.1f}",
        legend_title="" if pdf.rtl else unit,
        size_mm=MAP_SIZE_MM,
        legend=not pdf.rtl,  # matplotlib cannot shape Urdu: the PDF draws that legend
    )
    top_y = pdf.get_y()
    pdf.image(
        io.BytesIO(png),
        x=MARGIN_MM,
        y=top_y,
        w=MAP_SIZE_MM[0],
        h=MAP_SIZE_MM[1],
        alt_text=pdf.t(N_("Map of digital uptake per 1,000 eligible people by district")),
    )
    if pdf.rtl:
        _map_legend(pdf, brief, unit, top_y)
    column_x = MARGIN_MM + MAP_SIZE_MM[0] + 8
    pdf.set_left_margin(column_x)
    pdf.set_xy(column_x, top_y)
    if brief.top:
        _rank_table(pdf, brief.rank_title, brief.top, brief)
        if brief.bottom:
            _rank_table(pdf, pdf.t(N_("Lowest uptake")), brief.bottom, brief)
    else:
        pdf.paragraph(pdf.t(N_("No usage data for this selection: no district ranking.")))
    if brief.small_note:
        pdf.paragraph(brief.small_note, size=6.5, colour=MUTED)
    pdf.paragraph(_map_caption(pdf, brief, layer), size=6.5, colour=MUTED)
    pdf.set_left_margin(MARGIN_MM)
    pdf.set_xy(MARGIN_MM, max(pdf.get_y(), top_y + MAP_SIZE_MM[1]) + 2)


def _map_caption(pdf: Document, brief: Briefing, layer: DistrictLayer) -> str:
    parts = [pdf.t(N_("Map: {layer}"), layer=_layer_name(layer))]
    if layer.kind == "tile_grid":
        parts[0] += pdf.t(N_("; one hexagon per district, not real boundaries"))
    parts.append(pdf.t(N_("Grey: no data (never zero).")))
    parts.append(brief.outside_note.strip())
    if brief.district_name:
        parts.append(pdf.t(N_("{district} outlined in red."), district=brief.district_name))
    return " ".join(
        part for part in (pdf.t(N_("{sentence}."), sentence=parts[0]), *parts[1:]) if part
    )


def _map_legend(pdf: Document, brief: Briefing, unit: str, top_y: float) -> None:
    """The map's classes drawn by the PDF, in the map's lower right corner: a colour swatch and
    its range, "No data" in the PDF's language."""
    from kp_dash.views import maps

    values = brief.map_values.drop_duplicates("district_code")["value"]
    _, legend = maps.colour_classes(values, value_format="{:,.1f}")
    row_mm, width = 3.4, 30.0
    x = MARGIN_MM + MAP_SIZE_MM[0] - width
    y = top_y + MAP_SIZE_MM[1] - row_mm * (len(legend) + 1)
    pdf.use_font("", 5.5)
    pdf.set_xy(x, y)
    pdf.cell(width, row_mm, unit, align="R")
    for index, (label, colour) in enumerate(legend, start=1):
        swatch_y = y + index * row_mm
        pdf.set_fill_color(*(int(colour[i : i + 2], 16) for i in (1, 3, 5)))
        pdf.rect(x + width - 3, swatch_y + 0.6, 3, 2.2, style="F")
        pdf.set_xy(x, swatch_y)
        pdf.cell(width - 4, row_mm, no_data(pdf, label), align="R")
    pdf.set_fill_color(255, 255, 255)  # tables fill their cells with the current colour


def _targets_section(pdf: Document, brief: Briefing) -> None:
    pdf.heading(pdf.t(N_("Targets off track")))
    pdf.paragraph(brief.targets_note)
    if brief.targets.empty:
        return
    pdf.ln(1)
    pdf.use_font("", 7.5)
    pdf.set_draw_color(*RULE)
    columns = [
        N_("District"),
        N_("Service"),
        N_("Metric"),
        N_("Period"),
        N_("Target"),
        N_("Actual"),
        N_("Attained"),
        N_("Status"),
    ]
    widths = pdf.ordered([30, 30, 34, 16, 18, 18, 20, 20])
    with pdf.table(col_widths=widths, **table_style(pdf)) as table:
        headings(pdf, table, columns)
        for row in brief.targets.itertuples(index=False):
            pdf.table_row(table, _target_cells(pdf, row))


def _target_cells(pdf: Document, row: Any) -> list[tuple[str, dict]]:
    lang = pdf.text_lang
    if pd.isna(row.district_code):
        district = language.name("province", "KP", PROVINCE, lang)
    else:
        district = language.name("district", row.district_code, row.district_name, lang)
    attained = row.attainment_pct
    colour = STATUS_INK.get(str(row.status), INK)
    return [
        (district, {}),
        (language.name("service", row.service_code, row.service_code, lang), {}),
        (language.text(_metric_label(str(row.metric)), lang) if pdf.rtl else str(row.metric), {}),
        (str(row.period), {}),
        *(
            ("—" if pd.isna(value) else f"{value:,.1f}", {"align": "RIGHT"})
            for value in (row.target, row.actual)
        ),
        ("—" if pd.isna(attained) else f"{attained:.0f} %", {"align": "RIGHT"}),
        (pdf.t(str(row.status)), {"style": FontFace(emphasis="BOLD", color=colour)}),
    ]


def _metric_label(code: str) -> str:
    from kp_dash.numbers import registry

    metric = registry.REGISTRY.get(code)
    return metric.label if metric is not None else code


def render_pdf(brief: Briefing, layer: DistrictLayer) -> bytes:
    """Lay the briefing out on A4: a second page only when the content needs one."""
    no_usage = language.text(N_("no usage data"), brief.lang)
    footer = " · ".join(p for p in (brief.title, brief.period or no_usage) if p)
    pdf = document(brief.title, brief.subtitle, brief.demo, footer, brief.lang)

    if brief.district_name:
        heading = pdf.t(
            N_("Headline figures: {district} and the province"), district=brief.district_name
        )
    else:
        heading = pdf.t(N_("Headline figures"))
    pdf.heading(heading)
    _headline_table(pdf, brief)
    if not brief.has_usage:
        pdf.ln(1)
        pdf.paragraph(pdf.t(NO_USAGE), style="B")
    if brief.district_note:
        pdf.ln(1)
        pdf.paragraph(brief.district_note)

    _map_and_ranking(pdf, brief, layer)

    pdf.heading(pdf.t(N_("Key messages")))
    if brief.messages:
        for message in brief.messages:
            pdf.bullet(message.text)
    else:
        pdf.paragraph(pdf.t(N_("No key messages: they need usage data for the selection.")))
    _targets_section(pdf, brief)

    pdf.heading(pdf.t(N_("Sources")))
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
    lang: str = language.DEFAULT,
) -> bytes:
    """The printable A4 briefing as PDF bytes, built offline (no browser): headline figures, a
    district map, top and bottom districts, key messages, targets off track and sources.
    `district` is a name, alias or P-code (None: the province); unknown names raise ValueError
    with a suggestion. `layer` defaults to `geo.district_layer()`. With `allowed` (a district
    officer's P-codes) only those districts' figures are printed; province totals stay. `lang`:
    the language it is written in (Urdu: right to left)."""
    from kp_dash.store import geo

    if layer is None:
        layer = geo.district_layer()
    brief = briefing_content(
        con,
        district=district,
        service=service,
        month_from=month_from,
        month_to=month_to,
        layer_source=language.say(N_("Map geometry: {layer}"), lang, layer=_layer_name(layer)),
        allowed=allowed,
        lang=lang,
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
    title: str,
    subtitle: str,
    sections: list[MemoSection],
    sources: list[str],
    demo: bool,
    lang: str = language.DEFAULT,
) -> bytes:
    """A short A4 memo in the briefing's style (planning exports): real text, offline, written
    in `lang` by its caller and laid out in that language's direction."""
    pdf = document(title, subtitle, demo, title, lang)
    for section in sections:
        pdf.heading(section.heading)
        if section.text:
            pdf.paragraph(section.text)
        if section.table is not None and not section.table.empty:
            _memo_table(pdf, section.table)
    pdf.heading(pdf.t(N_("Sources")))
    pdf.paragraph(" · ".join(sources) or "—", size=7)
    return bytes(pdf.output())


def _memo_table(pdf: Document, frame: pd.DataFrame) -> None:
    pdf.use_font("", 7.5)
    with pdf.table(**table_style(pdf)) as table:
        pdf.table_row(table, [(str(column), {}) for column in frame.columns])
        for values in frame.itertuples(index=False):
            pdf.table_row(table, [("" if pd.isna(value) else str(value), {}) for value in values])
    pdf.ln(2)
