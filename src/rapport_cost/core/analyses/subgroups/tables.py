"""The four output tables, before disclosure control (docs/architecture.md lists their columns).

* ``subgroup_summary``: group, n, mean, sd, share_zero (M-75);
* ``subgroup_difference``: group, reference, kind (``unadjusted`` or ``adjusted``), and
  mean, reference_mean, difference, ratio, each with its 95% percentile bounds
  ``<name>_q025`` and ``<name>_q975`` (M-75, M-77);
* ``subgroup_model``: term, coefficient, se, part (``any``, ``positive`` or ``single``);
* ``subgroup_diagnostics``: part, park_lambda, park_se, link_test_p, zeros, note (M-79).

Money is in GBP per woman, unrounded.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rapport_cost.arrays import Matrix, Vector
from rapport_cost.core.analyses.subgroups.bootstrap import percentile_intervals
from rapport_cost.core.analyses.subgroups.diagnostics import PartDiagnostics
from rapport_cost.core.analyses.subgroups.models import ModelFit
from rapport_cost.core.analyses.subgroups.predictions import differences
from rapport_cost.core.analyses.subgroups.unadjusted import GroupSummary

#: The statistics of a difference row, each with ``_q025`` and ``_q975`` bounds.
DIFFERENCE_STATISTICS = ("mean", "reference_mean", "difference", "ratio")
SUMMARY_COLUMNS = ("group", "n", "mean", "sd", "share_zero")
MODEL_COLUMNS = ("term", "coefficient", "se", "part")
DIAGNOSTIC_COLUMNS = ("part", "park_lambda", "park_se", "link_test_p", "zeros", "note")


def summary_table(groups: Sequence[str], summary: GroupSummary) -> pd.DataFrame:
    """``subgroup_summary``: one row per group, reference first."""
    return pd.DataFrame(
        {
            "group": list(groups),
            "n": summary.n,
            "mean": summary.mean,
            "sd": summary.sd,
            "share_zero": summary.share_zero,
        }
    )


def difference_rows(
    groups: Sequence[str],
    kind: str,
    estimate: Vector,
    replicates: Matrix,
    level: float = 0.95,
) -> pd.DataFrame:
    """Rows of ``subgroup_difference`` for one kind, one per non-reference group.

    Parameters
    ----------
    groups
        The groups, reference first.
    kind
        ``unadjusted`` or ``adjusted``.
    estimate : ndarray of shape (G,)
        Full-sample group means.
    replicates : ndarray of shape (B, G)
        Bootstrap group means (rows of failed resamples already left out).
    level
        Coverage of the intervals.
    """
    diff, ratio = differences(estimate[None, :])
    rep_diff, rep_ratio = differences(replicates)
    k = len(groups) - 1
    values = {
        "mean": (estimate[1:], replicates[:, 1:]),
        "reference_mean": (np.repeat(estimate[0], k), np.repeat(replicates[:, :1], k, axis=1)),
        "difference": (diff[0], rep_diff),
        "ratio": (ratio[0], rep_ratio),
    }
    columns: dict[str, object] = {
        "group": list(groups[1:]),
        "reference": [groups[0]] * k,
        "kind": [kind] * k,
    }
    for name, (point, reps) in values.items():
        lower, upper = percentile_intervals(reps, level)
        columns[name] = point
        columns[f"{name}_q025"] = lower
        columns[f"{name}_q975"] = upper
    return pd.DataFrame(columns)


def model_table(fit: ModelFit, terms: Sequence[str]) -> pd.DataFrame:
    """``subgroup_model``: every coefficient of every part with its model-based SE."""
    frames = [
        pd.DataFrame({"term": list(terms), "coefficient": p.coef, "se": p.se, "part": p.part})
        for p in fit.parts
    ]
    return pd.concat(frames, ignore_index=True)


def diagnostics_table(rows: Sequence[PartDiagnostics]) -> pd.DataFrame:
    """``subgroup_diagnostics``: one row per model part."""
    return pd.DataFrame(
        {
            "part": [r.part for r in rows],
            "park_lambda": [r.park_lambda for r in rows],
            "park_se": [r.park_se for r in rows],
            "link_test_p": [r.link_test_p for r in rows],
            "zeros": [r.zeros for r in rows],
            "note": [r.note for r in rows],
        }
    )
