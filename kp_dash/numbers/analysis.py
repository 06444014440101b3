"""Cross-district models and inequality measures (METRICS.md, *Exclusion analysis*).

Whether low uptake is explained by low access or happens despite it: the expected uptake at a
district's access level comes from one line fitted across districts; what is left (the gap) is
what access does not explain. Concentration and Theil indices summarise how unequal uptake is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

import duckdb
import numpy as np
import pandas as pd

from kp_dash.numbers import metric_sql, registry, source_texts
from kp_dash.store import db
from kp_dash.store.marks import N_

NO_DATA = "no data"
QUADRANTS = {  # marked: the briefing prints them in the reader's language
    N_("on track"): N_("access and uptake both above the provincial median"),
    N_("connected but not using"): N_(
        "access above the median but uptake below it: the service itself needs work "
        "(awareness, design, assisted channels)"
    ),
    N_("not connected"): N_(
        "access and uptake both below the median: connectivity, devices and literacy come first"
    ),
    N_("assisted channels working"): N_(
        "access below the median but uptake above it: people are reached despite weak access"
    ),
}
MIN_FIT_DISTRICTS = 3


@dataclass(frozen=True)
class UptakeFit:
    """log(uptake) = intercept + slope × access, population-weighted least squares."""

    intercept: float
    slope: float
    n_districts: int
    excluded: tuple[str, ...]
    covariance: tuple[tuple[float, float], tuple[float, float]]

    def expected(self, access: np.ndarray | float) -> np.ndarray:
        return np.exp(self.intercept + self.slope * np.asarray(access, dtype=float))

    def band(
        self, access: np.ndarray | float, level: float = 0.95
    ) -> tuple[np.ndarray, np.ndarray]:
        """The uncertainty band of the fitted line (not of single districts), on the uptake
        scale: normal approximation on the log scale."""
        x = np.asarray(access, dtype=float)
        (v00, v01), (_, v11) = self.covariance
        se = np.sqrt(np.maximum(v00 + 2 * x * v01 + x * x * v11, 0.0))
        z = NormalDist().inv_cdf(0.5 + level / 2)
        centre = self.intercept + self.slope * x
        return np.exp(centre - z * se), np.exp(centre + z * se)


def fit_uptake(frame: pd.DataFrame) -> UptakeFit | None:
    """Fit over districts with positive uptake and an access value (log(0) is undefined: a
    district with no uptake is left out and named); None with fewer than three districts."""
    usable = (
        (frame["uptake_per_1000"] > 0)
        & frame["access_index"].notna()
        & (frame["eligible_population"] > 0)
    )
    excluded = tuple(frame.loc[~usable, "district_code"])
    data = frame[usable]
    if len(data) < MIN_FIT_DISTRICTS:
        return None
    x = data["access_index"].to_numpy(dtype=float)
    y = np.log(data["uptake_per_1000"].to_numpy(dtype=float))
    w = data["eligible_population"].to_numpy(dtype=float)
    w = w / w.mean()  # weights that sum to n keep the residual variance on the usual scale
    design = np.column_stack([np.ones_like(x), x])
    weighted = design.T * w
    gram = weighted @ design
    if abs(np.linalg.det(gram)) < 1e-12:  # every district at the same access: a flat line
        mean = float(np.average(y, weights=w))
        var = float(np.average((y - mean) ** 2, weights=w)) / max(len(y) - 1, 1)
        return UptakeFit(mean, 0.0, len(data), excluded, ((var, 0.0), (0.0, 0.0)))
    beta = np.linalg.solve(gram, weighted @ y)
    residuals = y - design @ beta
    dof = max(len(y) - 2, 1)
    sigma2 = float(w @ residuals**2) / dof
    cov = sigma2 * np.linalg.inv(gram)
    return UptakeFit(
        float(beta[0]),
        float(beta[1]),
        len(data),
        excluded,
        ((cov[0, 0], cov[0, 1]), (cov[1, 0], cov[1, 1])),
    )


def quadrant(access: float, uptake: float, access_median: float, uptake_median: float) -> str:
    if any(pd.isna(v) for v in (access, uptake, access_median, uptake_median)):
        return NO_DATA
    high_access, high_uptake = access >= access_median, uptake >= uptake_median
    if high_access:
        return "on track" if high_uptake else "connected but not using"
    return "assisted channels working" if high_uptake else "not connected"


def _eligible_population(con: duckdb.DuckDBPyConnection, service: str | None) -> pd.DataFrame:
    sql = (
        "select district_code, population as eligible_population, source as population_source,"
        " year::varchar as population_year from stg_eligible_population"
        " where service_code = ? and sex = 'all' and area = 'all'"
    )
    return db.query_df(con, sql, [service or "all"])


def _parent_estimates(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    sql = (
        "select district_code, bool_or(is_parent_estimate) as access_is_parent_estimate"
        " from stg_access_components group by district_code"
    )
    return db.query_df(con, sql)


def district_frame(
    con: duckdb.DuckDBPyConnection,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """One row per district: uptake, access, the fitted expectation and its band, the gap, the
    quadrant and the unserved population; NaN (never 0) where there is no data."""
    uptake = metric_sql.fetch_view(
        con, registry.Query("uptake_per_1000", ("district",), service, month_from, month_to)
    )
    access = metric_sql.fetch_view(con, registry.Query("access_index", ("district",)))
    register = db.query_df(
        con,
        "select district_code, district_name, division, is_merged"
        " from districts order by district_code",
    )
    frame = (
        register.merge(_eligible_population(con, service), on="district_code", how="left")
        .merge(
            uptake[["district_code", "value", "numerator", "source", "year"]].rename(
                columns={
                    "value": "uptake_per_1000",
                    "numerator": "digital_transactions",
                    "source": "uptake_source",
                    "year": "uptake_year",
                }
            ),
            on="district_code",
            how="left",
        )
        .merge(
            access[["district_code", "value", "source", "year"]].rename(
                columns={"value": "access_index", "source": "access_source", "year": "access_year"}
            ),
            on="district_code",
            how="left",
        )
        .merge(_parent_estimates(con), on="district_code", how="left")
    )
    frame["access_is_parent_estimate"] = (
        frame["access_is_parent_estimate"].fillna(False).astype(bool)
    )
    return model_districts(frame)


def model_districts(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the fitted expectation, its band, the gap and its rank, the quadrant and the unserved
    population to
    a frame of districts (uptake_per_1000, access_index, eligible_population, sources)."""
    fit = fit_uptake(frame)
    if fit is None:
        frame["expected_uptake"] = frame["expected_low"] = frame["expected_high"] = np.nan
    else:
        frame["expected_uptake"] = fit.expected(frame["access_index"])
        frame["expected_low"], frame["expected_high"] = fit.band(frame["access_index"])
    frame["uptake_gap"] = frame["uptake_per_1000"] - frame["expected_uptake"]
    # the place among all the districts modelled, kept when a district officer's rows are kept
    frame["gap_rank"] = frame["uptake_gap"].rank(method="min", ascending=True).astype("Int64")
    access_median = frame["access_index"].median()
    uptake_median = frame["uptake_per_1000"].median()
    frame["quadrant"] = [
        quadrant(a, u, access_median, uptake_median)
        for a, u in zip(frame["access_index"], frame["uptake_per_1000"], strict=True)
    ]
    frame["unserved_population"] = frame["eligible_population"] * (1 - frame["access_index"] / 100)
    frame["source"] = source_texts.joined_by_row(frame, ("uptake_source", "access_source"))
    frame["year"] = joined_years(frame, ("uptake_year", "access_year"))
    return frame


