"""The Python API: one function per command; each loads, computes and returns a :class:`Result`.

Nothing here prints. The CLI renders a :class:`Result`; notebooks use its DataFrames.
"""

from rapport_cost.api.base import Built, Prepared, Result, build, load_logs, prepare
from rapport_cost.api.estimate import estimate, unit_costs
from rapport_cost.api.synth import EXAMPLE_SEED, EXAMPLE_WOMEN, synth

__all__ = [
    "EXAMPLE_SEED",
    "EXAMPLE_WOMEN",
    "Built",
    "Prepared",
    "Result",
    "build",
    "estimate",
    "load_logs",
    "prepare",
    "synth",
    "unit_costs",
]
