"""Build the DuckDB file from seed, demonstration data and accepted imports, beside the current
file, then swap it in atomically (`os.replace`), so that no reader ever sees half a build."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from kp_dash import config, db, demo, ingest, store
from kp_dash.ingest import Validation

SEED_TABLES = (
    "districts",
    "services",
    "channels",
    "population",
    "literacy",
    "disability",
    "lighting",
    "mobile_ownership",
)
DEMO_SOURCE = "Demonstration data (simulated, not real usage)"
ADMIN_SOURCE = "Department returns (imported)"

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    """The default progress callback: report nothing."""


class BuildError(Exception):
    """A usage file failed validation; the previous database is left as it was."""

    def __init__(self, validations: Sequence[Validation]):
        self.lines = [line for v in validations for line in v.problem_lines()]
        super().__init__(f"{len(self.lines)} problem(s) in usage data:\n" + "\n".join(self.lines))


@dataclass(frozen=True)
class UsageSource:
    """A usage file to load through validation, with the provenance its rows will carry."""

    path: Path
    batch_id: str
    source_kind: str  # 'demo' or 'admin'
    source: str


@dataclass
class BuildReport:
    db_path: Path
    build_id: str
    usage_rows: int
    batches: list[str] = field(default_factory=list)


def fingerprint(seed_dir: Path = config.SEED_DIR, batch_ids: Iterable[str] | None = None) -> str:
    """Identifies the code, seed and accepted imports a database was built from."""
    digest = hashlib.sha256(db.sql_fingerprint().encode())
    for path in sorted(seed_dir.glob("*.csv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    ids = (
        sorted(r["batch_id"] for r in store.accepted()) if batch_ids is None else sorted(batch_ids)
    )
    digest.update("\n".join(ids).encode())
    return digest.hexdigest()[:16]


def demo_source() -> UsageSource:
    return UsageSource(config.DEMO_USAGE_FILE, "demo", "demo", DEMO_SOURCE)


def validate_sources(
    sources: Sequence[UsageSource], seed_dir: Path, today: date, progress: Progress
) -> list[Validation]:
    checker = ingest.validator(today, seed_dir)
    results = []
    for source in sources:
        progress(f"validating {source.path.name}")
        try:
            frame = ingest.read_file(source.path)
        except ingest.ReadError as error:
            results.append(Validation(source.path.name, "usage", pd.DataFrame(), error.problems))
            continue
        results.append(checker.validate(frame, source.path.name, "usage"))
    failed = [v for v in results if not v.ok]
    if failed:
        raise BuildError(failed)
    return results


# --- loading ------------------------------------------------------------------------------------


def _load_seed(con: duckdb.DuckDBPyConnection, seed_dir: Path) -> None:
    for table in SEED_TABLES:
        # table names come from the fixed list above, never from input
        con.execute(
            f"insert into {table} by name select * from read_csv(?, header = true)",
            [str(seed_dir / f"{table}.csv")],
        )


def _record_batch(con, batch_id, kind, source, file_name, digest, rows) -> None:
    con.execute(
        "insert into usage_batches values (?, ?, ?, ?, ?, ?, ?)",
        [batch_id, kind, source, file_name, digest, rows, datetime.now(UTC).replace(tzinfo=None)],
    )


def _load_usage(con: duckdb.DuckDBPyConnection, source: UsageSource, rows: pd.DataFrame) -> None:
    con.register("incoming_usage", rows.assign(batch_id=source.batch_id))
    con.execute("insert into usage_rows by name select * from incoming_usage")
    con.unregister("incoming_usage")
    _record_batch(
        con,
        source.batch_id,
        source.source_kind,
        source.source,
        source.path.name,
        store.content_hash(source.path),
        len(rows),
    )


# one statement per kind: a validated batch file into its table (usage batches are not copied:
# the `usage` view scans their Parquet files directly)
_BATCH_INSERTS = {
    "indicators": (
        "insert into indicator_values by name select * replace (? as batch_id),"
        " 'admin' as source_kind, parent_name is not null as is_parent_estimate"
        " from read_parquet(?)"
    ),
    "targets": "insert into targets by name select * replace (? as batch_id) from read_parquet(?)",
}
USAGE_COLUMNS = (
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


def _load_batch(con: duckdb.DuckDBPyConnection, record: dict) -> None:
    """An accepted import, read back from its validated Parquet file (validated once, on import)."""
    if record["kind"] == "usage":
        _record_batch(
            con,
            record["batch_id"],
            "admin",
            ADMIN_SOURCE,
            record["file_name"],
            record["content_hash"],
            record["rows"],
        )
        return
    path = store.batch_path(record["batch_id"])
    con.execute(_BATCH_INSERTS[record["kind"]], [record["batch_id"], str(path)])


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _create_usage_view(con: duckdb.DuckDBPyConnection, records: Sequence[dict]) -> None:
    """`usage` = the rows the build loaded plus every accepted usage batch's Parquet file, scanned
    in place (an import then adds a file name here instead of copying a million rows). A view's
    file list cannot be a parameter; the paths are the store's own, never user text."""
    columns = ", ".join(USAGE_COLUMNS)
    sql = f"create or replace view usage as select {columns} from usage_rows"
    files = [str(store.batch_path(r["batch_id"])) for r in records if r["kind"] == "usage"]
    if files:
        listed = ", ".join(_sql_text(f) for f in files)
        sql += (
            f" union all select batch_id, month_start::date, district_code, service_code, channel,"
            f" sex, area, age_band, transactions, users from read_parquet([{listed}])"
        )
    con.execute(sql)


