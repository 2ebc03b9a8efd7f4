"""Who each contact's cost goes to, and in what share (M-17, M-18).

A one-to-one goes to its woman; a did-not-attend one-to-one to her (``dna: assign``) or
to the unit line ``dna`` (``dna: unit``). A shared session is split among everyone
present (``equal_attendees``, counting ``other_attendees``), by minutes attended
(``time_weighted``; other attendees count as present for the whole session; a session
with no minutes to weight by is shared equally), or per
place (``capacity``); the shares of other attendees, of unfilled places and of sessions
nobody attended stay on unit-level lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rapport_cost.arrays import IntArray, Vector
from rapport_cost.config import CostingConfig
from rapport_cost.core.inputs.logs import CleanLogs
from rapport_cost.core.usage.model import LINE_KINDS


@dataclass(frozen=True)
class Layout:
    """Lines of the usage model: the women first, then each site's unit-level lines.

    Parameters
    ----------
    sites
        Site keys in table order.
    n_women
        Number of women.
    contact_site
        Shape ``(n_contacts,)``: the site code of each contact.
    line_site
        Shape ``(n_lines,)``: the site code of each line.
    """

    sites: tuple[str, ...]
    n_women: int
    contact_site: IntArray
    line_site: IntArray

    @property
    def n_lines(self) -> int:
        """Women plus every site's unit-level lines."""
        return self.n_women + len(self.sites) * len(LINE_KINDS)

    def unit_line(self, kind: str, sites: IntArray) -> IntArray:
        """Line index of the unit-level line ``kind`` of each site code in ``sites``."""
        return self.n_women + sites * len(LINE_KINDS) + LINE_KINDS.index(kind)


@dataclass(frozen=True)
class Pairs:
    """Allocation of contacts to lines: contact ``k`` gives ``share`` of itself to ``line``.

    All of shape ``(n_pairs,)``.
    """

    contact: IntArray
    line: IntArray
    share: Vector


def sum_by(index: IntArray, weights: Vector, n: int) -> Vector:
    """Sum of ``weights`` for each value 0 … n−1 of ``index`` (a typed ``np.bincount``)."""
    return np.bincount(index, weights=weights, minlength=n).astype(np.float64)


def safe_div(a: Vector, b: Vector) -> Vector:
    """``a / b`` where ``b > 0``, else 0."""
    return np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape), where=b > 0)


def attendees(logs: CleanLogs) -> Vector:
    """People present at each contact, shape ``(n_contacts,)``.

    Study women listed at a shared session plus its other attendees; a one-to-one has 1
    if it took place, else 0.
    """
    c = logs.contacts
    shared = c["shared"].to_numpy()
    n_study = np.bincount(logs.attendance["contact"].to_numpy(dtype=np.intp), minlength=len(c))
    return np.asarray(
        np.where(shared, n_study + c["other_attendees"].to_numpy(), c["attended"].to_numpy()),
        dtype=np.float64,
    )


def _shares(logs: CleanLogs, cfg: CostingConfig, n_att: Vector) -> tuple[Vector, Vector, Vector]:
    """Share of each attendance row, of other attendees and of idle places per contact."""
    c = logs.contacts
    shared = c["shared"].to_numpy()
    others = c["other_attendees"].to_numpy()
    att = logs.attendance
    a_contact = att["contact"].to_numpy(dtype=np.intp)
    split = cfg.costing.group_split
    if split == "time_weighted":
        minutes = att["minutes"].to_numpy(dtype=np.float64)
        present = others * c["duration_min"].to_numpy()
        total = sum_by(a_contact, minutes, len(c)) + present
        # no minutes to weight by (every woman listed at 0 and no other attendee, or a
        # session of 0 minutes): shared equally by everyone present (docs/methods.md M-17)
        equal = shared & (total == 0)
        a_share = np.where(
            equal[a_contact],
            safe_div(np.ones(len(a_contact)), n_att[a_contact]),
            safe_div(minutes, total[a_contact]),
        )
        other_share = np.where(equal, safe_div(others, n_att), safe_div(present, total))
        return a_share, other_share, np.zeros(len(c))
    if split == "capacity":
        cap = np.where(shared, c["capacity"].to_numpy(), 1.0)
        idle = np.where(shared & (n_att > 0), (cap - n_att) / cap, 0.0)
        return 1.0 / cap[a_contact], np.where(shared, others / cap, 0.0), idle
    a_share = safe_div(np.ones(len(a_contact)), n_att[a_contact])
    return a_share, np.where(shared, safe_div(others, n_att), 0.0), np.zeros(len(c))


def contact_pairs(logs: CleanLogs, cfg: CostingConfig, lay: Layout, n_att: Vector) -> Pairs:
    """Every (contact, line, share) allocation of the logs (M-17, M-18)."""
    c = logs.contacts
    shared = c["shared"].to_numpy()
    attended = c["attended"].to_numpy()
    a_share, other_share, idle_share = _shares(logs, cfg, n_att)
    a_contact = logs.attendance["contact"].to_numpy(dtype=np.intp)
    a_woman = logs.attendance["woman"].to_numpy(dtype=np.intp)
    one = ~shared
    woman_of = c["woman"].to_numpy(dtype=np.intp)
    to_woman = np.flatnonzero(one & (attended | (cfg.costing.dna == "assign")))
    dna_unit = np.flatnonzero(one & ~attended & (cfg.costing.dna == "unit"))
    to_others = np.flatnonzero(shared & (other_share > 0))
    to_idle = np.flatnonzero(idle_share > 0)
    unattended = np.flatnonzero(shared & (n_att == 0))
    s = lay.contact_site
    return Pairs(
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
