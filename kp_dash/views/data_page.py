"""Pure helpers for the Data page: uploads on disk, result messages, tables for people.

No streamlit here, so each piece is unit-testable; the page only wires widgets to these.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kp_dash.store import (
    config,
    contract,
    event_logs,
    ingest,
    intake,
    isolated,
    kinds,
    mappings,
    sniff,
)
from kp_dash.store.ingest import Progress
from kp_dash.views import exports, language, templates
from kp_dash.views.language import N_
from kp_dash.views.markdown import inert, name_shown

AUTO = "auto"
KIND_CHOICES = (AUTO, *kinds.NAMES)
# tab-separated exports and Excel's 'Unicode Text' (.txt) are read as CSV (`sniff.file_format`)
UPLOAD_TYPES = ("csv", "tsv", "txt", "xlsx", "parquet", "gz")  # gz: a transaction log's CSV
SOURCE_LABEL = N_("Source (department or office that sent the file)")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROBLEM_COLUMNS = ["row", "column", "value", "rule", "message"]
PROBLEM_HEADERS = {"row": N_("Row"), "column": N_("Column"), "value": N_("Value"),
                   "rule": N_("Rule"), "message": N_("Message")}  # fmt: skip
# the message is what people act on: give it the room (a plain dict is a valid column config)
PROBLEM_COLUMN_CONFIG = {"message": {"width": "large"}}
LOG_COLUMNS = {
    "batch_id": N_("Batch"),
    "kind": N_("Kind"),
    "file_name": N_("File"),
    "source": N_("Source"),
    "rows": N_("Rows"),
    "who": N_("Imported by"),
    "imported_at": N_("Imported at (UTC)"),
    "first_month": N_("First month"),
    "last_month": N_("Last month"),
    "status": N_("Status"),
    "withdrawn_at": N_("Withdrawn at (UTC)"),
    "withdrawn_by": N_("Withdrawn by"),
}
# Spreadsheet programs run a cell starting with these as a formula (CONTRACTS.md: neutralise).
FORMULA_STARTS = contract.FORMULA_STARTS
DEMO_RULE = N_(
    "The simulated demonstration data is shown only until the first real usage file is "
    "accepted; from then on every figure is real usage alone, and only "
    "`python -m kp_dash build --demo` brings the simulation back, while no real usage is loaded."
)
WITHDRAW_NOTE = N_(
    "Withdrawing takes a batch's rows out of the data; its record stays in this log (status "
    "*withdrawn*, with who and when) and the file stays archived."
)


KIND_NAMES = {"usage": N_("usage"), "indicators": N_("indicators"), "targets": N_("targets"),
              "events": N_("events")}  # fmt: skip


def kind_label(choice: str, lang: str = language.DEFAULT) -> str:
    """A kind as the picker shows it: its code (in Urdu, its name and then its code)."""
    if choice == AUTO:
        return language.text(N_("Detect from the header"), lang)
    if lang == language.DEFAULT or choice not in KIND_NAMES:
        return choice
    return f"{language.text(KIND_NAMES[choice], lang)} ({choice})"


def kind_argument(choice: str) -> str | None:
    """The page's kind choice as `intake.import_file` takes it (None: guess from the header)."""
    return None if choice == AUTO else choice


def upload_dir() -> Path:
    return Path(tempfile.gettempdir()) / "kp_dash_uploads"


def upload_limit_bytes(server_mb: float | None = None) -> int:
    """The largest upload: the import limit, or Streamlit's `server.maxUploadSize` (MB) when that
    is lower (Streamlit refuses a larger upload before the page sees it)."""
    ours = config.max_upload_bytes()
    return ours if server_mb is None else min(ours, int(server_mb * sniff.MIB))


def upload_limit_mb(server_mb: float | None = None) -> int:
    """The uploader's own limit in whole MB (Streamlit takes no fractions)."""
    return max(1, math.ceil(upload_limit_bytes(server_mb) / sniff.MIB))


