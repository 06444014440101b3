"""Pages in Urdu carry no English: every text a person reads on the pages of URDU_PAGES with
`?lang=ur`, and every table's headers, are in Urdu script, but for codes (`uptake_per_1000`,
commands in backticks), the names of file formats, the language's own name (English) and the
names of the sources cited."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT, TIMEOUT_S

URDU_PAGES = (
    "pages/0_Home.py",
    "pages/1_Map.py",
    "pages/2_Data.py",
    "pages/4_Uptake.py",
    "pages/5_Groups.py",
    "pages/6_Trends.py",
    "pages/7_Profile.py",
    "pages/8_Planning.py",
    "pages/3_Quality.py",
    "pages/9_Sources.py",
    "pages/10_Admin.py",
)
READ = ("body", "label", "help", "options", "placeholder", "text")
NOT_TEXT = (
    "plotly_chart",
    "deck_gl_json_chart",
    "arrow_data_frame",
    "html",
    "code",
)  # charts below
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)*")
CODE = re.compile(r"`[^`]*`|\([a-z0-9_]+\)")
# file formats, the language's own name, the sources' acronyms, SQL, UTC, a formula's MAD
NAMES = {"CSV", "Excel", "GeoJSON", "PDF", "English", "PBS", "PSLM", "MICS", "OCHA", "SQL", "UTC"}
NAMES |= {"MAD", "HEAT", "Plus", "Parquet", "gzipped", "MB"}  # WHO's HEAT Plus; formats, sizes
CODE_WORD = re.compile(r".*\d")  # a word with a digit is a code: PK502, H01


# what a chart shows in words: titles, legend names, tick and hover text, annotations
CHART_TEXT = ("text", "name", "hovertext", "hovertemplate", "ticktext")
CHART_SKIP = ("template", "shapes", "meta", "geojson", "customdata", "locations")
PLACEHOLDER = re.compile(r"%\{[^}]*\}|<[^>]*>")


def chart_texts(node: object, key: str = "") -> Iterator[tuple[str, str]]:
    """The strings a plotly figure's spec shows; a trace kept out of the legend shows no name."""
    if isinstance(node, dict):
        hidden = node.get("showlegend") is False
        for name, value in node.items():
            if name not in CHART_SKIP and not (hidden and name == "name"):
                yield from chart_texts(value, name)
    elif isinstance(node, list):
        for item in node:
            yield from chart_texts(item, key)
    elif isinstance(node, str) and key in CHART_TEXT:
        yield key, PLACEHOLDER.sub(" ", node)


def texts(at: AppTest) -> Iterator[tuple[str, str]]:
    def nodes(node):
        for child in (getattr(node, "children", None) or {}).values():
            yield child
            yield from nodes(child)

    def fields(message, path=""):
        for field, value in message.ListFields():
            for item in value if field.is_repeated else [value]:
                if field.type == FieldDescriptor.TYPE_MESSAGE:
                    yield from fields(item, f"{path}{field.name}.")
                else:
                    yield f"{path}{field.name}", item

    for node in nodes(at._tree):
        proto, kind = getattr(node, "proto", None), getattr(node, "type", "")
        if isinstance(proto, Message) and kind not in NOT_TEXT:
            for name, value in fields(proto):
                if isinstance(value, str) and name.rsplit(".", 1)[-1] in READ:
                    yield f"{kind}.{name}", value
    for chart in at.get("plotly_chart"):
        for key, value in chart_texts(json.loads(chart.proto.spec)):
            yield f"chart.{key}", value
    # a table's headers (its cells are names, numbers and sources); a styled table is relabelled
    # by its styler, which the app test does not read
    for table in at.dataframe:
        if not table.proto.arrow_data.HasField("styler"):
            for column in table.value.columns:
                yield f"table {table.key}", str(column)


@pytest.mark.parametrize("page", URDU_PAGES)
def test_a_page_in_urdu_reads_in_urdu(on_demo, page):
    at = AppTest.from_file(ROOT / page, default_timeout=TIMEOUT_S)
    at.query_params["lang"] = "ur"
    at.run()
    assert not at.exception
    shown = list(texts(at))
    # the numbered source list: the sources' own names, cited as they are published
    cited = {w for _, v in shown if re.match(r"^1\. ", v) for w in WORD.findall(v)}
    english = [
        (where, word)
        for where, value in shown
        for word in WORD.findall(CODE.sub(" ", value))
        if word not in NAMES | cited
        and "_" not in word
        and len(word) > 1
        and not CODE_WORD.match(word)
    ]
    assert english == [], sorted(set(english))
