"""Result tables: the engine's costs formatted (names and columns are the interface).

Nothing here multiplies quantities by prices: every cost comes from
:class:`~rapport_cost.core.engine.Costs`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rapport_cost.arrays import FloatLike, Vector
from rapport_cost.core.engine import Costs
from rapport_cost.core.prices.unit_costs import StaffCosts

UNIT_COST_COLUMNS = (
    "salary",
    "on_costs",
    "overheads_management",
    "overheads_non_staff",
    "capital",
    "qualifications",
    "annual_cost",
    "working_hours",
    "cost_per_working_hour",
    "cost_per_contact_hour",
)


def _first(x: FloatLike | None) -> float:
    if x is None:
        return float("nan")
    return float(np.asarray(x, dtype=float).reshape(-1)[0])


def unit_cost_table(costs: dict[str, StaffCosts]) -> pd.DataFrame:
    """Table ``unit_costs``: one row per role, each PSSRU component, unrounded.

    Parameters
    ----------
    costs
        Role key → its build-up evaluated on a one-row Θ (arrays of shape ``(1,)``).
        Components a role does not have (flat hourly rate) are NaN (null in JSON).
    """
    rows = [
        {"role": key, **{c: _first(getattr(sc, c)) for c in UNIT_COST_COLUMNS}}
        for key, sc in costs.items()
    ]
    return pd.DataFrame(rows, columns=["role", *UNIT_COST_COLUMNS])


# --------------------------------------------------------------------------- estimate


def describe(values: Vector) -> dict[str, float]:
    """Mean, SD (n − 1), median, quartiles and share of zeros of per-woman costs."""
    if values.size == 0:
        nan = float("nan")
        return {
            "mean_cost_per_woman": nan,
            "sd": nan,
            "median": nan,
            "q1": nan,
            "q3": nan,
            "share_zero_cost": nan,
        }
    q1, median, q3 = np.quantile(values, [0.25, 0.5, 0.75])
    return {
        "mean_cost_per_woman": float(values.mean()),
        "sd": float(values.std(ddof=1)) if values.size > 1 else float("nan"),
        "median": float(median),
        "q1": float(q1),
        "q3": float(q3),
        "share_zero_cost": float(np.mean(values == 0.0)),
    }


def _mean(values: Vector) -> float:
    return float(values.mean()) if values.size else float("nan")


def per_unit_table(costs: Costs) -> pd.DataFrame:
    """Table ``per_unit``: one row per site and a last row ``all`` (M-29).

    ``total_cost`` is the women's costs (``women_cost``) plus the unit-level lines
    (``unit_level_cost``: non-participants, idle capacity, unattended sessions, ...);
    ``cost_per_admission`` divides it by the unit's admissions; ``contact_hours`` is the
    unit's session hours (each delivered contact once, docs/methods.md M-34). The mean, SD,
    median and quartiles are of the per-woman costs, women with no contacts included at 0;
    so are ``mean_contact_minutes`` (60 × each woman's attended hours, whole sessions)
    and ``mean_contacts_<type>`` (contacts of each type she took part in). Every cost is
    the engine's (:class:`~rapport_cost.core.engine.Costs`, first row).
    """
    usage = costs.usage
    stats = usage.site_stats
    woman = costs.woman[0]
    hours = usage.woman_stats["attended_hours"].to_numpy()
    by_type = usage.woman_stats.filter(regex="^contacts_")
    n_sites = len(usage.sites)
    rows = []
    for i, site in enumerate([*usage.sites, "all"]):
        wm = usage.woman_site == i if i < n_sites else np.ones(woman.size, bool)
        sm = slice(i, i + 1) if i < n_sites else slice(None)
        rows.append(
            {
                "site": site,
                "women": int(wm.sum()),
                "admissions": int(usage.admissions[i]),
                "contacts": int(stats["contacts"].to_numpy()[sm].sum()),
                "contact_hours": float(stats["session_hours"].to_numpy()[sm].sum()),
                "total_cost": float(costs.total[0, i]),
                "women_cost": float(costs.women_cost[0, i]),
                "unit_level_cost": float(costs.unit_level_cost[0, i]),
                **describe(woman[wm]),
                "cost_per_admission": float(costs.per_admission[0, i]),
                "mean_contact_minutes": _mean(60.0 * hours[wm]),
                **{f"mean_{c}": _mean(by_type[c].to_numpy()[wm]) for c in by_type.columns},
            }
        )
    return pd.DataFrame(rows)


def per_woman_table(costs: Costs) -> pd.DataFrame:
    """Table ``per_woman``: every woman, those with no contacts at 0, one column per component.

    ``total_cost`` is the engine's cost of the woman; the component columns sum to it.
    ``contact_hours`` is her attended hours (docs/methods.md M-34).
    """
    usage = costs.usage
    names, _ = costs.components
    head = pd.DataFrame(
        {
            "woman_id": usage.women["woman_id"].to_numpy(),
            "site": usage.women["site"].to_numpy(),
            "total_cost": costs.woman[0],
            "contacts": usage.woman_stats["contacts"].to_numpy(),
            "contact_hours": usage.woman_stats["attended_hours"].to_numpy(),
        }
    )
    # the components as one block, not a column at a time
    parts = pd.DataFrame(costs.woman_components(0), columns=list(names), copy=False)
    return pd.concat([head, parts], axis=1)


def by_contact_type_table(costs: Costs, labels: dict[str, str]) -> pd.DataFrame:
    """Table ``by_contact_type``: per site and ``all``, contacts, hours and cost of each type."""
    usage = costs.usage
    t = usage.types.copy()
    t["contacts"] = usage.type_stats["contacts"].to_numpy()
    t["contact_hours"] = usage.type_stats["session_hours"].to_numpy()
    t["total_cost"] = costs.types(0)
    overall = t.groupby("contact_type", sort=False)[
        ["contacts", "contact_hours", "total_cost"]
    ].sum()
    overall = overall.reset_index()
    overall.insert(0, "site", "all")
    t = pd.concat([t, overall], ignore_index=True)
    t = t[(t["contacts"] > 0) | (t["total_cost"] != 0)].reset_index(drop=True)
    t.insert(2, "label", t["contact_type"].map(labels).fillna(t["contact_type"]))
    t["cost_per_contact"] = np.divide(
        t["total_cost"], t["contacts"], out=np.full(len(t), np.nan), where=t["contacts"] > 0
    )
    t["cost_per_contact_hour"] = np.divide(
        t["total_cost"],
        t["contact_hours"],
        out=np.full(len(t), np.nan),
        where=t["contact_hours"] > 0,
    )
    return t


_MEASURE = {
    "staff": "working hours",
    "contact": "contact hours",
    "residual": "contact hours x residual ratio",
}


def by_component_table(costs: Costs, labels: dict[str, str]) -> pd.DataFrame:
    """Table ``by_component``: quantities and unit costs separately (CHEERS 2022 item 14).

    One row per driver per site and ``all``: ``quantity`` (before discounting),
    ``unit_cost`` (every driver's price, whoever pays), ``cost_undiscounted`` and
    ``cost`` (before and after discounting, counted by the perspective: both 0 where
    ``included`` is false).
    """
    usage = costs.usage
    discounted, undiscounted = costs.drivers(0)
    q_und = costs.quantities()
    full = costs.full_prices[0]
    rows = []
    for s_i, site in enumerate([*usage.sites, "all"]):
        for j, d in enumerate(usage.drivers):
            rows.append(
                {
                    "site": site,
                    "component": d.item,
                    "label": labels.get(d.item, d.item),
                    "kind": "staff" if d.kind in _MEASURE else d.kind,
                    "measure": _MEASURE.get(
                        d.kind, d.unit if d.kind == "resource" else f"per {d.unit}"
                    ),
                    "payer": d.payer,
                    "included": bool(costs.included[j]),
                    "quantity": float(q_und[s_i, j]),
                    "unit_cost": float(full[j]),
                    "cost_undiscounted": float(undiscounted[s_i, j]),
                    "cost": float(discounted[s_i, j]),
                }
            )
    return pd.DataFrame(rows)


def subgroup_table(costs: Costs, column: str) -> pd.DataFrame:
    """Table ``by_<column>``: per-woman cost statistics for each value of a subgroup column."""
    values = costs.usage.women[column].astype(str).to_numpy()
    woman = costs.woman[0]
    rows = []
    for v in sorted(set(values)):
        mask = values == v
        rows.append(
            {
                column: v,
                "women": int(mask.sum()),
                "total_cost": float(woman[mask].sum()),
                **describe(woman[mask]),
            }
        )
    return pd.DataFrame(rows)


def unit_lines_table(costs: Costs) -> pd.DataFrame:
    """Table ``unit_level_lines``: costs not attributed to a study woman, per site and kind."""
    t = costs.usage.lines.copy()
    t["total_cost"] = costs.lines(0)
    return t[t["total_cost"] != 0].reset_index(drop=True)
