"""Where accepted transaction logs live, and what the build makes of them.

Each accepted log is a folder `imports/events/batch_id=BATCH/month=YYYY-MM/*.parquet` (written by
`event_logs`); the view `events` scans the accepted folders in place. The table `events_rollup`
holds them at the usage grain (district × month × service × channel × sex × area × age band):
completed events as transactions, failed and abandoned ones apart, and the distinct people of
each month. An import adds a folder and rolls up again only the months it touches; a full build
rolls up every month. Pages and metrics read the rollup through the `usage` view, never the
events themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from kp_dash.store import batches, config
from kp_dash.store.cell_table import literal

KIND = "events"
BATCH_ID = "events"  # the rollup's rows in `usage`: one month's people span batches
SOURCE = "Service transaction logs (imported events)"
_COLUMNS = (
    "event_time timestamptz, district_code varchar, service_code varchar, channel varchar, "
    "status varchar, sex varchar, area varchar, age_band varchar, event_id varchar, "
    "user_ref varchar, source_file varchar, source_row integer, batch_id varchar, month varchar"
)

# the statements both engines run (`kp_dash.store.spark` translates them): the events of the
# stored files with their month, and the rollup of `events`
EVENTS = "select *, cast(month || '-01' as date) as month_start from {files}"
ROLLUP = (
    "select month_start, district_code, service_code, channel, sex, area, age_band, "
    "count(*) filter (where status = 'completed') as transactions, "
    "count(*) filter (where status = 'failed') as failed, "
    "count(*) filter (where status = 'abandoned') as abandoned, "
    "case when count(user_ref) filter (where status = 'completed') = 0 then null "
    "else count(distinct user_ref) filter (where status = 'completed') end as users "
    "from events {where} group by all"
)

# the stored files' columns, with no rows: `events` while no log is accepted
NO_EVENTS = "select {} where false".format(
    ", ".join(f"null::{c.split()[1]} as {c.split()[0]}" for c in _COLUMNS.split(", "))
)


def folder(batch_id: str) -> Path:
    return batches.imports_dir() / "events" / f"batch_id={batch_id}"


def accepted_folders(records: Sequence[dict]) -> list[Path]:
    return [folder(r["batch_id"]) for r in records if r["kind"] == KIND]


def create_view(con: duckdb.DuckDBPyConnection, records: Sequence[dict]) -> None:
    """`events`: the accepted logs' rows, with their batch and `month_start` (a view's file
    list cannot be a parameter; the paths are the store's own, never user text)."""
    folders = accepted_folders(records)
    if folders:
        globs = ", ".join(literal(str(f / "*" / "*.parquet")) for f in folders)
        source = (
            f"select * from read_parquet([{globs}], hive_partitioning = true, "
            "hive_types = {'batch_id': 'VARCHAR', 'month': 'VARCHAR'}, union_by_name = true)"
        )
    else:
        source = NO_EVENTS
    con.execute(f"create or replace view events as {EVENTS.format(files=f'({source})')}")


def touched_months(records: Sequence[dict]) -> list[str]:
    """The months (YYYY-MM) the accepted logs among `records` hold."""
    return sorted(
        {
            part.name.removeprefix("month=")
            for path in accepted_folders(records)
            for part in path.glob("month=*")
        }
    )


def roll_up(con: duckdb.DuckDBPyConnection, months: Sequence[str] | None = None) -> None:
    """The rollup made again for `months` (YYYY-MM), or for every month when None, within a
    quarter of the import's memory (distinct people per cell are many; DuckDB spills them)."""
    limit = con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    con.execute(f"set memory_limit = '{config.import_memory_mb() // 4}MB'")
    try:
        _roll_up(con, months)
    finally:
        con.execute(f"set memory_limit = {literal(limit)}")


def _roll_up(con: duckdb.DuckDBPyConnection, months: Sequence[str] | None) -> None:
    where = "" if months is None else "where month in (select unnest($months::varchar[]))"
    params = {} if months is None else {"months": list(months)}
    con.execute(
        "delete from events_rollup"
        + ("" if months is None else " where strftime(month_start, '%Y-%m') in "
           "(select unnest($months::varchar[]))"),
        params,
    )  # fmt: skip
    con.execute(f"insert into events_rollup {ROLLUP.format(where=where)}", params)


def record_source(con: duckdb.DuckDBPyConnection, loaded_at) -> None:
    """The rollup's provenance row in `usage_batches` while any log is accepted."""
    con.execute("delete from usage_batches where batch_id = ?", [BATCH_ID])
    con.execute(
        "insert into usage_batches select ?, 'admin', ?, 'transaction logs', null, count(*), ? "
        "from events_rollup having count(*) > 0",
        [BATCH_ID, SOURCE, loaded_at],
    )


def refresh(con: duckdb.DuckDBPyConnection, records: Sequence[dict], months=None) -> None:
    """The `events` view over `records`, and the rollup of `months` (all when None)."""
    create_view(con, records)
    if months is None or months:  # an import of another kind leaves the rollup as it is
        roll_up(con, months)
    record_source(con, datetime.now(UTC).replace(tzinfo=None))
