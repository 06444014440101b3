"""WHO's summary measures of inequality (HEAT and HEAT Plus), each with its 95 % interval.

A `Dimension` is one indicator across the subgroups of one dimension (districts, sexes, age
bands…): each subgroup's estimate, its standard error and population. Which measures apply
follows WHO: two subgroups get the simple and impact measures; an ordered dimension of more
than two (age bands, wealth) adds the concentration indices and the regression-based SII and
RII; a non-ordered one of more than two (districts) adds the variance, mean-difference and
disproportionality measures. Formulas follow WHO's HEAT-Measures (the engine of HEAT Plus);
where its published code puts an interval or a standard error on another scale than its
estimate (`mld`, `ti`, `paf`, `sii`), the scale is made the estimate's here. Pure functions:
no database, no Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from kp_dash.numbers import logistic

Z = NormalDist().inv_cdf(0.975)
SEED = 123456  # the simulated intervals are the same for the same data
DRAWS = 1000  # draws of each subgroup's estimate for a simulated interval
NEAR_ZERO = 0.000001  # a zero estimate in a logarithm, as WHO replaces it

BINARY = ("d", "r", "par", "paf")
ORDERED = ("d", "r", "aci", "rci", "sii", "rii", "par", "paf")
NON_ORDERED = (
    "d", "r", "bgv", "bgsd", "cov", "mdbu", "mdbw", "mdmu", "mdmw", "mdru", "mdrw",
    "idisu", "idisw", "mld", "ti", "par", "paf",
)  # fmt: skip
_KINDS = {"binary": BINARY, "ordered": ORDERED, "non-ordered": NON_ORDERED}
WEIGHTED = frozenset(
    {"aci", "rci", "sii", "rii", "bgv", "bgsd", "cov", "mdbw", "mdmu", "mdmw", "mdrw", "idisw"}
    | {"mld", "ti", "par", "paf"}
)


class NotApplicable(ValueError):
    """A measure WHO does not apply to this dimension, or that its data cannot give."""


@dataclass(frozen=True)
class Dimension:
    """One indicator over one dimension's subgroups. `order` (1…n, the most advantaged last)
    makes it ordered; `reference` is the index of the reference subgroup; `scale` is the
    indicator's (100 for a percentage); `favourable` says whether more is better."""

    estimate: tuple[float, ...]
    se: tuple[float, ...] | None = None
    population: tuple[float, ...] | None = None
    order: tuple[int, ...] | None = None
    favourable: bool = True
    scale: float = 100.0
    reference: int | None = None
    setting_average: float | None = None

    @property
    def ordered(self) -> bool:
        return self.order is not None

    @property
    def kind(self) -> str:
        if len(self.estimate) == 2:
            return "binary"
        return "ordered" if self.ordered else "non-ordered"


@dataclass(frozen=True)
class Measure:
    code: str
    estimate: float
    se: float | None  # None where the interval is simulated, or without standard errors
    ci_lb: float | None
    ci_ub: float | None
    method: str  # 'analytic', 'simulated (1000 draws, seed 123456)' or 'none'


def applicable(dimension: Dimension) -> tuple[str, ...]:
    """The measures WHO applies to this kind of dimension (the reference-group ones only with
    a reference group, the weighted ones only with populations)."""
    codes = _KINDS[dimension.kind]
    return tuple(
        c
        for c in codes
        if (dimension.reference is not None or c not in ("mdru", "mdrw"))
        and (dimension.population is not None or c not in WEIGHTED)
    )


