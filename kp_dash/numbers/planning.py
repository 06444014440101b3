"""Connectivity planning: which districts to prioritise, how stable that order is, and what
raising access might bring (METRICS.md, *Exclusion analysis*).

Every factor is an estimate of people left out, built on the cross-district model of
`kp_dash.numbers.analysis`; the priority score is a weighted mean of the factors scaled 0–1 across
districts. A scenario is an association across districts, not a forecast of cause.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import duckdb
import numpy as np
import pandas as pd

from kp_dash.numbers import analysis, source_texts
from kp_dash.store import db
from kp_dash.store.marks import N_

FACTORS: dict[str, str] = {  # marked: the Planning page and memo show them in Urdu too
    "unserved": N_("People the service cannot reach online"),
    "access_gap": N_("Added users expected with access at the provincial median"),
    "merged_female": N_(
        "Share of eligible people left out who are women or live in merged districts"
    ),
    "coverage_gap": N_("People without 4G coverage"),
}
DEFAULT_WEIGHTS: dict[str, float] = {
    "unserved": 0.4,
    "access_gap": 0.3,
    "merged_female": 0.2,
    "coverage_gap": 0.1,
}
COVERAGE_INDICATOR = "coverage_4g_pct"
MISSING_COVERAGE = N_(
    "Load an `indicators` file with `coverage_4g_pct` for every district (`group` `all`, "
    "`unit` `pct`) to see people without 4G coverage and the coverage gap factor."
)
CAVEAT = "an association across districts, not a forecast of cause"
SPREAD = 0.25
BAND_LEVEL = 0.95
REGISTER_COLUMNS = ["district_code", "district_name", "division", "is_merged"]


# factors -------------------------------------------------------------------------------------


def _population(con: duckdb.DuckDBPyConnection, service: str | None, sex: str) -> pd.DataFrame:
    return db.query_df(
        con,
        "select district_code, population from stg_eligible_population"
        " where service_code = ? and sex = ? and area = 'all'",
        [service or "all", sex],
    )


def coverage(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """district_code, coverage_4g_pct (the latest year that covers every district, clipped to
    0–100); None when no year does (a partial map would rank unloaded districts as covered)."""
    frame = db.query_df(
        con,
        "select district_code, least(greatest(value, 0), 100) as coverage_4g_pct"
        " from stg_indicators_current where indicator = ? and grp = 'all' and covers_all"
        " order by district_code",
        [COVERAGE_INDICATOR],
    )
    return None if frame.empty else frame


def _min_max(values: pd.Series) -> pd.Series:
    """0–1 across districts; NaN stays NaN; a factor equal everywhere scores 0 (it cannot
    separate districts, so it should not lift any)."""
    low, high = values.min(), values.max()
    if pd.isna(low) or high == low:
        return values.where(values.isna(), 0.0).astype(float)
    return (values - low) / (high - low)


def factor_frame(
    con: duckdb.DuckDBPyConnection,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """One row per district: register columns, each available factor (raw) and its 0–1 score
    (`{factor}_score`, min-max across districts).

    - unserved: eligible population × (1 − access_index/100).
    - access_gap: max(0, E(median access) − E(district access)) × eligible population ÷ 1000,
      E the fitted uptake (`analysis.fit_uptake`); NaN when there is no fit.
    - merged_female: people left out (1 − access_index/100) who are women or live in a merged
      district, counted once, as a share of the eligible population: in a merged district every
      unserved person counts, elsewhere unserved women (eligible women × (1 − access_index/100)).
    - coverage_gap: eligible population × (1 − coverage_4g_pct/100), only when coverage is
      loaded for every district (otherwise the column is absent).
    """
    frame = analysis.district_frame(con, service, month_from, month_to)
    population = frame["eligible_population"]
    out = frame[REGISTER_COLUMNS].copy()
    out["unserved"] = frame["unserved_population"]
    fit = analysis.fit_uptake(frame)
    if fit is None:
        out["access_gap"] = np.nan
    else:
        median = frame["access_index"].median()
        shortfall = fit.expected(median) - fit.expected(frame["access_index"])
        out["access_gap"] = np.maximum(shortfall, 0.0) * population / 1000
        out.loc[frame["access_index"].isna(), "access_gap"] = np.nan
    women = (
        frame[["district_code"]]
        .merge(_population(con, service, "female"), on="district_code", how="left")["population"]
        .to_numpy(dtype=float)
    )
    left_out = 1 - frame["access_index"] / 100
    counted = np.where(frame["is_merged"].astype(bool), population, women)
    out["merged_female"] = left_out * counted / population.where(population > 0)
    cover = coverage(con)
    if cover is not None:
        pct = frame[["district_code"]].merge(cover, on="district_code", how="left")
        out["coverage_gap"] = population * (1 - pct["coverage_4g_pct"].to_numpy() / 100)
    for factor in _available(out):
        out[f"{factor}_score"] = _min_max(out[factor].astype(float))
    return out


def _available(factors: pd.DataFrame) -> list[str]:
    return [f for f in FACTORS if f in factors.columns]


# priority and stability ----------------------------------------------------------------------


def _check_weights(weights: Mapping[str, float]) -> None:
    unknown = sorted(set(weights) - set(FACTORS))
    if unknown:
        raise ValueError(f"unknown factor(s) {', '.join(unknown)} (known: {', '.join(FACTORS)})")
    negative = sorted(k for k, w in weights.items() if not w >= 0)
    if negative:
        raise ValueError(f"weights must be 0 or more: {', '.join(negative)}")


def _weighted(factors: pd.DataFrame, weights: Mapping[str, float]) -> dict[str, float]:
    """The factors that count: available in the frame and weighted above 0 (a weight missing from
    `weights` is 0)."""
    _check_weights(weights)
    used = {f: float(weights[f]) for f in _available(factors) if weights.get(f, 0) > 0}
    if not used:
        raise ValueError(
            "no factor has a positive weight among the available ones: "
            + ", ".join(_available(factors))
        )
    return used


def _scores(factors: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    total = sum(weights.values())
    return sum(w * factors[f"{f}_score"] for f, w in weights.items()) / total


def _ranks(scores: pd.Series) -> pd.Series:
    """1 = highest score; ties share the best rank; a district with no score (a weighted factor
    missing) comes after every scored one."""
    return scores.rank(method="min", ascending=False, na_option="bottom").astype(int)


def priority(factors: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """score = Σ w_f × factor_score ÷ Σ w_f over available factors with w_f > 0, so a weight of 0
    removes a factor exactly; columns rank, district_code, district_name, score, then the raw
    value of each weighted factor; sorted by rank, then district code."""
    used = _weighted(factors, weights)
    score = _scores(factors, used)
    out = pd.DataFrame(
        {
            "rank": _ranks(score),
            "district_code": factors["district_code"],
            "district_name": factors["district_name"],
            "score": score,
        }
    )
    for factor in used:
        out[factor] = factors[factor]
    return out.sort_values(["rank", "district_code"], kind="stable").reset_index(drop=True)


def stability(
    factors: pd.DataFrame, weights: Mapping[str, float], spread: float = SPREAD
) -> pd.DataFrame:
    """district_code, rank_low (best) and rank_high (worst) over every combination of each
    weighted factor's weight × (1 − spread, 1, 1 + spread); the unchanged weights are one of the
    combinations, so rank_low ≤ rank ≤ rank_high."""
    used = _weighted(factors, weights)
    multipliers = (1 - spread, 1.0, 1 + spread)
    ranks = []
    for combo in itertools.product(multipliers, repeat=len(used)):
        varied = {f: w * m for (f, w), m in zip(used.items(), combo, strict=True)}
        ranks.append(_ranks(_scores(factors, varied)))
    table = pd.concat(ranks, axis=1)
    return pd.DataFrame(
        {
            "district_code": factors["district_code"],
            "rank_low": table.min(axis=1).astype(int),
            "rank_high": table.max(axis=1).astype(int),
        }
    )


def ranking(
    con: duckdb.DuckDBPyConnection,
    weights: Mapping[str, float] | None = None,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame:
    """The `plan` command's table: rank, district_code, district_name, score, rank_low,
    rank_high, then one column per weighted factor. `weights` override DEFAULT_WEIGHTS factor by
    factor (so `coverage_gap=0` alone drops just that factor)."""
    merged = {**DEFAULT_WEIGHTS, **(weights or {})}
    factors = factor_frame(con, service, month_from, month_to)
    ranked = priority(factors, merged)
    ranges = stability(factors, merged)
    out = ranked.merge(ranges, on="district_code", how="left")
    front = ["rank", "district_code", "district_name", "score", "rank_low", "rank_high"]
    return out[front + [c for c in ranked.columns if c not in front]]


# scenario ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """Expected added digital users (transactions, the unit of uptake) when the chosen districts'
    access is raised; `low`/`high` are the 95% range from the fit's uncertainty."""

    by_service: (
        pd.DataFrame
    )  # service_code, service_name, added, added_low, added_high, n_districts
    by_district: pd.DataFrame  # district_code, district_name, access_before, access_after, added
    total: float
    total_low: float
    total_high: float
    ci_before: float
    ci_after: float
    caveat: str = CAVEAT


