"""PSA at scale: ``rapport-cost psa`` on the bundled example against its floor and a loop.

Run: ``uv run python benchmarks/psa_scale.py [--draws 1000000] [--sampling mc lhs sobol]``

In one run, for each sampling design:

* **psa**: ``api.run_psa`` on the bundled example (``configs/rapport.yaml``: 12 varied
  parameters, two correlations induced by Iman–Conover, 300 women in 3 units), timed beyond
  start-up: the model (config, logs, usage matrix) is built once beforehand and the time
  covers drawing, pricing, aggregating and every summary (quantiles, batch-means MCSE,
  convergence, achieved correlations).
* **floor**: the same draws made the plain way, chunk by chunk (the PSA's
  chunk size), plus one matrix product per chunk, with nothing kept. For ``lhs`` and
  ``sobol``: ``scipy.stats.qmc.LatinHypercube`` (a new hypercube per chunk, as the PSA
  does) or one persistent ``scipy.stats.qmc.Sobol``, each uniform clipped to
  [1e-12, 1 − 1e-12] and mapped through the ``scipy.stats`` inverse CDF of its
  distribution; for ``mc``: NumPy's generators (``rng.gamma`` …). Then the correlation
  step, Iman–Conover written out here in NumPy (van der Waerden scores, Cholesky factors,
  ranks), on the correlated columns. None of rapport-cost's sampling code is used.
* **loop**: a per-draw Python loop over the deterministic estimate path (the engine on a
  one-row Θ), timed on a few hundred draws and extrapolated.

Times are the best of ``--repeat`` runs, psa and floor interleaved (the machine may be
shared), wall clock and CPU (all threads). Then the peak memory that ``tracemalloc`` sees
(NumPy reports its buffers to it) while ``run_psa`` runs, at ``--draws`` and at ten times
as many (``--memory-factor``): the PSA keeps the per-draw outputs it summarises and plots
(2 quantities × (3 units + all) × 8 bytes = 64 bytes a draw); everything else must not
grow with the draws.
Targets: psa within 1.5× of the floor for lhs and sobol (the first target was 2×); the memory
beyond the kept outputs set by the chunk size, not by the draws.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special, stats
from scipy.stats import qmc

from rapport_cost import api
from rapport_cost.core.analyses import psa as core
from rapport_cost.core.engine import costs
from rapport_cost.core.params.sampling import ParameterSampler

U_MIN, U_MAX = 1e-12, 1.0 - 1e-12


def best_of(repeat: int, runs: dict[str, Callable[[], object]]) -> dict[str, tuple[float, float]]:
    """Best wall-clock and best CPU seconds of each run, the runs interleaved ``repeat`` times."""
    best = dict.fromkeys(runs, (math.inf, math.inf))
    for _ in range(repeat):
        for name, run in runs.items():
            c0, t0 = time.process_time(), time.perf_counter()
            run()
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    return best


def sampler(built: api.Built, design: core.PsaDesign, sampling: str, n: int) -> ParameterSampler:
    root = np.random.SeedSequence(1).spawn(3)
    return core.make_sampler(
        design,
        sampling=sampling,  # type: ignore[arg-type]
        correlation_method=built.config.psa.correlation_method,
        rng=np.random.default_rng(root[0]),
        score_rng=np.random.default_rng(root[2]),
        n_draws=n,
    )


# --------------------------------------------------------------------------- the floor


def scipy_ppf(dist: Any, u: np.ndarray) -> np.ndarray:
    """The ``scipy.stats`` inverse CDF of a fitted distribution (by its native parameters)."""
    match dist.family:
        case "gamma":
            return stats.gamma.ppf(u, dist.shape, scale=dist.scale)
        case "normal":
            return stats.norm.ppf(u, loc=dist.mu, scale=dist.sigma)
        case "beta":
            return stats.beta.ppf(u, dist.alpha, dist.beta)
        case "lognormal":
            return stats.lognorm.ppf(u, dist.sdlog, scale=math.exp(dist.meanlog))
        case "uniform":
            return stats.uniform.ppf(u, loc=dist.low, scale=dist.high - dist.low)
        case "triangular":
            width = dist.high - dist.low
            return stats.triang.ppf(u, (dist.mode - dist.low) / width, loc=dist.low, scale=width)
        case "pert":
            width = dist.high - dist.low
            return stats.beta.ppf(u, dist.alpha, dist.beta, loc=dist.low, scale=width)
        case "dirichlet":
            g = np.column_stack([stats.gamma.ppf(u[:, k], a) for k, a in enumerate(dist.alpha)])
            return g / g.sum(axis=1, keepdims=True)
    raise ValueError(dist.family)


def numpy_draw(dist: Any, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draws straight from NumPy's generator."""
    match dist.family:
        case "gamma":
            return rng.gamma(dist.shape, dist.scale, n)
        case "normal":
            return rng.normal(dist.mu, dist.sigma, n)
        case "beta":
            return rng.beta(dist.alpha, dist.beta, n)
        case "lognormal":
            return rng.lognormal(dist.meanlog, dist.sdlog, n)
        case "uniform":
            return rng.uniform(dist.low, dist.high, n)
        case "triangular":
            return rng.triangular(dist.low, dist.mode, dist.high, n)
        case "pert":
            return dist.low + (dist.high - dist.low) * rng.beta(dist.alpha, dist.beta, n)
        case "dirichlet":
            return rng.dirichlet(np.asarray(dist.alpha), n)
    raise ValueError(dist.family)


