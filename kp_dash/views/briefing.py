"""Key messages and the printable briefing.

Key messages: a few plain-language sentences drawn from the current selection, each with the
exact numbers behind it, its period and its sources. The Excluded groups page shows them; the
briefing prints the same ones. A message is only written when its numbers exist: missing data
gives fewer messages, never an invented one, and a database without usage gives none.

The briefing (`briefing_pdf`): an A4 PDF built offline with fpdf2 and a matplotlib map, its text
real and searchable. `briefing_content` gathers every number and sentence; `render_pdf` only
places them, so the figures are tested without reading a PDF.
"""

from __future__ import annotations

import io
import math
import re
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import matplotlib
import pandas as pd
from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

from kp_dash.numbers import analysis, groups, metrics, summaries, trends
from kp_dash.store import db

if TYPE_CHECKING:  # geopandas loads only when a briefing is drawn, not for key messages
    from kp_dash.store.geo import DistrictLayer

ALL_SERVICES = "all e-services"
DEMO = " (demonstration data)"


@dataclass
class KeyMessage:
    text: str
    numbers: dict[str, float] = field(default_factory=dict)
    period: str = ""
    sources: str = ""


def service_words(con: duckdb.DuckDBPyConnection, service: str | None) -> str:
    """The service's name as it reads inside a sentence, or 'all e-services'."""
    if not service:
        return ALL_SERVICES
    names = db.query_df(con, "select service_name from services where service_code = ?", [service])
    if names.empty:
        return service
    name = str(names["service_name"].iloc[0])
    return name[:1].lower() + name[1:]


def period_text(first: str | None, last: str | None) -> str:
    """'2025-11 to 2026-10', one month alone, or '' when there is no usage period."""
    if not first or not last:
        return ""
    return first if first == last else f"{first} to {last}"


def _during(period: str) -> str:
    return f"in {period}" if " to " not in period else "from " + period


def _sources(*pairs: tuple[object, object]) -> str:
    """'source (year)' for each distinct pair with a source."""
    parts = [f"{s} ({y})" if y else str(s) for s, y in pairs if isinstance(s, str) and s]
    return "; ".join(dict.fromkeys(parts))


def _parity_message(
    con: duckdb.DuckDBPyConnection, selection: tuple, words: str, period: str, demo: str
) -> KeyMessage | None:
    """The district where women's uptake relative to men's is lowest, with its female literacy."""
    parity = metrics.fetch(con, metrics.Query("gender_parity", ("district",), *selection))
    parity = parity.dropna(subset=["value"])
    if parity.empty:
        return None
    worst = parity.sort_values(["value", "district_name"]).iloc[0]
    literacy = metrics.fetch(con, metrics.Query("literacy_female_pct", ("district",)))
    literacy = literacy[literacy["district_code"] == worst["district_code"]]
    numbers = {"gender_parity": float(worst["value"])}
    text = (
        f"In {worst['district_name']}, women used {words} at {worst['value']:.2f} times the "
        f"rate of men {_during(period)}{demo}"
    )
    sources = [(worst["source"], worst["year"])]
    if len(literacy) and not pd.isna(literacy["value"].iloc[0]):
        value = float(literacy["value"].iloc[0])
        numbers["literacy_female_pct"] = value
        text += f"; female literacy there is {value:.0f} %"
        sources.append((literacy["source"].iloc[0], literacy["year"].iloc[0]))
    return KeyMessage(text + ".", numbers, period, _sources(*sources))


def _gap_message(frame: pd.DataFrame, words: str, period: str, demo: str) -> KeyMessage | None:
    """The district furthest below the uptake its access level predicts."""
    gaps = frame.dropna(subset=["uptake_gap"])
    gaps = gaps[gaps["uptake_gap"] < 0]
    if gaps.empty:
        return None
    worst = gaps.sort_values(["uptake_gap", "district_name"]).iloc[0]
    text = (
        f"{worst['district_name']} is furthest below the uptake of {words} that its access "
        f"level predicts: {worst['uptake_per_1000']:.1f} per 1,000 eligible people against "
        f"an expected {worst['expected_uptake']:.1f}, {_during(period)}{demo}"
    )
    if worst["access_is_parent_estimate"]:
        text += " (its access figure is a parent-district survey estimate)"
    numbers = {
        "uptake_gap": float(worst["uptake_gap"]),
        "uptake_per_1000": float(worst["uptake_per_1000"]),
        "expected_uptake": float(worst["expected_uptake"]),
    }
    return KeyMessage(text + ".", numbers, period, _sources((worst["source"], worst["year"])))


