"""Fitted parameter distributions for the PSA (M-43).

A config distribution (:mod:`rapport_cost.config`: ``Gamma``, ``Beta``, …) states what the
user wrote, e.g. a mean and a standard error. :func:`from_spec` fits it once into one of
the small frozen dataclasses below, which hold the *native* parameters (shape and scale,
alpha and beta, …) and do the numerics:

* ``sample(n, rng)`` draws directly with NumPy's generators (``rng.gamma``, ``rng.beta``,
  …); this is the fast path used by simple Monte Carlo.
* ``ppf(u)`` is the vectorised inverse CDF (scipy.stats), used to map the uniforms of a
  Latin hypercube, a Sobol' sequence or a Gaussian copula to the marginal.
* ``mean()``, ``var()``, ``params()``, ``support()`` and ``describe()`` feed the CHEERS
  parameter table.

A :class:`DirichletDistribution` is a vector of shares that sum to one; it has ``k``
components and is kept apart from the scalar :class:`Distribution` interface.

Impossible inputs are rejected by the config models. What can still go wrong here is
floating point (e.g. a mean of 1e200 with an SE of 1e-200 gives an infinite gamma shape);
that raises :class:`~rapport_cost.errors.ModelError`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, overload

import numpy as np
import scipy  # its submodules load on first use (scipy's lazy loading)

from rapport_cost.arrays import FloatArray
from rapport_cost.config import (
    Beta,
    Dirichlet,
    Fixed,
    Gamma,
    Lognormal,
    Normal,
    Pert,
    Triangular,
    Uniform,
)
from rapport_cost.errors import ModelError

#: Every config distribution :func:`from_spec` accepts.
DistSpec = Fixed | Gamma | Beta | Lognormal | Normal | Uniform | Triangular | Pert | Dirichlet

#: The 97.5% quantile of the standard normal, used to turn a 95% CI into a lognormal sigma
#: (M-43: 1.959964 to six decimals).
Z_975: float = 1.959963984540054  # scipy.stats.norm.ppf(0.975), a literal: no scipy import


def _fmt(x: float) -> str:
    """Six significant figures, without a trailing ``.0`` (``25.0`` → ``25``)."""
    return f"{x:.6g}"


def _require(ok: bool, family: str, what: str, values: dict[str, float]) -> None:
    """Raise :class:`ModelError` unless ``ok``; the message names the family and values."""
    if not ok:
        got = ", ".join(f"{k}={v!r}" for k, v in values.items())
        msg = f"{family}: {what}, got {got}"
        raise ModelError(msg)


def _finite(*xs: float) -> bool:
    return all(math.isfinite(x) for x in xs)


def _exp(x: float) -> float:
    """``math.exp`` that overflows to ``inf`` instead of raising."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _as_float_array(x: object) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


# --------------------------------------------------------------------------- scalar families


class Distribution(ABC):
    """A fitted univariate distribution of one PSA parameter.

    Subclasses are frozen dataclasses holding the native parameters; build them with
    :func:`from_spec` or directly.
    """

    __slots__ = ()

    #: Family name used by :meth:`describe`, e.g. ``"gamma"``.
    family: ClassVar[str]

    @abstractmethod
    def mean(self) -> float:
        """Return the expected value."""

    @abstractmethod
    def var(self) -> float:
        """Return the variance."""

    @abstractmethod
    def ppf(self, u: FloatArray) -> FloatArray:
        """Inverse CDF, vectorised.

        Parameters
        ----------
        u : ndarray of shape (n,)
            Probabilities in [0, 1]. Samplers clip them to [1e-12, 1 - 1e-12] first (M-45).

        Returns
        -------
        ndarray of shape (n,)
            The quantiles, float64.
        """

    @abstractmethod
    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """Draw ``n`` values directly from NumPy's generator (no inverse CDF).

        Parameters
        ----------
        n : int
            Number of draws.
        rng : numpy.random.Generator
            Source of randomness; it is advanced.

        Returns
        -------
        ndarray of shape (n,)
        """

    @abstractmethod
    def params(self) -> dict[str, float]:
        """Native parameters for a CHEERS parameter table, e.g. ``{"shape": 25, "scale": 40}``."""

    @abstractmethod
    def support(self) -> tuple[float, float]:
        """Smallest and largest possible value (``±inf`` when unbounded)."""

    def sd(self) -> float:
        """Return the standard deviation, ``sqrt(var())``."""
        return math.sqrt(self.var())

    def describe(self) -> str:
        """Short text such as ``gamma(shape=25, scale=40)``."""
        args = ", ".join(f"{k}={_fmt(v)}" for k, v in self.params().items())
        return f"{self.family}({args})"


