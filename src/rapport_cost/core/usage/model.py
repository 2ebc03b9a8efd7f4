"""The activity logs as a resource-use matrix: lines (women, unit-level lines) × cost drivers.

A micro-costing model is linear in its prices (DESIGN §2): each woman and each unit-level
line uses fixed quantities of cost drivers (PSW hours, volunteer hours, room hours, miles,
refreshments, programme-cost units, ...), and ``cost = Q · p(θ)``. This module builds
``Q`` once from the logs; prices come from ``core/engine.py``. Quantities are discounted
here (METHODS I-6), because discount factors depend on dates, not on prices.

How contacts become quantities (METHODS C-6 to C-12):

* staff time: each facilitator of a contact spends ``duration + prep + travel`` minutes
  (``staff_time: explicit``, priced per working hour) or ``duration`` minutes
  (``contact_rate``, priced per contact hour);
* a one-to-one goes to its woman; a did-not-attend one-to-one to her (``dna: assign``)
  or to the unit line ``dna`` (``dna: unit``);
* a shared session is split among everyone present (``equal_attendees``, counting
  ``other_attendees``), by minutes attended (``time_weighted``; non-participants count
  the whole session), or per place (``capacity``); the shares of non-participants, of
  unfilled places and of sessions nobody attended stay on unit-level lines;
* resources per hour of the session, per attendee (everyone present) and per session;
  miles at the mileage resource;
* programme costs and logged non-contact staff time are allocated by ``allocation_key``
  (contact hours, women supported, or sessions delivered) within their site or over the
  programme, each share discounted like the contact hours or sessions it follows.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from rapport_cost.arrays import IntArray, Matrix, Vector
from rapport_cost.config import CostingConfig
from rapport_cost.core.inputs.logs import CleanLogs
from rapport_cost.core.inputs.plausible import check_admissions
from rapport_cost.core.prices.terms import PriceTerms, ProgrammeTerms
from rapport_cost.errors import ConfigError, Problem

DAYS_PER_YEAR = 365.25

#: Unit-level lines of each site: costs not attributed to a study woman.
LINE_KINDS = ("non_participants", "idle_capacity", "unattended_sessions", "dna", "unallocated")
#: Rows of the breakdown by contact type for costs that are not contacts.
PROGRAMME_ROW = "(programme costs)"
NON_CONTACT_ROW = "(non-contact staff time)"


@dataclass(frozen=True)
class Driver:
    """One column of the usage matrix.

    ``kind`` is ``staff`` (hours at cost per working hour), ``contact`` (hours at cost
    per contact hour), ``residual`` (contact hours at cost per working hour × residual
    indirect ratio), ``resource`` (units of a resource) or ``programme`` (units of a
    programme cost). ``item`` is the role, resource or programme key: the cost component.
    """

    kind: str
    item: str
    unit: str
    payer: str

    @property
    def key(self) -> str:
        """E.g. ``staff:psw``."""
        return f"{self.kind}:{self.item}"


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
    site_stats, type_stats, woman_stats
        ``contacts`` and ``contact_hours`` (hours of contacts that took place) per site,
        per row of ``types`` and per woman; ``sessions`` delivered per site; and per
        woman ``contacts_<type>``, the contacts of each type she took part in.
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
    site_stats: pd.DataFrame
    type_stats: pd.DataFrame
    woman_stats: pd.DataFrame
    study_period: tuple[pd.Timestamp, pd.Timestamp]
    discounting_applied: bool
    notes: list[str] = field(default_factory=list)

    @property
    def n_drivers(self) -> int:
        """Number of cost drivers."""
        return len(self.drivers)

    def site_sums(self) -> tuple[Matrix, Matrix, Vector]:
        """Per-site sums for the PSA (computed once).

        Returns
        -------
        (q_women_site, q_lines_site, n_women)
            Shapes ``(n_sites, n_drivers)``, ``(n_sites, n_drivers)`` and ``(n_sites,)``.
        """
        return self._site_sums

    @functools.cached_property
    def site_drivers(self) -> tuple[Matrix, Matrix]:
        """The site sums transposed and contiguous, shape ``(n_drivers, n_sites)`` each.

        ``prices @ q`` is then one fast matrix product per chunk of draws.
        """
        qw, ql, _ = self._site_sums
        return np.ascontiguousarray(qw.T), np.ascontiguousarray(ql.T)

    @functools.cached_property
    def _site_sums(self) -> tuple[Matrix, Matrix, Vector]:
        n = len(self.sites)
        w = _codes(self.women["site"], self.sites)
        ln = _codes(self.lines["site"], self.sites)
        qw = np.stack([self.q_women[w == s].sum(axis=0) for s in range(n)]).reshape(n, -1)
        ql = np.stack([self.q_lines[ln == s].sum(axis=0) for s in range(n)]).reshape(n, -1)
        return qw, ql, np.bincount(w, minlength=n).astype(np.float64)


def _codes(values: pd.Series, categories: tuple[str, ...]) -> IntArray:
    """Position of each value in ``categories`` (-1 if absent); fast for categoricals."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype) and tuple(dtype.categories) == categories:
        return np.asarray(values.cat.codes.to_numpy(), dtype=np.intp)
    return np.asarray(pd.Categorical(values, categories=list(categories)).codes, dtype=np.intp)


