"""Every message of the invalid corpora (tests/invalid/**) is located and names no woman.

Each case is run as its corpus runs it (test_invalid_configs, _logs, _costs); its
messages must each name a file (with its row or line), an option or a config field, and
none may hold the id of a woman of the case (ids collected from its women log and
costs file: pseudonymised health data). The hostile corpus is held to the
same in tests/hostile/runner.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import invoke
from tests.messages import error_lines, unlocated, with_ids, woman_ids

HERE = Path(__file__).parent
INVALID = HERE / "invalid"
SMALL = HERE / "cases" / "small"


def _config_case(case: Path, work: Path) -> tuple[list[str], Path]:
    return ["unit-costs", "-c", str(case)], SMALL


def _logs_case(case: Path, work: Path) -> tuple[list[str], Path]:
    shutil.copytree(SMALL, work)
    for f in case.iterdir():
        if f.name != "expect.txt":
            shutil.copy(f, work / f.name)
    return ["estimate", "-c", str(work / "config.yaml")], work


def _costs_case(case: Path, work: Path) -> tuple[list[str], Path]:
    shutil.copytree(case, work)
    extra = work / "args.txt"
    args = extra.read_text(encoding="utf-8").split("\n") if extra.exists() else []
    args = [a.replace("{dir}", str(work)) for a in args if a]
    if "--costs" not in args:
        args = ["--costs", str(work / "costs.csv"), *args]
    if "--resamples" not in args:
        args += ["--resamples", "99"]
    return ["bootstrap", *args], work


SETUPS = {"config": _config_case, "logs": _logs_case, "costs": _costs_case}
CASES = [
    (kind, case)
    for kind in SETUPS
    for case in sorted((INVALID / kind).iterdir())
    if case.is_dir() or case.suffix == ".yaml"
]


@pytest.mark.parametrize(("kind", "case"), CASES, ids=lambda x: getattr(x, "name", x))
def test_every_message_is_located_and_names_no_woman(kind: str, case: Path, tmp_path: Path) -> None:
    args, folder = SETUPS[kind](case, tmp_path / "case")
    result = invoke(args)
    assert result.exit_code == 2, result.stderr
    messages = error_lines(result.stderr)
    assert messages, result.stderr
    assert not unlocated(messages), unlocated(messages)
    ids = woman_ids(folder) | woman_ids(SMALL)
    assert not with_ids(messages, ids), with_ids(messages, ids)


def test_the_checks_can_fail() -> None:
    # a check that cannot fail is a defect: each must catch what it is for
    assert unlocated(["error: must be >= 0, got -3"])
    assert not unlocated(["error: configs/x.yaml:14: roles.psw.salary: must be >= 0, got -3"])
    assert not unlocated(["error: --draws must be a whole number >= 1, got -5"])
    assert with_ids(["error: duplicate woman_id W1 (first at row 2)"], {"W1", "W2"})
    assert not with_ids(["error: women.csv:3: W10 is not W1x"], {"W1"})
