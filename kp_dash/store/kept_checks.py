"""A clean check kept for the import that follows it, so that a file checked on the Data page is
read and validated once, not again when it is imported.

A check is kept under a key made of everything its outcome depends on: the file's content hash,
the kind, sheet and source asked for, the column mapping applied, the district officer's
districts, the confirmed district spellings and the day (the future-month rule). The import
computes the content hash itself while it copies the file (`batches.staged_copy`), so a kept
check is used only for the very bytes it was made on. Checks are private files under the imports
folder and are dropped after an hour or once used.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import date
from pathlib import Path

import pandas as pd

from kp_dash.store import batches
from kp_dash.store.cells import FUZZY_COLUMNS
from kp_dash.store.ingest import Validation, no_problems
from kp_dash.store.mappings import ColumnMapping

KEPT_SECONDS = 3600


def folder() -> Path:
    return batches.imports_dir() / "checked"


def key(
    digest: str,
    kind: str | None,
    sheet: str | None,
    source: str,
    mapping: ColumnMapping | None,
    districts: tuple[str, ...],
) -> str:
    aliases = batches.aliases_path()
    facts = {
        "digest": digest,
        "kind": kind,
        "sheet": sheet,
        "source": source,
        "mapping": None if mapping is None else [mapping.kind, *mapping.header, *mapping.fields],
        "districts": list(districts),
        "aliases": hashlib.sha256(aliases.read_bytes()).hexdigest() if aliases.exists() else "",
        "day": date.today().isoformat(),
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:32]


def keep(check_key: str, validation: Validation) -> None:
    """Keep a clean validation (its rows as Parquet, its kind, notes and close matches)."""
    _prune()
    base = folder() / check_key
    facts = {
        "file": validation.file,
        "kind": validation.kind,
        "notes": list(validation.notes),
        "fuzzy": validation.fuzzy.to_dict(orient="records"),
    }
    batches.write_atomically(
        base.with_suffix(".parquet"), lambda tmp: validation.rows.to_parquet(tmp, index=False)
    )
    batches.write_private(base.with_suffix(".json"), json.dumps(facts, default=str))


def take(check_key: str) -> Validation | None:
    """The validation kept under `check_key`, removed from the folder; None when there is none."""
    base = folder() / check_key
    rows_file, facts_file = base.with_suffix(".parquet"), base.with_suffix(".json")
    try:
        facts = json.loads(facts_file.read_text(encoding="utf-8"))
        rows = pd.read_parquet(rows_file)
    except (OSError, ValueError):
        return None
    finally:
        rows_file.unlink(missing_ok=True)
        facts_file.unlink(missing_ok=True)
    fuzzy = pd.DataFrame(facts["fuzzy"], columns=FUZZY_COLUMNS)
    return Validation(facts["file"], facts["kind"], rows, no_problems(), fuzzy, facts["notes"])


def _prune() -> None:
    cutoff = time.time() - KEPT_SECONDS
    for path in folder().glob("*") if folder().exists() else ():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
