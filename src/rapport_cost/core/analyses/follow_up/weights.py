"""Every estimator as a linear form in the line costs: ``estimate = w · cost``.

Given the times, each estimator of :mod:`.estimators` is a sum of piece costs times weights
that depend on the piece's woman, interval and censoring cell only. So for a PSA whose line
costs are ``Q_lines @ p`` under draw ``p``, every draw's estimate is ``P @ (Q_linesᵀ w)``: one
matrix product, with the censoring curve fitted once. The weights here are worked out from
the formulas piece by piece, apart from :func:`~.estimators.estimate`'s code, so that each
checks the other.

Per piece of woman k, in interval j and censoring cell g, before its share of its line:

* AD ``1/n``; CC ``Δ_k / n_Δ``; BT ``Δ_k / (n K̂(min(T_k, τ)−))``;
* BTP ``Δ_kj / (n K̂(min(T_k, t_j)−))``, and the curve at ``t_j`` adds up those of the
  intervals up to j;
* LIN ``Ŝ(t_{j−1}) E_kj / Σ_i E_ij``, ``E_kj`` = alive at ``t_{j−1}`` and observed through j;
* ZT BT's weight plus ``(1/n) [(1 − Δ_k)/K̂(C_k) − Σ_{h ≥ g, c_h ≤ X_k} m_h / (Y_h K̂(c_h))]``,
  with ``m_h`` women censored at ``c_h``: the piece is in ``M_k(c_h)`` for every censoring
  time from its cell on while she is under observation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import scipy.sparse

from rapport_cost.arrays import IntArray, Vector
from rapport_cost.core.analyses.follow_up.censoring import (
    ZeroCensoring,
    censoring_parts,
    check_zero_censoring,
)
from rapport_cost.core.analyses.follow_up.estimators import (
    ESTIMATORS,
    LIN_INTERVAL_EMPTY,
    NO_COMPLETE_HISTORY,
    Refusal,
    lin_eligible_until,
    survival_before,
    zt_refusal,
)
from rapport_cost.core.analyses.follow_up.layout import CostLayout, summed
from rapport_cost.core.analyses.follow_up.observation import Observation


@dataclass(frozen=True)
class LineWeights:
    """Per-line weights of every estimator and of the curve.

    Parameters
    ----------
    weights
        Estimator name → weights of shape (n_lines,) with ``estimate = weights @ cost``;
        all NaN for a refused estimator.
    refused
        Estimator name → :class:`~.estimators.Refusal`, as :func:`~.estimators.estimate`
        gives them.
    curve
        Sparse matrix of shape (K, n_lines): ``np.cumsum(curve @ cost)`` is the mean
        cumulative cost curve at ``t_1..t_K``; ``curve @ cost`` are BTP's per-interval terms.
    """

    weights: Mapping[str, Vector]
    refused: Mapping[str, Refusal]
    curve: scipy.sparse.csr_array


def observed_until(obs: Observation, ends: Vector) -> IntArray:
    """For each woman the number of leading intervals with ``Δ_kj = 1``.

    ``C ≥ min(T, t_j)`` holds for every j after a seen death (``T ≤ C``); for a censored woman
    (``C < T``) exactly while ``t_j ≤ C``.
    """
    out: IntArray = np.where(
        obs.died, ends.size, np.searchsorted(ends, obs.censoring, side="right")
    )
    return out


def _lin_weights(layout: CostLayout) -> tuple[Vector, Refusal | None]:
    obs, iv = layout.observation, layout.intervals
    until = lin_eligible_until(obs, iv.starts, iv.ends)
    k = iv.n
    eligible = obs.n - np.cumsum(np.bincount(np.minimum(until, k), minlength=k + 1))[:k]
    s_prev = survival_before(obs, iv.starts)
    empty = np.flatnonzero((eligible == 0) & (s_prev > 0))
    if empty.size:
        j = int(empty[0])
        reason = (
            f"no woman alive at {iv.starts[j]:g} is observed through interval {j + 1} (to "
            f"{iv.ends[j]:g}), so Lin's mean cost in that interval is undefined"
        )
        return np.full(layout.line.size, math.nan), Refusal(LIN_INTERVAL_EMPTY, reason)
    per_interval = np.divide(s_prev, eligible, out=np.zeros(k), where=eligible > 0)
    in_mean = layout.interval < until[layout.woman]
    return np.where(in_mean, per_interval[layout.interval], 0.0), None


def _zt_piece_weights(
    layout: CostLayout, bt_piece: Vector, zero_censoring: ZeroCensoring
) -> tuple[Vector, Refusal | None]:
    obs = layout.observation
    # censoring_parts needs costs only for M̄, which the weights do not use.
    ones = np.ones(obs.n)
    parts = censoring_parts(layout, np.zeros(layout.line.size), ones, zero_censoring)
    if zero_censoring == "refuse" and parts.zero.any():
        return np.full(layout.line.size, math.nan), zt_refusal(layout, parts)
    n = obs.n
    ct = layout.censoring_times
    own_k = np.ones(n)
    own_k[obs.censored] = parts.k_used[parts.cell]
    own = np.where(obs.censored, 1.0 / own_k, 0.0)[layout.woman]
    a = parts.count / (parts.at_risk * parts.k_used)  # per censoring time c_h
    cum = np.concatenate([[0.0], np.cumsum(a)])
    last = np.searchsorted(ct, obs.time, side="right")[layout.woman]  # c_h ≤ X_k: h < last
    mean_part = np.where(last > layout.cell, cum[last] - cum[np.minimum(layout.cell, ct.size)], 0.0)
    return bt_piece + (own - mean_part) / n, None


def line_weights(layout: CostLayout, *, zero_censoring: ZeroCensoring = "refuse") -> LineWeights:
    """The weights ``w`` of every estimator with ``estimate = w · cost`` (module docstring).

    Parameters
    ----------
    layout
        The cost lines laid out on the follow-up.
    zero_censoring
        As for :func:`~.estimators.estimate`.

    Returns
    -------
    LineWeights
    """
    check_zero_censoring(zero_censoring)
    obs, iv = layout.observation, layout.intervals
    km = obs.km
    n = obs.n
    woman, j = layout.woman, layout.interval
    refused: dict[str, Refusal] = {}
    piece: dict[str, Vector] = {"AD": np.full(woman.size, 1.0 / n)}
    n_complete = int(np.count_nonzero(obs.complete))
    if n_complete:
        piece["CC"] = np.where(obs.complete, 1.0 / n_complete, 0.0)[woman]
    else:
        piece["CC"] = np.full(woman.size, math.nan)
        refused["CC"] = Refusal(
            NO_COMPLETE_HISTORY, "no woman's cost history is complete within the horizon"
        )
    k_end = km.censoring_before(obs.end)
    piece["BT"] = np.where(obs.complete, 1.0 / (n * np.where(obs.complete, k_end, 1.0)), 0.0)[woman]
    k_death = km.censoring_before(obs.death)[woman]
    k_interval = km.censoring_before(iv.ends)[j]
    observed = j < observed_until(obs, iv.ends)[woman]
    k_piece = np.maximum(k_death, k_interval)
    piece["BTP"] = np.divide(1.0, n * k_piece, out=np.zeros(woman.size), where=observed)
    piece["ZT"], zt_ref = _zt_piece_weights(layout, piece["BT"], zero_censoring)
    piece["LIN"], lin_ref = _lin_weights(layout)
    for name, ref in (("ZT", zt_ref), ("LIN", lin_ref)):
        if ref is not None:
            refused[name] = ref
    weights = {
        name: summed(layout.line, piece[name] * layout.fraction, layout.n_lines)
        for name in ESTIMATORS
    }
    for name in refused:
        weights[name] = np.full(layout.n_lines, math.nan)
    curve = scipy.sparse.csr_array(
        (piece["BTP"] * layout.fraction, (j, layout.line)), shape=(iv.n, layout.n_lines)
    )
    return LineWeights(MappingProxyType(weights), MappingProxyType(refused), curve)
