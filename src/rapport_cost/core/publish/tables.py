"""Result tables built from computed arrays (names and columns are the interface, DESIGN §5)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from rapport_cost.arrays import BoolArray, FloatLike, Matrix, Vector
from rapport_cost.core.prices.unit_costs import StaffCosts
from rapport_cost.core.usage.model import UsageModel

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


def component_index(usage: UsageModel) -> tuple[list[str], npt.NDArray[np.intp]]:
    """Cost components (role, resource and programme keys) and each driver's component."""
    names = list(dict.fromkeys(d.item for d in usage.drivers))
    return names, np.array([names.index(d.item) for d in usage.drivers], dtype=np.intp)


def component_sum(costs: Matrix, driver_component: npt.NDArray[np.intp], n: int) -> Matrix:
    """Sum the driver columns of ``costs`` (shape ``(rows, n_drivers)``) into components."""
    out = np.zeros((costs.shape[0], n))
    for j, c in enumerate(driver_component):
        out[:, c] += costs[:, j]
    return out


def _describe(values: npt.NDArray[np.float64]) -> dict[str, float]:
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


def _mean(values: npt.NDArray[np.float64]) -> float:
    return float(values.mean()) if values.size else float("nan")


def _masks(usage: UsageModel) -> list[tuple[str, BoolArray, BoolArray, BoolArray]]:
    """(site, women mask, lines mask, site-row mask) for each site and then ``all``."""
    w = pd.Categorical(usage.women["site"], categories=list(usage.sites)).codes
    ln = pd.Categorical(usage.lines["site"], categories=list(usage.sites)).codes
    out = [
        (s, w == i, ln == i, np.arange(len(usage.sites)) == i) for i, s in enumerate(usage.sites)
    ]
    out.append(
        ("all", np.ones(len(w), bool), np.ones(len(ln), bool), np.ones(len(usage.sites), bool))
    )
    return out


def per_unit_table(
    usage: UsageModel, woman_total: Vector, line_total: Vector, admissions: Vector
) -> pd.DataFrame:
    """Table ``per_unit``: one row per site and a last row ``all`` (METHODS C-14, C-15).

    ``total_cost`` is the per-woman costs (``women_cost``) plus the unit-level lines
    (``unit_level_cost``: non-participants, idle capacity, unattended sessions, ...);
    ``cost_per_admission`` divides it by the unit's ``admissions``, shape
    ``(n_sites + 1,)`` (:func:`~rapport_cost.core.scale_up.study_admissions`). The mean,
    SD, median and quartiles are of the per-woman costs, women with no contacts included
    at 0; so are ``mean_contact_minutes`` (minutes of the contacts each woman had, whole
    sessions) and ``mean_contacts_<type>`` (contacts of each type she took part in).
    """
    stats = usage.site_stats
    masks = _masks(usage)
    hours = usage.woman_stats["contact_hours"].to_numpy()
    by_type = usage.woman_stats.filter(regex="^contacts_")
    rows = []
    for (site, wm, lm, sm), adm in zip(masks, admissions.astype(int).tolist(), strict=True):
        women_cost = float(woman_total[wm].sum())
        unit_cost = float(line_total[lm].sum())
        total = women_cost + unit_cost
        n_women = int(wm.sum())
        rows.append(
            {
                "site": site,
                "women": n_women,
                "admissions": adm,
                "contacts": int(stats["contacts"].to_numpy()[sm].sum()),
                "contact_hours": float(stats["contact_hours"].to_numpy()[sm].sum()),
                "total_cost": total,
                "women_cost": women_cost,
                "unit_level_cost": unit_cost,
                **_describe(woman_total[wm]),
                "cost_per_admission": total / adm if adm else float("nan"),
                "mean_contact_minutes": _mean(60.0 * hours[wm]),
                **{f"mean_{c}": _mean(by_type[c].to_numpy()[wm]) for c in by_type.columns},
            }
        )
    return pd.DataFrame(rows)


def per_woman_table(
    usage: UsageModel, component_names: list[str], component_costs: Matrix
) -> pd.DataFrame:
    """Table ``per_woman``: every woman, those with no contacts at 0, one column per component."""
    head = pd.DataFrame(
        {
            "woman_id": usage.women["woman_id"].to_numpy(),
            "site": usage.women["site"].to_numpy(),
            "total_cost": component_costs.sum(axis=1),
            "contacts": usage.woman_stats["contacts"].to_numpy(),
            "contact_hours": usage.woman_stats["contact_hours"].to_numpy(),
        }
    )
    # the components as one block, not a column at a time
    costs = pd.DataFrame(component_costs, columns=component_names, copy=False)
    return pd.concat([head, costs], axis=1)


def by_contact_type_table(
    usage: UsageModel, type_total: Vector, labels: dict[str, str]
) -> pd.DataFrame:
    """Table ``by_contact_type``: per site and ``all``, contacts, hours and cost of each type."""
    t = usage.types.copy()
    t["contacts"] = usage.type_stats["contacts"].to_numpy()
    t["contact_hours"] = usage.type_stats["contact_hours"].to_numpy()
    t["total_cost"] = type_total
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


def by_component_table(
    usage: UsageModel,
    prices: Vector,
    included: BoolArray,
    full_prices: Vector,
    labels: dict[str, str],
) -> pd.DataFrame:
    """Table ``by_component``: quantities and unit costs separately (CHEERS 2022 item 14).

    One row per driver per site and ``all``: ``quantity`` (before discounting),
    ``unit_cost``, ``cost_undiscounted`` (their product) and ``cost`` (discounted and
    counted by the perspective; 0 where ``included`` is false).
    """
    qw, ql, _ = usage.site_sums()
    discounted = qw + ql
    rows = []
    for s_i, site in enumerate([*usage.sites, "all"]):
        q_und = usage.undiscounted.sum(axis=0) if site == "all" else usage.undiscounted[s_i]
        q_dis = discounted.sum(axis=0) if site == "all" else discounted[s_i]
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
                    "included": bool(included[j]),
                    "quantity": float(q_und[j]),
                    "unit_cost": float(full_prices[j]),
                    "cost_undiscounted": float(q_und[j] * full_prices[j]),
                    "cost": float(q_dis[j] * prices[j]),
                }
            )
    return pd.DataFrame(rows)


def subgroup_table(usage: UsageModel, column: str, woman_total: Vector) -> pd.DataFrame:
    """Table ``by_<column>``: per-woman cost statistics for each value of a subgroup column."""
    values = usage.women[column].astype(str).to_numpy()
    rows = []
    for v in sorted(set(values)):
        mask = values == v
        rows.append(
            {
                column: v,
                "women": int(mask.sum()),
                "total_cost": float(woman_total[mask].sum()),
                **_describe(woman_total[mask]),
            }
        )
    return pd.DataFrame(rows)


def unit_lines_table(usage: UsageModel, line_total: Vector) -> pd.DataFrame:
    """Table ``unit_level_lines``: costs not attributed to a study woman, per site and kind."""
    t = usage.lines.copy()
    t["total_cost"] = line_total
    return t[t["total_cost"] != 0].reset_index(drop=True)
