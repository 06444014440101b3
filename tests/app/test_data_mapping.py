"""The Data page maps the columns of a department file whose headers the contract does not name:
once per source, confirmed by a person, saved, and applied without asking to the source's next
file with the same headers. Every test has its own state folder (the autouse `isolated_state`)."""

from __future__ import annotations

import json
import stat
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from kp_dash.store import accounts, audit, batches, config, sessions
from kp_dash.views import auth
from tests.app.conftest import ok as _ok
from tests.field_cases import Case, cases, expected_rows, stored_rows

pytestmark = pytest.mark.usefixtures("private_uploads")

DATA = "pages/2_Data.py"
ROOT = Path(__file__).parents[2]
MAPPING = ROOT / "tests" / "fixtures" / "field" / "mapping"
SEPTEMBER = Case(MAPPING / "health_sep.csv")
OCTOBER = Case(MAPPING / "health_oct.csv")
MAPPED_CASES = [c for c in cases() if c.mapping is not None]
SOURCE_LABEL = "Source (department or office that sent the file)"
HEALTH_FIELDS = {
    "Mahina": "month",
    "Zila": "district",
    "Khidmat": "service",
    "Tareeqa": "channel",
    "Jins": "sex",
    "Kul Darkhwastain": "transactions",
    "Remarks": "ignore",
}


def _page(user: str | None = None) -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(ROOT / DATA, default_timeout=60)
    if user:
        at.session_state[auth.SESSION_KEY] = sessions.start(user)
    return _ok(at.run())


def _texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def _checked(at: AppTest, path: Path, source: str) -> AppTest:
    at.text_input(key="data_source").input(source)
    at.file_uploader(key="data_upload").upload(path.name, path.read_bytes(), "text/csv")
    _ok(at.run())
    return _ok(at.button(key="data_check").click().run())


def _column_boxes(at: AppTest) -> dict[str, object]:
    """The field choice of each column, by the header it is for."""
    boxes = {}
    for box in at.selectbox:
        if box.label.startswith("Column "):
            header = box.label.split(": ", 1)[1].rsplit(" (e.g. ", 1)[0]
            boxes[header] = box
    return boxes


def _mapping_shown(at: AppTest) -> bool:
    return any("Map the columns" in text for text in _texts(at.markdown))


def _recognised(at: AppTest) -> str:
    shown = [t for t in _texts(at.markdown) if "Recognised in the file" in t]
    return shown[0] if shown else ""


def _map(at: AppTest, kind: str | None, fields: dict[str, str]) -> AppTest:
    """Choose the kind (when given), then a field for every column in order (`fields` by
    header, in the header's order; empty: leave the choices as they are)."""
    if kind is not None:
        _ok(at.selectbox(key="data_map_kind").set_value(kind).run())
    if fields:
        boxes = [b for b in at.selectbox if b.label.startswith("Column ")]
        for box, field in zip(boxes, fields.values(), strict=True):
            box.set_value(field)
    return _ok(at.run())


def _stored(batch_id: str) -> list[tuple]:
    return stored_rows(pd.read_parquet(batches.batch_path(batch_id)))


def _accepted_batch(at: AppTest) -> str:
    accepted = [t for t in _texts(at.success) if "usage rows as batch" in t]
    assert len(accepted) == 1, _texts(at.success) + _texts(at.error)
    return accepted[0].rsplit("batch ", 1)[1].split()[0]


