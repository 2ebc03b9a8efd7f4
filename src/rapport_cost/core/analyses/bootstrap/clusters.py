"""The jackknife, and units as clusters: summaries, diagnostics, few-cluster rules (M-50, M-52)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy  # its submodules load on first use (scipy's lazy loading)

from rapport_cost.arrays import FloatArray, IntArray
from rapport_cost.core.analyses.bootstrap.common import (
    W_CLUSTERS_BELOW_24,
    W_FEW_CLUSTERS,
    ClusterDiagnostics,
    ClusterSummary,
    Scheme,
    _as_values,
    _check_choice,
    _check_level,
    _group_codes,
    _readonly,
)

# ------------------------------------------------------------------------ jackknife


def mean_acceleration(values: npt.ArrayLike) -> float:
    """Jackknife acceleration of the mean, in closed form (M-51).

    Deleting woman i gives ``(S − x_i)/(n − 1)``, so ``θ̂(·) − θ̂(i) = (x_i − x̄)/(n − 1)``
    and ``â = Σ(x − x̄)³ / (6[Σ(x − x̄)²]^{3/2})``. The stratified mean Σ/N deletes one woman
    across all strata (M-50) and has the same jackknife, hence the same â.

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
    """Acceleration from leave-one-out values (Efron & Tibshirani eq. 14.15; M-51).

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
    """Delete-one-unit values of the ratio estimator ΣY/N (M-50, used for M-50 too).

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


# ---------------------------------------------------------------- units (M-50, M-52)


def summarise_clusters(values: npt.ArrayLike, groups: npt.ArrayLike) -> ClusterSummary:
    """Unit sizes, unit means and the ANOVA estimators of M-50.

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
    """Schemes fit for the primary analysis with ``n_units`` units (M-52).

    K < 10: stratified; 10 ≤ K < 24: two-stage with shrinkage; K ≥ 24: cluster or two-stage.
    """
    if n_units < 10:
        return ("stratified",)
    if n_units < 24:
        return ("two-stage",)
    return ("cluster", "two-stage")


def few_clusters_warnings(n_units: int) -> tuple[str, ...]:
    """Warning texts for a cluster or two-stage bootstrap with ``n_units`` units (M-52).

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
            "bootstraps only as a flagged sensitivity analysis (M-52).",
        )
    if n_units < 24:
        return (
            f"{W_CLUSTERS_BELOW_24}: {n_units} units; cluster bootstrap intervals "
            "under-cover below about 24 units (Flynn & Peters 2004). Use the two-stage "
            "bootstrap with shrinkage plus the t interval on unit means, flagged "
            "(M-52).",
        )
    return ()


def t_interval_unit_means(
    values: npt.ArrayLike, groups: npt.ArrayLike, *, level: float = 0.95
) -> tuple[float, float]:
    """Student t interval on the unit means with K − 1 degrees of freedom (M-52).

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
    """K, unit sizes, ICC, recommended schemes, warnings and t interval (M-52).

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
