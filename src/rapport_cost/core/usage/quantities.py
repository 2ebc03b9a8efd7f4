"""Units of every contact-driven cost driver at each contact (M-14, M-21).

Staff time: each facilitator of a contact spends ``duration + prep + travel`` minutes
(``staff_time: explicit``, priced per working hour) or ``duration`` minutes
(``contact_rate``, priced per contact hour); the residual indirect time is the contact's
duration. Resources are used per hour of the session (its duration only), per attendee
(everyone present: study women and other attendees, not facilitators) or per session;
miles are counted once per contact, at the mileage resource.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rapport_cost.arrays import IntArray, Vector
from rapport_cost.config import CostingConfig
from rapport_cost.core.inputs.logs import CleanLogs
from rapport_cost.core.prices.terms import PriceTerms
from rapport_cost.core.usage.model import Driver
from rapport_cost.errors import ConfigError, Problem


@dataclass(frozen=True)
class ContactUnits:
    """What each contact consumes, driver by driver.

    Parameters
    ----------
    facilitators
        Shape ``(n_contacts, n_roles)``: facilitators of each role at each contact.
    role_col
        Role key → its column of ``facilitators``.
    duration_h, staff_h
        Shape ``(n_contacts,)``: the contact's duration, and each facilitator's hours.
    n_att
        Shape ``(n_contacts,)``: people present (:func:`~.pairs.attendees`).
    miles
        Shape ``(n_contacts,)``.
    type_code
        Shape ``(n_contacts,)``: the contact type's position in the config.
    use
        Resource key → how each contact type uses it, in config order plus ``None`` for
        code -1 (``per_hour``, ``per_attendee``, ``per_session`` or ``None``).
    mileage
        The resource that miles are priced at.
    """

    facilitators: Vector
    role_col: dict[str, int]
    duration_h: Vector
    staff_h: Vector
    n_att: Vector
    miles: Vector
    type_code: IntArray
    use: dict[str, list[str | None]]
    mileage: str

    def of(self, d: Driver) -> Vector | None:
        """Units of driver ``d`` at each contact, shape ``(n_contacts,)``.

        ``None`` for programme drivers, which no contact consumes.
        """
        if d.kind in ("staff", "contact"):
            return np.asarray(self.facilitators[:, self.role_col[d.item]] * self.staff_h)
        if d.kind == "residual":
            return np.asarray(self.facilitators[:, self.role_col[d.item]] * self.duration_h)
        if d.kind == "programme":
            return None
        use = self.use[d.item]
        hour, attendee, session = (
            np.array([u == name for u in use])[self.type_code]
            for name in ("per_hour", "per_attendee", "per_session")
        )
        q: Vector = (
            np.where(hour, self.duration_h, 0.0) + np.where(attendee, self.n_att, 0.0) + session
        )
        return q + self.miles if d.item == self.mileage else q


def contact_units(
    logs: CleanLogs, cfg: CostingConfig, terms: PriceTerms, n_att: Vector, type_code: IntArray
) -> ContactUnits:
    """The :class:`ContactUnits` of validated logs.

    Raises
    ------
    ConfigError
        If miles are logged but there is no mileage resource priced per mile.
    """
    c = logs.contacts
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
    use: dict[str, list[str | None]] = {
        r: [*(ct.resources.get(r) for ct in cfg.contact_types.values()), None]
        for r in terms.resources
    }
    return ContactUnits(
        facilitators=logs.facilitators,
        role_col={r: i for i, r in enumerate(logs.roles)},
        duration_h=dur_h,
        staff_h=staff_h,
        n_att=n_att,
        miles=miles,
        type_code=type_code,
        use=use,
        mileage=mileage,
    )
