"""Batched IRLS: one GLM refitted on a block of resamples at once (for the bootstrap).

Every resample has the same design X; only the frequency weights differ. Two things make the
refits fast:

1. **Distinct rows.** A GLM's IRLS step needs, for each distinct row r of X, only sums over
   its women: the weight W_r = Σ w_i and, by family, S_r = Σ w_i y_i, D_r = Σ w_i 1{y_i > 0}
   and the constants of the deviance (L_r = Σ w_i log y_i for the gamma, Σ w_i y_i log y_i
   for the Poisson). With categorical covariates there are fewer distinct rows than women
   (6,894 for 20,000 women with a 5-level subgroup and six covariates in
   ``benchmarks/subgroups_scale.py``; 6 with a 2-level subgroup and 3 units), and the fit
   is exactly the same. With a numeric covariate nearly every row is distinct and only
   the batching below is gained.
2. **Batched normal equations.** With Ω the working weights of a block of m resamples
   (m, R), the m information matrices are one matrix product ``Ω @ (x_r ⊗ x_r)`` of shape
   (m, p(p+1)/2) (the products of row r's entries, upper triangle; products that are 0,
   or equal to a column of X, as with dummies, are not recomputed), the scores one
   product ``U @ X``, and the steps one batched ``numpy.linalg.solve`` of (m, p, p).

Working weights ω and score terms u, per distinct row, with μ the mean and η = x·β:

* logit: μ = expit(η), ω = W μ(1 − μ), u = D − W μ;
* gamma, log link: μ = e^η, ω = S/μ, u = S/μ − W (the observed information: Newton's
  method, which converges quadratically where Fisher scoring's ω = W converges only
  linearly; the negative log-likelihood Σ w (y/μ + log μ) is convex in β, so with step
  halving Newton's method converges from any start);
* Poisson, log link: μ = e^η, ω = W μ, u = S − W μ;
* Gaussian, identity link: one weighted least-squares solve.

The step is Δ = I⁻¹ Xᵀu with I = Xᵀ Ω X (for the logit and the Poisson, whose links are
canonical, this is both Fisher scoring, as statsmodels' IRLS, and Newton's method), started
from the full-sample coefficients. Far from the optimum (previous decrement above
:data:`GUARD`) the deviance is checked and a step that raises it is halved; closer, the
quadratic model is exact enough and the deviance is not computed. Near the optimum
(see :data:`REUSE`) the previous information matrix is reused.

A resample has converged when the Newton decrement δ = uᵀX Δ (the expected drop in
deviance) is below ``tol`` (the step is applied). δ has no
cancellation error, and it also goes to 0 under quasi-separation, when a coefficient drifts
to ±∞ and the fitted probabilities of that level go to 0 or 1 (as R's and statsmodels'
deviance criteria do).

A column of X with no weight in a resample (a level no resampled woman has) has no
information: its coefficient is not identified and stays at its starting value, the rest
are fitted as if the column were not there (its row and column of the information are 0),
and :attr:`BatchFit.empty` says so. Predictions that use it are the caller's to discard.
A resample fails when the information is singular otherwise, or when it has not converged
after ``max_iter`` steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.special

from rapport_cost.arrays import BoolArray, FloatArray, IntArray, Matrix, Vector

#: Newton decrement below which a resample has converged (deviance units).
TOL = 1e-12
#: IRLS steps before a resample counts as not converged.
MAX_ITER = 50
#: Halvings of a step that raises the deviance.
MAX_HALVINGS = 20
#: The deviance is checked (and a step that raises it halved) while the previous Newton
#: decrement is above this; closer to the optimum the quadratic model is exact enough.
GUARD = 10.0
#: Below this previous decrement, when it also fell by a factor 100 or more (quadratic
#: convergence, not the slow drift of a separated level), the information matrix of the
#: previous step is reused (a chord step): the coefficients have moved by ~√(δ/I), so it
#: is all but exact, and the costly product is saved for the last step.
REUSE = 1e-3

#: Failure codes of a resample, and what each means.
OK, SINGULAR, NOT_CONVERGED = 0, 2, 3
FAILURES: dict[int, str] = {
    SINGULAR: "the information matrix is singular",
    NOT_CONVERGED: "no convergence",
}


def _products(rows: Matrix) -> tuple[Matrix, IntArray]:
    """The distinct products ``x_j · x_k`` (j ≤ k) of the columns of ``rows`` (R, p).

    With 0/1 columns most products need no multiplication: 1·x_k = x_k (intercept),
    x_j·x_j = x_j, and two levels of one factor never meet (0). The others are computed.
    Returns the product columns (R, q) and, per pair in upper-triangle order, its column.
    """
    p = rows.shape[1]
    binary: BoolArray = np.asarray(np.isin(rows, (0.0, 1.0)).all(axis=0), dtype=np.bool_)
    ones: BoolArray = np.asarray((rows == 1.0).all(axis=0), dtype=np.bool_)
    columns: list[FloatArray] = [np.zeros(rows.shape[0])]
    keys: dict[tuple[int, ...], int] = {(): 0}  # () is the zero column
    pairs = []
    for j, k in zip(*np.triu_indices(p), strict=True):
        if ones[j] or ones[k] or (j == k and binary[j]):
            key: tuple[int, ...] = (int(k if ones[j] else j),)
        elif binary[j] and binary[k] and not (rows[:, j] * rows[:, k]).any():
            key = ()
        else:
            key = (int(j), int(k))
        if key not in keys:
            keys[key] = len(columns)
            single = len(key) == 1
            columns.append(rows[:, key[0]] if single else rows[:, key[0]] * rows[:, key[1]])
        pairs.append(keys[key])
    return np.ascontiguousarray(np.column_stack(columns)), np.array(pairs, dtype=np.intp)


@dataclass(frozen=True)
class DistinctRows:
    """The distinct rows of a design and the women of each.

    Parameters
    ----------
    rows : ndarray of shape (R, p)
        Distinct rows of X.
    inverse : ndarray of shape (n,)
        Row of each woman.
    products : ndarray of shape (R, q)
        The products ``x_rj · x_rk``, j ≤ k, without repeats (with dummies many are equal:
        x_j² = x_j = 1·x_j, or 0 for two levels of one factor); column 0 is zeros.
    pairs : ndarray of shape (p(p+1)/2,)
        Column of ``products`` of each pair j ≤ k (upper triangle, row-major).
    """

    rows: Matrix
    inverse: IntArray
    products: Matrix
    pairs: IntArray

    @classmethod
    def of(cls, x: Matrix) -> DistinctRows:
        """Find the distinct rows of ``x`` (n, p) and the distinct products of columns."""
        n = x.shape[0]
        order = np.lexsort(x.T[::-1])
        ordered = x[order]
        new = np.ones(n, dtype=np.bool_)
        new[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
        inverse = np.empty(n, dtype=np.intp)
        inverse[order] = np.cumsum(new) - 1
        rows = np.ascontiguousarray(ordered[new])
        products, pairs = _products(rows)
        return cls(rows=rows, inverse=inverse, products=products, pairs=pairs)

    @property
    def n_rows(self) -> int:
        """Number of distinct rows, R."""
        return int(self.rows.shape[0])

    def sums(self, weights: Matrix, values: Matrix) -> FloatArray:
        """Σ over each row's women of ``weights × values``.

        Parameters
        ----------
        weights : ndarray of shape (m, n)
            Weight of each woman in each resample.
        values : ndarray of shape (n, k)
            Per-woman values (e.g. 1, y, 1{y > 0}).

        Returns
        -------
        ndarray of shape (k, m, R)
        """
        m = weights.shape[0]
        r = self.n_rows
        k = values.shape[1]
        idx = (np.arange(m, dtype=np.intp)[:, None] * r + self.inverse[None, :]).reshape(-1)
        out = np.empty((k, m, r))
        for j in range(k):
            wv = (weights * values[:, j][None, :]).reshape(-1)
            out[j] = np.bincount(idx, weights=wv, minlength=m * r).reshape(m, r)
        return out


@dataclass(frozen=True)
class BatchFit:
    """Coefficients of a block of resamples.

    Parameters
    ----------
    coef : ndarray of shape (m, p)
        Coefficients (NaN rows where the fit failed).
    failure : ndarray of shape (m,)
        :data:`OK` or a failure code (:data:`FAILURES`).
    iterations : ndarray of shape (m,)
        Steps taken.
    empty : ndarray of bool, shape (m, p)
        Columns of X with no weight in the resample (coefficient not identified, left at
        its starting value).
    """

    coef: Matrix
    failure: IntArray
    iterations: IntArray
    empty: BoolArray

    @property
    def ok(self) -> BoolArray:
        """Resamples whose fit succeeded."""
        ok: BoolArray = self.failure == OK
        return ok


def _softplus(x: FloatArray) -> FloatArray:
    return np.logaddexp(0.0, x)


def deviance(family: str, eta: FloatArray, stats: Mapping[str, FloatArray]) -> FloatArray:
    """Deviance of each resample, shape (m,), from the row sums ``stats`` (each (m, R))."""
    w = stats["W"]
    with np.errstate(over="ignore", invalid="ignore"):
        if family == "logit":
            # D·softplus(-η) + (W - D)·softplus(η), with softplus(-η) = softplus(η) - η
            terms = w * _softplus(eta) - stats["D"] * eta
        elif family == "gamma":
            terms = stats["S"] * np.exp(-eta) - w + w * eta - stats["L"]
        else:  # poisson
            s = stats["S"]
            terms = stats["YL"] - s * eta - s + w * np.exp(eta)
    out: FloatArray = 2.0 * terms.sum(axis=1)
    return out


def _working(
    family: str, eta: FloatArray, stats: Mapping[str, FloatArray]
) -> tuple[FloatArray, FloatArray]:
    """Working weights ω and score terms u, each (m, R)."""
    w = stats["W"]
    with np.errstate(over="ignore", invalid="ignore"):
        if family == "logit":
            mu = scipy.special.expit(eta)
            return w * mu * (1.0 - mu), stats["D"] - w * mu
        if family == "gamma":
            ratio = stats["S"] * np.exp(-eta)  # Σ w y/μ
            return ratio, ratio - w
        mu = np.exp(eta)
        return w * mu, stats["S"] - w * mu


def _unpack(upper: FloatArray, p: int) -> FloatArray:
    """(m, p(p+1)/2) upper triangles → (m, p, p) symmetric matrices."""
    iu, ju = np.triu_indices(p)
    out = np.empty((upper.shape[0], p, p))
    out[:, iu, ju] = upper
    out[:, ju, iu] = upper
    return out


def _solve(info: FloatArray, score: FloatArray) -> tuple[FloatArray, BoolArray]:
    """Batched solve; rows whose matrix is singular get NaN and ``False``."""
    step: FloatArray
    ok: BoolArray
    try:
        step = np.asarray(np.linalg.solve(info, score[..., None])[..., 0], dtype=np.float64)
        ok = np.asarray(np.isfinite(step).all(axis=1), dtype=np.bool_)
    except np.linalg.LinAlgError:
        step = np.full(score.shape, np.nan)
        ok = np.zeros(score.shape[0], dtype=np.bool_)
        for i in range(score.shape[0]):  # only when some matrix is singular
            try:
                step[i] = np.linalg.solve(info[i], score[i])
                ok[i] = bool(np.isfinite(step[i]).all())
            except np.linalg.LinAlgError:
                continue
    return step, ok


def _information(design: DistinctRows, omega: FloatArray) -> tuple[FloatArray, BoolArray]:
    """Information matrices (a, p, p) and their columns with no weight (a, p).

    A column with no weight has a zero row and column; its diagonal is set to 1 so that
    its step is 0 (its score is 0 too) and the other coefficients are solved for.
    """
    p = design.rows.shape[1]
    info = _unpack((omega @ design.products)[:, design.pairs], p)
    empty: BoolArray = np.diagonal(info, axis1=1, axis2=2) <= 0.0
    if empty.any():
        a, j = np.nonzero(empty)
        info[a, j, j] = 1.0
    return info, empty


def _least_squares(
    design: DistinctRows, stats: Mapping[str, FloatArray], start: npt.ArrayLike
) -> BatchFit:
    m, p = stats["W"].shape[0], design.rows.shape[1]
    coef = np.array(np.broadcast_to(np.asarray(start, dtype=np.float64), (m, p)))
    info, empty = _information(design, stats["W"])
    # Solve for the step from ``start`` so that an empty column keeps its start value.
    residual = stats["S"] - stats["W"] * (coef @ design.rows.T)
    step, ok = _solve(info, residual @ design.rows)
    coef += np.where(ok[:, None], step, 0.0)
    failure = np.where(ok, OK, SINGULAR).astype(np.intp)
    coef[failure != OK] = np.nan
    iterations = np.ones(m, np.intp)
    return BatchFit(coef=coef, failure=failure, iterations=iterations, empty=empty)


def _halve(
    family: str,
    design: DistinctRows,
    stats: Mapping[str, FloatArray],
    eta: FloatArray,
    step: FloatArray,
    dev_old: Vector,
) -> tuple[FloatArray, FloatArray, Vector]:
    """Apply ``step``, halving it where the deviance would rise (or be non-finite)."""
    new_eta = eta + step @ design.rows.T
    dev = deviance(family, new_eta, stats)
    for _ in range(MAX_HALVINGS):
        bad = ~np.isfinite(dev) | (dev > dev_old + 1e-9 * (np.abs(dev_old) + 1.0))
        if not bad.any():
            break
        step[bad] *= 0.5
        sub = {k: v[bad] for k, v in stats.items()}
        new_eta[bad] = eta[bad] + step[bad] @ design.rows.T
        dev[bad] = deviance(family, new_eta[bad], sub)
    return step, new_eta, dev


def fit_batch(
    family: str,
    design: DistinctRows,
    stats: Mapping[str, FloatArray],
    start: npt.ArrayLike,
    *,
    tol: float = TOL,
    max_iter: int | None = None,
) -> BatchFit:
    """Fit one GLM to each of m resamples (Newton's method, warm-started).

    Parameters
    ----------
    family
        ``logit``, ``gamma`` (log link), ``poisson`` (log link) or ``gaussian`` (identity).
    design
        The distinct rows of X.
    stats : mapping name → ndarray of shape (m, R)
        Row sums per resample: ``W`` (weights) always; ``S`` (Σ w y) for gamma, Poisson and
        Gaussian; ``D`` (Σ w 1{y > 0}) for the logit; ``L`` (Σ w log y) for the gamma;
        ``YL`` (Σ w y log y) for the Poisson.
    start : array_like of shape (p,) or (m, p)
        Starting coefficients (the full-sample fit).
    tol
        Newton decrement at which a resample has converged.
    max_iter
        Steps before a resample counts as not converged (default :data:`MAX_ITER`).

    Returns
    -------
    BatchFit
    """
    if family == "gaussian":
        return _least_squares(design, stats, start)
    m = stats["W"].shape[0]
    p = design.rows.shape[1]
    coef = np.array(np.broadcast_to(np.asarray(start, dtype=np.float64), (m, p)))
    eta = coef @ design.rows.T
    dev = deviance(family, eta, stats)
    failure = np.where(np.isfinite(dev), OK, SINGULAR).astype(np.intp)
    iterations = np.zeros(m, dtype=np.intp)
    empty = np.zeros((m, p), dtype=np.bool_)
    info_all = np.empty((m, p, p))
    last = np.full(m, np.inf)  # the previous Newton decrement
    before = np.full(m, np.inf)  # the one before
    active = np.flatnonzero(failure == OK)
    for _ in range(MAX_ITER if max_iter is None else max_iter):
        if active.size == 0:
            break
        every = active.size == m  # then no copies of the (m, R) arrays
        sub = stats if every else {k: v[active] for k, v in stats.items()}
        omega, u = _working(family, eta if every else eta[active], sub)
        # Reuse the information only in the quadratic regime (not under separation).
        fresh = (last[active] > REUSE) | (last[active] > 1e-2 * before[active])
        if fresh.any():
            rows = active[fresh]
            info_all[rows], empty[rows] = _information(design, omega[fresh])
        score = u @ design.rows
        step, solved = _solve(info_all[active], score)
        failure[active[~solved]] = SINGULAR
        step[~solved] = 0.0
        decrement = np.einsum("ap,ap->a", score, step)
        guard = last[active] > GUARD
        if guard.any():
            rows = active[guard]
            sub_g = sub if guard.all() else {k: v[guard] for k, v in sub.items()}
            step[guard], eta[rows], dev[rows] = _halve(
                family, design, sub_g, eta[rows], step[guard], dev[rows]
            )
        if not guard.all():
            eta[active[~guard]] += step[~guard] @ design.rows.T
        coef[active] += step
        iterations[active] += 1
        before[active] = last[active]
        last[active] = decrement
        active = active[solved & (decrement > tol)]
    failure[active] = NOT_CONVERGED
    coef[failure != OK] = np.nan
    return BatchFit(coef=coef, failure=failure, iterations=iterations, empty=empty)
