"""Timings of the database build, each page's script run and each metric query (`make bench`).

Builds the default demo database in a temporary folder (the developer's own data is never
touched), then reports medians of warm runs as a plain table. Nothing is asserted: the numbers
are for comparing before and after a change on the same machine.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kp_dash.views import page_registry

ROOT = Path(__file__).resolve().parents[1]
# every page of the app, as its registry lists them
PAGES = tuple(page.script for page in page_registry.PAGES)
# pages as a link opens them: the profile from the ranking's link or a click on the map
LINKED_PAGES = (
    ("pages/7_Profile.py", {"district": "PK502"}),
    ("pages/1_Map.py", {"shapes": "tiles"}),
    ("pages/4_Uptake.py", {"shapes": "tiles"}),
)
IMPORT_ROWS = 1_000_000
PAGE_TIMEOUT_S = 120


@dataclass(frozen=True)
class Timing:
    name: str
    median_ms: float
    runs: int


def _ms(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def _median(name: str, action: Callable[[], object], runs: int) -> Timing:
    _ms(action)  # warm-up: first-call costs (imports, caches, layer build) are not what we compare
    return Timing(name, statistics.median(_ms(action) for _ in range(runs)), runs)


def _page_runner(page: str, params: dict[str, str] | None = None) -> Callable[[], None]:
    """One AppTest of `page` (opened with `params` in its address); each call runs it once."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(ROOT / page, default_timeout=PAGE_TIMEOUT_S)
    app.query_params.update(params or {})

    def run() -> None:
        app.run()
        if app.exception:
            raise RuntimeError(f"{page}: {app.exception[0].value}")

    return run


def _page_timings(runs: int) -> list[Timing]:
    import streamlit as st

    timings = []
    for page in PAGES:
        run = _page_runner(page)

        def run_uncached(run: Callable[[], None] = run) -> None:
            st.cache_data.clear()
            st.cache_resource.clear()
            run()

        timings.append(_median(f"page {page}", run, runs))
        # what a rebuilt database costs: connection, frames and map layer all recomputed
        timings.append(_median(f"page {page}, caches cleared", run_uncached, runs))
    for page, params in LINKED_PAGES:
        query = "&".join(f"{key}={value}" for key, value in params.items())
        timings.append(_median(f"page {page}?{query}", _page_runner(page, params), runs))
    return timings


def _query_timings(db_path: Path, runs: int) -> list[Timing]:
    from kp_dash.numbers import metric_sql, metrics, registry
    from kp_dash.store import db

    con = db.connect_readonly(db_path)
    timings = []
    try:
        for code in registry.ALL:
            for by in (("district",), ()):
                query = registry.Query(code, by)
                try:
                    metric_sql.check(query)
                except registry.MetricError:
                    continue
                label = f"metric {code} by {by[0] if by else 'province'}"
                timings.append(_median(label, lambda q=query: metrics.fetch(con, q), runs))
    finally:
        con.close()
    return timings


def _map_timings(db_path: Path, runs: int) -> tuple[list[Timing], list[tuple[str, int]]]:
    """Building each map figure on the bundled boundaries and on the tile map, with the size of
    what is sent to the browser; and the check every page makes of the database's build."""
    from kp_dash.numbers import metrics, registry, summaries
    from kp_dash.store import db, geo
    from kp_dash.views import decks, maps

    con = db.connect_readonly(db_path)
    try:
        frame = metrics.fetch(con, registry.Query("uptake_per_1000", ("district",)))
        register = db.query_df(con, "select * from districts")
    finally:
        con.close()
    values = summaries.map_values(frame, register)
    check = _median("database check (build fingerprint)", lambda: db.database_state(db_path), runs)
    timings = [check]
    sizes = []
    for name, layer in (("boundaries", geo.bundled_layer()), ("tile map", geo.tile_layer())):

        def figure(layer: geo.DistrictLayer = layer) -> object:
            return maps.choropleth_figure(layer, values, label="Uptake", unit="")

        timings.append(_median(f"map figure, {name}", figure, runs))
        sizes.append((f"map figure, {name}", len(figure().to_json())))
        deck = decks.choropleth_deck(layer, values, label="Uptake", unit="")
        sizes.append((f"map deck, {name}", len(deck.to_json())))
    return timings, sizes


