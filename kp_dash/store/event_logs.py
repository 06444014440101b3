"""Transaction logs (`events` files): read in place by DuckDB, checked, pseudonymised and written
as monthly Parquet partitions, without ever being held as a frame.

A log is one file or a folder of them (Parquet, CSV or gzipped CSV; every file's first row its
header). Each file is checked in a DuckDB of its own within a quarter of the import's memory,
spilling to `KP_DASH_STATE/tmp`; its rows become `STAGED/month=YYYY-MM/*.parquet` (zstd), the
citizen reference replaced by its pseudonym (`pseudonyms`), each row keeping the file and row it
came from. Event ids repeated across the files of a folder are found over what was written.
The staged folder becomes the batch's folder when the import is accepted (`intake`), and is
removed otherwise: a rejected or checked-only log leaves nothing behind, and the raw file is
never archived (its references would be kept raw).
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa_arrow
import pyarrow.parquet as pq

from kp_dash.store import (
    batches,
    cell_table,
    config,
    in_place,
    ingest,
    kinds,
    pseudonyms,
    rules,
    sniff,
)
from kp_dash.store.cell_table import CellTable, literal
from kp_dash.store.cells import file_problem, problem_rows

KIND = "events"
PROBLEMS_LISTED = 1000  # per rule and file: a log of millions of bad rows is not listed whole
SUFFIXES = (".parquet", ".csv", ".csv.gz")
_GZIP = b"\x1f\x8b"


@dataclass(frozen=True)
class LogFile:
    path: Path
    name: str  # as problems name it: the file's, or its path within the folder given
    reader: str  # 'parquet', 'csv' or 'csv.gz'


@dataclass(frozen=True)
class StagedLog:
    """A checked log's rows, written and waiting to be accepted or removed."""

    folder: Path  # month=YYYY-MM/*.parquet
    rows: int
    first_month: str
    last_month: str


class LogRefused(Exception):
    """The log cannot be read at all (no files, a file of another kind, too large)."""

    def __init__(self, problems: pd.DataFrame):
        super().__init__("; ".join(problems["message"]))
        self.problems = problems


# --- the files ----------------------------------------------------------------------------------


def log_files(path: Path, name: str) -> list[LogFile]:
    """The files of a log: `path` itself, or every file under the folder `path` (hidden ones
    left out), in name order. LogRefused when there are none, or one is not a log's."""
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path))
        files = [(p, f"{name}/{p.relative_to(path).as_posix()}") for p in found]
        if not files:
            message = f"the folder holds no files; {_ACCEPTED}"
            raise LogRefused(file_problem(name, "empty_file", message))
    else:
        files = [(path, name)]
    problems = [p for p in (_refusal(p, shown) for p, shown in files) if p is not None]
    if problems:
        raise LogRefused(pd.concat(problems, ignore_index=True))
    return [LogFile(p, shown, _reader(shown)) for p, shown in files]


_ACCEPTED = "a log is Parquet (.parquet), CSV (.csv) or gzipped CSV (.csv.gz) files"


def _hidden(path: Path, top: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(top).parts)


def _reader(name: str) -> str | None:
    lower = name.lower()
    return next((s.lstrip(".") for s in SUFFIXES if lower.endswith(s)), None)


def _refusal(path: Path, name: str) -> pd.DataFrame | None:
    reader = _reader(name)
    if not path.is_file():
        return file_problem(name, "no_such_file", "there is no such file or folder")
    if reader is None:
        return file_problem(name, "unsupported_file", f"not a log's file: {_ACCEPTED}")
    size = path.stat().st_size
    if size == 0:
        return file_problem(name, "empty_file", "the file is empty")
    if size > config.max_log_bytes():
        limit = sniff.size_text(config.max_log_bytes())
        message = (
            f"the file is {sniff.size_text(size)}, over the {limit} limit for one file of a log "
            "(KP_DASH_MAX_LOG_MB); split it into a folder of monthly files"
        )
        return file_problem(name, "file_too_large", message)
    with path.open("rb") as handle:
        head = handle.read(4)
        handle.seek(max(size - 4, 0))
        tail = handle.read(4)
    expected = {"parquet": (b"PAR1", "Parquet"), "csv.gz": (_GZIP, "gzip")}.get(reader)
    if expected is not None and not head.startswith(expected[0]):
        return file_problem(name, "not_what_it_says", f"the file is not {expected[1]}")
    if reader == "parquet" and tail != b"PAR1":
        return file_problem(name, "unreadable", "the file is not whole Parquet (it is cut short)")
    return None


