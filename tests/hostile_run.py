"""One way into the Data page, run in a process of its own so that its peak memory can be
measured: `python -m tests.hostile_run WAY FILE SOURCE`. WAY `check` and `import` click the
page's buttons and print the messages and tables it shows; `form` asks for the column
mapping form as the page does after a refusal of the file's header, and prints whether one
would be drawn."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).parents[1]
BUTTONS = {"check": "data_check", "import": "data_import"}


def mapping_form(path: Path, source: str) -> str:
    from kp_dash.store import cells, ingest, intake
    from kp_dash.views import column_mapping, data_page

    request = data_page.request(path.name, path.read_bytes(), "usage", "", None, source=source)
    problem = cells.file_problem(path.name, "missing_column", "no column 'district'", 1)
    validation = ingest.Validation(path.name, None, pd.DataFrame(), problem)
    refused = intake.ImportResult("rejected", None, None, 0, validation, "refused")
    return "a mapping form" if column_mapping.mapping_form(request, refused) else "no form"


def main(way: str, file: str, source: str) -> int:
    path = Path(file)
    if way == "form":
        print(mapping_form(path, source))
        return 0
    at = AppTest.from_file(ROOT / "pages" / "2_Data.py", default_timeout=120).run()
    if source:
        at.text_input(key="data_source").input(source)
    at.file_uploader(key="data_upload").upload(
        path.name, path.read_bytes(), "application/octet-stream"
    )
    at.run()
    at.button(key=BUTTONS[way]).click().run()
    for element in (*at.exception, *at.error, *at.info, *at.success):
        print(" ".join(str(element.value).split()))
    for table in at.dataframe:  # the problems, as the page lists them
        print(table.value.to_csv(index=False))
    return 1 if at.exception else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
