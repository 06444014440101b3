"""The read boundary: every cached reader, found by looking through `kp_dash.views.cached` (not
by a hand list), run as a district officer over a database holding usage, indicators and
targets for every district, returns no row, item or sentence of another district. The same
calls run for the province do name other districts, so the rule is what keeps them out."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from kp_dash.numbers import planning
from kp_dash.store import accounts, config, district_rule, intake
from kp_dash.views import cached

BAJAUR, SWAT = "PK502", "PK532"
OFFICER = accounts.User("officer", "analyst", (BAJAUR,))
PROVINCE = accounts.User("analyst", "analyst")
FIRST, LAST = "2025-01", "2025-12"
PERIOD = (None, FIRST, LAST)

# The arguments each reader is called with; a reader added to cached without a line here fails
# `test_every_reader_is_called`.
CALLS: dict[str, list[tuple]] = {
    "metric_frame": [
        ("uptake_per_1000", ("district",), *PERIOD),
        ("female_share_pct", ("district", "service"), *PERIOD),
        ("access_index", ("district",)),
        ("uptake_per_1000", ("month",), *PERIOD),
    ],
    "district_ranking": [("uptake_per_1000", *PERIOD), ("access_index", None, None, None)],
    "map_breaks": [("uptake_per_1000", *PERIOD)],
    "district_frame": [PERIOD],
    "uptake_view": [PERIOD],
    "group_part": [(part, *PERIOD) for part in cached.GROUP_PARTS],
    "inequality_over_time": [("district", "r", *PERIOD), ("sex", "d", *PERIOD)],
    "key_messages": [PERIOD],
    "profile_part": [
        ("figures", BAJAUR),
        ("services", BAJAUR, FIRST, LAST),
        *(
            (part, BAJAUR, FIRST, LAST, None)
            for part in ("groups", "inequality", "rankings", "completeness")
        ),
    ],
    "plan_factors": [PERIOD],
    "plan_ranking": [(tuple(planning.DEFAULT_WEIGHTS.items()), *PERIOD)],
    "plan_scenario": [((BAJAUR,), "access_index", None, *PERIOD)],
    "plan_coverage": [PERIOD],
    "plan_inputs": [PERIOD],
    "table": [("districts",), ("stg_indicators_current",), ("services",), ("stg_seed_sources",)],
    "usage_batches": [()],
    "quality_part": [
        ("completeness", *PERIOD),
        ("outliers", *PERIOD, 2.0),
        ("consistency", *PERIOD),
        ("timeliness",),
    ],
    "profile_figures_display": [(BAJAUR,)],
    "trend_series": [
        ("uptake_per_1000", "district", (), *PERIOD),
        ("uptake_per_1000", "district", (BAJAUR, SWAT), *PERIOD),
    ],
    "delta_ranking": [("uptake_per_1000", None, (LAST, LAST), (FIRST, FIRST))],
    "target_status": [PERIOD],
    "briefing_pdf": [(None, *PERIOD), (BAJAUR, *PERIOD)],
    "source_years": [PERIOD],
}
# Readers whose rows name no other district for these calls even for the province (sources,
# batches, the groups, one district's profile or scenario).
PROVINCE_LEVEL = {
    "inequality_over_time",  # measures over all districts, none named
    "usage_batches",
    "source_years",
    "profile_part",
    "profile_figures_display",
    "plan_scenario",
    "map_breaks",
}
# Readers that pick districts by argument, and a call of each that asks for another district.
ASKING_FOR_SWAT = {
    "profile_part": ("figures", SWAT),
    "profile_figures_display": (SWAT,),
    "briefing_pdf": (SWAT, *PERIOD),
    "plan_scenario": ((BAJAUR, SWAT), "access_index", None, *PERIOD),
}


@pytest.fixture(scope="module")
def every_district_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demonstration database with a target and a 4G coverage figure for every district."""
    root = tmp_path_factory.mktemp("boundary")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KP_DASH_STATE", str(root / "state"))
        patch.setenv("KP_DASH_DB", str(root / "kp_dash.duckdb"))
        (root / "state").mkdir()
        shutil.copy(demo_db, config.db_path())
        codes = pd.read_csv(config.SEED_DIR / "districts.csv")["district_code"]
        targets = root / "targets.csv"
        pd.DataFrame(
            {
                "service": "health_complaints",
                "district": codes,
                "metric": "uptake_per_1000",
                "month": LAST,
                "year": "",
                "target": 50,
            }
        ).to_csv(targets, index=False)
        coverage = root / "coverage.csv"
        pd.DataFrame(
            {
                "district": codes,
                "year": 2024,
                "indicator": "coverage_4g_pct",
                "group": "all",
                "value": [30.0 + i for i in range(len(codes))],
                "unit": "pct",
                "source": "PTA 2024",
            }
        ).to_csv(coverage, index=False)
        for path in (targets, coverage):
            assert intake.import_file(path).status == "accepted"
    return root