def upload_note(server_mb: float | None = None, lang: str = language.DEFAULT) -> str:
    note = N_(
        "Files up to {size}: CSV or tab-separated text (.csv, .tsv, .txt), Excel (.xlsx) or "
        "Parquet, or a transaction log as Parquet, CSV or gzipped CSV (.csv.gz); the content "
        "must be what the name's extension says."
    )
    return language.say(note, lang, size=sniff.size_text(upload_limit_bytes(server_mb)))


# --- transaction logs too big to upload: read where they lie on the server ---------------------

LOG_LABEL = N_("Or a transaction log on the server (used when no file is uploaded)")


def incoming_dir() -> Path:
    """Where the server's operators put logs too big to upload: a file or a folder each."""
    return config.state_dir() / "incoming"


def server_logs() -> list[str]:
    """The logs waiting in `incoming_dir`, by name (hidden entries left out)."""
    folder = incoming_dir()
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def server_logs_note(lang: str = language.DEFAULT) -> str:
    note = N_(
        "Logs too big to upload are read where they lie: put a log file, or a folder of them, "
        "in {folder} on the server and choose it here. A log is read in place, checked whole, "
        "and its citizen references are pseudonymised as it is read."
    )
    return language.say(note, lang, folder=name_shown(str(incoming_dir())))


def log_request(
    entry: str,
    who: str | None,
    districts: tuple[str, ...] = (),
    address: str | None = None,
    source: str = "",
) -> Request:
    """A log waiting on the server as a request; only a name `server_logs` lists is taken, so
    no path a person types is ever opened."""
    if entry not in server_logs():
        raise ValueError(f"{entry!r} is not a log in {incoming_dir()}")
    path = incoming_dir() / entry
    source = mappings.clean_source(source)
    return Request(path, event_logs.KIND, None, who, entry, districts, address, source)


def too_large(name: str, size: int) -> Outcome | None:
    """An upload over the limit, refused before it is written anywhere."""
    if size <= config.max_upload_bytes():
        return None
    return Outcome("error", f"{name_shown(name)}: {inert(sniff.too_large_message(size))}")


def save_upload(name: str, data: bytes, root: Path | None = None) -> Path:
    """Write an upload to a file the import can read, named by the code alone: the content's
    hash and a suffix from an allow-list (`sniff.safe_suffix`), so that the same bytes always
    land on the same path inside the upload folder. The upload's own name is never part of a
    path; it travels as text (`Request.display_name`)."""
    folder = root or upload_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()}{sniff.safe_suffix(name)}"
    if not path.exists():  # same bytes, same path: written once, atomically
        handle, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
    return path


# characters Streamlit's Markdown acts on (links, images, emphasis, code, LaTeX, HTML, tables,
# headings; a colon before a word starts a colour directive or an icon); each is shown as
# itself with a backslash before it
def shown_message(message: str, name: str | None = None) -> str:
    """A message (or progress step) for the page: `name` wherever it appears as code, the rest
    inert."""
    parts = message.split(name) if name else [message]
    return name_shown(name or "").join(inert(part) for part in parts)


def importing_text(name: str) -> str:
    return f"Importing {name_shown(name)}"


@dataclass(frozen=True)
class Request:
    """One file with the choices made for it on the page; equal requests give equal results."""

    path: Path
    kind: str | None
    sheet: str | None
    who: str | None
    display_name: str
    districts: tuple[str, ...] = ()  # a district officer's: rows of other districts are problems
    address: str | None = None
    source: str = ""  # who sent the file: its saved column mapping is applied
    content_hash: str = ""  # of the bytes saved: a clean check is kept for their import

    def run(
        self, *, dry_run: bool = False, progress: Progress | None = None
    ) -> intake.ImportResult:
        """Check (`dry_run`) or import the file in a process of its own (`store.isolated`):
        whatever the file does to a reader, the server and every other session go on."""
        return isolated.run_import(
            self.path,
            kind=self.kind,
            sheet=self.sheet,
            who=self.who,
            display_name=self.display_name,
            dry_run=dry_run,
            progress=progress,
            districts=self.districts,
            address=self.address,
            source=self.source,
            content_hash=self.content_hash,
        )


