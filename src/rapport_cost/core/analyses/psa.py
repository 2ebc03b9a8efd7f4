"""Probabilistic sensitivity analysis on the one costing path (DESIGN §2; METHODS §2).

The PSA varies the unit-cost parameters at the observed resource use (P-7). A chunk of
draws becomes a parameter matrix Θ of shape ``(n, n_params)``: the base row of the
parameter table repeated, with the columns of the varied parameters replaced by draws
times their price-year factor. Θ is priced with :func:`~rapport_cost.core.engine.driver_prices`
and aggregated with :func:`~rapport_cost.core.engine.site_totals`, the same code the
deterministic estimate runs on its one row, so a PSA in which nothing varies reproduces the
estimate. Draws are processed in chunks of even size (``numpy.array_split``), so memory
holds one chunk of Θ and prices plus the per-draw outputs (two floats per site and draw)
and at most :data:`CORRELATION_SAMPLE` draws of the correlated parameters; there is no
Python loop over draws.

The pieces, in the order a run uses them:

* :func:`psa_design`: one distribution per varied parameter (a Dirichlet parameter is one
  block of its components), and the Spearman targets of ``correlations:`` mapped onto them.
* :func:`make_sampler`: the :class:`~rapport_cost.core.sampling.ParameterSampler` for a design.
* :func:`simulate`: yields :class:`PsaChunk` objects (the draws and their outputs); callers
  collect them in :class:`PsaOutputs` and may stream them to files.
* :func:`describe_outputs`: every output's statistics, read by :func:`summary_table`
  (P-6) and :func:`convergence_table` (P-5); :func:`parameter_table` (CHEERS item 22),
  :func:`correlation_table`, and the ``*_warnings`` functions of P-2, P-5 and P-6. They
  read the draws a block at a time (:mod:`~rapport_cost.core.analyses.draw_stats`): the
  memory they need beyond the kept outputs does not grow with the number of draws.

Quantiles follow METHODS G-4 (Davison–Hinkley order statistics with normal-quantile
interpolation): :func:`order_quantiles` gives the numbers of
:func:`rapport_cost.core.bootstrap.quantiles`, with its interpolation, but selects the few
order statistics it needs instead of sorting a million draws.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy  # its submodules load on first use (scipy's lazy loading)

from rapport_cost.arrays import FloatArray, IntArray
from rapport_cost.config import Dirichlet, Fixed
from rapport_cost.core.analyses import draw_stats
from rapport_cost.core.analyses.bootstrap.quantiles import norm_inter_at, norm_inter_positions
from rapport_cost.core.analyses.draw_stats import order_statistics
from rapport_cost.core.engine import site_costs
from rapport_cost.core.params.distributions import (
    DirichletDistribution,
    Distribution,
    NormalDistribution,
    from_spec,
)
from rapport_cost.core.params.parameters import ParameterSpec, ParameterTable
from rapport_cost.core.params.sampling import (
    CorrelationMethod,
    ParameterSampler,
    Sampling,
    check_correlation,
)
from rapport_cost.core.prices.terms import PriceTerms
from rapport_cost.core.usage.model import UsageModel
from rapport_cost.errors import ConfigError, ModelError, Problem, did_you_mean

#: The two outputs per site, in table order.
QUANTITIES: tuple[str, str] = ("mean_cost_per_woman", "total_cost")
#: Number of batches for the batch-means MCSE of a quantile (P-5).
N_BATCHES = 20
#: Relative difference between the probabilistic mean and the deterministic value above
#: which P-6 warns.
DIVERGENCE = 0.05
#: Probability of a value below a parameter's lower bound above which P-2 warns.
BOUND_PROBABILITY = 0.001
#: Draws kept (of the correlated parameters only) to report the achieved correlations.
CORRELATION_SAMPLE = 100_000
#: Levels of the summary: the 2.5% quantile, the median and the 97.5% quantile (P-6).
LEVELS = (0.025, 0.5, 0.975)


# --------------------------------------------------------------------------- design


@dataclass(frozen=True)
class Block:
    """One distribution of the sampler and the columns of Θ it fills.

    Parameters
    ----------
    dist
        The fitted distribution of the raw value (before the price-year factor).
    columns
        Columns of Θ: one for a scalar distribution, k for a Dirichlet.
    names
        The parameter names of those columns.
    factor
        Price-year factor every draw is multiplied by (1 for Dirichlet shares).
    spec
        The parameter table entry of the first column.
    """

    dist: Distribution | DirichletDistribution
    columns: tuple[int, ...]
    names: tuple[str, ...]
    factor: float
    spec: ParameterSpec


@dataclass(frozen=True)
class CorrelationPair:
    """One correlation of the config, as the sampler uses it."""

    index: int
    """Position in ``correlations:``."""
    a: str
    b: str
    target: float
    """The Spearman target."""
    columns: tuple[int, int]
    """Columns of the two parameters in the draws (the order of :attr:`PsaDesign.names`)."""


@dataclass(frozen=True)
class PsaDesign:
    """What a PSA varies and how.

    Parameters
    ----------
    table
        The parameter table (every column of Θ).
    blocks
        The varied parameters, one block per distribution, in table order.
    correlation
        Spearman targets between the scalar blocks, in their order (Dirichlet blocks
        skipped), or ``None`` when no correlation applies.
    pairs
        The correlations that apply.
    notes
        Warnings about correlations that have no effect.
    """

    table: ParameterTable
    blocks: tuple[Block, ...]
    correlation: FloatArray | None
    pairs: tuple[CorrelationPair, ...]
    notes: tuple[str, ...]

    @property
    def columns(self) -> IntArray:
        """Column of Θ of every drawn value, in the sampler's order; shape ``(n_varied,)``."""
        return np.array([c for b in self.blocks for c in b.columns], dtype=np.intp)

    @property
    def factors(self) -> FloatArray:
        """Price-year factor of every drawn value; shape ``(n_varied,)``."""
        return np.array([b.factor for b in self.blocks for _ in b.columns], dtype=np.float64)

    @property
    def names(self) -> tuple[str, ...]:
        """Name of every drawn value, in the sampler's order."""
        return tuple(n for b in self.blocks for n in b.names)


