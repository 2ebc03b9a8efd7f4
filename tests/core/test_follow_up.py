"""Tests of the follow-up estimators (M-65 to M-74, with their test vectors).

Every expected number is worked out by hand in a comment (the test vectors, and ZT where
they give no value), or follows from an identity docs/methods.md states (no censoring: every
estimator is the plain mean; no deaths: Lin equals BTP; one interval: BTP equals BT).
Times in the F-T vectors are in months (τ = 2, h = 1): the estimators do not depend on the
unit. Published peers (R ccostr) are in ``test_follow_up_ccostr.py``, the bootstrap and a
simulation with a known mean in ``test_follow_up_bootstrap.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from rapport_cost.core.analyses.follow_up.estimators import (
    CENSORING_CURVE_ZERO,
    ESTIMATORS,
    LIN_INTERVAL_EMPTY,
    NO_COMPLETE_HISTORY,
    W_NEGATIVE_VARIANCE,
    FollowUpEstimate,
    estimate,
)
from rapport_cost.core.analyses.follow_up.layout import (
    CostLayout,
    lay_out,
    lines_after_follow_up,
    women_by_intervals,
)
from rapport_cost.core.analyses.follow_up.observation import (
    MONTH_DAYS,
    W_FEW_AT_HORIZON,
    check_horizon,
    horizon_warnings,
    interval_index,
    kaplan_meier,
    make_intervals,
    observe,
    times_since_origin,
)
from rapport_cost.core.analyses.follow_up.weights import line_weights
from rapport_cost.errors import ModelError

INF = math.inf

Woman = tuple[float, float, list[tuple[float, float]]]  # (C, T, [(u, cost), ...])


def fit(
    women: list[Woman], horizon: float = 2.0, interval: float = 1.0
) -> tuple[CostLayout, np.ndarray]:
    """Layout and line costs of women given as (C, T, [(time, cost), ...]) with point costs."""
    censoring = [w[0] for w in women]
    death = [w[1] for w in women]
    woman = [i for i, w in enumerate(women) for _ in w[2]]
    u = [t for w in women for t, _ in w[2]]
    cost = np.array([c for w in women for _, c in w[2]], dtype=np.float64)
    obs = observe(censoring, death, horizon)
    layout = lay_out(obs, make_intervals(horizon, interval), np.array(woman, dtype=np.intp), u, u)
    return layout, cost


def values(result: FollowUpEstimate) -> dict[str, float]:
    return dict(result.estimates)


# ------------------------------------------------------------------ F-T1 to F-T4

# Costs in interval 1 at u = 0.5 and in interval 2 at u = 1.75 unless said otherwise.
F_T1: list[Woman] = [
    (2.0, INF, [(0.5, 10.0), (1.75, 20.0)]),
    (2.0, INF, [(0.5, 30.0), (1.75, 0.0)]),
    (2.0, INF, [(0.5, 0.0), (1.75, 10.0)]),
]
F_T2: list[Woman] = [
    (2.0, INF, [(0.5, 10.0), (1.75, 20.0)]),  # A
    (2.0, INF, [(0.5, 30.0), (1.75, 0.0)]),  # B
    (1.5, INF, [(0.5, 20.0), (1.25, 5.0)]),  # C: 5 seen before her censoring at 1.5
    (2.0, INF, [(0.5, 0.0), (1.75, 10.0)]),  # D
]
F_T3: list[Woman] = [
    F_T2[0],
    (2.0, 0.5, [(0.25, 8.0)]),  # B dies at 0.5 with costs (8, 0)
    F_T2[2],
    F_T2[3],
    (1.0, INF, [(0.5, 6.0)]),  # E censored at 1.0, cost 6 in interval 1
]


def test_f_t1_no_censoring_every_estimator_is_the_plain_mean() -> None:
    # Totals 30, 30, 10: mean 70/3. No censoring, so K̂ = 1 and every weight is 1/n.
    result = estimate(*fit(F_T1))
    for name in ESTIMATORS:
        assert result.estimates[name] == pytest.approx(70 / 3, rel=1e-12), name
    # Curve: interval 1 (10 + 30 + 0)/3 = 40/3, then 70/3.
    assert_allclose(result.curve, [40 / 3, 70 / 3], rtol=1e-12)
    assert result.refused == {}


def test_f_t2_one_censored() -> None:
    result = estimate(*fit(F_T2))
    got = values(result)
    # AD = (30 + 30 + 25 + 10)/4 = 95/4; CC = (30 + 30 + 10)/3 = 70/3.
    assert got["AD"] == pytest.approx(95 / 4, rel=1e-12)
    assert got["CC"] == pytest.approx(70 / 3, rel=1e-12)
    # K̂(2−) = 1 − 1/4 = 3/4 (C censored at 1.5 with 4 at risk); BT = 70/(3/4)/4 = 70/3.
    assert float(result_k(F_T2, 2.0)) == pytest.approx(0.75)
    assert got["BT"] == pytest.approx(70 / 3, rel=1e-12)
    # BTP = (10 + 30 + 20 + 0)/4 + (20 + 0 + 10)/(3/4)/4 = 15 + 10 = 25; Lin = 15 + 30/3 = 25.
    assert got["BTP"] == pytest.approx(25.0, rel=1e-12)
    assert got["LIN"] == pytest.approx(25.0, rel=1e-12)
    assert_allclose(result.curve, [15.0, 25.0], rtol=1e-12)
    # ZT = BT + (1/4)(M_C(1.5) − M̄(1.5))/K̂(1.5): K̂(1.5) = 3/4; all four are under
    # observation at 1.5 with M(1.5) = 10, 30, 25, 0, so M̄ = 65/4 = 16.25;
    # ZT = 70/3 + (25 − 16.25)/(3/4)/4 = 280/12 + 35/12 = 315/12 = 26.25.
    assert got["ZT"] == pytest.approx(26.25, rel=1e-12)


def result_k(women: list[Woman], t: float) -> float:
    layout, _ = fit(women)
    return float(layout.observation.km.censoring_before(t))


def test_f_t3_a_death() -> None:
    result = estimate(*fit(F_T3))
    got = values(result)
    # K̂: at 1.0 four at risk (A, C, D, E), E censored: 3/4; at 1.5 three (A, C, D), C
    # censored: 3/4 · 2/3 = 1/2.
    layout, _ = fit(F_T3)
    km = layout.observation.km
    assert_allclose(km.censoring_at([1.0, 1.5]), [0.75, 0.5])
    # AD = (30 + 8 + 25 + 10 + 6)/5 = 79/5; CC = (30 + 8 + 10)/3 = 16.
    assert got["AD"] == pytest.approx(15.8, rel=1e-12)
    assert got["CC"] == pytest.approx(16.0, rel=1e-12)
    # BT = (30·2 + 8·1 + 10·2)/5 = 88/5 (K̂(2−) = 1/2, K̂(0.5−) = 1).
    assert got["BT"] == pytest.approx(17.6, rel=1e-12)
    # BTP = (10 + 8 + 20 + 0 + 6)/5 + (20·2 + 10·2)/5 = 44/5 + 60/5 = 20.8.
    assert got["BTP"] == pytest.approx(20.8, rel=1e-12)
    assert_allclose(result.curve, [8.8, 20.8], rtol=1e-12)
    # Ŝ(1) = 4/5 (B died at 0.5 with 5 at risk); Lin = 8.8 + (4/5)·(20 + 10)/2 = 20.8.
    assert float(km.survival_at(1.0)) == pytest.approx(0.8)
    assert got["LIN"] == pytest.approx(20.8, rel=1e-12)
    # ZT = BT + (1/5)[(M_E(1) − M̄(1))/K̂(1) + (M_C(1.5) − M̄(1.5))/K̂(1.5)]:
    # at 1.0 under observation A, C, D, E with M(1) = 10, 20, 0, 6: M̄ = 9, (6 − 9)/(3/4) = −4;
    # at 1.5 A, C, D with M(1.5) = 10, 25, 0: M̄ = 35/3, (25 − 35/3)/(1/2) = 80/3;
    # ZT = 88/5 + (−4 + 80/3)/5 = 264/15 + 68/15 = 332/15.
    assert got["ZT"] == pytest.approx(332 / 15, rel=1e-12)
    # At risk at t_1 = 1: A, C, D, E (X ≥ 1); at t_2 = 2: A, D.
    assert result.at_risk.tolist() == [4, 2]


def test_f_t4_origin_at_discharge() -> None:
    # Admitted day 0, discharged day 20 (the origin): contacts on days 5, 50 and 51 are at
    # u = max(0, 5 − 20) = 0, 30 and 31 days.
    u = times_since_origin([5, 50, 51], 20)
    assert u.tolist() == [0.0, 30.0, 31.0]
    # Interval 1 is [0, 30.4375], interval 2 (30.4375, 60.875].
    iv = make_intervals(2 * MONTH_DAYS, MONTH_DAYS)
    assert iv.ends.tolist() == [30.4375, 60.875]
    assert interval_index(u, iv).tolist() == [0, 0, 1]
    obs = observe([100.0], [INF], 2 * MONTH_DAYS)
    layout = lay_out(obs, iv, np.zeros(3, dtype=np.intp), u, u)
    assert women_by_intervals(layout, [1.0, 2.0, 4.0]).tolist() == [[3.0, 4.0]]


# ------------------------------------------------------------------------- identities


def random_women(
    rng: np.random.Generator, n: int, *, censor: bool = True, deaths: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Women with whole-day times and lines (points and spans) within their follow-up."""
    c = rng.integers(30, 400, n).astype(float) if censor else np.full(n, INF)
    t = np.where(rng.random(n) < 0.4, rng.integers(0, 500, n), INF) if deaths else np.full(n, INF)
    x = np.minimum(np.minimum(c, t), 450.0)
    per = rng.integers(1, 6, n)
    woman = np.repeat(np.arange(n), per)
    a = rng.random(woman.size) * x[woman]
    b = rng.random(woman.size) * x[woman]
    start, stop = np.minimum(a, b), np.maximum(a, b)
    point = rng.random(woman.size) < 0.5
    start = np.where(point, np.floor(start), start)
    stop = np.where(point, start, stop)
    cost = rng.gamma(2.0, 50.0, woman.size)
    return c, t, woman, start, stop, cost


