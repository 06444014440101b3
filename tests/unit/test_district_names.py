"""District names as departments write them: Urdu script (with the usual Arabic-script variation),
Roman Urdu and older names, and districts created after the 2023 census."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from kp_dash.store import ingest
from kp_dash.store.cells import district_message
from kp_dash.store.config import SEED_DIR, SHARED_DATA_DIR
from kp_dash.store.districts import DistrictResolver, fold_script, normalise

NAMES = Path(__file__).parents[1] / "fixtures" / "field" / "names"
TODAY = date(2026, 11, 26)
EXPECTED_COLUMNS = ["month_start", "district_code", "service_code", "channel", "sex", "area"]
EXPECTED_COLUMNS += ["age_band", "disability", "transactions", "users"]
HAND_TABLES = ("district_spellings.csv", "district_successors.csv", "names_ur.csv")

# The 35 census districts in Urdu script, written out by hand.
URDU_35 = {
    "PK501": "ایبٹ آباد",
    "PK502": "باجوڑ",
    "PK503": "بنوں",
    "PK504": "بٹگرام",
    "PK505": "بونیر",
    "PK506": "چارسدہ",
    "PK507": "لوئر چترال",
    "PK508": "اپر چترال",
    "PK509": "ڈیرہ اسماعیل خان",
    "PK510": "ہنگو",
    "PK511": "ہری پور",
    "PK512": "کرک",
    "PK513": "خیبر",
    "PK514": "کوہاٹ",
    "PK515": "لوئر کوہستان",
    "PK516": "اپر کوہستان",
    "PK517": "کولائی پالس",
    "PK518": "کرم",
    "PK519": "لکی مروت",
    "PK520": "لوئر دیر",
    "PK521": "مالاکنڈ",
    "PK522": "مانسہرہ",
    "PK523": "مردان",
    "PK524": "مہمند",
    "PK525": "شمالی وزیرستان",
    "PK526": "نوشہرہ",
    "PK527": "اورکزئی",
    "PK528": "پشاور",
    "PK529": "شانگلہ",
    "PK530": "جنوبی وزیرستان",
    "PK531": "صوابی",
    "PK532": "سوات",
    "PK533": "ٹانک",
    "PK534": "تورغر",
    "PK535": "اپر دیر",
}
ARABIC_YEH, ARABIC_KAF, ARABIC_HEH = "\u064a", "\u0643", "\u0647"
FARSI_YEH, KEHEH, HEH_GOAL = "\u06cc", "\u06a9", "\u06c1"
RLM = "\u200f"
ZWNJ, ZWJ, TATWEEL = "\u200c", "\u200d", "\u0640"
FATHA, KASRA, SHADDA = "\u064e", "\u0650", "\u0651"


@pytest.fixture(scope="module")
def resolver() -> DistrictResolver:
    return DistrictResolver.from_seed(SEED_DIR)


def test_all_35_urdu_names_resolve(resolver: DistrictResolver) -> None:
    assert len(URDU_35) == 35
    for code, name in URDU_35.items():
        result = resolver.resolve(name)
        assert (result.district_code, result.method) == (code, "alias"), (name, result)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("ڈی آئی خان", "PK509"),
        ("لوئر دیر", "PK520"),
        ("دیر زیریں", "PK520"),
        ("دیر پائیں", "PK520"),
        ("زیریں دیر", "PK520"),  # word order does not matter
        ("لوردیر", "PK520"),
        ("اپر چترال", "PK508"),
        ("بالائی چترال", "PK508"),
        ("چترال بالا", "PK508"),
        ("چترال زیریں", "PK507"),
        ("دیر بالا", "PK535"),
        ("بٹ گرام", "PK504"),
        ("تور غر", "PK534"),
        ("ہریپور", "PK511"),
        ("بنیر", "PK505"),
        ("ملاکنڈ", "PK521"),
        ("کوہستان بالا", "PK516"),
        ("کلوئی پالس کوہستان", "PK517"),
        ("ضلع پشاور", "PK528"),  # 'district'
        ("خیبر ایجنسی", "PK513"),  # 'agency'
        ("ڈسٹرکٹ مردان", "PK523"),
        ("ضلعی سوات", "PK532"),
    ],
)
def test_urdu_variants_resolve(resolver: DistrictResolver, name: str, code: str) -> None:
    assert resolver.resolve(name).district_code == code, name


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("صوابی".replace(FARSI_YEH, ARABIC_YEH), "PK531"),  # Arabic yeh
        ("صوابى", "PK531"),  # alef maksura
        ("کرک".replace(KEHEH, ARABIC_KAF), "PK512"),  # Arabic kaf
        ("کوہاٹ".replace(KEHEH, ARABIC_KAF).replace(HEH_GOAL, ARABIC_HEH), "PK514"),  # Arabic heh
        ("نوشہرة", "PK526"),  # teh marbuta for the final heh
        ("ھنگو", "PK510"),  # heh doachashmee typed for heh goal
        ("ٹان" + TATWEEL * 3 + "ک", "PK533"),  # tatweel
        ("پ" + KASRA + "شاور", "PK528"),  # kasra
        ("م" + FATHA + "ردان", "PK523"),  # fatha
        ("ک" + SHADDA + "رم", "PK518"),  # shadda
        ("ایبٹ" + ZWNJ + "آباد", "PK501"),  # zero-width non-joiner for the space
        ("ایبٹ" + ZWJ + " آباد", "PK501"),  # zero-width joiner beside the space
        ("ایبٹآباد", "PK501"),  # run together
        ("ایبٹ اباد", "PK501"),  # alef without madda
        ("أورکزئی", "PK527"),  # alef with hamza above
        ("ڈیرہ اسماعیل خان".replace(FARSI_YEH, ARABIC_YEH).replace(HEH_GOAL, ARABIC_HEH), "PK509"),
        ("  لکی   مروت  ", "PK519"),  # spaces
        (RLM + "پشاور" + RLM, "PK528"),  # right-to-left marks from a spreadsheet
    ],
)
def test_arabic_script_variation_is_tolerated(
    resolver: DistrictResolver, name: str, code: str
) -> None:
    assert resolver.resolve(name).district_code == code, name


def test_fold_script_by_hand() -> None:
    assert fold_script("كرك") == "کرک"
    assert fold_script("صوابي") == "صوابی"
    assert fold_script("ٹانـــک") == "ٹانک"
    assert fold_script("پِشاور") == "پشاور"
    assert fold_script("ایبٹ" + ZWNJ + "آباد") == "ایبٹ" + "اباد"  # joiner and madda dropped
    assert fold_script("Peshāwar") == "peshawar"
    assert normalise("ضلع سوات") == normalise("سوات") == "سوات"
    assert normalise("دیر پائیں") == normalise("پائیں دیر")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("DIK", "PK509"),
        ("Charsada", "PK506"),
        ("Naushehra", "PK526"),
        ("Naushera", "PK526"),
        ("Manshera", "PK522"),
        ("FR Peshawar", "PK528"),
        ("F.R. Kohat", "PK514"),
        ("FR D.I. Khan", "PK509"),
        ("FR Dera Ismail Khan", "PK509"),
        ("FR Tank", "PK533"),
        ("FR Bannu", "PK503"),
        ("FR Lakki Marwat", "PK519"),
        ("Kurram Agency", "PK518"),
        ("Malakand Protected Area", "PK521"),
        ("Hari Pur", "PK511"),
    ],
)
def test_roman_urdu_and_older_names_resolve(
    resolver: DistrictResolver, name: str, code: str
) -> None:
    assert resolver.resolve(name).district_code == code, name


def test_spelling_table_is_consistent(resolver: DistrictResolver) -> None:
    spellings = pd.read_csv(SEED_DIR / "district_spellings.csv", dtype=str, keep_default_na=False)
    assert list(spellings.columns) == ["alias", "district_code", "script", "source"]
    assert set(spellings["script"]) == {"urdu", "latin"}
    assert (spellings["source"].str.strip() != "").all()
    assert set(spellings["district_code"]) <= {f"PK5{i:02d}" for i in range(1, 36)}
    arabic = spellings["alias"].str.contains("[\u0600-\u06ff]")
    assert (arabic == (spellings["script"] == "urdu")).all()
    assert set(spellings.loc[arabic, "district_code"]) == set(URDU_35)  # all 35 in Urdu
    aliases = pd.read_csv(SEED_DIR / "district_aliases.csv", dtype=str, keep_default_na=False)
    assert not set(spellings["alias"].str.casefold()) & set(aliases["alias"].str.casefold())
    assert not spellings["alias"].str.casefold().duplicated().any()
    for alias, code in zip(spellings["alias"], spellings["district_code"], strict=True):
        assert resolver.resolve(alias).district_code == code, alias


# successor: (census district, year created) by hand
SUCCESSORS = {
    "Upper South Waziristan": ("PK530", "2022"),
    "Lower South Waziristan": ("PK530", "2022"),
    "South Waziristan Lower": ("PK530", "2022"),
    "جنوبی وزیرستان اپر": ("PK530", "2022"),
    "جنوبی وزیرستان پائین": ("PK530", "2022"),
    "لوئر وزیرستان": ("PK530", "2022"),
    "Allai": ("PK504", "2023"),
    "Alai District": ("PK504", "2023"),
    "Paharpur": ("PK509", "2025"),
    "پہاڑپور": ("PK509", "2025"),
    "Upper Swat": ("PK532", "2026"),
    "اپر سوات": ("PK532", "2026"),
}


@pytest.mark.parametrize("name", sorted(SUCCESSORS))
def test_successor_resolves_to_its_census_district(resolver: DistrictResolver, name: str) -> None:
    code, created = SUCCESSORS[name]
    result = resolver.resolve(name)
    assert (result.district_code, result.method, result.created) == (code, "successor", created)
    assert result.is_successor
    assert resolver.name_of(code) in result.lineage
    assert result.suggestion() is None  # it resolved: nothing to suggest


def test_south_waziristan_lineage(resolver: DistrictResolver) -> None:
    result = resolver.resolve("Upper South Waziristan")
    assert result.lineage == (
        "made in 2022 when South Waziristan (PK530) was split into Upper and Lower South "
        "Waziristan; all its area lies in the census district South Waziristan"
    )


@pytest.mark.parametrize(
    "name", ["Central Dir", "Dir Central", "دیر سنٹرل", "وسطی دیر", "دیر وسطی"]
)
def test_successor_of_two_census_districts_resolves_to_nothing(
    resolver: DistrictResolver, name: str
) -> None:
    result = resolver.resolve(name)
    assert (result.district_code, result.method, result.created) == (None, "successor", "2023")
    message = district_message(name, result)
    assert message.startswith(f"'{name}' is not one of the 2023 census districts — '{name}' ")
    assert "was created in 2023" in message
    assert "Upper Dir (PK535)" in message
    assert "Lower Dir (PK520)" in message
    assert message.endswith(
        "its rows cannot be counted under one census district, so give them under the census "
        "districts it was made from"
    )


def test_unassignable_successor_is_a_file_problem(tmp_path: Path) -> None:
    path = tmp_path / "dir.csv"
    path.write_text(
        "month,district,service,channel,transactions\n2025-03,Central Dir,telemedicine,online,5\n",
        encoding="utf-8",
    )
    result = ingest.validate_file(path, today=TODAY)
    assert not result.ok
    assert result.problems["rule"].tolist() == ["unknown_district"]
    (line,) = result.problem_lines()
    assert line.startswith("dir.csv: row 2, district: 'Central Dir' is not one of the 2023 census")


def test_successor_table_is_consistent(resolver: DistrictResolver) -> None:
    table = pd.read_csv(SEED_DIR / "district_successors.csv", dtype=str, keep_default_na=False)
    assert list(table.columns) == ["successor", "district_code", "created", "lineage", "source"]
    assert (table["source"].str.strip() != "").all()
    assert (table["lineage"].str.strip() != "").all()
    assert table["created"].str.fullmatch(r"20\d\d").all()
    assert set(table["district_code"]) <= {"", "PK504", "PK509", "PK530", "PK532"}
    assert not table["successor"].str.casefold().duplicated().any()
    for name, code in zip(table["successor"], table["district_code"], strict=True):
        result = resolver.resolve(name)  # a successor name is never also a census alias
        assert (result.method, result.district_code) == ("successor", code or None), name


def _expected(name: str) -> list[tuple]:
    df = pd.read_csv(NAMES / name, dtype=str, keep_default_na=False)
    return sorted(tuple(r) for r in df.itertuples(index=False))


def _normalised(rows: pd.DataFrame) -> list[tuple]:
    """Imported rows as the expected files write them (users blank when not given)."""
    out = rows[EXPECTED_COLUMNS].copy()
    out["month_start"] = pd.to_datetime(out["month_start"]).dt.strftime("%Y-%m-%d")
    out = out.astype(object).where(out.notna(), "").astype(str)
    return sorted(tuple(r) for r in out.itertuples(index=False))


@pytest.mark.parametrize("name", ["urdu_names", "roman_urdu"])
def test_name_fixtures_import_to_their_expected_rows(name: str) -> None:
    result = ingest.validate_file(NAMES / f"{name}.csv", today=TODAY)
    assert result.problem_lines() == []
    assert _normalised(result.rows) == _expected(f"{name}.expected.csv")


def test_urdu_fixture_names_every_district_once_in_its_first_month() -> None:
    rows = pd.read_csv(NAMES / "urdu_names.expected.csv", dtype=str)
    june = rows[rows["month_start"] == "2025-06-01"]
    assert sorted(june["district_code"]) == sorted(URDU_35)


def test_a_seed_folder_without_the_hand_tables_still_resolves(tmp_path: Path) -> None:
    for path in SEED_DIR.glob("*.csv"):
        if path.name not in HAND_TABLES:
            shutil.copy(path, tmp_path / path.name)
    older = DistrictResolver.from_seed(tmp_path)
    assert older.resolve("Peshawar").district_code == "PK528"
    assert older.resolve("جنوبی وزیرستان").district_code is None


@pytest.mark.skipif(not SHARED_DATA_DIR.is_dir(), reason="the public reference data is missing")
def test_regenerating_the_seed_leaves_the_hand_tables_alone(tmp_path: Path) -> None:
    from kp_dash.store.seedgen import write_seed

    for name in HAND_TABLES:
        shutil.copy(SEED_DIR / name, tmp_path / name)
    written = write_seed(SHARED_DATA_DIR, tmp_path)
    assert not {p.name for p in written} & set(HAND_TABLES)
    for name in HAND_TABLES:
        assert (tmp_path / name).read_bytes() == (SEED_DIR / name).read_bytes()
