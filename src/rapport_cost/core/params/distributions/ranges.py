"""The families stated by a range: uniform, triangular and Beta-PERT on [min, max] (M-43)."""

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
    _finite,
    _require,
)


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