def measure(code: str, dimension: Dimension, draws: int = DRAWS, seed: int = SEED) -> Measure:
    """One measure with its interval; NotApplicable where WHO does not apply it here."""
    if code not in _MEASURES:
        raise NotApplicable(f"unknown measure '{code}' (known: {', '.join(sorted(_MEASURES))})")
    if code not in applicable(dimension):
        raise NotApplicable(_why_not(code, dimension))
    try:
        with np.errstate(all="raise", under="ignore"):
            found = _MEASURES[code](_Data.of(dimension, draws, seed), code)
    except NotApplicable:
        raise
    except (ArithmeticError, ValueError, np.linalg.LinAlgError) as error:  # a mean of 0, a fit
        # that diverges: what the data cannot give
        raise NotApplicable(f"{code} cannot be computed from these estimates ({error})") from None
    if not math.isfinite(found.estimate):
        raise NotApplicable(f"{code} cannot be computed from these estimates")
    bounds = (found.se, found.ci_lb, found.ci_ub)
    if any(b is not None and not math.isfinite(b) for b in bounds):
        return Measure(code, found.estimate, None, None, None, "none")
    return found


def summary(dimension: Dimension) -> list[Measure]:
    """Every applicable measure that its data can give, in WHO's order."""
    found = []
    for code in applicable(dimension):
        try:
            found.append(measure(code, dimension))
        except NotApplicable:
            continue
    return found


def compared(dimension: Dimension) -> tuple[int, int]:
    """The two subgroups `d` and `r` compare (lower, higher), as indices of the subgroups in
    the order given."""
    data = _Data.of(dimension, 0, SEED)
    low, high = data.low_high()
    return data.given(low), data.given(high)


def impact_reference(dimension: Dimension) -> int:
    """The subgroup `par` and `paf` take as the level all could reach, as an index of the
    subgroups in the order given."""
    data = _Data.of(dimension, 0, SEED)
    return data.given(data.impact_reference())


def _why_not(code: str, dimension: Dimension) -> str:
    if code in ("mdru", "mdrw") and dimension.reference is None:
        return f"{code} needs a reference subgroup"
    if code in WEIGHTED and dimension.population is None:
        return f"{code} is weighted by population, and the subgroups have none"
    kinds = [k for k, codes in _KINDS.items() if code in codes]
    article = "an" if dimension.kind == "ordered" else "a"
    return (
        f"{code} applies to {' and '.join(kinds)} dimensions, not to {article} {dimension.kind} one"
    )


@dataclass(frozen=True)
class _Data:
    """The dimension as arrays, ordered by subgroup order, with what several measures share."""

    est: np.ndarray
    se: np.ndarray | None
    pop: np.ndarray | None
    share: np.ndarray | None
    mean: float  # population-weighted, else the setting average, else NaN
    dimension: Dimension
    draws: int
    seed: int

    @classmethod
    def of(cls, dimension: Dimension, draws: int, seed: int) -> _Data:
        index = np.argsort(dimension.order, kind="stable") if dimension.ordered else None
        arrays = [
            None if values is None else np.asarray(values, dtype=float)
            for values in (dimension.estimate, dimension.se, dimension.population)
        ]
        if index is not None:
            arrays = [None if a is None else a[index] for a in arrays]
        est, se, pop = arrays
        share = None if pop is None else pop / pop.sum()
        if share is not None:
            mean = float((share * est).sum())
        elif dimension.setting_average is not None:
            mean = float(dimension.setting_average)
        else:
            mean = math.nan
        return cls(est, se, pop, share, mean, dimension, draws, seed)

    @property
    def reference(self) -> int | None:
        """The reference subgroup's index in these (ordered) arrays."""
        ref = self.dimension.reference
        if ref is None or not self.dimension.ordered:
            return ref
        return int(np.argsort(self.dimension.order, kind="stable").tolist().index(ref))

    def low_high(self) -> tuple[int, int]:
        """The subgroups `d` and `r` compare, as WHO picks them: by order (the most advantaged
        as 'high' when favourable), else by estimate, else against the reference."""
        ref, favourable = self.reference, self.dimension.favourable
        if ref is not None:
            others = [i for i in range(len(self.est)) if i != ref]
            if favourable:
                return min(others, key=lambda i: self.est[i]), ref
            return ref, max(others, key=lambda i: self.est[i])
        last = len(self.est) - 1
        if self.dimension.ordered:
            return (0, last) if favourable else (last, 0)
        return int(np.argmin(self.est)), int(np.argmax(self.est))

    def impact_reference(self) -> int:
        """The subgroup `par` and `paf` measure against: the reference, else the most
        advantaged of an ordered dimension, else the best estimate."""
        if self.reference is not None:
            return self.reference
        if self.dimension.ordered:
            return len(self.est) - 1
        return int(np.argmax(self.est) if self.dimension.favourable else np.argmin(self.est))

    def given(self, index: int) -> int:
        """An index of these arrays as an index of the dimension's subgroups as given."""
        if not self.dimension.ordered:
            return index
        return int(np.argsort(self.dimension.order, kind="stable")[index])

    def simulated(self) -> np.ndarray | None:
        """`draws` × subgroups: each estimate drawn from a normal of its standard error, kept
        within 0…scale for a percentage and above 0 otherwise (as WHO draws them)."""
        if self.se is None or np.isnan(self.se).any():
            return None
        rng = np.random.default_rng(self.seed)
        high = self.dimension.scale if self.dimension.scale == 100 else np.inf
        sims = rng.normal(self.est, self.se, size=(self.draws, len(self.est)))
        for _ in range(1000):
            bad = (sims < 0) | (sims > high)
            if not bad.any():
                return sims
            sims[bad] = rng.normal(np.broadcast_to(self.est, sims.shape)[bad],
                                   np.broadcast_to(self.se, sims.shape)[bad])  # fmt: skip
        return None

    @property
    def has_se(self) -> bool:
        return self.se is not None and not np.isnan(self.se).any()


