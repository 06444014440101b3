"""Accepted imports: all or nothing, nothing lost, nothing twice.

Layout under `KP_DASH_STATE` (default `data/`):
    imports/manifest.json          every batch ever accepted, with who, when, hash, rows, status
    imports/archive/HASH.EXT       each accepted file exactly as received, named by content hash
    imports/batches/BATCH.parquet  its validated, normalised rows
    aliases.csv                    district spellings people confirmed
An import validates the whole file first; then archives it, writes the batch, builds the new
database beside the old one, commits the manifest (the moment the batch counts), and swaps the
database in. A kill before the commit leaves everything as it was; a kill after it leaves a
database that is behind the manifest, which `build --if-stale` (and the next import) repairs.

The simulated demonstration usage counts only while no real usage batch is accepted: the import
that accepts the first one rebuilds without it, and only `build --demo` (refused while real usage
is accepted) brings it back; the choice is kept in `imports/demo.json`.
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from kp_dash import config
from kp_dash.ingest import Progress, Validation, validate_file

MANIFEST_COLUMNS = [
    "batch_id",
    "kind",
    "file_name",
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


class UnknownBatch(KeyError):
    """No accepted batch has this id."""


@dataclass
class ImportResult:
    status: str  # 'accepted' | 'already_imported' | 'rejected' | 'valid' (dry run passed)
    batch_id: str | None
    kind: str | None
    rows: int
    validation: Validation | None
    message: str
    demo_removed: bool = False  # this import took (a dry run: would take) the demo data out


@dataclass(frozen=True)
class Accepted:
    batch_id: str
    demo_removed: bool


DEMO_REMOVED = (
    "real usage is now loaded, so the demonstration data was taken out: every figure now shows "
    "real usage alone"
)
DEMO_WILL_GO = "importing them will take the demonstration data out (real and simulated never mix)"


# --- paths --------------------------------------------------------------------------------------


def imports_dir() -> Path:
    return config.state_dir() / "imports"


def manifest_path() -> Path:
    return imports_dir() / "manifest.json"


def batch_path(batch_id: str) -> Path:
    return imports_dir() / "batches" / f"{batch_id}.parquet"


def aliases_path() -> Path:
    return config.state_dir() / "aliases.csv"


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
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


@contextmanager
def _locked() -> Iterator[None]:
    """One writer at a time: a second import waits for the first to finish."""
    imports_dir().mkdir(parents=True, exist_ok=True)
    with (imports_dir() / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- the manifest -------------------------------------------------------------------------------


def _records() -> list[dict]:
    path = manifest_path()
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def _save_records(records: list[dict]) -> None:
    text = json.dumps(records, indent=1, ensure_ascii=False)
    _write_atomically(manifest_path(), lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_manifest() -> pd.DataFrame:
    """Every batch ever accepted, newest first; withdrawn ones keep their record."""
    frame = pd.DataFrame(_records(), columns=MANIFEST_COLUMNS)
    return frame.iloc[::-1].reset_index(drop=True)


def accepted(kind: str | None = None, records: list[dict] | None = None) -> list[dict]:
    """The batches that count, oldest first (optionally of one kind)."""
    records = _records() if records is None else records
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
    records = _records() if records is None else records
    return not any(
        r["kind"] == "usage" and (r["status"] == "accepted" or r["batch_id"] not in known)
        for r in records
    )


def refuse_demo(records: list[dict] | None = None) -> None:
    """DemoRefused when real usage is accepted: the simulation is never added to it."""
    if real := accepted("usage", records):
        names = ", ".join(f"{r['batch_id']} ({r['file_name']})" for r in real)
        raise DemoRefused(
            f"real usage is loaded ({len(real)} accepted batch(es): {names}); the demonstration "
            "data is never added to real figures. Withdraw those batches first to show it again."
        )


def set_demo(on: bool, who: str | None = None) -> None:
    """Turn the demonstration data on (refused while real usage is accepted) or off, for every
    later build; `build --demo` and `build --no-demo` record their choice here."""
    with _locked():
        if on:
            refuse_demo()
        setting = {
            "demo": "on" if on else "off",
            "changed_at": _now(),
            "who": who or _user(),
            "withdrawn_usage": [r["batch_id"] for r in _records() if r["kind"] == "usage"],
        }
        text = json.dumps(setting, indent=1)
        _write_atomically(demo_setting_path(), lambda tmp: tmp.write_text(text, encoding="utf-8"))


# --- aliases people confirmed -------------------------------------------------------------------


def confirmed_aliases() -> pd.DataFrame:
    path = aliases_path()
    if not path.exists():
        return pd.DataFrame(columns=ALIAS_COLUMNS)
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def confirm_alias(spelling: str, district_code: str, who: str | None = None) -> None:
    """Save a spelling a person confirmed; later validations resolve it without asking."""
    from kp_dash.districts import DistrictResolver

    DistrictResolver.from_seed().name_of(district_code)  # refuses an unknown code
    frame = confirmed_aliases()
    frame = frame[frame["alias"].str.casefold() != spelling.strip().casefold()]
    row = {
        "alias": spelling.strip(),
        "district_code": district_code,
        "who": who or _user(),
        "confirmed_at": _now(),
    }
    frame = pd.concat([frame, pd.DataFrame([row])], ignore_index=True)
    _write_atomically(aliases_path(), lambda tmp: frame.to_csv(tmp, index=False))


# --- import and withdraw ------------------------------------------------------------------------


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _batch_id(kind: str, digest: str, records: list[dict]) -> str:
    """Kind, day and content; a file imported again after its withdrawal gets a new id."""
    base = f"{kind[0]}-{date.today():%Y%m%d}-{digest[:10]}"
    taken = {r["batch_id"] for r in records}
    return next(
        candidate
        for candidate in (base, *(f"{base}-{n}" for n in range(2, len(taken) + 3)))
        if candidate not in taken
    )


def _months_covered(validation: Validation) -> tuple[str, str]:
    months = validation.rows.get("month_start")
    if months is None or months.dropna().empty:
        return "", ""
    return f"{months.min():%Y-%m}", f"{months.max():%Y-%m}"


def import_file(
    path: Path,
    *,
    kind: str | None = None,
    sheet: str | None = None,
    who: str | None = None,
    display_name: str | None = None,
    db_path: Path | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate a file and, when it is clean, accept it whole (see the module docstring)."""
    progress = progress or (lambda fraction, message: None)
    name = display_name or path.name
    digest = content_hash(path) if path.exists() else ""
    if not dry_run and (previous := _accepted_with(digest)):
        _ensure_current(db_path, progress)
        return _already(name, previous)
    validation = validate_file(
        path,
        kind=kind,
        sheet=sheet,
        display_name=name,
        extra_aliases=_alias_frame(),
        progress=progress,
    )
    if not validation.ok:
        return _rejected(name, validation, "problem(s)")
    if dry_run:
        return _checked(name, validation, db_path)
    with _locked():  # a second import of the same file may have finished while this one ran
        if previous := _accepted_with(digest):
            return _already(name, previous)
        overlap = overlapping_rows(validation, db_path)
        if overlap.total:
            return _repeats(name, validation, overlap)
        accepted_batch = _accept(path, name, digest, validation, who, db_path, progress)
    progress(1.0, "done")
    rows = len(validation.rows)
    message = f"{name}: accepted {rows:,} {validation.kind} rows as batch {accepted_batch.batch_id}"
    if accepted_batch.demo_removed:
        message += f"; {DEMO_REMOVED}"
    return ImportResult(
        "accepted",
        accepted_batch.batch_id,
        validation.kind,
        rows,
        validation,
        message,
        accepted_batch.demo_removed,
    )


