"""Validate department files against the data contract, reporting every problem in one pass:
each names the file, the row as a spreadsheet shows it, the column, the value, the rule and,
where one exists, a suggestion.

Validation has two stages. Parsing turns text into codes and numbers (district names through the
resolver, codes through their lists, with suggestions); then the rules on the parsed values
(ranges, whole numbers, users within transactions, months not in the future). Both are made in
DuckDB over the file's cells (`cell_table`): a plain Parquet or CSV file is read in place
(`in_place`), any other in full first (`reader`). The demonstration data and imported files go
through this same path: `validate_file` reads a file and checks it as its kind says.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from kp_dash.store import cell_table, config, db, in_place, kinds, rules, sniff
from kp_dash.store.cell_table import CellTable, Read
from kp_dash.store.cells import (
    FUZZY_COLUMNS,
    district_message,
    file_problem,
    fuzzy_frame,
)
from kp_dash.store.districts import DistrictResolver
from kp_dash.store.layout import delimiter_note
from kp_dash.store.mappings import ColumnMapping
from kp_dash.store.reader import Layout, ReadError, read_layout

PROBLEM_COLUMNS = ["file", "row", "column", "value", "rule", "message"]
FIRST_DATA_ROW = 2  # a spreadsheet shows the header as row 1

Progress = Callable[[float, str], None]


def _no_progress(fraction: float, message: str) -> None:
    """The default progress callback: report nothing."""


@dataclass
class Validation:
    """The outcome of validating one file: normalised rows, or the problems that reject it."""

    file: str
    kind: str | None
    rows: pd.DataFrame
    problems: pd.DataFrame
    fuzzy: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FUZZY_COLUMNS))
    # what was recognised and converted (layout, values), for a person to check before accepting
    notes: list[str] = field(default_factory=list)
    log: object = None  # a transaction log's rows, written by DuckDB (`event_logs.StagedLog`)

    @property
    def ok(self) -> bool:
        return self.problems.empty

    @property
    def row_count(self) -> int:
        return self.log.rows if self.log is not None else len(self.rows)

    def problem_lines(self) -> list[str]:
        return [_problem_line(p) for p in self.problems.itertuples(index=False)]


def _problem_line(p: tuple) -> str:
    place = ", ".join(part for part in (f"row {p.row}" if p.row else "", p.column) if part)
    return f"{p.file}: {place}: {p.message}" if place else f"{p.file}: {p.message}"


def no_problems() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in PROBLEM_COLUMNS})


def rejected(file: str, kind: str | None, problems: list[pd.DataFrame]) -> Validation:
    found = pd.concat(problems, ignore_index=True)
    found = found.sort_values(["row", "column"], kind="stable", ignore_index=True)
    return Validation(file, kind, pd.DataFrame(), found)


# --- the validator ------------------------------------------------------------------------------


class Validator:
    """Validates frames of any kind against CONTRACTS.md, collecting every problem."""

    def __init__(
        self,
        resolver: DistrictResolver,
        services: pd.DataFrame,
        today: date,
        seed_dir: Path = config.SEED_DIR,
    ):
        self.resolver = resolver
        self.today = today
        self.service_codes = set(services["service_code"])
        self.service_names = dict(
            zip(services["service_name"].str.lower(), services["service_code"], strict=True)
        )
        self.channels = set(pd.read_csv(seed_dir / "channels.csv")["channel"])
        indicators = pd.read_csv(seed_dir / "indicators.csv")
        self.indicator_units = dict(zip(indicators["indicator"], indicators["unit"], strict=True))
        self.metric_codes = set(db.metric_codes())
        parents = pd.read_csv(seed_dir / "district_parents.csv")
        self.parent_names = {
            tuple(sorted(group["district_code"])): name
            for name, group in parents.groupby("parent_name")
        }

    def validate(
        self,
        frame: pd.DataFrame,
        file: str,
        kind: str | None = None,
        progress: Progress = _no_progress,
        layout: Layout | None = None,
    ) -> Validation:
        kind = kind or rules.guess_kind(list(frame.columns))
        header_row = layout.header_row if layout is not None else 1
        if kind is None:
            return rejected(file, None, [rules.unknown_kind(frame, file, header_row)])
        file_kind = kinds.get(kind)
        if file_kind.log:  # read in place alone (`event_logs`), never held as a frame
            return rejected(file, kind, [_log_refused(file, header_row)])
        mapping, problems = rules.header_problems(frame, file, kind, header_row)
        if problems:
            return rejected(file, kind, problems)
        if frame.empty:
            message = "the file has no data rows (it is empty or has a header alone)"
            return rejected(file, kind, [file_problem(file, "empty_file", message)])
        cells = {c: frame[mapping[c]].reset_index(drop=True) for c in mapping}
        self.notes: list[str] = list(layout.notes) if layout is not None else []
        self.notes += rules.left_out_note(list(frame.columns), mapping)
        # the spreadsheet's own row numbers: title rows or blank rows may come before a data row
        rownum = (
            np.asarray(layout.rows)
            if layout is not None
            else np.arange(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame))
        )

        def from_frame(con) -> CellTable:
            return CellTable.from_frame(con, file, cells, rownum, set(file_kind.coded))

        return self._validate_in_sql(file_kind, file, from_frame, problems, progress)

    def _validate_in_sql(self, file_kind, file, cells_of, problems, progress) -> Validation:
        """Checks made in DuckDB over the table of cells that `cells_of(con)` makes."""
        with cell_table.checking() as con:
            table = cells_of(con)
            fuzzy = file_kind.parse(self, table, problems, progress)
            table.repeated_keys(file_kind.keys, file_kind.key_words, problems)
            if problems:
                result = rejected(file, file_kind.name, problems)
                result.fuzzy, result.notes = fuzzy, self.notes
                return result
            rows = table.rows(list(file_kind.stored))
        rows = rows.astype(file_kind.final_types)
        return Validation(file, file_kind.name, rows, no_problems(), fuzzy, self.notes)

    def validate_in_place(
        self, checked: sniff.Checked, kind: str | None, progress
    ) -> Validation | None:
        """A plain Parquet or CSV file checked by DuckDB as it reads the file (`in_place`), when
        it is clean. None when the file is not plain, or its header or rows need what reading it
        in full knows and explains (`validate`): a file with any problem is read in full."""
        name, path = checked.name, checked.path
        if (parquet := in_place.scannable_parquet(checked)) is not None:
            header, notes = parquet, []

            def load(con, mapping) -> CellTable:
                return in_place.parquet_cells(con, name, path, mapping)

        elif (text := in_place.scannable_csv(checked)) is not None:
            header, delimiter = text
            notes = delimiter_note(delimiter)

            def load(con, mapping) -> CellTable:
                at = {column: header.index(mapping[column]) for column in mapping}
                return in_place.csv_cells(con, name, path, at, delimiter, len(header))

        else:
            return None
        kind = kind or rules.guess_kind(header)
        file_kind = kinds.get(kind) if kind is not None else None
        if file_kind is None or file_kind.log:
            return None
        mapping, problems = rules.header_problems(pd.DataFrame(columns=header), name, kind)
        if problems:
            return None
        self.notes = notes + rules.left_out_note(header, mapping)
        read = []

        def cells_of(con) -> CellTable:
            table = load(con, mapping)
            read.append(table.row_count())
            if not read[0]:  # a header alone: the full reading says so
                raise _ReadInFull
            return table

        try:
            result = self._validate_in_sql(file_kind, name, cells_of, problems, progress)
        except (duckdb.Error, _ReadInFull):  # bytes that are not UTF-8, a row of another width
            logging.getLogger(__name__).info("%s is read in full", name, exc_info=True)
            return None
        if not result.ok:
            # what looks like a problem may be a layout the full reading knows (total and
            # division rows, which it checks and leaves out): it has the last word
            return None
        progress(0.7, f"{read[0]:,} rows checked")
        return result

    # districts through the resolver, services by code or name (the kinds' parsers use them) --

    def read_districts(
        self,
        table: CellTable,
        column: str,
        problems: list,
        parents: bool = False,
        province: tuple[str, ...] = (),
    ) -> tuple[Read, pd.DataFrame]:
        """Districts through the resolver (the lookup also holds each name as `written`, and
        whether it is of a district made after the 2023 census, `successor`), and the close
        matches found. With `parents`, an old parent district (Chitral, Kohistan) has no code
        and is no problem: its name is the lookup's `parent_name`. A value among `province`
        (lower case) is the province as a whole: no code, no problem."""
        resolutions: dict = {}

        def resolve(value: object) -> str | None:
            if value is None or str(value).lower() in province:
                return None
            resolutions[value] = found = self.resolver.resolve(value)
            return None if parents and found.method == "parent" else found.district_code

        def message(value: object, written: str) -> str | None:
            if value is None:
                return "district is blank; give a P-code (PK501-PK535) or a name"
            if str(value).lower() in province or _parent_name(value) is not None:
                return None
            return district_message(written, resolutions.get(value))

        def _parent_name(value: object) -> str | None:
            found = resolutions.get(value)
            if not parents or found is None or found.method != "parent":
                return None
            return self.parent_names[tuple(sorted(found.parent_codes))]

        def successor(value: object) -> bool:
            return value in resolutions and bool(resolutions[value].is_successor)

        extra = {"successor": successor, "parent_name": _parent_name}
        read = table.codes(column, resolve, "unknown_district", message, problems, extra)
        return read, fuzzy_frame(resolutions)

    def read_services(
        self, table: CellTable, column: str, problems: list, allow_all: bool = False
    ) -> Read:
        """Services by code or name (case does not matter); with `allow_all`, 'all' too."""

        def to_code(value: object) -> str | None:
            if value is None:
                return None
            text = str(value).lower()
            if text in self.service_codes or (allow_all and text == "all"):
                return text
            return self.service_names.get(text)

        return table.listed(column, sorted(self.service_codes), problems, to_code)


def _log_refused(file: str, header_row: int) -> pd.DataFrame:
    message = (
        "this is a transaction log (events): send it as Parquet, CSV or gzipped CSV files whose "
        "first row is the header, which are read in place and have their user references "
        "pseudonymised as they are read"
    )
    return file_problem(file, "log_layout", message, header_row)


class _ReadInFull(Exception):
    """A file checked in place turns out to need the full reading's explanations."""


