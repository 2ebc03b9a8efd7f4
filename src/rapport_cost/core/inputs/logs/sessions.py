"""Shared sessions checked against their attendance: none without attendees, none over capacity."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from rapport_cost.config import CostingConfig
from rapport_cost.core.inputs.logs.problems import _apply_policy, _Problems
from rapport_cost.core.inputs.logs.tables import LogTable


def _sessions(
    table: LogTable,
    cfg: CostingConfig,
    problems: _Problems,
    contacts: pd.DataFrame,
    attendance: pd.DataFrame,
    counts: Counter[str],
) -> None:
    """Sessions without attendees, and attendance beyond capacity."""
    n_study = np.bincount(attendance["contact"].to_numpy(dtype=np.intp), minlength=len(contacts))
    shared = contacts["shared"].to_numpy()
    n_att = n_study + contacts["other_attendees"].to_numpy()
    empty = shared & (n_att == 0)
    _apply_policy(
        table,
        problems,
        counts,
        cfg,
        "group_without_attendees",
        empty,
        "contact_id",
        "a shared session with no attendees: no attendance rows and other_attendees 0",
    )
    cap = contacts["capacity"].to_numpy()
    if cfg.costing.group_split == "capacity":
        problems.add(
            table,
            shared & np.isnan(cap),
            "capacity",
            "is missing: group_split capacity needs the capacity of every shared "
            "session (or contact_types.<type>.capacity)",
            "missing_capacity",
        )
    over = shared & ~np.isnan(cap) & (n_att > cap)
    problems.add(
        table,
        over,
        "capacity",
        [
            f"{int(a)} attendees exceed the capacity {int(c)}"
            for a, c in zip(n_att[over], cap[over], strict=True)
        ],
        "over_capacity",
    )
