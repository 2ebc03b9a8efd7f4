"""Edges of the input checks: id columns that are not plain text, logs without an
attendance table, a costs table of one woman, a cost history whose every delta is bad.

Oracles: the rules of the checks as their docstrings state them (an id is required and
unique, whatever the column's type; the bootstrap needs two women; a bad value is reported
once, as bad, and not compared with the person's other rows) and the same logs given as
plain text, which must validate to the same tables.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from rapport_cost.config import CostingConfig, validate_config
from rapport_cost.core.inputs.cost_history import validate_cost_history
from rapport_cost.core.inputs.costs_table import WomenCosts, check_women
from rapport_cost.core.inputs.logs import LogTable, validate_logs
from rapport_cost.errors import InputError, LogError


def config(**logs: Any) -> CostingConfig:
    raw: dict[str, Any] = {
        "roles": {"psw": {"payer": "charity", "hourly_rate": 30}},
        "contact_types": {"one": {}},
        "sites": {"a": {}, "b": {}},
        "logs": {"contacts": "c.csv", "women": "w.csv", **logs},
    }
    cfg, problems = validate_config(raw)
    assert cfg is not None, problems
    return cfg


WOMEN = pd.DataFrame(
    {"woman_id": ["W1", "W2", "W3"], "site": ["a", "a", "b"], "admission_date": ["2025-01-01"] * 3}
)
CONTACTS = pd.DataFrame(
    {
        "contact_id": ["C1", "C2", "C3"],
        "site": ["a", "a", "b"],
        "date": ["2025-01-05", "2025-01-06", "2025-01-07"],
        "contact_type": ["one", "one", "one"],
        "woman_id": ["W1", "W2", "W3"],
        "facilitators": ["psw", "psw", "psw"],
        "duration_min": ["60", "30", "45"],
    }
)


def tables(women: pd.DataFrame, contacts: pd.DataFrame) -> dict[str, LogTable]:
    return {
        "women": LogTable("women", "w.csv", women),
        "contacts": LogTable("contacts", "c.csv", contacts),
    }


def test_logs_without_an_attendance_table_have_no_attendance() -> None:
    logs = validate_logs(tables(WOMEN, CONTACTS), config())
    assert len(logs.attendance) == 0
    assert list(logs.attendance.columns) == ["contact", "woman", "minutes"]
    assert logs.contacts["woman"].tolist() == [0, 1, 2]
    assert logs.contacts["duration_min"].tolist() == [60.0, 30.0, 45.0]


@pytest.mark.parametrize("kind", ["category", "int"])
def test_ids_that_are_not_plain_text_validate_as_the_text(kind: str) -> None:
    women, contacts = WOMEN.copy(), CONTACTS.copy()
    if kind == "category":
        women["woman_id"] = women["woman_id"].astype("category")
        contacts["contact_id"] = contacts["contact_id"].astype("category")
        expected_ids = ["W1", "W2", "W3"]
    else:  # numbers as ids (e.g. a typed column): their text is the id
        women["woman_id"] = [11, 12, 13]
        contacts["woman_id"] = ["11", "12", "13"]
        contacts["contact_id"] = [1, 2, 3]
        expected_ids = ["11", "12", "13"]
    logs = validate_logs(tables(women, contacts), config())
    assert logs.women["woman_id"].astype(str).tolist() == expected_ids
    assert logs.contacts["woman"].tolist() == [0, 1, 2]


def test_a_repeated_id_in_an_object_column_is_reported_by_row() -> None:
    women = WOMEN.assign(woman_id=["W1", "W2", "W1"])
    with pytest.raises(LogError) as info:
        validate_logs(tables(women, CONTACTS.assign(woman_id=["W1", "W2", "W2"])), config())
    dup = [p for p in info.value.problems if p.field == "woman_id" and p.file == "w.csv"]
    assert [(p.line, p.code) for p in dup] == [(4, "duplicate_woman")]
    assert "W1" not in dup[0].message  # never a woman's id in a message


def test_the_bootstrap_needs_two_women() -> None:
    one = WomenCosts(
        costs=np.array([5.0]),
        sites=None,
        site_order=(),
        subgroups=pd.DataFrame(index=range(1)),
        source="logs/women.csv",
        rows=np.array([2]),
    )
    with pytest.raises(InputError) as info:
        check_women(one, [], [], "ordinary")
    (problem,) = info.value.problems
    assert (problem.code, problem.file, problem.field) == (
        "too_few_women",
        "logs/women.csv",
        "woman_id",
    )
    assert problem.message == "the bootstrap needs at least 2 women, got 1"


def test_bad_deltas_are_reported_once_and_not_compared() -> None:
    # Both rows of person A have a bad delta: each is reported as bad, and neither is
    # compared with the other (there is no good row to compare with).
    frame = pd.DataFrame(
        {
            "id": ["A", "A"],
            "start": ["0", "1"],
            "stop": ["1", "2"],
            "cost": ["10", "20"],
            "delta": ["x", "2"],
            "surv": ["5", "5"],
        }
    )
    with pytest.raises(LogError) as info:
        validate_cost_history(frame, "h.csv")
    assert [(p.line, p.field, p.code) for p in info.value.problems] == [
        (2, "delta", "bad_delta"),
        (3, "delta", "bad_delta"),
    ]
