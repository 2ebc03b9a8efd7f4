"""Bootstrap at scale: rapport-cost against scipy.stats.bootstrap (README, Development).

The same data in one run: 20,000 women with skewed costs (35% zeros, the rest gamma with
shape 0.8), in three units. Both tools compute the BCa 95% interval of the mean with 9,999
resamples, timed beyond start-up (imports and a warm-up call first); best of 3 runs each,
runs interleaved so background load hits both alike. Wall clock is the target; CPU time
(``time.process_time``, all threads) is printed too because it is less disturbed by other
processes on a shared machine. Peak memory is measured with tracemalloc in a separate,
untimed run (numpy reports its buffers to tracemalloc). The target is rapport-cost at least
15× faster on the wall clock.

scipy's settings: ``vectorized=True`` with ``np.mean`` and the ``batch`` that is fastest
among a few candidates, tried once each on this machine before timing (``batch=None`` builds
the whole 20,000 × 19,999 jackknife at once and is ~10× slower).

Run: ``uv run python benchmarks/bootstrap_scale.py [--repeats 3] [--women 20000]
[--resamples 9999]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy
from scipy import stats

from rapport_cost.core.analyses.bootstrap import Scheme, bootstrap_ci

LEVEL = 0.95
SEED = 20261127
BATCH_CANDIDATES = (50, 100, 200, 500)


def make_data(n_women: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    units = rng.choice(3, size=n_women, p=[0.5, 0.3, 0.2])
    scale = np.array([400.0, 650.0, 900.0])[units]  # units differ in cost level
    costs = rng.gamma(shape=0.8, scale=scale) * (rng.random(n_women) >= 0.35)
    return costs, units


def ours(
    x: np.ndarray, groups: np.ndarray | None, scheme: Scheme, workers: int | None, b: int
) -> Any:
    return bootstrap_ci(
        x,
        groups,
        scheme=scheme,
        method="bca",
        level=LEVEL,
        n_resamples=b,
        rng=np.random.default_rng(SEED + 1),
        workers=workers,
    )


def theirs(x: np.ndarray, batch: int | None, b: int) -> Any:
    return stats.bootstrap(
        (x,),
        np.mean,
        n_resamples=b,
        confidence_level=LEVEL,
        method="BCa",
        vectorized=True,
        batch=batch,
        rng=np.random.default_rng(SEED + 1),
    )


def timed(f: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall-clock and CPU seconds (all threads of this process) of one call."""
    c0, t0 = time.process_time(), time.perf_counter()
    out = f()
    return time.perf_counter() - t0, time.process_time() - c0, out


def peak_mib(f: Callable[[], Any]) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    f()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    parser.add_argument("--women", type=int, default=20_000)
    parser.add_argument("--resamples", type=int, default=9_999)
    args = parser.parse_args()
    b = args.resamples

    x, units = make_data(args.women)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"n = {x.size:,} women ({np.mean(x == 0):.0%} zero cost, mean £{x.mean():.2f}, "
        f"skewness {stats.skew(x):.2f}), 3 units {np.bincount(units).tolist()}, "
        f"B = {b:,}, BCa {LEVEL:.0%}"
    )
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__},"
        f" {cpus} CPUs, load average {os.getloadavg()[0]:.2f} (other processes slow both tools)"
    )

    # Warm up both (imports, first-call costs), then pick scipy's fastest batch.
    ours(x[:2000], None, "ordinary", None, b)
    theirs(x[:2000], 100, b)
    batch_times = {k: timed(lambda k=k: theirs(x, k, b))[1] for k in BATCH_CANDIDATES}
    batch = min(batch_times, key=lambda k: batch_times[k])
    print(
        "scipy batch trial (CPU s): "
        + ", ".join(f"{k}: {t:.2f}" for k, t in batch_times.items())
        + f" -> batch={batch}"
    )

    runs: dict[str, Callable[[], Any]] = {
        "rapport-cost ordinary (all CPUs)": lambda: ours(x, None, "ordinary", None, b),
        "rapport-cost ordinary (1 thread)": lambda: ours(x, None, "ordinary", 1, b),
        "rapport-cost stratified (all CPUs)": lambda: ours(x, units, "stratified", None, b),
        f"scipy.stats.bootstrap (batch={batch})": lambda: theirs(x, batch, b),
    }
    best = dict.fromkeys(runs, float("inf"))
    best_cpu = dict.fromkeys(runs, float("inf"))
    result: dict[str, Any] = {}
    for _ in range(args.repeats):
        for name, f in runs.items():
            wall, cpu, result[name] = timed(f)
            best[name] = min(best[name], wall)
            best_cpu[name] = min(best_cpu[name], cpu)

    peaks = {name: peak_mib(f) for name, f in runs.items()}
    print()
    print(f"{'':38} {'wall s':>7} {'CPU s':>7} {'peak MiB':>9}   95% interval")
    for name in runs:
        r = result[name]
        if hasattr(r, "confidence_interval"):
            lo, hi = r.confidence_interval.low, r.confidence_interval.high
        else:
            lo, hi = r.lower, r.upper
        print(
            f"{name:38} {best[name]:7.3f} {best_cpu[name]:7.3f} {peaks[name]:9.1f}"
            f"   ({lo:.4f}, {hi:.4f})"
        )

    scipy_name = f"scipy.stats.bootstrap (batch={batch})"
    ratio = best[scipy_name] / best["rapport-cost ordinary (all CPUs)"]
    ratio_1 = best[scipy_name] / best["rapport-cost ordinary (1 thread)"]
    ratio_cpu = best_cpu[scipy_name] / best_cpu["rapport-cost ordinary (1 thread)"]
    print()
    print(
        f"speed-up, ordinary BCa vs scipy, wall clock: {ratio:.1f}× (all CPUs), "
        f"{ratio_1:.1f}× (1 thread); CPU time, 1 thread: {ratio_cpu:.1f}×"
    )
    print(
        f"target ≥ 15× (wall clock, all CPUs): {'met' if ratio >= 15 else 'NOT met'}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    r = result["rapport-cost ordinary (all CPUs)"]
    print(f"θ̂ = {r.mean:.4f}, se = {r.se:.4f}, ẑ0 = {r.z0:.4f}, â = {r.acceleration:.6f}")


if __name__ == "__main__":
    main()
