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
        ("follow_up_scale.py", ["--small"], "bootstrap / one estimate"),
        (
            "subgroups_scale.py",
            ["--women", "2000", "--resamples", "64", "--loop", "3", "--repeat", "1"],
            "ratio statsmodels loop / ours",
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


def test_startup_reads_the_import_tree() -> None:
    # benchmarks/startup.py runs commands in child processes (too slow here); its parser
    # of `python -X importtime` must still read the tree: each module printed after the
    # modules it imported, nested two spaces deeper
    startup = runpy.run_path(str(BENCHMARKS / "startup.py"))
    stderr = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:       100 |        100 |     numpy.core",
            "import time:       200 |        300 |   numpy",
            "import time:        50 |         50 |   yaml",
            "import time:        10 |        360 | rapport_cost.api.base",
        ]
    )
    tree = startup["parse_importtime"](stderr)
    by_name = {i.name: i for i in tree}
    assert by_name["numpy.core"].parent is by_name["numpy"]
    assert by_name["numpy"].parent is by_name["rapport_cost.api.base"]
    assert startup["chain"](by_name["numpy.core"]) == "numpy.core <- numpy <- rapport_cost.api.base"
