"""The metrics on Apache Spark (`metric … --engine spark`): the one DuckDB definition of each
metric translated, the same answers as DuckDB's over a generated log of a million events on
`local[2]` and on a standalone cluster, and a Spark that cannot start told in one line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from bench.scale_events import write_log
from bench.spark_cluster import standalone
from kp_dash.numbers import metric_sql, registry
from kp_dash.store import batches, build, db, intake
from kp_dash.store.spark_errors import SparkSqlError
from kp_dash.store.spark_sql import parse, tables_read, to_spark
from tests.conftest import SMALL_USAGE_FILE
from tests.spark_answers import key, questions

ROOT = Path(__file__).resolve().parents[2]
HAS_JAVA = bool(shutil.which("java")) or bool(os.environ.get("JAVA_HOME"))
needs_java = pytest.mark.skipif(
    not HAS_JAVA,
    reason="Spark needs a Java runtime (apt-get install openjdk-17-jre-headless; .ci/run does)",
)
EVENTS = 1_000_000


# --- translation: no Java needed ----------------------------------------------------------------


def _every_query() -> list[registry.Query]:
    found = []
    for code, metric in registry.REGISTRY.items():
        for by in [(), *((k,) for k in metric.by_keys), ("district", "month")]:
            if set(by) <= set(metric.by_keys):
                found.append(registry.Query(code, by, None, "2025-01", "2025-06"))
                found.append(registry.Query(code, by, "health_card"))
    return found


def test_every_metric_and_breakdown_translates_to_spark():
    for query in _every_query():
        sql, params = metric_sql.metric_sql(query)
        translated = to_spark(sql, f"metric {query.code}")
        # the parameters stay parameters: as many markers after as before
        assert translated.count("?") == sql.count("?") == len(params), query
        assert "REPLACE" not in translated.upper().replace("REPLACE(", ""), query


def test_a_decimal_literal_becomes_a_double_so_that_division_keeps_every_digit():
    # DuckDB divides decimals as doubles; Spark as decimals, cut to six places when large
    assert to_spark("select 100.0 * a / b from t", "x") == (
        "SELECT CAST(100.0 AS DOUBLE) * a / b FROM t"
    )
    assert to_spark("select 1000 * a from t", "x") == "SELECT 1000 * a FROM t"


def test_least_of_one_value_is_that_value():
    assert to_spark("select least(y0), greatest(y1, y2) from t", "x") == (
        "SELECT y0, GREATEST(y1, y2) FROM t"
    )


@pytest.mark.parametrize(
    ("sql", "construct"),
    [
        ("select s.* replace (1 as a) from t s", "* replace"),
        ("select * exclude (a) from t", "* exclude"),
        ("select * from t asof join u using (k, ts)", "ASOF JOIN"),
        ("select * from t positional join u", "POSITIONAL JOIN"),
        ("select list_reduce([1, 2], (x, y) -> x + y)", "list_reduce()"),
    ],
)
def test_a_construct_spark_lacks_is_refused_naming_the_metric_and_the_construct(sql, construct):
    with pytest.raises(SparkSqlError) as refused:
        to_spark(sql, "metric reach_pct")
    message = str(refused.value)
    assert message.startswith("metric reach_pct: ") and construct in message


def test_the_tables_a_statement_reads_leave_out_its_own_ctes():
    tree = parse("with c as (select * from a join b using (k)) select * from c, d", "x")
    assert sorted(tables_read(tree)) == ["a", "b", "d"]


# --- the command line when Spark cannot start ---------------------------------------------------


def _metric(args: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    base = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "kp_dash", "metric", "uptake_per_1000", *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _one_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    # the build's own note may come first; the refusal is the last line and alone
    assert not any(word in result.stderr for word in ("Traceback", "\tat ", "Exception in"))
    return lines[-1]


def test_an_unreachable_master_is_one_line_naming_it_and_the_cause(empty_db):
    from bench.appserver import free_port

    master = f"spark://127.0.0.1:{free_port()}"
    line = _one_line(
        _metric(["--db", str(empty_db), "--engine", "spark", "--spark-master", master])
    )
    assert line.startswith(f"Spark at {master} cannot start: ")
    assert "refused" in line.lower()


def test_the_master_comes_from_the_environment_when_not_given(empty_db):
    from bench.appserver import free_port

    master = f"spark://127.0.0.1:{free_port()}"
    env = {"KP_DASH_SPARK_MASTER": master}
    line = _one_line(_metric(["--db", str(empty_db), "--engine", "spark"], env))
    assert line.startswith(f"Spark at {master} cannot start")


def test_no_java_is_one_line_saying_what_to_install(empty_db, tmp_path):
    env = {"PATH": str(tmp_path), "JAVA_HOME": ""}
    line = _one_line(_metric(["--db", str(empty_db), "--engine", "spark"], env))
    assert line == (
        "Spark at local[2] cannot start: no Java runtime "
        "(install openjdk-17-jre-headless, or set JAVA_HOME)"
    )


@needs_java
def test_a_master_spark_refuses_is_one_line_with_spark_s_reason(empty_db):
    args = ["--db", str(empty_db), "--engine", "spark", "--spark-master", "cluster://x"]
    line = _one_line(_metric(args))
    assert line == (
        "Spark at cluster://x cannot start: "
        "Master must either be yarn or start with spark, k8s, or local"
    )


def test_a_metric_modelled_in_python_is_refused_on_spark_as_a_usage_error():
    result = subprocess.run(
        [sys.executable, "-m", "kp_dash", "metric", "uptake_gap", "--by", "district",
         "--engine", "spark"],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert "uptake_gap is modelled across districts in Python" in result.stderr


# --- the same answers: a million events, local[2] and a standalone cluster ---------------------


@pytest.fixture(scope="module")
def logged(tmp_path_factory) -> dict[str, str]:
    """A state with all the usage Spark reads: monthly returns loaded by the build
    (`usage_rows`), two accepted usage batches (Parquet files: one as imports write it now, one
    with `month_start` in nanoseconds and no disability as older imports wrote it), and a log
    of a million events (every 50th without a person) as monthly partitions. Returns the
    environment to read it."""
    root = tmp_path_factory.mktemp("spark_state")
    env = {"KP_DASH_STATE": str(root / "state"), "KP_DASH_DB": str(root / "kp_dash.duckdb")}
    (root / "state").mkdir()
    header = "month,district,service,channel,sex,area,transactions,users\n"
    december, november = root / "december.csv", root / "november.csv"
    december.write_text(header + "2024-12,PK528,fee_payment,online,female,urban,12,7\n")
    november.write_text(header + "2024-11,PK501,fee_payment,counter,male,rural,5,4\n")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        build.build(with_demo=False)
        assert intake.import_file(SMALL_USAGE_FILE, who="test").status == "accepted"
        older = intake.import_file(december, who="test")
        stored = batches.batch_path(older.batch_id)
        rows = pd.read_parquet(stored).drop(columns="disability")  # older imports had none
        rows["month_start"] = rows["month_start"].astype("datetime64[ns]")
        rows.to_parquet(stored, index=False)
        assert "ns" in str(pq.read_schema(stored).field("month_start").type)
        write_log(root / "log.parquet", EVENTS, anonymous_every=50)
        log = intake.import_file(root / "log.parquet", kind="events", who="test")
        assert (log.status, log.rows) == ("accepted", EVENTS)
        usage_rows = build.UsageSource(november, "november", "admin", "Education returns")
        build.build(with_demo=False, extra_usage=[usage_rows])
    return env


def _duckdb_answers(env: dict[str, str]) -> dict[str, pd.DataFrame]:
    with db.connect_readonly(Path(env["KP_DASH_DB"])) as con:
        return {key(q): metric_sql.fetch_view(con, q) for q in questions()}


def _spark_answers(env: dict[str, str], master: str, folder: Path) -> dict[str, pd.DataFrame]:
    """Spark's answers, from a process of its own whose temporary files, and the event log
    that `spark-defaults.conf` asks for, stay under `folder`."""
    conf = folder / "conf"
    conf.mkdir(parents=True)
    (folder / "events").mkdir()
    (conf / "spark-defaults.conf").write_text(
        f"spark.eventLog.enabled true\nspark.eventLog.dir file://{folder / 'events'}\n"
    )
    (folder / "tmp").mkdir()
    out = folder / "answers.pickle"
    child_env = {
        **os.environ, **env, "PYTHONPATH": str(ROOT), "SPARK_CONF_DIR": str(conf),
        "TMPDIR": str(folder / "tmp"),
    }  # fmt: skip
    script = ROOT / "tests" / "spark_answers.py"
    result = subprocess.run(
        [sys.executable, str(script), master, str(folder / "scratch"), str(out)],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert list((folder / "events").iterdir()), "Spark wrote no event log where it was told"
    return pd.read_pickle(out)


def _assert_same(duck: dict[str, pd.DataFrame], spark: dict[str, pd.DataFrame]) -> None:
    assert duck.keys() == spark.keys()
    for name, expected in duck.items():
        got = spark[name]
        assert list(got.columns) == list(expected.columns), name
        assert len(expected) > 0, f"{name}: no rows to compare"
        assert len(got) == len(expected), name
        for column in expected.columns:
            want, have = expected[column], got[column]
            if pd.api.types.is_numeric_dtype(want):
                want = want.astype("float64").to_numpy()
                have = pd.to_numeric(have).astype("float64").to_numpy()
                same = np.isclose(have, want, rtol=1e-9, atol=0, equal_nan=True)
                assert same.all(), (name, column, want[~same][:3], have[~same][:3])
            else:
                assert want.astype(str).tolist() == have.astype(str).tolist(), (name, column)


@pytest.fixture(scope="module")
def duckdb_answers(logged) -> dict[str, pd.DataFrame]:
    answers = _duckdb_answers(logged)
    # the log is in them (2025, and the returns' November and December 2024): a month's people
    # are fewer than its events, and reach counts people
    by_month = answers["reach_pct by month all"]
    assert len(by_month) == 14 and by_month["numerator"].astype(float).lt(EVENTS / 12).all()
    rates = answers["completion_rate_pct by district all"]["value"]
    assert rates.between(50, 70).all() and rates.nunique() > 1
    return answers


@needs_java
def test_every_sql_metric_is_the_same_on_spark_local(logged, duckdb_answers, tmp_path):
    _assert_same(duckdb_answers, _spark_answers(logged, "local[2]", tmp_path))


@needs_java
def test_every_sql_metric_is_the_same_on_a_standalone_cluster(logged, duckdb_answers, tmp_path):
    with standalone(tmp_path / "cluster") as cluster:
        answers = _spark_answers(logged, cluster.master, tmp_path / "driver")
        # the worker ran the executors, in its work folder under the test's own
        assert list((tmp_path / "cluster" / "work").glob("app-*"))
    _assert_same(duckdb_answers, answers)
