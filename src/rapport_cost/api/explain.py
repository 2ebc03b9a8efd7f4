"""``explain``: how one woman's, one unit's or one role's cost is built, line by line.

Every figure comes from the engine (:meth:`rapport_cost.core.engine.Costs.ledger_lines`,
the ledger of the usage model at the parameters' point values), so the lines sum to what
``estimate`` reports. Each line names the rules of docs/methods.md it follows.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from rapport_cost.api.base import Built, BuiltArg, Result, build, model_result
from rapport_cost.api.estimate import component_labels
from rapport_cost.api.explain_role import explain_role
from rapport_cost.arrays import IntArray
from rapport_cost.core.engine import CostLines, Costs
from rapport_cost.core.usage.model import (
    LINE_KINDS,
    NON_CONTACT_ROW,
    PROGRAMME_ROW,
    PROGRAMME_WIDE,
    Driver,
    Ledger,
)
from rapport_cost.errors import Problem, UsageError, did_you_mean

#: Columns of the table ``explanation``.
COLUMNS = (
    "line",
    "contact_id",
    "date",
    "contact_type",
    "component",
    "driver",
    "units",
    "unit",
    "unit_price",
    "share",
    "discount_factor",
    "cost",
    "method",
    "basis",
)
_KEY_UNITS = {"contact_hours": "session hours", "sessions": "sessions", "women": "women supported"}
_DRIVER = {
    "staff": ("working hours", "M-10, M-14, M-15"),
    "contact": ("contact hours", "M-11, M-14, M-15"),
    "residual": ("contact hours x residual ratio", "M-14"),
}


def _ledger_built(config: BuiltArg) -> Built:
    """The built model with a ledger (rebuilt from its config when it has none)."""
    if isinstance(config, Built):
        if config.usage.ledger is not None:
            return config
        return build(config.prep, ledger=True)
    return build(config, ledger=True)


def _cite(*refs: str) -> str:
    """The rules cited, each once, in their order in docs/methods.md."""
    numbers = {int(r) for ref in refs for r in ref.replace("M-", "").split(", ") if r}
    return ", ".join(f"M-{n}" for n in sorted(numbers))


def _measure(d: Driver) -> tuple[str, str]:
    """What a driver measures and its unit (as ``by_component`` says)."""
    if d.kind in _DRIVER:
        return _DRIVER[d.kind][0], "hour"
    if d.kind == "resource":
        return d.unit, d.unit
    return f"per {d.unit}", d.unit


def line_names(built: Built) -> npt.NDArray[np.object_]:
    """Name of every line of the ledger: the women's ids, then ``site:line`` of each unit."""
    usage = built.usage
    units = [f"{s}:{k}" for s, k in zip(usage.lines["site"], usage.lines["line"], strict=True)]
    return np.array([*usage.women["woman_id"].astype(str), *units], dtype=object)


def _contact_rows(built: Built, led: Ledger, lines: CostLines) -> pd.DataFrame:
    """One row per contact, line and driver with units."""
    usage, cfg = built.usage, built.config
    drivers = [usage.drivers[j] for j in lines.driver]
    contact = led.pair_contact[lines.source]
    info = led.contacts.iloc[contact].reset_index(drop=True)
    shared = np.array([cfg.contact_types[t].shared for t in info["contact_type"]], dtype=bool)
    discount = "M-38" if usage.discounting_applied else "M-40"
    method = []
    for d, sh in zip(drivers, shared, strict=True):
        if d.kind in _DRIVER:
            what = _DRIVER[d.kind][1]
        else:
            what = "M-20" if d.item == cfg.costing.mileage_resource else "M-19"
        method.append(_cite(what, "M-17" if sh else "M-18", discount))
    line = led.pair_line[lines.source]
    basis = [
        f"{n:g} present"
        if sh and n > 0
        else ("nobody attended" if sh else ("one-to-one" if deliv else "did not attend"))
        for sh, n, deliv in zip(shared, info["n_att"], info["delivered"], strict=True)
    ]
    return pd.DataFrame(
        {
            "line": line_names(built)[line],
            "contact_id": info["contact_id"].astype(str),
            "date": info["date"].dt.strftime("%Y-%m-%d"),
            "contact_type": info["contact_type"],
            "component": [d.item for d in drivers],
            "driver": [_measure(d)[0] for d in drivers],
            "units": lines.units,
            "unit": [_measure(d)[1] for d in drivers],
            "unit_price": lines.price,
            "share": lines.share,
            "discount_factor": lines.factor,
            "cost": lines.cost,
            "method": method,
            "basis": basis,
            "_line": line,
            "_driver": lines.driver,
        }
    )


