"""Constants of the PSA: its outputs, batches, thresholds and quantile levels."""

from __future__ import annotations

#: The two outputs per site, in table order.
QUANTITIES: tuple[str, str] = ("mean_cost_per_woman", "total_cost")
#: Number of batches for the batch-means MCSE of a quantile (M-46).
N_BATCHES = 20
#: Relative difference between the probabilistic mean and the deterministic value above
#: which M-47 warns.
DIVERGENCE = 0.05
#: Probability of a value below a parameter's lower bound above which M-43 warns.
BOUND_PROBABILITY = 0.001
#: Draws kept (of the correlated parameters only) to report the achieved correlations.
CORRELATION_SAMPLE = 100_000
#: Levels of the summary: the 2.5% quantile, the median and the 97.5% quantile (M-47).
LEVELS = (0.025, 0.5, 0.975)
