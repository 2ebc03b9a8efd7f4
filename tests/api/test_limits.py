"""Sizes are checked against memory before any is asked for (api/limits.py).

Oracles: the PSA keeps two outputs per site-and-all column and draw (M-47: the
quantiles need every draw), so ``2 x (n_sites + 1) x 8`` bytes a draw is a floor the
estimate must not undercut; and the estimate must bound the memory a run really takes,
measured with ``tracemalloc`` (NumPy reports its buffers to it).
"""

from __future__ import annotations

import re
import time
import tracemalloc
from pathlib import Path

import pytest
from tests.helpers import invoke

from rapport_cost import api
from rapport_cost.api import limits
from rapport_cost.errors import UsageError
from rapport_cost.fileio.machine import MemoryLimit, memory_limit

CASE = Path(__file__).parents[1] / "cases" / "small"
SITES = 2  # tests/cases/small: units a and b


@pytest.fixture(scope="module")
def built() -> api.Built:
    return api.build(CASE / "config.yaml")


def _need(message: str) -> float:
    """The bytes a refusal says it needs (``about 87.3 TiB``)."""
    value, unit = re.search(r"about ([\d,.]+) (TiB|GiB|MiB|KiB)", message).groups()  # type: ignore[union-attr]
    return float(value.replace(",", "")) * 2 ** {"KiB": 10, "MiB": 20, "GiB": 30, "TiB": 40}[unit]


def _limited(monkeypatch: pytest.MonkeyPatch, n_bytes: int) -> None:
    monkeypatch.setattr(limits, "memory_limit", lambda: MemoryLimit(n_bytes, "a test limit"))


def test_a_trillion_draws_are_refused_before_any_work(built: api.Built) -> None:
    start = time.perf_counter()
    with pytest.raises(UsageError) as err:
        api.run_psa(built, draws=10**12, seed=1)
    assert time.perf_counter() - start < 2  # nothing was allocated or drawn
    message = str(err.value)
    # the floor: 2 outputs x (2 sites + all) x 8 bytes x 1e12 draws = 48e12 bytes
    assert _need(message) >= 2 * (SITES + 1) * 8 * 1e12 * 0.999
    assert "use at most" in message
    assert "draws" in message


def test_the_most_draws_said_fit_and_one_more_does_not(
    built: api.Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    _limited(monkeypatch, 500 * 2**20)
    with pytest.raises(UsageError) as err:
        limits.check_psa(built, 10**9, 20_000)
    most = int(re.search(r"use at most ([\d,]+) draws", str(err.value)).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert "a test limit" in str(err.value)
    limits.check_psa(built, most, 20_000)  # fits
    with pytest.raises(UsageError):
        limits.check_psa(built, most + 2, 20_000)


def test_a_huge_chunk_says_to_lower_the_chunk_size(
    built: api.Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    _limited(monkeypatch, 50 * 2**20)
    with pytest.raises(UsageError) as err:
        limits.check_psa(built, 10**8, 10**8)
    assert "use a smaller psa.chunk_size" in str(err.value)


def test_the_estimate_bounds_what_a_psa_really_takes(built: api.Built) -> None:
    model, draws = built, 200_000
    tracemalloc.start()
    try:
        api.run_psa(model, draws=draws, seed=3)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    need = limits.psa_bytes(model, draws, model.config.psa.chunk_size)
    assert peak <= need, f"measured {peak:,} bytes, estimated {need:,.0f}"
    # and it is an estimate, not a blanket: the floor of the kept outputs is most of it
    floor = 2 * (len(model.usage.sites) + 1) * 8 * draws
    assert need < floor + 4 * limits._chunk_bytes(model, 20_000)


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["psa", "--draws", str(10**12)], "PSA draws"),
        (["bootstrap", "--resamples", str(10**12)], "resamples"),
        (["dsa", "--two-way", "psw_rate", "room_rate", "--points", str(10**7)], "two-way grid"),
        (["scale-up", "--admissions", "{units}", "--draws", str(10**12)], "PSA draws"),
    ],
)
def test_each_command_refuses_a_size_that_cannot_fit(
    args: list[str], what: str, tmp_path: Path
) -> None:
    units = tmp_path / "units.csv"
    units.write_text("unit,admissions_per_year\nx,3\n", encoding="utf-8")
    args = [a.replace("{units}", str(units)) for a in args]
    result = invoke([args[0], "-c", str(CASE / "config.yaml"), *args[1:]], code=2)
    err = " ".join(result.stderr.split())
    assert what in err
    assert "of memory needed; at most" in err
    assert "Traceback" not in result.stderr


def test_the_memory_limit_is_positive_and_names_its_source() -> None:
    limit = memory_limit()
    assert limit.bytes > 0
    assert limit.source
