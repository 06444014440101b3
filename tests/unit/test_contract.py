"""The data contract's shared values agree with the code that defines them, and each metric is
defined once: its `CODE.toml` beside its SQL, read by the registry, the import rules and the
README's table."""

from __future__ import annotations

import re
from pathlib import Path

from kp_dash.numbers import registry
from kp_dash.store import config, contract, db

README = Path(__file__).parents[2] / "README.md"
METRIC_ROW = re.compile(r"^\| `([a-z0-9_]+)` \| (.+) \|$")


def test_a_targets_file_may_name_every_defined_metric_in_order() -> None:
    assert db.metric_codes() == tuple(registry.ALL)
    assert db.metric_codes()[:2] == ("uptake_per_1000", "reach_pct")  # `order` decides


def test_every_sql_metric_has_its_definition_beside_it_and_every_definition_its_sql() -> None:
    folder = config.SQL_DIR / "metrics"
    views = {path.stem for path in folder.glob("*.sql")}
    assert views == set(registry.REGISTRY)
    assert {path.stem for path in folder.glob("*.toml")} == views | set(registry.MODELLED)
    orders = [definition["order"] for definition in db.metric_definitions()]
    assert len(set(orders)) == len(orders), "two definitions share an order"


def test_a_definition_is_read_as_written() -> None:
    reach = registry.REGISTRY["reach_pct"]
    assert (
        reach.label == ("Eligible people reached (logs: distinct people; returns: mean monthly)")
        and reach.decimals == 2
    )
    people, population, users, months = reach.components
    assert people.count and people.distinct == "user_ref" and users.distinct is None
    assert users.count and not population.count and not months.cited
    assert population.marginal == ("service", "sex", "area") and months.months_of == "users"
    assert reach.derived == (
        ("mean_monthly_users", "users / nullif(user_months, 0)"),
        ("reached", "people + coalesce(mean_monthly_users, 0)"),
    )
    unserved = registry.MODELLED["unserved_population"]
    assert unserved.province and unserved.sources == ("population", "access")
    assert unserved.by_keys == ("district",) and unserved.decimals == 0


def test_the_readme_metric_table_is_the_definitions() -> None:
    rows = [METRIC_ROW.match(line) for line in README.read_text(encoding="utf-8").splitlines()]
    table = [(match[1], match[2]) for match in rows if match and match[1] in registry.ALL]
    assert table == [(code, metric.meaning) for code, metric in registry.ALL.items()]


def test_formula_starts_are_what_a_spreadsheet_runs() -> None:
    assert set(contract.FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}
