"""Every SQL metric by district and by month, answered by Spark on the master given and saved
as a pickle of frames (keyed 'CODE by KEY'). Run by tests/unit/test_spark.py in a process of
its own, so that the Java process Spark starts ends with it.

argv: MASTER SCRATCH OUT (the database and state come from KP_DASH_DB and KP_DASH_STATE)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from kp_dash.numbers import metric_sql, registry
from kp_dash.store import batches, db, spark

BREAKDOWNS = (("district",), ("month",))
# a service and a period, which reach the statement as parameters
FILTERED = (
    registry.Query("reach_pct", ("district",), "health_card", "2025-03", "2025-05"),
    registry.Query("completion_rate_pct", ("month",), None, "2025-02", "2025-04"),
    registry.Query("uptake_per_1000", (), "telemedicine", "2025-06", "2025-06"),
    registry.Query("reach_pct", ()),
)


def questions() -> Iterator[registry.Query]:
    """Each SQL metric by each breakdown of BREAKDOWNS it has, then FILTERED."""
    for code, metric in registry.REGISTRY.items():
        for by in BREAKDOWNS:
            if set(by) <= set(metric.by_keys):
                yield registry.Query(code, by)
    yield from FILTERED


def key(query: registry.Query) -> str:
    period = f" {query.month_from}..{query.month_to}" if query.month_from else ""
    return f"{query.code} by {','.join(query.by) or 'province'} {query.service or 'all'}{period}"


def main(master: str, scratch: Path, out: Path) -> None:
    answers = {}
    with db.connect_readonly() as con, spark.session(master, scratch) as session:
        engine = spark.SparkMetrics(session, con, batches.accepted())
        for query in questions():
            answers[key(query)] = metric_sql.fetch_view(engine, query)
    pd.to_pickle(answers, out)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
