"""The one-way numerics on hand-made functions: ranges, ties, non-monotone bars, thresholds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from rapport_cost import api
from rapport_cost.core.analyses.sensitivity import (
    OneWayRange,
    one_way,
    one_way_ranges,
    thresholds,
    two_way,
)


def _sum(theta: np.ndarray) -> np.ndarray:
    return theta.sum(axis=1)


def test_ties_are_ordered_by_name_not_column() -> None:
    # y = x0 + x1, both varied over [0, 1]: swings 1 and 1, a tie; "a" sorts before "b"
    ranges = [
        OneWayRange("b", 0, 0.5, 0.0, 1.0, "low/high"),
        OneWayRange("a", 1, 0.5, 0.0, 1.0, "low/high"),
    ]
    t = one_way(_sum, np.array([0.5, 0.5]), ranges, labels={}).tornado
    assert t["parameter"].tolist() == ["a", "b"]
    assert t["swing"].tolist() == [1.0, 1.0]


def test_near_ties_within_rounding_are_ties() -> None:
    # swings 1 and 1 + 1e-13 differ only by floating-point noise: ordered by name
    ranges = [
        OneWayRange("b", 0, 0.0, 0.0, 1.0 + 1e-13, "low/high"),
        OneWayRange("a", 1, 0.0, 0.0, 1.0, "low/high"),
    ]
    t = one_way(_sum, np.zeros(2), ranges, labels={}).tornado
    assert t["parameter"].tolist() == ["a", "b"]


def test_non_monotone_uses_grid_min_and_max() -> None:
    # y = (x - 1)² on [0, 3]: y(0) = 1, y(3) = 4; the 21-point grid (step 0.15) has
    # 1.05 as its point nearest the minimum, y(1.05) = 0.0025 < 1: flagged
    def f(theta: np.ndarray) -> np.ndarray:
        return np.asarray((theta[:, 0] - 1.0) ** 2)

    r = OneWayRange("x", 0, 1.0, 0.0, 3.0, "low/high")
    out = one_way(f, np.array([1.0]), [r], labels={})
    row = out.tornado.iloc[0]
    assert out.base_result == 0.0
    assert row["non_monotone"]
    assert (row["low_result"], row["high_result"]) == pytest.approx((1.0, 4.0))
    assert (row["bar_min"], row["bar_max"]) == pytest.approx((0.0025, 4.0))
    assert row["swing"] == pytest.approx(3.9975)
    # threshold 0.5: (x - 1)² = 0.5 first at x = 1 - √0.5 = 0.2928932; two crossings
    th = thresholds(f, np.array([1.0]), out, 0.5).iloc[0]
    assert th["threshold"] == pytest.approx(1 - np.sqrt(0.5), abs=1e-9)
    assert th["note"].startswith("2 crossings")


def test_monotone_linear_is_not_flagged() -> None:
    r = OneWayRange("x", 0, 2.0, 1.0, 3.0, "low/high")
    row = one_way(_sum, np.array([2.0]), [r], labels={}).tornado.iloc[0]
    assert not row["non_monotone"]
    assert row["swing"] == pytest.approx(2.0)


def test_two_way_rejects_the_same_parameter_twice() -> None:
    r = OneWayRange("x", 0, 2.0, 1.0, 3.0, "low/high")
    with pytest.raises(ValueError, match="one parameter"):
        two_way(_sum, np.array([2.0]), r, r)


CONFIG = """
price_year: "2023/24"
parameters:
  mix: {dist: {type: dirichlet, counts: {a: 10, b: 30, c: 60}}}
  rate: {value: 100, dist: {type: gamma, mean: 100, se: 20}, high: 150}
  plain: {value: 5}
  lo_only: {value: 5, low: 4}
roles:
  w: {payer: charity, hourly_rate: rate}
resources:
  r1: {unit_cost: mix.a, unit: item, payer: charity}
  r2: {unit_cost: mix.b, unit: item, payer: charity}
  r3: {unit_cost: mix.c, unit: item, payer: charity}
  r4: {unit_cost: plain, unit: item, payer: charity}
  r5: {unit_cost: lo_only, unit: item, payer: charity}
  r6: {unit_cost: 7, unit: item, payer: charity}
"""


def test_ranges_from_bounds_distributions_and_dirichlet(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(CONFIG)
    table = api.prepare(path).terms.table
    ranges, fixed = one_way_ranges(table)
    by = {r.name: r for r in ranges}
    # plain has no range and no distribution; the literal 7 is not a parameter
    assert [s.name for s in fixed] == ["plain"]
    # rate: high given, low from gamma(k = 100²/20² = 25, θ = 20²/100 = 4) at 2.5%
    assert by["rate"].low == pytest.approx(stats.gamma.ppf(0.025, a=25, scale=4.0), rel=1e-12)
    assert by["rate"].high == 150
    assert by["rate"].basis == "dist 2.5%; high"
    # low only, no distribution: from low to the base value
    assert (by["lo_only"].low, by["lo_only"].high) == (4, 5)
    # a Dirichlet share: its Beta(α_k, α_0 − α_k) marginal, Beta(10, 90) for mix.a
    lo, hi = stats.beta.ppf([0.025, 0.975], 10, 90)
    assert (by["mix.a"].low, by["mix.a"].high) == pytest.approx((lo, hi), rel=1e-12)
    # setting mix.a to 0.2 rescales b and c by (1 - 0.2)/(1 - 0.1) so the shares sum to 1
    theta0 = table.base()
    row = by["mix.a"].rows(theta0, np.array([0.2]))[0]
    cols = [table.col(n) for n in ("mix.a", "mix.b", "mix.c")]
    assert row[cols] == pytest.approx([0.2, 0.3 * 0.8 / 0.9, 0.6 * 0.8 / 0.9])
    assert row[cols].sum() == pytest.approx(1.0)
