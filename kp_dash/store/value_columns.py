"""Month and number columns of a file's cells in DuckDB (`cell_table`).

A month column's distinct values are each read once (`values.read_month`), with every form other
than YYYY-MM noted; a number written plainly is cast by DuckDB, and only the rest (separators,
Urdu and Arabic digits, a dash for not reported, words) is read in Python, once per distinct
text (`values.read_number`). Each reader adds its problem rows in the words of `cells`.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass

import numpy as np
import pandas as pd
import pyarrow as pa_arrow

from kp_dash.store.cell_table import CellTable, Read, clean, sentence, shown
from kp_dash.store.cells import (
    FIRST_STORABLE_MONTH,
    LAST_STORABLE_MONTH,
    MONTH_ADVICE,
    READ_FIELDS,
    month_notes,
    number_notes,
)
from kp_dash.store.values import month_advice, read_month, read_number

# a number written plainly: DuckDB casts it; anything else is read in Python once per text
_PLAIN_NUMBER = r"-?[0-9]{1,15}(\.[0-9]{1,15})?"
_NUMERIC_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
    "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE",
}  # fmt: skip


def months(
    table: CellTable, column: str, problems: list, required: bool, notes: list | None
) -> Read:
    """Months (the first of each) read from each distinct value; the lookup holds each
    value as a problem line `shown`s it and whether it is `blank`. A form other than
    YYYY-MM is a note."""
    values, raw = table.values(column)
    reads = [read_month(clean(v)) for v in values]
    texts = shown(values)
    said, kept = [], []
    for value, read, text in zip(values, reads, texts, strict=True):
        month = read.month
        too_early = month is not None and month < FIRST_STORABLE_MONTH
        if month is None and (clean(value) is not None or required):
            said.append(f"'{text}' is not a month; {month_advice(text)}")
        elif too_early:
            said.append(f"'{text}' is too early to be a month of this data; {MONTH_ADVICE}")
        else:
            said.append(None)
        kept.append(None if too_early or month is None else min(month, LAST_STORABLE_MONTH))
    month_of = pa_arrow.array(kept, pa_arrow.date32())
    blank = [clean(value) is None for value in values]
    fields = {"month": month_of, "shown": texts, "said": said, "blank": blank}
    name = table.lookup(column, raw, fields)
    said_sql = f"{name}.said"
    table.find(f"{said_sql} is not null", column, f"{name}.shown", "bad_month", said_sql, problems)
    if notes is not None:
        converted = [
            (r.month, r.written, at)
            for at, r in enumerate(reads)
            if r.written and r.month is not None and r.month >= FIRST_STORABLE_MONTH
        ]
        if converted:
            counts = table.counts(column, raw.take([at for *_, at in converted]))
            notes += month_notes(
                column,
                [(m, text, n) for (m, text, _), n in zip(converted, counts, strict=True)],
            )
    return Read(f"{name}.month", lookup=name)


def numbers(
    table: CellTable, column: str, problems: list, required: bool, notes: list | None
) -> Read:
    """Numbers (NULL when blank or marked not reported). Text that is not a number is a
    problem here; the rules on the numbers are the kind's. Numbers read from separators or
    Urdu and Arabic digits, and cells kept as not reported, are sentences in `notes`."""
    held = str(table.con.table("cells").select(column).types[0])
    if held in _NUMERIC_TYPES:  # a number column (Parquet) is used as it is
        as_double = f"cast(cells.{column} as double)"
        number = f"case when isnan({as_double}) then null else {as_double} end"
        written, unreported, reads = f"cast({number} as varchar)", "false", None
    else:
        number, written, reads = _text_numbers(table, column)
        unreported = f"coalesce({reads.name}.not_reported, false)"
    checks = [
        (
            "not_a_number",
            f"{number} is null and {written} is not null and not {unreported}",
            "is not a number",
        )
    ]
    if required:
        checks.append(("missing_value", f"{written} is null", "is blank; give a number"))
        checks.append(("missing_value", unreported, "marks it not reported; give a number"))
    value = f"coalesce({written}, '')"
    for rule, where, text in checks:
        table.find(where, column, value, rule, sentence(value, text), problems)
    if notes is not None and reads is not None and not reads.frame.empty:
        notes += number_notes(column, reads.frame, required)
    return Read(number)


def _text_numbers(table: CellTable, column: str) -> tuple[str, str, _NumberReads]:
    """Numbers written as text: a plain one cast by DuckDB; the rest (blank, separators,
    other digits, a dash, words) read in Python, once per distinct text. Returns the SQL
    of the number and of the cell as written (trimmed)."""
    odd = table.con.sql(
        f"select {column} as raw, count(*) as n from cells where {column} is null "
        f"or not regexp_full_match({column}, $plain) group by {column}",
        params={"plain": _PLAIN_NUMBER},
    ).to_arrow_table()
    raw = odd.column("raw").combine_chunks()
    written = [clean(v) for v in raw.to_pylist()]
    reads = [read_number(w if w is not None else "") for w in written]
    fields = {
        "number": [None if np.isnan(r.number) else r.number for r in reads],
        "written": written,
        **{f: [getattr(r, f) for r in reads] for f in READ_FIELDS[1:]},
        "odd": [True] * len(written),
    }
    name = table.lookup(column, raw, fields)
    frame = pd.DataFrame([astuple(r) for r in reads] or None, columns=READ_FIELDS)
    frame["cells"] = odd.column("n").to_pylist()
    frame["written"] = written
    # two cells that differ in spaces alone are one written value
    frame = (
        frame[frame["written"].notna()]
        .groupby("written", as_index=False, sort=False)
        .agg({**dict.fromkeys(READ_FIELDS, "first"), "cells": "sum"})
    )
    plain = f"{name}.odd is null"
    number = f"case when {plain} then cast(cells.{column} as double) else {name}.number end"
    text = f"case when {plain} then cells.{column} else {name}.written end"
    return number, text, _NumberReads(name, frame)


@dataclass(frozen=True)
class _NumberReads:
    """The lookup of the numbers read in Python, and its reads for the notes."""

    name: str
    frame: pd.DataFrame