def added_users(
    fit: analysis.UptakeFit,
    access_before: np.ndarray,
    access_after: np.ndarray,
    population: np.ndarray,
    level: float = BAND_LEVEL,
) -> tuple[np.ndarray, float, float]:
    """Per district (E(after) − E(before)) × population ÷ 1000, and the low-high range of the sum
    from the covariance behind the fit's band (delta method on the same normal approximation:
    the gradient of the sum with respect to intercept and slope)."""
    before = fit.expected(access_before)
    after = fit.expected(access_after)
    scale = np.asarray(population, dtype=float) / 1000
    added = (after - before) * scale
    total = float(np.nansum(added))
    grad = np.array(
        [
            total,
            float(np.nansum((access_after * after - access_before * before) * scale)),
        ]
    )
    variance = float(grad @ np.array(fit.covariance) @ grad)
    margin = NormalDist().inv_cdf(0.5 + level / 2) * math.sqrt(max(variance, 0.0))
    return added, total - margin, total + margin


def raise_access(access: pd.Series, chosen: pd.Series, target: float | None = None) -> pd.Series:
    """The chosen districts' access raised (never lowered) to `target`, by default the provincial
    median (of all districts, before the change)."""
    target = access.median() if target is None else target
    return access.where(~chosen, np.maximum(access, target))