@dataclass(frozen=True, slots=True)
class FixedDistribution(Distribution):
    """No uncertainty: every draw equals ``value``."""

    value: float
    family: ClassVar[str] = "fixed"

    def __post_init__(self) -> None:
        _require(_finite(self.value), "fixed", "the value must be finite", {"value": self.value})

    def mean(self) -> float:
        """Return the value."""
        return self.value

    def var(self) -> float:
        """Zero."""
        return 0.0

    def ppf(self, u: FloatArray) -> FloatArray:
        """Return the value at every probability; shape of ``u``."""
        return np.full(np.shape(u), self.value, dtype=np.float64)

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """``n`` copies of the value; ``rng`` is not used."""
        return np.full(n, self.value, dtype=np.float64)

    def params(self) -> dict[str, float]:
        """``{"value": value}``."""
        return {"value": self.value}

    def support(self) -> tuple[float, float]:
        """``(value, value)``."""
        return (self.value, self.value)


@dataclass(frozen=True, slots=True)
class GammaDistribution(Distribution):
    """Gamma with ``shape`` k and ``scale`` θ (mean kθ, variance kθ²).

    Examples
    --------
    M-43: mean 1000 and SE 200 give k = 1000²/200² = 25, θ = 200²/1000 = 40.

    >>> d = GammaDistribution.from_mean_se(1000.0, 200.0)
    >>> d.describe()
    'gamma(shape=25, scale=40)'
    """

    shape: float
    scale: float
    family: ClassVar[str] = "gamma"

    def __post_init__(self) -> None:
        _require(
            _finite(self.shape, self.scale) and self.shape > 0 and self.scale > 0,
            "gamma",
            "shape and scale must be finite and > 0",
            {"shape": self.shape, "scale": self.scale},
        )

    @classmethod
    def from_mean_se(cls, mean: float, se: float) -> GammaDistribution:
        """Fit by the method of moments (M-43): ``k = m²/s²``, ``θ = s²/m``."""
        return cls(shape=(mean / se) * (mean / se), scale=se * (se / mean))

    @property
    def rate(self) -> float:
        """``1 / scale``."""
        return 1.0 / self.scale

    def mean(self) -> float:
        """``k θ``."""
        return self.shape * self.scale

    def var(self) -> float:
        """``k θ²``."""
        return self.shape * self.scale * self.scale

    def ppf(self, u: FloatArray) -> FloatArray:
        """Inverse CDF (``scipy.stats.gamma``); shape of ``u``."""
        return _as_float_array(scipy.stats.gamma.ppf(u, self.shape, scale=self.scale))

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """``rng.gamma(shape, scale, n)``; shape (n,)."""
        return rng.gamma(self.shape, self.scale, n)

    def params(self) -> dict[str, float]:
        """``{"shape": k, "scale": θ}``."""
        return {"shape": self.shape, "scale": self.scale}

    def support(self) -> tuple[float, float]:
        """``(0, inf)``."""
        return (0.0, math.inf)


