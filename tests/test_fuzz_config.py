"""Any edit of the config gives costs or a clear config error, never a crash.

Hypothesis sets a setting of the example config (any dotted path a scenario can name) to
an odd value; costing the changed config must work or raise a
:class:`~rapport_cost.errors.RapportError` naming the problem (exit 2 or 3), never
another exception.
"""

from __future__ import annotations

import contextlib
import functools
import tempfile
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport_cost import api
from rapport_cost.errors import RapportError

CONFIG = Path(__file__).parents[1] / "configs" / "rapport.yaml"
VALUES = st.sampled_from(
    [
        0,
        -1,
        1e9,
        0.5,
        1.5,
        100,
        -0.5,
        True,
        None,
        "x",
        "",
        "2025/26",
        "gamma",
        [],
        {},
        {"type": "beta", "mean": 2, "se": 1},
        {"value": -3},
        {"type": "gamma", "mean": 1},
    ]
)


def _paths(node: object, prefix: str = "") -> list[str]:
    """Every leaf's dotted path (not the scenarios or the logs)."""
    if not isinstance(node, dict):
        return [prefix]
    return [
        p
        for key, value in node.items()
        if not (prefix == "" and key in ("scenarios", "logs"))
        for p in _paths(value, f"{prefix}.{key}" if prefix else str(key))
    ]


PATHS = _paths(yaml.safe_load(CONFIG.read_text(encoding="utf-8")))


@functools.cache
def _built() -> api.Built:
    return api.build(CONFIG)


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.sampled_from(PATHS), VALUES, min_size=1, max_size=3))
def test_edited_config_gives_costs_or_an_input_error(edits: dict[str, object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "scenarios.yaml"
        spec.write_text(yaml.safe_dump({"scenarios": {"edited": {"set": edits}}}))
        with contextlib.suppress(RapportError):  # anything else fails the test
            api.scenarios(_built(), scenarios_file=spec)
