"""The metric SQL in Spark's dialect: every statement is written once, for DuckDB, and
translated here with sqlglot. A construct Spark lacks is refused by name, never guessed at:
sqlglot's own refusals, and those it would pass through unchanged (listed below); anything
else Spark cannot run is refused by Spark when the view is registered, with its name."""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, UnsupportedError

from kp_dash.store.spark_errors import SparkSqlError


def parse(sql: str, what: str) -> exp.Expression:
    """The statement's syntax tree (DuckDB's dialect)."""
    try:
        return sqlglot.parse_one(sql, read="duckdb")
    except ParseError as error:
        raise SparkSqlError(f"{what}: cannot be read as SQL ({_first_line(error)})") from None


def to_spark(sql: str | exp.Expression, what: str) -> str:
    """`sql` (DuckDB's dialect, as text or tree) in Spark's; `what` names the statement in the
    error (e.g. 'metric reach_pct', 'view stg_usage')."""
    tree = parse(sql, what) if isinstance(sql, str) else sql
    _refuse_unshared(tree, what)
    tree = tree.transform(_rewritten)
    try:
        return tree.sql(dialect="spark", unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as error:
        raise SparkSqlError(f"{what}: Spark has no {_first_line(error)}") from None


def tables_read(tree: exp.Expression) -> list[str]:
    """The tables and views a statement reads, each once, without its own common table
    expressions."""
    own = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    names = [t.name for t in tree.find_all(exp.Table) if t.name not in own]
    return list(dict.fromkeys(names))


def _refuse_unshared(tree: exp.Expression, what: str) -> None:
    """DuckDB's constructs that sqlglot passes through to Spark unchanged, where Spark has
    none: `* replace/exclude/rename (…)`, ASOF and POSITIONAL joins, and functions sqlglot does
    not know (it would copy their names as they are)."""
    for star in tree.find_all(exp.Star):
        for modifier in ("replace", "except", "except_", "rename"):
            if star.args.get(modifier):
                keyword = "exclude" if modifier.startswith("except") else modifier
                raise SparkSqlError(f"{what}: Spark has no `* {keyword} (…)`; name the columns")
    for join in tree.find_all(exp.Join):
        method = (join.args.get("method") or "").upper()
        if method in ("ASOF", "POSITIONAL"):
            raise SparkSqlError(f"{what}: Spark has no {method} JOIN")
    for function in tree.find_all(exp.Anonymous):
        raise SparkSqlError(
            f"{what}: the function {function.name}() has no known translation to Spark SQL"
        )


def _rewritten(node: exp.Expression) -> exp.Expression:
    return _decimal_as_double(_one_value(node))


def _one_value(node: exp.Expression) -> exp.Expression:
    """`least(x)` and `greatest(x)` are x in DuckDB; Spark wants two values at least."""
    if isinstance(node, (exp.Least, exp.Greatest)) and not node.expressions:
        return node.this
    return node


def _decimal_as_double(node: exp.Expression) -> exp.Expression:
    """A literal such as `100.0` is a decimal in both engines, but DuckDB divides decimals as
    doubles while Spark divides them as decimals, whose places shrink (to six) as the numbers
    grow past 38 digits: Spark is given a double, as DuckDB computes."""
    if isinstance(node, exp.Literal) and node.is_number and not node.is_int:
        return exp.cast(node, exp.DataType.Type.DOUBLE)
    return node


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