def _analytic(code: str, value: float, se: float | None) -> Measure:
    if se is None or not math.isfinite(se):
        return Measure(code, value, None, None, None, "none")
    return Measure(code, value, se, value - Z * se, value + Z * se, "analytic")


def _simulated(code: str, data: _Data, value: float, statistic: Callable) -> Measure:
    sims = data.simulated()
    if sims is None:
        return Measure(code, value, None, None, None, "none")
    values = np.array([statistic(row) for row in sims])
    values = values[np.isfinite(values)]
    if values.size == 0:
        return Measure(code, value, None, None, None, "none")
    low, high = np.quantile(values, [0.025, 0.975])
    method = f"simulated ({data.draws} draws, seed {data.seed})"
    # draws kept within the scale lean away from a subgroup at 0 or 100 %: the interval is
    # widened to hold its estimate
    return Measure(code, value, None, min(float(low), value), max(float(high), value), method)


# --- simple measures ------------------------------------------------------------------------


def _d(data: _Data, code: str) -> Measure:
    low, high = data.low_high()
    value = float(data.est[high] - data.est[low])
    se = math.hypot(data.se[high], data.se[low]) if data.has_se else None
    return _analytic(code, value, se)


def _r(data: _Data, code: str) -> Measure:
    low, high = data.low_high()
    if data.est[low] == 0:
        raise NotApplicable("r is undefined when the lower subgroup's estimate is 0")
    ratio = float(data.est[high] / data.est[low])
    if not data.has_se:
        return Measure(code, ratio, None, None, None, "none")
    se = math.sqrt((data.se[high] ** 2 + ratio**2 * data.se[low] ** 2) / data.est[low] ** 2)
    spread = Z * se / ratio  # the interval on the log scale, taken back
    return Measure(code, ratio, se, ratio * math.exp(-spread), ratio * math.exp(spread), "analytic")


# --- variance measures (non-ordered) --------------------------------------------------------


def _bgv(data: _Data, code: str) -> Measure:
    p, est, mu = data.share, data.est, data.mean
    value = float((p * (est - mu) ** 2).sum())
    if not data.has_se:
        return _analytic(code, value, None)
    s2 = p**2 * data.se**2
    variance = 4 * (s2 * (est - mu) ** 2).sum() + 2 * (
        s2.sum() ** 2 - (s2**2).sum() + (s2 * (1 - p) ** 2 * data.se**2).sum()
    )
    return _analytic(code, value, math.sqrt(variance))


