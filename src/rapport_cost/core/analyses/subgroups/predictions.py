"""Recycled predictions: the adjusted mean cost of each group (M-77).

The adjusted mean of group g is the mean, over every woman, of her predicted cost with her
group set to g and her other covariates as they are:

    m̂_g = Σ_i w_i Ê[Y | x_i, group = g] / Σ_i w_i,

with ``w_i`` = 1, or the weights of M-80 (inverse probability of censoring), or a bootstrap
resample's multiplicities. Ê[Y | x] is ``expit(x·a)·exp(x·b)`` for the two-part model,
``exp(x·b)`` for the gamma and Poisson models and ``x·b`` for least squares.

The functions take a block of coefficient vectors (one row per resample) and rows of the
design with a weight per resample, so the full-sample estimate (one row, every woman a row)
and the bootstrap (many rows, distinct design rows with summed weights) share one code path.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rapport_cost.arrays import FloatArray, IntArray, Matrix


def _linear_parts(
    x: Matrix, coef: Matrix, group_columns: IntArray
) -> tuple[FloatArray, FloatArray]:
    """``x·b`` with the group dummies set to 0 (m, R), and each group's coefficient (m, G)."""
    base = x.copy()
    dummies = group_columns[group_columns >= 0]
    base[:, dummies] = 0.0
    eta_base: FloatArray = coef @ base.T
    shift = np.where(group_columns[None, :] >= 0, coef[:, np.maximum(group_columns, 0)], 0.0)
    return eta_base, shift


#: The inverse link of each part, by model.
LINKS: dict[str, dict[str, str]] = {
    "twopart": {"any": "logit", "positive": "log"},
    "gamma": {"single": "log"},
    "poisson": {"single": "log"},
    "ols": {"single": "identity"},
}


def recycled_means(
    model: str,
    x: Matrix,
    coefs: Mapping[str, Matrix],
    group_columns: IntArray,
    weights: Matrix,
) -> Matrix:
    """Adjusted mean cost of every group, for a block of coefficient vectors (M-77).

    Parameters
    ----------
    model
        ``twopart``, ``gamma``, ``poisson`` or ``ols`` (sets the inverse link of each part).
    x : ndarray of shape (R, p)
        Rows of the design (every woman, or the distinct rows).
    coefs : mapping part → ndarray of shape (m, p)
        Coefficients per resample: ``{"any": a, "positive": b}`` for the two-part model
        (``"any"`` absent when P(cost > 0) = 1), ``{"single": b}`` otherwise.
    group_columns : ndarray of shape (G,)
        Column of ``x`` of each group's dummy; -1 for the reference group.
    weights : ndarray of shape (m, R)
        Weight of each row in each resample (the sum over its women).

    Returns
    -------
    ndarray of shape (m, G)
        m̂_g in GBP per woman, per resample.
    """
    links = LINKS[model]
    total = weights.sum(axis=1)
    out = np.empty((weights.shape[0], group_columns.size))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # Per part, one transcendental pass over (m, R): the group enters as a factor.
        factors = []
        for part, coef in coefs.items():
            eta_base, shift = _linear_parts(x, coef, group_columns)
            if links[part] == "logit":  # expit(η + s) = 1 / (1 + e^-η · e^-s)
                factors.append(("logit", np.exp(-eta_base), np.exp(-shift)))
            elif links[part] == "log":  # e^(η + s) = e^η · e^s
                factors.append(("log", np.exp(eta_base), np.exp(shift)))
            else:
                factors.append(("identity", eta_base, shift))
        for g in range(group_columns.size):
            value: FloatArray = weights
            for link, base, shift in factors:
                s = shift[:, g : g + 1]
                if link == "logit":
                    value = value / (1.0 + base * s)
                elif link == "log":
                    value = value * (base * s)
                else:
                    value = value * (base + s)
            out[:, g] = value.sum(axis=1) / total
    return out


def differences(means: Matrix) -> tuple[Matrix, Matrix]:
    """Differences and ratios of group means against the reference (column 0).

    Parameters
    ----------
    means : ndarray of shape (m, G)
        Group means, reference first.

    Returns
    -------
    (difference, ratio), each of shape (m, G - 1)
        ``m_g − m_ref`` and ``m_g / m_ref`` for the non-reference groups.
    """
    ref = means[:, :1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return means[:, 1:] - ref, means[:, 1:] / ref