def _fit(spec: ParameterSpec) -> Distribution | DirichletDistribution:
    assert spec.dist is not None
    try:
        return from_spec(spec.dist)  # never Fixed here: a fixed parameter does not vary
    except ModelError as exc:
        msg = f"{spec.group or spec.name}: {exc}"
        raise ModelError(msg) from None


def _blocks(table: ParameterTable) -> list[Block]:
    blocks: list[Block] = []
    groups: set[str] = set()
    for spec in table:
        if not spec.varies:
            continue
        if spec.group is not None:
            if spec.group in groups:
                continue
            groups.add(spec.group)
            dist = _fit(spec)
            assert isinstance(dist, DirichletDistribution)
            names = tuple(f"{spec.group}.{c}" for c in dist.categories)
            columns = tuple(table.col(n) for n in names)
            blocks.append(Block(dist, columns, names, 1.0, spec))
        else:
            blocks.append(
                Block(_fit(spec), (table.col(spec.name),), (spec.name,), spec.factor, spec)
            )
    return blocks


def psa_design(
    table: ParameterTable,
    correlations: Sequence[tuple[str, str, float]] = (),
    *,
    correlation_method: CorrelationMethod = "iman_conover",
) -> PsaDesign:
    """The distributions and correlations of a PSA (METHODS P-1 to P-3).

    Parameters
    ----------
    table
        The compiled parameter table.
    correlations
        ``[a, b, spearman]`` triples from the config, in order.
    correlation_method
        The method that will induce them; the Pearson conversion of the targets must be
        positive definite (:func:`~rapport_cost.core.sampling.check_correlation`).

    Returns
    -------
    PsaDesign

    Raises
    ------
    ConfigError
        Listing every bad correlation, each with field ``correlations[i]`` (a name the
        costing does not use, a Dirichlet share, a pair given twice), or with field
        ``correlations`` for a matrix that is not positive definite.
    ModelError
        If a distribution cannot be fitted in floating point.
    """
    blocks = _blocks(table)
    scalar = [k for k, b in enumerate(blocks) if not isinstance(b.dist, DirichletDistribution)]
    position = {blocks[k].names[0]: j for j, k in enumerate(scalar)}
    offsets = np.cumsum([0] + [len(b.columns) for b in blocks])
    column_of = {blocks[k].names[0]: int(offsets[k]) for k in scalar}
    problems: list[Problem] = []
    notes: list[str] = []
    seen: dict[frozenset[str], int] = {}
    pairs: list[CorrelationPair] = []
    m = np.eye(len(scalar))
    for i, (a, b, rho) in enumerate(correlations):
        field = f"correlations[{i}]"
        bad = [p for name in (a, b) if (p := _name_problem(table, name, field)) is not None]
        if bad:
            problems.extend(bad)
            continue
        key = frozenset((a, b))
        if key in seen:
            problems.append(
                Problem(
                    f"the pair {a}, {b} is already given at correlations[{seen[key]}]",
                    field=field,
                    code="duplicate",
                )
            )
            continue
        seen[key] = i
        fixed = [n for n in (a, b) if n not in position]
        if fixed:
            notes.append(
                f"{field}: {' and '.join(fixed)} {'has' if len(fixed) == 1 else 'have'} no "
                f"distribution, so the correlation between {a} and {b} has no effect"
            )
            continue
        m[position[a], position[b]] = m[position[b], position[a]] = rho
        pairs.append(CorrelationPair(i, a, b, float(rho), (column_of[a], column_of[b])))
    if problems:
        msg = f"{len(problems)} problem(s) in the correlations"
        raise ConfigError(msg, problems)
    correlation: FloatArray | None = None
    if pairs:
        check_correlation(m, [blocks[k].names[0] for k in scalar], method=correlation_method)
        correlation = m
    return PsaDesign(table, tuple(blocks), correlation, tuple(pairs), tuple(notes))


