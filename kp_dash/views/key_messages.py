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
from kp_dash.views import disclosure, group_tables

ALL_SERVICES = "all e-services"
DEMO = " (demonstration data)"
SMALL_NOTE = "fewer than 10 digital transactions: the rate is not exact and is not ranked"


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
    name = summaries.service_name(con, service)
    return service if name is None else name[:1].lower() + name[1:]


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
    sources = _sources(
        (source_texts.joined(used["source"]), analysis.year_span(" ".join(used["year"])))
    )
    return KeyMessage(text, {"concentration_index": value}, period, sources)


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