def test_no_censoring_every_estimator_is_the_plain_mean(global_random_seed: int) -> None:
    rng = np.random.default_rng(global_random_seed)
    c, t, woman, start, stop, cost = random_women(rng, 200, censor=False)
    obs = observe(c, t, 365.0)
    layout = lay_out(obs, make_intervals(365.0, MONTH_DAYS), woman, start, stop)
    result = estimate(layout, cost)
    # The plain mean of each woman's cost within the horizon, spans cut at τ by hand.
    share = np.clip(
        (np.minimum(stop, 365.0) - start) / np.where(stop > start, stop - start, 1.0), 0, 1
    )
    share = np.where(stop > start, share, start <= 365.0)
    plain = np.bincount(woman, weights=cost * share, minlength=200).mean()
    for name in ESTIMATORS:
        assert result.estimates[name] == pytest.approx(plain, rel=1e-12), name


def test_one_interval_makes_btp_equal_bt(global_random_seed: int) -> None:
    rng = np.random.default_rng(global_random_seed)
    c, t, woman, start, stop, cost = random_women(rng, 300)
    obs = observe(c, t, 365.0)
    layout = lay_out(obs, make_intervals(365.0, 365.0), woman, start, stop)
    result = estimate(layout, cost)
    assert result.estimates["BTP"] == pytest.approx(result.estimates["BT"], rel=1e-12)