def _name_problem(table: ParameterTable, name: str, field: str) -> Problem | None:
    if name not in table.index:
        hint = did_you_mean(name, table.index)
        return Problem(
            f"unknown parameter {name!r}{hint} (a correlation must name a parameter the "
            "costing uses)",
            field=field,
            code="unknown_parameter",
        )
    spec = table.specs[table.col(name)]
    if spec.group is not None:
        return Problem(
            f"{name!r} is a share of the Dirichlet parameter {spec.group!r}; Dirichlet "
            "shares cannot be correlated with other parameters",
            field=field,
            code="dirichlet",
        )
    return None


def make_sampler(
    design: PsaDesign,
    *,
    sampling: Sampling,
    correlation_method: CorrelationMethod,
    rng: np.random.Generator,
    score_rng: np.random.Generator | None = None,
    n_draws: int | None = None,
) -> ParameterSampler:
    """The parameter sampler of a design: one column per drawn value, in ``design.names`` order.

    Parameters
    ----------
    design
        From :func:`psa_design`.
    sampling, correlation_method
        See :class:`~rapport_cost.core.sampling.ParameterSampler`.
    rng, score_rng
        The marginal draws and the correlation step (METHODS G-3: separate streams).
    n_draws
        Total draws planned (Sobol' warns unless a power of two).
    """
    return ParameterSampler(
        [b.dist for b in design.blocks],
        sampling=sampling,
        correlation=design.correlation,
        correlation_method=correlation_method,
        rng=rng,
        score_rng=score_rng,
        n_draws=n_draws,
    )


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
    total, mean
        Shape ``(n, n_sites + 1)``: total cost and mean cost per woman per site, the last
        column all sites.
    """

    start: int
    params: FloatArray
    total: FloatArray
    mean: FloatArray

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
        total, mean = site_costs(theta, terms, usage, perspective)
        yield PsaChunk(start, x, total, mean)
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

    def add(self, chunk: PsaChunk) -> None:
        """Store a chunk's outputs (chunks must arrive in order)."""
        if chunk.start != self.filled:
            msg = f"chunks must arrive in order: expected draw {self.filled}, got {chunk.start}"
            raise ValueError(msg)
        stop = chunk.start + chunk.n
        self._values[0, :, chunk.start : stop] = chunk.mean.T
        self._values[1, :, chunk.start : stop] = chunk.total.T
        keep = min(stop, self._kept.shape[0]) - chunk.start
        if keep > 0 and self._kept_columns:
            self._kept[chunk.start : chunk.start + keep] = chunk.params[:keep, self._kept_columns]
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


