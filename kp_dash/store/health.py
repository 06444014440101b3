"""Whether this installation is healthy, for `python -m kp_dash doctor`: the state folder (who
may read it, room on its disk, whether it can be written), the accepted imports against their
stored files, the private files' modes, the database, and the district boundaries. Each check
gives findings; a fault names what is wrong and how to put it right."""

from __future__ import annotations

import json
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

import duckdb

from kp_dash.store import batches, build, config, db, event_store, geo

MIN_FREE_MB = 1024  # below this a month's imports and a rebuild may not fit
PROBE_BYTES = 1024 * 1024  # written and removed to see that the state folder takes writes
# files only the service's own user may read: password hashes, session tokens, the pseudonym key
PRIVATE = ("users.json", "sessions.json", "secret.key", "sso.toml")
DISTRICTS = 35


@dataclass(frozen=True)
class Finding:
    area: str  # state, disk, imports, private files, database, boundaries, fonts
    fault: bool
    message: str


def ok(area: str, message: str) -> Finding:
    return Finding(area, False, message)


def fault(area: str, message: str) -> Finding:
    return Finding(area, True, message)


def min_free_mb(given: float | None = None) -> float:
    """The least free space (MB) the state folder's disk should have: the one given,
    `KP_DASH_MIN_FREE_MB`, else MIN_FREE_MB."""
    if given is not None:
        return given
    try:
        return float(os.environ.get("KP_DASH_MIN_FREE_MB") or MIN_FREE_MB)
    except ValueError:
        return MIN_FREE_MB


def _mode(path: Path) -> str:
    return f"{stat.S_IMODE(path.stat().st_mode):04o}"


# --- the state folder ---------------------------------------------------------------------------


def state_findings() -> list[Finding]:
    state = config.state_dir()
    if not state.is_dir():
        return [fault("state", f"{state} does not exist: set KP_DASH_STATE to the state folder")]
    mode = stat.S_IMODE(state.stat().st_mode)
    if mode & 0o027:
        return [
            fault(
                "state",
                f"{state} is mode {mode:04o}: other users may read the raw imports and the "
                f"audit trail; `chmod 700 {state}`",
            )
        ]
    return [ok("state", f"{state} is mode {mode:04o}, owner only")]


def disk_findings(least_mb: float | None = None) -> list[Finding]:
    """Room on the state folder's disk (and the database's, when it is another) and a write."""
    least = min_free_mb(least_mb)
    state = config.state_dir()
    found = []
    folders = {state, config.db_path().parent}
    for folder in sorted(p for p in folders if p.is_dir()):
        free = shutil.disk_usage(folder).free / 1024 / 1024
        text = f"{folder}: {free:,.0f} MB free"
        if free < least:
            found.append(fault("disk", f"{text}, under the {least:,.0f} MB set; free some space"))
        else:
            found.append(ok("disk", f"{text} (at least {least:,.0f} MB wanted)"))
    if state.is_dir():
        found.append(_write_probe(state))
    return found


def _write_probe(state: Path) -> Finding:
    probe = state / f".doctor-probe-{os.getpid()}"
    try:
        with probe.open("wb") as out:
            out.write(b"\0" * PROBE_BYTES)
            out.flush()
            os.fsync(out.fileno())
    except OSError as error:
        reason = (error.strerror or str(error)).lower()
        return fault(
            "disk",
            f"{state}: cannot write 1 MB ({reason}): imports, backups and rebuilds will fail",
        )
    finally:
        probe.unlink(missing_ok=True)
    return ok("disk", f"{state}: takes a 1 MB write")


# --- accepted imports ---------------------------------------------------------------------------


def import_findings(deep: bool = False) -> list[Finding]:
    """Every accepted batch against its stored rows and raw file (`deep`: the raw file's
    content hash too)."""
    try:
        records = batches.read_records()
    except (OSError, ValueError) as error:
        return [fault("imports", f"{batches.manifest_path()} cannot be read ({error})")]
    found = []
    for record in batches.accepted(records=records):
        found += _batch_faults(record, deep)
    if not found:
        checked = "stored rows and raw files, hashed" if deep else "stored rows and raw files"
        count = len(batches.accepted(records=records))
        found.append(ok("imports", f"accepted batches: {count}, {checked} present"))
    return found


def _batch_faults(record: dict, deep: bool) -> list[Finding]:
    batch = record["batch_id"]
    if record["kind"] == "events":  # a log keeps no raw file (its references would be raw)
        folder = event_store.folder(batch)
        if not any(folder.rglob("*.parquet")):
            return [fault("imports", f"batch {batch}: its log's rows are missing from {folder}")]
        return []
    found = []
    if not batches.batch_path(batch).exists():
        found.append(
            fault("imports", f"batch {batch}: its rows are missing ({batches.batch_path(batch)})")
        )
    raw = sorted((batches.imports_dir() / "archive").glob(f"{record['content_hash']}.*"))
    if not raw:
        found.append(
            fault(
                "imports",
                f"batch {batch}: the archived file {record['file_name']!r} is missing from "
                f"{batches.imports_dir() / 'archive'}; restore it from a backup",
            )
        )
    elif deep and batches.content_hash(raw[0]) != record["content_hash"]:
        found.append(fault("imports", f"batch {batch}: {raw[0]} differs from what was accepted"))
    return found


# --- private files ------------------------------------------------------------------------------


def private_findings() -> list[Finding]:
    state = config.state_dir()
    paths = [state / name for name in PRIVATE]
    paths += sorted((state / "column_maps").glob("*"))
    found = []
    for path in (p for p in paths if p.is_file()):
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            found.append(
                fault(
                    "private files",
                    f"{path} is mode {_mode(path)}: others may read it; `chmod 600 {path}`",
                )
            )
    if not found:
        found.append(ok("private files", "users, sessions, secret and column maps: owner only"))
    return found


# --- the database and the boundaries ------------------------------------------------------------


def database_findings() -> list[Finding]:
    path = config.db_path()
    state = build.database_state(path)
    if state.kind != db.CURRENT:
        return [fault("database", state.message)]
    try:
        with db.connect_readonly(path) as con:
            (count,) = con.execute("select count(*) from districts").fetchone()
    except (duckdb.Error, OSError) as error:
        return [fault("database", f"{path} cannot be read ({str(error).splitlines()[0]})")]
    if count != DISTRICTS:
        return [fault("database", f"{path} holds {count} districts, not {DISTRICTS}")]
    built = state.info.get("built_at") or state.info.get("build_id", "")
    return [ok("database", f"{path} is current and readable (build {built})")]


def boundary_findings() -> list[Finding]:
    layer = geo.district_layer()
    shown = len(layer.gdf)
    if layer.kind != "boundaries" or shown != DISTRICTS:
        return [fault("boundaries", f"{layer.source}: {shown} districts drawn. {layer.note}")]
    return [ok("boundaries", f"{layer.source}: all {DISTRICTS} districts")]


def findings(least_mb: float | None = None, deep: bool = False) -> list[Finding]:
    """Every check of the store's, in the order a person would look."""
    return [
        *state_findings(),
        *disk_findings(least_mb),
        *import_findings(deep),
        *private_findings(),
        *database_findings(),
        *boundary_findings(),
    ]


def as_json(found: list[Finding]) -> str:
    return json.dumps([f.__dict__ for f in found], ensure_ascii=False)
