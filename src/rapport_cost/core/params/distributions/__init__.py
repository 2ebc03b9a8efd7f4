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

from rapport_cost.core.params.distributions.base import Distribution
from rapport_cost.core.params.distributions.dirichlet import DirichletDistribution
from rapport_cost.core.params.distributions.families import (
    Z_975,
    BetaDistribution,
    FixedDistribution,
    GammaDistribution,
    LognormalDistribution,
    NormalDistribution,
)
from rapport_cost.core.params.distributions.fit import DistSpec, from_spec
from rapport_cost.core.params.distributions.ranges import (
    PertDistribution,
    TriangularDistribution,
    UniformDistribution,
)

__all__ = [
    "Z_975",
    "BetaDistribution",
    "DirichletDistribution",
    "DistSpec",
    "Distribution",
    "FixedDistribution",
    "GammaDistribution",
    "LognormalDistribution",
    "NormalDistribution",
    "PertDistribution",
    "TriangularDistribution",
    "UniformDistribution",
    "from_spec",
]
