"""Statistics of the PSA outputs: quantiles, MCSE, summary and convergence tables (M-46, M-47)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rapport_cost.arrays import FloatArray, IntArray
from rapport_cost.core.analyses import draw_stats
from rapport_cost.core.analyses.bootstrap.quantiles import norm_inter_at, norm_inter_positions
from rapport_cost.core.analyses.draw_stats import order_statistics
from rapport_cost.core.analyses.psa.settings import DIVERGENCE, LEVELS, N_BATCHES, QUANTITIES
from rapport_cost.core.analyses.psa.simulation import PsaOutputs
from rapport_cost.errors import ModelError

# --------------------------------------------------------------------------- summaries


def order_quantiles(x: FloatArray, probs: Sequence[float] | FloatArray) -> FloatArray:
    """Quantiles of ``x`` with the convention of M-4, by selection instead of sorting.

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
    """Batch-means MCSE of quantiles (M-46).

    The draws are split into ``n_batches`` consecutive batches of ``⌊N / G⌋`` draws (the
    last ``N mod G`` draws are left out); the quantile (M-4) is computed in each and the
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
    """``sd / √N`` (M-46)."""
    half_mean: float
    """Mean of the first ``⌊N/2⌋`` draws (M-46)."""
    mcse_q025: float
    mcse_q975: float
    """Batch-means MCSE of the quantiles (M-46)."""
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
    """Table ``psa_summary`` (M-47).

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
        ``deterministic``, ``mean``, ``sd``, ``median``, ``q025``, ``q975`` (M-4
        quantiles) and ``mcse`` (``sd / √N``, M-46).
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
    """Table ``psa_convergence``: the diagnostics of M-46 for every output.

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
    """Warnings for the outputs that have not converged (M-46), one per criterion."""
    bad = convergence[~convergence["converged"].astype(bool)]
    if bad.empty:
        return []
    tol = f"{mcse_rel_tol:g}"
    lead = f"PSA not converged after {n_draws:,} draws (M-46): "

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
    """A warning when a probabilistic mean differs from the deterministic value by > 5% (M-47)."""
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
        f"{DIVERGENCE:.0%} (M-47) for {where}: the costing is non-linear in some "
        "varied parameters, or a distribution's mean differs from the parameter's value"
    ]


# --------------------------------------------------------------------------- plots' data


def running_mean(x: FloatArray, n_points: int = 2000) -> tuple[IntArray, FloatArray, FloatArray]:
    """Running mean and its MCSE at up to ``n_points`` draw counts (for the M-46 plot).

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
