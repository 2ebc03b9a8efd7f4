"""The PNG plots of every command, drawn only when a result is written.

matplotlib is imported on first use (it is slow to import), on the Agg canvas without
pyplot's global state. A plot is a writer, ``write(path)``, kept in ``Result.plots``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rapport_cost.arrays import FloatArray
from rapport_cost.core.analyses import bootstrap as core_bootstrap
from rapport_cost.core.analyses import psa as core_psa
from rapport_cost.core.analyses.sensitivity import OneWayRange

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


#: Most histogram bins (Freedman–Diaconis can ask for thousands on a long tail).
_MAX_BINS = 500


def png(make: Callable[[], Figure]) -> Callable[[Path], None]:
    """A writer that draws the figure only when the result is written."""

    def write(path: Path) -> None:
        fig = make()
        fig.savefig(path, format="png", metadata={"Software": None})

    return write


def figure() -> Figure:
    """A matplotlib figure on the Agg canvas (no pyplot, no display needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    fig = Figure(figsize=(7.0, 4.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)  # Agg, without pyplot's global state
    return fig


def psa_histogram(
    x: FloatArray, marks: dict[str, float], caption: str, n_draws: int, perspective: str
) -> Figure:
    """Histogram of the mean cost per woman (Freedman–Diaconis bins), base case and 95% interval."""
    det, mean, lo, hi = (marks[k] for k in ("deterministic", "mean", "q025", "q975"))
    fig = figure()
    ax = fig.add_subplot()
    edges = np.histogram_bin_edges(x, bins="fd")
    if edges.size > _MAX_BINS + 1:  # a very long tail: keep the plot readable
        edges = np.histogram_bin_edges(x, bins=_MAX_BINS)
    ax.hist(x, bins=edges.tolist(), color="#8fb3d9", edgecolor="none")
    ax.axvline(det, color="black", lw=1.5, label=f"deterministic {det:,.2f}")
    ax.axvline(mean, color="#1f4e79", lw=1.2, ls=":", label=f"PSA mean {mean:,.2f}")
    ax.axvline(lo, color="#c0504d", lw=1.2, ls="--", label=f"95% interval {lo:,.2f} to {hi:,.2f}")
    ax.axvline(hi, color="#c0504d", lw=1.2, ls="--")
    ax.set_xlabel(f"mean cost per woman, all sites ({caption})")
    ax.set_ylabel("draws")
    ax.set_title(f"PSA: mean cost per woman, {n_draws:,} draws ({perspective})")
    ax.legend(loc="upper right", fontsize="small", frameon=False)
    return fig


def psa_running_mean(x: FloatArray, marks: dict[str, float], caption: str) -> Figure:
    """Running mean of the mean cost per woman with a band of ±1.96 MCSE (M-46)."""
    n, mean, mcse = core_psa.running_mean(x)
    det, final, final_mcse = marks["deterministic"], marks["mean"], marks["mcse"]
    fig = figure()
    ax = fig.add_subplot()
    ax.fill_between(n, mean - 1.96 * mcse, mean + 1.96 * mcse, color="#c6d9ec", label="±1.96 MCSE")
    ax.plot(n, mean, color="#1f4e79", lw=1.2, label="running mean")
    ax.axhline(det, color="black", lw=1.0, ls=":", label="deterministic")
    if n.size > 1:
        ax.set_xscale("log")
    if math.isfinite(final_mcse) and final_mcse > 0:
        # The first few draws swing widely; show the band of the last half clearly.
        half = 40.0 * final_mcse
        ax.set_ylim(min(final - half, det - half / 10), max(final + half, det + half / 10))
    ax.set_xlabel("draws")
    ax.set_ylabel(f"mean cost per woman ({caption})")
    ax.set_title("PSA convergence: running mean, all sites")
    ax.legend(loc="upper right", fontsize="small", frameon=False)
    return fig


def bootstrap_histogram(
    x: FloatArray, iv: core_bootstrap.BootstrapInterval, caption: str, title: str
) -> Figure:
    """Histogram of θ* (Freedman–Diaconis bins, at most 200) with θ̂ and the interval."""
    fig = figure()
    ax = fig.add_subplot()
    edges = np.histogram_bin_edges(x, bins="fd") if np.ptp(x) > 0 else np.array([x[0], x[0] + 1])
    if edges.size > 201:
        edges = np.histogram_bin_edges(x, bins=200)
    ax.hist(x, bins=edges.tolist(), color="#8fb3d9", edgecolor="none")
    ax.axvline(iv.mean, color="black", lw=1.5, label=f"estimate {iv.mean:,.2f}")
    label = f"{iv.level:.0%} {iv.method} interval {iv.lower:,.2f} to {iv.upper:,.2f}"
    ax.axvline(iv.lower, color="#c0504d", lw=1.2, ls="--", label=label)
    ax.axvline(iv.upper, color="#c0504d", lw=1.2, ls="--")
    ax.set_xlabel(f"mean cost per woman, all sites{f' ({caption})' if caption else ''}")
    ax.set_ylabel("replicates")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize="small", frameon=False)
    return fig


def fmt_value(x: float) -> str:
    """An input value for a plot label: 22,816 / 30.0 / 0.223."""
    if not math.isfinite(x):
        return "–"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:,.1f}"
    return f"{x:.3g}"


