"""SIGINT and SIGTERM at random points of ``psa -o``: the output is complete or absent.

A seeded loop stops real runs (subprocesses) at points spread over a whole run (start-up,
the config, the draws, the plots, the writing) and checks what is left: the exit code
is 130 (SIGINT) or 143 (SIGTERM), or 0 if the run had finished; no traceback; the
output folder either verifies with ``reproduce --from`` (every file's hash and every
table) or does not exist; and no temporary file or lock is left beside it. (A second run into an
output being written is tested against a held lock: tests/hostile and
tests/cli/test_outputs_safe.py.)
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.helpers import invoke

CASE = Path(__file__).parents[1] / "cases" / "small"
SRC = Path(__file__).parents[2] / "src"
#: Points to stop at (alternately SIGINT and SIGTERM), and the loop's seed.
POINTS = 4
SEED = 19


def _start(folder: Path) -> subprocess.Popen[bytes]:
    args = ["psa", "-c", "in/config.yaml", "--draws", "20000", "--seed", "7", "-o", "out", "-q"]
    return subprocess.Popen(
        [sys.executable, "-m", "rapport_cost", *args],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _left_beside(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in ("in", "out"))


def _verifies(folder: Path) -> None:
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        invoke(["reproduce", "--from", "out"], code=0)
    finally:
        os.chdir(cwd)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(CASE, tmp_path / "in")
    return tmp_path


def test_a_signal_leaves_the_output_complete_or_absent(folder: Path) -> None:
    start = time.perf_counter()
    proc = _start(folder)
    _, err = proc.communicate(timeout=120)
    whole = time.perf_counter() - start  # a whole run, to spread the points over
    assert proc.returncode == 0, err.decode()
    _verifies(folder)
    rng = random.Random(SEED)
    stopped = 0
    for i in range(POINTS):
        sig = signal.SIGINT if i % 2 == 0 else signal.SIGTERM
        at = rng.uniform(0.02, 0.8)  # a share of a whole run
        for _ in range(3):  # a run that finished first is tried again, stopped sooner
            code, text = _stop_at(folder, sig, at * whole)
            if code == 0:
                at /= 2
                continue
            stopped += 1
            if code == 128 + sig:
                assert f"stopped by {sig.name}" in text, text
            break
    assert stopped >= POINTS - 1, f"only {stopped} of {POINTS} runs were stopped"


def _stop_at(folder: Path, sig: signal.Signals, delay: float) -> tuple[int, str]:
    """Start a run, send ``sig`` after ``delay`` seconds, check what is left; the code."""
    shutil.rmtree(folder / "out", ignore_errors=True)
    proc = _start(folder)
    time.sleep(delay)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    text = err.decode()
    # 0: it had finished; -sig: killed by the signal itself, in the few milliseconds
    # before Python runs any of rapport-cost (nothing begun, nothing to remove)
    assert proc.returncode in (0, 128 + sig, -sig), f"exit {proc.returncode}: {text}"
    assert "Traceback" not in text, text
    assert _left_beside(folder) == [], _left_beside(folder)
    if (folder / "out").exists():
        _verifies(folder)
    return proc.returncode, text
