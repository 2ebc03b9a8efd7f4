"""The corpus of bad per-person cost tables and options in tests/invalid/costs.

Each case folder holds a ``costs.csv`` (passed as ``--costs``), optionally ``args.txt``
(more command-line arguments, one per line; a case that gives its own ``--costs`` gets no
other) and ``expect.txt`` with one expected message per line (``{dir}`` is the case's
folder). Every case must exit 2, list every expected problem with its row, print no
traceback and leave no output behind.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import assert_case_reported, invoke

HERE = Path(__file__).parent
CASES = sorted(p for p in (HERE / "invalid" / "costs").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_bad_costs_exit_2_listing_every_problem(case: Path, tmp_path: Path) -> None:
    folder = tmp_path / "case"
    shutil.copytree(case, folder)
    extra = folder / "args.txt"
    args = extra.read_text(encoding="utf-8").split("\n") if extra.exists() else []
    args = [a.replace("{dir}", str(folder)) for a in args if a]
    if "--costs" not in args:
        args = ["--costs", str(folder / "costs.csv"), *args]
    if "--resamples" not in args:
        args += ["--resamples", "99"]  # fast: the problems are found before any resample
    out = tmp_path / "out"
    result = invoke(["bootstrap", *args, "-o", str(out)], code=2)
    assert_case_reported(result, case, folder, out)
