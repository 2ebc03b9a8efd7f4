"""Fixed, gamma, beta, lognormal and normal: fitted from a mean and SE or given natively (M-43)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import scipy  # its submodules load on first use (scipy's lazy loading)

from rapport_cost.arrays import FloatArray
from rapport_cost.core.params.distributions.base import (
    Distribution,
    _as_float_array,
    _exp,
    _finite,
    _require,
)

#: The 97.5% quantile of the standard normal, used to turn a 95% CI into a lognormal sigma
#: (M-43: 1.959964 to six decimals).
Z_975: float = 1.959963984540054  # scipy.stats.norm.ppf(0.975), a literal: no scipy import


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
