"""Key messages: a few plain-language sentences drawn from the current selection, each with the
exact numbers behind it, its period and its sources. The Excluded groups page shows them; the
briefing prints the same ones. A message is only written when its numbers exist: missing data
gives fewer messages, never an invented one, and a database without usage gives none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from kp_dash.numbers import (
    analysis,
    group_rows,
    groups,
    metrics,
    registry,
    source_texts,
    summaries,
)
from kp_dash.store import db
from kp_dash.views import disclosure, group_tables, language
from kp_dash.views.language import N_

ALL_SERVICES = N_("all e-services")
DEMO = N_("demonstration data")
FULL_STOPS = ".\u06d4"  # the Latin and the Urdu full stop
SMALL_NOTE = N_("fewer than 10 digital transactions: the rate is not exact and is not ranked")


@dataclass
class KeyMessage:
    text: str
    numbers: dict[str, float] = field(default_factory=dict)
    period: str = ""
    sources: str = ""


@dataclass(frozen=True)
class Wording:
    """How the messages of one selection read: their language, the service's words, the
    period and whether the data are the demonstration's."""

    lang: str
    words: str
    first: str
    last: str
    demo: bool

    def translate(self, message: str) -> str:
        return language.text(message, self.lang)

    def say(self, message: str, **values: object) -> str:
        """The marked `message` in the language, its `{names}` filled in."""
        return language.say(message, self.lang, **values)

    def sentence(self, text: str) -> str:
        return self.say(N_("{sentence}."), sentence=text)

    def district(self, row: pd.Series | object) -> str:
        return language.name("district", row["district_code"], row["district_name"], self.lang)

    @property
    def during(self) -> str:
        first, last = (month_text(m, self.lang) for m in (self.first, self.last))
        if self.first == self.last:
            return self.say(N_("in {month}"), month=first)
        return self.say(N_("from {first} to {last}"), first=first, last=last)

    @property
    def demo_note(self) -> str:
        return f" ({self.say(DEMO)})" if self.demo else ""


def service_words(
    con: duckdb.DuckDBPyConnection, service: str | None, lang: str = language.DEFAULT
) -> str:
    """The service's name as it reads inside a sentence, or 'all e-services'."""
    if not service:
        return language.text(ALL_SERVICES, lang)
    name = summaries.service_name(con, service)
    if name is None:
        return service
    if lang != language.DEFAULT:
        return language.name("service", service, name, lang)
    return name[:1].lower() + name[1:]


def month_text(month: str, lang: str) -> str:
    """A month as the period is written: its code in English (`2025-11`), named in Urdu."""
    return month if lang == language.DEFAULT else language.month(month, lang)


def period_text(first: str | None, last: str | None, lang: str = language.DEFAULT) -> str:
    """'2025-11 to 2026-10', one month alone, or '' when there is no usage period."""
    if not first or not last:
        return ""
    if first == last:
        return month_text(first, lang)
    return language.text(N_("{first} to {last}"), lang).format(
        first=month_text(first, lang), last=month_text(last, lang)
    )


def _sources(*pairs: tuple[object, object]) -> str:
    """'source (year)' for each distinct pair with a source."""
    parts = [f"{s} ({y})" if y else str(s) for s, y in pairs if isinstance(s, str) and s]
    return "; ".join(dict.fromkeys(parts))


