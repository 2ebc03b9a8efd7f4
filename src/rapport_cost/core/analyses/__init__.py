"""Analyses on the engine's costs: PSA, sensitivity, bootstrap, scale-up, follow-up, subgroups."""
