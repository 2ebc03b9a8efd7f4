"""Sizes checked against the memory they imply, before any of it is asked for.

A PSA keeps two outputs per site and draw, a bootstrap its replicates, a two-way
analysis a parameter matrix per grid point: ``--draws 1e12`` would ask for tens of TiB
and be killed, or fail deep in NumPy. Each ``check_*`` function works out, from the
options and the model's sizes, about how many bytes the run will hold at its peak, and
refuses (exit 2) a run that needs more than :data:`SHARE` of the memory this process may
use (:func:`~rapport_cost.fileio.machine.memory_limit`). The message gives the need, the
limit and its source, the most the machine allows, and what to change.

The estimates count the arrays each analysis allocates (8 bytes a float) with a margin
for temporaries; they are meant to stop a run that cannot fit, not to plan one to the
byte.
"""

from __future__ import annotations

from rapport_cost.api.base import Built
from rapport_cost.errors import Problem, UsageError
from rapport_cost.fileio.machine import MemoryLimit, memory_limit

#: Share of the available memory a run may plan to use (the rest: Python, pandas, plots).
SHARE = 0.8
_FLOAT = 8
#: Bytes a chunk's bookkeeping costs (a Python int in the list of chunk sizes).
_PER_CHUNK = 64
#: Bytes a run asks for whatever its size (caches and the first use of SciPy's samplers).
BASE = 64 * 2**20


def _size(n: float) -> str:
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n:,.0f} bytes"


def _budget() -> tuple[float, MemoryLimit]:
    limit = memory_limit()
    return SHARE * limit.bytes, limit


def _refuse(what: str, need: float, limit: MemoryLimit, budget: float, hint: str) -> UsageError:
    msg = (
        f"{what}: about {_size(need)} of memory needed; at most {_size(budget)} may be used "
        f"here ({SHARE:.0%} of {_size(limit.bytes)}, {limit.source}); {hint}"
    )
    return UsageError(msg, [Problem(msg, code="too_large")])


def _sizes(built: Built) -> tuple[int, int, int]:
    """Columns of the outputs (sites + all), parameters and cost drivers of a model."""
    return (
        len(built.usage.sites) + 1,
        int(built.prep.terms.table.base().size),
        built.usage.n_drivers,
    )


def _chunk_bytes(built: Built, chunk: int) -> float:
    """Peak bytes of one chunk of PSA draws: Θ, prices, costs and the draws written."""
    columns, params, drivers = _sizes(built)
    return BASE + float(_FLOAT * chunk * (4 * params + 4 * drivers + 8 * columns))


def psa_bytes(built: Built, draws: int, chunk_size: int) -> float:
    """About the most bytes a PSA of ``draws`` draws, ``chunk_size`` at a time, holds.

    Every draw's mean cost per woman and total cost for each site and all
    (``2 × (n_sites + 1)`` floats a draw) and, while they are summarised, working copies
    (six floats a draw); plus one chunk (:data:`BASE` and the chunk's arrays).
    """
    columns, _, _ = _sizes(built)
    chunk = min(chunk_size, draws)
    per_draw = _FLOAT * (2 * columns + 6) + _PER_CHUNK / max(chunk, 1)
    return _chunk_bytes(built, chunk) + per_draw * draws


def check_psa(built: Built, draws: int, chunk_size: int) -> None:
    """Refuse a PSA of ``draws`` draws, ``chunk_size`` at a time, that cannot fit in memory.

    The need is :func:`psa_bytes`.

    Raises
    ------
    UsageError
        With the memory needed, the limit, and the most draws (or the chunk size) that fit.
    """
    budget, limit = _budget()
    need = psa_bytes(built, draws, chunk_size)
    if need <= budget:
        return
    chunk = min(chunk_size, draws)
    fixed = _chunk_bytes(built, chunk)
    if fixed > budget / 2:
        hint = f"use a smaller psa.chunk_size (it is {chunk_size:,}; the default is 20,000)"
        what = f"PSA chunks of {chunk:,} draws"
        raise _refuse(what, fixed, limit, budget, hint)
    per_draw = (need - fixed) / draws
    most = int((budget - fixed) / per_draw)
    hint = (
        f"use at most {most:,} draws here (--draws or psa.draws); every draw's outputs are "
        "kept for the quantiles, so chunking does not lower this"
    )
    what = f"{draws:,} PSA draws"
    raise _refuse(what, need, limit, budget, hint)


def check_bootstrap(
    replicates: int, rows: int, *, joint: bool = False, built: Built | None = None
) -> None:
    """Refuse a bootstrap whose replicates cannot fit in memory.

    Each of the ``rows`` rows of ``bootstrap_ci`` keeps its ``replicates`` (resamples, or
    PSA draws in joint mode, three series a row) for its interval and the replicates
    table, with working copies while its interval is found; joint mode adds a chunk of
    PSA draws (``built``).

    Raises
    ------
    UsageError
        With the memory needed, the limit, and the most resamples (or draws) that fit.
    """
    budget, limit = _budget()
    series = 3 * rows if joint else rows
    per = _FLOAT * (2 * series + 6)
    fixed = _chunk_bytes(built, min(built.config.psa.chunk_size, replicates)) if built else 0.0
    need = fixed + per * replicates
    if need <= budget:
        return
    name = "PSA draws" if joint else "resamples"
    option = "--draws" if joint else "--resamples"
    most = max(0, int((budget - fixed) / per))
    hint = f"use at most {most:,} {name} here ({option}), or fewer rows (--by)"
    what = f"{replicates:,} {name} for {rows} row(s)"
    raise _refuse(what, need, limit, budget, hint)


def check_draws(built: Built, draws: int | None) -> None:
    """Refuse ``scale-up --draws`` that cannot fit: one value a draw and a chunk of draws.

    ``None`` (no PSA interval) always fits.

    Raises
    ------
    UsageError
        With the memory needed, the limit, and the most draws that fit.
    """
    if draws is None:
        return
    budget, limit = _budget()
    fixed = _chunk_bytes(built, min(built.config.psa.chunk_size, draws))
    per = _FLOAT * 3
    need = fixed + per * draws
    if need > budget:
        most = max(0, int((budget - fixed) / per))
        hint = f"use at most {most:,} draws here (--draws)"
        what = f"{draws:,} PSA draws"
        raise _refuse(what, need, limit, budget, hint)


def check_grid(built: Built, points: int) -> None:
    """Refuse a two-way grid of ``points × points`` that cannot fit in memory.

    Every grid point is a row of Θ, priced and costed at once, and a row of the table.
    (Checked whether or not a two-way analysis is asked for: ``points`` is its only use.)

    Raises
    ------
    UsageError
        With the memory needed, the limit, and the most points that fit.
    """
    columns, params, drivers = _sizes(built)
    budget, limit = _budget()
    per = _FLOAT * (2 * params + 2 * drivers + 2 * columns + 8)
    need = per * float(points) ** 2
    if need > budget:
        most = int((budget / per) ** 0.5)
        hint = f"use at most {most:,} points here (--points; 11 is the default)"
        what = f"a two-way grid of {points:,} × {points:,} points"
        raise _refuse(what, need, limit, budget, hint)
