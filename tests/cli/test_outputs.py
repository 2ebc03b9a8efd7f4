"""Outputs: formats, the manifest, atomic writes, --force and the formula-injection guard."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from tests.helpers import invoke

CASE = Path(__file__).parents[1] / "cases" / "small"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    folder = tmp_path / "case"
    shutil.copytree(CASE, folder)
    return folder / "config.yaml"


def test_json_envelope_on_stdout(config: Path) -> None:
    doc = json.loads(invoke(["estimate", "-c", str(config), "-f", "json"], code=0).stdout)
    assert doc["tool"] == "rapport-cost"
    assert doc["command"] == "estimate"
    assert (doc["currency"], doc["price_year"], doc["perspective"]) == (
        "GBP",
        "2023/24",
        "societal",
    )
    assert [i["role"] for i in doc["inputs"]] == ["config", "contacts", "attendance", "women"]
    assert all(len(i["sha256"]) == 64 for i in doc["inputs"])
    rows = {r["site"]: r for r in doc["tables"]["per_unit"]}
    assert rows["a"]["total_cost"] == pytest.approx(181.0)  # unrounded
    # per-woman rows are not printed by default (files only)
    assert "per_woman" not in doc["tables"]


def test_folder_output_every_table_and_manifest(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    invoke(["estimate", "-c", str(config), "-f", "csv", "-o", str(out)], code=0)
    names = {p.name for p in out.iterdir()}
    assert {
        "per_unit.csv",
        "per_woman.csv",
        "by_contact_type.csv",
        "by_component.csv",
        "manifest.json",
    } <= names
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == "estimate"
    assert set(manifest["files"]) == names - {"manifest.json"}
    per_woman = pd.read_csv(out / "per_woman.csv")
    assert per_woman["woman_id"].tolist() == ["W1", "W2", "W3", "W4"]


def test_no_overwrite_without_force(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    invoke(["estimate", "-c", str(config), "-o", str(out)], code=0)
    before = (out / "manifest.json").read_text()
    result = invoke(["estimate", "-c", str(config), "-o", str(out)], code=4)
    assert "already exists; use --force" in result.stderr
    assert (out / "manifest.json").read_text() == before
    invoke(["estimate", "-c", str(config), "-o", str(out), "--force"], code=0)


@pytest.mark.parametrize("fmt", ["json", "xlsx", "md", "parquet", "csv"])
def test_single_file_formats(config: Path, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"result.{fmt}"
    invoke(["estimate", "-c", str(config), "-f", fmt, "-o", str(target)], code=0)
    assert target.stat().st_size > 0
    if fmt == "xlsx":
        sheets = pd.read_excel(target, sheet_name=None)
        assert {"per_unit", "per_woman", "about"} <= set(sheets)
    if fmt == "parquet":
        assert "total_cost" in pd.read_parquet(target).columns


def test_binary_format_needs_out(config: Path) -> None:
    result = invoke(["estimate", "-c", str(config), "-f", "xlsx"], code=2)
    assert "give --out" in result.stderr


def test_formula_injection_is_neutralised(config: Path, tmp_path: Path) -> None:
    women = config.parent / "women.csv"
    women.write_text(women.read_text().replace("Asian", '=HYPERLINK("x")'))
    out = tmp_path / "out"
    invoke(
        ["estimate", "-c", str(config), "--by", "ethnicity", "-f", "csv", "-o", str(out)], code=0
    )
    text = (out / "by_ethnicity.csv").read_text()
    assert "'=HYPERLINK" in text
    assert "\n=HYPERLINK" not in text
    assert ",=HYPERLINK" not in text


def test_unknown_subgroup_is_a_usage_error(config: Path) -> None:
    result = invoke(["estimate", "-c", str(config), "--by", "religion"], code=2)
    assert (
        "--by 'religion' is not a column of the women log (subgroups: ethnicity)" in result.stderr
    )


def test_version() -> None:
    assert invoke(["--version"], code=0).stdout.strip() == "rapport-cost 0.1.0"


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["estimate", "--help"]])
def test_version_and_help_answer_without_loading_pandas(args: list[str]) -> None:
    # pandas (and the API behind it) takes 2 s to import; --help must not wait for it
    code = (
        "import sys\n"
        "from rapport_cost.cli.main import main\n"
        f"sys.argv = ['rapport-cost', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('pandas loaded' if 'pandas' in sys.modules else 'pandas not loaded')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "pandas not loaded"


def test_schema_is_json() -> None:
    schema = json.loads(invoke(["schema"], code=0).stdout)
    assert "roles" in schema["properties"]


COMMANDS = {  # CLI command: the API function it runs
    "unit-costs": "unit_costs",
    "estimate": "estimate",
    "psa": "run_psa",
    "bootstrap": "bootstrap",
    "dsa": "dsa",
    "scenarios": "scenarios",
    "scale-up": "scale_up",
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["-f", "xlsx"], "--format xlsx writes binary files"),
        (["-f", "pdf"], "--format must be one of"),
        (["--sdc", "bogus"], "--sdc must be one of"),
        (["-o", "{existing}"], "already exists; use --force"),
    ],
)
def test_bad_output_options_fail_before_any_work(
    command: str,
    options: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a PSA of a million draws must not run to the end to learn that its output cannot
    # be written: the options are checked first (the analysis here would fail the test)
    def analysis(*_: object, **__: object) -> None:
        pytest.fail(f"{command} ran before its output options were checked")

    monkeypatch.setattr(f"rapport_cost.api.{COMMANDS[command]}", analysis)
    existing = tmp_path / "out"
    existing.mkdir()
    args = [o.replace("{existing}", str(existing)) for o in options]
    result = invoke([command, *args])
    assert result.exit_code in (2, 4), result.stderr
    assert message in " ".join(result.stderr.split())
