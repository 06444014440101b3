"""The district rule: a district officer reads the rows of their own districts alone.

A user created with `--districts` sees, on every page and in every download and briefing, the
district-level rows of their districts; province and division totals stay. A row belongs to a
district when any column that names districts (a P-code or a register name, in a column whose
name says "district", or a group or member column) holds it, so a table keeps its other rows
(the province, a division, a group) whatever its layout.

`restrict_value` is applied by the read boundary (`kp_dash.views.cached`) to everything a cached
reader returns, so no page and no figure builder applies it again. () means the whole province.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import numbers
import re
import threading

import duckdb
import pandas as pd

from kp_dash.store import districts as register_file
from kp_dash.store import local_names

_GROUP_COLUMNS = {"group", "group_code", "member", "member_code", "group_name"}
_LEAVES = (str, bytes, numbers.Number, datetime.date, type(None))
_local = threading.local()


@functools.cache
def _names() -> dict[str, str]:
    register = register_file.load_register()
    return dict(zip(register["district_code"], register["district_name"], strict=True))


def outside(districts: tuple[str, ...]) -> frozenset[str]:
    """The P-codes of the districts outside `districts` (none for the whole province)."""
    return frozenset(_names()) - set(districts) if districts else frozenset()


def _outside_words(districts: tuple[str, ...]) -> frozenset[str]:
    """The other districts' P-codes, register names and Urdu names."""
    others = outside(districts)
    urdu = local_names.urdu()
    local = {urdu[key] for code in others if (key := ("district", code)) in urdu}
    return others | {_names()[code] for code in others} | local


def names_districts(column: object) -> bool:
    """Whether a column's name says it holds districts (or the members of a group)."""
    text = str(column).casefold()
    return "district" in text or text in _GROUP_COLUMNS


def _connection() -> duckdb.DuckDBPyConnection:
    """One in-memory connection per thread (sessions run on their own threads)."""
    if not hasattr(_local, "con"):
        _local.con = duckdb.connect()
    return _local.con


def restrict(frame: pd.DataFrame, districts: tuple[str, ...]) -> pd.DataFrame:
    """`frame` without the rows of districts outside `districts` (all rows for the province).

    The rule runs in SQL over the district-naming columns and index levels alone, renamed c0,
    c1, … so no column name of the frame reaches the query; the other districts' words are a
    parameter. The rows kept are taken from the frame itself, so every column keeps its type."""
    if not districts or frame.empty:
        return frame
    columns = _district_columns(frame)
    if not columns:
        return frame
    named = pd.DataFrame(
        {f"c{i}": pd.Series(c).astype("string").to_numpy() for i, c in enumerate(columns)}
    )
    named.insert(0, "row_number", range(len(frame)))
    condition = " and ".join(
        f"coalesce(not list_contains($others, c{i}), true)" for i in range(len(columns))
    )
    con = _connection()
    con.register("district_rule_rows", named)
    try:
        kept = con.execute(
            f"select row_number from district_rule_rows where {condition} order by row_number",
            {"others": sorted(_outside_words(districts))},
        ).fetchall()
    finally:
        con.unregister("district_rule_rows")
    return frame.iloc[[row for (row,) in kept]]


def _district_columns(frame: pd.DataFrame) -> list:
    """The values of every column and index level whose name says it holds districts."""
    index = frame.index
    levels = [index.get_level_values(i) for i, name in enumerate(index.names) if name is not None]
    found = [frame[c] for c in frame.columns if names_districts(c)]
    found += [level for level in levels if names_districts(level.name)]
    return [values for values in found if values.dtype.kind in "OSUT"]


class OutsideDistricts(PermissionError):
    """A reader was asked for a district outside the viewer's."""


def check_asked(
    asked: str | tuple[str, ...] | list[str] | None, districts: tuple[str, ...]
) -> None:
    """Refuse a district (or any of several) outside `districts`; None asks for none."""
    codes = [asked] if isinstance(asked, str) else list(asked or ())
    if others := [code for code in codes if code not in districts]:
        raise OutsideDistricts(f"{', '.join(others)} is not one of your districts")


def mentions_others(text: str, districts: tuple[str, ...]) -> bool:
    """Whether a sentence names a district outside `districts`."""
    if not districts:
        return False
    text = _not_districts().sub(" ", text)
    return any(re.search(rf"\b{re.escape(word)}\b", text) for word in _outside_words(districts))


@functools.cache
def _not_districts() -> re.Pattern:
    """The province's and the divisions' names, which share words with districts (Khyber,
    Peshawar, Malakand) without being one."""
    divisions = set(register_file.load_register()["division"].dropna())
    names = [register_file.PROVINCE, *(f"{d} division" for d in sorted(divisions, key=len)[::-1])]
    province_in_urdu = local_names.urdu().get(("province", "KP"))  # خیبر is a district too
    names += [province_in_urdu] if province_in_urdu else []
    return re.compile("|".join(re.escape(n) for n in names), re.IGNORECASE)


def restrict_value(value: object, districts: tuple[str, ...]) -> object:
    """What a reader returns, restricted: a frame's rows (`restrict`); in a list or tuple, a
    P-code or name of another district and an item whose `text` names one are left out; the
    fields of a frozen dataclass and the values of a dict are restricted in turn. Any other kind
    of value is refused, so a reader cannot return something the rule has not looked at."""
    if not districts:
        return value
    if isinstance(value, pd.DataFrame):
        return restrict(value, districts)
    if isinstance(value, _LEAVES):
        return value
    if isinstance(value, list | tuple):
        words = _outside_words(districts)
        kept = [
            restrict_value(item, districts)
            for item in value
            if not (isinstance(item, str) and item in words)
            and not mentions_others(str(getattr(item, "text", "")), districts)
        ]
        return type(value)(kept) if isinstance(value, list) else tuple(kept)
    if isinstance(value, dict):
        return {key: restrict_value(item, districts) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            field.name: restrict_value(getattr(value, field.name), districts)
            for field in dataclasses.fields(value)
        }
        return dataclasses.replace(value, **changes)
    raise TypeError(f"the district rule does not know how to restrict a {type(value).__name__}")