# --------------------------------------------------------------------------- summaries


def order_quantiles(x: FloatArray, probs: Sequence[float] | FloatArray) -> FloatArray:
    """Quantiles of ``x`` with the convention of METHODS G-4, by selection instead of sorting.

    The same numbers as :func:`rapport_cost.core.bootstrap.quantiles` (whose
    interpolation it uses): the (B+1)p-th order statistic, interpolated on the
    normal-quantile scale when the rank is not an integer, needs only the order statistics
    ⌊(B+1)p⌋ and its neighbour, which
    :func:`~rapport_cost.core.analyses.draw_stats.order_statistics` finds exactly in bounded
    memory instead of sorting a million draws.

    Parameters
    ----------
    x : ndarray of shape (B,)
        Finite values.
    probs : sequence of float, length k
        Levels in [0, 1].

    Returns
    -------
    ndarray of shape (k,)

    Examples
    --------
    >>> order_quantiles(np.arange(999.0, 0.0, -1.0), [0.025, 0.975]).tolist()  # T22
    [25.0, 975.0]
    """
    p = np.atleast_1d(np.asarray(probs, dtype=np.float64))
    b = x.size
    if b == 0:
        return np.full(p.shape, np.nan)
    positions = norm_inter_positions(b, p)
    values = dict(zip(positions, order_statistics(x, positions).tolist(), strict=True))
    return norm_inter_at(values.__getitem__, b, p)


def batch_quantile_mcse(
    x: FloatArray, probs: Sequence[float], n_batches: int = N_BATCHES
) -> FloatArray:
    """Batch-means MCSE of quantiles (METHODS P-5).

    The draws are split into ``n_batches`` consecutive batches of ``⌊N / G⌋`` draws (the
    last ``N mod G`` draws are left out); the quantile (G-4) is computed in each and the
    MCSE is their SD over ``√G``.

    Parameters
    ----------
    x : ndarray of shape (N,)
        The draws, in draw order.
    probs : sequence of float, length k
        Levels.
    n_batches
        G, 20 by default.

    Returns
    -------
    ndarray of shape (k,)
        NaN for a level whose rank (B_g + 1) p in a batch of B_g draws falls outside
        [1, B_g] (too few draws per batch).
    """
    p = np.atleast_1d(np.asarray(probs, dtype=np.float64))
    size = x.size // n_batches
    if n_batches < 2 or size < 1:
        return np.full(p.shape, np.nan)
    rank = (size + 1) * p
    batches = x[: size * n_batches].reshape(n_batches, size)
    per_batch = np.array([order_quantiles(b, p) for b in batches])
    out = per_batch.std(axis=0, ddof=1) / math.sqrt(n_batches)
    tol = 1e-9 * (size + 1)  # (B + 1)p is computed in floating point
    return np.where((rank < 1.0 - tol) | (rank > size + tol), np.nan, out)


