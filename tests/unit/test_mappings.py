"""Column mappings: what a mapping must give, where and how it is saved, which saved one a file
gets, the header a file appears to have, and the import and command line that apply one."""

from __future__ import annotations

import json
import stat
import tempfile
from datetime import date
from pathlib import Path

import pytest

from kp_dash import cli
from kp_dash.store import audit, batches, build, config, ingest, intake, mappings, sniff
from kp_dash.store.cells import ReadError
from kp_dash.store.mappings import IGNORE, ColumnMapping
from kp_dash.views import column_mapping, data_page

ROOT = Path(__file__).parents[2]
MAPPING = ROOT / "tests" / "fixtures" / "field" / "mapping"
LAYOUTS = ROOT / "tests" / "fixtures" / "field" / "layouts"
SEPTEMBER = MAPPING / "health_sep.csv"
OCTOBER = MAPPING / "health_oct.csv"
HEADER = ("Mahina", "Zila", "Khidmat", "Tareeqa", "Jins", "Kul Darkhwastain", "Remarks")
FIELDS = ("month", "district", "service", "channel", "sex", "transactions", IGNORE)
HEALTH = ColumnMapping(HEADER, FIELDS, "usage", "Health Dept")


@pytest.fixture(autouse=True)
def private_uploads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Data page saves uploads under the temporary folder; keep this test's apart."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))


def _saved(source: str = "Health Dept", header: tuple[str, ...] = HEADER) -> Path:
    return mappings.save(ColumnMapping(header, FIELDS, "usage", source), who="tester")


# --- what a mapping must give -------------------------------------------------------------------


def test_a_complete_mapping_has_no_problems():
    assert mappings.field_problems("usage", FIELDS, HEADER) == []


def test_unknown_repeated_and_missing_fields_are_each_named():
    fields = ("month", "district", "district", "colour", IGNORE, "transactions", IGNORE)
    assert mappings.field_problems("usage", fields, HEADER) == [
        "'colour' is not a column of a usage file (columns: month, district, service, channel, "
        "sex, area, age_band, disability, transactions, users, or ignore)",
        "district is given to 2 columns ('Zila', 'Khidmat'); give it to one",
        "required column(s) not given: service, channel",
    ]


def test_a_mapping_giving_nothing_names_every_required_field():
    assert mappings.field_problems("usage", (IGNORE,) * 3) == [
        "required column(s) not given: month, district, service, channel, transactions"
    ]


def test_ignored_and_unnamed_columns_are_left_out():
    mapping = ColumnMapping(("Mahina", "Remarks", "Kul"), ("month", IGNORE, "transactions"))
    assert mapping.renamed(["Mahina", "Remarks", "Kul", "extra"]) == (
        ["month", "transactions"],
        [0, 2],
    )
    assert mapping.renamed(["Mahina", "Remarks", " "]) == (["month"], [0])


def test_a_targets_mapping_needs_a_month_or_a_year():
    fields = ("service", "district", "metric", "target")
    assert mappings.field_problems("targets", fields) == [
        "required column(s) not given: month or year"
    ]
    assert mappings.field_problems("targets", (*fields, "year")) == []


def test_a_source_name_is_one_clean_line():
    assert mappings.clean_source("  Health\n Dept\x00 ") == "Health Dept"
    assert mappings.clean_source("Health\x1bDept\x7f") == "Health Dept"
    assert len(mappings.clean_source("x" * 500)) == 120


def test_a_long_header_is_shortened_in_the_note():
    mapping = ColumnMapping(("x" * 10_000, "Kul"), ("district", "transactions"), "usage", "A")
    assert mapping.note() == (
        f"column mapping confirmed for A applied: '{'x' * 39}…' → district, 'Kul' → transactions"
    )


# --- the saved files ----------------------------------------------------------------------------


def test_a_saved_mapping_is_private_json_and_recorded_in_the_trail():
    path = _saved()
    assert path.parent == config.state_dir() / "column_maps"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["source"] == "Health Dept" and record["kind"] == "usage"
    assert record["header"] == list(HEADER) and record["fields"] == list(FIELDS)
    assert record["saved"] == date.today().isoformat() and record["saved_by"] == "tester"
    (entry,) = audit.entries()
    assert entry.who == "tester"
    assert entry.what.startswith("column mapping for Health Dept (usage): Mahina=month, Zila=")
    assert not list(path.parent.glob(".*"))  # no temporary file left beside it


def test_saving_again_replaces_the_sources_mapping():
    first = _saved()
    again = mappings.save(ColumnMapping(HEADER, FIELDS, "usage", "HEALTH   dept"), who="b")
    assert again == first and len(list(first.parent.iterdir())) == 1


@pytest.mark.parametrize("source", ["../../x", "/etc/passwd", "a\\b", "..", "ضلع پشاور", "<b>"])
def test_a_source_name_never_makes_a_path(source):
    path = _saved(source)
    assert path.parent == config.state_dir() / "column_maps"
    assert path.name.endswith(f"-{HEALTH.signature}.json") and "/" not in path.name[:-5]


