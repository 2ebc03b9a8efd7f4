"""Fitted distributions: M-43, the other config forms, and direct sampling.

Expected numbers come from the published test vectors T1–T10 (quoted to their printed
precision, so compared with an absolute tolerance of half a unit in the last printed place)
or are worked out by hand in the comment next to them.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from pydantic import ValidationError
from scipy import stats

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
from rapport_cost.core.params.distributions import (
    Z_975,
    BetaDistribution,
    DirichletDistribution,
    Distribution,
    DistSpec,
    FixedDistribution,
    GammaDistribution,
    LognormalDistribution,
    NormalDistribution,
    PertDistribution,
    TriangularDistribution,
    UniformDistribution,
    from_spec,
)
from rapport_cost.errors import ModelError

REL = 1e-9  # deterministic values, rel 1e-9
P6 = 5e-7  # half a unit in the 6th decimal place
P7 = 5e-8  # half a unit in the 7th decimal place


def scalar(spec: DistSpec, value: float | None = None) -> Distribution:
    d = from_spec(spec, value)
    assert isinstance(d, Distribution)
    return d


def quantiles(d: Distribution, *p: float) -> np.ndarray:
    return d.ppf(np.array(p))


# --------------------------------------------------------------------------- test vectors


def test_t1_gamma_method_of_moments() -> None:
    d = scalar(Gamma(type="gamma", mean=1000, se=200))
    assert isinstance(d, GammaDistribution)
    # T1: shape = 1000²/200² = 25, scale = 200²/1000 = 40, rate = 1/40 = 0.025
    assert_allclose([d.shape, d.scale, d.rate], [25, 40, 0.025], rtol=REL)
    assert d.params() == pytest.approx({"shape": 25, "scale": 40}, rel=REL)
    # T1: 2.5/50/97.5% quantiles
    assert_allclose(
        quantiles(d, 0.025, 0.5, 0.975), [647.147274, 986.698735, 1428.403904], rtol=0, atol=P6
    )
    # mean = kθ = 1000; variance = kθ² = 25·1600 = 40000 (SE 200)
    assert_allclose([d.mean(), d.var(), d.sd()], [1000, 40000, 200], rtol=REL)
    assert d.describe() == "gamma(shape=25, scale=40)"
    assert d.support() == (0.0, math.inf)


def test_t2_beta_method_of_moments() -> None:
    d = scalar(Beta(type="beta", mean=0.2, se=0.04))
    assert isinstance(d, BetaDistribution)
    # T2: α+β = 0.2·0.8/0.04² − 1 = 99, α = 0.2·99 = 19.8, β = 0.8·99 = 79.2
    assert_allclose([d.alpha + d.beta, d.alpha, d.beta], [99, 19.8, 79.2], rtol=REL)
    # T2: 2.5/97.5% quantiles
    assert_allclose(quantiles(d, 0.025, 0.975), [0.127658, 0.283809], rtol=0, atol=P6)
    # mean 0.2, variance = SE² = 0.0016
    assert_allclose([d.mean(), d.var()], [0.2, 0.0016], rtol=REL)
    assert d.describe() == "beta(alpha=19.8, beta=79.2)"
    assert d.support() == (0.0, 1.0)


def test_t3_beta_from_counts_textbook() -> None:
    # T3: 2 deaths in 100 primary THRs (Briggs et al. 2006) → Beta(2, 98)
    d = scalar(Beta(type="beta", events=2, n=100))
    assert isinstance(d, BetaDistribution)
    assert (d.alpha, d.beta) == (2, 98)
    # T3: mean 0.02, SD 0.0139305, 95% interval (0.002456, 0.054997)
    assert d.mean() == pytest.approx(0.02, rel=REL)
    assert d.sd() == pytest.approx(0.0139305, abs=P7)
    assert_allclose(quantiles(d, 0.025, 0.975), [0.002456, 0.054997], rtol=0, atol=P6)
    # T3: re-revision 4 of 100 → Beta(4, 96), mean 4/100
    r = scalar(Beta(type="beta", events=4, n=100))
    assert isinstance(r, BetaDistribution)
    assert (r.alpha, r.beta) == (4, 96)
    assert r.mean() == pytest.approx(0.04, rel=REL)


def test_beta_from_counts_with_prior() -> None:
    # 0 events of 10 with a Beta(1, 1) prior → Beta(0 + 1, 10 − 0 + 1) = Beta(1, 11)
    d = scalar(Beta(type="beta", events=0, n=10, prior_alpha=1, prior_beta=1))
    assert d.params() == {"alpha": 1, "beta": 11}


def test_t4_lognormal_from_ci() -> None:
    d = scalar(Lognormal(type="lognormal", estimate=0.8, lower=0.64, upper=1.0))
    assert isinstance(d, LognormalDistribution)
    # T4: μ = ln 0.8 = −0.2231436; σ = (ln 1 − ln 0.64)/(2·1.959964) = 0.1138508
    assert d.meanlog == pytest.approx(-0.2231436, abs=P7)
    assert d.sdlog == pytest.approx(0.1138508, abs=P7)
    # T4: z = 1.959964, not 1.96 (which would give σ = 0.1138488)
    assert pytest.approx(1.959964, abs=P6) == Z_975
    assert abs(d.sdlog - 0.1138488) > 1e-6


def test_t5_lognormal_from_mean_se() -> None:
    d = scalar(Lognormal(type="lognormal", mean=100, se=50))
    assert isinstance(d, LognormalDistribution)
    # T5: σ² = ln(1 + 50²/100²) = ln 1.25 = 0.2231436, σ = 0.4723807, μ = 4.4935984
    assert d.sdlog**2 == pytest.approx(0.2231436, abs=P7)
    assert d.sdlog == pytest.approx(0.4723807, abs=P7)
    assert d.meanlog == pytest.approx(4.4935984, abs=P7)
    # T5: back-transformed mean 100, SD 50
    assert_allclose([d.mean(), d.sd()], [100, 50], rtol=REL)
    assert d.support() == (0.0, math.inf)


def test_t6_pert() -> None:
    d = scalar(Pert.model_validate({"type": "pert", "min": 10, "mode": 20, "max": 60}))
    assert isinstance(d, PertDistribution)
    # T6: α = 1 + 4·10/50 = 1.8, β = 1 + 4·40/50 = 4.2, mean (10 + 80 + 60)/6 = 25, variance 75
    assert_allclose([d.alpha, d.beta, d.mean(), d.var()], [1.8, 4.2, 25, 75], rtol=REL)
    # λ = 4 variance shortcut (μ − a)(b − μ)/7 = 15·35/7 = 75
    assert d.var() == pytest.approx(15 * 35 / 7, rel=REL)
    assert d.describe() == "pert(min=10, mode=20, max=60, lambda=4)"
    assert d.support() == (10, 60)


def test_pert_lambda_alias() -> None:
    d = scalar(Pert.model_validate({"type": "pert", "min": 0, "mode": 1, "max": 4, "lambda": 2}))
    assert isinstance(d, PertDistribution)
    # α = 1 + 2·1/4 = 1.5, β = 1 + 2·3/4 = 2.5, mean (0 + 2·1 + 4)/(2 + 2) = 1.5
    assert_allclose([d.alpha, d.beta, d.mean()], [1.5, 2.5, 1.5], rtol=REL)


def test_t7_triangular() -> None:
    d = scalar(Triangular(type="triangular", min=10, mode=20, max=60))
    assert isinstance(d, TriangularDistribution)
    # T7: mean (10 + 20 + 60)/3 = 30;
    # variance (100 + 3600 + 400 − 600 − 200 − 1200)/18 = 2100/18 = 116.6667
    assert_allclose([d.mean(), d.var()], [30, 2100 / 18], rtol=REL)
    assert d.var() == pytest.approx(116.6667, abs=5e-5)
    # CDF at the mode is (c − a)/(b − a) = 10/50 = 0.2, so ppf(0.2) = 20
    assert d.ppf(np.array([0.0, 0.2, 1.0])) == pytest.approx([10, 20, 60], rel=REL)


def test_t8_uniform_from_moments() -> None:
    d = scalar(Uniform(type="uniform", mean=50, se=10))
    assert isinstance(d, UniformDistribution)
    # T8: a = 50 − √3·10 = 32.679492, b = 50 + √3·10 = 67.320508
    assert_allclose([d.low, d.high], [32.679492, 67.320508], rtol=0, atol=P6)
    # mean 50, variance (b − a)²/12 = (20√3)²/12 = 100
    assert_allclose([d.mean(), d.var()], [50, 100], rtol=REL)


def test_t9_dirichlet() -> None:
    d = from_spec(Dirichlet(type="dirichlet", counts={"a": 10, "b": 30, "c": 60}))
    assert isinstance(d, DirichletDistribution)
    assert d.categories == ("a", "b", "c")
    assert d.k == 3
    # T9: α0 = 100; means 10/100, 30/100, 60/100
    assert_allclose(d.mean(), [0.1, 0.3, 0.6], rtol=REL)
    # T9: variances α(α0 − α)/(α0²(α0 + 1)) = 900, 2100, 2400 over 100²·101 = 1010000
    assert_allclose(d.var(), np.array([900, 2100, 2400]) / 1_010_000, rtol=REL)
    assert_allclose(d.var(), [0.000891089, 0.002079208, 0.002376238], rtol=0, atol=5e-10)
    assert d.describe() == "dirichlet(a=10, b=30, c=60)"


def test_dirichlet_prior_is_added_to_every_count() -> None:
    d = from_spec(Dirichlet(type="dirichlet", counts={"x": 0, "y": 3}, prior=1))
    # (0 + 1, 3 + 1)
    assert d.alpha == (1, 4)


# --------------------------------------------------------------------------- other forms


def test_gamma_native_forms() -> None:
    # shape 3, scale 2: mean 6, variance 3·4 = 12
    d = scalar(Gamma(type="gamma", shape=3, scale=2))
    assert_allclose([d.mean(), d.var()], [6, 12], rtol=REL)
    # shape 2, rate 0.5 → scale 2: mean 4
    d = scalar(Gamma(type="gamma", shape=2, rate=0.5))
    assert d.params() == {"shape": 2, "scale": 2}


def test_beta_native_form() -> None:
    # Beta(2, 3): mean 2/5, variance 6/(25·6) = 0.04
    d = scalar(Beta(type="beta", alpha=2, beta=3))
    assert_allclose([d.mean(), d.var()], [0.4, 0.04], rtol=REL)


def test_lognormal_native_form() -> None:
    # meanlog 0, sdlog 1: mean e^0.5, variance (e − 1)e
    d = scalar(Lognormal(type="lognormal", meanlog=0, sdlog=1))
    assert_allclose([d.mean(), d.var()], [math.exp(0.5), (math.e - 1) * math.e], rtol=REL)
    assert d.describe() == "lognormal(meanlog=0, sdlog=1)"
    # median e^0 = 1
    assert d.ppf(np.array([0.5])) == pytest.approx([1.0], rel=REL)


def test_normal() -> None:
    d = scalar(Normal(type="normal", mean=5, se=2))
    assert d.params() == {"mean": 5, "sd": 2}
    assert_allclose([d.mean(), d.var()], [5, 4], rtol=REL)
    assert d.support() == (-math.inf, math.inf)
    # 97.5% quantile 5 + 2·1.959964
    assert d.ppf(np.array([0.975])) == pytest.approx([5 + 2 * 1.959964], abs=2 * P6)


def test_uniform_min_max() -> None:
    # U(2, 8): mean 5, variance 36/12 = 3, quartiles 3.5, 6.5
    d = scalar(Uniform(type="uniform", min=2, max=8))
    assert_allclose([d.mean(), d.var()], [5, 3], rtol=REL)
    assert d.ppf(np.array([0.25, 0.75])) == pytest.approx([3.5, 6.5], rel=REL)
    assert d.support() == (2, 8)
    assert d.describe() == "uniform(min=2, max=8)"


def test_fixed_needs_the_value() -> None:
    d = scalar(Fixed(type="fixed"), 3.0)
    assert isinstance(d, FixedDistribution)
    assert (d.mean(), d.var(), d.support()) == (3.0, 0.0, (3.0, 3.0))
    assert np.array_equal(d.ppf(np.array([0.1, 0.9])), [3.0, 3.0])
    assert np.array_equal(d.sample(4, np.random.default_rng(0)), [3.0] * 4)
    assert d.describe() == "fixed(value=3)"
    with pytest.raises(ValueError, match="needs the parameter's value"):
        from_spec(Fixed(type="fixed"))


def test_value_is_ignored_for_random_distributions() -> None:
    d = scalar(Gamma(type="gamma", mean=1000, se=200), 1234.0)
    assert d.mean() == pytest.approx(1000, rel=REL)


# --------------------------------------------------------------------------- errors


def test_overflowing_fit_raises_model_error() -> None:
    # shape = (1e200)²/(1e-200)² overflows to inf
    with pytest.raises(ModelError, match=r"cannot use gamma\(.*shape and scale must be finite"):
        from_spec(Gamma(type="gamma", mean=1e200, se=1e-200))


def test_non_finite_normal_is_rejected() -> None:
    # the config rejects inf before any fit (Strict models set allow_inf_nan=False) ...
    with pytest.raises(ValidationError, match="finite number"):
        Normal(type="normal", mean=math.inf, se=1)
    # ... and a distribution built directly still refuses it
    with pytest.raises(ModelError, match=r"normal.*must be finite"):
        from_spec(Normal.model_construct(type="normal", mean=math.inf, se=1))


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (lambda: GammaDistribution(shape=-1.0, scale=1.0), "gamma"),
        (lambda: BetaDistribution(alpha=0.0, beta=1.0), "beta"),
        (lambda: LognormalDistribution(meanlog=0.0, sdlog=0.0), "lognormal"),
        (lambda: NormalDistribution(mu=math.nan, sigma=1.0), "normal"),
        (lambda: UniformDistribution(low=1.0, high=1.0), "uniform"),
        (lambda: TriangularDistribution(low=0.0, mode=2.0, high=1.0), "triangular"),
        (lambda: PertDistribution(low=0.0, mode=0.5, high=1.0, lam=0.0), "pert"),
        (lambda: FixedDistribution(value=math.inf), "fixed"),
        (lambda: DirichletDistribution(("a",), (1.0,)), "dirichlet"),
        (lambda: DirichletDistribution(("a", "a"), (1.0, 1.0)), "dirichlet"),
        (lambda: DirichletDistribution(("a", "b"), (1.0, 0.0)), "dirichlet"),
    ],
)
def test_impossible_direct_construction(make: Callable[[], object], pattern: str) -> None:
    with pytest.raises(ModelError, match=pattern):
        make()


def test_beta_from_mean_se_rejects_impossible_se() -> None:
    # se² = 0.25 ≥ 0.5·0.5: no beta has this mean and SE
    with pytest.raises(ModelError, match="mean"):
        BetaDistribution.from_mean_se(0.5, 0.5)


# --------------------------------------------------------------------------- direct draws

# (distribution, mean, variance), worked out by hand (see the test-vector tests above).
FAMILIES = {
    "gamma": (GammaDistribution(25.0, 40.0), 1000.0, 40_000.0),
    "beta": (BetaDistribution(19.8, 79.2), 0.2, 0.0016),
    "lognormal": (LognormalDistribution.from_mean_se(100.0, 50.0), 100.0, 2500.0),
    "normal": (NormalDistribution(5.0, 2.0), 5.0, 4.0),
    "uniform": (UniformDistribution.from_mean_se(50.0, 10.0), 50.0, 100.0),
    "triangular": (TriangularDistribution(10.0, 20.0, 60.0), 30.0, 2100 / 18),
    "pert": (PertDistribution(10.0, 20.0, 60.0), 25.0, 75.0),
}

#: Kurtosis (not excess) of each family, from scipy.stats, only to size the tolerance on
#: the sample variance: SE(s²) ≈ σ² √((κ − 1)/n).
KURTOSIS = {
    "gamma": 3 + 6 / 25,  # excess 6/k
    "beta": 3 + float(stats.beta(19.8, 79.2).stats("k")),
    "lognormal": 3 + float(stats.lognorm(math.sqrt(math.log(1.25))).stats("k")),
    "normal": 3.0,
    "uniform": 1.8,  # excess −6/5
    "triangular": 2.4,  # excess −3/5
    "pert": 3 + float(stats.beta(1.8, 4.2).stats("k")),
}


def assert_moments(x: np.ndarray, mean: float, var: float, kurtosis: float) -> None:
    """Sample mean within 4 MC standard errors, sample variance within 5."""
    n = len(x)
    assert abs(x.mean() - mean) < 4 * math.sqrt(var / n), (x.mean(), mean)
    assert abs(x.var(ddof=1) - var) < 5 * var * math.sqrt((kurtosis - 1) / n), (x.var(), var)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_sample_moments(family: str, global_random_seed: int) -> None:
    d, mean, var = FAMILIES[family]
    x = d.sample(20_000, np.random.default_rng(global_random_seed))
    assert x.shape == (20_000,)
    lo, hi = d.support()
    assert np.all((x >= lo) & (x <= hi))
    assert_moments(x, mean, var, KURTOSIS[family])


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_ppf_is_the_inverse_of_scipy_cdf(family: str) -> None:
    d, _, _ = FAMILIES[family]
    u = np.linspace(0.001, 0.999, 101)
    x = d.ppf(u)
    assert x.shape == u.shape
    assert np.all(np.diff(x) > 0)
    frozen = {
        "gamma": stats.gamma(25, scale=40),
        "beta": stats.beta(19.8, 79.2),
        "lognormal": stats.lognorm(math.sqrt(math.log(1.25)), scale=100 / math.sqrt(1.25)),
        "normal": stats.norm(5, 2),
        "uniform": stats.uniform(50 - 10 * math.sqrt(3), 20 * math.sqrt(3)),
        "triangular": stats.triang(0.2, loc=10, scale=50),
        "pert": stats.beta(1.8, 4.2, loc=10, scale=50),
    }[family]
    assert_allclose(frozen.cdf(x), u, rtol=1e-9, atol=1e-12)


def test_dirichlet_sample_moments(global_random_seed: int) -> None:
    d = DirichletDistribution(("a", "b", "c"), (10.0, 30.0, 60.0))
    x = d.sample(20_000, np.random.default_rng(global_random_seed))
    assert x.shape == (20_000, 3)
    assert_allclose(x.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    # T9 means and variances
    mean = np.array([0.1, 0.3, 0.6])
    var = np.array([900, 2100, 2400]) / 1_010_000
    assert np.all(np.abs(x.mean(axis=0) - mean) < 4 * np.sqrt(var / 20_000))


@settings(max_examples=60, deadline=None)
@given(
    alpha=st.lists(st.floats(1e-3, 1e3), min_size=2, max_size=5),
    u=st.lists(st.floats(1e-12, 1 - 1e-12), min_size=5, max_size=5),
)
def test_dirichlet_from_uniforms_rows_sum_to_one(alpha: list[float], u: list[float]) -> None:
    d = DirichletDistribution(tuple(f"c{i}" for i in range(len(alpha))), tuple(alpha))
    grid = np.array([np.roll(u, i)[: len(alpha)] for i in range(5)])
    p = d.from_uniforms(grid)
    assert p.shape == (5, len(alpha))
    assert np.all(np.isfinite(p))
    assert np.all(p >= 0)
    assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_dirichlet_from_uniforms_tiny_alpha_underflow() -> None:
    # With α = 0.001 the gamma quantile of u = 1e-6 is about (1e-6)^1000 → 0 in float64.
    # Both components underflow; the log-scale expansion keeps the ratio:
    # log x_k ≈ (log u_k + log Γ(1.001)) / 0.001, so the first share is
    # 1 / (1 + (u_2/u_1)^1000) = 1 / (1 + 2^-1000) ≈ 1 when u_1 = 2e-6, u_2 = 1e-6.
    d = DirichletDistribution(("a", "b"), (0.001, 0.001))
    p = d.from_uniforms(np.array([[2e-6, 1e-6], [0.5, 0.5]]))
    assert_allclose(p, [[1.0, 0.0], [0.5, 0.5]], atol=1e-12)


def test_z_975_is_the_normal_quantile() -> None:
    # a literal in the module (importing scipy.stats for it cost a second at start-up)
    assert float(stats.norm.ppf(0.975)) == Z_975
