"""Edges of the PSA summaries (M-46, M-47) and of the bounded-memory order statistics.

Oracles: the definitions (an empty or non-finite output has no statistics; a Spearman
correlation needs two draws; a mean of 0 cannot be judged relative to itself) and, for the
order statistics, a full sort of the same values.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from rapport_cost.config import Gamma
from rapport_cost.core.analyses import draw_stats, psa
from rapport_cost.core.params.parameters import ParameterSpec, ParameterTable


def gamma(name: str, mean: float, se: float) -> ParameterSpec:
    return ParameterSpec(name, mean, dist=Gamma(type="gamma", mean=mean, se=se))


def test_empty_draws_have_no_quantiles_or_running_mean() -> None:
    assert np.isnan(psa.order_quantiles(np.empty(0), [0.025, 0.5, 0.975])).all()
    n, mean, mcse = psa.running_mean(np.empty(0))
    assert (n.size, mean.size, mcse.size) == (0, 0, 0)
    assert n.dtype == np.intp


@pytest.mark.parametrize("x", [np.empty(0), np.array([1.0, np.inf, 2.0]), np.array([np.nan])])
def test_output_stats_of_empty_or_non_finite_draws_are_nan(x: np.ndarray) -> None:
    s = psa.output_stats(x)
    values = [s.mean, s.sd, s.median, s.q025, s.q975, s.mcse, s.half_mean]
    assert all(math.isnan(v) for v in [*values, s.mcse_q025, s.mcse_q975])
    assert s.constant is False


def test_a_zero_mean_cannot_be_judged_and_says_so() -> None:
    # 40 draws alternating −1, 1: mean 0 exactly, not constant. mcse / |mean| is undefined,
    # so the output has not converged and the warning names it (M-46).
    x = np.tile([-1.0, 1.0], 20)
    stats = [[psa.output_stats(x), psa.output_stats(x + 10.0)]] * 2
    conv = psa.convergence_table(stats, ["a", "all"], mcse_rel_tol=0.5)
    assert conv["converged"].tolist() == [False, True, False, True]
    assert conv["mcse_rel"].isna().tolist() == [True, False, True, False]
    warnings = psa.convergence_warnings(conv, mcse_rel_tol=0.5, n_draws=40)
    assert warnings == [
        "PSA not converged after 40 draws (M-46): cannot be judged relative to a zero or "
        "undefined mean for mean_cost_per_woman for a, total_cost for a"
    ]


def test_spearman_of_fewer_than_two_draws_is_nan() -> None:
    design = psa.psa_design(
        ParameterTable([gamma("a", 10, 1), gamma("b", 20, 2)]), [("a", "b", 0.5)]
    )
    out = psa.PsaOutputs(design, 1, 2)
    assert [(p.a, p.b, n) for p, _, n in out.achieved_spearman()] == [("a", "b", 0)]
    out.add(0, np.array([[9.0, 21.0]]), np.ones((1, 2)), np.ones((1, 2)))
    ((pair, achieved, n),) = out.achieved_spearman()
    assert (pair.target, n) == (0.5, 1)
    assert math.isnan(achieved)


def test_order_statistics_are_exact_when_the_sample_misleads() -> None:
    # More than SORT_LIMIT values: the bounds come from every step-th value (step 5 for
    # 300,000 values). Here those sampled values are all huge and the others small, so the
    # bounds miss the ranks sought, at both widths; the answer must still be that of a sort.
    n = 300_000
    step = -(-n // draw_stats.SAMPLE) | 1
    assert n > draw_stats.SORT_LIMIT
    assert step == 5
    x = np.arange(n, dtype=np.float64)
    x[::step] += 1e9
    ks = [0, n // 4, n // 2, n - 1]
    assert_array_equal(draw_stats.order_statistics(x, ks), np.sort(x)[ks])
