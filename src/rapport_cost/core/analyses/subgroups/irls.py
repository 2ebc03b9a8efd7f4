"""Batched IRLS: one GLM refitted on a block of resamples at once (for the bootstrap).

Every resample has the same design X; only the frequency weights differ. Two things make the
refits fast:

1. **Distinct rows.** A GLM's IRLS step needs, for each distinct row r of X, only sums over
   its women: the weight W_r = Σ w_i and, by family, S_r = Σ w_i y_i, D_r = Σ w_i 1{y_i > 0}
   and the constants of the deviance (L_r = Σ w_i log y_i for the gamma, Σ w_i y_i log y_i
   for the Poisson). With categorical covariates there are far fewer distinct rows than
   women (a few hundred cells for 20,000 women), and the fit is exactly the same.
2. **Batched normal equations.** With Ω the working weights of a block of m resamples
   (m, R), the m information matrices are one matrix product ``Ω @ (x_r ⊗ x_r)`` of shape
   (m, p(p+1)/2) (the products of row r's entries, upper triangle; only the distinct
   columns are multiplied), the scores one product ``U @ X``, and the steps one batched
   ``numpy.linalg.solve`` of (m, p, p).

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
quadratic model is exact enough and the deviance is not computed.

A resample has converged when the Newton decrement δ = uᵀX Δ
(the expected drop in deviance) is below ``tol`` (the step is applied). δ has no
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
GUARD = 1.0

#: Failure codes of a resample, and what each means.
OK, SINGULAR, NOT_CONVERGED = 0, 2, 3
FAILURES: dict[int, str] = {
    SINGULAR: "the information matrix is singular",
    NOT_CONVERGED: "no convergence",
}


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
        The distinct columns among the products ``x_rj · x_rk``, j ≤ k (with dummies, many
        are equal, e.g. x_j² = x_j = 1·x_j, or 0 for two levels of one factor).
    pairs : ndarray of shape (p(p+1)/2,)
        Column of ``products`` of each pair j ≤ k (upper triangle, row-major).
    """

    rows: Matrix
    inverse: IntArray
    products: Matrix
    pairs: IntArray

    @classmethod
    def of(cls, x: Matrix) -> DistinctRows:
        """Find the distinct rows of ``x`` (n, p)."""
        rows, inverse = np.unique(x, axis=0, return_inverse=True)
        iu, ju = np.triu_indices(x.shape[1])
        products, pairs = np.unique(rows[:, iu] * rows[:, ju], axis=1, return_inverse=True)
        return cls(
            rows=np.ascontiguousarray(rows),
            inverse=inverse.reshape(-1).astype(np.intp),
            products=np.ascontiguousarray(products),
            pairs=pairs.reshape(-1).astype(np.intp),
        )

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
        if (
            family == "logit"
        ):  # D·softplus(-η) + (W - D)·softplus(η), softplus(-η) = softplus(η) - η
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
    """Fit one GLM to each of m resamples (Fisher scoring, warm-started).

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
    last = np.full(m, np.inf)  # the previous Newton decrement
    active = np.flatnonzero(failure == OK)
    for _ in range(MAX_ITER if max_iter is None else max_iter):
        if active.size == 0:
            break
        sub = {k: v[active] for k, v in stats.items()}
        omega, u = _working(family, eta[active], sub)
        info, empty[active] = _information(design, omega)
        score = u @ design.rows
        step, solved = _solve(info, score)
        bad = ~solved
        failure[active[bad]] = SINGULAR
        step[bad] = 0.0
        decrement = np.einsum("ap,ap->a", score, step)
        guard = last[active] > GUARD
        if guard.any():
            rows = active[guard]
            sub_g = {k: v[guard] for k, v in sub.items()}
            step[guard], eta[rows], dev[rows] = _halve(
                family, design, sub_g, eta[rows], step[guard], dev[rows]
            )
        if not guard.all():
            eta[active[~guard]] += step[~guard] @ design.rows.T
        coef[active] += step
        iterations[active] += 1
        last[active] = decrement
        active = active[~(bad | (decrement <= tol))]
    failure[active] = NOT_CONVERGED
    coef[failure != OK] = np.nan
    return BatchFit(coef=coef, failure=failure, iterations=iterations, empty=empty)
