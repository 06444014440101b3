"""Rows of an incoming file that repeat rows of accepted batches: a corrected file sent again
would otherwise be counted twice. Counted in all and per batch, the first rows each a problem
that names the batch to withdraw if the file replaces it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kp_dash.store import batches, config, db, event_logs, kinds
from kp_dash.store.ingest import FIRST_DATA_ROW, Validation

OVERLAP_REPORT_LIMIT = 1000


@dataclass
class Overlap:
    """Rows of a file that repeat rows of accepted batches: how many in all, per batch, and a
    problem line for each of the first `OVERLAP_REPORT_LIMIT`."""

    total: int
    by_batch: dict[str, int]
    problems: pd.DataFrame
    files: dict[str, str]

    def summary(self, rows: int) -> str:
        batches = "; ".join(
            f"{count:,} of batch {batch} ({self.files.get(batch, 'an earlier import')})"
            for batch, count in self.by_batch.items()
        )
        listed = (
            f"the first {len(self.problems):,} are listed"
            if self.total > len(self.problems)
            else "each is listed"
        )
        return (
            f"{self.total:,} of its {rows:,} row(s) repeat rows already imported ({batches}); "
            f"{listed}; if this file replaces those batches, withdraw them first"
        )


def overlapping_rows(validation: Validation, db_path: Path | None = None) -> Overlap:
    """Rows that repeat a row of an accepted import (a corrected file sent again would otherwise
    be counted twice): counted in all and per batch, one problem each for the first rows."""
    none = Overlap(0, {}, validation.problems.iloc[0:0], {})
    path = Path(db_path or config.db_path())
    if not path.exists() or not validation.row_count:
        return none
    kind = kinds.get(validation.kind)  # its key, as stored: no batch may repeat one
    table, key = kind.table, kind.keys
    join = " and ".join(f"t.{c} is not distinct from r.{c}" for c in key)
    # the table and key names come from the kind's module; the values are never in the SQL
    matches = f"from incoming r join {table} t on {join} where t.batch_id <> 'demo'"
    with db.connect_readonly(path) as con:
        cursor = con.cursor()
        imported = f"select exists (select 1 from {table} where batch_id <> 'demo')"
        if not cursor.execute(imported).fetchall()[0][0]:  # the first import of its kind
            return none
        _incoming(cursor, validation, key)
        counts = cursor.execute(
            f"select t.batch_id, count(*) as n {matches} group by t.batch_id order by min(r.row)"
        ).df()
        if counts.empty:
            return none
        hits = cursor.execute(
            f"select r.file, r.row, t.batch_id {matches} order by r.file, r.row limit ?",
            [OVERLAP_REPORT_LIMIT],
        ).df()
    files = {r["batch_id"]: r["file_name"] for r in batches.read_records()}
    messages = [
        f"repeats a row of batch {b} ({files.get(b, 'an earlier import')}); if this "
        f"file replaces it, withdraw batch {b} first"
        for b in hits["batch_id"]
    ]
    problems = pd.DataFrame(
        {
            "file": hits["file"],
            "row": hits["row"].astype("int64"),
            "column": "",
            "value": "",
            "rule": "already_imported_row",
            "message": messages,
        }
    )
    by_batch = dict(zip(counts["batch_id"], counts["n"].astype(int), strict=True))
    # accepted batches never share a key, so each repeated row matches one batch
    return Overlap(sum(by_batch.values()), by_batch, problems, files)


def _incoming(cursor, validation: Validation, key: tuple[str, ...]) -> None:
    """The view `incoming`: the file and row of each incoming row, and its key."""
    if validation.log is not None:  # a log's own rows, with a key (event id) to repeat
        scan = event_logs.scan(validation.log.folder)
        keys = ", ".join(key)
        cursor.execute(
            f"create temp view incoming as select source_file as file, source_row as row, {keys} "
            f"from {scan} where not ({' and '.join(f'{k} is null' for k in key)})"
        )
        return
    rows = validation.rows[list(key)].assign(
        file=validation.file, row=range(FIRST_DATA_ROW, len(validation.rows) + FIRST_DATA_ROW)
    )
    cursor.register("incoming", rows)
