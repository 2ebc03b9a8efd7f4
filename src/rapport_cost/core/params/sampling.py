"""Draw PSA parameter matrices: sampling designs and rank correlation (M-44, M-45).

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
    The balance properties need N to be a power of two (M-45): pass ``n_draws`` to the
    sampler and it warns with :class:`SobolBalanceWarning` once, at construction, if N
    is not one. SciPy's own warning about the size of the first chunk is silenced.

In every design the uniforms are clipped to [1e-12, 1 − 1e-12] before an inverse CDF (M-45).

Correlation (``correlation``, a matrix of **Spearman** targets between the scalar
distributions; Dirichlet components are never correlated) is induced by Iman–Conover
(default, which keeps the marginal draws exactly) or a Gaussian copula; see
:mod:`rapport_cost.core.params.correlation`. Parameters that are fixed, or whose
correlations are all zero, are never touched by the correlation step.

Inverse CDFs (``lhs``, ``sobol``, the copula) are evaluated a parameter at a time on the
available CPUs (SciPy's special functions release the GIL); each parameter's column is
the same, bit for bit, whatever the number of threads.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Literal, NamedTuple

import numpy as np
import scipy  # its submodules load on first use (scipy's lazy loading)

from rapport_cost.arrays import FloatArray
from rapport_cost.core.params.correlation import (
    PD_TOLERANCE,
    CorrelationMethod,
    check_correlation,
    iman_conover,
    iman_conover_factored,
    pearson_factor,
    pearson_to_spearman,
    spearman_to_pearson,
)
from rapport_cost.core.params.distributions import (
    DirichletDistribution,
    Distribution,
    FixedDistribution,
)
from rapport_cost.errors import RapportWarning

__all__ = [
    "PD_TOLERANCE",
    "U_MAX",
    "U_MIN",
    "CorrelationMethod",
    "ParameterSampler",
    "Sampling",
    "SobolBalanceWarning",
    "check_correlation",
    "iman_conover",
    "pearson_to_spearman",
    "spearman_to_pearson",
]

Sampling = Literal["mc", "lhs", "sobol"]

#: Uniforms are clipped to [U_MIN, U_MAX] before any inverse CDF (M-45).
U_MIN = 1e-12
U_MAX = 1.0 - 1e-12


class SobolBalanceWarning(RapportWarning):
    """A Sobol' PSA whose number of draws is not a power of two (M-45)."""


# --------------------------------------------------------------------------- sampler


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _in_threads(jobs: Sequence[Callable[[], None]]) -> None:
    """Run the jobs (each fills its own columns) on the available CPUs."""
    workers = min(_cpus(), len(jobs))
    if workers <= 1:
        for job in jobs:
            job()
        return
    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()


def _is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


class _Columns(NamedTuple):
    """Where each distribution's draws go: output columns and uniform columns.

    ``slices[i]`` are the output columns of distribution ``i`` (one, or k for a
    Dirichlet), ``u_slices[i]`` its columns of uniforms (``None`` for a fixed parameter,
    which needs none); ``scalar`` the indices of the scalar distributions.
    """

    slices: tuple[slice, ...]
    u_slices: tuple[slice | None, ...]
    n_columns: int
    n_uniforms: int
    scalar: list[int]

    @classmethod
    def of(cls, dists: Sequence[Distribution | DirichletDistribution]) -> _Columns:
        """The columns of ``dists``, in their order."""
        slices: list[slice] = []
        u_slices: list[slice | None] = []
        col = ucol = 0
        scalar: list[int] = []  # index in dists of each scalar distribution
        for i, d in enumerate(dists):
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
        return cls(tuple(slices), tuple(u_slices), col, ucol, scalar)