def _new_access(
    con: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    chosen: pd.Series,
    target_access: float | None,
    indicator: str | None,
    level: float | None,
) -> pd.Series:
    """The access index after the change: raised (never lowered) to the target in the chosen
    districts; with an indicator, that indicator is raised and the index recomputed as the mean
    of the district's access indicators, as the access_index metric does."""
    access = frame["access_index"]
    if indicator is None:
        return raise_access(access, chosen, target_access)
    if target_access is not None:
        raise ValueError("give either target_access or indicator (with level), not both")
    parts = db.query_df(con, "select district_code, indicator, value from stg_access_components")
    wide = parts.pivot(index="district_code", columns="indicator", values="value")
    if indicator not in wide.columns:
        used = ", ".join(sorted(wide.columns))
        raise ValueError(f"'{indicator}' is not in the access index (it uses: {used})")
    target = wide[indicator].median() if level is None else level
    codes = frame.loc[chosen, "district_code"]
    wide.loc[codes, indicator] = np.maximum(wide.loc[codes, indicator], target)
    recomputed = frame["district_code"].map(wide.mean(axis=1))
    return access.where(~chosen, recomputed)


def scenario_from_frames(
    frames: Mapping[str, pd.DataFrame],
    names: Mapping[str, str],
    selection: pd.DataFrame,
    access_after: pd.Series,
    districts: Sequence[str],
) -> Scenario:
    """The scenario from district frames (`analysis.district_frame` shape): `frames` per service
    for the added users, `selection` for the concentration index before and after (the chosen
    services together), `access_after` aligned with `selection`'s rows."""
    chosen = selection["district_code"].isin(districts).to_numpy()
    access_after = pd.Series(np.asarray(access_after, dtype=float), index=selection.index)
    rows, per_district = [], pd.Series(0.0, index=selection["district_code"])
    after_by_code = dict(zip(selection["district_code"], access_after, strict=True))
    for code, frame in frames.items():
        fit = analysis.fit_uptake(frame)
        row = {"service_code": code, "service_name": names.get(code, code)}
        if fit is None:
            rows.append(
                row | {"added": np.nan, "added_low": np.nan, "added_high": np.nan, "n_districts": 0}
            )
            continue
        picked = frame[frame["district_code"].isin(districts)]
        before = picked["access_index"].to_numpy(dtype=float)
        after = picked["district_code"].map(after_by_code).to_numpy(dtype=float)
        added, low, high = added_users(
            fit, before, after, picked["eligible_population"].to_numpy(dtype=float)
        )
        per_district = per_district.add(
            pd.Series(np.nan_to_num(added), index=picked["district_code"]), fill_value=0.0
        )
        rows.append(
            row
            | {
                "added": float(np.nansum(added)),
                "added_low": low,
                "added_high": high,
                "n_districts": fit.n_districts,
            }
        )
    by_service = pd.DataFrame(
        rows,
        columns=["service_code", "service_name", "added", "added_low", "added_high", "n_districts"],
    )
    fitted = by_service.dropna(subset=["added"])
    # services are fitted separately: their ranges are added, assuming no cancelling
    total = float(fitted["added"].sum()) if len(fitted) else math.nan
    total_low = float(fitted["added_low"].sum()) if len(fitted) else math.nan
    total_high = float(fitted["added_high"].sum()) if len(fitted) else math.nan
    population = selection["eligible_population"]
    added_here = selection["district_code"].map(per_district).fillna(0.0).to_numpy()
    uptake_after = selection["uptake_per_1000"] + 1000 * added_here / population
    by_district = pd.DataFrame(
        {
            "district_code": selection["district_code"],
            "district_name": selection["district_name"],
            "access_before": selection["access_index"],
            "access_after": access_after,
            "added": added_here,
        }
    )[chosen].reset_index(drop=True)
    return Scenario(
        by_service=by_service,
        by_district=by_district,
        total=total,
        total_low=total_low,
        total_high=total_high,
        ci_before=analysis.concentration_index(
            selection["uptake_per_1000"], population, selection["access_index"]
        ),
        ci_after=analysis.concentration_index(uptake_after, population, access_after),
    )


