"""Edges of the subgroup comparison (M-75 to M-81): argument checks, date columns, empty
levels, a singular refit, the Park test's left-out women, and the total row's label.

Oracles: the rules of docs/methods.md (each bad input is a problem naming its field), hand
arithmetic (a saturated least-squares fit is the row means; the M-4 percentile of 1..39 at
2.5% and 97.5% is the 1st and 39th value), and direct statsmodels fits on the rows the rule
keeps.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM

from rapport_cost.core.analyses.subgroups import (
    TOTAL,
    DistinctRows,
    SubgroupReplicates,
    build_design,
    compare_subgroups,
    diagnose,
    fit_batch,
    fit_model,
    park_test,
    percentile_intervals,
)
from rapport_cost.core.analyses.subgroups import irls as irls_module
from rapport_cost.core.publish import sdc
from rapport_cost.errors import UsageError

NONE = functools.partial(sdc.control_table, policy="none")
FILE = "logs/women.csv"


def women(n_per: int = 10) -> pd.DataFrame:
    """Two sites, three groups, an age group that varies within every group."""
    groups = ["White"] * (3 * n_per) + ["Asian"] * (2 * n_per) + ["Black"] * n_per
    n = len(groups)
    return pd.DataFrame(
        {
            "site": ["A", "B"] * (n // 2),
            "ethnicity": groups,
            "age_group": ["<25", "25-34", "35+"] * (n // 3),
            "stay_days": np.arange(n, dtype=float) % 7 + 1.0,
        }
    )


def costs(n: int) -> np.ndarray:
    return np.where(np.arange(n) % 4 == 0, 0.0, 100.0 + 10.0 * (np.arange(n) % 9))


def compare(frame: pd.DataFrame, y: np.ndarray | None = None, **kw: object):
    kw.setdefault("by", "ethnicity")
    kw.setdefault("n_resamples", 19)
    return compare_subgroups(
        costs(len(frame)) if y is None else y,
        frame,
        rng=np.random.default_rng(0),
        disclosure=NONE,
        file=FILE,
        **kw,  # type: ignore[arg-type]
    )


# ------------------------------------------------------------------ arguments


@pytest.mark.parametrize(
    ("y", "weights", "match"),
    [
        (np.ones(59), None, r"one value per row of the women log \(60\)"),
        (np.full(60, np.inf), None, "costs must be finite"),
        (None, -np.ones(60), "weights must be finite, >= 0, not all 0"),
        (None, np.zeros(60), "weights must be finite, >= 0, not all 0"),
        (None, np.ones(59), "weights must be finite, >= 0, not all 0"),
    ],
)
def test_costs_and_weights_must_fit_the_women(
    y: np.ndarray | None, weights: np.ndarray | None, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        compare(women(), y, weights=weights)


def test_a_bad_scheme_and_share_of_failures_are_both_reported() -> None:
    with pytest.raises(UsageError) as info:
        compare(women(), scheme="bayesian", max_failed=1.0)
    problems = info.value.problems
    assert [p.field for p in problems] == ["scheme", "max_failed"]
    assert "must be one of ordinary, stratified, cluster, got 'bayesian'" in problems[0].message
    assert "must be in [0, 1), got 1.0" in problems[1].message


def test_resampling_within_units_needs_a_site_column() -> None:
    frame = women().drop(columns="site")
    with pytest.raises(UsageError) as info:
        compare(frame, scheme="cluster")
    assert [(p.field, p.message) for p in info.value.problems] == [
        ("site", "the cluster bootstrap needs a 'site' column")
    ]
    # the ordinary bootstrap does not, and then site is not adjusted for (a note says so)
    result = compare(frame, scheme="ordinary")
    assert "The women log has no 'site' column: costs are not adjusted for unit." in result.notes


def test_a_group_called_like_the_total_row_keeps_the_total_apart() -> None:
    # The summary's total row is "all women"; a group of that name pushes it to
    # "all women (total)" so that the two rows stay distinct.
    frame = women().assign(ethnicity=[TOTAL] * 30 + ["other"] * 30)
    summary = compare(frame).tables["subgroup_summary"]
    assert summary["group"].tolist() == [TOTAL, "other", f"{TOTAL} (total)"]
    assert summary["n"].tolist() == [30, 30, 60]


# ---------------------------------------------------------------- the design


def test_date_columns_cannot_be_a_subgroup_or_a_covariate() -> None:
    admitted = pd.Timestamp("2025-01-01") + pd.to_timedelta(np.arange(60), "D")
    frame = women().assign(admitted=admitted)
    with pytest.raises(UsageError) as info:
        build_design(frame, by="admitted", file=FILE)
    assert [(p.field, p.code, p.file) for p in info.value.problems] == [
        ("admitted", "date_covariate", FILE)
    ]
    frame["stay"] = pd.to_timedelta(frame["stay_days"], "D")
    with pytest.raises(UsageError) as info:
        build_design(frame, by="ethnicity", adjust=["admitted", "stay"], file=FILE)
    assert [(p.field, p.code) for p in info.value.problems] == [
        ("admitted", "date_covariate"),
        ("stay", "date_covariate"),
    ]
    assert "is a date column; a covariate must hold text or numbers" in str(info.value)


def test_a_numeric_covariate_the_same_for_every_used_woman_is_refused() -> None:
    frame = women()
    frame["stay_days"] = 3.0
    with pytest.raises(UsageError, match="the same for every woman") as info:
        build_design(frame, by="ethnicity", adjust=["stay_days"])
    assert info.value.problems[0].code == "one_level"
    # Varying only among women of weight 0 is the same for every woman who counts.
    frame["stay_days"] = np.where(np.arange(60) < 6, 9.0, 3.0)
    weights = np.where(np.arange(60) < 6, 0.0, 1.0)
    with pytest.raises(UsageError, match="the same for every woman"):
        build_design(frame, by="ethnicity", adjust=["stay_days"], weights=weights)
    build_design(frame, by="ethnicity", adjust=["stay_days"])  # with every woman it varies


def test_a_covariate_level_with_no_weight_is_refused() -> None:
    # age group "<25" is women 0, 3, 6, ...; weight 0 for all of them.
    frame = women()
    weights = np.where(np.arange(60) % 3 == 0, 0.0, 1.0)
    with pytest.raises(UsageError) as info:
        build_design(frame, by="ethnicity", adjust=["age_group"], weights=weights, file=FILE)
    (problem,) = info.value.problems
    assert (problem.field, problem.code, problem.file) == ("age_group", "empty_level", FILE)
    assert "level '<25' has no woman with a positive weight" in problem.message


def test_an_unknown_subgroup_column_without_a_file() -> None:
    with pytest.raises(UsageError) as info:
        build_design(women(), by="ethnicty")
    (problem,) = info.value.problems
    assert problem.file is None
    assert problem.field == "ethnicty"
    assert "did you mean 'ethnicity'" in problem.message


# ------------------------------------------------------------------- the models


def test_an_unknown_model_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="The 'model' parameter must be one of"):
        fit_model(np.ones(3), np.ones((3, 1)), "tobit")  # type: ignore[arg-type]


def test_a_level_whose_women_all_have_weight_zero_is_not_called_divergent() -> None:
    # Level c (column 2) has women only of weight 0: its column is 0 in every fitted row,
    # so nothing is estimated for it and it is not "every woman has the same outcome".
    # The other coefficients are the Poisson fit of the women used, without that column:
    # with a saturated a/b design they are log(mean a) and log(mean b / mean a).
    y = np.array([0.0, 2.0, 4.0, 1.0, 3.0, 5.0, 7.0, 9.0, 8.0])
    level = np.array(["a", "a", "a", "b", "b", "b", "c", "c", "c"])
    x = np.column_stack([np.ones(9), level == "b", level == "c"]).astype(float)
    w = np.where(level == "c", 0.0, 1.0)
    fit = fit_model(y, x, "poisson", w, terms=["Intercept", "b", "c"])
    assert not any("c are not finite" in note or ", c" in note for note in fit.notes)
    coef = fit.parts[0].coef
    assert_allclose(coef[:2], [math.log(2.0), math.log(3.0 / 2.0)], rtol=1e-8)
    # zero costs in level a only would be divergent for a logit, but not here (Poisson with
    # a positive mean in every used level): no note at all
    assert fit.notes == ()


def test_a_singular_resample_fails_alone() -> None:
    # Rows (1, 0) and (1, 1). Resample 0 weights both: the least-squares fit of a
    # saturated design is the row means, 20/2 = 10 and 15/1 = 15, so b = (10, 15 − 10).
    # Resample 1 weights only (1, 1): both columns are the same there, the information
    # 3·[[1, 1], [1, 1]] is singular (and no column is empty), so that resample fails.
    rows = DistinctRows.of(np.array([[1.0, 0.0], [1.0, 1.0]]))
    stats = {"W": np.array([[2.0, 1.0], [0.0, 3.0]]), "S": np.array([[20.0, 15.0], [0.0, 30.0]])}
    fit = fit_batch("gaussian", rows, stats, np.zeros(2))
    assert_allclose(fit.coef[0], [10.0, 5.0])
    assert np.isnan(fit.coef[1]).all()
    assert fit.failure.tolist() == [irls_module.OK, irls_module.SINGULAR]
    assert fit.ok.tolist() == [True, False]


# ------------------------------------------------------------- replicates


def test_fit_failed_flags_singular_and_unconverged_refits() -> None:
    reps = SubgroupReplicates(
        unadjusted=np.zeros((4, 2)),
        adjusted=np.zeros((4, 2)),
        failure={
            "any": np.array([irls_module.OK, irls_module.SINGULAR, irls_module.OK, irls_module.OK]),
            "positive": np.array(
                [irls_module.OK, irls_module.OK, irls_module.NOT_CONVERGED, irls_module.OK]
            ),
        },
        absent=np.zeros((4, 2), dtype=bool),
        ok=np.array([True, False, False, True]),
    )
    assert reps.fit_failed.tolist() == [False, True, True, False]
    assert reps.n_resamples == 4


def test_percentile_intervals_leave_out_nan_and_skip_empty_columns() -> None:
    # B = 39 finite values 1..39: (B + 1)·0.025 = 1 and (B + 1)·0.975 = 39 are whole
    # ranks (M-4), the smallest and the largest value.
    col = np.arange(1.0, 40.0)
    reps = np.column_stack([col, np.full(39, np.nan), col])
    reps = np.vstack([reps, [np.nan, np.nan, np.inf]])  # left out of their columns
    lower, upper = percentile_intervals(reps, 0.95)
    assert_allclose(lower, [1.0, np.nan, 1.0], equal_nan=True)
    assert_allclose(upper, [39.0, np.nan, 39.0], equal_nan=True)


# ------------------------------------------------------------------ diagnostics


def test_park_test_leaves_out_zero_residuals_and_non_positive_fits() -> None:
    # Rows 0-4 enter: r² = 0.25, 1, 4, 9, 25 on log ŷ. Row 5 has a zero residual, row 6
    # ŷ = −1 (least squares can give it), row 7 weight 0 (not a woman of the part).
    fitted = np.array([2.0, 3.0, 5.0, 8.0, 13.0, 4.0, -1.0, 6.0])
    y = fitted + np.array([0.5, -1.0, 2.0, -3.0, 5.0, 0.0, 3.0, 1.0])
    w = np.array([1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0])
    lam, se, note = park_test(y, fitted, w)
    keep = slice(0, 5)
    design = np.column_stack([np.ones(5), np.log(fitted[keep])])
    r2 = (y[keep] - fitted[keep]) ** 2
    ref = GLM(r2, design, family=families.Gamma(families.links.Log()), freq_weights=w[keep]).fit()
    assert lam == pytest.approx(float(ref.params[1]), rel=1e-8)
    assert se == pytest.approx(float(ref.bse[1]), rel=1e-8)
    assert note == " Women with ŷ ≤ 0 or a zero residual are left out of the Park test."
    # without rows 5 and 6 nobody is left out
    rows = [0, 1, 2, 3, 4, 7]
    assert park_test(y[rows], fitted[rows], w[rows])[2] == ""


def test_a_park_test_on_too_few_women_says_so_and_judges_no_family() -> None:
    # Least squares on a 0/1 dummy: ŷ is each level's mean, −2 for y = −2, −1, −3 and 2 for
    # y = 1, 3. Only the two women with ŷ = 2 > 0 (r² = 1 each) could enter the Park test.
    y = np.array([-2.0, -1.0, -3.0, 1.0, 3.0])
    x = np.column_stack([np.ones(5), [0.0, 0.0, 0.0, 1.0, 1.0]])
    fit = fit_model(y, x, "ols")
    assert_allclose(fit.parts[0].coef, [-2.0, 4.0], atol=1e-12)
    (d,) = diagnose(fit, y, x, np.ones(5))
    assert math.isnan(d.park_lambda)
    assert math.isnan(d.park_se)
    assert d.note.startswith("The Park test needs at least 3 women with ŷ > 0.")
    assert "modified Park test gives" not in d.note
