"""Unadjusted and adjusted group means worked by hand (M-75, M-77).

Every expected number is derived in a comment.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from rapport_cost.core.analyses.subgroups import (
    build_design,
    compare_subgroups,
    differences,
    fit_model,
    group_summary,
    recycled_means,
)
from rapport_cost.core.publish import sdc

NONE = functools.partial(sdc.control_table, policy="none")

# Group A (10 women) and B (8 women), all in one unit.
A = [0, 0, 100, 100, 100, 200, 200, 300, 400, 600]
B = [0, 50, 50, 150, 150, 250, 250, 300]


def hand_case() -> tuple[np.ndarray, pd.DataFrame]:
    y = np.array(A + B, dtype=float)
    frame = pd.DataFrame({"site": "U1", "group": ["A"] * len(A) + ["B"] * len(B)})
    return y, frame


def test_unadjusted_summary_and_differences_by_hand() -> None:
    y, frame = hand_case()
    result = compare_subgroups(
        y, frame, by="group", rng=np.random.default_rng(1), n_resamples=99, disclosure=NONE
    )
    summary = result.raw["subgroup_summary"].set_index("group")
    # A: sum 2000 / 10 = 200; deviations -200 -200 -100 -100 -100 0 0 100 200 400, squares
    # sum 40000·3 + 10000·4 + 160000 = 320000, SD = √(320000/9) = 188.5618; zeros 2/10.
    # B: sum 1200 / 8 = 150; deviations -150 -100 -100 0 0 100 100 150, squares sum
    # 22500·2 + 10000·4 = 85000, SD = √(85000/7) = 110.1946; zeros 1/8.
    assert summary.loc["A", "n"] == 10
    assert summary.loc["B", "n"] == 8
    assert_allclose(summary["mean"], [200.0, 150.0], rtol=1e-12)
    assert_allclose(summary["sd"], [math.sqrt(320000 / 9), math.sqrt(85000 / 7)], rtol=1e-12)
    assert_allclose(summary["share_zero"], [0.2, 0.125], rtol=1e-12)
    # Reference: the largest group, A. Difference 150 - 200 = -50, ratio 150/200 = 0.75.
    assert result.reference == "A"
    diff = result.raw["subgroup_difference"].set_index("kind").loc["unadjusted"]
    assert diff["group"] == "B"
    assert diff["reference"] == "A"
    assert diff["mean"] == pytest.approx(150.0, rel=1e-12)
    assert diff["reference_mean"] == pytest.approx(200.0, rel=1e-12)
    assert diff["difference"] == pytest.approx(-50.0, rel=1e-12)
    assert diff["ratio"] == pytest.approx(0.75, rel=1e-12)
    # The intervals cover the estimates.
    assert diff["difference_q025"] < -50.0 < diff["difference_q975"]
    assert diff["ratio_q025"] < 0.75 < diff["ratio_q975"]


def test_weighted_summary_by_hand() -> None:
    y = np.array([0.0, 100.0, 300.0, 50.0, 150.0])
    codes = np.array([0, 0, 0, 1, 1])
    w = np.array([1.0, 2.0, 1.0, 3.0, 0.0])
    s = group_summary(y, codes, 2, w)
    # Group 0: Σw = 4, Σwy = 0 + 200 + 300 = 500, mean 125; Σw(y - 125)² =
    # 15625 + 2·625 + 30625 = 47500, SD = √(47500/3) (frequency-weight divisor Σw - 1);
    # zeros 1/4. Group 1: only the woman with weight 3 counts: n 1, mean 50, SD undefined.
    assert s.n.tolist() == [3, 1]
    assert_allclose(s.mean, [125.0, 50.0], rtol=1e-12)
    assert s.sd[0] == pytest.approx(math.sqrt(47500 / 3), rel=1e-12)
    assert s.sd[1] == pytest.approx(0.0)  # Σw = 3 > 1 and every value equal
    assert_allclose(s.share_zero, [0.25, 0.0], rtol=1e-12)


def test_recycled_predictions_of_ols_with_one_dummy_by_hand() -> None:
    # y = 10 + 5·B + 2·x exactly, so OLS returns b = (10, 5, 2).
    # A: x = 1, 3 -> y = 12, 16; B: x = 2, 4, 6 -> y = 19, 23, 27.
    # x̄ over all five women = (1 + 3 + 2 + 4 + 6)/5 = 3.2. Recycled predictions:
    #   m_A = mean_i (10 + 0 + 2·x_i) = 10 + 6.4 = 16.4,
    #   m_B = mean_i (10 + 5 + 2·x_i) = 15 + 6.4 = 21.4,
    # difference 5 (the dummy's coefficient), ratio 21.4/16.4. Unadjusted means are
    # 14 and 23: B's women have larger x, which the adjustment removes.
    frame = pd.DataFrame({"group": ["A", "A", "B", "B", "B"], "x": [1.0, 3.0, 2.0, 4.0, 6.0]})
    y = np.array([12.0, 16.0, 19.0, 23.0, 27.0])
    design = build_design(frame, by="group", adjust=["x"], reference="A", include_site=False)
    fit = fit_model(y, design.x, "ols", terms=design.terms)
    assert_allclose(fit.parts[0].coef, [10.0, 5.0, 2.0], rtol=1e-12)
    means = recycled_means(
        "ols",
        design.x,
        {"single": fit.parts[0].coef[None, :]},
        design.group_columns,
        np.ones((1, 5)),
    )
    assert_allclose(means, [[16.4, 21.4]], rtol=1e-12)
    diff, ratio = differences(means)
    assert_allclose(diff, [[5.0]], rtol=1e-12)
    assert_allclose(ratio, [[21.4 / 16.4]], rtol=1e-12)
    s = group_summary(y, design.group.codes, 2)
    assert_allclose(s.mean, [14.0, 23.0], rtol=1e-12)


def test_recycled_predictions_are_weighted_like_the_fit() -> None:
    # Weights (SG-5) enter the average: with w = (1, 1, 0, 0, 2) the weighted mean of x is
    # (1 + 3 + 2·6)/4 = 4, so m_A = 10 + 8 = 18 and m_B = 15 + 8 = 23.
    frame = pd.DataFrame({"group": ["A", "A", "B", "B", "B"], "x": [1.0, 3.0, 2.0, 4.0, 6.0]})
    design = build_design(frame, by="group", adjust=["x"], reference="A", include_site=False)
    coef = np.array([[10.0, 5.0, 2.0]])
    w = np.array([[1.0, 1.0, 0.0, 0.0, 2.0]])
    means = recycled_means("ols", design.x, {"single": coef}, design.group_columns, w)
    assert_allclose(means, [[18.0, 23.0]], rtol=1e-12)


def test_recycled_predictions_of_the_two_part_model_by_hand() -> None:
    # Two women, one per group, no covariate. Logit a = (0, ln 3): P(A) = 1/2, P(B) = 3/4.
    # Gamma b = (ln 100, ln 2): μ(A) = 100, μ(B) = 200. With no other covariate every
    # woman's prediction for group g is P(g)·μ(g): m_A = 50, m_B = 150.
    x = np.array([[1.0, 0.0], [1.0, 1.0]])
    coefs = {
        "any": np.array([[0.0, math.log(3.0)]]),
        "positive": np.array([[math.log(100.0), math.log(2.0)]]),
    }
    means = recycled_means("twopart", x, coefs, np.array([-1, 1]), np.ones((1, 2)))
    assert_allclose(means, [[50.0, 150.0]], rtol=1e-12)
    # Without the logit part (no zero cost): P = 1, so m = μ.
    means = recycled_means(
        "twopart", x, {"positive": coefs["positive"]}, np.array([-1, 1]), np.ones((1, 2))
    )
    assert_allclose(means, [[100.0, 200.0]], rtol=1e-12)
