"""The department-file fixtures of tests/fixtures/field/, one per shape a file arrives in: each
`X.csv` (`.xlsx`, `.tsv`, `.txt`) has a hand-written `X.expected.csv` of the normalised rows it
imports to, or an `X.refused.txt` whose first line is the rule that refuses it and whose second
is a part of the message. An `X.mapping.json` beside it is the column mapping to give."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kp_dash.store import build

FIELD = Path(__file__).parent / "fixtures" / "field"
FILE_TYPES = (".csv", ".xlsx", ".tsv", ".txt")
ROW_COLUMNS = [c for c in build.USAGE_COLUMNS if c != "batch_id"]  # a batch's stored rows


@dataclass(frozen=True)
class Case:
    path: Path

    @property
    def id(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"

    def sibling(self, suffix: str) -> Path:
        return self.path.with_name(self.path.name.rsplit(".", 1)[0] + suffix)

    @property
    def expected(self) -> Path:
        return self.sibling(".expected.csv")

    @property
    def refusal(self) -> tuple[str, str] | None:
        path = self.sibling(".refused.txt")
        if not path.exists():
            return None
        rule, fragment = path.read_text(encoding="utf-8").splitlines()[:2]
        return rule.strip(), fragment.strip()

    @property
    def mapping(self) -> Path | None:
        path = self.sibling(".mapping.json")
        return path if path.exists() else None


def cases() -> list[Case]:
    """Every fixture with its expected rows or its refusal."""
    found = []
    for path in sorted(FIELD.rglob("*")):
        name = path.name
        if path.suffix not in FILE_TYPES or ".expected." in name or ".refused." in name:
            continue
        case = Case(path)
        if case.expected.exists() or case.refusal is not None:
            found.append(case)
    return found


def expected_rows(case: Case) -> list[tuple]:
    frame = pd.read_csv(case.expected, dtype={"age_band": str}, keep_default_na=False)
    assert list(frame.columns) == ROW_COLUMNS, case.expected
    return sorted(_row(r) for r in frame.itertuples(index=False))


def stored_rows(rows: pd.DataFrame) -> list[tuple]:
    """Rows as a batch stores them, in the expected files' form."""
    out = rows[ROW_COLUMNS].copy()
    out["month_start"] = pd.to_datetime(out["month_start"]).dt.strftime("%Y-%m-%d")
    return sorted(_row(r) for r in out.astype(object).itertuples(index=False))


def _row(row: tuple) -> tuple:
    *codes, transactions, users = row
    return (*(str(c) for c in codes), _count(transactions), _count(users))


def _count(value: object) -> int | None:
    if value is None or pd.isna(value) or value == "":
        return None
    return int(value)
