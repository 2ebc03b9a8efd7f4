"""PSSRU staff unit costs (M-7 to M-11), checked against the published 2024 tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rapport_cost.core.prices.unit_costs import (
    annuity_factor,
    build_staff_costs,
    cost_per_contact_hour,
    equivalent_annual_cost,
    flat_rate_costs,
    working_hours,
)

PSSRU = Path(__file__).parents[2] / "data" / "pssru_2024_community_staff.csv"

# PSSRU 2024 parameters (reference/unit_costs.md §1.3 and §7): pension 23.7% of salary,
# employer NI 13.8% above £12,570, overheads 22.30% and 34.26% of salary + on-costs.
PARAMS_2024 = {
    "ni_rate": 0.138,
    "ni_threshold": 12570.0,
    "pension": 0.237,
    "other_on_costs": 0.0,
    "management": 0.2230,
    "non_staff": 0.3426,
}


def _rows() -> list[dict[str, object]]:
    return pd.read_csv(PSSRU, dtype={"band": str}).to_dict("records")


@pytest.mark.parametrize("row", _rows(), ids=lambda r: f"{r['table']}-band{r['band']}")
def test_pssru_2024_table_rebuilt_from_salary(row: dict[str, object]) -> None:
    quals = row["qualifications_per_year"]
    with_quals = str(quals).replace(".", "").isdigit()
    # PSSRU's hours are its working weeks x 37.5 h (41.98 x 37.5 = 1574.25; 41.2 x 37.5 =
    # 1545); the published £/hour divides by those, not by the rounded 1,574.
    hours = float(row["working_weeks"]) * 37.5
    costs = build_staff_costs(
        salary=float(row["salary"]),
        capital=float(row["capital_overheads"]),
        qualifications=float(quals) if with_quals else 0.0,
        hours=hours,
        indirect_time_ratio=None,
        **PARAMS_2024,
    )
    assert costs.on_costs == pytest.approx(float(row["salary_oncosts"]), abs=2)
    assert costs.overheads_management == pytest.approx(
        float(row["overhead_mgmt_admin_estates"]), abs=2
    )
    assert costs.overheads_non_staff == pytest.approx(float(row["overhead_non_staff"]), abs=2)
    assert costs.annual_cost == pytest.approx(float(row["total_cost_published"]), abs=2)
    if with_quals:
        # the nurses' table: "including qualifications" per hour, and excluding them
        assert costs.cost_per_working_hour == pytest.approx(
            float(row["cost_per_hour_incl_quals_published"]), abs=0.5
        )
        excl = (float(costs.annual_cost) - float(quals)) / hours  # type: ignore[arg-type]
        assert excl == pytest.approx(float(row["cost_per_hour_published"]), abs=0.5)
    else:
        assert costs.cost_per_working_hour == pytest.approx(
            float(row["cost_per_hour_published"]), abs=0.5
        )


def test_band6_worked_row_by_hand() -> None:
    # reference/unit_costs.md §1.3: on-costs 0.237 x 39,133 + 0.138 x (39,133 - 12,570)
    # = 9,274.521 + 3,665.694 = 12,940.215; base 52,073.215; management 0.2230 x base =
    # 11,612.326945; non-staff 0.3426 x base = 17,840.283459; + capital 7,689 = 89,214.825404
    # (published £89,215); / 1,574 h = 56.680321; per contact hour x 1.91 = 108.259413.
    c = build_staff_costs(
        salary=39133.0,
        capital=7689.0,
        qualifications=0.0,
        hours=1574.0,
        indirect_time_ratio=0.91,
        **PARAMS_2024,
    )
    assert c.on_costs == pytest.approx(12940.215, abs=1e-6)
    assert c.annual_cost == pytest.approx(89214.825404, abs=1e-6)
    assert c.cost_per_working_hour == pytest.approx(56.680321, abs=1e-6)
    assert c.cost_per_contact_hour == pytest.approx(108.259413, abs=1e-6)


def test_ni_is_zero_below_threshold() -> None:
    # salary £10,000 < £12,570: NI 0; pension 0.237 x 10,000 = 2,370
    c = build_staff_costs(
        salary=10000.0,
        capital=0.0,
        qualifications=0.0,
        hours=1000.0,
        indirect_time_ratio=None,
        **PARAMS_2024,
    )
    assert c.on_costs == pytest.approx(2370.0)


def test_working_time_derivation_by_hand() -> None:
    # PSSRU 2024 community nurses: 260 weekdays - 8 statutory - 28 leave - 5 training - 13 sick
    # = 206 days x 7.5 h = 1,545 h. With C-3 and 52 weeks: 37.5 x (52 - 54/5) = 37.5 x 41.2 = 1545.
    assert working_hours(
        37.5,
        annual_leave_days=28,
        bank_holidays=8,
        training_days=5,
        sickness_days=13,
        weeks_per_year=52,
    ) == pytest.approx(1545.0)
    # the default 52.143 weeks: 37.5 x (52.143 - 10.8) = 37.5 x 41.343 = 1550.3625
    assert working_hours(
        37.5, annual_leave_days=28, bank_holidays=8, training_days=5, sickness_days=13
    ) == pytest.approx(1550.3625)
    # a 4-day week: 30 x (52.143 - 20/4) = 30 x 47.143 = 1414.29
    assert working_hours(30.0, annual_leave_days=20, days_per_week=4) == pytest.approx(1414.29)


def test_indirect_time_ratio() -> None:
    # PSSRU glossary: ratio 1:1.5 means each client hour needs 2.5 paid hours: £40 x 2.5 = £100
    assert cost_per_contact_hour(40.0, 1.5) == pytest.approx(100.0)
    assert cost_per_contact_hour(40.0, 0.0) == pytest.approx(40.0)


def test_flat_hourly_role() -> None:
    c = flat_rate_costs(12.0, None)
    assert c.cost_per_working_hour == 12.0
    assert c.cost_per_contact_hour is None
    assert c.annual_cost is None
    # with a ratio 1:0.5 a contact hour costs 12 x 1.5 = 18
    assert flat_rate_costs(12.0, 0.5).cost_per_contact_hour == pytest.approx(18.0)


def test_annuitisation_matches_T12() -> None:
    # M-13: £20,000 over 60 years at 3.5%: A = 24.944734, EAC 801.7724 / 774.6593
    assert annuity_factor(60, 0.035) == pytest.approx(24.944734, abs=1e-6)
    assert equivalent_annual_cost(20000, 60, 0.035) == pytest.approx(801.7724, abs=1e-4)
    assert equivalent_annual_cost(20000, 60, 0.035, timing="advance") == pytest.approx(
        774.6593, abs=1e-4
    )
    # r = 0: the cost is spread evenly, 20,000 / 4 = 5,000
    assert equivalent_annual_cost(20000, 4, 0.0) == pytest.approx(5000.0)


def test_array_form_equals_scalar_form() -> None:
    rng = np.random.default_rng(1)
    n = 50
    salary = rng.uniform(10000, 100000, n)
    hours = rng.uniform(1400, 1700, n)
    ratio = rng.uniform(0, 2, n)
    arr = build_staff_costs(
        salary=salary,
        capital=7689.0,
        qualifications=0.0,
        hours=hours,
        indirect_time_ratio=ratio,
        **PARAMS_2024,
    )
    for i in range(n):
        one = build_staff_costs(
            salary=float(salary[i]),
            capital=7689.0,
            qualifications=0.0,
            hours=float(hours[i]),
            indirect_time_ratio=float(ratio[i]),
            **PARAMS_2024,
        )
        assert np.asarray(arr.annual_cost)[i] == one.annual_cost
        assert np.asarray(arr.cost_per_contact_hour)[i] == one.cost_per_contact_hour
