"""Deterministic sensitivity analysis: one-way, tornado, threshold and two-way (M-54 to M-57).

Every analysis here is a few more rows of Θ evaluated by the one costing path,
:func:`~rapport_cost.core.engine.costs` (docs/architecture.md); nothing in this module prices
a resource itself. :func:`output_function` wraps that path into ``f(Θ) -> y`` for one
output (``mean_cost_per_woman`` or ``total_cost``) of one site or of all sites.

One-way ranges (M-54), in the target price year:

* ``low`` and ``high`` of the parameter when given;
* otherwise the 2.5% and 97.5% quantiles of its distribution (times its price-year
  factor); a parameter with only one of ``low``/``high`` takes the other end from its
  distribution, or its base value if it has none;
* a component of a Dirichlet parameter is varied between the quantiles of its marginal,
  ``Beta(α_k, α_0 − α_k)``; the other components of the same parameter are rescaled in
  proportion, ``p_j (1 − x) / (1 − p_k)``, so the shares still sum to one;
* a parameter with neither a range nor a distribution is fixed and listed as such;
  plain numbers written in the config (literals) are not parameters and are not listed.

One-way analysis ignores correlations: every other parameter stays at its base value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy  # its submodules load on first use (scipy's lazy loading)

from rapport_cost.arrays import Theta, Vector
from rapport_cost.config import Dirichlet
from rapport_cost.core.engine import costs
from rapport_cost.core.params.distributions import BetaDistribution, from_spec
from rapport_cost.core.params.parameters import ParameterSpec, ParameterTable
from rapport_cost.core.prices.terms import PriceTerms
from rapport_cost.core.usage.model import UsageModel

Evaluate = Callable[[Theta], Vector]
"""``f(Θ)``: the output for every row of Θ, shape ``(n_rows,)``."""

#: Outputs a one-way analysis, threshold or scenario can report.
OUTPUTS = ("mean_cost_per_woman", "total_cost")
#: Points of the grid on which monotonicity is checked and thresholds are bracketed (M-55).
GRID_POINTS = 21
#: Quantiles of the distribution used as the default one-way range (M-54).
RANGE_QUANTILES = (0.025, 0.975)
#: Relative tolerance below which two swings count as tied (then ordered by name), and
#: below which an interior point is not "outside" the ends (floating-point noise).
REL_TOL = 1e-9
#: ``brentq`` tolerance on the parameter value (M-56).
XTOL = 1e-10


def output_function(
    usage: UsageModel,
    terms: PriceTerms,
    perspective: str,
    *,
    output: str = "mean_cost_per_woman",
    site: str | None = None,
) -> Evaluate:
    """``f(Θ)`` for one output through the engine (:func:`~rapport_cost.core.engine.costs`).

    Parameters
    ----------
    usage, terms, perspective
        The usage model, compiled price terms and perspective of a config.
    output
        ``mean_cost_per_woman`` or ``total_cost``.
    site
        A site key, or ``None`` for all sites together.

    Raises
    ------
    ValueError
        If ``output`` or ``site`` is unknown (the API turns this into a usage error).
    """
    if output not in OUTPUTS:
        msg = f"output must be one of {', '.join(OUTPUTS)}, got {output!r}"
        raise ValueError(msg)
    if site is not None and site not in usage.sites:
        msg = f"site must be one of {', '.join(usage.sites)}, got {site!r}"
        raise ValueError(msg)
    col = -1 if site is None else usage.sites.index(site)

    def evaluate(theta: Theta) -> Vector:
        c = costs(theta, terms, usage, perspective)
        chosen = c.mean_per_woman if output == "mean_cost_per_woman" else c.total
        return np.asarray(chosen[:, col], dtype=np.float64)

    return evaluate


# --------------------------------------------------------------------------- ranges


@dataclass(frozen=True)
class OneWayRange:
    """How one parameter is varied: its column of Θ, base value and range.

    ``rescale`` lists the columns of the other components of a Dirichlet parameter,
    which are rescaled so that the shares keep summing to one.
    """

    name: str
    column: int
    base: float
    low: float
    high: float
    basis: str
    """Where the range comes from, e.g. ``low/high`` or ``dist 2.5%/97.5%``."""
    rescale: tuple[int, ...] = ()

    def rows(self, theta0: Vector, values: Vector) -> Theta:
        """Rows of Θ at base except this parameter at each of ``values``.

        Parameters
        ----------
        theta0
            Base values, shape ``(n_params,)``.
        values
            Shape ``(k,)``.

        Returns
        -------
        ndarray of shape ``(k, n_params)``
        """
        values = np.asarray(values, dtype=np.float64)
        theta = np.repeat(theta0[np.newaxis, :], values.size, axis=0)
        self.apply(theta, values)
        return theta

    def apply(self, theta: Theta, values: Vector) -> None:
        """Set this parameter to ``values`` (one per row) in ``theta``, in place."""
        if self.rescale:
            scale = (1.0 - values) / (1.0 - theta[:, self.column])
            theta[:, list(self.rescale)] *= scale[:, np.newaxis]
        theta[:, self.column] = values


def _dist_range(spec: ParameterSpec) -> tuple[float, float] | None:
    dist = spec.dist
    if dist is None or not spec.varies:
        return None
    u = np.array(RANGE_QUANTILES)
    if isinstance(dist, Dirichlet):
        d = from_spec(dist)
        alpha = d.params()
        a_k = alpha[str(spec.category)]
        q = BetaDistribution(alpha=a_k, beta=sum(alpha.values()) - a_k).ppf(u)
    else:
        q = from_spec(dist, spec.value / spec.factor).ppf(u) * spec.factor
    return float(q[0]), float(q[1])


#: The range of ``--vary PATH`` without one: the base value ± this share (±20%).
VARY_SHARE = 0.2


def one_way_ranges(
    table: ParameterTable, vary: Mapping[str, tuple[float, float] | None] | None = None
) -> tuple[list[OneWayRange], list[ParameterSpec]]:
    """The one-way range of every parameter that has one, and the fixed parameters.

    Parameters
    ----------
    table
        The columns of Θ.
    vary
        Any number of the config by name or dotted path (literals too) → its range, or
        ``None`` for the base value ± :data:`VARY_SHARE`; these override the ranges of
        the config (the user asked for them).

    Returns
    -------
    (ranges, fixed)
        In the table's column order. Literals are in neither list unless in ``vary``.
    """
    asked = dict(vary or {})
    ranges: list[OneWayRange] = []
    fixed: list[ParameterSpec] = []
    for spec in table.specs:
        if spec.name in asked:
            given = asked[spec.name]
            if given is None:
                lo, hi = spec.value * (1 - VARY_SHARE), spec.value * (1 + VARY_SHARE)
                basis = f"--vary ±{VARY_SHARE:.0%}"
            else:
                lo, hi = given
                basis = "--vary low:high"
            ranges.append(OneWayRange(spec.name, table.col(spec.name), spec.value, lo, hi, basis))
            continue
        if spec.literal:
            continue
        dist = _dist_range(spec)
        if spec.low is None and spec.high is None and dist is None:
            fixed.append(spec)
            continue
        low, high = spec.low, spec.high
        if low is not None and high is not None:
            basis = "low/high"
        elif dist is not None:
            basis = {
                (True, True): "dist 2.5%/97.5%",
                (False, True): "low; dist 97.5%",
                (True, False): "dist 2.5%; high",
            }[(low is None, high is None)]
            low = dist[0] if low is None else low
            high = dist[1] if high is None else high
        else:
            basis = "low; base" if high is None else "base; high"
            low = spec.value if low is None else low
            high = spec.value if high is None else high
        rescale: tuple[int, ...] = ()
        if spec.group is not None:
            rescale = tuple(
                table.col(s.name)
                for s in table.specs
                if s.group == spec.group and s.name != spec.name
            )
        ranges.append(
            OneWayRange(spec.name, table.col(spec.name), spec.value, low, high, basis, rescale)
        )
    return ranges, fixed


# --------------------------------------------------------------------------- one-way


def _grid(r: OneWayRange, n: int = GRID_POINTS) -> Vector:
    return np.linspace(r.low, r.high, n)


@dataclass(frozen=True)
class OneWay:
    """The one-way analysis: the tornado table and what it was computed from.

    ``grid_values`` and ``grid_results`` have shape ``(n_ranges, GRID_POINTS)``: each
    parameter's 21 evenly spaced values from low to high and the output at each.
    """

    tornado: pd.DataFrame
    base_result: float
    ranges: tuple[OneWayRange, ...]
    grid_values: Vector
    grid_results: Vector


def _tied_key(x: float) -> float:
    """``x`` rounded to 9 significant figures, so near-equal swings sort by name."""
    return float(f"{x:.9g}") if math.isfinite(x) else -math.inf


def one_way(
    evaluate: Evaluate, theta0: Vector, ranges: Sequence[OneWayRange], *, labels: dict[str, str]
) -> OneWay:
    """One-way analysis and tornado table (M-54, M-55).

    Every parameter is evaluated on a 21-point grid from its low to its high value (the
    ends, the midpoint and the points between), all in one batch of rows of Θ. If the
    output at any interior point lies outside the interval spanned by the outputs at the
    ends, the parameter is flagged ``non_monotone`` and its bar runs from the smallest to
    the largest output on the grid (M-55).

    Parameters
    ----------
    evaluate
        ``f(Θ)`` from :func:`output_function`.
    theta0
        Base values, shape ``(n_params,)``.
    ranges
        From :func:`one_way_ranges`.
    labels
        Parameter labels by name (missing: none).

    Returns
    -------
    OneWay
        Table ``tornado`` with ``parameter``, ``label``, ``base_value``, ``low_value``,
        ``high_value``, ``low_result``, ``high_result``, ``swing`` (the bar's length:
        ``|high_result − low_result|``, or ``max − min`` over the grid when non-monotone),
        ``bar_min``, ``bar_max``, ``non_monotone``, ``base_result`` and ``range_basis``;
        sorted by swing, largest first, ties (to 9 significant figures) by name.
    """
    base_result = float(evaluate(theta0[np.newaxis, :])[0])
    n = GRID_POINTS
    values = np.array([_grid(r, n) for r in ranges]).reshape(len(ranges), n)
    if ranges:
        theta = np.vstack([r.rows(theta0, values[i]) for i, r in enumerate(ranges)])
        results = evaluate(theta).reshape(len(ranges), n)
    else:
        results = np.zeros((0, n))
    rows = []
    bars: list[tuple[float, float]] = []
    for i, r in enumerate(ranges):
        y = results[i]
        y_lo, y_hi = float(y[0]), float(y[-1])
        lo_end, hi_end = min(y_lo, y_hi), max(y_lo, y_hi)
        tol = REL_TOL * max(1.0, abs(base_result), abs(y_lo), abs(y_hi))
        inner = y[1:-1]
        non_monotone = bool(np.any(inner < lo_end - tol) or np.any(inner > hi_end + tol))
        bar_min, bar_max = (float(y.min()), float(y.max())) if non_monotone else (lo_end, hi_end)
        bars.append((bar_min, bar_max))
        rows.append(
            {
                "parameter": r.name,
                "label": labels.get(r.name),
                "base_value": r.base,
                "low_value": r.low,
                "high_value": r.high,
                "low_result": y_lo,
                "high_result": y_hi,
                "swing": bar_max - bar_min,
                "bar_min": bar_min,
                "bar_max": bar_max,
                "non_monotone": non_monotone,
                "base_result": base_result,
                "range_basis": r.basis,
            }
        )
    swings = [bar[1] - bar[0] for bar in bars]
    order = sorted(range(len(rows)), key=lambda i: (-_tied_key(swings[i]), ranges[i].name))
    columns = [
        "parameter", "label", "base_value", "low_value", "high_value", "low_result",
        "high_result", "swing", "bar_min", "bar_max", "non_monotone", "base_result",
        "range_basis",
    ]  # fmt: skip
    tornado = pd.DataFrame([rows[i] for i in order], columns=columns)
    return OneWay(
        tornado=tornado.reset_index(drop=True),
        base_result=base_result,
        ranges=tuple(ranges[i] for i in order),
        grid_values=values[order] if ranges else values,
        grid_results=results[order] if ranges else results,
    )


def fixed_table(fixed: Sequence[ParameterSpec]) -> pd.DataFrame:
    """Table ``fixed_parameters``: parameters with no range and no distribution."""
    return pd.DataFrame(
        {
            "parameter": [s.name for s in fixed],
            "value": [s.value for s in fixed],
            "source": [s.source for s in fixed],
        },
        columns=["parameter", "value", "source"],
    )


# --------------------------------------------------------------------------- threshold


NO_THRESHOLD = "no threshold in range"


def thresholds(evaluate: Evaluate, theta0: Vector, analysis: OneWay, target: float) -> pd.DataFrame:
    """Threshold analysis (M-56): the value of each parameter at which the output is ``target``.

    The output minus the target is tabulated on the 21-point grid of the one-way
    analysis; the first interval (from the low end) where it changes sign is refined
    with Brent's method (``xtol`` 1e-10). With no sign change on the grid the note is
    "no threshold in range". A grid point where the output equals the target exactly
    is the threshold. When the sign changes more than once (a non-monotone parameter)
    the first crossing is given and the note says how many the grid shows.

    Returns
    -------
    pandas.DataFrame
        ``parameter``, ``low_value``, ``high_value``, ``low_result``, ``high_result``,
        ``target``, ``threshold`` (NaN if none), ``note``; in the tornado's order.
    """
    rows = []
    for i, r in enumerate(analysis.ranges):
        x, y = analysis.grid_values[i], analysis.grid_results[i] - target
        sign = np.sign(y)
        zero = np.flatnonzero(sign == 0)
        change = np.flatnonzero(sign[:-1] * sign[1:] < 0)
        found: float = math.nan
        note = NO_THRESHOLD
        crossings = len(zero) + len(change)
        if r.low != r.high and crossings:
            first_change = change[0] if len(change) else len(x)
            if len(zero) and zero[0] <= first_change:
                found = float(x[zero[0]])
            else:
                k = int(first_change)

                def gap(v: float, r: OneWayRange = r) -> float:
                    return float(evaluate(r.rows(theta0, np.array([v])))[0]) - target

                found = float(scipy.optimize.brentq(gap, float(x[k]), float(x[k + 1]), xtol=XTOL))
            note = "" if crossings == 1 else f"{crossings} crossings on the grid; the first shown"
        rows.append(
            {
                "parameter": r.name,
                "low_value": r.low,
                "high_value": r.high,
                "low_result": float(analysis.grid_results[i][0]),
                "high_result": float(analysis.grid_results[i][-1]),
                "target": target,
                "threshold": found,
                "note": note,
            }
        )
    columns = [
        "parameter", "low_value", "high_value", "low_result", "high_result", "target",
        "threshold", "note",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- two-way


def two_way(
    evaluate: Evaluate, theta0: Vector, a: OneWayRange, b: OneWayRange, *, points: int = 11
) -> pd.DataFrame:
    """Two-way analysis (M-57) on a ``points × points`` grid over the ranges of ``a`` and ``b``.

    Returns
    -------
    pandas.DataFrame
        Long table ``two_way``: ``parameter_a``, ``value_a``, ``parameter_b``,
        ``value_b``, ``result``; ``value_a`` varies slowest.

    Raises
    ------
    ValueError
        If ``a`` and ``b`` are the same parameter or components of one Dirichlet
        parameter, or ``points < 2``.
    """
    if points < 2:
        msg = f"the two-way grid needs at least 2 points, got {points}"
        raise ValueError(msg)
    if a.column == b.column or b.column in a.rescale:
        msg = f"{a.name} and {b.name} cannot be varied together: they are one parameter"
        raise ValueError(msg)
    va, vb = _grid(a, points), _grid(b, points)
    col_a, col_b = np.repeat(va, points), np.tile(vb, points)
    theta = np.repeat(theta0[np.newaxis, :], points * points, axis=0)
    a.apply(theta, col_a)
    b.apply(theta, col_b)
    return pd.DataFrame(
        {
            "parameter_a": a.name,
            "value_a": col_a,
            "parameter_b": b.name,
            "value_b": col_b,
            "result": evaluate(theta),
        }
    )
