"""Subgroup comparisons of the cost per woman, unadjusted and adjusted (M-75 to M-81).

Modules, in pipeline order: :mod:`.design` (the design matrix and the input checks),
:mod:`.models` (the four cost models, fitted with statsmodels), :mod:`.predictions`
(recycled predictions), :mod:`.unadjusted`, :mod:`.diagnostics` (Park and link tests),
:mod:`.irls` (the batched refits), :mod:`.bootstrap`, :mod:`.tables`, :mod:`.disclosure`
and :mod:`.compare`, whose :func:`compare_subgroups` does it all.

Pure numerics: no file access, no printing, randomness only through ``rng``.
"""

from __future__ import annotations

from rapport_cost.core.analyses.subgroups.bootstrap import (
    ResampleWeights,
    SubgroupReplicates,
    bootstrap_subgroups,
    percentile_intervals,
)
from rapport_cost.core.analyses.subgroups.compare import (
    SCHEMES,
    TABLES,
    SubgroupResult,
    compare_subgroups,
)
from rapport_cost.core.analyses.subgroups.design import (
    NOT_RECORDED,
    OTHER,
    Design,
    Factor,
    build_design,
    level_labels,
    outcome_problems,
)
from rapport_cost.core.analyses.subgroups.diagnostics import (
    PartDiagnostics,
    diagnose,
    link_test,
    park_test,
)
from rapport_cost.core.analyses.subgroups.disclosure import (
    SUPPRESSED,
    TOTAL,
    Control,
    Controlled,
    merge_levels,
    small_levels,
)
from rapport_cost.core.analyses.subgroups.irls import BatchFit, DistinctRows, fit_batch
from rapport_cost.core.analyses.subgroups.models import (
    MODELS,
    PARTS,
    ModelFit,
    ModelName,
    PartFit,
    fit_model,
)
from rapport_cost.core.analyses.subgroups.predictions import differences, recycled_means
from rapport_cost.core.analyses.subgroups.unadjusted import GroupSummary, group_summary

__all__ = [
    "MODELS",
    "NOT_RECORDED",
    "OTHER",
    "PARTS",
    "SCHEMES",
    "SUPPRESSED",
    "TABLES",
    "TOTAL",
    "BatchFit",
    "Control",
    "Controlled",
    "Design",
    "DistinctRows",
    "Factor",
    "GroupSummary",
    "ModelFit",
    "ModelName",
    "PartDiagnostics",
    "PartFit",
    "ResampleWeights",
    "SubgroupReplicates",
    "SubgroupResult",
    "bootstrap_subgroups",
    "build_design",
    "compare_subgroups",
    "diagnose",
    "differences",
    "fit_batch",
    "fit_model",
    "group_summary",
    "level_labels",
    "link_test",
    "merge_levels",
    "outcome_problems",
    "park_test",
    "percentile_intervals",
    "recycled_means",
    "small_levels",
]