@dataclass(frozen=True)
class OutputStats:
    """Summary statistics of one output's draws (one site, one quantity)."""

    mean: float
    sd: float
    median: float
    q025: float
    q975: float
    mcse: float
    """``sd / √N`` (P-5)."""
    half_mean: float
    """Mean of the first ``⌊N/2⌋`` draws (P-5)."""
    mcse_q025: float
    mcse_q975: float
    """Batch-means MCSE of the quantiles (P-5)."""
    constant: bool
    """Every draw is equal."""


def output_stats(x: FloatArray) -> OutputStats:
    """Statistics of one output's draws ``x`` of shape (N,), in draw order.

    NaN throughout when ``x`` is empty or has a non-finite value (see
    :func:`check_outputs`). Every statistic is read a block at a time
    (:mod:`~rapport_cost.core.analyses.draw_stats`), so the extra memory does not grow
    with N; the numbers are those of the whole-array NumPy calls.
    """
    n = x.size
    if n == 0 or draw_stats.count_nonfinite(x):
        return OutputStats(*(math.nan,) * 9, constant=False)
    mean = draw_stats.mean(x)
    sd = math.sqrt(draw_stats.variance(x, ddof=1)) if n > 1 else math.nan
    q025, median, q975 = (float(v) for v in order_quantiles(x, LEVELS))
    half = n // 2
    half_mean = draw_stats.mean(x[:half]) if half > 0 else math.nan
    mq025, mq975 = (float(v) for v in batch_quantile_mcse(x, (LEVELS[0], LEVELS[2])))
    return OutputStats(
        mean=mean,
        sd=sd,
        median=median,
        q025=q025,
        q975=q975,
        mcse=sd / math.sqrt(n),
        half_mean=half_mean,
        mcse_q025=mq025,
        mcse_q975=mq975,
        constant=bool(x.min() == x.max()),
    )


def describe_outputs(outputs: PsaOutputs) -> list[list[OutputStats]]:
    """:func:`output_stats` of every output: ``[quantity][site]`` in :data:`QUANTITIES` order.

    Two outputs at a time: NumPy lets go of the GIL in the work on each block.
    """
    with ThreadPoolExecutor(2) as pool:
        return [list(pool.map(output_stats, outputs.output(q))) for q in QUANTITIES]


def check_outputs(outputs: PsaOutputs, deterministic: FloatArray, labels: Sequence[str]) -> None:
    """Raise if a draw gave a non-finite cost where the deterministic value is finite.

    Parameters
    ----------
    outputs
        The collected outputs.
    deterministic
        Shape ``(2, n_sites + 1)``: mean cost per woman and total cost at the base row.
    labels
        Site keys and ``all``.

    Raises
    ------
    ModelError
        Naming the output and the number of draws affected.
    """
    for q, quantity in enumerate(QUANTITIES):
        for j, (site, row) in enumerate(zip(labels, outputs.output(quantity), strict=True)):
            if not math.isfinite(float(deterministic[q, j])):
                continue
            bad = draw_stats.count_nonfinite(row)
            if bad:
                msg = (
                    f"{bad} of {outputs.n_draws} PSA draws gave a non-finite {quantity} for "
                    f"{site}: a parameter drew a value that the costing cannot use (e.g. zero "
                    "working hours); check the distributions of divisors such as hours"
                )
                raise ModelError(msg)


