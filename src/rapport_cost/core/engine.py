"""The engine: the one place where quantities meet prices, ``cost = Q · P``.

A micro-costing model is linear in its prices. :func:`driver_prices` gives the price of
one unit of every cost driver for every row of Θ (``P = p(Θ)``); :func:`costs` prices a
usage model at those rows and returns a :class:`Costs`, whose properties are every cost
a command reports, each one matrix product of the usage model's quantities with the
prices. ``estimate`` evaluates one row of Θ (the point values); the PSA many rows, a chunk
at a time; one-way analysis, scenarios and scale-up a few more; the bootstrap resamples
the rows of :attr:`Costs.woman`. No other module multiplies quantities by prices
(a test checks it).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from rapport_cost.arrays import BoolArray, IntArray, Matrix, Theta, Vector
from rapport_cost.config import PERSPECTIVE_PAYERS
from rapport_cost.core.prices.terms import PriceTerms, column, staff_costs
from rapport_cost.core.prices.unit_costs import StaffCosts, equivalent_annual_cost
from rapport_cost.core.usage.model import Driver, UsageModel


def perspective_mask(drivers: tuple[Driver, ...], perspective: str) -> BoolArray:
    """True for drivers whose payer the perspective counts (M-2)."""
    payers = PERSPECTIVE_PAYERS[perspective]
    return np.array([d.payer in payers for d in drivers], dtype=bool)


def _programme_price(
    theta: Theta, terms: PriceTerms, item: str, staff: dict[str, StaffCosts]
) -> Vector:
    t = terms.programme[item]
    if t.amount is not None:
        price = column(theta, terms.table, t.amount)
    else:
        assert t.role is not None  # a role cost has role and hours (config validation)
        assert t.hours is not None
        price = column(theta, terms.table, t.hours) * staff[t.role].cost_per_working_hour
    if t.annuity_years is not None and t.annuity_rate is not None:
        years = column(theta, terms.table, t.annuity_years)
        rate = column(theta, terms.table, t.annuity_rate)
        return np.asarray(equivalent_annual_cost(price, years, rate, timing=t.annuity_timing))
    return np.asarray(price)


def driver_prices(theta: Theta, terms: PriceTerms, drivers: tuple[Driver, ...]) -> Matrix:
    """Price of one unit of every driver for every row of Θ, whoever pays.

    Parameters
    ----------
    theta
        Shape ``(n_rows, n_params)``.
    terms
        The compiled price terms of the config.
    drivers
        The usage model's drivers.

    Returns
    -------
    numpy.ndarray of shape ``(n_rows, n_drivers)``
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
            out[:, j] = _programme_price(theta, terms, d.item, staff)
    return out


@dataclass(frozen=True)
class CostLines:
    """Cost lines of a ledger at one row of prices: ``cost = units × share × factor × price``.

    All of shape ``(n,)``. For a contact line, ``units`` are the driver's units at the whole
    contact, ``share`` the line's share of it and ``factor`` its discount factor; for an
    overhead line, ``units`` are the allocation's quantity Q (of the site, or of the whole
    programme), ``share`` the line's undiscounted mass over the key's total and
    ``factor`` its discounted mass over its undiscounted mass (the discount factor of the
    contacts it follows; 1 under the ``women`` key and for ``unallocated``).

    Parameters
    ----------
    source
        The pair (position in the ledger's pairs) or the overhead row (position in the
        ledger's ``overheads``) each line comes from.
    driver
        The driver priced.
    units, share, factor
        As above.
    price
        £ per unit of the driver the perspective counts (0 for a payer it leaves out).
    cost
        £ at the row of prices.
    """

    source: IntArray
    driver: IntArray
    units: Vector
    share: Vector
    factor: Vector
    price: Vector
    cost: Vector


def _with_all(per_site: Matrix) -> Matrix:
    """Append the all-sites column (the sum) to a ``(n_rows, n_sites)`` matrix."""
    return np.hstack([per_site, per_site.sum(axis=1, keepdims=True)])


