"""The corpus of bad activity logs in tests/invalid/logs.

Each case folder holds files that replace those of tests/cases/small and an
``expect.txt`` with one expected message per line (``{dir}`` is the case's folder). Every
case must exit 2, list every expected problem with its row, print no traceback and leave
no output behind.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import assert_case_reported, invoke

HERE = Path(__file__).parent
CASES = sorted(p for p in (HERE / "invalid" / "logs").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_bad_logs_exit_2_listing_every_problem(case: Path, tmp_path: Path) -> None:
    folder = tmp_path / "case"
    shutil.copytree(HERE / "cases" / "small", folder)
    for f in case.iterdir():
        if f.name != "expect.txt":
            shutil.copy(f, folder / f.name)
    out = tmp_path / "out"
    result = invoke(["estimate", "-c", str(folder / "config.yaml"), "-o", str(out)], code=2)
    assert_case_reported(result, case, folder, out)


def test_validate_lists_log_problems_with_exit_1(tmp_path: Path) -> None:
    folder = tmp_path / "case"
    shutil.copytree(HERE / "cases" / "small", folder)
    shutil.copy(HERE / "invalid" / "logs" / "bad_minutes" / "contacts.csv", folder)
    result = invoke(["validate", "-c", str(folder / "config.yaml")], code=1)
    assert "duration_min: must be >= 0, got '-5'" in " ".join(result.stderr.split())


def test_validate_clean_case_exit_0() -> None:
    invoke(["validate", "-c", str(HERE / "cases" / "small" / "config.yaml")], code=0)
