"""The PSA design: a distribution per varied parameter, correlations, the sampler (M-43 to M-45)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy  # its submodules load on first use (scipy's lazy loading)

from rapport_cost.arrays import FloatArray, IntArray
from rapport_cost.core.analyses.psa.settings import BOUND_PROBABILITY
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
from rapport_cost.errors import ConfigError, ModelError, Problem, did_you_mean

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
    """The distributions and correlations of a PSA (M-43 to M-44).

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
        The marginal draws and the correlation step (M-3: separate streams).
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
    """Warnings for distributions that can draw values a parameter cannot take (M-43).

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
                    f"{BOUND_PROBABILITY:g}, but the value must be {must} (M-43); "
                    "use a gamma or lognormal, or a smaller SE"
                )
        elif dist.support()[0] < raw:  # a continuous support's end has probability 0
            out.append(
                f"{spec.name}: {dist.describe()} can draw values {op} {bound:g}, but the "
                f"value must be {must} (M-43)"
            )
    return out
