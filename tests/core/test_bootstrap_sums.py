"""The resample sums of one stratum (core/analyses/bootstrap/sums.py, M-50).

The oracle is the definition of the scheme: a resample of a stratum of n women is n draws
with replacement, so the vector of how often each woman is drawn is Multinomial(n; 1/n, …,
1/n): mean 1, variance (n − 1)/n, covariance −1/n, summing to n. To read those counts back
from a sum, woman j is given the value 13^j (n ≤ 12, so every count is a digit in base 13
and every sum an integer below 2^53, added exactly). Tolerances are five Monte Carlo
standard errors, derived in each test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rapport_cost.core.analyses.bootstrap.sums import (
    Buffers,
    block_sizes,
    plan_stratum,
    resample_sums,
)


def test_block_sizes_by_hand() -> None:
    # 13,079 = 8192 + 4096 + 512 + 256 + 23; 256 is below 13,079/32 = 408.7, so it is
    # left in the rest: 13,079 − 12,800 = 279.
    assert block_sizes(13_079) == ([8192, 4096, 512], 279)
    # 12 = 8 + 4; at most one block leaves 4.
    assert block_sizes(12) == ([8, 4], 0)
    assert block_sizes(12, max_blocks=1) == ([8], 4)
    # 65,535 = 2^16 − 1: the five largest terms 2^15 … 2^11 (2^11 = 2048 ≥ 65,535/32),
    # rest 2^11 − 1 = 2047.
    assert block_sizes(65_535) == ([32768, 16384, 8192, 4096, 2048], 2047)
    assert block_sizes(1) == ([1], 0)


def test_plan_splits_common_value_and_blocks_partition_the_others() -> None:
    # 20 women: 6 at zero cost (30% >= 5%, split off), 14 others = 8 + 4 + 2.
    xs = np.concatenate([np.zeros(6), np.arange(1.0, 15.0)])
    plan = plan_stratum(xs)
    assert plan.common == 0.0
    assert plan.n_common == 6
    assert [b.size for b in plan.blocks] == [8, 4, 2]
    assert plan.rest.size == 0
    pooled = np.sort(np.concatenate([*plan.blocks, plan.rest]))
    np.testing.assert_array_equal(pooled, np.arange(1.0, 15.0))
    np.testing.assert_allclose(plan.pvals, [6 / 20, 8 / 20, 4 / 20, 2 / 20, 0.0])
    # Every value the same: nothing to split off, one block holds them all.
    same = plan_stratum(np.full(4, 7.0))
    assert same.n_common == 0
    assert [b.size for b in same.blocks] == [4]


def test_low_bits_of_every_word_index_a_block_uniformly() -> None:
    # The 2^16 possible 16-bit words, masked to b bits, give each index of a block of 2^b
    # women exactly 2^(16 − b) times: a uniform index with no rejection step.
    words = np.arange(1 << 16, dtype=np.uint16)
    for b in (0, 1, 5, 13, 16):
        counts = np.bincount(words & ((1 << b) - 1), minlength=1 << b)
        assert np.all(counts == 1 << (16 - b))


def counts_of(sums: np.ndarray, n_women: int) -> np.ndarray:
    """Base-13 digits of each integer sum: how often each woman (value 13^j) was drawn."""
    s = np.rint(sums).astype(np.int64)
    return np.stack([(s // 13**j) % 13 for j in range(n_women)], axis=1)


@pytest.mark.parametrize("max_blocks", [1, 5])
def test_draw_counts_are_multinomial(max_blocks: int, global_random_seed: int) -> None:
    # 12 women of values 13^0 … 13^11. Each value is 1/12 >= 5% of the stratum, so the
    # first is split off as the common value; the other 11 make blocks 8 + 2 + 1, or with
    # one block 8 and a rest of 3 (drawn by Generator.integers). The common value's draws
    # are in the sums too (count × 13^0).
    n, b = 12, 40_000
    plan = plan_stratum(13.0 ** np.arange(n), max_blocks=max_blocks)
    assert plan.n_common == 1
    assert [x.size for x in plan.blocks] == ([8] if max_blocks == 1 else [8, 2, 1])
    g = np.random.default_rng(global_random_seed)
    sums = np.concatenate([resample_sums(g, m, plan, Buffers()) for m in (1, 7, b - 8)])
    c = counts_of(sums, n)
    assert np.all(c.sum(axis=1) == n)  # every resample has exactly n draws
    # Multinomial(12; 1/12 each): mean 1, variance 11/12, covariance −1/12. The SE of a
    # sample mean is √(11/12 / B); of a sample (co)variance √(Var((c_i − 1)(c_j − 1))/B),
    # about √(3/B) (counts are nearly Poisson(1), whose fourth central moment is 1 + 3).
    mean_tol = 5 * math.sqrt(11 / 12 / b)
    np.testing.assert_allclose(c.mean(axis=0), 1.0, atol=mean_tol)
    cov = np.cov(c, rowvar=False)
    expect = np.full((n, n), -1 / 12) + np.eye(n)
    np.testing.assert_allclose(cov, expect, atol=5 * math.sqrt(3 / b))


def test_common_value_and_rest_keep_the_multinomial(global_random_seed: int) -> None:
    # 13 women: 4 at zero (split off), 9 others of values 13^0 … 13^8 (block 8, rest 1).
    # Each of the 9 is drawn Binomial(13, 1/13) times: mean 1, variance 12/13; the zeros
    # 13 − Σ others, mean 4.
    n, b = 13, 40_000
    xs = np.concatenate([np.zeros(4), 13.0 ** np.arange(9)])
    plan = plan_stratum(xs, max_blocks=1)
    assert (plan.n_common, [x.size for x in plan.blocks], plan.rest.size) == (4, [8], 1)
    sums = resample_sums(np.random.default_rng(global_random_seed), b, plan, Buffers())
    c = counts_of(sums, 9)
    assert np.all(c.sum(axis=1) <= n)
    np.testing.assert_allclose(c.mean(axis=0), 1.0, atol=5 * math.sqrt(12 / 13 / b))
    np.testing.assert_allclose(c.var(axis=0, ddof=1), 12 / 13, atol=5 * math.sqrt(3 / b))
    zeros = n - c.sum(axis=1)  # Binomial(13, 4/13): mean 4, variance 13·(4/13)(9/13)
    var0 = 13 * (4 / 13) * (9 / 13)
    assert abs(zeros.mean() - 4.0) < 5 * math.sqrt(var0 / b)


def test_blocks_beyond_16_bits_use_32_bit_words(global_random_seed: int) -> None:
    # 2^17 + 3 women of values 0 … n − 1: a block of 2^17 needs 17 bits, so 32-bit words.
    # The mean of a resample of n has mean x̄ = (n − 1)/2 and variance σ²/n with
    # σ² = (n² − 1)/12 (the discrete uniform); over B resamples the mean of the means has
    # SE √(σ²/n/B).
    n, b = (1 << 17) + 3, 300
    x = np.arange(float(n))
    plan = plan_stratum(x)
    assert plan.word is np.uint32
    g, buffers = np.random.default_rng(global_random_seed), Buffers()
    means = np.concatenate([resample_sums(g, 10, plan, buffers) for _ in range(b // 10)]) / n
    var = (n * n - 1) / 12 / n
    assert abs(means.mean() - (n - 1) / 2) < 5 * math.sqrt(var / b)
    # The variance of B means: SE of a sample variance of normal values, σ²·√(2/(B − 1)).
    assert abs(means.var(ddof=1) / var - 1.0) < 5 * math.sqrt(2 / (b - 1))
