"""Draws of Θ a chunk at a time, costed by the engine, and the per-draw outputs kept."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy  # its submodules load on first use (scipy's lazy loading)

from rapport_cost.arrays import FloatArray
from rapport_cost.core.analyses.psa.design import CorrelationPair, PsaDesign
from rapport_cost.core.analyses.psa.settings import CORRELATION_SAMPLE, QUANTITIES
from rapport_cost.core.engine import Costs, costs
from rapport_cost.core.params.sampling import (
    ParameterSampler,
)
from rapport_cost.core.prices.terms import PriceTerms
from rapport_cost.core.usage.model import UsageModel

# --------------------------------------------------------------------------- simulation


def chunk_sizes(n_draws: int, chunk_size: int) -> list[int]:
    """Split ``n_draws`` into the fewest chunks of at most ``chunk_size``, of even sizes.

    Even sizes (they differ by at most one) keep every chunk large, which Iman–Conover
    and Latin hypercubes need.

    Examples
    --------
    >>> chunk_sizes(50_001, 20_000)
    [16667, 16667, 16667]
    """
    if n_draws < 0 or chunk_size < 1:
        msg = f"need n_draws >= 0 and chunk_size >= 1, got {n_draws} and {chunk_size}"
        raise ValueError(msg)
    if n_draws == 0:
        return []
    k = -(-n_draws // chunk_size)
    return [len(a) for a in np.array_split(np.empty(n_draws, dtype=np.bool_), k)]


@dataclass(frozen=True)
class PsaChunk:
    """One chunk of PSA draws and their outputs.

    Parameters
    ----------
    start
        Index of the chunk's first draw (0-based).
    params
        Shape ``(n, n_varied)``: the drawn values, price-year adjusted, in
        ``design.names`` order.
    costs
        The engine's costs of the chunk's draws, one row per draw: callers reduce what
        they need (site totals and means here; every woman's cost in the joint bootstrap).
    """

    start: int
    params: FloatArray
    costs: Costs

    @property
    def total(self) -> FloatArray:
        """Shape ``(n, n_sites + 1)``: total cost per site and all."""
        return self.costs.total

    @property
    def mean(self) -> FloatArray:
        """Shape ``(n, n_sites + 1)``: mean cost per woman per site and all."""
        return self.costs.mean_per_woman

    @property
    def n(self) -> int:
        """Number of draws in the chunk."""
        return int(self.params.shape[0])


def simulate(
    design: PsaDesign,
    sampler: ParameterSampler,
    terms: PriceTerms,
    usage: UsageModel,
    perspective: str,
    *,
    n_draws: int,
    chunk_size: int,
) -> Iterator[PsaChunk]:
    """Draw the parameters chunk by chunk and cost each chunk with the engine.

    Parameters
    ----------
    design, sampler
        From :func:`psa_design` and :func:`make_sampler`.
    terms, usage, perspective
        The compiled price terms, the usage model and the perspective.
    n_draws, chunk_size
        Total draws and the largest chunk (see :func:`chunk_sizes`).

    Yields
    ------
    PsaChunk
        In draw order; only one chunk's Θ and prices exist at a time.
    """
    base = design.table.base()
    columns, factors = design.columns, design.factors
    start = 0
    for n in chunk_sizes(n_draws, chunk_size):
        x = sampler.draw(n)
        x *= factors
        # Column-major: the pricing code reads Θ a parameter (column) at a time.
        theta = np.empty((n, base.size), dtype=np.float64, order="F")
        theta[:] = base
        theta[:, columns] = x
        yield PsaChunk(start, x, costs(theta, terms, usage, perspective))
        start += n


class PsaOutputs:
    """The per-draw outputs of a PSA, filled chunk by chunk.

    Parameters
    ----------
    design
        The design (for the correlated columns kept to check the correlations).
    n_draws
        Total draws.
    n_columns
        Sites plus one (all).
    """

    def __init__(self, design: PsaDesign, n_draws: int, n_columns: int) -> None:
        self.n_draws = n_draws
        self.n_columns = n_columns
        # One contiguous row per quantity and site: the summaries read whole rows.
        self._values: FloatArray = np.empty((len(QUANTITIES), n_columns, n_draws))
        self._pairs = design.pairs
        cols = sorted({c for p in design.pairs for c in p.columns})
        self._kept_columns = cols
        self._kept: FloatArray = np.empty((min(n_draws, CORRELATION_SAMPLE), len(cols)))
        self.filled = 0

    def add(self, start: int, params: FloatArray, mean: FloatArray, total: FloatArray) -> None:
        """Store the outputs of draws ``start`` on (blocks must arrive in order).

        Parameters
        ----------
        start
            The first draw's index.
        params
            Shape ``(n, n_varied)``: the draws of the varied parameters.
        mean, total
            Shape ``(n, n_sites + 1)``: mean cost per woman and total cost of each draw.
        """
        if start != self.filled:
            msg = f"chunks must arrive in order: expected draw {self.filled}, got {start}"
            raise ValueError(msg)
        stop = start + params.shape[0]
        self._values[0, :, start:stop] = mean.T
        self._values[1, :, start:stop] = total.T
        keep = min(stop, self._kept.shape[0]) - start
        if keep > 0 and self._kept_columns:
            self._kept[start : start + keep] = params[:keep, self._kept_columns]
        self.filled = stop

    def output(self, quantity: str) -> FloatArray:
        """The draws of ``quantity`` (one of :data:`QUANTITIES`).

        Returns
        -------
        ndarray of shape (n_sites + 1, n_draws)
            One row per site, the last all sites (a read-only view).
        """
        view: FloatArray = self._values[QUANTITIES.index(quantity)]
        view.flags.writeable = False
        return view

    def achieved_spearman(self) -> list[tuple[CorrelationPair, float, int]]:
        """Spearman correlation of every pair over the first draws kept.

        Returns
        -------
        list of (pair, achieved, draws used)
        """
        n = min(self.filled, self._kept.shape[0])
        if n < 2:
            return [(p, math.nan, n) for p in self._pairs]
        # Column by column: ranking all columns at once needs several times the memory.
        ranks = np.array(
            [scipy.stats.rankdata(self._kept[:n, j]) for j in range(self._kept.shape[1])]
        )
        r = np.atleast_2d(np.corrcoef(ranks))
        where = {c: j for j, c in enumerate(self._kept_columns)}
        return [(p, float(r[where[p.columns[0]], where[p.columns[1]]]), n) for p in self._pairs]