def summary_table(
    described: list[list[OutputStats]], deterministic: FloatArray, labels: Sequence[str]
) -> pd.DataFrame:
    """Table ``psa_summary`` (METHODS P-6).

    Parameters
    ----------
    described
        From :func:`describe_outputs`.
    deterministic
        Shape ``(2, n_sites + 1)``: mean cost per woman and total cost at the base row.
    labels
        Site keys and ``all``, the columns of the outputs.

    Returns
    -------
    pandas.DataFrame
        One row per quantity and site (``all`` last): ``site``, ``quantity``,
        ``deterministic``, ``mean``, ``sd``, ``median``, ``q025``, ``q975`` (G-4
        quantiles) and ``mcse`` (``sd / √N``, P-5).
    """
    rows = [
        {
            "site": site,
            "quantity": quantity,
            "deterministic": float(deterministic[q, j]),
            "mean": s.mean,
            "sd": s.sd,
            "median": s.median,
            "q025": s.q025,
            "q975": s.q975,
            "mcse": s.mcse,
        }
        for q, quantity in enumerate(QUANTITIES)
        for j, (site, s) in enumerate(zip(labels, described[q], strict=True))
    ]
    return pd.DataFrame(rows)


def convergence_table(
    described: list[list[OutputStats]], labels: Sequence[str], *, mcse_rel_tol: float
) -> pd.DataFrame:
    """Table ``psa_convergence``: the diagnostics of METHODS P-5 for every output.

    Columns: ``site``, ``quantity``, ``mean``, ``mcse`` and ``mcse_rel`` (``mcse / |mean|``),
    ``half_mean`` (mean of the first ``⌊N/2⌋`` draws) and ``drift``
    (``|mean − half_mean| / |mean|``), ``mcse_q025`` and ``mcse_q975`` (batch means, G = 20)
    and ``converged``: ``mcse_rel``, ``drift`` and the quantile MCSEs relative to
    ``|mean|`` all at most ``mcse_rel_tol``, or every draw equal.
    """
    rows = []
    for quantity, per_site in zip(QUANTITIES, described, strict=True):
        for site, s in zip(labels, per_site, strict=True):
            scale = abs(s.mean)
            ok = scale > 0  # NaN and zero means cannot be judged relative to the mean
            rel = s.mcse / scale if ok else math.nan
            drift = abs(s.mean - s.half_mean) / scale if ok else math.nan
            checks = [rel, drift] + [v / scale for v in (s.mcse_q025, s.mcse_q975) if ok]
            judged = [v for v in checks if not math.isnan(v)]
            converged = s.constant or (
                ok and not math.isnan(rel) and all(v <= mcse_rel_tol for v in judged)
            )
            rows.append(
                {
                    "site": site,
                    "quantity": quantity,
                    "mean": s.mean,
                    "mcse": s.mcse,
                    "mcse_rel": rel,
                    "half_mean": s.half_mean,
                    "drift": drift,
                    "mcse_q025": s.mcse_q025,
                    "mcse_q975": s.mcse_q975,
                    "converged": converged,
                }
            )
    return pd.DataFrame(rows)


def convergence_warnings(
    convergence: pd.DataFrame, *, mcse_rel_tol: float, n_draws: int
) -> list[str]:
    """Warnings for the outputs that have not converged (METHODS P-5), one per criterion."""
    bad = convergence[~convergence["converged"].astype(bool)]
    if bad.empty:
        return []
    tol = f"{mcse_rel_tol:g}"
    lead = f"PSA not converged after {n_draws:,} draws (METHODS P-5): "

    def where(rows: pd.DataFrame, values: pd.Series) -> str:
        return ", ".join(
            f"{q} for {s} ({v:.2g})"
            for q, s, v in zip(rows["quantity"], rows["site"], values, strict=True)
        )

    out = []
    scale = bad["mean"].abs()
    worst_q = np.maximum(bad["mcse_q025"], bad["mcse_q975"]) / scale
    criteria = [
        (bad["mcse_rel"], f"the Monte Carlo SE of the mean exceeds {tol} of the mean"),
        (
            bad["drift"],
            f"the mean of the first half of the draws differs from the mean by more than {tol}",
        ),
        (worst_q, f"the batch-means MCSE of a 95% interval endpoint exceeds {tol} of the mean"),
    ]
    for values, text in criteria:
        hit = values > mcse_rel_tol
        if hit.any():
            out.append(f"{lead}{text} for {where(bad[hit], values[hit])}; run more draws")
    undefined = bad[bad["mcse_rel"].isna()]
    if not undefined.empty:
        names = ", ".join(
            f"{q} for {s}" for q, s in zip(undefined["quantity"], undefined["site"], strict=True)
        )
        out.append(f"{lead}cannot be judged relative to a zero or undefined mean for {names}")
    return out


