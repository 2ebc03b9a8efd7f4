"""Bootstrap of the mean cost per woman (METHODS §6, B-1 to B-8).

Pure numerics on arrays: no file access, no printing, and randomness only through a
``numpy.random.Generator`` passed as ``rng`` (METHODS G-3).

The statistic is the arithmetic mean cost per woman (B-1). Four resampling schemes:

* ``"ordinary"``: women with replacement (B-2);
* ``"stratified"``: women with replacement within each unit, unit sizes fixed (B-4);
* ``"cluster"``: units with replacement, ratio estimator (B-5);
* ``"two-stage"``: units, then residuals, with the shrinkage correction (B-6).

Five intervals (B-3): ``"normal"``, ``"percentile"``, ``"basic"``, ``"studentized"`` and
``"bca"`` (the default). Quantiles of the replicates follow the Davison–Hinkley convention
(G-4): the α-quantile is the ((B+1)α)-th order statistic, interpolated on the normal-quantile
scale when that rank is not an integer (R ``boot``'s ``norm.inter``).

Speed. A resampled mean is a sum of ``n`` values picked by uniform indices, so a chunk of
resamples is one ``Generator.integers`` call, one ``numpy.take`` and one row sum; no Python
loop runs per resample. (Drawing multinomial counts and multiplying by the values was ~10×
slower at n = 20,000: numpy draws the counts as ``n`` binomials per resample.) When one value
is frequent (typically zero cost), the number of draws that miss it is drawn as a binomial
and only those draws get indices, which is exact and saves that share of random numbers.
Memory is bounded by ``chunk_elements``, not by ``n_resamples``. Chunks are grouped in
tasks of fixed size, each with its own random stream spawned from one ``SeedSequence``
seeded by ``rng``; tasks may run on several threads and the replicates are identical for any
number of ``workers``. The jackknife acceleration of a mean has a closed form (B-3), so BCa
costs nothing beyond the resamples.

Undefined intervals. An interval that cannot be computed has NaN endpoints and a
``reason`` code (:data:`REASONS`). :func:`bootstrap_ci` raises
:class:`~rapport_cost.errors.ModelError` on it unless ``fallback=True``, in which case it
returns the percentile interval with a warning text. Warnings are texts in the result, each
starting with its code (e.g. ``W-FEW-CLUSTERS: ...``); nothing is printed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
import scipy  # its submodules load on first use (scipy's lazy loading)

from rapport_cost.errors import ModelError, Problem

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

Scheme = Literal["ordinary", "stratified", "cluster", "two-stage"]
Method = Literal["normal", "percentile", "basic", "studentized", "bca"]
Ties = Literal["half", "boot"]
QuantileMethod = Literal["norm_inter", "weibull", "linear"]
Residuals = Literal["same", "pooled"]

#: Every interval method, in the order METHODS B-8 reports them.
METHODS: tuple[Method, ...] = ("normal", "percentile", "basic", "studentized", "bca")
SCHEMES: tuple[Scheme, ...] = ("ordinary", "stratified", "cluster", "two-stage")

#: Random draws (resamples × draws per resample) per chunk: one chunk needs two float64/intp
#: buffers of this size (1 MiB each) per worker. Small chunks stay in cache and run faster.
CHUNK_ELEMENTS = 1 << 17
#: Split off the most frequent value (e.g. zero cost) when it is at least this share of a
#: stratum (see ``_split_common``).
_SPLIT_SHARE = 0.05
#: Draws per task: one random stream and one unit of work for a thread; fixed so that the
#: replicates do not depend on the number of workers.
_TASK_ELEMENTS = 1 << 22

# Reason codes of undefined intervals (B-3).
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
    """Units (sites) and the one-way ANOVA estimators of METHODS B-6 and B-7.

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
        ``ρ̂ = σ̂b²/(σ̂b² + σ̂w²)`` with σ̂b² truncated at 0 (B-7); NaN if undefined.
    shrinkage_c2
        ``c² = K/(K − 1) − SS_W/(n0(n0 − 1)SS_B)`` (B-6 step 4); NaN if undefined.
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
    """What METHODS B-7 asks to report about the units.

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
        K < 24 (B-7 asks for it in both bands), else ``None``. Its centre is the unweighted
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
        The jackknife acceleration â (B-3); NaN when not finite.
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
    """One bootstrap confidence interval of the mean cost per woman (B-8).

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
        Bootstrap standard error, SD of θ* with divisor B − 1 (B-2).
    bias
        ``mean(θ*) − θ̂`` (B-2).
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


# ------------------------------------------------------------------------ quantiles