@dataclass(frozen=True, slots=True)
class BetaDistribution(Distribution):
    """Beta with shape parameters ``alpha`` and ``beta`` on [0, 1]."""

    alpha: float
    beta: float
    family: ClassVar[str] = "beta"

    def __post_init__(self) -> None:
        _require(
            _finite(self.alpha, self.beta) and self.alpha > 0 and self.beta > 0,
            "beta",
            "alpha and beta must be finite and > 0",
            {"alpha": self.alpha, "beta": self.beta},
        )

    @classmethod
    def from_mean_se(cls, mean: float, se: float) -> BetaDistribution:
        """Fit by moments (M-43): ``α+β = m(1−m)/s² − 1``, ``α = m(α+β)``, ``β = (1−m)(α+β)``.

        Raises
        ------
        ModelError
            If ``s² >= m(1 − m)`` (no beta has that mean and SE).
        """
        total = mean * (1.0 - mean) / (se * se) - 1.0
        _require(
            total > 0,
            "beta",
            "se^2 must be < mean*(1-mean) (M-43)",
            {"mean": mean, "se": se},
        )
        return cls(alpha=mean * total, beta=(1.0 - mean) * total)

    @classmethod
    def from_counts(
        cls, events: float, n: float, *, prior_alpha: float = 0.0, prior_beta: float = 0.0
    ) -> BetaDistribution:
        """``Beta(r + a0, n − r + b0)`` for ``r`` events out of ``n`` (M-43)."""
        return cls(alpha=events + prior_alpha, beta=n - events + prior_beta)

    def mean(self) -> float:
        """``α / (α + β)``."""
        return self.alpha / (self.alpha + self.beta)

    def var(self) -> float:
        """``αβ / ((α + β)² (α + β + 1))``."""
        t = self.alpha + self.beta
        return self.alpha * self.beta / (t * t * (t + 1.0))

    def ppf(self, u: FloatArray) -> FloatArray:
        """Inverse CDF (``scipy.stats.beta``); shape of ``u``."""
        return _as_float_array(scipy.stats.beta.ppf(u, self.alpha, self.beta))

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """``rng.beta(alpha, beta, n)``; shape (n,)."""
        return rng.beta(self.alpha, self.beta, n)

    def params(self) -> dict[str, float]:
        """``{"alpha": α, "beta": β}``."""
        return {"alpha": self.alpha, "beta": self.beta}

    def support(self) -> tuple[float, float]:
        """``(0, 1)``."""
        return (0.0, 1.0)


@dataclass(frozen=True, slots=True)
class LognormalDistribution(Distribution):
    """Lognormal: ``log X ~ N(meanlog, sdlog²)``."""

    meanlog: float
    sdlog: float
    family: ClassVar[str] = "lognormal"

    def __post_init__(self) -> None:
        _require(
            _finite(self.meanlog, self.sdlog) and self.sdlog > 0,
            "lognormal",
            "meanlog must be finite and sdlog finite and > 0",
            {"meanlog": self.meanlog, "sdlog": self.sdlog},
        )

    @classmethod
    def from_mean_se(cls, mean: float, se: float) -> LognormalDistribution:
        """From the arithmetic mean and SE (M-43): ``σ² = ln(1 + s²/m²)``, ``μ = ln m − σ²/2``."""
        var_log = math.log1p((se / mean) * (se / mean))
        return cls(meanlog=math.log(mean) - var_log / 2.0, sdlog=math.sqrt(var_log))

    @classmethod
    def from_ci(cls, estimate: float, lower: float, upper: float) -> LognormalDistribution:
        """From an estimate and its 95% CI (M-43): ``μ = ln R``, ``σ = (ln U − ln L) / (2 z)``.

        ``z`` is :data:`Z_975`, the standard normal's 97.5% quantile (1.959964).
        """
        return cls(
            meanlog=math.log(estimate),
            sdlog=(math.log(upper) - math.log(lower)) / (2.0 * Z_975),
        )

    def mean(self) -> float:
        """``exp(μ + σ²/2)``."""
        return _exp(self.meanlog + self.sdlog * self.sdlog / 2.0)

    def var(self) -> float:
        """``(exp(σ²) − 1) exp(2μ + σ²)``."""
        s2 = self.sdlog * self.sdlog
        # On the log scale, so that a huge sdlog gives inf instead of an OverflowError.
        return _exp(s2 + math.log(-math.expm1(-s2)) + 2.0 * self.meanlog + s2)

    def ppf(self, u: FloatArray) -> FloatArray:
        """Inverse CDF (``scipy.stats.lognorm``); shape of ``u``."""
        return _as_float_array(scipy.stats.lognorm.ppf(u, self.sdlog, scale=math.exp(self.meanlog)))

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """``rng.lognormal(meanlog, sdlog, n)``; shape (n,)."""
        return rng.lognormal(self.meanlog, self.sdlog, n)

    def params(self) -> dict[str, float]:
        """``{"meanlog": μ, "sdlog": σ}``."""
        return {"meanlog": self.meanlog, "sdlog": self.sdlog}

    def support(self) -> tuple[float, float]:
        """``(0, inf)``."""
        return (0.0, math.inf)


