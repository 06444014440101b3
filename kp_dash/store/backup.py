"""Backup and restore of what an installation cannot rebuild: everything under `KP_DASH_STATE`
that people made (accepted imports with their raw archive and manifest, users, the audit trail,
confirmed spellings, column maps, the pseudonym secret, settings). The database is left out: it
is derived, and a restore rebuilds it.

An archive is a gzipped tar file. Its last member, `kp-dash-backup.json`, lists every other
member with its size and SHA-256. A restore reads the whole archive and checks every member
against that list before it writes anything, so a damaged or truncated archive is refused with
nothing written.

Left out on purpose: login sessions (a restore logs everybody out), the transaction logs waiting
in `incoming/` (not accepted yet), the spill and staging folders, and hidden files (locks and
temporary files).
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from kp_dash.store import audit, batches, build, config

INDEX = "kp-dash-backup.json"
FORMAT = 1
# what a backup holds and a restore brings back, relative to KP_DASH_STATE
KEPT = (
    "imports",
    "users.json",
    "audit.jsonl",
    "aliases.csv",
    "secret.key",
    "sso.toml",
    "column_maps",
)
# folders under the kept ones whose files last minutes: checks kept for an hour, logs being staged
PASSING = ("imports/checked", "imports/staging")
# what a forced restore moves aside besides the kept entries: the replaced users' sessions
STALE = ("sessions.json",)
REPLACED = "replaced"
MAX_INDEX_BYTES = 64 * 1024 * 1024
COMPRESS_LEVEL = 1  # raw imports are text that compresses well; batches are compressed Parquet
CHUNK = 1 << 20
DAMAGED = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, UnicodeDecodeError)


class BackupError(Exception):
    """A backup that cannot be written or an archive that is refused: one line for people."""


@dataclass(frozen=True)
class Member:
    path: str  # relative to KP_DASH_STATE, with "/" between parts
    size: int
    sha256: str


@dataclass(frozen=True)
class Summary:
    archive: Path
    members: int
    bytes: int  # of the members, uncompressed
    made_at: str
    seconds: float
    moved_aside: Path | None = None  # where a forced restore put what it replaced


# --- what is kept -------------------------------------------------------------------------------


def _wanted(relative: PurePosixPath) -> bool:
    text = relative.as_posix()
    hidden = any(part.startswith(".") for part in relative.parts)
    passing = any(text == p or text.startswith(f"{p}/") for p in PASSING)
    return bool(relative.parts) and relative.parts[0] in KEPT and not hidden and not passing


def kept_files(state: Path | None = None) -> list[Path]:
    """The files a backup holds, in a stable order."""
    state = state or config.state_dir()
    found = []
    for name in KEPT:
        top = state / name
        paths = sorted(top.rglob("*")) if top.is_dir() and not top.is_symlink() else [top]
        for path in paths:
            relative = PurePosixPath(path.relative_to(state).as_posix())
            if path.is_file() and not path.is_symlink() and _wanted(relative):
                found.append(path)
    return found


def present(state: Path) -> list[str]:
    """The kept entries a state folder already holds (hidden files such as locks aside)."""
    return [name for name in KEPT if (state / name).is_file() or any(_children(state / name))]


def _children(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        yield from (p for p in sorted(folder.iterdir()) if not p.name.startswith("."))


# --- backup -------------------------------------------------------------------------------------


class _Hashing(io.RawIOBase):
    """A file read through, its bytes added to a SHA-256 as tarfile copies them."""

    def __init__(self, handle) -> None:
        super().__init__()
        self.handle, self.digest = handle, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.handle.read(len(buffer))
        self.digest.update(data)
        buffer[: len(data)] = data
        return len(data)


@contextmanager
def _steady(path: Path) -> Iterator[io.BufferedReader]:
    """The file open for reading, under a shared lock: the audit trail's writers lock it, so a
    line being written is never cut in half."""
    with path.open("rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _add(tar: tarfile.TarFile, path: Path, name: str) -> Member:
    with _steady(path) as handle:
        info = tar.gettarinfo(arcname=name, fileobj=handle)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = _Hashing(handle)
        tar.addfile(info, reader)
    return Member(name, info.size, reader.digest.hexdigest())


def _add_index(tar: tarfile.TarFile, index: dict) -> None:
    data = json.dumps(index, indent=1, ensure_ascii=False).encode()
    info = tarfile.TarInfo(INDEX)
    info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
    tar.addfile(info, io.BytesIO(data))


def write_backup(out: Path, who: str | None = None) -> Summary:
    """One archive of the state folder at `out`, written beside it and renamed into place,
    readable by its owner only. Imports, withdrawals and builds wait while it is taken (the
    store's lock), so the manifest, the archive and the batches agree; the app goes on."""
    started, out = time.monotonic(), Path(out)
    state = config.state_dir()
    if not out.parent.is_dir():
        raise BackupError(f"{out.parent}: no such folder")
    if _wanted(_inside(out, state)):
        raise BackupError(
            f"{out}: an archive inside what it backs up would be copied into the next one; "
            "write it outside KP_DASH_STATE (or in a folder of its own there)"
        )
    made_at = datetime.now(UTC).isoformat(timespec="seconds")
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        handle = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        with batches.locked(), os.fdopen(handle, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=COMPRESS_LEVEL) as tar:
                members = [
                    _add(tar, path, path.relative_to(state).as_posix())
                    for path in kept_files(state)
                ]
                _add_index(tar, _index(members, made_at, state))
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, out)
    except OSError as error:
        raise BackupError(f"{out}: could not be written ({_reason(error)})") from error
    finally:
        tmp.unlink(missing_ok=True)
    total = sum(m.size for m in members)
    audit.record(audit.BackedUp(who=who or batches.user(), file=out.name, members=len(members)))
    return Summary(out, len(members), total, made_at, time.monotonic() - started)