def _merged_message(table: pd.DataFrame, words: str, period: str, demo: str) -> KeyMessage | None:
    """The merged districts' uptake against the rest of the province."""
    row = table[table["group_key"] == "merged"].iloc[0]
    if pd.isna(row["ratio"]):
        return None
    text = (
        f"The merged districts used {words} at {row['ratio']:.2f} times the rate of the other "
        f"districts {_during(period)} ({row['group_uptake_per_1000']:.1f} against "
        f"{row['comparison_uptake_per_1000']:.1f} per 1,000 eligible people"
        f"{'; demonstration data' if demo else ''})."
    )
    numbers = {
        "rate_ratio": float(row["ratio"]),
        "merged_uptake_per_1000": float(row["group_uptake_per_1000"]),
        "other_uptake_per_1000": float(row["comparison_uptake_per_1000"]),
    }
    return KeyMessage(text, numbers, period, _sources((row["source"], row["year"])))


def _concentration_message(
    frame: pd.DataFrame, words: str, period: str, demo: str
) -> KeyMessage | None:
    value = analysis.concentration_index(
        frame["uptake_per_1000"], frame["eligible_population"], frame["access_index"]
    )
    if math.isnan(value):
        return None
    used = frame.dropna(subset=["uptake_per_1000", "access_index"])
    meaning = analysis.concentration_meaning(value).removesuffix(".")
    text = f"{meaning}, for {words} {_during(period)}{demo}."
    sources = _sources((_joined_text(used["source"]), analysis.year_span(" ".join(used["year"]))))
    return KeyMessage(text, {"concentration_index": value}, period, sources)


def _joined_text(texts: pd.Series) -> str:
    return "; ".join(dict.fromkeys(p for t in texts.dropna() for p in str(t).split("; ") if p))


def _unserved_message(table: pd.DataFrame, words: str, period: str) -> KeyMessage | None:
    total = table[table["district_code"] == "KP"].iloc[0]
    if pd.isna(total["unserved_population"]):
        return None
    people = groups.round_people(float(total["unserved_population"])).removeprefix("≈ ")
    parents = table[(table["district_code"] != "KP") & table["access_is_parent_estimate"]]
    text = (
        f"An estimated {people} people eligible for {words} cannot be reached online "
        "(eligible population × (1 − access index ÷ 100); the access index rests partly on "
        "survey data"
    )
    if len(parents):
        text += f", with parent-district survey values for {', '.join(parents['district_name'])}"
    numbers = {"unserved_population": float(total["unserved_population"])}
    return KeyMessage(text + ").", numbers, period, _sources((total["source"], total["year"])))


def key_messages(
    con: duckdb.DuckDBPyConnection,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
    limit: int = 5,
) -> list[KeyMessage]:
    """Up to `limit` (at most five) key messages for a service (None: all e-services) and period
    (None: all the usage loaded); none when the database has no usage."""
    info = db.build_info(con)
    if int(info.get("usage_rows", "0")) == 0:
        return []
    period = period_text(month_from or info.get("first_month"), month_to or info.get("last_month"))
    demo = DEMO if info.get("has_demo") == "true" else ""
    words = service_words(con, service)
    selection = (service, month_from, month_to)
    frame = analysis.district_frame(con, *selection)
    has_usage = frame["digital_transactions"].notna().any()
    candidates = []
    if has_usage:
        candidates += [
            _parity_message(con, selection, words, period, demo),
            _gap_message(frame, words, period, demo),
            _merged_message(groups.group_table(con, *selection), words, period, demo),
            _concentration_message(frame, words, period, demo),
        ]
    candidates.append(_unserved_message(groups.unserved_table(con, *selection), words, period))
    return [m for m in candidates if m is not None][: min(limit, 5)]