@dataclass(frozen=True)
class Costs:
    """Every cost of a usage model at a block of prices.

    Each property is computed on first use, from one product of the usage model's
    quantities with :attr:`prices`. Columns of the site matrices are the sites in
    table order, then all sites.

    Parameters
    ----------
    usage
        The usage model (the quantities, discounted).
    prices
        Shape ``(n_rows, n_drivers)``: the price of each driver counted by the
        perspective (0 for a payer it leaves out).
    full_prices
        Shape ``(n_rows, n_drivers)``: every driver's price, whoever pays.
    included
        Shape ``(n_drivers,)``: drivers the perspective counts.
    """

    usage: UsageModel
    prices: Matrix
    full_prices: Matrix
    included: BoolArray

    @property
    def n_rows(self) -> int:
        """Rows of prices (draws, points of a one-way analysis, or 1)."""
        return int(self.prices.shape[0])

    def rows(self, start: int, stop: int) -> Costs:
        """The costs of rows ``start`` to ``stop - 1`` only."""
        return Costs(
            self.usage, self.prices[start:stop], self.full_prices[start:stop], self.included
        )

    # ------------------------------------------------------------------ by site

    @functools.cached_property
    def women_cost(self) -> Matrix:
        """Shape ``(n_rows, n_sites + 1)``: the study women's costs."""
        return _with_all(self.prices @ self.usage.site_drivers[0])

    @functools.cached_property
    def unit_level_cost(self) -> Matrix:
        """Shape ``(n_rows, n_sites + 1)``: costs of the unit-level lines (not a woman's)."""
        return _with_all(self.prices @ self.usage.site_drivers[1])

    @functools.cached_property
    def total(self) -> Matrix:
        """Shape ``(n_rows, n_sites + 1)``: total cost, women's and unit-level lines'."""
        site = self.prices @ self.usage.site_drivers[0] + self.prices @ self.usage.site_drivers[1]
        return _with_all(site)

    @functools.cached_property
    def mean_per_woman(self) -> Matrix:
        """Shape ``(n_rows, n_sites + 1)``: the women's costs over the women (NaN for none).

        Women with no contacts count, at their share of programme costs or 0 (M-28,
        M-29: the patient-weighted mean).
        """
        n = np.append(self.usage.women_per_site, self.usage.women_per_site.sum())
        women = self.women_cost
        out: Matrix = np.divide(women, n, out=np.full_like(women, np.nan), where=n > 0)
        return out

    @functools.cached_property
    def per_admission(self) -> Matrix:
        """Shape ``(n_rows, n_sites + 1)``: total cost over the site's admissions (NaN for 0)."""
        adm = self.usage.admissions
        total = self.total
        out: Matrix = np.divide(total, adm, out=np.full_like(total, np.nan), where=adm > 0)
        return out

    @functools.cached_property
    def undiscounted(self) -> Matrix:
        """Shape ``(n_rows, n_sites + 1)``: total cost before discounting."""
        return _with_all(self.prices @ self.usage.undiscounted.T)

    # ------------------------------------------------------------------ by woman and line

    @functools.cached_property
    def woman(self) -> Matrix:
        """Shape ``(n_rows, n_women)``: every woman's cost (M-28)."""
        return self.prices @ self.usage.q_women.T

    @functools.cached_property
    def components(self) -> tuple[tuple[str, ...], IntArray]:
        """Cost components (role, resource and programme keys) and each driver's component."""
        names = tuple(dict.fromkeys(d.item for d in self.usage.drivers))
        return names, np.array([names.index(d.item) for d in self.usage.drivers], np.intp)

    def woman_components(self, row: int = 0) -> Matrix:
        """Shape ``(n_women, n_components)``: every woman's cost by component at one row.

        Row sums equal that row of :attr:`woman`.
        """
        names, of_driver = self.components
        by_driver = self.usage.q_women * self.prices[row]
        out = np.zeros((by_driver.shape[0], len(names)))
        for j, c in enumerate(of_driver):
            out[:, c] += by_driver[:, j]
        return out

    def lines(self, row: int = 0) -> Vector:
        """Shape ``(n_lines,)``: the cost of each unit-level line at one row."""
        return np.asarray(self.usage.q_lines @ self.prices[row], dtype=np.float64)

    def types(self, row: int = 0) -> Vector:
        """Shape ``(n_type_rows,)``: the cost of each row of the breakdown by contact type."""
        return np.asarray(self.usage.q_types @ self.prices[row], dtype=np.float64)

    def drivers(self, row: int = 0) -> tuple[Matrix, Matrix]:
        """Cost of each driver at each site and all, discounted and undiscounted.

        Returns
        -------
        (discounted, undiscounted)
            Each of shape ``(n_sites + 1, n_drivers)``. Both are the costs the perspective
            counts (0 for a driver whose payer it leaves out, docs/methods.md M-31); the
            full price of every driver is :attr:`full_prices`.
        """
        qw, ql = self.usage.site_drivers
        discounted = (qw + ql).T * self.prices[row]
        undiscounted = self.usage.undiscounted * self.prices[row]
        return (
            np.vstack([discounted, discounted.sum(axis=0)]),
            np.vstack([undiscounted, undiscounted.sum(axis=0)]),
        )

    def quantities(self) -> Matrix:
        """Shape ``(n_sites + 1, n_drivers)``: each driver's quantity before discounting.

        What the prices multiply (CHEERS 2022 item 14 reports quantities and unit costs
        apart), per site and all.
        """
        q = self.usage.undiscounted
        return np.vstack([q, q.sum(axis=0)])

    def timeline(self, row: int = 0) -> Vector:
        """Shape ``(n_cells,)``: the cost of each cell of the usage model's timeline.

        Raises
        ------
        ValueError
            If the usage model was built without a timeline.
        """
        if self.usage.timeline is None:
            msg = "the usage model has no timeline (build_usage(..., timeline=True))"
            raise ValueError(msg)
        return np.asarray(self.usage.timeline.q @ self.prices[row], dtype=np.float64)

    def ledger_lines(
        self, row: int = 0, *, lines: IntArray | None = None
    ) -> tuple[CostLines, CostLines]:
        """The cost lines behind the quantities, at one row of prices (docs/methods.md M-21).

        Parameters
        ----------
        row
            The row of prices.
        lines
            Lines (numbered as in :class:`~rapport_cost.core.usage.model.Ledger`: the
            women, then each site's unit-level lines) to explain; every line when None.

        Returns
        -------
        (contact lines, overhead lines)
            One contact line per allocation of a contact and driver with units; one
            overhead line per share of a programme cost or of the staff-time log. Per
            line, their costs sum to its row of the usage matrices at these prices.

        Raises
        ------
        ValueError
            If the usage model was built without a ledger.
        """
        led = self.usage.ledger
        if led is None:
            msg = "the usage model has no ledger (build_usage(..., ledger=True))"
            raise ValueError(msg)
        price = self.prices[row]
        pick = np.ones(led.pair_line.size, bool) if lines is None else np.isin(led.pair_line, lines)
        pair = np.flatnonzero(pick)
        per_pair = led.contact_units[led.pair_contact[pair]]
        at, driver = np.nonzero(per_pair)
        pair = pair[at]
        units = per_pair[at, driver]
        share, factor = led.pair_share[pair], led.pair_factor[pair]
        contact = CostLines(
            pair,
            driver,
            units,
            share,
            factor,
            price[driver],
            units * share * factor * price[driver],
        )
        oh = led.overheads
        rows = np.flatnonzero(
            np.ones(oh.line.size, bool) if lines is None else np.isin(oh.line, lines)
        )
        return contact, self._overhead_lines(rows, price)

    def _overhead_lines(self, rows: IntArray, price: Vector) -> CostLines:
        led = self.usage.ledger
        assert led is not None
        oh, n_sites = led.overheads, len(self.usage.sites)
        q_all = np.array([a.quantity for a in led.allocations]).reshape(-1, n_sites)
        w_all = np.array([a.total for a in led.allocations]).reshape(-1, n_sites)
        alloc, site = oh.allocation[rows], oh.site[rows]
        driver = np.array([a.driver for a in led.allocations], dtype=np.intp)[alloc]
        at = np.maximum(site, 0)
        wide = site < 0
        total = np.where(wide, w_all.sum(axis=1)[alloc], w_all[alloc, at])
        keyless = total == 0  # a site with no key keeps its units on `unallocated` (M-26)
        quantity = np.where(wide, q_all.sum(axis=1)[alloc], q_all[alloc, at])
        mass, und, units = oh.mass[rows], oh.mass_undiscounted[rows], oh.units[rows]
        share = np.where(keyless, units, und) / np.where(keyless, quantity, total)
        factor = np.where(und > 0, mass, 1.0) / np.where(und > 0, und, 1.0)
        return CostLines(
            rows, driver, quantity, share, factor, price[driver], units * price[driver]
        )

    def timeline_weighted(self, weights: Vector) -> Vector:
        """Shape ``(n_rows,)``: ``Σ_cells weights · cost`` of the timeline, at every row.

        For a statistic that is linear in the costs of the timeline's cells (a follow-up
        estimator, whose weights depend only on the women's times): the weights first
        reduce the quantities to one vector, so that each row of prices is one dot product.

        Parameters
        ----------
        weights
            Shape ``(n_cells,)``, one per cell of the usage model's timeline.
        """
        if self.usage.timeline is None:
            msg = "the usage model has no timeline (build_usage(..., timeline=True))"
            raise ValueError(msg)
        q = self.usage.timeline.q.T @ weights  # (n_drivers,)
        return np.asarray(self.prices @ q, dtype=np.float64)


def costs(theta: Theta, terms: PriceTerms, usage: UsageModel, perspective: str) -> Costs:
    """Price a usage model at every row of Θ: the engine.

    Parameters
    ----------
    theta
        Shape ``(n_rows, n_params)``.
    terms, usage, perspective
        The compiled price terms, the usage model and the perspective (M-2).
    """
    full = driver_prices(theta, terms, usage.drivers)
    included = perspective_mask(usage.drivers, perspective)
    return Costs(usage, full * included, full, included)
