"""Tests of the bootstrap core (M-49 to M-53; test vectors T19, T21, T22).

Every expected number is typed in from the bootstrap test vectors (T19–T22, quoted), derived
by hand in a comment, or follows from a closed form written out in the test. Stochastic
tests take ``global_random_seed`` and use tolerances of about five Monte Carlo standard
errors, each derived in the test.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import numpy.typing as npt
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from rapport_cost.core.analyses.bootstrap import (
    ACCELERATION_UNDEFINED,
    DENOMINATOR_NONPOSITIVE,
    NO_STUDENT_VARIANCE,
    SCHEMES,
    W_BCA_FEW_RESAMPLES,
    W_CLUSTERS_BELOW_24,
    W_EXTREME_ORDER,
    W_FALLBACK,
    W_FEW_CLUSTERS,
    W_SHRINKAGE_ZERO,
    W_STUDENTIZED_DROPPED,
    Z0_INFINITE,
    BootstrapReplicates,
    Residuals,
    Ties,
    bootstrap_ci,
    bootstrap_intervals,
    bootstrap_replicates,
    cluster_diagnostics,
    cluster_jackknife,
    few_clusters_warnings,
    ideal_bootstrap_se,
    interval_from_replicates,
    jackknife_acceleration,
    jackknife_values,
    mean_acceleration,
    paired_resample_means,
    quantiles,
    recommended_schemes,
    resample_counts,
    resolve_interval,
    summarise_clusters,
)
from rapport_cost.core.analyses.bootstrap import resampling as bootstrap_module
from rapport_cost.errors import ExitCode, ModelError

# D&H `aircondit`: hours between air-conditioning failures (M-51).
AIRCONDIT = np.array([3, 5, 7, 18, 43, 85, 91, 98, 100, 130, 230, 487], dtype=float)

# z_{0.975} of the standard normal (the well-known 1.959963984540054).
Z975 = 1.959963984540054


def has_code(warnings: tuple[str, ...], code: str) -> bool:
    return any(w.startswith(code + ":") for w in warnings)


def var_rtol(replicates: np.ndarray, k: float = 5.0) -> float:
    """k Monte Carlo SEs of a sample variance, relative to the variance.

    Var(s²) ≈ σ⁴(2/(B − 1) + κ/B) with κ the excess kurtosis of θ*, so
    sd(s²)/σ² ≈ √((2 + κ)/B).
    """
    b = replicates.size
    kappa = float(stats.kurtosis(replicates))
    return k * math.sqrt((2.0 + max(kappa, 0.0)) / b)


# ----------------------------------------------------------------------- T19, T21


def test_t19_aircondit_closed_form_acceleration_equals_jackknife() -> None:
    # M-51: x̄ = 108.083333; â = 0.09379807 (jackknife equals closed form).
    assert_allclose(AIRCONDIT.mean(), 108.083333, atol=5e-7)
    assert_allclose(mean_acceleration(AIRCONDIT), 0.09379807, atol=5e-9)
    jack = jackknife_values(AIRCONDIT, lambda v: float(np.mean(v)))
    assert_allclose(jackknife_acceleration(jack), 0.09379807, atol=5e-9)
    assert_allclose(jackknife_acceleration(jack), mean_acceleration(AIRCONDIT), rtol=1e-12)


def test_t19_aircondit_ideal_bootstrap_se() -> None:
    # M-51: ideal bootstrap SE = √(Σ(x − x̄)²)/n = 37.652552.
    assert_allclose(ideal_bootstrap_se(AIRCONDIT), 37.652552, atol=5e-7)


def test_t19_aircondit_bootstrap_se_converges_to_ideal(global_random_seed: int) -> None:
    rng = np.random.default_rng(global_random_seed)
    reps = bootstrap_replicates(AIRCONDIT, n_resamples=9999, rng=rng)
    # sd(s)/σ ≈ ½·sd(s²)/σ², so the SD needs half the variance's relative tolerance.
    tol = 0.5 * var_rtol(reps.replicates)
    assert_allclose(reps.replicates.std(ddof=1), 37.652552, rtol=tol)
    assert reps.acceleration == pytest.approx(0.09379807, abs=5e-9)


def _exhaustive_1234() -> tuple[np.ndarray, np.ndarray]:
    x = np.array([1.0, 2.0, 3.0, 4.0])
    resamples = np.array([x[list(i)] for i in itertools.product(range(4), repeat=4)])
    assert resamples.shape == (256, 4)
    return resamples.mean(axis=1), resamples.std(axis=1, ddof=1) / 2.0  # s*/√n, n = 4


def test_t21_exhaustive_bootstrap_se() -> None:
    # M-50: over all 4⁴ = 256 equally likely resamples of (1, 2, 3, 4), the SE of the
    # mean is √5/4 = 0.5590170 exactly. By hand: Σ(x − 2.5)² = 2.25 + 0.25 + 0.25 + 2.25 = 5,
    # Var*(x̄*) = (Σ(x − x̄)²/n)/n = 5/16.
    means, _ = _exhaustive_1234()
    assert_allclose(means.std(ddof=0), 0.5590170, atol=5e-8)
    assert_allclose(means.std(ddof=0), math.sqrt(5) / 4, rtol=1e-12)
    assert_allclose(ideal_bootstrap_se([1, 2, 3, 4]), math.sqrt(5) / 4, rtol=1e-12)


def test_t21_resampler_reproduces_the_exhaustive_distribution(global_random_seed: int) -> None:
    means, _ = _exhaustive_1234()
    values, counts = np.unique(means, return_counts=True)  # 1.00, 1.25, ..., 4.00
    assert values.size == 13
    p = counts / 256.0
    b = 100_000
    reps = bootstrap_replicates(
        [1, 2, 3, 4], n_resamples=b, rng=np.random.default_rng(global_random_seed)
    )
    hits = np.array([np.count_nonzero(reps.replicates == v) for v in values])
    assert hits.sum() == b  # every replicate is one of the 13 exact means
    got = hits / b
    assert np.all(np.abs(got - p) <= 5.0 * np.sqrt(p * (1 - p) / b))
    assert_allclose(reps.replicates.std(ddof=1), math.sqrt(5) / 4, rtol=var_rtol(reps.replicates))


def test_tied_values_reproduce_the_exhaustive_distribution(global_random_seed: int) -> None:
    # Half the women cost 0 (the common value is drawn Binomial-many times and the others by
    # index; the distribution must still be that of 4 draws with replacement). Enumerate all
    # 256 resamples of (0, 0, 1, 3): sums 0..12.
    x = np.array([0.0, 0.0, 1.0, 3.0])
    sums = np.array([x[list(i)].sum() for i in itertools.product(range(4), repeat=4)])
    values, counts = np.unique(sums / 4, return_counts=True)
    p = counts / 256.0
    b = 100_000
    reps = bootstrap_replicates(x, n_resamples=b, rng=np.random.default_rng(global_random_seed))
    hits = np.array([np.count_nonzero(reps.replicates == v) for v in values])
    assert hits.sum() == b
    assert np.all(np.abs(hits / b - p) <= 5.0 * np.sqrt(p * (1 - p) / b))
    # Ideal SE: x̄ = 1, Σ(x − 1)² = 1 + 1 + 0 + 4 = 6, se = √6/4.
    assert_allclose(reps.replicates.std(ddof=1), math.sqrt(6) / 4, rtol=var_rtol(reps.replicates))


def test_t21_studentized_se_star_from_sums_of_squares(global_random_seed: int) -> None:
    # se*_b = s*_b/√n computed from Σx* and Σx*² must be the SE of an actual resample with
    # the same mean: each (θ*_b, se*_b) lies on the exhaustive support.
    means, ses = _exhaustive_1234()
    reps = bootstrap_replicates(
        [1, 2, 3, 4],
        n_resamples=5000,
        rng=np.random.default_rng(global_random_seed),
        studentize=True,
    )
    assert reps.se_replicates is not None
    match = (np.abs(reps.replicates[:, None] - means[None, :]) < 1e-12) & (
        np.abs(reps.se_replicates[:, None] - ses[None, :]) < 1e-12
    )
    assert match.any(axis=1).all()
    # se_hat = s/√n with s² = 5/3 (divisor n − 1): √(5/3)/2.
    assert_allclose(reps.se_hat, math.sqrt(5 / 3) / 2, rtol=1e-12)


# --------------------------------------------------------------------------- T22


def t22(acceleration: float) -> BootstrapReplicates:
    return BootstrapReplicates(
        theta_hat=500.0, replicates=np.arange(1.0, 1000.0), acceleration=acceleration, n=999
    )


def test_t22_percentile_and_basic() -> None:
    # M-51: (B+1)α = 25 and 975 are integers, so percentile (25, 975); basic
    # (2·500 − 975, 2·500 − 25) = (25, 975).
    pct = interval_from_replicates(t22(0.0), method="percentile")
    basic = interval_from_replicates(t22(0.0), method="basic")
    assert (pct.lower, pct.upper) == (25.0, 975.0)
    assert (basic.lower, basic.upper) == (25.0, 975.0)


def test_t22_bca_norm_inter_with_boot_ties() -> None:
    # M-51, â = 0: ẑ0 = Φ⁻¹(499/999) = −0.001254569, α1 = 0.024853713,
    # α2 = 0.974852992, norm.inter endpoints (24.855833, 974.850915).
    ci = interval_from_replicates(t22(0.0), method="bca", ties="boot")
    assert_allclose(ci.z0, -0.001254569, atol=5e-10)
    assert_allclose(ci.quantile_levels, (0.024853713, 0.974852992), atol=5e-10)
    assert_allclose((ci.lower, ci.upper), (24.855833, 974.850915), atol=5e-7)


def test_t22_bca_weibull_variant() -> None:
    # M-51: numpy method="weibull" gives (24.853713, 974.852992), i.e. the rank
    # (B+1)α interpolated linearly between consecutive integers.
    ci = interval_from_replicates(t22(0.0), method="bca", ties="boot", quantile_method="weibull")
    assert_allclose((ci.lower, ci.upper), (24.853713, 974.852992), atol=5e-7)


def test_t22_bca_with_acceleration() -> None:
    # M-51, â = 0.1: α1 = 0.050408843, α2 = 0.992545050, norm.inter
    # (50.410752, 992.530419).
    ci = interval_from_replicates(t22(0.1), method="bca", ties="boot")
    assert_allclose(ci.quantile_levels, (0.050408843, 0.992545050), atol=5e-10)
    assert_allclose((ci.lower, ci.upper), (50.410752, 992.530419), atol=5e-7)


def test_t22_half_ties_give_z0_zero() -> None:
    # #{<} = 499 and #{≤} = 500, so p = (499 + 500)/(2·999) = 1/2 and ẑ0 = 0; with â = 0 the
    # BCa levels are α and 1 − α and BCa equals the percentile interval (25, 975).
    ci = interval_from_replicates(t22(0.0), method="bca", ties="half")
    assert ci.z0 == 0.0
    assert_allclose((ci.lower, ci.upper), (25.0, 975.0), rtol=1e-12)


def test_t22_linear_quantiles_reproduce_numpy_default() -> None:
    # numpy "linear": 0-based position (B − 1)p = 998·0.025 = 24.95 → 1 + 24.95 = 25.95;
    # 998·0.975 = 973.05 → 974.05.
    ci = interval_from_replicates(t22(0.0), method="percentile", quantile_method="linear")
    assert_allclose((ci.lower, ci.upper), (25.95, 974.05), rtol=1e-12)


def test_t22_normal_interval() -> None:
    # bias = mean(1..999) − 500 = 0; se² = Var(1..N) with divisor N − 1 = N(N + 1)/12 = 83250.
    ci = interval_from_replicates(t22(0.0), method="normal")
    se = math.sqrt(999 * 1000 / 12)
    assert ci.bias == 0.0
    assert_allclose(ci.se, se, rtol=1e-12)
    assert_allclose((ci.lower, ci.upper), (500 - Z975 * se, 500 + Z975 * se), rtol=1e-9)


def test_bca_warns_below_1000_resamples() -> None:
    ci = interval_from_replicates(t22(0.0), method="bca")
    assert has_code(ci.warnings, W_BCA_FEW_RESAMPLES)  # B = 999
    pct = interval_from_replicates(t22(0.0), method="percentile")
    assert not pct.warnings


def test_extreme_order_statistics_warning() -> None:
    # B = 19: (B+1)·0.025 = 0.5 < 1 and (B+1)·0.975 = 19.5 > 19, so the endpoints are the
    # minimum and the maximum, with a warning for each.
    reps = BootstrapReplicates(theta_hat=10.0, replicates=np.arange(1.0, 20.0))
    ci = interval_from_replicates(reps, method="percentile")
    assert (ci.lower, ci.upper) == (1.0, 19.0)
    assert sum(w.startswith(W_EXTREME_ORDER) for w in ci.warnings) == 2


def test_quantiles_norm_inter_between_order_statistics() -> None:
    # B = 999, p = 0.0255: rank 25.5, between t(25) = 25 and t(26) = 26, at the normal-scale
    # fraction (Φ⁻¹(0.0255) − Φ⁻¹(0.025))/(Φ⁻¹(0.026) − Φ⁻¹(0.025)) (D&H eq. 5.8).
    z = stats.norm.ppf
    frac = (z(0.0255) - z(0.025)) / (z(0.026) - z(0.025))
    got = quantiles(np.arange(1.0, 1000.0)[::-1], [0.0255], method="norm_inter")
    assert_allclose(got, [25.0 + frac], rtol=1e-12)


def test_studentized_interval_by_hand() -> None:
    # t*_b = (θ*_b − θ̂)/se*_b = (−4.99, −4.98, ..., 4.99) by construction (B = 999), so
    # t*_(25) = −4.99 + 0.24 = −4.75 and t*_(975) = 4.75; with se = 3 the interval is
    # (10 − 4.75·3, 10 + 4.75·3) = (−4.25, 24.25).
    t = np.arange(-499, 500) / 100.0
    reps = BootstrapReplicates(
        theta_hat=10.0,
        replicates=10.0 + 2.0 * t,
        se_replicates=np.full(999, 2.0),
        se_hat=3.0,
    )
    ci = interval_from_replicates(reps, method="studentized")
    assert_allclose((ci.lower, ci.upper), (-4.25, 24.25), rtol=1e-12)
    assert ci.n_dropped == 0


def test_studentized_drops_zero_se_replicates() -> None:
    se = np.full(999, 2.0)
    se[:3] = 0.0
    reps = BootstrapReplicates(
        theta_hat=10.0,
        replicates=np.linspace(0.0, 20.0, 999),
        se_replicates=se,
        se_hat=3.0,
    )
    ci = interval_from_replicates(reps, method="studentized")
    assert ci.n_dropped == 3
    assert has_code(ci.warnings, W_STUDENTIZED_DROPPED)
    assert ci.defined


# ---------------------------------------------------------------- edge cases (B-3)


def test_all_values_equal_bca_undefined_with_reason() -> None:
    reps = bootstrap_replicates(np.full(50, 120.0), n_resamples=1999, rng=np.random.default_rng(0))
    ci = interval_from_replicates(reps, method="bca")
    assert math.isnan(reps.acceleration)
    assert not ci.defined
    assert ci.reason == ACCELERATION_UNDEFINED
    assert math.isnan(ci.lower)
    assert math.isnan(ci.upper)


def test_all_values_equal_raises_model_error_without_fallback() -> None:
    with pytest.raises(ModelError) as info:
        bootstrap_ci(np.full(50, 120.0), n_resamples=1999, rng=np.random.default_rng(0))
    assert info.value.exit_code == ExitCode.MODEL_FAILED
    assert info.value.problems[0].code == ACCELERATION_UNDEFINED


def test_all_values_equal_falls_back_to_percentile() -> None:
    ci = bootstrap_ci(
        np.full(50, 120.0), n_resamples=1999, rng=np.random.default_rng(0), fallback=True
    )
    assert ci.method == "percentile"
    assert ci.fallback_from == "bca"
    assert ci.defined
    assert (ci.lower, ci.upper) == (120.0, 120.0)
    assert has_code(ci.warnings, W_FALLBACK)
    assert ACCELERATION_UNDEFINED in next(w for w in ci.warnings if w.startswith(W_FALLBACK))


@pytest.mark.parametrize("ties", ["boot", "half"])
def test_no_replicate_below_estimate_gives_infinite_z0(ties: Ties) -> None:
    # #{θ* < θ̂} = 0 (and #{θ* ≤ θ̂} = 0): p = 0 under both tie rules, ẑ0 = −∞.
    reps = BootstrapReplicates(theta_hat=0.0, replicates=np.arange(1.0, 1000.0), acceleration=0.0)
    ci = interval_from_replicates(reps, method="bca", ties=ties)
    assert ci.reason == Z0_INFINITE
    with pytest.raises(ModelError) as info:
        resolve_interval(ci, reps)
    assert info.value.problems[0].code == Z0_INFINITE


def test_nonpositive_bca_denominator() -> None:
    # ẑ0 = 0 (half ties, see above), â = 0.6: 1 − 0.6·(0 + 1.96) = −0.176 ≤ 0.
    ci = interval_from_replicates(t22(0.6), method="bca")
    assert ci.reason == DENOMINATOR_NONPOSITIVE
    fallback = resolve_interval(ci, t22(0.6), fallback=True)
    assert (fallback.lower, fallback.upper) == (25.0, 975.0)


def test_studentized_undefined_when_every_se_star_is_zero() -> None:
    reps = BootstrapReplicates(
        theta_hat=1.0, replicates=np.ones(99), se_replicates=np.zeros(99), se_hat=0.0
    )
    ci = interval_from_replicates(reps, method="studentized")
    assert ci.reason == NO_STUDENT_VARIANCE


def test_bad_data_is_a_model_error() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ModelError) as info:
        bootstrap_ci([1.0, np.nan], rng=rng)
    assert info.value.problems[0].code == "not_finite"
    with pytest.raises(ModelError):
        bootstrap_ci([1.0, 2.0], scheme="stratified", rng=rng)  # no unit labels
    with pytest.raises(ModelError) as info:
        bootstrap_ci([1.0, 2.0], ["a", "a"], scheme="cluster", rng=rng)
    assert info.value.problems[0].code == "too_few_units"
    with pytest.raises(ModelError) as info:
        bootstrap_ci([1.0, 2.0, 3.0], ["a", "b", "c"], scheme="two-stage", rng=rng)
    assert info.value.problems[0].code == "units_too_small"  # n0 = 1


# ------------------------------------------------------------ agreement with scipy


def test_agrees_with_scipy_bootstrap(global_random_seed: int) -> None:
    rng = np.random.default_rng(global_random_seed)
    n, b = 400, 9999
    x = rng.gamma(shape=0.7, scale=800.0, size=n) * (rng.random(n) >= 0.2)
    ours = bootstrap_intervals(x, rng=rng, methods=("percentile", "basic", "bca"), n_resamples=b)
    # Both are Monte Carlo estimates of the same ideal-bootstrap endpoints. With θ* close to
    # normal (skewness of a mean of 400 is ~0.1) of SD σ, a quantile estimate at level p has
    # MC SD σ·√(p(1 − p)/B)/φ(z_p) (= 0.0267σ at p = 0.025, B = 9999). BCa adds the error of
    # ẑ0, SD √(1/4B)/φ(0), moving the endpoint by ≈ 2σ per unit of ẑ0. The difference of two
    # independent runs has √2 times the SD; allow five of those.
    sigma = ideal_bootstrap_se(x)
    p = 0.025
    q_sd = math.sqrt(p * (1 - p) / b) / stats.norm.pdf(stats.norm.ppf(p))
    z0_sd = math.sqrt(0.25 / b) / stats.norm.pdf(0.0)
    tol = {
        "percentile": 5 * math.sqrt(2) * q_sd * sigma,
        "basic": 5 * math.sqrt(2) * q_sd * sigma,
        "bca": 5 * math.sqrt(2) * math.hypot(q_sd, 2 * z0_sd) * sigma,
    }
    for ours_name, scipy_name in (("percentile", "percentile"), ("basic", "basic"), ("bca", "BCa")):
        ref = stats.bootstrap(
            (x,), np.mean, n_resamples=b, method=scipy_name, vectorized=True, rng=rng
        ).confidence_interval
        got = ours[ours_name]
        assert abs(got.lower - ref.low) <= tol[ours_name], ours_name
        assert abs(got.upper - ref.high) <= tol[ours_name], ours_name


# ----------------------------------------------------------- schemes (B-4 to B-6)


def coded_units() -> tuple[np.ndarray, np.ndarray]:
    # Unit A: 3 women costing 1, 2, 3; B: 5 women costing 1001..1005; C: 2 women costing
    # 1000001, 1000002. N·θ* = (sum of A draws) + 1000·#B + 10⁶·#C + small parts < 1000, so
    # the counts drawn from each unit can be read off N·θ*.
    values = np.array([1, 2, 3, 1001, 1002, 1003, 1004, 1005, 1000001, 1000002], dtype=float)
    groups = np.array(["A"] * 3 + ["B"] * 5 + ["C"] * 2)
    return values, groups


def composition(total: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    s = np.round(total)
    assert_allclose(total, s, atol=1e-6)
    n_c = s // 1_000_000
    n_b = (s % 1_000_000) // 1000
    return n_c, n_b, s % 1000


def test_stratified_resamples_keep_unit_sizes(global_random_seed: int) -> None:
    values, groups = coded_units()
    rng = np.random.default_rng(global_random_seed)
    reps = bootstrap_replicates(values, groups, scheme="stratified", n_resamples=2000, rng=rng)
    n_c, n_b, small = composition(reps.replicates * 10)
    assert np.all(n_c == 2)
    assert np.all(n_b == 5)
    # Small parts: 3 draws from {1,2,3} + 5 from {1..5} + 2 from {1,2}: between 10 and 38.
    assert small.min() >= 10
    assert small.max() <= 38
    # The ordinary scheme does not keep them (P(all 2000 resamples keep #C = 2) ≈ 0).
    ordinary = bootstrap_replicates(values, n_resamples=2000, rng=rng)
    assert len(np.unique(composition(ordinary.replicates * 10)[0])) > 1


def test_stratified_se_hat_and_acceleration() -> None:
    # Strata A = (1, 2, 3), s² = 1; B = (10, 14), s² = 8. se = √(3·1 + 2·8)/5 = √19/5.
    values = np.array([1.0, 2.0, 3.0, 10.0, 14.0])
    groups = np.array([0, 0, 0, 1, 1])
    reps = bootstrap_replicates(
        values, groups, scheme="stratified", n_resamples=10, rng=np.random.default_rng(0)
    )
    assert_allclose(reps.se_hat, math.sqrt(19) / 5, rtol=1e-12)
    # Deleting woman i gives (S − x_i)/(N − 1), as for the ordinary mean (B-4).
    assert reps.acceleration == mean_acceleration(values)
    # Ideal stratified SE: √(Σ within-stratum squared deviations)/N = √(2 + 8)/5.
    assert_allclose(ideal_bootstrap_se(values, groups, scheme="stratified"), math.sqrt(10) / 5)


def balanced_clusters(seed: int, k: int = 12, m: int = 30) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    effects = rng.normal(0.0, 100.0, size=k)
    within = rng.gamma(shape=2.0, scale=100.0, size=(k, m)) - 200.0  # mean 0, SD 141
    values = (500.0 + effects[:, None] + within).ravel()
    return values, np.repeat(np.arange(k), m)


def unit_means(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    return np.array([values[groups == g].mean() for g in np.unique(groups)])


def test_cluster_bootstrap_variance_on_balanced_data(global_random_seed: int) -> None:
    # Balanced units: θ* is the mean of K unit means drawn with replacement, so
    # Var*(θ*) = (plug-in variance of unit means)/K = (K − 1)/K · s²/K (B-5).
    values, groups = balanced_clusters(global_random_seed)
    k = 12
    s2 = unit_means(values, groups).var(ddof=1)
    target = (k - 1) / k * s2 / k
    reps = bootstrap_replicates(
        values, groups, scheme="cluster", n_resamples=4999, rng=np.random.default_rng(7)
    )
    assert_allclose(reps.replicates.var(ddof=1), target, rtol=var_rtol(reps.replicates))
    assert has_code(reps.warnings, W_CLUSTERS_BELOW_24)


@pytest.mark.parametrize("residuals", ["same", "pooled"])
def test_two_stage_shrinkage_variance_on_balanced_data(
    global_random_seed: int, residuals: Residuals
) -> None:
    # B-6: with balanced units the shrinkage makes Var*(θ*) = s²_{Ȳk}/K. By hand: the K drawn
    # shrunken means contribute c²·SS_B/K², the residual means (unit variance SS_W,k/(n − 1)
    # after the √(1 − 1/n) scaling, averaged over units) SS_W/(K²n(n − 1)); with
    # c² = K/(K − 1) − SS_W/(n(n − 1)SS_B) the sum is SS_B/(K(K − 1)) = s²/K. Pooled residuals
    # have the same variance. (c² > 0 here: the unit SD is 100 against 141/√30 ≈ 26.)
    values, groups = balanced_clusters(global_random_seed)
    k = 12
    target = unit_means(values, groups).var(ddof=1) / k
    reps = bootstrap_replicates(
        values,
        groups,
        scheme="two-stage",
        n_resamples=4999,
        rng=np.random.default_rng(global_random_seed + 1000),
        residuals=residuals,
    )
    assert reps.clusters is not None
    assert reps.clusters.shrinkage_c2 > 0
    assert_allclose(reps.replicates.var(ddof=1), target, rtol=var_rtol(reps.replicates))
    # Balanced: E*(θ*) = mean of the shrunken unit means = grand mean = θ̂; allow 5 MC SEs.
    sd = reps.replicates.std(ddof=1)
    assert abs(reps.replicates.mean() - values.mean()) <= 5 * sd / math.sqrt(4999)


def test_two_stage_unbalanced_runs(global_random_seed: int) -> None:
    rng = np.random.default_rng(global_random_seed)
    sizes = np.array([3, 8, 15, 40, 6, 22, 11])
    groups = np.repeat(np.arange(7), sizes)
    values = rng.gamma(0.8, 300.0, size=groups.size) * (rng.random(groups.size) > 0.3)
    ci = bootstrap_ci(values, groups, scheme="two-stage", rng=rng, n_resamples=1999)
    assert ci.defined
    assert ci.lower < ci.upper
    assert ci.n_units == 7


def test_two_stage_warns_when_shrinkage_factor_is_zero() -> None:
    # Three units with the same mean 5: SS_B = 0, so c² = −∞ and c = 0.
    values = np.array([0.0, 10.0, 0.0, 10.0, 0.0, 10.0])
    groups = np.array([1, 1, 2, 2, 3, 3])
    reps = bootstrap_replicates(
        values, groups, scheme="two-stage", n_resamples=200, rng=np.random.default_rng(0)
    )
    assert has_code(reps.warnings, W_SHRINKAGE_ZERO)
    assert has_code(reps.warnings, W_FEW_CLUSTERS)


def test_cluster_jackknife_and_se_by_hand() -> None:
    # Units a = (1, 2), b = (3, 4, 5), c = (6): T = 21, N = 6, totals 3, 12, 6.
    # Delete a: 18/4 = 4.5; b: 9/3 = 3; c: 15/5 = 3.
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    groups = np.array(["a", "a", "b", "b", "b", "c"])
    assert_allclose(cluster_jackknife(values, groups), [4.5, 3.0, 3.0], rtol=1e-12)
    # â from (4.5, 3, 3): mean 3.5, d = θ̄ − θ(k) = (−1, 0.5, 0.5); Σd³ = −0.75, Σd² = 1.5.
    reps = bootstrap_replicates(
        values, groups, scheme="cluster", n_resamples=50, rng=np.random.default_rng(0)
    )
    assert_allclose(reps.acceleration, -0.75 / (6 * 1.5**1.5), rtol=1e-12)
    # Linearised SE: θ̂ = 3.5, T − θ̂n = (3 − 7, 12 − 10.5, 6 − 3.5) = (−4, 1.5, 2.5),
    # Σ² = 24.5, se = √(3/2 · 24.5)/6.
    assert_allclose(reps.se_hat, math.sqrt(1.5 * 24.5) / 6, rtol=1e-12)


def test_cluster_studentized_runs_and_counts_dropped(global_random_seed: int) -> None:
    values, groups = balanced_clusters(global_random_seed, k=5, m=10)
    out = bootstrap_intervals(
        values,
        groups,
        scheme="cluster",
        n_resamples=2000,
        rng=np.random.default_rng(global_random_seed),
        methods=("studentized", "bca"),
    )
    st = out["studentized"]
    # A resample drawing one unit five times has s* = 0: probability 5·(1/5)⁵ = 1/625.
    assert st.defined
    assert st.lower < st.mean < st.upper
    assert has_code(st.warnings, W_FEW_CLUSTERS)


# -------------------------------------------------------------- reproducibility


def test_replicates_do_not_depend_on_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    # Small tasks (40 resamples of 500 draws each, in chunks of 10), so that 997 resamples
    # make 25 tasks spread over the threads.
    monkeypatch.setattr(bootstrap_module, "_TASK_ELEMENTS", 20_000)
    x = np.random.default_rng(3).gamma(1.0, 100.0, size=500)
    groups = np.arange(500) % 4
    for scheme in SCHEMES:
        a, b = (
            bootstrap_replicates(
                x,
                groups,
                scheme=scheme,
                n_resamples=997,
                rng=np.random.default_rng(11),
                workers=w,
                chunk_elements=5000,
                studentize=True,
            )
            for w in (1, 3)
        )
        assert_array_equal(a.replicates, b.replicates)
        assert a.se_replicates is not None
        assert b.se_replicates is not None
        assert_array_equal(a.se_replicates, b.se_replicates)


def test_same_seed_same_interval_and_read_only_replicates() -> None:
    x = np.random.default_rng(4).gamma(1.0, 100.0, size=300)
    a = bootstrap_ci(x, rng=np.random.default_rng(5), n_resamples=1999)
    b = bootstrap_ci(x, rng=np.random.default_rng(5), n_resamples=1999)
    assert (a.lower, a.upper) == (b.lower, b.upper)
    assert a.replicates.shape == (1999,)
    with pytest.raises(ValueError, match="read-only"):
        a.replicates[0] = 0.0


def test_intervals_share_replicates_and_report_fields(global_random_seed: int) -> None:
    x = np.random.default_rng(global_random_seed).gamma(0.8, 300.0, size=200)
    out = bootstrap_intervals(x, rng=np.random.default_rng(global_random_seed), n_resamples=1999)
    assert list(out) == ["normal", "percentile", "basic", "studentized", "bca"]
    for ci in out.values():
        assert ci.n == 200
        assert ci.resamples == 1999
        assert ci.mean == x.mean()
        assert ci.lower < ci.upper
        assert_array_equal(ci.replicates, out["bca"].replicates)
    assert out["bca"].acceleration == mean_acceleration(x)


# ---------------------------------------------------------------- few clusters (B-7)


def test_few_clusters_diagnostics_by_hand() -> None:
    # Units (1,2,3), (4,5,6), (7,8,9): means 2, 5, 8, grand mean 5. SS_B = 9 + 0 + 9 = 18;
    # SS_W = 3·(1 + 0 + 1) = 6; N = 9, K = 3. σ̂w² = 6/(9 − 3) = 1;
    # n0 = (9 − 27/9)/2 = 3; σ̂b² = 18/2 − 1/3 = 26/3; ρ̂ = (26/3)/(26/3 + 1) = 26/29.
    # c² = 3/2 − 6/(3·2·18) = 13/9.
    values = np.arange(1.0, 10.0)
    groups = np.repeat(["x", "y", "z"], 3)
    d = cluster_diagnostics(values, groups)
    s = d.summary
    assert s.n_units == 3
    assert_array_equal(s.sizes, [3, 3, 3])
    assert_allclose([s.ss_between, s.ss_within, s.sigma2_within, s.n0], [18, 6, 1, 3])
    assert_allclose(s.sigma2_between, 26 / 3, rtol=1e-12)
    assert_allclose(s.icc, 26 / 29, rtol=1e-12)
    assert_allclose(s.shrinkage_c2, 13 / 9, rtol=1e-12)
    assert d.recommended == ("stratified",)
    assert has_code(d.warnings, W_FEW_CLUSTERS)
    # t interval: 5 ± t_{2, 0.975}·s/√K with s² = 18/2 = 9, so s/√3 = √3;
    # t_{2, 0.975} = 4.302653 (tables): 5 ± 7.452413.
    assert d.t_interval is not None
    half = 4.302653 * math.sqrt(3)
    assert_allclose(d.t_interval, (5 - half, 5 + half), atol=1e-6)
    assert_allclose(d.t_interval, (-2.452413, 12.452413), atol=5e-6)


def test_icc_truncated_at_zero_and_unbalanced_n0() -> None:
    # Sizes 2, 3, 5: n0 = (10 − (4 + 9 + 25)/10)/2 = 3.1. Unit means all 0 → SS_B = 0, so
    # σ̂b² = −σ̂w²/n0 < 0 and ρ̂ is truncated to 0.
    values = np.array([-1.0, 1.0, -1.0, 0.0, 1.0, -2.0, -1.0, 0.0, 1.0, 2.0])
    groups = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, 2])
    s = summarise_clusters(values, groups)
    assert_allclose(s.n0, 3.1, rtol=1e-12)
    assert s.sigma2_between < 0
    assert s.icc == 0.0


def test_few_clusters_bands() -> None:
    assert has_code(few_clusters_warnings(9), W_FEW_CLUSTERS)
    assert has_code(few_clusters_warnings(10), W_CLUSTERS_BELOW_24)
    assert has_code(few_clusters_warnings(23), W_CLUSTERS_BELOW_24)
    assert few_clusters_warnings(24) == ()
    assert recommended_schemes(9) == ("stratified",)
    assert recommended_schemes(12) == ("two-stage",)
    assert recommended_schemes(24) == ("cluster", "two-stage")
    values = np.arange(48.0)
    d = cluster_diagnostics(values, np.arange(48) % 24)
    assert d.t_interval is None
    assert d.warnings == ()


def test_stratified_scheme_carries_no_cluster_warning() -> None:
    values, groups = coded_units()
    reps = bootstrap_replicates(
        values, groups, scheme="stratified", n_resamples=10, rng=np.random.default_rng(0)
    )
    assert reps.warnings == ()
    assert reps.n_units == 3


# ------------------------------------------------------------- paired with PSA (P-7)


def test_paired_means_of_constant_rows_are_exact() -> None:
    # Draw d gives every woman the same cost c_d, so any resample's mean is c_d.
    c = np.array([10.0, 20.0, 35.5])
    costs = np.repeat(c[:, None], 40, axis=1)
    got = paired_resample_means(costs, rng=np.random.default_rng(0))
    assert_allclose(got, c, rtol=1e-12)


def test_paired_stratified_keeps_unit_sizes(global_random_seed: int) -> None:
    values, groups = coded_units()
    scale = np.array([1.0, 1.0, 1.0, 1.0])  # four PSA draws of identical prices
    costs = scale[:, None] * values[None, :]
    got = paired_resample_means(
        costs, groups, scheme="stratified", rng=np.random.default_rng(global_random_seed)
    )
    n_c, n_b, _ = composition(got * 10)
    assert np.all(n_c == 2)
    assert np.all(n_b == 5)


def test_paired_ordinary_variance(global_random_seed: int) -> None:
    # Identical rows: the result is an ordinary bootstrap of one row, with variance
    # (Σ(x − x̄)²/n)/n (the ideal SE squared).
    x = np.random.default_rng(global_random_seed).gamma(1.0, 50.0, size=60)
    costs = np.tile(x, (4000, 1))
    got = paired_resample_means(
        costs, rng=np.random.default_rng(global_random_seed), chunk_elements=10_000
    )
    assert got.shape == (4000,)
    assert_allclose(got.var(ddof=1), ideal_bootstrap_se(x) ** 2, rtol=var_rtol(got))


# ------------------------------------------------------------ multiplicities for refits


def test_resample_counts_keep_unit_sizes_and_draw_uniformly() -> None:
    groups = np.array(["a"] * 3 + ["b"] * 5)
    blocks = list(
        resample_counts(
            groups, 8, scheme="stratified", n_resamples=4000, rng=np.random.default_rng(1)
        )
    )
    counts = np.vstack([c for _, c in blocks])
    assert [s for s, _ in blocks] == list(range(0, 4000, 64))
    assert counts.shape == (4000, 8)
    # stratified: every resample draws 3 women of unit a and 5 of unit b (B-4)
    assert np.all(counts[:, :3].sum(axis=1) == 3)
    assert np.all(counts[:, 3:].sum(axis=1) == 5)
    # each woman's multiplicity is Binomial(n_s, 1/n_s): mean 1, variance 1 - 1/n_s,
    # i.e. 2/3 in unit a and 4/5 in unit b; 4000 resamples give SEs of about 0.013
    np.testing.assert_allclose(counts.mean(axis=0), 1.0, atol=0.06)
    np.testing.assert_allclose(counts[:, :3].var(axis=0), 2 / 3, atol=0.08)
    np.testing.assert_allclose(counts[:, 3:].var(axis=0), 4 / 5, atol=0.08)


def test_resample_counts_cluster_takes_whole_units() -> None:
    groups = np.array(["a", "a", "b", "c", "c", "c"])
    (_, counts), *_ = resample_counts(
        groups, 6, scheme="cluster", n_resamples=50, rng=np.random.default_rng(2)
    )
    # women of one unit are always drawn together, and 3 units are drawn per resample
    assert np.all(counts[:, 0] == counts[:, 1])
    assert np.all(counts[:, 3] == counts[:, 4])
    assert np.all(counts[:, 4] == counts[:, 5])
    assert np.all(counts[:, [0, 2, 3]].sum(axis=1) == 3)


def test_resample_counts_ordinary_is_reproducible() -> None:
    def draw(seed: int) -> npt.NDArray[np.int32]:
        parts = resample_counts(
            None, 10, scheme="ordinary", n_resamples=100, rng=np.random.default_rng(seed)
        )
        return np.vstack([c for _, c in parts])

    a, b = draw(5), draw(5)
    np.testing.assert_array_equal(a, b)
    assert np.all(a.sum(axis=1) == 10)
    assert not np.array_equal(a, draw(6))
