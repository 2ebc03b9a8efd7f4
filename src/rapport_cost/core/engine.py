"""The one costing path: prices ``P = p(Θ)`` for every driver, and ``cost = Q · P``.

``estimate`` evaluates one row of Θ (the point values); PSA many rows; one-way analysis
and scenarios a few more. All go through :func:`driver_prices` and a matrix product
with the usage matrices of ``core/usage.py`` (DESIGN §2).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from rapport_cost.arrays import Matrix, Theta
from rapport_cost.config import PERSPECTIVE_PAYERS
from rapport_cost.core.prices.terms import PriceTerms, column, staff_costs
from rapport_cost.core.prices.unit_costs import equivalent_annual_cost
from rapport_cost.core.usage.model import Driver, UsageModel


def perspective_mask(drivers: tuple[Driver, ...], perspective: str) -> npt.NDArray[np.bool_]:
    """True for drivers whose payer the perspective counts (METHODS G-1)."""
    payers = PERSPECTIVE_PAYERS[perspective]
    return np.array([d.payer in payers for d in drivers], dtype=bool)


def driver_prices(
    theta: Theta, terms: PriceTerms, drivers: tuple[Driver, ...], perspective: str
) -> Matrix:
    """Price of one unit of every driver for every row of Θ.

    Parameters
    ----------
    theta
        Shape ``(n_draws, n_params)``.
    terms
        The compiled price terms of the config.
    drivers
        The usage model's drivers.
    perspective
        Drivers whose payer the perspective does not count get price 0.

    Returns
    -------
    numpy.ndarray of shape ``(n_draws, n_drivers)``
        £ per hour, mile, attendee, session or programme unit, in the config's price year.
    """
    staff = staff_costs(theta, terms)
    out = np.zeros((theta.shape[0], len(drivers)))
    for j, d in enumerate(drivers):
        if d.kind == "staff":
            out[:, j] = staff[d.item].cost_per_working_hour
        elif d.kind == "contact":
            sc = staff[d.item]
            per_contact = sc.cost_per_contact_hour
            out[:, j] = sc.cost_per_working_hour if per_contact is None else per_contact
        elif d.kind == "residual":
            ratio = column(theta, terms.table, terms.residual_ratio)
            out[:, j] = staff[d.item].cost_per_working_hour * ratio
        elif d.kind == "resource":
            out[:, j] = column(theta, terms.table, terms.resources[d.item].unit_cost)
        else:
            t = terms.programme[d.item]
            if t.amount is not None:
                price = column(theta, terms.table, t.amount)
            else:
                assert t.role is not None  # a role cost has role and hours
                assert t.hours is not None
                hours = column(theta, terms.table, t.hours)
                price = hours * staff[t.role].cost_per_working_hour
            if t.annuity_years is not None and t.annuity_rate is not None:
                years = column(theta, terms.table, t.annuity_years)
                rate = column(theta, terms.table, t.annuity_rate)
                out[:, j] = equivalent_annual_cost(price, years, rate, timing=t.annuity_timing)
            else:
                out[:, j] = price
    return out * perspective_mask(drivers, perspective)


def site_totals(usage: UsageModel, prices: Matrix) -> tuple[Matrix, Matrix]:
    """Total cost and mean cost per woman per site and overall, for every row of prices.

    Parameters
    ----------
    usage
        The usage model.
    prices
        Shape ``(n_draws, n_drivers)``.

    Returns
    -------
    (total, mean_per_woman)
        Each of shape ``(n_draws, n_sites + 1)``; the last column is all sites.
    """
    _, _, n = usage.site_sums()
    qw_t, ql_t = usage.site_drivers
    women_cost = prices @ qw_t
    total = women_cost + prices @ ql_t
    total_all = total.sum(axis=1, keepdims=True)
    mean = np.divide(women_cost, n, out=np.full_like(women_cost, np.nan), where=n > 0)
    n_all = n.sum()
    mean_all = women_cost.sum(axis=1, keepdims=True) / n_all if n_all > 0 else np.nan * total_all
    return np.hstack([total, total_all]), np.hstack([mean, mean_all])


def site_costs(
    theta: Matrix, terms: PriceTerms, usage: UsageModel, perspective: str
) -> tuple[Matrix, Matrix]:
    """The engine: total and mean cost per woman per site for every row of Θ.

    Every analysis costs through here: :func:`driver_prices` then :func:`site_totals`.

    Parameters
    ----------
    theta
        Shape ``(n_draws, n_params)``.

    Returns
    -------
    (total, mean_per_woman)
        Each of shape ``(n_draws, n_sites + 1)``; the last column is all sites.
    """
    return site_totals(usage, driver_prices(theta, terms, usage.drivers, perspective))
