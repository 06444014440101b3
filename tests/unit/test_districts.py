"""District register, name normalisation and resolution."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kp_dash.store.config import SEED_DIR, SHARED_DATA_DIR
from kp_dash.store.districts import DistrictResolver, Resolution, load_register, normalise

CROSSWALK = SHARED_DATA_DIR / "derived" / "kp_district_name_crosswalk.csv"
NAME_COLUMNS = (
    "census2023_name",
    "ocha_codab_2022_ADM2_EN",
    "osm_2023census_name",
    "pslm2019_data4pakistan_name",
    "mics_kp2019_name",
    "data4pakistan_legacy_name",
    "geoboundaries_adm2_2019_shapeName",
    "gadm36_NAME_3",
)
CHILDREN = {
    "Chitral": ("PK507", "PK508"),
    "Kohistan": ("PK515", "PK516", "PK517"),
    "Dir": ("PK520", "PK535"),
}


@pytest.fixture(scope="module")
def resolver() -> DistrictResolver:
    return DistrictResolver.from_seed(SEED_DIR)


def test_register() -> None:
    register = load_register()
    assert len(register) == 35
    assert register["is_merged"].dtype == bool
    assert register["is_merged"].sum() == 7


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("D.I. Khan", "PK509"),
        ("DI Khan", "PK509"),
        ("d. i. khan district", "PK509"),
        ("Tor Ghar", "PK534"),
        ("Tor-Ghar District", "PK534"),
        ("Abbotabad", "PK501"),
        ("Bajaur Agency", "PK502"),
        ("BAJAUR  AGENCY", "PK502"),
        ("Malakand P.A.", "PK521"),
        ("Malakand Protected Area", "PK521"),
        ("Chitral Lower", "PK507"),
        ("upper  DIR district", "PK535"),
        ("Dir Lower", "PK520"),
        ("N. Waziristan (F.A.T.A.)", "PK525"),
        ("Kolai Pallas", "PK517"),
        ("Kohistan, Lower", "PK515"),
        ("pk509", "PK509"),
        ("  PK534 ", "PK534"),
    ],
)
def test_contract_spellings_resolve(resolver: DistrictResolver, name: str, code: str) -> None:
    result = resolver.resolve(name)
    assert result.district_code == code, result
    assert result.method in ("pcode", "alias", "normalised")


def test_normalise_word_order_and_rules() -> None:
    assert normalise("Chitral Lower") == normalise("Lower Chitral") == "chitral lower"
    assert normalise("D. I. Khan") == normalise("Dera Ismail Khan")
    assert normalise("Malakand P.A.") == normalise("Malakand") == "malakand"
    assert normalise("Bajaur (F.A.T.A.)") == "bajaur"
    assert normalise("Kolai Pallas Kohistan") == normalise("KOLAI PALAS KOHISTAN")
    rules = pd.DataFrame({"rule": ["drop_word"], "pattern": ["zila"], "replacement": [""]})
    assert normalise("Zila Swat", rules) == "swat"


def test_misspelling_is_only_suggested(resolver: DistrictResolver) -> None:
    result = resolver.resolve("Dera Ismial Khan")
    assert result.method == "fuzzy"
    assert result.district_code is None
    assert result.candidates[0][:2] == ("PK509", "Dera Ismail Khan")
    assert 0 < result.candidates[0][2] <= 100
    assert result.suggestion() == "did you mean 'Dera Ismail Khan' (PK509)?"


def test_parent_districts(resolver: DistrictResolver) -> None:
    result = resolver.resolve("Chitral")
    assert result.method == "parent"
    assert result.district_code is None
    assert result.parent_codes == ("PK507", "PK508")
    assert result.suggestion() == (
        "'Chitral' was split into Lower Chitral (PK507) and Upper Chitral (PK508); "
        "give one of these districts"
    )
    assert resolver.resolve("Kohistan (undivided)").parent_codes == CHILDREN["Kohistan"]
    assert resolver.resolve("dir district").parent_codes == CHILDREN["Dir"]


def test_non_kp_district(resolver: DistrictResolver) -> None:
    result = resolver.resolve("Lahore")
    assert (result.method, result.province, result.district_code) == ("non_kp", "Punjab", None)
    assert result.suggestion() == "'Lahore' is a district of Punjab, not Khyber Pakhtunkhwa"
    assert resolver.resolve("D.G. Khan").province == "Punjab"


@pytest.mark.parametrize("blank", [None, "", "   ", float("nan"), pd.NA])
def test_blank_is_none(resolver: DistrictResolver, blank: object) -> None:
    result = resolver.resolve(blank)
    assert (result.method, result.district_code) == ("none", None)
    assert result.suggestion() is None


def test_unknown_name_is_none(resolver: DistrictResolver) -> None:
    result = resolver.resolve("Xyzzy Qwerty")
    assert (result.method, result.candidates) == ("none", ())
    assert resolver.resolve("PK599").district_code is None


def test_ambiguous_extra_alias(resolver: DistrictResolver) -> None:
    extra = pd.DataFrame(
        {"alias": ["Dassu", "Pattan", "Pattan"], "district_code": ["pk516", "PK515", "PK517"]}
    )
    custom = DistrictResolver.from_seed(SEED_DIR, extra_aliases=extra)
    assert custom.resolve("dassu").district_code == "PK516"
    pattan = custom.resolve("Pattan")
    assert (pattan.method, pattan.district_code) == ("ambiguous", None)
    assert [c[0] for c in pattan.candidates] == ["PK515", "PK517"]
    assert resolver.resolve("Dassu").district_code is None  # the shared resolver is unchanged
    with pytest.raises(ValueError, match="PK999"):
        DistrictResolver.from_seed(
            SEED_DIR, extra_aliases=pd.DataFrame({"alias": ["x"], "district_code": ["PK999"]})
        )


def test_name_of(resolver: DistrictResolver) -> None:
    assert resolver.name_of("PK509") == "Dera Ismail Khan"
    with pytest.raises(KeyError):
        resolver.name_of("PK999")


def test_resolve_many_resolves_each_distinct_value(resolver: DistrictResolver) -> None:
    names = ["Swat", "swat", None, float("nan"), "Chitral", "Lahore", "Peshawer", "PK501"] * 50
    many = resolver.resolve_many(pd.Series(names, dtype=object))
    # one entry per distinct value, in first-seen order (NaN written as "nan": it equals nothing)
    got = [
        ("nan" if _is_nan(key) else key, found.district_code, found.method)
        for key, found in many.items()
    ]
    assert got == [
        ("Swat", "PK532", "alias"),
        ("swat", "PK532", "alias"),
        (None, None, "none"),
        ("nan", None, "none"),
        ("Chitral", None, "parent"),
        ("Lahore", None, "non_kp"),
        ("Peshawer", None, "fuzzy"),
        ("PK501", "PK501", "pcode"),
    ]
    assert many["Chitral"].parent_codes == ("PK507", "PK508")
    assert many["Lahore"].province == "Punjab"
    assert many["Peshawer"].candidates[0][:2] == ("PK528", "Peshawar")
    (only,) = resolver.resolve_many(iter(["Swat"])).items()
    assert (only[0], only[1].district_code) == ("Swat", "PK532")


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


@pytest.mark.parametrize(
    ("name", "code", "method"),
    [
        # words run together or split differently match only through the compact key
        ("LakkiMarwat", "PK519", "normalised"),
        ("Dera IsmailKhan", "PK509", "normalised"),
        ("DeraIsmail Khan", "PK509", "normalised"),
        ("UpperDir", "PK535", "normalised"),
        ("NorthWaziristan", "PK525", "normalised"),
        ("KolaiPalas", "PK517", "normalised"),
        ("TorGhar", "PK534", "alias"),  # 'Torghar' is itself an alias (OSM)
    ],
)
def test_names_written_without_spaces_resolve(
    resolver: DistrictResolver, name: str, code: str, method: str
) -> None:
    result = resolver.resolve(name)
    assert (result.district_code, result.method) == (code, method), result


def test_every_seed_alias_resolves_to_its_code(resolver: DistrictResolver) -> None:
    aliases = pd.read_csv(SEED_DIR / "district_aliases.csv", dtype=str, keep_default_na=False)
    for alias, code in zip(aliases["alias"], aliases["district_code"], strict=True):
        assert resolver.resolve(alias).district_code == code, alias
        assert resolver.resolve(f" {alias.upper()} district ").district_code == code, alias


@pytest.mark.skipif(not CROSSWALK.exists(), reason=f"the crosswalk ({CROSSWALK}) is not available")
def test_every_crosswalk_spelling_resolves(resolver: DistrictResolver) -> None:
    crosswalk = pd.read_csv(CROSSWALK, dtype=str, keep_default_na=False)
    for column in NAME_COLUMNS:
        for code, spelling in zip(crosswalk["ocha_ADM2_PCODE"], crosswalk[column], strict=True):
            if spelling.startswith("(none"):
                continue
            result = resolver.resolve(spelling)
            if result.method == "parent":
                parent = spelling.removesuffix(" (undivided)")
                assert result.parent_codes == CHILDREN[parent], (column, spelling)
                assert code in result.parent_codes
            else:
                assert result.district_code == code, (column, spelling, result)


def test_resolution_is_frozen() -> None:
    result = Resolution("Swat", "PK532", "alias")
    with pytest.raises(AttributeError):
        result.method = "none"  # type: ignore[misc]
