"""Statistics of long vectors of simulated draws in bounded extra memory, exactly.

A PSA of N draws keeps each output's N values (they are plotted); its summaries must not
need N more. Every function here reads its input a block at a time, so the extra memory is
a few blocks (plus, for order statistics, the values near the ones sought), whatever N.
The numbers are those of the whole-array NumPy calls, bit for bit:

* :func:`mean` and :func:`variance` add the blocks as ``numpy.add.reduce`` adds a
  contiguous float64 array: pairwise, halving at ``n/2`` rounded down to a multiple of 8
  until a block is small, so each block is one NumPy reduction over exactly the values
  NumPy would reduce there, and the partial sums are combined in the same tree;
* :func:`order_statistics` returns the k-th smallest values themselves (as
  ``numpy.partition`` would), found among the values between two bounds read from a
  sorted sample and checked by counting: no interpolation, no approximation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from rapport_cost.arrays import FloatArray, IntArray

#: Values per block: 512 KiB of float64, which stays in cache.
BLOCK = 1 << 16
#: Arrays up to this many values are sorted in a copy (2 MiB) rather than scanned.
SORT_LIMIT = 1 << 18
#: Values sampled to bracket an order statistic.
SAMPLE = 1 << 16


def _pairwise(x: FloatArray, leaf: Callable[[FloatArray], float]) -> float:
    """``leaf`` of blocks of ``x`` added in NumPy's pairwise order (see the module docstring)."""
    n = x.size
    if n <= BLOCK:
        return leaf(x)
    half = n // 2
    half -= half % 8
    return _pairwise(x[:half], leaf) + _pairwise(x[half:], leaf)


def _sum(block: FloatArray) -> float:
    return float(np.add.reduce(block))


def mean(x: FloatArray) -> float:
    """``float(x.mean())`` of a contiguous float64 vector, in blocks; NaN when empty."""
    if x.size == 0:
        return math.nan
    return _pairwise(x, _sum) / x.size


def variance(x: FloatArray, ddof: int = 1) -> float:
    """``float(x.var(ddof=ddof))`` of a contiguous float64 vector, in blocks.

    As NumPy: the mean first, then the sum of squared deviations, divided by
    ``n - ddof`` (NaN when that is not positive).
    """
    n = x.size
    if n - ddof <= 0:
        return math.nan
    centre = mean(x)

    def squares(block: FloatArray) -> float:
        d = block - centre
        np.multiply(d, d, out=d)
        return float(np.add.reduce(d))

    return _pairwise(x, squares) / (n - ddof)


def count_nonfinite(x: FloatArray) -> int:
    """Number of NaN or infinite values, in blocks."""
    return sum(
        int(x[i : i + BLOCK].size - np.count_nonzero(np.isfinite(x[i : i + BLOCK])))
        for i in range(0, x.size, BLOCK)
    )


def _brackets(x: FloatArray, ks: IntArray, width: float) -> list[tuple[float, float, IntArray]]:
    """Bounds ``(lo, hi)`` around the k-th smallest values, from a sorted sample of ``x``.

    ``width`` is the half-width in standard deviations of a sample rank; overlapping
    bounds are merged. Each entry also holds the ranks it should contain.
    """
    n = x.size
    step = -(-n // SAMPLE) | 1  # odd: no aliasing with a power-of-two structure
    sample = np.sort(x[::step])
    m = sample.size
    spans: list[tuple[int, int, list[int]]] = []
    for k in ks.tolist():
        p = (k + 0.5) / n
        centre = p * m
        half = width * math.sqrt(m * p * (1.0 - p)) + 2.0
        a, b = math.floor(centre - half), math.ceil(centre + half)
        if spans and a <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(b, spans[-1][1]), [*spans[-1][2], k])
        else:
            spans.append((a, b, [k]))
    out = []
    for a, b, kk in spans:
        lo = -math.inf if a < 0 else float(sample[a])
        hi = math.inf if b >= m else float(sample[b])
        out.append((lo, hi, np.asarray(kk, dtype=np.intp)))
    return out


def _scan(x: FloatArray, brackets: list[tuple[float, float, IntArray]]) -> FloatArray | None:
    """The order statistics from one pass over ``x``, or None if a bracket missed its rank."""
    below = [0] * len(brackets)
    inside: list[list[FloatArray]] = [[] for _ in brackets]
    for i in range(0, x.size, BLOCK):
        block = x[i : i + BLOCK]
        for j, (lo, hi, _) in enumerate(brackets):
            below[j] += int(np.count_nonzero(block < lo))
            keep = block >= lo
            keep &= block <= hi
            inside[j].append(block[keep])
    values: list[FloatArray] = []
    for j, (_, _, ks) in enumerate(brackets):
        found = np.concatenate(inside[j])
        rank = ks - below[j]
        if rank.min() < 0 or rank.max() >= found.size:
            return None
        values.append(np.partition(found, rank)[rank])
    return np.concatenate(values)


def order_statistics(x: FloatArray, ks: Sequence[int] | IntArray) -> FloatArray:
    """The ``k``-th smallest values of ``x`` (0-based ranks), exactly, in bounded memory.

    Parameters
    ----------
    x : ndarray of shape (n,)
        Values, no NaN.
    ks : sequence of int, each in [0, n)
        Ranks, sorted and distinct.

    Returns
    -------
    ndarray of shape (len(ks),)
        ``numpy.partition(x, ks)[ks]``. Up to :data:`SORT_LIMIT` values are sorted in a
        copy; beyond, the values between bounds read from a sorted sample of
        :data:`SAMPLE` values are kept and the bounds are checked by counting the values
        below them (wider bounds, then a sorted copy, if a check fails: the answer is
        exact either way).
    """
    ranks = np.asarray(ks, dtype=np.intp)
    if x.size <= SORT_LIMIT:
        return np.sort(x)[ranks]
    for width in (6.0, 24.0):
        found = _scan(x, _brackets(x, ranks, width))
        if found is not None:
            return found
    return np.sort(x)[ranks]  # pragma: no cover - needs a sample far from the whole