@dataclass(frozen=True)
class Throughput:
    name: str
    rows: int
    seconds: float


def _usage_file(folder: Path, rows: int) -> pd.DataFrame:
    """A valid usage file of `rows` rows, every row with its own key (`scale.usage_rows`)."""
    from scale import usage_rows  # a neighbour in bench/ (run as `python bench/...`)

    return usage_rows(rows)


def _import_timings(folder: Path, db_path: Path) -> list[Throughput]:
    """Whole imports (read, validate, archive, write the batch, update the database) of the same
    rows as CSV and as Parquet: the first real usage, into a copy of the demo database (the
    demonstration data leaves: a full rebuild), and a later month's, into a database that
    already holds real usage (the batch is added to a copy)."""
    from kp_dash.store import build, intake

    frame = _usage_file(folder, IMPORT_ROWS)
    files = {"csv": folder / "usage_1m.csv", "parquet": folder / "usage_1m.parquet"}
    frame.to_csv(files["csv"], index=False)
    frame.to_parquet(files["parquet"], index=False)
    earlier = folder / "usage_earlier.csv"
    earlier.write_text(
        "month,district,service,channel,transactions\n2020-01,PK501,health_card,online,5\n"
    )
    results = []
    for base in ("first", "later"):
        for kind, path in files.items():
            state = folder / f"state_{base}_{kind}"
            state.mkdir()
            os.environ["KP_DASH_STATE"] = str(state)
            target = folder / f"import_{base}_{kind}.duckdb"
            shutil.copyfile(db_path, target)
            if base == "later":  # real usage already accepted: the demonstration data is out
                intake.import_file(earlier, db_path=target)
                assert not build.has_demo(target)
            start = time.perf_counter()
            result = intake.import_file(path, db_path=target)
            seconds = time.perf_counter() - start
            if result.status != "accepted":
                raise RuntimeError(f"{path.name}: {result.message}")
            label = f"import {IMPORT_ROWS:,} usage rows from {kind}, {base} real usage"
            results.append(Throughput(label, result.rows, seconds))
    return results


def _print_throughput(rows: list[Throughput]) -> None:
    width = max(len(row.name) for row in rows)
    print(f"\n{'name':<{width}}  {'seconds':>8}  {'rows/s':>10}")
    for row in rows:
        print(f"{row.name:<{width}}  {row.seconds:>8.2f}  {row.rows / row.seconds:>10,.0f}")


# AppTest and cache clearing run without a server, so Streamlit warns about that on every run.
BARE_MODE_NOISE = {
    "streamlit.runtime.scriptrunner_utils.script_run_context": "missing ScriptRunContext",
    "streamlit.runtime.caching.cache_data_api": "No runtime found",
}


def _quiet_bare_mode_warnings() -> None:
    """Filters rather than levels, because Streamlit resets levels when it loads its config."""
    for name, text in BARE_MODE_NOISE.items():
        logging.getLogger(name).addFilter(lambda record, text=text: text not in record.getMessage())


def _print_table(rows: list[Timing]) -> None:
    width = max(len(row.name) for row in rows)
    print(f"{'name':<{width}}  {'median ms':>10}  {'runs':>4}")
    for row in rows:
        print(f"{row.name:<{width}}  {row.median_ms:>10.1f}  {row.runs:>4}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs after one warm-up")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kp_dash_bench_") as folder:
        db_path = Path(folder) / "demo.duckdb"
        state = Path(folder) / "state"
        state.mkdir()
        # Set before kp_dash and the pages read them, so nothing touches data/ of the checkout.
        os.environ["KP_DASH_DB"] = str(db_path)
        os.environ["KP_DASH_STATE"] = str(state)
        os.environ["KP_DASH_BASEMAP"] = "none"
        _quiet_bare_mode_warnings()

        from kp_dash.store import build

        rows = [
            Timing("database build (demo)", _ms(lambda: build.build(db_path, with_demo=True)), 1)
        ]
        rows += _page_timings(args.runs)
        rows += _query_timings(db_path, args.runs)
        map_rows, sizes = _map_timings(db_path, args.runs)
        rows += map_rows
        imports = _import_timings(Path(folder), db_path)
    _print_table(rows)
    print()
    for name, size in sizes:
        print(f"{name}: {size:,} bytes of JSON sent to the browser")
    _print_throughput(imports)


if __name__ == "__main__":
    main()
