"""The Python API: one function per command; each loads, computes and returns a :class:`Result`.

Nothing here prints. The CLI renders a :class:`Result`; notebooks use its DataFrames.
"""

from rapport_cost.api.base import Built, Prepared, Result, build, load_logs, prepare
from rapport_cost.api.bootstrap import bootstrap
from rapport_cost.api.dsa import dsa
from rapport_cost.api.estimate import estimate, unit_costs
from rapport_cost.api.explain import explain
from rapport_cost.api.follow_up import run_follow_up
from rapport_cost.api.init import init
from rapport_cost.api.psa import run_psa
from rapport_cost.api.reproduce import reproduce, reproduce_from
from rapport_cost.api.scale_up import scale_up
from rapport_cost.api.scenarios import scenario_configs, scenarios
from rapport_cost.api.subgroups import run_subgroups
from rapport_cost.api.synth import EXAMPLE_SEED, EXAMPLE_WOMEN, synth

__all__ = [
    "EXAMPLE_SEED",
    "EXAMPLE_WOMEN",
    "Built",
    "Prepared",
    "Result",
    "bootstrap",
    "build",
    "dsa",
    "estimate",
    "explain",
    "init",
    "load_logs",
    "prepare",
    "reproduce",
    "reproduce_from",
    "run_follow_up",
    "run_psa",
    "run_subgroups",
    "scale_up",
    "scenario_configs",
    "scenarios",
    "synth",
    "unit_costs",
]
