"""``unit-costs`` and ``estimate``: the deterministic costing."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from rapport_cost.api.base import (
    Built,
    ConfigArg,
    Prepared,
    Result,
    build,
    config_arg,
    config_inputs,
    prepare,
    price_notes,
)
from rapport_cost.config import CostingConfig
from rapport_cost.core.analyses.scale_up import study_admissions
from rapport_cost.core.engine import driver_prices, perspective_mask
from rapport_cost.core.prices.terms import staff_costs
from rapport_cost.core.publish.tables import (
    by_component_table,
    by_contact_type_table,
    component_index,
    component_sum,
    per_unit_table,
    per_woman_table,
    subgroup_table,
    unit_cost_table,
    unit_lines_table,
)
from rapport_cost.core.usage.model import UsageModel
from rapport_cost.errors import UsageError


def unit_costs(config: ConfigArg = None) -> Result:
    """The PSSRU staff cost build-up of every role (table ``unit_costs``)."""
    prep = prepare(config)
    costs = staff_costs(prep.terms.table.base_matrix(), prep.terms)
    tables = {"unit_costs": unit_cost_table(costs)}
    adjustments, notes = price_notes(prep)
    if adjustments is not None:
        tables["price_adjustments"] = adjustments
    cfg = prep.config
    return Result(
        command="unit-costs",
        tables=tables,
        currency=cfg.currency,
        price_year=cfg.price_year,
        perspective=None,
        inputs=config_inputs(prep.loaded),
        settings={"price_index": prep.index.name},
        warnings=notes,
        args={"config": config_arg(prep.loaded)},
    )


def site_women(built: Built) -> dict[str, int]:
    """Women per site (in table order), for disclosure control."""
    counts = built.usage.women["site"].value_counts()
    return {s: int(counts.get(s, 0)) for s in built.usage.sites}


def woman_component_costs(
    usage: UsageModel, prices: npt.NDArray[np.float64]
) -> tuple[list[str], npt.NDArray[np.float64]]:
    """Every woman's cost by component at one row of prices (METHODS C-13).

    The one per-woman costing: ``estimate``'s ``per_woman`` table and ``bootstrap`` both
    use it, and a woman's ``total_cost`` is the row sum of the result.

    Parameters
    ----------
    usage
        The usage model.
    prices : ndarray of shape (n_drivers,)
        Driver prices (one row of :meth:`Built.prices`).

    Returns
    -------
    (names, costs)
        Component names, and costs of shape ``(n_women, n_components)``.
    """
    names, driver_component = component_index(usage)
    return names, component_sum(usage.q_women * prices, driver_component, len(names))


def _labels(cfg: CostingConfig) -> dict[str, str]:
    out: dict[str, str] = {}
    for section in (cfg.roles, cfg.resources, cfg.programme_costs, cfg.contact_types):
        for key, item in section.items():
            out[key] = item.label or key
    return out


def policy_notes(built: Built) -> list[str]:
    """One line per logs policy that handled rows, with how many."""
    cfg = built.config
    return [
        f"logs.policies.{code}: {cfg.logs.policy(code) if cfg.logs else 'error'} applied to "
        f"{n} row(s)"
        for code, n in built.logs.policy_counts.items()
        if n
    ]


def estimate(config: ConfigArg | Prepared | Built = None, *, by: Sequence[str] = ()) -> Result:
    """Deterministic micro-costing: per-unit, per-woman, by contact type, by component.

    Parameters
    ----------
    config
        A config path (the bundled example when ``None``), or a prepared/built model.
    by
        Subgroup columns of the women table (e.g. ``ethnicity``): one table ``by_<column>`` each.
    """
    built = config if isinstance(config, Built) else build(config)
    cfg, usage = built.config, built.usage
    unknown = [c for c in by if c not in usage.women.columns or c in ("woman_id",)]
    if unknown:
        choices = ", ".join(built.logs.subgroup_columns) or "none"
        msg = f"--by {unknown[0]!r} is not a column of the women log (subgroups: {choices})"
        raise UsageError(msg)
    theta = built.prep.terms.table.base_matrix()
    full = driver_prices(theta, built.prep.terms, usage.drivers, "societal")[0]
    prices = built.prices(theta)[0]
    included = perspective_mask(usage.drivers, cfg.perspective)
    names, woman_costs = woman_component_costs(usage, prices)
    woman_total = woman_costs.sum(axis=1)
    line_total = usage.q_lines @ prices
    admissions = study_admissions(usage, {k: s.admissions for k, s in cfg.sites.items()})
    labels = _labels(cfg)
    tables = {
        "per_unit": per_unit_table(usage, woman_total, line_total, admissions),
        "per_woman": per_woman_table(usage, names, woman_costs),
        "by_contact_type": by_contact_type_table(usage, usage.q_types @ prices, labels),
        "by_component": by_component_table(usage, prices, included, full, labels),
        "unit_level_lines": unit_lines_table(usage, line_total),
        "unit_costs": unit_cost_table(staff_costs(theta, built.prep.terms)),
    }
    for col in by:
        tables[f"by_{col}"] = subgroup_table(usage, col, woman_total)
    adjustments, notes = price_notes(built.prep)
    if adjustments is not None:
        tables["price_adjustments"] = adjustments
    start, end = usage.study_period
    return Result(
        command="estimate",
        tables=tables,
        currency=cfg.currency,
        price_year=cfg.price_year,
        perspective=cfg.perspective,
        inputs=built.inputs(),
        settings={
            "staff_time": cfg.costing.staff_time,
            "group_split": cfg.costing.group_split,
            "dna": cfg.costing.dna,
            "allocation_key": cfg.allocation_key,
            "discount_rate": cfg.discounting.rate if usage.discounting_applied else 0.0,
            "discount_timing": cfg.discounting.timing,
            "study_period": [str(start.date()), str(end.date())],
            "price_index": built.prep.index.name,
            "by": list(by),
        },
        warnings=[*policy_notes(built), *usage.notes, *notes],
        args={"config": config_arg(built.prep.loaded), "by": list(by)},
        site_women=site_women(built),
    )
