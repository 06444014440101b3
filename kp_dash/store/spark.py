"""Apache Spark as the metrics' second engine (`metric … --engine spark`), for logs that have
outgrown one machine. Spark reads the same stored files DuckDB scans (the accepted logs'
monthly partitions, the usage batches' Parquet files) and runs the same statements, translated
by `spark_sql`: the build's views (`sql/staging`, `sql/metrics`), `events`, its rollup and
`usage`. The small tables the build made (districts, population, services…) are sent from the
database. Each view is registered when a query first reads it."""

from __future__ import annotations

import os
import re
import shutil
import socket
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import reduce
from pathlib import Path

import duckdb
import pandas as pd
from sqlglot import exp

from kp_dash.store import batches, config, db, event_store, spark_sql, usage_view
from kp_dash.store.spark_errors import SparkSqlError, SparkUnavailable

# how long a cluster has to give the application its first executor
EXECUTOR_WAIT_S = 60.0
_LOG4J = """\
rootLogger.level = warn
rootLogger.appenderRef.file.ref = file
appender.file.type = File
appender.file.name = file
appender.file.fileName = {path}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d %p %c: %m%n
"""


@contextmanager
def session(master: str, scratch: Path, wait_s: float = EXECUTOR_WAIT_S) -> Iterator[object]:
    """A Spark session on `master` whose temporary files and log (`scratch/spark.log`) stay
    under `scratch`; stopped on leaving. SparkUnavailable when it cannot start."""
    _check_java(master)
    _check_reachable(master)
    spark = _start(master, scratch)
    try:
        _await_executor(spark, master, wait_s)
        yield spark
    finally:
        spark.stop()


def _check_java(master: str) -> None:
    if not shutil.which("java") and not _java_home():
        raise SparkUnavailable(
            master, "no Java runtime (install openjdk-17-jre-headless, or set JAVA_HOME)"
        )


def _java_home() -> bool:
    home = os.environ.get("JAVA_HOME")
    return bool(home) and (Path(home) / "bin" / "java").is_file()


def _check_reachable(master: str) -> None:
    """A standalone master (`spark://host:port[,host:port]`) answers on one of its addresses;
    otherwise Spark would retry for a minute and then fail with a Java stack trace."""
    if not master.startswith("spark://"):
        return
    causes = []
    for address in master.removeprefix("spark://").split(","):
        host, _, port = address.rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=5):
                return
        except ValueError:
            causes.append(f"{address} is not host:port")
        except OSError as error:
            causes.append(f"{address}: {error.strerror or error}")
    raise SparkUnavailable(master, "; ".join(causes))


def _start(master: str, scratch: Path):
    from pyspark.sql import SparkSession

    scratch.mkdir(parents=True, exist_ok=True)
    log4j = scratch / "log4j2.properties"
    log4j.write_text(_LOG4J.format(path=scratch / "spark.log"), encoding="utf-8")
    java = f"-Djava.io.tmpdir={scratch} -Dlog4j2.configurationFile=file:{log4j}"
    builder = (
        SparkSession.builder.master(master)
        .appName("kp-dash metrics")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.local.dir", str(scratch / "local"))
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        .config("spark.driver.extraJavaOptions", java)
        .config("spark.executor.extraJavaOptions", java)
        .config("spark.sql.session.timeZone", "Asia/Karachi")
        # `batch_id=…` and `month=2025-01` stay text, as DuckDB reads them
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.legacy.parquet.nanosAsLong", "true")
    )
    try:
        with _jvm_output_to(scratch / "spark.out"), warnings.catch_warnings():
            # pyspark's note that pandas 3 is newer than it was tested with
            warnings.simplefilter("ignore", FutureWarning)
            spark = builder.getOrCreate()
    except Exception as error:  # the JVM's own errors arrive as many kinds
        said = _jvm_error(scratch / "spark.out")
        raise SparkUnavailable(master, said or _cause(error)) from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


