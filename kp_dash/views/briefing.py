"""What the briefing says: the briefing's figures and sentences, with the key messages of
`kp_dash.views.key_messages`.

`briefing_content` gathers every number and sentence of the printable briefing (headline
figures, top and bottom districts, key messages, targets off track, sources);
`kp_dash.views.pdf_layout` only places them on A4, so the figures are tested without a PDF.
The briefing prints rates, never a count of records; under the disclosure rule
(`kp_dash.views.disclosure`) a rate on fewer than 10 records is marked `*` and not ranked.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from kp_dash.numbers import analysis, metrics, registry, source_texts, summaries, trends
from kp_dash.store import db, district_rule
from kp_dash.views import disclosure, language
from kp_dash.views.key_messages import (
    SMALL_NOTE,
    KeyMessage,
    key_messages,
    month_text,
    period_text,
    service_words,
)
from kp_dash.views.language import N_

# --- the printable briefing: its figures and sentences ------------------------------------------

BRIEF_TITLE = N_("KP Digital Inclusion — briefing")
NO_TARGETS = N_("No targets loaded.")
PERIOD_MONTHS = 12  # the default briefing period: the last year of data
OFF_TRACK = (N_("red"), N_("amber"))  # marked: the briefing prints the status
MAX_TARGET_ROWS = 8  # a briefing lists the worst few; the Targets page has them all
RANK_ROWS = 5
SMALL_MARK = "*"  # after a rate that rests on fewer than 10 records
HEADLINES = (  # metric code, label as printed
    ("uptake_per_1000", N_("Digital uptake per 1,000 eligible people")),
    ("digital_share_pct", N_("Digital share of transactions")),
    ("female_share_pct", N_("Women's share of digital transactions")),
    ("access_index", N_("Access index (0–100)")),
)
HIGHEST = N_("Highest uptake")
YOURS = N_("Your districts (rank of 35)")
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
    exact: bool = True  # False: fewer than 10 records behind the rate; printed without its rank

    @property
    def rank_text(self) -> str:
        return str(self.rank) if self.exact else disclosure.NOT_RANKED


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
    small_note: str = ""  # what `SMALL_MARK` means, when a printed rate carries it
    rank_title: str = HIGHEST
    outside_note: str = ""  # a district officer's briefing: the map shows their districts alone
    lang: str = language.DEFAULT  # the language every text above is written in

    def t(self, message: str, **values: object) -> str:
        """A marked text of the layout in the briefing's language, its `{names}` filled in."""
        return language.text(message, self.lang).format(**values)


def _marked(headline: summaries.Headline, frame: pd.DataFrame, metric: registry.Metric) -> str:
    """The headline's text, marked when its one row's rate rests on fewer than 10 records."""
    flags = disclosure.small_numerator(frame, metric)
    small = flags is not None and len(frame) == 1 and bool(flags.fillna(False).iloc[0])
    return f"{headline.text} {SMALL_MARK}" if small else headline.text


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


def _headline_text(metric: registry.Metric, frame: pd.DataFrame) -> summaries.Headline:
    return summaries.headline(metric, frame.reset_index(drop=True))


def _plain_source(text: str) -> str:
    """A source text without the 'metric_code: ' prefixes of composite indicators."""
    return source_texts.joined(_METRIC_PREFIX.sub(r"\2", p) for p in source_texts.parts([text]))


def _source_parts(text: object) -> list[str]:
    """Single sources of a '; '-joined text, without metric-code prefixes or year suffixes (the
    years are printed with each figure)."""
    if not isinstance(text, str):
        return []
    parts = (_TRAILING_YEARS.sub("", p.strip()) for p in source_texts.parts([text]))
    return [_METRIC_PREFIX.sub(r"\2", p) for p in parts if p]