def test_no_deaths_makes_lin_equal_btp(global_random_seed: int) -> None:
    # With no deaths Ŝ = 1 and K̂(t_j−) = #{C ≥ t_j}/n, so both are Σ_j mean over C ≥ t_j.
    rng = np.random.default_rng(global_random_seed)
    c, t, woman, start, stop, cost = random_women(rng, 300, deaths=False)
    obs = observe(c, t, 365.0)
    layout = lay_out(obs, make_intervals(365.0, MONTH_DAYS), woman, start, stop)
    result = estimate(layout, cost)
    assert result.estimates["LIN"] == pytest.approx(result.estimates["BTP"], rel=1e-12)


def test_a_death_on_day_0_counts_in_the_first_interval() -> None:
    # F-1 puts u = 0 in interval 1, so a woman dying on day 0 with a cost then is part of it:
    # without censoring Lin is then the plain mean (100 + 10 + 20)/3, not (10 + 20)/3·(2/3).
    women: list[Woman] = [
        (9.0, 0.0, [(0.0, 100.0)]),
        (9.0, INF, [(0.5, 10.0)]),
        (9.0, INF, [(1.5, 20.0)]),
    ]
    result = estimate(*fit(women))
    assert result.estimates["LIN"] == pytest.approx(130 / 3, rel=1e-12)


# --------------------------------------------------------------------- linear form


