"""What the Spark engine (`spark`, `spark_sql`) raises, importable without Spark or sqlglot."""

from __future__ import annotations


class SparkSqlError(ValueError):
    """A statement that cannot run on Spark: names what it is (metric, view) and the construct."""


class SparkUnavailable(RuntimeError):
    """Spark could not start or reach its master: one line naming the master and the cause."""

    def __init__(self, master: str, cause: str) -> None:
        super().__init__(f"Spark at {master} cannot start: {cause}")


SPARK_ERRORS = (SparkSqlError, SparkUnavailable)