def quantiles(
    x: npt.ArrayLike,
    probs: npt.ArrayLike,
    *,
    method: QuantileMethod = "norm_inter",
) -> FloatArray:
    """Quantiles of simulated or bootstrap values with the convention of METHODS G-4.

    Parameters
    ----------
    x : array_like of shape (B,)
        The values (need not be sorted); must be finite.
    probs : array_like of shape (k,)
        Levels in [0, 1].
    method
        ``"norm_inter"`` (default): the p-quantile is the ((B+1)p)-th order statistic; a
        non-integer rank r is interpolated between the order statistics ``⌊r⌋`` and
        ``⌊r⌋+1`` on the normal-quantile scale (R ``boot::norm.inter``, Davison & Hinkley
        eq. 5.8). Ranks below 1 give the minimum, above B the maximum.
        ``"weibull"``: the same rank, interpolated linearly (``numpy.quantile(...,
        method="weibull")``). ``"linear"``: numpy's and scipy's default.

    Returns
    -------
    ndarray of shape (k,)

    Examples
    --------
    >>> quantiles(np.arange(1.0, 1000.0), [0.025, 0.975]).tolist()
    [25.0, 975.0]
    """
    _check_choice("method", method, get_args(QuantileMethod))
    t = np.sort(np.asarray(x, dtype=np.float64))
    p = np.atleast_1d(np.asarray(probs, dtype=np.float64))
    if t.size == 0:
        return np.full(p.shape, np.nan)
    if method != "norm_inter":
        return np.asarray(np.quantile(t, p, method=method), dtype=np.float64)
    return norm_inter(t, p)


def norm_inter(t: FloatArray, p: FloatArray) -> FloatArray:
    """R ``norm.inter`` on sorted values ``t`` of length B."""
    big_b = t.size
    out = np.empty(p.shape)
    for i, alpha in enumerate(p.tolist()):
        rk = (big_b + 1) * alpha
        nearest = round(rk)
        if abs(rk - nearest) <= _RANK_RTOL * max(1.0, rk):
            rk = float(nearest)
        k = math.floor(rk)
        if k <= 0:
            out[i] = t[0]
        elif k >= big_b:
            out[i] = t[-1]
        elif k == rk:
            out[i] = t[k - 1]
        else:
            z = float(scipy.special.ndtri(alpha))
            zk = float(scipy.special.ndtri(k / (big_b + 1)))
            zk1 = float(scipy.special.ndtri((k + 1) / (big_b + 1)))
            lo, hi = t[k - 1], t[k]
            out[i] = lo + (z - zk) / (zk1 - zk) * (hi - lo)
    return out


def _extreme(p: float, big_b: int, method: QuantileMethod) -> bool:
    """True when the D&H rank (B+1)p falls outside [1, B] (B-3 warning)."""
    if method == "linear":
        return False
    rk = (big_b + 1) * p
    return rk < 1.0 - _RANK_RTOL or rk > big_b + _RANK_RTOL * big_b


# ------------------------------------------------------------------------ jackknife


def mean_acceleration(values: npt.ArrayLike) -> float:
    """Jackknife acceleration of the mean, in closed form (METHODS B-3).

    Deleting woman i gives ``(S − x_i)/(n − 1)``, so ``θ̂(·) − θ̂(i) = (x_i − x̄)/(n − 1)``
    and ``â = Σ(x − x̄)³ / (6[Σ(x − x̄)²]^{3/2})``. The stratified mean Σ/N deletes one woman
    across all strata (B-4) and has the same jackknife, hence the same â.

    Parameters
    ----------
    values : array_like of shape (n,)

    Returns
    -------
    float
        â, or NaN when all values are equal (zero jackknife variance).

    Examples
    --------
    >>> round(mean_acceleration([3, 5, 7, 18, 43, 85, 91, 98, 100, 130, 230, 487]), 8)
    0.09379807
    """
    x = np.asarray(values, dtype=np.float64)
    if x.size < 2 or np.ptp(x) == 0.0:
        return math.nan
    d = x - x.mean()
    return float(np.sum(d**3) / (6.0 * np.sum(d**2) ** 1.5))


def jackknife_values(values: npt.ArrayLike, statistic: Callable[[FloatArray], float]) -> FloatArray:
    """Leave-one-out values of any statistic (a plain loop; for tests and small data).

    Parameters
    ----------
    values : array_like of shape (n,)
    statistic
        Maps an array of shape (n − 1,) to a number.

    Returns
    -------
    ndarray of shape (n,)
        ``θ̂(i)``, the statistic with observation i deleted.
    """
    x = np.asarray(values, dtype=np.float64)
    return np.array([statistic(np.delete(x, i)) for i in range(x.size)], dtype=np.float64)


