"""Subgroup bootstrap at scale: batched refits against a loop of statsmodels fits.

Run: ``uv run python benchmarks/subgroups_scale.py [--women 20000] [--resamples 999]``

In one run, on the same synthetic women log (20,000 women in 6 units; costs from a two-part
process, 30% zeros, gamma costs with shape 1.2; subgroup ``ethnicity`` with 5 levels):

* **ours**: :func:`bootstrap_subgroups`: the two-part model (a logit and a gamma GLM)
  refitted in each of 999 stratified resamples, with the adjusted (recycled) and unadjusted
  mean of every group; batched IRLS over blocks of 64 resamples on the distinct rows of the
  design.
* **peer**: a plain Python loop over the same resamples (the same multiplicities from
  ``resample_counts``, used as ``freq_weights``) fitting both parts with statsmodels'
  ``GLM`` (its defaults) and computing the same recycled means with NumPy. It is run on
  the first ``--loop`` resamples (50 by default) and its time scaled to all of them.

Two designs, each adjusted for 6 covariates: **categorical** (site, age group, parity,
diagnosis, referral route, previous admission: 21 terms, a few thousand distinct rows) and
**numeric** (length of stay in days instead of the previous admission: every row
distinct, so no saving from the distinct rows, only from batching).

On the shared resamples the estimates must agree: the largest relative difference of the
coefficients and of the adjusted means is printed (target 1e-6). Times (wall clock and
CPU) are the best of ``--repeat`` runs, ours and the loop interleaved so that background
load hits both; both use one BLAS thread (set before NumPy loads; export
``OPENBLAS_NUM_THREADS`` to change it), because on a shared machine BLAS threads waiting
for a busy core make timings meaningless. Peak memory is what ``tracemalloc`` sees (NumPy
reports its buffers to it) during one more, untimed run of ours. Target: ours at least 5×
faster than the loop.
"""

# ruff: noqa: E402  (the BLAS thread count must be set before NumPy is imported)
from __future__ import annotations

import os
from typing import Any

# One BLAS thread for both tools, set before NumPy loads (export OPENBLAS_NUM_THREADS to
# change it): on a shared machine, BLAS threads that wait for a busy core distort timings.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
import pandas as pd
import scipy.special
import statsmodels
from statsmodels.genmod.generalized_linear_model import GLM

from rapport_cost.core.analyses.bootstrap import resample_counts
from rapport_cost.core.analyses.subgroups import (
    DistinctRows,
    ModelFit,
    bootstrap_subgroups,
    build_design,
    fit_model,
)
from rapport_cost.core.analyses.subgroups.bootstrap import part_stats, per_woman_values
from rapport_cost.core.analyses.subgroups.irls import fit_batch
from rapport_cost.core.analyses.subgroups.models import statsmodels_family

SEED = 20261204
COLUMNS = {
    "ethnicity": ["White", "Asian", "Black", "Mixed", "Other"],
    "age_group": ["<25", "25-29", "30-34", "35+"],
    "parity": ["0", "1", "2+"],
    "diagnosis": ["psychosis", "bipolar", "depression", "other"],
    "referral": ["maternity", "mental health", "other"],
    "previous": ["no", "yes"],
}


