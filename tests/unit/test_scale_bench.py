"""The files `make bench-scale` imports: as many rows as asked, each with its own key, every
month a real one in the past (a repeated key or a future month would make the import a
rejection, and the benchmark would time the wrong thing)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd

# bench/ holds scripts, not a package: load the one under test by its path
_SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "scale.py"
_SPEC = importlib.util.spec_from_file_location("scale_bench_under_test", _SCRIPT)
scale = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = scale  # dataclasses look their module up
_SPEC.loader.exec_module(scale)

KEY = ["month", "district", "service", "channel", "sex", "area", "age_band"]


def test_usage_rows_beyond_the_demo_keep_every_key_apart() -> None:
    rows = scale.usage_rows(2_500_000)  # the demonstration's rows (about a million) and more
    assert len(rows) == 2_500_000
    assert not rows.duplicated(KEY).any()
    months = pd.PeriodIndex(rows["month"], freq="M")
    assert months.max() <= pd.Period.now("M")
    # the copies go further back in time than the demonstration's own months
    assert months[-1] < months[:1000].min()


def test_a_small_size_is_the_start_of_the_demo_rows() -> None:
    assert len(scale.usage_rows(1)) == 1
    assert scale.usage_rows(5).equals(scale.usage_rows(10).iloc[:5])


_EVENTS_SCRIPT = _SCRIPT.with_name("scale_events.py")
_EVENTS_SPEC = importlib.util.spec_from_file_location("scale_events_under_test", _EVENTS_SCRIPT)
scale_events = importlib.util.module_from_spec(_EVENTS_SPEC)
sys.modules[_EVENTS_SPEC.name] = scale_events
_EVENTS_SPEC.loader.exec_module(scale_events)


def test_the_generated_log_is_a_valid_year_in_time_order(tmp_path):
    from kp_dash.store import event_logs

    path = tmp_path / "log.parquet"
    scale_events.write_log(path, 7000)
    log = pd.read_parquet(path)
    assert len(log) == 7000 and log["event_id"].is_unique
    assert log["timestamp"].is_monotonic_increasing
    assert log["timestamp"].dt.year.unique().tolist() == [2025]
    assert log["district"].nunique() == 35 and log["user_ref"].nunique() == 7000 // 4
    # outcomes run in cycles of 55 events (11 each of 5 slots, 3 of them completed): 127 whole
    # cycles, then 15 events of the completed slots
    assert log["status"].value_counts().to_dict() == {
        "completed": 127 * 33 + 15, "failed": 127 * 11, "abandoned": 127 * 11,
    }  # fmt: skip
    files = event_logs.log_files(path, path.name)
    validation = event_logs.checked_only(path, path.name, None, None, None)
    assert files and validation.ok and validation.row_count == 7000
    second = tmp_path / "again.parquet"
    scale_events.write_log(second, 7000)
    assert pd.read_parquet(second).equals(log)