def test_sources_alike_in_letters_keep_their_own_files():
    assert _saved("Health Dept") != _saved("Health-Dept")


def test_a_mapping_is_not_saved_without_a_source_or_with_problems():
    with pytest.raises(mappings.MappingError, match="give the source's name"):
        _saved(" ")
    bad = ColumnMapping(HEADER, (*FIELDS[:-2], IGNORE, IGNORE), "usage", "A")
    with pytest.raises(mappings.MappingError, match="not given: transactions"):
        mappings.save(bad)
    assert not (config.state_dir() / "column_maps").exists() or not list(
        (config.state_dir() / "column_maps").iterdir()
    )


# --- mapping files given on the command line ----------------------------------------------------


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.json"
    path.write_text(text, encoding="utf-8")
    return path


def _record(**changes) -> str:
    record = {"kind": "usage", "header": list(HEADER), "fields": list(FIELDS), **changes}
    return json.dumps(record)


def test_a_mapping_file_reads_back_as_its_mapping(tmp_path):
    path = _file(tmp_path, _record(source="Health Dept"))
    assert mappings.load_file(path) == ColumnMapping(HEADER, FIELDS, "usage", "Health Dept")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("{not json", "is not JSON"),
        ("[1, 2]", "must be a JSON object"),
        (_record(fields=["month"]), "'fields' has 1 entries but 'header' has 7"),
        (
            _record(fields=[*FIELDS[:-1], "colour"]),
            "'colour' is not a column of a usage file",
        ),
        (_record(kind="events"), "'kind' must be one of usage, indicators, targets"),
        (_record(header="Mahina"), "'header' must be a list of texts"),
    ],
)
def test_a_bad_mapping_file_is_refused_naming_the_file(tmp_path, text, why):
    path = _file(tmp_path, text)
    with pytest.raises(mappings.MappingError) as refused:
        mappings.load_file(path)
    assert str(refused.value).startswith(str(path)) and why in str(refused.value)


def test_a_huge_mapping_file_is_not_read(tmp_path):
    path = _file(tmp_path, " " * (2 << 20) + _record())
    with pytest.raises(mappings.MappingError, match="too large for a column mapping"):
        mappings.load_file(path)


# --- which saved mapping a file gets ------------------------------------------------------------


def test_the_sources_own_mapping_is_found_for_its_header():
    _saved("Health Dept")
    _saved("Other office")
    found = mappings.saved_for([["Report"], list(HEADER)], "health dept")
    assert found.source == "Health Dept" and found.fields == FIELDS
    assert mappings.saved_for([list(HEADER)], "Nobody") is None
    assert mappings.saved_for([["Mahina", "Zila"]], "Health Dept") is None


def test_with_no_source_the_only_mapping_is_used_and_several_are_named():
    _saved("Health Dept")
    assert mappings.saved_for([list(HEADER)]).source == "Health Dept"
    _saved("Abbottabad office")
    with pytest.raises(mappings.SeveralSources) as several:
        mappings.saved_for([list(HEADER)])
    assert several.value.sources == ["Abbottabad office", "Health Dept"]
    assert "('Abbottabad office', 'Health Dept'); give the source" in str(several.value)


def test_a_saved_mapping_is_found_below_the_files_title_rows():
    _saved()
    assert mappings.saved_for_file(sniff.check(OCTOBER), None, "Health Dept").fields == FIELDS


# --- the header a file appears to have ----------------------------------------------------------


def test_the_apparent_header_is_the_first_row_as_wide_as_the_table():
    rows = [["Title", "", ""], [], ["a", "b", "c"], ["1", "2", "3"], ["4", "5", ""]]
    one_cell = [["Title"], [], ["a,b,c"], ["1,2,3"], ["4,5,"]]
    assert mappings.apparent_header([one_cell, rows]) == ("a", "b", "c")
    assert mappings.apparent_header([one_cell]) is None


@pytest.mark.parametrize(
    ("path", "first"),
    [
        (SEPTEMBER, ("Mahina", "Zila", "Khidmat")),
        (MAPPING / "education_sep.tsv", ("Reporting Month", "District Name (as per office)")),
        (LAYOUTS / "utf16.txt", ("month", "district", "service")),
        (LAYOUTS / "cover_sheet.xlsx", ("month", "district", "service")),
    ],
)
def test_the_apparent_header_of_each_kind_of_file(path, first):
    header = mappings.apparent_header(mappings.head_rows(sniff.check(path)))
    assert header[: len(first)] == first


