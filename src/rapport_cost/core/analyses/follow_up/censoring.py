"""What Zhao–Tian and the analytic SEs need at the censoring times within the horizon."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from rapport_cost.arrays import BoolArray, IntArray, Vector
from rapport_cost.core.analyses.follow_up.layout import CostLayout, summed

ZeroCensoring = Literal["refuse", "ccostr"]
"""What to do where K̂ falls to 0 (see :mod:`.estimators`)."""


def check_zero_censoring(zero_censoring: str) -> None:
    """Raise ValueError unless ``zero_censoring`` is ``"refuse"`` or ``"ccostr"``."""
    if zero_censoring not in get_args(ZeroCensoring):
        msg = f"zero_censoring must be 'refuse' or 'ccostr'. Got {zero_censoring!r} instead."
        raise ValueError(msg)


@dataclass(frozen=True)
class CensoringParts:
    """What ZT and the analytic SEs need at the G censoring times within the horizon.

    ``at_risk``, ``count``: ``Y`` and the number censored at each time; ``k_after``: K̂ with
    the jump (``K̂(c)``); ``k_used``: the same, with 0 replaced by ``K̂(c−)`` under
    ``zero_censoring="ccostr"``; ``zero``: where ``K̂(c) = 0``; ``mean_cost``: ``M̄(c)``, the
    mean of ``M_k(c)`` over ``X_k ≥ c``; ``cell``: each censored woman's time, as an index.
    """

    at_risk: Vector
    count: Vector
    k_after: Vector
    k_used: Vector
    zero: BoolArray
    mean_cost: Vector
    cell: IntArray


def censoring_parts(
    layout: CostLayout, piece_cost: Vector, total: Vector, zero_censoring: ZeroCensoring
) -> CensoringParts:
    """The quantities of :class:`CensoringParts` (sums over pieces by censoring cell)."""
    obs = layout.observation
    km = obs.km
    ct = layout.censoring_times
    sel = km.censorings > 0
    k_after = km.censoring[sel]
    zero = k_after == 0.0
    k_used = (
        np.where(zero, km.censoring_before(ct), k_after) if zero_censoring == "ccostr" else k_after
    )
    g = ct.size
    # Σ_{k: X_k ≥ c_g} M_k(c_g): the pieces up to cell g, less the women gone before c_g.
    upto = np.cumsum(summed(layout.cell, piece_cost, g + 1)[:g])
    at_risk = km.at_risk[sel]
    mean_cost = (upto - obs.sum_before(total, ct)) / at_risk
    cell = np.searchsorted(ct, obs.time[obs.censored], side="left")
    return CensoringParts(at_risk, km.censorings[sel], k_after, k_used, zero, mean_cost, cell)
