"""The logs as read (:class:`LogTable`) and as validated (:class:`CleanLogs`), and their columns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from rapport_cost.arrays import IntArray

#: The columns each log must have.
REQUIRED = {
    "contacts": ("contact_id", "site", "date", "contact_type", "facilitators", "duration_min"),
    "attendance": ("contact_id", "woman_id"),
    "women": ("woman_id", "site", "admission_date"),
    "staff_time": ("site", "month", "role", "hours"),
}
#: Optional columns of the women log that end a woman's follow-up (M-66).
END_COLUMNS = ("withdrawal_date", "death_date")


@dataclass(frozen=True)
class LogTable:
    """One log as read from its file, with canonical column names.

    ``rows`` holds the spreadsheet row number of each row (header = row 1).
    """

    name: str
    source: str
    frame: pd.DataFrame
    rows: IntArray | None = None

    def row_numbers(self) -> IntArray:
        """Spreadsheet row of each row of ``frame``."""
        if self.rows is not None:
            return self.rows
        return np.arange(len(self.frame), dtype=np.intp) + 2


@dataclass(frozen=True)
class CleanLogs:
    """Validated, typed logs.

    ``contacts``: ``contact_id``, ``site`` and ``contact_type`` (categoricals whose
    categories are the config's sites and contact types), ``woman`` (row of the women
    table, -1 for shared sessions), ``date`` (datetime64), ``duration_min``,
    ``prep_min``, ``travel_min``, ``miles``, ``other_attendees``, ``capacity`` (NaN when
    not given), ``attended`` and ``shared`` (bool), ``row`` (spreadsheet row).
    ``facilitators`` counts each role at each contact, shape ``(n_contacts, n_roles)``,
    columns in the order of ``roles``. ``attendance``: ``contact`` and ``woman`` (rows of
    the contacts and women tables) and ``minutes``. ``women``: ``woman_id``, ``site``
    (categorical), ``admission_date``, ``discharge_date`` and the subgroup columns.
    ``staff_time``: ``site``, ``month`` (first day), ``role``, ``activity``, ``hours``.
    """

    contacts: pd.DataFrame
    attendance: pd.DataFrame
    women: pd.DataFrame
    staff_time: pd.DataFrame
    facilitators: npt.NDArray[np.float64]
    roles: tuple[str, ...]
    sites: tuple[str, ...]
    policy_counts: dict[str, int] = field(default_factory=dict)

    @property
    def subgroup_columns(self) -> list[str]:
        """Columns of the women table other than the canonical ones."""
        canonical = {"woman_id", "site", "admission_date", "discharge_date", *END_COLUMNS}
        return [c for c in self.women.columns if c not in canonical]