def _accepted_with(digest: str) -> dict | None:
    return next((r for r in accepted() if r["content_hash"] == digest), None)


def _already(name: str, previous: dict) -> ImportResult:
    message = (
        f"{name}: already imported as batch {previous['batch_id']} on "
        f"{previous['imported_at'][:10]}; nothing changed"
    )
    return ImportResult(
        "already_imported", previous["batch_id"], previous["kind"], previous["rows"], None, message
    )


def _rejected(name: str, validation: Validation, what: str) -> ImportResult:
    message = f"{name}: rejected, {len(validation.problems):,} {what}; nothing was written"
    return ImportResult("rejected", None, validation.kind, 0, validation, message)


def _repeats(name: str, validation: Validation, overlap: Overlap) -> ImportResult:
    validation.problems = overlap.problems
    message = f"{name}: rejected, {overlap.summary(len(validation.rows))}; nothing was written"
    return ImportResult("rejected", None, validation.kind, 0, validation, message)


def _checked(name: str, validation: Validation, db_path: Path | None) -> ImportResult:
    """A dry run: the file's own problems were none; say whether it repeats accepted rows."""
    from kp_dash import build

    overlap = overlapping_rows(validation, db_path)
    if overlap.total:
        return _repeats(name, validation, overlap)
    rows = len(validation.rows)
    message = f"{name}: {rows:,} {validation.kind} rows are valid (dry run: nothing was written)"
    takes_demo_out = validation.kind == "usage" and build.has_demo(db_path)
    if takes_demo_out:
        message += f"; {DEMO_WILL_GO}"
    return ImportResult("valid", None, validation.kind, rows, validation, message, takes_demo_out)


