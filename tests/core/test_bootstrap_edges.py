"""Edges of the bootstrap of the mean cost per woman (M-49 to M-51), through its public names.

Oracles: the argument rules; M-50's definitions on data small enough to list every possible
resample (a unit of one woman has no resampled SD; two units whose women all have the unit's
value give two-stage replicates that are shrunken means only); and for the resample sums,
the multinomial counts of n draws with replacement (as in test_bootstrap_sums.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from rapport_cost.core.analyses.bootstrap import (
    BootstrapReplicates,
    bootstrap_replicates,
    interval_from_replicates,
    paired_resample_means,
    quantiles,
    resample_counts,
)
from rapport_cost.core.analyses.bootstrap.sums import Buffers, plan_stratum, resample_sums
from rapport_cost.errors import ModelError

RNG = np.random.default_rng


# ------------------------------------------------------------------ arguments


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"scheme": "jackknife"}, "The 'scheme' parameter must be one of"),
        ({"residuals": "mixed"}, "The 'residuals' parameter must be one of"),
        ({"n_resamples": 0}, "The 'n_resamples' parameter must be >= 1. Got 0"),
        ({"chunk_elements": 0}, "The 'chunk_elements' parameter must be >= 1. Got 0"),
        ({"workers": 0}, "The 'workers' parameter must be >= 1 or None. Got 0"),
        ({"scheme": "stratified", "groups": ["a", "b"]}, r"groups must have shape \(3,\)"),
    ],
)
def test_bad_arguments_are_value_errors(kw: dict[str, object], match: str) -> None:
    kw.setdefault("n_resamples", 9)
    with pytest.raises(ValueError, match=match):
        bootstrap_replicates([1.0, 2.0, 3.0], rng=RNG(0), **kw)  # type: ignore[arg-type]


def test_values_must_be_one_dimensional_and_not_empty() -> None:
    with pytest.raises(ValueError, match=r"values must be 1-D of shape \(n,\)"):
        bootstrap_replicates([[1.0, 2.0]], n_resamples=9, rng=RNG(0))
    with pytest.raises(ModelError, match="at least one woman's cost") as info:
        bootstrap_replicates([], n_resamples=9, rng=RNG(0))
    assert info.value.problems[0].code == "empty"


def test_intervals_need_replicates_a_level_and_studentized_ses() -> None:
    reps = BootstrapReplicates(theta_hat=2.0, replicates=np.arange(1.0, 40.0))
    with pytest.raises(ValueError, match="needs at least one replicate"):
        interval_from_replicates(BootstrapReplicates(theta_hat=2.0, replicates=np.empty(0)))
    for level in (0.0, 1.0):
        with pytest.raises(ValueError, match=r"The 'level' parameter must be in \(0, 1\)"):
            interval_from_replicates(reps, level=level)
    with pytest.raises(ValueError, match="needs se_replicates"):
        interval_from_replicates(reps, method="studentized")
    # percentile of 1..39 (B = 39): ranks 40·0.025 = 1 and 40·0.975 = 39 (M-4)
    ci = interval_from_replicates(reps, method="percentile")
    assert (ci.lower, ci.upper) == (1.0, 39.0)


def test_quantiles_of_nothing_are_nan() -> None:
    assert np.isnan(quantiles(np.empty(0), [0.025, 0.5])).all()


def test_paired_resample_means_of_degenerate_cost_matrices() -> None:
    with pytest.raises(ValueError, match=r"costs must be 2-D of shape \(n_draws, n_women\)"):
        paired_resample_means(np.ones(3), rng=RNG(0))
    with pytest.raises(ModelError, match="at least one woman's cost"):
        paired_resample_means(np.ones((3, 0)), rng=RNG(0))
    assert paired_resample_means(np.ones((0, 4)), rng=RNG(0)).shape == (0,)


def test_resample_counts_need_a_woman() -> None:
    with pytest.raises(ModelError, match=r"at least one woman\. Got none") as info:
        list(resample_counts(None, 0, scheme="ordinary", n_resamples=3, rng=RNG(0)))
    assert info.value.problems[0].code == "empty"


# ------------------------------------------------------------ small resamples


def test_a_unit_of_one_woman_adds_no_resampled_variance() -> None:
    # Stratified, studentized: unit A is one woman (10), unit B two (1 and 3). A resample
    # of B is (1, 1), (1, 3), (3, 1) or (3, 3), of sums 2, 4, 4, 6 and SDs² 0, 2, 2, 0; A
    # has no SD (one woman). θ* = (10 + sum B*)/3 and se* = √(2·s*²_B)/3 (M-50, M-51):
    # se* = 2/3 when θ* = 14/3, and 0 when θ* is 12/3 or 16/3.
    reps = bootstrap_replicates(
        [10.0, 1.0, 3.0], ["A", "B", "B"], scheme="stratified", n_resamples=200,
        studentize=True, rng=RNG(4),
    )  # fmt: skip
    theta = np.asarray(reps.replicates)
    se = np.asarray(reps.se_replicates)
    middle = np.isclose(theta, 14 / 3)
    assert np.isclose(theta[~middle], 12 / 3).sum() + np.isclose(theta[~middle], 16 / 3).sum() == (
        (~middle).sum()
    )
    assert_allclose(se[middle], 2 / 3)
    assert (se[~middle] == 0.0).all()
    assert 0 < middle.sum() < 200


def test_two_stage_replicates_of_constant_units_are_shrunken_means() -> None:
    # Units A (2 women of 10) and B (3 women of 20): SS_W = 0, so every residual is 0 and
    # c² = K/(K − 1) = 2 (M-50). Unweighted grand mean 15; shrunken means
    # Ỹ_A = 15 − 5√2, Ỹ_B = 15 + 5√2. Drawing (A, A), (A, B) or (B, B) gives θ* =
    # Ỹ_A, (2 Ỹ_A + 3 Ỹ_B)/5 = 15 + √2, or Ỹ_B. One resample per chunk, so a unit is often
    # missing from a whole chunk.
    values = [10.0, 10.0, 20.0, 20.0, 20.0]
    units = ["A", "A", "B", "B", "B"]
    reps = bootstrap_replicates(
        values, units, scheme="two-stage", n_resamples=60, chunk_elements=1, rng=RNG(2)
    )
    r2 = math.sqrt(2.0)
    support = np.array([15 - 5 * r2, 15 + r2, 15 + 5 * r2])
    theta = np.asarray(reps.replicates)
    nearest = support[np.abs(theta[:, None] - support[None, :]).argmin(axis=1)]
    assert_allclose(theta, nearest, rtol=0, atol=1e-12)
    assert set(np.round(nearest, 9)) == set(np.round(support, 9))


def counts_of(sums: np.ndarray, n_women: int) -> np.ndarray:
    """Base-13 digits of each integer sum: how often each woman (value 13^j) was drawn."""
    s = np.rint(sums).astype(np.int64)
    return np.stack([(s // 13**j) % 13 for j in range(n_women)], axis=1)


def test_resample_sums_with_no_blocks_draw_the_rest_only(global_random_seed: int) -> None:
    # With max_blocks = 0 every value but the common one is in the rest, drawn by
    # Generator.integers: 12 women of values 13^0 … 13^11, the first split off as common.
    # The draw counts are Multinomial(12; 1/12 each): mean 1, variance 11/12 per woman, and
    # every resample has 12 draws. Tolerances: five Monte Carlo SEs.
    n, b = 12, 20_000
    plan = plan_stratum(13.0 ** np.arange(n), max_blocks=0)
    assert (plan.n_common, len(plan.blocks), plan.rest.size) == (1, 0, 11)
    sums = resample_sums(RNG(global_random_seed), b, plan, Buffers())
    c = counts_of(sums, n)
    assert np.all(c.sum(axis=1) == n)
    np.testing.assert_allclose(c.mean(axis=0), 1.0, atol=5 * math.sqrt(11 / 12 / b))
    np.testing.assert_allclose(c.var(axis=0, ddof=1), 11 / 12, atol=5 * math.sqrt(3 / b))
