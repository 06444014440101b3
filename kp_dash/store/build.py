"""Build the DuckDB file from seed, demonstration data and accepted imports as a new build file,
then point the database path at it in one atomic rename, so that no reader ever sees half a build
and every reader sees the new one on its next connection (`kp_dash.store.db`)."""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from kp_dash.store import batches, config, db, demo, event_store, ingest, kinds, reader, usage_view
from kp_dash.store.ingest import Validation

SEED_TABLES = (
    "districts",
    "services",
    "channels",
    "population",
    "literacy",
    "disability",
    "lighting",
    "mobile_ownership",
    "district_parents",
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


def fingerprint(
    seed_dir: Path = config.SEED_DIR,
    batch_ids: Iterable[str] | None = None,
    with_demo: bool = False,
) -> str:
    """Identifies the code, seed, accepted imports and demonstration choice a database was
    built from."""
    pieces = (
        db.sql_fingerprint(),
        seed_fingerprint(seed_dir),
        imports_fingerprint(batch_ids),
        "demo" if with_demo else "real",
    )
    return hashlib.sha256("\n".join(pieces).encode()).hexdigest()[:16]


def seed_fingerprint(seed_dir: Path = config.SEED_DIR) -> str:
    digest = hashlib.sha256()
    for path in sorted(seed_dir.glob("*.csv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def imports_fingerprint(batch_ids: Iterable[str] | None = None) -> str:
    """The accepted batches (the store's when not given)."""
    ids = [r["batch_id"] for r in batches.accepted()] if batch_ids is None else list(batch_ids)
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:16]


def input_prints(seed_dir: Path, batch_ids: Iterable[str], custom: bool) -> dict[str, str]:
    """The build properties that say, piece by piece, what a build was made from, so that a
    reader can tell older code from other data (`database_state`). `custom`: a build from
    another seed folder or with extra usage files, which only its maker can reproduce."""
    return {
        "sql_fingerprint": db.sql_fingerprint(),
        "seed_fingerprint": seed_fingerprint(seed_dir),
        "imports_fingerprint": imports_fingerprint(batch_ids),
        "inputs": "custom" if custom else "standard",
    }


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
            frame = reader.read_file(source.path)
        except reader.ReadError as error:
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
        batches.content_hash(source.path),
        len(rows),
    )


USAGE_COLUMNS = usage_view.COLUMNS


def _load_batch(con: duckdb.DuckDBPyConnection, record: dict) -> None:
    """An accepted import, read back from its validated Parquet file (validated once, on import)."""
    kind = kinds.get(record["kind"])
    if kind.log:  # its rows reach `usage` through the rollup (`event_store`)
        return
    if kind.insert_sql is None:  # scanned in place (usage): only the batch is recorded
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
    path = batches.batch_path(record["batch_id"])
    con.execute(kind.insert_sql, [record["batch_id"], str(path)])


def _write_build_info(
    con: duckdb.DuckDBPyConnection,
    build_id: str,
    print_: str,
    with_demo: bool,
    prints: dict[str, str],
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
        **prints,
    }
    con.execute("delete from build_info")
    con.executemany("insert into build_info values (?, ?)", list(info.items()))


# --- building -----------------------------------------------------------------------------------


def _write_database(
    path: Path,
    *,
    build_id: str,
    with_demo: bool,
    seed_dir: Path,
    extra_usage: Sequence[UsageSource],
    records: Sequence[dict],
    today: date,
    progress: Progress,
) -> BuildReport:
    if with_demo and not demo.is_current():  # missing, or made by another generator
        progress("generating demonstration usage")
        demo.write_demo()
    sources = [*([demo_source()] if with_demo else []), *extra_usage]
    validations = validate_sources(sources, seed_dir, today, progress)
    with duckdb.connect(str(path), config=config.duckdb_settings()) as con:
        db.apply_layer(con, "schema")
        progress("loading seed tables")
        _load_seed(con, seed_dir)
        for source, validation in zip(sources, validations, strict=True):
            progress(f"loading {len(validation.rows):,} usage rows from {source.path.name}")
            _load_usage(con, source, validation.rows)
        for record in records:
            progress(f"loading batch {record['batch_id']} ({record['rows']:,} rows)")
            _load_batch(con, record)
        event_store.refresh(con, records)
        usage_view.create(con, records)
        for layer in db.SQL_LAYERS[1:]:
            db.apply_layer(con, layer)
        ids = [r["batch_id"] for r in records]
        custom = seed_dir.resolve() != config.SEED_DIR.resolve() or bool(extra_usage)
        prints = input_prints(seed_dir, ids, custom)
        _write_build_info(con, build_id, fingerprint(seed_dir, ids, with_demo), with_demo, prints)
        con.execute("checkpoint")
        rows = con.execute("select count(*) from usage").fetchall()[0][0]
    return BuildReport(path, build_id, rows, [s.batch_id for s in sources] + ids)


def _new_build_id() -> str:
    return uuid.uuid4().hex[:12]


def _demo_choice(with_demo: bool | None) -> bool:
    """The installation's choice (`batches.demo_included`) unless one is given, which is then
    kept for later builds and imports; the simulation is never added to accepted real usage."""
    if with_demo is None:
        return batches.demo_included()
    batches.set_demo(with_demo)
    return with_demo


def build(
    db_path: Path | None = None,
    *,
    with_demo: bool | None = None,
    seed_dir: Path = config.SEED_DIR,
    extra_usage: Sequence[UsageSource] = (),
    today: date | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Validate every usage source, write a new build with the accepted imports, and point the
    database path at it. `with_demo` None follows the installation's choice; True or False
    changes it (True is refused while real usage is accepted: `batches.DemoRefused`)."""
    progress = progress or _quiet
    db_path = Path(db_path or config.db_path())
    records = batches.accepted()
    demo_wanted = _demo_choice(with_demo)
    build_id = _new_build_id()
    new = db.start_build(db_path, build_id)
    try:
        report = _write_database(
            new.tmp,
            build_id=build_id,
            with_demo=demo_wanted,
            seed_dir=seed_dir,
            extra_usage=extra_usage,
            records=records,
            today=today or date.today(),
            progress=progress,
        )
        db.finish_build(new)
        db.publish(new)
    finally:
        db.release(new, discard=True)
    progress(f"built {db_path} ({report.usage_rows:,} usage rows)")
    report.db_path = db_path
    return report


@dataclass
class Staged:
    """A build prepared for a new manifest, waiting to be pointed at (`commit`)."""

    new: db.NewBuild
    demo_removed: bool  # the simulation was on screen and this build leaves it out

    def commit(self) -> None:
        db.publish(self.new)


@contextmanager
def staged(
    db_path: Path | None, records: Sequence[dict], progress: Progress | None = None
) -> Iterator[Staged]:
    """Prepare the database for a new manifest (`records`) beside the current one and yield it;
    its `commit` swaps it in. Adding batches to a current database with the same demonstration
    choice copies it and loads only them; anything else (a withdrawal, the simulation leaving, a
    stale or missing database) rebuilds from scratch."""
    progress = progress or _quiet
    db_path = Path(db_path or config.db_path())
    wanted = [r for r in records if r["status"] == "accepted"]
    with_demo = batches.demo_included(list(records))
    shown_demo = has_demo(db_path)
    before = {r["batch_id"] for r in batches.accepted()}
    added = [r for r in wanted if r["batch_id"] not in before]
    build_id = _new_build_id()
    new = db.start_build(db_path, build_id)
    try:
        if (
            is_current(db_path)
            and shown_demo == with_demo
            and before <= {r["batch_id"] for r in wanted}
            and (len(wanted) == len(before) + len(added))
        ):
            _refresh(db_path, new.tmp, build_id, added, wanted, progress)
        else:
            _write_database(
                new.tmp,
                build_id=build_id,
                with_demo=with_demo,
                seed_dir=config.SEED_DIR,
                extra_usage=(),
                records=wanted,
                today=date.today(),
                progress=progress,
            )
        db.finish_build(new)
        yield Staged(new, shown_demo and not with_demo)
    finally:
        db.release(new, discard=True)


def _refresh(
    db_path: Path,
    tmp: Path,
    build_id: str,
    added: Sequence[dict],
    records: Sequence[dict],
    progress: Progress,
) -> None:
    shutil.copyfile(db.current_build(db_path), tmp)
    with duckdb.connect(str(tmp), config=config.duckdb_settings()) as con:
        copied = db.build_info(con)
        with_demo = copied.get("has_demo") == "true"
        for record in added:
            progress(f"loading batch {record['batch_id']} ({record['rows']:,} rows)")
            _load_batch(con, record)
        months = event_store.touched_months(added)
        if months:
            progress(f"rolling up the events of {len(months)} month(s)")
        event_store.refresh(con, records, months)
        usage_view.create(con, records)
        for layer in db.SQL_LAYERS[1:]:  # tables derived from what was loaded are written anew
            db.apply_layer(con, layer)
        ids = [r["batch_id"] for r in records]
        prints = input_prints(config.SEED_DIR, ids, copied.get("inputs") == "custom")
        print_ = fingerprint(config.SEED_DIR, ids, with_demo)
        _write_build_info(con, build_id, print_, with_demo, prints)
        con.execute("checkpoint")


def has_demo(db_path: Path | None = None) -> bool:
    """Whether the current database carries the demonstration data (False when there is none)."""
    db_path = Path(db_path or config.db_path())
    if not db_path.exists():
        return False
    try:
        with db.connect_readonly(db_path) as con:
            return db.build_info(con).get("has_demo") == "true"
    except (duckdb.Error, FileNotFoundError):
        return False


def is_current(db_path: Path | None = None, seed_dir: Path = config.SEED_DIR) -> bool:
    """True when the database exists and was built from this code, seed, accepted imports and
    demonstration choice."""
    db_path = Path(db_path or config.db_path())
    if not db_path.exists():
        return False
    try:
        with db.connect_readonly(db_path) as con:
            built = db.build_info(con).get("fingerprint")
    except (duckdb.Error, FileNotFoundError):
        return False
    return built == fingerprint(seed_dir, with_demo=batches.demo_included())


# --- readers: is the database usable, and rebuilding it when it is not ---------------------------


def database_state(
    db_path: Path | None = None, seed_dir: Path = config.SEED_DIR
) -> db.DatabaseState:
    """`db.database_state`, and for a database this code can read that was built from the
    standard inputs: whether the seed, the accepted imports or the demonstration choice have
    changed since (`data_changed`, which `build` brings up to date)."""
    state = db.database_state(db_path)
    if state.kind != db.CURRENT or state.info.get("inputs") != "standard":
        return state
    changed = []
    if state.info.get("seed_fingerprint") != seed_fingerprint(seed_dir):
        changed.append("another version of the seed data")
    if state.info.get("imports_fingerprint") != imports_fingerprint():
        changed.append("other accepted imports than the current ones")
    shown = state.info.get("has_demo") == "true"
    if shown != batches.demo_included():
        changed.append(
            "the demonstration data, which is now left out"
            if shown
            else "no demonstration data, which is now included"
        )
    if not changed:
        return state
    return db.DatabaseState(state.path, db.DATA_CHANGED, "; ".join(changed), state.info)


def rebuild_for_reader(db_path: Path | None = None) -> BuildReport | None:
    """Build the database a reader found missing or unusable, as `build` does, holding the
    lock imports and withdrawals write under (the store's `imports/.lock`) without waiting for
    it (`db.Busy`). None when another process made it usable meanwhile. OSError when it cannot
    be written (FileNotFoundError when its folder does not exist)."""
    db_path = Path(db_path or config.db_path())
    if not db_path.parent.is_dir():
        raise FileNotFoundError(2, "no such folder", str(db_path.parent))
    with db.held_now(batches.imports_dir() / ".lock"):
        if db.database_state(db_path).usable:
            return None
        return build(db_path)
