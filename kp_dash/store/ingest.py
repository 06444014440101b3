"""Validate department files against the data contract, reporting every problem in one pass:
each names the file, the row as a spreadsheet shows it, the column, the value, the rule and,
where one exists, a suggestion.

Validation has two stages. Parsing turns text into codes and numbers (district names through the
resolver, codes through their lists, with suggestions); the rules on the parsed values (ranges,
whole numbers, users within transactions, months not in the future) are a pandera schema per kind.
The demonstration data and imported files go through this same path: `validate_file` reads a file
(`reader`), parses each column (`cells`) and applies its kind's rules (`rules`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from kp_dash.store import config, db, kinds, rules, sniff, value_checks
from kp_dash.store.cells import (
    FUZZY_COLUMNS,
    district_message,
    file_problem,
    fuzzy_frame,
    lookup_codes,
    map_distinct,
    map_texts,
    problem_rows,
    texts,
)
from kp_dash.store.districts import DistrictResolver
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

    @property
    def ok(self) -> bool:
        return self.problems.empty

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
        rows, fuzzy, rownum = file_kind.parse(self, cells, file, rownum, problems, progress)
        value_checks.repeated_keys(rows, file_kind, file, rownum, problems)
        if problems:
            result = rejected(file, kind, problems)
            result.fuzzy, result.notes = fuzzy, self.notes
            return result
        rows = rows.astype(file_kind.final_types)
        return Validation(file, kind, rows, no_problems(), fuzzy, self.notes)

    # districts through the resolver, services by code or name (the kinds' parsers use them) --

    def districts(self, cells, file, rownum, problems) -> tuple[pd.Series, pd.DataFrame]:
        resolutions: dict = {}

        def resolve(text: object) -> str | None:
            if text is None:
                return None
            resolutions[text] = self.resolver.resolve(text)
            return resolutions[text].district_code

        codes = map_distinct(cells, resolve)
        bad = codes.isna()
        if bad.any():
            written = texts(cells)
            messages = map_texts(
                written[bad],
                lambda t: district_message(t, resolutions.get(t)),
                "district is blank; give a P-code (PK501-PK535) or a name",
            )
            problems.append(
                problem_rows(
                    file,
                    rownum[bad],
                    "district",
                    written[bad].fillna(""),
                    "unknown_district",
                    messages,
                )
            )
        return codes, fuzzy_frame(resolutions)

    def districts_or_parents(self, cells, file, rownum, problems):
        """Districts, or an old parent district (Chitral, Kohistan) kept at parent level."""
        written = texts(cells)
        resolutions = self.resolver.resolve_many(written.dropna().unique())
        parent = map_texts(written, lambda t: resolutions[t].method == "parent", False)
        parent = parent.astype(bool)
        names = map_texts(
            written.where(parent),
            lambda t: self.parent_names[tuple(sorted(resolutions[t].parent_codes))],
        ).astype("string")
        codes, fuzzy = self.districts(written.mask(parent, "PK501"), file, rownum, problems)
        return codes.mask(parent, None), names, fuzzy

    def services(self, cells, file, rownum, problems, allow_all: bool = False) -> pd.Series:
        def to_code(value):
            if value is None:
                return None
            text = str(value).lower()
            if text in self.service_codes or (allow_all and text == "all"):
                return text
            return self.service_names.get(text)

        return lookup_codes(
            cells, "service", to_code, sorted(self.service_codes), file, rownum, problems
        )


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
        layout = read_layout(path, sheet, name, mapping=mapping, resolver=checker.resolver)
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