# --- the printable briefing (PDF) ---------------------------------------------------------------

BRIEF_TITLE = "KP Digital Inclusion — briefing"
DEMO_NOTICE = "Demonstration data — simulated usage, not real records"
PROVINCE = trends.PROVINCE_NAME
NO_USAGE = (
    "No usage data loaded: uptake, digital share, women's share, the district ranking and the "
    "key messages on usage need usage returns (import them, or build with the demonstration data)."
)
NO_TARGETS = "No targets loaded."
PERIOD_MONTHS = 12  # the default briefing period: the last year of data
OFF_TRACK = ("red", "amber")
MAX_TARGET_ROWS = 8  # a briefing lists the worst few; the Targets page has them all
RANK_ROWS = 5
HEADLINES = (  # metric code, label as printed
    ("uptake_per_1000", "Digital uptake per 1,000 eligible people"),
    ("digital_share_pct", "Digital share of transactions"),
    ("female_share_pct", "Women's share of digital transactions"),
    ("access_index", "Access index (0–100)"),
)
_TRAILING_YEARS = re.compile(r" \((?:19|20)\d{2}(?:-(?:19|20)\d{2})?\)$")
_METRIC_PREFIX = re.compile(r"^([a-z0-9_]+): (.+)$")


@dataclass(frozen=True)
class HeadlineRow:
    code: str
    label: str
    province: str  # formatted as printed, "No data" when missing
    district: str | None  # None in a province briefing
    source: str
    year: str


@dataclass(frozen=True)
class RankRow:
    rank: int
    district_code: str
    district_name: str
    shown: str


@dataclass
class Briefing:
    """Everything the PDF prints, as text and numbers (the layout only places it)."""

    title: str
    subtitle: str
    demo: bool
    has_usage: bool
    district_code: str | None
    district_name: str | None
    period: str
    headlines: list[HeadlineRow]
    district_note: str
    top: list[RankRow]
    bottom: list[RankRow]
    map_values: pd.DataFrame
    messages: list[KeyMessage]
    targets: pd.DataFrame  # off-track rows, worst first
    targets_note: str
    sources: list[str]


def resolve_district(name: str) -> tuple[str, str]:
    """P-code and register name of a district name, alias or P-code; ValueError otherwise."""
    from kp_dash.store.districts import DistrictResolver

    resolver = DistrictResolver.from_seed()
    found = resolver.resolve(name)
    if found.district_code is None:
        hint = found.suggestion()
        raise ValueError(
            f"unknown district '{name}'" + (f": {hint}" if hint else " (give a name or P-code)")
        )
    return found.district_code, resolver.name_of(found.district_code)


def default_period(
    info: dict[str, str], month_from: str | None, month_to: str | None
) -> tuple[str | None, str | None]:
    """The months asked for, else the last twelve months of data (never before the first)."""
    first, last = info.get("first_month"), info.get("last_month")
    month_to = month_to or last
    if month_from is None and month_to:
        start = pd.Period(month_to, freq="M") - (PERIOD_MONTHS - 1)
        month_from = str(max(start, pd.Period(first, freq="M"))) if first else str(start)
    return month_from, month_to


def _headline_text(metric: metrics.Metric, frame: pd.DataFrame) -> summaries.Headline:
    return summaries.headline(metric, frame.reset_index(drop=True))


def _plain_source(text: str) -> str:
    """A source text without the 'metric_code: ' prefixes of composite indicators."""
    parts = [p for p in str(text).split("; ") if p]
    return "; ".join(dict.fromkeys(_METRIC_PREFIX.sub(r"\2", p) for p in parts))


def _source_parts(text: object) -> list[str]:
    """Single sources of a '; '-joined text, without metric-code prefixes or year suffixes (the
    years are printed with each figure)."""
    if not isinstance(text, str):
        return []
    parts = (_TRAILING_YEARS.sub("", p.strip()) for p in text.split("; "))
    return [_METRIC_PREFIX.sub(r"\2", p) for p in parts if p]