def jackknife_acceleration(jackknife: npt.ArrayLike) -> float:
    """Acceleration from leave-one-out values (Efron & Tibshirani eq. 14.15; METHODS B-3).

    Parameters
    ----------
    jackknife : array_like of shape (n,)
        ``θ̂(i)``, one per deleted observation (or unit).

    Returns
    -------
    float
        ``Σ(θ̂(·) − θ̂(i))³ / (6[Σ(θ̂(·) − θ̂(i))²]^{3/2})``; NaN if the denominator is 0.
    """
    j = np.asarray(jackknife, dtype=np.float64)
    if j.size < 2 or np.ptp(j) == 0.0:
        return math.nan
    d = j.mean() - j
    return float(np.sum(d**3) / (6.0 * np.sum(d**2) ** 1.5))


def cluster_jackknife(values: npt.ArrayLike, groups: npt.ArrayLike) -> FloatArray:
    """Delete-one-unit values of the ratio estimator ΣY/N (B-5, used for B-6 too).

    Parameters
    ----------
    values : array_like of shape (n,)
    groups : array_like of shape (n,)
        Unit label of each woman.

    Returns
    -------
    ndarray of shape (n_units,)
        ``(T − T_k)/(N − n_k)`` for each unit k, in sorted label order.
    """
    x = _as_values(values)
    _, codes = _group_codes(groups, x.size)
    return _cluster_jackknife(x, codes)


def _cluster_jackknife(x: FloatArray, codes: IntArray) -> FloatArray:
    totals = np.bincount(codes, weights=x)
    sizes = np.bincount(codes).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray((totals.sum() - totals) / (sizes.sum() - sizes), dtype=np.float64)


def ideal_bootstrap_se(
    values: npt.ArrayLike,
    groups: npt.ArrayLike | None = None,
    *,
    scheme: Literal["ordinary", "stratified"] = "ordinary",
) -> float:
    """Standard error of the mean under the ideal (B = ∞) bootstrap.

    Ordinary: ``Var*(x̄*) = σ̂²/n`` with the plug-in ``σ̂² = Σ(x − x̄)²/n``, so
    ``se = √(Σ(x − x̄)²)/n``. Stratified: ``se = √(Σ_s Σ_i (x_si − x̄_s)²)/N``.

    Parameters
    ----------
    values : array_like of shape (n,)
    groups : array_like of shape (n,), optional
        Needed for ``scheme="stratified"``.
    scheme
        ``"ordinary"`` or ``"stratified"``.

    Returns
    -------
    float
    """
    x = _as_values(values)
    if scheme == "ordinary":
        return float(np.sqrt(np.sum((x - x.mean()) ** 2)) / x.size)
    _check_choice("scheme", scheme, ("ordinary", "stratified"))
    _, codes = _group_codes(groups, x.size)
    means = np.bincount(codes, weights=x) / np.bincount(codes)
    return float(np.sqrt(np.sum((x - means[codes]) ** 2)) / x.size)


# ---------------------------------------------------------------- units (B-6, B-7)


def summarise_clusters(values: npt.ArrayLike, groups: npt.ArrayLike) -> ClusterSummary:
    """Unit sizes, unit means and the ANOVA estimators of METHODS B-6.

    Parameters
    ----------
    values : array_like of shape (n,)
    groups : array_like of shape (n,)
        Unit label of each woman.

    Returns
    -------
    ClusterSummary
    """
    x = _as_values(values)
    labels, codes = _group_codes(groups, x.size)
    return _summarise(x, labels, codes)


def _summarise(x: FloatArray, labels: tuple[str, ...], codes: IntArray) -> ClusterSummary:
    k = len(labels)
    sizes = np.bincount(codes, minlength=k).astype(np.intp)
    means = np.bincount(codes, weights=x, minlength=k) / sizes
    n = x.size
    ss_w = float(np.sum((x - means[codes]) ** 2))
    grand = float(means.mean())
    ss_b = float(np.sum((means - grand) ** 2))
    nan = math.nan
    n0 = (n - float(np.sum(sizes.astype(np.float64) ** 2)) / n) / (k - 1) if k > 1 else nan
    s2w = ss_w / (n - k) if n > k else nan
    s2b = ss_b / (k - 1) - s2w / n0 if k > 1 else nan
    total = max(s2b, 0.0) + s2w
    icc = max(s2b, 0.0) / total if total > 0 else nan
    if k < 2 or not n0 > 1.0:
        c2 = nan
    elif ss_b > 0.0:
        c2 = k / (k - 1) - ss_w / (n0 * (n0 - 1.0) * ss_b)
    else:
        c2 = -math.inf if ss_w > 0.0 else nan
    sizes.flags.writeable = False
    return ClusterSummary(
        labels=labels,
        sizes=sizes,
        means=_readonly(means),
        n=n,
        n0=n0,
        ss_between=ss_b,
        ss_within=ss_w,
        sigma2_within=s2w,
        sigma2_between=s2b,
        icc=icc,
        shrinkage_c2=c2,
    )


