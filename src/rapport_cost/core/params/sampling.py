"""Draw PSA parameter matrices: sampling designs and rank correlation (METHODS P-3, P-4).

:class:`ParameterSampler` turns fitted distributions (:mod:`rapport_cost.core.params.distributions`)
into a matrix of draws of shape (n, n_columns), one chunk at a time, so that a PSA of
1,000,000 draws never holds more than one chunk of parameters in memory.

Sampling designs (``sampling``):

``mc``
    Simple Monte Carlo, drawn straight from NumPy's generators (``rng.gamma`` …).
``lhs``
    Latin hypercube (``scipy.stats.qmc.LatinHypercube``) mapped through each inverse CDF.
    **Each chunk is its own Latin hypercube**: a chunk of n draws has exactly one draw in
    each of the n equiprobable strata of every margin; strata are not coordinated across
    chunks, so a PSA run in several chunks is a union of independent hypercubes.
``sobol``
    Scrambled Sobol' points (``scipy.stats.qmc.Sobol(d, scramble=True)``) mapped through
    each inverse CDF. One engine persists across chunks, so the chunks together are the
    first N points of one sequence and chunk sizes do not matter; only the total N does.
    The balance properties need N to be a power of two (P-4): pass ``n_draws`` to the
    sampler and it warns with :class:`SobolBalanceWarning` once, at construction, if N
    is not one. SciPy's own warning about the size of the first chunk is silenced.

In every design the uniforms are clipped to [1e-12, 1 − 1e-12] before an inverse CDF (P-4).

Correlation (``correlation``, a matrix of **Spearman** targets between the scalar
distributions; Dirichlet components are never correlated):

``iman_conover`` (default)
    Iman & Conover (1982), P-3 (c): draws are made independently, then the columns of the
    correlated parameters are reordered. The marginal draws are kept exactly (as
    multisets), so a Latin hypercube stays stratified. The original method and R
    ``mc2d::cornode`` use the target as the Pearson correlation of the van der Waerden
    scores, so the Spearman correlation they achieve centres on ``(6/π) asin(ρ/2)``
    (0.582 for 0.6, the figure METHODS §8 T25 reports). Here the Spearman target is
    first converted to ``R = 2 sin(π ρ / 6)``, as for the copula, so that the achieved
    Spearman correlation centres on the target itself (0.6 for 0.6).
``copula``
    Gaussian copula, P-3 (b): correlated normals with Pearson ``R = 2 sin(π ρ_S / 6)``,
    so that the Spearman correlation equals the target. Under ``mc`` the normals are
    drawn directly; under ``lhs`` and ``sobol`` the design's uniforms are mapped to
    normals, correlated through the Cholesky factor and mapped back, so only the first
    correlated column keeps its exact stratification (use Iman–Conover to keep all).

Both methods factor the same Pearson matrix ``2 sin(π ρ_S / 6)``, which must be positive
definite (it can fail to be where the matrix of Spearman targets is, and vice versa).
Parameters that are fixed, or whose correlations are all zero, are never touched by the
correlation step. Impossible targets raise :class:`~rapport_cost.errors.ConfigError`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Literal, overload

import numpy as np
import scipy  # its submodules load on first use (scipy's lazy loading)

from rapport_cost.arrays import FloatArray
from rapport_cost.core.params.distributions import (
    DirichletDistribution,
    Distribution,
    FixedDistribution,
)
from rapport_cost.errors import ConfigError, ModelError, Problem, RapportWarning

Sampling = Literal["mc", "lhs", "sobol"]
CorrelationMethod = Literal["iman_conover", "copula"]

#: Uniforms are clipped to [U_MIN, U_MAX] before any inverse CDF (METHODS P-4).
U_MIN = 1e-12
U_MAX = 1.0 - 1e-12

#: A correlation matrix whose smallest eigenvalue is at or below this is not positive
#: definite enough to factor reliably.
PD_TOLERANCE = 1e-10

#: Tolerance for symmetry and the unit diagonal.
_EXACT = 1e-12

_IC_ATTEMPTS = 10


class SobolBalanceWarning(RapportWarning):
    """A Sobol' PSA whose number of draws is not a power of two (METHODS P-4)."""


