"""Sums of resamples of one stratum, drawn with as few random bits as the scheme allows.

M-50: a resample of a stratum of ``n`` values is ``n`` draws with
replacement, each uniform over the ``n`` women. Only its sum is needed, and a sum does not
depend on the order of the draws, so the draws can be grouped by *which block of women*
they fall in:

1. The women are split into blocks: the most frequent value when it is worth splitting
   off (typically zero cost; every draw of it adds the same value, so it needs no index),
   then blocks of the other women of sizes that are powers of two, ``2^b1 > 2^b2 > ...``
   (the largest terms of the binary expansion of their number), then the rest.
2. The numbers of draws that fall in each block are one multinomial draw per resample,
   with probabilities (block size)/n. Given them, the draws in a block are uniform over
   the block and independent (the multinomial-then-uniform decomposition of i.i.d.
   uniform draws, exactly).
3. A uniform index into a block of ``2^b`` women is the low ``b`` bits of a uniform 16-
   (or 32-) bit word: no rejection step, no multiplication, four indices per 64-bit output
   of the PCG64 generator. The rest, fewer than the smallest block, is drawn with
   ``Generator.integers``.

So a resample costs ``n`` random indices of 16 bits (the common value's draws none), one
gather and one summation per block, in buffers that are reused from chunk to chunk (no
fresh memory, hence no page faults, in the hot loop). The distribution of the resample
sums is that of ``n`` uniform draws with replacement; only the mapping from the
generator's bits to the draws differs from ``Generator.integers``.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass

import numpy as np

from rapport_cost.arrays import FloatArray, IntArray

#: Split off the most frequent value when it is at least this share of a stratum.
SPLIT_SHARE = 0.05
#: Blocks of ``2^b`` women: at most this many, each at least ``1/MIN_BLOCK_SHARE`` of the
#: others (smaller ones would cost more in per-chunk overhead than they save).
MAX_BLOCKS = 5
MIN_BLOCK_SHARE = 32


@dataclass(frozen=True)
class StratumPlan:
    """How the resample sums of one stratum are drawn (see the module docstring).

    Parameters
    ----------
    n
        Women in the stratum (draws per resample).
    common
        The value split off (0.0 when none is).
    blocks
        The other values, in blocks whose sizes are powers of two, largest first.
    rest
        The values after the blocks (fewer than the smallest block; may be empty).
    pvals : ndarray of shape (len(blocks) + 2,)
        Probabilities of a draw falling on the common value, in each block, in the rest.
    """

    n: int
    common: float
    blocks: tuple[FloatArray, ...]
    rest: FloatArray
    pvals: FloatArray

    @property
    def n_common(self) -> int:
        """How many women have the common value split off (0 when none is)."""
        return self.n - sum(b.size for b in self.blocks) - self.rest.size

    @property
    def word(self) -> type[np.unsignedinteger]:
        """Unsigned type whose bits index the largest block (16 bits when they suffice)."""
        largest = self.blocks[0].size if self.blocks else 1
        return np.uint16 if largest <= 1 << 16 else np.uint32


def block_sizes(n_others: int, max_blocks: int = MAX_BLOCKS) -> tuple[list[int], int]:
    """Sizes of the power-of-two blocks of ``n_others`` values, and how many are left.

    The largest terms of the binary expansion of ``n_others``, at most ``max_blocks`` of
    them and each at least ``n_others / MIN_BLOCK_SHARE``.

    Examples
    --------
    13,079 = 8192 + 4096 + 512 + 256 + 16 + 4 + 2 + 1, and 256 < 13,079/32 = 408.7:

    >>> block_sizes(13_079)
    ([8192, 4096, 512], 279)
    """
    sizes: list[int] = []
    for b in range(n_others.bit_length() - 1, -1, -1):
        size = 1 << b
        if n_others & size and len(sizes) < max_blocks and size * MIN_BLOCK_SHARE >= n_others:
            sizes.append(size)
    return sizes, n_others - sum(sizes)


def plan_stratum(xs: FloatArray, *, max_blocks: int = MAX_BLOCKS) -> StratumPlan:
    """Split a stratum's values into the common value, power-of-two blocks and the rest.

    Parameters
    ----------
    xs : ndarray of shape (n,)
        The values (n >= 1).
    max_blocks
        At most this many blocks (tests use 1 to exercise the rest).
    """
    n = xs.size
    values, counts = np.unique(xs, return_counts=True)
    j = int(np.argmax(counts))
    if SPLIT_SHARE * n <= counts[j] < n:
        common = float(values[j])
        others = xs[xs != common]
    else:  # no value frequent enough, or every value the same (then no index is needed
        common, others = 0.0, xs  # beyond the blocks, which hold them all)
    sizes, _ = block_sizes(others.size, max_blocks)
    edges = np.cumsum([0, *sizes])
    blocks = tuple(np.ascontiguousarray(others[a:b]) for a, b in itertools.pairwise(edges))
    rest = np.ascontiguousarray(others[edges[-1] :])
    pvals = np.array([n - others.size, *sizes, rest.size], dtype=np.float64) / n
    return StratumPlan(n, common, blocks, rest, pvals)


class Buffers(threading.local):
    """Per-thread work buffers, grown on demand and reused (no page faults per chunk)."""

    def __init__(self) -> None:
        self.index: IntArray = np.empty(0, dtype=np.intp)
        self.values: FloatArray = np.empty(0, dtype=np.float64)

    def get(self, size: int) -> tuple[IntArray, FloatArray]:
        """An index buffer of at least ``size`` and a value buffer one longer."""
        if self.index.size < size:
            self.index = np.empty(size, dtype=np.intp)
            self.values = np.empty(size + 1, dtype=np.float64)
        return self.index, self.values


def _add_row_sums(values: FloatArray, k: int, per_row: IntArray, out: FloatArray) -> None:
    """Add to ``out`` the sums of consecutive runs of ``values[:k]``, ``per_row`` long each."""
    starts = np.zeros(per_row.size, dtype=np.intp)
    np.cumsum(per_row[:-1], out=starts[1:])
    values[k] = 0.0  # an empty run at the end starts here (reduceat needs a valid index)
    sums = np.add.reduceat(values[: k + 1], starts)
    sums[per_row == 0] = 0.0  # reduceat gives values[start] for an empty run
    out += sums


def resample_sums(
    g: np.random.Generator, m: int, plan: StratumPlan, buffers: Buffers
) -> FloatArray:
    """Sums of ``m`` resamples of the stratum (each ``plan.n`` draws with replacement).

    Parameters
    ----------
    g : numpy.random.Generator
        Advanced by one multinomial draw per resample, the 16- (or 32-) bit words of the
        block draws, and ``Generator.integers`` for the draws in the rest.
    m
        Number of resamples.
    plan
        From :func:`plan_stratum`.
    buffers
        Work buffers (one :class:`Buffers` may be shared by threads: each has its own).

    Returns
    -------
    ndarray of shape (m,)
    """
    counts = g.multinomial(plan.n, plan.pvals, size=m)  # (m, blocks + 2)
    out: FloatArray = counts[:, 0].astype(np.float64) * plan.common
    per_block = counts[:, 1:].sum(axis=0)
    k_blocks = int(per_block[:-1].sum())
    index, values = buffers.get(int(per_block.max(initial=0)))
    if k_blocks:
        word = np.dtype(plan.word).newbyteorder("<")
        per_word = 8 // word.itemsize
        raw = g.bit_generator.random_raw(-(-k_blocks // per_word))
        bits = raw.astype("<u8", copy=False).view(word)  # the same words on any platform
        start = 0
        for i, block in enumerate(plan.blocks):
            k = int(per_block[i])
            np.bitwise_and(bits[start : start + k], block.size - 1, out=index[:k])
            np.take(block, index[:k], out=values[:k], mode="clip")  # in range: no clipping
            _add_row_sums(values, k, counts[:, 1 + i], out)
            start += k
    k = int(per_block[-1])
    if k:
        np.take(plan.rest, g.integers(0, plan.rest.size, size=k), out=values[:k], mode="clip")
        _add_row_sums(values, k, counts[:, -1], out)
    return out
