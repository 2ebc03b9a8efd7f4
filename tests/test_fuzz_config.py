"""Any edit of the config gives costs or a clear config error, never a crash.

Hypothesis sets a setting of the example config (any dotted path a scenario can name) to
an odd value; costing the changed config must work or raise a
:class:`~rapport_cost.errors.RapportError` naming the problem (exit 2 or 3), never
another exception. It also writes YAML's own features into the small case's config
(tags, anchors, aliases, merge keys, duplicate keys, an alias in its own anchor): the
file must load or give problems located in it.
"""

from __future__ import annotations

import contextlib
import functools
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport_cost import api
from rapport_cost.errors import ConfigError, Problem, RapportError
from rapport_cost.fileio.config_file import load_config

CONFIG = Path(__file__).parents[1] / "configs" / "rapport.yaml"
VALUES = st.sampled_from(
    [0, -1, 1e9, 0.5, 1.5, 100, -0.5, True, None, "x", "", "2025/26", "gamma", [], {},
     {"type": "beta", "mean": 2, "se": 1}, {"value": -3}, {"type": "gamma", "mean": 1}]
)  # fmt: skip


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
        try:
            result = api.scenarios(_built(), scenarios_file=spec)
        except RapportError:  # anything else fails the test
            return
    # a config that costs gives finite costs >= 0 (a wrong sign or a NaN is a defect)
    table = result.tables["scenarios"]
    for column in ("mean_cost_per_woman", "total_cost", "total_cost_undiscounted"):
        values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
        assert np.isfinite(values).all(), (column, edits)
        assert (values >= 0).all(), (column, edits)


# --------------------------------------------------------------------------- YAML features

SMALL = Path(__file__).parent / "cases" / "small"
LINES = (SMALL / "config.yaml").read_text(encoding="utf-8").splitlines()
#: Lines ``key: value`` of the small case's config (their numbers), which edits target.
VALUED = [i for i, ln in enumerate(LINES) if re.match(r"^\s*\w+: \S", ln)]
TAGS = ["!!python/object/apply:os.system", "!vault", "!!int", "!!float", "!!timestamp",
        "!!binary", "!!set", "!!str", "!!null", "!!bool", "!", "!<tag:x>", "!!omap"]  # fmt: skip
YAML_EDIT = st.tuples(
    st.sampled_from(VALUED),
    st.sampled_from(["tag", "anchor", "alias", "merge", "duplicate", "self_alias"]),
    st.sampled_from(TAGS),
    st.integers(0, 3),
)


def _yaml_edit(lines: list[str], at: int, what: str, tag: str, k: int) -> list[str]:
    """One YAML feature written into line ``at`` (``key: value``)."""
    indent, key, value = re.match(r"^(\s*)(\w+): (.*)$", lines[at]).groups()  # type: ignore[union-attr]
    out = list(lines)
    if what == "tag":
        out[at] = f"{indent}{key}: {tag} {value}"
    elif what == "anchor":
        out[at] = f"{indent}{key}: &a{k} {value}"
    elif what == "alias":  # refers to an anchor that may not exist, or comes later
        out[at] = f"{indent}{key}: *a{k}"
    elif what == "merge":
        out.insert(at + 1, f"{indent}<<: *a{k}")
    elif what == "duplicate":
        out.insert(at + 1, f"{indent}{key}: {value}")
    else:  # an anchor whose value holds its own alias
        out[at] = f"{indent}{key}: &a{k} [*a{k}]"
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(YAML_EDIT, min_size=1, max_size=4))
def test_yaml_features_give_a_config_or_located_problems(
    edits: list[tuple[int, str, str, int]],
) -> None:
    lines = LINES
    for at, what, tag, k in sorted(edits, reverse=True):  # later lines first: numbers hold
        lines = _yaml_edit(lines, at, what, tag, k)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "case"
        shutil.copytree(SMALL, folder)
        path = folder / "config.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        problems = []
        try:
            loaded = load_config(path)
        except ConfigError as exc:  # anything else fails the test
            problems = exc.problems or [Problem(str(exc))]
        if problems:
            assert all(p.file == str(path) and p.line for p in problems), problems
            return
        with contextlib.suppress(RapportError):
            api.estimate(loaded)