def _bgsd(data: _Data, code: str) -> Measure:
    def bgsd(x):
        return math.sqrt((data.share * (x - data.mean) ** 2).sum())

    return _simulated(code, data, bgsd(data.est), bgsd)


def _cov(data: _Data, code: str) -> Measure:
    def cov(x):
        return 100 * math.sqrt((data.share * (x - data.mean) ** 2).sum()) / data.mean

    return _simulated(code, data, cov(data.est), cov)


# --- mean differences and the index of disparity (non-ordered) -------------------------------


def _best(data: _Data, x: np.ndarray) -> float:
    return float(x.max() if data.dimension.favourable else x.min())


def _mean_difference(data: _Data, code: str) -> Measure:
    """md + b(est)/m(ean)/r(eference) + u(nweighted)/w(eighted)."""
    weights = data.share if code.endswith("w") else np.full(len(data.est), 1 / len(data.est))
    ref = data.reference

    def target(x):
        if code.startswith("mdb"):
            return _best(data, x)
        if code.startswith("mdr"):
            return x[ref]
        return float((data.share * x).sum()) if data.share is not None else float(x.mean())

    def md(x):
        return float((weights * np.abs(x - target(x))).sum())

    return _simulated(code, data, md(data.est), md)


def _idis(data: _Data, code: str) -> Measure:
    """Index of disparity: the mean absolute difference from the mean, as % of the mean;
    weighted (`idisw`) about each draw's own weighted mean, as WHO draws it."""
    if not math.isfinite(data.mean):
        raise NotApplicable(f"{code} needs populations or the setting average")

    def unweighted(x):
        return 100 * float(np.abs(x - data.mean).mean()) / data.mean

    def weighted(x):
        mean = float((data.share * x).sum())
        return 100 * float((data.share * np.abs(x - mean)).sum()) / mean

    statistic = unweighted if code == "idisu" else weighted
    return _simulated(code, data, statistic(data.est), statistic)


# --- disproportionality (non-ordered): Theil index and mean log deviation --------------------


def _mld(data: _Data, code: str) -> Measure:
    p, est = data.share, np.where(data.est == 0, NEAR_ZERO, data.est)
    value = 1000 * float((p * -np.log(est / data.mean)).sum())
    if not data.has_se:
        return _analytic(code, value, None)
    mean = float((p * est).sum())
    ratio = est / mean
    se = math.sqrt(((data.se**2 * p**2 / mean**2) * (1 - 1 / ratio) ** 2).sum())
    return _analytic(code, value, 1000 * se)  # on the estimate's scale (× 1,000)


def _ti(data: _Data, code: str) -> Measure:
    p, est = data.share, np.where(data.est == 0, NEAR_ZERO, data.est)
    ratio = est / data.mean
    value = 1000 * float((p * ratio * np.log(ratio)).sum())
    if not data.has_se:
        return _analytic(code, value, None)
    mean = float((p * est).sum())
    ratio = est / mean
    centre = (p * ratio * (1 + np.log(ratio))).sum()
    se = math.sqrt((((1 + np.log(ratio) - centre) ** 2) * p**2 * data.se**2 / mean**2).sum())
    return _analytic(code, value, 1000 * se)  # on the estimate's scale (× 1,000)


# --- impact measures ------------------------------------------------------------------------


def _impact(data: _Data, code: str) -> Measure:
    """Population attributable risk (`par`, in the indicator's units) and fraction (`paf`, %):
    how much better the whole population would be at the reference (or best) subgroup's
    level; 0 when no subgroup is better than the mean."""
    ref = data.impact_reference()
    mu, favourable = data.mean, data.dimension.favourable
    par = float(data.est[ref] - mu)
    par = max(par, 0.0) if favourable else min(par, 0.0)
    fraction_se = _fraction_se(data, ref)
    if code == "par":
        return _analytic(code, par, None if fraction_se is None else mu * fraction_se)
    percent_se = None if fraction_se is None else 100 * fraction_se  # the estimate's scale (%)
    return _analytic(code, 100 * par / mu, percent_se)


