"""Column mappings a person confirmed for a department's file whose headers the contract does not
name: which contract column each header cell gives (or that it is ignored). A mapping is keyed by
the file's header signature and the source's name, so that next month's file with the same
headers is read the same way without asking.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from kp_dash.store.rules import key

IGNORE = "ignore"


def header_key(cells: Sequence[object]) -> tuple[str, ...]:
    """A header row as matched: each cell ignoring case, spaces and underscores, trailing blank
    cells left out (a spreadsheet may export empty columns after the table)."""
    keys = [key("" if c is None else c) for c in cells]
    while keys and not keys[-1]:
        keys.pop()
    return tuple(keys)


def signature(cells: Sequence[object]) -> str:
    """A short, stable name for a header row."""
    return hashlib.sha256("\x1f".join(header_key(cells)).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class ColumnMapping:
    """For each cell of `header` (as written), the contract column it gives, or IGNORE."""

    header: tuple[str, ...]
    fields: tuple[str, ...]
    kind: str | None = None
    source: str = ""
    saved: str = ""  # the date it was confirmed, ISO

    @property
    def signature(self) -> str:
        return signature(self.header)

    def matches(self, cells: Sequence[object]) -> bool:
        return header_key(cells) == header_key(self.header)

    def renamed(self, header: Sequence[str]) -> tuple[list[str], list[int]]:
        """The header under its contract names and the positions of the columns kept."""
        names, keep = [], []
        for position, written in enumerate(header):
            field = self.fields[position] if position < len(self.fields) else IGNORE
            if field != IGNORE and str(written).strip():
                names.append(field)
                keep.append(position)
        return names, keep

    def note(self) -> str:
        pairs = [
            f"'{w}' → {f}" for w, f in zip(self.header, self.fields, strict=False) if f != IGNORE
        ]
        ignored = sum(f == IGNORE for f in self.fields)
        whose = f" for {self.source}" if self.source else ""
        when = f" on {self.saved}" if self.saved else ""
        tail = f"; {ignored} column{'s' if ignored != 1 else ''} ignored" if ignored else ""
        return f"column mapping confirmed{whose}{when} applied: {', '.join(pairs)}{tail}"