@dataclass(frozen=True, slots=True)
class NormalDistribution(Distribution):
    """Normal with mean ``mu`` and standard deviation ``sigma`` (the parameter's SE)."""

    mu: float
    sigma: float
    family: ClassVar[str] = "normal"

    def __post_init__(self) -> None:
        _require(
            _finite(self.mu, self.sigma) and self.sigma > 0,
            "normal",
            "the mean must be finite and the SE finite and > 0",
            {"mean": self.mu, "sd": self.sigma},
        )

    def mean(self) -> float:
        """``mu``."""
        return self.mu

    def var(self) -> float:
        """``sigma²``."""
        return self.sigma * self.sigma

    def ppf(self, u: FloatArray) -> FloatArray:
        """Inverse CDF (``scipy.stats.norm``); shape of ``u``."""
        return _as_float_array(scipy.stats.norm.ppf(u, loc=self.mu, scale=self.sigma))

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """``rng.normal(mu, sigma, n)``; shape (n,)."""
        return rng.normal(self.mu, self.sigma, n)

    def params(self) -> dict[str, float]:
        """``{"mean": mu, "sd": sigma}``."""
        return {"mean": self.mu, "sd": self.sigma}

    def support(self) -> tuple[float, float]:
        """``(-inf, inf)``."""
        return (-math.inf, math.inf)


@dataclass(frozen=True, slots=True)
class UniformDistribution(Distribution):
    """Uniform on [``low``, ``high``]."""

    low: float
    high: float
    family: ClassVar[str] = "uniform"

    def __post_init__(self) -> None:
        _require(
            _finite(self.low, self.high) and self.low < self.high,
            "uniform",
            "min and max must be finite with min < max",
            {"min": self.low, "max": self.high},
        )

    @classmethod
    def from_mean_se(cls, mean: float, se: float) -> UniformDistribution:
        """From a mean and SD (M-43): ``a = m − √3 s``, ``b = m + √3 s``."""
        half = math.sqrt(3.0) * se
        return cls(low=mean - half, high=mean + half)

    def mean(self) -> float:
        """Return ``(a + b) / 2``."""
        return (self.low + self.high) / 2.0

    def var(self) -> float:
        """``(b − a)² / 12``."""
        return (self.high - self.low) * (self.high - self.low) / 12.0

    def ppf(self, u: FloatArray) -> FloatArray:
        """Inverse CDF (``scipy.stats.uniform``); shape of ``u``."""
        return _as_float_array(scipy.stats.uniform.ppf(u, loc=self.low, scale=self.high - self.low))

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """``rng.uniform(low, high, n)``; shape (n,)."""
        return rng.uniform(self.low, self.high, n)

    def params(self) -> dict[str, float]:
        """``{"min": a, "max": b}``."""
        return {"min": self.low, "max": self.high}

    def support(self) -> tuple[float, float]:
        """Return ``(a, b)``."""
        return (self.low, self.high)


def _check_min_mode_max(family: str, low: float, mode: float, high: float) -> None:
    _require(
        _finite(low, mode, high) and low < high and low <= mode <= high,
        family,
        "min, mode and max must be finite with min <= mode <= max and min < max",
        {"min": low, "mode": mode, "max": high},
    )