def joined_years(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[str]:
    """Per row, one year or the range first-last over the named year texts."""
    return [
        year_span(" ".join(text for text in row if isinstance(text, str)))
        for row in frame[list(columns)].itertuples(index=False)
    ]


def year_span(text: str) -> str:
    years = sorted({int(y) for y in re.findall(r"\b(?:19|20)\d{2}\b", text)})
    if not years:
        return ""
    return str(years[0]) if years[0] == years[-1] else f"{years[0]}-{years[-1]}"


def concentration_index(values, population, rank_by) -> float:
    """Σ p_d (2X_d − 1) y_d ÷ μ with districts ranked by `rank_by` (ascending), X_d the
    cumulative population share to the district's midpoint and μ the population-weighted mean;
    NaN when undefined (no population, or μ = 0)."""
    data = pd.DataFrame({"y": values, "p": population, "r": rank_by}).dropna()
    data = data[data["p"] > 0].sort_values("r", kind="stable")
    if data.empty or data["p"].sum() <= 0:
        return math.nan
    share = data["p"] / data["p"].sum()
    midpoint = share.cumsum() - share / 2
    mean = float((share * data["y"]).sum())
    if mean == 0:
        return math.nan
    return float((share * (2 * midpoint - 1) * data["y"]).sum() / mean)


def representation_ratio(
    group_count: float, total_count: float, group_population: float, total_population: float
) -> float:
    """(T_g ÷ ΣT) ÷ (P_g ÷ ΣP): 1 = the group uses the service in proportion to its size."""
    if not total_count or not group_population or not total_population:
        return math.nan
    return (group_count / total_count) / (group_population / total_population)


def concentration_meaning(value: float, say: Callable[[str], str] = str) -> str:
    """One sentence saying what a concentration index means; `say` translates each marked text
    (the language's catalogue, `kp_dash.views.language`)."""
    if pd.isna(value):
        return say(N_("The concentration index cannot be computed for this selection (no uptake)."))
    if abs(value) < 0.02:
        where = N_("spread almost evenly across districts whatever their access")
    elif value > 0:
        where = N_("concentrated in the better-connected districts")
    else:
        where = N_("concentrated in the less-connected districts")
    sentence = N_(
        "Concentration index {value}: uptake is {where} (0 = even; the index runs from −1 to +1, "
        "districts ranked by access)."
    )
    return say(sentence).format(value=f"{value:+.2f}", where=say(where))
