"""The batched bootstrap refits against statsmodels refits on the same resamples.

Oracle: for each of a few resamples, the multiplicities from ``resample_counts`` are passed
to statsmodels' ``GLM`` as ``freq_weights`` (women drawn 0 times left out), one fit per
part, and the recycled means are computed from those coefficients with a plain loop over
the groups written here.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM

from rapport_cost.core.analyses.bootstrap import resample_counts
from rapport_cost.core.analyses.subgroups import (
    DistinctRows,
    bootstrap_subgroups,
    build_design,
    compare_subgroups,
    fit_batch,
    fit_model,
    percentile_intervals,
)
from rapport_cost.core.analyses.subgroups import irls as irls_module
from rapport_cost.core.analyses.subgroups.bootstrap import part_stats, per_woman_values
from rapport_cost.core.publish import sdc
from rapport_cost.errors import ModelError

NONE = functools.partial(sdc.control_table, policy="none")
N_CHECKED = 4  # resamples refitted with statsmodels
RTOL = 1e-6


@pytest.fixture(scope="module")
def population() -> tuple[pd.DataFrame, np.ndarray]:
    """400 women, 3 units, 3 groups, an age group and a numeric covariate; 30% zeros."""
    rng = np.random.default_rng(7)
    n = 400
    frame = pd.DataFrame(
        {
            "site": rng.choice(["U1", "U2", "U3"], n),
            "group": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]),
            "age": rng.choice(["<30", "30+"], n),
            "z": rng.uniform(0.0, 2.0, n),
        }
    )
    eta = 5.0 + 0.3 * (frame["group"] == "b").to_numpy() + 0.5 * frame["z"].to_numpy()
    y = rng.gamma(2.0, np.exp(eta) / 2.0) * (rng.random(n) > 0.3)
    return frame, y


FAMILIES = {
    "logit": families.Binomial(),
    "gamma": families.Gamma(families.links.Log()),
    "poisson": families.Poisson(),
    "gaussian": families.Gaussian(),
}
MODEL_PARTS = {
    "twopart": [("any", "logit"), ("positive", "gamma")],
    "gamma": [("single", "gamma")],
    "poisson": [("single", "poisson")],
    "ols": [("single", "gaussian")],
}


def statsmodels_refit(
    y: np.ndarray, x: np.ndarray, model: str, w: np.ndarray
) -> dict[str, np.ndarray]:
    out = {}
    for part, family in MODEL_PARTS[model]:
        rows = (w > 0) & (y > 0) if part == "positive" else w > 0
        outcome = (y > 0).astype(float) if part == "any" else y
        result = GLM(outcome[rows], x[rows], family=FAMILIES[family], freq_weights=w[rows]).fit()
        out[part] = np.asarray(result.params)
    return out


def recycled_by_loop(
    x: np.ndarray, model: str, coefs: dict[str, np.ndarray], columns: np.ndarray, w: np.ndarray
) -> np.ndarray:
    means = []
    for c in columns:  # each group in turn: set every woman's group dummies
        xg = x.copy()
        xg[:, columns[columns >= 0]] = 0.0
        if c >= 0:
            xg[:, c] = 1.0
        if model == "twopart":
            value = expit(xg @ coefs["any"]) * np.exp(xg @ coefs["positive"])
        elif model == "ols":
            value = xg @ coefs["single"]
        else:
            value = np.exp(xg @ coefs["single"])
        means.append(np.sum(w * value) / np.sum(w))
    return np.array(means)


@pytest.mark.parametrize("model", ["twopart", "gamma", "poisson", "ols"])
def test_batched_refits_equal_statsmodels_refits(
    population: tuple[pd.DataFrame, np.ndarray], model: str
) -> None:
    frame, y = population
    y = y + 1.0 if model == "gamma" else y
    design = build_design(frame, by="group", adjust=["age", "z"])
    fit = fit_model(y, design.x, model, terms=design.terms)  # type: ignore[arg-type]
    strata = frame["site"].to_numpy()
    reps = bootstrap_subgroups(
        y,
        design.x,
        design.group.codes,
        design.group_columns,
        fit,
        strata=strata,
        n_resamples=N_CHECKED,
        rng=np.random.default_rng(11),
    )
    ((_, counts),) = resample_counts(
        strata, y.size, n_resamples=N_CHECKED, rng=np.random.default_rng(11)
    )
    rows = DistinctRows.of(design.x)
    names, values = per_woman_values(y, model)
    sums = dict(zip(names, rows.sums(counts.astype(float), values), strict=True))
    batched = {
        p.part: fit_batch(p.family, rows, part_stats(model, p.part, sums), p.coef).coef
        for p in fit.parts
    }
    for b in range(N_CHECKED):
        w = counts[b].astype(float)
        oracle = statsmodels_refit(y, design.x, model, w)
        for part, coef in oracle.items():
            assert_allclose(batched[part][b], coef, rtol=RTOL, atol=1e-9)
        expected = recycled_by_loop(design.x, model, oracle, design.group_columns, w)
        assert_allclose(reps.adjusted[b], expected, rtol=RTOL)
        # Unadjusted: Σ w y / Σ w within each group.
        for g in range(3):
            inside = design.group.codes == g
            mean = np.sum(w[inside] * y[inside]) / np.sum(w[inside])
            assert reps.unadjusted[b, g] == pytest.approx(mean, rel=1e-12)
    assert reps.ok.all()


def test_distinct_rows_sum_each_rows_women() -> None:
    x = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 0.0], [1.0, 1.0], [1.0, 0.0]])
    rows = DistinctRows.of(x)
    assert rows.n_rows == 2
    weights = np.array([[1.0, 2.0, 0.0, 1.0, 3.0]])
    values = np.array([[1.0], [10.0], [100.0], [1000.0], [10000.0]])
    sums = rows.sums(weights, values)[0, 0]
    # Row (1, 0): women 0, 2, 4 -> 1·1 + 0·100 + 3·10000 = 30001; row (1, 1): 2·10 + 1·1000.
    assert sorted(sums.tolist()) == [1020.0, 30001.0]
    # Products of the upper triangle (1·1, 1·x, x·x), each pair mapped to its column.
    iu, ju = np.triu_indices(2)
    assert_array_equal(rows.products[:, rows.pairs], rows.rows[:, iu] * rows.rows[:, ju])


def test_products_of_a_mixed_design_equal_the_direct_products() -> None:
    # Intercept, two levels of one factor (never both 1), a 0/1 dummy, a numeric column.
    x = np.array(
        [
            [1.0, 0.0, 0.0, 1.0, 2.5],
            [1.0, 1.0, 0.0, 0.0, 0.5],
            [1.0, 0.0, 1.0, 1.0, 3.0],
            [1.0, 1.0, 0.0, 1.0, 2.5],
        ]
    )
    rows = DistinctRows.of(x)
    iu, ju = np.triu_indices(5)
    assert_array_equal(rows.products[:, rows.pairs], rows.rows[:, iu] * rows.rows[:, ju])
    # 15 pairs but fewer columns: 1·x_k = x_k, x_j² = x_j for 0/1 columns, and the two
    # levels' product is 0. Computed: x1·x3, x2·x3, x1·x4, x2·x4, x3·x4, x4² (+ 5 + zero).
    assert rows.products.shape[1] == 12
    assert_array_equal(rows.rows[rows.inverse], x)


def test_a_level_missing_from_a_resample_keeps_its_start_and_is_flagged() -> None:
    x = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 0.0]])
    rows = DistinctRows.of(x)
    stats = {"W": np.array([[2.0, 1.0], [3.0, 0.0]]), "S": np.array([[20.0, 15.0], [30.0, 0.0]])}
    fit = fit_batch("gaussian", rows, stats, np.array([0.0, 7.0]))
    # Resample 0: means 10 (x = 0) and 15 (x = 1): b = (10, 5). Resample 1: no woman with
    # x = 1, so that coefficient is not identified and stays at its start (7); the
    # intercept is the mean of the others, 30/3 = 10.
    assert_allclose(fit.coef, [[10.0, 5.0], [10.0, 7.0]])
    assert fit.failure.tolist() == [irls_module.OK, irls_module.OK]
    assert fit.empty.tolist() == [[False, False], [False, True]]


def test_same_seed_same_intervals(population: tuple[pd.DataFrame, np.ndarray]) -> None:
    frame, y = population

    def run(seed: int) -> pd.DataFrame:
        result = compare_subgroups(
            y,
            frame,
            by="group",
            adjust=["age"],
            rng=np.random.default_rng(seed),
            n_resamples=49,
            disclosure=NONE,
        )
        return result.raw["subgroup_difference"]

    first, again, other = run(3), run(3), run(4)
    pd.testing.assert_frame_equal(first, again)
    bounds = [c for c in first.columns if c.endswith(("_q025", "_q975"))]
    assert not np.allclose(first[bounds].to_numpy(float), other[bounds].to_numpy(float))
    # The point estimates do not depend on the seed.
    assert_array_equal(first["mean"], other["mean"])


def test_bootstrap_non_convergence_names_the_part_and_the_share(
    population: tuple[pd.DataFrame, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    frame, y = population
    monkeypatch.setattr(irls_module, "MAX_ITER", 1)
    with pytest.raises(ModelError) as excinfo:
        compare_subgroups(
            y,
            frame,
            by="group",
            rng=np.random.default_rng(0),
            n_resamples=20,
            disclosure=NONE,
        )
    message = str(excinfo.value)
    assert (
        "the logit part of the two-part model (P(cost > 0)) failed in 20 of 20 resamples" in message
    )
    assert "(100.0%): no convergence" in message
    assert "the gamma part of the two-part model (cost when > 0) failed in 20 of 20" in message


def test_a_group_missing_from_many_resamples_is_an_error_unless_too_small_to_publish() -> None:
    rng = np.random.default_rng(5)
    n = 200
    frame = pd.DataFrame({"site": "U1", "group": ["big"] * (n - 1) + ["one"]})
    y = rng.gamma(2.0, 100.0, n)
    kw = {"by": "group", "model": "gamma", "n_resamples": 99}
    with pytest.raises(ModelError) as excinfo:
        compare_subgroups(y, frame, rng=np.random.default_rng(1), disclosure=NONE, **kw)
    message = str(excinfo.value)
    # One woman is missed by a resample of 200 with probability (199/200)^200 ≈ 37%.
    assert "the bootstrap cannot estimate every group: group = 'one' has no woman in" in message
    assert "Group the rare values with a wider one in the women log" in message
    # Under nhsd2018 a group of one woman is suppressed anyway: a warning, and the other
    # group's intervals are unaffected (its means do not depend on the missing group).
    nhsd = functools.partial(sdc.control_table, policy="nhsd2018")
    result = compare_subgroups(y, frame, rng=np.random.default_rng(1), disclosure=nhsd, **kw)
    assert any("group = 'one' has no woman in" in w for w in result.warnings)
    # ('big' is hidden too: with the total row shown, 'one' = total - 'big' (S-4).)
    assert result.hidden_groups == ("big", "one")
    absent = result.replicates.absent[:, 1]
    assert 20 < absent.sum() < 60
    assert np.isfinite(result.replicates.adjusted[:, 0]).all()
    assert np.isnan(result.replicates.adjusted[absent, 1]).all()


def test_separated_resamples_converge_to_the_limit() -> None:
    # A group with one zero cost among 12 women: resamples that miss it have no zero in
    # that group, the logit coefficient drifts to +∞ and P(cost > 0) → 1 (statsmodels and
    # R behave alike). The refit must still converge and give a finite mean.
    rng = np.random.default_rng(9)
    n = 300
    group = np.array(["a"] * (n - 12) + ["b"] * 12)
    y = rng.gamma(2.0, 100.0, n) * (rng.random(n) > 0.3)
    y[group == "b"] = rng.gamma(2.0, 100.0, 12) + 1.0
    y[np.flatnonzero(group == "b")[0]] = 0.0
    frame = pd.DataFrame({"site": "U1", "group": group})
    result = compare_subgroups(
        y, frame, by="group", rng=np.random.default_rng(1), n_resamples=99, disclosure=NONE
    )
    assert result.n_failed == 0
    # The same resamples (compare_subgroups draws nothing else from the generator).
    ((_, counts), *rest) = resample_counts(
        frame["site"].to_numpy(), n, n_resamples=99, rng=np.random.default_rng(1)
    )
    counts = np.concatenate([counts, *(c for _, c in rest)])
    missing_zero = counts[:, np.flatnonzero(group == "b")[0]] == 0
    assert missing_zero.sum() > 10  # (1 - 1/300)^300 ≈ 37% of 99
    # With the group as the only covariate the model is saturated, so the adjusted mean of
    # a group is its mean cost, P(cost > 0) × mean positive cost, in every resample. Where
    # the zero is missing this holds only if the logit reached the limit P = 1.
    reps = result.replicates
    assert_allclose(reps.adjusted, reps.unadjusted, rtol=1e-6)


def test_weighted_refits_equal_statsmodels_with_multiplicity_times_weight(
    population: tuple[pd.DataFrame, np.ndarray],
) -> None:
    # SG-5: a resample's frequency weight is multiplicity × the woman's weight.
    frame, y = population
    w = np.random.default_rng(3).uniform(0.5, 3.0, y.size)
    w[:40] = 0.0  # e.g. incomplete follow-up
    design = build_design(frame, by="group", adjust=["age"], weights=w)
    fit = fit_model(y, design.x, "twopart", w, terms=design.terms)
    strata = frame["site"].to_numpy()
    reps = bootstrap_subgroups(
        y,
        design.x,
        design.group.codes,
        design.group_columns,
        fit,
        weights=w,
        strata=strata,
        n_resamples=N_CHECKED,
        rng=np.random.default_rng(8),
    )
    ((_, counts),) = resample_counts(
        strata, y.size, n_resamples=N_CHECKED, rng=np.random.default_rng(8)
    )
    for b in range(N_CHECKED):
        wb = counts[b] * w
        oracle = statsmodels_refit(y, design.x, "twopart", wb)
        expected = recycled_by_loop(design.x, "twopart", oracle, design.group_columns, wb)
        assert_allclose(reps.adjusted[b], expected, rtol=RTOL)


def test_resample_weights_replace_multiplicity_times_weight(
    population: tuple[pd.DataFrame, np.ndarray],
) -> None:
    frame, y = population
    w = np.random.default_rng(3).uniform(0.5, 3.0, y.size)
    design = build_design(frame, by="group", weights=w)
    fit = fit_model(y, design.x, "poisson", w, terms=design.terms)
    common = {"strata": frame["site"].to_numpy(), "n_resamples": 30}
    args = (y, design.x, design.group.codes, design.group_columns, fit)
    plain = bootstrap_subgroups(*args, weights=w, rng=np.random.default_rng(4), **common)
    seen: list[tuple[int, int]] = []

    def reweight(counts: np.ndarray) -> np.ndarray:
        seen.append(counts.shape)
        return counts * w  # what the default does: the replicates must be identical

    called = bootstrap_subgroups(
        *args, resample_weights=reweight, rng=np.random.default_rng(4), **common
    )
    assert seen == [(30, y.size)]
    assert_array_equal(plain.adjusted, called.adjusted)
    assert_array_equal(plain.unadjusted, called.unadjusted)


def test_percentile_bounds_are_the_davison_hinkley_order_statistics() -> None:
    # M-51: B = 999 replicates 1, ..., 999; (B + 1)·0.025 = 25 and (B + 1)·0.975 =
    # 975 are integers, so the bounds are the 25th and 975th order statistics: 25 and 975.
    reps = np.arange(1.0, 1000.0)[:, None]
    lower, upper = percentile_intervals(np.random.default_rng(0).permutation(reps))
    assert lower.tolist() == [25.0]
    assert upper.tolist() == [975.0]
    # A non-finite replicate is left out of its column only.
    with_nan = np.column_stack([reps[:, 0], np.r_[np.nan, reps[1:, 0]]])
    lower, _ = percentile_intervals(with_nan)
    assert lower[0] == 25.0
    assert np.isfinite(lower[1])
