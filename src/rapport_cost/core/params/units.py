"""The unit of every number of the config, from where it is used (CHEERS item 22)."""

from __future__ import annotations

from rapport_cost.config import CostingConfig

DocPath = tuple[str | int, ...]

#: The unit of a role's number, by its key.
ROLE_UNITS = {
    "salary": "£ a year",
    "threshold": "£ a year",
    "rate": "share of salary above the threshold",
    "pension": "share of salary",
    "other": "share of salary",
    "management": "share of salary and on-costs",
    "non_staff": "share of salary and on-costs",
    "capital": "£ per FTE a year",
    "qualifications": "£ a year",
    "working_hours": "hours a year",
    "indirect_time_ratio": "hours of other work per contact hour",
    "hourly_rate": "£ an hour",
    "hours_per_week": "hours a week",
    "annual_leave_days": "days a year",
    "bank_holidays": "days a year",
    "training_days": "days a year",
    "sickness_days": "days a year",
    "days_per_week": "days a week",
    "weeks_per_year": "weeks a year",
}


def unit_of(path: DocPath, cfg: CostingConfig) -> str:
    """The unit of the number used at ``path`` (``roles.psw.salary`` → ``£ a year``)."""
    keys = [str(p) for p in path]
    if not keys:
        return ""
    last = keys[-1]
    if keys[0] == "roles":
        return ROLE_UNITS.get(last, "")
    if keys[0] == "resources" and len(keys) > 1 and keys[1] in cfg.resources:
        return f"£ per {cfg.resources[keys[1]].unit}"
    if keys[0] == "programme_costs" and len(keys) > 1 and keys[1] in cfg.programme_costs:
        per = cfg.programme_costs[keys[1]].per
        return {
            "amount": f"£ per {per}",
            "hours": f"hours per {per}",
            "years": "years",
            "rate": "share a year",
        }.get(last, "")
    if last == "residual_indirect_ratio":
        return "hours of other work per contact hour"
    return ""
