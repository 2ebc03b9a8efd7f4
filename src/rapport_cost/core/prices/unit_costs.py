"""Staff unit costs as PSSRU builds them (M-7 to M-11), on scalars and arrays alike.

Every function takes floats or NumPy arrays of draws (any broadcastable shapes) and
returns the broadcast result, so the deterministic estimate (one value per parameter)
and the PSA (one array of draws per parameter) run the same code. Money is in the
config's currency and price year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rapport_cost.arrays import FloatLike

#: Weeks in a year used by M-9: 365 / 7 = 52.142857 to three decimals, as PSSRU uses.
WEEKS_PER_YEAR = 52.143


def employer_ni(salary: FloatLike, rate: FloatLike, threshold: FloatLike) -> FloatLike:
    """Employer's National Insurance, ``rate × max(0, salary − threshold)`` (M-7), £ a year."""
    return rate * np.maximum(0.0, np.subtract(salary, threshold))


def working_hours(
    hours_per_week: FloatLike,
    *,
    annual_leave_days: FloatLike = 0.0,
    bank_holidays: FloatLike = 0.0,
    training_days: FloatLike = 0.0,
    sickness_days: FloatLike = 0.0,
    days_per_week: FloatLike = 5.0,
    weeks_per_year: FloatLike = WEEKS_PER_YEAR,
) -> FloatLike:
    """Working hours per year, ``h_wk × (52.143 − (AL + BH + TR + SK) / d_wk)`` (M-9).

    Examples
    --------
    37.5 h a week, 27 days' leave, 8 bank holidays, 5 training and 9 sickness days:
    37.5 × (52.143 − 49/5) = 37.5 × 42.343 = 1587.8625.

    >>> round(float(working_hours(37.5, annual_leave_days=27, bank_holidays=8,
    ...                           training_days=5, sickness_days=9)), 4)
    1587.8625
    """
    days_off = np.add(
        np.add(annual_leave_days, bank_holidays), np.add(training_days, sickness_days)
    )
    return hours_per_week * (weeks_per_year - np.divide(days_off, days_per_week))


def cost_per_contact_hour(
    cost_per_working_hour: FloatLike, indirect_time_ratio: FloatLike
) -> FloatLike:
    """Cost per hour of direct contact, ``c_h × (1 + ρ)`` for a direct:indirect ratio 1:ρ (M-11).

    >>> round(float(cost_per_contact_hour(56.68, 0.91)), 4)
    108.2588
    """
    return np.multiply(cost_per_working_hour, np.add(1.0, indirect_time_ratio))


def annuity_factor(years: FloatLike, rate: FloatLike) -> FloatLike:
    """``A(n, r) = (1 − (1 + r)^−n) / r``, and ``n`` when ``r = 0`` (M-13).

    >>> round(float(annuity_factor(60, 0.035)), 6)
    24.944734
    """
    r = np.asarray(rate, dtype=float)
    n = np.asarray(years, dtype=float)
    safe = np.where(r == 0.0, 1.0, r)
    out = np.where(r == 0.0, n, (1.0 - (1.0 + safe) ** (-n)) / safe)
    return out if out.ndim else float(out)


def equivalent_annual_cost(
    amount: FloatLike, years: FloatLike, rate: FloatLike, *, timing: str = "arrears"
) -> FloatLike:
    """Equivalent annual cost of a one-off investment (M-13).

    ``arrears``: K / A(n, r); ``advance``: K / (1 + A(n − 1, r)).

    >>> round(float(equivalent_annual_cost(20000, 60, 0.035)), 4)
    801.7724
    >>> round(float(equivalent_annual_cost(20000, 60, 0.035, timing="advance")), 4)
    774.6593
    """
    if timing == "advance":
        return np.divide(amount, np.add(1.0, annuity_factor(np.subtract(years, 1.0), rate)))
    return np.divide(amount, annuity_factor(years, rate))


@dataclass(frozen=True)
class StaffCosts:
    """The PSSRU build-up of one role (schema lines A to J), each £ a year unless stated.

    Each attribute is a float (one value per parameter) or an array of shape
    ``(n_draws,)``. Attributes of a role with a flat hourly rate are ``None`` except the
    hourly costs.
    """

    salary: FloatLike | None
    on_costs: FloatLike | None
    overheads_management: FloatLike | None
    overheads_non_staff: FloatLike | None
    capital: FloatLike | None
    qualifications: FloatLike | None
    annual_cost: FloatLike | None
    working_hours: FloatLike | None
    cost_per_working_hour: FloatLike
    """£ per working hour (M-10)."""
    cost_per_contact_hour: FloatLike | None
    """£ per hour of direct contact (M-11); ``None`` where no indirect-time ratio is given."""


def build_staff_costs(
    *,
    salary: FloatLike,
    ni_rate: FloatLike,
    ni_threshold: FloatLike,
    pension: FloatLike,
    other_on_costs: FloatLike,
    management: FloatLike,
    non_staff: FloatLike,
    capital: FloatLike,
    qualifications: FloatLike,
    hours: FloatLike,
    indirect_time_ratio: FloatLike | None,
) -> StaffCosts:
    """Annual cost and hourly costs of a salaried role (M-7, M-10, M-11).

    On-costs are employer NI plus pension and other on-costs as fractions of salary;
    overheads are fractions of salary plus on-costs; capital and qualifications are £ a
    year. Cost per working hour is the annual cost (including qualifications) over
    ``hours``; set ``qualifications=0`` for PSSRU's "excluding qualifications" figure.
    """
    on_costs = employer_ni(salary, ni_rate, ni_threshold) + np.multiply(
        salary, np.add(pension, other_on_costs)
    )
    base = np.add(salary, on_costs)
    mgmt = np.multiply(management, base)
    non_staff_oh = np.multiply(non_staff, base)
    annual = base + mgmt + non_staff_oh + np.add(capital, qualifications)
    per_hour = np.divide(annual, hours)
    contact = (
        None
        if indirect_time_ratio is None
        else cost_per_contact_hour(per_hour, indirect_time_ratio)
    )
    return StaffCosts(
        salary=salary,
        on_costs=on_costs,
        overheads_management=mgmt,
        overheads_non_staff=non_staff_oh,
        capital=capital,
        qualifications=qualifications,
        annual_cost=annual,
        working_hours=hours,
        cost_per_working_hour=per_hour,
        cost_per_contact_hour=contact,
    )


def flat_rate_costs(hourly_rate: FloatLike, indirect_time_ratio: FloatLike | None) -> StaffCosts:
    """Hourly costs of a role with a flat hourly rate (volunteers, sessional staff)."""
    contact = (
        None
        if indirect_time_ratio is None
        else cost_per_contact_hour(hourly_rate, indirect_time_ratio)
    )
    return StaffCosts(None, None, None, None, None, None, None, None, hourly_rate, contact)