def _write_build_info(
    con: duckdb.DuckDBPyConnection, build_id: str, print_: str, with_demo: bool
) -> None:
    coverage = con.execute(
        "select count(*), strftime(min(month_start), '%Y-%m'), strftime(max(month_start), '%Y-%m')"
        " from usage"
    ).fetchall()[0]
    info = {
        "build_id": build_id,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "fingerprint": print_,
        "has_demo": str(with_demo).lower(),
        "usage_rows": str(coverage[0]),
        "first_month": coverage[1],
        "last_month": coverage[2],
    }
    con.execute("delete from build_info")
    con.executemany("insert into build_info values (?, ?)", list(info.items()))


# --- building -----------------------------------------------------------------------------------


def _write_database(
    path: Path,
    *,
    with_demo: bool,
    seed_dir: Path,
    extra_usage: Sequence[UsageSource],
    records: Sequence[dict],
    today: date,
    progress: Progress,
) -> BuildReport:
    if with_demo and not config.DEMO_USAGE_FILE.exists():
        progress("generating demonstration usage")
        demo.write_demo()
    sources = [*([demo_source()] if with_demo else []), *extra_usage]
    validations = validate_sources(sources, seed_dir, today, progress)
    build_id = uuid.uuid4().hex[:12]
    with duckdb.connect(str(path)) as con:
        db.apply_layer(con, "schema")
        progress("loading seed tables")
        _load_seed(con, seed_dir)
        for source, validation in zip(sources, validations, strict=True):
            progress(f"loading {len(validation.rows):,} usage rows from {source.path.name}")
            _load_usage(con, source, validation.rows)
        for record in records:
            progress(f"loading batch {record['batch_id']} ({record['rows']:,} rows)")
            _load_batch(con, record)
        _create_usage_view(con, records)
        for layer in db.SQL_LAYERS[1:]:
            db.apply_layer(con, layer)
        ids = [r["batch_id"] for r in records]
        _write_build_info(con, build_id, fingerprint(seed_dir, ids), with_demo)
        con.execute("checkpoint")
        rows = con.execute("select count(*) from usage").fetchall()[0][0]
    return BuildReport(path, build_id, rows, [s.batch_id for s in sources] + ids)


def _temporary(db_path: Path) -> Path:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f"{db_path.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    return tmp


def build(
    db_path: Path | None = None,
    *,
    with_demo: bool = True,
    seed_dir: Path = config.SEED_DIR,
    extra_usage: Sequence[UsageSource] = (),
    today: date | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Validate every usage source, write a new database file with the accepted imports, and
    swap it in atomically."""
    progress = progress or _quiet
    db_path = Path(db_path or config.db_path())
    tmp = _temporary(db_path)
    try:
        report = _write_database(
            tmp,
            with_demo=with_demo,
            seed_dir=seed_dir,
            extra_usage=extra_usage,
            records=store.accepted(),
            today=today or date.today(),
            progress=progress,
        )
        os.replace(tmp, db_path)
    finally:
        tmp.unlink(missing_ok=True)
    progress(f"built {db_path} ({report.usage_rows:,} usage rows)")
    report.db_path = db_path
    return report


@contextmanager
def staged(
    db_path: Path | None, records: Sequence[dict], progress: Progress | None = None
) -> Iterator[Callable[[], None]]:
    """Prepare the database for a new manifest (`records`) beside the current one and yield a
    function that swaps it in. Adding batches to a current database copies it and loads only
    them; anything else (a withdrawal, a stale or missing database) rebuilds from scratch."""
    progress = progress or _quiet
    db_path = Path(db_path or config.db_path())
    wanted = [r for r in records if r["status"] == "accepted"]
    before = {r["batch_id"] for r in store.accepted()}
    added = [r for r in wanted if r["batch_id"] not in before]
    tmp = _temporary(db_path)
    try:
        if (
            is_current(db_path)
            and before <= {r["batch_id"] for r in wanted}
            and (len(wanted) == len(before) + len(added))
        ):
            _refresh(db_path, tmp, added, wanted, progress)
        else:
            _write_database(
                tmp,
                with_demo=has_demo(db_path),
                seed_dir=config.SEED_DIR,
                extra_usage=(),
                records=wanted,
                today=date.today(),
                progress=progress,
            )
        yield lambda: os.replace(tmp, db_path)
    finally:
        tmp.unlink(missing_ok=True)


def _refresh(
    db_path: Path, tmp: Path, added: Sequence[dict], records: Sequence[dict], progress: Progress
) -> None:
    shutil.copyfile(db_path, tmp)
    with duckdb.connect(str(tmp)) as con:
        with_demo = db.build_info(con).get("has_demo") == "true"
        for record in added:
            progress(f"loading batch {record['batch_id']} ({record['rows']:,} rows)")
            _load_batch(con, record)
        _create_usage_view(con, records)
        _write_build_info(
            con,
            uuid.uuid4().hex[:12],
            fingerprint(config.SEED_DIR, [r["batch_id"] for r in records]),
            with_demo,
        )
        con.execute("checkpoint")


def has_demo(db_path: Path | None = None) -> bool:
    """Whether the current database carries the demonstration data (True when there is none:
    the default data set includes it)."""
    db_path = Path(db_path or config.db_path())
    if not db_path.exists():
        return True
    try:
        with db.connect_readonly(db_path) as con:
            return db.build_info(con).get("has_demo", "true") == "true"
    except duckdb.Error:
        return True


def is_current(db_path: Path | None = None, seed_dir: Path = config.SEED_DIR) -> bool:
    """True when the database exists and was built from this code, seed and accepted imports."""
    db_path = Path(db_path or config.db_path())
    if not db_path.exists():
        return False
    try:
        with db.connect_readonly(db_path) as con:
            return db.build_info(con).get("fingerprint") == fingerprint(seed_dir)
    except duckdb.Error:
        return False
