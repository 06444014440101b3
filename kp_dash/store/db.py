"""Connections, database files and SQL files.

The database path (`KP_DASH_DB`) is a pointer: a symbolic link to the current build, a file of its
own in the folder beside it (`kp_dash.builds/BUILD_ID.duckdb`). DuckDB keeps one database instance
per path in a process, so a build swapped in under the same path would stay invisible to a process
that already has it open; a new path per build makes every reader see each build on its next
connection. Readers open a build read-only and hold a shared lock on its `.lock` file while they
use it; a build that is no longer pointed at is removed once no reader holds it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shlex
import tomllib
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from kp_dash.store import config

SQL_LAYERS = ("schema", "staging", "metrics", "quality")
_TABLE_NAME = re.compile(r"[a-z][a-z0-9_]*")
_HEADER = re.compile(r"^--\s*(\w+):\s*(.*)$")


@dataclass(frozen=True)
class SqlFile:
    path: Path
    header: dict[str, str]
    statement: str

    @property
    def name(self) -> str:
        return self.path.stem


def read_sql_file(path: Path) -> SqlFile:
    """Split a SQL file into its header (`-- key: value` lines, continued by `--  ...`) and body."""
    header: dict[str, str] = {}
    last_key = None
    body: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _HEADER.match(line)
        if match and not body:
            last_key = match.group(1)
            header[last_key] = match.group(2).strip()
        elif line.startswith("--") and not body and last_key:
            header[last_key] += " " + line.lstrip("-").strip()
        else:
            body.append(line)
    return SqlFile(path, header, "\n".join(body).strip())


def sql_files(layer: str) -> list[SqlFile]:
    """The files of one layer, in name order (schema files are numbered)."""
    return [read_sql_file(p) for p in sorted((config.SQL_DIR / layer).glob("*.sql"))]


def metric_definitions() -> list[dict]:
    """Every metric as defined, once, in `sql/metrics/CODE.toml` (beside its view `CODE.sql`
    unless it is modelled across districts), in the order the definitions give."""
    found = []
    for path in (config.SQL_DIR / "metrics").glob("*.toml"):
        with path.open("rb") as file:
            found.append({"code": path.stem, **tomllib.load(file)})
    return sorted(found, key=lambda definition: definition["order"])


def metric_codes() -> tuple[str, ...]:
    """The metric codes, in order (a targets file may name any of them)."""
    return tuple(definition["code"] for definition in metric_definitions())


def apply_layer(con: duckdb.DuckDBPyConnection, layer: str) -> None:
    for sql_file in sql_files(layer):
        con.execute(sql_file.statement)


def sql_fingerprint() -> str:
    """Changes whenever any SQL file changes, so a database built by older code is rebuilt."""
    digest = hashlib.sha256()
    for layer in SQL_LAYERS:
        for path in sorted((config.SQL_DIR / layer).glob("*.sql")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# --- database files -----------------------------------------------------------------------------

BUILDS_SUFFIX = ".builds"
READ_ATTEMPTS = 5  # a pointer followed while builds are swapped in and removed


def builds_dir(pointer: Path) -> Path:
    """The folder of a database path's builds: `data/kp_dash.builds/` for `data/kp_dash.duckdb`."""
    return pointer.with_name(f"{pointer.stem}{BUILDS_SUFFIX}")


def current_build(pointer: Path) -> Path:
    """The build file a database path points at (the path itself when it is a plain file)."""
    if pointer.is_symlink():
        return pointer.parent / os.readlink(pointer)
    return pointer


def lock_path(build: Path) -> Path:
    return build.with_suffix(".lock")


def build_command(path: Path | None = None) -> str:
    """The command that builds `path`: `--db PATH` unless it is the installation's database."""
    path = Path(path or config.db_path())
    if path.absolute() == config.db_path().absolute():
        return "python -m kp_dash build"
    return f"python -m kp_dash build --db {shlex.quote(str(path))}"


def _missing_message(path: Path) -> str:
    default = build_command(path) == build_command()
    return f"No database at {path}. Build it with `{build_command(path)}`" + (
        " (or `make run`)." if default else "."
    )


