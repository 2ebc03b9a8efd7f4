"""The Dirichlet distribution of shares that sum to one (M-43)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import scipy  # its submodules load on first use (scipy's lazy loading)

from rapport_cost.arrays import FloatArray
from rapport_cost.core.params.distributions.base import _as_float_array, _fmt, _require
from rapport_cost.errors import ModelError


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
