"""Rank correlation of PSA parameters: Spearman targets, their check, Iman–Conover (M-44).

Correlation (``correlation``, a matrix of **Spearman** targets between the scalar
distributions; Dirichlet components are never correlated):

``iman_conover`` (default)
    Iman & Conover (1982), M-44: draws are made independently, then the columns of the
    correlated parameters are reordered. The marginal draws are kept exactly (as
    multisets), so a Latin hypercube stays stratified. The original method and R
    ``mc2d::cornode`` use the target as the Pearson correlation of the van der Waerden
    scores, so the Spearman correlation they achieve centres on ``(6/π) asin(ρ/2)``
    (0.582 for 0.6, the figure M-44 reports). Here the Spearman target is
    first converted to ``R = 2 sin(π ρ / 6)``, as for the copula, so that the achieved
    Spearman correlation centres on the target itself (0.6 for 0.6).
``copula``
    Gaussian copula, M-44: correlated normals with Pearson ``R = 2 sin(π ρ_S / 6)``,
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

import functools
import math
from collections.abc import Sequence
from typing import Literal, overload

import numpy as np
import scipy  # its submodules load on first use (scipy's lazy loading)

from rapport_cost.arrays import FloatArray
from rapport_cost.errors import ConfigError, ModelError, Problem

CorrelationMethod = Literal["iman_conover", "copula"]

#: A correlation matrix whose smallest eigenvalue is at or below this is not positive
#: definite enough to factor reliably.
PD_TOLERANCE = 1e-10

#: Tolerance for symmetry and the unit diagonal.
_EXACT = 1e-12

_IC_ATTEMPTS = 10


# --------------------------------------------------------------------------- conversions


@overload
def spearman_to_pearson(rho: float) -> float: ...


@overload
def spearman_to_pearson(rho: FloatArray) -> FloatArray: ...


def spearman_to_pearson(rho: float | FloatArray) -> float | FloatArray:
    """Pearson correlation of a bivariate normal with Spearman ``rho``: ``2 sin(π ρ / 6)``.

    M-44. A unit diagonal stays exactly one.

    Parameters
    ----------
    rho : float or ndarray of any shape
        Spearman rank correlations in [-1, 1].

    Returns
    -------
    float or ndarray of the same shape

    Examples
    --------
    >>> round(spearman_to_pearson(0.5), 7)  # M-44
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
    >>> round(pearson_to_spearman(0.5), 7)  # M-44
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
                        f"the correlation between {pair} must be a number, got {a:g} and {b:g}",
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


def pearson_factor(
    matrix: FloatArray, names: Sequence[str], method: CorrelationMethod
) -> FloatArray:
    """Validate a Spearman target and return the lower Cholesky factor the method uses.

    Both methods use the factor of the Pearson matrix ``2 sin(π ρ_S / 6)``: the copula
    for its normals, Iman–Conover for its scores (so that the achieved Spearman
    correlation centres on the target). ``method`` only words the message.

    Parameters
    ----------
    matrix : ndarray of shape (d, d)
        Spearman targets.
    names : sequence of str, length d
        Parameter names, for the messages.
    method : {"iman_conover", "copula"}

    Returns
    -------
    ndarray of shape (d, d)
        Lower-triangular P with ``P Pᵀ = 2 sin(π ρ_S / 6)``.

    Raises
    ------
    ConfigError, ValueError
        As :func:`check_correlation`.
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
    pearson_factor(matrix, names, method)


# --------------------------------------------------------------------------- Iman–Conover


@functools.lru_cache(maxsize=4)
def _van_der_waerden(n: int) -> FloatArray:
    """Scores ``Φ⁻¹(i / (n + 1))``, i = 1..n; shape (n,), read-only.

    Cached: the chunks of a PSA have one or two sizes.
    """
    scores = np.asarray(scipy.special.ndtri(np.arange(1, n + 1) / (n + 1.0)), dtype=np.float64)
    scores.flags.writeable = False
    return scores


def iman_conover_factored(
    x: FloatArray, p_chol: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """:func:`iman_conover` with the target given by its factor from :func:`pearson_factor`.

    Parameters
    ----------
    x : ndarray of shape (n, d)
        Independent draws.
    p_chol : ndarray of shape (d, d)
        Lower Cholesky factor of the Pearson target of the scores.
    rng : numpy.random.Generator
        For the score permutations.

    Returns
    -------
    ndarray of shape (n, d)
        Column j a permutation of ``x[:, j]``.
    """
    n, d = x.shape
    if n <= d:
        msg = (
            f"Iman–Conover needs more draws than correlated parameters, got {n} draw(s) "
            f"for {d} parameters; draw more at a time (M-44)"
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
        # T = S (Q⁻¹)ᵀ Pᵀ (M-44 step 4), here transposed: Tᵀ = P Q⁻¹ Sᵀ.
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
        "parameters; draw more at a time (M-44)"
    )
    raise ModelError(msg)


def iman_conover(x: FloatArray, target: FloatArray, *, rng: np.random.Generator) -> FloatArray:
    """Induce a rank correlation by reordering columns (Iman & Conover 1982; M-44).

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
        ``2 sin(π target / 6)`` (M-44), so that the achieved Spearman correlation
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
    p_chol = pearson_factor(target, names, "iman_conover")
    return iman_conover_factored(x, p_chol, rng)
