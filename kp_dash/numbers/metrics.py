"""The one function that fetches a metric frame, whatever the metric: a metric that is one SQL
view (`metric_sql`) or one modelled from the district frame (`analysis`), from the registry."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from kp_dash.numbers import analysis, source_texts
from kp_dash.numbers.metric_sql import check, fetch_view
from kp_dash.numbers.registry import MODELLED, MetricError, ModelledMetric, Query
from kp_dash.store import db


def fetch(con: duckdb.DuckDBPyConnection, query: Query) -> pd.DataFrame:
    """The metric frame: the `by` columns, value, numerator/denominator where defined, source,
    year. Rows exist only where the metric's data exist: no data is never a zero."""
    if isinstance(check(query), ModelledMetric):
        return _modelled(con, query)
    return fetch_view(con, query)


def check_spark(query: Query) -> None:
    """MetricError for a metric Spark cannot answer: one modelled across districts in Python."""
    if isinstance(check(query), ModelledMetric):
        raise MetricError(
            f"{query.code} is modelled across districts in Python, not one SQL view: "
            "use --engine duckdb"
        )


def fetch_on_spark(con: duckdb.DuckDBPyConnection, query: Query, master: str) -> pd.DataFrame:
    """The frame of a SQL metric answered by Apache Spark on `master` over the same stored files
    (`kp_dash.store.spark`), with the small tables of `con`; Spark's temporary files live in a
    folder removed afterwards. Raises one of SPARK_ERRORS when Spark cannot start or answer."""
    from kp_dash.store import batches, spark

    check_spark(query)
    with (
        tempfile.TemporaryDirectory(prefix="kp-dash-spark-") as scratch,
        spark.session(master, Path(scratch)) as session,
    ):
        return fetch_view(spark.SparkMetrics(session, con, batches.accepted()), query)


def _modelled(con: duckdb.DuckDBPyConnection, query: Query) -> pd.DataFrame:
    metric = MODELLED[query.code]
    if metric.code == "concentration_index":
        return _concentration(con, query)
    frame = analysis.district_frame(con, query.service, query.month_from, query.month_to)
    frame = frame.dropna(subset=[metric.column]).rename(columns={metric.column: "value"})
    frame["source"] = source_texts.joined_by_row(
        frame, tuple(f"{s}_source" for s in metric.sources)
    )
    frame["year"] = analysis.joined_years(frame, tuple(f"{s}_year" for s in metric.sources))
    if "district" in query.by:
        columns = ["district_code", "district_name", "value", "source", "year"]
        return frame[columns].reset_index(drop=True)
    if frame.empty:
        return pd.DataFrame(columns=["value", "source", "year"])
    return pd.DataFrame(
        {
            "value": [frame["value"].sum()],
            "source": [source_texts.joined(frame["source"])],
            "year": [analysis.year_span(" ".join(frame["year"]))],
        }
    )


def _concentration(con: duckdb.DuckDBPyConnection, query: Query) -> pd.DataFrame:
    services = (
        [query.service]
        if query.service or "service" not in query.by
        else list(db.query_df(con, "select service_code from services order by 1")["service_code"])
    )
    rows = []
    for service in services:
        frame = analysis.district_frame(con, service, query.month_from, query.month_to)
        value = analysis.concentration_index(
            frame["uptake_per_1000"], frame["eligible_population"], frame["access_index"]
        )
        if not math.isnan(value):
            rows.append(
                {
                    "service": service,
                    "value": value,
                    "source": source_texts.joined(frame["source"]),
                    "year": analysis.year_span(" ".join(frame["year"])),
                }
            )
    frame = pd.DataFrame(rows, columns=["service", "value", "source", "year"])
    return frame if "service" in query.by else frame.drop(columns="service")