def request(
    name: str,
    data: bytes,
    kind: str,
    sheet: str,
    who: str | None,
    districts: tuple[str, ...] = (),
    address: str | None = None,
    source: str = "",
) -> Request:
    """The upload saved to disk, with the page's choices (blank text means "not given")."""
    path = save_upload(name, data)
    return Request(
        path,
        kind_argument(kind),
        sheet.strip() or None,
        who,
        name,
        districts,
        address,
        mappings.clean_source(source),
        path.stem,  # the upload is saved under its content's hash
    )


def chosen(
    upload,
    on_server: str | None,
    kind: str,
    sheet: str,
    who: str | None,
    districts: tuple[str, ...] = (),
    address: str | None = None,
    source: str = "",
) -> tuple[Request | None, Outcome | None]:
    """The request the page's choices make (an upload first, else a log on the server), or
    the refusal of an upload over the limit (never written anywhere)."""
    if upload is not None:
        if refused := too_large(upload.name, upload.size):
            return None, refused
        data = upload.getvalue()
        return request(upload.name, data, kind, sheet, who, districts, address, source), None
    if on_server is not None:
        return log_request(on_server, who, districts, address, source), None
    return None, None


def bar_progress(bar, name: str) -> Progress:
    """A progress callback that moves the page's bar, each step's text inert but `name`."""
    return lambda fraction, text: bar.progress(
        progress_fraction(fraction), shown_message(text, name)
    )


@dataclass(frozen=True)
class Outcome:
    """How a result reads on the page: a level (`success`, `info`, `error`) and a message."""

    level: str
    message: str


def recognised(result: intake.ImportResult) -> str:
    """What the importer recognised and converted, as a Markdown list of inert lines."""
    notes = result.validation.notes if result.validation else []
    return "\n".join(f"- {inert(note)}" for note in notes)


def outcome(result: intake.ImportResult, name: str | None = None) -> Outcome:
    """The result as the page shows it; `name`, the uploaded file's, is shown as code."""
    if result.status == "valid":
        message = f"{result.rows:,} rows are valid ({result.kind}); nothing imported yet."
        if result.demo_removed:
            message += f" Note: {intake.DEMO_WILL_GO}."
        return Outcome("success", message)
    level = {"accepted": "success", "already_imported": "info"}.get(result.status, "error")
    return Outcome(level, shown_message(result.message, name))


def withdraw(batch_id: str, who: str | None, address: str | None = None) -> Outcome:
    """Withdraw a batch; someone else may have withdrawn it since the page was drawn."""
    try:
        intake.withdraw(batch_id, who=who, address=address)
    except intake.UnknownBatch:
        return Outcome("warning", f"Batch {batch_id} is not an accepted batch (any more).")
    return Outcome("success", f"Batch {batch_id} withdrawn; its record stays in the log.")


def problem_table(result: intake.ImportResult) -> pd.DataFrame:
    """Problems as people read them: row (as the spreadsheet shows it), column, value, rule and
    message; empty when there are none."""
    if result.validation is None:
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    return result.validation.problems[PROBLEM_COLUMNS].reset_index(drop=True)


