"""A binomial logistic fit weighted as WHO's HEAT weights it, with a robust (HC1) covariance:
the regression behind the slope and relative indices of inequality (`inequality`)."""

from __future__ import annotations

import math

import numpy as np


def expit(value: float) -> float:
    return 1 / (1 + math.exp(-value))


def fit(
    x: np.ndarray, events: np.ndarray, n: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood binomial logit of `events` out of `n` with prior `weights`, by
    iteratively reweighted least squares, and the HC1 sandwich covariance of its
    coefficients."""
    beta = np.zeros(x.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-(x @ beta)))
        information = x.T @ ((weights * n * p * (1 - p))[:, None] * x)
        step = np.linalg.solve(information, x.T @ (weights * (events - n * p)))
        beta = beta + step
        if np.abs(step).max() < 1e-12:
            break
    p = 1 / (1 + np.exp(-(x @ beta)))
    bread = np.linalg.inv(x.T @ ((weights * n * p * (1 - p))[:, None] * x))
    scores = (weights * (events - n * p))[:, None] * x
    rows, params = x.shape
    covariance = bread @ (scores.T @ scores) @ bread * rows / max(rows - params, 1)
    return beta, covariance