@pytest.mark.parametrize("zero_censoring", ["refuse", "ccostr"])
def test_line_weights_reproduce_every_estimate(
    global_random_seed: int, zero_censoring: str
) -> None:
    rng = np.random.default_rng(global_random_seed)
    c, t, woman, start, stop, _ = random_women(rng, 250)
    obs = observe(c, t, 365.0)
    layout = lay_out(obs, make_intervals(365.0, MONTH_DAYS), woman, start, stop)
    lw = line_weights(layout, zero_censoring=zero_censoring)  # type: ignore[arg-type]
    for _ in range(3):
        cost = rng.gamma(1.5, 80.0, woman.size)
        result = estimate(layout, cost, zero_censoring=zero_censoring)  # type: ignore[arg-type]
        for name in ESTIMATORS:
            assert lw.weights[name] @ cost == pytest.approx(result.estimates[name], rel=1e-11), name
        assert_allclose(np.cumsum(lw.curve @ cost), result.curve, rtol=1e-11)
    # A PSA prices every draw with one product: draws × line costs.
    q = rng.random((woman.size, 3))
    p = rng.gamma(2.0, 10.0, (5, 3))
    direct = [estimate(layout, q @ row).estimates["BTP"] for row in p]
    assert_allclose(p @ (q.T @ lw.weights["BTP"]), direct, rtol=1e-11)


def test_weights_of_a_refused_estimator_are_nan() -> None:
    layout, _ = fit(TOY_BEYOND)
    lw = line_weights(layout)
    assert np.isnan(lw.weights["ZT"]).all()
    assert lw.refused["ZT"].code == CENSORING_CURVE_ZERO


# ------------------------------------------------------------------------- refusals

# Two women, the second censored at 1.5 while nobody else is under observation: K̂(1.5) = 0.
TOY_BEYOND: list[Woman] = [(3.0, 1.0, [(0.5, 10.0)]), (1.5, INF, [(0.5, 20.0)])]


def test_zt_is_refused_where_the_censoring_curve_falls_to_zero() -> None:
    result = estimate(*fit(TOY_BEYOND))
    assert math.isnan(result.estimates["ZT"])
    assert math.isnan(result.se["ZT"])
    assert result.refused["ZT"].code == CENSORING_CURVE_ZERO
    assert "falls to 0 at 1.5" in result.refused["ZT"].reason
    # The others are still reported: BT = 10/1/2 (the death at 1 has K̂(1−) = 1).
    assert result.estimates["BT"] == pytest.approx(5.0)
    with pytest.raises(ModelError, match="ZT refused") as err:
        result.raise_if_refused()
    assert err.value.exit_code == 3
    assert [p.field for p in err.value.problems] == ["ZT", "LIN"]
    result.raise_if_refused(["AD", "BT", "BTP"])  # the caller may refuse only ZT


def test_lin_is_refused_when_an_interval_has_nobody_eligible() -> None:
    # Interval 2 (1, 2]: the only woman alive at 1 is censored at 1.5, and Ŝ(1) = 1/2 > 0.
    result = estimate(*fit(TOY_BEYOND))
    assert result.refused["LIN"].code == LIN_INTERVAL_EMPTY
    assert "interval 2" in result.refused["LIN"].reason


def test_cc_is_refused_without_a_complete_history() -> None:
    result = estimate(
        *fit(
            [(1.0, INF, [(0.5, 1.0)]), (1.5, INF, [(0.5, 2.0)]), (3.0, INF, [(0.5, 4.0)])],
            horizon=2.0,
        )
    )
    assert result.n_complete == 1  # the third: C = 3 ≥ τ
    result = estimate(*fit([(1.0, INF, [(0.5, 1.0)]), (1.5, INF, [(0.5, 2.0)])], horizon=2.0))
    assert result.refused["CC"].code == NO_COMPLETE_HISTORY


# ----------------------------------------------------------------------- KM and checks


def test_kaplan_meier_ties_count_the_other_event_as_at_risk() -> None:
    # F-4: at time 2 one death and one censoring among 4 at risk: Ŝ(2) = 3/4 and
    # K̂(2) = 3/4 (each counts the other as at risk); K̂(2−) = 1. The woman with C = 5 ≥ τ
    # is no censoring.
    km = kaplan_meier([2.0, 2.0, 3.0, 5.0], [True, False, True, False], 5.0)
    assert km.times.tolist() == [2.0, 3.0]
    assert km.at_risk.tolist() == [4.0, 2.0]
    assert float(km.survival_at(2.0)) == pytest.approx(0.75)
    assert float(km.censoring_at(2.0)) == pytest.approx(0.75)
    assert float(km.censoring_before(2.0)) == 1.0
    # Ŝ(3) = 3/4 · (1 − 1/2) = 3/8; K̂ stays 3/4 up to τ.
    assert float(km.survival_at(3.0)) == pytest.approx(0.375)
    assert float(km.censoring_before(5.0)) == pytest.approx(0.75)


