"""Bundled reference data: the NHS Cost Inflation Index."""

from __future__ import annotations

from functools import cache

import pandas as pd

from rapport_cost.fileio.bundled import data_path


@cache
def nhscii_table() -> pd.DataFrame:
    """``data/nhscii.csv``: one row per financial year and manual edition."""
    return pd.read_csv(data_path("nhscii.csv"), dtype={"manual_edition": str})


@cache
def nhscii_years() -> tuple[str, ...]:
    """Financial years the NHSCII can convert prices between, in order.

    Each row of the table is the change into its year, so the year before the first row
    is covered too (its base): ``2014/15`` to ``2024/25`` for rows 2015/16 to 2024/25.
    """
    years = sorted({str(y) for y in nhscii_table()["financial_year"]})
    if not years:
        return ()
    start = int(years[0][:4]) - 1
    return (f"{start}/{(start + 1) % 100:02d}", *years)