# --------------------------------------------------------------------------- conversions


@overload
def spearman_to_pearson(rho: float) -> float: ...


@overload
def spearman_to_pearson(rho: FloatArray) -> FloatArray: ...


def spearman_to_pearson(rho: float | FloatArray) -> float | FloatArray:
    """Pearson correlation of a bivariate normal with Spearman ``rho``: ``2 sin(π ρ / 6)``.

    METHODS P-3 (b). A unit diagonal stays exactly one.

    Parameters
    ----------
    rho : float or ndarray of any shape
        Spearman rank correlations in [-1, 1].

    Returns
    -------
    float or ndarray of the same shape

    Examples
    --------
    >>> round(spearman_to_pearson(0.5), 7)  # METHODS §8 T10
    0.5176381
    """
    if isinstance(rho, float | int):
        r = float(rho)
        return 1.0 if r == 1.0 else 2.0 * math.sin(math.pi * r / 6.0)
    arr = np.asarray(rho, dtype=np.float64)
    return np.where(arr == 1.0, 1.0, 2.0 * np.sin(np.pi * arr / 6.0))


@overload
def pearson_to_spearman(r: float) -> float: ...


@overload
def pearson_to_spearman(r: FloatArray) -> FloatArray: ...


def pearson_to_spearman(r: float | FloatArray) -> float | FloatArray:
    """Spearman correlation of a bivariate normal with Pearson ``r``: ``(6/π) asin(r / 2)``.

    The inverse of :func:`spearman_to_pearson`.

    Parameters
    ----------
    r : float or ndarray of any shape
        Pearson correlations in [-1, 1].

    Returns
    -------
    float or ndarray of the same shape

    Examples
    --------
    >>> round(pearson_to_spearman(0.5), 7)  # METHODS §8 T10
    0.4825837
    """
    if isinstance(r, float | int):
        x = float(r)
        return 1.0 if x == 1.0 else 6.0 / math.pi * math.asin(x / 2.0)
    arr = np.asarray(r, dtype=np.float64)
    return np.where(arr == 1.0, 1.0, 6.0 / np.pi * np.arcsin(arr / 2.0))


# --------------------------------------------------------------------------- validation


def _entry_problems(m: FloatArray, names: Sequence[str]) -> list[Problem]:
    problems: list[Problem] = []
    d = m.shape[0]
    for i in range(d):
        if not (math.isfinite(m[i, i]) and abs(m[i, i] - 1.0) <= _EXACT):
            problems.append(
                Problem(
                    f"the correlation of {names[i]} with itself must be 1, got {m[i, i]:.6g}",
                    field="correlations",
                    code="diagonal",
                )
            )
        for j in range(i + 1, d):
            a, b = m[i, j], m[j, i]
            pair = f"{names[i]} and {names[j]}"
            if not (math.isfinite(a) and math.isfinite(b)):
                problems.append(
                    Problem(
                        f"the correlation between {pair} must be a number, got {a!r} and {b!r}",
                        field="correlations",
                        code="not_finite",
                    )
                )
            elif abs(a - b) > _EXACT:
                problems.append(
                    Problem(
                        f"the correlation between {pair} is given as {a:.6g} and as {b:.6g}; "
                        "the matrix must be symmetric",
                        field="correlations",
                        code="not_symmetric",
                    )
                )
            elif not -1.0 < a < 1.0:
                problems.append(
                    Problem(
                        f"the correlation between {pair} must lie strictly between -1 and 1, "
                        f"got {a:.6g}",
                        field="correlations",
                        code="out_of_range",
                    )
                )
    return problems