def test_frequency_weights_are_duplicated_women() -> None:
    x, d = np.array([1.0, 2.0, 2.0, 4.0]), np.array([True, False, True, False])
    weighted = kaplan_meier(x, d, 5.0, weights=[2, 0, 3, 1])
    duplicated = kaplan_meier(np.repeat(x, [2, 0, 3, 1]), np.repeat(d, [2, 0, 3, 1]), 5.0)
    assert_allclose(weighted.survival_at([1, 2, 3, 4]), duplicated.survival_at([1, 2, 3, 4]))
    assert_allclose(weighted.censoring_at([1, 2, 3, 4]), duplicated.censoring_at([1, 2, 3, 4]))


def test_observation_completeness() -> None:
    # Δ = 1{C ≥ min(T, τ)}: censored at 3 ≥ τ = 2 is complete; a death at 1 before C = 1.5 too.
    obs = observe([3.0, 1.5, 1.0, 1.5], [INF, 1.0, INF, 1.5], 2.0)
    assert obs.complete.tolist() == [True, True, False, True]
    assert obs.died.tolist() == [False, True, False, True]
    assert obs.end.tolist() == [2.0, 1.0, 1.0, 1.5]


def test_check_horizon_names_each_problem() -> None:
    assert check_horizon([10.0, 3.0], [INF, 2.0], 5.0, 1.0) == []
    problems = check_horizon([10.0], [INF], -1.0, 0.0)
    assert [(p.field, p.code) for p in problems] == [
        ("follow_up.horizon", "bad_horizon"),
        ("follow_up.interval", "bad_interval"),
    ]
    (p,) = check_horizon([10.0], [INF], 5.0, 6.0, unit="days")
    assert p.code == "interval_above_horizon"
    assert p.message == "must be at most the horizon (5 days), got 6 days"
    # Nobody under observation at τ = 1000; the longest follow-up is 903 (censored there).
    (p,) = check_horizon([343, INF, INF, 903], [INF, 445, 652, INF], 1000.0, 100.0)
    assert p.code == "horizon_beyond_follow_up"
    assert "the longest is 903 days" in p.message
    # Everyone still followed up died before τ: the mean within τ is estimable.
    assert check_horizon([343, INF, INF], [INF, 445, 652], 1000.0, 100.0) == []


def test_few_women_under_observation_at_the_horizon_warn() -> None:
    # 12 women, 2 followed beyond τ = 10 (< 10 and < 10%... 2/12 = 17% but fewer than 10).
    c = np.array([3.0] * 10 + [20.0, 20.0])
    obs = observe(c, np.full(12, INF), 10.0)
    (w,) = horizon_warnings(obs)
    assert w.startswith(f"{W_FEW_AT_HORIZON}: only 2 of 12 women (17%)")
    # No censoring within the horizon: no weighting, no warning.
    assert horizon_warnings(observe(np.full(5, 20.0), np.full(5, INF), 10.0)) == []


def test_lines_after_follow_up_are_found_and_cut() -> None:
    obs = observe([5.0, 10.0], [3.0, INF], 8.0)  # X = 3 (death), 10
    woman = np.array([0, 0, 1, 1])
    u = np.array([2.0, 4.0, 7.0, 9.0])  # 4 is after her death; 9 is after τ but in follow-up
    assert lines_after_follow_up(obs, woman, u).tolist() == [False, True, False, False]
    layout = lay_out(obs, make_intervals(8.0, 4.0), woman, u, u)
    assert women_by_intervals(layout, [1.0, 2.0, 4.0, 8.0]).tolist() == [[1.0, 0.0], [0.0, 4.0]]


def test_spans_are_spread_uniformly_and_cut() -> None:
    # One span [0, 10] of cost 100, woman censored at 6 (τ = 8, h = 4): 4/10 in interval 1,
    # 2/10 in interval 2 (cut at 6), the rest unseen. A censoring time inside splits it too.
    obs = observe([6.0, 8.0], [INF, INF], 8.0)
    layout = lay_out(obs, make_intervals(8.0, 4.0), np.array([0]), [0.0], [10.0])
    assert_array_equal(layout.cell, [0, 0])  # both pieces end by 6, the censoring time
    assert_allclose(women_by_intervals(layout, [100.0]), [[40.0, 20.0], [0.0, 0.0]])


