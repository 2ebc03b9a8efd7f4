"""The four cost models of M-76, fitted on the full sample with statsmodels.

* ``twopart``: a logit for P(Y > 0 | x) (part ``any``) times a gamma GLM with log link for
  E[Y | Y > 0, x] (part ``positive``). With no zero cost at all the logit part is left out
  (P = 1) and the model is its gamma part, with a note.
* ``gamma``: a gamma GLM with log link (every cost > 0); part ``single``.
* ``poisson``: a quasi-Poisson GLM with log link (zeros allowed; the dispersion is
  Pearson's χ²/df); part ``single``.
* ``ols``: least squares (a Gaussian GLM with identity link); part ``single``.

Weights are frequency weights (statsmodels ``freq_weights``): an integer weight k counts a
woman k times, which is what a bootstrap resample's multiplicities are; the inverse
probability of censoring weights of M-80 enter the same way (they change the point
estimates as frequency weights would; the intervals come from the bootstrap). Women with
weight 0 are left out of the fit.

A part that does not converge raises :class:`~rapport_cost.errors.ModelError` naming it.
statsmodels is imported when a model is fitted, not when the package is.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt

from rapport_cost.arrays import BoolArray, Matrix, Vector
from rapport_cost.errors import ModelError, Problem

ModelName = Literal["twopart", "gamma", "poisson", "ols"]
"""Name of a cost model (M-76)."""
Family = Literal["logit", "gamma", "poisson", "gaussian"]
"""The family and link of one part: logit, gamma (log), Poisson (log), Gaussian (identity)."""

MODELS: tuple[str, ...] = get_args(ModelName)

#: The parts of each model, as (part, family).
PARTS: dict[str, tuple[tuple[str, Family], ...]] = {
    "twopart": (("any", "logit"), ("positive", "gamma")),
    "gamma": (("single", "gamma"),),
    "poisson": (("single", "poisson"),),
    "ols": (("single", "gaussian"),),
}

#: What each part is, in messages.
PART_NAMES: dict[tuple[str, str], str] = {
    ("twopart", "any"): "the logit part of the two-part model (P(cost > 0))",
    ("twopart", "positive"): "the gamma part of the two-part model (cost when > 0)",
    ("gamma", "single"): "the gamma model",
    ("poisson", "single"): "the quasi-Poisson model",
    ("ols", "single"): "the least-squares model",
}

#: statsmodels' IRLS settings for the full-sample fits (its defaults).
MAX_ITER = 100
TOL = 1e-8


@dataclass(frozen=True)
class PartFit:
    """One fitted part of a model.

    Parameters
    ----------
    part
        ``any``, ``positive`` or ``single``.
    family
        Its family and link.
    coef, se : ndarray of shape (p,)
        Coefficients and model-based standard errors (statsmodels ``bse``).
    scale
        Dispersion (1 for the logit).
    rows : ndarray of bool, shape (n,)
        The women it is fitted on (weight > 0, and cost > 0 for ``positive``).
    iterations
        IRLS iterations statsmodels took.
    """

    part: str
    family: Family
    coef: Vector
    se: Vector
    scale: float
    rows: BoolArray = field(repr=False)
    iterations: int = 0


@dataclass(frozen=True)
class ModelFit:
    """A fitted cost model: its parts and notes."""

    model: ModelName
    parts: tuple[PartFit, ...]
    notes: tuple[str, ...] = ()

    def part(self, name: str) -> PartFit | None:
        """The part called ``name``, or ``None`` (e.g. ``any`` when there is no zero cost)."""
        return next((p for p in self.parts if p.part == name), None)


def check_model(model: str) -> None:
    """Raise ``ValueError`` for an unknown model name."""
    if model not in MODELS:
        msg = f"The 'model' parameter must be one of {list(MODELS)}. Got {model!r} instead."
        raise ValueError(msg)


def statsmodels_family(family: Family) -> Any:
    """The statsmodels family object of ``family``."""
    from statsmodels.genmod import families  # noqa: PLC0415

    if family == "logit":
        return families.Binomial()
    if family == "gamma":
        return families.Gamma(families.links.Log())
    if family == "poisson":
        return families.Poisson()
    return families.Gaussian()


def fit_glm(
    y: Vector,
    x: Matrix,
    family: Family,
    weights: Vector,
    *,
    what: str = "the model",
    max_iter: int = MAX_ITER,
    tol: float = TOL,
) -> tuple[Any, tuple[str, ...]]:
    """Fit one GLM with statsmodels; raise :class:`ModelError` when it fails.

    Parameters
    ----------
    y : ndarray of shape (k,)
        Outcome (0/1 for the logit).
    x : ndarray of shape (k, p)
        Design.
    family
        Family and link; the Poisson dispersion is estimated (quasi-Poisson, ``scale="X2"``).
    weights : ndarray of shape (k,)
        Frequency weights, > 0.
    what
        What the model is, for messages.
    max_iter, tol
        statsmodels' IRLS settings.

    Returns
    -------
    (results, notes)
        The statsmodels ``GLMResults`` and texts about warnings it gave.
    """
    from statsmodels.genmod.generalized_linear_model import (  # noqa: PLC0415
        GLM,
    )
    from statsmodels.tools import sm_exceptions  # noqa: PLC0415

    notes: list[str] = []
    scale = "X2" if family == "poisson" else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = GLM(y, x, family=statsmodels_family(family), freq_weights=weights)
            result = model.fit(maxiter=max_iter, tol=tol, scale=scale)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:
            msg = f"{what} cannot be fitted: {exc}"
            raise ModelError(msg, [Problem(msg, code="model_failed")]) from None
    for w in caught:
        if issubclass(w.category, sm_exceptions.PerfectSeparationWarning):
            notes.append(f"{what}: fitted probabilities of 0 or 1 (perfect separation).")
    converged = bool(getattr(result, "converged", True))
    if not converged or not np.all(np.isfinite(result.params)):
        msg = f"{what} did not converge in {max_iter} iterations"
        raise ModelError(msg, [Problem(msg, code="not_converged")])
    return result, tuple(notes)


def _divergent_terms(
    outcome: Vector, x: Matrix, weights: Vector, family: Family, terms: Sequence[str]
) -> list[str]:
    """Dummy terms whose women all have outcome 0 (or all 1 for the logit)."""
    out: list[str] = []
    for j in range(x.shape[1]):
        column = x[:, j]
        if not np.isin(column, (0.0, 1.0)).all() or column.all():
            continue
        inside = (column == 1.0) & (weights > 0)
        values = outcome[inside]
        if values.size == 0:
            continue
        if (values == 0).all() or (family == "logit" and (values == 1).all()):
            out.append(terms[j])
    return out


def fit_model(
    y: npt.ArrayLike,
    x: npt.ArrayLike,
    model: ModelName,
    weights: npt.ArrayLike | None = None,
    *,
    terms: Sequence[str] | None = None,
) -> ModelFit:
    """Fit ``model`` to the costs on the full sample (statsmodels).

    Parameters
    ----------
    y : array_like of shape (n,)
        Cost per woman, GBP; ≥ 0 except for ``ols``, > 0 for ``gamma`` (checked by
        :func:`~rapport_cost.core.analyses.subgroups.compare.compare_subgroups`).
    x : array_like of shape (n, p)
        Design matrix with an intercept column.
    model
        ``twopart``, ``gamma``, ``poisson`` or ``ols``.
    weights : array_like of shape (n,), optional
        Frequency weights ≥ 0 (default 1); women with weight 0 are left out.
    terms
        Names of the columns of ``x``, for notes.

    Returns
    -------
    ModelFit

    Raises
    ------
    ModelError
        A part that cannot be fitted or does not converge (named in the message).
    """
    check_model(model)
    yv = np.asarray(y, dtype=np.float64)
    xm = np.asarray(x, dtype=np.float64)
    w = np.ones(yv.size) if weights is None else np.asarray(weights, dtype=np.float64)
    names = list(terms) if terms is not None else [f"x{j}" for j in range(xm.shape[1])]
    used = w > 0
    parts: list[PartFit] = []
    notes: list[str] = []
    for part, family in PARTS[model]:
        rows = used & (yv > 0) if part == "positive" else used
        outcome = (yv > 0).astype(np.float64) if part == "any" else yv
        what = PART_NAMES[(model, part)]
        if part == "any" and outcome[rows].min() == 1.0:
            notes.append(
                "No woman has a zero cost: the two-part model is its gamma part (P(cost > 0) = 1)."
            )
            continue
        result, fit_notes = fit_glm(
            outcome[rows], xm[rows], family, w[rows], what=what, max_iter=MAX_ITER
        )
        notes += fit_notes
        divergent = _divergent_terms(outcome, xm, w, family, names)
        if family in ("logit", "poisson") and divergent:
            notes.append(
                f"{what}: the coefficients of {', '.join(divergent)} are not finite (every woman "
                "in that level has the same outcome); they are shown as estimated when the fit "
                "stopped, and predictions use the limit."
            )
        parts.append(
            PartFit(
                part=part,
                family=family,
                coef=np.asarray(result.params, dtype=np.float64),
                se=np.asarray(result.bse, dtype=np.float64),
                scale=float(result.scale),
                rows=rows,
                iterations=int(result.fit_history.get("iteration", 0)),
            )
        )
    return ModelFit(model=model, parts=tuple(parts), notes=tuple(notes))