def recommended_schemes(n_units: int) -> tuple[Scheme, ...]:
    """Schemes fit for the primary analysis with ``n_units`` units (METHODS B-7).

    K < 10: stratified; 10 ≤ K < 24: two-stage with shrinkage; K ≥ 24: cluster or two-stage.
    """
    if n_units < 10:
        return ("stratified",)
    if n_units < 24:
        return ("two-stage",)
    return ("cluster", "two-stage")


def few_clusters_warnings(n_units: int) -> tuple[str, ...]:
    """Warning texts for a cluster or two-stage bootstrap with ``n_units`` units (B-7).

    Returns
    -------
    tuple of str
        ``W-FEW-CLUSTERS`` when K < 10, ``W-CLUSTERS-BELOW-24`` when 10 ≤ K < 24, else empty.
    """
    if n_units < 10:
        return (
            f"{W_FEW_CLUSTERS}: only {n_units} units; cluster and two-stage bootstraps are "
            "unreliable with fewer than 10 units. Use the stratified bootstrap as the primary "
            "analysis, with a t interval on the unit means (K − 1 df), and report cluster "
            "bootstraps only as a flagged sensitivity analysis (METHODS B-7).",
        )
    if n_units < 24:
        return (
            f"{W_CLUSTERS_BELOW_24}: {n_units} units; cluster bootstrap intervals "
            "under-cover below about 24 units (Flynn & Peters 2004). Use the two-stage "
            "bootstrap with shrinkage plus the t interval on unit means, flagged "
            "(METHODS B-7).",
        )
    return ()


def t_interval_unit_means(
    values: npt.ArrayLike, groups: npt.ArrayLike, *, level: float = 0.95
) -> tuple[float, float]:
    """Student t interval on the unit means with K − 1 degrees of freedom (METHODS B-7).

    ``Ȳ̄ ± t_{K−1, 1−α} · s_{Ȳk}/√K``, where ``Ȳ̄`` is the unweighted mean of the K unit
    means and ``s_{Ȳk}`` their SD (divisor K − 1).

    Parameters
    ----------
    values : array_like of shape (n,)
    groups : array_like of shape (n,)
    level
        Coverage.

    Returns
    -------
    (float, float)
        ``(NaN, NaN)`` when K < 2.
    """
    alpha = _check_level(level)
    summary = summarise_clusters(values, groups)
    k = summary.n_units
    if k < 2:
        return (math.nan, math.nan)
    centre = float(summary.means.mean())
    half = float(scipy.stats.t.ppf(1.0 - alpha, k - 1)) * float(summary.means.std(ddof=1)) / k**0.5
    return (centre - half, centre + half)


def cluster_diagnostics(
    values: npt.ArrayLike, groups: npt.ArrayLike, *, level: float = 0.95
) -> ClusterDiagnostics:
    """K, unit sizes, ICC, recommended schemes, warnings and t interval (METHODS B-7).

    Parameters
    ----------
    values : array_like of shape (n,)
    groups : array_like of shape (n,)
    level
        Coverage of the t interval.

    Returns
    -------
    ClusterDiagnostics
    """
    summary = summarise_clusters(values, groups)
    k = summary.n_units
    t_int = t_interval_unit_means(values, groups, level=level) if k < 24 else None
    return ClusterDiagnostics(
        summary=summary,
        recommended=recommended_schemes(k),
        warnings=few_clusters_warnings(k),
        t_interval=t_int,
        level=level,
    )


# ------------------------------------------------------------------ chunked engine


