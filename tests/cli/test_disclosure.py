"""--sdc on the table commands: suppressed cells are * in text formats, null in JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from tests.helpers import invoke

CASE = Path(__file__).parents[1] / "cases" / "small"
EXAMPLE = Path(__file__).parents[2] / "configs" / "rapport.yaml"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    folder = tmp_path / "case"
    shutil.copytree(CASE, folder)
    return folder / "config.yaml"


def test_small_units_are_suppressed_in_json(config: Path) -> None:
    # each unit of the small case has 2 women (1-7): counts and statistics are *
    doc = json.loads(
        invoke(["estimate", "-c", str(config), "-f", "json", "--sdc", "nhsd2018"], code=0).stdout
    )
    rows = {r["site"]: r for r in doc["tables"]["per_unit"]}
    assert rows["a"]["women"] is None
    assert rows["a"]["mean_cost_per_woman"] is None
    sdc = doc["disclosure_control"]
    assert sdc["policy"] == "nhsd2018"
    assert {"row": "a", "column": "mean_cost_per_woman"} in sdc["suppressed"]["per_unit"]


def test_csv_files_show_star_and_no_per_woman_table(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    invoke(["estimate", "-c", str(config), "-o", str(out), "--sdc", "suppress_lt5"], code=0)
    per_unit = pd.read_csv(out / "per_unit.csv", dtype=str)
    assert (per_unit.loc[per_unit["site"] == "a", "women"] == "*").all()
    assert not (out / "per_woman.csv").exists()


def test_example_counts_are_rounded_to_5(tmp_path: Path) -> None:
    # the example's units have 118, 83 and 99 women: nhsd2018 publishes 120, 85, 100 and
    # the total from the unrounded 300 -> 300 (M-60)
    doc = json.loads(
        invoke(["estimate", "-c", str(EXAMPLE), "-f", "json", "--sdc", "nhsd2018"], code=0).stdout
    )
    women = {r["site"]: r["women"] for r in doc["tables"]["per_unit"]}
    assert women == {"birmingham": 120, "lancashire": 85, "manchester": 100, "all": 300}


def test_psa_rows_of_suppressed_units_are_suppressed(config: Path) -> None:
    doc = json.loads(
        invoke(
            [
                "psa",
                "-c",
                str(config),
                "--draws",
                "64",
                "--seed",
                "1",
                "-f",
                "json",
                "--sdc",
                "nhsd2018",
            ],
            code=0,
        ).stdout
    )
    rows = [r for r in doc["tables"]["psa_summary"] if r["site"] == "a"]
    assert rows
    assert all(r["mean"] is None for r in rows)


def test_default_output_is_watermarked(config: Path) -> None:
    doc = json.loads(invoke(["estimate", "-c", str(config), "-f", "json"], code=0).stdout)
    assert doc["disclosure_control"]["policy"] == "none"
    assert "internal use only" in doc["disclosure_control"]["note"]


def test_unknown_policy_is_a_usage_error(config: Path) -> None:
    result = invoke(["estimate", "-c", str(config), "--sdc", "strict"], code=2)
    assert "--sdc must be one of nhsd2018, suppress_lt5, none" in result.stderr


def test_dsa_of_a_suppressed_unit_is_suppressed(tmp_path: Path) -> None:
    # unit a of tests/cases/small_dsa has 1-7 women: its one-way results would reveal its
    # mean cost per woman, so every result column is * (inputs stay visible)
    config = Path(__file__).parents[1] / "cases" / "small_dsa" / "config.yaml"
    doc = json.loads(
        invoke(
            ["dsa", "-c", str(config), "--site", "a", "-f", "json", "--sdc", "nhsd2018"], code=0
        ).stdout
    )
    rows = doc["tables"]["tornado"]
    assert rows
    assert all(r["low_result"] is None and r["swing"] is None for r in rows)
    assert all(r["low_value"] is not None for r in rows)
