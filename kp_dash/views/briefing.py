"""What the briefing says: key messages and the briefing's figures and sentences.

Key messages: a few plain-language sentences drawn from the current selection, each with the
exact numbers behind it, its period and its sources. The Excluded groups page shows them; the
briefing prints the same ones. A message is only written when its numbers exist: missing data
gives fewer messages, never an invented one, and a database without usage gives none.

`briefing_content` gathers every number and sentence of the printable briefing (headline
figures, top and bottom districts, key messages, targets off track, sources);
`kp_dash.views.pdf_layout` only places them on A4, so the figures are tested without a PDF.
The briefing prints rates, never a count of records; under the disclosure rule
(`kp_dash.views.disclosure`) a rate on fewer than 10 records is marked `*` and not ranked.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from kp_dash.numbers import analysis, group_rows, groups, metrics, registry, summaries, trends
from kp_dash.store import db
from kp_dash.views import disclosure, group_tables

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
    parity = metrics.fetch(con, registry.Query("gender_parity", ("district",), *selection))
    parity = parity.dropna(subset=["value"])
    if parity.empty:
        return None
    worst = parity.sort_values(["value", "district_name"]).iloc[0]
    literacy = metrics.fetch(con, registry.Query("literacy_female_pct", ("district",)))
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
    if disclosure.is_small(worst["digital_transactions"]):
        text += f" ({SMALL_NOTE})"
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
    people = group_tables.round_people(float(total["unserved_population"])).removeprefix("≈ ")
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
            _merged_message(group_rows.group_table(con, *selection), words, period, demo),
            _concentration_message(frame, words, period, demo),
        ]
    candidates.append(_unserved_message(groups.unserved_table(con, *selection), words, period))
    return [m for m in candidates if m is not None][: min(limit, 5)]


# --- the printable briefing: its figures and sentences ------------------------------------------

BRIEF_TITLE = "KP Digital Inclusion — briefing"
NO_TARGETS = "No targets loaded."
PERIOD_MONTHS = 12  # the default briefing period: the last year of data
OFF_TRACK = ("red", "amber")
MAX_TARGET_ROWS = 8  # a briefing lists the worst few; the Targets page has them all
RANK_ROWS = 5
SMALL_MARK = "*"  # after a rate that rests on fewer than 10 records
SMALL_NOTE = "fewer than 10 digital transactions: the rate is not exact and is not ranked"
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
    parts = [p for p in str(text).split("; ") if p]
    return "; ".join(dict.fromkeys(_METRIC_PREFIX.sub(r"\2", p) for p in parts))


def _source_parts(text: object) -> list[str]:
    """Single sources of a '; '-joined text, without metric-code prefixes or year suffixes (the
    years are printed with each figure)."""
    if not isinstance(text, str):
        return []
    parts = (_TRAILING_YEARS.sub("", p.strip()) for p in text.split("; "))
    return [_METRIC_PREFIX.sub(r"\2", p) for p in parts if p]


def _ranks(table: pd.DataFrame, small: set[str]) -> tuple[list[RankRow], list[RankRow]]:
    """Top and bottom districts with data; the bottom list never repeats a top district. A
    district in `small` (fewer than 10 records behind its rate) is listed, marked, unranked."""
    ranked = table.dropna(subset=["value"])
    rows = [
        RankRow(
            int(r.rank),
            r.district_code,
            r.district_name,
            f"{r.shown} {SMALL_MARK}" if r.district_code in small else r.shown,
            r.district_code not in small,
        )
        for r in ranked.itertuples(index=False)
    ]
    top = rows[:RANK_ROWS]
    bottom = rows[max(RANK_ROWS, len(rows) - RANK_ROWS) :]
    return top, bottom


def _district_note(frame: pd.DataFrame, code: str, name: str, n_ranked: int, rank: int) -> str:
    """Where the district stands: its rank (none on fewer than 10 records), and its uptake
    against what its access predicts."""
    row = frame[frame["district_code"] == code].iloc[0]
    if pd.isna(row["uptake_per_1000"]):
        return f"{name} has no usage data for this selection."
    if disclosure.is_small(row["digital_transactions"]):
        text = f"{name} is not ranked on digital uptake ({SMALL_NOTE})"
    else:
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
            label,
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

    register = db.query_df(
        con,
        "select district_code, district_name, division, is_merged, source"
        " from districts order by district_code",
    )
    if code and code not in set(register["district_code"]):
        raise ValueError(f"{name} ({code}) is not in this database's district register")
    uptake_metric = registry.REGISTRY["uptake_per_1000"]
    uptake = by_district["uptake_per_1000"]
    ranking = summaries.district_ranking(uptake_metric, uptake, register)
    top, bottom = _ranks(ranking, disclosure.small_districts(uptake, uptake_metric))
    marked |= any(not row.exact for row in (*top, *bottom))

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
        small_note=f"{SMALL_MARK} {SMALL_NOTE}." if marked else "",
    )
