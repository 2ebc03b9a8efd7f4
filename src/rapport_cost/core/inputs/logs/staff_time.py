"""The staff time log: non-contact hours per unit, month, role and activity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rapport_cost.config import CostingConfig
from rapport_cost.core.inputs.logs.columns import _dates, _known, _number_column, _show
from rapport_cost.core.inputs.logs.factor import _Factor
from rapport_cost.core.inputs.logs.problems import _Problems
from rapport_cost.core.inputs.logs.tables import LogTable


def _staff_time(
    table: LogTable | None, cfg: CostingConfig, problems: _Problems, sites: tuple[str, ...]
) -> pd.DataFrame:
    if table is None:
        return pd.DataFrame(
            {
                "site": pd.Categorical([], categories=list(sites)),
                "month": np.zeros(0, "datetime64[ns]"),
                "role": np.zeros(0, object),
                "activity": np.zeros(0, object),
                "hours": np.zeros(0),
            }
        )
    site = _known(table, problems, "site", set(sites), "site")
    role = _known(table, problems, "role", set(cfg.roles), "role")
    month, m_blank, m_bad, m_text = _dates(table.frame, "month", "%Y-%m")
    problems.add(table, m_blank, "month", "is missing (required)", "missing_value")
    problems.add(
        table,
        m_bad,
        "month",
        [f"must be a month such as 2025-04, got {_show(v)}" for v in m_text],
        "bad_month",
    )
    hours = _number_column(table, problems, "hours", required=True)
    activity = _Factor.of(table.frame, "activity")
    return pd.DataFrame(
        {
            "site": site.categorical(sites),
            "month": month,
            "role": np.asarray(role.uniques[role.codes], dtype=object),
            "activity": np.asarray(activity.uniques[activity.codes], dtype=object),
            "hours": hours,
        }
    )
