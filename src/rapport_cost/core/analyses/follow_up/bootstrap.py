"""Bootstrap of the follow-up estimators, Ŝ and K̂ refitted in every resample (M-72).

Women are resampled with :func:`~rapport_cost.core.analyses.bootstrap.resample_counts`, the
project's resampling code and schemes (ordinary, stratified by unit by default, cluster):
a resample is a vector of multiplicities ``w`` (how often each woman is drawn), and every
estimator is recomputed with ``w`` as frequency weights, the Kaplan–Meier curves included
(a woman drawn twice is two women at risk).

Speed. Given the times, a weighted estimator is a handful of sums ``Σ_i w_i v_i`` grouped by
interval or by censoring cell, so a block of m resamples is one product of the ``(n, m)``
multiplicities with one fixed sparse matrix whose row blocks hold the interval costs (BTP,
Lin), and indicators and costs by censoring cell or death time (the curves' counts, BT's and
ZT's sums). It is stored by woman, so the product reads each woman's multiplicities once, and
it is scipy's single-threaded code: a BLAS product spawning threads was 3× slower on a loaded
machine. The Kaplan–Meier curves of all m resamples are cumulative
products down those ``(G, m)`` tables. No Python loop runs over women or resamples: one runs
over blocks of resamples.

Unsupported resamples. A resample in which nobody is under observation at τ while a woman is
censored at its longest follow-up cannot estimate the weighted means (M-72); its BT,
BTP, ZT, LIN and curve are NaN, counted, and left out of the SE and interval with a warning.
So are a resample's CC with no complete history and its ZT where K̂ falls to 0 (under
``zero_censoring="refuse"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse

from rapport_cost.arrays import Int64Array, IntArray, Matrix, Vector
from rapport_cost.core.analyses.bootstrap import COUNT_BLOCK, quantiles, resample_counts
from rapport_cost.core.analyses.follow_up.censoring import ZeroCensoring, check_zero_censoring
from rapport_cost.core.analyses.follow_up.estimators import (
    ESTIMATORS,
    alive_observed_until,
    cost_sums,
    estimate,
    lin_eligible_until,
)
from rapport_cost.core.analyses.follow_up.layout import CostLayout

CountScheme = Literal["ordinary", "stratified", "cluster"]
#: Warning code: some resamples gave no value for an estimator.
W_RESAMPLES_UNDEFINED = "W-RESAMPLES-UNDEFINED"
_WEIGHTED = ("BT", "BTP", "ZT", "LIN")
_COL = {name: k for k, name in enumerate(ESTIMATORS)}


def _ratio(num: Matrix, den: Matrix) -> Matrix:
    """The ratio, 0 where den = 0 (nobody of the resample there: num is 0 too)."""
    out: Matrix = np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den > 0)
    return out


class _Stack:
    """Row blocks of one sparse (rows, n) matrix, so that a block of resamples is one product.

    Stored by column (woman): the product then reads each woman's multiplicities once, in
    order, which is several times faster than by row for the large blocks.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.parts: list[tuple[IntArray, IntArray, Vector]] = []
        self.slices: dict[str, slice] = {}
        self.n_rows = 0

    def add(
        self, name: str, rows: IntArray, values: Vector, n_rows: int, cols: IntArray | None = None
    ) -> None:
        """Block ``name``: ``values`` at (``rows``, ``cols``), less rows ≥ ``n_rows`` and zeros."""
        women = np.arange(self.n, dtype=np.intp) if cols is None else cols
        keep = (rows < n_rows) & (values != 0)  # zeros add nothing but work
        self.parts.append((rows[keep] + self.n_rows, women[keep], values[keep]))
        self.slices[name] = slice(self.n_rows, self.n_rows + n_rows)
        self.n_rows += n_rows

    def build(self) -> scipy.sparse.csc_array:
        rows, cols, vals = (np.concatenate(x) for x in zip(*self.parts, strict=True))
        return scipy.sparse.csc_array((vals, (rows, cols)), shape=(self.n_rows, self.n))


