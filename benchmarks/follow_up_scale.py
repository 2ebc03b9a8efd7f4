"""Benchmark: the follow-up estimators on 100,000 women and 2,000,000 cost lines.

Run with ``uv run python benchmarks/follow_up_scale.py [--women N] [--lines L] [--resamples B]
[--rounds R]`` (``--small`` runs a tiny size, for the smoke test). In one run it generates,
with a fixed seed, a cohort with staggered entry (uniform over 4 years), an administrative
cut-off at 6 years, withdrawals (exponential, median 10 years) and deaths (exponential,
median 8 years), and contacts as a Poisson process in days over each woman's follow-up
(about L lines in all, each a cost drawn from a gamma distribution). The horizon is 5 years
with monthly intervals (60). Then, best of R rounds each (interleaved):

* (a) the peer: a hand-written pandas Bang–Tsiatis partitioned estimator as an analyst would
  script it (:func:`pandas_btp`: the censoring Kaplan–Meier with a groupby, the lines cut
  and summed by woman × interval with a groupby, merged with the women and with K̂(t−) by
  an as-of merge, summed); against rapport-cost from the same lines: the layout of the lines
  and every estimator (AD, CC, BT, BTP, ZT, LIN), the curve and the analytic SEs. Both give
  BTP; they must agree to 1e-9 (relative). Target: rapport-cost at least 5× faster.
* (b) 999 bootstrap resamples (stratified by 8 units), Ŝ and K̂ refitted in each, every
  estimator and the curve, against one estimate as in (a). Target: at most 10× its time.
  The time of :func:`~rapport_cost.core.analyses.bootstrap.resample_counts` alone (the
  project's resampling, which the bootstrap uses) is printed too.

Wall-clock and CPU time are both printed: on a shared machine the CPU time is the steadier.

Peak memory: tracemalloc (NumPy reports its buffers to it) in separate, untimed runs of each
step, and the process's peak RSS at the end.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from rapport_cost.core.analyses.bootstrap import resample_counts
from rapport_cost.core.analyses.follow_up.bootstrap import bootstrap_follow_up
from rapport_cost.core.analyses.follow_up.estimators import estimate
from rapport_cost.core.analyses.follow_up.layout import lay_out
from rapport_cost.core.analyses.follow_up.observation import (
    MONTH_DAYS,
    YEAR_DAYS,
    make_intervals,
    observe,
)

SEED = 20261204
HORIZON = 5 * YEAR_DAYS
N_UNITS = 8


def make_cohort(n: int, n_lines: int) -> dict[str, np.ndarray]:
    """Synthetic women and contacts (module docstring); times in whole days."""
    rng = np.random.default_rng(SEED)
    entry = rng.integers(0, int(4 * YEAR_DAYS), n)
    withdrawal = np.floor(rng.exponential(10 * YEAR_DAYS / math.log(2), n))
    censoring = np.minimum(int(6 * YEAR_DAYS) - entry, withdrawal)
    death = np.floor(rng.exponential(8 * YEAR_DAYS / math.log(2), n))
    x = np.minimum(death, censoring)
    rate = n_lines / float(np.sum(x + 1))
    per_woman = rng.poisson(rate * (x + 1))
    woman = np.repeat(np.arange(n), per_woman)
    u = np.minimum(np.floor(rng.random(woman.size) * (x[woman] + 1)), x[woman])
    order = np.lexsort((u, woman))  # as a log would be sorted: by woman, then date
    return {
        "censoring": censoring.astype(np.float64),
        "death": death.astype(np.float64),
        "unit": rng.integers(0, N_UNITS, n),
        "woman": woman[order],
        "u": u[order],
        "cost": rng.gamma(2.0, 40.0, woman.size),
    }


def pandas_btp(women: pd.DataFrame, lines: pd.DataFrame, tau: float, h: float) -> float:
    """Bang–Tsiatis partitioned, as an analyst would script it in pandas (M-69).

    ``women``: columns ``woman``, ``C``, ``T``; ``lines``: ``woman``, ``u``, ``cost``.
    """
    w = women.copy()
    w["X"] = np.minimum(w["T"], w["C"])
    w["died"] = w["T"] <= w["C"]
    # Censoring Kaplan–Meier: at risk X >= t, censorings (not died, X < tau) at t.
    at_risk = w.groupby("X").size().sort_index(ascending=False).cumsum().rename("Y")
    cens = w[~w["died"] & (w["X"] < tau)].groupby("X").size().rename("c")
    km = pd.concat([at_risk, cens], axis=1).fillna(0.0).sort_index()
    km["K"] = (1.0 - km["c"] / km["Y"]).cumprod()
    km = km.reset_index().rename(columns={"X": "time"})[["time", "K"]]
    # Lines within each woman's follow-up and the horizon, by woman and interval.
    li = lines.merge(w[["woman", "X"]], on="woman")
    li = li[li["u"] <= np.minimum(li["X"], tau)]
    li["j"] = np.maximum(1, np.ceil(li["u"] / h)).astype(int)
    m = li.groupby(["woman", "j"], as_index=False)["cost"].sum()
    m = m.merge(w, on="woman")
    m["t_j"] = np.minimum(m["j"] * h, tau)
    m["e"] = np.minimum(m["T"], m["t_j"])
    m = m[m["C"] >= m["e"]]  # Δ_ij = 1
    # K̂(e−): the last K̂ at a time strictly before e (1 before the first).
    m = pd.merge_asof(
        m.sort_values("e"), km, left_on="e", right_on="time", allow_exact_matches=False
    )
    m["K"] = m["K"].fillna(1.0)
    return float((m["cost"] / m["K"]).sum() / len(w))


def ours(data: dict[str, np.ndarray], *, se: bool = True) -> Any:
    """Layout of the lines and every estimator (and the analytic SEs if ``se``)."""
    obs = observe(data["censoring"], data["death"], HORIZON)
    iv = make_intervals(HORIZON, MONTH_DAYS)
    layout = lay_out(obs, iv, data["woman"], data["u"], data["u"])
    return layout, estimate(layout, data["cost"], se=se)


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


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--women", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--resamples", type=int, default=999)
    parser.add_argument("--rounds", type=int, default=3, help="best of this many runs")
    parser.add_argument("--small", action="store_true", help="a tiny run (smoke test)")
    args = parser.parse_args()
    if args.small:
        args.women, args.lines, args.resamples, args.rounds = 300, 6000, 19, 1
    data = make_cohort(args.women, args.lines)
    women = pd.DataFrame({"woman": np.arange(args.women), "C": data["censoring"]})
    women["T"] = data["death"]
    lines = pd.DataFrame({"woman": data["woman"], "u": data["u"], "cost": data["cost"]})
    x = np.minimum(data["censoring"], data["death"])
    print(
        f"{args.women:,} women, {data['woman'].size:,} cost lines, horizon {HORIZON:g} days in "
        f"{make_intervals(HORIZON, MONTH_DAYS).n} monthly intervals; "
        f"{np.mean(data['death'] <= np.minimum(data['censoring'], HORIZON)):.0%} die within "
        f"it, {np.mean(x < np.minimum(data['death'], HORIZON)):.0%} are censored before it; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    rng = np.random.default_rng

    def boot() -> Any:
        layout, _ = ours(data, se=False)
        return bootstrap_follow_up(
            layout, data["cost"], data["unit"], n_resamples=args.resamples, rng=rng(SEED)
        )

    def counts_only() -> None:
        blocks = resample_counts(
            data["unit"], args.women, scheme="stratified", n_resamples=args.resamples, rng=rng(SEED)
        )
        for _ in blocks:
            pass

    runs: dict[str, Callable[[], Any]] = {
        "pandas BTP [peer]": lambda: pandas_btp(women, lines, HORIZON, MONTH_DAYS),
        "rapport-cost, every estimator": lambda: ours(data, se=False),
        "rapport-cost, every estimator and SEs": lambda: ours(data),
        f"bootstrap_follow_up, B = {args.resamples}": boot,
        "  of which resample_counts alone": counts_only,
    }
    ours(data)  # warm-up: imports and first calls
    wall = dict.fromkeys(runs, math.inf)
    cpu = dict.fromkeys(runs, math.inf)
    out: dict[str, Any] = {}
    for _ in range(args.rounds):  # interleaved, so that load hits every run alike
        for name, f in runs.items():
            w, c, out[name] = timed(f)
            wall[name], cpu[name] = min(wall[name], w), min(cpu[name], c)
    report(runs, wall, cpu, out, args.rounds, args.resamples)


def report(
    runs: dict[str, Callable[[], Any]],
    wall: dict[str, float],
    cpu: dict[str, float],
    out: dict[str, Any],
    rounds: int,
    resamples: int,
) -> None:
    """Print the times, the ratios against their targets, the estimates and peak memory."""
    print(f"\nbest of {rounds} rounds      {'wall s':>44} {'CPU s':>8}")
    for name in runs:
        print(f"  {name:52} {wall[name]:8.3f} {cpu[name]:8.3f}")
    peer = out["pandas BTP [peer]"]
    _, result = out["rapport-cost, every estimator and SEs"]
    btp = result.estimates["BTP"]
    rel = abs(btp - peer) / abs(peer)
    print(f"\n(a) BTP: pandas {peer:.9f}, rapport-cost {btp:.9f}; relative difference {rel:.1e}")
    print(f"    same to 1e-9: {verdict(rel <= 1e-9)}")
    est, est_se = "rapport-cost, every estimator", "rapport-cost, every estimator and SEs"
    for label, key in (("every estimator", est), ("with the analytic SEs", est_se)):
        r_w, r_c = wall["pandas BTP [peer]"] / wall[key], cpu["pandas BTP [peer]"] / cpu[key]
        print(
            f"    pandas / rapport-cost, {label}: {r_w:.1f}× wall, {r_c:.1f}× CPU "
            f"(target ≥ 5×: {verdict(r_w >= 5)} wall, {verdict(r_c >= 5)} CPU)"
        )
    b_key = f"bootstrap_follow_up, B = {resamples}"
    r_w, r_c = wall[b_key] / wall[est], cpu[b_key] / cpu[est]
    print(
        f"(b) bootstrap / one estimate: {r_w:.1f}× wall, {r_c:.1f}× CPU "
        f"(target ≤ 10×: {verdict(r_w <= 10)} wall, {verdict(r_c <= 10)} CPU)"
    )
    b = out[b_key]
    for name, se in zip(b.estimators, b.se, strict=True):
        print(
            f"    {name:>3}: {result.estimates[name]:10.2f}  bootstrap SE {se:7.3f}  "
            f"analytic SE {result.se[name]:7.3f}"
        )
    print("\npeak memory (tracemalloc, separate untimed runs):")
    for name in list(runs)[:4]:
        print(f"  {name:52} {peak_mib(runs[name]):8.1f} MiB")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the process: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
