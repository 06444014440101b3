"""The data contract's shared values agree with the code that defines them."""

from __future__ import annotations

from kp_dash.numbers import registry
from kp_dash.store import contract


def test_metric_codes_are_the_registry_codes_in_its_order() -> None:
    assert tuple(registry.ALL) == contract.METRIC_CODES


def test_formula_starts_are_what_a_spreadsheet_runs() -> None:
    assert set(contract.FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}
