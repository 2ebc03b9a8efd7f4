"""Resampling: chunked kernels for each scheme, and resamples paired with PSA draws.

M-50; the module docstring of the package says how it is fast.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from rapport_cost.arrays import FloatArray, IntArray
from rapport_cost.core.analyses.bootstrap.clusters import (
    _cluster_jackknife,
    _summarise,
    few_clusters_warnings,
    jackknife_acceleration,
    mean_acceleration,
)
from rapport_cost.core.analyses.bootstrap.common import (
    CHUNK_ELEMENTS,
    SCHEMES,
    SUMS_CHUNK_ELEMENTS,
    W_SHRINKAGE_ZERO,
    BootstrapReplicates,
    ClusterSummary,
    Residuals,
    Scheme,
    _as_values,
    _check_choice,
    _group_codes,
    _n_workers,
    _readonly,
)
from rapport_cost.core.analyses.bootstrap.sums import Buffers, plan_stratum, resample_sums
from rapport_cost.errors import ModelError, Problem

# ------------------------------------------------------------------ chunked engine

#: Draws per task: one random stream and one unit of work for a thread; fixed so that the
#: replicates do not depend on the number of workers.
_TASK_ELEMENTS = 1 << 22


def _map_chunks(
    kernel: Callable[[np.random.Generator, int, int], FloatArray],
    n_resamples: int,
    per_resample: int,
    chunk_elements: int,
    rng: np.random.Generator,
    workers: int | None,
) -> FloatArray:
    """Run ``kernel(generator, start, m)`` over chunks of resamples ``start:start + m``.

    Each kernel returns an array of shape (n_out, m); the result is (n_out, n_resamples).
    A chunk holds about ``chunk_elements`` draws (``per_resample`` per resample). Chunks are
    grouped into tasks of about :data:`_TASK_ELEMENTS` draws; task ``i`` always gets the
    ``i``-th child of one SeedSequence seeded from ``rng`` and runs its chunks in order, so
    the result does not depend on ``workers``.
    """
    if chunk_elements < 1:
        msg = f"The 'chunk_elements' parameter must be >= 1. Got {chunk_elements!r} instead."
        raise ValueError(msg)
    per = max(per_resample, 1)
    rows = max(1, min(n_resamples, chunk_elements // per))
    task_rows = max(rows, _TASK_ELEMENTS // per // rows * rows)
    starts = list(range(0, n_resamples, task_rows))
    root = np.random.SeedSequence([int(v) for v in rng.integers(0, 2**63, size=4)])
    bit_generator = type(rng.bit_generator)
    tasks = list(zip(root.spawn(len(starts)), starts, strict=True))

    def run(task: tuple[np.random.SeedSequence, int]) -> FloatArray:
        seed, first = task
        g = np.random.Generator(bit_generator(seed))
        stop = min(first + task_rows, n_resamples)
        parts = [kernel(g, s, min(rows, stop - s)) for s in range(first, stop, rows)]
        return np.concatenate(parts, axis=1)

    n_workers = _n_workers(workers, len(tasks))
    if n_workers == 1:
        done = [run(t) for t in tasks]
    else:
        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            done = list(pool.map(run, tasks))
    return np.concatenate(done, axis=1)


def _strata_kernel(
    strata: Sequence[FloatArray], studentize: bool
) -> Callable[[np.random.Generator, int, int], FloatArray]:
    """Resample within each stratum; rows: total, and Σ_s n_s·s*²_s if studentized.

    With a single stratum this is the ordinary bootstrap. Without studentizing, only the
    sums are needed and :func:`~.sums.resample_sums` draws them with fewer random bits.
    """
    plans = None if studentize else [plan_stratum(xs) for xs in strata]
    buffers = Buffers()

    def kernel(g: np.random.Generator, _start: int, m: int) -> FloatArray:
        out = np.zeros((2 if studentize else 1, m))
        if plans is not None:
            for plan in plans:
                out[0] += resample_sums(g, m, plan, buffers)
            return out
        for xs in strata:
            ns = xs.size
            v = np.take(xs, g.integers(0, ns, size=(m, ns)))
            s = v.sum(axis=1)
            out[0] += s
            if ns > 1:
                q = np.einsum("ij,ij->i", v, v)
                var = np.maximum(q - s * s / ns, 0.0) / (ns - 1)
                # s* = 0 exactly when every resampled value is the same (M-51).
                var[v.max(axis=1) == v.min(axis=1)] = 0.0
                out[1] += ns * var
        return out

    return kernel


def _cluster_kernel(
    dev: FloatArray, sizes: FloatArray, means: FloatArray, studentize: bool
) -> Callable[[np.random.Generator, int, int], FloatArray]:
    """Units with replacement; rows: Σ(T_k − θ̂n_k) and Σn_k over the draws, [se*²·N*²]."""
    k = sizes.size

    def kernel(g: np.random.Generator, _start: int, m: int) -> FloatArray:
        idx = g.integers(0, k, size=(m, k))
        u, nn = dev[idx], sizes[idx]
        num, den = u.sum(axis=1), nn.sum(axis=1)
        if not studentize:
            return np.stack([num, den])
        r = u - (num / den)[:, None] * nn
        ss = np.einsum("ij,ij->i", r, r) * k / (k - 1)
        mu = means[idx]
        ss[mu.max(axis=1) == mu.min(axis=1)] = 0.0
        return np.stack([num, den, ss])

    return kernel


def _two_stage_kernel(
    shrunk_dev: FloatArray,
    sizes: IntArray,
    residuals_by_unit: Sequence[FloatArray],
    pooled: FloatArray | None,
    studentize: bool,
) -> Callable[[np.random.Generator, int, int], FloatArray]:
    """M-50 step 7: units, then residuals; rows as in :func:`_cluster_kernel`."""
    k = sizes.size
    sizes_f = sizes.astype(np.float64)

    def kernel(g: np.random.Generator, _start: int, m: int) -> FloatArray:
        labels = g.integers(0, k, size=(m, k))
        res_sum = np.zeros((m, k))
        for unit in range(k):
            rows, cols = np.nonzero(labels == unit)
            if rows.size == 0:
                continue
            nu = int(sizes[unit])
            pool = residuals_by_unit[unit] if pooled is None else pooled
            draws = g.integers(0, pool.size, size=(rows.size, nu))
            res_sum[rows, cols] = np.take(pool, draws).sum(axis=1)
        nn = sizes_f[labels]
        # Unit totals of Y* minus θ̂·n: n_k(Ỹ_k − θ̂) + Σ e*.
        u = nn * shrunk_dev[labels] + res_sum
        num, den = u.sum(axis=1), nn.sum(axis=1)
        if not studentize:
            return np.stack([num, den])
        r = u - (num / den)[:, None] * nn
        ss = np.einsum("ij,ij->i", r, r) * k / (k - 1)
        mu = u / nn
        ss[mu.max(axis=1) == mu.min(axis=1)] = 0.0
        return np.stack([num, den, ss])

    return kernel


def bootstrap_replicates(
    values: npt.ArrayLike,
    groups: npt.ArrayLike | None = None,
    *,
    scheme: Scheme = "ordinary",
    n_resamples: int = 9999,
    rng: np.random.Generator,
    studentize: bool = False,
    residuals: Residuals = "same",
    workers: int | None = None,
    chunk_elements: int | None = None,
) -> BootstrapReplicates:
    """Resample the mean cost per woman ``n_resamples`` times (M-50).

    Parameters
    ----------
    values : array_like of shape (n,)
        Cost per woman, finite.
    groups : array_like of shape (n,), optional
        Unit (site) label per woman; required by the stratified, cluster and two-stage
        schemes, ignored by the ordinary one.
    scheme
        ``"ordinary"`` (M-50), ``"stratified"`` (M-50, statistic ΣY*/N with unit sizes fixed),
        ``"cluster"`` (M-50, ratio estimator) or ``"two-stage"`` (M-50 with shrinkage).
    n_resamples
        B; the default is 9,999 so that (B+1)α is an integer for α = 0.025.
    rng
        The random generator (M-3). One draw from it seeds the tasks' streams.
    studentize
        Also compute ``se*_b`` per resample for the studentized interval: ``s*_b/√n`` for the
        ordinary scheme, ``√(Σ_s n_s s*²_s)/N`` for the stratified one, and the linearised
        ratio-estimator SE ``√(K/(K−1)·Σ_j(T*_j − θ*_b n_j)²)/N*`` over the K drawn units for
        the cluster and two-stage schemes. ``se*_b = 0`` exactly when s* = 0.
    residuals
        Two-stage only: residuals from the drawn unit (``"same"``, M-50 default) or from all
        units (``"pooled"``, as in Penn's ``bootclust``).
    workers
        Threads over tasks of chunks; ``None`` uses every available CPU. The replicates are
        identical for any value.
    chunk_elements
        Random draws per chunk (resamples × draws per resample), bounding memory at about
        ``16 × chunk_elements`` bytes per worker; by default :data:`SUMS_CHUNK_ELEMENTS`
        for the ordinary and stratified schemes without ``studentize``, else
        :data:`CHUNK_ELEMENTS`. Changing it changes the random streams.

    Returns
    -------
    BootstrapReplicates
        θ̂, θ* of shape (n_resamples,), â (closed form for the ordinary and stratified
        schemes; delete-one-unit jackknife for the cluster and two-stage schemes), and
        ``se*`` of shape (n_resamples,) when ``studentize``.

    Raises
    ------
    ModelError
        Empty or non-finite values; no unit labels for a scheme that needs them; fewer than
        two units for the cluster or two-stage schemes; a two-stage bootstrap whose average
        unit size n0 is not above 1.
    """
    _check_choice("scheme", scheme, SCHEMES)
    _check_choice("residuals", residuals, get_args(Residuals))
    if n_resamples < 1:
        msg = f"The 'n_resamples' parameter must be >= 1. Got {n_resamples!r} instead."
        raise ValueError(msg)
    x = _as_values(values)
    n = x.size
    theta = float(x.mean())
    if scheme in ("ordinary", "stratified"):
        plan = _women_plan(x, theta, groups, scheme, studentize, chunk_elements)
    else:
        plan = _units_plan(x, theta, groups, scheme, studentize, residuals, chunk_elements)
    out = _map_chunks(plan.kernel, n_resamples, plan.per_resample, plan.chunk, rng, workers)
    if plan.ratio:
        reps = theta + out[0] / out[1]
        se_reps = np.sqrt(out[2]) / out[1] if studentize else None
    else:
        reps = theta + out[0] / n
        se_reps = np.sqrt(out[1]) / n if studentize else None
    return BootstrapReplicates(
        theta_hat=theta,
        replicates=_readonly(reps),
        acceleration=plan.acceleration,
        se_hat=plan.se_hat,
        se_replicates=None if se_reps is None else _readonly(se_reps),
        scheme=scheme,
        n=n,
        n_units=plan.n_units,
        warnings=plan.warnings,
        clusters=plan.clusters,
    )


@dataclass(frozen=True)
class _Plan:
    """How one scheme resamples, and what it knows before resampling.

    ``kernel`` draws chunks of resamples (:func:`_map_chunks`), ``per_resample`` random
    draws each, ``chunk`` draws per chunk. ``ratio``: the kernel's rows are ``Σ(T_k −
    θ̂n_k)``, ``Σn_k`` [and ``se*²·N*²``] of a ratio estimator (units drawn), else the
    total of the centred values [and ``Σ_s n_s s*²_s``] (women drawn, N fixed).
    """

    kernel: Callable[[np.random.Generator, int, int], FloatArray]
    per_resample: int
    chunk: int
    ratio: bool
    acceleration: float
    se_hat: float
    n_units: int
    warnings: tuple[str, ...] = ()
    clusters: ClusterSummary | None = None


def _women_plan(
    x: FloatArray,
    theta: float,
    groups: npt.ArrayLike | None,
    scheme: Scheme,
    studentize: bool,
    chunk_elements: int | None,
) -> _Plan:
    """The ordinary or stratified bootstrap of the mean ``theta`` of ``x`` (shape ``(n,)``).

    Women are drawn with replacement, within each unit of ``groups`` when stratified
    (M-50); the other arguments as in :func:`bootstrap_replicates`.
    """
    n = x.size
    xc = x - theta  # centred: better sums and sums of squares
    if scheme == "ordinary":
        strata = [xc]
        n_units = 1
    else:
        labels, codes = _group_codes(groups, n)
        strata = [xc[codes == s] for s in range(len(labels))]
        n_units = len(labels)
    if chunk_elements is None:
        chunk_elements = CHUNK_ELEMENTS if studentize else SUMS_CHUNK_ELEMENTS
    # s/√n (ordinary) or √(Σ n_s s_s²)/N (stratified), s with divisor n − 1.
    se_hat = math.sqrt(sum(xs.size * xs.var(ddof=1) for xs in strata if xs.size > 1)) / n
    return _Plan(
        kernel=_strata_kernel(strata, studentize),
        per_resample=n,
        chunk=chunk_elements,
        ratio=False,
        acceleration=mean_acceleration(x),
        se_hat=se_hat,
        n_units=n_units,
    )


def _units_plan(
    x: FloatArray,
    theta: float,
    groups: npt.ArrayLike | None,
    scheme: Scheme,
    studentize: bool,
    residuals: Residuals,
    chunk_elements: int | None,
) -> _Plan:
    """The cluster or two-stage bootstrap of the ratio estimate ``theta`` of ``x`` (``(n,)``).

    Units of ``groups`` are drawn with replacement, then (two-stage) residuals within them
    (M-50); the other arguments as in :func:`bootstrap_replicates`.
    """
    n = x.size
    labels, codes = _group_codes(groups, n)
    summary = _summarise(x, labels, codes)
    k = summary.n_units
    if k < 2:
        msg = f"the {scheme} bootstrap resamples units and needs at least 2. Got {k}."
        raise ModelError(msg, [Problem(msg, field="groups", code="too_few_units")])
    sizes_f = summary.sizes.astype(np.float64)
    dev = np.bincount(codes, weights=x, minlength=k) - theta * sizes_f  # T_k − θ̂ n_k
    se_hat = math.sqrt(k / (k - 1) * float(np.sum(dev**2))) / n
    acceleration = jackknife_acceleration(_cluster_jackknife(x, codes))
    warnings = list(few_clusters_warnings(k))
    if scheme == "cluster":
        kernel = _cluster_kernel(dev, sizes_f, summary.means, studentize)
        per_resample = k
    else:
        kernel = _two_stage_setup(x, codes, summary, theta, residuals, studentize, warnings)
        per_resample = n + k
    return _Plan(
        kernel=kernel,
        per_resample=per_resample,
        chunk=CHUNK_ELEMENTS if chunk_elements is None else chunk_elements,
        ratio=True,
        acceleration=acceleration,
        se_hat=se_hat,
        n_units=k,
        warnings=tuple(warnings),
        clusters=summary,
    )


def _two_stage_setup(
    x: FloatArray,
    codes: IntArray,
    summary: ClusterSummary,
    theta: float,
    residuals: Residuals,
    studentize: bool,
    warnings: list[str],
) -> Callable[[np.random.Generator, int, int], FloatArray]:
    """The kernel of the two-stage bootstrap: shrunk unit means, then residuals (M-50).

    ``x`` (shape ``(n,)``) and its unit ``codes`` give the shrunk deviations
    ``Ỹ_k − θ̂`` (shrinkage ``c = √c²``, 0 when ``c² ≤ 0``, with a warning appended to
    ``warnings``) and the residuals rescaled by ``1/√(1 − 1/n0)``.

    Raises
    ------
    ModelError
        If the average unit size n0 is not above 1.
    """
    if not summary.n0 > 1.0:
        msg = (
            "the two-stage bootstrap needs units of more than one woman on average "
            f"(Donner–Klar n0 > 1). Got n0 = {summary.n0}."
        )
        raise ModelError(msg, [Problem(msg, field="groups", code="units_too_small")])
    c2 = summary.shrinkage_c2
    c = math.sqrt(c2) if c2 > 0.0 else 0.0
    if not c2 > 0.0:
        warnings.append(
            f"{W_SHRINKAGE_ZERO}: the shrinkage factor c² = {c2:.4g} ≤ 0, so c = 0 and "
            "every unit mean is shrunk to the grand mean; the bootstrap variance then "
            "exceeds the ANOVA target (M-50)."
        )
    k = summary.n_units
    grand = float(summary.means.mean())
    shrunk_dev = grand + c * (summary.means - grand) - theta  # Ỹ_k − θ̂
    resid = (x - summary.means[codes]) / math.sqrt(1.0 - 1.0 / summary.n0)
    by_unit = [resid[codes == u] for u in range(k)]
    pooled = resid if residuals == "pooled" else None
    return _two_stage_kernel(shrunk_dev, summary.sizes, by_unit, pooled, studentize)


# ------------------------------------------------------------------- joint with PSA


def paired_resample_means(
    costs: npt.ArrayLike,
    groups: npt.ArrayLike | None = None,
    *,
    scheme: Literal["ordinary", "stratified"] = "ordinary",
    rng: np.random.Generator,
    workers: int | None = None,
    chunk_elements: int = CHUNK_ELEMENTS,
) -> FloatArray:
    """Mean cost per woman with one bootstrap resample per PSA draw (M-48 joint mode).

    Row ``d`` of ``costs`` holds every woman's cost under PSA draw ``d``; each row gets its
    own resample of women (ordinary, or within units for ``"stratified"``) and the result is
    the resample's mean of that row. Draw ``d`` and resample ``d`` are paired, so the spread
    of the result reflects both parameter and sampling uncertainty.

    Parameters
    ----------
    costs : array_like of shape (n_draws, n_women)
        Per-woman costs per PSA draw.
    groups : array_like of shape (n_women,), optional
        Unit labels, for ``scheme="stratified"``.
    scheme
        ``"ordinary"`` or ``"stratified"``.
    rng
        The random generator.
    workers
        Threads; ``None`` uses every available CPU. The result is the same for any value.
    chunk_elements
        Draws × women per chunk (memory bound); changing it changes the random streams.

    Returns
    -------
    ndarray of shape (n_draws,)
    """
    _check_choice("scheme", scheme, ("ordinary", "stratified"))
    c: FloatArray = np.asarray(costs, dtype=np.float64)
    if c.ndim != 2:
        msg = f"costs must be 2-D of shape (n_draws, n_women). Got shape {c.shape} instead."
        raise ValueError(msg)
    n_draws, n = int(c.shape[0]), int(c.shape[1])
    if n == 0:
        msg = "the bootstrap needs at least one woman's cost. Got none."
        raise ModelError(msg, [Problem(msg, field="costs", code="empty")])
    if n_draws == 0:
        return np.empty(0)
    if scheme == "ordinary":
        positions = [np.arange(n, dtype=np.intp)]
    else:
        labels, codes = _group_codes(groups, n)
        positions = [np.flatnonzero(codes == s) for s in range(len(labels))]

    def kernel(g: np.random.Generator, start: int, m: int) -> FloatArray:
        block = c[start : start + m]
        total: FloatArray = np.zeros(m)
        for pos in positions:
            cols = pos[g.integers(0, pos.size, size=(m, pos.size))]
            total += np.take_along_axis(block, cols, axis=1).sum(axis=1)
        return (total / n)[None, :]

    means: FloatArray = _map_chunks(kernel, n_draws, n, chunk_elements, rng, workers)[0]
    return means


#: Resamples per block of :func:`resample_counts`: fixed, so that the counts depend only on
#: the generator, never on memory or threads.
COUNT_BLOCK = 64


def resample_counts(
    groups: npt.ArrayLike | None,
    n: int,
    *,
    scheme: Literal["ordinary", "stratified", "cluster"] = "stratified",
    n_resamples: int,
    rng: np.random.Generator,
    block: int = COUNT_BLOCK,
) -> Iterator[tuple[int, npt.NDArray[np.int32]]]:
    """How often each woman is drawn in each resample, a block of resamples at a time.

    For analyses that refit a statistic in every resample (follow-up estimators with their
    censoring curve, subgroup cost models) rather than take a mean: a resample is a vector
    of multiplicities, usable as frequency weights. The schemes are those of
    :func:`bootstrap_replicates`: women with replacement (``ordinary``, M-50), within each
    unit with unit sizes fixed (``stratified``, M-50), or whole units with replacement
    (``cluster``, M-50; a resample then has a random number of women).

    Parameters
    ----------
    groups : array_like of shape (n,), optional
        Unit (site) of each woman; needed by ``stratified`` and ``cluster``.
    n
        Number of women.
    scheme, n_resamples, rng
        The scheme, the number of resamples B and the random generator.
    block
        Resamples per yielded block; changing it changes the random streams.

    Yields
    ------
    (start, counts)
        ``counts`` of shape ``(m, n)``, the multiplicities of resamples ``start`` to
        ``start + m - 1``; each row sums to n (``ordinary``, ``stratified``).
    """
    _check_choice("scheme", scheme, ("ordinary", "stratified", "cluster"))
    if n < 1:
        msg = "the bootstrap needs at least one woman. Got none."
        raise ModelError(msg, [Problem(msg, field="costs", code="empty")])
    if scheme == "ordinary":
        members = [np.arange(n, dtype=np.intp)]
    else:
        labels, codes = _group_codes(groups, n)
        members = [np.flatnonzero(codes == s) for s in range(len(labels))]
    root = np.random.SeedSequence([int(v) for v in rng.integers(0, 2**63, size=4)])
    bit_generator = type(rng.bit_generator)
    starts = range(0, n_resamples, block)
    for seed, start in zip(root.spawn(len(starts)), starts, strict=True):
        g = np.random.Generator(bit_generator(seed))
        m = min(block, n_resamples - start)
        if scheme == "cluster":
            offsets = (np.arange(m, dtype=np.intp) * n)[:, None]
            flat = np.zeros(m * n, dtype=np.int32)
            picks = g.integers(0, len(members), size=(m, len(members)))
            for u, pos in enumerate(members):
                times = (picks == u).sum(axis=1).astype(np.int32)  # draws of unit u, (m,)
                flat[(offsets + pos[None, :]).ravel()] += np.repeat(times, pos.size)
            yield start, flat.reshape(m, n)
            continue
        # every stratum's draws side by side, counted a resample at a time: one row's
        # counts (4 bytes a woman) stay in cache, a whole block's would not
        drawn = np.empty((m, n), dtype=np.intp)
        col = 0
        for pos in members:
            k = pos.size
            drawn[:, col : col + k] = pos[g.integers(0, k, size=(m, k), dtype=np.int32)]
            col += k
        counts = np.empty((m, n), dtype=np.int32)
        for r in range(m):  # a loop over the resamples of one block, each O(n) in numpy
            counts[r] = np.bincount(drawn[r], minlength=n)
        yield start, counts