def _map_chunks(
    kernel: Callable[[np.random.Generator, int, int], FloatArray],
    n_resamples: int,
    per_resample: int,
    chunk_elements: int,
    rng: np.random.Generator,
    workers: int | None,
) -> FloatArray:
    """Run ``kernel(generator, start, m)`` over chunks of resamples ``start:start + m``.

    Each kernel returns an array of shape (n_out, m); the result is (n_out, n_resamples).
    A chunk holds about ``chunk_elements`` draws (``per_resample`` per resample). Chunks are
    grouped into tasks of about :data:`_TASK_ELEMENTS` draws; task ``i`` always gets the
    ``i``-th child of one SeedSequence seeded from ``rng`` and runs its chunks in order, so
    the result does not depend on ``workers``.
    """
    if chunk_elements < 1:
        msg = f"The 'chunk_elements' parameter must be >= 1. Got {chunk_elements!r} instead."
        raise ValueError(msg)
    per = max(per_resample, 1)
    rows = max(1, min(n_resamples, chunk_elements // per))
    task_rows = max(rows, _TASK_ELEMENTS // per // rows * rows)
    starts = list(range(0, n_resamples, task_rows))
    root = np.random.SeedSequence([int(v) for v in rng.integers(0, 2**63, size=4)])
    bit_generator = type(rng.bit_generator)
    tasks = list(zip(root.spawn(len(starts)), starts, strict=True))

    def run(task: tuple[np.random.SeedSequence, int]) -> FloatArray:
        seed, first = task
        g = np.random.Generator(bit_generator(seed))
        stop = min(first + task_rows, n_resamples)
        parts = [kernel(g, s, min(rows, stop - s)) for s in range(first, stop, rows)]
        return np.concatenate(parts, axis=1)

    n_workers = _n_workers(workers, len(tasks))
    if n_workers == 1:
        done = [run(t) for t in tasks]
    else:
        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            done = list(pool.map(run, tasks))
    return np.concatenate(done, axis=1)


def _split_common(xs: FloatArray) -> tuple[float, FloatArray] | None:
    """The most frequent value and the other values, when the former is worth splitting off.

    Cost data have many tied values (most often zero). A resample of ``n`` draws hits the
    other values ``K ~ Binomial(n, n_other/n)`` times, and given K those draws are uniform
    over the other values; the rest are the common value. Drawing K and then only K indices
    gives exactly the same distribution of the resample sum with fewer random numbers.
    """
    values, counts = np.unique(xs, return_counts=True)
    j = int(np.argmax(counts))
    if counts[j] < _SPLIT_SHARE * xs.size or counts[j] == xs.size:
        return None
    common = float(values[j])
    return common, xs[xs != common]


def _strata_kernel(
    strata: Sequence[FloatArray], studentize: bool
) -> Callable[[np.random.Generator, int, int], FloatArray]:
    """Resample within each stratum; rows: total, and Σ_s n_s·s*²_s if studentized.

    With a single stratum this is the ordinary bootstrap.
    """
    splits = [None if studentize else _split_common(xs) for xs in strata]

    def kernel(g: np.random.Generator, _start: int, m: int) -> FloatArray:
        out = np.zeros((2 if studentize else 1, m))
        for xs, split in zip(strata, splits, strict=True):
            ns = xs.size
            if split is not None:
                out[0] += _sum_with_common(g, m, ns, *split)
                continue
            v = np.take(xs, g.integers(0, ns, size=(m, ns)))
            s = v.sum(axis=1)
            out[0] += s
            if studentize and ns > 1:
                q = np.einsum("ij,ij->i", v, v)
                var = np.maximum(q - s * s / ns, 0.0) / (ns - 1)
                # s* = 0 exactly when every resampled value is the same (B-3).
                var[v.max(axis=1) == v.min(axis=1)] = 0.0
                out[1] += ns * var
        return out

    return kernel


def _sum_with_common(
    g: np.random.Generator, m: int, ns: int, common: float, others: FloatArray
) -> FloatArray:
    """Sums of ``m`` resamples of ``ns`` draws, split as in :func:`_split_common`."""
    k = g.binomial(ns, others.size / ns, size=m)
    k_min, k_max = int(k.min()), int(k.max())
    v = np.take(others, g.integers(0, others.size, size=(m, k_max)))
    s: FloatArray = v[:, :k_min].sum(axis=1)
    if k_max > k_min:
        # Row b uses only its first k_b draws.
        tail = v[:, k_min:]
        s += np.where(np.arange(k_min, k_max) < k[:, None], tail, 0.0).sum(axis=1)
    return s + (ns - k) * common


def _cluster_kernel(
    dev: FloatArray, sizes: FloatArray, means: FloatArray, studentize: bool
) -> Callable[[np.random.Generator, int, int], FloatArray]:
    """Units with replacement; rows: Σ(T_k − θ̂n_k) and Σn_k over the draws, [se*²·N*²]."""
    k = sizes.size

    def kernel(g: np.random.Generator, _start: int, m: int) -> FloatArray:
        idx = g.integers(0, k, size=(m, k))
        u, nn = dev[idx], sizes[idx]
        num, den = u.sum(axis=1), nn.sum(axis=1)
        if not studentize:
            return np.stack([num, den])
        r = u - (num / den)[:, None] * nn
        ss = np.einsum("ij,ij->i", r, r) * k / (k - 1)
        mu = means[idx]
        ss[mu.max(axis=1) == mu.min(axis=1)] = 0.0
        return np.stack([num, den, ss])

    return kernel


def _two_stage_kernel(
    shrunk_dev: FloatArray,
    sizes: IntArray,
    residuals_by_unit: Sequence[FloatArray],
    pooled: FloatArray | None,
    studentize: bool,
) -> Callable[[np.random.Generator, int, int], FloatArray]:
    """B-6 step 7: units, then residuals; rows as in :func:`_cluster_kernel`."""
    k = sizes.size
    sizes_f = sizes.astype(np.float64)

    def kernel(g: np.random.Generator, _start: int, m: int) -> FloatArray:
        labels = g.integers(0, k, size=(m, k))
        res_sum = np.zeros((m, k))
        for unit in range(k):
            rows, cols = np.nonzero(labels == unit)
            if rows.size == 0:
                continue
            nu = int(sizes[unit])
            pool = residuals_by_unit[unit] if pooled is None else pooled
            draws = g.integers(0, pool.size, size=(rows.size, nu))
            res_sum[rows, cols] = np.take(pool, draws).sum(axis=1)
        nn = sizes_f[labels]
        # Unit totals of Y* minus θ̂·n: n_k(Ỹ_k − θ̂) + Σ e*.
        u = nn * shrunk_dev[labels] + res_sum
        num, den = u.sum(axis=1), nn.sum(axis=1)
        if not studentize:
            return np.stack([num, den])
        r = u - (num / den)[:, None] * nn
        ss = np.einsum("ij,ij->i", r, r) * k / (k - 1)
        mu = u / nn
        ss[mu.max(axis=1) == mu.min(axis=1)] = 0.0
        return np.stack([num, den, ss])

    return kernel


def bootstrap_replicates(
    values: npt.ArrayLike,
    groups: npt.ArrayLike | None = None,
    *,
    scheme: Scheme = "ordinary",
    n_resamples: int = 9999,
    rng: np.random.Generator,
    studentize: bool = False,
    residuals: Residuals = "same",
    workers: int | None = None,
    chunk_elements: int = CHUNK_ELEMENTS,
) -> BootstrapReplicates:
    """Resample the mean cost per woman ``n_resamples`` times (METHODS B-2, B-4 to B-6).

    Parameters
    ----------
    values : array_like of shape (n,)
        Cost per woman, finite.
    groups : array_like of shape (n,), optional
        Unit (site) label per woman; required by the stratified, cluster and two-stage
        schemes, ignored by the ordinary one.
    scheme
        ``"ordinary"`` (B-2), ``"stratified"`` (B-4, statistic ΣY*/N with unit sizes fixed),
        ``"cluster"`` (B-5, ratio estimator) or ``"two-stage"`` (B-6 with shrinkage).
    n_resamples
        B; METHODS' default is 9,999 so that (B+1)α is an integer for α = 0.025.
    rng
        The random generator (METHODS G-3). One draw from it seeds the tasks' streams.
    studentize
        Also compute ``se*_b`` per resample for the studentized interval: ``s*_b/√n`` for the
        ordinary scheme, ``√(Σ_s n_s s*²_s)/N`` for the stratified one, and the linearised
        ratio-estimator SE ``√(K/(K−1)·Σ_j(T*_j − θ*_b n_j)²)/N*`` over the K drawn units for
        the cluster and two-stage schemes. ``se*_b = 0`` exactly when s* = 0.
    residuals
        Two-stage only: residuals from the drawn unit (``"same"``, B-6 default) or from all
        units (``"pooled"``, as in Penn's ``bootclust``).
    workers
        Threads over tasks of chunks; ``None`` uses every available CPU. The replicates are
        identical for any value.
    chunk_elements
        Random draws per chunk (resamples × draws per resample), bounding memory at about
        ``16 × chunk_elements`` bytes per worker. Changing it changes the random streams.

    Returns
    -------
    BootstrapReplicates
        θ̂, θ* of shape (n_resamples,), â (closed form for the ordinary and stratified
        schemes; delete-one-unit jackknife for the cluster and two-stage schemes), and
        ``se*`` of shape (n_resamples,) when ``studentize``.

    Raises
    ------
    ModelError
        Empty or non-finite values; no unit labels for a scheme that needs them; fewer than
        two units for the cluster or two-stage schemes; a two-stage bootstrap whose average
        unit size n0 is not above 1.
    """
    _check_choice("scheme", scheme, SCHEMES)
    _check_choice("residuals", residuals, get_args(Residuals))
    if n_resamples < 1:
        msg = f"The 'n_resamples' parameter must be >= 1. Got {n_resamples!r} instead."
        raise ValueError(msg)
    x = _as_values(values)
    n = x.size
    theta = float(x.mean())

    if scheme in ("ordinary", "stratified"):
        xc = x - theta  # centred: better sums and sums of squares
        if scheme == "ordinary":
            strata = [xc]
            n_units = 1
        else:
            labels, codes = _group_codes(groups, n)
            strata = [xc[codes == s] for s in range(len(labels))]
            n_units = len(labels)
        kernel = _strata_kernel(strata, studentize)
        out = _map_chunks(kernel, n_resamples, n, chunk_elements, rng, workers)
        reps = theta + out[0] / n
        se_reps = np.sqrt(out[1]) / n if studentize else None
        # s/√n (ordinary) or √(Σ n_s s_s²)/N (stratified), s with divisor n − 1.
        se_hat = math.sqrt(sum(xs.size * xs.var(ddof=1) for xs in strata if xs.size > 1)) / n
        return BootstrapReplicates(
            theta_hat=theta,
            replicates=_readonly(reps),
            acceleration=mean_acceleration(x),
            se_hat=se_hat,
            se_replicates=None if se_reps is None else _readonly(se_reps),
            scheme=scheme,
            n=n,
            n_units=n_units,
        )

    labels, codes = _group_codes(groups, n)
    summary = _summarise(x, labels, codes)
    k = summary.n_units
    if k < 2:
        msg = f"the {scheme} bootstrap resamples units and needs at least 2. Got {k}."
        raise ModelError(msg, [Problem(msg, field="groups", code="too_few_units")])
    sizes_f = summary.sizes.astype(np.float64)
    dev = np.bincount(codes, weights=x, minlength=k) - theta * sizes_f  # T_k − θ̂ n_k
    se_hat = math.sqrt(k / (k - 1) * float(np.sum(dev**2))) / n
    acceleration = jackknife_acceleration(_cluster_jackknife(x, codes))
    warnings = list(few_clusters_warnings(k))
    if scheme == "cluster":
        kernel = _cluster_kernel(dev, sizes_f, summary.means, studentize)
        per_resample = k
    else:
        if not summary.n0 > 1.0:
            msg = (
                "the two-stage bootstrap needs units of more than one woman on average "
                f"(Donner–Klar n0 > 1). Got n0 = {summary.n0}."
            )
            raise ModelError(msg, [Problem(msg, field="groups", code="units_too_small")])
        c2 = summary.shrinkage_c2
        c = math.sqrt(c2) if c2 > 0.0 else 0.0
        if not c2 > 0.0:
            warnings.append(
                f"{W_SHRINKAGE_ZERO}: the shrinkage factor c² = {c2:.4g} ≤ 0, so c = 0 and "
                "every unit mean is shrunk to the grand mean; the bootstrap variance then "
                "exceeds the ANOVA target (METHODS B-6)."
            )
        grand = float(summary.means.mean())
        shrunk_dev = grand + c * (summary.means - grand) - theta  # Ỹ_k − θ̂
        resid = (x - summary.means[codes]) / math.sqrt(1.0 - 1.0 / summary.n0)
        by_unit = [resid[codes == u] for u in range(k)]
        pooled = resid if residuals == "pooled" else None
        kernel = _two_stage_kernel(shrunk_dev, summary.sizes, by_unit, pooled, studentize)
        per_resample = n + k
    out = _map_chunks(kernel, n_resamples, per_resample, chunk_elements, rng, workers)
    reps = theta + out[0] / out[1]
    se_reps = np.sqrt(out[2]) / out[1] if studentize else None
    return BootstrapReplicates(
        theta_hat=theta,
        replicates=_readonly(reps),
        acceleration=acceleration,
        se_hat=se_hat,
        se_replicates=None if se_reps is None else _readonly(se_reps),
        scheme=scheme,
        n=n,
        n_units=k,
        warnings=tuple(warnings),
        clusters=summary,
    )


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
        ``α_i = Φ(ẑ0 + (ẑ0 + z)/(1 − â(ẑ0 + z)))`` (METHODS B-3).
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
    warnings: list[str] = []
    reason: str | None = None
    dropped = 0
    probs = (alpha, 1.0 - alpha)
    lower = upper = math.nan

    def read(values: FloatArray, p: tuple[float, float], label: str) -> FloatArray:
        bb = values.size
        for pi in p:
            if _extreme(pi, bb, quantile_method):
                warnings.append(
                    f"{W_EXTREME_ORDER}: the {label} endpoint at level {pi:.6g} needs rank "
                    f"(B+1)·{pi:.6g} = {(bb + 1) * pi:.2f}, outside [1, B = {bb}]; the "
                    "extreme order statistic is used as the endpoint (METHODS B-3)."
                )
        return quantiles(values, p, method=quantile_method)

    if method == "normal":
        z = float(scipy.special.ndtri(1.0 - alpha))
        lower, upper = theta - bias - z * se, theta - bias + z * se
        probs = (math.nan, math.nan)
    elif method == "percentile":
        lower, upper = (float(v) for v in read(t, probs, method))
    elif method == "basic":
        q = read(t, probs, method)
        lower, upper = 2.0 * theta - float(q[1]), 2.0 * theta - float(q[0])
    elif method == "studentized":
        if reps.se_replicates is None:
            msg = "the studentized interval needs se_replicates (studentize=True)."
            raise ValueError(msg)
        keep = reps.se_replicates > 0.0
        dropped = int(big_b - np.count_nonzero(keep))
        if dropped:
            warnings.append(
                f"{W_STUDENTIZED_DROPPED}: {dropped} of {big_b} resamples had s* = 0 and "
                "were dropped from the studentized interval (METHODS B-3)."
            )
        if dropped == big_b:
            reason = NO_STUDENT_VARIANCE
        else:
            tstar = (reps.replicates[keep] - theta) / reps.se_replicates[keep]
            q = read(np.sort(tstar), probs, method)
            lower = theta - float(q[1]) * reps.se_hat
            upper = theta - float(q[0]) * reps.se_hat
    else:  # bca
        if big_b < 1000:
            warnings.append(
                f"{W_BCA_FEW_RESAMPLES}: B = {big_b} < 1000 resamples; BCa endpoints are "
                "unstable with so few (METHODS B-2)."
            )
        zs = (float(scipy.special.ndtri(alpha)), float(scipy.special.ndtri(1.0 - alpha)))
        if not math.isfinite(acc):
            reason = ACCELERATION_UNDEFINED
        elif not math.isfinite(z0):
            reason = Z0_INFINITE
        elif any(1.0 - acc * (z0 + z) <= 0.0 for z in zs):
            reason = DENOMINATOR_NONPOSITIVE
        else:
            a1, a2 = (float(scipy.special.ndtr(z0 + (z0 + z) / (1.0 - acc * (z0 + z)))) for z in zs)
            probs = (a1, a2)
            lower, upper = (float(v) for v in read(t, probs, method))
        if reason is not None:
            probs = (math.nan, math.nan)
    return BootstrapInterval(
        method=method,
        level=level,
        lower=lower,
        upper=upper,
        n=reps.n,
        mean=theta,
        se=se,
        bias=bias,
        z0=z0,
        acceleration=acc,
        resamples=big_b,
        scheme=reps.scheme,
        quantile_levels=probs,
        n_units=reps.n_units,
        warnings=(*reps.warnings, *warnings),
        reason=reason,
        n_dropped=dropped,
        replicates=reps.replicates,
    )


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
        interval with a ``W-CI-FALLBACK`` warning and ``fallback_from`` set (METHODS B-3).
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
    chunk_elements: int = CHUNK_ELEMENTS,
) -> BootstrapInterval:
    """Bootstrap confidence interval of the mean cost per woman (METHODS §6).

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
    chunk_elements: int = CHUNK_ELEMENTS,
) -> dict[Method, BootstrapInterval]:
    """Several intervals from one set of replicates, for the B-8 report.

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


# ------------------------------------------------------------------- joint with PSA


def paired_resample_means(
    costs: npt.ArrayLike,
    groups: npt.ArrayLike | None = None,
    *,
    scheme: Literal["ordinary", "stratified"] = "ordinary",
    rng: np.random.Generator,
    workers: int | None = None,
    chunk_elements: int = CHUNK_ELEMENTS,
) -> FloatArray:
    """Mean cost per woman with one bootstrap resample per PSA draw (METHODS P-7 joint mode).

    Row ``d`` of ``costs`` holds every woman's cost under PSA draw ``d``; each row gets its
    own resample of women (ordinary, or within units for ``"stratified"``) and the result is
    the resample's mean of that row. Draw ``d`` and resample ``d`` are paired, so the spread
    of the result reflects both parameter and sampling uncertainty.

    Parameters
    ----------
    costs : array_like of shape (n_draws, n_women)
        Per-woman costs per PSA draw.
    groups : array_like of shape (n_women,), optional
        Unit labels, for ``scheme="stratified"``.
    scheme
        ``"ordinary"`` or ``"stratified"``.
    rng
        The random generator.
    workers
        Threads; ``None`` uses every available CPU. The result is the same for any value.
    chunk_elements
        Draws × women per chunk (memory bound); changing it changes the random streams.

    Returns
    -------
    ndarray of shape (n_draws,)
    """
    _check_choice("scheme", scheme, ("ordinary", "stratified"))
    c: FloatArray = np.asarray(costs, dtype=np.float64)
    if c.ndim != 2:
        msg = f"costs must be 2-D of shape (n_draws, n_women). Got shape {c.shape} instead."
        raise ValueError(msg)
    n_draws, n = int(c.shape[0]), int(c.shape[1])
    if n == 0:
        msg = "the bootstrap needs at least one woman's cost. Got none."
        raise ModelError(msg, [Problem(msg, field="costs", code="empty")])
    if n_draws == 0:
        return np.empty(0)
    if scheme == "ordinary":
        positions = [np.arange(n, dtype=np.intp)]
    else:
        labels, codes = _group_codes(groups, n)
        positions = [np.flatnonzero(codes == s) for s in range(len(labels))]

    def kernel(g: np.random.Generator, start: int, m: int) -> FloatArray:
        block = c[start : start + m]
        total: FloatArray = np.zeros(m)
        for pos in positions:
            cols = pos[g.integers(0, pos.size, size=(m, pos.size))]
            total += np.take_along_axis(block, cols, axis=1).sum(axis=1)
        return (total / n)[None, :]

    means: FloatArray = _map_chunks(kernel, n_draws, n, chunk_elements, rng, workers)[0]
    return means
