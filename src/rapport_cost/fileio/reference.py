"""Bundled reference data: the NHS Cost Inflation Index."""

from __future__ import annotations

from functools import cache

import pandas as pd

from rapport_cost.fileio.bundled import data_path


@cache
def nhscii_table() -> pd.DataFrame:
    """``data/nhscii.csv``: one row per financial year and manual edition."""
    return pd.read_csv(data_path("nhscii.csv"), dtype={"manual_edition": str})