@dataclass(frozen=True)
class _Pairs:
    """Allocation of contacts to lines: contact ``k`` gives ``share`` of itself to ``line``."""

    contact: IntArray
    line: IntArray
    share: Vector


@dataclass(frozen=True)
class _Layout:
    """Indices shared by the steps below."""

    sites: tuple[str, ...]
    n_women: int
    contact_site: IntArray
    line_site: IntArray

    @property
    def n_lines(self) -> int:
        return self.n_women + len(self.sites) * len(LINE_KINDS)

    def unit_line(self, kind: str, sites: IntArray) -> IntArray:
        """Line index of the unit-level line ``kind`` of each site code in ``sites``."""
        return self.n_women + sites * len(LINE_KINDS) + LINE_KINDS.index(kind)


def _drivers(cfg: CostingConfig, terms: PriceTerms) -> list[Driver]:
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


def _day_numbers(dates: npt.NDArray[np.datetime64]) -> npt.NDArray[np.int64]:
    """Whole days since 1970-01-01 of each date, shape of ``dates``."""
    return dates.astype("datetime64[D]").astype(np.int64)


def discount_factors(days: npt.NDArray[np.int64], *, rate: float, timing: str) -> Vector:
    """Discount factors for costs ``days`` (whole days) after the index date (METHODS I-6).

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


def _study_period(
    cfg: CostingConfig, contacts: pd.DataFrame, women: pd.DataFrame
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The configured study period, else first to last contact (else first to last admission)."""
    if cfg.study_period is not None:
        return pd.Timestamp(cfg.study_period.start), pd.Timestamp(cfg.study_period.end)
    dates = contacts["date"] if len(contacts) else women["admission_date"]
    return pd.Timestamp(dates.min()), pd.Timestamp(dates.max())


def _pairs(logs: CleanLogs, cfg: CostingConfig, lay: _Layout, n_att: Vector) -> _Pairs:
    """Who each contact's cost goes to, and in what share (C-8, C-9)."""
    c = logs.contacts
    n_c = len(c)
    shared = c["shared"].to_numpy()
    attended = c["attended"].to_numpy()
    others = c["other_attendees"].to_numpy()
    duration = c["duration_min"].to_numpy()
    att = logs.attendance
    a_contact = att["contact"].to_numpy(dtype=np.intp)
    a_woman = att["woman"].to_numpy(dtype=np.intp)
    split = cfg.costing.group_split
    zeros = np.zeros(n_c)
    if split == "time_weighted":
        minutes = att["minutes"].to_numpy(dtype=np.float64)
        total = _sum_by(a_contact, minutes, n_c) + others * duration
        a_share = _div(minutes, total[a_contact])
        other_share = _div(others * duration, total)
        idle_share = zeros
    elif split == "capacity":
        cap = np.where(shared, c["capacity"].to_numpy(), 1.0)
        a_share = 1.0 / cap[a_contact]
        other_share = np.where(shared, others / cap, 0.0)
        idle_share = np.where(shared & (n_att > 0), (cap - n_att) / cap, 0.0)
    else:
        a_share = _div(np.ones(len(a_contact)), n_att[a_contact])
        other_share = np.where(shared, _div(others, n_att), 0.0)
        idle_share = zeros
    one = ~shared
    woman_of = c["woman"].to_numpy(dtype=np.intp)
    to_woman = np.flatnonzero(one & (attended | (cfg.costing.dna == "assign")))
    dna_unit = np.flatnonzero(one & ~attended & (cfg.costing.dna == "unit"))
    to_others = np.flatnonzero(shared & (other_share > 0))
    to_idle = np.flatnonzero(idle_share > 0)
    unattended = np.flatnonzero(shared & (n_att == 0))
    s = lay.contact_site
    return _Pairs(
        contact=np.concatenate([to_woman, dna_unit, a_contact, to_others, to_idle, unattended]),
        line=np.concatenate(
            [
                woman_of[to_woman],
                lay.unit_line("dna", s[dna_unit]),
                a_woman,
                lay.unit_line("non_participants", s[to_others]),
                lay.unit_line("idle_capacity", s[to_idle]),
                lay.unit_line("unattended_sessions", s[unattended]),
            ]
        ).astype(np.intp),
        share=np.concatenate(
            [
                np.ones(len(to_woman)),
                np.ones(len(dna_unit)),
                a_share,
                other_share[to_others],
                idle_share[to_idle],
                np.ones(len(unattended)),
            ]
        ),
    )


