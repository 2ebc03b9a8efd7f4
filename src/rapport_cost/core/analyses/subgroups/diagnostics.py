"""Model checks reported beside the estimates (M-79); they never choose a model.

* **Modified Park test** (Manning & Mullahy 2001): a gamma GLM with log link of the squared
  raw residuals (y − ŷ)² on log ŷ. Its slope λ says how the variance grows with the mean:
  ≈ 0 Gaussian (constant), 1 Poisson (∝ mean), 2 gamma (∝ mean²), 3 inverse Gaussian
  (∝ mean³). For the two-part model it is run on the gamma part (women with a cost > 0).
* **Pregibon link test**: the part refitted on the linear predictor η̂ and η̂²; a small
  p-value of η̂² says the link (log, logit or identity) does not fit.

Both use the part's women and weights. A check that cannot be computed gives NaN and says
why in its note.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.special

from rapport_cost.arrays import Matrix, Vector
from rapport_cost.core.analyses.subgroups.models import (
    PART_NAMES,
    Family,
    ModelFit,
    PartFit,
    fit_glm,
)
from rapport_cost.errors import ModelError

#: λ each family assumes, and the variance it stands for.
FAMILY_LAMBDA: dict[str, int] = {"gaussian": 0, "poisson": 1, "gamma": 2}
VARIANCE: dict[int, str] = {
    0: "Gaussian: constant variance",
    1: "Poisson: variance proportional to the mean",
    2: "gamma: variance proportional to the mean squared",
    3: "inverse Gaussian: variance proportional to the mean cubed",
}
_SUGGEST: dict[int, str] = {
    0: "--model ols",
    1: "--model poisson",
    2: "--model gamma (or twopart with zero costs)",
    3: "no model here; gamma (λ = 2) is the closest",
}
#: p-value below which the note says the link test rejects the link.
LINK_ALPHA = 0.05


@dataclass(frozen=True)
class PartDiagnostics:
    """The checks of one model part (one row of ``subgroup_diagnostics``)."""

    part: str
    park_lambda: float
    park_se: float
    link_test_p: float
    zeros: int
    note: str


def _mean(family: Family, eta: Vector) -> Vector:
    if family == "logit":
        out: Vector = scipy.special.expit(eta)
        return out
    if family == "gaussian":
        return eta
    return np.exp(eta)


def park_test(y: Vector, fitted: Vector, weights: Vector) -> tuple[float, float, str]:
    """λ and its SE from the modified Park test, and a note on rows left out.

    Rows with ŷ ≤ 0 (possible with least squares) or a residual of exactly 0 cannot enter a
    gamma GLM with log link on log ŷ and are left out (the note says so).
    """
    r2 = (y - fitted) ** 2
    keep = (fitted > 0) & (r2 > 0) & (weights > 0)
    note = ""
    if ((weights > 0) & ~keep).any():  # no count here: it could be 1-7 women (M-60)
        note = " Women with ŷ ≤ 0 or a zero residual are left out of the Park test."
    if keep.sum() < 3:
        return math.nan, math.nan, " The Park test needs at least 3 women with ŷ > 0."
    design = np.column_stack([np.ones(int(keep.sum())), np.log(fitted[keep])])
    try:
        result, _ = fit_glm(r2[keep], design, "gamma", weights[keep], what="the Park test")
    except ModelError as exc:
        return math.nan, math.nan, f" {exc}."
    return float(result.params[1]), float(result.bse[1]), note


def link_test(
    outcome: Vector, eta: Vector, family: Family, weights: Vector, what: str
) -> tuple[float, str]:
    """p-value of η̂² when the part is refitted on (1, η̂, η̂²) (Pregibon)."""
    design = np.column_stack([np.ones(eta.size), eta, eta**2])
    try:
        result, _ = fit_glm(outcome, design, family, weights, what=f"the link test of {what}")
    except ModelError as exc:
        return math.nan, f" {exc}."
    return float(result.pvalues[2]), ""


def _family_note(family: Family, lam: float, se: float) -> str:
    if not math.isfinite(lam):
        return ""
    assumed = FAMILY_LAMBDA[family]
    nearest = min(3, max(0, round(lam)))
    said = f"The modified Park test gives λ = {lam:.2f} (SE {se:.2f}), closest to {nearest} ("
    said += f"{VARIANCE[nearest]})"
    if nearest == assumed:
        return f"{said}, as the {family} family assumes."
    return (
        f"{said}; the {family} family assumes {assumed} ({VARIANCE[assumed]}): the data "
        f"disagree with the chosen family; consider {_SUGGEST[nearest]}."
    )


def _link_note(p: float) -> str:
    if math.isfinite(p) and p < LINK_ALPHA:
        return (
            f" The link test rejects the link (p = {p:.3g} for η̂²): the mean may not be "
            "linear in the covariates on this scale."
        )
    return ""


def diagnose_part(
    model: str, part: PartFit, y: Vector, x: Matrix, weights: Vector, zeros: int
) -> PartDiagnostics:
    """The Park test (not for the logit part) and the link test of one fitted part."""
    rows = part.rows
    eta = x[rows] @ part.coef
    outcome = (y[rows] > 0).astype(np.float64) if part.part == "any" else y[rows]
    what = PART_NAMES[(model, part.part)]
    p, link_note = link_test(outcome, eta, part.family, weights[rows], what)
    if part.family == "logit":
        return PartDiagnostics(
            part=part.part,
            park_lambda=math.nan,
            park_se=math.nan,
            link_test_p=p,
            zeros=zeros,
            note=(f"Link test of {what}.{link_note}{_link_note(p)}").strip(),
        )
    lam, se, park_note = park_test(outcome, _mean(part.family, eta), weights[rows])
    note = f"{_family_note(part.family, lam, se)}{park_note}{link_note}{_link_note(p)}"
    return PartDiagnostics(
        part=part.part,
        park_lambda=lam,
        park_se=se,
        link_test_p=p,
        zeros=zeros,
        note=note.strip(),
    )


def diagnose(fit: ModelFit, y: Vector, x: Matrix, weights: Vector) -> list[PartDiagnostics]:
    """M-79 checks of every part of ``fit``.

    Parameters
    ----------
    fit
        The full-sample fit.
    y : ndarray of shape (n,)
        Cost per woman, GBP.
    x : ndarray of shape (n, p)
        The design.
    weights : ndarray of shape (n,)
        The weights the model was fitted with.

    Returns
    -------
    list of PartDiagnostics
        One per part, in the order of ``fit.parts``. ``zeros`` is the number of women
        (weight > 0) with a zero cost.
    """
    zeros = int(np.sum((y == 0) & (weights > 0)))
    return [diagnose_part(fit.model, part, y, x, weights, zeros) for part in fit.parts]
