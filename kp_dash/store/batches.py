"""The state of accepted imports: where batches and the archive live, the manifest of every
batch, the demonstration-data setting, confirmed district spellings, and the lock every writer
takes. Read by the build and by accepting and withdrawing (`intake`).

Layout under `KP_DASH_STATE` (default `data/`):
    imports/manifest.json          every batch ever accepted, with who, when, hash, rows, status
    imports/archive/HASH.EXT       each accepted file exactly as received, named by content hash
    imports/batches/BATCH.parquet  its validated, normalised rows
    imports/events/batch_id=BATCH/month=YYYY-MM/*.parquet
                                   an accepted transaction log, pseudonymised (`event_store`)
    imports/demo.json              whether the simulated demonstration usage is shown
    aliases.csv                    district spellings people confirmed
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from kp_dash.store import audit, config

MANIFEST_COLUMNS = [
    "batch_id",
    "kind",
    "file_name",
    "source",
    "content_hash",
    "rows",
    "who",
    "imported_at",
    "status",
    "withdrawn_at",
    "withdrawn_by",
    "first_month",
    "last_month",
]
ALIAS_COLUMNS = ["alias", "district_code", "who", "confirmed_at"]
USAGE_KINDS = ("usage", "events")  # real usage, which the simulation never joins


# --- paths --------------------------------------------------------------------------------------


def imports_dir() -> Path:
    return config.state_dir() / "imports"


def manifest_path() -> Path:
    return imports_dir() / "manifest.json"


def batch_path(batch_id: str) -> Path:
    return imports_dir() / "batches" / f"{batch_id}.parquet"


def aliases_path() -> Path:
    return config.state_dir() / "aliases.csv"


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_private(path: Path, text: str) -> None:
    """`text` written atomically to a file only its owner may read (mode 0600): users,
    sessions, column mappings."""

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")
        os.chmod(tmp, 0o600)

    write_atomically(path, write)


@contextmanager
def exclusive(lock: Path) -> Iterator[None]:
    """One holder of the lock file `lock` at a time, across threads and processes."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def locked() -> Iterator[None]:
    """One writer at a time: a second import waits for the first to finish."""
    with exclusive(imports_dir() / ".lock"):
        yield


# --- the manifest -------------------------------------------------------------------------------


def read_records() -> list[dict]:
    path = manifest_path()
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def save_records(records: list[dict]) -> None:
    text = json.dumps(records, indent=1, ensure_ascii=False)
    write_atomically(manifest_path(), lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_manifest() -> pd.DataFrame:
    """Every batch ever accepted, newest first; withdrawn ones keep their record."""
    frame = pd.DataFrame(read_records(), columns=MANIFEST_COLUMNS)
    return frame.iloc[::-1].reset_index(drop=True)


def accepted(kind: str | None = None, records: list[dict] | None = None) -> list[dict]:
    """The batches that count, oldest first (optionally of one kind)."""
    records = read_records() if records is None else records
    return [r for r in records if r["status"] == "accepted" and (kind is None or r["kind"] == kind)]


# --- the demonstration data ---------------------------------------------------------------------


class DemoRefused(Exception):
    """The demonstration data was asked for while real usage is accepted."""


def demo_setting_path() -> Path:
    return imports_dir() / "demo.json"


def _demo_setting() -> dict:
    path = demo_setting_path()
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def demo_included(records: list[dict] | None = None) -> bool:
    """Whether the simulated usage counts: only while no real usage batch is accepted, and not
    again once one has been (withdrawing it does not bring the simulation back; `build --demo`
    does), nor after `build --no-demo`."""
    setting = _demo_setting()
    if setting.get("demo") == "off":
        return False
    known = set(setting.get("withdrawn_usage", ()))  # withdrawn before `build --demo`
    records = read_records() if records is None else records
    return not any(
        r["kind"] in USAGE_KINDS and (r["status"] == "accepted" or r["batch_id"] not in known)
        for r in records
    )


def refuse_demo(records: list[dict] | None = None) -> None:
    """DemoRefused when real usage is accepted: the simulation is never added to it."""
    if real := [r for r in accepted(records=records) if r["kind"] in USAGE_KINDS]:
        names = ", ".join(f"{r['batch_id']} ({r['file_name']})" for r in real)
        raise DemoRefused(
            f"real usage is loaded ({len(real)} accepted batch(es): {names}); the demonstration "
            "data is never added to real figures. Withdraw those batches first to show it again."
        )


def set_demo(on: bool, who: str | None = None) -> None:
    """Turn the demonstration data on (refused while real usage is accepted) or off, for every
    later build; `build --demo` and `build --no-demo` record their choice here."""
    with locked():
        if on:
            refuse_demo()
        setting = {
            "demo": "on" if on else "off",
            "changed_at": now(),
            "who": who or user(),
            "withdrawn_usage": [r["batch_id"] for r in read_records() if r["kind"] in USAGE_KINDS],
        }
        text = json.dumps(setting, indent=1)
        write_atomically(demo_setting_path(), lambda tmp: tmp.write_text(text, encoding="utf-8"))


# --- aliases people confirmed -------------------------------------------------------------------


def confirmed_aliases() -> pd.DataFrame:
    path = aliases_path()
    if not path.exists():
        return pd.DataFrame(columns=ALIAS_COLUMNS)
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def confirm_alias(
    spelling: str, district_code: str, who: str | None = None, address: str | None = None
) -> None:
    """Save a spelling a person confirmed; later validations resolve it without asking."""
    from kp_dash.store.districts import DistrictResolver

    DistrictResolver.from_seed().name_of(district_code)  # refuses an unknown code
    frame = confirmed_aliases()
    frame = frame[frame["alias"].str.casefold() != spelling.strip().casefold()]
    row = {
        "alias": spelling.strip(),
        "district_code": district_code,
        "who": who or user(),
        "confirmed_at": now(),
    }
    frame = pd.concat([frame, pd.DataFrame([row])], ignore_index=True)
    write_atomically(aliases_path(), lambda tmp: frame.to_csv(tmp, index=False))
    confirmed = audit.AliasConfirmed(
        who=row["who"], alias=row["alias"], district_code=district_code, address=address
    )
    audit.record(confirmed)


# --- import and withdraw ------------------------------------------------------------------------


def user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        yield from iter(lambda: handle.read(1 << 20), b"")


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    for block in _blocks(path):
        digest.update(block)
    return digest.hexdigest()


def write_hashed(blocks: Iterable[bytes], out: BinaryIO) -> str:
    """Write the blocks to `out`, flushed to disk, and give the SHA-256 of what was written."""
    digest = hashlib.sha256()
    for block in blocks:
        digest.update(block)
        out.write(block)
    out.flush()
    os.fsync(out.fileno())
    return digest.hexdigest()


@contextmanager
def staged_copy(path: Path, folder: Path) -> Iterator[tuple[Path, str]]:
    """A copy of `path` in `folder`, flushed to disk, and the SHA-256 of its content, from one
    read of the file. The copy is removed on the way out unless it was renamed into place."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    staged = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            digest = write_hashed(_blocks(path), out)
        yield staged, digest
    finally:
        staged.unlink(missing_ok=True)