@dataclass(frozen=True, slots=True)
class TriangularDistribution(Distribution):
    """Triangular with minimum ``low``, ``mode`` and maximum ``high``."""

    low: float
    mode: float
    high: float
    family: ClassVar[str] = "triangular"

    def __post_init__(self) -> None:
        _check_min_mode_max("triangular", self.low, self.mode, self.high)

    def mean(self) -> float:
        """Return ``(a + b + c) / 3``."""
        return (self.low + self.mode + self.high) / 3.0

    def var(self) -> float:
        """``(a² + b² + c² − ab − ac − bc) / 18``."""
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0

    def ppf(self, u: FloatArray) -> FloatArray:
        """Inverse CDF (``scipy.stats.triang``); shape of ``u``."""
        width = self.high - self.low
        c = (self.mode - self.low) / width
        return _as_float_array(scipy.stats.triang.ppf(u, c, loc=self.low, scale=width))

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """``rng.triangular(low, mode, high, n)``; shape (n,)."""
        return rng.triangular(self.low, self.mode, self.high, n)

    def params(self) -> dict[str, float]:
        """``{"min": a, "mode": c, "max": b}``."""
        return {"min": self.low, "mode": self.mode, "max": self.high}

    def support(self) -> tuple[float, float]:
        """Return ``(a, b)``."""
        return (self.low, self.high)


@dataclass(frozen=True, slots=True)
class PertDistribution(Distribution):
    """Beta-PERT on [``low``, ``high``] with ``mode`` and shape ``lam`` (λ, default 4).

    ``X = a + (b − a) Beta(α, β)`` with ``α = 1 + λ (m_o − a)/(b − a)`` and
    ``β = 1 + λ (b − m_o)/(b − a)`` (M-43).
    """

    low: float
    mode: float
    high: float
    lam: float = 4.0
    family: ClassVar[str] = "pert"

    def __post_init__(self) -> None:
        _check_min_mode_max("pert", self.low, self.mode, self.high)
        _require(
            _finite(self.lam) and self.lam > 0, "pert", "lambda must be > 0", {"lambda": self.lam}
        )

    @property
    def alpha(self) -> float:
        """``1 + λ (m_o − a) / (b − a)``."""
        return 1.0 + self.lam * (self.mode - self.low) / (self.high - self.low)

    @property
    def beta(self) -> float:
        """``1 + λ (b − m_o) / (b − a)``."""
        return 1.0 + self.lam * (self.high - self.mode) / (self.high - self.low)

    def mean(self) -> float:
        """Return ``(a + λ m_o + b) / (λ + 2)``."""
        return (self.low + self.lam * self.mode + self.high) / (self.lam + 2.0)

    def var(self) -> float:
        """``(b − a)² αβ / ((α + β)² (α + β + 1))``."""
        a, b = self.alpha, self.beta
        t = a + b
        width = self.high - self.low
        return width * width * a * b / (t * t * (t + 1.0))

    def ppf(self, u: FloatArray) -> FloatArray:
        """Inverse CDF (``scipy.stats.beta``, rescaled); shape of ``u``."""
        width = self.high - self.low
        return _as_float_array(
            scipy.stats.beta.ppf(u, self.alpha, self.beta, loc=self.low, scale=width)
        )

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """Draw ``a + (b − a) rng.beta(α, β, n)``; shape (n,)."""
        return self.low + (self.high - self.low) * rng.beta(self.alpha, self.beta, n)

    def params(self) -> dict[str, float]:
        """``{"min": a, "mode": m_o, "max": b, "lambda": λ}``."""
        return {"min": self.low, "mode": self.mode, "max": self.high, "lambda": self.lam}

    def support(self) -> tuple[float, float]:
        """Return ``(a, b)``."""
        return (self.low, self.high)


# --------------------------------------------------------------------------- Dirichlet