_LOW, _HIGH = "#3b75af", "#e1812c"


def _tornado_bars(ax: Axes, shown: pd.DataFrame, base: float, pad: float) -> None:
    """One bar per parameter: low and high ends, a hatched min-max if non-monotone."""
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
            (float(row["low_result"]), _LOW, float(row["low_value"]), False),
            (float(row["high_result"]), _HIGH, float(row["high_value"]), True),
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
                fmt_value(value),
                va="center",
                ha="left" if right_side else "right",
                fontsize=8,
                bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 1},
            )


def _tornado_axes(
    ax: Axes, shown: pd.DataFrame, base: float, span: float, target: float | None
) -> None:
    """Parameter labels, the base (and target) line and the x range."""
    n = len(shown)
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
    ax.xaxis.set_major_formatter("{x:,.0f}" if span >= 20 else "{x:,.2f}")
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)


def tornado_writer(
    tornado: pd.DataFrame,
    base: float,
    *,
    top: int,
    xlabel: str,
    n_fixed: int,
    target: float | None = None,
) -> Callable[[Path], None]:
    """The tornado plot of the ``top`` parameters by swing, around the ``base`` result."""
    shown = tornado.head(top).iloc[::-1].reset_index(drop=True)

    def write(path: Path) -> None:
        from matplotlib.figure import Figure  # noqa: PLC0415 - slow import, only when writing
        from matplotlib.patches import Patch  # noqa: PLC0415

        n = len(shown)
        fig = Figure(figsize=(9.0, 1.2 + 0.42 * max(n, 1)), layout="constrained")
        ax = fig.subplots()
        span = float(np.ptp(shown[["bar_min", "bar_max"]].to_numpy())) if n else 0.0
        span = max(span, float(shown["swing"].max()) if n else 0.0, abs(base) * 0.01, 1e-9)
        _tornado_bars(ax, shown, base, 0.012 * span)
        _tornado_axes(ax, shown, base, span, target)
        ax.set_xlabel(xlabel)
        title = f"One-way sensitivity: top {n} of {len(tornado)} parameters"
        if n_fixed:
            title += f" ({n_fixed} fixed, not shown)"
        ax.set_title(title, fontsize=10, loc="left")
        handles = [
            Patch(color=_LOW, label="parameter at its low value"),
            Patch(color=_HIGH, label="parameter at its high value"),
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
        fig.savefig(path, format="png", dpi=150, metadata={"Software": None})

    return write


def two_way_writer(
    grid: pd.DataFrame,
    a: OneWayRange,
    b: OneWayRange,
    *,
    target: float | None,
    label: str,
) -> Callable[[Path], None]:
    """The two-way plot: the result over the grid of two parameters, the target contour."""

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


_SITE_COLOURS = ("#1f4e79", "#c0504d", "#4f8f3a", "#7f5fa8", "#d08a2a", "#2a9d8f")


def cumulative_cost_writer(
    curve: pd.DataFrame, horizon: str, unit: str, caption: str
) -> Callable[[Path], None]:
    """Mean cumulative cost per woman by unit, with 95% bands and an at-risk row below.

    ``curve`` is the ``cumulative_cost`` table (one row per site and interval end).
    """
    x_col = "interval_end_months" if "interval_end_months" in curve else "interval_end"

    def write(path: Path) -> None:
        from matplotlib.figure import Figure  # noqa: PLC0415 - slow import, only when writing

        sites = list(dict.fromkeys(curve["site"].astype(str)))
        fig = Figure(figsize=(8.0, 5.2 + 0.18 * len(sites)), layout="constrained")
        ax, risk = fig.subplots(2, 1, height_ratios=(5, 0.4 + 0.3 * len(sites)), sharex=True)
        for k, site in enumerate(sites):
            rows = curve[curve["site"].astype(str) == site]
            x = np.concatenate([[0.0], rows[x_col].to_numpy(dtype=float)])
            colour = "black" if site == "all" else _SITE_COLOURS[k % len(_SITE_COLOURS)]
            y = np.concatenate([[0.0], rows["mean_cumulative_cost"].to_numpy(dtype=float)])
            lo = np.concatenate([[0.0], rows["lower"].to_numpy(dtype=float)])
            hi = np.concatenate([[0.0], rows["upper"].to_numpy(dtype=float)])
            # costs accrue within each interval: the points at interval ends, joined
            ax.plot(x, y, color=colour, lw=1.6 if site == "all" else 1.1, label=site)
            ax.fill_between(x, lo, hi, color=colour, alpha=0.12, linewidth=0)
        ax.set_ylabel(f"mean cumulative cost per woman{f' ({caption})' if caption else ''}")
        ax.set_title(f"Cost per woman over follow-up, to {horizon} (95% bootstrap bands)",
                     loc="left", fontsize=10)  # fmt: skip
        ax.legend(loc="upper left", fontsize="small", frameon=False)
        ax.grid(color="#eeeeee")
        _at_risk_row(risk, curve, sites, x_col)
        last = float(curve[x_col].max())
        if x_col.endswith("months") and last >= 12:
            risk.set_xticks(np.arange(0.0, last + 1e-9, 6.0))
        risk.set_xlabel(unit)
        fig.savefig(path, format="png", dpi=120, metadata={"Software": None})

    return write


def _at_risk_row(ax: Axes, curve: pd.DataFrame, sites: list[str], x_col: str) -> None:
    """Women under observation at a few interval ends, one line per site, under the axis."""
    ends = np.unique(curve[x_col].to_numpy(dtype=float))
    whole = np.isclose(ends, np.round(ends)) & (np.round(ends) % 6 == 0)
    ticks = (
        ends[whole]
        if x_col.endswith("months") and 2 <= whole.sum() <= 12
        else ends[:: max(1, ends.size // 8)]
    )
    for k, site in enumerate(sites):
        rows = curve[curve["site"].astype(str) == site].set_index(x_col)
        for t in ticks:
            value = rows["at_risk"].get(t, "")
            ax.text(t, -k, str(value), ha="center", va="center", fontsize=7)
    ax.set_yticks(range(0, -len(sites), -1), labels=[f"at risk: {s}" for s in sites], fontsize=7)
    ax.set_ylim(-len(sites) + 0.5, 0.5)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def forest_writer(difference: pd.DataFrame, by: str, caption: str) -> Callable[[Path], None]:
    """Adjusted differences from the reference group with their 95% intervals.

    ``difference`` is the ``subgroup_difference`` table; suppressed groups (``*``) are
    left out of the plot, as they are out of every table.
    """
    rows = difference[difference["kind"] == "adjusted"]
    shown = rows[pd.to_numeric(rows["difference"], errors="coerce").notna()].reset_index(drop=True)

    def write(path: Path) -> None:
        from matplotlib.figure import Figure  # noqa: PLC0415 - slow import, only when writing

        n = len(shown)
        fig = Figure(figsize=(7.5, 1.6 + 0.45 * max(n, 1)), layout="constrained")
        ax = fig.subplots()
        y = np.arange(n)[::-1]
        est = shown["difference"].astype(float).to_numpy()
        lo = shown["difference_q025"].astype(float).to_numpy()
        hi = shown["difference_q975"].astype(float).to_numpy()
        ax.errorbar(est, y, xerr=[est - lo, hi - est], fmt="o", color="#1f4e79", capsize=3)
        ax.axvline(0.0, color="black", lw=1.0)
        reference = str(difference["reference"].iloc[0]) if len(difference) else ""
        ax.set_yticks(y, labels=shown["group"].astype(str).tolist())
        ax.set_xlabel(f"adjusted difference in mean cost per woman vs {reference} ({caption})")
        hidden = len(rows) - n
        title = f"Cost per woman by {by}: adjusted differences\n95% bootstrap intervals"
        if hidden:
            title += f"; {hidden} group(s) suppressed (too few women to publish)"
        ax.set_title(title, fontsize=10, loc="left")
        ax.grid(axis="x", color="#eeeeee")
        fig.savefig(path, format="png", dpi=120, metadata={"Software": None})

    return write
