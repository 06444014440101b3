"""Matching the features of a boundary file to the 35 KP districts.

By P-code when a column holds PK5xx values (found by its values, whatever it is called), otherwise
by district name through the resolver (`districts`). Features of other provinces are set aside
with the reason, features matching nothing are reported with a suggestion, and several features of
one district (a split district) are unioned into one row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from kp_dash.store.config import SEED_DIR
from kp_dash.store.contract import CRS
from kp_dash.store.districts import DistrictResolver, Resolution, load_register

_PCODE = re.compile(r"^PK\d{3}$")
_KP_PCODE = re.compile(r"^PK5\d{2}$")
_KP_PROVINCE_NAMES = {
    "khyberpakhtunkhwa",
    "khyberpakhtoonkhwa",
    "kpk",
    "kp",
    "nwfp",
    "northwestfrontierprovince",
    "fata",
    "pk5",
}
# OCHA adm1 P-codes (ADM1_PCODE -> ADM1_EN of pak_admbnda_adm1_wfp_20220909), with the province
# names spelt as in data/seed/non_kp_districts.csv; tests check both against the files.
PROVINCE_PCODES = {
    "PK1": "Azad Kashmir",
    "PK2": "Balochistan",
    "PK3": "Gilgit Baltistan",
    "PK4": "Islamabad Capital Territory",
    "PK5": "Khyber Pakhtunkhwa",
    "PK6": "Punjab",
    "PK7": "Sindh",
}


@dataclass(frozen=True)
class BoundaryMatch:
    """How the features of one boundary file map onto the 35 districts.

    `unmatched` holds one sentence per feature that matches no district; `outside_kp` one
    (label, reason) pair per feature set aside as lying outside KP, e.g.
    ("'Lahore' (PK617)", "is in Punjab, not KP").
    """

    source: str
    key: str
    matched: dict[str, str]
    unmatched: tuple[str, ...]
    missing: tuple[str, ...]
    outside_kp: tuple[tuple[str, str], ...]
    expected: int = 35
    district_names: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return len(self.matched) == self.expected and not self.unmatched

    def problem_lines(self) -> list[str]:
        """Unmatched features, then districts without a feature."""
        lines = list(self.unmatched)
        for code in self.missing:
            name = self.district_names.get(code)
            lines.append(f"No feature for {code}" + (f" ({name})" if name else ""))
        return lines

    def report_lines(self) -> list[str]:
        kind, _, column = self.key.partition(":")
        how = {"pcode": "by P-code", "name": "by name"}.get(kind, "")
        how = f"{how} ({column})" if column else "(no P-code or district-name column found)"
        lines = [f"{len(self.matched)} of {self.expected} districts matched {how} in {self.source}"]
        lines += [f"{label} {reason}" for label, reason in self.outside_kp]
        return lines + self.problem_lines()


def _text_columns(gdf: gpd.GeoDataFrame) -> list[str]:
    return [
        c
        for c in gdf.columns
        if c != gdf.geometry.name
        and (pd.api.types.is_object_dtype(gdf[c]) or pd.api.types.is_string_dtype(gdf[c]))
    ]


def _clean(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip()


def _pcode_column(gdf: gpd.GeoDataFrame) -> str | None:
    """The column with the most PK5xx values (found by values, whatever the column is called)."""
    best, best_count = None, 0
    for column in _text_columns(gdf):
        count = int(_clean(gdf[column]).str.upper().str.fullmatch(_KP_PCODE.pattern).sum())
        if count > best_count:
            best, best_count = column, count
    return best


def _province_column(gdf: gpd.GeoDataFrame) -> str | None:
    """A column of few distinct values, one of them naming KP (e.g. ADM1_EN, PROVINCE)."""
    for column in _text_columns(gdf):
        keys = _province_keys(gdf[column]).dropna()
        few = keys.nunique() <= max(12, len(gdf) // 4) and keys.nunique() < len(keys)
        if few and keys.isin(_KP_PROVINCE_NAMES).any():
            return column
    return None


def _province_keys(values: pd.Series) -> pd.Series:
    return _clean(values).str.lower().str.replace(r"[^a-z0-9]", "", regex=True)


def _name_column(gdf: gpd.GeoDataFrame, resolver: DistrictResolver) -> str | None:
    """The text column whose values resolve to the most districts."""
    best, best_count = None, 0
    for column in _text_columns(gdf):
        names = [str(v) for v in _clean(gdf[column]).dropna().unique()]
        resolved = resolver.resolve_many(names)
        count = len({r.district_code for r in resolved.values() if r.district_code})
        if count > best_count:
            best, best_count = column, count
    return best or _name_like_column(gdf)


def _name_like_column(gdf: gpd.GeoDataFrame) -> str | None:
    """When no name resolves, still pick a column to quote: by its header, else most distinct."""
    columns = _text_columns(gdf)
    named = [c for c in columns if re.search(r"name|district|adm2|dist", c, re.IGNORECASE)]
    pool = named or columns
    return max(pool, key=lambda c: gdf[c].nunique(), default=None)


def _suggestion(resolution: Resolution | None) -> str:
    hint = resolution.suggestion() if resolution is not None else None
    return f" ({hint})" if hint else ""


def _quoted(label: object, code: object = None) -> str:
    """How a feature is named in the report: 'Lahore' (PK617), 'Lahore' or 'PK617'."""
    label = None if label is None or pd.isna(label) or not str(label).strip() else str(label)
    code = None if code is None or pd.isna(code) or not str(code).strip() else str(code)
    if label is not None and code is not None and label.upper() != code:
        return f"'{label}' ({code})"
    return f"'{label or code}'" if (label or code) else "A feature without a name or P-code"


def _outside_reason(province: object) -> str:
    if province is None or pd.isna(province) or not str(province).strip():
        return "is not a KP district"
    return f"is in {str(province).strip()}, not KP"


def _name_unmatched(label: str, resolution: Resolution | None) -> str:
    """'Xyz' matches no KP district (did you mean …?); a split or ambiguous name says so."""
    if resolution is not None and resolution.method in ("parent", "ambiguous"):
        hint = resolution.suggestion()
        if hint:
            return hint
    return f"{label} matches no KP district{_suggestion(resolution)}"


def match_boundaries(
    gdf: gpd.GeoDataFrame,
    resolver: DistrictResolver | None = None,
    *,
    source: str | None = None,
    seed_dir: Path = SEED_DIR,
) -> tuple[gpd.GeoDataFrame, BoundaryMatch]:
    """Map features to district codes; returns one (dissolved) row per matched district."""
    register = load_register(seed_dir)
    names = dict(zip(register["district_code"], register["district_name"], strict=True))
    resolver = resolver or DistrictResolver.from_seed(seed_dir)
    source = source or str(gdf.attrs.get("source", "<GeoDataFrame>"))
    codes = pd.Series(pd.NA, index=gdf.index, dtype="string")
    outside: list[tuple[str, str]] = []
    unmatched: list[str] = []
    province_col = _province_column(gdf)
    provinces = _clean(gdf[province_col]) if province_col else pd.Series(pd.NA, index=gdf.index)

    pcode_col = _pcode_column(gdf)
    if pcode_col is not None:
        key = f"pcode:{pcode_col}"
        values = _clean(gdf[pcode_col]).str.upper()
        label_col = _name_column(gdf.drop(columns=pcode_col), resolver)  # names, not codes
        labels = gdf[label_col] if label_col else pd.Series(None, index=gdf.index)
        for idx, value in values.items():
            if pd.notna(value) and value in names:
                codes[idx] = value
            elif pd.notna(value) and _PCODE.match(value) and not _KP_PCODE.match(value):
                province = PROVINCE_PCODES.get(value[:3], provinces[idx])
                outside.append((_quoted(labels[idx], value), _outside_reason(province)))
            else:
                unmatched.append(f"{_quoted(labels[idx], value)} matches no KP district")
    else:
        name_col = _name_column(gdf, resolver)
        key = f"name:{name_col}" if name_col else "none"
        in_other_province = provinces.notna() & ~_province_keys(provinces).isin(
            _KP_PROVINCE_NAMES
        ).fillna(False)
        written = _clean(gdf[name_col]) if name_col else pd.Series(pd.NA, index=gdf.index)
        resolved = resolver.resolve_many([str(v) for v in written.dropna().unique()])
        for position, (idx, value) in enumerate(written.items(), start=1):
            label = _quoted(value) if pd.notna(value) and value else f"Feature {position}"
            if in_other_province[idx]:
                outside.append((label, _outside_reason(provinces[idx])))
                continue
            resolution = resolved.get(str(value)) if pd.notna(value) else None
            if resolution is not None and resolution.district_code:
                codes[idx] = resolution.district_code
            elif resolution is not None and resolution.method == "non_kp":
                outside.append((label, _outside_reason(resolution.province)))
            elif pd.isna(value) or not value:
                unmatched.append(f"{label} has no district name")
            else:
                unmatched.append(_name_unmatched(label, resolution))

    found = gdf.assign(district_code=codes, _written=_written_labels(gdf, pcode_col, key))
    found = found[found["district_code"].notna()]
    matched = {
        code: " + ".join(group["_written"]) for code, group in found.groupby("district_code")
    }
    layer = _dissolve(found, names)
    match = BoundaryMatch(
        source=source,
        key=key,
        matched=dict(sorted(matched.items())),
        unmatched=tuple(unmatched),
        missing=tuple(code for code in names if code not in matched),
        outside_kp=tuple(outside),
        expected=len(names),
        district_names=names,
    )
    return layer, match


def _written_labels(gdf: gpd.GeoDataFrame, pcode_col: str | None, key: str) -> pd.Series:
    column = pcode_col if pcode_col is not None else key.partition(":")[2]
    if column in gdf.columns:
        return _clean(gdf[column]).fillna("").astype(str)
    return pd.Series("", index=gdf.index)


def _dissolve(found: gpd.GeoDataFrame, names: dict[str, str]) -> gpd.GeoDataFrame:
    """One row per code; several features of one district (e.g. split districts) are unioned."""
    geometry = found.geometry.make_valid() if not found.geometry.is_valid.all() else found.geometry
    parts = gpd.GeoDataFrame({"district_code": found["district_code"]}, geometry=geometry, crs=CRS)
    merged = parts.dissolve(by="district_code").reset_index()
    merged.insert(1, "district_name", merged["district_code"].map(names))
    order = {code: i for i, code in enumerate(names)}
    merged = merged.sort_values("district_code", key=lambda s: s.map(order))
    return merged[["district_code", "district_name", "geometry"]].reset_index(drop=True)