def _ranks(table: pd.DataFrame, small: set[str], lang: str) -> tuple[list[RankRow], list[RankRow]]:
    """Top and bottom districts with data; the bottom list never repeats a top district. A
    district in `small` (fewer than 10 records behind its rate) is listed, marked, unranked."""
    rows = _rank_rows(table, small, lang)
    top = rows[:RANK_ROWS]
    bottom = rows[max(RANK_ROWS, len(rows) - RANK_ROWS) :]
    return top, bottom


def _rank_rows(table: pd.DataFrame, small: set[str], lang: str) -> list[RankRow]:
    ranked = table.dropna(subset=["value"])
    return [
        RankRow(
            int(r.rank),
            r.district_code,
            language.name("district", r.district_code, r.district_name, lang),
            f"{r.shown} {SMALL_MARK}" if r.district_code in small else r.shown,
            r.district_code not in small,
        )
        for r in ranked.itertuples(index=False)
    ]


def _district_note(
    frame: pd.DataFrame, code: str, name: str, n_ranked: int, rank: int, lang: str
) -> str:
    """Where the district stands: its rank (none on fewer than 10 records), and its uptake
    against what its access predicts."""
    say = functools.partial(language.say, lang=lang)
    row = frame[frame["district_code"] == code].iloc[0]
    if pd.isna(row["uptake_per_1000"]):
        return say(N_("{name} has no usage data for this selection."), name=name)
    if disclosure.is_small(row["digital_transactions"]):
        text = say(
            N_("{name} is not ranked on digital uptake ({why})"), name=name, why=say(SMALL_NOTE)
        )
    else:
        text = say(
            N_("{name} ranks {rank} of {count} districts on digital uptake"),
            name=name,
            rank=rank,
            count=n_ranked,
        )
    if not pd.isna(row["expected_uptake"]):
        text += say(
            N_(
                "; at its access index of {access} an uptake of {expected} per 1,000 would be "
                "expected, against {observed} observed"
            ),
            access=f"{row['access_index']:.1f}",
            expected=f"{row['expected_uptake']:.1f}",
            observed=f"{row['uptake_per_1000']:.1f}",
        )
    if row["quadrant"] != analysis.NO_DATA:
        quadrant = row["quadrant"]
        text += say(
            N_(" (quadrant: {quadrant} — {meaning})"),
            quadrant=say(quadrant),
            meaning=say(analysis.QUADRANTS[quadrant]),
        )
    return say(N_("{sentence}."), sentence=text)


def _targets_off_track(
    con: duckdb.DuckDBPyConnection,
    service: str | None,
    month_from: str | None,
    month_to: str | None,
    district_code: str | None,
    lang: str,
) -> tuple[pd.DataFrame, str]:
    """Red, then amber targets of the selection, furthest behind first, and a sentence about
    them; a district briefing keeps the district's targets and the province's."""
    say = functools.partial(language.say, lang=lang)
    if not trends.targets_loaded(con):
        return pd.DataFrame(), say(NO_TARGETS)
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
        return off, say(
            N_("No targets off track ({checked} targets with data checked)."), checked=checked
        )
    note = say(
        N_("{off} of {checked} targets with data are off track"), off=len(off), checked=checked
    )
    if len(off) > MAX_TARGET_ROWS:
        note += say(N_("; the {count} furthest behind are listed"), count=MAX_TARGET_ROWS)
    return off.head(MAX_TARGET_ROWS).reset_index(drop=True), say(N_("{sentence}."), sentence=note)