@dataclass(frozen=True, slots=True)
class DirichletDistribution:
    """Dirichlet over named categories: shares that sum to one (M-43).

    Parameters
    ----------
    categories : tuple of str, length k >= 2
        Category names, in column order.
    alpha : tuple of float, length k
        Concentration parameters, all finite and > 0.
    """

    categories: tuple[str, ...]
    alpha: tuple[float, ...]
    family: ClassVar[str] = "dirichlet"

    def __post_init__(self) -> None:
        k = len(self.categories)
        if k < 2 or len(self.alpha) != k or len(set(self.categories)) != k:
            msg = (
                "dirichlet: needs at least two distinct categories and one alpha per "
                f"category, got categories={self.categories!r}, alpha={self.alpha!r}"
            )
            raise ModelError(msg)
        _require(
            all(math.isfinite(a) and a > 0 for a in self.alpha),
            "dirichlet",
            "every alpha must be finite and > 0",
            dict(zip(self.categories, self.alpha, strict=True)),
        )

    @classmethod
    def from_counts(cls, counts: dict[str, float], *, prior: float = 0.0) -> DirichletDistribution:
        """``Dir(n_1 + a0, …, n_K + a0)`` from counts per category (M-43)."""
        return cls(
            categories=tuple(counts),
            alpha=tuple(float(c) + prior for c in counts.values()),
        )

    @property
    def k(self) -> int:
        """Number of categories (columns)."""
        return len(self.categories)

    def _alpha(self) -> FloatArray:
        return np.asarray(self.alpha, dtype=np.float64)

    def mean(self) -> FloatArray:
        """``α_k / α_0``, of shape (k,)."""
        a = self._alpha()
        return a / float(a.sum())

    def var(self) -> FloatArray:
        """``α_k (α_0 − α_k) / (α_0² (α_0 + 1))``, of shape (k,)."""
        a = self._alpha()
        a0 = float(a.sum())
        return a * (a0 - a) / (a0 * a0 * (a0 + 1.0))

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """Draw ``n`` share vectors: independent ``Gamma(α_k, 1)`` normalised by their sum.

        Uses ``rng.dirichlet``, which does exactly that (and switches to a stick-breaking
        method when every α is below 0.1, where gammas could underflow to zero).

        Returns
        -------
        ndarray of shape (n, k)
            Rows sum to one.
        """
        return rng.dirichlet(self._alpha(), n)

    def from_uniforms(self, u: FloatArray) -> FloatArray:
        """Map uniforms to share vectors: gamma inverse CDF per component, then normalise.

        For very small α the gamma quantile of a small ``u`` underflows to zero; such
        entries are recomputed on the log scale from the small-``x`` expansion
        ``P(α, x) ≈ x^α / Γ(α + 1)``, i.e. ``log x = (log u + log Γ(α + 1)) / α``, and
        the row is normalised with the log-sum-exp trick.

        Parameters
        ----------
        u : ndarray of shape (n, k)
            Uniforms in (0, 1), one column per category.

        Returns
        -------
        ndarray of shape (n, k)
            Rows sum to one.
        """
        u = np.asarray(u, dtype=np.float64)
        a = self._alpha()
        g = _as_float_array(scipy.special.gammaincinv(a, u))
        if np.all(g > 0.0):
            return _as_float_array(g / g.sum(axis=1, keepdims=True))
        with np.errstate(divide="ignore"):
            log_g = np.where(g > 0.0, np.log(g), (np.log(u) + scipy.special.gammaln(a + 1.0)) / a)
        log_g -= log_g.max(axis=1, keepdims=True)
        p = np.exp(log_g)
        return _as_float_array(p / p.sum(axis=1, keepdims=True))

    def params(self) -> dict[str, float]:
        """``{category: α_k}``."""
        return dict(zip(self.categories, self.alpha, strict=True))

    def describe(self) -> str:
        """Short text such as ``dirichlet(one_to_one=10, group=30)``."""
        args = ", ".join(f"{k}={_fmt(v)}" for k, v in self.params().items())
        return f"{self.family}({args})"


