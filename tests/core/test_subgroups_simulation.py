"""Simulated populations whose answers are known from their generating parameters.

* Confounding (SG-3): group B is mostly in the dearest unit. The true adjusted means are
  the recycled means of the generating two-part model over the sample's units; the
  adjusted ratio must fall within 3 Monte Carlo standard errors of the truth (the SE is the
  bootstrap SE of the estimate), the unadjusted one far outside (the confounding bias).
* Modified Park test (SG-4): λ ≈ 2 on gamma data and ≈ 1 on Poisson data, within 4 SE.

Stochastic tests take ``global_random_seed``; their tolerances are derived in comments.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from scipy.special import expit

from rapport_cost.core.analyses.subgroups import compare_subgroups, diagnose, fit_model
from rapport_cost.core.publish import sdc

NONE = functools.partial(sdc.control_table, policy="none")

# Generating two-part model: logit P(Y > 0) = A0 + A_B·B + A_S[unit],
# log E[Y | Y > 0] = B0 + B_B·B + B_S[unit], gamma shape SHAPE.
A0, A_B, A_S = 0.5, 0.3, np.array([0.0, 0.5, 1.0])
B0, B_B, B_S = 6.0, 0.2, np.array([0.0, 0.4, 0.9])
SHAPE = 2.0
# Unit mix: A mostly in the cheapest unit, B mostly in the dearest.
MIX = {"A": [0.6, 0.3, 0.1], "B": [0.1, 0.3, 0.6]}


def truth_mean(group_b: float, units: np.ndarray) -> float:
    """Recycled mean of the generating model: every woman's unit, the group set."""
    p = expit(A0 + A_B * group_b + A_S[units])
    mu = np.exp(B0 + B_B * group_b + B_S[units])
    return float(np.mean(p * mu))


def test_adjustment_removes_confounding_by_unit(global_random_seed: int) -> None:
    rng = np.random.default_rng(global_random_seed)
    n_per = 2000
    group = np.repeat(["A", "B"], n_per)
    units = np.concatenate([rng.choice(3, n_per, p=MIX[g]) for g in ("A", "B")])
    is_b = (group == "B").astype(float)
    p = expit(A0 + A_B * is_b + A_S[units])
    mu = np.exp(B0 + B_B * is_b + B_S[units])
    y = (rng.random(group.size) < p) * rng.gamma(SHAPE, mu / SHAPE)
    frame = pd.DataFrame({"site": np.array(["U0", "U1", "U2"])[units], "group": group})
    result = compare_subgroups(
        y, frame, by="group", rng=rng, n_resamples=199, disclosure=NONE, reference="A"
    )
    truth = truth_mean(1.0, units) / truth_mean(0.0, units)
    rows = result.raw["subgroup_difference"].set_index("kind")
    reps = result.replicates
    ok = reps.ok
    se_adjusted = float(np.std(reps.adjusted[ok, 1] / reps.adjusted[ok, 0], ddof=1))
    se_unadjusted = float(np.std(reps.unadjusted[ok, 1] / reps.unadjusted[ok, 0], ddof=1))
    adjusted = float(rows.loc["adjusted", "ratio"])
    unadjusted = float(rows.loc["unadjusted", "ratio"])
    # By the model's parameters the truth is about 1.30 (656/504 over a 35/30/35 unit mix)
    # and the unadjusted ratio about 2.29 (831/364): a bias of ~1.0, some 20 SEs.
    assert 1.2 < truth < 1.4
    assert abs(adjusted - truth) < 3 * se_adjusted, (adjusted, truth, se_adjusted)
    assert abs(unadjusted - truth) > 10 * se_unadjusted, (unadjusted, truth, se_unadjusted)
    assert 2.0 < unadjusted < 2.6


def park(model: str, y: np.ndarray, z: np.ndarray) -> tuple[float, float]:
    x = np.column_stack([np.ones(z.size), z])
    fit = fit_model(y, x, model)  # type: ignore[arg-type]
    (row,) = [d for d in diagnose(fit, y, x, np.ones(y.size)) if d.part != "any"]
    return row.park_lambda, row.park_se


def test_park_lambda_is_about_2_on_gamma_data(global_random_seed: int) -> None:
    rng = np.random.default_rng(global_random_seed)
    z = rng.uniform(0.0, 3.0, 4000)
    mu = np.exp(5.0 + 0.8 * z)  # the mean varies over a factor e^2.4 ≈ 11
    y = rng.gamma(2.0, mu / 2.0)  # Var = μ²/2: λ = 2
    lam, se = park("gamma", y, z)
    # 4 SE: a seed fails with probability 6e-5 if λ̂ is unbiased and normal.
    assert abs(lam - 2.0) < 4 * se
    assert se < 0.15  # the test is informative at this size


def test_park_lambda_is_about_1_on_poisson_data(global_random_seed: int) -> None:
    rng = np.random.default_rng(global_random_seed)
    z = rng.uniform(0.0, 3.0, 4000)
    mu = np.exp(1.0 + 0.8 * z)  # 2.7 to 30
    y = rng.poisson(mu).astype(float)  # Var = μ: λ = 1
    lam, se = park("poisson", y, z)
    assert abs(lam - 1.0) < 4 * se
    assert se < 0.15


def test_the_note_says_when_the_family_disagrees(global_random_seed: int) -> None:
    rng = np.random.default_rng(global_random_seed)
    z = rng.uniform(0.0, 3.0, 4000)
    y = rng.poisson(np.exp(1.0 + 0.8 * z)).astype(float) + 1.0
    x = np.column_stack([np.ones(z.size), z])
    fit = fit_model(y, x, "gamma")
    (row,) = diagnose(fit, y, x, np.ones(y.size))
    assert "closest to 1" in row.note
    assert "the gamma family assumes 2" in row.note
    assert "--model poisson" in row.note
