"""Follow-up times, interval ends and the Kaplan–Meier curves of survival and of censoring.

M-65 (time of a cost, interval ends), M-66 (observation), M-68 (Kaplan–Meier curves and
their tie rule) and M-72 (the checks of the horizon and the warnings). Times are in days since
each woman's origin (or in a cost history's own time unit); nothing here knows dates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

from rapport_cost.arrays import BoolArray, FloatArray, IntArray, Vector
from rapport_cost.errors import Problem

#: A month in days (M-65).
MONTH_DAYS = 365.25 / 12
#: A year in days (M-65).
YEAR_DAYS = 365.25
#: M-72: warn when fewer than this many women are under observation at the horizon ...
FEW_AT_HORIZON = 10
#: ... or fewer than this share of them.
FEW_AT_HORIZON_SHARE = 0.10
#: Warning code of M-72.
W_FEW_AT_HORIZON = "W-FEW-AT-HORIZON"
#: Relative tolerance under which τ/h counts as a whole number of intervals.
_WHOLE_RTOL = 1e-9


def _vector(name: str, values: npt.ArrayLike) -> Vector:
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        msg = f"{name} must be 1-D. Got shape {x.shape} instead."
        raise ValueError(msg)
    return x


def times_since_origin(days: npt.ArrayLike, origin: npt.ArrayLike) -> Vector:
    """The time of a cost, ``u = max(0, d − a)`` (M-65).

    Parameters
    ----------
    days : array_like of shape (n_lines,)
        The cost's date, as days on any common scale.
    origin : array_like of shape (n_lines,) or scalar
        The woman's origin (admission or discharge) on the same scale.

    Returns
    -------
    ndarray of shape (n_lines,)
        Days since the origin; a cost before the origin has u = 0 (it falls in interval 1).

    >>> times_since_origin([5, 50, 51], 20).tolist()
    [0.0, 30.0, 31.0]
    """
    return np.maximum(0.0, _vector("days", days) - np.asarray(origin, dtype=np.float64))


# ------------------------------------------------------------------------ intervals


@dataclass(frozen=True)
class Intervals:
    """The intervals of the partitioned estimators and of the cumulative cost curve (M-65).

    Parameters
    ----------
    horizon
        τ, in days (> 0).
    length
        h, in days (0 < h ≤ τ).
    ends
        ``t_j = min(j·h, τ)`` for j = 1..K, shape (K,), K = ⌈τ/h⌉; ``ends[-1] == τ``.
    starts
        ``t_{j−1}``, shape (K,); ``starts[0] == 0``.
    """

    horizon: float
    length: float
    ends: Vector
    starts: Vector

    @property
    def n(self) -> int:
        """K, the number of intervals."""
        return int(self.ends.size)


def make_intervals(horizon: float, length: float) -> Intervals:
    """The interval ends ``t_j = min(j·h, τ)``, j = 1..⌈τ/h⌉ (M-65).

    A ratio τ/h within 1e-9 of a whole number counts as that number, so that a horizon of
    exactly 24 months in days does not get a 25th interval of zero length from rounding.

    Raises
    ------
    ValueError
        τ or h not finite and > 0, or h > τ (:func:`check_horizon` reports these to users).

    >>> make_intervals(2.0, 1.0).ends.tolist()
    [1.0, 2.0]
    >>> make_intervals(60.0, 30.4375).ends.tolist()
    [30.4375, 60.0]
    """
    tau, h = float(horizon), float(length)
    if not (math.isfinite(tau) and tau > 0 and math.isfinite(h) and 0 < h <= tau):
        msg = f"need 0 < interval <= horizon, both finite. Got interval {h!r}, horizon {tau!r}."
        raise ValueError(msg)
    ratio = tau / h
    k = round(ratio) if abs(ratio - round(ratio)) <= _WHOLE_RTOL * ratio else math.ceil(ratio)
    ends = np.minimum(np.arange(1, k + 1, dtype=np.float64) * h, tau)
    ends[-1] = tau
    starts = np.concatenate([[0.0], ends[:-1]])
    return Intervals(tau, h, ends, starts)


def interval_index(u: npt.ArrayLike, intervals: Intervals) -> IntArray:
    """The 0-based interval j of each time: ``t_{j−1} < u ≤ t_j``; u = 0 is in the first.

    Times beyond the horizon get ``K`` (outside every interval).

    >>> iv = make_intervals(60.875, 365.25 / 12)
    >>> interval_index([0.0, 30.0, 30.4375, 31.0, 61.0], iv).tolist()
    [0, 0, 0, 1, 2]
    """
    return np.searchsorted(intervals.ends, np.asarray(u, dtype=np.float64), side="left")


# ---------------------------------------------------------------------- Kaplan–Meier


@dataclass(frozen=True)
class KaplanMeier:
    """The survival and censoring Kaplan–Meier curves within a horizon (M-68).

    Both curves use the at-risk count ``Y_s = Σ w_i·1{X_i ≥ s}``, so at a time with both a
    death and a censoring each curve counts the other kind of event as still at risk. A woman
    with ``C_i ≥ τ`` is not a censoring within the horizon.

    Parameters
    ----------
    times
        The distinct times with a death (X ≤ τ) or a censoring (X < τ), increasing, (n_t,).
    at_risk, deaths, censorings
        ``Y_s``, ``d_s`` and ``c_s`` at each time (weighted counts), shape (n_t,).
    survival, censoring
        Ŝ and K̂ just after each time (jumps at the time applied), shape (n_t,).
    """

    times: Vector
    at_risk: Vector
    deaths: Vector
    censorings: Vector
    survival: Vector
    censoring: Vector

    def _step(self, values: Vector, t: npt.ArrayLike, side: str) -> FloatArray:
        """The step function ``values`` (1 before the first time) at ``t``."""
        steps = np.concatenate([[1.0], values])
        at = np.asarray(t, dtype=np.float64)
        idx = np.searchsorted(self.times, at, side="right" if side == "right" else "left")
        out: FloatArray = steps[idx]
        return out

    def survival_at(self, t: npt.ArrayLike) -> FloatArray:
        """Ŝ(t), right-continuous (deaths at t applied)."""
        return self._step(self.survival, t, "right")

    def censoring_at(self, t: npt.ArrayLike) -> FloatArray:
        """K̂(t), right-continuous (censorings at t applied)."""
        return self._step(self.censoring, t, "right")

    def censoring_before(self, t: npt.ArrayLike) -> FloatArray:
        """K̂(t−), the left limit (censorings at t not yet applied)."""
        return self._step(self.censoring, t, "left")

    @property
    def censoring_times(self) -> Vector:
        """The distinct censoring times within the horizon, increasing, shape (G,)."""
        out: Vector = self.times[self.censorings > 0]
        return out


def _product_limit(events: Vector, at_risk: Vector) -> Vector:
    """∏(1 − e/Y) cumulated; a time nobody is at risk at (weight 0) changes nothing."""
    ratio = np.divide(events, at_risk, out=np.zeros(events.shape), where=at_risk > 0)
    return cast("Vector", np.cumprod(1.0 - ratio))


def kaplan_meier(
    time: npt.ArrayLike,
    died: npt.ArrayLike,
    horizon: float,
    weights: npt.ArrayLike | None = None,
    *,
    order: IntArray | None = None,
) -> KaplanMeier:
    """Kaplan–Meier curves of survival and of censoring within the horizon (M-68).

    Parameters
    ----------
    time : array_like of shape (n,)
        Observed time ``X_i = min(T_i, C_i)``, ≥ 0.
    died : array_like of shape (n,)
        ``δ_i = 1{T_i ≤ C_i}``.
    horizon
        τ: deaths at X ≤ τ and censorings at X < τ are events.
    weights : array_like of shape (n,), optional
        Frequency weights (a woman drawn twice in a bootstrap resample counts twice).
    order : array of int, shape (n,), optional
        ``argsort(time)``, if the caller has it.

    Returns
    -------
    KaplanMeier
    """
    x = _vector("time", time)
    d = np.asarray(died, dtype=bool)
    w = np.ones(x.size) if weights is None else _vector("weights", weights)
    tau = float(horizon)
    death_event = d & (x <= tau)
    cens_event = ~d & (x < tau)
    event = death_event | cens_event
    times, inverse = np.unique(x[event], return_inverse=True)
    deaths = np.bincount(inverse, (w * death_event)[event], times.size).astype(np.float64)
    censorings = np.bincount(inverse, (w * cens_event)[event], times.size).astype(np.float64)
    if order is None:
        order = np.argsort(x, kind="stable")
    tail = np.concatenate([np.cumsum(w[order][::-1])[::-1], [0.0]])  # Σ w over X ≥ X_(k)
    at_risk = tail[np.searchsorted(x[order], times, side="left")]
    return KaplanMeier(
        times=times,
        at_risk=at_risk,
        deaths=deaths,
        censorings=censorings,
        survival=_product_limit(deaths, at_risk),
        censoring=_product_limit(censorings, at_risk),
    )


# ------------------------------------------------------------------------ observation


@dataclass(frozen=True)
class Observation:
    """Each woman's follow-up within the horizon (M-66) and the curves of M-68.

    Parameters
    ----------
    horizon
        τ, in days.
    censoring
        ``C_i``: the earlier of the data cut-off and her withdrawal, minus her origin; shape
        (n,); ``inf`` when she cannot be censored (a death in a cost history).
    death
        ``T_i``: her death minus her origin, ``inf`` if none; shape (n,).
    time
        ``X_i = min(T_i, C_i)``, shape (n,).
    died
        ``δ_i = 1{T_i ≤ C_i}``, shape (n,).
    complete
        ``Δ_i = 1{C_i ≥ min(T_i, τ)}``: her cost history within the horizon is complete.
    end
        ``min(X_i, τ)``: where her observed cost history within the horizon ends.
    km
        The Kaplan–Meier curves.
    order
        The women in order of ``X`` (a stable argsort), for sums over ``X_k ≥ t``.
    """

    horizon: float
    censoring: Vector
    death: Vector
    time: Vector
    died: BoolArray
    complete: BoolArray
    end: Vector
    km: KaplanMeier
    order: IntArray

    @property
    def n(self) -> int:
        """The number of women."""
        return int(self.time.size)

    @property
    def censored(self) -> BoolArray:
        """``1 − Δ_i``: censored within the horizon (then ``X_i = C_i < τ``)."""
        out: BoolArray = ~self.complete
        return out

    def sum_before(self, values: Vector, at: npt.ArrayLike) -> FloatArray:
        """``Σ values_k`` over women with ``X_k < at``, for each ``at``."""
        cum = np.concatenate([[0.0], np.cumsum(values[self.order])])
        out: FloatArray = cum[self._position(at)]
        return out

    def sum_from(self, values: Vector, at: npt.ArrayLike) -> FloatArray:
        """``Σ values_k`` over women with ``X_k ≥ at``; exactly 0 where there is none."""
        tail = np.concatenate([np.cumsum(values[self.order][::-1])[::-1], [0.0]])
        out: FloatArray = tail[self._position(at)]
        return out

    def _position(self, at: npt.ArrayLike) -> IntArray:
        return np.searchsorted(self.time[self.order], np.asarray(at, dtype=np.float64), "left")


def observe(censoring: npt.ArrayLike, death: npt.ArrayLike, horizon: float) -> Observation:
    """Observed times, completeness and the Kaplan–Meier curves (M-66, M-68).

    Parameters
    ----------
    censoring : array_like of shape (n,)
        ``C_i`` in days, ≥ 0 (``inf`` allowed).
    death : array_like of shape (n,)
        ``T_i`` in days, ≥ 0, ``inf`` for no death.
    horizon
        τ in days, finite and > 0.

    Returns
    -------
    Observation

    Raises
    ------
    ValueError
        Arrays of different shapes, empty, NaN or negative times, or a bad horizon (the
        checks users see are :func:`check_horizon`'s).

    Examples
    --------
    >>> obs = observe([2.0, 2.0, 1.5, 2.0], [np.inf] * 4, 2.0)  # M-69
    >>> obs.complete.tolist(), float(obs.km.censoring_before(2.0))
    ([True, True, False, True], 0.75)
    """
    c = _vector("censoring", censoring)
    t = _vector("death", death)
    tau = float(horizon)
    if c.shape != t.shape or c.size == 0:
        msg = f"censoring and death need the same non-zero length. Got {c.size} and {t.size}."
        raise ValueError(msg)
    if np.isnan(c).any() or np.isnan(t).any() or (c < 0).any() or (t < 0).any():
        msg = "censoring and death times must be >= 0 (inf allowed), not NaN."
        raise ValueError(msg)
    if not (math.isfinite(tau) and tau > 0):
        msg = f"the horizon must be finite and > 0. Got {horizon!r}."
        raise ValueError(msg)
    x = np.minimum(t, c)
    died = t <= c
    complete = c >= np.minimum(t, tau)
    order = np.argsort(x, kind="stable")
    return Observation(
        horizon=tau,
        censoring=c,
        death=t,
        time=x,
        died=died,
        complete=complete,
        end=np.minimum(x, tau),
        km=kaplan_meier(x, died, tau, order=order),
        order=order,
    )


# --------------------------------------------------------------------- checks (M-72)


def unsupported_horizon(time: Vector, died: BoolArray, horizon: float) -> bool:
    """True when nobody is under observation at τ and survival mass is left (M-72).

    That is: the longest follow-up ``max X_i`` is below τ and a woman is censored there.
    If instead every woman still under observation at the last time died then, Ŝ reached 0
    before τ and the mean within τ is the mean within that time: it can be estimated.
    """
    if time.size == 0:
        return True
    last = float(time.max())
    return last < horizon and bool((~died & (time == last)).any())


def check_horizon(
    censoring: npt.ArrayLike,
    death: npt.ArrayLike,
    horizon: float,
    interval: float,
    *,
    unit: str = "days",
    field: str = "follow_up",
) -> list[Problem]:
    """The user-facing checks of the horizon and the interval (M-65, M-72).

    Parameters
    ----------
    censoring, death : array_like of shape (n,)
        ``C_i`` and ``T_i`` as for :func:`observe`.
    horizon, interval
        τ and h, in ``unit``.
    unit
        The time unit named in messages.
    field
        Prefix of the problems' fields (``follow_up.horizon``, ``follow_up.interval``).

    Returns
    -------
    list of Problem
        Empty when the analysis can run. Otherwise: τ not finite and > 0; h not finite and
        > 0, or h > τ; no woman; or τ beyond every woman's follow-up (nobody under observation
        at τ while a woman is censored at the longest follow-up, which the message names).
        The API raises them as an input error (exit code 2).
    """
    problems: list[Problem] = []
    tau, h = float(horizon), float(interval)
    f_tau, f_h = f"{field}.horizon", f"{field}.interval"
    if not (math.isfinite(tau) and tau > 0):
        msg = f"must be a number > 0, got {horizon!r}"
        problems.append(Problem(msg, field=f_tau, code="bad_horizon"))
    if not (math.isfinite(h) and h > 0):
        msg = f"must be a number > 0, got {interval!r}"
        problems.append(Problem(msg, field=f_h, code="bad_interval"))
    elif math.isfinite(tau) and tau > 0 and h > tau:
        problems.append(
            Problem(
                f"must be at most the horizon ({tau:g} {unit}), got {h:g} {unit}",
                field=f_h,
                code="interval_above_horizon",
            )
        )
    c, t = _vector("censoring", censoring), _vector("death", death)
    if c.size == 0:
        problems.append(Problem("there are no women to analyse", field=field, code="no_women"))
        return problems
    if problems:
        return problems
    x = np.minimum(t, c)
    if unsupported_horizon(x, t <= c, tau):
        last = float(x.max())
        problems.append(
            Problem(
                f"the horizon ({tau:g} {unit}) is beyond every woman's follow-up: the longest "
                f"is {last:g} {unit} and a woman still alive is censored there, so the mean "
                f"cost within the horizon cannot be estimated; choose a horizon of at most "
                f"{last:g} {unit}",
                field=f_tau,
                code="horizon_beyond_follow_up",
            )
        )
    return problems


def horizon_warnings(observation: Observation, *, label: str | None = None) -> list[str]:
    """M-72's warning when few women are under observation at the horizon.

    Under observation at τ: ``X_i ≥ τ``. The warning is given when fewer than 10 women, or
    fewer than 10% of them, are, and some woman's history is censored within the horizon
    (with none censored there is no weighting, and every estimator is the plain mean).
    ``label`` is the horizon as the reader gave it (``24 months``); default its number.

    Returns
    -------
    list of str
        Texts starting with ``W-FEW-AT-HORIZON:``; empty when there is nothing to say.
    """
    n = observation.n
    at_tau = int(np.count_nonzero(observation.time >= observation.horizon))
    if observation.complete.all():
        return []
    if at_tau >= FEW_AT_HORIZON and at_tau >= FEW_AT_HORIZON_SHARE * n:
        return []
    return [
        f"{W_FEW_AT_HORIZON}: only {at_tau} of {n} women ({at_tau / n:.0%}) are under "
        f"observation at the horizon ({label or f'{observation.horizon:g}'}); the weighted "
        "estimators (BT, BTP, ZT) rest on few women there and may be unstable (M-72)"
    ]
