"""The benchmarks still run (at a tiny size: these check that they work, not their speed).

A refactor once removed a function that ``benchmarks/psa_scale.py`` called, and nothing
noticed until the benchmark was run by hand.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"


@pytest.mark.parametrize(
    ("script", "args", "expect"),
    [
        ("estimate_scale.py", ["--contacts", "3000", "--rounds", "1"], "ratio estimate / peer"),
        (
            "psa_scale.py",
            ["--draws", "2048", "--sampling", "mc", "sobol", "--repeat", "1", "--loop-draws", "5"],
            "psa/floor",
        ),
        (
            "bootstrap_scale.py",
            ["--women", "600", "--resamples", "199", "--repeats", "1"],
            "speed-up, ordinary BCa vs scipy",
        ),
    ],
)
def test_benchmark_runs_at_a_tiny_size(
    script: str,
    args: list[str],
    expect: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sys, "argv", [script, *args])
    runpy.run_path(str(BENCHMARKS / script), run_name="__main__")
    assert expect in capsys.readouterr().out
