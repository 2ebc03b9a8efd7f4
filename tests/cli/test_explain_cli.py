"""``rapport-cost explain``: exit codes, what it prints, and no other woman's id in errors."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from tests.helpers import invoke

CASE = Path(__file__).parents[1] / "cases" / "small"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    folder = tmp_path / "case"
    shutil.copytree(CASE, folder)
    return folder / "config.yaml"


def test_a_woman_line_by_line(config: Path) -> None:
    r = invoke(["explain", "-c", str(config), "--woman", "W2"], code=0)
    assert "explanation" in r.stdout
    assert "summary" in r.stdout
    assert "C2" in r.stdout
    assert "C3" in r.stdout
    # W2: a third of C2 (116 / 3 = 38.67) and her did-not-attend C3 (15): 53.67
    assert "53.67" in r.stdout


def test_json_total_is_her_estimate(config: Path) -> None:
    doc = json.loads(invoke(["explain", "-c", str(config), "--woman", "W3", "-f", "json"]).stdout)
    rows = doc["tables"]["explanation"]
    # W3: C4 in her second year, 30 / 1.035
    assert rows[-1]["cost"] == pytest.approx(30 / 1.035)
    assert rows[0]["discount_factor"] == pytest.approx(1 / 1.035)
    assert doc["command"] == "explain"


def test_a_unit_and_a_role(config: Path) -> None:
    r = invoke(["explain", "-c", str(config), "--unit", "b", "-f", "json"], code=0)
    rows = json.loads(r.stdout)["tables"]["explanation"]
    assert rows[-1]["cost"] == pytest.approx(30 / 1.035 + 50)
    # per-woman rows go to files only, as in estimate
    assert "per_woman" not in json.loads(r.stdout)["tables"]
    r = invoke(["explain", "-c", str(config), "--role", "psw"], code=0)
    assert "build_up" in r.stdout
    assert "hours" in r.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--woman", "W9"], "--woman: 'W9' is not a woman_id of the women log"),
        (["--unit", "c"], "--unit: 'c' is not a unit (choose from a, b)"),
        (["--unit", "A"], "did you mean 'a'?"),
        (["--role", "psww"], "did you mean 'psw'?"),
        ([], "give exactly one of --woman, --unit and --role"),
    ],
)
def test_unknown_names_exit_2(config: Path, args: list[str], message: str) -> None:
    r = invoke(["explain", "-c", str(config), *args], code=2)
    err = " ".join(r.stderr.split())
    assert message in err
    assert "Traceback" not in err
    typed = args[1] if args[:1] == ["--woman"] else ""
    others = set(re.findall(r"W\d+", err)) - {typed}
    assert not others, f"another woman's id in the error: {others}"
