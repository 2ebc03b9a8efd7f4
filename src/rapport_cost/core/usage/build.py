"""Build the usage model Q from validated logs, with no Python loop over rows.

The steps, each in its own module: who each contact's cost goes to
(:mod:`~rapport_cost.core.usage.pairs`), what each contact consumes
(:mod:`~rapport_cost.core.usage.quantities`), the discount factor of each allocation
(:mod:`~rapport_cost.core.usage.discounting`), and the spreading of programme costs and
non-contact staff time (:mod:`~rapport_cost.core.usage.allocation`).
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rapport_cost.arrays import Int64Array, IntArray, Matrix, Vector
from rapport_cost.config import CostingConfig
from rapport_cost.core.inputs.logs import CleanLogs
from rapport_cost.core.inputs.plausible import check_admissions
from rapport_cost.core.prices.terms import PriceTerms
from rapport_cost.core.usage.allocation import AllocationKey, Allocator, programme_quantity
from rapport_cost.core.usage.discounting import (
    day_numbers,
    line_factors,
    study_months,
    study_period,
)
from rapport_cost.core.usage.model import (
    LINE_KINDS,
    NON_CONTACT_ROW,
    PROGRAMME_ROW,
    Driver,
    Ledger,
    Timeline,
    UsageModel,
    site_codes,
)
from rapport_cost.core.usage.pairs import Layout, Pairs, attendees, contact_pairs, sum_by
from rapport_cost.core.usage.quantities import ContactUnits, contact_units


def drivers_of(cfg: CostingConfig, terms: PriceTerms) -> list[Driver]:
    """The cost drivers of a config: staff roles, residual time, resources, programme costs."""
    explicit = cfg.costing.staff_time == "explicit"
    residual = terms.table.specs[terms.table.col(terms.residual_ratio)]
    out = [
        Driver("staff" if explicit else "contact", r, "hour", t.payer)
        for r, t in terms.roles.items()
    ]
    if explicit and (residual.value != 0.0 or residual.varies):
        out += [Driver("residual", r, "hour", t.payer) for r, t in terms.roles.items()]
    out += [Driver("resource", k, t.unit, t.payer) for k, t in terms.resources.items()]
    out += [Driver("programme", k, t.per, t.payer) for k, t in terms.programme.items()]
    return out


def study_admissions(
    women_site: IntArray, n_sites: int, stated: Mapping[str, int | None], sites: tuple[str, ...]
) -> Vector:
    """Admissions of each study site: as stated under ``sites``, else its women in the logs.

    Returns
    -------
    ndarray of shape ``(n_sites + 1,)``
        The last entry is all sites (as in ``per_unit``).
    """
    counts = np.bincount(women_site[women_site >= 0], minlength=n_sites)
    per_site = [
        float(n) if (n := stated.get(s)) is not None else float(counts[i])
        for i, s in enumerate(sites)
    ]
    return np.array([*per_site, sum(per_site)], dtype=np.float64)


@dataclass(frozen=True)
class _Contacts:
    """What the steps share: the lines, the allocations and their discounted weights."""

    lay: Layout
    pairs: Pairs
    factor: Vector
    """Shape ``(n_pairs,)``: the discount factor of each allocation."""
    weight: Vector
    """Shape ``(n_pairs,)``: share × discount factor of each allocation."""
    days: Int64Array
    """Shape ``(n_pairs,)``: days from the line's index date to the contact."""
    type_row: IntArray
    """Shape ``(n_contacts,)``: the contact's row of the breakdown by contact type."""
    n_types: int
    units: ContactUnits
    period: tuple[pd.Timestamp, pd.Timestamp]
    discounted: bool
    notes: list[str]


@dataclass(frozen=True)
class _Matrices:
    """The matrices being filled; shapes as in :class:`UsageModel`."""

    q_lines: Matrix
    undiscounted: Matrix
    q_types: Matrix
    q_cells: Matrix | None
    """Shape ``(n_cells, n_drivers)`` with a timeline, else None."""


