"""Scale-up: the annual cost of offering the model in a set of units (issue 6, item 4).

A unit's annual cost is its admissions per year times the study's cost per admission
(or mean cost per woman). That cost comes from the one costing path (DESIGN §2): the
engine's outputs on one row of Θ (the point values) or, for an interval, on the PSA's
draws of Θ (:mod:`rapport_cost.core.analyses.psa`). The model is linear in the admissions, so a
unit's interval is its admissions times the interval of the cost per admission, and the
total's is the total admissions times it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rapport_cost.arrays import Matrix, Vector
from rapport_cost.core.usage.model import UsageModel

#: What a unit's admissions are multiplied by.
BASES = ("cost_per_admission", "mean_cost_per_woman")


@dataclass(frozen=True)
class ScaleUnit:
    """A unit where the model would be offered."""

    unit: str
    admissions_per_year: float
    label: str | None = None
    source: str | None = None


def study_admissions(usage: UsageModel, stated: Mapping[str, int | None]) -> Vector:
    """Admissions of each study site: as stated under ``sites``, else its women in the logs.

    Returns
    -------
    ndarray of shape ``(n_sites + 1,)``
        The last entry is all sites (as in ``per_unit``).
    """
    counts = usage.women["site"].value_counts()
    per_site = [
        float(stated[s]) if stated.get(s) is not None else float(counts.get(s, 0))  # type: ignore[arg-type]
        for s in usage.sites
    ]
    return np.array([*per_site, sum(per_site)], dtype=np.float64)


def basis_values(
    total: Matrix,
    mean: Matrix,
    *,
    basis: str,
    column: int,
    admissions: Vector,
) -> Vector:
    """Cost per admission (or mean cost per woman) of the study for every row of outputs.

    Parameters
    ----------
    total, mean
        From :func:`~rapport_cost.core.engine.site_totals`, each of shape
        ``(n_rows, n_sites + 1)``.
    basis
        ``cost_per_admission``: total cost (women, unit-level lines and programme costs)
        over admissions; ``mean_cost_per_woman``: the women's own costs over women.
    column
        The study site's column, ``-1`` for all sites pooled.
    admissions
        From :func:`study_admissions`.

    Returns
    -------
    ndarray of shape ``(n_rows,)``
    """
    if basis == "mean_cost_per_woman":
        return np.asarray(mean[:, column], dtype=np.float64)
    adm = admissions[column]
    return np.asarray(total[:, column] / adm if adm > 0 else total[:, column] * np.nan)


def scale_up_table(
    units: Sequence[ScaleUnit], per_admission: float, interval: tuple[float, float] | None
) -> pd.DataFrame:
    """Table ``scale_up``: each unit's annual cost and a last row ``total``.

    Parameters
    ----------
    units
        The units and their admissions per year.
    per_admission
        Cost per admission at the point values.
    interval
        The 2.5% and 97.5% quantiles of the cost per admission over PSA draws, or None.

    Returns
    -------
    pandas.DataFrame
        ``unit``, ``label``, ``admissions_per_year``, ``cost_per_admission``,
        ``annual_cost`` and, with an interval, ``annual_cost_low`` and
        ``annual_cost_high``.
    """
    names = [u.unit for u in units] + ["total"]
    adm = np.array([u.admissions_per_year for u in units], dtype=np.float64)
    adm = np.append(adm, adm.sum())
    df = pd.DataFrame(
        {
            "unit": names,
            "label": [u.label for u in units] + [None],
            "admissions_per_year": adm,
            "cost_per_admission": per_admission,
            "annual_cost": adm * per_admission,
        }
    )
    if interval is not None:
        df["annual_cost_low"] = adm * interval[0]
        df["annual_cost_high"] = adm * interval[1]
    return df