# --------------------------------------------------------------------------- from config


@overload
def from_spec(spec: Dirichlet, value: float | None = None) -> DirichletDistribution: ...


@overload
def from_spec(
    spec: Fixed | Gamma | Beta | Lognormal | Normal | Uniform | Triangular | Pert,
    value: float | None = None,
) -> Distribution: ...


def from_spec(spec: DistSpec, value: float | None = None) -> Distribution | DirichletDistribution:
    """Fit a config distribution (M-43).

    Parameters
    ----------
    spec : rapport_cost.config.Gamma, Beta, ... or Dirichlet
        A validated config model.
    value : float, optional
        The parameter's point value. Required for ``Fixed``; ignored otherwise (the
        point value and the distribution's mean may differ).

    Returns
    -------
    Distribution or DirichletDistribution

    Raises
    ------
    ValueError
        If ``spec`` is ``Fixed`` and ``value`` is ``None`` (the config always has one,
        so this is a bug in the caller).
    ModelError
        If the fitted parameters are not finite numbers (floating-point overflow).
    """
    try:
        return _fit(spec, value)
    except (ModelError, OverflowError, ZeroDivisionError) as exc:
        msg = f"cannot use {spec.describe()}: {exc}"
        raise ModelError(msg) from None


def _fit(spec: DistSpec, value: float | None) -> Distribution | DirichletDistribution:
    # The config validators guarantee that exactly one form is complete, so each branch
    # below only checks for ``None`` to pick the form (and to narrow types for mypy).
    match spec:
        case Fixed():
            if value is None:
                msg = "a fixed distribution needs the parameter's value"
                raise ValueError(msg)
            return FixedDistribution(value=float(value))
        case Gamma(mean=m, se=s) if m is not None and s is not None:
            return GammaDistribution.from_mean_se(m, s)
        case Gamma(shape=k, scale=theta) if k is not None and theta is not None:
            return GammaDistribution(shape=k, scale=theta)
        case Gamma(shape=k, rate=r) if k is not None and r is not None:
            return GammaDistribution(shape=k, scale=1.0 / r)
        case Beta(mean=m, se=s) if m is not None and s is not None:
            return BetaDistribution.from_mean_se(m, s)
        case Beta(alpha=a, beta=b) if a is not None and b is not None:
            return BetaDistribution(alpha=a, beta=b)
        case Beta(events=r, n=n) if r is not None and n is not None:
            return BetaDistribution.from_counts(
                r, n, prior_alpha=spec.prior_alpha, prior_beta=spec.prior_beta
            )
        case Lognormal(mean=m, se=s) if m is not None and s is not None:
            return LognormalDistribution.from_mean_se(m, s)
        case Lognormal(meanlog=mu, sdlog=sigma) if mu is not None and sigma is not None:
            return LognormalDistribution(meanlog=mu, sdlog=sigma)
        case Lognormal(estimate=est, lower=lo, upper=hi) if (
            est is not None and lo is not None and hi is not None
        ):
            return LognormalDistribution.from_ci(est, lo, hi)
        case Normal(mean=m, se=s):
            return NormalDistribution(mu=m, sigma=s)
        case Uniform(min=lo, max=hi) if lo is not None and hi is not None:
            return UniformDistribution(low=lo, high=hi)
        case Uniform(mean=m, se=s) if m is not None and s is not None:
            return UniformDistribution.from_mean_se(m, s)
        case Triangular(min=lo, mode=mode, max=hi):
            return TriangularDistribution(low=lo, mode=mode, high=hi)
        case Pert(min=lo, mode=mode, max=hi, lam=lam):
            return PertDistribution(low=lo, mode=mode, high=hi, lam=lam)
        case Dirichlet(counts=counts, prior=prior):
            return DirichletDistribution.from_counts(counts, prior=prior)
    msg = f"no distribution form is complete in {spec.describe()}"  # unreachable after config
    raise ModelError(msg)
