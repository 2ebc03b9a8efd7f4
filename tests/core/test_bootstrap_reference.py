"""Cluster and two-stage bootstraps against their exact distributions, by enumeration.

For a handful of units every resample can be listed with its probability, so the
bootstrap distribution is known exactly (the "ideal bootstrap"). The code's Monte Carlo
replicates must agree with it: their variance within a few Monte Carlo standard errors,
and the studentized interval's endpoints inside the band of exact quantiles that a
Monte Carlo quantile of B draws falls in. The reference code below is written from the
algorithms' definitions (M-50), not from the module under test.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import numpy as np
from scipy import stats

from rapport_cost.core.analyses.bootstrap import bootstrap_intervals, bootstrap_replicates

B = 40_000


def _exact_moments(atoms: list[tuple[float, float]]) -> tuple[float, float]:
    """Mean and variance of a discrete distribution given as (value, probability) atoms."""
    values = np.array([v for v, _ in atoms])
    probs = np.array([p for _, p in atoms])
    assert math.isclose(probs.sum(), 1.0, rel_tol=1e-12)
    mean = float(probs @ values)
    return mean, float(probs @ (values - mean) ** 2)


def _quantile(atoms: list[tuple[float, float]], p: float) -> float:
    """The exact p-quantile (left-continuous inverse CDF) of a discrete distribution."""
    order = sorted(atoms)
    cdf = np.cumsum([q for _, q in order])
    return order[int(np.searchsorted(cdf, p - 1e-15))][0]


def _variance_band(var: float) -> float:
    """Five Monte Carlo SEs of a sample variance of B draws (kurtosis bound 3 + 6: loose)."""
    return 5.0 * var * math.sqrt(8.0 / B)


# ------------------------------------------------------------------ cluster (B-5)

UNITS = [np.array([10.0, 0.0, 40.0]), np.array([5.0, 5.0]), np.array([90.0]), np.array([0.0] * 4)]


def _cluster_atoms() -> Iterator[tuple[float, float, float]]:
    """(θ*, t*, probability) of every ordered draw of K units with replacement.

    θ* is the ratio estimator Σ T / Σ n over the drawn units; t* = (θ* − θ̂) / se*, with
    se* = √(K/(K−1) Σ (T − θ* n)²) / Σ n, the linearised SE of a ratio of unit totals.
    """
    k = len(UNITS)
    totals = [float(u.sum()) for u in UNITS]
    sizes = [float(u.size) for u in UNITS]
    theta = sum(totals) / sum(sizes)
    for draw in itertools.product(range(k), repeat=k):
        t = np.array([totals[j] for j in draw])
        n = np.array([sizes[j] for j in draw])
        star = t.sum() / n.sum()
        se = math.sqrt(k / (k - 1) * float(np.sum((t - star * n) ** 2))) / n.sum()
        yield star, (star - theta) / se if se > 0 else math.nan, 1.0 / k**k


def test_cluster_bootstrap_matches_its_exact_distribution() -> None:
    values = np.concatenate(UNITS)
    groups = np.repeat(np.arange(len(UNITS)), [u.size for u in UNITS])
    atoms = [(star, p) for star, _, p in _cluster_atoms()]
    mean, var = _exact_moments(atoms)
    reps = bootstrap_replicates(
        values, groups, scheme="cluster", n_resamples=B, rng=np.random.default_rng(7)
    ).replicates
    # E*(θ*) of a ratio estimator is not θ̂; its exact value comes from the enumeration
    assert abs(reps.mean() - mean) <= 5.0 * math.sqrt(var / B)
    assert abs(reps.var(ddof=1) - var) <= _variance_band(var)


def test_cluster_studentized_interval_within_the_exact_quantile_band() -> None:
    values = np.concatenate(UNITS)
    groups = np.repeat(np.arange(len(UNITS)), [u.size for u in UNITS])
    theta = values.mean()
    k = len(UNITS)
    dev = np.array([u.sum() - theta * u.size for u in UNITS])
    se_hat = math.sqrt(k / (k - 1) * float(np.sum(dev**2))) / values.size
    # resamples with s* = 0 (one unit drawn K times) are dropped: condition on s* > 0
    kept = [(t, p) for _, t, p in _cluster_atoms() if not math.isnan(t)]
    mass = sum(p for _, p in kept)
    kept = [(t, p / mass) for t, p in kept]
    st = bootstrap_intervals(
        values,
        groups,
        scheme="cluster",
        methods=("studentized",),
        n_resamples=B,
        rng=np.random.default_rng(11),
    )["studentized"]
    # A Monte Carlo α-quantile of B draws lies, with probability > 0.99999, between the
    # exact (α ∓ 5·√(α(1−α)/B)) quantiles; the interval is θ̂ − t*_(1−α)·se, θ̂ − t*_(α)·se.
    for alpha, endpoint, sign in ((0.975, st.lower, 1.0), (0.025, st.upper, 1.0)):
        half = 5.0 * math.sqrt(alpha * (1 - alpha) / B)
        t_lo, t_hi = _quantile(kept, alpha - half), _quantile(kept, alpha + half)
        lo, hi = sorted((theta - sign * t_hi * se_hat, theta - sign * t_lo * se_hat))
        assert lo - 1e-9 <= endpoint <= hi + 1e-9, (alpha, endpoint, lo, hi)


# --------------------------------------------------------------- two-stage (B-6)

TWO = [np.array([0.0, 20.0, 70.0]), np.array([10.0, 30.0]), np.array([100.0, 60.0, 200.0])]


def _two_stage_atoms() -> list[tuple[float, float]]:
    """(θ*, probability) of every two-stage resample with the shrinkage correction.

    Written from the definition (Davison & Hinkley 1997 §3.8; Ng, Grieve & Carpenter 2013):
    unit means Ȳ_k, their grand mean; SS_B and SS_W; Donner–Klar n0; c² = K/(K−1) −
    SS_W/(n0(n0−1)SS_B); shrunk means Ỹ_k = grand + c(Ȳ_k − grand); residuals
    e = (Y − Ȳ_k)/√(1 − 1/n0). Stage 1 draws K unit labels, stage 2 draws n_k residuals of
    each drawn unit from that unit; Y* = Ỹ_k + e*; θ* = ΣY*/Σn.
    """
    k = len(TWO)
    sizes = [u.size for u in TWO]
    n_all = sum(sizes)
    means = [float(u.mean()) for u in TWO]
    grand = sum(means) / k
    ss_b = sum((m - grand) ** 2 for m in means)
    ss_w = sum(float(((u - m) ** 2).sum()) for u, m in zip(TWO, means, strict=True))
    n0 = (n_all - sum(s * s for s in sizes) / n_all) / (k - 1)
    c2 = k / (k - 1) - ss_w / (n0 * (n0 - 1) * ss_b)
    c = math.sqrt(max(c2, 0.0))
    shrunk = [grand + c * (m - grand) for m in means]
    resid = [(u - m) / math.sqrt(1 - 1 / n0) for u, m in zip(TWO, means, strict=True)]
    # For each drawn unit, the distribution of the sum of its n residuals drawn from itself
    sums = []
    for r in resid:
        combos = itertools.product(r.tolist(), repeat=r.size)
        sums.append([(float(sum(c)), r.size ** -float(r.size)) for c in combos])
    atoms = []
    for labels in itertools.product(range(k), repeat=k):
        n = sum(sizes[j] for j in labels)
        base = sum(sizes[j] * shrunk[j] for j in labels)
        for parts in itertools.product(*(sums[j] for j in labels)):
            total = base + sum(s for s, _ in parts)
            prob = math.prod(p for _, p in parts) / k**k
            atoms.append((total / n, prob))
    return atoms


def test_two_stage_bootstrap_matches_its_exact_distribution() -> None:
    values = np.concatenate(TWO)
    groups = np.repeat(np.arange(len(TWO)), [u.size for u in TWO])
    atoms = _two_stage_atoms()
    mean, var = _exact_moments(atoms)
    reps = bootstrap_replicates(
        values, groups, scheme="two-stage", n_resamples=B, rng=np.random.default_rng(3)
    ).replicates
    assert abs(reps.mean() - mean) <= 5.0 * math.sqrt(var / B)
    assert abs(reps.var(ddof=1) - var) <= _variance_band(var)
    # and the whole distribution: a two-sample KS test against a large exact sample
    rng = np.random.default_rng(5)
    exact = np.array([v for v, _ in atoms])
    probs = np.array([p for _, p in atoms])
    sample = rng.choice(exact, size=B, p=probs / probs.sum())
    assert stats.ks_2samp(reps, sample).pvalue > 1e-4
