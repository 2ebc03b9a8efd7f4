"""The follow-up estimators against R ccostr's published results (tests/reference/ccostr).

ccostr (Børty, Brøndum & Bøgsted, MIT) publishes the toy example of its README and the
values of its SAS-similarity tests (``test-4_SAS_similarity.R``: Bang–Tsiatis BT, its SE and
Zhao–Tian ZT of four 30-person sets at two horizons, rounded to 2 decimals as its tests
compare them). The tables are in tests/reference/ccostr/README.md.

Two conventions of ccostr, each reproduced by an option and explained where it is used:
``addInterPol = 1`` (``span_offset=1``) in the SAS tests, and K̂ = 0 replaced by the smallest
non-zero value in the toy (``zero_censoring="ccostr"``).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rapport_cost.core.analyses.follow_up.estimators import (
    CENSORING_CURVE_ZERO,
    FollowUpEstimate,
    estimate,
)
from rapport_cost.core.analyses.follow_up.history import history_lines
from rapport_cost.core.analyses.follow_up.layout import lay_out, women_by_intervals
from rapport_cost.core.analyses.follow_up.observation import (
    check_horizon,
    make_intervals,
    observe,
)
from rapport_cost.core.inputs.cost_history import CostHistory, validate_cost_history

REFERENCE = Path(__file__).parents[1] / "reference" / "ccostr"


def history(name: str) -> CostHistory:
    frame = pd.read_csv(REFERENCE / f"{name}.csv", dtype=str, keep_default_na=False)
    return validate_cost_history(frame, f"{name}.csv")


def run(
    name: str,
    horizon: float | None = None,
    *,
    span_offset: float = 0.0,
    zero_censoring: str = "refuse",
) -> FollowUpEstimate:
    h = history(name)
    tau = float(h.surv.max()) if horizon is None else horizon
    lines = history_lines(h, span_offset=span_offset)
    obs = observe(lines.censoring, lines.death, tau)
    layout = lay_out(obs, make_intervals(tau, tau), lines.woman, lines.start, lines.stop)
    return estimate(layout, lines.cost, zero_censoring=zero_censoring)  # type: ignore[arg-type]


# -------------------------------------------------------------------------------- toy


def test_toy_naive_and_bang_tsiatis() -> None:
    # ccostr README, ccmean(df, L = 1000). Totals: A 550 + 1949 + 45 = 2544, B 4245,
    # C 23 + 567 = 590, D 300; A and B censored (343, 903), C and D complete (445, 652).
    result = run("toy", 1000.0)
    est, se = result.estimates, result.se
    # AS = (2544 + 4245 + 590 + 300)/4 = 7679/4; CC = (590 + 300)/2 = 445.
    assert est["AD"] == pytest.approx(1919.75, abs=5e-5)
    assert est["CC"] == pytest.approx(445.00, abs=5e-5)
    # K̂ falls to 3/4 at 343 (A censored, 4 at risk): BT = (590 + 300)/0.75/4 = 296.6667.
    assert est["BT"] == pytest.approx(296.6667, abs=5e-5)
    # SEs as ccostr: AS sd/√n, CC sd/√2 = |590 − 300|/2 = 145, BT (Bang & Tsiatis 2000 §3).
    assert se["AD"] == pytest.approx(921.4256, abs=5e-5)
    assert se["CC"] == pytest.approx(145.0000, abs=5e-5)
    assert se["BT"] == pytest.approx(116.6971, abs=5e-5)


def test_toy_zhao_tian_is_refused_where_the_censoring_curve_is_zero() -> None:
    # B is censored at 903 < τ = 1000 with nobody else under observation, so K̂(903) = 0 and
    # ZT's term for B is [M_B(903) − M̄(903)]/K̂(903) = (4245 − 4245)/0 = 0/0.
    result = run("toy", 1000.0)
    assert math.isnan(result.estimates["ZT"])
    assert result.refused["ZT"].code == CENSORING_CURVE_ZERO
    assert "falls to 0 at 903" in result.refused["ZT"].reason
    # The horizon itself is refused by the input check (M-72): the longest
    # follow-up, 903 days, is a censoring.
    (p,) = check_horizon(
        [343.0, math.inf, math.inf, 903.0], [math.inf, 445.0, 652.0, math.inf], 1000.0, 1000.0
    )
    assert p.code == "horizon_beyond_follow_up"


def test_toy_zhao_tian_with_ccostr_replacement_of_zero() -> None:
    # ccostr replaces K̂ = 0 by the smallest non-zero value, K̂(903−) = 0.75; B's term is
    # then 0/0.75 = 0. A's: M_A(343) = 2544 and everybody is under observation at 343 with all
    # costs before it, so M̄(343) = 1919.75: (2544 − 1919.75)/0.75 = 832.3333.
    # ZT = 296.6667 + (832.3333 + 0)/4 = 504.75 (ccostr README).
    result = run("toy", 1000.0, zero_censoring="ccostr")
    assert result.estimates["ZT"] == pytest.approx(504.75, abs=5e-5)
    # Its SE (ccostr README 532.6657), by hand from ccostr's formula (only A's terms are
    # non-zero; B's vanish as nobody complete is at risk at 903 and she is alone there):
    # var(BT) = 116.6971² = 13618.21;
    # M(343) of A, B, C, D = 2544, 4245, 590, 300: mean of squares 6232515.25, squared mean
    # 3685440.0625, spread 2547075.1875, / K̂² = 0.5625 / n² = 16: +283008.35;
    # gm = gb = (590 + 300)/0.75/4 = 296.6667 (Ŝ(343) = 1), gmm = (590² + 300²)/0.75/4 =
    # 146033.33: 2 (146033.33 − 296.6667²)/0.5625/16 = 12893.83;
    # var(ZT) = 13618.21 − 12893.83 + 283008.35 = 283732.73, SE = 532.6657.
    assert result.se["ZT"] == pytest.approx(532.6657, abs=5e-4)
    assert result.refused == {}


# ---------------------------------------------------------------- the 30-person sets

# (data, τ (None: max(surv)), BT, BT SE, ZT): ccostr's test-4_SAS_similarity.R.
SAS = [
    ("uu", None, 38317.85, 2036.03, 37294.01),
    ("uu", 6.0, 32793.79, 1438.65, 32394.49),
    ("ue", None, 39911.42, 1619.20, 39264.93),
    ("ue", 6.0, 31539.04, 1520.39, 31199.79),
    ("eu", None, 36438.81, 1895.46, 35521.02),
    ("eu", 6.0, 32129.22, 1808.54, 31492.89),
    ("ee", None, 44623.56, 3443.89, 43612.05),
    ("ee", 6.0, 31661.38, 1801.40, 31277.18),
]


@pytest.mark.parametrize(("name", "tau", "bt", "bt_se", "zt"), SAS)
def test_sas_similarity_sets(
    name: str, tau: float | None, bt: float, bt_se: float, zt: float
) -> None:
    # ccostr runs these with addInterPol = 1: span_offset = 1 (see the next test).
    result = run(name, tau, span_offset=1.0)
    assert round(result.estimates["BT"], 2) == pytest.approx(bt, abs=1e-9)
    assert round(result.se["BT"], 2) == pytest.approx(bt_se, abs=1e-9)
    assert round(result.estimates["ZT"], 2) == pytest.approx(zt, abs=1e-9)
    assert result.refused == {}


def test_span_offset_is_ccostr_interpolation() -> None:
    # ccostr's share of a span [s, e] up to c is (c − s + a)/(e − s + a). For a span [2, 3] of
    # cost 100 cut at c = 2.25 with a = 1: (0.25 + 1)/(1 + 1) = 0.625, i.e. 62.5; with a = 0,
    # 25. It is why ZT (which needs M_k(C_i) mid-span) and the τ = 6 values (spans starting
    # at 6 get a/(e − 6 + a) of their cost) differ without span_offset = 1.
    frame = pd.DataFrame(
        {
            "id": ["a", "b"],
            "start": ["2", "0"],
            "stop": ["3", "0"],
            "cost": ["100", "0"],
            "delta": ["0", "1"],
            "surv": ["3", "5"],
        }
    )
    h = validate_cost_history(frame, "x.csv")
    for offset, expect in ((1.0, 62.5), (0.0, 25.0)):
        lines = history_lines(h, span_offset=offset)
        obs = observe(lines.censoring, lines.death, 2.25)
        layout = lay_out(obs, make_intervals(2.25, 2.25), lines.woman, lines.start, lines.stop)
        assert women_by_intervals(layout, lines.cost)[0, 0] == pytest.approx(expect)
    # Without a cut the span keeps its whole cost either way.
    lines = history_lines(h, span_offset=1.0)
    assert np.sum(lines.cost[lines.woman == 0]) == pytest.approx(100.0)
