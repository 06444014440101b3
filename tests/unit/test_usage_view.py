"""The view `usage` over batch files written before and after usage files could carry a
disability: the older read 'unknown', the newer their own values, in one view."""

from __future__ import annotations

import duckdb
import pandas as pd

from kp_dash.store import batches, db, usage_view

ROW = {
    "month_start": pd.Timestamp("2025-01-01"),
    "district_code": "PK502",
    "service_code": "health_card",
    "channel": "online",
    "sex": "female",
    "area": "rural",
    "age_band": "unknown",
    "transactions": 5,
    "users": 4,
}


def _batch(batch_id: str, **extra: object) -> dict:
    path = batches.batch_path(batch_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([{"batch_id": batch_id, **ROW, **extra}]).to_parquet(path, index=False)
    return {"batch_id": batch_id, "kind": "usage"}


def test_batches_with_and_without_disability_in_one_view():
    older, newer = _batch("old"), _batch("new", disability="yes")
    assert not usage_view.has_disability(batches.batch_path("old"))
    with duckdb.connect() as con:
        db.apply_layer(con, "schema")
        usage_view.create(con, [older, newer])
        rows = con.sql("select batch_id, disability, transactions from usage order by 1").fetchall()
        assert rows == [("new", "yes", 5), ("old", "unknown", 5)]
        usage_view.create(con, [older])  # older files alone
        assert con.sql("select disability from usage").fetchall() == [("unknown",)]
