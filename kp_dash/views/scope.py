"""A district officer's view: district-level figures of their own districts only.

A user created with `--districts` sees, on every page and in every download and briefing, the
rows of their districts; province and division totals stay. Rows are recognised by any column
that names a district (a P-code or a register name), so a table keeps its other rows (the
province, a division, a group) whatever its layout. Maps keep every shape but draw the other
districts as "Outside your districts", with no value.
"""

from __future__ import annotations

import dataclasses
import functools
import re

import pandas as pd

from kp_dash.store import districts as register_file
from kp_dash.store.geo import DistrictLayer
from kp_dash.views import auth

OUTSIDE = "Outside your districts"
OUTSIDE_COLOUR = "#ece7dc"
_GROUP_COLUMNS = {"group", "group_code", "member", "member_code", "group_name"}


def allowed() -> tuple[str, ...]:
    """The session user's districts; () means the whole province (or nobody logged in, who
    sees no page at all)."""
    user = auth.session_user()
    return user.districts if user else ()


@functools.cache
def _names() -> dict[str, str]:
    register = register_file.load_register()
    return dict(zip(register["district_code"], register["district_name"], strict=True))


def outside_codes(codes: tuple[str, ...] | None = None) -> frozenset[str]:
    codes = allowed() if codes is None else codes
    return frozenset(_names()) - set(codes) if codes else frozenset()


def _outside_words(codes: tuple[str, ...]) -> frozenset[str]:
    others = outside_codes(codes)
    return others | {_names()[c] for c in others}


def _names_districts(column: object) -> bool:
    text = str(column).casefold()
    return "district" in text or text in _GROUP_COLUMNS


def keep(frame: pd.DataFrame, codes: tuple[str, ...] | None = None) -> pd.DataFrame:
    """`frame` without the rows of districts outside the user's (all rows for province users)."""
    codes = allowed() if codes is None else codes
    if not codes or not isinstance(frame, pd.DataFrame) or frame.empty:
        return frame
    words = _outside_words(codes)
    outside = pd.Series(False, index=frame.index)
    for column in frame.columns:
        if _names_districts(column) and frame[column].dtype.kind in "OSUT":
            outside |= frame[column].astype("string").isin(words).fillna(False).to_numpy()
    return frame[~outside.to_numpy()]


def mentions_others(text: str, codes: tuple[str, ...] | None = None) -> bool:
    """Whether a sentence names a district outside the user's."""
    codes = allowed() if codes is None else codes
    if not codes:
        return False
    text = _not_districts().sub(" ", text)
    return any(re.search(rf"\b{re.escape(word)}\b", text) for word in _outside_words(codes))


@functools.cache
def _not_districts() -> re.Pattern:
    """The province's and the divisions' names, which share words with districts (Khyber,
    Peshawar, Malakand) without being one."""
    divisions = set(register_file.load_register()["division"].dropna())
    names = [register_file.PROVINCE, *(f"{d} division" for d in sorted(divisions, key=len)[::-1])]
    return re.compile("|".join(re.escape(n) for n in names), re.IGNORECASE)


def mark_outside(
    frame: pd.DataFrame, legend: list[tuple[str, str]], codes: tuple[str, ...] | None = None
) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Map rows (district_code, label, hover) with the other districts' class and hover text
    replaced by "Outside your districts", and that class in the legend."""
    others = outside_codes(codes)
    if not others:
        return frame, legend
    frame = frame.copy()
    out = frame["district_code"].isin(others)
    frame.loc[out, "label"] = OUTSIDE
    if "hover" in frame:
        frame.loc[out, "hover"] = "<b>" + frame.loc[out, "district_name"] + "</b><br>" + OUTSIDE
    for column in ("value", "value_text"):
        if column in frame:
            frame.loc[out, column] = float("nan") if column == "value" else OUTSIDE
    shown = set(frame["label"])
    legend = [item for item in legend if item[0] in shown]
    return frame, [*legend, (OUTSIDE, OUTSIDE_COLOUR)]


def own_shapes(layer: DistrictLayer, codes: tuple[str, ...] | None = None) -> DistrictLayer:
    """The layer with the user's districts alone (what a district officer's GeoJSON holds)."""
    codes = allowed() if codes is None else codes
    if not codes:
        return layer
    return dataclasses.replace(layer, gdf=layer.gdf[layer.gdf["district_code"].isin(codes)])
