"""Synthetic activity logs (a data generator, kept apart from the numeric core)."""
