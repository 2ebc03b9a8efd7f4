"""The mean cost within the horizon under incomplete follow-up, written as docs/methods.md gives it.

Six estimators (M-67, M-69, M-70, M-71), each the mean cost per woman within τ:

* ``AD``, available data: ``(1/n) Σ M_i(min(X_i, τ))`` (biased down);
* ``CC``, complete case: the mean of ``M_i(min(T_i, τ))`` over women with ``Δ_i = 1``;
* ``BT``, Bang–Tsiatis simple: ``(1/n) Σ Δ_i M_i(min(T_i, τ)) / K̂(min(T_i, τ)−)``;
* ``BTP``, Bang–Tsiatis partitioned (the default):
  ``Σ_j (1/n) Σ_i Δ_ij M_ij / K̂(min(T_i, t_j)−)``;
* ``ZT``, Zhao–Tian: ``BT + (1/n) Σ (1 − Δ_i) [M_i(C_i) − M̄(C_i)] / K̂(C_i)``;
* ``LIN``, Lin (1997): ``Σ_j Ŝ(t_{j−1}) Ē_j``, the first interval being ``[0, t_1]``
  (``Ŝ(0−) = 1``: a death on day 0 and her day-0 costs count in ``Ē_1``).

and the mean cumulative cost curve, the running sum of BTP's terms at each ``t_j``.

Refusals. An estimator that cannot be computed is NaN with a :class:`Refusal` (code and
reason) so that the caller can refuse it alone and still report the others:

* ZT when K̂ falls to 0 at a censoring time (everyone still under observation then is
  censored then): ``1/K̂(C_i)`` is undefined. This happens only when the horizon lies beyond
  the follow-up (:func:`~.observation.check_horizon` refuses such a horizon), e.g. R ccostr's
  four-person example with τ = 1000. ``zero_censoring="ccostr"`` instead does what ccostr
  does: K̂ = 0 is replaced by the smallest non-zero value, ``K̂(C_i−)``; the women censored
  there then add exactly 0 to ZT (their ``M_i(C_i) − M̄(C_i)`` sum to 0, as they are all the
  women under observation at ``C_i``), but not to its variance when there are several.
* LIN when nobody alive at ``t_{j−1}`` is observed through interval j while Ŝ(t_{j−1}) > 0.
* CC when no history is complete.

BT's and BTP's weights never divide by 0: a woman with ``Δ_ij = 1`` is at risk at
``min(T_i, t_j)``, and K̂ just before a time somebody is at risk at is > 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from rapport_cost.arrays import Int64Array, IntArray, Vector
from rapport_cost.core.analyses.follow_up.censoring import (
    CensoringParts,
    ZeroCensoring,
    censoring_parts,
    check_zero_censoring,
)
from rapport_cost.core.analyses.follow_up.layout import CostLayout, summed
from rapport_cost.core.analyses.follow_up.observation import Observation
from rapport_cost.core.analyses.follow_up.variance import analytic_variances
from rapport_cost.errors import ModelError, Problem

#: The estimators, in the order results list them.
ESTIMATORS: tuple[str, ...] = ("AD", "CC", "BT", "BTP", "ZT", "LIN")
#: The estimator reported by default (M-69).
DEFAULT_ESTIMATOR = "BTP"

#: Warning code: an analytic variance came out negative, so that SE is not given.
W_NEGATIVE_VARIANCE = "W-NEGATIVE-VARIANCE"

#: Refusal codes.
CENSORING_CURVE_ZERO = "censoring_curve_zero"
LIN_INTERVAL_EMPTY = "lin_interval_empty"
NO_COMPLETE_HISTORY = "no_complete_history"


@dataclass(frozen=True)
class Refusal:
    """Why an estimator has no value: a machine-readable code and a sentence."""

    code: str
    reason: str


@dataclass(frozen=True)
class FollowUpEstimate:
    """Every estimator of the mean cost per woman within the horizon, and the curve.

    Parameters
    ----------
    estimates
        Estimator name (:data:`ESTIMATORS`) → mean cost per woman; NaN when refused.
    se
        Analytic standard errors as R ccostr computes them: ``AD`` and ``CC`` the sample SD
        over √n, ``BT`` Bang & Tsiatis (2000) §3, ``ZT`` Zhao & Tian (2001) §2. NaN where
        refused or not computed.
    refused
        Estimator name → :class:`Refusal`, for each estimator without a value.
    curve
        The mean cumulative cost at each interval end ``t_j`` (running sum of BTP's
        terms), shape (K,); ``curve[-1]`` is BTP.
    ends
        ``t_j``, shape (K,).
    at_risk
        Women under observation at each ``t_j`` (``X_i ≥ t_j``), shape (K,).
    n_women, n_complete
        n, and the women with a complete history within the horizon.
    warnings
        Texts starting with their code (``W-NEGATIVE-VARIANCE``: an analytic SE not given).
    """

    estimates: Mapping[str, float]
    se: Mapping[str, float]
    refused: Mapping[str, Refusal]
    curve: Vector
    ends: Vector
    at_risk: Int64Array
    n_women: int
    n_complete: int
    warnings: tuple[str, ...] = ()

    def raise_if_refused(self, names: Sequence[str] = ESTIMATORS) -> None:
        """Raise a :class:`~rapport_cost.errors.ModelError` (exit 3) naming each refusal."""
        problems = [
            Problem(
                f"{name} refused: {self.refused[name].reason}",
                field=name,
                code=self.refused[name].code,
            )
            for name in names
            if name in self.refused
        ]
        if problems:
            msg = "; ".join(p.message for p in problems)
            raise ModelError(msg, problems)


def _bt(obs: Observation, total: Vector) -> tuple[float, Vector]:
    """BT and ``K̂(min(T_i, τ)−)`` (1 for incomplete women, who have no weight)."""
    k_complete = np.where(obs.complete, obs.km.censoring_before(obs.end), 1.0)
    return float(np.sum(np.where(obs.complete, total / k_complete, 0.0)) / obs.n), k_complete


def alive_observed_until(obs: Observation, ends: Vector) -> IntArray:
    """Per woman the number of leading intervals j with ``T_i > t_j`` and ``C_i ≥ t_j``."""
    out: IntArray = np.where(
        obs.died,
        np.searchsorted(ends, obs.time, side="left"),  # t_j < T
        np.searchsorted(ends, obs.time, side="right"),  # t_j ≤ C (< T)
    )
    return out


def lin_eligible_until(obs: Observation, starts: Vector, ends: Vector) -> IntArray:
    """Per woman the number of leading intervals she is eligible for in Lin's ``Ē_j``.

    Eligible for interval j: alive at its start and observed through it, that is a death seen
    after ``t_{j−1}`` (``t_{j−1} < T``), or followed up alive to ``t_j`` (``t_j ≤ C``). The
    first interval is ``[0, t_1]`` (M-65 puts u = 0 in it), so every woman, a death on
    day 0 included, is eligible for it.
    """
    out: IntArray = np.where(
        obs.died,
        np.maximum(1, np.searchsorted(starts, obs.time, side="left")),
        np.searchsorted(ends, obs.time, side="right"),
    )
    return out


def survival_before(obs: Observation, starts: Vector) -> Vector:
    """``Ŝ(t_{j−1})`` for Lin, with ``Ŝ(0−) = 1`` for the first interval ``[0, t_1]``."""
    out: Vector = obs.km.survival_at(starts)
    out[0] = 1.0
    return out


@dataclass(frozen=True)
class CostSums:
    """Sums of the piece costs that BT, BTP and LIN need (one pass over the pieces each).

    ``total``: ``M_i(min(X_i, τ))``, (n,); ``alive``: per interval j the costs ``M_ij`` of
    the women alive and observed at ``t_j`` (``T_i > t_j``, ``C_i ≥ t_j``), (K,); ``death``:
    a seen death's cost in the interval she died in, (n,), 0 for the others.
    """

    total: Vector
    alive: Vector
    death: Vector


def cost_sums(layout: CostLayout, piece_cost: Vector) -> CostSums:
    """The sums of :class:`CostSums` from the piece costs (two bincounts)."""
    obs = layout.observation
    n, k = obs.n, layout.intervals.n
    until = alive_observed_until(obs, layout.intervals.ends)
    # A seen death's interval is the first she is not alive at the end of (T ≤ t_j): until.
    death_at = np.where(obs.died & (obs.time <= obs.horizon), until, -1)[layout.woman]
    alive = layout.interval < until[layout.woman]
    # One bincount for both per-woman sums: bin 2i her other costs, 2i + 1 her death interval.
    by_woman = summed(2 * layout.woman + (layout.interval == death_at), piece_cost, 2 * n)
    by_woman = by_woman.reshape(n, 2)
    return CostSums(
        total=by_woman.sum(axis=1),
        alive=summed(layout.interval, np.where(alive, piece_cost, 0.0), k),
        death=by_woman[:, 1].copy(),
    )


def _btp_terms(obs: Observation, sums: CostSums, ends: Vector) -> Vector:
    """BTP's term of each interval, ``(1/n) Σ_i Δ_ij M_ij / K̂(min(T_i, t_j)−)``, shape (K,).

    ``Δ_ij = 1`` with ``min(T_i, t_j) = t_j`` for a woman alive and observed at ``t_j``; with
    ``min = T_i`` in the interval of a seen death; and ``M_ij = 0`` after it.
    """
    k = ends.size
    km = obs.km
    terms = np.divide(sums.alive, km.censoring_before(ends), out=np.zeros(k), where=sums.alive != 0)
    seen = np.flatnonzero(obs.died & (obs.time <= obs.horizon))
    j = np.searchsorted(ends, obs.time[seen], side="left")
    death = sums.death[seen] / km.censoring_before(obs.time[seen])  # K̂(T−) > 0: she is at risk
    terms += summed(j, death, k)
    out: Vector = terms / obs.n
    return out


def _lin(
    obs: Observation, sums: CostSums, starts: Vector, ends: Vector
) -> tuple[float, Refusal | None]:
    """Lin (1997), M-71, and its refusal if an interval has no eligible woman.

    The women eligible for ``Ē_j`` are those alive and observed at ``t_j`` and the seen deaths
    in interval j, so its numerator is BTP's ``alive`` sum plus those deaths' costs.
    """
    k = ends.size
    until = lin_eligible_until(obs, starts, ends)
    eligible = obs.n - np.cumsum(np.bincount(np.minimum(until, k), minlength=k + 1))[:k]
    s_prev = survival_before(obs, starts)  # Ŝ(t_{j−1})
    empty = np.flatnonzero((eligible == 0) & (s_prev > 0))
    if empty.size:
        j = int(empty[0])
        reason = (
            f"no woman alive at {starts[j]:g} is observed through interval {j + 1} (to "
            f"{ends[j]:g}), so Lin's mean cost in that interval is undefined"
        )
        return math.nan, Refusal(LIN_INTERVAL_EMPTY, reason)
    seen = np.flatnonzero(obs.died & (obs.time <= obs.horizon))
    j_death = np.searchsorted(ends, obs.time[seen], side="left")
    num = sums.alive + summed(j_death, sums.death[seen], k)
    mean = np.divide(num, eligible, out=np.zeros(k), where=eligible > 0)
    return float(np.sum(np.where(s_prev > 0, s_prev * mean, 0.0))), None


def zt_refusal(layout: CostLayout, parts: CensoringParts) -> Refusal:
    """The refusal of ZT when K̂ falls to 0 at a censoring time."""
    c = float(layout.censoring_times[np.flatnonzero(parts.zero)[0]])
    tau = layout.observation.horizon
    reason = (
        f"the censoring curve K̂ falls to 0 at {c:g} (everyone still under observation then is "
        f"censored then), so ZT's weight 1/K̂(C) is undefined for the women censored at {c:g}; "
        f"the horizon {tau:g} lies beyond the follow-up (M-72)"
    )
    return Refusal(CENSORING_CURVE_ZERO, reason)


def estimate(
    layout: CostLayout,
    cost: npt.ArrayLike,
    *,
    zero_censoring: ZeroCensoring = "refuse",
    se: bool = True,
) -> FollowUpEstimate:
    """Every estimator of M-67 to M-71, the curve, and the analytic SEs.

    Parameters
    ----------
    layout
        The cost lines laid out on the follow-up (:func:`~.layout.lay_out`).
    cost : array_like of shape (n_lines,)
        The cost of each line (£).
    zero_censoring
        ``"refuse"`` (default): ZT is refused when K̂ falls to 0 at a censoring time;
        ``"ccostr"``: K̂ = 0 is replaced by ``K̂(c−)`` as R ccostr does (module docstring).
    se
        Also compute the analytic SEs (AD, CC, BT, ZT).

    Returns
    -------
    FollowUpEstimate
    """
    check_zero_censoring(zero_censoring)
    obs, iv = layout.observation, layout.intervals
    piece_cost = layout.piece_costs(cost)
    sums = cost_sums(layout, piece_cost)
    total = sums.total  # M_i(min(X_i, τ))
    n = obs.n
    refused: dict[str, Refusal] = {}
    values = dict.fromkeys(ESTIMATORS, math.nan)
    values["AD"] = float(total.mean())
    n_complete = int(np.count_nonzero(obs.complete))
    if n_complete:
        values["CC"] = float(total[obs.complete].mean())
    else:
        refused["CC"] = Refusal(
            NO_COMPLETE_HISTORY, "no woman's cost history is complete within the horizon"
        )
    values["BT"], k_complete = _bt(obs, total)
    terms = _btp_terms(obs, sums, iv.ends)
    curve = np.cumsum(terms)
    values["BTP"] = float(curve[-1])
    parts = censoring_parts(layout, piece_cost, total, zero_censoring)
    cens = obs.censored
    zt_ok = not (zero_censoring == "refuse" and parts.zero.any())
    if zt_ok:
        aug = (total[cens] - parts.mean_cost[parts.cell]) / parts.k_used[parts.cell]
        values["ZT"] = values["BT"] + float(aug.sum()) / n
    else:
        refused["ZT"] = zt_refusal(layout, parts)
    values["LIN"], lin_refusal = _lin(obs, sums, iv.starts, iv.ends)
    if lin_refusal is not None:
        refused["LIN"] = lin_refusal
    ses = dict.fromkeys(ESTIMATORS, math.nan)
    warnings: list[str] = []
    if se:
        ses["AD"] = float(total.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
        if n_complete > 1:
            ses["CC"] = float(total[obs.complete].std(ddof=1) / math.sqrt(n_complete))
        variances = analytic_variances(layout, piece_cost, total, values["BT"], k_complete, parts)
        for name, var in zip(("BT", "ZT"), variances, strict=True):
            if name in refused:
                continue
            if var >= 0:
                ses[name] = math.sqrt(var)
            else:
                warnings.append(
                    f"{W_NEGATIVE_VARIANCE}: the analytic variance of {name} (R ccostr's "
                    f"formula) is negative here ({var:.4g}), so its analytic SE is not given; "
                    "use the bootstrap SE"
                )
    at_risk = np.searchsorted(obs.time[obs.order], iv.ends, side="left")
    return FollowUpEstimate(
        estimates=MappingProxyType(values),
        se=MappingProxyType(ses),
        refused=MappingProxyType(refused),
        curve=curve,
        ends=iv.ends,
        at_risk=(n - at_risk).astype(np.int64),
        n_women=n,
        n_complete=n_complete,
        warnings=tuple(warnings),
    )