def content_digest(files: list[LogFile]) -> str:
    """SHA-256 of one file's bytes (as for any import), or of a folder's names and bytes."""
    if len(files) == 1:
        return batches.content_hash(files[0].path)
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.split("/", 1)[-1].encode("utf-8") + b"\0")
        digest.update(bytes.fromhex(batches.content_hash(file.path)))
    return digest.hexdigest()


# --- checking one file --------------------------------------------------------------------------


def _header(file: LogFile) -> tuple[list[str], str] | pd.DataFrame:
    """The file's header (and a CSV's delimiter), or the problem that stops its reading."""
    if file.reader == "parquet":
        try:
            schema = pq.read_schema(file.path)
        except (pa_arrow.ArrowException, OSError, ValueError) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            return file_problem(file.name, "unreadable", f"cannot be read as Parquet ({reason})")
        header = [str(n) for n in schema.names]
        if not in_place.plain_names(header):
            message = "column names must be distinct and not blank; rename the columns"
            return file_problem(file.name, "bad_header", message, 1)
        return header, ""
    opener = gzip.open if file.reader == "csv.gz" else open
    try:
        with opener(file.path, "rb") as handle:
            head = handle.read(1 << 20)
    except (OSError, EOFError) as error:
        return file_problem(file.name, "unreadable", f"cannot be unpacked ({error})")
    found = in_place.csv_header(head, file.name)
    if found is None:
        message = (
            "a log's CSV is UTF-8 text whose first row is its header of distinct names; "
            "export it again so"
        )
        return file_problem(file.name, "bad_header", message, 1)
    return found


def _cells(con, file: LogFile, header: list[str], delimiter: str, mapping: dict) -> CellTable:
    if file.reader == "parquet":
        return in_place.parquet_cells(con, file.name, file.path, mapping)
    at = {column: header.index(mapping[column]) for column in mapping}
    compression = "gzip" if file.reader == "csv.gz" else "none"
    return in_place.csv_cells(con, file.name, file.path, at, delimiter, len(header), compression)


def _check_file(
    checker, file: LogFile, at: int, staged: Path, progress
) -> tuple[list[pd.DataFrame], pd.DataFrame | None]:
    """One file's problems and close matches; its rows written under `staged` when clean."""
    found = _header(file)
    if isinstance(found, pd.DataFrame):
        return [found], None
    header, delimiter = found
    mapping, problems = rules.header_problems(pd.DataFrame(columns=header), file.name, KIND)
    if problems:
        return problems, None
    checker.notes += [f"{file.name}: {n}" for n in rules.left_out_note(header, mapping)]
    kind = kinds.get(KIND)
    with cell_table.checking(share=4) as con:
        try:
            table = _cells(con, file, header, delimiter, mapping)
            table.limit = PROBLEMS_LISTED
            if not (events := table.row_count()):
                message = "the file has no data rows (it is empty or has a header alone)"
                return [file_problem(file.name, "empty_file", message)], None
            fuzzy = kind.parse(checker, table, problems, progress)
            progress(0.6, "checking that no event id repeats")
            table.repeated_keys(kind.keys, kind.key_words, problems)
            if not problems:
                progress(0.7, f"{_rate(events, progress)}; writing them by month")
                _write(con, file, at, staged)
                progress(1.0, f"{_rate(events, progress)}, checked and written")
        except duckdb.Error as error:  # bytes that are not UTF-8, a row of another width
            return [_unreadable(file, error)], None
    return problems, fuzzy


