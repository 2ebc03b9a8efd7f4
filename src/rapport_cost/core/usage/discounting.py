"""Discounting of quantities by the time from each line's index date (M-38, M-40).

Discount factors depend on dates, not on prices, so they are applied to the quantities
once, when the usage model is built: a woman's costs from her admission, unit-level lines
from the study's start. The study period and its length in calendar months (which counts
the programme costs per year and month) are here too.
"""

from __future__ import annotations

import calendar

import numpy as np
import numpy.typing as npt
import pandas as pd

from rapport_cost.arrays import Int64Array, Vector
from rapport_cost.config import CostingConfig

DAYS_PER_YEAR = 365.25


def day_numbers(dates: npt.NDArray[np.datetime64]) -> Int64Array:
    """Whole days since 1970-01-01 of each date, shape of ``dates``."""
    return dates.astype("datetime64[D]").astype(np.int64)


def discount_factors(days: Int64Array, *, rate: float, timing: str) -> Vector:
    """Discount factors for costs ``days`` (whole days) after the index date (M-38).

    Year ``j = floor(days / 365.25) + 1`` is discounted with ``t = j − 1`` (``start``),
    ``j`` (``end``) or ``j − 0.5`` (``mid``); ``exact`` takes ``t = days / 365.25``.
    Shape of ``days``.
    """
    if timing == "exact":
        return np.asarray((1.0 + rate) ** -(np.maximum(days, 0) / DAYS_PER_YEAR), np.float64)
    year = np.maximum(days, 0) * 4 // 1461  # floor(days / 365.25) = j - 1, in integers
    shift = {"start": 0.0, "end": 1.0, "mid": 0.5}[timing]
    per_year = (1.0 + rate) ** -(np.arange(int(year.max(initial=0)) + 1) + shift)
    return np.asarray(per_year[year], dtype=np.float64)


def study_period(
    cfg: CostingConfig, contacts: pd.DataFrame, women: pd.DataFrame
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The configured study period, else first to last contact (else first to last admission)."""
    if cfg.study_period is not None:
        return pd.Timestamp(cfg.study_period.start), pd.Timestamp(cfg.study_period.end)
    dates = contacts["date"] if len(contacts) else women["admission_date"]
    return pd.Timestamp(dates.min()), pd.Timestamp(dates.max())


def study_months(period: tuple[pd.Timestamp, pd.Timestamp]) -> float:
    """Length of the study period in calendar months (docs/methods.md M-6).

    Every whole calendar month inside the period counts 1; a month only partly inside
    counts its days inside the period (both ends included) over its number of days.
    1 April 2025 to 31 March 2026 is 12 months; 1 April 2025 to 18 August 2028 is
    40 + 18/31 months. The years of the programme costs are ``months / 12``.
    """
    start, end = period[0].normalize(), period[1].normalize()
    if end < start:
        return 0.0
    months = 0.0
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        days = calendar.monthrange(year, month)[1]
        first = max(start, pd.Timestamp(year, month, 1))
        last = min(end, pd.Timestamp(year, month, days))
        months += ((last - first).days + 1) / days
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def line_factors(days: Int64Array, cfg: CostingConfig) -> tuple[Vector, bool, list[str]]:
    """Discount factor of each allocation, whether discounting applies, and a note.

    ``days`` are from each allocation's index date. Nothing is discounted when every cost
    falls within 12 months of its index date (M-40).
    """
    rate, timing = cfg.discounting.rate, cfg.discounting.timing
    applied = rate > 0 and float(np.max(days, initial=0)) >= DAYS_PER_YEAR
    factor = discount_factors(days, rate=rate, timing=timing) if applied else np.ones_like(days)
    notes: list[str] = []
    if rate > 0 and not applied:
        notes.append("discounting not applied: all costs fall within 12 months of admission (M-40)")
    elif applied:
        notes.append(
            f"costs in later years after admission discounted at {rate:.1%} a year "
            f"(timing '{timing}'); unit-level lines from the study start"
        )
    return np.asarray(factor, dtype=np.float64), applied, notes
