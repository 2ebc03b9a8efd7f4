"""Programme costs and logged non-contact staff time, spread by an allocation key (M-23, M-26).

A programme cost is a number of units per site (``site_counts``) or for the whole
programme (``count``), times the study's years or calendar months (``per: year``,
``month``, ``worker_month``) or the sessions delivered (``per: session``). Those units, and
the hours of the ``staff_time`` log, are allocated to lines by ``allocation_key``: contact
hours, women supported, or sessions delivered, within their site (``site_counts``, the
staff-time log) or over the whole programme (``count``). A line's share of a site's units
follows the discounted mass of its key at that site's contacts (a woman kept at another
unit's session takes her share of that unit's overheads, not of her own unit's); a site
with units and no mass keeps them on its ``unallocated`` line.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np

from rapport_cost.arrays import IntArray, Matrix, Vector
from rapport_cost.core.prices.terms import ProgrammeTerms
from rapport_cost.core.usage.model import PROGRAMME_WIDE, Allocation, OverheadLines
from rapport_cost.core.usage.pairs import Layout, safe_div, sum_by


def programme_quantity(
    t: ProgrammeTerms, sites: tuple[str, ...], months: float, sessions_site: Vector
) -> Vector:
    """Units of a programme cost per site (programme-wide counts on the first site).

    ``months`` is the study length in calendar months
    (:func:`~rapport_cost.core.usage.discounting.study_months`); a cost per year counts
    ``months / 12`` of its units, a cost per month ``months``, and an annuitised cost
    runs for ``months / 12`` years.

    Returns
    -------
    ndarray of shape ``(n_sites,)``
    """
    per_site = np.zeros(len(sites))
    if t.site_counts is not None:
        for s, n in t.site_counts.items():
            per_site[sites.index(s)] = n
    else:
        per_site[0] = 1.0 if t.count is None else t.count
    years = months / 12.0
    if t.per == "year":
        per_site = per_site * years
    elif t.per in ("month", "worker_month"):
        per_site = per_site * months
    elif t.per == "session":
        per_site = per_site * (sessions_site if t.site_counts is not None else sessions_site.sum())
    if t.annuity_years is not None:
        per_site = per_site * years  # the equivalent annual cost runs for the study's years
    return per_site


_NO_INT: IntArray = np.zeros(0, dtype=np.intp)
_NO_FLOAT: Vector = np.zeros(0)


@dataclass(frozen=True)
class AllocationKey:
    """The mass of an allocation key, by line and by site (docs/methods.md M-26).

    Parameters
    ----------
    line
        Shape ``(n_lines,)``: each line's mass w_L (discounted), from the contacts of
        every site.
    site
        Shape ``(n_sites,)``: each site's total W_s (undiscounted).
    line_undiscounted
        Shape ``(n_lines,)``: w_L without the discount factors of the contacts; only for a
        ledger (``None`` otherwise).
    foreign_line, foreign_site, foreign_mass, foreign_undiscounted
        Shape ``(n_foreign,)`` each: the part of a line's mass (discounted and not) that
        comes from the contacts of a site other than its own (a woman kept at another
        unit's session, ``woman_site_mismatch: keep``), by (line, site of the contacts).
        Empty otherwise (``foreign_undiscounted`` also without a ledger).
    """

    line: Vector
    site: Vector
    line_undiscounted: Vector | None = None
    foreign_line: IntArray = field(default_factory=lambda: _NO_INT)
    foreign_site: IntArray = field(default_factory=lambda: _NO_INT)
    foreign_mass: Vector = field(default_factory=lambda: _NO_FLOAT)
    foreign_undiscounted: Vector = field(default_factory=lambda: _NO_FLOAT)

    @classmethod
    def from_pairs(
        cls,
        lay: Layout,
        line: IntArray,
        mass: Vector,
        site: Vector,
        *,
        away: tuple[IntArray, IntArray],
        undiscounted: Vector | None = None,
    ) -> AllocationKey:
        """The key from the mass of each allocation of a contact to a line.

        Parameters
        ----------
        lay
            The lines.
        line, mass
            Shape ``(n_pairs,)``: the line of each allocation and its mass (share × hours
            or sessions × discount factor).
        site
            Shape ``(n_sites,)``: W_s.
        away
            The allocations whose contact is at a site other than the line's, and that
            site: two arrays of shape ``(n_away,)`` (usually empty).
        undiscounted
            Shape ``(n_pairs,)``: ``mass`` without the discount factors, for a ledger.
        """
        n_sites, (at, at_site) = len(lay.sites), away
        und = None if undiscounted is None else sum_by(line, undiscounted, lay.n_lines)
        whole = cls(sum_by(line, mass, lay.n_lines), site, und)
        if at.size == 0:
            return whole
        cells, inverse = np.unique(line[at] * n_sites + at_site, return_inverse=True)
        cell = np.asarray(inverse, np.intp).reshape(-1)
        return replace(
            whole,
            foreign_line=(cells // n_sites).astype(np.intp),
            foreign_site=(cells % n_sites).astype(np.intp),
            foreign_mass=sum_by(cell, mass[at], cells.size),
            foreign_undiscounted=_NO_FLOAT
            if undiscounted is None
            else sum_by(cell, undiscounted[at], cells.size),
        )

    @property
    def own(self) -> Vector:
        """Shape ``(n_lines,)``: each line's mass from the contacts of its own site."""
        return self.line - sum_by(self.foreign_line, self.foreign_mass, self.line.size)

    @property
    def undiscounted(self) -> Vector:
        """Shape ``(n_lines,)``: :attr:`line_undiscounted` (a key built for a ledger).

        Raises
        ------
        ValueError
            If the key was built without it.
        """
        if self.line_undiscounted is None:
            msg = "the allocation key was built without its undiscounted mass (ledger=True)"
            raise ValueError(msg)
        return self.line_undiscounted

    @property
    def own_undiscounted(self) -> Vector:
        """Shape ``(n_lines,)``: :attr:`own` without the discount factors."""
        n = self.line.size
        return self.undiscounted - sum_by(self.foreign_line, self.foreign_undiscounted, n)


@dataclass
class Allocator:
    """Spreads non-contact quantities over lines by an allocation key (M-26).

    Parameters
    ----------
    lay
        The lines.
    keys
        Key name → its mass by line and site.
    q_lines, undiscounted, q_types
        The matrices being filled, shapes ``(n_lines, n_drivers)``,
        ``(n_sites, n_drivers)`` and ``(n_sites * n_types, n_drivers)``.
    n_types
        Rows of the breakdown by contact type per site.
    record
        Keep every allocation and what it gave each line (for a ledger).
    """

    lay: Layout
    keys: dict[str, AllocationKey]
    q_lines: Matrix
    undiscounted: Matrix
    q_types: Matrix
    n_types: int
    record: bool = False
    allocations: list[Allocation] = field(default_factory=list)
    given: list[OverheadLines] = field(default_factory=list)

    def allocate(
        self,
        j: int,
        per_site: Vector,
        key: str,
        type_col: int,
        *,
        programme_wide: bool,
        source: str = "programme",
    ) -> None:
        """Add ``per_site`` units of driver ``j`` (shape ``(n_sites,)``) to the lines.

        Within a site, line L gets Σ_s Q_s w_{L,s} / W_s; over the programme,
        (Σ_s Q_s) w_L / Σ_s W_s; a site's units with W_s = 0 go to its ``unallocated``
        line (docs/methods.md M-26).
        """
        lay, k = self.lay, self.keys[key]
        n_sites = len(lay.sites)
        if programme_wide:
            total, all_mass = float(per_site.sum()), float(k.site.sum())
            per_mass = np.full(n_sites, total / all_mass if all_mass > 0 else 0.0)
            site_units = k.site * per_mass if all_mass > 0 else per_site
            share = k.line * per_mass[0]
        else:
            per_mass = safe_div(per_site, k.site)
            site_units = per_site
            share = k.own * per_mass[lay.line_site]
            share += sum_by(k.foreign_line, k.foreign_mass * per_mass[k.foreign_site], share.size)
        unallocated = np.flatnonzero((k.site == 0) & (site_units > 0))
        to_unallocated = lay.unit_line("unallocated", unallocated)
        np.add.at(share, to_unallocated, site_units[unallocated])
        self.q_lines[:, j] += share
        self.undiscounted[:, j] += site_units
        rows = np.arange(n_sites) * self.n_types + type_col
        self.q_types[rows, j] += sum_by(lay.line_site, share, n_sites)
        if self.record:
            self._record(j, per_site, key, programme_wide, source, per_mass)
            self._record_unallocated(unallocated, to_unallocated, site_units)

    def _record(
        self,
        j: int,
        per_site: Vector,
        key: str,
        programme_wide: bool,
        source: str,
        per_mass: Vector,
    ) -> None:
        k, lay = self.keys[key], self.lay
        n = len(self.allocations)
        self.allocations.append(Allocation(j, source, key, programme_wide, per_site, k.site))
        if programme_wide:
            line = np.flatnonzero(k.undiscounted)
            site = np.full(line.size, PROGRAMME_WIDE, dtype=np.intp)
            mass, und = k.line[line], k.undiscounted[line]
        else:
            own, own_und = k.own, k.own_undiscounted
            home = np.flatnonzero(own_und)
            line = np.concatenate([home, k.foreign_line]).astype(np.intp)
            site = np.concatenate([lay.line_site[home], k.foreign_site]).astype(np.intp)
            mass = np.concatenate([own[home], k.foreign_mass])
            und = np.concatenate([own_und[home], k.foreign_undiscounted])
        units = mass * per_mass[np.maximum(site, 0)]
        keep = units != 0
        self.given.append(
            OverheadLines(
                np.full(int(keep.sum()), n, dtype=np.intp),
                line[keep],
                site[keep],
                mass[keep],
                und[keep],
                units[keep],
            )
        )

    def _record_unallocated(self, sites: IntArray, lines: IntArray, site_units: Vector) -> None:
        if sites.size == 0:
            return
        n = len(self.allocations) - 1
        zero = np.zeros(sites.size)
        self.given.append(
            OverheadLines(
                np.full(sites.size, n, dtype=np.intp),
                lines.astype(np.intp),
                sites.astype(np.intp),
                zero,
                zero,
                site_units[sites],
            )
        )

    def overhead_lines(self) -> OverheadLines:
        """Everything recorded, as one :class:`OverheadLines` (empty without a record)."""
        if not self.given:
            return OverheadLines(_NO_INT, _NO_INT, _NO_INT, _NO_FLOAT, _NO_FLOAT, _NO_FLOAT)
        return OverheadLines(
            *(
                np.concatenate([getattr(p, f.name) for p in self.given])
                for f in fields(OverheadLines)
            )
        )
