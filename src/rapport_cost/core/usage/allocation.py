"""Programme costs and logged non-contact staff time, spread by an allocation key (C-11, C-12).

A programme cost is a number of units per site (``site_counts``) or for the whole
programme (``count``), times the study's years or calendar months (``per: year``, ``month``,
``worker_month``) or the sessions delivered (``per: session``). Those units, and the
hours of the ``staff_time`` log, are allocated to lines by ``allocation_key``: contact
hours, women supported, or sessions delivered, within their site (``site_counts``, the
staff-time log) or over the whole programme (``count``). A line's share follows the
discounted mass of its key; a site with units and no mass keeps them on its
``unallocated`` line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rapport_cost.arrays import Matrix, Vector
from rapport_cost.core.prices.terms import ProgrammeTerms
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


@dataclass
class Allocator:
    """Spreads non-contact quantities over lines by an allocation key (C-12).

    Parameters
    ----------
    lay
        The lines.
    keys
        Key name → (discounted mass of each line, shape ``(n_lines,)``; undiscounted mass
        of each site, shape ``(n_sites,)``).
    q_lines, undiscounted, q_types
        The matrices being filled, shapes ``(n_lines, n_drivers)``,
        ``(n_sites, n_drivers)`` and ``(n_sites * n_types, n_drivers)``.
    n_types
        Rows of the breakdown by contact type per site.
    """

    lay: Layout
    keys: dict[str, tuple[Vector, Vector]]
    q_lines: Matrix
    undiscounted: Matrix
    q_types: Matrix
    n_types: int

    def allocate(
        self, j: int, per_site: Vector, key: str, type_col: int, *, programme_wide: bool
    ) -> None:
        """Add ``per_site`` units of driver ``j`` (shape ``(n_sites,)``) to the lines."""
        lay = self.lay
        mass_line, mass_site = self.keys[key]
        n_sites = len(lay.sites)
        if programme_wide:
            total, all_mass = float(per_site.sum()), float(mass_site.sum())
            per_mass = np.full(n_sites, total / all_mass if all_mass > 0 else 0.0)
            site_units = mass_site * per_mass if all_mass > 0 else per_site
        else:
            per_mass = safe_div(per_site, mass_site)
            site_units = per_site
        share = mass_line * per_mass[lay.line_site]
        unallocated = (mass_site == 0) & (site_units > 0)
        for s in np.flatnonzero(unallocated):
            share[lay.unit_line("unallocated", np.array([s]))[0]] += site_units[s]
        self.q_lines[:, j] += share
        self.undiscounted[:, j] += site_units
        rows = np.arange(n_sites) * self.n_types + type_col
        self.q_types[rows, j] += sum_by(lay.line_site, share, n_sites)
