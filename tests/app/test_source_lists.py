"""Each page's one numbered source list: drawn once at the bottom, each source once with its
year, and every caption that cites a source points into it by number."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kp_dash.views.source_list import NO_SOURCES

RunPage = Callable[[str], AppTest]  # the run_page fixture
PAGES = {
    "home": "pages/0_Home.py",
    "map": "pages/1_Map.py",
    "quality": "pages/3_Quality.py",
    "uptake": "pages/4_Uptake.py",
    "groups": "pages/5_Groups.py",
    "trends": "pages/6_Trends.py",
    "profile": "pages/7_Profile.py",
    "planning": "pages/8_Planning.py",
}
HEADING = "Sources"
LINE = re.compile(r"^(?P<number>\d+)\. (?P<entry>.+)$")
YEAR = re.compile(r"^(?P<text>.+) \((?P<year>(?:19|20)\d{2}(?:-(?:19|20)\d{2})?)\)$")
# "Source: [2]", "Sources: [1], [3]", "Sources: [1]–[4], [6]", "Sources: none for this selection"
REFERENCE = r"\[\d+\](?:–\[\d+\])?"
MARKER = re.compile(
    rf"Sources?: (?:(?P<refs>{REFERENCE}(?:, {REFERENCE})*)|none for this selection)"
)
CITES = re.compile(r"Sources?:")
DEMO = "Demonstration data"


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts_in_order(node: object) -> Iterator[tuple[str, str]]:
    """(element type, text) of the captions, markdown and subheaders of the page, in order."""
    kind = getattr(node, "type", None)
    if kind in ("caption", "markdown", "subheader"):
        yield kind, str(node.value)
    children = getattr(node, "children", None) or {}
    for child in children.values():
        yield from _texts_in_order(child)


def _page_and_list(at: AppTest) -> tuple[list[str], str]:
    """The page's captions and markdown other than its source list, and the list's text."""
    texts = list(_texts_in_order(at.main))
    headings = [
        i for i, (kind, text) in enumerate(texts) if kind == "subheader" and text == HEADING
    ]
    assert len(headings) == 1, f"expected one {HEADING!r} heading, found {len(headings)}"
    at_heading = headings[0]
    assert at_heading == len(texts) - 2, "the source list is not at the bottom of the page"
    kind, listed = texts[-1]
    assert kind == "caption"
    others = [text for i, (kind, text) in enumerate(texts[:at_heading]) if kind != "subheader"]
    return others, listed


def _entries(listed: str) -> list[str]:
    """The list's entries ("PBS Census 2023, table 1 (2023)"), checking they are numbered 1…n."""
    if listed == NO_SOURCES:
        return []
    lines = [LINE.match(line) for line in listed.split("\n")]
    assert all(lines), listed
    assert [int(m["number"]) for m in lines] == list(range(1, len(lines) + 1))
    return [m["entry"] for m in lines]


def _cited_numbers(text: str) -> set[int]:
    numbers: set[int] = set()
    for marker in MARKER.finditer(text):
        for ref in re.findall(REFERENCE, marker["refs"] or ""):
            first, *last = (int(n) for n in re.findall(r"\d+", ref))
            numbers.update(range(first, (last[0] if last else first) + 1))
    return numbers


def check_source_list(at: AppTest) -> list[str]:
    """The rules every page keeps; returns the list's entries."""
    others, listed = _page_and_list(at)
    entries = _entries(listed)
    assert len(set(entries)) == len(entries), f"a source and year listed twice: {entries}"
    joined = [entry for entry in entries if "; " in entry]
    assert not joined, f"entries naming several sources: {joined}"
    # each source's text appears once on the page: in the list, not again in a caption
    for entry in entries:
        text = (YEAR.match(entry) or re.match(r"(?P<text>.+)", entry))["text"]
        repeated = [other for other in others if text in other]
        assert not repeated, f"{text!r} is written out again: {repeated}"
    # every caption that cites a source does it by number, into the list
    cited: set[int] = set()
    for text in others:
        assert len(CITES.findall(text)) == len(MARKER.findall(text)), f"not by number: {text!r}"
        cited |= _cited_numbers(text)
    assert cited == set(range(1, len(entries) + 1)), (cited, entries)
    # the demonstration data stays labelled as simulated
    demo = [entry for entry in entries if DEMO in entry]
    assert all("simulated" in entry for entry in demo), demo
    return entries


@pytest.mark.parametrize("page", list(PAGES.values()), ids=list(PAGES))
def test_each_page_lists_each_source_once_and_cites_it_by_number(
    page: str, on_demo: Path, run_page: RunPage
) -> None:
    entries = check_source_list(_ok(run_page(page)))
    assert entries, "the demonstration data has sources on every page"
    if page != PAGES["quality"]:  # the quality checks cite the usage alone
        assert any(entry.startswith("PBS Census 2023") for entry in entries), entries
    assert any(entry.startswith(DEMO) for entry in entries), entries


@pytest.mark.parametrize("page", list(PAGES.values()), ids=list(PAGES))
def test_each_page_keeps_its_source_list_on_an_empty_database(
    page: str, on_empty: Path, run_page: RunPage
) -> None:
    entries = check_source_list(_ok(run_page(page)))
    assert not any(DEMO in entry for entry in entries)


def test_a_page_without_sources_says_so(on_empty: Path, run_page: RunPage) -> None:
    at = _ok(run_page(PAGES["quality"]))
    _, listed = _page_and_list(at)
    assert listed == NO_SOURCES == "Sources: none for this selection"


def test_home_lists_the_census_once_with_its_year(on_demo: Path, run_page: RunPage) -> None:
    # uptake's population, the access index's population weights and the ranking's population
    # are one census table: one entry, its year 2023 (not the span of the usage it divides)
    entries = check_source_list(_ok(run_page(PAGES["home"])))
    assert entries.count("PBS Census 2023, table 1 (2023)") == 1
    assert "Demonstration data (simulated, not real usage) (2025-2026)" in entries
    assert "PSLM 2019-20 (Data4Pakistan, World Bank) (2019)" in entries


def test_each_run_starts_a_new_list(on_demo: Path, run_page: RunPage) -> None:
    at = _ok(run_page(PAGES["groups"]))
    first = check_source_list(at)
    again = check_source_list(_ok(at.run()))
    assert again == first  # a rerun neither appends to nor renumbers the list


def test_another_service_lists_its_own_population(on_demo: Path, run_page: RunPage) -> None:
    at = _ok(run_page(PAGES["home"]))
    _ok(at.selectbox(key="service").set_value("college_admissions").run())
    entries = check_source_list(at)
    # uptake is per person aged 15-24; the access index is still weighted by the total
    assert "PBS Census 2023, table 5 (05 - 24 - (UNDER 15 - UNDER 5)) (2023)" in entries
    assert "PBS Census 2023, table 1 (2023)" in entries


def _draw_hostile_list() -> None:
    from kp_dash.views import source_list, ui

    sources = source_list.SourceList()
    sources.cite([("[Click here](http://example.org) *now* $x$ <b>", "2024")])
    ui.draw_sources(sources)


def test_a_source_name_from_an_imported_file_is_shown_as_plain_text() -> None:
    at = _ok(AppTest.from_function(_draw_hostile_list).run())
    (caption,) = [c.value for c in at.caption]
    # every markdown (and LaTeX) character escaped: no link, emphasis, formula or tag is drawn
    assert caption == r"1. \[Click here\](http://example.org) \*now\* \$x\$ \<b\> (2024)"