def test_the_header_of_a_large_file_is_read_from_its_first_rows(tmp_path):
    # Urdu remarks: two bytes a letter, so a cut in the middle of one would not read as UTF-8
    header = (*HEADER[:-1], "Remarks (تبصرہ)")
    path = tmp_path / "big.csv"
    row = "2026-09,Peshawar,health_complaints,online,female,12," + "ٹھیک ہے " * 20 + "\n"
    lines = ["Titles\n", ",".join(header) + "\n", row * (2 * 1024 * 1024 // len(row))]
    path.write_text("".join(lines), encoding="utf-8")
    assert mappings.apparent_header(mappings.head_rows(sniff.check(path))) == header


def test_a_file_its_checks_refuse_has_no_rows_to_look_up(tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(ReadError) as refused:
        sniff.check(broken)
    assert refused.value.problems["rule"].tolist() == ["wrong_file_type"]


# --- reading, importing and the command line -----------------------------------------------------


def test_validate_file_reads_the_columns_through_the_mapping():
    result = ingest.validate_file(SEPTEMBER, mapping=HEALTH, today=date(2026, 11, 30))
    assert result.ok, result.problem_lines()
    assert sorted(result.rows["transactions"]) == [7, 12, 40]
    assert result.notes[-1].startswith("column mapping confirmed for Health Dept applied: ")


def test_an_import_applies_the_saved_mapping_and_records_the_source():
    build.build(config.db_path(), with_demo=False)
    _saved()
    result = intake.import_file(OCTOBER, who="tester", source="Health Dept")
    assert result.status == "accepted" and result.rows == 3
    (record,) = batches.read_records()
    assert record["source"] == "Health Dept"


def test_an_import_with_several_mappings_and_no_source_asks_for_it():
    _saved("Health Dept")
    _saved("Abbottabad office")
    result = intake.import_file(OCTOBER, dry_run=True)
    assert result.status == "rejected"
    (problem,) = result.validation.problems.itertuples()
    assert problem.rule == "mapping_source_needed" and "'Abbottabad office'" in problem.message


def test_the_command_line_applies_the_saved_mapping_and_says_so(capsys):
    build.build(config.db_path(), with_demo=False)
    _saved()
    _saved("Abbottabad office")  # the source given picks between the two
    code = cli.main(["import", str(OCTOBER), "--source", "Health Dept", "--dry-run"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "recognised: column mapping confirmed for Health Dept on " in err
    assert "health_oct.csv: 3 usage rows are valid (dry run: nothing was written)" in err


def test_the_command_line_takes_a_mapping_file(tmp_path, capsys):
    build.build(config.db_path(), with_demo=False)
    path = _file(tmp_path, _record())
    code = cli.main(["import", str(SEPTEMBER), "--mapping", str(path), "--dry-run"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"using the column mapping in {path}" in err
    assert "3 usage rows are valid" in err


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("{", "is not JSON"),
        (_record(fields=[*FIELDS[:-1], "colour"]), "'colour' is not a column of a usage file"),
        (_record(fields=["month"]), "'fields' has 1 entries but 'header' has 7"),
    ],
)
def test_the_command_line_refuses_a_bad_mapping_file(tmp_path, capsys, text, why):
    path = _file(tmp_path, text)
    code = cli.main(["import", str(SEPTEMBER), "--mapping", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith(f"{path}: ") and why in err and "nothing was read or written" in err
    assert batches.read_records() == []


# --- the Data page's pieces ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tab.tsv", "utf16.txt"])
def test_tab_separated_and_unicode_text_uploads_are_taken(name):
    assert {"tsv", "txt"} <= set(data_page.UPLOAD_TYPES)
    result = ingest.validate_file(LAYOUTS / name, today=date(2026, 11, 30))
    assert result.ok and len(result.rows) == 3


def _request(path: Path, source: str = "") -> data_page.Request:
    return data_page.request(path.name, path.read_bytes(), "auto", "", "tester", source=source)


def test_the_form_is_offered_for_a_header_refusal_only():
    build.build(config.db_path(), with_demo=False)
    request = _request(SEPTEMBER)
    form = column_mapping.mapping_form(request, request.run(dry_run=True))
    assert form.header == HEADER and form.kind is None
    assert [c.samples for c in form.columns][:2] == [
        ("2026-09", "2026-09", "2026-09"),
        ("Peshawar", "D.I. Khan", "PK502"),
    ]
    good = _request(LAYOUTS / "tab.tsv")
    assert column_mapping.mapping_form(good, good.run(dry_run=True)) is None
    bad = _request(ROOT / "tests" / "fixtures" / "imports" / "usage_bad.csv")
    assert column_mapping.mapping_form(bad, bad.run(dry_run=True)) is None


def test_the_forms_picks_give_a_field_for_every_header_cell():
    header = ("Mahina", "", "Kul")
    columns = (
        column_mapping.MappedColumn(0, "Mahina", ()),
        column_mapping.MappedColumn(2, "Kul", ()),
    )
    form = column_mapping.MappingForm(header, columns, "usage")
    assert form.fields(["month", "transactions"]) == ("month", IGNORE, "transactions")
    assert form.preselected("usage", column_mapping.MappedColumn(0, "Mode", ())) == 3  # channel
    assert form.preselected("usage", columns[0]) == 10  # ignore, after the ten fields
