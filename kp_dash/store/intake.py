"""Accepting and withdrawing imports: all or nothing, nothing lost, nothing twice (the files
they write are described in `batches`).

An import validates the whole file first; then archives it, writes the batch, builds the new
database beside the old one, commits the manifest (the moment the batch counts), and swaps the
database in. A kill before the commit leaves everything as it was; a kill after it leaves a
database that is behind the manifest, which `build --if-stale` (and the next import) repairs.

The simulated demonstration usage counts only while no real usage batch is accepted: the import
that accepts the first one rebuilds without it, and only `build --demo` (refused while real usage
is accepted) brings it back; the choice is kept in `imports/demo.json`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from kp_dash.store import (
    audit,
    batches,
    cells,
    event_logs,
    event_store,
    kept_checks,
    mappings,
    repeats,
    sniff,
)
from kp_dash.store.ingest import FIRST_DATA_ROW, Progress, Validation, rejected, validate_file
from kp_dash.store.mappings import ColumnMapping


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
    if validation.log is not None:
        return validation.log.first_month, validation.log.last_month
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
    districts: tuple[str, ...] = (),
    address: str | None = None,
    mapping: ColumnMapping | None = None,
    source: str = "",
    content_hash: str | None = None,
) -> ImportResult:
    """Validate a file and, when it is clean, accept it whole (see the module docstring).
    With `districts` (a district officer's P-codes) a row of any other district, or of the
    province as a whole, is a problem that rejects the file. The file's columns are read
    through `mapping` when given, else through the mapping saved for its header and `source`
    (the department or office that sent it, recorded with the batch) when there is one. A dry
    run given the `content_hash` of the file keeps its clean check for the import of the same
    bytes (`kept_checks`)."""
    progress = progress or (lambda fraction, message: None)
    name = display_name or path.name
    if path.is_dir() and kind not in (None, event_logs.KIND):
        message = f"a folder is imported as a transaction log (events); give {kind} as a file"
        return _rejected(
            name, rejected(name, kind, [cells.file_problem(name, "folder", message)]), "problem(s)"
        )
    if kind == event_logs.KIND or path.is_dir() or (kind is None and event_logs.is_log(path, name)):
        log = functools.partial(_import_log, path, name, who=who, db_path=db_path, address=address)
        return log(dry_run=dry_run, progress=progress, districts=districts, source=source)
    try:  # before anything reads the file: its size, kind and what it unpacks to
        checked = sniff.check(path, name)
    except cells.ReadError as refused:
        return _rejected(name, rejected(name, kind, [refused.problems]), "problem(s)")
    source = mappings.clean_source(source)
    try:
        mapping = mapping or mappings.saved_for_file(checked, sheet, source)
    except (mappings.SeveralSources, mappings.MappingError) as refused:
        return _rejected(name, _mapping_refused(name, kind, refused), "problem(s)")
    validate = functools.partial(
        _validate, checked, name, kind, sheet, mapping, districts, progress
    )
    kept_key = functools.partial(
        kept_checks.key, kind=kind, sheet=sheet, source=source, mapping=mapping, districts=districts
    )
    if dry_run:
        validation = validate()
        if isinstance(validation, ImportResult):
            return validation
        if content_hash:  # the caller hashed the bytes it saved: keep the check for the import
            kept_checks.keep(kept_key(content_hash), validation)
        return _checked(name, validation, db_path)
    # the copy to archive and the content hash come from one read of the file
    with batches.staged_copy(path, _archive_dir()) as (staged, digest):
        if previous := _accepted_with(digest):
            _ensure_current(db_path, progress)
            return _already(name, previous)
        # a check of these very bytes, kept by a dry run, is not made again
        if (validation := kept_checks.take(kept_key(digest))) is None:
            validation = validate()
        if isinstance(validation, ImportResult):
            return validation
        archive = (staged, sniff.safe_suffix(name, path))
        accept = functools.partial(_accept, archive, name, digest, validation, who, db_path)
        facts = {"who": who, "address": address, "progress": progress, "source": source}
        return _accepted_once(accept, validation, digest, db_path, **facts)


def _accepted_once(
    accept: Callable[[Progress, str], Accepted],
    validation: Validation,
    digest: str,
    db_path: Path | None,
    *,
    who: str | None,
    address: str | None,
    progress: Progress,
    source: str,
) -> ImportResult:
    """The batch accepted by `accept` under the writers' lock, unless the same content or
    rows were accepted meanwhile (a second import of the same file may have finished)."""
    name = validation.file
    with batches.locked():
        if previous := _accepted_with(digest):
            return _already(name, previous)
        overlap = repeats.overlapping_rows(validation, db_path)
        if overlap.total:
            return _repeats(name, validation, overlap)
        accepted_batch = accept(progress, source)
    progress(1.0, "done")
    rows = validation.row_count
    imported = audit.Imported(
        who=who or batches.user(),
        file=name,
        rows=rows,
        kind=validation.kind,
        batch_id=accepted_batch.batch_id,
        address=address,
    )
    audit.record(imported)
    message = imported.what
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


def _import_log(
    path: Path,
    name: str,
    *,
    who: str | None,
    db_path: Path | None,
    address: str | None,
    dry_run: bool,
    progress: Progress,
    districts: tuple[str, ...],
    source: str,
) -> ImportResult:
    """A transaction log (a file or a folder, `event_logs`): all or nothing as any import, but
    read in place, pseudonymised and written by DuckDB, and never archived raw."""
    source = mappings.clean_source(source)
    try:
        files = event_logs.log_files(path, name)
    except event_logs.LogRefused as refused:
        return _rejected(name, rejected(name, event_logs.KIND, [refused.problems]), "problem(s)")
    digest = event_logs.content_digest(files)
    if not dry_run and (previous := _accepted_with(digest)):
        _ensure_current(db_path, progress)
        return _already(name, previous)
    validation = event_logs.validate_log(
        files, name, extra_aliases=_alias_frame(), progress=progress, districts=districts
    )
    try:
        if not validation.ok:
            return _rejected(name, validation, "problem(s)")
        if dry_run:
            return _checked(name, validation, db_path)
        accept = functools.partial(_accept, None, name, digest, validation, who, db_path)
        facts = {"who": who, "address": address, "progress": progress}
        return _accepted_once(accept, validation, digest, db_path, **facts, source=source)
    finally:
        event_logs.discard(validation.log)  # nothing is left once it is in place


def _mapping_refused(name: str, kind: str | None, refused: Exception) -> Validation:
    """A file whose saved column mapping cannot be told (several sources) or read."""
    several = isinstance(refused, mappings.SeveralSources)
    rule = "mapping_source_needed" if several else "mapping_unreadable"
    return rejected(name, kind, [cells.file_problem(name, rule, str(refused), 1)])


def outside_districts(validation: Validation, districts: tuple[str, ...]) -> Validation:
    """The validation with one problem per row that is not for one of `districts`."""
    codes = validation.rows.get("district_code")
    if codes is None:
        return validation
    outside = ~codes.isin(districts).to_numpy()
    if not outside.any():
        return validation
    allowed = ", ".join(districts)
    values = codes[outside].fillna("(province)").astype(str)
    problems = cells.problem_rows(
        validation.file,
        codes.index[outside] + FIRST_DATA_ROW,
        "district",
        list(values),
        "outside_your_districts",
        [f"{v} is not one of your districts ({allowed}); leave its rows out" for v in values],
    )
    return rejected(validation.file, validation.kind, [problems])


def _validate(
    checked: sniff.Checked,
    name: str,
    kind: str | None,
    sheet: str | None,
    mapping: ColumnMapping | None,
    districts: tuple[str, ...],
    progress: Progress,
) -> Validation | ImportResult:
    """The file read and checked through its column mapping; a rejection when anything is
    wrong, the clean validation otherwise."""
    validation = validate_file(
        checked,
        kind=kind or (mapping.kind if mapping else None),
        sheet=sheet,
        extra_aliases=_alias_frame(),
        progress=progress,
        mapping=mapping,
    )
    if validation.ok and districts:
        validation = outside_districts(validation, districts)
    return validation if validation.ok else _rejected(name, validation, "problem(s)")


def _archive_dir() -> Path:
    return batches.imports_dir() / "archive"


def _accepted_with(digest: str) -> dict | None:
    return next((r for r in batches.accepted() if r["content_hash"] == digest), None)


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


def _repeats(name: str, validation: Validation, overlap: repeats.Overlap) -> ImportResult:
    validation.problems = overlap.problems
    message = f"{name}: rejected, {overlap.summary(validation.row_count)}; nothing was written"
    return ImportResult("rejected", None, validation.kind, 0, validation, message)


def _checked(name: str, validation: Validation, db_path: Path | None) -> ImportResult:
    """A dry run: the file's own problems were none; say whether it repeats accepted rows."""
    from kp_dash.store import build

    overlap = repeats.overlapping_rows(validation, db_path)
    if overlap.total:
        return _repeats(name, validation, overlap)
    rows = validation.row_count
    message = f"{name}: {rows:,} {validation.kind} rows are valid (dry run: nothing was written)"
    takes_demo_out = validation.kind in batches.USAGE_KINDS and build.has_demo(db_path)
    if takes_demo_out:
        message += f"; {DEMO_WILL_GO}"
    return ImportResult("valid", None, validation.kind, rows, validation, message, takes_demo_out)


def _alias_frame() -> pd.DataFrame | None:
    aliases = batches.confirmed_aliases()
    return aliases[["alias", "district_code"]] if not aliases.empty else None


def _accept(
    staged: tuple[Path, str] | None,
    name: str,
    digest: str,
    validation: Validation,
    who: str | None,
    db_path: Path | None,
    progress: Progress,
    source: str = "",
) -> Accepted:
    from kp_dash.store import build

    batch_id = _batch_id(validation.kind, digest, batches.read_records())
    if staged is not None:  # a log is not archived: its references would be kept raw
        progress(0.75, "archiving the file")
        # named by content hash; the suffix comes from an allow-list, never from the name
        copy, suffix = staged  # the copy made while hashing, already on disk, and its suffix
        archive = _archive_dir() / f"{digest}{suffix}"
        if not archive.exists():
            os.replace(copy, archive)
    progress(0.8, "writing the batch")
    _store_rows(validation, batch_id)
    first, last = _months_covered(validation)
    record = {
        "batch_id": batch_id,
        "kind": validation.kind,
        "file_name": name,
        "content_hash": digest,
        "rows": validation.row_count,
        "who": who or batches.user(),
        "imported_at": batches.now(),
        "status": "accepted",
        "withdrawn_at": "",
        "withdrawn_by": "",
        "first_month": first,
        "last_month": last,
        "source": source,  # the department or office that sent the file, as given
    }
    records = [*batches.read_records(), record]
    progress(0.85, "updating the database")
    with build.staged(db_path, records, progress=lambda m: progress(0.9, m)) as new_build:
        batches.save_records(records)  # from here on the batch counts
        new_build.commit()
    return Accepted(batch_id, new_build.demo_removed)


def _store_rows(validation: Validation, batch_id: str) -> None:
    """The batch's rows in the store: a log's staged folder moved into place, others written
    as one Parquet file; the batch id travels with the rows (the database scans them)."""
    if validation.log is not None:
        target = event_store.folder(batch_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(validation.log.folder, target)
        return
    rows = validation.rows.assign(batch_id=pd.Categorical([batch_id] * len(validation.rows)))
    # timestamps in microseconds: Spark cannot read Parquet's nanoseconds (`kp_dash.store.spark`)
    batches.write_atomically(
        batches.batch_path(batch_id),
        lambda tmp: rows.to_parquet(tmp, index=False, coerce_timestamps="us"),
    )


def withdraw(
    batch_id: str,
    *,
    who: str | None = None,
    db_path: Path | None = None,
    address: str | None = None,
) -> None:
    """Take an accepted batch out of the data; its record (and archived file) stay."""
    from kp_dash.store import build

    with batches.locked():
        records = batches.read_records()
        target = next((r for r in records if r["batch_id"] == batch_id), None)
        if target is None or target["status"] != "accepted":
            raise UnknownBatch(batch_id)
        target.update(
            status="withdrawn", withdrawn_at=batches.now(), withdrawn_by=who or batches.user()
        )
        with build.staged(db_path, records) as new_build:
            batches.save_records(records)
            new_build.commit()
    audit.record(audit.Withdrawn(who=who or batches.user(), batch_id=batch_id, address=address))


def _ensure_current(db_path: Path | None, progress: Progress) -> None:
    """Repair a database left behind the manifest by an interrupted import."""
    from kp_dash.store import build

    if not build.is_current(db_path):
        progress(0.5, "bringing the database up to date")
        build.build(db_path)