def _sum_by(index: IntArray, weights: Vector, n: int) -> Vector:
    """Sum of ``weights`` for each value 0 … n−1 of ``index`` (a typed ``np.bincount``)."""
    return np.bincount(index, weights=weights, minlength=n).astype(np.float64)


def _div(a: Vector, b: Vector) -> Vector:
    return np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape), where=b > 0)


def build_usage(logs: CleanLogs, cfg: CostingConfig, terms: PriceTerms) -> UsageModel:
    """Turn validated logs into the usage matrices (no Python loop over rows).

    Raises
    ------
    ConfigError
        If miles are logged but there is no mileage resource priced per mile, or a unit
        states fewer admissions than it has women.
    """
    c, women = logs.contacts, logs.women
    check_admissions({k: s.admissions for k, s in cfg.sites.items()}, women["site"])
    n_c, n_w = len(c), len(women)
    sites = tuple(cfg.sites) if cfg.sites else tuple(dict.fromkeys(women["site"]))
    type_names = [*cfg.contact_types, PROGRAMME_ROW, NON_CONTACT_ROW]
    n_sites, n_types = len(sites), len(type_names)
    lay = _Layout(
        sites,
        n_w,
        _codes(c["site"], sites),
        np.concatenate(
            [
                _codes(women["site"], sites),
                np.repeat(np.arange(n_sites, dtype=np.intp), len(LINE_KINDS)),
            ]
        ),
    )
    shared = c["shared"].to_numpy()
    attended = c["attended"].to_numpy()
    n_study = np.bincount(logs.attendance["contact"].to_numpy(dtype=np.intp), minlength=n_c)
    n_att = np.where(shared, n_study + c["other_attendees"].to_numpy(), attended.astype(float))
    pairs = _pairs(logs, cfg, lay, n_att)

    # discounting: from each woman's admission; unit-level lines from the study start
    period = _study_period(cfg, c, women)
    index_day = np.append(  # of each line: her admission, or the study's start
        _day_numbers(women["admission_date"].to_numpy()),
        np.full(lay.n_lines - n_w, _day_numbers(np.array([period[0]], "datetime64[ns]"))[0]),
    )
    days = _day_numbers(c["date"].to_numpy())[pairs.contact] - index_day[pairs.line]
    rate, timing = cfg.discounting.rate, cfg.discounting.timing
    applied = rate > 0 and float(np.max(days, initial=0)) >= DAYS_PER_YEAR
    factor = discount_factors(days, rate=rate, timing=timing) if applied else np.ones_like(days)
    notes: list[str] = []
    if rate > 0 and not applied:
        notes.append(
            "discounting not applied: all costs fall within 12 months of admission (METHODS I-7)"
        )
    elif applied:
        notes.append(
            f"costs in later years after admission discounted at {rate:.1%} a year "
            f"(timing '{timing}'); unit-level lines from the study start"
        )
    weight = pairs.share * factor
    effective = _sum_by(pairs.contact, weight, n_c)

    drivers = _drivers(cfg, terms)
    n_d = len(drivers)
    q_lines = np.zeros((lay.n_lines, n_d))
    undiscounted = np.zeros((n_sites, n_d))
    q_types = np.zeros((n_sites * n_types, n_d))
    type_code = _codes(c["contact_type"], tuple(cfg.contact_types))
    type_row = lay.contact_site * n_types + type_code

    dur_h = c["duration_min"].to_numpy() / 60.0
    staff_h = dur_h.copy()
    if cfg.costing.staff_time == "explicit":
        staff_h += (c["prep_min"].to_numpy() + c["travel_min"].to_numpy()) / 60.0
    miles = c["miles"].to_numpy()
    mileage = cfg.costing.mileage_resource
    if miles.sum() > 0 and (
        mileage not in terms.resources or terms.resources[mileage].unit != "mile"
    ):
        msg = f"miles are logged but there is no resource {mileage!r} with unit: mile"
        raise ConfigError(msg, [Problem(msg, field="costing.mileage_resource")])
    role_col = {r: i for i, r in enumerate(logs.roles)}

    def per_contact(d: Driver) -> Vector | None:
        """Units of driver ``d`` at each contact, shape ``(n_contacts,)``."""
        if d.kind in ("staff", "contact"):
            return logs.facilitators[:, role_col[d.item]] * staff_h
        if d.kind == "residual":
            return logs.facilitators[:, role_col[d.item]] * dur_h
        if d.kind != "resource":
            return None
        # units per contact of each type; the last entry serves type code -1
        use = [ct.resources.get(d.item) for ct in cfg.contact_types.values()] + [None]
        hour, attendee, session = (
            np.array([u == name for u in use])[type_code]
            for name in ("per_hour", "per_attendee", "per_session")
        )
        q: Vector = np.where(hour, dur_h, 0.0) + np.where(attendee, n_att, 0.0) + session
        return q + miles if d.item == mileage else q

    def fill(j: int) -> None:
        q = per_contact(drivers[j])
        if q is not None:
            q_lines[:, j] = _sum_by(pairs.line, weight * q[pairs.contact], lay.n_lines)
            undiscounted[:, j] = _sum_by(lay.contact_site, q, n_sites)
            q_types[:, j] = _sum_by(type_row, effective * q, n_sites * n_types)

    # each driver fills its own columns; numpy lets go of the GIL, so two run at once
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(fill, range(n_d)))

    # allocation keys for non-contact costs: discounted mass per line, undiscounted per site
    delivered = np.where(shared, n_att > 0, attended)
    hours = np.where(delivered, dur_h, 0.0)
    pair_hours = hours[pairs.contact]
    sessions = delivered.astype(np.float64)
    supported = (_sum_by(pairs.line, (pairs.share > 0).astype(np.float64), lay.n_lines) > 0).astype(
        np.float64
    )
    supported[n_w:] = 0.0  # unit-level lines are not women
    keys = {
        "contact_hours": (
            _sum_by(pairs.line, weight * pair_hours, lay.n_lines),
            _sum_by(lay.contact_site, hours, n_sites),
        ),
        "sessions": (
            _sum_by(pairs.line, weight * sessions[pairs.contact], lay.n_lines),
            _sum_by(lay.contact_site, sessions, n_sites),
        ),
        "women": (supported, _sum_by(lay.line_site, supported, n_sites)),
    }
    allocator = _Allocator(lay, keys, q_lines, undiscounted, q_types, n_types)
    days_in_period = (period[1] - period[0]).days + 1
    years = days_in_period / DAYS_PER_YEAR
    sessions_site = keys["sessions"][1]
    for j, d in enumerate(drivers):
        if d.kind == "programme":
            t = terms.programme[d.item]
            allocator.allocate(
                j,
                _programme_quantity(t, sites, years, sessions_site),
                t.allocation_key,
                type_names.index(PROGRAMME_ROW),
                programme_wide=t.site_counts is None,
            )
    st = logs.staff_time
    if len(st) and cfg.costing.staff_time == "explicit":
        st_site, st_role, st_hours = _codes(st["site"], sites), st["role"].to_numpy(), st["hours"]
        for j, d in enumerate(drivers):
            rows = (st_role == d.item) & (d.kind == "staff")
            if rows.any():
                by_site = _sum_by(st_site[rows], st_hours.to_numpy()[rows], n_sites)
                allocator.allocate(
                    j,
                    by_site,
                    cfg.allocation_key,
                    type_names.index(NON_CONTACT_ROW),
                    programme_wide=False,
                )
    elif len(st):
        notes.append(
            "the staff_time log is not costed under staff_time: contact_rate: "
            "non-contact time is inside the indirect-time ratio (METHODS C-6)"
        )
    if cfg.costing.staff_time == "contact_rate":
        skipped = [k for k, t in terms.programme.items() if t.role is not None]
        if skipped:
            notes.append(
                "under staff_time: contact_rate the staff-time programme costs "
                f"{', '.join(skipped)} are inside the indirect-time ratio and not "
                "added (METHODS C-11)"
            )
            for j, d in enumerate(drivers):
                if d.kind == "programme" and d.item in skipped:
                    q_lines[:, j] = 0.0
                    undiscounted[:, j] = 0.0
                    q_types[:, j] = 0.0

    # contacts of each type each woman took part in: one-to-ones she attended (validated
    # logs name the woman of each), and sessions she is listed at
    n_ct = len(cfg.contact_types)
    woman_of = c["woman"].to_numpy(dtype=np.intp)
    had = np.flatnonzero(~shared & attended & (woman_of >= 0))
    att_contact = logs.attendance["contact"].to_numpy(dtype=np.intp)
    att_woman = logs.attendance["woman"].to_numpy(dtype=np.intp)
    by_type = (
        np.bincount(woman_of[had] * n_ct + type_code[had], minlength=n_w * n_ct)
        + np.bincount(att_woman * n_ct + type_code[att_contact], minlength=n_w * n_ct)
    ).reshape(n_w, n_ct)
    woman_stats = pd.DataFrame(
        {
            "contacts": np.bincount(pairs.line, minlength=lay.n_lines)[:n_w],
            "contact_hours": _sum_by(pairs.line, pair_hours, lay.n_lines)[:n_w],
            **{f"contacts_{t}": by_type[:, k] for k, t in enumerate(cfg.contact_types)},
        }
    )
    return UsageModel(
        drivers=tuple(drivers),
        sites=sites,
        women=women[["woman_id", "site", *logs.subgroup_columns]].reset_index(drop=True),
        q_women=q_lines[:n_w],
        lines=pd.DataFrame(
            {"site": np.repeat(list(sites), len(LINE_KINDS)), "line": list(LINE_KINDS) * n_sites}
        ),
        q_lines=q_lines[n_w:],
        types=pd.DataFrame(
            {"site": np.repeat(list(sites), n_types), "contact_type": type_names * n_sites}
        ),
        q_types=q_types,
        undiscounted=undiscounted,
        site_stats=pd.DataFrame(
            {
                "contacts": np.bincount(lay.contact_site, minlength=n_sites),
                "contact_hours": keys["contact_hours"][1],
                "sessions": sessions_site,
            }
        ),
        type_stats=pd.DataFrame(
            {
                "contacts": np.bincount(type_row, minlength=n_sites * n_types),
                "contact_hours": _sum_by(type_row, hours, n_sites * n_types),
            }
        ),
        woman_stats=woman_stats,
        study_period=period,
        discounting_applied=applied,
        notes=notes,
    )


