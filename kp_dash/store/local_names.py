"""The register of names in Urdu script (`data/seed/names_ur.csv`, written by hand with its
sources): the province, the districts by P-code, the divisions, sectors and services by their
codes. The pages and the briefing write names from it in Urdu; the district rule reads it too, so
that an Urdu sentence naming another district is kept from a district officer."""

from __future__ import annotations

import csv
import functools
from pathlib import Path

from kp_dash.store import config

NAMES_FILE = "names_ur.csv"
KINDS = ("province", "district", "division", "sector", "service")


@functools.cache
def urdu(seed_dir: Path = config.SEED_DIR) -> dict[tuple[str, str], str]:
    """(kind, code) → the name in Urdu script; empty when the seed folder has no register."""
    path = seed_dir / NAMES_FILE
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {(row["kind"], row["code"]): row["name_ur"] for row in csv.DictReader(handle)}