def _contacts(logs: CleanLogs, cfg: CostingConfig, terms: PriceTerms) -> _Contacts:
    c, women = logs.contacts, logs.women
    check_admissions({k: s.admissions for k, s in cfg.sites.items()}, women["site"])
    sites = tuple(cfg.sites) if cfg.sites else tuple(dict.fromkeys(women["site"]))
    n_sites, n_types = len(sites), len(cfg.contact_types) + 2
    lay = Layout(
        sites,
        len(women),
        site_codes(c["site"], sites),
        np.concatenate(
            [
                site_codes(women["site"], sites),
                np.repeat(np.arange(n_sites, dtype=np.intp), len(LINE_KINDS)),
            ]
        ),
    )
    n_att = attendees(logs)
    pairs = contact_pairs(logs, cfg, lay, n_att)
    # discounting: from each woman's admission; unit-level lines from the study start
    period = study_period(cfg, c, women)
    start = period[0]
    index_day = np.append(
        day_numbers(women["admission_date"].to_numpy()),
        np.full(lay.n_lines - lay.n_women, day_numbers(np.array([start], "datetime64[ns]"))[0]),
    )
    days = day_numbers(c["date"].to_numpy())[pairs.contact] - index_day[pairs.line]
    factor, discounted, notes = line_factors(days, cfg)
    type_code = site_codes(c["contact_type"], tuple(cfg.contact_types))
    return _Contacts(
        lay=lay,
        pairs=pairs,
        factor=factor,
        weight=pairs.share * factor,
        days=days,
        type_row=lay.contact_site * n_types + type_code,
        n_types=n_types,
        units=contact_units(logs, cfg, terms, n_att, type_code),
        period=period,
        discounted=discounted,
        notes=notes,
    )


@dataclass(frozen=True)
class _CellIndex:
    """Timeline cells of the allocations to women, grouped by (woman, day).

    After them comes one share cell per woman on day 0, for her shares of programme costs
    and non-contact staff time.
    """

    pairs: IntArray
    """Positions (in the allocations) of those that go to a woman."""
    inverse: IntArray
    """The contact cell of each of them."""
    woman: IntArray
    day: Int64Array
    n_contact_cells: int

    @property
    def n_cells(self) -> int:
        """Contact cells plus one share cell per woman."""
        return int(self.woman.size)


