"""The policies and their count rules: suppression of small counts, rounding to 5 (M-60)."""

from __future__ import annotations

import operator
import re
from typing import Literal, NamedTuple, get_args

import numpy as np
import numpy.typing as npt

from rapport_cost.arrays import BoolArray, Int64Array

Policy = Literal["nhsd2018", "suppress_lt5", "none"]
"""Name of a disclosure-control policy (M-60)."""

Margins = Literal["both", "row_totals", "column_totals"]
"""Which totals a 2-D table publishes (see the module docstring)."""

POLICIES: tuple[Policy, ...] = get_args(Policy)
MARGINS: tuple[str, ...] = get_args(Margins)

#: What a suppressed cell shows in CSV, Markdown, XLSX and on the terminal.
SUPPRESSED = "*"

#: Watermark for tables produced with ``policy="none"``.
WATERMARK = "not disclosure-controlled: internal use only"

#: Counts 1 to this are suppressed under ``nhsd2018`` (M-60).
NHSD2018_MAX_SUPPRESSED = 7
#: Counts 1 to this are suppressed under ``suppress_lt5`` (M-60).
LT5_MAX_SUPPRESSED = 4
#: Statistics over 1 to this many individuals are suppressed (M-60).
STATISTICS_MAX_N = 7

# Column names that are a minimum or a maximum (one person's value, M-60): a whole
# ``_``-separated word, so that ``mean_minutes`` does not match.
_MIN_MAX = re.compile(r"(^|_)(min|max|minimum|maximum)($|_)")


class RecoverableCell(NamedTuple):
    """A suppressed cell whose value follows from the published values.

    Attributes
    ----------
    row, column
        0-based position in the table as published (margins included).
    value
        The value an attacker would recover (the least-squares solution of the
        margin equations, unique for this cell).
    """

    row: int
    column: int
    value: float


# ---------------------------------------------------------------- count rules


def _check_policy(policy: str) -> None:
    if policy not in POLICIES:
        msg = f"The 'policy' parameter must be one of {list(POLICIES)}. Got {policy!r} instead."
        raise ValueError(msg)


def _check_margins(margins: str) -> None:
    if margins not in MARGINS:
        msg = f"The 'margins' parameter must be one of {list(MARGINS)}. Got {margins!r} instead."
        raise ValueError(msg)


def _whole(x: int | np.integer) -> int:
    value = operator.index(x)
    if value < 0:
        msg = f"A count must be >= 0. Got {value} instead."
        raise ValueError(msg)
    return value


def round5(x: int | np.integer) -> int:
    """Round a whole-number count to the nearest multiple of 5 (M-60).

    ``round5(x) = 5 * floor(x / 5 + 0.5)``. A whole number never ties: a
    remainder (mod 5) of 1-2 rounds down, 3-4 rounds up.

    Parameters
    ----------
    x
        A count, an integer >= 0.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``x`` is not an integer (e.g. a float).
    ValueError
        If ``x`` is negative.

    Examples
    --------
    >>> [round5(x) for x in (8, 12, 13, 152, 153)]
    [10, 10, 15, 150, 155]
    """
    value = _whole(x)
    # floor(x/5 + 1/2) == (x + 2) // 5 for whole x >= 0, without floating point.
    return 5 * ((value + 2) // 5)


def _primary_limit(policy: Policy) -> int:
    if policy == "nhsd2018":
        return NHSD2018_MAX_SUPPRESSED
    if policy == "suppress_lt5":
        return LT5_MAX_SUPPRESSED
    return 0


def primary_suppression(counts: npt.ArrayLike, *, policy: Policy) -> BoolArray:
    """Mask of the counts a policy replaces by ``*`` on their own (primary suppression).

    Parameters
    ----------
    counts
        Array of whole numbers >= 0, any shape.
    policy
        ``"nhsd2018"`` suppresses 1-7, ``"suppress_lt5"`` 1-4, ``"none"`` nothing.

    Returns
    -------
    numpy.ndarray of bool, same shape as ``counts``
    """
    _check_policy(policy)
    values = _as_count_array(counts, "counts")
    return (values >= 1) & (values <= _primary_limit(policy))


def control_count(x: int | np.integer, *, policy: Policy) -> int | str:
    """Control one count on its own (M-60).

    Under ``"suppress_lt5"`` this is only the primary rule: a table with totals
    also needs :func:`suppress_secondary`. To control a total, pass the total of
    the *unrounded* values (M-60), never a sum of controlled cells.

    Parameters
    ----------
    x
        A count, an integer >= 0.
    policy
        The policy (M-60).

    Returns
    -------
    int or str
        The count to publish, or :data:`SUPPRESSED`.

    Examples
    --------
    >>> [control_count(x, policy="nhsd2018") for x in (0, 3, 7, 8, 153)]
    [0, '*', '*', 10, 155]
    >>> [control_count(x, policy="suppress_lt5") for x in (0, 4, 5, 153)]
    [0, '*', 5, 153]
    """
    _check_policy(policy)
    value = _whole(x)
    if 1 <= value <= _primary_limit(policy):
        return SUPPRESSED
    return round5(value) if policy == "nhsd2018" else value


def _as_count_array(values: npt.ArrayLike, name: str) -> Int64Array:
    array = np.asarray(values)
    if array.dtype == object or array.dtype.kind not in "iuf":
        msg = f"{name} must be numeric counts. Got dtype {array.dtype} instead."
        raise ValueError(msg)
    floats = array.astype(float)
    bad = ~np.isfinite(floats) | (floats < 0) | (floats != np.round(floats))
    if bad.any():
        first = floats[np.nonzero(bad)][0]
        msg = f"{name} must be whole numbers >= 0. Got {first:g} instead."
        raise ValueError(msg)
    return floats.astype(np.int64)
