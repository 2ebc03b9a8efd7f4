"""Mean cost per woman within a horizon under incomplete follow-up (M-65 to M-74).

Pure numerics on arrays. Modules: :mod:`.observation` (times, intervals, Kaplan–Meier curves,
the checks of the horizon), :mod:`.layout` (cost lines cut and split into pieces),
:mod:`.censoring`, :mod:`.estimators` and :mod:`.variance` (the estimators as docs/methods.md
writes them, with ccostr's analytic SEs), :mod:`.weights` (every estimator as a linear form in the
line costs, for the PSA), :mod:`.bootstrap` (women resampled, the curves refitted in each
resample) and :mod:`.history` (a ccostr cost history as women and lines); their public names
are re-exported here.

The calls, in order::

    problems = check_horizon(C, T, tau, h)          # list[Problem]: the API raises them (exit 2)
    obs = observe(C, T, tau)                        # X, δ, Δ, Ŝ, K̂
    warnings = horizon_warnings(obs)                # M-72's texts
    layout = lay_out(obs, make_intervals(tau, h), woman, start, stop)
    result = estimate(layout, cost)                 # every estimator, the curve, analytic SEs
    weights = line_weights(layout)                  # estimate = weights.weights[name] @ cost
    boot = bootstrap_follow_up(layout, cost, units, n_resamples=B, rng=rng)
"""

from __future__ import annotations

from rapport_cost.core.analyses.follow_up.bootstrap import (
    W_RESAMPLES_UNDEFINED,
    FollowUpBootstrap,
    bootstrap_follow_up,
    resampled_estimates,
)
from rapport_cost.core.analyses.follow_up.censoring import ZeroCensoring
from rapport_cost.core.analyses.follow_up.estimators import (
    CENSORING_CURVE_ZERO,
    DEFAULT_ESTIMATOR,
    ESTIMATORS,
    LIN_INTERVAL_EMPTY,
    NO_COMPLETE_HISTORY,
    W_NEGATIVE_VARIANCE,
    FollowUpEstimate,
    Refusal,
    estimate,
)
from rapport_cost.core.analyses.follow_up.history import HistoryLines, history_lines
from rapport_cost.core.analyses.follow_up.layout import (
    CostLayout,
    lay_out,
    lines_after_follow_up,
    women_by_intervals,
)
from rapport_cost.core.analyses.follow_up.observation import (
    MONTH_DAYS,
    W_FEW_AT_HORIZON,
    YEAR_DAYS,
    Intervals,
    KaplanMeier,
    Observation,
    check_horizon,
    horizon_warnings,
    interval_index,
    kaplan_meier,
    make_intervals,
    observe,
    times_since_origin,
)
from rapport_cost.core.analyses.follow_up.weights import LineWeights, line_weights

__all__ = [
    "CENSORING_CURVE_ZERO",
    "DEFAULT_ESTIMATOR",
    "ESTIMATORS",
    "LIN_INTERVAL_EMPTY",
    "MONTH_DAYS",
    "NO_COMPLETE_HISTORY",
    "W_FEW_AT_HORIZON",
    "W_NEGATIVE_VARIANCE",
    "W_RESAMPLES_UNDEFINED",
    "YEAR_DAYS",
    "CostLayout",
    "FollowUpBootstrap",
    "FollowUpEstimate",
    "HistoryLines",
    "Intervals",
    "KaplanMeier",
    "LineWeights",
    "Observation",
    "Refusal",
    "ZeroCensoring",
    "bootstrap_follow_up",
    "check_horizon",
    "estimate",
    "history_lines",
    "horizon_warnings",
    "interval_index",
    "kaplan_meier",
    "lay_out",
    "line_weights",
    "lines_after_follow_up",
    "make_intervals",
    "observe",
    "resampled_estimates",
    "times_since_origin",
    "women_by_intervals",
]
