"""Probabilistic sensitivity analysis on the one costing path (docs/architecture.md; M-42).

The PSA varies the unit-cost parameters at the observed resource use (M-48). A chunk of
draws becomes a parameter matrix Θ of shape ``(n, n_params)``: the base row of the
parameter table repeated, with the columns of the varied parameters replaced by draws
times their price-year factor. Θ is priced by the engine
(:func:`~rapport_cost.core.engine.costs`), the same code the deterministic estimate runs
on its one row, so a PSA in which nothing varies reproduces the
estimate. Draws are processed in chunks of even size (``numpy.array_split``), so memory
holds one chunk of Θ and prices plus the per-draw outputs (two floats per site and draw)
and at most :data:`CORRELATION_SAMPLE` draws of the correlated parameters; there is no
Python loop over draws.

Modules: :mod:`.design`, :mod:`.simulation`, :mod:`.summaries` and :mod:`.parameters`;
their public names are re-exported here. The pieces, in the order a run uses them:

* :func:`psa_design`: one distribution per varied parameter (a Dirichlet parameter is one
  block of its components), and the Spearman targets of ``correlations:`` mapped onto them.
* :func:`make_sampler`: the :class:`~rapport_cost.core.sampling.ParameterSampler` for a design.
* :func:`simulate`: yields :class:`PsaChunk` objects (the draws and their outputs); callers
  collect them in :class:`PsaOutputs` and may stream them to files.
* :func:`describe_outputs`: every output's statistics, read by :func:`summary_table`
  (M-47) and :func:`convergence_table` (M-46); :func:`parameter_table` (CHEERS item 22),
  :func:`correlation_table`, and the ``*_warnings`` functions of M-43, M-46 and M-47.

Quantiles follow M-4 (Davison–Hinkley order statistics with normal-quantile
interpolation): :func:`order_quantiles` gives the numbers of
:func:`rapport_cost.core.bootstrap.quantiles`, with its interpolation, but selects the few
order statistics it needs (a block at a time, :mod:`~rapport_cost.core.analyses.draw_stats`)
instead of sorting a million draws.
"""

from __future__ import annotations

from rapport_cost.core.analyses.psa.design import (
    Block,
    CorrelationPair,
    PsaDesign,
    bound_warnings,
    make_sampler,
    psa_design,
)
from rapport_cost.core.analyses.psa.parameters import (
    PARAMETER_COLUMNS,
    correlation_table,
    parameter_table,
)
from rapport_cost.core.analyses.psa.settings import (
    BOUND_PROBABILITY,
    CORRELATION_SAMPLE,
    DIVERGENCE,
    LEVELS,
    N_BATCHES,
    QUANTITIES,
)
from rapport_cost.core.analyses.psa.simulation import PsaChunk, PsaOutputs, chunk_sizes, simulate
from rapport_cost.core.analyses.psa.summaries import (
    OutputStats,
    batch_quantile_mcse,
    check_outputs,
    convergence_table,
    convergence_warnings,
    describe_outputs,
    divergence_warnings,
    order_quantiles,
    output_stats,
    running_mean,
    summary_table,
)

__all__ = [
    "BOUND_PROBABILITY",
    "CORRELATION_SAMPLE",
    "DIVERGENCE",
    "LEVELS",
    "N_BATCHES",
    "PARAMETER_COLUMNS",
    "QUANTITIES",
    "Block",
    "CorrelationPair",
    "OutputStats",
    "PsaChunk",
    "PsaDesign",
    "PsaOutputs",
    "batch_quantile_mcse",
    "bound_warnings",
    "check_outputs",
    "chunk_sizes",
    "convergence_table",
    "convergence_warnings",
    "correlation_table",
    "describe_outputs",
    "divergence_warnings",
    "make_sampler",
    "order_quantiles",
    "output_stats",
    "parameter_table",
    "psa_design",
    "running_mean",
    "simulate",
    "summary_table",
]