@contextmanager
def _jvm_output_to(path: Path) -> Iterator[None]:
    """The Java process Spark starts writes to this process's standard error (notes, stack
    traces): while it starts, that descriptor points at `path`, which the JVM then keeps."""
    sys.stderr.flush()
    saved = os.dup(2)
    with path.open("ab") as file:
        os.dup2(file.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _await_executor(spark, master: str, wait_s: float) -> None:
    """On a cluster, wait until an executor has registered: a query would otherwise wait
    without end for a worker that never comes."""
    if master.startswith("local"):
        return
    tracker = spark.sparkContext.statusTracker()
    deadline = time.monotonic() + wait_s
    while len(tracker.getExecutorInfos()) < 2:  # the driver counts as one
        if time.monotonic() > deadline:
            spark.stop()
            raise SparkUnavailable(
                master,
                f"no executor registered within {wait_s:.0f} s "
                "(is a worker running with a free core and enough memory?)",
            )
        time.sleep(0.2)


_JAVA_ERROR = re.compile(r'^(?:Exception in thread "[^"]*" )?[\w.$]+(?:Exception|Error): (.+)$')


def _jvm_error(path: Path) -> str | None:
    """The message of the last exception the JVM printed before it exited, if any."""
    if not path.is_file():
        return None
    found = [
        m.group(1)
        for m in map(_JAVA_ERROR.match, path.read_text("utf-8", "replace").splitlines())
        if m
    ]
    return found[-1].strip() if found else None


def _cause(error: BaseException) -> str:
    """The first line that says what went wrong, without the Java stack trace."""
    for line in str(error).splitlines():
        line = line.strip()
        if line and not line.startswith(("at ", "Traceback", "JVM stacktrace")):
            return line.removeprefix("py4j.protocol.Py4JJavaError: ")
    return type(error).__name__


class SparkMetrics:
    """The build's views on Spark, registered as queries first read them, over `records` (the
    accepted batches) and the small tables of the database `con`."""

    def __init__(self, spark, con: duckdb.DuckDBPyConnection, records: Sequence[dict]) -> None:
        self.spark = spark
        self.con = con
        self.records = list(records)
        self.registered: set[str] = set()
        self.views = _build_views()
        self.tables = {
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'main'"
            ).fetchall()
        }

    def query_df(
        self, sql: str, params: Sequence[object] = (), what: str = "query"
    ) -> pd.DataFrame:
        """The frame of one parameterised statement (DuckDB's SQL), run on Spark."""
        tree = spark_sql.parse(sql, what)
        for name in spark_sql.tables_read(tree):
            self._register(name)
        translated = spark_sql.to_spark(tree, what)
        answer = self._run(translated, what, list(params))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # pandas 3, as above
                return answer.toPandas()
        except Exception as error:  # a lost executor, an unreadable file: the JVM's errors
            raise SparkSqlError(f"{what}: Spark failed while answering ({_cause(error)})") from None

    def _run(self, sql: str, what: str, params: list[object] | None = None):
        from pyspark.errors import PySparkException

        try:
            return self.spark.sql(sql, args=params or None)
        except PySparkException as error:
            raise SparkSqlError(f"{what}: Spark refused it ({_cause(error)})") from None

    def _register(self, name: str) -> None:
        if name in self.registered:
            return
        if name in self.views:
            for read in spark_sql.tables_read(self.views[name]):
                self._register(read)
            self._view(name, self.views[name])
        elif name == "events":
            self._view("events_files", None, self._events_files())
            self._view(name, event_store.EVENTS.format(files="events_files"))
        elif name == "events_rollup":
            self._register("events")
            self._view(name, event_store.ROLLUP.format(where=""))
        elif name == "usage":
            files = self._usage_files()
            if files is not None:
                self._view("usage_files", None, files)
            for read in ("usage_rows", "events_rollup"):
                self._register(read)
            self._view(name, usage_view.statement("usage_files" if files is not None else None))
        elif name in self.tables:
            self._view(name, None, self._from_database(name))
        else:
            raise SparkSqlError(f"view {name}: neither the build nor the database defines it")
        self.registered.add(name)

    def _view(self, name: str, statement: str | exp.Expression | None, frame=None) -> None:
        if frame is None:
            frame = self._run(spark_sql.to_spark(statement, f"view {name}"), f"view {name}")
        frame.createOrReplaceTempView(name)

    def _from_database(self, name: str):
        """A table of the build, sent from the database (the name is the catalogue's own)."""
        table = self.con.sql(f'select * from "{name}"').to_arrow_table()
        return self.spark.createDataFrame(table)

    def _events_files(self):
        """The accepted logs' partitions, `batch_id` and `month` read from their folder names."""
        root = _spark_path(batches.imports_dir() / "events")
        folders = [_spark_path(f) for f in event_store.accepted_folders(self.records)]
        if not folders:
            empty = spark_sql.to_spark(event_store.NO_EVENTS, "view events")
            return self._run(empty, "view events")
        reader = self.spark.read.option("basePath", root).option("mergeSchema", "true")
        return reader.parquet(*folders)

    def _usage_files(self):
        """The accepted usage batches' files, each read on its own: batches written before
        timestamps were kept in microseconds hold `month_start` in nanoseconds, which Spark
        reads as a number (`nanosAsLong`) and which becomes its date here; batches written
        before the disability column get it as 'unknown'."""
        from pyspark.sql import functions

        frames = []
        for path in usage_view.batch_files(self.records):
            frame = self.spark.read.parquet(_spark_path(path))
            if dict(frame.dtypes)["month_start"] == "bigint":
                days = "date_from_unix_date(cast(month_start div 86400000000000 as int))"
                frame = frame.withColumn("month_start", functions.expr(days))
            if "disability" not in frame.columns:  # accepted before files could carry it
                frame = frame.withColumn("disability", functions.lit("unknown"))
            frames.append(frame)
        return reduce(lambda a, b: a.unionByName(b), frames) if frames else None


def _build_views() -> dict[str, exp.Expression]:
    """Each view (or table) of the build's staging and metric layers: its name and its
    `select`, as a syntax tree."""
    views = {}
    for layer in ("staging", "metrics"):
        for file in db.sql_files(layer):
            tree = spark_sql.parse(file.statement, f"file {file.path.name}")
            if isinstance(tree, exp.Create):
                views[tree.this.name] = tree.expression
    return views


def _spark_path(path: Path) -> str:
    """A stored file as Spark reads it: under `KP_DASH_SPARK_IMPORTS` when set, else here."""
    root = config.spark_imports()
    if root is None:
        return str(path)
    return f"{root}/{path.relative_to(batches.imports_dir()).as_posix()}"
