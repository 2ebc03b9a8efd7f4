"""Fitting a config distribution, in whichever form the user wrote it, once (M-43)."""

from __future__ import annotations

from typing import overload

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
from rapport_cost.core.params.distributions.base import Distribution
from rapport_cost.core.params.distributions.dirichlet import DirichletDistribution
from rapport_cost.core.params.distributions.families import (
    BetaDistribution,
    FixedDistribution,
    GammaDistribution,
    LognormalDistribution,
    NormalDistribution,
)
from rapport_cost.core.params.distributions.ranges import (
    PertDistribution,
    TriangularDistribution,
    UniformDistribution,
)
from rapport_cost.errors import ModelError

#: Every config distribution :func:`from_spec` accepts.
DistSpec = Fixed | Gamma | Beta | Lognormal | Normal | Uniform | Triangular | Pert | Dirichlet


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