def test_intervals_count_a_whole_number_of_months() -> None:
    # 24 months in days is 730.5 = 24 × 30.4375: 24 intervals, not 25.
    assert make_intervals(730.5, MONTH_DAYS).n == 24
    assert make_intervals(731.0, MONTH_DAYS).n == 25
    assert make_intervals(731.0, MONTH_DAYS).ends[-1] == 731.0


# ------------------------------------------------------------------- analytic SEs


def cost_up_to(c: float, start: np.ndarray, stop: np.ndarray, cost: np.ndarray) -> float:
    """A woman's cost at times ≤ c: points up to c, spans spread uniformly."""
    point = start == stop
    length = np.where(point, 1.0, stop - start)
    share = np.where(point, start <= c, np.clip((c - start) / length, 0.0, 1.0))
    return float(np.sum(cost * share))


def loop_variances(seed: int) -> tuple[FollowUpEstimate, float, float, float]:
    """The estimate, and BT and the variances of BT and ZT as loops over women."""
    rng = np.random.default_rng(seed)
    c, t, woman, start, stop, cost = random_women(rng, 40)
    c[:6] = c[6:12]  # ties between censorings
    c[39], t[39] = 1000.0, INF  # someone under observation at τ: K̂ > 0 before it
    tau = 365.0
    obs = observe(c, t, tau)
    layout = lay_out(obs, make_intervals(tau, MONTH_DAYS), woman, start, stop)
    result = estimate(layout, cost)
    km, n = obs.km, obs.n
    x, comp = obs.time, obs.complete
    mine = [(start[woman == i], stop[woman == i], cost[woman == i]) for i in range(n)]
    m_tau = np.array([cost_up_to(min(x[i], tau), *mine[i]) for i in range(n)])
    k = np.where(comp, km.censoring_before(np.minimum(x, tau)), km.censoring_at(x))
    bt = float(np.sum(comp * m_tau / k) / n)
    first = sum((m_tau[i] - bt) ** 2 / k[i] for i in range(n) if comp[i]) / n
    second = cross = spread = 0.0
    for i in np.flatnonzero(~comp):
        s_i = float(km.survival_at(x[i]))
        risk = [j for j in range(n) if x[j] >= x[i]]
        done = [j for j in risk if comp[j]]
        ga = sum(m_tau[j] ** 2 / k[j] for j in done) / (n * s_i)
        gb = sum(m_tau[j] / k[j] for j in done) / (n * s_i)
        at_c = {j: cost_up_to(x[i], *mine[j]) for j in risk}
        gm = sum(at_c[j] / k[j] for j in done) / (n * s_i)
        gmm = sum(m_tau[j] * at_c[j] / k[j] for j in done) / (n * s_i)
        mean = np.mean(list(at_c.values()))
        mean_sq = np.mean([v**2 for v in at_c.values()])
        second += (ga - gb**2) / k[i] ** 2
        cross += (gmm - gb * gm) / k[i] ** 2
        spread += (mean_sq - mean**2) / k[i] ** 2
    bt_var = (first + second / n) / n
    return result, bt, bt_var, bt_var - 2 / n**2 * cross + spread / n**2


def test_analytic_ses_follow_their_formulas_written_as_loops(global_random_seed: int) -> None:
    # The formulas of variance.py's docstring (ccostr's), summed woman by woman.
    result, bt, bt_var, zt_var = loop_variances(global_random_seed)
    assert result.estimates["BT"] == pytest.approx(bt, rel=1e-12)
    for name, var in (("BT", bt_var), ("ZT", zt_var)):
        if var >= 0:
            assert result.se[name] == pytest.approx(math.sqrt(var), rel=1e-10), name
        else:  # a small sample can give a negative variance (see the next test)
            assert math.isnan(result.se[name]), name


def test_a_negative_analytic_variance_gives_no_se_and_says_so() -> None:
    # In this sample of 40 the ZT variance formula subtracts more covariance than it adds.
    result, _, _, zt_var = loop_variances(87)
    assert zt_var < 0
    assert math.isnan(result.se["ZT"])
    assert math.isfinite(result.estimates["ZT"])
    (w,) = result.warnings
    assert w.startswith(f"{W_NEGATIVE_VARIANCE}: the analytic variance of ZT")