def briefing_content(
    con: duckdb.DuckDBPyConnection,
    *,
    district: str | None = None,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
    layer_source: str = "",
    allowed: tuple[str, ...] = (),
    lang: str = language.DEFAULT,
) -> Briefing:
    """The briefing's texts and numbers for a district (name, alias or P-code; None: the
    province), a service (None: all e-services) and a period (default: the last 12 months), in
    `lang` (English, or Urdu with the register's Urdu names)."""
    say = functools.partial(language.say, lang=lang)
    code, name = resolve_district(district) if district else (None, None)
    if code:
        name = language.name("district", code, name, lang)
    info = db.build_info(con)
    demo = info.get("has_demo") == "true"
    has_usage = int(info.get("usage_rows", "0")) > 0
    month_from, month_to = default_period(info, month_from, month_to)
    period = period_text(month_from, month_to, lang) if has_usage else ""
    words = service_words(con, service, lang)

    headlines, sources, marked = [], [], False
    by_district: dict[str, pd.DataFrame] = {}
    for metric_code, label in HEADLINES:
        metric = registry.REGISTRY[metric_code]
        province = metrics.fetch(
            con, registry.Query(metric_code, (), service, month_from, month_to)
        )
        districts = metrics.fetch(
            con, registry.Query(metric_code, ("district",), service, month_from, month_to)
        )
        by_district[metric_code] = districts
        mine = districts[districts["district_code"] == code]
        top = _headline_text(metric, province)
        own = _headline_text(metric, mine) if code else None
        shown = own if own is not None and own.source else top
        row = HeadlineRow(
            metric_code,
            say(label),
            _marked(top, province, metric),
            _marked(own, mine, metric) if own is not None else None,
            _plain_source(shown.source),
            shown.year,
        )
        marked |= any(str(t).endswith(SMALL_MARK) for t in (row.province, row.district))
        headlines.append(row)
        sources += [
            p for text in (*province["source"], *districts["source"]) for p in _source_parts(text)
        ]

    register = summaries.register(con)
    if code and code not in set(register["district_code"]):
        raise ValueError(f"{name} ({code}) is not in this database's district register")
    uptake_metric = registry.REGISTRY["uptake_per_1000"]
    uptake = by_district["uptake_per_1000"]
    ranking = summaries.district_ranking(uptake_metric, uptake, register)
    small = disclosure.small_districts(uptake, uptake_metric)
    top, bottom = _ranks(ranking, small, lang)
    rank_title = HIGHEST
    if allowed:  # a district officer: their own districts' places, the others left blank
        rows = _rank_rows(ranking, small, lang)
        top, bottom = [r for r in rows if r.district_code in allowed], []
        rank_title = YOURS
        uptake = uptake.assign(value=uptake["value"].where(uptake["district_code"].isin(allowed)))
    marked |= any(not row.exact for row in (*top, *bottom))

    district_note = ""
    if code:
        frame = analysis.district_frame(con, service, month_from, month_to)
        rank_row = ranking[ranking["district_code"] == code].iloc[0]
        rank = int(rank_row["rank"]) if not pd.isna(rank_row["rank"]) else 0
        district_note = _district_note(frame, code, str(name), len(uptake), rank, lang)

    messages = key_messages(con, service, month_from, month_to, lang=lang) if has_usage else []
    messages = [m for m in messages if not district_rule.mentions_others(m.text, allowed)]
    for message in messages:
        sources += _source_parts(message.sources)
    targets, targets_note = _targets_off_track(con, service, month_from, month_to, code, lang)
    targets = district_rule.restrict(targets, allowed)
    if not targets.empty and "source" in targets:
        sources += [p for text in targets["source"] for p in _source_parts(text)]
    sources += _source_parts(str(register["source"].iloc[0]))
    if layer_source:
        sources.append(layer_source)

    title = say(BRIEF_TITLE) + (f": {name}" if name else "")
    if has_usage:
        as_of = say(N_("data as of {month}"), month=month_text(info["last_month"], lang))
    else:
        as_of = say(N_("no usage data loaded"))
    built = say(N_("{as_of}, built {day}"), as_of=as_of, day=date.today().isoformat())
    subtitle = " · ".join(part for part in (words[:1].upper() + words[1:], period, built) if part)
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
        rank_title=say(rank_title),
        outside_note=say(N_("Districts outside yours are left blank.")) + " " if allowed else "",
        messages=messages,
        targets=targets,
        targets_note=targets_note,
        sources=list(dict.fromkeys(s.strip() for s in sources if s.strip())),
        small_note=f"{SMALL_MARK} {say(SMALL_NOTE)}." if marked else "",
        lang=lang,
    )
