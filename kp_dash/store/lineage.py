"""Rows written under districts created after the 2023 census, counted as their census district.

A file may give Upper and Lower South Waziristan where the register has South Waziristan alone.
Once both names have resolved to PK530 their rows share a key; those rows are summed into one,
and a note says so. A successor row whose key is also given under the census district itself is
left alone: summing it in would count the same people twice, and the repeated-key rule reports
the pair instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kp_dash.store.cells import row_keys
from kp_dash.store.districts import DistrictResolver, normalise


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def combine_successors(
    rows: pd.DataFrame,
    successor: pd.Series,
    rownum: np.ndarray,
    key: tuple[str, ...],
    counts: tuple[str, ...],
    *,
    written: Sequence[object] | None = None,
    resolver: DistrictResolver | None = None,
) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """Sum the rows of successor districts that share one key; every other row is kept as is.

    `successor` marks the rows whose district was written as a successor name (already resolved
    to its census code). Returns the new rows (in file order, a summed row where its first part
    was), one spreadsheet row number per row (the first of the summed ones) and the notes.
    `written` (the district as written, one per row) names the successors in the notes, and
    keeps two rows of the same successor with one key apart: that is a repeated key, not a split.
    """
    rows = rows.reset_index(drop=True)
    rownum = np.asarray(rownum)
    marked = pd.Series(successor, dtype="boolean").fillna(False).to_numpy(dtype=bool)
    marked &= rows[list(key)].notna().all(axis=1).to_numpy()
    if not marked.any():
        return rows, rownum, []
    keys = row_keys(rows[list(key)]).to_numpy()
    with_census = marked.copy()
    with_census[marked] = pd.Series(keys[marked]).isin(keys[~marked]).to_numpy()
    twice = np.zeros(len(rows), dtype=bool)
    if written is not None:
        twice = marked & ~with_census & _same_successor_twice(keys, marked, written)
    summed = marked & ~with_census & ~twice
    # each summed row points at the first row of its key; every other row at itself
    positions = np.arange(len(rows))
    lead = positions.copy()
    lead[summed] = pd.Series(positions[summed]).groupby(keys[summed]).transform("min")
    out = rows.copy()
    parts = rows.loc[summed, list(counts)]
    totals = parts.groupby(lead[summed]).sum(min_count=1)
    totals = totals.mask(parts.isna().groupby(lead[summed]).any())  # a blank is not a zero
    out.loc[totals.index, list(counts)] = totals
    keep = lead == positions
    result = out[keep].astype(rows.dtypes.to_dict()).reset_index(drop=True)
    resolver = resolver or DistrictResolver.from_seed()
    notes = _notes(rows, marked, (with_census, twice), keep, written, resolver)
    return result, rownum[keep], notes


def _same_successor_twice(keys: np.ndarray, marked: np.ndarray, written) -> np.ndarray:
    """Successor rows whose key the same successor (however spelt) gives more than once."""
    names = pd.Series(list(written), dtype="object")[marked].astype(str)
    spelt = {name: normalise(name) for name in names.unique()}  # few names, many rows
    frame = pd.DataFrame({"key": keys[marked], "name": names.map(spelt).to_numpy()})
    repeated = frame.duplicated(["key", "name"], keep=False)
    twice = np.zeros(len(keys), dtype=bool)
    twice[marked] = frame["key"].isin(frame.loc[repeated, "key"]).to_numpy()
    return twice


def _notes(rows, marked, left_apart, keep, written, resolver) -> list[str]:
    with_census, twice = left_apart
    names = pd.Series(list(written), dtype="object") if written is not None else None
    notes = []
    codes = rows["district_code"].to_numpy()
    for code in pd.unique(codes[marked]):
        here = marked & (codes == code)
        name = resolver.name_of(code)
        parts = int((here & ~with_census & ~twice).sum())
        kept = int((here & keep & ~with_census & ~twice).sum())
        said = [
            f"{_rows(parts)} summed into {kept}" if parts > kept else f"{_rows(parts)}, none summed"
        ]
        if (here & with_census).any():
            said.append(
                f"{_rows(int((here & with_census).sum()))} not summed because the file also gives "
                f"{name} itself with the same key (see the repeated-key problems)"
            )
        if (here & twice).any():
            said.append(
                f"{_rows(int((here & twice).sum()))} not summed because one successor gives the "
                "same key twice (see the repeated-key problems)"
            )
        if not parts:
            said = said[1:]
        who = _successor_names(names, here, resolver)
        notes.append(f"{who} counted as {name} ({code}): {'; '.join(said)}")
    return notes


def _successor_names(names, here, resolver) -> str:
    if names is None:
        return "districts created after the 2023 census"
    written = [str(n).strip() for n in pd.unique(names[here])]
    years = sorted({resolver.resolve(n).created or "" for n in written} - {""})
    parents = sorted({resolver.resolve(n).district_code or "" for n in written} - {""})
    origin = _and_list([resolver.name_of(c) for c in parents])
    created = f" (created {_and_list(years)} from {origin})" if years else ""
    return f"{_and_list(written)}{created}"
