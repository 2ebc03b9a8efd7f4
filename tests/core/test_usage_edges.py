"""Edges of Q and Q·P: a usage model built without its timeline or ledger, miles without a
mileage resource, a role valued as another valued role, and the small value types.

Oracles: the hand-worked small case (tests/cases/small; figures derived in
tests/api/test_estimate_small.py), the calendar (M-6) and the definitions of the types.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from numpy.testing import assert_allclose

from rapport_cost import api
from rapport_cost.core.usage.allocation import AllocationKey
from rapport_cost.core.usage.discounting import study_months
from rapport_cost.core.usage.model import Driver
from rapport_cost.errors import ConfigError

CASE = Path(__file__).parents[1] / "cases" / "small"


def edited_case(tmp_path: Path, edit) -> Path:
    """A copy of the small case with its config changed by ``edit(cfg)``."""
    folder = tmp_path / "case"
    shutil.copytree(CASE, folder)
    path = folder / "config.yaml"
    cfg = yaml.safe_load(path.read_text())
    edit(cfg)
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_costs_without_a_timeline_or_ledger_say_how_to_build_them() -> None:
    built = api.build(CASE / "config.yaml")
    c = built.costs()
    with pytest.raises(ValueError, match=r"no timeline \(build_usage\(\.\.\., timeline=True\)\)"):
        c.timeline()
    with pytest.raises(ValueError, match=r"no timeline \(build_usage\(\.\.\., timeline=True\)\)"):
        c.timeline_weighted(np.ones(3))
    with pytest.raises(ValueError, match=r"no ledger \(build_usage\(\.\.\., ledger=True\)\)"):
        c.ledger_lines()
    # With the timeline, its cells add up to the women's costs: W1 50 + 116/3, W2 116/3 +
    # 15, W3 30/1.035 (discounted once), W4 0 (tests/api/test_estimate_small.py).
    timed = api.build(CASE / "config.yaml", timeline=True).costs()
    expected = 50 + 116 / 3 + 116 / 3 + 15 + 30 / 1.035
    assert timed.timeline(0).sum() == pytest.approx(expected)


@pytest.mark.parametrize("unit", [None, "hour"])
def test_miles_need_a_mileage_resource_priced_per_mile(tmp_path: Path, unit: str | None) -> None:
    # C1 logs 10 miles; the mileage resource is removed, or priced per hour.
    def edit(cfg: dict) -> None:
        if unit is None:
            del cfg["resources"]["mileage"]
        else:
            cfg["resources"]["mileage"]["unit"] = unit

    with pytest.raises(ConfigError) as info:
        api.build(edited_case(tmp_path, edit))
    (problem,) = info.value.problems
    assert problem.field == "costing.mileage_resource"
    assert problem.message == "miles are logged but there is no resource 'mileage' with unit: mile"


def valued_as_a_valued_role(cfg: dict) -> None:
    cfg["roles"]["helper"] = {"payer": "volunteer", "valued_as": "psw"}
    cfg["roles"]["volunteer"] = {"payer": "volunteer", "valued_as": "helper"}


def test_a_role_valued_as_a_valued_role_is_a_located_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        api.prepare(edited_case(tmp_path, valued_as_a_valued_role))
    (problem,) = info.value.problems
    # valued_as takes a salaried or hourly role's cost per working hour (M-12); helper has
    # none of its own, so the config is refused where it says so
    assert problem.field == "roles.volunteer.valued_as"
    assert problem.file is not None
    assert problem.line is not None
    assert problem.message.startswith("'helper' must be a salaried or hourly role")


def test_a_driver_kind_is_one_of_the_five() -> None:
    with pytest.raises(ValueError, match="driver kind must be one of staff, contact, residual"):
        Driver("travel", "psw", "hour", "charity")  # type: ignore[arg-type]
    assert Driver("staff", "psw", "hour", "charity").key == "staff:psw"


def test_an_allocation_key_without_its_undiscounted_mass() -> None:
    key = AllocationKey(line=np.array([3.0, 2.0]), site=np.array([5.0]))
    with pytest.raises(ValueError, match="built without its undiscounted mass"):
        _ = key.undiscounted
    # With it (a ledger), the own-site part takes off the mass from another site: line 0
    # has 1.0 (1.5 undiscounted) from site 0's contacts while being another site's line.
    ledger = AllocationKey(
        line=np.array([3.0, 2.0]),
        site=np.array([5.0]),
        line_undiscounted=np.array([4.0, 2.0]),
        foreign_line=np.array([0], dtype=np.intp),
        foreign_site=np.array([0], dtype=np.intp),
        foreign_mass=np.array([1.0]),
        foreign_undiscounted=np.array([1.5]),
    )
    assert_allclose(ledger.own, [2.0, 2.0])
    assert_allclose(ledger.own_undiscounted, [2.5, 2.0])


def test_study_months_of_a_reversed_or_one_day_period() -> None:
    day = pd.Timestamp
    assert study_months((day("2025-04-02"), day("2025-04-01"))) == 0.0
    assert study_months((day("2025-04-01"), day("2025-04-01"))) == pytest.approx(1 / 30)
    assert study_months((day("2025-04-01"), day("2026-03-31"))) == pytest.approx(12.0)  # M-6
