"""``scale-up``: the annual cost of offering the model in other units.

Each unit's annual cost is its admissions times the engine's cost per admission (or mean
cost per woman) of the study; with draws, times the PSA's interval of it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from rapport_cost.api.base import (
    Built,
    BuiltArg,
    Result,
    built_from,
    config_arg,
    model_result,
    seed_number,
    whole_number,
)
from rapport_cost.api.draws import STREAMS, psa_chunks, streams
from rapport_cost.api.limits import check_draws
from rapport_cost.arrays import Vector
from rapport_cost.core.analyses.bootstrap import quantiles
from rapport_cost.core.analyses.scale_up import (
    BASES,
    ScaleUnit,
    scale_up_table,
)
from rapport_cost.core.engine import Costs
from rapport_cost.errors import (
    ModelError,
    UsageError,
)
from rapport_cost.fileio.admissions import read_admissions

# =========================================================================== scale-up


def _psa_values(
    built: Built, draws: int, seed: int | None, value: Callable[[Costs], Vector]
) -> tuple[Vector, int | None, list[str]]:
    """``value`` of the engine's costs on ``draws`` PSA draws, with the PSA's design and streams.

    The same seed gives the same draws as ``rapport-cost psa``
    (:func:`~rapport_cost.api.draws.streams`).
    """
    used_seed = seed if seed is not None else built.config.psa.seed
    st = streams(used_seed)
    _, chunks, notes = psa_chunks(built, streams=st, n_draws=draws)
    values = np.empty(draws)
    for chunk in chunks:
        values[chunk.start : chunk.start + chunk.n] = value(chunk.costs)
    if not np.all(np.isfinite(values)):
        msg = "the cost per admission is not finite for some PSA draws"
        raise ModelError(msg)
    if used_seed is None:
        notes.append("no seed given (--seed or psa.seed): the interval is not reproducible")
    return values, used_seed, notes


def scale_up(
    config: BuiltArg = None,
    *,
    admissions: str | Path | None = None,
    draws: int | None = None,
    seed: int | None = None,
    basis: str | None = None,
    from_site: str | None = None,
) -> Result:
    """Annual cost of offering the model in a set of units, per unit and in total.

    The units and their admissions per year come from ``admissions`` (a CSV with
    ``unit`` and ``admissions_per_year``) or the config's ``scale_up`` section. Each
    unit's annual cost is its admissions times the study's cost per admission
    (``basis``, default ``cost_per_admission``) of ``from_site`` (default all study
    units pooled). With ``draws``, the 95% PSA interval (2.5% and 97.5% quantiles,
    M-4) of the cost per admission over that many draws of Θ scales each row.

    Returns
    -------
    Result
        Table ``scale_up``: ``unit``, ``label``, ``admissions_per_year``,
        ``cost_per_admission``, ``annual_cost`` (and ``annual_cost_low``,
        ``annual_cost_high`` with ``draws``), with a last row ``total``.
    """
    built = built_from(config)
    cfg = built.config
    section = cfg.scale_up
    inputs = built.inputs()
    units: list[ScaleUnit]
    if admissions is not None:
        path = Path(admissions)
        rows, sha = read_admissions(path, source=str(admissions))
        units = [ScaleUnit(r.unit, r.admissions_per_year, r.label, r.source) for r in rows]
        inputs.append({"role": "admissions", "path": str(admissions), "sha256": sha})
    elif section is not None:
        units = [
            ScaleUnit(k, u.admissions_per_year, u.label, u.source) for k, u in section.units.items()
        ]
    else:
        note = (
            "scale-up skipped: no units to scale up to (add a scale_up: section to the "
            "config or give --admissions FILE)"
        )
        empty = scale_up_table([], 0.0, None)
        return model_result(built, "scale-up", {"scale_up": empty}, inputs, warnings=[note],
                            args={"config": config_arg(built.prep.loaded)})  # fmt: skip
    basis = basis or (section.basis if section else "cost_per_admission")
    if basis not in BASES:
        msg = f"--basis must be one of {', '.join(BASES)}, got {basis!r}"
        raise UsageError(msg)
    where = from_site or (section.from_site if section else "all")
    if where != "all" and where not in built.usage.sites:
        msg = f"--from-site {where!r}: no such site (sites: {', '.join(built.usage.sites)}, all)"
        raise UsageError(msg)
    if draws is not None:
        draws = whole_number(draws, "--draws", 2)
    seed = seed_number(seed)
    check_draws(built, draws)
    usage = built.usage
    column = -1 if where == "all" else usage.sites.index(where)

    def per_admission(c: Costs) -> Vector:
        chosen = c.mean_per_woman if basis == "mean_cost_per_woman" else c.per_admission
        return np.asarray(chosen[:, column], dtype=np.float64)

    point = float(per_admission(built.costs())[0])
    interval = None
    notes: list[str] = []
    settings: dict[str, Any] = {
        "basis": basis,
        "from_site": where,
        "study_admissions": float(usage.admissions[column]),
        "draws": draws,
        "seed": None,
    }
    if draws is not None:
        values, used_seed, psa_notes = _psa_values(built, draws, seed, per_admission)
        notes += psa_notes
        lo, hi = (float(v) for v in quantiles(values, [0.025, 0.975]))
        interval = (lo, hi)
        settings.update(
            {
                "seed": used_seed,
                "seed_streams": list(STREAMS),
                "sampling": cfg.psa.sampling,
                "interval": "2.5% and 97.5% quantiles of the PSA draws (M-4)",
                "psa_mean_cost_per_admission": float(values.mean()),
            }
        )
    table = scale_up_table(units, point, interval)
    return model_result(
        built, "scale-up", {"scale_up": table}, inputs, settings=settings, warnings=notes
    )