def divergence_warnings(summary: pd.DataFrame) -> list[str]:
    """A warning when a probabilistic mean differs from the deterministic value by > 5% (P-6)."""
    det = summary["deterministic"]
    rel = (summary["mean"] - det) / det.abs()
    hit = (det != 0) & (rel.abs() > DIVERGENCE)
    if not hit.any():
        return []
    where = ", ".join(
        f"{q} for {s} ({r:+.1%})"
        for q, s, r in zip(summary["quantity"][hit], summary["site"][hit], rel[hit], strict=True)
    )
    return [
        f"the probabilistic mean differs from the deterministic value by more than "
        f"{DIVERGENCE:.0%} (METHODS P-6) for {where}: the costing is non-linear in some "
        "varied parameters, or a distribution's mean differs from the parameter's value"
    ]


# --------------------------------------------------------------------------- parameters


def _lower(spec: ParameterSpec) -> tuple[float, bool] | None:
    """The lower bound of a parameter and whether it is strict, or None."""
    b = spec.bound
    if b is None:
        return None
    if b.gt is not None:
        return b.gt, True
    if b.ge is not None:
        return b.ge, False
    return None


def bound_warnings(design: PsaDesign) -> list[str]:
    """Warnings for distributions that can draw values a parameter cannot take (METHODS P-2).

    A normal distribution warns when it puts a probability above 0.001 below the
    parameter's lower bound (e.g. a non-negative cost); any other family when its support
    extends below the bound.
    """
    out = []
    for block in design.blocks:
        dist, spec = block.dist, block.spec
        lower = _lower(spec)
        if lower is None or isinstance(dist, DirichletDistribution):
            continue
        bound, strict = lower
        raw = bound / block.factor
        op = "<=" if strict else "<"
        must = f"{'>' if strict else '>='} {bound:g}"
        if isinstance(dist, NormalDistribution):
            p = float(scipy.special.ndtr((raw - dist.mu) / dist.sigma))
            if p > BOUND_PROBABILITY:
                out.append(
                    f"{spec.name}: {dist.describe()} gives P(X {op} {bound:g}) = {p:.2g} > "
                    f"{BOUND_PROBABILITY:g}, but the value must be {must} (METHODS P-2); "
                    "use a gamma or lognormal, or a smaller SE"
                )
        elif dist.support()[0] < raw:  # a continuous support's end has probability 0
            out.append(
                f"{spec.name}: {dist.describe()} can draw values {op} {bound:g}, but the "
                f"value must be {must} (METHODS P-2)"
            )
    return out


def _native(dist: Distribution | DirichletDistribution) -> str:
    return ", ".join(f"{k}={v:.6g}" for k, v in dist.params().items())


PARAMETER_COLUMNS = [
    "name",
    "label",
    "value",
    "distribution",
    "parameters",
    "given_as",
    "mean",
    "sd",
    "low",
    "high",
    "price_year",
    "factor",
    "source",
]