@dataclass(frozen=True)
class _Prepared:
    """The fixed matrices of the weighted estimators, women in columns (module docstring).

    ``stack`` holds, by named row blocks (``slices``), every sum over women the estimators
    need (the ``alive`` block: BTP's class a, the interval costs of the women alive and
    observed at ``t_j``); ``death_pairs`` (K, P) adds each (interval, cell) pair
    of seen deaths to its interval.
    """

    n: int
    stack: scipy.sparse.csc_array
    slices: dict[str, slice]
    death_pairs: scipy.sparse.csr_array
    death_cell: IntArray  # (P,): the censoring cell of the pair, for K̂(T−)
    k_at_end: IntArray  # (K,): the censoring cell of t_j, for K̂(t_j−)
    survival_cell: IntArray  # (K,): the number of death times ≤ t_{j−1}
    censoring_times: Vector  # (G,)
    death_times: Vector  # (D,)
    k: int
    g: int
    zero_censoring: ZeroCensoring


def _prepare(layout: CostLayout, cost: npt.ArrayLike, zero_censoring: ZeroCensoring) -> _Prepared:
    obs, iv = layout.observation, layout.intervals
    n, k = obs.n, iv.n
    ct = layout.censoring_times
    g = ct.size
    piece_cost = layout.piece_costs(cost)
    sums = cost_sums(layout, piece_cost)
    total, death_cost = sums.total, sums.death
    x, died = obs.time, obs.died
    # Class a of BTP: the pieces of women alive and observed at the end of their interval.
    alive = layout.interval < alive_observed_until(obs, iv.ends)[layout.woman]
    seen = died & (x <= obs.horizon)
    j_death = np.searchsorted(iv.ends, x, "left")
    pair_key = np.where(seen, j_death * (g + 1) + np.searchsorted(ct, x, "left"), -1)
    pairs = np.unique(pair_key[seen])
    dt = obs.km.times[obs.km.deaths > 0]
    zero, one = np.zeros(n, dtype=np.intp), np.ones(n)
    gone_at = np.searchsorted(ct, x, "right")  # censoring times ≤ X_i
    cens_cell = np.where(obs.censored, np.searchsorted(ct, x, "left"), g)
    st = _Stack(n)
    st.add("size", zero, one, 1)
    st.add("total", zero, total, 1)
    st.add("complete", zero, obs.complete.astype(np.float64), 1)
    st.add("complete_total", zero, np.where(obs.complete, total, 0.0), 1)
    st.add("at_tau", zero, (x >= obs.horizon).astype(np.float64), 1)
    st.add("gone", gone_at, one, g + 1)
    st.add("gone_cost", gone_at, total, g + 1)
    st.add("censored", cens_cell, one, g)
    st.add("censored_cost", cens_cell, total, g)
    st.add("bt", np.where(obs.complete, np.searchsorted(ct, obs.end, "left"), g + 1), total, g + 1)
    st.add("cells", layout.cell, piece_cost, g, cols=layout.woman)
    st.add("alive", layout.interval, np.where(alive, piece_cost, 0.0), k, cols=layout.woman)
    pair_row = np.where(seen, np.searchsorted(pairs, pair_key), pairs.size)
    st.add("deaths", pair_row, death_cost, pairs.size)
    st.add("death_at", np.where(seen, np.searchsorted(dt, x, "left"), dt.size), one, dt.size)
    st.add("death_gone", np.searchsorted(dt, x, "right"), one, dt.size + 1)
    st.add("death_interval", np.where(seen, j_death, k), death_cost, k)
    st.add("lin_until", np.minimum(lin_eligible_until(obs, iv.starts, iv.ends), k), one, k + 1)
    return _Prepared(
        n=n,
        stack=st.build(),
        slices=st.slices,
        death_pairs=scipy.sparse.csr_array(
            (np.ones(pairs.size), (pairs // (g + 1), np.arange(pairs.size))), shape=(k, pairs.size)
        ),
        death_cell=pairs % (g + 1),
        k_at_end=np.searchsorted(ct, iv.ends, "left"),
        # Ŝ(t_{j−1}) for j ≥ 2 and Ŝ(0−) = 1 for the first interval [0, t_1].
        survival_cell=np.concatenate([[0], np.searchsorted(dt, iv.starts[1:], "right")]),
        censoring_times=ct,
        death_times=dt,
        k=k,
        g=g,
        zero_censoring=zero_censoring,
    )


def _curve_product(events: Matrix, at_risk: Matrix) -> Matrix:
    """Cumulative ∏(1 − e/Y) down the rows, with a row of ones on top: shape (rows+1, m)."""
    factor = 1.0 - _ratio(events, at_risk)
    return np.concatenate([np.ones((1, events.shape[1])), np.cumprod(factor, axis=0)])


def _block(prep: _Prepared, wt: Matrix) -> tuple[Matrix, Matrix]:
    """Estimates (m, n_estimators) and curves (m, K) for multiplicities ``wt`` of shape (n, m)."""
    k, g = prep.k, prep.g
    s = prep.stack @ wt

    def part(name: str) -> Matrix:
        out: Matrix = s[prep.slices[name]]
        return out

    size = part("size")[0]  # N* per resample
    out = np.full((wt.shape[1], len(ESTIMATORS)), np.nan)
    out[:, _COL["AD"]] = part("total")[0] / size
    n_complete = part("complete")[0]
    cc = part("complete_total")[0]
    out[:, _COL["CC"]] = np.divide(
        cc, n_complete, out=np.full(size.shape, np.nan), where=n_complete > 0
    )
    # The censoring Kaplan–Meier of every resample, on the full sample's censoring times.
    y_c = size - np.cumsum(part("gone"), axis=0)[:g]
    c_w = part("censored")
    k_before = _curve_product(c_w, y_c)  # (G+1, m): K̂(c_g−) in row g; K̂(c_g) in row g+1
    bt = _ratio(part("bt"), k_before).sum(axis=0) / size
    out[:, _COL["BT"]] = bt
    alive = part("alive")  # (K, m)
    terms = _ratio(alive, k_before[prep.k_at_end])  # K̂(t_j−) > 0 if anyone is at risk
    terms += prep.death_pairs @ _ratio(part("deaths"), k_before[prep.death_cell])
    curve = np.cumsum(terms, axis=0) / size
    out[:, _COL["BTP"]] = curve[-1]
    at_risk_cost = np.cumsum(part("cells"), axis=0) - np.cumsum(part("gone_cost"), axis=0)[:g]
    own = part("censored_cost")
    out[:, _COL["ZT"]] = _zt(prep, bt, size, y_c, c_w, k_before, own, at_risk_cost)
    d_w = part("death_at")
    y_d = size - np.cumsum(part("death_gone"), axis=0)[: d_w.shape[0]]
    s_prev = _curve_product(d_w, y_d)[prep.survival_cell]  # (K, m): Ŝ(t_{j−1})
    eligible = size - np.cumsum(part("lin_until"), axis=0)[:k]
    # Lin's eligible women: alive and observed at t_j, and the deaths seen in interval j.
    out[:, _COL["LIN"]] = _lin(s_prev, eligible, alive + part("death_interval"))
    # Nobody under observation at τ and a censoring at the resample's longest follow-up.
    last_c = _last_time(c_w, prep.censoring_times)
    last_d = _last_time(d_w, prep.death_times)
    unsupported = (part("at_tau")[0] == 0) & (last_c > -np.inf) & (last_c >= last_d)
    for name in _WEIGHTED:
        out[unsupported, _COL[name]] = np.nan
    curves: Matrix = curve.T
    curves[unsupported] = np.nan
    return out, curves


def _last_time(x: Matrix, times: Vector) -> Vector:
    """The time of the last row with a positive entry, per column; −∞ where none."""
    pos = x > 0
    if not times.size:
        return np.full(x.shape[1], -np.inf)
    row = x.shape[0] - 1 - np.argmax(pos[::-1], axis=0)
    last: Vector = np.where(pos.any(axis=0), times[row], -np.inf)
    return last


def _zt(
    prep: _Prepared,
    bt: Vector,
    size: Vector,
    y_c: Matrix,
    c_w: Matrix,
    k_before: Matrix,
    own: Matrix,
    at_risk_cost: Matrix,
) -> Vector:
    """ZT of every resample; NaN where K̂ falls to 0 under ``zero_censoring="refuse"``.

    ``own`` (G, m): the censored women's ``M_i(C_i)`` by censoring time; ``at_risk_cost``
    (G, m): ``Σ_{X_k ≥ c_g} w_k M_k(c_g)``.
    """
    g = prep.g
    k_after = k_before[1:]
    if prep.zero_censoring == "ccostr":
        k_used = np.where(k_after == 0.0, k_before[:g], k_after)
    else:
        k_used = k_after
    mean_part = _ratio(c_w * at_risk_cost, y_c * k_used).sum(axis=0)
    zt: Vector = bt + (_ratio(own, k_used).sum(axis=0) - mean_part) / size
    if prep.zero_censoring == "refuse":
        zt[((k_after == 0.0) & (c_w > 0)).any(axis=0)] = np.nan
    return zt


def _lin(s_prev: Matrix, eligible: Matrix, eligible_cost: Matrix) -> Vector:
    """Lin's estimator of every resample; NaN where an interval has nobody eligible."""
    empty = ((eligible == 0) & (s_prev > 0)).any(axis=0)
    lin: Vector = (s_prev * _ratio(eligible_cost, eligible)).sum(axis=0)
    lin[empty] = np.nan
    return lin


def resampled_estimates(
    layout: CostLayout,
    cost: npt.ArrayLike,
    counts: npt.ArrayLike,
    *,
    zero_censoring: ZeroCensoring = "refuse",
) -> tuple[Matrix, Matrix]:
    """Every estimator and the curve, with women weighted by ``counts`` (refitting Ŝ and K̂).

    Parameters
    ----------
    layout, cost
        As for :func:`~.estimators.estimate`.
    counts : array_like of shape (m, n)
        Multiplicities, e.g. a block from :func:`resample_counts`; a row of ones gives the
        full-sample estimates.
    zero_censoring
        As for :func:`~.estimators.estimate`.

    Returns
    -------
    (estimates, curves)
        Shapes (m, n_estimators) in :data:`~.estimators.ESTIMATORS` order, and (m, K).
    """
    check_zero_censoring(zero_censoring)
    prep = _prepare(layout, cost, zero_censoring)
    c = np.asarray(counts)
    if c.ndim != 2 or c.shape[1] != prep.n:
        msg = f"counts must have shape (m, {prep.n}). Got {c.shape} instead."
        raise ValueError(msg)
    return _block(prep, np.ascontiguousarray(c.T, dtype=np.float64))


@dataclass(frozen=True)
class FollowUpBootstrap:
    """Bootstrap SEs and percentile intervals of every estimator and of the curve.

    Parameters
    ----------
    estimators
        Names, in column order.
    estimate
        Full-sample estimates (:func:`~.estimators.estimate`), shape (n_estimators,).
    replicates
        Shape (B, n_estimators); NaN where a resample gives no value.
    se, low, high
        SD of the finite replicates (divisor B' − 1) and the percentile interval
        (Davison–Hinkley quantiles, M-4), shape (n_estimators,).
    n_undefined
        Resamples without a value, per estimator.
    curve, curve_replicates, curve_se, curve_low, curve_high
        The same for the curve at each interval end: (K,), (B, K), (K,) ×3.
    scheme, n_resamples, level
        The settings.
    warnings
        Texts starting with their code.
    """

    estimators: tuple[str, ...]
    estimate: Vector
    replicates: Matrix
    se: Vector
    low: Vector
    high: Vector
    n_undefined: Int64Array
    curve: Vector
    curve_replicates: Matrix
    curve_se: Vector
    curve_low: Vector
    curve_high: Vector
    scheme: str
    n_resamples: int
    level: float
    warnings: tuple[str, ...]


def _summarise(reps: Matrix, level: float) -> tuple[Vector, Vector, Vector, Int64Array]:
    """SE, interval ends and the count of NaN replicates, column by column."""
    alpha = (1.0 - level) / 2.0
    cols = reps.shape[1]
    se, low, high = np.full(cols, np.nan), np.full(cols, np.nan), np.full(cols, np.nan)
    finite = np.isfinite(reps)
    for c in range(cols):  # a loop over estimators or interval ends, not resamples
        x = reps[finite[:, c], c]
        if x.size >= 2:
            se[c] = x.std(ddof=1)
            low[c], high[c] = quantiles(x, [alpha, 1.0 - alpha])
    return se, low, high, (~finite).sum(axis=0).astype(np.int64)


def bootstrap_follow_up(
    layout: CostLayout,
    cost: npt.ArrayLike,
    groups: npt.ArrayLike | None = None,
    *,
    scheme: CountScheme = "stratified",
    n_resamples: int = 999,
    rng: np.random.Generator,
    level: float = 0.95,
    zero_censoring: ZeroCensoring = "refuse",
    block: int = COUNT_BLOCK,
) -> FollowUpBootstrap:
    """Bootstrap every follow-up estimator and the curve, refitting Ŝ and K̂ (M-72).

    Parameters
    ----------
    layout, cost
        As for :func:`~.estimators.estimate`.
    groups : array_like of shape (n,), optional
        Each woman's unit; needed by ``stratified`` (the default) and ``cluster``.
    scheme
        ``"stratified"`` (women within units, M-50), ``"ordinary"`` (M-50) or ``"cluster"``
        (units, M-50).
    n_resamples
        B.
    rng
        The random generator (M-3).
    level
        Coverage of the percentile interval.
    zero_censoring
        As for :func:`~.estimators.estimate`.
    block
        Resamples per block of :func:`resample_counts` (changing it changes the streams).

    Returns
    -------
    FollowUpBootstrap
    """
    check_zero_censoring(zero_censoring)
    if not 0.0 < level < 1.0:
        msg = f"level must be between 0 and 1. Got {level!r} instead."
        raise ValueError(msg)
    full = estimate(layout, cost, zero_censoring=zero_censoring, se=False)
    prep = _prepare(layout, cost, zero_censoring)
    reps = np.empty((n_resamples, len(ESTIMATORS)))
    curves = np.empty((n_resamples, layout.intervals.n))
    counts = resample_counts(
        groups, prep.n, scheme=scheme, n_resamples=n_resamples, rng=rng, block=block
    )
    for start, c in counts:
        stop = start + c.shape[0]
        reps[start:stop], curves[start:stop] = _block(
            prep, np.ascontiguousarray(c.T, dtype=np.float64)
        )
    se, low, high, undefined = _summarise(reps, level)
    c_se, c_low, c_high, _ = _summarise(curves, level)
    return FollowUpBootstrap(
        estimators=ESTIMATORS,
        estimate=np.array([full.estimates[name] for name in ESTIMATORS]),
        replicates=reps,
        se=se,
        low=low,
        high=high,
        n_undefined=undefined,
        curve=full.curve,
        curve_replicates=curves,
        curve_se=c_se,
        curve_low=c_low,
        curve_high=c_high,
        scheme=scheme,
        n_resamples=n_resamples,
        level=level,
        warnings=_warnings(ESTIMATORS, undefined, n_resamples),
    )


def _warnings(names: Sequence[str], undefined: Int64Array, b: int) -> tuple[str, ...]:
    return tuple(
        f"{W_RESAMPLES_UNDEFINED}: {name} has no value in {int(u)} of {b} resamples (nobody "
        "under observation at the horizon, no complete history, or an empty interval); its SE "
        f"and interval use the other {b - int(u)}"
        for name, u in zip(names, undefined.tolist(), strict=True)
        if u
    )
