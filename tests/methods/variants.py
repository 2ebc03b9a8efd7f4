"""Configs for the re-costing tests: the bundled example, the small case and variants.

Each variant is the bundled config (`configs/rapport.yaml`, on the logs of `data/example/`)
with overrides by dotted path (a value ``None`` removes the key), chosen so that together
they take every branch of docs/methods.md §3 to §8 that the base case does not.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "configs" / "rapport.yaml"
SMALL = REPO / "tests" / "cases" / "small" / "config.yaml"


VARIANTS: dict[str, dict[str, Any]] = {
    # M-17 time_weighted, M-18 dna: unit, M-26 key women, M-38 timing end
    "time_weighted": {
        "costing.group_split": "time_weighted",
        "costing.dna": "unit",
        "allocation_key": "women",
        "discounting.timing": "end",
    },
    # M-17 capacity (idle_capacity), M-14 contact_rate (M-27), M-26 key sessions, timing mid
    "capacity": {
        "costing.group_split": "capacity",
        "costing.staff_time": "contact_rate",
        "allocation_key": "sessions",
        "discounting.timing": "mid",
    },
    # M-38 exact; M-14 residual ratio; M-2 societal; M-12 valued_as; M-9 working_time;
    # M-37 price years (role, inline with its own index); M-24 per session and once with an
    # advance annuity; a programme cost's own key; M-6 study period from the logs; M-29
    # stated admissions
    "exact": {
        "discounting.timing": "exact",
        "costing.residual_indirect_ratio": 0.25,
        "perspective": "societal",
        "roles.volunteer.hourly_rate": None,
        "roles.volunteer.valued_as": "psw",
        "roles.supervisor.working_hours": None,
        "roles.supervisor.working_time": {
            "hours_per_week": 37.5,
            "annual_leave_days": 27,
            "bank_holidays": 8,
            "training_days": 5,
            "sickness_days": 9,
        },
        "roles.coordinator.price_year": "2022/23",  # with a literal salary and threshold (M-7)
        "roles.coordinator.salary": 28500,
        "roles.coordinator.on_costs.employer_ni": {"rate": 0.138, "threshold": 12570},
        "resources.room_hire.unit_cost": {"value": 22, "price_year": "2021/22", "index": "prices"},
        "programme_costs.refresher": {
            "amount": 40,
            "per": "session",
            "count": 1,
            "allocation_key": "sessions",
        },
        "programme_costs.induction": {
            "amount": 5000,
            "per": "once",
            "annuitise": {"years": 5, "rate": 0.035, "timing": "advance"},
            "allocation_key": "women",
        },
        "study_period": None,
        "sites.birmingham.admissions": 120,
    },
    # M-2 provider perspective (the NHS room hire excluded), capacity with dna: unit and the
    # women key, a lower rate
    "provider": {
        "perspective": "provider",
        "costing.group_split": "capacity",
        "costing.dna": "unit",
        "allocation_key": "women",
        "discounting.rate": 0.015,
        "programme_costs.training.allocation_key": "sessions",
    },
}


def _set(doc: dict[str, Any], dotted: str, value: Any) -> None:
    *head, last = dotted.split(".")
    node = doc
    for part in head:
        node = node.setdefault(part, {})
    if value is None:
        node.pop(last, None)
    else:
        node[last] = copy.deepcopy(value)


def write_config(folder: Path, overrides: dict[str, Any], *, base: Path = EXAMPLE) -> Path:
    """The config ``base`` with ``overrides``, written to ``folder`` with absolute log paths."""
    doc = yaml.safe_load(base.read_text(encoding="utf-8"))
    for name, rel in doc["logs"].items():
        if name in ("contacts", "attendance", "women", "staff_time"):
            doc["logs"][name] = str((base.parent / rel).resolve())
    doc.pop("scenarios", None)
    for dotted, value in overrides.items():
        _set(doc, dotted, value)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path