def parameter_table(table: ParameterTable) -> pd.DataFrame:
    """Table ``psa_parameters``: every named parameter with its distribution (CHEERS item 22).

    Columns: ``name``, ``label``, ``value`` (the base value, in the target price year),
    ``distribution`` (the family, ``fixed`` when the parameter does not vary),
    ``parameters`` (its native parameters, of the value before the price-year factor),
    ``given_as`` (the distribution as the config states it), ``mean`` and ``sd`` of the
    draws (after the factor), ``low``, ``high``, ``price_year`` (the year the value is
    in when it is not the target), ``factor`` (the price-year factor every draw is
    multiplied by) and ``source``.
    """
    rows = []
    for spec in table.named():
        dist = spec.dist
        given = "" if dist is None else dist.describe()
        if dist is None or isinstance(dist, Fixed):
            family, native, mean, sd = "fixed", f"value={spec.value:.6g}", spec.value, 0.0
        elif isinstance(dist, Dirichlet):
            d = from_spec(dist)
            k = d.categories.index(spec.category or "")
            family, native = d.family, _native(d)
            mean, sd = float(d.mean()[k]), float(np.sqrt(d.var()[k]))
        else:
            fitted = from_spec(dist)
            family, native = fitted.family, _native(fitted)
            mean, sd = fitted.mean() * spec.factor, fitted.sd() * spec.factor
        rows.append(
            {
                "name": spec.name,
                "label": spec.label,
                "value": spec.value,
                "distribution": family,
                "parameters": native,
                "given_as": given,
                "mean": mean,
                "sd": sd,
                "low": spec.low,
                "high": spec.high,
                "price_year": spec.price_year,
                "factor": spec.factor,
                "source": spec.source,
            }
        )
    return pd.DataFrame(rows, columns=PARAMETER_COLUMNS)


def correlation_table(outputs: PsaOutputs) -> pd.DataFrame:
    """Table ``psa_correlations``: each correlation's Spearman target and the one achieved.

    The achieved correlation is computed on the first draws (at most
    :data:`CORRELATION_SAMPLE`), pooled across chunks.
    """
    rows = [
        {
            "parameter_a": p.a,
            "parameter_b": p.b,
            "target": p.target,
            "achieved": achieved,
            "draws": used,
        }
        for p, achieved, used in outputs.achieved_spearman()
    ]
    return pd.DataFrame(rows, columns=["parameter_a", "parameter_b", "target", "achieved", "draws"])


# --------------------------------------------------------------------------- plots' data


def running_mean(x: FloatArray, n_points: int = 2000) -> tuple[IntArray, FloatArray, FloatArray]:
    """Running mean and its MCSE at up to ``n_points`` draw counts (for the P-5 plot).

    Parameters
    ----------
    x : ndarray of shape (N,)
        Draws in order.
    n_points
        Number of draw counts, spaced evenly on a log scale from 2 to N.

    Returns
    -------
    (n, mean, mcse)
        Each of shape ``(k,)``: draw count, mean of the first n draws and
        ``sd_n / √n`` (0 where n < 2).
    """
    big_n = x.size
    if big_n == 0:
        empty = np.empty(0)
        return np.empty(0, dtype=np.intp), empty, empty
    n = np.unique(np.geomspace(1, big_n, num=min(n_points, big_n)).round().astype(np.intp))
    # Sums of deviations from the overall mean: no cancellation in the running variance.
    # A block at a time, each cumulative sum carried on from the last (the same additions,
    # in the same order, as one cumulative sum of all N).
    centre = draw_stats.mean(x)
    s1n, s2n = np.empty(n.size), np.empty(n.size)
    carry1 = carry2 = 0.0
    step = draw_stats.BLOCK
    for start in range(0, big_n, step):
        d = x[start : start + step] - centre
        c1 = np.cumsum(np.concatenate([[carry1], d]))[1:]
        c2 = np.cumsum(np.concatenate([[carry2], d * d]))[1:]
        here = (n > start) & (n <= start + d.size)
        s1n[here], s2n[here] = c1[n[here] - 1 - start], c2[n[here] - 1 - start]
        carry1, carry2 = float(c1[-1]), float(c2[-1])
    mean = centre + s1n / n
    var = np.divide(s2n - s1n * s1n / n, n - 1, out=np.zeros(n.size), where=n > 1)
    return n, mean, np.sqrt(np.maximum(var, 0.0) / n)
