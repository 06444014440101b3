"""The numbered source list of a page: numbering, one entry per source and year, first-cited
order, the years of joined source texts, and the text a caption carries."""

from __future__ import annotations

import pandas as pd
import pytest

from kp_dash.views import source_list
from kp_dash.views.source_list import NO_SOURCES, Source, SourceList

CENSUS = "PBS Census 2023, table 1"
LITERACY = "PBS Census 2023, table 12"
PSLM = "PSLM 2019-20 (Data4Pakistan, World Bank)"
DEMO = "Demonstration data (simulated, not real usage)"


def test_numbers_follow_the_order_of_first_citation() -> None:
    sources = SourceList()
    assert sources.cite([(LITERACY, "2023")]) == "Source: [1]"
    assert sources.cite([(PSLM, "2019"), (CENSUS, "2023")]) == "Sources: [2], [3]"
    assert sources.lines() == [
        "1. PBS Census 2023, table 12 (2023)",
        "2. PSLM 2019-20 (Data4Pakistan, World Bank) (2019)",
        "3. PBS Census 2023, table 1 (2023)",
    ]


def test_a_source_cited_again_keeps_its_number() -> None:
    sources = SourceList()
    sources.cite([(CENSUS, "2023"), (PSLM, "2019")])
    # the same pair twice in one citation and again later: listed once, same number
    assert sources.cite([(PSLM, "2019"), (PSLM, "2019"), (CENSUS, "2023")]) == "Sources: [1], [2]"
    assert sources.cite([(PSLM, "2019")]) == "Source: [2]"
    assert len(sources) == 2
    assert sources.entries == [Source(CENSUS, "2023"), Source(PSLM, "2019")]


def test_the_same_source_with_another_year_is_another_entry() -> None:
    sources = SourceList()
    assert sources.cite([(PSLM, "2019"), (PSLM, "2015")]) == "Sources: [1], [2]"
    assert sources.lines() == [
        "1. PSLM 2019-20 (Data4Pakistan, World Bank) (2019)",
        "2. PSLM 2019-20 (Data4Pakistan, World Bank) (2015)",
    ]


def test_years_read_alike_whatever_their_type() -> None:
    sources = SourceList()
    # 2023, 2023.0 and "2023" are one year; a float year comes from a column with gaps
    assert sources.cite([(CENSUS, 2023), (CENSUS, 2023.0), (CENSUS, " 2023")]) == "Source: [1]"
    assert sources.lines() == ["1. PBS Census 2023, table 1 (2023)"]


def test_a_source_without_a_year_is_listed_without_one() -> None:
    sources = SourceList()
    assert sources.cite([("KP service catalogue", None)]) == "Source: [1]"
    assert sources.lines() == ["1. KP service catalogue"]


def test_a_frame_cites_its_source_and_year_columns_and_skips_rows_without_a_source() -> None:
    frame = pd.DataFrame(
        {
            "value": [1.0, 2.0, 3.0, 4.0],
            "source": [CENSUS, None, CENSUS, ""],
            "year": ["2023", None, "2023", "2023"],
        }
    )
    sources = SourceList()
    assert sources.cite(frame) == "Source: [1]"
    assert sources.lines() == ["1. PBS Census 2023, table 1 (2023)"]


def test_other_columns_can_be_cited() -> None:
    frame = pd.DataFrame({"access_source": [PSLM], "access_year": ["2019"]})
    sources = SourceList()
    assert sources.cite(frame, columns=("access_source", "access_year")) == "Source: [1]"
    assert sources.cite(frame) == NO_SOURCES  # it has no `source` column


def test_several_frames_and_pairs_in_one_citation() -> None:
    first = pd.DataFrame({"source": [CENSUS], "year": ["2023"]})
    second = pd.DataFrame({"source": [LITERACY], "year": ["2023"]})
    sources = SourceList()
    assert sources.cite(first, second, [(PSLM, "2019")]) == "Sources: [1]–[3]"


def test_nothing_cited_says_none_for_this_selection() -> None:
    sources = SourceList()
    assert sources.cite(pd.DataFrame(columns=["source", "year"])) == NO_SOURCES
    assert sources.cite([]) == NO_SOURCES
    assert NO_SOURCES == "Sources: none for this selection"
    assert sources.lines() == []
    assert sources.caption() == NO_SOURCES


def test_the_caption_is_one_numbered_line_per_source() -> None:
    sources = SourceList()
    sources.cite([(CENSUS, "2023"), (DEMO, "2025-2026")])
    assert sources.caption() == (
        "1. PBS Census 2023, table 1 (2023)\n"
        "2. Demonstration data (simulated, not real usage) (2025-2026)"
    )


