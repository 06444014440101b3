"""The kinds of department file, one module each (usage, indicators, targets, events): its contract
columns and the header names accepted for each, the required ones, the key a row must not
repeat, its parser and the rules on its parsed values (in DuckDB, over the file's cells:
`cell_table`), its database table and batch insert, its template's example rows and code lists,
and what it holds in words (the module's docstring, shown beside its templates).

The reader, the intake, the build, the column mappings, the command line and the templates loop
over `ALL`, which is every module of this package: adding a kind is one new module here, its
table in `sql/schema/` and its tests.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

# (validator, the file's cells in DuckDB (`cell_table.CellTable`), problems, progress) -> the
# close matches of district names; it adds its problems and leaves the parsed rows in `parsed`
Parser = Callable[..., pd.DataFrame]


@dataclass(frozen=True)
class FileKind:
    name: str
    order: int  # where it comes in lists, and which kind wins a tie when the header is guessed
    columns: dict[str, tuple[str, ...]]  # contract column -> header names accepted beside it
    required: tuple[str, ...]
    keys: tuple[str, ...]  # stored columns a row must not repeat (within a file, across batches)
    stored: tuple[str, ...]  # the columns of its accepted rows, in order
    key_words: str  # the key as people read it
    table: str  # where its accepted rows go
    insert_sql: str | None  # a validated batch file into `table` (None: scanned in place)
    final_types: dict[str, str]
    parse: Parser
    coded: tuple[str, ...]  # the columns read as codes or months (their distinct values once)
    examples: list[list[object]]  # template rows that pass validation
    code_lists: Callable[[Path], dict[str, list[str]]]  # allowed values of its coded columns
    about: str  # what the file holds, as the data contract says it (its module's docstring)
    either: tuple[str, ...] = ()  # columns of which at least one is needed
    either_message: str = ""
    defaults: dict[str, str] = field(default_factory=dict)  # a column left out reads as this
    # a transaction log (`event_logs`): read in place alone, pseudonymised, stored as monthly
    # Parquet partitions, never archived raw; guessed from a header only when it has every
    # required column
    log: bool = False


def _discover() -> dict[str, FileKind]:
    found = [
        importlib.import_module(f"{__name__}.{module.name}").KIND
        for module in pkgutil.iter_modules(__path__)
    ]
    return {kind.name: kind for kind in sorted(found, key=lambda kind: kind.order)}


ALL: dict[str, FileKind] = _discover()
NAMES = tuple(ALL)
# the kinds a column mapping may read (a log is read by its contract names, in place)
MAPPED = tuple(name for name, kind in ALL.items() if not kind.log)


def get(name: str) -> FileKind:
    """A kind by name; ValueError for an unknown one (the known ones named)."""
    if name not in ALL:
        raise ValueError(f"unknown kind '{name}' (known: {', '.join(NAMES)})")
    return ALL[name]
