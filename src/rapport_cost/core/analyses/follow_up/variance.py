"""Analytic standard errors of BT and ZT, as R ccostr codes them (M-70).

ccostr's ``R/ccmean.R`` (CRAN version, sections 5 and 6) computes, with n women sorted by
``min(X, τ)``, ``K_k = K̂`` at a complete woman's time, ``K_i = K̂(C_i)`` and
``S_i = Ŝ(C_i)`` (both right-continuous) for a censored one, and ``M_k`` her cost within τ:

* ``GA_i = (1/(n S_i)) Σ_{X_k ≥ C_i} Δ_k M_k² / K_k`` and ``GB_i`` the same with ``M_k``;
* ``var(BT) = (1/n) [(1/n) Σ Δ_k (M_k − BT)² / K_k + (1/n) Σ (1 − Δ_i)(GA_i − GB_i²) / K_i²]``
  (Bang & Tsiatis 2000, §3);
* ``gm_i = (1/(n S_i)) Σ_{X_k ≥ C_i} Δ_k M_k(C_i) / K_k`` and ``gmm_i`` the same with
  ``M_k · M_k(C_i)``; ``M̄_i`` and ``M̄²_i`` the means of ``M_k(C_i)`` and ``M_k(C_i)²`` over
  ``X_k ≥ C_i``;
* ``var(ZT) = var(BT) − (2/n²) Σ (1 − Δ_i)(gmm_i − GB_i gm_i) / K_i²
  + (1/n²) Σ (1 − Δ_i)(M̄²_i − M̄_i²) / K_i²`` (Zhao & Tian 2001, §2).

Here every sum runs in O(pieces + n log n) rather than ccostr's loop over censored women:
sums over ``X_k ≥ c`` are cumulative sums over women sorted by X, sums of ``M_k(c)`` are
cumulative sums of the pieces by censoring cell less the women gone before c, and
``Σ M_k(c)²`` telescopes: each piece adds ``(after)² − (before)²`` of its woman's running
cost. Two differences from ccostr, both only at ties or in degenerate data: a complete
woman's ``K_k`` is ``K̂(min(T_k, τ)−)`` (M-69; ccostr takes K̂ at the time, which differs
only when a censoring ties with her death), and ``M̄`` counts a woman under observation with
no cost yet as 0 (ccostr leaves out a person with no cost row starting by then).
"""

from __future__ import annotations

import numpy as np

from rapport_cost.arrays import FloatArray, Vector
from rapport_cost.core.analyses.follow_up.censoring import CensoringParts
from rapport_cost.core.analyses.follow_up.layout import CostLayout, summed


def _safe_ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    """The ratio, 0 where den = 0 (num is then 0 by construction: nobody complete is left)."""
    out: FloatArray = np.divide(num, den, out=np.zeros(num.shape), where=den > 0)
    return out


def _cells_at_risk(layout: CostLayout, piece_values: Vector, final: Vector) -> Vector:
    """``Σ_{X_k ≥ c_g}`` of a per-woman running sum at each censoring time, shape (G,).

    ``piece_values`` add up, piece by piece, to a woman's running quantity at ``c_g`` (those
    in cells ≤ g), and ``final`` is its value for a woman gone before ``c_g``.
    """
    g = layout.censoring_times.size
    upto = np.cumsum(summed(layout.cell, piece_values, g + 1)[:g])
    out: Vector = upto - layout.observation.sum_before(final, layout.censoring_times)
    return out


def _squares_at_risk(layout: CostLayout, piece_cost: Vector, total: Vector) -> Vector:
    """``Σ_{X_k ≥ c_g} M_k(c_g)²`` at each censoring time, by telescoping, shape (G,)."""
    key = layout.woman.astype(np.int64) * layout.n_cells + layout.cell
    # Lines usually come by woman and time: then the pieces are in order already.
    in_order = bool(np.all(key[1:] >= key[:-1]))
    order = np.arange(key.size) if in_order else np.argsort(key, kind="stable")
    pc = piece_cost[order]
    woman = layout.woman[order]
    cum = np.cumsum(pc)
    first = np.flatnonzero(np.concatenate([[True], woman[1:] != woman[:-1]]))
    run_start = np.repeat(cum[first] - pc[first], np.diff(np.append(first, pc.size)))
    after = cum - run_start  # her running cost including this piece
    increments = np.empty_like(pc)
    increments[order] = pc * (2.0 * after - pc)  # after² − before²
    return _cells_at_risk(layout, increments, total * total)


def analytic_variances(
    layout: CostLayout,
    piece_cost: Vector,
    total: Vector,
    bt: float,
    k_complete: Vector,
    parts: CensoringParts,
) -> tuple[float, float]:
    """The analytic SEs of BT and ZT (module docstring).

    Parameters
    ----------
    layout, piece_cost
        The pieces and their costs.
    total
        ``M_i(min(X_i, τ))``, shape (n,).
    bt
        The BT estimate.
    k_complete
        ``K̂(min(T_i, τ)−)`` for complete women (anything elsewhere), shape (n,).
    parts
        From :func:`~.censoring.censoring_parts`.

    Returns
    -------
    (float, float)
        The variances of BT and of ZT. A censored woman at whose time K̂ is 0 adds 0 to
        var(BT): nobody complete is left, so ``GA_i = GB_i = 0``. Either can be negative in
        a small sample (each is a sum of separately estimated terms; var(ZT) subtracts a
        covariance): the caller then gives no SE.
    """
    obs = layout.observation
    n = obs.n
    comp = obs.complete
    x = obs.time
    inv_k = np.where(comp, 1.0 / k_complete, 0.0)
    first = float(np.sum(inv_k * (total - bt) ** 2)) / n
    cens = obs.censored
    ci = x[cens]
    n_s = n * obs.km.survival_at(ci)  # n·Ŝ(C_i) > 0: she is at risk and censored at C_i
    ga = obs.sum_from(inv_k * total**2, ci) / n_s
    gb = obs.sum_from(inv_k * total, ci) / n_s
    k2 = parts.k_used[parts.cell] ** 2
    second = float(np.sum(_safe_ratio(ga - gb**2, k2))) / n
    bt_var = (first + second) / n
    if parts.cell.size == 0:
        return bt_var, bt_var
    v = inv_k[layout.woman] * piece_cost
    gm = _cells_at_risk(layout, v, inv_k * total)[parts.cell] / n_s
    gmm = _cells_at_risk(layout, v * total[layout.woman], inv_k * total**2)[parts.cell] / n_s
    mean = parts.mean_cost[parts.cell]
    mean_sq = (_squares_at_risk(layout, piece_cost, total) / parts.at_risk)[parts.cell]
    cross = float(np.sum(_safe_ratio(gmm - gb * gm, k2)))
    spread = float(np.sum(_safe_ratio(mean_sq - mean**2, k2)))
    zt_var = bt_var - 2.0 / n**2 * cross + spread / n**2
    return bt_var, zt_var
