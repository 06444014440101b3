"""Shared fixtures. Tests never touch the developer's own data: KP_DASH_STATE and KP_DASH_DB
point at temporary folders for every test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from kp_dash.store import build, config

FIXTURES = Path(__file__).parent / "fixtures"
SMALL_SEED_DIR = FIXTURES / "seed_small"
SMALL_USAGE_FILE = FIXTURES / "usage_small.csv"
# the register and name tables are the real ones; the figures are small hand-made ones
REAL_SEED_FILES = (
    "district_aliases.csv",
    "district_parents.csv",
    "name_rules.csv",
    "indicators.csv",
    "non_kp_districts.csv",
    "services.csv",
    "channels.csv",
)


@pytest.fixture(scope="session", autouse=True)
def isolated_session(tmp_path_factory):
    """Session fixtures (the shared databases) are set up before any test's own folders: point
    them at a folder of the session's, so that nothing reads or writes the checkout's data/."""
    root = tmp_path_factory.mktemp("session")
    (root / "state").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KP_DASH_STATE", str(root / "state"))
        patch.setenv("KP_DASH_DB", str(root / "kp_dash.duckdb"))
        yield root


@pytest.fixture(autouse=True)
def isolated_state(tmp_path, monkeypatch):
    state = tmp_path / "state"
    state.mkdir()
    monkeypatch.setenv("KP_DASH_STATE", str(state))
    monkeypatch.setenv("KP_DASH_DB", str(tmp_path / "kp_dash.duckdb"))
    monkeypatch.delenv("KP_DASH_BOUNDARIES", raising=False)
    monkeypatch.setenv("KP_DASH_BASEMAP", "none")
    return state


def census_population() -> pd.Series:
    """Census 2023 total population by district code, read from the seed file as published."""
    seed = pd.read_csv(config.SEED_DIR / "population.csv")
    totals = seed[
        (seed["census_year"] == 2023)
        & (seed["age_group"] == "all")
        & (seed["sex"] == "all")
        & (seed["area"] == "all")
    ]
    return totals.set_index("district_code")["population"]


def small_seed(target: Path) -> Path:
    """A seed folder with two districts (Bajaur PK502, Peshawar PK528) and round numbers."""
    target.mkdir(parents=True, exist_ok=True)
    for name in REAL_SEED_FILES:
        shutil.copy(config.SEED_DIR / name, target / name)
    for path in SMALL_SEED_DIR.glob("*.csv"):
        shutil.copy(path, target / path.name)
    return target


@pytest.fixture(scope="session")
def small_db(tmp_path_factory) -> Path:
    """The hand-computable fixture database: two districts, a few usage rows."""
    root = tmp_path_factory.mktemp("small")
    seed_dir = small_seed(root / "seed")
    source = build.UsageSource(SMALL_USAGE_FILE, "fixture", "admin", "Fixture returns")
    path = root / "small.duckdb"
    build.build(path, with_demo=False, seed_dir=seed_dir, extra_usage=[source])
    return path


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The default data: real seed plus the demonstration usage."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build.build(path, with_demo=True)
    return path


@pytest.fixture(scope="session")
def empty_db(tmp_path_factory) -> Path:
    """Real seed, no usage at all (`build --no-demo`)."""
    path = tmp_path_factory.mktemp("empty") / "empty.duckdb"
    build.build(path, with_demo=False)
    return path


@pytest.fixture(scope="session")
def two_sources_db(tmp_path_factory) -> Path:
    """The small fixture's returns (January and February 2025, "Fixture returns", 11 rows) and
    one more batch from another source: Peshawar's fee payments of December 2024 ("Education
    returns")."""
    root = tmp_path_factory.mktemp("two_sources")
    december = root / "december.csv"
    december.write_text(
        "month,district,service,channel,sex,area,transactions,users\n"
        "2024-12,PK528,fee_payment,online,female,urban,12,\n",
        encoding="utf-8",
    )
    usage = [
        build.UsageSource(SMALL_USAGE_FILE, "fixture", "admin", "Fixture returns"),
        build.UsageSource(december, "december", "admin", "Education returns"),
    ]
    path = root / "two.duckdb"
    build.build(path, with_demo=False, seed_dir=small_seed(root / "seed"), extra_usage=usage)
    return path
