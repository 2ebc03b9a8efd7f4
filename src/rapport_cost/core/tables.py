"""Result tables built from computed arrays (names and columns are the interface, DESIGN §5)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rapport_cost.core.unit_costs import ArrayLike, StaffCosts

UNIT_COST_COLUMNS = (
    "salary",
    "on_costs",
    "overheads_management",
    "overheads_non_staff",
    "capital",
    "qualifications",
    "annual_cost",
    "working_hours",
    "cost_per_working_hour",
    "cost_per_contact_hour",
)


def _first(x: ArrayLike | None) -> float:
    if x is None:
        return float("nan")
    return float(np.asarray(x, dtype=float).reshape(-1)[0])


def unit_cost_table(costs: dict[str, StaffCosts]) -> pd.DataFrame:
    """Table ``unit_costs``: one row per role, each PSSRU component, unrounded.

    Parameters
    ----------
    costs
        Role key → its build-up evaluated on a one-row Θ (arrays of shape ``(1,)``).
        Components a role does not have (flat hourly rate) are NaN (null in JSON).
    """
    rows = [
        {"role": key, **{c: _first(getattr(sc, c)) for c in UNIT_COST_COLUMNS}}
        for key, sc in costs.items()
    ]
    return pd.DataFrame(rows, columns=["role", *UNIT_COST_COLUMNS])
