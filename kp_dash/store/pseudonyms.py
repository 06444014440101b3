"""Citizen references (account, phone, CNIC) in transaction logs, pseudonymised as they are read.

Each `user_ref` becomes HMAC-SHA256 under the installation's secret, cut to 128 bits (32 hex
digits): the same person gets the same pseudonym in every file an installation imports, so
distinct users can be counted, but nobody without the secret can test a phone number or CNIC
against it. The raw reference is never written: not in the stored events, the archive, the
manifest or the audit trail.

The secret is `KP_DASH_SECRET` when set, otherwise a random one generated on first use under
`KP_DASH_STATE` (readable by its owner alone). Changing it starts new
pseudonyms: people of earlier imports are no longer recognised in later ones.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import duckdb

from kp_dash.store import config

HEX_DIGITS = 32  # 128 bits: no two of a province's people share a pseudonym in practice
_BLOCK = 64  # SHA-256's block size, which HMAC pads its key to


def secret_path() -> Path:
    return config.state_dir() / "secret.key"


def secret() -> bytes:
    """The installation's secret: `KP_DASH_SECRET`, else the generated one (made once)."""
    if value := os.environ.get("KP_DASH_SECRET"):
        return value.encode("utf-8")
    path = secret_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # exclusive creation: two first imports at once agree on one secret
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(handle, "w") as out:
        out.write(secrets.token_hex(32))
        out.flush()
        os.fsync(out.fileno())
    return path.read_bytes().strip()


def pseudonym(reference: str, key: bytes | None = None) -> str:
    """The pseudonym of one reference, as the import's SQL writes it (`register`, `sql`)."""
    digest = hmac.new(key or secret(), reference.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:HEX_DIGITS]


def register(con: duckdb.DuckDBPyConnection, key: bytes | None = None) -> None:
    """The key's two HMAC pads as the temporary table `user_ref_pads` (in memory only)."""
    key = key or secret()
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = bytes(b ^ 0x36 for b in key)
    outer = bytes(b ^ 0x5C for b in key)
    con.execute(
        "create or replace temp table user_ref_pads as select ?::blob as inner_pad, "
        "?::blob as outer_pad",
        [inner, outer],
    )


def sql(text: str) -> str:
    """SQL: the pseudonym of `text` (SQL of a VARCHAR), over the pads `register` made."""
    inner = f"sha256((select inner_pad from user_ref_pads) || encode({text}))"
    return f"left(sha256((select outer_pad from user_ref_pads) || unhex({inner})), {HEX_DIGITS})"
