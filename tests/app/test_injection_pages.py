"""Hostile text under Streamlit's AppTest: every page opened from a link whose query parameters
carry SQL, markup, formulas, traversal and a 10,000-character value; the Data page given a
hostile file name, cells and user name; a map whose sources came from a hostile import. No page
fails, a value that is not a choice is never used, and what is shown is plain text: never
markdown or HTML."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from kp_dash.store import batches, config, intake
from kp_dash.views import data_page, language, language_ui, page_registry
from tests.app.conftest import ROOT, TIMEOUT_S

pytestmark = pytest.mark.usefixtures("private_uploads")  # uploads apart per test

RunPage = Callable[[str], AppTest]  # the run_page fixture
PAGES = {
    "entry": "app.py",
    **{(page.address or "home").lower(): page.script for page in page_registry.PAGES},
}
DATA = PAGES["data"]
PROFILE = PAGES["profile"]
# pages with the sidebar's service and period, a metric picker, a map
WITH_SELECTION = set(PAGES) - {"data", "sources", "admin"}
WITH_METRIC = {"entry": "home_metric", "home": "home_metric", "map": "map_metric"}
WITH_MAP = {"map", "uptake", "profile"}

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
LINK = "[click](http://evil.example)"
SQL_OR = "' OR 1=1 --"
SQL_DROP = "'; DROP TABLE usage; --"
HOSTILE_PARAMS = {
    "district": SCRIPT + LINK,
    "service": SQL_OR,
    "metric": "../../x",
    "from": IMG,
    "to": SQL_DROP,
    "shapes": "=cmd|' /C calc'!A0",
}
LONG = "<b>" + "x" * 9_993 + "</b>"  # 10,000 characters
LONG_PARAMS = dict.fromkeys(HOSTILE_PARAMS, LONG)
MONTH = re.compile(r"\d{4}-\d{2}")
# markup that acts when Markdown renders it: a tag, or a link or image, unless escaped
ACTIVE = re.compile(r"(?<!\\)<(?:script|img|b>)|(?<!\\)\]\(http")
CODE_SPAN = re.compile(r"(`+) .*? \1")


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _nodes(node: object) -> Iterator[object]:
    for child in (getattr(node, "children", None) or {}).values():
        yield child
        yield from _nodes(child)


def _fields(message: Message, path: str = "") -> Iterator[tuple[str, object]]:
    """(dotted field name, value) of every field set in a proto, nested ones included."""
    for field, value in message.ListFields():
        name = f"{path}{field.name}"
        values = value if field.is_repeated else [value]
        for item in values:
            if field.type == FieldDescriptor.TYPE_MESSAGE:
                yield from _fields(item, f"{name}.")
            else:
                yield name, item


def _shown(at: AppTest) -> Iterator[tuple[object, str, object]]:
    """(element, field, value) of everything the page sent to the browser."""
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            for name, value in _fields(proto):
                yield node, name, value


def _showing(at: AppTest, text: str) -> list[str]:
    """The element types whose text (labels, options, bodies, chart specs) holds `text`."""
    return [
        f"{getattr(node, 'type', '?')}.{name}"
        for node, name, value in _shown(at)
        if isinstance(value, str) and text in value
    ]


def _html_allowed(at: AppTest) -> list[str]:
    """Elements sent with raw HTML allowed (`unsafe_allow_html`, `st.html`), but for the page's
    own style sheet of fixed text (`language_ui.page_css`, reviewed below)."""
    own = {language_ui.page_css(lang) for lang in language.LANGUAGES}
    return [
        f"{getattr(node, 'type', '?')}.{name}"
        for node, name, value in _shown(at)
        if (name.endswith("allow_html") and value is True)
        or (getattr(node, "type", "") == "html" and value not in own)
    ]


def _markdown_texts(at: AppTest) -> list[str]:
    """Texts Markdown renders (bodies, labels, help), code spans taken out: inside one nothing
    acts."""
    fields = ("body", "label", "help", "text")
    return [
        CODE_SPAN.sub("", value)
        for node, name, value in _shown(at)
        if isinstance(value, str)
        and name.rsplit(".", 1)[-1] in fields
        and getattr(node, "type", "") not in ("plotly_chart", "deck_gl_json_chart", "code")
    ]


def _open(page: str, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(ROOT / page, default_timeout=TIMEOUT_S)
    at.query_params.update(params)
    return at.run()


# --- every page, hostile links ------------------------------------------------------------------


@pytest.mark.parametrize("params", [HOSTILE_PARAMS, LONG_PARAMS], ids=["hostile", "long"])
@pytest.mark.parametrize("page", PAGES, ids=PAGES.keys())
def test_a_hostile_link_opens_every_page_with_its_defaults(
    page: str, params: dict[str, str], on_demo: Path
) -> None:
    at = _ok(_open(PAGES[page], params))
    assert _html_allowed(at) == []
    # a value that is not one of the choices is never used, nor shown as it came (the profile
    # names an unknown district escaped: tested below)
    for key, value in params.items():
        assert _showing(at, value) == [], key
    if page in WITH_SELECTION:
        assert at.selectbox(key="service").value == "all"
        assert "service" not in at.query_params  # the link is written back without it
        assert MONTH.fullmatch(at.query_params["from"]) and MONTH.fullmatch(at.query_params["to"])
    if page in WITH_METRIC:
        assert at.selectbox(key=WITH_METRIC[page]).value == "uptake_per_1000"
        assert at.query_params["metric"] == "uptake_per_1000"
    if page in WITH_MAP:
        assert "shapes" not in at.query_params  # the boundaries, the default
    if page == "profile":
        assert at.selectbox(key="profile_district").value == "PK501"
        assert at.query_params["district"] == "PK501"


def test_the_profile_names_an_unknown_district_as_plain_text(on_demo: Path) -> None:
    at = _ok(_open(PROFILE, {"district": HOSTILE_PARAMS["district"]}))
    (warning,) = [w.value for w in at.warning if "No district" in w.value]
    assert not ACTIVE.search(CODE_SPAN.sub("", warning)), warning
    # still names what was asked, character for character
    assert HOSTILE_PARAMS["district"] in warning or HOSTILE_PARAMS["district"] in re.sub(
        r"\\(.)", r"\1", warning
    )


# --- the code never lets HTML through ------------------------------------------------------------


def test_no_page_or_view_allows_raw_html() -> None:
    # Streamlit draws text from files, links and people as Markdown, which shows HTML as text
    # unless a call asks otherwise: any such call must be reviewed for what it shows
    code = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "kp_dash").rglob("*.py")]
    found = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in code
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"unsafe_allow_html|st\.html\(|components\.v1|\.html\(", line)
    ]
    # reviewed: the script that sends the browser to the session route holds fixed text, a
    # route path and a ticket of URL-safe letters (tests/unit/test_sessions.py), nothing else;
    # the page's style sheet holds fixed text, a colour and the listed font files' names alone
    assert found == [
        "kp_dash/views/auth.py: st.html(script, unsafe_allow_javascript=True)",
        "kp_dash/views/language_ui.py: st.html(page_css(lang))",
    ]


# --- the Data page: a hostile file, its name and the person's name ------------------------------


NAME = f"{IMG}{LINK} {SQL_OR} ..\\..\\x.csv"
WHO = f"{IMG}{SQL_DROP}"
NEAR_PESHAWAR = f"Peshawar{SCRIPT}"
HOSTILE_FILE = (
    "month,district,service,channel,transactions\n"
    f'2025-01,"{NEAR_PESHAWAR}",health_card,online,5\n'
    f'2025-02,PK502,"{SQL_DROP}",online,5\n'
    f"2025-03,PK502,health_card,\"=cmd|' /C calc'!A0\",5\n"
).encode()


def _inert(at: AppTest) -> None:
    active = [text for text in _markdown_texts(at) if ACTIVE.search(text)]
    assert active == []


@pytest.mark.usefixtures("own_empty")
def test_a_hostile_upload_is_checked_and_shown_as_plain_text(
    run_page: RunPage, tmp_path: Path
) -> None:
    at = _ok(run_page(DATA))
    at.text_input(key="data_who").input(WHO)
    at.file_uploader(key="data_upload").upload(NAME, HOSTILE_FILE, "text/csv")
    _ok(at.run())
    _ok(at.button(key="data_check").click().run())
    assert [e.value for e in at.error] == [
        f"{data_page.name_shown(NAME)}: rejected, 3 problem(s); nothing was written"
    ]
    (problems,) = [df.value for df in at.dataframe if "rule" in df.value.columns]
    assert problems[["row", "column", "value"]].values.tolist() == [
        [2, "district", NEAR_PESHAWAR],
        [3, "service", SQL_DROP],
        [4, "channel", "=cmd|' /C calc'!A0"],
    ]
    box = at.checkbox(key="data_confirm_0")
    assert box.label == "'Peshawar\\<script\\>alert(1)\\</script\\>' → Peshawar (PK528)"
    _inert(at)
    _ok(box.check().run())
    _ok(at.button(key="data_save_aliases").click().run())
    aliases = batches.confirmed_aliases()
    assert aliases[["alias", "district_code", "who"]].values.tolist() == [
        [NEAR_PESHAWAR, "PK528", WHO]
    ]
    # the one file written for the upload: in the upload folder, named by its content
    assert [p.parent.name for p in (tmp_path / "tmp").rglob("*") if p.is_file()] == [
        "kp_dash_uploads"
    ]
    assert batches.read_manifest().empty
    _inert(at)


@pytest.mark.usefixtures("own_empty")
def test_a_hostile_name_and_user_are_kept_as_written(run_page: RunPage) -> None:
    good = Path(__file__).parents[1] / "fixtures" / "imports" / "usage_good.csv"
    at = _ok(run_page(DATA))
    at.text_input(key="data_who").input(WHO)
    at.file_uploader(key="data_upload").upload(NAME, good.read_bytes(), "text/csv")
    _ok(at.run())
    _ok(at.button(key="data_import").click().run())
    (message,) = [s.value for s in at.success]
    assert message.startswith(f"{data_page.name_shown(NAME)}: accepted 3 usage rows as batch ")
    manifest = batches.read_manifest()
    assert manifest[["file_name", "who"]].values.tolist() == [[NAME, WHO]]
    (log,) = [df.value for df in at.dataframe if "Batch" in df.value.columns]
    assert log[["File", "Imported by"]].values.tolist() == [[NAME, WHO]]  # table cells: plain
    with duckdb.connect(str(config.db_path()), read_only=True) as con:
        assert con.execute("select file_name from usage_batches").fetchall() == [(NAME,)]
        assert con.execute("select count(*) from usage").fetchall() == [(3,)]
    _inert(at)
    batch = manifest["batch_id"][0]
    _ok(at.selectbox(key="data_withdraw_batch").set_value(batch).run())
    _ok(at.button(key="data_withdraw").click().run())
    assert batches.read_manifest()["withdrawn_by"].tolist() == [WHO]
    _inert(at)


# --- sources from a hostile import, on the Map page ---------------------------------------------


@pytest.mark.usefixtures("own_empty")
def test_hostile_sources_are_listed_as_plain_text_on_the_map(tmp_path: Path) -> None:
    register = pd.read_csv(config.SEED_DIR / "districts.csv")["district_code"]
    hostile = {"PK501": SCRIPT, "PK502": LINK, "PK503": IMG}
    rows = [
        (code, 2024, "mobile_hh_pct", "all", 50.0, "pct", hostile.get(code, "PTA 2024"))
        for code in register
    ]
    path = tmp_path / "mobile.csv"
    columns = ["district", "year", "indicator", "group", "value", "unit", "source"]
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    assert intake.import_file(path).status == "accepted"
    at = _ok(_open(PAGES["map"], {"metric": "mobile_hh_pct"}))
    assert at.selectbox(key="map_metric").value == "mobile_hh_pct"
    listed = "\n".join(c.value for c in at.main.caption)  # the numbered source list among them
    for shown in (
        "\\<script\\>alert(1)\\</script\\> (2024)",
        "\\[click\\](http://evil.example) (2024)",
        "\\<img src=x onerror=alert(1)\\> (2024)",
    ):
        assert shown in listed, listed
    assert _html_allowed(at) == []
    _inert(at)
