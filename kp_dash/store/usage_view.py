"""The view `usage`, as both engines define it: the rows the build loaded, the transaction logs
rolled up by month (`event_store`), and the accepted usage batches' Parquet files, scanned in
place (an import adds a file name here instead of copying a million rows)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

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
    "transactions",
    "users",
)


def statement(files: str | None) -> str:
    """The `select` of `usage`, with the batches' files read as `files` (a relation of the
    engine's own: DuckDB's `read_parquet`, a Spark view) when there are any."""
    sql = (
        f"select {', '.join(COLUMNS)} from usage_rows"
        f" union all select {literal(event_store.BATCH_ID)}, month_start, district_code,"
        " service_code, channel, sex, area, age_band, transactions, users from events_rollup"
    )
    if files:
        sql += (
            " union all select batch_id, cast(month_start as date), district_code, service_code,"
            f" channel, sex, area, age_band, transactions, users from {files}"
        )
    return sql


def batch_files(records: Sequence[dict]) -> list[Path]:
    """The Parquet files of the accepted usage batches among `records`."""
    return [batches.batch_path(r["batch_id"]) for r in records if r["kind"] == "usage"]


def create(con: duckdb.DuckDBPyConnection, records: Sequence[dict]) -> None:
    """`usage` in the database over `records`. A view's file list cannot be a parameter; the
    paths are the store's own, never user text."""
    listed = ", ".join(literal(str(f)) for f in batch_files(records))
    files = f"read_parquet([{listed}])" if listed else None
    con.execute(f"create or replace view usage as {statement(files)}")