def test_september_is_mapped_once_and_october_is_read_without_asking(own_empty: Path) -> None:
    at = _checked(_page(), SEPTEMBER.path, "Health Dept")
    assert "health\\_sep.csv" in _texts(at.error)[0] or "health_sep.csv" in _texts(at.error)[0]
    assert _mapping_shown(at)
    # the kind is asked first: nothing in the header says it
    assert _column_boxes(at) == {}
    assert at.button(key="data_map_confirm").disabled
    _ok(at.selectbox(key="data_map_kind").set_value("usage").run())
    labels = [box.label for box in _column_boxes(at).values()]
    assert labels == [
        "Column 1: Mahina (e.g. 2026-09, 2026-09, 2026-09)",
        "Column 2: Zila (e.g. Peshawar, D.I. Khan, PK502)",
        "Column 3: Khidmat (e.g. health\\_complaints, telemedicine, health\\_card)",
        "Column 4: Tareeqa (e.g. online, mobile\\_app, kiosk)",
        "Column 5: Jins (e.g. female, male, female)",
        "Column 6: Kul Darkhwastain (e.g. 12, 40, 7)",
        "Column 7: Remarks (e.g. Kiosk band tha)",
    ]
    assert {h: b.value for h, b in _column_boxes(at).items()} == dict.fromkeys(
        HEALTH_FIELDS, "ignore"
    )
    assert _texts(at.warning) == [
        "Before confirming: required column(s) not given: month, district, service, channel, "
        "transactions."
    ]
    # one field for two columns is named, and the button stays off
    at = _map(at, None, {**HEALTH_FIELDS, "Khidmat": "district"})
    assert _texts(at.warning) == [
        "Before confirming: district is given to 2 columns ('Zila', 'Khidmat'); give it to one; "
        "required column(s) not given: service."
    ]
    assert at.button(key="data_map_confirm").disabled
    at = _map(at, None, HEALTH_FIELDS)
    assert _texts(at.warning) == []
    at = _ok(at.button(key="data_map_confirm").click().run())
    assert "Column mapping saved for Health Dept" in _texts(at.success)[0]
    assert "3 rows are valid (usage); nothing imported yet." in _texts(at.success)
    assert not _mapping_shown(at)
    notes = _recognised(at)
    assert "header found on row 3 (rows 1–2: title and notes, left out)" in notes
    assert (
        f"column mapping confirmed for Health Dept on {date.today().isoformat()} applied: "
        "'Mahina' → month, 'Zila' → district, 'Khidmat' → service, 'Tareeqa' → channel, "
        "'Jins' → sex, 'Kul Darkhwastain' → transactions; 1 column ignored"
    ) in notes.replace("\\", "")
    saved = list((config.state_dir() / "column_maps").glob("*.json"))
    assert len(saved) == 1 and stat.S_IMODE(saved[0].stat().st_mode) == 0o600
    record = json.loads(saved[0].read_text(encoding="utf-8"))
    assert record["source"] == "Health Dept" and record["kind"] == "usage"
    assert record["header"] == list(HEALTH_FIELDS)
    assert record["fields"] == list(HEALTH_FIELDS.values())
    trail = [e for e in audit.entries() if "column mapping" in e.what]
    assert len(trail) == 1 and "Health Dept" in trail[0].what

    at = _ok(at.button(key="data_import").click().run())
    september = _accepted_batch(at)
    assert _stored(september) == expected_rows(SEPTEMBER)

    # next month: same source, same headers; no form, the mapping is applied and said
    at = _checked(at, OCTOBER.path, "Health Dept")
    assert "3 rows are valid (usage); nothing imported yet." in _texts(at.success)
    assert not _mapping_shown(at)
    assert "column mapping confirmed for Health Dept" in _recognised(at)
    at = _ok(at.button(key="data_import").click().run())
    october = _accepted_batch(at)
    assert _stored(october) == expected_rows(OCTOBER)
    sources = {r["batch_id"]: r.get("source") for r in batches.read_records()}
    assert sources == {september: "Health Dept", october: "Health Dept"}


