"""PSA at scale: ``rapport-cost psa`` on the bundled example against the floor and a loop.

Run: ``uv run python benchmarks/psa_scale.py [--draws 1000000] [--sampling mc lhs]``

In one run, for each sampling design:

* **psa**: ``api.run_psa`` on the bundled example (``configs/rapport.yaml``: 12 varied
  parameters, two correlations induced by Iman–Conover, 300 women in 3 units), timed beyond
  start-up: the model (config, logs, usage matrix) is built once beforehand and the time
  covers drawing, pricing, aggregating and every summary (quantiles, batch-means MCSE,
  convergence).
* **floor** (DESIGN §6): drawing the same parameters with the same sampler, chunk by chunk,
  plus one matrix product per chunk, in NumPy, with nothing kept.
* **loop**: a per-draw Python loop over the deterministic estimate path (the engine on a
  one-row Θ), timed on a few hundred draws and extrapolated.

Times are the best of ``--repeat`` runs (the machine may be shared). Then the peak memory
that ``tracemalloc`` sees (NumPy reports its buffers to it) while ``run_psa`` runs, at two
draw counts: the PSA keeps the per-draw outputs it summarises (2 quantities × (3 units + all)
× 8 bytes = 64 bytes a draw) and one chunk of work; the rest must not grow with the draws.
Targets (DESIGN §6): psa within 2× of the floor; memory bounded by the chunk size.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from rapport_cost import api
from rapport_cost.core.analyses import psa as core
from rapport_cost.core.engine import costs
from rapport_cost.core.params.sampling import ParameterSampler


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def sampler(built: api.Built, design: core.PsaDesign, sampling: str, n: int) -> ParameterSampler:
    root = np.random.SeedSequence(1).spawn(3)
    return core.make_sampler(
        design,
        sampling=sampling,
        correlation_method=built.config.psa.correlation_method,
        rng=np.random.default_rng(root[0]),
        score_rng=np.random.default_rng(root[2]),
        n_draws=n,
    )


def floor(built: api.Built, design: core.PsaDesign, sampling: str, n: int, chunk: int) -> None:
    """Draw the parameters with the PSA's sampler and do one matrix product per chunk."""
    s = sampler(built, design, sampling, n)
    weights = np.random.default_rng(0).random((len(design.names), 8))
    for size in core.chunk_sizes(n, chunk):
        s.draw(size) @ weights


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
    parser.add_argument("--sampling", nargs="+", default=["mc", "lhs"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--loop-draws", type=int, default=300)
    args = parser.parse_args()
    n = args.draws

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
    for sampling in args.sampling:
        t_psa = best_of(
            args.repeat, lambda s=sampling: api.run_psa(built, draws=n, seed=1, sampling=s)
        )
        t_floor = best_of(args.repeat, lambda s=sampling: floor(built, design, s, n, chunk))
        k = args.loop_draws
        t_loop = best_of(1, lambda s=sampling, k=k: loop(built, design, s, k)) * n / k
        print(
            f"{sampling:>5} {n:,} draws: psa {t_psa:.2f} s, floor {t_floor:.2f} s "
            f"(psa/floor {t_psa / t_floor:.2f}x, target <= 2), per-draw loop {t_loop:.0f} s "
            f"extrapolated from {k} draws (loop/psa {t_loop / t_psa:.0f}x)"
        )
    per_draw = 2 * (len(built.usage.sites) + 1) * 8
    for sampling in args.sampling:
        for draws in (n // 10, n):
            peak = peak_memory(built, draws, sampling)
            kept = per_draw * draws
            print(
                f"{sampling:>5} {draws:>9,} draws: peak {peak / 2**20:7.1f} MiB = per-draw "
                f"outputs {kept / 2**20:5.1f} MiB + {(peak - kept) / 2**20:5.1f} MiB"
            )
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS {maxrss:.0f} MiB (includes Python, NumPy, SciPy, pandas)")


if __name__ == "__main__":
    main()
