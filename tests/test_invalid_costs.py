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

from tests.helpers import invoke

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
    err = " ".join(result.stderr.split())
    expected = (case / "expect.txt").read_text(encoding="utf-8").strip().splitlines()
    for line in expected:
        text = " ".join(line.replace("{dir}", str(folder)).split())
        assert text in err, f"missing {text!r} in:\n{result.stderr}"
    assert "Traceback" not in result.stderr + result.stdout
    assert not out.exists()
    assert not list(tmp_path.glob(".out*")), "a temporary output was left behind"
