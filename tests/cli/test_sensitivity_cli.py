"""``dsa``, ``scenarios`` and ``scale-up`` on the command line: outputs, plots and usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from tests.helpers import invoke

CONFIG = str(Path(__file__).parents[1] / "cases" / "small_dsa" / "config.yaml")
PNG = b"\x89PNG\r\n\x1a\n"


def test_dsa_folder_has_tables_and_pngs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    invoke(
        ["dsa", "-c", CONFIG, "--target", "45", "--two-way", "psw_rate", "room_rate",
         "--points", "5", "-o", str(out)],
        code=0,
    )  # fmt: skip
    names = {p.name for p in out.iterdir()}
    assert {"tornado.csv", "threshold.csv", "two_way.csv", "fixed_parameters.csv"} <= names
    assert (out / "tornado.png").read_bytes()[:8] == PNG
    assert (out / "two_way.png").read_bytes()[:8] == PNG
    assert len(pd.read_csv(out / "two_way.csv")) == 25
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == "dsa"
    assert manifest["settings"]["target"] == 45
    assert "tornado.png" in manifest["files"]


def test_dsa_terminal_shows_top_rows() -> None:
    result = invoke(["dsa", "-c", CONFIG, "--top", "2"], code=0)
    assert "psw_rate" in result.stdout
    assert "room_rate" in result.stdout
    assert "volunteer_rate" not in result.stdout  # third by swing: beyond --top 2


def test_dsa_json_has_every_row() -> None:
    doc = json.loads(invoke(["dsa", "-c", CONFIG, "-f", "json", "--top", "1"], code=0).stdout)
    assert len(doc["tables"]["tornado"]) == 4


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--output", "median"], "--output must be one of"),
        (["--site", "zz"], "--site 'zz': no such site"),
        (["--two-way", "psw_rat", "room_rate"], "did you mean 'psw_rate'"),
        (["--two-way", "mileage_rate", "room_rate"], "the parameter is fixed"),
        (["--top", "0"], "--top must be >= 1"),
        (["--target", "nan"], "--target must be a finite number, got nan"),
        (["--target", "inf"], "--target must be a finite number, got inf"),
    ],
)
def test_dsa_usage_errors(args: list[str], text: str) -> None:
    result = invoke(["dsa", "-c", CONFIG, *args], code=2)
    assert text in result.stderr


def test_scenarios_csv_on_stdout() -> None:
    out = invoke(["scenarios", "-c", CONFIG, "-f", "csv", "--site", "all"], code=0).stdout
    lines = out.splitlines()
    assert lines[0].startswith(
        "scenario,description,site,mean_cost_per_woman,total_cost,total_cost_undiscounted,delta"
    )
    assert lines[1].startswith("base,")
    assert len(lines) == 1 + 4  # base and three scenarios, site all only


def test_scale_up_command_and_bad_admissions_file(tmp_path: Path) -> None:
    result = invoke(["scale-up", "-c", CONFIG, "-f", "csv"], code=0)
    assert result.stdout.splitlines()[0].startswith("unit,label,admissions_per_year")
    bad = tmp_path / "units.csv"
    bad.write_text("unit,admissions_per_year\nx,-1\nx,2\n,abc\n")
    err = invoke(["scale-up", "-c", CONFIG, "--admissions", str(bad)], code=2).stderr
    assert "units.csv:2: admissions_per_year: must be a number >= 0, got '-1'" in err
    assert "units.csv:3: unit: duplicate unit 'x' (first at row 2)" in err
    assert "units.csv:4: unit: is missing" in err
    missing = tmp_path / "cols.csv"
    missing.write_text("name,n\nx,1\n")
    err = invoke(["scale-up", "-c", CONFIG, "--admissions", str(missing)], code=2).stderr
    assert "missing column(s) unit, admissions_per_year" in err


@pytest.mark.parametrize(
    ("args", "text"),
    [
        # a negative seed reached numpy's SeedSequence and crashed with a traceback
        (["--draws", "10", "--seed", "-1"], "--seed must be a whole number >= 0, got -1"),
        (["--draws", "1"], "--draws must be a whole number >= 2, got 1"),
    ],
)
def test_scale_up_usage_errors(args: list[str], text: str) -> None:
    result = invoke(["scale-up", "-c", CONFIG, *args], code=2)
    assert text in result.stderr
    assert "Traceback" not in result.stderr


def test_scale_up_admissions_rows_count_blank_lines(tmp_path: Path) -> None:
    # a spreadsheet shows the blank line as row 3, so the bad value is on row 4
    bad = tmp_path / "units.csv"
    bad.write_text("unit,admissions_per_year\nx,1\n\ny,-2\n")
    err = invoke(["scale-up", "-c", CONFIG, "--admissions", str(bad)], code=2).stderr
    assert "units.csv:4: admissions_per_year: must be a number >= 0, got '-2'" in err


def test_scale_up_without_units_is_skipped_with_a_note(tmp_path: Path) -> None:
    import yaml  # noqa: PLC0415

    cfg = yaml.safe_load(Path(CONFIG).read_text())
    del cfg["scale_up"]
    cfg["logs"] = {k: str(Path(CONFIG).parent / v) if isinstance(v, str) else v
                   for k, v in cfg["logs"].items()}  # fmt: skip
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    # every command runs on every valid config: a missing section is a note, not exit 2
    err = invoke(["scale-up", "-c", str(path)], code=0).stderr
    assert "scale-up skipped" in err
    assert "add a scale_up: section" in err
