"""Inputs: validation of the activity logs and of a per-woman costs table, integer ids."""
