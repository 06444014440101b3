"""`python -m kp_dash inequality FILE`: a file in WHO's HEAT Plus template, checked whole (every
problem by row, column and value; nothing computed on bad input), then every applicable
summary measure of every setting × date × source × indicator × dimension, with its interval."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kp_dash.store.heat_template import COLUMNS

ROOT = Path(__file__).resolve().parents[2]
KEY = {"setting": "Khyber Pakhtunkhwa", "date": "2025", "source": "Demo survey",
       "indicator_abbr": "uptake", "indicator_name": "Uses an e-service (%)"}  # fmt: skip
# WHO's worked example: births attended by skilled personnel by wealth quintile
QUINTILES = [
    (75.60530, 1.5996131, 2072.436),
    (91.01997, 1.1351504, 2112.204),
    (96.03959, 0.6461946, 1983.059),
    (97.04223, 0.5676206, 2052.124),
    (99.22405, 0.2237683, 1884.510),
]


def _row(dimension: str, subgroup: str, estimate, order=0, ordered=0, **extra) -> dict:
    row = dict.fromkeys(COLUMNS, "")
    row.update(KEY, dimension=dimension, subgroup=subgroup, estimate=estimate, se=1.5,
               population=1000, setting_average=50, iso3="PAK", favourable_indicator=1,
               indicator_scale=100, ordered_dimension=ordered, subgroup_order=order)  # fmt: skip
    row.update(extra)
    return row


def _age_bands() -> list[dict]:
    return [
        _row("Wealth quintile", f"Q{i}", est, order=i, ordered=1, se=se, population=pop)
        for i, (est, se, pop) in enumerate(QUINTILES, start=1)
    ]


def _districts(count: int = 35) -> list[dict]:
    return [_row("District", f"PK5{i:02d}", 20 + i, population=1000 + 10 * i)
            for i in range(1, count + 1)]  # fmt: skip


def _sexes() -> list[dict]:
    return [_row("Sex", "Female", 40), _row("Sex", "Male", 55)]


def _write(path: Path, rows: list[dict], columns=COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _run(path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kp_dash", "inequality", str(path), *args],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _measures(result: subprocess.CompletedProcess) -> dict[str, dict[str, dict]]:
    assert result.returncode == 0, result.stderr
    found: dict[str, dict[str, dict]] = {}
    for row in json.loads(result.stdout):
        found.setdefault(row["dimension"], {})[row["measure"]] = row
    return found


def test_every_applicable_measure_of_35_districts_5_ordered_groups_and_2_sexes(tmp_path):
    path = _write(tmp_path / "heat.csv", _districts() + _age_bands() + _sexes())
    found = _measures(_run(path, "--format", "json"))
    assert list(found["District"]) == [
        "d", "r", "bgv", "bgsd", "cov", "mdbu", "mdbw", "mdmu", "mdmw",
        "idisu", "idisw", "mld", "ti", "par", "paf",
    ]  # fmt: skip
    assert list(found["Wealth quintile"]) == ["d", "r", "aci", "rci", "sii", "rii", "par", "paf"]
    assert list(found["Sex"]) == ["d", "r", "par", "paf"]
    for dimension in found.values():
        for row in dimension.values():
            assert row["ci_lb"] <= row["estimate"] <= row["ci_ub"], row
            assert {k: row[k] for k in KEY} == KEY
    # districts 21 … 55 %: the difference between the best and the worst is 34 points
    assert found["District"]["d"]["estimate"] == pytest.approx(34)
    # the worked example's SII, as WHO prints it
    assert found["Wealth quintile"]["sii"]["estimate"] == pytest.approx(31.61763, rel=2e-6)
    assert found["Sex"]["r"]["estimate"] == pytest.approx(55 / 40)


def test_the_csv_has_the_contract_s_columns_and_a_blank_where_a_measure_has_no_value(tmp_path):
    rows = [_row("Sex", "Female", 0), _row("Sex", "Male", 55)]  # a ratio over 0 has no value
    result = _run(_write(tmp_path / "heat.csv", rows))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "setting,date,source,indicator_abbr,indicator_name,dimension,measure,estimate,se,ci_lb,ci_ub"
    )
    ratio = next(line for line in lines if ",r," in line)
    assert ratio.endswith(",Sex,r,,,,")


def test_a_reference_subgroup_adds_the_mean_differences_from_it(tmp_path):
    rows = _districts(5)
    rows[2]["reference_subgroup"] = 1
    found = _measures(_run(_write(tmp_path / "heat.csv", rows), "--format", "json"))
    # estimates 21 … 25, the reference 23: mean |23 − y| = (2 + 1 + 0 + 1 + 2) ÷ 5
    assert found["District"]["mdru"]["estimate"] == pytest.approx(6 / 5)


def _refused(path: Path) -> list[str]:
    result = _run(path)
    assert result.returncode == 1
    assert result.stdout == ""  # nothing computed
    return result.stderr.splitlines()


def test_a_file_without_the_template_s_columns_is_refused_naming_them(tmp_path):
    columns = [c for c in COLUMNS if c not in ("subgroup_order", "indicator_scale")]
    lines = _refused(_write(tmp_path / "heat.csv", _sexes(), columns))
    assert lines == [
        "heat.csv: row 1: the HEAT Plus template's column(s) indicator_scale, subgroup_order "
        "are missing"
    ]


def test_every_problem_is_named_by_row_column_and_value(tmp_path):
    rows = _age_bands() + _sexes() + [_row("Area", "Urban", 30)]
    rows[0]["estimate"] = 120  # row 2
    rows[1]["population"] = -5  # row 3
    rows[2]["subgroup_order"] = 7  # row 4: orders 1, 2, 7, 4, 5
    rows[3]["estimate"] = "n/a"  # row 5
    rows[5]["reference_subgroup"] = 1  # rows 7 and 8: two references
    rows[6]["reference_subgroup"] = 1
    rows[6]["favourable_indicator"] = 2  # row 8
    lines = _refused(_write(tmp_path / "heat.csv", rows))
    where = "(Khyber Pakhtunkhwa, 2025, Demo survey)"
    assert lines == [
        "heat.csv: row 2, estimate: estimate 120 must lie within 0…100, the indicator's scale",
        f"heat.csv: row 2, subgroup_order: Wealth quintile of uptake {where} is ordered: its "
        "subgroup_order must be 1…5, each once (given: 1, 2, 7, 4, 5)",
        "heat.csv: row 3, population: population -5 cannot be negative",
        "heat.csv: row 5, estimate: estimate 'n/a' is not a number",
        f"heat.csv: row 7, favourable_indicator: Sex of uptake {where} must have one "
        "favourable_indicator for all its subgroups",
        f"heat.csv: row 7, reference_subgroup: Sex of uptake {where} has 2 reference "
        "subgroups: at most one",
        "heat.csv: row 8, favourable_indicator: favourable_indicator is 2: it must be 0 or 1",
        f"heat.csv: row 8, reference_subgroup: Sex of uptake {where} has 2 reference "
        "subgroups: at most one",
        f"heat.csv: row 9, subgroup: Area of uptake {where} has one subgroup: a measure of "
        "inequality needs two at least",
    ]


def test_a_non_ordered_dimension_with_orders_and_a_repeated_subgroup_are_refused(tmp_path):
    rows = [*_sexes(), _row("Sex", "Male", 50)]
    rows[0]["subgroup_order"] = 1
    lines = _refused(_write(tmp_path / "heat.csv", rows))
    where = "Sex of uptake (Khyber Pakhtunkhwa, 2025, Demo survey)"
    assert lines == [
        f"heat.csv: row 2, subgroup_order: {where} is not ordered: its subgroup_order must be 0",
        f"heat.csv: row 4, subgroup: this subgroup of {where} is listed twice",
    ]


def test_blank_required_cells_are_named(tmp_path):
    rows = _sexes()
    rows[1]["subgroup"] = ""
    rows[1]["indicator_scale"] = ""
    lines = _refused(_write(tmp_path / "heat.csv", rows))
    assert "heat.csv: row 3, indicator_scale: indicator_scale is required" in lines
    assert "heat.csv: row 3, subgroup: subgroup is required" in lines


def test_hostile_text_in_a_name_is_reported_as_it_is(tmp_path):
    name = "{0} {value} =cmd|' /C calc'!A0 <script>"
    rows = [_row(name, "Only", 30)]
    lines = _refused(_write(tmp_path / "heat.csv", rows))
    assert lines == [
        f"heat.csv: row 2, subgroup: {name} of uptake (Khyber Pakhtunkhwa, 2025, Demo survey) "
        "has one subgroup: a measure of inequality needs two at least"
    ]


def test_a_non_positive_scale_and_a_negative_error_are_refused(tmp_path):
    rows = _sexes()
    rows[0]["indicator_scale"] = 0
    rows[1]["se"] = -1
    lines = _refused(_write(tmp_path / "heat.csv", rows))
    assert (
        "heat.csv: row 2, indicator_scale: indicator_scale 0 must be more than 0 (100 for a %)"
        in lines
    )
    assert "heat.csv: row 3, se: se -1 cannot be negative" in lines


def test_a_workbook_in_the_template_is_read_as_the_csv_is(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    for row in _age_bands():
        sheet.append([row[c] if row[c] != "" else None for c in COLUMNS])
    book.save(tmp_path / "heat.xlsx")
    found = _measures(_run(tmp_path / "heat.xlsx", "--format", "json"))
    assert found["Wealth quintile"]["rii"]["estimate"] == pytest.approx(1.466089, rel=2e-6)
