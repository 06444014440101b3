"""Every map has its data as a table one click away: the expander under the map holds every
district the map draws, in the page's language."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT, TIMEOUT_S

MAPS = {  # page: rows its map's table holds
    "pages/1_Map.py": 35,
    "pages/4_Uptake.py": 35,
    "pages/7_Profile.py": 8,  # Abbottabad, the first choice, and the 7 of Hazara division
}


def map_table(page: str, lang: str | None = None):
    at = AppTest.from_file(ROOT / page, default_timeout=TIMEOUT_S)
    if lang:
        at.query_params["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (expander,) = [e for e in at.expander if e.label in ("The map as a table", "نقشہ بطور جدول")]
    return expander.label, expander.dataframe[0].value


@pytest.mark.parametrize("page", MAPS)
def test_every_map_has_its_table_under_it(on_demo, page):
    label, table = map_table(page)
    assert label == "The map as a table"
    assert len(table) == MAPS[page] and table.columns[0] == "District"
    assert table.iloc[:, 0].is_unique


def test_the_map_table_in_urdu(on_demo):
    label, table = map_table("pages/1_Map.py", "ur")
    assert label == "نقشہ بطور جدول" and table.columns[0] == "ضلع"
    assert "پشاور" in set(table["ضلع"])
