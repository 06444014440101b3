"""A file's header against the kinds of file (`kp_dash.store.kinds`): header names matched to
contract columns (ignoring case, spaces and underscores), the kind guessed from a header, the
problems of a header and the columns left out. The rules on parsed values are each kind's
(`kinds`, with `value_checks`).
"""

from __future__ import annotations

import re
from functools import cache

import pandas as pd

from kp_dash.store import kinds
from kp_dash.store.cells import file_problem, problem_rows

LISTED_COLUMNS = 8  # columns left out are named up to this many, then counted
MIN_KIND_SCORE = 0.4  # share of a kind's required columns a header needs for the kind to be guessed


# --- columns ------------------------------------------------------------------------------------


def key(name: object) -> str:
    return re.sub(r"[\s_]+", "", str(name)).lower()


# a usage file's header words: the counts it measures and the columns that identify a row
MEASURES = ("transactions", "users")
_USAGE = kinds.get("usage").columns
ID_KEYS = {
    key(n): contract
    for contract, syns in _USAGE.items()
    if contract not in MEASURES
    for n in (contract, *syns)
}
MEASURE_KEYS = {key(n): m for m in MEASURES for n in (m, *_USAGE[m])}


def is_known_header(name: str) -> bool:
    return key(name) in _known_header_keys()


@cache
def _known_header_keys() -> frozenset[str]:
    """Every header name some kind accepts, as matched."""
    columns = (item for kind in kinds.ALL.values() for item in kind.columns.items())
    return frozenset(key(n) for contract, syns in columns for n in (contract, *syns))


def match_columns(
    columns: list[object], spec: dict[str, tuple[str, ...]]
) -> tuple[dict[str, object], list[tuple[str, object, object]]]:
    """Map contract columns to the file's header names; also returns clashes (two headers for
    one contract column)."""
    lookup = {key(name): contract for contract, syns in spec.items() for name in (contract, *syns)}
    mapping: dict[str, object] = {}
    clashes = []
    for column in columns:
        contract = lookup.get(key(column))
        if contract is None:
            continue
        if contract in mapping:
            clashes.append((contract, column, mapping[contract]))
        else:
            mapping[contract] = column
    return mapping, clashes


def guess_kind(columns: list[object]) -> str | None:
    """The kind whose required columns the header has most of (all of them for a sure guess)."""
    scores = {}
    for kind in kinds.ALL.values():
        mapping, _ = match_columns(columns, kind.columns)
        score = sum(c in mapping for c in kind.required) / len(kind.required)
        # a log is told by its whole header: a usage file short of columns is no log
        scores[kind.name] = score if score == 1 or not kind.log else 0
    ranked = sorted(scores.values(), reverse=True)
    best = max(scores, key=scores.get)
    # a clear front-runner is taken even with columns missing, so that they can be named
    return best if scores[best] >= MIN_KIND_SCORE and ranked[0] > ranked[1] else None


def unknown_kind(frame: pd.DataFrame, file: str, header_row: int = 1) -> pd.DataFrame:
    """The problem of a header that names too few contract columns to tell the kind; where it
    names none (or lies below titles), its columns are a department's own, which a mapping
    names."""
    names = ", ".join(kinds.NAMES[:-1]) + f" or {kinds.NAMES[-1]}"
    message = (
        f"cannot tell whether this is a {names} file from its header; "
        "give the kind (--kind, or the choice on the Data page)"
    )
    if header_row > 1 or not any(map(is_known_header, frame.columns)):
        message += (
            ", and which column holds what (Map the columns on the Data page, or import "
            "--mapping FILE)"
        )
    return file_problem(file, "unknown_kind", message, header_row)


def header_problems(
    frame: pd.DataFrame, file: str, kind_name: str, header_row: int = 1
) -> tuple[dict, list]:
    """The header's problems, on the spreadsheet row that holds it."""
    kind = kinds.get(kind_name)
    mapping, clashes = match_columns(list(frame.columns), kind.columns)
    problems = []
    if not mapping and any(_looks_like_data(c) for c in frame.columns):
        first = ", ".join(str(c) for c in list(frame.columns)[:4])
        message = (
            f"the sheet has no header row: row {header_row} holds data ('{first}', …); insert "
            f"a row with the column names ({', '.join(kind.required)}) above it"
        )
        return mapping, [file_problem(file, "no_header_row", message, header_row)]
    for contract, column, first in clashes:
        message = f"columns '{first}' and '{column}' both give '{contract}'; keep one"
        problems.append(
            problem_rows(file, [header_row], str(column), [column], "duplicate_column", [message])
        )
    for column in (c for c in kind.required if c not in mapping):
        names = ", ".join(f"'{n}'" for n in (column, *kind.columns[column]))
        message = f"required column is missing (accepted headers: {names})"
        problems.append(problem_rows(file, [header_row], column, [""], "missing_column", [message]))
    if kind.either and not any(c in mapping for c in kind.either):
        problems.append(
            problem_rows(
                file, [header_row], kind.either[0], [""], "missing_column", [kind.either_message]
            )
        )
    return mapping, problems


def left_out_note(columns: list[object], mapping: dict[str, object]) -> list[str]:
    """The file's columns that no contract column reads, said so that none is dropped unseen."""
    used = {str(c) for c in mapping.values()}
    left = [str(c) for c in columns if str(c) not in used]
    if not left:
        return []
    shown = ", ".join(f"'{name[:40]}'" for name in left[:LISTED_COLUMNS])
    more = f" and {len(left) - LISTED_COLUMNS} more" if len(left) > LISTED_COLUMNS else ""
    which = "column" if len(left) == 1 else "columns"
    return [f"{which} {shown}{more} not in the data contract, left out"]


def _looks_like_data(header: object) -> bool:
    text = str(header).strip()
    return bool(re.fullmatch(r"[\d.,\-/: ]+|PK\d{3}", text, flags=re.IGNORECASE))
