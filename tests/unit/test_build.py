"""The build: seed loaded as published, usage validated first, the new file swapped in whole."""

from __future__ import annotations

import pandas as pd
import pytest

from kp_dash.store import build, db
from tests.conftest import SMALL_USAGE_FILE, small_seed


def test_seed_tables_load_as_published(empty_db):
    with db.connect_readonly(empty_db) as con:
        total = db.query_df(
            con,
            "select sum(population) as n from population where census_year"
            " = 2023 and age_group = 'all' and sex = 'all' and area = 'all'",
        )
        assert total["n"].iloc[0] == 40_856_097
        assert len(db.query_df(con, "select * from districts")) == 35
        assert db.build_info(con)["usage_rows"] == "0"


def test_every_seed_row_has_source_and_year(empty_db):
    with db.connect_readonly(empty_db) as con:
        sources = db.query_df(con, "select * from stg_seed_sources")
    assert set(sources["seed_table"]) >= set(build.SEED_TABLES) - {"channels"}
    assert sources["source"].str.len().gt(0).all()
    assert sources.loc[~sources["seed_table"].isin(["services", "channels"]), "year"].notna().all()


def test_demo_build_records_its_batch(demo_db):
    with db.connect_readonly(demo_db) as con:
        batches = db.query_df(con, "select * from usage_batches")
        info = db.build_info(con)
    assert batches[["batch_id", "source_kind"]].values.tolist() == [["demo", "demo"]]
    assert info["has_demo"] == "true"
    assert int(info["usage_rows"]) == batches["row_count"].iloc[0] > 100_000


def test_bad_usage_leaves_the_previous_database_untouched(tmp_path):
    seed_dir = small_seed(tmp_path / "seed")
    target = tmp_path / "kp.duckdb"
    good = build.UsageSource(SMALL_USAGE_FILE, "good", "admin", "Fixture returns")
    build.build(target, with_demo=False, seed_dir=seed_dir, extra_usage=[good])
    before = target.read_bytes()
    bad_file = tmp_path / "bad.csv"
    pd.read_csv(SMALL_USAGE_FILE).assign(transactions=-1).to_csv(bad_file, index=False)
    bad = build.UsageSource(bad_file, "bad", "admin", "Broken returns")
    with pytest.raises(build.BuildError) as failure:
        build.build(target, with_demo=False, seed_dir=seed_dir, extra_usage=[good, bad])
    assert len(failure.value.lines) == 11
    assert target.read_bytes() == before
    assert not list(tmp_path.glob("kp.duckdb.tmp*"))


def test_readers_keep_working_while_a_build_swaps_the_file(tmp_path):
    seed_dir = small_seed(tmp_path / "seed")
    target = tmp_path / "kp.duckdb"
    source = build.UsageSource(SMALL_USAGE_FILE, "fixture", "admin", "Fixture returns")
    first = build.build(target, with_demo=False, seed_dir=seed_dir, extra_usage=[source])
    with db.connect_readonly(target) as reader:
        second = build.build(target, with_demo=False, seed_dir=seed_dir)
        # the open reader still sees the file it opened; a new reader sees the new build
        assert db.build_info(reader)["build_id"] == first.build_id
    with db.connect_readonly(target) as reader:
        assert db.build_info(reader)["build_id"] == second.build_id


def test_is_current_follows_the_fingerprint(tmp_path):
    seed_dir = small_seed(tmp_path / "seed")
    target = tmp_path / "kp.duckdb"
    assert not build.is_current(target, seed_dir)
    build.build(target, with_demo=False, seed_dir=seed_dir)
    assert build.is_current(target, seed_dir)
    (seed_dir / "lighting.csv").write_text(
        (seed_dir / "lighting.csv").read_text().replace("450", "451")
    )
    assert not build.is_current(target, seed_dir)
