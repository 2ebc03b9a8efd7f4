"""``dsa``: one-way, tornado, threshold and two-way analysis (METHODS D-1 to D-4).

Every analysis evaluates extra rows of Θ through the engine
(:mod:`rapport_cost.core.analyses.sensitivity`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rapport_cost.api.base import (
    Built,
    BuiltArg,
    Result,
    built_from,
    check_output_site,
    config_arg,
    model_result,
)
from rapport_cost.api.reproduce import register_runner
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
from rapport_cost.errors import (
    UsageError,
    did_you_mean,
)

_OUTPUT_LABEL = {"mean_cost_per_woman": "Mean cost per woman", "total_cost": "Total cost"}


def _fmt_value(x: float) -> str:
    """An input value for a plot label: 22,816 / 30.0 / 0.223."""
    if not math.isfinite(x):
        return "–"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:,.1f}"
    return f"{x:.3g}"


def _axis_label(output: str, site: str | None, cfg: CostingConfig) -> str:
    where = "all units" if site is None else site
    return f"{_OUTPUT_LABEL[output]}, {where} ({cfg.currency}, {cfg.price_year} prices)"


def _tornado_writer(
    tornado: pd.DataFrame,
    base: float,
    *,
    top: int,
    xlabel: str,
    n_fixed: int,
    target: float | None = None,
) -> Callable[[Path], None]:
    shown = tornado.head(top).iloc[::-1].reset_index(drop=True)

    def write(path: Path) -> None:
        from matplotlib.figure import Figure  # noqa: PLC0415 - slow import, only when writing
        from matplotlib.patches import Patch  # noqa: PLC0415

        n = len(shown)
        fig = Figure(figsize=(9.0, 1.2 + 0.42 * max(n, 1)), layout="constrained")
        ax = fig.subplots()
        lo_colour, hi_colour = "#3b75af", "#e1812c"
        span = float(np.ptp(shown[["bar_min", "bar_max"]].to_numpy())) if n else 0.0
        span = max(span, float(shown["swing"].max()) if n else 0.0, abs(base) * 0.01, 1e-9)
        pad = 0.012 * span
        for i, row in shown.iterrows():
            y = float(i)  # type: ignore[arg-type]
            if row["non_monotone"]:
                ax.barh(
                    y,
                    row["bar_max"] - row["bar_min"],
                    left=row["bar_min"],
                    height=0.62,
                    color="#d9d9d9",
                    hatch="///",
                    edgecolor="#7f7f7f",
                    linewidth=0.5,
                )
            ends = [
                (float(row["low_result"]), lo_colour, float(row["low_value"]), False),
                (float(row["high_result"]), hi_colour, float(row["high_value"]), True),
            ]
            # the longer bar first, so a shorter one on the same side stays visible
            ends.sort(key=lambda e: -abs(e[0] - base))
            height = 0.36 if row["non_monotone"] else 0.62
            for end, colour, value, is_high in ends:
                ax.barh(y, abs(end - base), left=min(base, end), height=height, color=colour)
                right_side = end > base or (end == base and is_high)
                ax.text(
                    end + (pad if right_side else -pad),
                    y,
                    _fmt_value(value),
                    va="center",
                    ha="left" if right_side else "right",
                    fontsize=8,
                    bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 1},
                )
        labels = [
            f"{p} *" if nm else str(p)
            for p, nm in zip(shown["parameter"], shown["non_monotone"], strict=True)
        ]
        ax.set_yticks(range(n), labels=labels, fontsize=9)
        ax.axvline(base, color="black", linewidth=1.0)
        ax.text(base, n - 0.35, f" base {base:,.2f}", va="bottom", ha="left", fontsize=8)
        lo_x = min([base, *shown["bar_min"].tolist()]) if n else base
        hi_x = max([base, *shown["bar_max"].tolist()]) if n else base
        if target is not None:
            ax.axvline(target, color="#c0392b", linewidth=1.0, linestyle="--")
            ax.text(target, n - 0.35, f" target {target:,.2f}", va="bottom", ha="left",
                    fontsize=8, color="#c0392b")  # fmt: skip
            lo_x, hi_x = min(lo_x, target), max(hi_x, target)
        margin = 0.18 * max(hi_x - lo_x, span)
        ax.set_xlim(lo_x - margin, hi_x + margin)
        ax.set_ylim(-0.7, n - 0.1 + 0.5)
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_formatter("{x:,.0f}" if span >= 20 else "{x:,.2f}")
        title = f"One-way sensitivity: top {n} of {len(tornado)} parameters"
        if n_fixed:
            title += f" ({n_fixed} fixed, not shown)"
        ax.set_title(title, fontsize=10, loc="left")
        handles = [
            Patch(color=lo_colour, label="parameter at its low value"),
            Patch(color=hi_colour, label="parameter at its high value"),
        ]
        if shown["non_monotone"].any():
            handles.append(
                Patch(facecolor="#d9d9d9", hatch="///", edgecolor="#7f7f7f",
                      label="* non-monotone: min-max on a 21-point grid")
            )  # fmt: skip
        fig.legend(
            handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8,
            frameon=False,
        )  # fmt: skip
        ax.grid(axis="x", color="#eeeeee")
        ax.set_axisbelow(True)
        fig.savefig(path, format="png", dpi=150, metadata={"Software": None})

    return write


def _two_way_writer(
    grid: pd.DataFrame,
    a: OneWayRange,
    b: OneWayRange,
    *,
    target: float | None,
    label: str,
) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        from matplotlib.figure import Figure  # noqa: PLC0415

        va = np.unique(grid["value_a"].to_numpy())
        vb = np.unique(grid["value_b"].to_numpy())
        z = grid["result"].to_numpy().reshape(len(va), len(vb)).T  # rows: b, columns: a
        fig = Figure(figsize=(7.5, 5.8), layout="constrained")
        ax = fig.subplots()
        mesh = ax.pcolormesh(va, vb, z, shading="nearest", cmap="viridis")
        fig.colorbar(mesh, ax=ax, label=label)
        if target is not None and float(z.min()) < target < float(z.max()):
            cs = ax.contour(va, vb, z, levels=[target], colors="white", linewidths=1.5)
            ax.clabel(cs, fmt={target: f"target {target:,.2f}"}, fontsize=8)
        ax.plot([a.base], [b.base], marker="o", linestyle="none", color="red", markersize=6,
                label="base case")  # fmt: skip
        ax.legend(loc="upper right", fontsize=8)
        ax.set_xlabel(a.name)
        ax.set_ylabel(b.name)
        title = f"Two-way sensitivity: {a.name} × {b.name}"
        if target is not None:
            title += f" (target {target:,.2f})"
        ax.set_title(title, fontsize=10, loc="left")
        fig.savefig(path, format="png", dpi=150, metadata={"Software": None})

    return write


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
            f"21-point grid, METHODS D-2): {', '.join(flagged)}"
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
) -> Result:
    """One-way sensitivity, tornado, threshold and two-way analysis (METHODS D-1 to D-4).

    Parameters
    ----------
    config
        A config path (the bundled example when ``None``), or a prepared/built model.
    output
        ``mean_cost_per_woman`` (default) or ``total_cost``.
    site
        A site, or ``None`` for all sites.
    target
        A value of the output (e.g. a budget per woman): adds table ``threshold`` (D-3)
        and the threshold contour of the two-way heat map.
    two_way_parameters
        Two parameter names: adds table ``two_way`` on a ``points × points`` grid and the
        heat map ``two_way.png`` (D-4).
    top
        Parameters shown in ``tornado.png`` (the table has all of them).

    Returns
    -------
    Result
        Tables ``tornado`` (every parameter with a range, sorted by swing),
        ``fixed_parameters``, and ``threshold`` / ``two_way`` when asked; plots
        ``tornado.png`` (and ``two_way.png``).
    """
    built = built_from(config)
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
    ranges, fixed = one_way_ranges(terms.table)
    labels = {s.name: s.label for s in terms.table if s.label}
    analysis = one_way(evaluate, theta0, ranges, labels=labels)
    tables = {"tornado": analysis.tornado, "fixed_parameters": fixed_table(fixed)}
    xlabel = _axis_label(output, site, cfg)
    plots = {
        "tornado.png": _tornado_writer(
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
        plots["two_way.png"] = _two_way_writer(grid, a, b, target=target, label=xlabel)
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
        },
    )


register_runner("dsa", dsa)