def iman_conover(x: np.ndarray, chol: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Iman & Conover (1982): reorder the columns of ``x`` (n, d) to the target P Pᵀ."""
    n, d = x.shape
    scores = special.ndtri(np.arange(1, n + 1) / (n + 1.0))
    s = rng.permuted(np.tile(scores, (d, 1)), axis=1)
    q = np.linalg.cholesky(np.corrcoef(s))
    t = np.linalg.solve(q.T, chol.T).T @ s
    out = np.empty((d, n))
    np.put_along_axis(out, np.argsort(t, axis=1), np.sort(x.T, axis=1), axis=1)
    return out.T


def correlated(design: core.PsaDesign) -> tuple[list[int], np.ndarray]:
    """Columns of the correlated parameters and the Cholesky factor of 2 sin(π ρ_S / 6)."""
    cols = sorted({c for p in design.pairs for c in p.columns})
    r = np.eye(len(cols))
    where = {c: i for i, c in enumerate(cols)}
    for p in design.pairs:
        i, j = where[p.columns[0]], where[p.columns[1]]
        r[i, j] = r[j, i] = 2.0 * math.sin(math.pi * p.target / 6.0)
    return cols, np.linalg.cholesky(r)


def floor(design: core.PsaDesign, sampling: str, n: int, chunk: int) -> None:
    """Draw the parameters the plain way, correlate them, one matrix product per chunk."""
    rng = np.random.default_rng(1)
    dists = [b.dist for b in design.blocks]
    widths = [len(b.columns) for b in design.blocks]
    starts = np.cumsum([0, *widths])
    cols, chol = correlated(design)
    weights = rng.random((int(starts[-1]), 8))
    sobol = qmc.Sobol(int(starts[-1]), scramble=True, rng=rng) if sampling == "sobol" else None
    for size in core.chunk_sizes(n, chunk):
        x = np.empty((size, int(starts[-1])))
        if sampling == "mc":
            for d, a, b in zip(dists, starts, starts[1:], strict=False):
                x[:, a:b] = numpy_draw(d, size, rng).reshape(size, b - a)
        else:
            if sobol is not None:
                u = sobol.random(size)
            else:
                u = qmc.LatinHypercube(int(starts[-1]), rng=rng).random(size)
            u = np.clip(u, U_MIN, U_MAX)
            for d, a, b in zip(dists, starts, starts[1:], strict=False):
                uu = u[:, a] if b - a == 1 else u[:, a:b]
                x[:, a:b] = scipy_ppf(d, uu).reshape(size, b - a)
        if cols:
            x[:, cols] = iman_conover(x[:, cols], chol, rng)
        x @ weights


# --------------------------------------------------------------------------- loop, memory


def loop(built: api.Built, design: core.PsaDesign, sampling: str, n: int) -> None:
    """The estimate path once per draw: Θ of one row, the engine, one row of outputs."""
    terms, usage = built.prep.terms, built.usage
    x = sampler(built, design, sampling, n).draw(n) * design.factors
    base = terms.table.base()
    for i in range(n):
        theta = base.copy()
        theta[design.columns] = x[i]
        _ = costs(theta[np.newaxis, :], terms, usage, built.config.perspective).total


def peak_memory(built: api.Built, draws: int, sampling: str) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    api.run_psa(built, draws=draws, seed=1, sampling=sampling)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1_000_000)
    parser.add_argument("--sampling", nargs="+", default=["mc", "lhs", "sobol"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--loop-draws", type=int, default=300)
    parser.add_argument(
        "--memory-factor", type=int, default=10, help="memory also at this many times --draws"
    )
    args = parser.parse_args()
    n = args.draws
    warnings.simplefilter("ignore", category=UserWarning)  # Sobol' balance at 10^k draws

    t0 = time.perf_counter()
    built = api.build(None)
    startup = time.perf_counter() - t0
    cfg = built.config
    design = core.psa_design(
        built.prep.terms.table, cfg.correlations, correlation_method=cfg.psa.correlation_method
    )
    chunk = cfg.psa.chunk_size
    print(
        f"bundled example: {len(built.usage.women)} women, {len(built.usage.sites)} units, "
        f"{built.usage.n_drivers} cost drivers, {len(built.prep.terms.table)} parameters "
        f"({len(design.names)} varied, {len(design.pairs)} correlations, "
        f"{cfg.psa.correlation_method}); chunks of {chunk:,}; start-up (build) {startup:.2f} s"
    )
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; best of {args.repeat}")
    api.run_psa(built, draws=chunk, seed=1)  # warm: first-use imports (scipy.stats …)
    for sampling in args.sampling:
        best = best_of(
            args.repeat,
            {
                "psa": lambda s=sampling: api.run_psa(built, draws=n, seed=1, sampling=s),
                "floor": lambda s=sampling: floor(design, s, n, chunk),
            },
        )
        (psa_wall, psa_cpu), (floor_wall, floor_cpu) = best["psa"], best["floor"]
        k = args.loop_draws
        loop_run = {"loop": lambda s=sampling, k=k: loop(built, design, s, k)}
        t_loop = best_of(1, loop_run)["loop"][0] * n / k
        target = ", target <= 1.5" if sampling in ("lhs", "sobol") else ""
        print(
            f"{sampling:>5} {n:,} draws: psa {psa_wall:.2f} s (CPU {psa_cpu:.2f} s), floor "
            f"{floor_wall:.2f} s (CPU {floor_cpu:.2f} s): psa/floor {psa_wall / floor_wall:.2f}x "
            f"wall{target}, {psa_cpu / floor_cpu:.2f}x CPU; per-draw loop {t_loop:.0f} s "
            f"extrapolated from {k} draws (loop/psa {t_loop / psa_wall:.0f}x)"
        )
    per_draw = 2 * (len(built.usage.sites) + 1) * 8
    for sampling in args.sampling:
        extra = []
        for draws in (n, n * args.memory_factor):
            peak = peak_memory(built, draws, sampling)
            kept = per_draw * draws
            extra.append(peak - kept)
            print(
                f"{sampling:>5} {draws:>10,} draws: peak {peak / 2**20:7.1f} MiB = per-draw "
                f"outputs {kept / 2**20:6.1f} MiB + {(peak - kept) / 2**20:5.1f} MiB"
            )
        print(
            f"{sampling:>5} beyond the outputs: {extra[1] / extra[0]:.2f}x at "
            f"{args.memory_factor}x the draws (bounded: about 1x)"
        )
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS {maxrss:.0f} MiB (includes Python, NumPy, SciPy, pandas)")


if __name__ == "__main__":
    main()
