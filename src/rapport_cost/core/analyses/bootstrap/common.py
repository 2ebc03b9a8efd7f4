"""What the bootstrap modules share: schemes, methods, reason and warning codes, results."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from rapport_cost.arrays import FloatArray, IntArray
from rapport_cost.errors import ModelError, Problem

Scheme = Literal["ordinary", "stratified", "cluster", "two-stage"]
Method = Literal["normal", "percentile", "basic", "studentized", "bca"]
Ties = Literal["half", "boot"]
QuantileMethod = Literal["norm_inter", "weibull", "linear"]
Residuals = Literal["same", "pooled"]

#: Every interval method, in the order M-53 reports them.
METHODS: tuple[Method, ...] = ("normal", "percentile", "basic", "studentized", "bca")
SCHEMES: tuple[Scheme, ...] = ("ordinary", "stratified", "cluster", "two-stage")

#: Random draws (resamples × draws per resample) per chunk: one chunk needs two float64/intp
#: buffers of this size (1 MiB each) per worker. Small chunks stay in cache and run faster.
CHUNK_ELEMENTS = 1 << 17
#: Random draws per chunk of the ordinary and stratified sums (:mod:`.sums`), whose work
#: buffers hold only the draws of one block of women at a time: larger chunks, fewer calls.
SUMS_CHUNK_ELEMENTS = 1 << 19

# Reason codes of undefined intervals (M-51).
Z0_INFINITE = "bca_z0_infinite"
ACCELERATION_UNDEFINED = "bca_acceleration_undefined"
DENOMINATOR_NONPOSITIVE = "bca_denominator_nonpositive"
NO_STUDENT_VARIANCE = "studentized_no_variance"

#: Reason code → what it means, for messages.
REASONS: dict[str, str] = {
    Z0_INFINITE: "no replicate lies on one side of the estimate (#{θ* < θ̂} is 0 or B), "
    "so the bias correction ẑ0 is infinite",
    ACCELERATION_UNDEFINED: "the jackknife variance is zero (e.g. all values are equal), "
    "so the acceleration â is not finite",
    DENOMINATOR_NONPOSITIVE: "1 − â(ẑ0 + z) ≤ 0, so the adjusted levels are undefined",
    NO_STUDENT_VARIANCE: "every resample had a zero standard deviation (s* = 0)",
}

# Warning codes; a warning text starts with its code.
W_FEW_CLUSTERS = "W-FEW-CLUSTERS"
W_CLUSTERS_BELOW_24 = "W-CLUSTERS-BELOW-24"
W_EXTREME_ORDER = "W-EXTREME-ORDER-STATISTICS"
W_BCA_FEW_RESAMPLES = "W-BCA-FEW-RESAMPLES"
W_STUDENTIZED_DROPPED = "W-STUDENTIZED-DROPPED"
W_FALLBACK = "W-CI-FALLBACK"
W_SHRINKAGE_ZERO = "W-SHRINKAGE-ZERO"

#: Relative tolerance for snapping a rank (B+1)α to an integer: (1 - 0.95)/2 is
#: 0.025000000000000022 in floating point, and R's exact test would interpolate there.
_RANK_RTOL = 1e-9


def _readonly(a: FloatArray) -> FloatArray:
    a.flags.writeable = False
    return a


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ClusterSummary:
    """Units (sites) and the one-way ANOVA estimators of M-50 and M-52.

    Parameters
    ----------
    labels : tuple of str, length n_units
        Unit labels, sorted, as text.
    sizes : ndarray of shape (n_units,)
        Women per unit, ``n_k``.
    means : ndarray of shape (n_units,)
        Unit means ``Ȳ_k``.
    n
        Women in all units, ``N``.
    n0
        Donner–Klar average unit size ``(N − Σn_k²/N)/(K − 1)`` (NaN when K = 1).
    ss_between
        ``SS_B = Σ_k (Ȳ_k − Ȳ̄)²`` with ``Ȳ̄`` the unweighted mean of unit means.
    ss_within
        ``SS_W = Σ_k Σ_i (Y_ki − Ȳ_k)²``.
    sigma2_within
        ``σ̂w² = SS_W/(N − K)``.
    sigma2_between
        ``σ̂b² = SS_B/(K − 1) − σ̂w²/n0``, not truncated (may be negative).
    icc
        ``ρ̂ = σ̂b²/(σ̂b² + σ̂w²)`` with σ̂b² truncated at 0 (M-52); NaN if undefined.
    shrinkage_c2
        ``c² = K/(K − 1) − SS_W/(n0(n0 − 1)SS_B)`` (M-50 step 4); NaN if undefined.
    """

    labels: tuple[str, ...]
    sizes: IntArray = field(repr=False, compare=False)
    means: FloatArray = field(repr=False, compare=False)
    n: int
    n0: float
    ss_between: float
    ss_within: float
    sigma2_within: float
    sigma2_between: float
    icc: float
    shrinkage_c2: float

    @property
    def n_units(self) -> int:
        """Number of units, ``K``."""
        return len(self.labels)


@dataclass(frozen=True)
class ClusterDiagnostics:
    """What M-52 asks to report about the units.

    Parameters
    ----------
    summary
        K, unit sizes, ICC and the ANOVA estimators.
    recommended
        Schemes fit for the primary analysis with this many units.
    warnings
        ``W-FEW-CLUSTERS`` (K < 10) or ``W-CLUSTERS-BELOW-24`` (10 ≤ K < 24) texts.
    t_interval
        ``(lower, upper)`` of the t interval on the unit means with K − 1 df, given when
        K < 24 (M-52 asks for it in both bands), else ``None``. Its centre is the unweighted
        mean of the unit means.
    level
        Coverage of ``t_interval``.
    """

    summary: ClusterSummary
    recommended: tuple[Scheme, ...]
    warnings: tuple[str, ...]
    t_interval: tuple[float, float] | None
    level: float


@dataclass(frozen=True)
class BootstrapReplicates:
    """The replicates θ* of one bootstrap run and what the intervals need from the data.

    Build it with :func:`bootstrap_replicates`; tests may build it by hand.

    Parameters
    ----------
    theta_hat
        The estimate θ̂ on the original data.
    replicates : ndarray of shape (n_resamples,)
        θ*_b, in resample order (read-only).
    acceleration
        The jackknife acceleration â (M-51); NaN when not finite.
    se_hat
        The standard error of θ̂ used by the studentized interval (``s/√n`` for the mean).
    se_replicates : ndarray of shape (n_resamples,), optional
        ``se*_b`` per resample, for the studentized interval; 0 where s* = 0.
    scheme
        The resampling scheme.
    n
        Number of women.
    n_units
        Number of units (1 when the data have no units).
    warnings
        Texts about the data or the scheme (e.g. ``W-FEW-CLUSTERS``).
    clusters
        The unit summary, for schemes that use units.
    """

    theta_hat: float
    replicates: FloatArray = field(repr=False, compare=False)
    acceleration: float = math.nan
    se_hat: float = math.nan
    se_replicates: FloatArray | None = field(default=None, repr=False, compare=False)
    scheme: Scheme = "ordinary"
    n: int = 0
    n_units: int = 1
    warnings: tuple[str, ...] = ()
    clusters: ClusterSummary | None = None

    @property
    def n_resamples(self) -> int:
        """Number of replicates, ``B``."""
        return int(self.replicates.shape[0])


@dataclass(frozen=True)
class BootstrapInterval:
    """One bootstrap confidence interval of the mean cost per woman (M-53).

    Parameters
    ----------
    method
        ``normal``, ``percentile``, ``basic``, ``studentized`` or ``bca``.
    level
        Coverage, e.g. 0.95 (α = (1 − level)/2 in each tail).
    lower, upper
        Endpoints; NaN when the interval is undefined (see ``reason``).
    n
        Number of women.
    mean
        θ̂, the mean cost per woman.
    se
        Bootstrap standard error, SD of θ* with divisor B − 1 (M-50).
    bias
        ``mean(θ*) − θ̂`` (M-50).
    z0
        Bias correction ``ẑ0`` with the chosen ties rule (reported for every method).
    acceleration
        Jackknife acceleration ``â`` (reported for every method).
    resamples
        Number of replicates B.
    scheme
        Resampling scheme.
    quantile_levels
        The levels at which the replicates (or, for ``studentized``, t*) were read: (α, 1 − α),
        or the BCa-adjusted (α1, α2). NaN for ``normal``.
    n_units
        Number of units.
    warnings
        Warning texts, each starting with its code.
    reason
        Reason code (:data:`REASONS`) when the interval is undefined, else ``None``.
    n_dropped
        Studentized only: replicates dropped because s* = 0.
    fallback_from
        The method that was asked for, when its interval was undefined and the percentile
        interval is reported instead.
    replicates : ndarray of shape (n_resamples,)
        θ*_b, for histograms (read-only).
    """

    method: Method
    level: float
    lower: float
    upper: float
    n: int
    mean: float
    se: float
    bias: float
    z0: float
    acceleration: float
    resamples: int
    scheme: Scheme
    quantile_levels: tuple[float, float]
    n_units: int = 1
    warnings: tuple[str, ...] = ()
    reason: str | None = None
    n_dropped: int = 0
    fallback_from: Method | None = None
    replicates: FloatArray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)

    @property
    def defined(self) -> bool:
        """True when both endpoints are numbers."""
        return self.reason is None


# ---------------------------------------------------------------------- validation


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        msg = f"The {name!r} parameter must be one of {allowed}. Got {value!r} instead."
        raise ValueError(msg)


def _as_values(values: npt.ArrayLike) -> FloatArray:
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        msg = f"values must be 1-D of shape (n,). Got shape {x.shape} instead."
        raise ValueError(msg)
    if x.size == 0:
        msg = "the bootstrap needs at least one woman's cost. Got none."
        raise ModelError(msg, [Problem(msg, field="values", code="empty")])
    if not np.all(np.isfinite(x)):
        bad = int(np.flatnonzero(~np.isfinite(x))[0])
        msg = f"per-woman costs must be finite. Got {x[bad]} at position {bad}."
        raise ModelError(msg, [Problem(msg, field="values", code="not_finite")])
    return x


def _group_codes(groups: npt.ArrayLike | None, n: int) -> tuple[tuple[str, ...], IntArray]:
    if groups is None:
        msg = "this scheme needs unit (site) labels for every woman. Got none."
        raise ModelError(msg, [Problem(msg, field="groups", code="missing_units")])
    g = np.asarray(groups)
    if g.shape != (n,):
        msg = f"groups must have shape ({n},), one label per woman. Got {g.shape} instead."
        raise ValueError(msg)
    labels, codes = np.unique(g, return_inverse=True)
    return tuple(str(v) for v in labels), codes.astype(np.intp).reshape(n)


def _check_level(level: float) -> float:
    if not 0.0 < level < 1.0:
        msg = f"The 'level' parameter must be in (0, 1). Got {level!r} instead."
        raise ValueError(msg)
    return (1.0 - level) / 2.0


def _n_workers(workers: int | None, n_tasks: int) -> int:
    if workers is None:
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            cpus = os.cpu_count() or 1
        workers = cpus
    if workers < 1:
        msg = f"The 'workers' parameter must be >= 1 or None. Got {workers!r} instead."
        raise ValueError(msg)
    return max(1, min(workers, n_tasks))