def _ranks(table: pd.DataFrame) -> tuple[list[RankRow], list[RankRow]]:
    """Top and bottom districts with data; the bottom list never repeats a top district."""
    ranked = table.dropna(subset=["value"])
    rows = [
        RankRow(int(r.rank), r.district_code, r.district_name, r.shown)
        for r in ranked.itertuples(index=False)
    ]
    top = rows[:RANK_ROWS]
    bottom = rows[max(RANK_ROWS, len(rows) - RANK_ROWS) :]
    return top, bottom


def _district_note(frame: pd.DataFrame, code: str, name: str, n_ranked: int, rank: int) -> str:
    """Where the district stands: its rank, and its uptake against what its access predicts."""
    row = frame[frame["district_code"] == code].iloc[0]
    if pd.isna(row["uptake_per_1000"]):
        return f"{name} has no usage data for this selection."
    text = f"{name} ranks {rank} of {n_ranked} districts on digital uptake"
    if not pd.isna(row["expected_uptake"]):
        text += (
            f"; at its access index of {row['access_index']:.1f} an uptake of "
            f"{row['expected_uptake']:.1f} per 1,000 would be expected, against "
            f"{row['uptake_per_1000']:.1f} observed"
        )
    if row["quadrant"] != analysis.NO_DATA:
        text += f" (quadrant: {row['quadrant']} — {analysis.QUADRANTS[row['quadrant']]})"
    return text + "."


def targets_loaded(con: duckdb.DuckDBPyConnection) -> int:
    """How many target rows the database holds (imported `targets` batches)."""
    return int(db.query_df(con, "select count(*) as n from targets")["n"].iloc[0])


def _targets_off_track(
    con: duckdb.DuckDBPyConnection,
    service: str | None,
    month_from: str | None,
    month_to: str | None,
    district_code: str | None,
) -> tuple[pd.DataFrame, str]:
    """Red, then amber targets of the selection, furthest behind first, and a sentence about
    them; a district briefing keeps the district's targets and the province's."""
    if not targets_loaded(con):
        return pd.DataFrame(), NO_TARGETS
    status = trends.target_status(con, service=service, month_from=month_from, month_to=month_to)
    if district_code:
        status = status[status["district_code"].isna() | (status["district_code"] == district_code)]
    checked = int(status["status"].isin(("green", *OFF_TRACK)).sum())
    off = status[status["status"].isin(OFF_TRACK)].assign(
        _order=lambda f: f["status"].map({s: i for i, s in enumerate(OFF_TRACK)})
    )
    off = off.sort_values(["_order", "attainment_pct", "district_name"], na_position="first")
    off = off.drop(columns="_order")
    if off.empty:
        return off, f"No targets off track ({checked} targets with data checked)."
    note = f"{len(off)} of {checked} targets with data are off track"
    if len(off) > MAX_TARGET_ROWS:
        note += f"; the {MAX_TARGET_ROWS} furthest behind are listed"
    return off.head(MAX_TARGET_ROWS).reset_index(drop=True), note + "."


