"""Connections and SQL files. Readers open the database read-only and use a cursor per query."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from kp_dash import config

SQL_LAYERS = ("schema", "staging", "metrics", "quality")
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


def connect_readonly(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """Open the database for reading; many readers may do so while a build writes a new file."""
    path = path or config.db_path()
    if not path.exists():
        raise FileNotFoundError(
            f"No database at {path}. Build it with `python -m kp_dash build` (or `make run`)."
        )
    return duckdb.connect(str(path), read_only=True)


def query_df(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()
) -> pd.DataFrame:
    """Run one parameterised query on its own cursor (connections are not shared across threads)."""
    cursor = con.cursor()
    try:
        return cursor.execute(sql, list(params)).df()
    finally:
        cursor.close()


def build_info(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Build properties; a property the build could not know (no usage: no months) is absent."""
    frame = query_df(con, "select key, value from build_info where value is not null")
    return dict(zip(frame["key"], frame["value"], strict=True))