def _cell_index(k: _Contacts) -> _CellIndex:
    to_woman = np.flatnonzero(k.pairs.line < k.lay.n_women)
    woman = k.pairs.line[to_woman].astype(np.int64)
    day = k.days[to_woman]
    lo = int(day.min(initial=0))
    span = int(day.max(initial=0)) - lo + 1
    keys, inverse = np.unique(woman * span + (day - lo), return_inverse=True)
    n_w = k.lay.n_women
    return _CellIndex(
        pairs=to_woman,
        inverse=np.asarray(inverse, dtype=np.intp).reshape(-1),
        woman=np.concatenate([keys // span, np.arange(n_w)]).astype(np.intp),
        day=np.concatenate([keys % span + lo, np.zeros(n_w, np.int64)]).astype(np.int64),
        n_contact_cells=int(keys.size),
    )


def _fill_contacts(
    k: _Contacts, drivers: list[Driver], m: _Matrices, cells: _CellIndex | None
) -> None:
    """Fill the columns of every contact-driven driver (two drivers at a time)."""
    lay, pairs, weight = k.lay, k.pairs, k.weight
    n_sites = len(lay.sites)
    effective = sum_by(pairs.contact, weight, len(k.units.staff_h))

    def fill(j: int) -> None:
        q = k.units.of(drivers[j])
        if q is None:
            return
        at_pair = weight * q[pairs.contact]
        m.q_lines[:, j] = sum_by(pairs.line, at_pair, lay.n_lines)
        m.undiscounted[:, j] = sum_by(lay.contact_site, q, n_sites)
        m.q_types[:, j] = sum_by(k.type_row, effective * q, n_sites * k.n_types)
        if cells is not None and m.q_cells is not None:
            m.q_cells[: cells.n_contact_cells, j] = sum_by(
                cells.inverse, at_pair[cells.pairs], cells.n_contact_cells
            )

    # each driver fills its own columns; numpy lets go of the GIL, so two run at once
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(fill, range(len(drivers))))


def _keys(k: _Contacts, logs: CleanLogs, *, ledger: bool = False) -> dict[str, AllocationKey]:
    """Allocation keys: discounted mass per line and undiscounted mass per site (M-26).

    ``contact_hours``: each line's allocation hours (share × hours × discount factor of the
    contacts that took place) and each site's session hours; ``sessions``: the same with
    1 for each contact that took place; ``women``: 1 for each woman with a share > 0 of a
    contact (a did-not-attend too). A line's mass at another site's contacts is kept apart
    (:class:`~rapport_cost.core.usage.allocation.AllocationKey`); with ``ledger``, the
    masses without discount factors too.
    """
    c, lay, pairs, weight = logs.contacts, k.lay, k.pairs, k.weight
    n_sites = len(lay.sites)
    shared, attended = c["shared"].to_numpy(), c["attended"].to_numpy()
    delivered = np.where(shared, k.units.n_att > 0, attended)
    hours = np.where(delivered, k.units.duration_h, 0.0)
    sessions = delivered.astype(np.float64)
    supported = (sum_by(pairs.line, (pairs.share > 0).astype(np.float64), lay.n_lines) > 0).astype(
        np.float64
    )
    supported[lay.n_women :] = 0.0  # unit-level lines are not women
    pair_site = lay.contact_site[pairs.contact]
    at = np.flatnonzero(lay.line_site[pairs.line] != pair_site)
    away = (at, pair_site[at])

    def key(per_contact: Vector) -> AllocationKey:
        at_pair = per_contact[pairs.contact]
        return AllocationKey.from_pairs(
            lay,
            pairs.line,
            weight * at_pair,
            sum_by(lay.contact_site, per_contact, n_sites),
            away=away,
            undiscounted=pairs.share * at_pair if ledger else None,
        )

    women = sum_by(lay.line_site, supported, n_sites)
    return {
        "contact_hours": key(hours),
        "sessions": key(sessions),
        "women": AllocationKey(supported, women, supported),
    }


def _allocate(
    k: _Contacts,
    logs: CleanLogs,
    cfg: CostingConfig,
    terms: PriceTerms,
    drivers: list[Driver],
    m: _Matrices,
    allocator: Allocator,
) -> list[str]:
    """Spread programme costs and the staff-time log over the lines; notes on what it did."""
    sites, n_sites = k.lay.sites, len(k.lay.sites)
    months = study_months(k.period)
    programme_col = len(cfg.contact_types)
    for j, d in enumerate(drivers):
        if d.kind == "programme":
            t = terms.programme[d.item]
            allocator.allocate(
                j,
                programme_quantity(t, sites, months, allocator.keys["sessions"].site),
                t.allocation_key,
                programme_col,
                programme_wide=t.site_counts is None,
            )
    notes: list[str] = []
    st = logs.staff_time
    if len(st) and cfg.costing.staff_time == "explicit":
        st_site, st_role = site_codes(st["site"], sites), st["role"].to_numpy()
        st_hours = st["hours"].to_numpy()
        for j, d in enumerate(drivers):
            rows = (st_role == d.item) & (d.kind == "staff")
            if rows.any():
                by_site = sum_by(st_site[rows], st_hours[rows], n_sites)
                allocator.allocate(
                    j,
                    by_site,
                    cfg.allocation_key,
                    programme_col + 1,
                    programme_wide=False,
                    source="staff_time",
                )
    elif len(st):
        notes.append(
            "the staff_time log is not costed under staff_time: contact_rate: "
            "non-contact time is inside the indirect-time ratio (M-14)"
        )
    if cfg.costing.staff_time == "contact_rate":
        notes += _drop_staff_programme_costs(terms, drivers, m)
    return notes


def _drop_staff_programme_costs(
    terms: PriceTerms, drivers: list[Driver], m: _Matrices
) -> list[str]:
    """Under ``contact_rate``, staff-time programme costs are inside the indirect ratio."""
    skipped = [key for key, t in terms.programme.items() if t.role is not None]
    if not skipped:
        return []
    for j, d in enumerate(drivers):
        if d.kind == "programme" and d.item in skipped:
            m.q_lines[:, j] = 0.0
            m.undiscounted[:, j] = 0.0
            m.q_types[:, j] = 0.0
    return [
        "under staff_time: contact_rate the staff-time programme costs "
        f"{', '.join(skipped)} are inside the indirect-time ratio and not added (M-23)"
    ]


def _woman_stats(
    k: _Contacts, logs: CleanLogs, cfg: CostingConfig, keys: dict[str, AllocationKey]
) -> pd.DataFrame:
    """Contacts, attended and allocation hours and contacts of each type of every woman.

    ``attended_hours``: the whole duration of every delivered contact she is named at;
    ``allocation_hours``: her mass of the ``contact_hours`` key, share × hours × discount
    factor (docs/methods.md M-34). Contacts of a type: the one-to-ones she attended
    (validated logs name the woman of each) and the sessions she is listed at.
    """
    c, n_w, n_ct = logs.contacts, k.lay.n_women, len(cfg.contact_types)
    shared, attended = c["shared"].to_numpy(), c["attended"].to_numpy()
    type_code = k.units.type_code
    woman_of = c["woman"].to_numpy(dtype=np.intp)
    had = np.flatnonzero(~shared & attended & (woman_of >= 0))
    att_contact = logs.attendance["contact"].to_numpy(dtype=np.intp)
    att_woman = logs.attendance["woman"].to_numpy(dtype=np.intp)
    by_type = (
        np.bincount(woman_of[had] * n_ct + type_code[had], minlength=n_w * n_ct)
        + np.bincount(att_woman * n_ct + type_code[att_contact], minlength=n_w * n_ct)
    ).reshape(n_w, n_ct)
    delivered = np.where(shared, k.units.n_att > 0, attended)
    pair_hours = np.where(delivered, k.units.duration_h, 0.0)[k.pairs.contact]
    return pd.DataFrame(
        {
            "contacts": np.bincount(k.pairs.line, minlength=k.lay.n_lines)[:n_w],
            "attended_hours": sum_by(k.pairs.line, pair_hours, k.lay.n_lines)[:n_w],
            "allocation_hours": keys["contact_hours"].line[:n_w],
            **{f"contacts_{t}": by_type[:, i] for i, t in enumerate(cfg.contact_types)},
        }
    )


def _stats(
    k: _Contacts, logs: CleanLogs, keys: dict[str, AllocationKey]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contacts, session hours and sessions per site; contacts and session hours per type row.

    Session hours count each delivered contact's duration once (docs/methods.md M-34).
    """
    c, lay = logs.contacts, k.lay
    n_sites, n_rows = len(lay.sites), len(lay.sites) * k.n_types
    delivered = np.where(c["shared"].to_numpy(), k.units.n_att > 0, c["attended"].to_numpy())
    hours = np.where(delivered, k.units.duration_h, 0.0)
    site_stats = pd.DataFrame(
        {
            "contacts": np.bincount(lay.contact_site, minlength=n_sites),
            "session_hours": keys["contact_hours"].site,
            "sessions": keys["sessions"].site,
        }
    )
    type_stats = pd.DataFrame(
        {
            "contacts": np.bincount(k.type_row, minlength=n_rows),
            "session_hours": sum_by(k.type_row, hours, n_rows),
        }
    )
    return site_stats, type_stats


def build_usage(
    logs: CleanLogs,
    cfg: CostingConfig,
    terms: PriceTerms,
    *,
    timeline: bool = False,
    ledger: bool = False,
) -> UsageModel:
    """Turn validated logs into the usage matrices (no Python loop over rows).

    Parameters
    ----------
    logs, cfg, terms
        Validated logs, the config and its compiled price terms.
    timeline
        Also keep each woman's quantities by day since her admission
        (:class:`~rapport_cost.core.usage.model.Timeline`), for follow-up horizons.
    ledger
        Also keep every allocation behind the quantities
        (:class:`~rapport_cost.core.usage.model.Ledger`), to explain a cost line by line.

    Raises
    ------
    ConfigError
        If miles are logged but there is no mileage resource priced per mile.
    """
    k = _contacts(logs, cfg, terms)
    lay, sites, n_w = k.lay, k.lay.sites, k.lay.n_women
    drivers = drivers_of(cfg, terms)
    n_d, n_sites = len(drivers), len(sites)
    cells = _cell_index(k) if timeline else None
    m = _Matrices(
        q_lines=np.zeros((lay.n_lines, n_d)),
        undiscounted=np.zeros((n_sites, n_d)),
        q_types=np.zeros((n_sites * k.n_types, n_d)),
        q_cells=None if cells is None else np.zeros((cells.n_cells, n_d)),
    )
    _fill_contacts(k, drivers, m, cells)
    before = m.q_lines[:n_w].copy() if cells is not None else None
    keys = _keys(k, logs, ledger=ledger)
    allocator = Allocator(
        k.lay, keys, m.q_lines, m.undiscounted, m.q_types, k.n_types, record=ledger
    )
    notes = [*k.notes, *_allocate(k, logs, cfg, terms, drivers, m, allocator)]
    site_stats, type_stats = _stats(k, logs, keys)
    type_names = [*cfg.contact_types, PROGRAMME_ROW, NON_CONTACT_ROW]
    stated = {key: s.admissions for key, s in cfg.sites.items()}
    return UsageModel(
        drivers=tuple(drivers),
        sites=sites,
        women=logs.women[["woman_id", "site", *logs.subgroup_columns]].reset_index(drop=True),
        q_women=m.q_lines[:n_w],
        lines=pd.DataFrame(
            {"site": np.repeat(list(sites), len(LINE_KINDS)), "line": list(LINE_KINDS) * n_sites}
        ),
        q_lines=m.q_lines[n_w:],
        types=pd.DataFrame(
            {"site": np.repeat(list(sites), k.n_types), "contact_type": type_names * n_sites}
        ),
        q_types=m.q_types,
        undiscounted=m.undiscounted,
        admissions=study_admissions(lay.line_site[:n_w], n_sites, stated, sites),
        site_stats=site_stats,
        type_stats=type_stats,
        woman_stats=_woman_stats(k, logs, cfg, keys),
        study_period=k.period,
        discounting_applied=k.discounted,
        notes=notes,
        timeline=_timeline(cells, m, before),
        ledger=_ledger(k, logs, drivers, allocator) if ledger else None,
    )


def _ledger(k: _Contacts, logs: CleanLogs, drivers: list[Driver], allocator: Allocator) -> Ledger:
    """Every allocation of the usage model: contacts to lines, and the overheads."""
    c, units = logs.contacts, k.units
    per_contact = np.zeros((len(c), len(drivers)))
    for j, d in enumerate(drivers):
        q = units.of(d)
        if q is not None:
            per_contact[:, j] = q
    delivered = np.where(c["shared"].to_numpy(), units.n_att > 0, c["attended"].to_numpy())
    contacts = pd.DataFrame(
        {
            "contact_id": c["contact_id"].to_numpy(),
            "date": c["date"].to_numpy(),
            "contact_type": c["contact_type"].astype(str).to_numpy(),
            "site": c["site"].astype(str).to_numpy(),
            "n_att": units.n_att,
            "delivered": delivered,
            "session_hours": np.where(delivered, units.duration_h, 0.0),
        }
    )
    return Ledger(
        pair_contact=k.pairs.contact,
        pair_line=k.pairs.line,
        pair_share=k.pairs.share,
        pair_factor=k.factor,
        contact_units=per_contact,
        contacts=contacts,
        allocations=tuple(allocator.allocations),
        overheads=allocator.overhead_lines(),
    )


def _timeline(cells: _CellIndex | None, m: _Matrices, before: Matrix | None) -> Timeline | None:
    """The timeline, its share cells holding what allocation added to each woman."""
    if cells is None or m.q_cells is None or before is None:
        return None
    n_w = before.shape[0]
    m.q_cells[cells.n_contact_cells :] = m.q_lines[:n_w] - before
    return Timeline(woman=cells.woman, day=cells.day, q=m.q_cells)
