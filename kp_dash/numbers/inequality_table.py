"""WHO's summary measures for every stratum of a HEAT Plus template file (`inequality FILE`):
one row per setting × date × source × indicator × dimension × measure that applies."""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from kp_dash.numbers.inequality import Dimension, NotApplicable, applicable, measure
from kp_dash.store.heat_template import STRATUM, Stratum

COLUMNS = (*STRATUM, "measure", "estimate", "se", "ci_lb", "ci_ub")


def dimension_of(rows: pd.DataFrame) -> Dimension:
    """A stratum's subgroups (the template's columns, numbers as floats) as a `Dimension`."""

    def known(column: str) -> tuple[float, ...] | None:
        values = rows[column]
        return None if values.isna().any() else tuple(float(v) for v in values)

    first = rows.iloc[0]
    ordered = first["ordered_dimension"] == 1
    references = [i for i, flag in enumerate(rows["reference_subgroup"]) if flag == 1]
    average = first["setting_average"]
    return Dimension(
        estimate=tuple(float(v) for v in rows["estimate"]),
        se=known("se"),
        population=known("population"),
        order=tuple(int(v) for v in rows["subgroup_order"]) if ordered else None,
        favourable=bool(first["favourable_indicator"] == 1),
        scale=float(first["indicator_scale"]),
        reference=references[0] if references else None,
        setting_average=None if math.isnan(average) else float(average),
    )


def table(strata: Iterable[Stratum]) -> pd.DataFrame:
    """Each applicable measure of each stratum, blank where its data cannot give it (a ratio
    over a zero estimate) or give no interval (no standard errors)."""
    found = []
    for stratum in strata:
        dimension = dimension_of(stratum.rows)
        for code in applicable(dimension):
            row = {**stratum.key, "measure": code}
            try:
                result = measure(code, dimension)
            except NotApplicable:
                found.append(row)
                continue
            found.append(
                {**row, "estimate": result.estimate, "se": result.se,
                 "ci_lb": result.ci_lb, "ci_ub": result.ci_ub}
            )  # fmt: skip
    return pd.DataFrame(found, columns=list(COLUMNS))
