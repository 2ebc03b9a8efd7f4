"""Cost lines cut at each woman's end of follow-up and split by interval and censoring cell.

A cost line is a time span ``[start, stop]`` (days since the woman's origin) with a cost: a
contact is a point (``start == stop = u``, M-65); a cost-history row is a real span,
its cost spread uniformly over it. Every estimator needs the cost of woman i

* in each interval ``(t_{j−1}, t_j]`` (partitioned estimators, Lin, the curve), and
* up to each censoring time ``c`` (Zhao–Tian's ``M_k(C_i)``),

all of it cut at ``min(X_i, τ)``: after death there are no costs, after censoring none are
seen, after τ they are outside the horizon. So each line is split into *pieces* at the
interval ends and the censoring times (a point is one piece), each piece tagged with its
interval ``j`` and its censoring *cell* ``g``, the number of censoring times before it: the
piece is part of ``M_k(c_h)`` exactly when ``g ≤ h``. Everything after depends on the costs
only through sums over pieces, which is why every estimator is linear in the line costs.

The layout depends on the times only, so one layout serves every PSA draw and resample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

from rapport_cost.arrays import BoolArray, IntArray, Matrix, Vector
from rapport_cost.core.analyses.follow_up.observation import Intervals, Observation


def summed(index: IntArray, weights: Vector, n: int) -> Vector:
    """``Σ weights`` for each value 0..n−1 of ``index``: a typed ``np.bincount``, no copy."""
    return cast("Vector", np.bincount(index, weights=weights, minlength=n))


@dataclass(frozen=True)
class CostLayout:
    """The pieces of every cost line within each woman's observed follow-up.

    Parameters
    ----------
    observation, intervals
        The follow-up and the intervals the pieces were cut by.
    n_lines
        Number of cost lines laid out.
    line, woman, interval, cell
        For each piece, shape (n_pieces,): its line, its woman (0..n−1), its 0-based
        interval j (0..K−1) and its censoring cell g (0..G: the number of censoring times
        ``c_h`` with ``c_h`` before the piece; a point at exactly ``c_h`` is in cell h).
    fraction
        The share of the line's cost in the piece, shape (n_pieces,), in [0, 1]: 0 for a
        point after its woman's cut (kept as a piece of no cost, in the last interval).
    censoring_times
        The G distinct censoring times within the horizon, increasing.
    one_piece_per_line
        Contacts only: piece k is line k (``line`` is ``0..n_lines−1``).
    """

    observation: Observation
    intervals: Intervals
    n_lines: int
    line: IntArray
    woman: IntArray
    interval: IntArray
    cell: IntArray
    fraction: Vector
    censoring_times: Vector
    one_piece_per_line: bool = False

    @property
    def n_cells(self) -> int:
        """G + 1: the censoring cells, the last one after every censoring time."""
        return int(self.censoring_times.size) + 1

    def piece_costs(self, cost: npt.ArrayLike) -> Vector:
        """The cost of each piece, shape (n_pieces,), from the line costs (n_lines,)."""
        c = np.asarray(cost, dtype=np.float64)
        if c.shape != (self.n_lines,):
            msg = f"cost must have shape ({self.n_lines},). Got {c.shape} instead."
            raise ValueError(msg)
        out: Vector = (c if self.one_piece_per_line else c[self.line]) * self.fraction
        return out


def _check_lines(
    observation: Observation, woman: npt.ArrayLike, start: npt.ArrayLike, stop: npt.ArrayLike
) -> tuple[IntArray, Vector, Vector]:
    w = np.asarray(woman)
    s = np.asarray(start, dtype=np.float64)
    e = np.asarray(stop, dtype=np.float64)
    if w.ndim != 1 or s.shape != w.shape or e.shape != w.shape:
        msg = (
            f"woman, start and stop must be 1-D of one length. Got {w.shape}, {s.shape}, {e.shape}."
        )
        raise ValueError(msg)
    if w.size and (
        not np.issubdtype(w.dtype, np.integer) or w.min() < 0 or w.max() >= observation.n
    ):
        msg = f"woman must hold indices 0..{observation.n - 1}."
        raise ValueError(msg)
    if not (np.isfinite(s).all() and np.isfinite(e).all()) or (s < 0).any() or (s > e).any():
        msg = "line times must be finite with 0 <= start <= stop."
        raise ValueError(msg)
    return w.astype(np.intp), s, e


def lay_out(
    observation: Observation,
    intervals: Intervals,
    woman: npt.ArrayLike,
    start: npt.ArrayLike,
    stop: npt.ArrayLike,
) -> CostLayout:
    """Split each cost line into pieces by interval and censoring cell (module docstring).

    Parameters
    ----------
    observation
        The follow-up (:func:`~.observation.observe`).
    intervals
        The intervals, with the same horizon.
    woman : array_like of int, shape (n_lines,)
        The woman of each line (0..n−1).
    start, stop : array_like of shape (n_lines,)
        The line's time span in days since her origin, ``0 ≤ start ≤ stop``; a point has
        ``start == stop``.

    Returns
    -------
    CostLayout
        A point at u counts when ``u ≤ min(X_i, τ)`` (else, with contacts only, it stays a
        piece of share 0, so that piece k is line k); a span keeps the share of
        ``[start, stop]`` that lies before ``min(X_i, τ)``. What is cut off is outside the
        horizon (after τ) or an input error the caller reports (after death or censoring,
        M-66: see :func:`lines_after_follow_up`).

    Raises
    ------
    ValueError
        Mismatched shapes, a woman index out of range, or bad times.
    """
    if intervals.horizon != observation.horizon:
        msg = (
            f"intervals for horizon {intervals.horizon} with observation for {observation.horizon}."
        )
        raise ValueError(msg)
    w, s, e = _check_lines(observation, woman, start, stop)
    cut = observation.end[w]
    ctimes = observation.km.censoring_times
    point = s == e
    keep_point = point & (s <= cut)
    if point.all():  # contacts only: one piece per line, of no cost if after the cut
        line, at, fraction, piece_woman = np.arange(w.size, dtype=np.intp), s, keep_point * 1.0, w
    else:
        p_idx = np.flatnonzero(keep_point)
        span_line, right, frac = _span_pieces(s, e, cut, point, np.union1d(intervals.ends, ctimes))
        line = np.concatenate([p_idx, span_line])
        at = np.concatenate([s[p_idx], right])  # a piece's time: the point, or its right end
        fraction = np.concatenate([np.ones(p_idx.size), frac])
        piece_woman = w[line]
    days = _whole_days(at)
    return CostLayout(
        observation=observation,
        intervals=intervals,
        n_lines=int(w.size),
        line=line,
        woman=piece_woman,
        interval=np.minimum(_locate(intervals.ends, at, days), intervals.n - 1),
        cell=_locate(ctimes, at, days),
        fraction=fraction,
        censoring_times=ctimes,
        one_piece_per_line=bool(point.all()),
    )


#: Times in whole days up to this are located by a lookup table (27 years of days).
_TABLE_DAYS = 10_000


def _whole_days(at: Vector) -> IntArray | None:
    """``at`` as whole days when there are many, all whole and at most :data:`_TABLE_DAYS`."""
    if at.size <= _TABLE_DAYS or float(at.max()) > _TABLE_DAYS:
        return None
    days = at.astype(np.intp)
    return days if bool(np.all(days == at)) else None


def _locate(edges: Vector, at: Vector, days: IntArray | None) -> IntArray:
    """``searchsorted(edges, at, "left")``; by a lookup table when every time is a whole day.

    Contacts are dated, so their times are whole days (``days``): then one ``searchsorted``
    over the days 0..max and a gather replace a binary search per line.
    """
    if days is None:
        return np.searchsorted(edges, at, side="left")
    table = np.searchsorted(edges, np.arange(int(days.max()) + 1, dtype=np.float64), "left")
    out: IntArray = table[days]
    return out


def _span_pieces(
    s: Vector, e: Vector, cut: Vector, point: BoolArray, breaks: Vector
) -> tuple[IntArray, Vector, Vector]:
    """The pieces of the spans before their cut, split at every break inside.

    Returns each piece's line, right end and share of its line's cost.
    """
    span_end = np.minimum(e, cut)
    s_idx = np.flatnonzero(~point & (span_end > s))
    lo = np.searchsorted(breaks, s[s_idx], side="right")  # first break > start
    hi = np.searchsorted(breaks, span_end[s_idx], side="left")  # first break >= end
    inner = np.maximum(hi - lo, 0)
    n_pieces = inner + 1
    rep = np.repeat(np.arange(s_idx.size), n_pieces)
    k = np.arange(rep.size) - (np.cumsum(n_pieces) - n_pieces)[rep]  # position in its line
    b = np.concatenate([breaks, [np.inf]])
    left = np.where(k == 0, s[s_idx][rep], b[np.minimum(lo[rep] + k - 1, breaks.size)])
    right = np.where(k == inner[rep], span_end[s_idx][rep], b[np.minimum(lo[rep] + k, breaks.size)])
    span_line = s_idx[rep]
    return span_line, right, (right - left) / (e[span_line] - s[span_line])


def women_by_intervals(layout: CostLayout, cost: npt.ArrayLike) -> Matrix:
    """``M_ij``: each woman's observed cost in each interval, with one ``np.bincount``.

    Parameters
    ----------
    layout
        From :func:`lay_out`.
    cost : array_like of shape (n_lines,)
        The cost of each line.

    Returns
    -------
    ndarray of shape (n, K)
        A transposed view of :func:`intervals_by_women`.
    """
    out: Matrix = intervals_by_women(layout, layout.piece_costs(cost)).T
    return out


def intervals_by_women(layout: CostLayout, piece_cost: Vector) -> Matrix:
    """``M_ijᵀ`` of shape (K, n), C-ordered (an interval's costs contiguous), from the pieces."""
    n, k = layout.observation.n, layout.intervals.n
    flat = summed(layout.interval * n + layout.woman, piece_cost, n * k)
    out: Matrix = flat.reshape(k, n)
    return out


def lines_after_follow_up(
    observation: Observation, woman: npt.ArrayLike, stop: npt.ArrayLike
) -> BoolArray:
    """Lines that run past the woman's death or censoring (``stop > X_i``), shape (n_lines,).

    M-66 makes a logged cost after her death, her withdrawal or the cut-off an input
    error; the caller, which knows the rows, reports these. (Costs after τ but within her
    follow-up are fine: they are outside the horizon.)
    """
    w = np.asarray(woman, dtype=np.intp)
    out: BoolArray = np.asarray(stop, dtype=np.float64) > observation.time[w]
    return out
