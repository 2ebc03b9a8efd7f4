"""Statistics of long draw vectors in bounded memory (core/analyses/draw_stats.py).

The oracle is NumPy on the whole array: the functions promise NumPy's numbers bit for bit
(``x.mean()``, ``x.var()``, ``numpy.partition``, ``numpy.cumsum``), computed without
NumPy's whole-array temporaries. Sizes straddle the block and sort limits.
"""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

from rapport_cost.core.analyses import draw_stats, psa
from rapport_cost.core.analyses.bootstrap import quantiles
from rapport_cost.core.analyses.draw_stats import BLOCK, SORT_LIMIT

SIZES = [1, 7, 129, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 5, SORT_LIMIT + 1, 1_000_003]


def skewed(n: int, seed: int) -> np.ndarray:
    """Costs with a long tail, ties (rounded), negative values and a few huge ones."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.gamma(0.7, 900.0, n), 1) - 50.0
    x[rng.random(n) < 1e-4] = 1e12
    return x


@pytest.mark.parametrize("n", SIZES)
def test_mean_and_variance_are_numpys_bit_for_bit(n: int, global_random_seed: int) -> None:
    x = skewed(n, global_random_seed)
    assert draw_stats.mean(x) == float(x.mean())
    if n > 1:
        assert draw_stats.variance(x, ddof=1) == float(x.var(ddof=1))
        assert math.sqrt(draw_stats.variance(x, ddof=1)) == float(x.std(ddof=1))
    assert draw_stats.variance(x, ddof=0) == float(x.var())
    half = x[: n // 2]
    if half.size:
        assert draw_stats.mean(half) == float(half.mean())


def test_empty_and_too_short() -> None:
    assert math.isnan(draw_stats.mean(np.empty(0)))
    assert math.isnan(draw_stats.variance(np.ones(1), ddof=1))


def test_count_nonfinite() -> None:
    x = np.ones(3 * BLOCK + 11)
    x[[0, BLOCK, 3 * BLOCK + 10]] = [np.nan, np.inf, -np.inf]
    assert draw_stats.count_nonfinite(x) == 3
    assert draw_stats.count_nonfinite(np.ones(5)) == 0


@pytest.mark.parametrize("n", [SORT_LIMIT - 1, SORT_LIMIT + 1, 1_000_003])
def test_order_statistics_are_numpys_partition(n: int, global_random_seed: int) -> None:
    x = skewed(n, global_random_seed)
    ks = sorted({0, 1, n // 40 - 1, n // 40, n // 2, n - n // 40, n - 2, n - 1})
    expected = np.partition(x, ks)[ks]
    np.testing.assert_array_equal(draw_stats.order_statistics(x, ks), expected)


def test_order_statistics_of_many_ties_and_sorted_input() -> None:
    # every value one of three (the bounds fall on ties), and a sorted run (the sample of
    # every k-th value is then regular): still exactly partition's values
    n = SORT_LIMIT * 2 + 3
    ties = np.repeat([1.0, 2.0, 3.0], [n // 2, n // 4, n - n // 2 - n // 4])
    ks = [0, n // 4, n // 2 - 1, n // 2, n - 1]
    np.testing.assert_array_equal(draw_stats.order_statistics(ties, ks), np.partition(ties, ks)[ks])
    ramp = np.arange(float(n))
    np.testing.assert_array_equal(draw_stats.order_statistics(ramp, ks), ramp[ks])


def test_order_quantiles_above_the_sort_limit_match_the_bootstrap_convention() -> None:
    x = skewed(SORT_LIMIT * 3 + 1, 5)
    p = [0.0, 0.025, 0.5, 0.975, 1.0]
    assert np.array_equal(psa.order_quantiles(x, p), quantiles(x, p))


def test_running_mean_matches_one_cumulative_sum() -> None:
    # the blockwise sums carry on exactly as one np.cumsum of all the deviations
    x = skewed(3 * BLOCK + 17, 2)
    n, mean, mcse = psa.running_mean(x, n_points=300)
    d = x - x.mean()
    s1, s2 = np.cumsum(d)[n - 1], np.cumsum(d * d)[n - 1]
    np.testing.assert_array_equal(mean, x.mean() + s1 / n)
    var = np.divide(s2 - s1 * s1 / n, n - 1, out=np.zeros(n.size), where=n > 1)
    np.testing.assert_array_equal(mcse, np.sqrt(np.maximum(var, 0.0) / n))


def test_output_stats_need_no_copy_of_the_draws() -> None:
    # 2,000,000 draws (16 MB): the statistics may hold a few blocks and the values near
    # the quantiles, not a sorted or centred copy of the draws
    x = skewed(2_000_000, 3)
    psa.output_stats(x[:1000])  # first use loads scipy.special (its objects are traced)
    tracemalloc.start()
    psa.output_stats(x)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < x.nbytes / 4