def _factor(matrix: FloatArray, names: Sequence[str], method: CorrelationMethod) -> FloatArray:
    """Validate a Spearman target and return the lower Cholesky factor the method uses.

    Both methods use the factor of the Pearson matrix ``2 sin(π ρ_S / 6)``: the copula
    for its normals, Iman–Conover for its scores (so that the achieved Spearman
    correlation centres on the target). ``method`` only words the message.
    """
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or len(names) != m.shape[0]:
        msg = (
            f"a correlation matrix must be square with one name per row, got shape "
            f"{m.shape} and {len(names)} name(s)"
        )
        raise ValueError(msg)
    problems = _entry_problems(m, names)
    if problems:
        msg = f"{len(problems)} problem(s) in the correlations"
        raise ConfigError(msg, problems)
    m = (m + m.T) / 2.0
    np.fill_diagonal(m, 1.0)
    m = spearman_to_pearson(m)
    user = "the Gaussian copula" if method == "copula" else "Iman–Conover"
    which = f"the Pearson matrix 2·sin(π·ρ/6) that {user} uses for these Spearman targets"
    eigval, eigvec = np.linalg.eigh(m)
    smallest = float(eigval[0])
    chol: FloatArray | None = None
    if smallest > PD_TOLERANCE:
        try:
            chol = np.asarray(np.linalg.cholesky(m), dtype=np.float64)
        except np.linalg.LinAlgError:
            chol = None
    if chol is None:
        weight = np.abs(eigvec[:, 0])
        involved = [names[int(i)] for i in np.flatnonzero(weight >= 0.5 * weight.max())]
        text = (
            f"the correlations are not positive definite, so they cannot be induced: "
            f"{which} has smallest eigenvalue {smallest:.6g} (must be > 0); the "
            f"inconsistency involves mainly {', '.join(involved)}; weaken some of their "
            "correlations"
        )
        raise ConfigError(text, [Problem(text, field="correlations", code="not_positive_definite")])
    return chol


def check_correlation(
    matrix: FloatArray,
    names: Sequence[str],
    *,
    method: CorrelationMethod = "iman_conover",
) -> None:
    """Check a matrix of Spearman targets before sampling.

    The matrix must be symmetric with a unit diagonal and off-diagonal entries strictly
    between -1 and 1, and its Pearson conversion ``2 sin(π ρ / 6)``, which both methods
    factor, must be positive definite (that can fail when the Spearman matrix itself is
    positive definite, and vice versa).

    Parameters
    ----------
    matrix : ndarray of shape (d, d)
        Spearman targets between d parameters.
    names : sequence of str, length d
        Parameter names, used in the messages.
    method : {"iman_conover", "copula"}, default "iman_conover"
        The correlation method that will use the matrix.

    Raises
    ------
    ConfigError
        Listing every bad entry, or, for a matrix that is not positive definite, its
        smallest eigenvalue and the parameters most involved.
    ValueError
        If the matrix is not square or ``names`` has the wrong length (a caller bug).
    """
    _factor(matrix, names, method)


# --------------------------------------------------------------------------- Iman–Conover


def _van_der_waerden(n: int) -> FloatArray:
    """Scores ``Φ⁻¹(i / (n + 1))``, i = 1..n; shape (n,)."""
    return np.asarray(scipy.special.ndtri(np.arange(1, n + 1) / (n + 1.0)), dtype=np.float64)


def _iman_conover(x: FloatArray, p_chol: FloatArray, rng: np.random.Generator) -> FloatArray:
    """Reorder the columns of ``x`` (n, d) towards the target whose Cholesky factor is given."""
    n, d = x.shape
    if n <= d:
        msg = (
            f"Iman–Conover needs more draws than correlated parameters, got {n} draw(s) "
            f"for {d} parameters; draw more at a time (METHODS P-3 (c))"
        )
        raise ModelError(msg)
    scores = _van_der_waerden(n)
    for _ in range(_IC_ATTEMPTS):
        # Work with rows = parameters: each row an independent permutation of the scores.
        s = rng.permuted(np.tile(scores, (d, 1)), axis=1)
        e = np.corrcoef(s)
        try:
            q = np.linalg.cholesky(e)
        except np.linalg.LinAlgError:
            continue  # collinear permutations, possible only for very small n
        # T = S (Q⁻¹)ᵀ Pᵀ (P-3 (c) step 4), here transposed: Tᵀ = P Q⁻¹ Sᵀ.
        # P Q⁻¹ is d × d: solve Qᵀ Xᵀ = Pᵀ rather than inverting Q.
        t = np.linalg.solve(q.T, p_chol.T).T @ s
        order = np.argsort(t, axis=1)
        xs = np.array(x.T, dtype=np.float64, order="C")  # rows contiguous for the sort
        xs.sort(axis=1)
        out = np.empty((d, n), dtype=np.float64)
        np.put_along_axis(out, order, xs, axis=1)
        return out.T
    msg = (
        f"Iman–Conover could not build uncorrelated rank scores for {n} draws of {d} "
        "parameters; draw more at a time (METHODS P-3 (c))"
    )
    raise ModelError(msg)