def _inside(path: Path, state: Path) -> PurePosixPath:
    """`path` relative to the state folder, or an empty path when it lies elsewhere."""
    try:
        return PurePosixPath(path.resolve().relative_to(state.resolve()).as_posix())
    except ValueError:
        return PurePosixPath()


def _index(members: list[Member], made_at: str, state: Path) -> dict:
    return {
        "format": FORMAT,
        "made_at": made_at,
        "state": str(state),
        "members": [asdict(m) for m in members],
    }


def _reason(error: OSError) -> str:
    return (error.strerror or str(error)).lower()


# --- checking an archive ------------------------------------------------------------------------


def _member_name(info: tarfile.TarInfo, archive: Path) -> str:
    """The member's path, refused unless it is a plain file inside a kept entry: an archive is
    never allowed to write outside the state folder or to plant a link."""
    name = PurePosixPath(info.name)
    inside = not name.is_absolute() and ".." not in name.parts
    if not info.isreg() or not inside or not (info.name == INDEX or _wanted(name)):
        raise BackupError(
            f"{archive}: refused: member {info.name[:200]!r} is not a file this dashboard backs "
            "up; nothing was written"
        )
    return name.as_posix()


def _blocks(stream) -> Iterator[bytes]:
    yield from iter(lambda: stream.read(CHUNK), b"")


def _digest(stream) -> str:
    digest = hashlib.sha256()
    for block in _blocks(stream):
        digest.update(block)
    return digest.hexdigest()


def check_archive(archive: Path) -> tuple[dict, list[Member]]:
    """The archive's index and members, once every member is found whole, as listed; otherwise
    BackupError naming the first fault. Reads the archive through; writes nothing."""
    archive = Path(archive)
    found: dict[str, Member] = {}
    index = None
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for info in tar:
                name = _member_name(info, archive)
                stream = tar.extractfile(info)
                if name == INDEX:
                    index = json.loads(stream.read(MAX_INDEX_BYTES))
                elif name in found:
                    raise BackupError(f"{archive}: refused: {name} appears twice")
                else:
                    found[name] = Member(name, info.size, _digest(stream))
            for _ in _blocks(tar.fileobj):  # to the end, so that gzip checks its CRC and length
                pass
    except FileNotFoundError:
        raise BackupError(f"{archive}: no such file") from None
    except (*DAMAGED, json.JSONDecodeError) as error:
        raise BackupError(
            f"{archive}: refused: damaged or truncated ({_first_line(error)}); nothing was written"
        ) from None
    except OSError as error:
        raise BackupError(f"{archive}: cannot be read ({_reason(error)})") from None
    return index, _matched(archive, index, found)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__