def make_data(n: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(SEED)
    women = pd.DataFrame({"site": rng.choice([f"MBU{k}" for k in range(1, 7)], n)})
    for column, levels in COLUMNS.items():
        p = np.linspace(2.0, 1.0, len(levels))
        women[column] = rng.choice(levels, n, p=p / p.sum())
    women["stay_days"] = np.round(rng.gamma(4.0, 12.0, n), 1)
    codes = np.column_stack([women[c].astype("category").cat.codes for c in women.columns[:7]])
    eta_any = 0.8 + 0.15 * (codes - 1).sum(axis=1) / 3
    eta_pos = 6.0 + 0.1 * codes.sum(axis=1) / 3 + 0.004 * women["stay_days"].to_numpy()
    positive = rng.random(n) < scipy.special.expit(eta_any)
    costs = np.where(positive, rng.gamma(1.2, np.exp(eta_pos) / 1.2), 0.0)
    return women, costs


def timed(run: Callable[[], object]) -> tuple[float, float, object]:
    """Wall-clock and CPU seconds of one call, and its result."""
    c0, t0 = time.process_time(), time.perf_counter()
    out = run()
    return time.perf_counter() - t0, time.process_time() - c0, out


def peer_loop(
    y: np.ndarray, x: np.ndarray, fit: ModelFit, blocks: np.ndarray, group_columns: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """statsmodels GLM per part per resample; the recycled means in NumPy."""
    positive = y > 0
    coefs, means = [], []
    base = x.copy()
    base[:, group_columns[group_columns >= 0]] = 0.0
    for counts in blocks:
        w = counts.astype(float)
        used = w > 0
        rows_any, rows_pos = used, used & positive
        any_ = GLM(
            positive[rows_any].astype(float),
            x[rows_any],
            family=statsmodels_family("logit"),
            freq_weights=w[rows_any],
        ).fit()
        pos = GLM(
            y[rows_pos], x[rows_pos], family=statsmodels_family("gamma"), freq_weights=w[rows_pos]
        ).fit()
        a, b = any_.params, pos.params
        row = []
        for c in group_columns:
            shift_a = a[c] if c >= 0 else 0.0
            shift_b = b[c] if c >= 0 else 0.0
            value = scipy.special.expit(base @ a + shift_a) * np.exp(base @ b + shift_b)
            row.append(np.sum(w * value) / w.sum())
        coefs.append(np.concatenate([a, b]))
        means.append(row)
    return np.array(coefs), np.array(means)


def run_design(
    name: str, women: pd.DataFrame, y: np.ndarray, adjust: list[str], args: argparse.Namespace
) -> float:
    design = build_design(women, by="ethnicity", adjust=adjust)
    fit = fit_model(y, design.x, "twopart", terms=design.terms)
    strata = women["site"].to_numpy()
    rows = DistinctRows.of(design.x).n_rows

    def ours() -> object:
        return bootstrap_subgroups(
            y,
            design.x,
            design.group.codes,
            design.group_columns,
            fit,
            strata=strata,
            n_resamples=args.resamples,
            rng=np.random.default_rng(SEED + 1),
        )

    loop = min(args.loop, args.resamples)
    counts = first_resamples(strata, y.size, args.resamples, loop)

    def peer() -> object:
        return peer_loop(y, design.x, fit, counts, design.group_columns)

    wall = {"ours": float("inf"), "peer": float("inf")}
    cpu = dict(wall)
    for _ in range(args.repeat):  # interleaved, so that background load hits both alike
        for tool, run in (("ours", ours), ("peer", peer)):
            w, c, result = timed(run)
            wall[tool], cpu[tool] = min(wall[tool], w), min(cpu[tool], c)
            if tool == "ours":
                reps = result
            else:
                out = result
    tracemalloc.start()
    ours()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    peer_coefs: Any
    peer_means: Any
    peer_coefs, peer_means = out
    ours_means = reps.adjusted[:loop]  # type: ignore[attr-defined]
    # Our coefficients on the same resamples: refit the first block through the same path.
    rel_means = np.max(np.abs(ours_means - peer_means) / np.abs(peer_means))
    rel_coefs = coefficient_agreement(y, design, fit, counts, peer_coefs)
    scale = args.resamples / loop
    ratio = wall["peer"] * scale / wall["ours"]
    ratio_cpu = cpu["peer"] * scale / cpu["ours"]
    print(
        f"{name}: p = {design.x.shape[1]} terms, {rows:,} distinct rows of {y.size:,}\n"
        f"  ours:             {wall['ours']:8.2f} s wall, {cpu['ours']:8.2f} s CPU for "
        f"{args.resamples} resamples; peak {peak:.1f} MiB\n"
        f"  statsmodels loop: {wall['peer']:8.2f} s wall, {cpu['peer']:8.2f} s CPU for {loop}"
        f" -> {wall['peer'] * scale:.1f} s wall, {cpu['peer'] * scale:.1f} s CPU for "
        f"{args.resamples} (scaled)\n"
        f"  ratio peer/ours:  {ratio:.1f}× wall, {ratio_cpu:.1f}× CPU\n"
        f"  max relative difference on the {loop} shared resamples: adjusted means "
        f"{rel_means:.1e}, coefficients {rel_coefs:.1e}"
    )
    ok = rel_means < 1e-6 and rel_coefs < 1e-6
    print(
        f"  same estimates (1e-6): {'yes' if ok else 'NO'}; ≥ 5× faster: "
        f"{'met' if ratio >= 5 else 'NOT met'}"
    )
    return ratio


def first_resamples(strata: np.ndarray, n: int, n_resamples: int, k: int) -> np.ndarray:
    """The multiplicities of the first k of the n_resamples resamples ours used."""
    blocks = []
    for start, counts in resample_counts(
        strata, n, n_resamples=n_resamples, rng=np.random.default_rng(SEED + 1)
    ):
        blocks.append(counts)
        if start + counts.shape[0] >= k:
            break
    return np.concatenate(blocks)[:k]


def coefficient_agreement(
    y: np.ndarray, design: object, fit: ModelFit, counts: np.ndarray, peer: np.ndarray
) -> float:
    """Largest relative difference of the batched coefficients from statsmodels'."""
    x = design.x  # type: ignore[attr-defined]
    rows = DistinctRows.of(x)
    names, values = per_woman_values(y, "twopart")
    sums = dict(zip(names, rows.sums(counts.astype(float), values), strict=True))
    ours = np.concatenate(
        [
            fit_batch(p.family, rows, part_stats("twopart", p.part, sums), p.coef).coef
            for p in fit.parts
        ],
        axis=1,
    )
    return float(np.max(np.abs(ours - peer) / np.maximum(np.abs(peer), 1e-12)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--women", type=int, default=20_000)
    parser.add_argument("--resamples", type=int, default=999)
    parser.add_argument("--loop", type=int, default=50, help="resamples the peer loop runs")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()

    women, y = make_data(args.women)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"n = {args.women:,} women in 6 units, {np.mean(y == 0):.0%} zero cost, mean "
        f"£{y.mean():.2f}; twopart model, {args.resamples} stratified resamples; numpy "
        f"{np.__version__}, statsmodels {statsmodels.__version__}, {cpus} CPUs, load "
        f"{os.getloadavg()[0]:.2f}"
    )
    loop = min(args.loop, args.resamples)
    if loop < args.resamples:
        print(
            f"The statsmodels loop runs on the first {loop} resamples and its time is scaled "
            f"to all {args.resamples} (the full loop takes minutes; --loop {args.resamples} "
            "runs it)."
        )
    else:
        print(f"The statsmodels loop runs on all {args.resamples} resamples (not scaled).")
    categorical = ["age_group", "parity", "diagnosis", "referral", "previous"]
    numeric = ["age_group", "parity", "diagnosis", "referral", "stay_days"]
    ratios = [
        run_design("categorical", women, y, categorical, args),
        run_design("numeric", women, y, numeric, args),
    ]
    print(f"ratio statsmodels loop / ours: {min(ratios):.1f}× (the smaller of the two designs)")


if __name__ == "__main__":
    main()
