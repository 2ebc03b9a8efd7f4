"""Quantiles of replicates: Davison-Hinkley order statistics with norm.inter (M-4)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import get_args

import numpy as np
import numpy.typing as npt
import scipy  # its submodules load on first use (scipy's lazy loading)

from rapport_cost.arrays import FloatArray
from rapport_cost.core.analyses.bootstrap.common import _RANK_RTOL, QuantileMethod, _check_choice

# ------------------------------------------------------------------------ quantiles


def quantiles(
    x: npt.ArrayLike,
    probs: npt.ArrayLike,
    *,
    method: QuantileMethod = "norm_inter",
) -> FloatArray:
    """Quantiles of simulated or bootstrap values with the convention of M-4.

    Parameters
    ----------
    x : array_like of shape (B,)
        The values (need not be sorted); must be finite.
    probs : array_like of shape (k,)
        Levels in [0, 1].
    method
        ``"norm_inter"`` (default): the p-quantile is the ((B+1)p)-th order statistic; a
        non-integer rank r is interpolated between the order statistics ``⌊r⌋`` and
        ``⌊r⌋+1`` on the normal-quantile scale (R ``boot::norm.inter``, Davison & Hinkley
        eq. 5.8). Ranks below 1 give the minimum, above B the maximum.
        ``"weibull"``: the same rank, interpolated linearly (``numpy.quantile(...,
        method="weibull")``). ``"linear"``: numpy's and scipy's default.

    Returns
    -------
    ndarray of shape (k,)

    Examples
    --------
    >>> quantiles(np.arange(1.0, 1000.0), [0.025, 0.975]).tolist()
    [25.0, 975.0]
    """
    _check_choice("method", method, get_args(QuantileMethod))
    t = np.sort(np.asarray(x, dtype=np.float64))
    p = np.atleast_1d(np.asarray(probs, dtype=np.float64))
    if t.size == 0:
        return np.full(p.shape, np.nan)
    if method != "norm_inter":
        return np.asarray(np.quantile(t, p, method=method), dtype=np.float64)
    return norm_inter(t, p)


def norm_inter(t: FloatArray, p: FloatArray) -> FloatArray:
    """R ``norm.inter`` on sorted values ``t`` of length B."""
    return norm_inter_at(lambda i: float(t[i]), t.size, p)


def _rank(alpha: float, big_b: int) -> tuple[int, float]:
    """The D&H rank (B+1)α, snapped to an integer within :data:`_RANK_RTOL`, and its floor."""
    rk = (big_b + 1) * alpha
    nearest = round(rk)
    if abs(rk - nearest) <= _RANK_RTOL * max(1.0, rk):
        rk = float(nearest)
    return math.floor(rk), rk


def norm_inter_positions(big_b: int, p: FloatArray) -> list[int]:
    """The 0-based positions of the order statistics :func:`norm_inter_at` reads, sorted."""
    needed: set[int] = set()
    for alpha in p.tolist():
        k, rk = _rank(alpha, big_b)
        if k <= 0:
            needed.add(0)
        elif k >= big_b:
            needed.add(big_b - 1)
        elif k == rk:
            needed.add(k - 1)
        else:
            needed.update((k - 1, k))
    return sorted(needed)


def norm_inter_at(value_at: Callable[[int], float], big_b: int, p: FloatArray) -> FloatArray:
    """R ``norm.inter`` from ``value_at(i)``, the order statistic at 0-based position i of B.

    Only the positions :func:`norm_inter_positions` lists are read, so the values need not
    all be sorted (e.g. ``numpy.partition`` or a selection in bounded memory).
    """
    out = np.empty(p.shape)
    for i, alpha in enumerate(p.tolist()):
        k, rk = _rank(alpha, big_b)
        if k <= 0:
            out[i] = value_at(0)
        elif k >= big_b:
            out[i] = value_at(big_b - 1)
        elif k == rk:
            out[i] = value_at(k - 1)
        else:
            z = float(scipy.special.ndtri(alpha))
            zk = float(scipy.special.ndtri(k / (big_b + 1)))
            zk1 = float(scipy.special.ndtri((k + 1) / (big_b + 1)))
            lo, hi = value_at(k - 1), value_at(k)
            out[i] = lo + (z - zk) / (zk1 - zk) * (hi - lo)
    return out


def _extreme(p: float, big_b: int, method: QuantileMethod) -> bool:
    """True when the D&H rank (B+1)p falls outside [1, B] (M-51 warning)."""
    if method == "linear":
        return False
    rk = (big_b + 1) * p
    return rk < 1.0 - _RANK_RTOL or rk > big_b + _RANK_RTOL * big_b
