"""How fresh the data are: for every usage batch, accepted import and seed source, the months
it covers, when it was imported and how late; the usage sources the quality checks ran on; and the
history of imports (accepted, then perhaps withdrawn) from the manifest.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pandas as pd

from kp_dash.numbers import analysis
from kp_dash.store import db
from kp_dash.store.batches import MANIFEST_COLUMNS

NOT_LOADED = "import (not yet in the database)"  # the source of an accepted import not built in
IMPORT_COLUMNS = [
    "batch_id",
    "kind",
    "file_name",
    "rows",
    "months",
    "imported_at",
    "who",
    "status",
    "withdrawn_at",
    "withdrawn_by",
]


# --- timeliness --------------------------------------------------------------------------------

_BATCH_SQL = """
select b.batch_id, b.source_kind, b.source, b.file_name, b.row_count, b.loaded_at,
       strftime(min(u.month_start), '%Y-%m') as first_month,
       strftime(max(u.month_start), '%Y-%m') as last_month
from usage_batches as b
left join usage as u using (batch_id)
group by all
order by b.loaded_at, b.batch_id
"""
_SEED_SQL = """
select seed_table, source, year from stg_seed_sources
where year is not null
order by seed_table, year
"""
TIMELINESS_COLUMNS = [
    "kind",
    "name",
    "file",
    "source",
    "months_covered",
    "imported_at",
    "lag_days",
    "year",
    "age_years",
]


def _accepted(manifest: pd.DataFrame | None) -> pd.DataFrame:
    if manifest is None or manifest.empty:
        return pd.DataFrame(columns=MANIFEST_COLUMNS)
    return manifest[manifest["status"].fillna("accepted") == "accepted"]


def _utc(text: object) -> pd.Timestamp:
    """A manifest or database time as naive UTC (NaT when absent)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return pd.NaT
    stamp = pd.Timestamp(text)
    if pd.isna(stamp):
        return pd.NaT
    return stamp.tz_convert(UTC).tz_localize(None) if stamp.tzinfo else stamp


def _months_text(first: object, last: object) -> str:
    first, last = (m if isinstance(m, str) and m else "" for m in (first, last))
    if not first:
        return ""
    return first if first == last or not last else f"{first} to {last}"


def _covered_years(first: object, last: object, imported: pd.Timestamp) -> str:
    """The years of the months covered; without months (an indicator import), the year imported."""
    years = analysis.year_span(" ".join(m for m in (first, last) if isinstance(m, str)))
    return years or ("" if pd.isna(imported) else str(imported.year))


def _lag_days(last_month: object, imported_at: pd.Timestamp) -> object:
    """Days from the last day of the last month covered to the import."""
    if not isinstance(last_month, str) or not last_month or pd.isna(imported_at):
        return pd.NA
    month_end = pd.Period(last_month, freq="M").end_time.normalize()
    return (imported_at.normalize() - month_end).days


def usage_batches(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every usage batch in the database, oldest first: id, kind, source, file, rows, when it
    was loaded and its first and last month (none for a batch without rows)."""
    return db.query_df(con, _BATCH_SQL)


def timeliness(
    con: duckdb.DuckDBPyConnection, manifest: pd.DataFrame | None, today: date | None = None
) -> pd.DataFrame:
    """How fresh each source is. For every usage batch in the database and every accepted import:
    kind, file, months covered, when it was imported and the lag in days from the end of the last
    month covered to the import (a return for March imported on 20 April lags 20 days), and as
    `year` the years of the months covered. For every seed source: its year and its age in years
    today."""
    today = today or datetime.now(UTC).date()
    accepted = _accepted(manifest).set_index("batch_id", drop=False)
    rows = []
    for b in usage_batches(con).itertuples(index=False):
        entry = accepted.loc[b.batch_id] if b.batch_id in accepted.index else None
        imported = _utc(entry["imported_at"]) if entry is not None else _utc(b.loaded_at)
        rows.append(
            {
                "kind": "usage (demonstration)" if b.source_kind == "demo" else "usage",
                "name": b.batch_id,
                "file": entry["file_name"] if entry is not None else b.file_name,
                "source": b.source,
                "first_month": b.first_month,
                "last_month": b.last_month,
                "imported_at": imported,
                "year": _covered_years(b.first_month, b.last_month, imported),
            }
        )
    loaded = {row["name"] for row in rows}
    for entry in accepted.itertuples(index=False):
        if entry.batch_id in loaded:
            continue
        imported = _utc(entry.imported_at)
        rows.append(
            {
                "kind": entry.kind,
                "name": entry.batch_id,
                "file": entry.file_name,
                "source": NOT_LOADED if entry.kind == "usage" else "import",
                "first_month": entry.first_month,
                "last_month": entry.last_month,
                "imported_at": imported,
                "year": _covered_years(entry.first_month, entry.last_month, imported),
            }
        )
    for seed in db.query_df(con, _SEED_SQL).itertuples(index=False):
        rows.append(
            {
                "kind": "seed",
                "name": seed.seed_table,
                "file": f"data/seed/{seed.seed_table}.csv",
                "source": seed.source,
                "year": str(int(seed.year)),
                "age_years": today.year - int(seed.year),
            }
        )
    frame = pd.DataFrame(rows, columns=[*TIMELINESS_COLUMNS, "first_month", "last_month"])
    frame["months_covered"] = [
        _months_text(f, t) for f, t in zip(frame["first_month"], frame["last_month"], strict=True)
    ]
    frame["imported_at"] = pd.to_datetime(frame["imported_at"])
    frame["lag_days"] = pd.array(
        [_lag_days(m, t) for m, t in zip(frame["last_month"], frame["imported_at"], strict=True)],
        dtype="Int64",
    )
    frame = frame.astype({"year": "string", "age_years": "Int64"})
    return frame[TIMELINESS_COLUMNS]


def usage_sources(timeliness_frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(source, year) of the usage data the checks ran on (the batches in the database), the year
    being the years of the months each covers; none when no usage is loaded."""
    frame = timeliness_frame
    usage = frame[frame["kind"].str.startswith("usage") & (frame["source"] != NOT_LOADED)]
    pairs = zip(usage["source"], usage["year"].fillna(""), strict=True)
    return list(dict.fromkeys((str(s), str(y)) for s, y in pairs if isinstance(s, str) and s))


# --- import log --------------------------------------------------------------------------------


def imports(manifest: pd.DataFrame | None) -> pd.DataFrame:
    """Every import, newest first: batch, kind, file, rows, months covered, when (UTC) and by
    whom it was imported, and whether and when it was later withdrawn (`IMPORT_COLUMNS`)."""
    if manifest is None or manifest.empty:
        return pd.DataFrame({column: pd.Series(dtype="object") for column in IMPORT_COLUMNS})
    log = manifest.copy()
    log["months"] = [
        _months_text(f, t) for f, t in zip(log["first_month"], log["last_month"], strict=True)
    ]
    log["imported_at"] = log["imported_at"].map(_utc)
    log["withdrawn_at"] = log["withdrawn_at"].map(_utc)
    log = log.sort_values("imported_at", ascending=False, ignore_index=True)
    return log[IMPORT_COLUMNS]