def briefing_content(
    con: duckdb.DuckDBPyConnection,
    *,
    district: str | None = None,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
    layer_source: str = "",
) -> Briefing:
    """The briefing's texts and numbers for a district (name, alias or P-code; None: the
    province), a service (None: all e-services) and a period (default: the last 12 months)."""
    code, name = resolve_district(district) if district else (None, None)
    info = db.build_info(con)
    demo = info.get("has_demo") == "true"
    has_usage = int(info.get("usage_rows", "0")) > 0
    month_from, month_to = default_period(info, month_from, month_to)
    period = period_text(month_from, month_to) if has_usage else ""
    words = service_words(con, service)

    headlines, sources = [], []
    by_district: dict[str, pd.DataFrame] = {}
    for metric_code, label in HEADLINES:
        metric = metrics.REGISTRY[metric_code]
        province = metrics.fetch(con, metrics.Query(metric_code, (), service, month_from, month_to))
        districts = metrics.fetch(
            con, metrics.Query(metric_code, ("district",), service, month_from, month_to)
        )
        by_district[metric_code] = districts
        top = _headline_text(metric, province)
        own = (
            _headline_text(metric, districts[districts["district_code"] == code]) if code else None
        )
        shown = own if own is not None and own.source else top
        headlines.append(
            HeadlineRow(
                metric_code,
                label,
                top.text,
                own.text if own is not None else None,
                _plain_source(shown.source),
                shown.year,
            )
        )
        sources += [
            p for text in (*province["source"], *districts["source"]) for p in _source_parts(text)
        ]

    register = db.query_df(
        con,
        "select district_code, district_name, division, is_merged, source"
        " from districts order by district_code",
    )
    if code and code not in set(register["district_code"]):
        raise ValueError(f"{name} ({code}) is not in this database's district register")
    uptake_metric = metrics.REGISTRY["uptake_per_1000"]
    uptake = by_district["uptake_per_1000"]
    ranking = summaries.district_ranking(uptake_metric, uptake, register)
    top, bottom = _ranks(ranking)

    district_note = ""
    if code:
        frame = analysis.district_frame(con, service, month_from, month_to)
        rank_row = ranking[ranking["district_code"] == code].iloc[0]
        rank = int(rank_row["rank"]) if not pd.isna(rank_row["rank"]) else 0
        district_note = _district_note(frame, code, str(name), len(uptake), rank)

    messages = key_messages(con, service, month_from, month_to) if has_usage else []
    for message in messages:
        sources += _source_parts(message.sources)
    targets, targets_note = _targets_off_track(con, service, month_from, month_to, code)
    if not targets.empty and "source" in targets:
        sources += [p for text in targets["source"] for p in _source_parts(text)]
    sources += _source_parts(str(register["source"].iloc[0]))
    if layer_source:
        sources.append(layer_source)

    title = BRIEF_TITLE + (f": {name}" if name else "")
    as_of = f"data as of {info['last_month']}" if has_usage else "no usage data loaded"
    built = date.today().isoformat()
    subtitle = " · ".join(
        part for part in (words[:1].upper() + words[1:], period, f"{as_of}, built {built}") if part
    )
    return Briefing(
        title=title,
        subtitle=subtitle,
        demo=demo,
        has_usage=has_usage,
        district_code=code,
        district_name=name,
        period=period,
        headlines=headlines,
        district_note=district_note,
        top=top,
        bottom=bottom,
        map_values=uptake,
        messages=messages,
        targets=targets,
        targets_note=targets_note,
        sources=list(dict.fromkeys(s.strip() for s in sources if s.strip())),
    )


# --- layout -------------------------------------------------------------------------------------

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


class _BriefingPdf(FPDF):
    """A4 portrait with the demonstration notice at the top of every page and page numbers."""

    def __init__(self, demo: bool, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.demo = demo
        self.footer_text = footer_text
        # matplotlib ships DejaVu: full Unicode ('×', '–', '≥') without a system font
        font_dir = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        for style, file in _FONT_FILES.items():
            self.add_font(FONT, style, str(font_dir / file))
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
            cells.cell(str(row.rank))
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
        _rank_table(pdf, "Highest uptake", brief.top, brief)
        if brief.bottom:
            _rank_table(pdf, "Lowest uptake", brief.bottom, brief)
    else:
        pdf.paragraph("No usage data for this selection: no district ranking.")
    caption = (
        f"Map: {_layer_name(layer)}"
        + ("; one hexagon per district, not real boundaries" if layer.kind == "tile_grid" else "")
        + ". Grey: no data (never zero). "
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
) -> bytes:
    """The printable A4 briefing as PDF bytes, built offline (no browser): headline figures, a
    district map, top and bottom districts, key messages, targets off track and sources.
    `district` is a name, alias or P-code (None: the province); unknown names raise ValueError
    with a suggestion. `layer` defaults to `geo.district_layer()`."""
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
