"""Edges of Θ: the parameter registry, the units of numbers, the sampler's arguments and
designs with nothing to draw, correlations that touch only fixed parameters (M-43 to M-45).

Oracles: the config as written (a bare number, a distribution's mean as the value), the
sampler's documented rules (fixed parameters take no uniforms and are never correlated),
and for Iman–Conover the fact that score permutations which are all the same are perfectly
collinear (their correlation matrix is all ones, with no Cholesky factor).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from rapport_cost import api
from rapport_cost.core.params.distributions import (
    DirichletDistribution,
    FixedDistribution,
    GammaDistribution,
    NormalDistribution,
)
from rapport_cost.core.params.sampling import (
    ParameterSampler,
    check_correlation,
    iman_conover,
)
from rapport_cost.core.params.units import unit_of
from rapport_cost.errors import ConfigError, ModelError

CONFIG = """
price_year: "2023/24"
parameters:
  plain: 5
  rate: {dist: {type: gamma, mean: 100, se: 20}}
roles:
  w: {payer: charity, hourly_rate: rate}
resources:
  r1: {unit_cost: plain, unit: item, payer: charity}
  r2: {unit_cost: plain, unit: session, payer: charity}
"""


def prepared(tmp_path: Path, text: str = CONFIG):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return api.prepare(path)


# --------------------------------------------------------------------- registry


def test_a_bare_number_and_a_distribution_without_a_value(tmp_path: Path) -> None:
    table = prepared(tmp_path).terms.table
    plain = table.specs[table.col("plain")]
    # parameters: {plain: 5} is a named number with no distribution; both resources use
    # the one column, and its unit is that of the first use (£ per item)
    assert (plain.value, plain.dist, plain.kind) == (5.0, None, "named")
    assert plain.used_by == ("resources.r1.unit_cost", "resources.r2.unit_cost")
    assert plain.unit == "£ per item"
    # rate has only a gamma(mean 100, se 20): its value is the distribution's mean
    rate = table.specs[table.col("rate")]
    assert rate.value == pytest.approx(100.0)
    assert rate.varies
    assert rate.unit == "£ an hour"


def test_an_inline_dirichlet_must_be_declared_under_parameters(tmp_path: Path) -> None:
    text = CONFIG.replace(
        "r2: {unit_cost: plain,",
        "r2: {unit_cost: {dist: {type: dirichlet, counts: {a: 1, b: 3}}},",
    )
    with pytest.raises(ConfigError) as info:
        prepared(tmp_path, text)
    (problem,) = info.value.problems
    assert problem.field == "resources.r2.unit_cost"
    assert problem.message == "a dirichlet parameter must be declared under parameters:"


def test_units_of_places_without_one(tmp_path: Path) -> None:
    cfg = prepared(tmp_path).config
    assert unit_of((), cfg) == ""
    assert unit_of(("costing", "residual_indirect_ratio"), cfg) == (
        "hours of other work per contact hour"
    )
    assert unit_of(("costing", "mileage"), cfg) == ""
    assert unit_of(("resources", "r9", "unit_cost"), cfg) == ""  # not a resource of cfg
    assert unit_of(("roles", "w", "hourly_rate"), cfg) == "£ an hour"


# ------------------------------------------------------------------ correlation


def test_a_correlation_that_is_not_a_number_is_a_problem() -> None:
    m = np.array([[1.0, np.nan], [np.nan, 1.0]])
    with pytest.raises(ConfigError) as info:
        check_correlation(m, ["salary", "hours"])
    (problem,) = info.value.problems
    assert (problem.code, problem.field) == ("not_finite", "correlations")
    assert problem.message.startswith("the correlation between salary and hours must be a number")


def test_a_correlation_that_is_not_a_number_is_shown_as_the_reader_wrote_it() -> None:
    m = np.array([[1.0, np.nan], [np.inf, 1.0]])
    with pytest.raises(ConfigError) as info:
        check_correlation(m, ["salary", "hours"])
    assert info.value.problems[0].message == (
        "the correlation between salary and hours must be a number, got nan and inf"
    )


def test_iman_conover_checks_the_shape_of_its_draws() -> None:
    target = np.array([[1.0, 0.5], [0.5, 1.0]])
    with pytest.raises(ValueError, match=r"x must have shape \(n, d\) matching target \(2, 2\)"):
        iman_conover(np.ones((5, 3)), target, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="x must have shape"):
        iman_conover(np.ones(5), target, rng=np.random.default_rng(0))


class IdentityPermutations:
    """A generator whose every permutation leaves the order unchanged."""

    def permuted(self, x: np.ndarray, axis: int) -> np.ndarray:
        return np.array(x)


def test_iman_conover_gives_up_on_collinear_scores() -> None:
    # With every column of scores in the same order, corr(S) is all ones: no Cholesky
    # factor, at every attempt, so the step cannot be done and says why (M-44).
    x = np.arange(10.0).reshape(5, 2)
    target = np.array([[1.0, 0.5], [0.5, 1.0]])
    with pytest.raises(ModelError, match="could not build uncorrelated rank scores for 5 draws"):
        iman_conover(x, target, rng=IdentityPermutations())  # type: ignore[arg-type]


# ---------------------------------------------------------------------- sampler


def test_unknown_designs_and_methods_are_caller_bugs() -> None:
    dists = [NormalDistribution(0.0, 1.0)]
    with pytest.raises(ValueError, match="sampling must be 'mc', 'lhs' or 'sobol', got 'qmc'"):
        ParameterSampler(dists, sampling="qmc", rng=np.random.default_rng(0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="correlation_method must be 'iman_conover' or 'copula'"):
        ParameterSampler(
            dists,
            correlation_method="cholesky",  # type: ignore[arg-type]
            rng=np.random.default_rng(0),
        )


@pytest.mark.parametrize("sampling", ["mc", "lhs", "sobol"])
def test_only_fixed_parameters_need_no_uniforms(sampling: str) -> None:
    sampler = ParameterSampler(
        [FixedDistribution(3.0), FixedDistribution(-2.5)],
        sampling=sampling,  # type: ignore[arg-type]
        rng=np.random.default_rng(0),
        n_draws=4,
    )
    for n in (4, 1, 0):
        assert_array_equal(sampler.draw(n), np.tile([3.0, -2.5], (n, 1)))


@pytest.mark.parametrize("method", ["iman_conover", "copula"])
@pytest.mark.parametrize("sampling", ["mc", "lhs"])
def test_a_correlation_with_a_fixed_parameter_touches_nothing(method: str, sampling: str) -> None:
    # Spearman 0.6 between the gamma and the fixed parameter only: the fixed one does not
    # vary, so nothing is correlated and the draws are those of the same seed without it.
    dists = [
        GammaDistribution(4.0, 2.0),
        FixedDistribution(7.0),
        DirichletDistribution(("a", "b"), (3.0, 5.0)),
        NormalDistribution(1.0, 0.5),
    ]
    target = np.array([[1.0, 0.6, 0.0], [0.6, 1.0, 0.0], [0.0, 0.0, 1.0]])

    def draws(correlation: np.ndarray | None) -> tuple[int, np.ndarray]:
        sampler = ParameterSampler(
            dists,
            sampling=sampling,  # type: ignore[arg-type]
            correlation=correlation,
            correlation_method=method,  # type: ignore[arg-type]
            rng=np.random.default_rng(11),
        )
        return sampler.n_correlated, np.vstack([sampler.draw(50), sampler.draw(30)])

    n_with, with_target = draws(target)
    n_without, without = draws(None)
    assert n_with == n_without == 0
    assert_array_equal(with_target, without)
    assert (with_target[:, 1] == 7.0).all()
    assert not math.isnan(with_target.sum())