# the key of each kind, as it is stored: a new batch may not repeat a key an accepted batch has
_STORED_KEYS = {
    "usage": (
        "usage",
        ("month_start", "district_code", "service_code", "channel", "sex", "area", "age_band"),
    ),
    "indicators": (
        "indicator_values",
        ("district_code", "parent_name", "year", "indicator", "grp"),
    ),
    "targets": ("targets", ("service_code", "district_code", "metric", "month_start", "year")),
}
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
    from kp_dash import db

    none = Overlap(0, {}, validation.problems.iloc[0:0], {})
    path = Path(db_path or config.db_path())
    if not path.exists() or validation.rows.empty:
        return none
    table, key = _STORED_KEYS[validation.kind]
    rows = validation.rows[list(key)].assign(row=range(2, len(validation.rows) + 2))
    join = " and ".join(f"t.{c} is not distinct from r.{c}" for c in key)
    # the table and key names come from the fixed map above; the values are never in the SQL
    matches = f"from incoming r join {table} t on {join} where t.batch_id <> 'demo'"
    with db.connect_readonly(path) as con:
        cursor = con.cursor()
        cursor.register("incoming", rows)
        counts = cursor.execute(
            f"select t.batch_id, count(*) as n {matches} group by t.batch_id order by min(r.row)"
        ).df()
        if counts.empty:
            return none
        hits = cursor.execute(
            f"select r.row, t.batch_id {matches} order by r.row limit ?", [OVERLAP_REPORT_LIMIT]
        ).df()
    files = {r["batch_id"]: r["file_name"] for r in _records()}
    messages = [
        f"repeats a row of batch {b} ({files.get(b, 'an earlier import')}); if this "
        f"file replaces it, withdraw batch {b} first"
        for b in hits["batch_id"]
    ]
    problems = pd.DataFrame(
        {
            "file": validation.file,
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


def _alias_frame() -> pd.DataFrame | None:
    aliases = confirmed_aliases()
    return aliases[["alias", "district_code"]] if not aliases.empty else None


def _accept(
    path: Path,
    name: str,
    digest: str,
    validation: Validation,
    who: str | None,
    db_path: Path | None,
    progress: Progress,
) -> Accepted:
    from kp_dash import build

    batch_id = _batch_id(validation.kind, digest, _records())
    progress(0.75, "archiving the file")
    archive = imports_dir() / "archive" / f"{digest}{Path(name).suffix.lower()}"
    if not archive.exists():
        _write_atomically(archive, lambda tmp: shutil.copyfile(path, tmp))
    progress(0.8, "writing the batch")
    # the batch id travels with the rows: the database scans usage batches in place
    rows = validation.rows.assign(batch_id=pd.Categorical([batch_id] * len(validation.rows)))
    _write_atomically(batch_path(batch_id), lambda tmp: rows.to_parquet(tmp, index=False))
    first, last = _months_covered(validation)
    record = {
        "batch_id": batch_id,
        "kind": validation.kind,
        "file_name": name,
        "content_hash": digest,
        "rows": len(validation.rows),
        "who": who or _user(),
        "imported_at": _now(),
        "status": "accepted",
        "withdrawn_at": "",
        "withdrawn_by": "",
        "first_month": first,
        "last_month": last,
    }
    records = [*_records(), record]
    progress(0.85, "updating the database")
    with build.staged(db_path, records, progress=lambda m: progress(0.9, m)) as new_build:
        _save_records(records)  # from here on the batch counts
        new_build.commit()
    return Accepted(batch_id, new_build.demo_removed)


def withdraw(batch_id: str, *, who: str | None = None, db_path: Path | None = None) -> None:
    """Take an accepted batch out of the data; its record (and archived file) stay."""
    from kp_dash import build

    with _locked():
        records = _records()
        target = next((r for r in records if r["batch_id"] == batch_id), None)
        if target is None or target["status"] != "accepted":
            raise UnknownBatch(batch_id)
        target.update(status="withdrawn", withdrawn_at=_now(), withdrawn_by=who or _user())
        with build.staged(db_path, records) as new_build:
            _save_records(records)
            new_build.commit()


def _ensure_current(db_path: Path | None, progress: Progress) -> None:
    """Repair a database left behind the manifest by an interrupted import."""
    from kp_dash import build

    if not build.is_current(db_path):
        progress(0.5, "bringing the database up to date")
        build.build(db_path)
