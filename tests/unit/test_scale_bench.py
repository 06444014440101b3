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
