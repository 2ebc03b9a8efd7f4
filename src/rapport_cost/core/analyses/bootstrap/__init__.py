"""Bootstrap of the mean cost per woman (M-49 to M-53).

Modules: :mod:`.common` (schemes, codes, results), :mod:`.quantiles`, :mod:`.clusters`
(jackknife and units), :mod:`.sums` (the resample sums of a stratum), :mod:`.resampling`
(the kernels) and :mod:`.intervals`; their public names are re-exported here.

Pure numerics on arrays: no file access, no printing, and randomness only through a
``numpy.random.Generator`` passed as ``rng`` (M-3).

The statistic is the arithmetic mean cost per woman (M-49). Four resampling schemes:

* ``"ordinary"``: women with replacement (M-50);
* ``"stratified"``: women with replacement within each unit, unit sizes fixed (M-50);
* ``"cluster"``: units with replacement, ratio estimator (M-50);
* ``"two-stage"``: units, then residuals, with the shrinkage correction (M-50).

Five intervals (M-51): ``"normal"``, ``"percentile"``, ``"basic"``, ``"studentized"`` and
``"bca"`` (the default). Quantiles of the replicates follow the Davison–Hinkley convention
(M-4): the α-quantile is the ((B+1)α)-th order statistic, interpolated on the normal-quantile
scale when that rank is not an integer (R ``boot``'s ``norm.inter``).

Speed. A resampled mean is a sum of ``n`` values picked by uniform indices; no Python loop
runs per resample. For the interval methods other than the studentized one only the sums
are needed, and :mod:`.sums` draws them with few random bits: the most frequent value
(typically zero cost) and power-of-two blocks of the other women each get a multinomial
count per resample, and a draw in a block of ``2^b`` women is the low ``b`` bits of a
16-bit word (four per 64-bit output of the generator, no rejection step); this is exact,
the same distribution as ``n`` draws with replacement. (Drawing multinomial counts per
woman and multiplying by the values was ~10× slower at n = 20,000: numpy draws the counts
as ``n`` binomials per resample.) The studentized interval also needs each resample's sum
of squares: its resamples are one ``Generator.integers`` call, one ``numpy.take`` and two
row sums per chunk. Memory is bounded by ``chunk_elements``, not by ``n_resamples``. Chunks
are grouped in tasks of fixed size, each with its own random stream spawned from one
``SeedSequence`` seeded by ``rng``; tasks may run on several threads and the replicates
are identical for any number of ``workers``. The jackknife acceleration of a mean has a
closed form (M-51), so BCa costs nothing beyond the resamples.

Undefined intervals. An interval that cannot be computed has NaN endpoints and a
``reason`` code (:data:`REASONS`). :func:`bootstrap_ci` raises
:class:`~rapport_cost.errors.ModelError` on it unless ``fallback=True``, in which case it
returns the percentile interval with a warning text. Warnings are texts in the result, each
starting with its code (e.g. ``W-FEW-CLUSTERS: ...``); nothing is printed.
"""

from __future__ import annotations

from rapport_cost.core.analyses.bootstrap.clusters import (
    cluster_diagnostics,
    cluster_jackknife,
    few_clusters_warnings,
    ideal_bootstrap_se,
    jackknife_acceleration,
    jackknife_values,
    mean_acceleration,
    recommended_schemes,
    summarise_clusters,
    t_interval_unit_means,
)
from rapport_cost.core.analyses.bootstrap.common import (
    ACCELERATION_UNDEFINED,
    CHUNK_ELEMENTS,
    DENOMINATOR_NONPOSITIVE,
    METHODS,
    NO_STUDENT_VARIANCE,
    REASONS,
    SCHEMES,
    SUMS_CHUNK_ELEMENTS,
    W_BCA_FEW_RESAMPLES,
    W_CLUSTERS_BELOW_24,
    W_EXTREME_ORDER,
    W_FALLBACK,
    W_FEW_CLUSTERS,
    W_SHRINKAGE_ZERO,
    W_STUDENTIZED_DROPPED,
    Z0_INFINITE,
    BootstrapInterval,
    BootstrapReplicates,
    ClusterDiagnostics,
    ClusterSummary,
    Method,
    QuantileMethod,
    Residuals,
    Scheme,
    Ties,
)
from rapport_cost.core.analyses.bootstrap.intervals import (
    bootstrap_ci,
    bootstrap_intervals,
    interval_from_replicates,
    resolve_interval,
)
from rapport_cost.core.analyses.bootstrap.quantiles import norm_inter, quantiles
from rapport_cost.core.analyses.bootstrap.resampling import (
    COUNT_BLOCK,
    bootstrap_replicates,
    paired_resample_means,
    resample_counts,
)

__all__ = [
    "ACCELERATION_UNDEFINED",
    "CHUNK_ELEMENTS",
    "COUNT_BLOCK",
    "DENOMINATOR_NONPOSITIVE",
    "METHODS",
    "NO_STUDENT_VARIANCE",
    "REASONS",
    "SCHEMES",
    "SUMS_CHUNK_ELEMENTS",
    "W_BCA_FEW_RESAMPLES",
    "W_CLUSTERS_BELOW_24",
    "W_EXTREME_ORDER",
    "W_FALLBACK",
    "W_FEW_CLUSTERS",
    "W_SHRINKAGE_ZERO",
    "W_STUDENTIZED_DROPPED",
    "Z0_INFINITE",
    "BootstrapInterval",
    "BootstrapReplicates",
    "ClusterDiagnostics",
    "ClusterSummary",
    "Method",
    "QuantileMethod",
    "Residuals",
    "Scheme",
    "Ties",
    "bootstrap_ci",
    "bootstrap_intervals",
    "bootstrap_replicates",
    "cluster_diagnostics",
    "cluster_jackknife",
    "few_clusters_warnings",
    "ideal_bootstrap_se",
    "interval_from_replicates",
    "jackknife_acceleration",
    "jackknife_values",
    "mean_acceleration",
    "norm_inter",
    "paired_resample_means",
    "quantiles",
    "recommended_schemes",
    "resample_counts",
    "resolve_interval",
    "summarise_clusters",
    "t_interval_unit_means",
]