def _overhead_rows(built: Built, led: Ledger, lines: CostLines) -> pd.DataFrame:
    """One row per share of a programme cost or of the staff-time log."""
    usage = built.usage
    oh = led.overheads
    alloc = [led.allocations[a] for a in oh.allocation[lines.source]]
    site = oh.site[lines.source]
    line = oh.line[lines.source]
    discount = ", M-38" if usage.discounting_applied else ""
    basis, method = [], []
    for a, s, und in zip(alloc, site, oh.mass_undiscounted[lines.source], strict=True):
        what = "M-23, M-24, M-26" if a.source == "programme" else "M-25, M-26"
        unit_name = _KEY_UNITS[a.key]
        total = a.total.sum() if s == PROGRAMME_WIDE else a.total[s]
        if s != PROGRAMME_WIDE and total == 0:
            basis.append(f"{usage.sites[s]} has no {unit_name}: unallocated")
            method.append("M-26")
            continue
        where = "all units'" if s == PROGRAMME_WIDE else f"{usage.sites[s]}'s"
        basis.append(f"{und:.6g} of {where} {total:.6g} {unit_name}")
        method.append(_cite(what, discount if a.key != "women" else ""))
    drivers = [usage.drivers[j] for j in lines.driver]
    return pd.DataFrame(
        {
            "line": line_names(built)[line],
            "contact_id": "",
            "date": "",
            "contact_type": [
                PROGRAMME_ROW if a.source == "programme" else NON_CONTACT_ROW for a in alloc
            ],
            "component": [d.item for d in drivers],
            "driver": [_measure(d)[0] for d in drivers],
            "units": lines.units,
            "unit": [_measure(d)[1] for d in drivers],
            "unit_price": lines.price,
            "share": lines.share,
            "discount_factor": lines.factor,
            "cost": lines.cost,
            "method": method,
            "basis": basis,
        }
    )


def _total_row(label: str, cost: float, method: str) -> pd.DataFrame:
    row: dict[str, object] = dict.fromkeys(COLUMNS, "")
    for c in ("units", "unit_price", "share", "discount_factor"):
        row[c] = np.nan
    row |= {"line": label, "component": "total", "cost": cost, "method": method}
    return pd.DataFrame([row])


def cost_lines(built: Built, costs: Costs, lines: IntArray) -> pd.DataFrame:
    """The table of cost lines of the given ledger lines: contacts by date, then overheads."""
    led = built.usage.ledger
    assert led is not None
    contact, overhead = costs.ledger_lines(0, lines=lines)
    a = _contact_rows(built, led, contact)
    a = a.sort_values(["_line", "date", "contact_id", "_driver"], kind="stable")
    b = _overhead_rows(built, led, overhead)
    return pd.concat([a, b], ignore_index=True)[list(COLUMNS)]


def _known(option: str, name: str, names: list[str], *, suggest: bool = True) -> None:
    """Check that ``name`` is one of ``names``.

    Raises
    ------
    UsageError
        Naming the closest of ``names`` (or all of them) when ``suggest``; for a woman
        (``suggest=False``) no other woman's id: only the one typed, if it differs from a
        woman's id by case or spaces alone.
    """
    if name in names:
        return
    if suggest:
        hint = did_you_mean(name, names) or f" (choose from {', '.join(names)})"
    else:
        meant = {n.casefold(): n for n in names}.get(name.strip().casefold())
        hint = f"; did you mean {meant!r}?" if meant is not None else ""
    what = {"--woman": "a woman_id of the women log", "--unit": "a unit", "--role": "a role"}
    problem = f"{name!r} is not {what[option]}{hint}"
    msg = f"{option} {problem}"
    raise UsageError(msg, [Problem(problem, field=option)])


def explain_woman(built: Built, woman: str) -> Result:
    """How one woman's cost is built: every share of a contact and of each overhead."""
    usage = built.usage
    ids = usage.women["woman_id"].astype(str).tolist()
    _known("--woman", woman, ids, suggest=False)
    i = ids.index(woman)
    costs = built.costs()
    table = cost_lines(built, costs, np.array([i]))
    total = float(costs.woman[0, i])
    table = pd.concat(
        [table, _total_row(woman, float(table["cost"].sum()), "M-21, M-28")], ignore_index=True
    ).drop(columns="line")
    stats = usage.woman_stats.iloc[i]
    women = usage.women.iloc[i]
    summary = pd.DataFrame(
        [
            {
                "woman_id": woman,
                "site": str(women["site"]),
                "contacts": int(stats["contacts"]),
                "attended_hours": float(stats["attended_hours"]),
                "allocation_hours": float(stats["allocation_hours"]),
                "total_cost": total,
            }
        ]
    )
    return _result(built, {"explanation": table, "summary": summary}, {"woman": woman})


