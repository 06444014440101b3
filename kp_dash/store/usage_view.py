"""The view `usage`, as both engines define it: the rows the build loaded, the transaction logs
rolled up by month (`event_store`), and the accepted usage batches' Parquet files, scanned in
place (an import adds a file name here instead of copying a million rows). Logs carry no
disability, nor do batches accepted before usage files could: theirs reads 'unknown'."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from kp_dash.store import batches, event_store
from kp_dash.store.cell_table import literal

COLUMNS = (
    "batch_id",
    "month_start",
    "district_code",
    "service_code",
    "channel",
    "sex",
    "area",
    "age_band",
    "disability",
    "transactions",
    "users",
)


UNKNOWN = literal("unknown")


def statement(files: str | None, without_disability: str | None = None) -> str:
    """The `select` of `usage`, with the batches' files read as `files` (a relation of the
    engine's own: DuckDB's `read_parquet`, a Spark view) when there are any, and the files
    written before the disability column as `without_disability`."""
    sql = (
        f"select {', '.join(COLUMNS)} from usage_rows"
        f" union all select {literal(event_store.BATCH_ID)}, month_start, district_code,"
        f" service_code, channel, sex, area, age_band, {UNKNOWN}, transactions, users"
        " from events_rollup"
    )
    for relation, disability in ((files, "disability"), (without_disability, UNKNOWN)):
        if relation:
            sql += (
                " union all select batch_id, cast(month_start as date), district_code,"
                f" service_code, channel, sex, area, age_band, {disability}, transactions, users"
                f" from {relation}"
            )
    return sql


def batch_files(records: Sequence[dict]) -> list[Path]:
    """The Parquet files of the accepted usage batches among `records`."""
    return [batches.batch_path(r["batch_id"]) for r in records if r["kind"] == "usage"]


def has_disability(path: Path) -> bool:
    """Whether a batch file has the disability column (its schema alone is read)."""
    return "disability" in pq.read_schema(path).names


def create(con: duckdb.DuckDBPyConnection, records: Sequence[dict]) -> None:
    """`usage` in the database over `records`. A view's file list cannot be a parameter; the
    paths are the store's own, never user text."""
    files = batch_files(records)
    newer = [f for f in files if has_disability(f)]
    older = [f for f in files if f not in newer]
    relations = [
        f"read_parquet([{', '.join(literal(str(f)) for f in group)}])" if group else None
        for group in (newer, older)
    ]
    con.execute(f"create or replace view usage as {statement(*relations)}")