def _matched(archive: Path, index: dict | None, found: dict[str, Member]) -> list[Member]:
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        raise BackupError(
            f"{archive}: refused: damaged, truncated or not a backup of this dashboard (no {INDEX} "
            f"of format {FORMAT}); nothing was written"
        )
    try:
        listed = [Member(**m) for m in index["members"]]
    except (KeyError, TypeError) as error:
        raise BackupError(f"{archive}: refused: its index is damaged ({error})") from None
    for member in listed:
        if found.get(member.path) != member:
            what = "is missing" if member.path not in found else "does not match its checksum"
            raise BackupError(f"{archive}: refused: {member.path} {what}; nothing was written")
    if extra := sorted(set(found) - {m.path for m in listed}):
        raise BackupError(f"{archive}: refused: {extra[0]} is not in its index")
    return listed


# --- restore ------------------------------------------------------------------------------------


def restore(archive: Path, *, force: bool = False, who: str | None = None) -> Summary:
    """Check the archive whole, then put its files under `KP_DASH_STATE`, rebuild the database
    and record the restore in the (restored) audit trail. The state folder must hold none of
    what a backup keeps, unless `force`: then what it held is moved to `replaced/STAMP/`."""
    started, archive = time.monotonic(), Path(archive)
    index, members = check_archive(archive)
    state = config.state_dir()
    held = present(state)
    if held and not force:
        raise BackupError(
            f"{state} already holds {', '.join(held)}: restore into an empty KP_DASH_STATE, or "
            f"add --force to move what it holds to {state / REPLACED}/; nothing was written"
        )
    _check_room(state, members)
    state.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = state / f".restore-{os.getpid()}-{time.time_ns()}"
    try:
        _extract(archive, members, staging)
        with batches.locked():
            aside = _move_aside(state, held) if held else None
            for name in KEPT:
                _move_in(staging / name, state / name)
            build.build(config.db_path())
    except OSError as error:
        where = error.filename or state
        raise BackupError(f"{where}: the restore stopped ({_reason(error)})") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    audit.record(
        audit.Restored(
            who=who or batches.user(),
            file=archive.name,
            made_at=index.get("made_at", "?"),
            members=len(members),
        )
    )
    total = sum(m.size for m in members)
    made_at = str(index.get("made_at", ""))
    return Summary(archive, len(members), total, made_at, time.monotonic() - started, aside)


def _check_room(state: Path, members: list[Member]) -> None:
    folder = next(p for p in (state, *state.parents) if p.exists())
    need, free = sum(m.size for m in members), shutil.disk_usage(folder).free
    if need > free:
        raise BackupError(
            f"{state}: the restore needs {need / 1e6:,.0f} MB and the disk has "
            f"{free / 1e6:,.0f} MB free; nothing was written"
        )


def _extract(archive: Path, members: list[Member], staging: Path) -> None:
    """Every member under `staging`, owner-only, each checked again as it is written (the
    archive could change between the check and now)."""
    expected = {m.path: m for m in members}
    with tarfile.open(archive, mode="r:gz") as tar:
        for info in tar:
            name = _member_name(info, archive)
            if name == INDEX:
                continue
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as out:
                digest = batches.write_hashed(_blocks(tar.extractfile(info)), out)
            if digest != expected[name].sha256:
                raise BackupError(f"{archive}: {name} changed while it was restored; try again")


def _move_aside(state: Path, held: list[str]) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = state / REPLACED / stamp
    for again in range(2, 100):  # two forced restores within one second
        if not aside.exists():
            break
        aside = state / REPLACED / f"{stamp}-{again}"
    aside.mkdir(parents=True, mode=0o700)
    for name in (*held, *STALE):
        source = state / name
        if source.is_dir():  # children only: the folder's lock stays where its holders find it
            (aside / name).mkdir(mode=0o700)
            for child in _children(source):
                os.replace(child, aside / name / child.name)
        elif source.exists():
            os.replace(source, aside / name)
    return aside


def _move_in(source: Path, target: Path) -> None:
    if not source.exists():
        return
    if source.is_dir():
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
        for child in _children(source):
            os.replace(child, target / child.name)
    else:
        os.replace(source, target)
