"""Texts that cite several sources (or years) at once: "PBS Census 2023; PSLM 2019-20", each part
once, in the order first seen. Every joined source column of a frame is written with these."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

SEPARATOR = "; "


def parts(texts: Iterable[object]) -> list[str]:
    """The distinct parts of joined texts, in first-seen order (blanks and missing values left
    out)."""
    found = (p for text in texts if isinstance(text, str) for p in text.split(SEPARATOR) if p)
    return list(dict.fromkeys(found))


def joined(texts: Iterable[object]) -> str:
    """Joined texts joined again, each part once."""
    return SEPARATOR.join(parts(texts))


def joined_by_row(frame: pd.DataFrame, columns: Iterable[str]) -> list[str]:
    """Per row, the named source columns joined, each part once."""
    return [joined(row) for row in frame[list(columns)].itertuples(index=False)]
