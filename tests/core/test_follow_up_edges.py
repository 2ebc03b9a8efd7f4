"""Edges of the follow-up numerics (M-65 to M-72): bad arguments, the day lookup table of
``lay_out``, the ``ccostr`` rule in the resampled estimators, one-replicate summaries.

Oracles: the rules as docs/methods.md states them, written here as brute-force loops or
integer arithmetic (the interval of a day, the censoring cell, the share of a contact); the
direct estimators of ``estimators.py`` on duplicated women for the resampled ones (a separate
implementation: frequency weights are copies).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from rapport_cost.core.analyses.follow_up import (
    ESTIMATORS,
    MONTH_DAYS,
    NO_COMPLETE_HISTORY,
    bootstrap_follow_up,
    check_horizon,
    estimate,
    lay_out,
    line_weights,
    make_intervals,
    observe,
    resampled_estimates,
    times_since_origin,
    women_by_intervals,
)
from rapport_cost.core.analyses.follow_up.observation import unsupported_horizon

INF = math.inf


def point_layout(censoring: list[float], death: list[float], lines: list[tuple[int, float]]):
    """Observation (τ = 2, h = 1) and the layout of point costs ``(woman, time)``."""
    obs = observe(censoring, death, 2.0)
    woman = np.array([w for w, _ in lines], dtype=np.intp)
    u = np.array([t for _, t in lines])
    return obs, lay_out(obs, make_intervals(2.0, 1.0), woman, u, u)


# ------------------------------------------------------------------ bad arguments


def test_times_must_be_one_dimensional() -> None:
    with pytest.raises(ValueError, match="days must be 1-D"):
        times_since_origin([[5.0, 6.0]], 0.0)


@pytest.mark.parametrize(
    ("horizon", "length"), [(0.0, 1.0), (INF, 1.0), (2.0, 0.0), (2.0, 3.0), (2.0, math.nan)]
)
def test_intervals_need_a_finite_length_within_the_horizon(horizon: float, length: float) -> None:
    with pytest.raises(ValueError, match="need 0 < interval <= horizon"):
        make_intervals(horizon, length)


@pytest.mark.parametrize(
    ("censoring", "death", "horizon", "match"),
    [
        ([1.0, 2.0], [INF], 2.0, "same non-zero length"),
        ([], [], 2.0, "same non-zero length"),
        ([math.nan], [INF], 2.0, "not NaN"),
        ([1.0], [-1.0], 2.0, "must be >= 0"),
        ([1.0], [INF], 0.0, "finite and > 0"),
        ([1.0], [INF], INF, "finite and > 0"),
    ],
)
def test_observe_rejects_bad_times(
    censoring: list[float], death: list[float], horizon: float, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        observe(censoring, death, horizon)


def test_no_women_is_a_problem_reported_with_the_others() -> None:
    # M-72: τ = 0 is a bad horizon; no women is a second problem of the same call.
    problems = check_horizon([], [], 0.0, 1.0)
    assert [p.code for p in problems] == ["bad_horizon", "no_women"]
    assert [p.field for p in problems] == ["follow_up.horizon", "follow_up"]
    assert [p.code for p in check_horizon([], [], 2.0, 1.0)] == ["no_women"]


def test_nobody_at_all_is_an_unsupported_horizon() -> None:
    # With no woman nobody is under observation at τ: the mean cannot be estimated.
    assert unsupported_horizon(np.array([]), np.array([], dtype=bool), 2.0)


def test_layout_rejects_a_mismatch_and_bad_lines() -> None:
    obs = observe([2.0, 2.0], [INF, INF], 2.0)
    iv = make_intervals(2.0, 1.0)
    with pytest.raises(ValueError, match=r"intervals for horizon 3\.0"):
        lay_out(obs, make_intervals(3.0, 1.0), [0], [0.5], [0.5])
    with pytest.raises(ValueError, match="1-D of one length"):
        lay_out(obs, iv, [0, 1], [0.5], [0.5])
    with pytest.raises(ValueError, match=r"indices 0\.\.1"):
        lay_out(obs, iv, [2], [0.5], [0.5])
    with pytest.raises(ValueError, match=r"indices 0\.\.1"):
        lay_out(obs, iv, [0.0], [0.5], [0.5])  # float indices are not indices
    for start, stop in ((-1.0, 0.5), (1.0, 0.5), (math.nan, 0.5)):
        with pytest.raises(ValueError, match="0 <= start <= stop"):
            lay_out(obs, iv, [0], [start], [stop])
    layout = lay_out(obs, iv, [0, 1], [0.5, 1.5], [0.5, 1.5])
    with pytest.raises(ValueError, match=r"cost must have shape \(2,\)"):
        layout.piece_costs([1.0, 2.0, 3.0])


# -------------------------------------------------------- the day lookup table


def test_many_whole_day_contacts_are_located_as_by_the_rule() -> None:
    # More than 10,000 contacts on whole days: lay_out locates them with a table of days.
    # Rule (M-65): the interval j (0-based) of u is the one with t_{j-1} < u <= t_j, u = 0 in
    # the first; with h = 30.4375 = 487/16 days, j = max(ceil(16u/487), 1) - 1 in integers.
    # The cell (M-66) is the number of censoring times strictly before u; a contact after
    # the woman's end min(X, τ) keeps a piece of share 0.
    rng = np.random.default_rng(3)
    n, n_lines = 40, 12_000
    tau = 24 * MONTH_DAYS  # 730.5 days, 24 intervals
    censoring = rng.integers(100, 900, n).astype(float)
    death = np.where(rng.random(n) < 0.3, rng.integers(50, 900, n).astype(float), INF)
    obs = observe(censoring, death, tau)
    woman = rng.integers(0, n, n_lines)
    u = rng.integers(0, 800, n_lines).astype(float)
    ct = obs.km.censoring_times
    u[: ct.size] = ct  # some contacts on the day of a censoring
    layout = lay_out(obs, make_intervals(tau, MONTH_DAYS), woman, u, u)

    days = u.astype(np.int64)
    ceil = -(-(16 * days) // 487)
    expect_interval = np.minimum(np.maximum(ceil, 1) - 1, 23)
    ctimes = np.unique(np.minimum(censoring, death)[(censoring < death) & (censoring < tau)])
    assert_array_equal(layout.censoring_times, ctimes)
    expect_cell = (ctimes[None, :] < u[:, None]).sum(axis=1)
    end = np.minimum(np.minimum(censoring, death), tau)
    expect_share = (u <= end[woman]).astype(float)

    assert layout.one_piece_per_line
    assert_array_equal(layout.interval, expect_interval)
    assert_array_equal(layout.cell, expect_cell)
    assert_array_equal(layout.fraction, expect_share)
    # Each woman's cost per interval, summed contact by contact.
    cost = rng.integers(1, 100, n_lines).astype(float)
    m = np.zeros((n, 24))
    for i in range(n_lines):
        m[woman[i], expect_interval[i]] += cost[i] * expect_share[i]
    assert_allclose(women_by_intervals(layout, cost), m, rtol=0, atol=1e-9)


# ------------------------------------------------------- bootstrap and weights


def duplicated(censoring, death, woman, u, cost, k):
    """Woman i taken k[i] times, each copy with her point costs."""
    first = np.cumsum(k) - k
    line = np.repeat(np.arange(woman.size), k[woman])
    copy = np.arange(line.size) - np.repeat(np.cumsum(k[woman]) - k[woman], k[woman])
    return (
        np.repeat(censoring, k),
        np.repeat(death, k),
        first[woman[line]] + copy,
        u[line],
        cost[line],
    )


WEIGHTED = [ESTIMATORS.index(name) for name in ("BT", "BTP", "ZT", "LIN")]


@pytest.mark.parametrize("zero_censoring", ["refuse", "ccostr"])
def test_resampled_estimates_equal_the_direct_ones_on_copies(zero_censoring: str) -> None:
    # Woman 4 (C = 2.5 >= τ = 2) is under observation at τ in the full sample. A resample
    # without her has nobody at τ and a censoring (woman 1 at 1.5) at its longest
    # follow-up: its horizon is unsupported (M-72) and its weighted estimators are NaN,
    # although the direct estimators, which leave that check to check_horizon, give
    # values there (under "ccostr" even ZT, whose K̂ falls to 0 at 1.5). Otherwise a
    # resample is the direct estimate on the women it draws, copied.
    censoring = np.array([3.0, 1.5, 3.0, 0.8, 2.5])
    death = np.array([1.0, INF, 0.6, INF, INF])
    woman = np.array([0, 0, 1, 1, 2, 3, 4])
    u = np.array([0.5, 0.9, 0.5, 1.2, 0.3, 0.7, 1.9])
    cost = np.array([10.0, 5.0, 20.0, 7.0, 3.0, 11.0, 4.0])
    iv = make_intervals(2.0, 1.0)
    layout = lay_out(observe(censoring, death, 2.0), iv, woman, u, u)
    counts = np.array([[1, 1, 1, 1, 1], [2, 1, 0, 3, 1], [1, 3, 2, 1, 2], [1, 1, 1, 1, 0]])
    got, curves = resampled_estimates(
        layout,
        cost,
        counts,
        zero_censoring=zero_censoring,  # type: ignore[arg-type]
    )
    for row, k in enumerate(counts):
        c, t, w, uu, cc = duplicated(censoring, death, woman, u, cost, k)
        copies = lay_out(observe(c, t, 2.0), iv, w, uu, uu)
        direct = estimate(copies, cc, zero_censoring=zero_censoring)  # type: ignore[arg-type]
        expect = np.array([direct.estimates[name] for name in ESTIMATORS])
        if row == 3:
            assert np.isnan(got[row, WEIGHTED]).all()
            assert np.isnan(curves[row]).all()
            assert np.isfinite(expect[ESTIMATORS.index("BT")])
            assert np.isfinite(expect[ESTIMATORS.index("ZT")]) == (zero_censoring == "ccostr")
            expect[WEIGHTED] = np.nan
        else:
            assert_allclose(curves[row], direct.curve, rtol=1e-12)
        assert_allclose(got[row], expect, rtol=1e-12, equal_nan=True)


def test_resampled_estimates_and_the_bootstrap_reject_bad_arguments() -> None:
    _, layout = point_layout([2.0, 2.0], [INF, INF], [(0, 0.5), (1, 1.5)])
    with pytest.raises(ValueError, match=r"counts must have shape \(m, 2\)"):
        resampled_estimates(layout, [1.0, 2.0], np.ones((1, 3)))
    with pytest.raises(ValueError, match="zero_censoring must be 'refuse' or 'ccostr'"):
        resampled_estimates(layout, [1.0, 2.0], np.ones((1, 2)), zero_censoring="zero")
    for level in (0.0, 1.0):
        with pytest.raises(ValueError, match="level must be between 0 and 1"):
            bootstrap_follow_up(
                layout, [1.0, 2.0], scheme="ordinary", rng=np.random.default_rng(0), level=level
            )


def test_one_resample_gives_no_standard_error_or_interval() -> None:
    # An SD and a percentile interval need at least two replicates.
    _, layout = point_layout([2.0, 2.0, 2.0], [INF] * 3, [(0, 0.5), (1, 1.5), (2, 0.2)])
    boot = bootstrap_follow_up(
        layout, [3.0, 6.0, 9.0], scheme="ordinary", n_resamples=1, rng=np.random.default_rng(0)
    )
    assert np.isfinite(boot.replicates).all()
    for values in (boot.se, boot.low, boot.high, boot.curve_se, boot.curve_low, boot.curve_high):
        assert np.isnan(values).all()
    assert boot.n_undefined.tolist() == [0] * len(ESTIMATORS)


def test_no_complete_history_refuses_cc_in_the_weights_as_in_the_estimate() -> None:
    # Both women are censored before τ = 2: no cost history is complete, CC is undefined.
    _, layout = point_layout([1.0, 1.5], [INF, INF], [(0, 0.5), (1, 0.7)])
    lw = line_weights(layout)
    assert np.isnan(lw.weights["CC"]).all()
    assert lw.refused["CC"].code == NO_COMPLETE_HISTORY
    direct = estimate(layout, [4.0, 6.0])
    assert math.isnan(direct.estimates["CC"])
    assert direct.refused["CC"].code == NO_COMPLETE_HISTORY
    # AD is still the plain mean of the observed costs: (4 + 6) / 2 = 5.
    assert lw.weights["AD"] @ np.array([4.0, 6.0]) == pytest.approx(5.0)
