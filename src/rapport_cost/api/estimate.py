"""``unit-costs`` and ``estimate``: the deterministic costing."""

from __future__ import annotations

from collections.abc import Sequence

from rapport_cost.api.base import (
    Built,
    ConfigArg,
    Prepared,
    Result,
    build,
    config_arg,
    config_inputs,
    policy_notes,
    prepare,
    price_notes,
    site_women,
)
from rapport_cost.api.follow_up import follow_up_line
from rapport_cost.config import CostingConfig
from rapport_cost.core.prices.terms import staff_costs
from rapport_cost.core.publish.tables import (
    by_component_table,
    by_contact_type_table,
    per_unit_table,
    per_woman_table,
    subgroup_table,
    unit_cost_table,
    unit_lines_table,
)
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


def component_labels(cfg: CostingConfig) -> dict[str, str]:
    """The label of every role, resource, programme cost and contact type (else its key)."""
    out: dict[str, str] = {}
    for section in (cfg.roles, cfg.resources, cfg.programme_costs, cfg.contact_types):
        for key, item in section.items():
            out[key] = item.label or key
    return out


def _follow_up_note(built: Built) -> list[str]:
    """One line on how follow-up differs across the women, pointing to ``follow-up``."""
    line = follow_up_line(built)
    return [] if line is None else [line]


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
    costs = built.costs()
    labels = component_labels(cfg)
    theta = built.prep.terms.table.base_matrix()
    tables = {
        "per_unit": per_unit_table(costs),
        "per_woman": per_woman_table(costs),
        "by_contact_type": by_contact_type_table(costs, labels),
        "by_component": by_component_table(costs, labels),
        "unit_level_lines": unit_lines_table(costs),
        "unit_costs": unit_cost_table(staff_costs(theta, built.prep.terms)),
    }
    for col in by:
        tables[f"by_{col}"] = subgroup_table(costs, col)
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
        warnings=[*policy_notes(built), *usage.notes, *notes, *_follow_up_note(built)],
        args={"config": config_arg(built.prep.loaded), "by": list(by)},
        site_women=site_women(built),
    )
