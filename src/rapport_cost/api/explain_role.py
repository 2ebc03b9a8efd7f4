"""``explain --role``: a role's cost per hour, step by step, and where its hours go.

The build-up follows docs/methods.md M-7 to M-12 on the parameters' point values; the
hours and their costs come from the engine's ledger lines
(:meth:`rapport_cost.core.engine.Costs.ledger_lines`), so their total is the role's cost
in ``by_component`` plus the programme costs priced in its hours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from rapport_cost.arrays import FloatLike, IntArray, Theta
from rapport_cost.core.engine import Costs
from rapport_cost.core.prices.terms import PriceTerms, RoleTerms, column, staff_costs
from rapport_cost.core.usage.model import LINE_KINDS, NON_CONTACT_ROW

if TYPE_CHECKING:
    from rapport_cost.api.base import Built

_STAFF_KINDS = {"staff": "working hours", "contact": "contact hours", "residual": "residual"}


def _num(x: FloatLike | None) -> float:
    return float("nan") if x is None else float(np.asarray(x, dtype=float).reshape(-1)[0])


def _step(step: str, figure: float, formula: str, method: str) -> dict[str, object]:
    return {"step": step, "figure": figure, "formula": formula, "method": method}


def _salaried(theta: Theta, terms: PriceTerms, t: RoleTerms, role: str) -> list[dict[str, object]]:
    """M-7 to M-11 for a salaried role, each step with its numbers."""

    def val(name: str | None) -> float:
        assert name is not None
        return float(column(theta, terms.table, name)[0])

    sc = staff_costs(theta, terms)[role]
    s, tau, thr = val(t.salary), val(t.ni_rate), val(t.ni_threshold)
    p, o, m, n = val(t.pension), val(t.other), val(t.management), val(t.non_staff)
    ni = tau * max(0.0, s - thr)
    base = s + _num(sc.on_costs)
    hours = _num(sc.working_hours)
    per_hour = _num(sc.cost_per_working_hour)
    wt = "working_hours" if t.working_time is None else "h_wk × (weeks − days off / days a week)"
    rows = [
        _step("salary S", s, "gross annual salary, £ a year", "M-7"),
        _step("employer NI", ni, f"{tau:g} × max(0, S − {thr:,.2f})", "M-7"),
        _step("pension", p * s, f"{p:g} × S", "M-7"),
        _step("other on-costs", o * s, f"{o:g} × S", "M-7"),
        _step("on-costs", _num(sc.on_costs), "NI + pension + other", "M-7"),
        _step(
            "management overheads", _num(sc.overheads_management), f"{m:g} × (S + on-costs)", "M-8"
        ),
        _step(
            "non-staff overheads", _num(sc.overheads_non_staff), f"{n:g} × (S + on-costs)", "M-8"
        ),
        _step("capital", _num(sc.capital), "£ a year per FTE", "M-8"),
        _step("qualifications", _num(sc.qualifications), "£ a year per FTE", "M-8"),
        _step(
            "annual cost",
            _num(sc.annual_cost),
            f"{base:,.2f} + overheads + capital + qualifications",
            "M-8",
        ),
        _step("working hours H", hours, wt, "M-9"),
        _step("cost per working hour", per_hour, "annual cost / H", "M-10"),
    ]
    return rows + _contact_step(theta, terms, t, per_hour, _num(sc.cost_per_contact_hour))


def _contact_step(
    theta: Theta, terms: PriceTerms, t: RoleTerms, per_hour: float, contact: float
) -> list[dict[str, object]]:
    if t.ratio is None:
        return [_step("cost per contact hour", float("nan"), "no indirect_time_ratio", "M-11")]
    rho = float(column(theta, terms.table, t.ratio)[0])
    return [
        _step("indirect time ratio ρ", rho, "1 : ρ direct to indirect time", "M-11"),
        _step("cost per contact hour", contact, f"{per_hour:,.6f} × (1 + {rho:g})", "M-11"),
    ]


def build_up(built: Built, role: str) -> pd.DataFrame:
    """Table ``build_up``: step, figure, formula and rule of the role's cost per hour."""
    terms, cfg = built.prep.terms, built.config
    theta = terms.table.base_matrix()
    t = terms.roles[role]
    sc = staff_costs(theta, terms)[role]
    per_hour = _num(sc.cost_per_working_hour)
    if t.basis == "salary":
        rows = _salaried(theta, terms, t, role)
    elif t.basis == "hourly_rate":
        rows = [_step("cost per working hour", per_hour, "hourly_rate", "M-12")]
        rows += _contact_step(theta, terms, t, per_hour, _num(sc.cost_per_contact_hour))
    else:
        rows = [
            _step("cost per working hour", per_hour, f"valued as {t.valued_as}'s", "M-12"),
            *_contact_step(theta, terms, t, per_hour, _num(sc.cost_per_contact_hour)),
        ]
    explicit = cfg.costing.staff_time == "explicit"
    price = (
        per_hour if explicit or sc.cost_per_contact_hour is None else _num(sc.cost_per_contact_hour)
    )
    used = (
        "per working hour (staff_time: explicit)" if explicit else "per contact hour (contact_rate)"
    )
    rows.append(_step("price of an hour of contact time", price, used, "M-14"))
    return pd.DataFrame(rows)