@pytest.mark.parametrize(
    ("numbers", "text"),
    [
        ([], NO_SOURCES),
        ([4], "Source: [4]"),
        ([3, 1], "Sources: [1], [3]"),
        ([2, 1], "Sources: [1], [2]"),
        ([1, 2, 3], "Sources: [1]–[3]"),
        ([6, 1, 2, 3, 4, 4], "Sources: [1]–[4], [6]"),
        ([1, 2, 5, 6, 7, 9], "Sources: [1], [2], [5]–[7], [9]"),
    ],
)
def test_marker_text(numbers: list[int], text: str) -> None:
    assert source_list.marker(numbers) == text


def test_a_joined_text_is_split_into_its_sources() -> None:
    # a usage-based figure: the usage and the census population it is divided by, one span
    sources = SourceList()
    assert sources.cite([(f"{DEMO}; {CENSUS}", "2023-2026")]) == "Sources: [1], [2]"
    # not knowing their own years, both parts keep the span of the text
    assert sources.entries == [Source(DEMO, "2023-2026"), Source(CENSUS, "2023-2026")]


def test_parts_of_a_joined_text_take_the_years_the_database_knows() -> None:
    known = {DEMO: [2026, 2025], CENSUS: [2023]}
    sources = SourceList(known)
    assert sources.cite([(f"{DEMO}; {CENSUS}", "2023-2026")]) == "Sources: [1], [2]"
    assert sources.lines() == [
        "1. Demonstration data (simulated, not real usage) (2025-2026)",
        "2. PBS Census 2023, table 1 (2023)",
    ]
    # so the census cited alone later is the same entry
    assert sources.cite([(CENSUS, "2023")]) == "Source: [2]"


def test_a_single_source_keeps_the_year_its_frame_gives() -> None:
    # the frame's own year is the more exact one (say a table for 2025 only)
    sources = SourceList({DEMO: [2025, 2026]})
    sources.cite([(DEMO, "2025")])
    assert sources.entries == [Source(DEMO, "2025")]
    # with no year given, the known years are used
    sources.cite([(DEMO, "")])
    assert sources.entries[1] == Source(DEMO, "2025-2026")


def test_a_part_naming_its_input_and_year_is_cited_as_its_source_and_year() -> None:
    text = (
        "grid_light_pct (2023): PBS Census 2023, table 22; literacy_pct (2023): "
        f"{LITERACY}; mobile_hh_pct (2019): {PSLM}, parent-district estimate (Chitral)"
    )
    sources = SourceList()
    assert sources.cite([(text, "2019-2023")]) == "Sources: [1]–[3]"
    assert sources.lines() == [
        "1. PBS Census 2023, table 22 (2023)",
        "2. PBS Census 2023, table 12 (2023)",
        "3. PSLM 2019-20 (Data4Pakistan, World Bank), parent-district estimate (Chitral) (2019)",
    ]


def test_population_weights_are_cited_with_their_own_year() -> None:
    text = f"literacy_pct (2023): {LITERACY}; population weights: {CENSUS} (2023)"
    sources = SourceList()
    sources.cite([(text, "2023")])
    assert sources.entries == [Source(LITERACY, "2023"), Source(CENSUS, "2023")]


def test_demonstration_data_stays_labelled_as_simulated() -> None:
    sources = SourceList({DEMO: [2025, 2026]})
    sources.cite([(f"{DEMO}; {CENSUS}", "2023-2026")])
    assert sources.lines()[0] == "1. Demonstration data (simulated, not real usage) (2025-2026)"


def test_written_lists_are_read_back_as_source_and_year() -> None:
    text = f"{DEMO}; {CENSUS} (2023-2026); {LITERACY} (2023)"
    assert source_list.written_pairs(text) == [
        (f"{DEMO}; {CENSUS}", "2023-2026"),
        (LITERACY, "2023"),
    ]
    # a source whose name ends in brackets is not taken for a year
    assert source_list.written_pairs("PBS Census 2023, table 5 (18 & ABOVE) (2023)") == [
        ("PBS Census 2023, table 5 (18 & ABOVE)", "2023")
    ]
    assert source_list.written_pairs(f"{PSLM}; {CENSUS}") == [(f"{PSLM}; {CENSUS}", "")]
    assert source_list.written_pairs(None) == []


def test_cite_text_lists_each_source_of_a_written_list_once() -> None:
    sources = SourceList({DEMO: [2025, 2026], CENSUS: [2023]})
    first = sources.cite_text(f"{DEMO}; {CENSUS} (2023-2026); {LITERACY} (2023)")
    second = sources.cite_text(f"{CENSUS}; mobile_hh_pct (2019): {PSLM} (2019-2023)")
    assert (first, second) == ("Sources: [1]–[3]", "Sources: [2], [4]")
    assert [str(entry) for entry in sources.entries] == [
        "Demonstration data (simulated, not real usage) (2025-2026)",
        "PBS Census 2023, table 1 (2023)",
        "PBS Census 2023, table 12 (2023)",
        "PSLM 2019-20 (Data4Pakistan, World Bank) (2019)",
    ]


def test_each_list_starts_empty() -> None:
    first = SourceList()
    first.cite([(CENSUS, "2023")])
    assert len(SourceList()) == 0 and len(first) == 1
