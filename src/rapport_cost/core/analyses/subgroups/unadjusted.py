"""Unadjusted comparisons: per group n, mean, SD and share with zero cost (M-75).

With weights (M-80, or frequency weights) the statistics are weighted: the mean is
Σ w y / Σ w, the SD uses the frequency-weight divisor Σ w − 1, and the share with zero cost
is Σ w 1{y = 0} / Σ w. ``n`` counts the women with a positive weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rapport_cost.arrays import FloatArray, Int64Array, IntArray, Matrix, Vector


@dataclass(frozen=True)
class GroupSummary:
    """M-75 statistics of each group, reference first.

    Parameters
    ----------
    n : ndarray of shape (G,)
        Women with a positive weight.
    mean, sd, share_zero : ndarray of shape (G,)
        Mean cost (GBP), SD (GBP; NaN for one woman), share of women with zero cost.
    """

    n: Int64Array
    mean: Vector
    sd: Vector
    share_zero: Vector


def group_summary(
    y: npt.ArrayLike, codes: IntArray, n_groups: int, weights: npt.ArrayLike | None = None
) -> GroupSummary:
    """Per-group statistics (M-75).

    Parameters
    ----------
    y : array_like of shape (n,)
        Cost per woman, GBP.
    codes : ndarray of shape (n,)
        Group of each woman, 0 = the reference.
    n_groups
        G.
    weights : array_like of shape (n,), optional
        Frequency weights (default 1).

    Returns
    -------
    GroupSummary
    """
    yv = np.asarray(y, dtype=np.float64)
    w = np.ones(yv.size) if weights is None else np.asarray(weights, dtype=np.float64)
    total = np.bincount(codes, weights=w, minlength=n_groups)
    n = np.bincount(codes, weights=(w > 0).astype(float), minlength=n_groups).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(codes, weights=w * yv, minlength=n_groups) / total
        dev2 = np.bincount(codes, weights=w * (yv - mean[codes]) ** 2, minlength=n_groups)
        sd = np.where(total > 1, np.sqrt(dev2 / (total - 1)), np.nan)
        share = np.bincount(codes, weights=w * (yv == 0), minlength=n_groups) / total
    return GroupSummary(n=n, mean=mean, sd=sd, share_zero=share)


def group_weights(weights: FloatArray, row_groups: IntArray, n_groups: int) -> Matrix:
    """Σ w over each group's women per resample, (m, G), from the distinct-row sums (m, R)."""
    onehot = (row_groups[:, None] == np.arange(n_groups)[None, :]).astype(np.float64)
    out: Matrix = weights @ onehot
    return out


def unadjusted_means(
    sums: FloatArray, weights: FloatArray, row_groups: IntArray, n_groups: int
) -> Matrix:
    """Mean cost of each group in each resample, from the distinct-row sums.

    Parameters
    ----------
    sums, weights : ndarray of shape (m, R)
        Σ w y and Σ w over each distinct row's women, per resample.
    row_groups : ndarray of shape (R,)
        Group of each distinct row.
    n_groups
        G.

    Returns
    -------
    ndarray of shape (m, G)
        NaN for a group with no weight in a resample.
    """
    onehot = (row_groups[:, None] == np.arange(n_groups)[None, :]).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: Matrix = (sums @ onehot) / (weights @ onehot)
    return out
