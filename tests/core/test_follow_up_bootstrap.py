"""The bootstrap of the follow-up estimators, and a simulation with a known mean (M-72).

The bootstrap's oracles: counts of one are the full sample (the direct estimators of
``estimators.py``, a separate implementation); a resample equals the direct estimators on the
women it draws, duplicated (so Ŝ and K̂ really are refitted); which resamples cannot estimate
the weighted means follows from the counts. The simulation's truth is a closed form derived in
its test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from rapport_cost.core.analyses.bootstrap import quantiles, resample_counts
from rapport_cost.core.analyses.follow_up.bootstrap import (
    W_RESAMPLES_UNDEFINED,
    bootstrap_follow_up,
    resampled_estimates,
)
from rapport_cost.core.analyses.follow_up.estimators import ESTIMATORS, estimate
from rapport_cost.core.analyses.follow_up.layout import CostLayout, lay_out
from rapport_cost.core.analyses.follow_up.observation import MONTH_DAYS, make_intervals, observe

INF = math.inf
TAU = 365.0


@dataclass
class Cohort:
    censoring: np.ndarray
    death: np.ndarray
    woman: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    cost: np.ndarray
    units: np.ndarray

    def layout(self) -> CostLayout:
        obs = observe(self.censoring, self.death, TAU)
        return lay_out(obs, make_intervals(TAU, MONTH_DAYS), self.woman, self.start, self.stop)

    def duplicated(self, k: np.ndarray) -> Cohort:
        """Woman i taken k[i] times, each copy with its own copy of her lines."""
        k = k.astype(np.intp)
        first = np.cumsum(k) - k  # the first copy of each woman
        reps = k[self.woman]
        line = np.repeat(np.arange(self.woman.size), reps)
        copy = np.arange(line.size) - np.repeat(np.cumsum(reps) - reps, reps)
        return Cohort(
            np.repeat(self.censoring, k),
            np.repeat(self.death, k),
            first[self.woman[line]] + copy,
            self.start[line],
            self.stop[line],
            self.cost[line],
            np.repeat(self.units, k),
        )


def cohort(rng: np.random.Generator, n: int) -> Cohort:
    """Women with whole-day times, deaths and censorings, point and span costs, 4 units."""
    c = rng.integers(60, 500, n).astype(float)
    t = np.where(rng.random(n) < 0.3, rng.integers(0, 600, n), INF)
    x = np.minimum(c, t)
    woman = np.repeat(np.arange(n), rng.integers(1, 8, n))
    start = np.floor(rng.random(woman.size) * x[woman])
    stop = np.where(rng.random(woman.size) < 0.3, np.minimum(start + 20.0, x[woman]), start)
    return Cohort(c, t, woman, start, stop, rng.gamma(2.0, 30.0, woman.size), rng.integers(0, 4, n))


def estimates(layout: CostLayout, cost: np.ndarray) -> np.ndarray:
    result = estimate(layout, cost, se=False)
    return np.array([result.estimates[name] for name in ESTIMATORS])


def test_counts_of_one_are_the_full_sample(global_random_seed: int) -> None:
    data = cohort(np.random.default_rng(global_random_seed), 300)
    layout = data.layout()
    est, curves = resampled_estimates(layout, data.cost, np.ones((2, 300), dtype=np.int32))
    assert_allclose(est, np.tile(estimates(layout, data.cost), (2, 1)), rtol=1e-12)
    assert_allclose(curves[1], estimate(layout, data.cost).curve, rtol=1e-12)


@pytest.mark.parametrize("scheme", ["stratified", "ordinary", "cluster"])
def test_a_resample_is_the_duplicated_women_refitted(global_random_seed: int, scheme: str) -> None:
    data = cohort(np.random.default_rng(global_random_seed), 200)
    boot = bootstrap_follow_up(
        data.layout(),
        data.cost,
        data.units,
        scheme=scheme,  # type: ignore[arg-type]
        n_resamples=3,
        rng=np.random.default_rng(7),
    )
    _, counts = next(
        resample_counts(
            data.units,
            200,
            scheme=scheme,
            n_resamples=3,  # type: ignore[arg-type]
            rng=np.random.default_rng(7),
        )
    )
    for b in range(3):
        dup = data.duplicated(counts[b])
        # A direct call on the duplicated rows fits Ŝ and K̂ to them afresh.
        assert_allclose(boot.replicates[b], estimates(dup.layout(), dup.cost), rtol=1e-10)
        assert_allclose(
            boot.curve_replicates[b], estimate(dup.layout(), dup.cost).curve, rtol=1e-10
        )


def test_the_bootstrap_is_reproducible_and_summarised(global_random_seed: int) -> None:
    data = cohort(np.random.default_rng(global_random_seed), 250)
    layout = data.layout()

    def run(seed: int) -> np.ndarray:
        b = bootstrap_follow_up(
            layout, data.cost, data.units, n_resamples=99, rng=np.random.default_rng(seed)
        )
        return b.replicates

    assert_array_equal(run(3), run(3))
    assert not np.array_equal(run(3), run(4))
    b = bootstrap_follow_up(
        layout, data.cost, data.units, n_resamples=99, rng=np.random.default_rng(3), level=0.9
    )
    assert_allclose(b.estimate, estimates(layout, data.cost), rtol=1e-12)
    for k in range(len(ESTIMATORS)):
        reps = b.replicates[:, k]
        assert b.se[k] == pytest.approx(np.std(reps, ddof=1))
        assert_allclose([b.low[k], b.high[k]], quantiles(reps, [0.05, 0.95]))
    j = layout.intervals.n - 1
    assert b.curve_se[j] == pytest.approx(np.std(b.curve_replicates[:, j], ddof=1))
    assert b.n_undefined.tolist() == [0] * len(ESTIMATORS)
    assert b.warnings == ()


def test_resamples_nobody_is_under_observation_at_the_horizon_in_are_left_out() -> None:
    # τ = 5. A is followed beyond τ; B is censored at 4, the latest below τ; C–F die at 1, 2,
    # 3, 3.5. A resample without A but with B has nobody under observation at τ and a
    # censoring at its longest follow-up: the weighted means cannot be estimated there.
    # Without A and B the last woman dies, Ŝ reaches 0, and they can.
    c = np.array([10.0, 4.0, 9.0, 9.0, 9.0, 9.0])
    t = np.array([INF, INF, 1.0, 2.0, 3.0, 3.5])
    woman = np.arange(6)
    u = np.array([4.5, 3.0, 0.5, 1.0, 2.0, 3.0])
    obs = observe(c, t, 5.0)
    layout = lay_out(obs, make_intervals(5.0, 1.0), woman, u, u)
    cost = np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0])
    boot = bootstrap_follow_up(
        layout, cost, scheme="ordinary", n_resamples=200, rng=np.random.default_rng(11)
    )
    counts = np.concatenate(
        [
            c
            for _, c in resample_counts(
                None, 6, scheme="ordinary", n_resamples=200, rng=np.random.default_rng(11)
            )
        ]
    )
    unsupported = (counts[:, 0] == 0) & (counts[:, 1] > 0)
    assert unsupported.any()
    for name in ("BT", "BTP", "ZT", "LIN"):
        k = ESTIMATORS.index(name)
        assert_array_equal(np.isnan(boot.replicates[:, k]), unsupported)
        assert boot.n_undefined[k] == unsupported.sum()
        assert boot.se[k] == pytest.approx(np.std(boot.replicates[~unsupported, k], ddof=1))
    assert np.isfinite(boot.replicates[:, ESTIMATORS.index("AD")]).all()
    assert np.isnan(boot.curve_replicates[unsupported]).all()
    assert any(
        w.startswith(f"{W_RESAMPLES_UNDEFINED}: BTP has no value in {unsupported.sum()} of 200")
        for w in boot.warnings
    )


def test_weighted_estimators_find_the_known_mean_of_a_simulated_cohort(
    global_random_seed: int,
) -> None:
    """BT, BTP, ZT and LIN find a closed-form mean that AD misses (M-67, M-69, M-71).

    Entry E ~ U(0, 365) days and a cut-off at day 1095, so administrative censoring at
    1095 − E ∈ (730, 1095]; withdrawal W ~ Exp with median 5 years; death T ~ Exp(λ) with
    median 2 years; all independent. Costs: 500 at admission (u = 0) and contacts of £40 as a
    Poisson process of rate ρ = 1/14 per day while alive. Horizon τ = 1000 days.

    Truth: E[M(min(T, τ))] = 500 + 40·ρ·E[min(T, τ)] (a Poisson process independent of T has
    E[N(s)] = ρs), and E[min(T, τ)] = ∫_0^τ S(t) dt = (1 − e^{−λτ})/λ. With λ = ln 2/730:
    λτ = 0.94951, e^{−λτ} = 0.38691, E[min(T, τ)] = 645.67 days, truth = 500 + 1844.77 =
    2344.77.

    Monte Carlo SE: BT's analytic SE (Bang & Tsiatis), the least efficient of the four, as a
    common yardstick. AD's bias, E[∫_{min(C, τ)}^τ S(t) dt]·40ρ, is about 250 here: over ten
    such SEs below the truth, for any seed.
    """
    rng = np.random.default_rng(global_random_seed)
    n = 4000
    lam, rho, tau = math.log(2) / 730, 1 / 14, 1000.0
    truth = 500 + 40 * rho * (1 - math.exp(-lam * tau)) / lam
    assert truth == pytest.approx(2344.77, abs=0.01)
    c = np.minimum(1095 - rng.uniform(0, 365, n), rng.exponential(5 * 365.25 / math.log(2), n))
    t = rng.exponential(1 / lam, n)
    x = np.minimum(c, t)
    n_contacts = rng.poisson(rho * x)  # the Poisson process up to X, given X
    woman = np.concatenate([np.arange(n), np.repeat(np.arange(n), n_contacts)])
    u = np.concatenate([np.zeros(n), rng.uniform(0, x[np.repeat(np.arange(n), n_contacts)])])
    cost = np.where(np.arange(woman.size) < n, 500.0, 40.0)
    obs = observe(c, t, tau)
    layout = lay_out(obs, make_intervals(tau, MONTH_DAYS), woman, u, u)
    result = estimate(layout, cost)
    mcse = result.se["BT"]
    for name in ("BT", "BTP", "ZT", "LIN"):
        assert abs(result.estimates[name] - truth) < 3 * mcse, name
    assert truth - result.estimates["AD"] > 3 * mcse  # AD is biased down