def problems_headed(problems: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The problem table headed in `lang`: in English by the report's own field names, as its
    file is (the messages are the checks' own, in English)."""
    if lang == language.DEFAULT:
        return problems
    return problems.rename(columns=lambda c: language.text(PROBLEM_HEADERS.get(c, c), lang))


def neutralise(value: object) -> object:
    """A text cell a spreadsheet would run as a formula, made plain text with a leading quote
    (the one rule of `kp_dash.views.exports`)."""
    return exports.neutralise(value)


def report_csv(result: intake.ImportResult) -> bytes:
    """The problem report as CSV (UTF-8 with BOM for Excel); values from the file neutralised."""
    if result.validation is None:
        return b""
    return exports.csv_bytes(result.validation.problems[ingest.PROBLEM_COLUMNS])


def report_download(result: intake.ImportResult) -> dict[str, object]:
    """Arguments of the report's download button."""
    return {
        "label": "Download the problem report (CSV)",
        "data": report_csv(result),
        "file_name": f"{_download_stem(result.validation.file if result.validation else '')}"
        "_problems.csv",
        "mime": "text/csv",
        "key": "data_report_download",
    }


def _download_stem(name: str) -> str:
    """A download's name made from an uploaded file's name: letters, digits, '.', '-' and '_'
    only, at most 80 of them."""
    stem = re.sub(r"[^\w.-]+", "_", Path(name.replace("\\", "/")).stem, flags=re.ASCII)
    return stem.strip("._")[:80] or "file"


def template_downloads(kind: str) -> list[dict[str, object]]:
    """Arguments of a kind's template download buttons (CSV, and Excel but for a log)."""
    buttons = [
        {
            "label": "CSV",
            "data": templates.template_csv(kind),
            "file_name": f"{kind}_template.csv",
            "mime": "text/csv",
            "key": f"template_csv_{kind}",
        }
    ]
    if kind in templates.WORKBOOK_KINDS:
        buttons.append(
            {
                "label": "Excel",
                "data": templates.template_xlsx(kind),
                "file_name": f"{kind}_template.xlsx",
                "mime": XLSX_MIME,
                "key": f"template_xlsx_{kind}",
            }
        )
    return buttons


@dataclass(frozen=True)
class Spelling:
    """A district spelling with a close match, waiting for a person to confirm it."""

    spelling: str
    district_code: str
    district_name: str

    @property
    def label(self) -> str:
        return f"'{inert(self.spelling)}' → {self.district_name} ({self.district_code})"


def spellings(
    result: intake.ImportResult | None, districts: tuple[str, ...] = ()
) -> list[Spelling]:
    """Close matches to confirm (a district officer: those naming one of their districts)."""
    if result is None or result.validation is None:
        return []
    fuzzy = result.validation.fuzzy
    return [
        Spelling(str(row.spelling), str(row.district_code), str(row.district_name))
        for row in fuzzy.itertuples(index=False)
        if not districts or row.district_code in districts
    ]


def districts_note(districts: tuple[str, ...]) -> str:
    """What a district officer may import, said beside their name."""
    return f"; rows of {', '.join(districts)} only" if districts else ""


def import_log(manifest: pd.DataFrame, lang: str = language.DEFAULT) -> pd.DataFrame:
    """The manifest with headings people read, newest first as `batches.read_manifest` gives it."""
    headers = {column: language.text(header, lang) for column, header in LOG_COLUMNS.items()}
    return manifest[list(LOG_COLUMNS)].rename(columns=headers)


def withdrawable(manifest: pd.DataFrame, only_by: str | None = None) -> dict[str, str]:
    """Accepted batches (`only_by`: those this person imported), batch id -> a label naming its
    file, rows and date."""
    accepted = manifest[manifest["status"] == "accepted"]
    if only_by is not None:
        accepted = accepted[accepted["who"] == only_by]
    return {
        row.batch_id: f"{row.batch_id} · {row.file_name} · {int(row.rows):,} rows · "
        f"{str(row.imported_at)[:10]}"
        for row in accepted.itertuples(index=False)
    }


def progress_fraction(fraction: float) -> float:
    """A progress value `st.progress` accepts (it refuses anything outside 0-1)."""
    return min(max(float(fraction), 0.0), 1.0)
