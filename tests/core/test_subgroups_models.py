"""The four cost models against statsmodels fits written out here (M-76).

The oracle for each model is a direct ``statsmodels`` GLM call in the test: the family,
link, the women it is fitted on (cost > 0 for the gamma part, 0/1 outcome for the logit)
and the weights are spelled out independently of ``models.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.regression.linear_model import OLS, WLS

from rapport_cost.core.analyses.subgroups import diagnose, fit_model
from rapport_cost.core.analyses.subgroups import models as models_module
from rapport_cost.errors import ExitCode, ModelError

RTOL = 1e-8


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """600 women: intercept, a 3-level group (2 dummies), a numeric covariate; 25% zeros."""
    rng = np.random.default_rng(2024)
    n = 600
    group = rng.integers(0, 3, n)
    z = rng.uniform(0, 2, n)
    x = np.column_stack([np.ones(n), group == 1, group == 2, z]).astype(float)
    mean = np.exp(5.0 + 0.3 * (group == 1) - 0.2 * (group == 2) + 0.4 * z)
    y = rng.gamma(2.0, mean / 2.0) * (rng.random(n) > 0.25)
    weights = rng.integers(1, 4, n).astype(float)
    return x, y, weights


def direct(
    y: np.ndarray, x: np.ndarray, family: object, weights: np.ndarray | None, scale: object = None
) -> np.ndarray:
    model = GLM(y, x, family=family, freq_weights=weights)
    return np.asarray(model.fit(scale=scale).params)


@pytest.mark.parametrize("weighted", [False, True])
def test_twopart_is_a_logit_times_a_gamma_glm_on_positive_costs(
    data: tuple[np.ndarray, np.ndarray, np.ndarray], weighted: bool
) -> None:
    x, y, w = data
    weights = w if weighted else None
    fit = fit_model(y, x, "twopart", weights)
    pos = y > 0
    logit = direct(pos.astype(float), x, families.Binomial(), weights)
    gamma_family = families.Gamma(families.links.Log())
    gamma = direct(y[pos], x[pos], gamma_family, w[pos] if weighted else None)
    any_part, positive = fit.part("any"), fit.part("positive")
    assert any_part is not None
    assert positive is not None
    assert_allclose(any_part.coef, logit, rtol=RTOL)
    assert_allclose(positive.coef, gamma, rtol=RTOL)
    assert [p.part for p in fit.parts] == ["any", "positive"]


@pytest.mark.parametrize("weighted", [False, True])
def test_gamma_model(data: tuple[np.ndarray, np.ndarray, np.ndarray], weighted: bool) -> None:
    x, y, w = data
    y = y + 1.0  # every cost > 0
    weights = w if weighted else None
    fit = fit_model(y, x, "gamma", weights)
    expected = direct(y, x, families.Gamma(families.links.Log()), weights)
    assert_allclose(fit.parts[0].coef, expected, rtol=RTOL)
    assert fit.parts[0].part == "single"


@pytest.mark.parametrize("weighted", [False, True])
def test_quasi_poisson_model(
    data: tuple[np.ndarray, np.ndarray, np.ndarray], weighted: bool
) -> None:
    x, y, w = data
    weights = w if weighted else None
    fit = fit_model(y, x, "poisson", weights)
    model = GLM(y, x, family=families.Poisson(), freq_weights=weights)
    result = model.fit(scale="X2")  # quasi-Poisson: Pearson χ²/df dispersion
    assert_allclose(fit.parts[0].coef, result.params, rtol=RTOL)
    assert_allclose(fit.parts[0].se, result.bse, rtol=RTOL)
    # The quasi-Poisson SEs are the Poisson SEs times √(dispersion), dispersion ≫ 1 here.
    poisson = model.fit()
    assert_allclose(fit.parts[0].se, poisson.bse * np.sqrt(result.scale), rtol=1e-6)
    assert result.scale > 10


@pytest.mark.parametrize("weighted", [False, True])
def test_ols_model(data: tuple[np.ndarray, np.ndarray, np.ndarray], weighted: bool) -> None:
    x, y, w = data
    fit = fit_model(y, x, "ols", w if weighted else None)
    expected = WLS(y, x, weights=w).fit().params if weighted else OLS(y, x).fit().params
    assert_allclose(fit.parts[0].coef, expected, rtol=RTOL)


@pytest.mark.parametrize("model", ["twopart", "poisson", "ols"])
def test_integer_weights_count_a_woman_that_many_times(
    data: tuple[np.ndarray, np.ndarray, np.ndarray], model: str
) -> None:
    # Oracle: the unweighted fit on the data with each woman repeated w times.
    x, y, w = data
    reps = w.astype(int)
    weighted = fit_model(y, x, model, w)  # type: ignore[arg-type]
    repeated = fit_model(np.repeat(y, reps), np.repeat(x, reps, axis=0), model)  # type: ignore[arg-type]
    for a, b in zip(weighted.parts, repeated.parts, strict=True):
        assert_allclose(a.coef, b.coef, rtol=1e-7)
        assert_allclose(a.se, b.se, rtol=1e-6)


def test_weight_zero_leaves_a_woman_out(data: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    x, y, _ = data
    w = np.ones(y.size)
    w[:100] = 0.0
    a = fit_model(y, x, "twopart", w)
    b = fit_model(y[100:], x[100:], "twopart")
    for pa, pb in zip(a.parts, b.parts, strict=True):
        assert_allclose(pa.coef, pb.coef, rtol=RTOL)


def test_weights_change_the_estimates(data: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    x, y, w = data
    a, b = fit_model(y, x, "twopart"), fit_model(y, x, "twopart", w)
    assert not np.allclose(a.parts[1].coef, b.parts[1].coef, rtol=1e-3)


def test_no_zero_cost_reduces_twopart_to_its_gamma_part(
    data: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    x, y, _ = data
    fit = fit_model(y + 1.0, x, "twopart")
    assert [p.part for p in fit.parts] == ["positive"]
    gamma = fit_model(y + 1.0, x, "gamma")
    assert_allclose(fit.parts[0].coef, gamma.parts[0].coef, rtol=RTOL)
    assert any("No woman has a zero cost" in n for n in fit.notes)


def test_non_convergence_names_the_part(
    data: tuple[np.ndarray, np.ndarray, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    x, y, _ = data
    monkeypatch.setattr(models_module, "MAX_ITER", 1)
    with pytest.raises(ModelError) as excinfo:
        fit_model(y, x, "twopart")
    assert str(excinfo.value) == (
        "the logit part of the two-part model (P(cost > 0)) did not converge in 1 iterations"
    )
    assert excinfo.value.exit_code == ExitCode.MODEL_FAILED


def test_a_level_with_only_positive_costs_is_noted(
    data: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    x, y, _ = data
    y = y.copy()
    y[x[:, 2] == 1] += 1.0  # every woman of group 2 has a cost > 0: logit separation
    fit = fit_model(y, x, "twopart", terms=["Intercept", "g[T.1]", "g[T.2]", "z"])
    assert any("g[T.2]" in n and "not finite" in n for n in fit.notes)
    any_part = fit.part("any")
    assert any_part is not None
    # The fitted P(cost > 0) of that group is 1 to within 1e-8 (the limit).
    p = 1.0 / (1.0 + np.exp(-(x[x[:, 2] == 1] @ any_part.coef)))
    assert p.min() > 1 - 1e-8


def test_park_and_link_tests_equal_direct_statsmodels_fits(
    data: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    x, y, w = data
    fit = fit_model(y, x, "twopart", w)
    rows = diagnose(fit, y, x, w)
    any_part, positive = fit.part("any"), fit.part("positive")
    assert any_part is not None
    assert positive is not None
    pos = y > 0
    gamma = families.Gamma(families.links.Log())
    # Park: (y - ŷ)² on log ŷ over women with a cost > 0, gamma GLM with log link.
    eta = x[pos] @ positive.coef
    r2 = (y[pos] - np.exp(eta)) ** 2
    park = GLM(r2, np.column_stack([np.ones(eta.size), eta]), family=gamma, freq_weights=w[pos])
    result = park.fit()
    assert rows[1].park_lambda == pytest.approx(result.params[1], rel=1e-8)
    assert rows[1].park_se == pytest.approx(result.bse[1], rel=1e-8)
    # Link test: the gamma part refitted on η̂ and η̂²; the p-value of η̂².
    link = GLM(
        y[pos],
        np.column_stack([np.ones(eta.size), eta, eta**2]),
        family=gamma,
        freq_weights=w[pos],
    ).fit()
    assert rows[1].link_test_p == pytest.approx(link.pvalues[2], rel=1e-6)
    # The logit part: link test on its own η̂, no Park test.
    eta_any = x @ any_part.coef
    logit = GLM(
        pos.astype(float),
        np.column_stack([np.ones(y.size), eta_any, eta_any**2]),
        family=families.Binomial(),
        freq_weights=w,
    ).fit()
    assert rows[0].link_test_p == pytest.approx(logit.pvalues[2], rel=1e-6)
    assert np.isnan(rows[0].park_lambda)
    assert rows[0].zeros == rows[1].zeros == int((y == 0).sum())
