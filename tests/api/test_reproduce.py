"""reproduce: published tables rebuilt from their inputs; any drift is exit 1 with the cell."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from tests.helpers import invoke

ROOT = Path(__file__).parents[2]
PUBLISHED = ROOT / "data" / "published"


def test_reproduce_all_passes() -> None:
    result = invoke(["reproduce", "--all"], code=0)
    assert "pssru-2024" in result.stdout


def _copy_published(tmp_path: Path) -> Path:
    """A copy of data/published whose relative paths to configs/ still resolve."""
    root = tmp_path / "repo"
    shutil.copytree(PUBLISHED, root / "data" / "published")
    shutil.copytree(ROOT / "configs", root / "configs")
    shutil.copytree(ROOT / "data" / "example", root / "data" / "example")
    return root / "data" / "published"


def test_an_edited_published_number_is_exit_1_with_that_cell(tmp_path: Path) -> None:
    folder = _copy_published(tmp_path)
    expected = folder / "pssru_2024" / "unit_costs.csv"
    table = pd.read_csv(expected)
    # PSSRU 2024 Table 8.2.1, band 6: £57 per working hour; publish £60 instead
    table.loc[table["role"] == "ahp_band_6", "cost_per_working_hour"] = 60.0
    table.to_csv(expected, index=False)
    result = invoke(
        ["reproduce", "pssru-2024", "--manifest", str(folder / "manifest.yaml")], code=1
    )
    out = " ".join(result.stdout.split())
    assert "pssru-2024:unit_costs" in out
    assert "ahp_band_6" in out
    assert "cost_per_working_hour" in out
    assert "60.0" in out
    assert "1 cell(s) differ" in result.stderr


def test_unknown_name_is_exit_2() -> None:
    result = invoke(["reproduce", "nope"], code=2)
    assert "no published table 'nope'" in result.stderr


def test_reproduce_from_an_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    config = ROOT / "tests" / "cases" / "small" / "config.yaml"
    invoke(["estimate", "-c", str(config), "-o", str(out), "--by", "ethnicity"], code=0)
    invoke(["reproduce", "--from", str(out)], code=0)
    per_unit = pd.read_csv(out / "per_unit.csv")
    per_unit.loc[0, "total_cost"] += 1.0
    per_unit.to_csv(out / "per_unit.csv", index=False)
    result = invoke(["reproduce", "--from", str(out)], code=1)
    assert "total_cost" in result.stdout


def test_reproduce_from_a_disclosure_controlled_folder(tmp_path: Path) -> None:
    # The files hold the tables as written: counts rounded and cells suppressed (--sdc),
    # '*' in CSV and null in Parquet; re-running must apply the same policy to compare.
    config = ROOT / "tests" / "cases" / "small" / "config.yaml"
    for fmt in ("csv", "parquet"):
        out = tmp_path / f"out_{fmt}"
        invoke(
            ["estimate", "-c", str(config), "--sdc", "nhsd2018", "-f", fmt, "-o", str(out)], code=0
        )
        invoke(["reproduce", "--from", str(out)], code=0)


def test_reproduce_from_a_folder_with_neutralised_text(tmp_path: Path) -> None:
    # A CSV cell that starts with '=' is written as "'=..." (formula injection guard);
    # the re-run is compared with the table as written, so it is not a difference.
    case = tmp_path / "case"
    shutil.copytree(ROOT / "tests" / "cases" / "small", case)
    women = case / "women.csv"
    women.write_text(women.read_text().replace("Asian", "=Asian"))
    out = tmp_path / "out"
    invoke(
        ["estimate", "-c", str(case / "config.yaml"), "--by", "ethnicity", "-o", str(out)], code=0
    )
    assert "'=Asian" in (out / "by_ethnicity.csv").read_text()
    invoke(["reproduce", "--from", str(out)], code=0)


def test_reproduce_from_a_project_moved_elsewhere(tmp_path: Path) -> None:
    # A project's outputs name its inputs relative to the output folder, so the whole
    # project can move (a clone on another machine, CI) and still be reproduced. The
    # config and scenarios file sit beside the output; the run is made, the project moved.
    project = tmp_path / "before"
    shutil.copytree(ROOT / "tests" / "cases" / "small", project / "inputs")
    spec = project / "inputs" / "scenarios.yaml"
    spec.write_text("scenarios:\n  rate_0: {set: {discounting.rate: 0.0}}\n")
    config = project / "inputs" / "config.yaml"
    invoke(["estimate", "-c", str(config), "-o", str(project / "out" / "estimate")], code=0)
    invoke(
        [
            "scenarios",
            "-c",
            str(config),
            "--scenarios",
            str(spec),
            "-o",
            str(project / "out" / "scenarios"),
        ],
        code=0,
    )
    moved = tmp_path / "after"
    shutil.move(project, moved)
    for name in ("estimate", "scenarios"):
        invoke(["reproduce", "--from", str(moved / "out" / name)], code=0)
