"""``dsa``: one-way, tornado, threshold and two-way analysis (M-54 to M-57).

Every analysis evaluates extra rows of Θ through the engine
(:mod:`rapport_cost.core.analyses.sensitivity`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from rapport_cost.api.base import (
    Built,
    BuiltArg,
    Result,
    built_from,
    check_output_site,
    config_arg,
    model_result,
)
from rapport_cost.api.limits import check_grid
from rapport_cost.api.plots import tornado_writer, two_way_writer
from rapport_cost.config import (
    CostingConfig,
)
from rapport_cost.core.analyses.sensitivity import (
    OneWay,
    OneWayRange,
    fixed_table,
    one_way,
    one_way_ranges,
    output_function,
    thresholds,
    two_way,
)
from rapport_cost.errors import Problem, UsageError, did_you_mean

_OUTPUT_LABEL = {"mean_cost_per_woman": "Mean cost per woman", "total_cost": "Total cost"}


def _axis_label(output: str, site: str | None, cfg: CostingConfig) -> str:
    where = "all units" if site is None else site
    return f"{_OUTPUT_LABEL[output]}, {where} ({cfg.currency}, {cfg.price_year} prices)"


def _find_range(name: str, ranges: Sequence[OneWayRange], fixed: set[str]) -> OneWayRange:
    for r in ranges:
        if r.name == name:
            return r
    if name in fixed:
        msg = f"--two-way {name!r}: the parameter is fixed (no low/high and no distribution)"
    else:
        names = [r.name for r in ranges]
        hint = did_you_mean(name, names) or f" (parameters: {', '.join(names)})"
        msg = f"--two-way {name!r}: no such parameter{hint}"
    raise UsageError(msg)


def parse_vary(items: Sequence[str], names: Sequence[str]) -> dict[str, tuple[float, float] | None]:
    """``--vary NAME`` (±20%) or ``--vary NAME=LOW:HIGH``, for any number of the config.

    Raises
    ------
    UsageError
        For a name that is no number of the config (with the closest names) or a range
        that is not two numbers; every problem at once.
    """
    out: dict[str, tuple[float, float] | None] = {}
    problems: list[Problem] = []
    for item in items:
        name, sep, span = item.partition("=")
        name = name.strip()
        if name not in names:
            hint = did_you_mean(name, names) or " (see the psa_parameters table for every name)"
            problems.append(Problem(f"--vary {name!r}: not a number of the config{hint}"))
            continue
        if not sep:
            out[name] = None
            continue
        low, colon, high = span.partition(":")
        try:
            lo, hi = float(low), float(high)
        except ValueError:
            lo = hi = math.nan
        if not colon or not (math.isfinite(lo) and math.isfinite(hi)):
            msg = f"--vary {item!r}: give NAME=LOW:HIGH, e.g. {name}=20000:30000"
            problems.append(Problem(msg))
            continue
        out[name] = (lo, hi)
    if problems:
        raise UsageError("; ".join(p.message for p in problems), problems)
    return out


def _range_warnings(built: Built, analysis: OneWay) -> list[str]:
    table = built.prep.terms.table
    notes = []
    for r in analysis.ranges:
        if not min(r.low, r.high) <= r.base <= max(r.low, r.high):
            notes.append(
                f"{r.name}: the base value {r.base:g} lies outside its one-way range "
                f"[{r.low:g}, {r.high:g}]"
            )
        bound = table.specs[r.column].bound
        for end, v in (("low", r.low), ("high", r.high)):
            rule = bound.violation(v) if bound is not None else None
            if rule:
                notes.append(f"{r.name}: the {end} end of its range ({v:g}) {rule}")
    flagged = analysis.tornado.loc[analysis.tornado["non_monotone"], "parameter"].tolist()
    if flagged:
        notes.append(
            "non-monotone in its range (bar from the smallest to the largest output on a "
            f"21-point grid, M-55): {', '.join(flagged)}"
        )
    return notes


def dsa(
    config: BuiltArg = None,
    *,
    output: str = "mean_cost_per_woman",
    site: str | None = None,
    target: float | None = None,
    two_way_parameters: tuple[str, str] | None = None,
    points: int = 11,
    top: int = 15,
    vary: Sequence[str] = (),
) -> Result:
    """One-way sensitivity, tornado, threshold and two-way analysis (M-54 to M-57).

    Parameters
    ----------
    config
        A config path (the bundled example when ``None``), or a prepared/built model.
    output
        ``mean_cost_per_woman`` (default) or ``total_cost``.
    site
        A site, or ``None`` for all sites.
    target
        A value of the output (e.g. a budget per woman): adds table ``threshold`` (M-56)
        and the threshold contour of the two-way heat map.
    two_way_parameters
        Two parameter names: adds table ``two_way`` on a ``points × points`` grid and the
        heat map ``two_way.png`` (M-57).
    top
        Parameters shown in ``tornado.png`` (the table has all of them).
    vary
        More numbers to vary, by name or dotted path (``roles.psw.salary``), declared
        parameters or not: ``NAME`` (±20%) or ``NAME=LOW:HIGH``.

    Returns
    -------
    Result
        Tables ``tornado`` (every parameter with a range, sorted by swing),
        ``fixed_parameters``, and ``threshold`` / ``two_way`` when asked; plots
        ``tornado.png`` (and ``two_way.png``).
    """
    built = built_from(config)
    check_grid(built, points)
    check_output_site(built, output, site)
    if top < 1:
        msg = f"--top must be >= 1, got {top}"
        raise UsageError(msg)
    if two_way_parameters is not None and points < 2:
        msg = f"--points must be >= 2, got {points}"
        raise UsageError(msg)
    if target is not None and not math.isfinite(target):
        msg = f"--target must be a finite number, got {target!r}"
        raise UsageError(msg)
    cfg, terms = built.config, built.prep.terms
    evaluate = output_function(built.usage, terms, cfg.perspective, output=output, site=site)
    theta0 = terms.table.base()
    asked = parse_vary([vary] if isinstance(vary, str) else list(vary), list(terms.table.index))
    ranges, fixed = one_way_ranges(terms.table, asked)
    labels = {s.name: s.label for s in terms.table if s.label}
    analysis = one_way(evaluate, theta0, ranges, labels=labels)
    tables = {"tornado": analysis.tornado, "fixed_parameters": fixed_table(fixed)}
    xlabel = _axis_label(output, site, cfg)
    plots = {
        "tornado.png": tornado_writer(
            analysis.tornado,
            analysis.base_result,
            top=top,
            xlabel=xlabel,
            n_fixed=len(fixed),
            target=target,
        )
    }
    if target is not None:
        tables["threshold"] = thresholds(evaluate, theta0, analysis, target)
    settings: dict[str, Any] = {
        "output": output,
        "site": site or "all",
        "base_result": analysis.base_result,
        "target": target,
        "top": top,
        "grid_points": 21,
        "range_default": "2.5% and 97.5% quantiles of the parameter's distribution",
    }
    if two_way_parameters is not None:
        fixed_names = {s.name for s in fixed}
        a, b = (_find_range(n, ranges, fixed_names) for n in two_way_parameters)
        try:
            grid = two_way(evaluate, theta0, a, b, points=points)
        except ValueError as exc:
            msg = f"--two-way: {exc}"
            raise UsageError(msg) from None
        tables["two_way"] = grid
        plots["two_way.png"] = two_way_writer(grid, a, b, target=target, label=xlabel)
        settings["two_way"] = [a.name, b.name]
        settings["two_way_points"] = points
    return model_result(
        built,
        "dsa",
        tables,
        settings=settings,
        warnings=_range_warnings(built, analysis),
        plots=plots,
        args={
            "config": config_arg(built.prep.loaded),
            "output": output,
            "site": site,
            "target": target,
            "two_way_parameters": None if two_way_parameters is None else list(two_way_parameters),
            "points": points,
            "top": top,
            "vary": [vary] if isinstance(vary, str) else list(vary),
        },
    )
