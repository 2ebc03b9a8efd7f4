"""Disclosure control of the subgroup tables (M-81, M-60 M-60 to M-61).

The rules are those of :func:`rapport_cost.core.publish.sdc.control_table`, which this
module calls rather than copies. The import contract keeps ``core.analyses`` and
``core.publish`` apart, so the caller passes that function in, bound to a policy:
``disclosure=functools.partial(sdc.control_table, policy="nhsd2018")`` (:data:`Control`).

* ``subgroup_summary`` is a per-group table with a total row (all women): its counts
  follow the count rule (under ``nhsd2018``, 1–7 shown as ``*``, others rounded to 5),
  the mean and SD of a group with 1–7 women are ``*``, and further groups are ``*`` where
  a hidden group's statistics could be worked back from the total (secondary suppression,
  M-61). The share with zero cost is recomputed from the controlled counts (M-60), or, with
  weights, treated as a statistic.
* A group whose mean is ``*`` in the summary is ``*`` in every other table: its
  unadjusted and adjusted rows in ``subgroup_difference`` (means, differences, ratios and
  their bounds: a CI would reveal the mean, M-60) and its dummy's coefficient and SE in
  ``subgroup_model``. If the reference group is hidden, every difference row is.
* In ``subgroup_model``, a dummy of any categorical covariate whose level has 1–7 women in
  the part's data is ``*`` too (the policy's statistics rule on a table of terms).
* ``subgroup_diagnostics`` is about the whole sample: its test statistics are complex
  calculations (M-60) and pass unchanged; its count of women with zero cost follows the
  count rule.

``merge_small`` merges the groups the policy would suppress on their own into
:data:`~rapport_cost.core.analyses.subgroups.design.OTHER` before anything is fitted, so
that they are in the model under one name instead of being hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from rapport_cost.arrays import BoolArray
from rapport_cost.core.analyses.subgroups.design import OTHER
from rapport_cost.core.analyses.subgroups.tables import DIFFERENCE_STATISTICS

#: What a suppressed cell shows (the same as ``publish.sdc.SUPPRESSED``; a test checks).
SUPPRESSED = "*"
#: Label of the total row of ``subgroup_summary``.
TOTAL = "all women"


class Controlled(Protocol):
    """What ``sdc.control_table`` returns (``publish.sdc.ControlledTable``)."""

    @property
    def table(self) -> pd.DataFrame:
        """The table to publish."""

    @property
    def suppressed(self) -> pd.DataFrame:
        """``True`` where a cell is suppressed."""

    @property
    def policy(self) -> str:
        """The policy applied."""

    @property
    def notes(self) -> tuple[str, ...]:
        """Sentences for the methods section."""

    @property
    def watermark(self) -> str | None:
        """Set under ``none``."""

    def suppressed_cells(self) -> list[dict[str, object]]:
        """The suppressed cells, ``{"row", "column"}``."""


#: ``sdc.control_table`` bound to a policy.
Control = Callable[..., Controlled]


@dataclass(frozen=True)
class Published:
    """The subgroup tables after disclosure control.

    Parameters
    ----------
    tables
        Name → table to publish; controlled columns hold numbers or :data:`SUPPRESSED`.
    suppressed
        Name → the suppressed cells, ``{"row": ..., "column": ...}``.
    hidden_groups
        Groups whose statistics are suppressed in every table.
    notes
        Sentences for the methods section (the policy's, and which groups are hidden).
    policy
        The policy applied.
    watermark
        Set when the tables are not disclosure-controlled.
    """

    tables: dict[str, pd.DataFrame]
    suppressed: dict[str, list[dict[str, object]]]
    hidden_groups: tuple[str, ...]
    notes: tuple[str, ...]
    policy: str
    watermark: str | None = None


def _total_label(groups: Sequence[str]) -> str:
    label = TOTAL
    while label in groups:
        label = f"{label} (total)"
    return label


def small_levels(labels: Sequence[str], weights: npt.ArrayLike, control: Control) -> list[str]:
    """Levels whose statistics the policy suppresses on their own (1–7 women by default).

    Parameters
    ----------
    labels
        Each woman's level.
    weights : array_like of shape (n,)
        Women with weight 0 do not count.
    control
        ``sdc.control_table`` bound to a policy.
    """
    used = np.asarray(weights, dtype=np.float64) > 0
    levels, counts = np.unique(np.asarray(labels, dtype=object)[used], return_counts=True)
    table = pd.DataFrame({"group": [str(v) for v in levels], "n": counts, "mean": 0.0})
    ct = control(
        table,
        counts=["n"],
        statistics=["mean"],
        key="group",
        n_column="n",
        total_label=_total_label(list(table["group"])),
    )
    hidden = ct.suppressed["mean"].to_numpy(dtype=bool)
    return [str(v) for v, h in zip(levels, hidden, strict=True) if h]


def merge_levels(labels: Sequence[str], small: Sequence[str]) -> list[str]:
    """``labels`` with every level in ``small`` renamed :data:`OTHER`."""
    merged = set(small)
    return [OTHER if v in merged else v for v in labels]


def control_summary(
    summary: pd.DataFrame, total: pd.DataFrame, control: Control, *, weighted: bool
) -> Controlled:
    """``subgroup_summary`` with its total row, controlled."""
    label = _total_label(list(summary["group"]))
    table = pd.concat([summary, total.assign(group=label)], ignore_index=True)
    shares = {} if weighted else {"share_zero": "n"}
    statistics = ["mean", "sd", "share_zero"] if weighted else ["mean", "sd"]
    return control(
        table,
        counts=["n"],
        statistics=statistics,
        shares=shares,
        key="group",
        n_column="n",
        total_label=label,
    )


def _hide(
    table: pd.DataFrame, rows: BoolArray, columns: Sequence[str], label: Callable[[int], str]
) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    out = table.astype(dict.fromkeys(columns, object))
    out.loc[rows, list(columns)] = SUPPRESSED
    cells: list[dict[str, object]] = [
        {"row": label(int(i)), "column": c} for i in np.flatnonzero(rows) for c in columns
    ]
    return out, cells


def control_differences(
    table: pd.DataFrame, hidden: set[str], reference_hidden: bool
) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """Hide the rows of hidden groups (all rows if the reference is hidden)."""
    columns = [c for s in DIFFERENCE_STATISTICS for c in (s, f"{s}_q025", f"{s}_q975")]
    rows = table["group"].isin(hidden).to_numpy(dtype=bool) | reference_hidden
    groups, kinds = table["group"].tolist(), table["kind"].tolist()
    return _hide(table, rows, columns, lambda i: f"{groups[i]} ({kinds[i]})")


def control_model(
    table: pd.DataFrame,
    term_women: Sequence[int],
    hidden_terms: set[str],
    control: Control,
) -> tuple[pd.DataFrame, list[dict[str, object]], tuple[str, ...]]:
    """Hide the coefficients of hidden groups and of covariate levels with few women.

    ``term_women[i]`` is the number of women behind row i's coefficient (the level's women
    in the part's data for a dummy; every woman of the part otherwise).
    """
    small = np.zeros(len(table), dtype=np.bool_)
    notes: tuple[str, ...] = ()
    for part in table["part"].unique():
        rows = (table["part"] == part).to_numpy(dtype=bool)
        sub = pd.DataFrame(
            {
                "term": table.loc[rows, "term"].to_numpy(),
                "n": np.asarray(term_women)[rows],
                "coefficient": 0.0,
            }
        )
        ct = control(
            sub,
            counts=["n"],
            statistics=["coefficient"],
            key="term",
            n_column="n",
            total_label=_total_label(list(sub["term"])),
        )
        small[rows] = ct.suppressed["coefficient"].to_numpy(dtype=bool)
    hide = small | table["term"].isin(hidden_terms).to_numpy(dtype=bool)
    if (small & ~table["term"].isin(hidden_terms).to_numpy(dtype=bool)).any():
        notes = (
            "Coefficients of covariate levels with few women are shown as * (the policy's "
            "rule for statistics over individuals).",
        )
    terms, parts = table["term"].tolist(), table["part"].tolist()
    out, cells = _hide(table, hide, ["coefficient", "se"], lambda i: f"{terms[i]} ({parts[i]})")
    return out, cells, notes


def control_diagnostics(table: pd.DataFrame, control: Control) -> Controlled:
    """``subgroup_diagnostics``: the count ``zeros`` controlled, the rest unchanged."""
    passthrough = [c for c in table.columns if c not in ("part", "zeros")]
    return control(
        table,
        counts=["zeros"],
        statistics=[],
        passthrough=passthrough,
        key="part",
        n_column="zeros",
        total_label=_total_label(list(table["part"])),
    )
