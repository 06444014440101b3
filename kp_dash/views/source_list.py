"""The numbered source list of a page: each source once, with its year, numbered in the order the
page first cites it; captions under tables and figures point to it by number (pure Python).

Frames cite their sources as `source` and `year` columns, where one text may join several sources
("Demonstration data …; PBS Census 2023, table 1") under one span of years ("2023-2026"). The list
splits such a text into its sources and gives each its own year: the year written in the part
("literacy_pct (2023): PBS Census 2023, table 12", "population weights: PBS Census 2023, table 1
(2023)"), else the years the database holds for that source (`known_years`, for usage those of
the page's selection), else the span the frame gives. A text naming one source keeps the frame's
year.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from kp_dash.numbers.source_texts import SEPARATOR as SOURCE_SEPARATOR
from kp_dash.views import language
from kp_dash.views.language import N_

NO_SOURCES = N_("Sources: none for this selection")
ONE_SOURCE, SOURCES = N_("Source: {numbers}"), N_("Sources: {numbers}")
_YEAR = r"(?:19|20)\d{2}"
_SPAN = rf"{_YEAR}(?:[-–]{_YEAR})?"
# an input named with its year before its source: "literacy_pct (2023): PBS Census 2023, table 12"
_NAMED = re.compile(rf"^[a-z0-9_]+ \((?P<year>{_YEAR})\): (?P<text>.+)$")
# a labelled source with its year after it: "population weights: PBS Census 2023, table 1 (2023)"
_LABELLED = re.compile(rf"^[A-Za-z][A-Za-z ]*: (?P<text>.+) \((?P<year>{_SPAN})\)$")
# the year closing one citation of a written list "A; B (2023-2026); C (2023)"
_CLOSING_YEAR = re.compile(rf"^(?P<text>.+) \((?P<year>{_SPAN})\)$")


@dataclass(frozen=True)
class Source:
    """One entry of the list: a single source and its year (or span of years; "" if none)."""

    text: str
    year: str = ""

    def __str__(self) -> str:
        return f"{self.text} ({self.year})" if self.year else self.text


def year_text(value: object) -> str:
    """A year cell as text: 2023, 2023.0 and "2023" all read "2023"; missing reads ""."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else str(value)
    return str(value).strip()


def span(years: Iterable[int]) -> str:
    """One year ("2023"), the first and last of several ("2019-2026"), or "" for none."""
    ordered = sorted(set(years))
    if not ordered:
        return ""
    return str(ordered[0]) if ordered[0] == ordered[-1] else f"{ordered[0]}-{ordered[-1]}"


def written_pairs(text: object) -> list[tuple[str, str]]:
    """(source, year) pairs of a written list such as "A; B (2023-2026); C (2023)", where a year
    in brackets closes the sources written since the previous one; sources after the last year
    have none."""
    if not isinstance(text, str):
        return []
    pairs: list[tuple[str, str]] = []
    pending: list[str] = []
    for part in (p.strip() for p in text.split(SOURCE_SEPARATOR)):
        if not part:
            continue
        closing = _CLOSING_YEAR.match(part)
        if closing:
            pending.append(closing["text"])
            pairs.append((SOURCE_SEPARATOR.join(pending), closing["year"]))
            pending = []
        else:
            pending.append(part)
    if pending:
        pairs.append((SOURCE_SEPARATOR.join(pending), ""))
    return pairs


def marker(numbers: Iterable[int], lang: str = language.DEFAULT) -> str:
    """What a caption says to point at entries of the list: "Source: [2]", "Sources: [1], [3]",
    "Sources: [1]–[4], [6]" (three or more in a row as a range); none: `NO_SOURCES`."""
    ordered = sorted(set(numbers))
    if not ordered:
        return language.text(NO_SOURCES, lang)
    runs: list[list[int]] = []
    for number in ordered:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"[{run[0]}]–[{run[-1]}]")
        else:
            parts.extend(f"[{n}]" for n in run)
    template = ONE_SOURCE if len(ordered) == 1 else SOURCES
    return language.say(template, lang, numbers=", ".join(parts))


class SourceList:
    """The sources one run of a page cites, in first-cited order, each (source, year) once."""

    def __init__(
        self, known_years: Mapping[str, Iterable[int]] | None = None, lang: str = language.DEFAULT
    ) -> None:
        self.lang = lang
        self._known = {
            text: tuple(sorted(set(years))) for text, years in (known_years or {}).items()
        }
        self._numbers: dict[Source, int] = {}

    def __len__(self) -> int:
        return len(self._numbers)

    @property
    def entries(self) -> list[Source]:
        return list(self._numbers)

    def cite(
        self,
        *cited: pd.DataFrame | Iterable[tuple[object, object]],
        columns: tuple[str, str] = ("source", "year"),
    ) -> str:
        """Record the sources of frames (their `columns`, source and year) or of (source, year)
        pairs, and return the caption text pointing at them."""
        numbers = [
            self._number(entry)
            for item in cited
            for source, year in _pairs(item, columns)
            for entry in self.split(source, year)
        ]
        return marker(numbers, self.lang)

    def cite_text(self, text: object) -> str:
        """Record the sources of a written list "A; B (2023-2026); C (2023)" (`written_pairs`)."""
        return self.cite(written_pairs(text))

    def lines(self) -> list[str]:
        """'1. PBS Census 2023, table 1 (2023)', … in the order of the numbers."""
        return [f"{number}. {entry}" for entry, number in self._numbers.items()]

    def caption(self) -> str:
        """The list as the text of one caption: a numbered line each, or `NO_SOURCES`."""
        return "\n".join(self.lines()) if self._numbers else language.text(NO_SOURCES, self.lang)

    def split(self, source: object, year: object) -> list[Source]:
        """The single sources of one cited text and the year of each."""
        if not isinstance(source, str) or not source.strip():
            return []
        year = year_text(year)
        parts = [p.strip() for p in source.split(SOURCE_SEPARATOR) if p.strip()]
        entries = []
        for part in parts:
            written = _NAMED.match(part) or _LABELLED.match(part)
            if written:
                entries.append(Source(written["text"], written["year"]))
            elif self._known.get(part) and (len(parts) > 1 or not year):
                entries.append(Source(part, span(self._known[part])))
            else:
                entries.append(Source(part, year))
        return entries

    def _number(self, entry: Source) -> int:
        return self._numbers.setdefault(entry, len(self._numbers) + 1)


def _pairs(
    item: pd.DataFrame | Iterable[tuple[object, object]], columns: tuple[str, str]
) -> list[tuple[object, object]]:
    if isinstance(item, pd.DataFrame):
        if item.empty or not set(columns) <= set(item.columns):
            return []
        return list(item[list(columns)].itertuples(index=False, name=None))
    return list(item)
