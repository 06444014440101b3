"""Every department-file fixture in tests/fixtures/field/ through the command line: imported into
an empty database, its stored batch holds exactly the hand-written expected rows; a file whose
meaning is ambiguous is refused naming the ambiguity, and nothing is written."""

from __future__ import annotations

import pandas as pd
import pytest

from kp_dash import cli
from kp_dash.store import batches, build, config, db, ingest
from tests.field_cases import Case, cases, expected_rows, stored_rows

CASES = cases()


def _import(capsys, case: Case) -> tuple[int, str, str]:
    argv = ["import", str(case.path), "--who", "tester"]
    if case.mapping is not None:
        argv += ["--mapping", str(case.mapping)]
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _usage_count() -> int:
    with db.connect_readonly(config.db_path()) as con:
        return con.execute("select count(*) from usage").fetchall()[0][0]


def test_there_is_a_fixture_for_every_shape():
    shapes = {case.path.parent.name for case in CASES}
    assert {"layouts", "values", "names", "shapes", "mapping"} <= shapes, sorted(shapes)


@pytest.mark.parametrize("case", [c for c in CASES if c.refusal is None], ids=lambda c: c.id)
def test_fixture_imports_to_its_expected_rows(case, capsys):
    build.build(config.db_path(), with_demo=False)
    code, out, err = _import(capsys, case)
    assert code == 0, err
    batch = out.strip()
    assert f"accepted {len(expected_rows(case))} usage rows as batch {batch}" in err
    assert stored_rows(pd.read_parquet(batches.batch_path(batch))) == expected_rows(case)
    assert _usage_count() == len(expected_rows(case))


@pytest.mark.parametrize("case", [c for c in CASES if c.refusal], ids=lambda c: c.id)
def test_ambiguous_fixture_is_refused_naming_the_fix(case, capsys):
    build.build(config.db_path(), with_demo=False)
    code, out, err = _import(capsys, case)
    rule, fragment = case.refusal
    assert code == 1 and out == ""
    assert fragment in err
    assert batches.read_manifest().empty and _usage_count() == 0
    assert rule in ingest.validate_file(case.path).problems["rule"].tolist()