def _rate(events: int, progress: _FileProgress) -> str:
    seconds = time.perf_counter() - progress.started
    per_second = f", {events / seconds:,.0f} events/s" if seconds > 0 else ""
    return f"{events:,} events in {seconds:.1f} s{per_second}"


def _unreadable(file: LogFile, error: duckdb.Error) -> pd.DataFrame:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    reason = " ".join(lines[:2])[:400]
    return file_problem(file.name, "unreadable", f"the file cannot be read whole: {reason}")


def _write(con, file: LogFile, at: int, staged: Path) -> None:
    """The file's rows as monthly partitions, each reference pseudonymised row by row: a map
    of a log's distinct people would be held whole in memory, which a big log overruns."""
    pseudonyms.register(con)
    columns = [c for c in kinds.get(KIND).stored if c not in ("month_start", "user_ref")]
    picked = ", ".join(f"p.{c}" for c in columns)
    # the folder and the names written are the store's own, never text from the file
    con.execute(
        f"copy (select {picked}, {pseudonyms.sql('p.user_ref')} as user_ref, "
        "$file as source_file, p.row as source_row, strftime(p.month_start, '%Y-%m') as month "
        f"from parsed p) to {literal(str(staged))} (format parquet, compression zstd, "
        f"partition_by (month), filename_pattern {literal(f'part{at}_{{i}}')}, "
        "overwrite_or_ignore true)",
        {"file": file.name},
    )


# --- the whole log ------------------------------------------------------------------------------


def staging_folder() -> Path:
    return batches.imports_dir() / "staging" / uuid.uuid4().hex


def scan(folder: Path) -> str:
    """SQL reading a staged or stored log folder (the store's own path, never user text)."""
    glob = literal(str(folder / "**" / "*.parquet"))
    return f"read_parquet({glob}, hive_partitioning = true, hive_types = {{'month': 'VARCHAR'}})"


def check(
    files: list[LogFile],
    checker,
    progress,
    districts: tuple[str, ...] = (),
) -> tuple[list[pd.DataFrame], pd.DataFrame, StagedLog | None]:
    """Every file of a log checked and written under a new staging folder: the problems, the
    close matches, and the staged rows (None, the folder removed, when there is a problem)."""
    staged = staging_folder()
    staged.mkdir(parents=True)
    problems, matches = [], []
    try:
        for at, file in enumerate(files):
            step = _FileProgress(progress, files, at)
            found, fuzzy = _check_file(checker, file, at, staged, step)
            problems += found
            if fuzzy is not None:
                matches.append(fuzzy)
        if not problems:
            problems += _across_files(staged, len(files), districts)
        if problems:
            shutil.rmtree(staged, ignore_errors=True)
            return problems, _concat(matches), None
        return [], _concat(matches), _summary(staged)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise


class _FileProgress:
    """Progress within one file of a log, as a share of the whole log's checking (0-0.7), each
    step named with its file; `started` is the file's own clock, for its events per second."""

    def __init__(self, progress, files: list[LogFile], at: int):
        self.progress, self.at, self.count = progress, at, len(files)
        self.name = files[at].name
        if self.count > 1:
            self.name += f" ({at + 1} of {self.count})"
        self.started = time.perf_counter()

    def __call__(self, fraction: float, message: str) -> None:
        share = 0.7 / self.count
        self.progress(share * (self.at + min(fraction, 1.0)), f"{self.name}: {message}")


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _across_files(staged: Path, files: int, districts: tuple[str, ...]) -> list[pd.DataFrame]:
    """Event ids repeated across a folder's files, and a district officer's other districts."""
    found = []
    with cell_table.checking(share=4) as con:
        rows = f"select * from {scan(staged)}"
        if files > 1:
            found += _repeated_ids(con, rows)
        if districts:
            found += _outside(con, rows, districts)
    return found