def _correlated_group(
    dists: Sequence[Distribution | DirichletDistribution],
    scalar: list[int],
    correlation: FloatArray | None,
    method: CorrelationMethod,
) -> tuple[list[int], FloatArray]:
    """The distributions the correlation step acts on, and the factor of their targets.

    ``correlation`` (shape ``(n_scalar, n_scalar)``, Spearman targets between the scalar
    distributions ``scalar`` of ``dists``) is validated whole; the group is the random
    scalar parameters with a non-zero target to another one. Returns their indices into
    ``dists`` and the factor of their correlation matrix for ``method``, shape
    ``(n_group, n_group)`` (``([], (0, 0))`` when there is none).
    """
    if correlation is None:
        return [], np.empty((0, 0))
    m = np.asarray(correlation, dtype=np.float64)
    if m.shape != (len(scalar), len(scalar)):
        msg = (
            f"correlation must have shape ({len(scalar)}, {len(scalar)}), one row per "
            f"scalar distribution, got {m.shape}"
        )
        raise ValueError(msg)
    names = [f"parameter {k + 1} ({dists[i].describe()})" for k, i in enumerate(scalar)]
    pearson_factor(m, names, method)  # validates the whole matrix
    random = [k for k, i in enumerate(scalar) if not isinstance(dists[i], FixedDistribution)]
    sub = m[np.ix_(random, random)]
    linked = [random[j] for j in range(len(random)) if np.any(np.delete(sub[j], j) != 0.0)]
    if not linked:
        return [], np.empty((0, 0))
    target = m[np.ix_(linked, linked)]
    chol = pearson_factor(target, [names[k] for k in linked], method)
    return [scalar[k] for k in linked], chol


def _sobol_engine(
    sampling: Sampling, n_draws: int | None, n_uniforms: int, rng: np.random.Generator
) -> scipy.stats.qmc.Sobol | None:
    """The one Sobol' engine of a ``sobol`` sampler (``None`` otherwise, or without uniforms).

    Warns with :class:`SobolBalanceWarning`, at the sampler's caller, when ``n_draws`` is
    given and not a power of two (M-45).
    """
    if sampling != "sobol":
        return None
    if n_draws is not None and not _is_power_of_two(n_draws):
        lo = 1 << max(n_draws.bit_length() - 1, 0)
        msg = (
            f"Sobol' sampling with {n_draws} draws: the balance properties need a "
            f"power of two, e.g. {lo} or {lo * 2} (M-45)"
        )
        warnings.warn(msg, SobolBalanceWarning, stacklevel=3)
    if n_uniforms > 0:
        return scipy.stats.qmc.Sobol(n_uniforms, scramble=True, rng=rng)
    return None


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
        copula's normals under ``mc``), a separate stream as M-3 asks; ``rng``
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
        columns = _Columns.of(self.dists)
        self.slices: tuple[slice, ...] = columns.slices
        self.n_columns: int = columns.n_columns
        self._u_slices = columns.u_slices
        self._n_uniforms = columns.n_uniforms
        # The correlated group: random scalar parameters with a non-zero correlation to
        # another random scalar parameter. Everything else is drawn independently.
        self._group, self._chol = _correlated_group(
            self.dists, columns.scalar, correlation, correlation_method
        )
        in_group = set(self._group)
        self._independent = [
            i for i, d in enumerate(self.dists)
            if i not in in_group and not isinstance(d, FixedDistribution)
        ]  # fmt: skip
        self._fixed = [i for i, d in enumerate(self.dists) if isinstance(d, FixedDistribution)]
        self._sobol = _sobol_engine(sampling, n_draws, self._n_uniforms, rng)

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
            out[:, cols] = iman_conover_factored(out[:, cols], self._chol, self._score_rng)
        return out

    def _draw_mc(self, n: int, out: FloatArray, *, copula: bool) -> None:
        if copula:
            z = self._score_rng.standard_normal((n, len(self._group))) @ self._chol.T
            u = np.asfortranarray(np.clip(scipy.special.ndtr(z), U_MIN, U_MAX))
            _in_threads([self._ppf_job(i, u[:, j], out) for j, i in enumerate(self._group)])
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

    def _ppf_job(self, i: int, u: FloatArray, out: FloatArray) -> Callable[[], None]:
        """Fill the columns of distribution ``i`` from its uniforms ``u`` (n,) or (n, k)."""
        d = self.dists[i]

        def job() -> None:
            if isinstance(d, DirichletDistribution):
                out[:, self.slices[i]] = d.from_uniforms(u)
            else:
                out[:, self.slices[i].start] = d.ppf(u)

        return job

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
        u = np.asfortranarray(u)  # one parameter's uniforms contiguous
        jobs = []
        for i, us in enumerate(self._u_slices):
            if us is not None:
                cols = (
                    u[:, us] if isinstance(self.dists[i], DirichletDistribution) else u[:, us.start]
                )
                jobs.append(self._ppf_job(i, cols, out))
        _in_threads(jobs)

    def _u_start(self, i: int) -> int:
        us = self._u_slices[i]
        assert us is not None
        return int(us.start)