# --- one call for a file ------------------------------------------------------------------------


def validator(
    today: date | None = None,
    seed_dir: Path = config.SEED_DIR,
    extra_aliases: pd.DataFrame | None = None,
) -> Validator:
    return Validator(
        DistrictResolver.from_seed(seed_dir, extra_aliases),
        pd.read_csv(seed_dir / "services.csv"),
        today or date.today(),
        seed_dir,
    )


def validate_file(
    path: Path | sniff.Checked,
    *,
    kind: str | None = None,
    sheet: str | None = None,
    display_name: str | None = None,
    today: date | None = None,
    extra_aliases: pd.DataFrame | None = None,
    progress: Progress | None = None,
    mapping: ColumnMapping | None = None,
) -> Validation:
    """Read and validate one file; never raises for bad content (problems say what is wrong).
    A confirmed column `mapping` names the file's header row and the contract column of each
    of its cells. A path is checked before it is read (`sniff.check`); a checked file is not
    checked again."""
    if kind is not None:
        kinds.get(kind)  # an unknown kind is the caller's mistake, not the file's
    progress = progress or _no_progress
    name = path.name if isinstance(path, sniff.Checked) else display_name or path.name
    progress(0.0, f"reading {name}")
    try:
        # the validator first: its resolver tells district names written as column headers
        checker = validator(today, extra_aliases=extra_aliases)
        checked = path if isinstance(path, sniff.Checked) else sniff.check(path, name)
        if mapping is None and sheet is None:
            if (found := checker.validate_in_place(checked, kind, progress)) is not None:
                return found
        layout = read_layout(checked, sheet, name, mapping=mapping, resolver=checker.resolver)
        frame = layout.frame
        result = checker.validate(frame, name, kind, progress, layout)
        result.notes = result.notes or list(layout.notes)  # a refusal before any cell was read
    except ReadError as error:
        return Validation(name, kind, pd.DataFrame(), error.problems)
    except Exception as error:
        # the last line of defence: a bug in the checks rejects the file, loudly, instead of
        # stopping the import with a traceback; the traceback goes to the log
        logging.getLogger(__name__).exception("validating %s failed", name)
        message = (
            f"{name} could not be checked because of an internal error "
            f"({type(error).__name__}: {error}); nothing was written; please report this "
            "together with the file"
        )
        return Validation(name, kind, pd.DataFrame(), file_problem(name, "internal_error", message))
    progress(0.7, f"{len(frame):,} rows checked")
    return result
