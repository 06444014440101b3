"""Build the DuckDB file from seed, demonstration and accepted usage, then swap it in atomically."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from kp_dash import config, db, demo
from kp_dash.districts import DistrictResolver
from kp_dash.ingest import UsageValidator, Validation, read_table

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

Progress = Callable[[str], None]


class BuildError(Exception):
    """A usage file failed validation; the previous database is left as it was."""

    def __init__(self, validations: Sequence[Validation]):
        self.lines = [line for v in validations for line in v.problem_lines()]
        super().__init__(f"{len(self.lines)} problem(s) in usage data:\n" + "\n".join(self.lines))


@dataclass(frozen=True)
class UsageSource:
    """A usage file to load, with the provenance its rows will carry."""

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


def fingerprint(seed_dir: Path = config.SEED_DIR) -> str:
    """Identifies the code and seed a database was built from (a change means: rebuild)."""
    digest = hashlib.sha256(db.sql_fingerprint().encode())
    for path in sorted(seed_dir.glob("*.csv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def demo_source() -> UsageSource:
    return UsageSource(config.DEMO_USAGE_FILE, "demo", "demo", DEMO_SOURCE)


def validate_sources(
    sources: Sequence[UsageSource], seed_dir: Path, today: date, progress: Progress
) -> list[Validation]:
    validator = UsageValidator(
        DistrictResolver.from_seed(seed_dir), pd.read_csv(seed_dir / "services.csv"), today
    )
    results = []
    for source in sources:
        progress(f"validating {source.path.name}")
        results.append(validator.validate(read_table(source.path), source.path.name))
    failed = [v for v in results if not v.ok]
    if failed:
        raise BuildError(failed)
    return results


def _load_seed(con: duckdb.DuckDBPyConnection, seed_dir: Path) -> None:
    for table in SEED_TABLES:
        # table names come from the fixed list above, never from input
        con.execute(
            f"insert into {table} by name select * from read_csv(?, header = true)",
            [str(seed_dir / f"{table}.csv")],
        )


def _load_usage(con: duckdb.DuckDBPyConnection, source: UsageSource, rows: pd.DataFrame) -> None:
    rows = rows.assign(batch_id=source.batch_id)
    con.register("incoming_usage", rows)
    con.execute("insert into usage by name select * from incoming_usage")
    con.unregister("incoming_usage")
    con.execute(
        "insert into usage_batches values (?, ?, ?, ?, ?, ?, ?)",
        [
            source.batch_id,
            source.source_kind,
            source.source,
            source.path.name,
            _file_hash(source.path),
            len(rows),
            datetime.now(UTC).replace(tzinfo=None),
        ],
    )


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_build_info(
    con: duckdb.DuckDBPyConnection, build_id: str, seed_dir: Path, with_demo: bool
) -> None:
    coverage = con.execute(
        "select count(*), strftime(min(month_start), '%Y-%m'), strftime(max(month_start), '%Y-%m')"
        " from usage"
    ).fetchall()[0]
    info = {
        "build_id": build_id,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "fingerprint": fingerprint(seed_dir),
        "has_demo": str(with_demo).lower(),
        "usage_rows": str(coverage[0]),
        "first_month": coverage[1],
        "last_month": coverage[2],
    }
    con.executemany("insert into build_info values (?, ?)", list(info.items()))


def build(
    db_path: Path | None = None,
    *,
    with_demo: bool = True,
    seed_dir: Path = config.SEED_DIR,
    extra_usage: Sequence[UsageSource] = (),
    today: date | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Validate every usage source, write a new database file, and swap it in atomically."""
    progress = progress or (lambda message: None)
    db_path = Path(db_path or config.db_path())
    if with_demo and not config.DEMO_USAGE_FILE.exists():
        progress("generating demonstration usage")
        demo.write_demo()
    sources = [*([demo_source()] if with_demo else []), *extra_usage]
    validations = validate_sources(sources, seed_dir, today or date.today(), progress)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f"{db_path.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    build_id = uuid.uuid4().hex[:12]
    try:
        with duckdb.connect(str(tmp)) as con:
            db.apply_layer(con, "schema")
            progress("loading seed tables")
            _load_seed(con, seed_dir)
            for source, validation in zip(sources, validations, strict=True):
                progress(f"loading {len(validation.rows):,} usage rows from {source.path.name}")
                _load_usage(con, source, validation.rows)
            db.apply_layer(con, "staging")
            db.apply_layer(con, "metrics")
            _write_build_info(con, build_id, seed_dir, with_demo)
            con.execute("checkpoint")
        os.replace(tmp, db_path)
    finally:
        tmp.unlink(missing_ok=True)
    rows = sum(len(v.rows) for v in validations)
    progress(f"built {db_path} ({rows:,} usage rows)")
    return BuildReport(db_path, build_id, rows, [s.batch_id for s in sources])


def is_current(db_path: Path | None = None, seed_dir: Path = config.SEED_DIR) -> bool:
    """True when the database exists and was built from this code and seed."""
    db_path = Path(db_path or config.db_path())
    if not db_path.exists():
        return False
    try:
        with db.connect_readonly(db_path) as con:
            return db.build_info(con).get("fingerprint") == fingerprint(seed_dir)
    except duckdb.Error:
        return False
