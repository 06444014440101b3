"""Every department-file fixture in tests/fixtures/field/ through the Data page: uploaded,
checked (what was recognised is listed before anything is imported), imported, and stored as
exactly its hand-written expected rows; an ambiguous file is refused in the problems table.
Fixtures that need a column mapping are driven in test_data_mapping.py."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kp_dash.store import batches, ingest
from kp_dash.views import data_page
from tests.app.conftest import ok as _ok
from tests.field_cases import Case, cases, expected_rows, stored_rows

pytestmark = pytest.mark.usefixtures("private_uploads")

DATA = "pages/2_Data.py"
MIME = {".xlsx": data_page.XLSX_MIME, ".csv": "text/csv"}
CASES = [c for c in cases() if c.mapping is None]


def _checked(run_page, case: Case) -> AppTest:
    at = _ok(run_page(DATA))
    mime = MIME.get(case.path.suffix, "text/plain")
    at.file_uploader(key="data_upload").upload(case.path.name, case.path.read_bytes(), mime)
    _ok(at.run())
    return _ok(at.button(key="data_check").click().run())


def _recognised(at: AppTest) -> str:
    shown = [str(m.value) for m in at.markdown if "Recognised in the file" in str(m.value)]
    return shown[0] if shown else ""


@pytest.mark.parametrize("case", [c for c in CASES if c.refusal is None], ids=lambda c: c.id)
def test_fixture_is_checked_then_imported_to_its_rows(case, own_empty, run_page):
    at = _checked(run_page, case)
    rows = len(expected_rows(case))
    assert f"{rows} rows are valid (usage); nothing imported yet." in [
        str(s.value) for s in at.success
    ]
    for note in ingest.validate_file(case.path).notes:  # each decision is listed
        assert data_page.shown_message(note) in _recognised(at) or note in _recognised(at)
    assert batches.read_manifest().empty
    _ok(at.button(key="data_import").click().run())
    assert any(f"accepted {rows} usage rows" in str(s.value) for s in at.success)
    (batch,) = batches.read_manifest()["batch_id"]
    assert stored_rows(pd.read_parquet(batches.batch_path(batch))) == expected_rows(case)


@pytest.mark.parametrize("case", [c for c in CASES if c.refusal], ids=lambda c: c.id)
def test_ambiguous_fixture_is_refused_in_the_problems_table(case, own_empty, run_page):
    at = _checked(run_page, case)
    rule, fragment = case.refusal
    (problems,) = [df.value for df in at.dataframe if "rule" in df.value.columns]
    assert rule in problems["rule"].tolist()
    assert any(fragment in message for message in problems["message"])
    _ok(at.button(key="data_import").click().run())
    assert batches.read_manifest().empty