def _fraction_se(data: _Data, ref: int) -> float | None:
    """The error of the attributable fraction from the 2 × 2 table of the reference subgroup
    against the rest (as WHO computes it); None where the table is degenerate (every person,
    or none, with the outcome)."""
    scale, ref_pop, total, mu = data.dimension.scale, data.pop[ref], data.pop.sum(), data.mean
    c = data.est[ref] / scale * ref_pop
    d = ref_pop - c
    a = mu / scale * total - c
    b = total - a - ref_pop
    n = a + b + c + d
    denominator = (a + c) ** 3 * (c + d) ** 3
    variance = c * n * (a * d * (n - c) + b * c**2) / denominator if denominator > 0 else -1
    return math.sqrt(variance) if variance >= 0 else None


# --- ordered: concentration indices and the regression-based SII and RII ---------------------


def _concentration(data: _Data, code: str) -> Measure:
    """WHO's regression: 2 var(rank) (y/mean) on the fractional rank, weighted by population,
    whose slope is the relative index (`rci`; times the mean, the absolute `aci`), with its
    ordinary least-squares error."""
    w, est = data.pop, data.est
    total = w.sum()
    rank = (np.cumsum(w) - w / 2) / total
    sigma2 = float(((w / total) * (rank - 0.5) ** 2).sum())
    mean = float((w * est).sum() / total)
    root = np.sqrt(w)
    y = 2 * sigma2 * (est / mean) * root * (mean if code == "aci" else 1)
    x = np.column_stack([rank * root, root])
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    residual = y - x @ coef
    dof = len(y) - 2
    variance = float(residual @ residual) / dof * np.linalg.inv(x.T @ x) if dof > 0 else None
    se = math.sqrt(variance[0, 0]) if variance is not None else None
    return _analytic(code, float(coef[0]), se)


def _regression(data: _Data, code: str) -> Measure:
    """Slope (`sii`) and relative (`rii`) index: a logistic fit of each subgroup's events
    (estimate ÷ scale × population) on its population's mid-point rank, weighted by the
    population as WHO weights it, with a robust (HC1) variance; SII = p(1) − p(0) on the
    indicator's scale, RII = p(1) ÷ p(0)."""
    scale = data.dimension.scale
    n = np.ceil(data.pop)
    events = np.round(data.est / scale * n)
    if (events < 0).any() or (events > n).any():
        raise NotApplicable(f"{code} needs estimates within 0…{scale:g}")
    rank = (np.cumsum(n) - n / 2) / n.sum()
    x = np.column_stack([np.ones_like(rank), rank])
    beta, covariance = logistic.fit(x, events, n, weights=n)
    p0, p1 = logistic.expit(beta[0]), logistic.expit(beta[0] + beta[1])
    if code == "sii":
        gradient = np.array([p1 * (1 - p1) - p0 * (1 - p0), p1 * (1 - p1)])
        se = scale * math.sqrt(gradient @ covariance @ gradient)
        return _analytic(code, scale * (p1 - p0), se)
    ratio = p1 / p0
    gradient = np.array([p0 - p1, 1 - p1])  # of log(p1 ÷ p0)
    log_se = math.sqrt(gradient @ covariance @ gradient)
    low, high = ratio * math.exp(-Z * log_se), ratio * math.exp(Z * log_se)
    return Measure(code, ratio, ratio * log_se, low, high, "analytic")


_MEASURES: dict[str, Callable[[_Data, str], Measure]] = {
    "d": _d,
    "r": _r,
    "aci": _concentration,
    "rci": _concentration,
    "sii": _regression,
    "rii": _regression,
    "bgv": _bgv,
    "bgsd": _bgsd,
    "cov": _cov,
    "mdbu": _mean_difference,
    "mdbw": _mean_difference,
    "mdmu": _mean_difference,
    "mdmw": _mean_difference,
    "mdru": _mean_difference,
    "mdrw": _mean_difference,
    "idisu": _idis,
    "idisw": _idis,
    "mld": _mld,
    "ti": _ti,
    "par": _impact,
    "paf": _impact,
}