def _hours_per_unit(built: Built, role: str) -> dict[int, float]:
    """Drivers that are hours of the role outside contacts, and the hours in one unit.

    The staff-time log's driver (1 hour per unit) and every programme cost priced in hours
    of the role (its ``hours`` per unit of ``per``).
    """
    terms = built.prep.terms
    theta = terms.table.base_matrix()
    out: dict[int, float] = {}
    for j, d in enumerate(built.usage.drivers):
        if d.kind == "staff" and d.item == role:
            out[j] = 1.0
        elif d.kind == "programme":
            t = terms.programme[d.item]
            if t.role == role and t.hours is not None:
                out[j] = float(column(theta, terms.table, t.hours)[0])
    return out


def hours_table(built: Built, costs: Costs, role: str) -> pd.DataFrame:
    """Table ``hours``: the role's hours and their cost, by unit, activity and who carries it.

    Contact hours are the facilitators' hours of each contact times each line's share (by
    the unit of the contact); non-contact hours are each line's share of the staff-time
    log and of the programme costs in hours of the role (by the unit of the line).
    ``cost`` is discounted, as in every table; the last row is the total.
    """
    usage = built.usage
    led = usage.ledger
    assert led is not None
    contact, overhead = costs.ledger_lines(0)
    n_w, drivers = len(usage.women), usage.drivers
    kinds = np.array(["women", *LINE_KINDS], dtype=object)
    site_of_line = np.concatenate([usage.woman_site, usage.line_site])
    sites = np.array(usage.sites, dtype=object)

    def carried(line: IntArray) -> npt.NDArray[np.object_]:
        return np.asarray(kinds[np.where(line < n_w, 0, (line - n_w) % len(LINE_KINDS) + 1)])

    mine = np.array([d.item == role and d.kind in _STAFF_KINDS for d in drivers], dtype=bool)
    sel = mine[contact.driver]
    line = led.pair_line[contact.source[sel]]
    info = led.contacts.iloc[led.pair_contact[contact.source[sel]]]
    at_contacts = pd.DataFrame(
        {
            "site": info["site"].to_numpy(),
            "activity": info["contact_type"].to_numpy(),
            "carried_by": carried(line),
            "driver": [_STAFF_KINDS[drivers[j].kind] for j in contact.driver[sel]],
            "hours": (contact.units * contact.share)[sel],
            "cost": contact.cost[sel],
        }
    )
    per_unit = _hours_per_unit(built, role)
    osel = np.isin(overhead.driver, list(per_unit))
    oline = led.overheads.line[overhead.source[osel]]
    odrv = overhead.driver[osel]
    elsewhere = pd.DataFrame(
        {
            "site": sites[site_of_line[oline]],
            "activity": [
                NON_CONTACT_ROW if drivers[j].kind == "staff" else f"({drivers[j].item})"
                for j in odrv
            ],
            "carried_by": carried(oline),
            "driver": "working hours",
            "hours": (overhead.units * overhead.share)[osel] * [per_unit[j] for j in odrv],
            "cost": overhead.cost[osel],
        }
    )
    out = pd.concat([at_contacts, elsewhere], ignore_index=True)
    out = out.groupby(["site", "activity", "carried_by", "driver"], sort=False, as_index=False)[
        ["hours", "cost"]
    ].sum()
    order = [*built.config.contact_types, NON_CONTACT_ROW]
    rank = {
        "activity": lambda a: a.map({t: i for i, t in enumerate(order)}).fillna(len(order)),
        "site": lambda a: a.map({t: i for i, t in enumerate(usage.sites)}),
        "carried_by": lambda a: a.map({t: i for i, t in enumerate(kinds)}),
    }
    out = out.sort_values(
        ["activity", "site", "carried_by"], key=lambda c: rank[str(c.name)](c), kind="stable"
    ).reset_index(drop=True)
    total: dict[str, object] = {"site": "all", "activity": "total", "carried_by": ""}
    total |= {"driver": "", "hours": float(out["hours"].sum()), "cost": out["cost"].sum()}
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def explain_role(built: Built, costs: Costs, role: str) -> dict[str, pd.DataFrame]:
    """Tables ``build_up`` and ``hours`` of one role."""
    return {"build_up": build_up(built, role), "hours": hours_table(built, costs, role)}
