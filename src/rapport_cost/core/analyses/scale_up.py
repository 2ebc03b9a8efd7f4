"""Scale-up: the annual cost of offering the model in a set of units (issue 6, item 4).

A unit's annual cost is its admissions per year times the study's cost per admission
(or mean cost per woman). That cost is the engine's
(:attr:`~rapport_cost.core.engine.Costs.per_admission`) on one row of Θ (the point
values) or, for an interval, on the PSA's draws of Θ. The model is linear in the admissions, so a
unit's interval is its admissions times the interval of the cost per admission, and the
total's is the total admissions times it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: What a unit's admissions are multiplied by.
BASES = ("cost_per_admission", "mean_cost_per_woman")


@dataclass(frozen=True)
class ScaleUnit:
    """A unit where the model would be offered."""

    unit: str
    admissions_per_year: float
    label: str | None = None
    source: str | None = None


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
