"""Discount factors (M-38) against the test vectors T11 and T11b (quoted with their arithmetic)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rapport_cost.core.usage.discounting import discount_factors, study_months

R = 0.035


def test_t11_factors_at_the_end_and_middle_of_years() -> None:
    # T11: 1/1.035^t for t = 0.5, 1, 2, 3, 5, 10. Timing 'end' discounts year j with
    # t = j and 'mid' year 1 with t = 0.5; day 0 is in year 1, day 366 in year 2
    # (366 >= 365.25), day 3288 in year 10 (9 x 365.25 = 3287.25 <= 3288 < 3652.5)
    days = np.array([0, 366, 731, 1462, 3288])
    end = discount_factors(days, rate=R, timing="end")
    assert end == pytest.approx([0.966184, 0.933511, 0.901943, 0.841973, 0.708919], abs=5e-7)
    mid = discount_factors(np.array([0]), rate=R, timing="mid")
    assert mid == pytest.approx([0.982946], abs=5e-7)


@pytest.mark.parametrize(
    ("timing", "present_value"), [("start", 2899.6943), ("end", 2801.6370), ("mid", 2850.2440)]
)
def test_t11b_1000_a_year_for_three_years(timing: str, present_value: float) -> None:
    # T11b: £1000 in each of years 1, 2 and 3 (days 0, 400 and 800 after the index date)
    days = np.array([0, 400, 800])
    pv = float((1000.0 * discount_factors(days, rate=R, timing=timing)).sum())
    assert pv == pytest.approx(present_value, abs=5e-5)


def test_exact_timing_discounts_by_the_days_since_the_index_date() -> None:
    # t = days / 365.25: day 0 undiscounted; day 1461 is t = 4 exactly,
    # 1.035^4 = 1.071225^2 = 1.147523000625, 1 / 1.147523000625 = 0.8714422
    f = discount_factors(np.array([0, 1461]), rate=R, timing="exact")
    assert f == pytest.approx([1.0, 0.8714422], abs=5e-8)


def test_exact_timing_of_a_daily_cost_matches_the_continuous_flow() -> None:
    # M-38 / T11b: £1000 a year spread evenly over [0, T] is worth
    # C (1 - e^(-dT)) / d with d = ln 1.035; over T = 4 years = 1461 days, a cost each day
    # (a left sum with step h = 1/365.25 year) is above it by a factor ~ 1 + d h / 2 (5e-5)
    delta, years = math.log(1 + R), 4
    flow = 1000.0 * (1 - math.exp(-delta * years)) / delta
    daily = 1000.0 / 365.25 * discount_factors(np.arange(1461), rate=R, timing="exact")
    assert float(daily.sum()) == pytest.approx(flow, rel=1e-4)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        # a financial year: April to March, 12 whole months
        ("2025-04-01", "2026-03-31", 12.0),
        # one day: 1/30 of April
        ("2025-04-01", "2025-04-01", 1 / 30),
        # 15 to 31 January (17 of 31 days) + February 2024 (leap, 29/29) + 1 to 10 March
        # (10 of 31 days)
        ("2024-01-15", "2024-03-10", 17 / 31 + 1 + 10 / 31),
        # the same months in 2025: February has 28 days, still 1 month
        ("2025-01-15", "2025-03-10", 17 / 31 + 1 + 10 / 31),
        # within one month: 10 to 19 June, 10 of 30 days
        ("2025-06-10", "2025-06-19", 10 / 30),
        # 1 April 2025 to 18 August 2028: 40 whole months (April 2025 to July 2028) and
        # 18 of August's 31 days
        ("2025-04-01", "2028-08-18", 40 + 18 / 31),
    ],
)
def test_study_months_count_calendar_months(start: str, end: str, months: float) -> None:
    """docs/methods.md M-6: whole months count 1, a partial month its days over its days."""
    period = (pd.Timestamp(start), pd.Timestamp(end))
    assert study_months(period) == pytest.approx(months, rel=1e-12)
