"""An import, its check, or the preview the column-mapping form shows, in a process of its own
with a memory cap of its own, so that a file that makes a reader run wild ends that process alone
and never the app's server, which runs every session.

The child is a fresh interpreter (`python -m kp_dash.store.isolated`): a fork of the server
would copy its threads' locks, and Python's own process pools re-run the calling module in the
child, which in Streamlit is the page script. It inherits the caller's environment (its
`KP_DASH_*` settings), caps its address space at `KP_DASH_IMPORT_MEMORY_MB` (DuckDB inside it
keeps to half of that, `config.duckdb_settings`), reads its job from its input and sends its
progress and its result back on its output. A child that dies says nothing more: the caller
gets a rejection that says what happened and that nothing was written (an import writes its
manifest last, so a child killed before that leaves everything as it was).
"""

from __future__ import annotations

import logging
import os
import pickle
import resource
import signal
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from kp_dash.store import config, mappings, sniff
from kp_dash.store.cells import ReadError, file_problem, texts
from kp_dash.store.ingest import Progress, Validation
from kp_dash.store.intake import ImportResult, import_file
from kp_dash.store.mappings import ColumnMapping
from kp_dash.store.reader import read_layout

RULE = "import_stopped"


Preview = tuple[tuple[str, ...], tuple[tuple[int, str, tuple[str, ...]], ...]]
PREVIEW_SAMPLES = 3


@dataclass(frozen=True)
class _Outcome:
    result: object  # what the task returned (None too), when it returned
    returned: bool
    failure: str | None  # why it did not, as the child said
    exit_code: int | None


def run_import(path: Path, *, progress: Progress | None = None, **options) -> ImportResult:
    """`intake.import_file(path, progress=…, **options)` in a child process (see the module
    docstring); the result comes back without the accepted rows, which the page never shows."""
    name = options.get("display_name") or path.name
    outcome = _run("import", Path(path), options, progress)
    if outcome.returned:
        return outcome.result
    why = outcome.failure or _death(outcome.exit_code)
    return _stopped(name, options.get("kind"), why)


def run_preview(path: Path, name: str, sheet: str | None) -> Preview | None:
    """`file_preview` in a child process: None also when the child could not finish."""
    outcome = _run("preview", Path(path), {"name": name, "sheet": sheet}, None)
    return outcome.result if outcome.returned else None


def _run(task: str, path: Path, options: dict, progress: Progress | None) -> _Outcome:
    progress = progress or (lambda fraction, message: None)
    child = subprocess.Popen(
        [sys.executable, "-m", "kp_dash.store.isolated"],
        cwd=config.ROOT,
        env=os.environ.copy(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    result, returned, failure = None, False, None
    try:
        pickle.dump({"task": task, "path": path, "options": options}, child.stdin)
        child.stdin.close()
        while (message := _next(child.stdout)) is not None:
            if message[0] == "progress":
                progress(*message[1:])
            elif message[0] == "result":
                result, returned = message[1], True
            else:
                failure = message[1]
    except BrokenPipeError:  # the child died before it read its job
        pass
    finally:
        child.stdout.close()
        exit_code = child.wait()
    return _Outcome(result, returned, failure, exit_code)


def _next(stream) -> tuple | None:
    try:
        return pickle.load(stream)
    except (EOFError, pickle.UnpicklingError):  # the child ended (or died mid-message)
        return None


def file_preview(path: Path, name: str, sheet: str | None) -> Preview | None:
    """The header row a file appears to have and, for each named column, its position, its
    header and its first values, read as the import will read them; None for a file its checks
    refuse (never opened) or whose header cannot be told."""
    try:
        checked = sniff.check(path, name)
    except ReadError:
        return None
    header = mappings.apparent_header(mappings.head_rows(checked, sheet))
    if header is None:
        return None
    placeholders = tuple(f"c{i}" for i in range(len(header)))
    try:
        frame = read_layout(checked, sheet, mapping=ColumnMapping(header, placeholders)).frame
    except ReadError:
        return None
    columns = tuple(
        (i, header[i], tuple(str(v) for v in texts(frame[f"c{i}"]).dropna()[:PREVIEW_SAMPLES]))
        for i in range(len(header))
        if f"c{i}" in frame.columns
    )
    return (header, columns) if columns else None


def main() -> int:
    """The child: one job from standard input, messages to standard output (anything printed
    on the way goes to standard error, so that it cannot garble them)."""
    job = pickle.load(sys.stdin.buffer)
    out, sys.stdout = sys.stdout.buffer, sys.stderr
    _cap_memory(config.import_memory_bytes())

    def send(message: tuple) -> None:
        pickle.dump(message, out)
        out.flush()

    try:
        if job["task"] == "preview":
            result = file_preview(job["path"], **job["options"])
        else:
            progress = lambda f, text: send(("progress", f, text))  # noqa: E731
            result = _without_rows(import_file(job["path"], progress=progress, **job["options"]))
        send(("result", result))
    except MemoryError:
        send(("failed", _out_of_memory()))
    except Exception as error:
        logging.getLogger(__name__).exception("%s of %s failed", job["task"], job["path"])
        send(("failed", f"an internal error ({type(error).__name__}: {error})"))
    return 0


def _cap_memory(cap: int) -> None:
    """At most `cap` bytes of address space, and never more than this process is already
    allowed (a service manager may have set less; a limit can be lowered, not raised)."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _without_rows(result: ImportResult) -> ImportResult:
    if result.validation is None:
        return result
    return replace(result, validation=replace(result.validation, rows=pd.DataFrame()))


def _out_of_memory() -> str:
    return (
        f"reading it needed more than the {config.import_memory_mb():,} MB an import may use "
        "(KP_DASH_IMPORT_MEMORY_MB)"
    )


def _death(exit_code: int | None) -> str:
    if exit_code is not None and exit_code < 0:
        number = -exit_code
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        if number == signal.SIGKILL:
            return f"the process reading it was killed ({name}: the system ran out of memory?)"
        return f"the process reading it stopped ({name}); most likely {_out_of_memory()}"
    return f"the process reading it ended without an answer (exit code {exit_code})"


def _stopped(name: str, kind: str | None, why: str) -> ImportResult:
    message = (
        f"the file could not be read to the end: {why}; nothing was written. Split it into "
        "smaller files (for example one per month) and import each; report the file if it is "
        "small"
    )
    validation = Validation(name, kind, pd.DataFrame(), file_problem(name, RULE, message))
    summary = f"{name}: rejected, 1 problem(s); nothing was written"
    return ImportResult("rejected", None, kind, 0, validation, summary)


if __name__ == "__main__":
    sys.exit(main())