@pytest.mark.parametrize("case", MAPPED_CASES, ids=lambda c: c.id)
def test_every_mapping_fixture_is_mapped_on_the_page_and_imports_to_its_rows(
    case: Case, own_empty: Path
) -> None:
    given = json.loads(case.mapping.read_text(encoding="utf-8"))
    at = _checked(_page(), case.path, given["source"])
    assert _mapping_shown(at)
    asked = any(box.key == "data_map_kind" for box in at.selectbox)
    at = _map(
        at,
        given["kind"] if asked else None,
        dict(zip(given["header"], given["fields"], strict=True)),
    )
    at = _ok(at.button(key="data_map_confirm").click().run())
    at = _ok(at.button(key="data_import").click().run())
    assert _stored(_accepted_batch(at)) == expected_rows(case)


def test_a_recognised_header_starts_at_its_field(own_empty: Path) -> None:
    at = _checked(_page(), MAPPING / "education_sep.tsv", "E&SE Swat office")
    at = _map(at, "usage", {})
    # 'Mode' is a name the contract accepts for channel; the others start at 'ignore'
    assert {h: b.value for h, b in _column_boxes(at).items()} == {
        "Reporting Month": "ignore",
        "District Name (as per office)": "ignore",
        "Service Type": "ignore",
        "Mode": "channel",
        "No. of Applications Received": "ignore",
        "Remarks": "ignore",
    }


def test_no_mapping_is_saved_without_a_source(own_empty: Path) -> None:
    at = _checked(_page(), SEPTEMBER.path, "")
    at = _map(at, "usage", HEALTH_FIELDS)
    assert _texts(at.warning) == [
        "Before confirming: give the source (the department or office) above."
    ]
    assert at.button(key="data_map_confirm").disabled
    assert not (config.state_dir() / "column_maps").exists()


HOSTILE = {
    '=HYPERLINK("http://x","m")': "month",
    "<script>alert(1)</script>": "district",
    "x" * 10_000: "service",
    "Tareeqa": "channel",
    "Kul": "transactions",
}


def test_a_hostile_header_and_source_break_nothing(own_empty: Path, tmp_path: Path) -> None:
    path = tmp_path / "hostile.csv"
    header = ",".join(f'"{h}"' if "," in h or '"' in h else h for h in HOSTILE)
    header = header.replace('"=HYPERLINK("http://x","m")"', '"=HYPERLINK(""http://x"",""m"")"')
    path.write_text(f"{header}\n2026-09,Peshawar,health_complaints,online,12\n", "utf-8")
    at = _map(_checked(_page(), path, "../../x"), "usage", {})
    labels = [box.label for box in at.selectbox if box.label.startswith("Column ")]
    assert labels[1] == "Column 2: \\<script\\>alert(1)\\</script\\> (e.g. Peshawar)"
    assert labels[2] == "Column 3: " + "x" * 39 + "… (e.g. health\\_complaints)"
    at = _map(at, None, HOSTILE)
    at = _ok(at.button(key="data_map_confirm").click().run())
    assert "1 rows are valid (usage); nothing imported yet." in _texts(at.success)
    # the file is named from the source's letters, inside the folder whatever the source says
    saved = list((config.state_dir() / "column_maps").iterdir())
    assert len(saved) == 1 and saved[0].name.startswith("x-")
    assert not (config.state_dir().parent / "x").exists()
    assert json.loads(saved[0].read_text(encoding="utf-8"))["header"] == list(HOSTILE)


def test_those_who_may_not_import_see_no_mapping(own_empty: Path) -> None:
    accounts.add_user("reader", "analyst", "a long enough password")
    at = _page("reader")
    assert not at.get("file_uploader")
    assert "The Data page is for data managers and administrators" in _texts(at.error)[0]


def test_a_data_manager_saves_the_mapping_under_their_login(own_empty: Path) -> None:
    accounts.add_user("amina", "data_manager", "a long enough password")
    at = _checked(_page("amina"), SEPTEMBER.path, "Health Dept")
    at = _map(at, "usage", HEALTH_FIELDS)
    _ok(at.button(key="data_map_confirm").click().run())
    trail = [e for e in audit.entries() if "column mapping" in e.what]
    assert [e.who for e in trail] == ["amina"]
