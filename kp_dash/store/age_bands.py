"""The contract's age bands and the people of each band a service is for, from the census age
groups (0-4, 5-14, 15-24, 25-59, 60+, and the services' own groups 18+, 5-24, 15-24)."""

from __future__ import annotations

import math
import re

BANDS = ("0-4", "5-14", "15-24", "25-59", "60+")


def bounds(age_group: str) -> tuple[int, float]:
    """'25-59' -> (25, 59), '60+' -> (60, inf), 'all' -> (0, inf)."""
    numbers = [int(n) for n in re.findall(r"\d+", age_group)]
    if age_group.endswith("+"):
        return numbers[0], math.inf
    return (numbers[0], numbers[1]) if len(numbers) == 2 else (0, math.inf)


def band_population(by_group: dict[str, float], eligible: str) -> dict[str, float]:
    """The eligible people of each age band for a service's eligible age group, from one
    place's census age groups: a band inside the eligible group counts whole, a band outside
    it not at all, and the one band an open group ('18+') cuts counts the group's people less
    the whole bands (15-24 for 18+: 18+ − 25-59 − 60+)."""
    low, high = bounds(eligible)
    inside = {b: by_group.get(b, math.nan) for b in BANDS if low <= bounds(b)[0]
              and bounds(b)[1] <= high}  # fmt: skip
    found = dict.fromkeys(BANDS, 0.0) | inside
    for band in BANDS:
        first, last = bounds(band)
        if first < low <= last and eligible in by_group:
            found[band] = by_group[eligible] - sum(inside.values())
    return found
