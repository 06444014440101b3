"""What every command prints: messages on stderr, tables on stdout."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the commands import pandas only when they need it
    import pandas as pd


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def print_table(frame: pd.DataFrame, fmt: str) -> None:
    """A table on stdout at full precision: CSV (the shortest text that reads back as the same
    float) or JSON records."""
    if fmt == "json":
        sys.stdout.write(frame.to_json(orient="records", double_precision=15) + "\n")
    else:
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