def _missing(path: Path) -> FileNotFoundError:
    return FileNotFoundError(_missing_message(path))


def _hold(build: Path) -> int | None:
    """A shared lock on a build's lock file, held while the build is read so that it is not
    removed; None for a plain database file, which is never removed. FileNotFoundError when
    the build is gone (or going): the caller follows the pointer again."""
    try:
        handle = os.open(lock_path(build), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        if build.parent.name.endswith(BUILDS_SUFFIX):
            raise
        return None
    fcntl.flock(handle, fcntl.LOCK_SH)
    if not build.exists():  # removed after the lock file was opened, before it was locked
        os.close(handle)
        raise FileNotFoundError(build)
    return handle


def connect_readonly(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """Open the current build for reading; many readers may do so while a build writes a new
    file. The build stays on disk for as long as the connection lives."""
    path = Path(path or config.db_path())
    for _ in range(READ_ATTEMPTS):
        if not path.exists():  # a pointer to a removed build counts as missing too
            raise _missing(path)
        build = current_build(path)
        try:
            handle = _hold(build)
        except FileNotFoundError:
            continue
        try:
            con = duckdb.connect(str(build), read_only=True)
        except BaseException:
            if handle is not None:
                os.close(handle)
            raise
        if handle is not None:
            weakref.finalize(con, os.close, handle)
        return con
    raise _missing(path)


@dataclass
class NewBuild:
    """A build being written (`tmp`), then named (`path`), then pointed at (`publish`)."""

    pointer: Path
    path: Path
    lock: int

    @property
    def tmp(self) -> Path:
        return self.path.with_name(f"{self.path.name}.tmp")


def start_build(pointer: Path, build_id: str) -> NewBuild:
    """A new build file's place beside the pointer, its lock held so that nothing removes it."""
    folder = builds_dir(pointer)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{build_id}.duckdb"
    handle = os.open(lock_path(path), os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    fcntl.flock(handle, fcntl.LOCK_SH)
    new = NewBuild(pointer, path, handle)
    new.tmp.unlink(missing_ok=True)
    return new


def finish_build(new: NewBuild) -> None:
    """Give the written file its build name (still not pointed at)."""
    with new.tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(new.tmp, new.path)


def publish(new: NewBuild) -> None:
    """Point the database path at the new build (one atomic rename), then remove the builds no
    reader holds any more."""
    link = new.pointer.with_name(f".{new.pointer.name}.link-{os.getpid()}")
    link.unlink(missing_ok=True)
    os.symlink(os.path.relpath(new.path, new.pointer.parent), link)
    os.replace(link, new.pointer)
    _fsync_dir(new.pointer.parent)
    release(new)
    remove_unused_builds(new.pointer)


def release(new: NewBuild, *, discard: bool = False) -> None:
    """Let go of a new build's lock; `discard` removes a build that was never published."""
    if new.lock < 0:
        return
    os.close(new.lock)
    new.lock = -1
    if discard and current_build(new.pointer) != new.path:
        _remove_build(new.path)


def _fsync_dir(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _remove_build(build: Path) -> None:
    for path in (build, build.with_name(f"{build.name}.tmp"), build.with_name(f"{build.name}.wal")):
        path.unlink(missing_ok=True)
    lock_path(build).unlink(missing_ok=True)


def remove_unused_builds(pointer: Path) -> list[Path]:
    """Remove every build the pointer does not name and no reader or writer holds; returns
    the builds removed."""
    folder = builds_dir(pointer)
    if not folder.is_dir():
        return []
    current = current_build(pointer) if pointer.is_symlink() else None
    removed = []
    for lock in sorted(folder.glob("*.lock")):
        build = lock.with_suffix(".duckdb")
        if build == current:
            continue
        try:
            handle = os.open(lock, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            continue  # a reader still has it open
        try:
            _remove_build(build)
            removed.append(build)
        finally:
            os.close(handle)
    return removed


class Busy(Exception):
    """Another process holds a lock that was not to be waited for."""


@contextmanager
def held_now(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (created with its folder if need be), taken without waiting:
    Busy when another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(f"another process holds {path}") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def query_df(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()
) -> pd.DataFrame:
    """Run one parameterised query on its own cursor (connections are not shared across threads)."""
    cursor = con.cursor()
    try:
        return cursor.execute(sql, list(params)).df()
    finally:
        cursor.close()


def whole_table(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """Every row of a small table or view the code names (register, services, sources)."""
    if not _TABLE_NAME.fullmatch(name):
        raise ValueError(f"not a table name: {name!r}")
    return query_df(con, f"select * from {name}")


def build_info(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Build properties; a property the build could not know (no usage: no months) is absent."""
    frame = query_df(con, "select key, value from build_info where value is not null")
    return dict(zip(frame["key"], frame["value"], strict=True))


# --- is the database usable by this code? -------------------------------------------------------

CURRENT, DATA_CHANGED = "current", "data_changed"  # usable (the second: behind its inputs)
MISSING, OLDER_CODE, UNREADABLE = "missing", "older_code", "unreadable"


@dataclass(frozen=True)
class DatabaseState:
    """Whether the database at `path` can be read by this code and, if not, why (`reason`, a
    few words). `data_changed`: its SQL is this code's, but the seed, the accepted imports or
    the demonstration choice it was built from are not the current ones."""

    path: Path
    kind: str
    reason: str = ""
    info: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def usable(self) -> bool:
        return self.kind in (CURRENT, DATA_CHANGED)

    @property
    def command(self) -> str:
        return build_command(self.path)

    @property
    def message(self) -> str:
        """One line for a person: what is wrong with which file, and the command that fixes it."""
        if self.kind == MISSING:
            return _missing_message(self.path)
        if self.kind == OLDER_CODE:
            return (
                f"The database at {self.path} was built by older code ({self.reason}): "
                f"rebuild it with `{self.command}`."
            )
        if self.kind == UNREADABLE:
            return (
                f"The database at {self.path} cannot be read ({self.reason}): "
                f"rebuild it with `{self.command}`."
            )
        if self.kind == DATA_CHANGED:
            return (
                f"The database at {self.path} was built from {self.reason}: "
                f"`{self.command}` brings it up to date."
            )
        return f"The database at {self.path} is up to date (build {self.info.get('build_id')})."


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0].strip() if text else type(error).__name__


def _stored_info(path: Path) -> dict[str, str] | DatabaseState:
    """The build properties of the database at `path`, or the state saying why there are none."""
    try:
        con = connect_readonly(path)
    except FileNotFoundError:
        return DatabaseState(path, MISSING)
    except (duckdb.Error, OSError) as error:
        reason = _first_line(error)
        if "not a valid DuckDB database" in reason:
            reason = "it is not a DuckDB database file"
        return DatabaseState(path, UNREADABLE, reason)
    try:
        return build_info(con)
    except duckdb.Error:
        return DatabaseState(path, UNREADABLE, "it has no build_info table")
    finally:
        con.close()


def database_state(path: Path | None = None) -> DatabaseState:
    """Missing, unreadable, built by older code (its SQL fingerprint is not this code's, or it
    predates the build recording one) or current, from the build properties alone; whether its
    inputs changed since is `kp_dash.store.build.database_state`."""
    path = Path(path or config.db_path())
    info = _stored_info(path)
    if isinstance(info, DatabaseState):
        return info
    built = info.get("sql_fingerprint")
    if built is None:
        return DatabaseState(path, OLDER_CODE, "it records no SQL fingerprint", info)
    if built != sql_fingerprint():
        return DatabaseState(path, OLDER_CODE, "its SQL differs from this code's", info)
    return DatabaseState(path, CURRENT, info=info)


def database_problem(path: Path | None = None) -> str | None:
    """The one message to show instead of the pages when this code cannot read the database
    (missing, unreadable, built by older code); None when it can."""
    state = database_state(path)
    return None if state.usable else state.message