def _programme_quantity(
    t: ProgrammeTerms, sites: tuple[str, ...], years: float, sessions_site: Vector
) -> Vector:
    """Units of a programme cost per site (programme-wide counts on the first site)."""
    per_site = np.zeros(len(sites))
    if t.site_counts is not None:
        for s, n in t.site_counts.items():
            per_site[sites.index(s)] = n
    else:
        per_site[0] = 1.0 if t.count is None else t.count
    if t.per == "year":
        per_site = per_site * years
    elif t.per in ("month", "worker_month"):
        per_site = per_site * years * 12.0
    elif t.per == "session":
        per_site = per_site * (sessions_site if t.site_counts is not None else sessions_site.sum())
    if t.annuity_years is not None:
        per_site = per_site * years  # the equivalent annual cost runs for the study's years
    return per_site


@dataclass
class _Allocator:
    """Spreads non-contact quantities over lines by an allocation key (C-12)."""

    lay: _Layout
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
            per_mass = _div(per_site, mass_site)
            site_units = per_site
        share = mass_line * per_mass[lay.line_site]
        unallocated = (mass_site == 0) & (site_units > 0)
        for s in np.flatnonzero(unallocated):
            share[lay.unit_line("unallocated", np.array([s]))[0]] += site_units[s]
        self.q_lines[:, j] += share
        self.undiscounted[:, j] += site_units
        rows = np.arange(n_sites) * self.n_types + type_col
        self.q_types[rows, j] += _sum_by(lay.line_site, share, n_sites)
