"""The usage model Q: quantities of every cost driver, by woman and unit-level line.

A micro-costing model is linear in its prices: each woman and each unit-level line uses
fixed quantities of cost drivers (PSW hours, volunteer hours, room hours, miles,
refreshments, programme-cost units, ...), and ``cost = Q · p(θ)``. :class:`UsageModel`
holds ``Q``, built once from the logs by :func:`~rapport_cost.core.usage.build.build_usage`;
prices come from :mod:`rapport_cost.core.prices` and the product is taken in one place,
:mod:`rapport_cost.core.engine`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
import pandas as pd

from rapport_cost.arrays import Int64Array, IntArray, Matrix, Vector

#: Unit-level lines of each site: costs not attributed to a study woman.
LINE_KINDS = ("non_participants", "idle_capacity", "unattended_sessions", "dna", "unallocated")
#: Rows of the breakdown by contact type for costs that are not contacts.
PROGRAMME_ROW = "(programme costs)"
NON_CONTACT_ROW = "(non-contact staff time)"

DriverKind = Literal["staff", "contact", "residual", "resource", "programme"]
#: Every kind of driver (a closed set: the engine prices each of them).
DRIVER_KINDS: tuple[DriverKind, ...] = get_args(DriverKind)


@dataclass(frozen=True)
class Driver:
    """One column of the usage matrix.

    ``kind`` is ``staff`` (hours at cost per working hour), ``contact`` (hours at cost
    per contact hour), ``residual`` (contact hours at cost per working hour × residual
    indirect ratio), ``resource`` (units of a resource) or ``programme`` (units of a
    programme cost). ``item`` is the role, resource or programme key: the cost component.
    """

    kind: DriverKind
    item: str
    unit: str
    payer: str

    def __post_init__(self) -> None:
        if self.kind not in DRIVER_KINDS:
            msg = f"driver kind must be one of {', '.join(DRIVER_KINDS)}, got {self.kind!r}"
            raise ValueError(msg)

    @property
    def key(self) -> str:
        """E.g. ``staff:psw``."""
        return f"{self.kind}:{self.item}"


@dataclass(frozen=True)
class Timeline:
    """Each woman's quantities by day since her admission (for follow-up horizons).

    The cells of one woman sum to her row of :attr:`UsageModel.q_women`: contact costs on
    the day of the contact, her shares of programme costs and non-contact staff time on
    day 0 (M-65).

    Parameters
    ----------
    woman
        Shape ``(n_cells,)``: the woman of each cell (row of ``UsageModel.women``).
    day
        Shape ``(n_cells,)``: days from her admission to the cost (0 for shares).
    q
        Shape ``(n_cells, n_drivers)``: discounted quantities, as in ``q_women``.
    """

    woman: IntArray
    day: Int64Array
    q: Matrix


#: The site of an overhead line allocated over the whole programme.
PROGRAMME_WIDE = -1


@dataclass(frozen=True)
class Allocation:
    """One spreading of a driver's units: a programme cost, or one role's staff-time log.

    Parameters
    ----------
    driver
        The driver (column of the usage matrices).
    source
        ``programme`` or ``staff_time``.
    key
        The allocation key (``contact_hours``, ``sessions`` or ``women``).
    programme_wide
        Spread over the key of every site (``count``) rather than within each site.
    quantity
        Shape ``(n_sites,)``: Q_s, the units of each site (programme-wide: on the first).
    total
        Shape ``(n_sites,)``: W_s, each site's total of the key.
    """

    driver: int
    source: str
    key: str
    programme_wide: bool
    quantity: Vector
    total: Vector


@dataclass(frozen=True)
class OverheadLines:
    """What each allocation gave each line, by the site whose units it shares.

    All of shape ``(n_rows,)``; rows with 0 units are left out. Lines are numbered as in
    :class:`Ledger` (the women, then each site's unit-level lines).

    Parameters
    ----------
    allocation
        The allocation (position in :attr:`Ledger.allocations`).
    line
        The line that received the units.
    site
        The site whose units they are (whose contacts the line's mass is at), or
        :data:`PROGRAMME_WIDE` for a cost spread over the whole programme.
    mass, mass_undiscounted
        The line's key mass at that site's contacts (over the programme: at every site),
        with and without the discount factors of the contacts. For the ``unallocated``
        line of a site with no key (docs/methods.md M-26): 0.
    units
        The units of the allocation's driver the line received (discounted).
    """

    allocation: IntArray
    line: IntArray
    site: IntArray
    mass: Vector
    mass_undiscounted: Vector
    units: Vector


@dataclass(frozen=True)
class Ledger:
    """Every allocation behind the usage model, kept on request to explain a cost.

    Lines are numbered as in the usage model: the ``n_women`` women, then each site's
    unit-level lines in :data:`LINE_KINDS` order (line ``n_women + 5 s + k``).

    Parameters
    ----------
    pair_contact, pair_line, pair_share, pair_factor
        Shape ``(n_pairs,)``: each allocation of a contact to a line, its share and the
        discount factor of the contact's date for that line.
    contact_units
        Shape ``(n_contacts, n_drivers)``: the units of each driver at each contact, the
        whole contact before it is shared (0 for programme drivers).
    contacts
        ``contact_id``, ``date``, ``contact_type``, ``site``, ``n_att`` (people present),
        ``delivered`` and ``session_hours`` of each contact (``n_contacts`` rows).
    allocations
        Every spreading of programme costs and non-contact staff time.
    overheads
        What each allocation gave each line.
    """

    pair_contact: IntArray
    pair_line: IntArray
    pair_share: Vector
    pair_factor: Vector
    contact_units: Matrix
    contacts: pd.DataFrame
    allocations: tuple[Allocation, ...]
    overheads: OverheadLines


@dataclass(frozen=True)
class UsageModel:
    """Discounted quantities of every driver, by woman, unit-level line and contact type.

    Parameters
    ----------
    drivers
        The ``n_drivers`` columns.
    sites
        Site keys, in table order.
    women
        ``woman_id``, ``site`` and subgroup columns; ``n_women`` rows.
    q_women
        Shape ``(n_women, n_drivers)``: quantities allocated to each woman, discounted.
    lines
        ``site`` and ``line`` (one of :data:`LINE_KINDS`) of the ``n_lines`` unit-level lines.
    q_lines
        Shape ``(n_lines, n_drivers)``.
    types
        ``site`` and ``contact_type`` of the rows of the breakdown by contact type, which
        include :data:`PROGRAMME_ROW` and :data:`NON_CONTACT_ROW`.
    q_types
        Shape ``(n_type_rows, n_drivers)``; within a site it sums to the women's and lines'.
    undiscounted
        Shape ``(n_sites, n_drivers)``: the quantities before discounting.
    admissions
        Shape ``(n_sites + 1,)``: each site's admissions in the study (as stated under
        ``sites``, else its women in the logs), the last entry all sites.
    site_stats, type_stats, woman_stats
        ``contacts`` per site, per row of ``types`` and per woman; ``session_hours`` per
        site and type row (each delivered contact's duration once); ``sessions``
        delivered per site; per woman ``attended_hours`` (the whole duration of each
        delivered contact she is named at), ``allocation_hours`` (her mass of the
        ``contact_hours`` key: share × hours × discount factor) and ``contacts_<type>``,
        the contacts of each type she took part in (docs/methods.md M-34).
    timeline
        Each woman's quantities by day since admission, when asked for.
    ledger
        Every allocation behind the quantities, when asked for (to explain a cost).
    """

    drivers: tuple[Driver, ...]
    sites: tuple[str, ...]
    women: pd.DataFrame
    q_women: Matrix
    lines: pd.DataFrame
    q_lines: Matrix
    types: pd.DataFrame
    q_types: Matrix
    undiscounted: Matrix
    admissions: Vector
    site_stats: pd.DataFrame
    type_stats: pd.DataFrame
    woman_stats: pd.DataFrame
    study_period: tuple[pd.Timestamp, pd.Timestamp]
    discounting_applied: bool
    notes: list[str] = field(default_factory=list)
    timeline: Timeline | None = None
    ledger: Ledger | None = None

    @property
    def n_drivers(self) -> int:
        """Number of cost drivers."""
        return len(self.drivers)

    @functools.cached_property
    def women_per_site(self) -> Vector:
        """Women of each site, shape ``(n_sites,)``."""
        return np.bincount(self.woman_site, minlength=len(self.sites)).astype(np.float64)

    @functools.cached_property
    def woman_site(self) -> IntArray:
        """Site code of each woman, shape ``(n_women,)``."""
        return site_codes(self.women["site"], self.sites)

    @functools.cached_property
    def line_site(self) -> IntArray:
        """Site code of each unit-level line, shape ``(n_lines,)``."""
        return site_codes(self.lines["site"], self.sites)

    @functools.cached_property
    def site_drivers(self) -> tuple[Matrix, Matrix]:
        """Quantities per site of the women and of the unit-level lines.

        Each of shape ``(n_drivers, n_sites)``, transposed and contiguous so that
        ``prices @ q`` is one fast matrix product per chunk of draws.
        """
        n = len(self.sites)
        w, ln = self.woman_site, self.line_site
        qw = np.stack([self.q_women[w == s].sum(axis=0) for s in range(n)]).reshape(n, -1)
        ql = np.stack([self.q_lines[ln == s].sum(axis=0) for s in range(n)]).reshape(n, -1)
        return np.ascontiguousarray(qw.T), np.ascontiguousarray(ql.T)


def site_codes(values: pd.Series, categories: tuple[str, ...]) -> IntArray:
    """Position of each value in ``categories`` (-1 if absent); fast for categoricals."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype) and tuple(dtype.categories) == categories:
        return np.asarray(values.cat.codes.to_numpy(), dtype=np.intp)
    return np.asarray(pd.Categorical(values, categories=list(categories)).codes, dtype=np.intp)
