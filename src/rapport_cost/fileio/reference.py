"""Bundled reference data: the NHS Cost Inflation Index and the PSSRU 2024 staff tables."""

from __future__ import annotations

from functools import cache

import pandas as pd

from rapport_cost.fileio.bundled import data_path


@cache
def nhscii_table() -> pd.DataFrame:
    """``data/nhscii.csv``: one row per financial year and manual edition."""
    return pd.read_csv(data_path("nhscii.csv"), dtype={"manual_edition": str})


def pssru_staff_table() -> pd.DataFrame:
    """``data/pssru_2024_community_staff.csv``: PSSRU 2024 tables 8.2.1 and 9.2.1."""
    return pd.read_csv(data_path("pssru_2024_community_staff.csv"), dtype={"band": str})