def scenario(
    con: duckdb.DuckDBPyConnection,
    districts: list[str],
    *,
    target_access: float | None = None,
    indicator: str | None = None,
    level: float | None = None,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> Scenario:
    """Raise the chosen districts' access_index to `target_access` (or one access `indicator` to
    `level`, recomputing their index); the default target is the provincial median. Expected
    added users come from each service's fitted model (all services, or just `service`)."""
    selection = analysis.district_frame(con, service, month_from, month_to)
    unknown = sorted(set(districts) - set(selection["district_code"]))
    if unknown:
        raise ValueError(f"unknown district code(s): {', '.join(unknown)}")
    chosen = selection["district_code"].isin(districts)
    access_after = _new_access(con, selection, chosen, target_access, indicator, level)
    services = db.query_df(
        con, "select service_code, service_name from services order by service_code"
    )
    if service is not None:
        services = services[services["service_code"] == service]
    names = dict(zip(services["service_code"], services["service_name"], strict=True))
    frames = {code: analysis.district_frame(con, code, month_from, month_to) for code in names}
    return scenario_from_frames(frames, names, selection, access_after, districts)


# coverage and use ----------------------------------------------------------------------------


def coverage_usage_gap(
    con: duckdb.DuckDBPyConnection,
    service: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
) -> pd.DataFrame | None:
    """Per district: eligible population, coverage_4g_pct, people without coverage, and people
    covered but not using (covered people − digital transactions, at least 0: transactions stand
    in for users, as in uptake); None when coverage_4g_pct is not loaded for every district."""
    cover = coverage(con)
    if cover is None:
        return None
    frame = analysis.district_frame(con, service, month_from, month_to).merge(
        cover, on="district_code", how="left"
    )
    covered = frame["eligible_population"] * frame["coverage_4g_pct"] / 100
    return pd.DataFrame(
        {
            "district_code": frame["district_code"],
            "district_name": frame["district_name"],
            "eligible_population": frame["eligible_population"],
            "coverage_4g_pct": frame["coverage_4g_pct"],
            "not_covered": frame["eligible_population"] - covered,
            "covered_not_using": np.maximum(covered - frame["digital_transactions"], 0.0),
        }
    )


# provenance ----------------------------------------------------------------------------------

# What each factor is computed from (`factor_frame`): inputs of `analysis.district_frame`, which
# carries each one's `{input}_source` and `{input}_year`, and the 4G coverage of `coverage`.
FACTOR_INPUTS: dict[str, tuple[str, ...]] = {
    "unserved": ("population", "access"),
    "access_gap": ("population", "access", "uptake"),
    "merged_female": ("population", "access"),
    "coverage_gap": ("population", "coverage"),
}


def coverage_sources(indicators: pd.DataFrame) -> pd.DataFrame | None:
    """district_code, coverage_source and coverage_year of the values `coverage` uses, from the
    rows of `stg_indicators_current`; None when no year covers every district."""
    rows = indicators[
        (indicators["indicator"] == COVERAGE_INDICATOR)
        & (indicators["grp"] == "all")
        & indicators["covers_all"].astype(bool)
    ]
    if rows.empty:
        return None
    return pd.DataFrame(
        {
            "district_code": rows["district_code"],
            "coverage_source": rows["source"],
            "coverage_year": rows["year"].astype(str),
        }
    ).reset_index(drop=True)


def input_sources(
    districts: pd.DataFrame, inputs: Sequence[str], cover: pd.DataFrame | None = None
) -> pd.DataFrame:
    """district_code, source and year of each district: the distinct sources and the year span
    of the named inputs ('population', 'access', 'uptake' of `analysis.district_frame`;
    'coverage' of `coverage_sources`, when given)."""
    frame = districts if cover is None else districts.merge(cover, on="district_code", how="left")
    found = tuple(i for i in dict.fromkeys(inputs) if f"{i}_source" in frame)
    return pd.DataFrame(
        {
            "district_code": frame["district_code"],
            "source": source_texts.joined_by_row(frame, tuple(f"{i}_source" for i in found)),
            "year": analysis.joined_years(frame, tuple(f"{i}_year" for i in found)),
        }
    )