def _parity_message(
    con: duckdb.DuckDBPyConnection, selection: tuple, wording: Wording
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
    text = wording.say(
        N_("In {district}, women used {words} at {ratio} times the rate of men {during}{demo}"),
        district=wording.district(worst),
        words=wording.words,
        ratio=f"{worst['value']:.2f}",
        during=wording.during,
        demo=wording.demo_note,
    )
    sources = [(worst["source"], worst["year"])]
    if len(literacy) and not pd.isna(literacy["value"].iloc[0]):
        value = float(literacy["value"].iloc[0])
        numbers["literacy_female_pct"] = value
        text += wording.say(N_("; female literacy there is {percent} %"), percent=f"{value:.0f}")
        sources.append((literacy["source"].iloc[0], literacy["year"].iloc[0]))
    return KeyMessage(wording.sentence(text), numbers, period_of(wording), _sources(*sources))


def period_of(wording: Wording) -> str:
    return period_text(wording.first, wording.last, wording.lang)


def _gap_message(frame: pd.DataFrame, wording: Wording) -> KeyMessage | None:
    """The district furthest below the uptake its access level predicts."""
    gaps = frame.dropna(subset=["uptake_gap"])
    gaps = gaps[gaps["uptake_gap"] < 0]
    if gaps.empty:
        return None
    worst = gaps.sort_values(["uptake_gap", "district_name"]).iloc[0]
    text = wording.say(
        N_(
            "{district} is furthest below the uptake of {words} that its access level predicts: "
            "{observed} per 1,000 eligible people against an expected {expected}, "
            "{during}{demo}"
        ),
        district=wording.district(worst),
        words=wording.words,
        observed=f"{worst['uptake_per_1000']:.1f}",
        expected=f"{worst['expected_uptake']:.1f}",
        during=wording.during,
        demo=wording.demo_note,
    )
    if worst["access_is_parent_estimate"]:
        text += f" ({wording.say(N_('its access figure is a parent-district survey estimate'))})"
    if disclosure.is_small(worst["digital_transactions"]):
        text += f" ({wording.say(SMALL_NOTE)})"
    numbers = {
        "uptake_gap": float(worst["uptake_gap"]),
        "uptake_per_1000": float(worst["uptake_per_1000"]),
        "expected_uptake": float(worst["expected_uptake"]),
    }
    sources = _sources((worst["source"], worst["year"]))
    return KeyMessage(wording.sentence(text), numbers, period_of(wording), sources)


def _merged_message(table: pd.DataFrame, wording: Wording) -> KeyMessage | None:
    """The merged districts' uptake against the rest of the province."""
    row = table[table["group_key"] == "merged"].iloc[0]
    if pd.isna(row["ratio"]):
        return None
    text = wording.say(
        N_(
            "The merged districts used {words} at {ratio} times the rate of the other districts "
            "{during} ({merged} against {other} per 1,000 eligible people{demo})"
        ),
        words=wording.words,
        ratio=f"{row['ratio']:.2f}",
        during=wording.during,
        merged=f"{row['group_uptake_per_1000']:.1f}",
        other=f"{row['comparison_uptake_per_1000']:.1f}",
        demo=f"; {wording.say(DEMO)}" if wording.demo else "",
    )
    numbers = {
        "rate_ratio": float(row["ratio"]),
        "merged_uptake_per_1000": float(row["group_uptake_per_1000"]),
        "other_uptake_per_1000": float(row["comparison_uptake_per_1000"]),
    }
    sources = _sources((row["source"], row["year"]))
    return KeyMessage(wording.sentence(text), numbers, period_of(wording), sources)


def _concentration_message(frame: pd.DataFrame, wording: Wording) -> KeyMessage | None:
    value = analysis.concentration_index(
        frame["uptake_per_1000"], frame["eligible_population"], frame["access_index"]
    )
    if math.isnan(value):
        return None
    used = frame.dropna(subset=["uptake_per_1000", "access_index"])
    meaning = analysis.concentration_meaning(value, wording.translate).rstrip(FULL_STOPS)
    text = wording.say(
        N_("{meaning}, for {words} {during}{demo}"),
        meaning=meaning,
        words=wording.words,
        during=wording.during,
        demo=wording.demo_note,
    )
    sources = _sources(
        (source_texts.joined(used["source"]), analysis.year_span(" ".join(used["year"])))
    )
    return KeyMessage(
        wording.sentence(text), {"concentration_index": value}, period_of(wording), sources
    )


def _unserved_message(table: pd.DataFrame, wording: Wording) -> KeyMessage | None:
    total = table[table["district_code"] == "KP"].iloc[0]
    if pd.isna(total["unserved_population"]):
        return None
    people = group_tables.round_people(float(total["unserved_population"]), wording.lang)
    parents = table[(table["district_code"] != "KP") & table["access_is_parent_estimate"]]
    named = ", ".join(wording.district(row) for _, row in parents.iterrows())
    text = wording.say(
        N_(
            "An estimated {people} people eligible for {words} cannot be reached online "
            "(eligible population × (1 − access index ÷ 100); the access index rests partly on "
            "survey data{parents})"
        ),
        people=people.removeprefix("≈ "),
        words=wording.words,
        parents=wording.say(
            N_(", with parent-district survey values for {districts}"), districts=named
        )
        if named
        else "",
    )
    numbers = {"unserved_population": float(total["unserved_population"])}
    sources = _sources((total["source"], total["year"]))
    return KeyMessage(wording.sentence(text), numbers, period_of(wording), sources)


def key_messages(
    con: duckdb.DuckDBPyConnection,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
    limit: int = 5,
    lang: str = language.DEFAULT,
) -> list[KeyMessage]:
    """Up to `limit` (at most five) key messages for a service (None: all e-services) and period
    (None: all the usage loaded), in `lang`; none when the database has no usage."""
    info = db.build_info(con)
    if int(info.get("usage_rows", "0")) == 0:
        return []
    wording = Wording(
        lang,
        service_words(con, service, lang),
        month_from or info["first_month"],
        month_to or info["last_month"],
        info.get("has_demo") == "true",
    )
    selection = (service, month_from, month_to)
    frame = analysis.district_frame(con, *selection)
    has_usage = frame["digital_transactions"].notna().any()
    candidates = []
    if has_usage:
        candidates += [
            _parity_message(con, selection, wording),
            _gap_message(frame, wording),
            _merged_message(group_rows.group_table(con, *selection), wording),
            _concentration_message(frame, wording),
        ]
    candidates.append(_unserved_message(groups.unserved_table(con, *selection), wording))
    return [m for m in candidates if m is not None][: min(limit, 5)]