@pytest.fixture
def on_every_district(every_district_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KP_DASH_STATE", str(every_district_db / "state"))
    monkeypatch.setenv("KP_DASH_DB", str(every_district_db / "kp_dash.duckdb"))
    cached.data_changed()
    return every_district_db


def _others() -> frozenset[str]:
    codes = district_rule.outside(OFFICER.districts)
    names = pd.read_csv(config.SEED_DIR / "districts.csv").set_index("district_code")
    return codes | set(names.loc[sorted(codes), "district_name"])


def _named(value: object, others: frozenset[str]) -> list[str]:
    """Every mention of another district in what a reader returned: a frame cell, a list item
    or a field equal to a P-code or name, a sentence that names one, the text of a PDF."""
    if isinstance(value, pd.DataFrame):  # a division may share a district's name (Malakand)
        columns = [c for c in value.columns if "division" not in str(c).casefold()]
        cells = value[columns].astype("string").stack()
        index = [str(v) for level in range(value.index.nlevels) for v in value.index.unique(level)]
        return sorted(set(cells[cells.isin(others)]) | (set(index) & others))
    if isinstance(value, bytes):
        pages = PdfReader(io.BytesIO(value)).pages
        return _named("".join(page.extract_text() for page in pages), others)
    if isinstance(value, str):
        return [value] if value in others or district_rule.mentions_others(value, (BAJAUR,)) else []
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [found for item in value for found in _named(item, others)]
    if hasattr(value, "__dataclass_fields__"):
        return _named([getattr(value, name) for name in value.__dataclass_fields__], others)
    return []


def _read(name: str, viewer: accounts.User) -> list[object]:
    reading = cached.Reading(viewer, cached.stamp())
    return [cached.READERS[name](reading, *args) for args in CALLS[name]]


def test_every_reader_is_called() -> None:
    """Readers are found in the module: a new one is listed above, or this fails."""
    assert set(cached.READERS) == set(CALLS)


def test_every_cache_of_the_module_is_a_reader_or_plumbing() -> None:
    """A cache declared without `@reader` would skip the rule: only the named plumbing may."""
    caches = {
        name
        for name, item in vars(cached).items()
        if callable(item) and hasattr(item, "clear") and not isinstance(item, type)
    }
    assert caches == set(cached.READERS) | set(cached.PLUMBING)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_district_officer_reads_no_other_district(name: str, on_every_district: Path) -> None:
    others = _others()
    assert _named(_read(name, OFFICER), others) == []
    if name not in PROVINCE_LEVEL:  # the province's reading of the same calls names others
        assert _named(_read(name, PROVINCE), others)


def test_the_officer_still_reads_their_own_district(on_every_district: Path) -> None:
    reading = cached.Reading(OFFICER, cached.stamp())
    ranking = cached.district_ranking(reading, "uptake_per_1000", *PERIOD)
    assert list(ranking["district_code"]) == [BAJAUR]
    assert 1 <= int(ranking["rank"].iloc[0]) <= 35  # the place among all 35 stays
    status = cached.target_status(reading, *PERIOD)
    assert set(status["district_code"].dropna()) == {BAJAUR}
    province = cached.Reading(PROVINCE, reading.stamp)
    breaks = cached.map_breaks(reading, "uptake_per_1000", *PERIOD)
    assert len(breaks) == 6 and breaks == cached.map_breaks(province, "uptake_per_1000", *PERIOD)
    view = cached.uptake_view(reading, *PERIOD)
    assert view.fit is not None and view.fit.n_districts > 30  # the province's line
    assert sum(count for _, count, _ in view.quadrants) == 35


@pytest.mark.parametrize("name", sorted(ASKING_FOR_SWAT))
def test_a_reader_asked_for_another_district_refuses(name: str, on_every_district: Path) -> None:
    reading = cached.Reading(OFFICER, cached.stamp())
    with pytest.raises(district_rule.OutsideDistricts, match=f"{SWAT} is not one of your"):
        cached.READERS[name](reading, *ASKING_FOR_SWAT[name])
    cached.READERS[name](cached.Reading(PROVINCE, reading.stamp), *ASKING_FOR_SWAT[name])