def _repeated_ids(con, rows: str) -> list[pd.DataFrame]:
    repeats = (
        "from (select source_file, source_row, "
        "first_value(source_file) over w as first_file, first_value(source_row) over w as "
        f"first_row, row_number() over w as nth from ({rows}) where event_id is not null "
        "window w as (partition by event_id order by source_file, source_row)) where nth > 1"
    )
    hit = con.execute(
        f"select 1 from ({rows}) where event_id is not null group by event_id "
        "having count(*) > 1 limit 1"
    ).fetchall()
    if not hit:
        return []
    listed = con.execute(
        f"select * {repeats} order by source_file, source_row limit {PROBLEMS_LISTED}"
    ).df()
    messages = (
        "repeats the event id of row "
        + listed["first_row"].astype("string")
        + " of "
        + listed["first_file"]
        + "; each event is sent once: remove one of them"
    )
    return [_listed(listed, "event_id", [""] * len(listed), "repeated_key", messages)]


def _listed(listed: pd.DataFrame, column: str, values, rule: str, messages) -> pd.DataFrame:
    """Problems of rows found over the staged files, each named by its own file and row."""
    found = problem_rows("", listed["source_row"], column, values, rule, messages)
    return found.assign(file=listed["source_file"].to_numpy())


def _outside(con, rows: str, districts: tuple[str, ...]) -> list[pd.DataFrame]:
    listed = con.execute(
        f"select source_file, source_row, district_code from ({rows}) "
        "where not list_contains($districts, district_code) "
        f"order by source_file, source_row limit {PROBLEMS_LISTED}",
        {"districts": list(districts)},
    ).df()
    if listed.empty:
        return []
    allowed = ", ".join(districts)
    codes = listed["district_code"].fillna("(province)")
    messages = [f"{d} is not one of your districts ({allowed}); leave its rows out" for d in codes]
    return [_listed(listed, "district", list(codes), "outside_your_districts", messages)]


def _summary(staged: Path) -> StagedLog:
    with cell_table.checking(share=4) as con:
        rows, first, last = con.execute(
            f"select count(*), min(month), max(month) from {scan(staged)}"
        ).fetchall()[0]
    return StagedLog(staged, rows, first, last)


def discard(staged: StagedLog | None) -> None:
    """A staged log that was not accepted, removed."""
    if staged is not None:
        shutil.rmtree(staged.folder, ignore_errors=True)


def is_log(path: Path, name: str) -> bool:
    """Whether a file's header names an events file (a log's file, with every required column)."""
    reader = _reader(name)
    if reader is None or not path.is_file() or _refusal(path, name) is not None:
        return False
    found = _header(LogFile(path, name, reader))
    return not isinstance(found, pd.DataFrame) and rules.guess_kind(found[0]) == KIND


def validate_log(
    files: list[LogFile],
    name: str,
    *,
    today: date | None = None,
    extra_aliases: pd.DataFrame | None = None,
    progress=None,
    districts: tuple[str, ...] = (),
) -> ingest.Validation:
    """A log's files (`log_files`) checked and, when clean, staged (`Validation.log`, which
    the caller accepts or `discard`s)."""
    progress = progress or (lambda fraction, message: None)
    checker = ingest.validator(today, extra_aliases=extra_aliases)
    checker.notes = []
    problems, fuzzy, staged = check(files, checker, progress, districts)
    if problems:
        result = ingest.rejected(name, KIND, problems)
        result.notes = checker.notes
        if not fuzzy.empty:
            result.fuzzy = fuzzy
        return result
    progress(0.7, f"{staged.rows:,} events checked")
    validation = ingest.Validation(name, KIND, pd.DataFrame(), ingest.no_problems())
    validation.notes, validation.log = checker.notes, staged
    if not fuzzy.empty:
        validation.fuzzy = fuzzy
    return validation


def checked_only(path: Path, name: str, today, extra_aliases, progress) -> ingest.Validation:
    """A log checked, its staged rows removed at once (the validation keeps their count)."""
    try:
        files = log_files(path, name)
    except LogRefused as refused:
        return ingest.rejected(name, KIND, [refused.problems])
    validation = validate_log(
        files, name, today=today, extra_aliases=extra_aliases, progress=progress
    )
    discard(validation.log)
    return validation
