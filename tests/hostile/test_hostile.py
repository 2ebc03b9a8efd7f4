"""The hostile-input corpus (tests/hostile/cases): never a traceback, never an input lost.

Each case is a folder (see ``runner.py``): inputs, a command line, and the exit code and
messages it must give. Every case also must leave every input byte-identical and no
file behind, and run in under 10 s and 1 GB. The dangerous ones (an alias bomb, a
device, a named pipe, sizes of tebibytes, a full disk) run in a subprocess with an
address-space limit and a timeout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from rapport_cost import api
from tests.hostile.runner import BASE, CASES, check

#: What each case's name starts with: the classes of issue 19 it covers.
CLASSES = ("destroy", "tamper", "yaml", "size", "plausible", "concurrent")


def test_every_case_belongs_to_a_class() -> None:
    assert CASES
    assert all(c.name.startswith(CLASSES) for c in CASES), [c.name for c in CASES]
    assert {c.name.split("_")[0] for c in CASES} == set(CLASSES)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_hostile_case(case: Path, tmp_path: Path) -> None:
    check(case, tmp_path / "case")


def test_merge_keys_cost_as_the_config_written_out(tmp_path: Path) -> None:
    # yaml_merge_keys merges psw's mapping into volunteer's (YAML 1.1: volunteer's own
    # payer and hourly_rate win): the same as volunteer written out with psw's
    # indirect_time_ratio, by hand below. Both must cost alike, cell for cell.
    merged = CASES[[c.name for c in CASES].index("yaml_merge_keys")] / "config.yaml"
    shutil.copytree(BASE, tmp_path / "explicit")
    explicit = tmp_path / "explicit" / "config.yaml"
    text = explicit.read_text(encoding="utf-8")
    old = "volunteer: {payer: volunteer, hourly_rate: 10}"
    assert old in text
    explicit.write_text(
        text.replace(
            old, "volunteer: {payer: volunteer, hourly_rate: 10, indirect_time_ratio: 1.0}"
        )
    )
    shutil.copy(merged, tmp_path / "merged.yaml")
    for f in BASE.glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)
    a = api.estimate(tmp_path / "merged.yaml")
    b = api.estimate(explicit)
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
