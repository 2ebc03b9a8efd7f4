"""Edges of the deterministic sensitivity analysis (M-54 to M-57).

Oracles: the hand-worked small case (tests/cases/small, figures derived in
tests/api/test_estimate_small.py), hand-made linear functions whose thresholds are known,
and the ``--vary`` rule (base ± 20%, or the range given).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rapport_cost import api
from rapport_cost.core.analyses.sensitivity import (
    NO_THRESHOLD,
    OneWayRange,
    one_way,
    one_way_ranges,
    output_function,
    thresholds,
    two_way,
)

CASE = Path(__file__).parents[1] / "cases" / "small" / "config.yaml"

CONFIG = """
price_year: "2023/24"
parameters:
  rate: {value: 100, dist: {type: gamma, mean: 100, se: 20}, high: 150}
  plain: {value: 5}
roles:
  w: {payer: charity, hourly_rate: rate}
resources:
  r1: {unit_cost: plain, unit: item, payer: charity}
  r2: {unit_cost: 7, unit: item, payer: charity}
"""


def test_output_function_checks_its_output_and_site() -> None:
    built = api.build(CASE)
    args = (built.usage, built.prep.terms, built.config.perspective)
    with pytest.raises(ValueError, match="output must be one of mean_cost_per_woman, total_cost"):
        output_function(*args, output="median")
    with pytest.raises(ValueError, match="site must be one of a, b, got 'c'"):
        output_function(*args, site="c")
    # Unit a: C1 45 + 5 = 50, C2 116 (PSW 60, volunteer 20, room 30, refreshments 6), C3 15.
    f = output_function(*args, output="total_cost", site="a")
    theta = built.prep.terms.table.base_matrix()
    assert f(theta)[0] == pytest.approx(181.0)


def test_vary_overrides_the_config_with_its_own_ranges(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(CONFIG)
    table = api.prepare(path).terms.table
    vary = {"rate": None, "plain": (1.0, 9.0), "resources.r2.unit_cost": None}
    ranges, fixed = one_way_ranges(table, vary)
    by = {r.name: r for r in ranges}
    # rate: base 100 ± 20% (its config range, gamma 2.5% to 150, is overridden)
    assert (by["rate"].low, by["rate"].high) == pytest.approx((80.0, 120.0))
    assert by["rate"].basis == "--vary ±20%"
    # plain: the range given; it has no distribution, so it is not fixed either
    assert (by["plain"].low, by["plain"].high, by["plain"].basis) == (1.0, 9.0, "--vary low:high")
    # a literal is varied when asked for: 7 ± 20% = 5.6 to 8.4
    literal = by["resources.r2.unit_cost"]
    assert (literal.low, literal.high) == pytest.approx((5.6, 8.4))
    assert fixed == []
    # without --vary, plain is fixed and the literal is not listed at all
    ranges, fixed = one_way_ranges(table)
    assert [r.name for r in ranges] == ["rate"]
    assert [s.name for s in fixed] == ["plain"]


def _first(theta: np.ndarray) -> np.ndarray:
    return np.asarray(theta[:, 0], dtype=np.float64)


def test_a_grid_point_on_the_target_is_the_threshold() -> None:
    # y = x on [0, 2]: the 21-point grid has step 0.1 and holds x = 1.0 exactly, where y
    # equals the target 1.0; that point is the threshold, with no crossing elsewhere.
    r = OneWayRange("x", 0, 1.0, 0.0, 2.0, "low/high")
    analysis = one_way(_first, np.array([1.0]), [r], labels={})
    th = thresholds(_first, np.array([1.0]), analysis, 1.0).iloc[0]
    assert th["threshold"] == 1.0
    assert th["note"] == ""
    # a target outside [0, 2] has no threshold in range
    th = thresholds(_first, np.array([1.0]), analysis, 3.0).iloc[0]
    assert np.isnan(th["threshold"])
    assert th["note"] == NO_THRESHOLD


def test_two_way_needs_two_points_and_two_parameters() -> None:
    a = OneWayRange("a", 0, 1.0, 0.0, 2.0, "low/high")
    b = OneWayRange("b", 1, 1.0, 0.0, 2.0, "low/high")
    with pytest.raises(ValueError, match="at least 2 points, got 1"):
        two_way(_first, np.ones(2), a, b, points=1)
    # components of one Dirichlet parameter: b is rescaled when a moves
    share = OneWayRange("mix.a", 0, 0.5, 0.2, 0.8, "dist", rescale=(1,))
    other = OneWayRange("mix.b", 1, 0.5, 0.2, 0.8, "dist", rescale=(0,))
    with pytest.raises(ValueError, match=r"mix\.a and mix\.b cannot be varied together"):
        two_way(_first, np.array([0.5, 0.5]), share, other)
    # two points each: the corners, a varying slowest; y = a
    grid = two_way(_first, np.ones(2), a, b, points=2)
    assert grid["value_a"].tolist() == [0.0, 0.0, 2.0, 2.0]
    assert grid["value_b"].tolist() == [0.0, 2.0, 0.0, 2.0]
    assert grid["result"].tolist() == [0.0, 0.0, 2.0, 2.0]
