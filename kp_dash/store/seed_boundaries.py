"""The seed's district geometry, from the OCHA KP district boundaries in `shared/data`: one point
per district (its centroid, or a point inside it when the centroid falls outside) and the bundled
district layer (`kp_districts.geojson`), simplified once as a coverage so that neighbours keep
one shared border, with the source's attribution, and checked before it is written.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kp_dash.store import geo
from kp_dash.store.contract import CRS, UTM_43N

BOUNDARIES = "boundaries/kp_districts_ocha_codab_20220909.geojson"

# The bundled district layer's top-level members (geo.BUNDLED_METADATA), worded as in
# shared/data/PROVENANCE.md (section 1: OCHA COD-AB Pakistan, 2022 edition).
BOUNDARY_METADATA = {
    "name": "KP districts, simplified from OCHA COD-AB Pakistan 2022 (admin level 2)",
    "source": (
        "OCHA Common Operational Dataset for Pakistan administrative boundaries (COD-AB), "
        "2022 edition, admin level 2 (pak_admbnda_adm2_wfp_20220909), by World Food Programme "
        "SDI and ITOS, University of Georgia; HDX dataset cod-ab-pak"
    ),
    "source_url": "https://data.humdata.org/dataset/cod-ab-pak",
    "source_date": "2022-09-02 (valid on 2022-09-09)",
    "licence": (
        "COD/FOD Registry Terms of Use (the source metadata's useLimit); HDX COD-AB datasets "
        "are normally published under CC BY-IGO 3.0 (verify on the HDX page for cod-ab-pak)"
    ),
    "attribution": (
        "District boundaries: OCHA COD-AB Pakistan 2022 (WFP SDI; ITOS, University of "
        "Georgia), HDX cod-ab-pak; simplified."
    ),
    "derived_by": (
        "python -m kp_dash seed (kp_dash/store/seed_boundaries.py) from "
        "kp_districts_ocha_codab_20220909.geojson, the 35 districts with ADM1_PCODE PK5: "
        f"shapely.coverage_simplify (tolerance {geo.SIMPLIFY_TOLERANCE} degrees, shared borders "
        f"kept), coordinates rounded to {geo.COORD_DECIMALS} decimals; properties district_code "
        "(ADM2_PCODE) and district_name (data/seed/districts.csv) only"
    ),
}


def centroids(shared_dir: Path) -> pd.DataFrame:
    """One point per district, found in metres (UTM 43N: KP lies within it), as lon/lat text."""
    gdf = gpd.read_file(shared_dir / BOUNDARIES)[["ADM2_PCODE", "geometry"]]
    projected = gdf.to_crs(UTM_43N)
    centroid = projected.geometry.centroid
    # A centroid can fall outside a crescent-shaped district; then use a point inside it.
    inside = centroid.within(projected.geometry)
    point = centroid.where(inside, projected.geometry.representative_point())
    lonlat = gpd.GeoSeries(point, crs=UTM_43N).to_crs(CRS)
    return pd.DataFrame(
        {
            "district_code": gdf["ADM2_PCODE"],
            "centroid_lon": lonlat.x.map(lambda v: f"{v:.4f}"),
            "centroid_lat": lonlat.y.map(lambda v: f"{v:.4f}"),
            "point_kind": inside.map({True: "centroid", False: "representative point"}),
        }
    )


def _rounded(coords: object) -> object:
    """Nested coordinate lists with each number rounded (Python's `round` gives the shortest
    decimal, so the text has at most COORD_DECIMALS decimals)."""
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(float(v), geo.COORD_DECIMALS) for v in coords]
    return [_rounded(part) for part in coords]  # type: ignore[union-attr]


def build_boundaries(shared_dir: Path, districts: pd.DataFrame) -> str:
    """The bundled district layer as GeoJSON text: one feature per district, keyed by P-code.

    Simplified as one coverage so neighbours keep one shared border; the result is checked
    (35 districts, a valid coverage without gaps, under BUNDLED_MAX_BYTES) before it is written.
    """
    gdf = gpd.read_file(shared_dir / BOUNDARIES)[["ADM2_PCODE", "ADM1_PCODE", "geometry"]]
    if gdf.crs is None or not gdf.crs.equals(CRS):
        raise ValueError(f"{BOUNDARIES} is not in {CRS}")
    names = dict(zip(districts["district_code"], districts["district_name"], strict=True))
    if set(gdf["ADM1_PCODE"]) != {"PK5"} or sorted(gdf["ADM2_PCODE"]) != sorted(names):
        raise ValueError(f"{BOUNDARIES} does not hold exactly the register's 35 KP districts")
    gdf = gdf.sort_values(["ADM2_PCODE"], kind="mergesort").reset_index(drop=True)
    geoms = gdf.geometry.to_numpy()
    if not shapely.coverage_is_valid(geoms):
        raise ValueError(f"{BOUNDARIES} is not a valid coverage: borders would not stay shared")
    simplified = shapely.coverage_simplify(geoms, geo.SIMPLIFY_TOLERANCE)
    features = [
        {
            "type": "Feature",
            "properties": {"district_code": code, "district_name": names[code]},
            "geometry": {
                "type": geom.geom_type,
                "coordinates": _rounded(shapely.geometry.mapping(geom)["coordinates"]),
            },
        }
        for code, geom in zip(gdf["ADM2_PCODE"], simplified, strict=True)
    ]
    header = json.dumps(
        {"type": "FeatureCollection", **BOUNDARY_METADATA}, ensure_ascii=True, indent=1
    )
    lines = [json.dumps(f, ensure_ascii=True, separators=(",", ":")) for f in features]
    text = header[:-2] + ',\n "features": [\n' + ",\n".join(lines) + "\n ]\n}\n"
    _check_boundaries(text, names)
    return text


def _check_boundaries(text: str, names: dict[str, str]) -> None:
    """Refuse a layer that would draw gaps, overlaps or the wrong districts."""
    size = len(text.encode("utf-8"))
    if size > geo.BUNDLED_MAX_BYTES:
        raise ValueError(f"the district layer is {size:,} bytes, over {geo.BUNDLED_MAX_BYTES:,}")
    collection = json.loads(text)
    geoms = np.array([shapely.geometry.shape(f["geometry"]) for f in collection["features"]])
    codes = [f["properties"]["district_code"] for f in collection["features"]]
    if codes != sorted(names) or not shapely.is_valid(geoms).all():
        raise ValueError("the simplified district layer has invalid or missing districts")
    outline = shapely.union_all(geoms)
    holes = sum(len(p.interiors) for p in getattr(outline, "geoms", [outline]))
    if not shapely.coverage_is_valid(geoms) or outline.geom_type != "Polygon" or holes:
        raise ValueError("the simplified district layer has gaps or overlaps")
