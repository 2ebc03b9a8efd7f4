"""Bundled reference data: the NHS Cost Inflation Index."""

from __future__ import annotations

import csv
from functools import cache
from typing import TYPE_CHECKING

from rapport_cost.fileio.bundled import data_path

if TYPE_CHECKING:
    import pandas as pd


@cache
def nhscii_table() -> pd.DataFrame:
    """``data/nhscii.csv``: one row per financial year and manual edition."""
    import pandas as pd  # noqa: PLC0415 - loading a config needs no pandas

    return pd.read_csv(data_path("nhscii.csv"), dtype={"manual_edition": str})


@cache
def nhscii_years() -> tuple[str, ...]:
    """Financial years the NHSCII can convert prices between, in order.

    Each row of the table is the change into its year, so the year before the first row
    is covered too (its base): ``2014/15`` to ``2024/25`` for rows 2015/16 to 2024/25.
    """
    with data_path("nhscii.csv").open(encoding="utf-8", newline="") as fh:
        years = sorted({row["financial_year"] for row in csv.DictReader(fh)})
    if not years:
        return ()
    start = int(years[0][:4]) - 1
    return (f"{start}/{(start + 1) % 100:02d}", *years)
