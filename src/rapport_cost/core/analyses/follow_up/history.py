"""A validated cost history (R ccostr's layout) as the kernel's women and cost lines.

Per person: ``delta = 1`` is a complete history, whose end ``surv`` is taken as the death
time (``T = surv``, ``C = ∞``); ``delta = 0`` is censored at ``surv`` (``C = surv``, ``T = ∞``).
With the horizon τ, a person censored at ``surv ≥ τ`` is complete within the horizon
(``Δ = 1``), as ccostr sets ``delta = 1`` when ``surv ≥ L``.

Spreading a span's cost. The kernel spreads a span's cost uniformly over ``[start, stop]``,
so the share up to a time c is ``(c − start)/(stop − start)``. ccostr's ``addInterPol = a``
uses ``(c − start + a)/(stop − start + a)`` instead: with times in whole days and spans
inclusive of both ends (a span from day 30 to day 82 is 53 days), ``a = 1`` gives the share of
the days up to day c. That is the same as a point cost of ``a/(stop − start + a)`` of the
span's cost at ``start`` and the rest spread uniformly over ``[start, stop]``, which is how
``span_offset`` here is laid out; ``span_offset = 0`` (the default) is the plain uniform
spread. ccostr's own comparison with the SAS macros (its ``test-4_SAS_similarity.R``) runs
with ``addInterPol = 1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rapport_cost.arrays import IntArray, Vector
from rapport_cost.core.inputs.cost_history import CostHistory


@dataclass(frozen=True)
class HistoryLines:
    """The kernel's inputs from a cost history.

    Parameters
    ----------
    censoring, death
        ``C_i`` and ``T_i`` per person, shape (n,), for :func:`~.observation.observe`.
    woman, start, stop, cost
        The cost lines, shape (n_lines,), for :func:`~.layout.lay_out`.
    row
        The history row (0-based, into the history's arrays) each line comes from, shape
        (n_lines,): a row's weight in the linear form is the sum over its lines.
    """

    censoring: Vector
    death: Vector
    woman: IntArray
    start: Vector
    stop: Vector
    cost: Vector
    row: IntArray


def history_lines(history: CostHistory, *, span_offset: float = 0.0) -> HistoryLines:
    """The women and cost lines of a cost history (module docstring).

    Parameters
    ----------
    history
        From :func:`~rapport_cost.core.inputs.cost_history.validate_cost_history`.
    span_offset
        ccostr's ``addInterPol``, ≥ 0, in the history's time unit: 0 spreads a span's cost
        uniformly; a > 0 puts ``a/(stop − start + a)`` of it at ``start`` first.

    Returns
    -------
    HistoryLines
    """
    a = float(span_offset)
    if not (math.isfinite(a) and a >= 0):
        msg = f"span_offset must be a finite number >= 0. Got {span_offset!r} instead."
        raise ValueError(msg)
    death = np.where(history.delta, history.surv, np.inf)
    censoring = np.where(history.delta, np.inf, history.surv)
    n_rows = history.start.size
    rows = np.arange(n_rows, dtype=np.intp)
    span = history.stop > history.start
    if a == 0.0 or not span.any():
        return HistoryLines(
            censoring, death, history.person, history.start, history.stop, history.cost, rows
        )
    length = history.stop - history.start
    share = np.where(span, length / (length + a), 1.0)  # spread over the span
    extra = np.flatnonzero(span)  # each span also gets a point at its start
    return HistoryLines(
        censoring=censoring,
        death=death,
        woman=np.concatenate([history.person, history.person[extra]]),
        start=np.concatenate([history.start, history.start[extra]]),
        stop=np.concatenate([history.stop, history.start[extra]]),
        cost=np.concatenate([history.cost * share, history.cost[extra] * (1.0 - share[extra])]),
        row=np.concatenate([rows, extra]),
    )
