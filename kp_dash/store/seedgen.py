"""Build the seed files in `data/seed/` from the public reference data in `shared/data`.

Values are taken as published (never rescaled, blanks never turned into zeros) and written
with fixed formatting and sorted rows, so regenerating gives byte-identical files. Besides the
CSV tables this writes the bundled district layer (`kp_districts.geojson`), which
`seed_boundaries` derives from the OCHA KP districts, as are the districts' centroids.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from kp_dash.store import geo
from kp_dash.store.config import SEED_DIR, SHARED_DATA_DIR
from kp_dash.store.seed_boundaries import build_boundaries, centroids

CROSSWALK = "derived/kp_district_name_crosswalk.csv"
ADM2_DBF = "boundaries/pak_admbnda_adm2_wfp_20220909.dbf"
PSLM_XLSX = "stats/2019PSLM_indicators_long2.xlsx"
PSLM_MOBILE = "Households' mobile phone ownership (% of population)"

MERGED_CODES = ("PK502", "PK513", "PK518", "PK524", "PK525", "PK527", "PK530")
KP_POPULATION_2023 = 40_856_097

SRC_T1 = "PBS Census 2023, table 1"
SRC_T5 = "PBS Census 2023, table 5"
SRC_T12 = "PBS Census 2023, table 12"
SRC_T16 = "PBS Census 2023, table 16"
SRC_T22 = "PBS Census 2023, table 22"
SRC_2017 = "PBS Census 2017 as republished in Census 2023 table 1"
SRC_PSLM = "PSLM 2019-20 (Data4Pakistan, World Bank)"
SRC_OCHA_ADM2 = "OCHA COD-AB Pakistan 2022 (adm2)"
SRC_VARIANT = "Widely used variant spelling"


# Crosswalk column -> the source named for a spelling found in it (first source wins on duplicates).
ALIAS_COLUMNS = {
    "census2023_name": "PBS Census 2023",
    "ocha_codab_2022_ADM2_EN": "OCHA COD-AB Pakistan 2022",
    "osm_2023census_name": "OpenStreetMap (2023 census districts)",
    "pslm2019_data4pakistan_name": SRC_PSLM,
    "mics_kp2019_name": "MICS Khyber Pakhtunkhwa 2019 (Data4Pakistan)",
    "data4pakistan_legacy_name": "Data4Pakistan district indicators 2004-2019 (World Bank)",
    "geoboundaries_adm2_2019_shapeName": "geoBoundaries ADM2 2019",
    "gadm36_NAME_3": "GADM 3.6",
}
# Year of each source, used for the parent names it still carries.
SOURCE_YEARS = {
    "pslm2019_data4pakistan_name": 2019,
    "mics_kp2019_name": 2019,
    "data4pakistan_legacy_name": 2019,
    "geoboundaries_adm2_2019_shapeName": 2019,
    "gadm36_NAME_3": 2018,
}
VARIANTS = {
    "PK501": ("Abbotabad",),
    "PK504": ("Battagram", "Batgram"),
    "PK509": ("D.I. Khan", "D.I.Khan", "DI Khan", "D I Khan"),
    "PK517": ("Kolai Pallas", "Kolai Palas", "Kolai Pallas Kohistan"),
    "PK521": ("Malakand Agency", "Malakand Protected Area", "Malakand P.A."),
    "PK534": ("Tor Ghar", "Torghar"),
}
# When the undivided districts were split (news reports of the KP government notifications).
SPLIT_NOTES = {
    "Chitral": "split into Lower and Upper Chitral in 2018",
    "Dir": "split into Lower and Upper Dir in 1996",
    "Kohistan": "split into Upper and Lower Kohistan in 2014 and Kolai Palas Kohistan in 2017",
}
MARKER_RE = re.compile(r"^\(none[^)]*\)$")
UNDIVIDED_RE = re.compile(r"^(?P<parent>.+?)\s*\(undivided\)$")
VARNAME_RE = re.compile(r"^(?P<x>.+?)\s*\(VARNAME (?P<y>.+)\)$")
FATA_RE = re.compile(r"^(?P<x>.+?)\s*\(F\.A\.T\.A\.\)$")

# Normalisation rules: (rule, pattern, replacement, note), applied word-wise by
# kp_dash.store.districts.
NAME_RULES = (
    ("drop_word", "district", "", "administrative suffix, not part of the name"),
    ("drop_word", "distt", "", "common abbreviation of 'district' in Pakistani files"),
    ("drop_word", "dist", "", "abbreviation of 'district' ('Bannu Dist.')"),
    ("drop_word", "agency", "", "pre-2018 suffix of the merged tribal districts (Bajaur Agency)"),
    ("drop_word", "pa", "", "'Malakand PA' (Protected Area), PSLM and Data4Pakistan"),
    ("drop_word", "p a", "", "'Malakand P.A.' after punctuation becomes spaces (GADM)"),
    ("drop_word", "protected area", "", "'Malakand Protected Area', the long form of P.A."),
    ("drop_word", "fata", "", "Federally Administered Tribal Areas marker (merged 2018)"),
    ("drop_word", "f a t a", "", "'(F.A.T.A.)' after punctuation becomes spaces (GADM)"),
    ("drop_word", "tribal", "", "'tribal area/district' marker of the merged districts"),
    ("drop_word", "area", "", "'tribal area' marker; no KP district name contains the word"),
    ("drop_word", "varname", "", "GADM 'X (VARNAME Y)' form: keeps both names' words"),
    ("drop_word", "undivided", "", "crosswalk marker of a parent district ('Chitral (undivided)')"),
    ("replace_word", "di", "dera ismail", "'DI Khan' is Dera Ismail Khan"),
    ("replace_word", "d i", "dera ismail", "'D.I. Khan' / 'D. I. Khan' after punctuation"),
    ("replace_word", "dg", "dera ghazi", "'DG Khan' is Dera Ghazi Khan (Punjab), so it is named"),
    ("replace_word", "d g", "dera ghazi", "'D.G. Khan' after punctuation (Punjab)"),
    ("replace_word", "n", "north", "'N. Waziristan' (GADM)"),
    ("replace_word", "s", "south", "'S. Waziristan' (GADM)"),
    ("replace_word", "pallas", "palas", "'Kolai Pallas' (OSM) vs census 'Kolai Palas'"),
    ("replace_word", "abbotabad", "abbottabad", "common misspelling (OSM, MICS)"),
)

# OCHA's short adm1 name reads oddly in "'Islamabad' is a district of Islamabad".
PROVINCE_NAMES = {"Islamabad": "Islamabad Capital Territory"}

# Census column names -> (sex, area) codes.
SEXES = {"all_sexes": "all", "male": "male", "female": "female"}
AREAS = {"overall": "all", "rural": "rural", "urban": "urban"}
REGIONS = {"OVERALL": "all", "RURAL": "rural", "URBAN": "urban"}


def write_seed(shared_dir: Path = SHARED_DATA_DIR, out_dir: Path = SEED_DIR) -> list[Path]:
    """Write every seed table into `out_dir`; returns the files written."""
    shared_dir, out_dir = Path(shared_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    crosswalk = read_crosswalk(shared_dir)
    codes = dict(zip(crosswalk["census2023_name"], crosswalk["ocha_ADM2_PCODE"], strict=True))
    aliases = build_aliases(crosswalk)
    districts = build_districts(shared_dir, crosswalk)
    tables: dict[str, Callable[[], pd.DataFrame]] = {
        "districts": lambda: districts,
        "district_aliases": lambda: aliases,
        "district_parents": lambda: build_parents(crosswalk),
        "name_rules": build_name_rules,
        "population": lambda: build_population(shared_dir, codes),
        "literacy": lambda: build_literacy(shared_dir, codes),
        "disability": lambda: build_disability(shared_dir, codes),
        "lighting": lambda: build_lighting(shared_dir, codes),
        "mobile_ownership": lambda: build_mobile(shared_dir, crosswalk),
        "non_kp_districts": lambda: build_non_kp(shared_dir, aliases),
    }
    written = []
    for name, build in tables.items():
        path = out_dir / f"{name}.csv"
        _write_csv(build(), path)
        written.append(path)
    path = out_dir / geo.BUNDLED_BOUNDARIES_FILE
    path.write_bytes(build_boundaries(shared_dir, districts).encode("utf-8"))
    written.append(path)
    return written


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    # Every value is already a string, so pandas cannot reformat numbers between versions.
    text = df.astype(str).to_csv(index=False, lineterminator="\n")
    path.write_bytes(text.encode("utf-8"))


def _sorted(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return df.sort_values(keys, kind="mergesort").reset_index(drop=True)


def _int(value: str) -> int | None:
    """A published count, or None for a blank cell (never 0)."""
    value = value.strip()
    return int(value) if value else None


def display_name(census_name: str) -> str:
    return census_name.strip().title()


def read_crosswalk(shared_dir: Path) -> pd.DataFrame:
    df = pd.read_csv(shared_dir / CROSSWALK, dtype=str, keep_default_na=False)
    if len(df) != 35 or df["ocha_ADM2_PCODE"].nunique() != 35:
        raise ValueError("the crosswalk must have 35 KP districts with distinct P-codes")
    merged = tuple(sorted(df.loc[df["merged_exFATA"] == "True", "ocha_ADM2_PCODE"]))
    if merged != MERGED_CODES:
        raise ValueError(f"unexpected merged districts in the crosswalk: {merged}")
    return df


def _read_census(shared_dir: Path, table: str) -> pd.DataFrame:
    df = pd.read_csv(
        shared_dir / f"stats/table_{table}_kp_district.csv", dtype=str, keep_default_na=False
    )
    if df["name_admin_unit"].nunique() != 35:
        raise ValueError(f"census table {table} does not have 35 districts")
    return df


def _code(codes: dict[str, str], census_name: str) -> str:
    try:
        return codes[census_name.strip()]
    except KeyError:
        raise ValueError(f"census district {census_name!r} is not in the crosswalk") from None


# ---------------------------------------------------------------- districts


def build_districts(shared_dir: Path, crosswalk: pd.DataFrame) -> pd.DataFrame:
    t1 = _read_census(shared_dir, "01")
    overall = t1[t1["region"] == "OVERALL"].set_index("name_admin_unit")["area_sqkm"]
    df = pd.DataFrame(
        {
            "district_code": crosswalk["ocha_ADM2_PCODE"],
            "district_name": crosswalk["census2023_name"].map(display_name),
            "census_name": crosswalk["census2023_name"],
            "division": crosswalk["osm_division"],
            "is_merged": crosswalk["ocha_ADM2_PCODE"]
            .isin(MERGED_CODES)
            .map({True: "true", False: "false"}),
            "area_km2": crosswalk["census2023_name"].map(lambda n: str(_int(overall[n]))),
        }
    )
    df = df.merge(centroids(shared_dir), on="district_code", how="left", validate="1:1")
    if df["centroid_lon"].isna().any():
        raise ValueError("a crosswalk P-code has no boundary polygon")
    df["source"] = (
        "PBS Census 2023, table 1 (name, area); OCHA COD-AB Pakistan 2022 (P-code, "
        + df["point_kind"]
        + "); OpenStreetMap (division)"
    )
    df["year"] = "2023"
    columns = [
        "district_code",
        "district_name",
        "census_name",
        "division",
        "is_merged",
        "centroid_lon",
        "centroid_lat",
        "area_km2",
        "source",
        "year",
    ]
    return _sorted(df[columns], ["district_code"])


# ---------------------------------------------------------------- names


def _spellings(crosswalk: pd.DataFrame) -> Iterable[tuple[str, str, str, str]]:
    """(spelling, code, column, source) for every cell of the name columns, as written."""
    for column, source in ALIAS_COLUMNS.items():
        for code, cell in zip(crosswalk["ocha_ADM2_PCODE"], crosswalk[column], strict=True):
            cell = cell.strip()
            if cell and not MARKER_RE.match(cell):
                yield cell, code, column, source


def _parent_spellings(crosswalk: pd.DataFrame) -> pd.DataFrame:
    """Names of undivided parents: '(undivided)' markers and spellings given to several codes."""
    rows = pd.DataFrame(_spellings(crosswalk), columns=["spelling", "code", "column", "source"])
    undivided = rows["spelling"].str.extract(UNDIVIDED_RE)["parent"]
    rows["parent"] = undivided.fillna(rows["spelling"])
    n_codes = rows.groupby(rows["parent"].str.casefold())["code"].transform("nunique")
    return rows[undivided.notna() | (n_codes > 1)]


def build_aliases(crosswalk: pd.DataFrame) -> pd.DataFrame:
    parents = _parent_spellings(crosswalk)
    parent_names = set(parents["parent"].str.casefold())
    rows: list[tuple[str, str, str]] = []
    for spelling, code, _column, source in _spellings(crosswalk):
        if spelling.casefold() in parent_names or UNDIVIDED_RE.match(spelling):
            continue
        rows.append((spelling, code, source))
        for regex in (VARNAME_RE, FATA_RE):
            if match := regex.match(spelling):
                rows.extend((part, code, f"{source} (name part)") for part in match.groups())
    for code, variants in VARIANTS.items():
        rows.extend((variant, code, SRC_VARIANT) for variant in variants)
    df = pd.DataFrame(rows, columns=["alias", "district_code", "source"])
    df = df[~df["alias"].str.casefold().isin(parent_names)]
    df = df.drop_duplicates(["alias", "district_code"], keep="first")
    return _sorted(df, ["alias", "district_code"])


def build_parents(crosswalk: pd.DataFrame) -> pd.DataFrame:
    parents = _parent_spellings(crosswalk)
    rows = []
    for (parent, code), group in parents.groupby(["parent", "code"], sort=True):
        columns = list(dict.fromkeys(group["column"]))
        sources = "; ".join(ALIAS_COLUMNS[c] for c in columns)
        note = SPLIT_NOTES.get(parent, "split before Census 2023")
        year = max(SOURCE_YEARS.get(c, 2023) for c in columns)
        rows.append((parent, code, f"{sources}; {note}", str(year)))
    df = pd.DataFrame(rows, columns=["parent_name", "district_code", "source", "year"])
    return _sorted(df, ["parent_name", "district_code"])


def build_name_rules() -> pd.DataFrame:
    df = pd.DataFrame(NAME_RULES, columns=["rule", "pattern", "replacement", "note"])
    return _sorted(df, ["rule", "pattern"])


def build_non_kp(shared_dir: Path, aliases: pd.DataFrame) -> pd.DataFrame:
    from kp_dash.store.districts import compile_rules, name_keys

    adm2 = gpd.read_file(shared_dir / ADM2_DBF, read_geometry=False)
    adm2 = adm2[adm2["ADM1_PCODE"] != "PK5"]
    rows = []
    for column in ("ADM2_EN", "ADM2_REF", "ADM2ALT1EN", "ADM2ALT2EN"):
        for name, province in zip(adm2[column], adm2["ADM1_EN"], strict=True):
            if isinstance(name, str) and name.strip():
                province = PROVINCE_NAMES.get(province.strip(), province.strip())
                rows.append((name.strip(), province, SRC_OCHA_ADM2))
    df = pd.DataFrame(rows, columns=["name", "province", "source"])
    # A name that normalises like a KP alias would make the resolver contradict itself.
    rules = compile_rules(build_name_rules())
    kp_keys = {k for a in aliases["alias"] for k in name_keys(a, rules)}
    clash = df["name"].map(lambda n: bool(set(name_keys(n, rules)) & kp_keys))
    df = df[~clash].drop_duplicates(["name", "province"], keep="first")
    return _sorted(df, ["name", "province"])


# ---------------------------------------------------------------- census counts


def _population_t1(t1: pd.DataFrame, codes: dict[str, str]) -> list[tuple]:
    rows = []
    t1_sexes = {"all_sexes": "all", "male": "male", "female": "female", "tgend": "transgender"}
    for rec in t1.to_dict("records"):
        code, area = _code(codes, rec["name_admin_unit"]), REGIONS[rec["region"]]
        for column, sex in t1_sexes.items():
            value = _int(rec[column])
            if value is not None:
                rows.append((code, 2023, "all", sex, area, value, SRC_T1))
        value = _int(rec["pop_2017"])
        if value is not None:
            rows.append((code, 2017, "all", "all", area, value, SRC_2017))
    return rows


def _age_groups(get: Callable[[str], int | None]) -> dict[str, tuple[int | None, str]]:
    """Contract age groups from table 5 rows (METRICS.md); None when any part is blank."""

    def combine(*parts: tuple[int, str]) -> int | None:
        values = [get(label) for _, label in parts]
        if any(v is None for v in values):
            return None
        return sum(sign * v for (sign, _), v in zip(parts, values, strict=True))

    u5, u15, a524 = (1, "UNDER 5"), (1, "UNDER 15"), (1, "05 - 24")
    return {
        "0-4": (get("UNDER 5"), SRC_T5 + " (UNDER 5)"),
        "5-14": (combine(u15, (-1, "UNDER 5")), SRC_T5 + " (UNDER 15 - UNDER 5)"),
        "15-24": (
            combine(a524, (-1, "UNDER 15"), u5),
            SRC_T5 + " (05 - 24 - (UNDER 15 - UNDER 5))",
        ),
        "25-59": (
            combine((1, "ALL AGES"), (-1, "UNDER 5"), (-1, "05 - 24"), (-1, "60 &  ABOVE")),
            SRC_T5 + " (ALL AGES - UNDER 5 - 05 - 24 - 60 & ABOVE)",
        ),
        "60+": (get("60 &  ABOVE"), SRC_T5 + " (60 & ABOVE)"),
        "18+": (get("18 &  ABOVE"), SRC_T5 + " (18 & ABOVE)"),
        "5-24": (get("05 - 24"), SRC_T5 + " (05 - 24)"),
    }


def _cell_getter(by_label: pd.DataFrame, column: str) -> Callable[[str], int | None]:
    return lambda label: _int(by_label.at[label, column])


def _population_t5(t5: pd.DataFrame, codes: dict[str, str]) -> list[tuple]:
    rows = []
    t5_sexes = {**SEXES, "transgender": "transgender"}
    label_col = "sex___age_group__in_years_"
    for district, group in t5.groupby("name_admin_unit", sort=True):
        code = _code(codes, district)
        by_label = group.set_index(label_col)
        for sex_col, sex in t5_sexes.items():
            for area_col, area in AREAS.items():
                get = _cell_getter(by_label, f"{sex_col}_{area_col}")
                for age, (value, source) in _age_groups(get).items():
                    if value is None:
                        continue
                    if value < 0:
                        raise ValueError(f"negative {age} population: {district} {sex} {area}")
                    rows.append((code, 2023, age, sex, area, value, source))
    return rows


def build_population(shared_dir: Path, codes: dict[str, str]) -> pd.DataFrame:
    t1 = _read_census(shared_dir, "01")
    t5 = _read_census(shared_dir, "05")
    total = sum(_int(v) or 0 for v in t1.loc[t1["region"] == "OVERALL", "all_sexes"])
    if total != KP_POPULATION_2023:
        raise ValueError(f"table 1 KP total {total} is not {KP_POPULATION_2023}")
    rows = _population_t1(t1, codes) + _population_t5(t5, codes)
    columns = ["district_code", "census_year", "age_group", "sex", "area", "population", "source"]
    df = pd.DataFrame(rows, columns=columns)
    df["year"] = df["census_year"]
    keys = ["district_code", "census_year", "age_group", "sex", "area"]
    if df.duplicated(keys).any():
        raise ValueError("duplicate population rows")
    return _sorted(df, keys)


def _long_by_sex_area(
    df: pd.DataFrame, var_col: str, wanted: dict[str, str], sexes: dict[str, str]
) -> pd.DataFrame:
    """Long-format census table -> one row per district x sex x area with `wanted` columns."""
    rows = []
    for district, group in df[df[var_col].isin(wanted)].groupby("name_admin_unit", sort=True):
        by_var = group.set_index(var_col)
        for sex_col, sex in sexes.items():
            for area_col, area in AREAS.items():
                column = f"{sex_col}_{area_col}"
                values = {out: by_var.at[var, column].strip() for var, out in wanted.items()}
                # A blank in any published cell drops the row rather than inventing a value.
                if all(values.values()):
                    rows.append({"district": district, "sex": sex, "area": area, **values})
    return pd.DataFrame(rows)


def build_literacy(shared_dir: Path, codes: dict[str, str]) -> pd.DataFrame:
    wanted = {
        "Population >=10": "population_10plus",
        "Literate >=10": "literate_10plus",
        "Literate %": "literacy_pct_published",
    }
    sexes = {**SEXES, "tgend": "transgender"}
    df = _long_by_sex_area(_read_census(shared_dir, "12"), "vars", wanted, sexes)
    df.insert(0, "district_code", df.pop("district").map(lambda n: _code(codes, n)))
    for column in ("population_10plus", "literate_10plus"):
        df[column] = df[column].map(lambda v: str(int(v)))
    # The CSV conversion carries float noise (75.15000000000001); PBS publishes 2 decimals.
    df["literacy_pct_published"] = df["literacy_pct_published"].map(lambda v: f"{float(v):.2f}")
    df["source"], df["year"] = SRC_T12, "2023"
    return _sorted(df, ["district_code", "sex", "area"])


def build_disability(shared_dir: Path, codes: dict[str, str]) -> pd.DataFrame:
    wanted = {
        "Population": "population",
        "Disability": "with_disability",
        "Functional limitation": "with_functional_limitation",
    }
    df = _long_by_sex_area(_read_census(shared_dir, "16"), "disab_func_lim", wanted, SEXES)
    df.insert(0, "district_code", df.pop("district").map(lambda n: _code(codes, n)))
    for column in wanted.values():
        df[column] = df[column].map(lambda v: str(int(v)))
    df["source"], df["year"] = SRC_T16, "2023"
    return _sorted(df, ["district_code", "sex", "area"])


def build_lighting(shared_dir: Path, codes: dict[str, str]) -> pd.DataFrame:
    t22 = _read_census(shared_dir, "22")
    columns = {
        "households": "households",
        "light_elect": "households_grid_light",
        "light_solar": "households_solar_light",
        "light_others": "households_other_light",
    }
    rows = []
    for rec in t22.to_dict("records"):
        values = {out: _int(rec[col]) for col, out in columns.items()}
        if any(v is None for v in values.values()):
            continue
        code = _code(codes, rec["name_admin_unit"])
        rows.append({"district_code": code, "area": REGIONS[rec["region"]], **values})
    df = pd.DataFrame(rows)
    df["source"], df["year"] = SRC_T22, "2023"
    return _sorted(df, ["district_code", "area"])


# ---------------------------------------------------------------- survey


def build_mobile(shared_dir: Path, crosswalk: pd.DataFrame) -> pd.DataFrame:
    pslm = pd.read_excel(shared_dir / PSLM_XLSX, engine="calamine")
    kp = pslm[(pslm["province"] == "Khyber Pakhtunkhwa") & (pslm["indicator"] == PSLM_MOBILE)]
    values = dict(zip(kp["district"].str.strip(), kp["value"], strict=True))
    years = set(kp["year"])
    if years != {2019}:
        raise ValueError(f"unexpected PSLM years {years}")
    rows = []
    for code, name in zip(
        crosswalk["ocha_ADM2_PCODE"], crosswalk["pslm2019_data4pakistan_name"], strict=True
    ):
        undivided = UNDIVIDED_RE.match(name.strip())
        unit = undivided["parent"] if undivided else name.strip()
        if unit not in values:
            raise ValueError(f"PSLM 2019 has no value for {unit!r} ({code})")
        rows.append(
            {
                "district_code": code,
                "mobile_hh_pct": f"{float(values[unit]):.4f}",
                "source_unit": unit,
                "is_parent_estimate": "true" if undivided else "false",
                "source": SRC_PSLM,
                "year": "2019",
            }
        )
    return _sorted(pd.DataFrame(rows), ["district_code"])