def iman_conover(x: FloatArray, target: FloatArray, *, rng: np.random.Generator) -> FloatArray:
    """Induce a rank correlation by reordering columns (Iman & Conover 1982; METHODS P-3 (c)).

    1. Score matrix S: each column an independent random permutation of the van der
       Waerden scores ``Φ⁻¹(i / (n + 1))``.
    2. ``E = corr(S) = QQᵀ`` and ``R = 2 sin(π target / 6) = PPᵀ`` (lower Cholesky factors).
    3. ``T = S (Q⁻¹)ᵀ Pᵀ`` has Pearson correlation exactly ``R``.
    4. Each column of ``x`` is reordered so that its ranks equal those of T's column.

    Parameters
    ----------
    x : ndarray of shape (n, d)
        Independent draws, one column per parameter; not modified.
    target : ndarray of shape (d, d)
        Spearman targets. The scores are given the Pearson correlation
        ``2 sin(π target / 6)`` (P-3 (b)), so that the achieved Spearman correlation
        centres on ``target`` (the original method, which uses ``target`` itself, reaches
        about ``(6/π) asin(target / 2)``).
    rng : numpy.random.Generator
        For the score permutations.

    Returns
    -------
    ndarray of shape (n, d)
        Column j is a permutation of ``x[:, j]``.

    Raises
    ------
    ConfigError
        If ``target`` is not a valid, positive definite correlation matrix.
    ModelError
        If ``n <= d`` (too few draws to carry d independent score columns).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != np.shape(target)[0]:
        msg = f"x must have shape (n, d) matching target {np.shape(target)}, got {x.shape}"
        raise ValueError(msg)
    names = [f"column {j}" for j in range(x.shape[1])]
    p_chol = _factor(target, names, "iman_conover")
    return _iman_conover(x, p_chol, rng)


# --------------------------------------------------------------------------- sampler


def _is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


class ParameterSampler:
    """Draw matrices of PSA parameters, chunk by chunk.

    Parameters
    ----------
    dists : sequence of Distribution or DirichletDistribution
        In column order: a scalar distribution is one column, a Dirichlet with k
        categories k consecutive columns.
    sampling : {"mc", "lhs", "sobol"}, default "mc"
        Sampling design (see the module docstring).
    correlation : ndarray of shape (n_scalar, n_scalar), optional
        Spearman targets between the scalar distributions, in their order in ``dists``
        (Dirichlets skipped); identity where uncorrelated. ``None`` means independent.
    correlation_method : {"iman_conover", "copula"}, default "iman_conover"
        How the correlations are induced (see the module docstring).
    rng : numpy.random.Generator
        The source of the marginal draws: Monte Carlo draws advance it; the Sobol' engine
        (once) and each Latin hypercube (per chunk) get a child generator that SciPy
        spawns from it.
    score_rng : numpy.random.Generator, optional
        The source of the correlation step (Iman–Conover score permutations, the
        copula's normals under ``mc``), a separate stream as METHODS G-3 asks; ``rng``
        when not given.
    n_draws : int, optional
        Total number of draws planned. With ``sampling="sobol"`` a total that is not a
        power of two triggers a :class:`SobolBalanceWarning`; otherwise unused.

    Raises
    ------
    ConfigError
        If ``correlation`` is invalid or not positive definite for the chosen method.
    ValueError
        If the arguments are inconsistent (unknown design, wrong matrix shape).

    Notes
    -----
    The same distributions, settings, seed and sequence of chunk sizes give the same
    draws bit for bit. Under ``sobol`` (without Iman–Conover, which permutes within a
    chunk) the chunks are also exactly the rows of one large draw.
    """

    def __init__(
        self,
        dists: Sequence[Distribution | DirichletDistribution],
        *,
        sampling: Sampling = "mc",
        correlation: FloatArray | None = None,
        correlation_method: CorrelationMethod = "iman_conover",
        rng: np.random.Generator,
        score_rng: np.random.Generator | None = None,
        n_draws: int | None = None,
    ) -> None:
        if sampling not in ("mc", "lhs", "sobol"):
            msg = f"sampling must be 'mc', 'lhs' or 'sobol', got {sampling!r}"
            raise ValueError(msg)
        if correlation_method not in ("iman_conover", "copula"):
            msg = (
                f"correlation_method must be 'iman_conover' or 'copula', got {correlation_method!r}"
            )
            raise ValueError(msg)
        self.dists: tuple[Distribution | DirichletDistribution, ...] = tuple(dists)
        self.sampling: Sampling = sampling
        self.correlation_method: CorrelationMethod = correlation_method
        self._rng = rng
        self._score_rng = rng if score_rng is None else score_rng

        # Output columns and uniform columns (fixed parameters need no uniforms).
        slices: list[slice] = []
        u_slices: list[slice | None] = []
        col = ucol = 0
        scalar: list[int] = []  # index in dists of each scalar distribution
        for i, d in enumerate(self.dists):
            width = d.k if isinstance(d, DirichletDistribution) else 1
            slices.append(slice(col, col + width))
            col += width
            if isinstance(d, FixedDistribution):
                u_slices.append(None)
            else:
                u_slices.append(slice(ucol, ucol + width))
                ucol += width
            if not isinstance(d, DirichletDistribution):
                scalar.append(i)
        self.slices: tuple[slice, ...] = tuple(slices)
        self.n_columns: int = col
        self._u_slices = tuple(u_slices)
        self._n_uniforms = ucol

        # The correlated group: random scalar parameters with a non-zero correlation to
        # another random scalar parameter. Everything else is drawn independently.
        self._group: list[int] = []  # indices into dists
        self._chol = np.empty((0, 0))
        if correlation is not None:
            m = np.asarray(correlation, dtype=np.float64)
            if m.shape != (len(scalar), len(scalar)):
                msg = (
                    f"correlation must have shape ({len(scalar)}, {len(scalar)}), one row per "
                    f"scalar distribution, got {m.shape}"
                )
                raise ValueError(msg)
            names = [
                f"parameter {k + 1} ({self.dists[i].describe()})" for k, i in enumerate(scalar)
            ]
            _factor(m, names, correlation_method)  # validates the whole matrix
            random = [
                k for k, i in enumerate(scalar) if not isinstance(self.dists[i], FixedDistribution)
            ]
            sub = m[np.ix_(random, random)]
            linked = [random[j] for j in range(len(random)) if np.any(np.delete(sub[j], j) != 0.0)]
            if linked:
                target = m[np.ix_(linked, linked)]
                self._chol = _factor(target, [names[k] for k in linked], correlation_method)
                self._group = [scalar[k] for k in linked]
        in_group = set(self._group)
        self._independent = [
            i
            for i, d in enumerate(self.dists)
            if i not in in_group and not isinstance(d, FixedDistribution)
        ]
        self._fixed = [i for i, d in enumerate(self.dists) if isinstance(d, FixedDistribution)]

        self._sobol: scipy.stats.qmc.Sobol | None = None
        if sampling == "sobol":
            if n_draws is not None and not _is_power_of_two(n_draws):
                lo = 1 << max(n_draws.bit_length() - 1, 0)
                msg = (
                    f"Sobol' sampling with {n_draws} draws: the balance properties need a "
                    f"power of two, e.g. {lo} or {lo * 2} (METHODS P-4)"
                )
                warnings.warn(msg, SobolBalanceWarning, stacklevel=2)
            if self._n_uniforms > 0:
                self._sobol = scipy.stats.qmc.Sobol(self._n_uniforms, scramble=True, rng=rng)

    @property
    def n_correlated(self) -> int:
        """Number of parameters the correlation step acts on."""
        return len(self._group)

    def draw(self, n: int) -> FloatArray:
        """Draw the next ``n`` parameter vectors.

        Parameters
        ----------
        n : int
            Number of draws in this chunk (>= 0).

        Returns
        -------
        ndarray of shape (n, n_columns)
            One row per draw, columns in the order of ``dists`` (see :attr:`slices`).

        Raises
        ------
        ModelError
            With Iman–Conover, if ``n`` is not larger than the number of correlated
            parameters.
        """
        if n < 0:
            msg = f"n must be >= 0, got {n}"
            raise ValueError(msg)
        out = np.empty((n, self.n_columns), dtype=np.float64)
        for i in self._fixed:
            d = self.dists[i]
            assert isinstance(d, FixedDistribution)
            out[:, self.slices[i]] = d.value
        if n == 0:
            return out
        copula = self.correlation_method == "copula" and bool(self._group)
        if self.sampling == "mc":
            self._draw_mc(n, out, copula=copula)
        else:
            self._draw_qmc(n, out, copula=copula)
        if self._group and self.correlation_method == "iman_conover":
            cols = [self.slices[i].start for i in self._group]
            out[:, cols] = _iman_conover(out[:, cols], self._chol, self._score_rng)
        return out

    def _draw_mc(self, n: int, out: FloatArray, *, copula: bool) -> None:
        if copula:
            z = self._score_rng.standard_normal((n, len(self._group))) @ self._chol.T
            u = np.clip(scipy.special.ndtr(z), U_MIN, U_MAX)
            for j, i in enumerate(self._group):
                d = self.dists[i]
                assert isinstance(d, Distribution)
                out[:, self.slices[i].start] = d.ppf(u[:, j])
            todo = self._independent
        else:
            todo = self._independent + self._group
            todo.sort()
        for i in todo:
            d = self.dists[i]
            if isinstance(d, DirichletDistribution):
                out[:, self.slices[i]] = d.sample(n, self._rng)
            else:
                out[:, self.slices[i].start] = d.sample(n, self._rng)

    def _uniforms(self, n: int) -> FloatArray:
        if self._sobol is not None:
            with warnings.catch_warnings():
                # Only the total number of draws matters for a persistent engine; see
                # the module docstring and SobolBalanceWarning.
                warnings.filterwarnings(
                    "ignore", message="The balance properties of Sobol", category=UserWarning
                )
                return np.asarray(self._sobol.random(n), dtype=np.float64)
        lhs = scipy.stats.qmc.LatinHypercube(self._n_uniforms, rng=self._rng)
        return np.asarray(lhs.random(n), dtype=np.float64)

    def _draw_qmc(self, n: int, out: FloatArray, *, copula: bool) -> None:
        if self._n_uniforms == 0:
            return
        u = self._uniforms(n)
        np.clip(u, U_MIN, U_MAX, out=u)
        if copula:
            idx = [self._u_start(i) for i in self._group]
            z = scipy.special.ndtri(u[:, idx]) @ self._chol.T
            u[:, idx] = np.clip(scipy.special.ndtr(z), U_MIN, U_MAX)
        for i, d in enumerate(self.dists):
            us = self._u_slices[i]
            if us is None:
                continue
            if isinstance(d, DirichletDistribution):
                out[:, self.slices[i]] = d.from_uniforms(u[:, us])
            else:
                out[:, self.slices[i].start] = d.ppf(u[:, us.start])

    def _u_start(self, i: int) -> int:
        us = self._u_slices[i]
        assert us is not None
        return int(us.start)