def explain_unit(built: Built, unit: str) -> Result:
    """How one unit's total is built: its women's costs and every unit-level line's."""
    usage = built.usage
    _known("--unit", unit, list(usage.sites))
    s = usage.sites.index(unit)
    costs = built.costs()
    mine = np.flatnonzero(usage.woman_site == s)
    names, _ = costs.components
    labels = component_labels(built.config)
    by_component = costs.woman_components(0)[mine].sum(axis=0)
    women_rows = pd.DataFrame(
        [
            {
                **dict.fromkeys(COLUMNS, ""),
                "line": f"{unit}: {mine.size} women",
                "component": c,
                "driver": labels.get(c, c),
                "units": np.nan,
                "unit_price": np.nan,
                "share": np.nan,
                "discount_factor": np.nan,
                "cost": float(v),
                "method": "M-28",
                "basis": "the sum of her lines (explain --woman), for each woman",
            }
            for c, v in zip(names, by_component, strict=True)
        ]
    )
    n_w = len(usage.women)
    unit_lines = n_w + s * len(LINE_KINDS) + np.arange(len(LINE_KINDS))
    lines = cost_lines(built, costs, unit_lines)
    table = pd.concat([women_rows, lines], ignore_index=True)
    table = pd.concat(
        [table, _total_row(unit, float(table["cost"].sum()), "M-21, M-29")], ignore_index=True
    )
    stats = usage.woman_stats.iloc[mine]
    per_woman = pd.DataFrame(
        {
            "woman_id": usage.women["woman_id"].iloc[mine].astype(str).to_numpy(),
            "total_cost": costs.woman[0, mine],
            "contacts": stats["contacts"].to_numpy(),
            "contact_hours": stats["attended_hours"].to_numpy(),
        }
    )
    return _result(built, {"explanation": table, "per_woman": per_woman}, {"unit": unit})


def _result(built: Built, tables: dict[str, pd.DataFrame], args: dict[str, str]) -> Result:
    start, end = built.usage.study_period
    cfg = built.config
    return model_result(
        built,
        "explain",
        tables,
        settings={
            **args,
            "staff_time": cfg.costing.staff_time,
            "group_split": cfg.costing.group_split,
            "allocation_key": cfg.allocation_key,
            "study_period": [str(start.date()), str(end.date())],
            "discounting_applied": built.usage.discounting_applied,
        },
        warnings=list(built.usage.notes),
        args={"config": str(built.prep.loaded.path.resolve()), **args},
    )


def explain(
    config: BuiltArg = None,
    *,
    woman: str | None = None,
    unit: str | None = None,
    role: str | None = None,
) -> Result:
    """How a cost is built, line by line, with the rules of docs/methods.md.

    Give exactly one of ``woman`` (a ``woman_id``: table ``explanation``, one row per
    share of a contact and driver and per share of an overhead, with its units, unit
    price, share and discount factor, and a last row her total, which is her
    ``per_woman.total_cost``; and table ``summary``), ``unit`` (a site: its women's costs by
    component and the lines of its unit-level costs, totalling ``per_unit.total_cost``;
    and table ``per_woman``) or ``role`` (the role's cost per hour and where its hours go:
    tables ``build_up`` and ``hours``).

    Raises
    ------
    UsageError
        If not exactly one is given, or the woman, unit or role is unknown (the message
        names close unit and role names; for a woman only the id typed).
    """
    given = [(k, v) for k, v in (("woman", woman), ("unit", unit), ("role", role)) if v is not None]
    if len(given) != 1:
        msg = "give exactly one of --woman, --unit and --role"
        raise UsageError(msg, [Problem(msg)])
    built = _ledger_built(config)
    if woman is not None:
        return explain_woman(built, woman)
    if unit is not None:
        return explain_unit(built, unit)
    assert role is not None
    _known("--role", role, list(built.config.roles))
    tables = explain_role(built, built.costs(), role)
    return _result(built, tables, {"role": role})
