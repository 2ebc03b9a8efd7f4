"""Interval methods from replicates: normal, percentile, basic, studentized and BCa (M-51)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import get_args

import numpy as np
import numpy.typing as npt
import scipy  # its submodules load on first use (scipy's lazy loading)

from rapport_cost.arrays import FloatArray
from rapport_cost.core.analyses.bootstrap.common import (
    ACCELERATION_UNDEFINED,
    DENOMINATOR_NONPOSITIVE,
    METHODS,
    NO_STUDENT_VARIANCE,
    REASONS,
    W_BCA_FEW_RESAMPLES,
    W_EXTREME_ORDER,
    W_FALLBACK,
    W_STUDENTIZED_DROPPED,
    Z0_INFINITE,
    BootstrapInterval,
    BootstrapReplicates,
    Method,
    QuantileMethod,
    Residuals,
    Scheme,
    Ties,
    _check_choice,
    _check_level,
)
from rapport_cost.core.analyses.bootstrap.quantiles import _extreme, quantiles
from rapport_cost.core.analyses.bootstrap.resampling import bootstrap_replicates
from rapport_cost.errors import ModelError, Problem

# ------------------------------------------------------------------------ intervals


def _z0(sorted_reps: FloatArray, theta_hat: float, ties: Ties) -> float:
    big_b = sorted_reps.size
    below = int(np.searchsorted(sorted_reps, theta_hat, side="left"))
    if ties == "boot":
        prop = below / big_b
    else:
        at_or_below = int(np.searchsorted(sorted_reps, theta_hat, side="right"))
        prop = (below + at_or_below) / (2 * big_b)
    return float(scipy.special.ndtri(prop))


def interval_from_replicates(
    reps: BootstrapReplicates,
    *,
    method: Method = "bca",
    level: float = 0.95,
    ties: Ties = "half",
    quantile_method: QuantileMethod = "norm_inter",
) -> BootstrapInterval:
    """One interval from the replicates; deterministic (no random numbers).

    Parameters
    ----------
    reps
        Replicates, θ̂, â (for BCa) and ``se*`` (for studentized).
    method
        ``"normal"``: ``θ̂ − bias ∓ z_{1−α}·se``. ``"percentile"``: ``[θ*_(α), θ*_(1−α)]``.
        ``"basic"``: ``[2θ̂ − θ*_(1−α), 2θ̂ − θ*_(α)]``. ``"studentized"``:
        ``[θ̂ − t*_(1−α)·se, θ̂ − t*_(α)·se]`` with ``t*_b = (θ*_b − θ̂)/se*_b``, dropping
        replicates with s* = 0. ``"bca"``: ``[θ*_(α1), θ*_(α2)]`` with
        ``α_i = Φ(ẑ0 + (ẑ0 + z)/(1 − â(ẑ0 + z)))`` (M-51).
    level
        Coverage; α = (1 − level)/2.
    ties
        ``ẑ0 = Φ⁻¹(p)``: ``"half"`` (scipy, default) ``p = (#{θ* < θ̂} + #{θ* ≤ θ̂})/(2B)``;
        ``"boot"`` (R ``boot``) ``p = #{θ* < θ̂}/B``.
    quantile_method
        See :func:`quantiles`.

    Returns
    -------
    BootstrapInterval
        With NaN endpoints and a ``reason`` when undefined: BCa with ẑ0 or â not finite or
        ``1 − â(ẑ0 + z) ≤ 0``; studentized with s* = 0 in every resample.
    """
    _check_choice("method", method, METHODS)
    _check_choice("ties", ties, get_args(Ties))
    _check_choice("quantile_method", quantile_method, get_args(QuantileMethod))
    alpha = _check_level(level)
    theta = reps.theta_hat
    t = np.sort(reps.replicates)
    big_b = t.size
    if big_b == 0:
        msg = "interval_from_replicates needs at least one replicate."
        raise ValueError(msg)
    se = float(t.std(ddof=1)) if big_b > 1 else math.nan
    bias = float(t.mean()) - theta
    z0 = _z0(t, theta, ties)
    acc = reps.acceleration
    read = _Reader(quantile_method)
    probs = (alpha, 1.0 - alpha)
    if method == "normal":
        ends = _normal_endpoints(theta, bias, se, alpha)
    elif method == "percentile":
        lower, upper = (float(v) for v in read(t, probs, method))
        ends = _Endpoints(lower, upper, probs)
    elif method == "basic":
        q = read(t, probs, method)
        ends = _Endpoints(2.0 * theta - float(q[1]), 2.0 * theta - float(q[0]), probs)
    elif method == "studentized":
        ends = _studentized_endpoints(reps, probs, read)
    else:
        ends = _bca_endpoints(t, z0, acc, alpha, read)
    return BootstrapInterval(
        method=method,
        level=level,
        lower=ends.lower,
        upper=ends.upper,
        n=reps.n,
        mean=theta,
        se=se,
        bias=bias,
        z0=z0,
        acceleration=acc,
        resamples=big_b,
        scheme=reps.scheme,
        quantile_levels=ends.probs,
        n_units=reps.n_units,
        warnings=(*reps.warnings, *read.warnings),
        reason=ends.reason,
        n_dropped=ends.dropped,
        replicates=reps.replicates,
    )


@dataclass(frozen=True)
class _Endpoints:
    """An interval's endpoints, the quantile levels read for them and why it is undefined.

    ``probs`` is NaN for the normal interval and for an undefined one; ``reason`` is a
    reason code (or ``None``); ``dropped`` counts the resamples a studentized interval
    dropped.
    """

    lower: float
    upper: float
    probs: tuple[float, float]
    reason: str | None = None
    dropped: int = 0


_UNDEFINED = (math.nan, math.nan)


class _Reader:
    """Reads quantiles of sorted replicates, collecting the warnings of the interval."""

    def __init__(self, quantile_method: QuantileMethod) -> None:
        self.quantile_method: QuantileMethod = quantile_method
        self.warnings: list[str] = []

    def __call__(self, values: FloatArray, p: tuple[float, float], label: str) -> FloatArray:
        """Quantiles of sorted ``values`` (shape ``(B,)``) at levels ``p``, shape ``(2,)``.

        Warns when a level needs an order statistic beyond the extremes (M-51).
        """
        bb = values.size
        for pi in p:
            if _extreme(pi, bb, self.quantile_method):
                self.warnings.append(
                    f"{W_EXTREME_ORDER}: the {label} endpoint at level {pi:.6g} needs rank "
                    f"(B+1)·{pi:.6g} = {(bb + 1) * pi:.2f}, outside [1, B = {bb}]; the "
                    "extreme order statistic is used as the endpoint (M-51)."
                )
        return quantiles(values, p, method=self.quantile_method)


def _normal_endpoints(theta: float, bias: float, se: float, alpha: float) -> _Endpoints:
    """``θ̂ − bias ∓ z_{1−α}·se`` (M-51); no quantile levels."""
    z = float(scipy.special.ndtri(1.0 - alpha))
    return _Endpoints(theta - bias - z * se, theta - bias + z * se, _UNDEFINED)


def _studentized_endpoints(
    reps: BootstrapReplicates, probs: tuple[float, float], read: _Reader
) -> _Endpoints:
    """``[θ̂ − t*_(1−α)·se, θ̂ − t*_(α)·se]``, dropping the resamples with s* = 0 (M-51)."""
    if reps.se_replicates is None:
        msg = "the studentized interval needs se_replicates (studentize=True)."
        raise ValueError(msg)
    theta, big_b = reps.theta_hat, reps.replicates.size
    keep = reps.se_replicates > 0.0
    dropped = int(big_b - np.count_nonzero(keep))
    if dropped:
        read.warnings.append(
            f"{W_STUDENTIZED_DROPPED}: {dropped} of {big_b} resamples had s* = 0 and "
            "were dropped from the studentized interval (M-51)."
        )
    if dropped == big_b:
        return _Endpoints(math.nan, math.nan, probs, NO_STUDENT_VARIANCE, dropped)
    tstar = (reps.replicates[keep] - theta) / reps.se_replicates[keep]
    q = read(np.sort(tstar), probs, "studentized")
    lower = theta - float(q[1]) * reps.se_hat
    upper = theta - float(q[0]) * reps.se_hat
    return _Endpoints(lower, upper, probs, dropped=dropped)


def _bca_endpoints(t: FloatArray, z0: float, acc: float, alpha: float, read: _Reader) -> _Endpoints:
    """``[θ*_(α1), θ*_(α2)]``, ``α_i = Φ(ẑ0 + (ẑ0 + z)/(1 − â(ẑ0 + z)))`` (M-51).

    ``t`` holds the sorted replicates, shape ``(B,)``. Undefined (NaN, with a reason)
    when â or ẑ0 is not finite or a denominator ``1 − â(ẑ0 + z)`` is not positive.
    """
    big_b = t.size
    if big_b < 1000:
        read.warnings.append(
            f"{W_BCA_FEW_RESAMPLES}: B = {big_b} < 1000 resamples; BCa endpoints are "
            "unstable with so few (M-50)."
        )
    zs = (float(scipy.special.ndtri(alpha)), float(scipy.special.ndtri(1.0 - alpha)))
    if not math.isfinite(acc):
        return _Endpoints(math.nan, math.nan, _UNDEFINED, ACCELERATION_UNDEFINED)
    if not math.isfinite(z0):
        return _Endpoints(math.nan, math.nan, _UNDEFINED, Z0_INFINITE)
    if any(1.0 - acc * (z0 + z) <= 0.0 for z in zs):
        return _Endpoints(math.nan, math.nan, _UNDEFINED, DENOMINATOR_NONPOSITIVE)
    a1, a2 = (float(scipy.special.ndtr(z0 + (z0 + z) / (1.0 - acc * (z0 + z)))) for z in zs)
    lower, upper = (float(v) for v in read(t, (a1, a2), "bca"))
    return _Endpoints(lower, upper, (a1, a2))


def resolve_interval(
    interval: BootstrapInterval,
    reps: BootstrapReplicates,
    *,
    fallback: bool = False,
    quantile_method: QuantileMethod = "norm_inter",
) -> BootstrapInterval:
    """Return a defined interval: the interval itself, its percentile fallback, or raise.

    Parameters
    ----------
    interval
        From :func:`interval_from_replicates`.
    reps
        The replicates it came from.
    fallback
        When the interval is undefined: ``False`` raises, ``True`` returns the percentile
        interval with a ``W-CI-FALLBACK`` warning and ``fallback_from`` set (M-51).
    quantile_method
        For the percentile fallback.

    Returns
    -------
    BootstrapInterval

    Raises
    ------
    ModelError
        The interval is undefined and ``fallback`` is false (exit code 3); its problem's
        ``code`` is the reason code.
    """
    if interval.defined:
        return interval
    reason = interval.reason or ""
    why = REASONS.get(reason, reason)
    if not fallback:
        msg = (
            f"the {interval.method} bootstrap interval cannot be computed: {why} "
            f"({reason}). Ask for the percentile interval, or allow the fallback to it."
        )
        raise ModelError(msg, [Problem(msg, field="bootstrap.method", code=reason)])
    pct = interval_from_replicates(
        reps, method="percentile", level=interval.level, quantile_method=quantile_method
    )
    note = (
        f"{W_FALLBACK}: the {interval.method} interval is undefined ({reason}: {why}); "
        "the percentile interval is reported instead."
    )
    return BootstrapInterval(
        method="percentile",
        level=pct.level,
        lower=pct.lower,
        upper=pct.upper,
        n=pct.n,
        mean=pct.mean,
        se=pct.se,
        bias=pct.bias,
        z0=interval.z0,
        acceleration=interval.acceleration,
        resamples=pct.resamples,
        scheme=pct.scheme,
        quantile_levels=pct.quantile_levels,
        n_units=pct.n_units,
        warnings=(*interval.warnings, note, *pct.warnings[len(reps.warnings) :]),
        reason=None,
        n_dropped=interval.n_dropped,
        fallback_from=interval.method,
        replicates=pct.replicates,
    )


def bootstrap_ci(
    values: npt.ArrayLike,
    groups: npt.ArrayLike | None = None,
    *,
    rng: np.random.Generator,
    scheme: Scheme = "ordinary",
    method: Method = "bca",
    level: float = 0.95,
    n_resamples: int = 9999,
    ties: Ties = "half",
    quantile_method: QuantileMethod = "norm_inter",
    fallback: bool = False,
    residuals: Residuals = "same",
    workers: int | None = None,
    chunk_elements: int | None = None,
) -> BootstrapInterval:
    """Bootstrap confidence interval of the mean cost per woman (M-49).

    Parameters
    ----------
    values : array_like of shape (n,)
        Cost per woman.
    groups : array_like of shape (n,), optional
        Unit label per woman (stratified, cluster and two-stage schemes).
    rng
        The random generator.
    scheme, n_resamples, residuals, workers, chunk_elements
        See :func:`bootstrap_replicates`.
    method, level, ties, quantile_method
        See :func:`interval_from_replicates`.
    fallback
        See :func:`resolve_interval`.

    Returns
    -------
    BootstrapInterval
        Always defined; ``replicates`` holds θ* of shape (n_resamples,).

    Raises
    ------
    ModelError
        Bad data (see :func:`bootstrap_replicates`), or the interval is undefined and
        ``fallback`` is false.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> ci = bootstrap_ci([3, 5, 7, 18, 43, 85, 91, 98, 100, 130, 230, 487], rng=rng)
    >>> ci.method, ci.lower < ci.mean < ci.upper, ci.replicates.shape
    ('bca', True, (9999,))
    """
    reps = bootstrap_replicates(
        values,
        groups,
        scheme=scheme,
        n_resamples=n_resamples,
        rng=rng,
        studentize=method == "studentized",
        residuals=residuals,
        workers=workers,
        chunk_elements=chunk_elements,
    )
    interval = interval_from_replicates(
        reps, method=method, level=level, ties=ties, quantile_method=quantile_method
    )
    return resolve_interval(interval, reps, fallback=fallback, quantile_method=quantile_method)


def bootstrap_intervals(
    values: npt.ArrayLike,
    groups: npt.ArrayLike | None = None,
    *,
    rng: np.random.Generator,
    methods: Sequence[Method] = METHODS,
    scheme: Scheme = "ordinary",
    level: float = 0.95,
    n_resamples: int = 9999,
    ties: Ties = "half",
    quantile_method: QuantileMethod = "norm_inter",
    fallback: bool = False,
    residuals: Residuals = "same",
    workers: int | None = None,
    chunk_elements: int | None = None,
) -> dict[Method, BootstrapInterval]:
    """Several intervals from one set of replicates, for the M-53 report.

    Parameters are as in :func:`bootstrap_ci`; ``methods`` lists the intervals wanted.

    Returns
    -------
    dict
        Method → interval, in the order of ``methods``. All share the same replicates.

    Raises
    ------
    ModelError
        As :func:`bootstrap_ci`, for the first undefined interval when ``fallback`` is false.
    """
    reps = bootstrap_replicates(
        values,
        groups,
        scheme=scheme,
        n_resamples=n_resamples,
        rng=rng,
        studentize="studentized" in methods,
        residuals=residuals,
        workers=workers,
        chunk_elements=chunk_elements,
    )
    out: dict[Method, BootstrapInterval] = {}
    for m in methods:
        interval = interval_from_replicates(
            reps, method=m, level=level, ties=ties, quantile_method=quantile_method
        )
        out[m] = resolve_interval(
            interval, reps, fallback=fallback, quantile_method=quantile_method
        )
    return out
