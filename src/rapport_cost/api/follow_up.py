"""``follow-up``: the mean cost per woman within a horizon, under incomplete follow-up.

Women are admitted across the study and followed until the data cut-off, their withdrawal
or their death, so their lengths of follow-up differ (M-65 to M-74). The costs are the
engine's: each woman's costs by day (:meth:`~rapport_cost.core.engine.Costs.timeline`,
the estimate's costs cut by date, never a second costing), on her time since origin
(admission or discharge, M-65). The estimators, their analytic SEs and the refitting
bootstrap are :mod:`rapport_cost.core.analyses.follow_up`; this module finds each woman's
times from the logs, runs them per site and for all, and makes the tables. ``costs=``
runs the same on a cost history in R ccostr's layout.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from rapport_cost.api.base import (
    Built,
    Prepared,
    Result,
    build,
    choice,
    config_arg,
    config_inputs,
    load,
    policy_notes,
    prepare,
    seed_number,
    site_women,
    whole_number,
)
from rapport_cost.api.draws import STREAMS, streams
from rapport_cost.api.plots import cumulative_cost_writer
from rapport_cost.arrays import BoolArray, IntArray, StrArray, Vector
from rapport_cost.config import FollowUp, describe_days, parse_duration
from rapport_cost.core.analyses import follow_up as fu
from rapport_cost.core.inputs.cost_history import validate_cost_history
from rapport_cost.core.inputs.logs import END_COLUMNS
from rapport_cost.errors import ModelError, Problem, UsageError
from rapport_cost.fileio.config_file import LoadedConfig
from rapport_cost.fileio.cost_history import read_cost_history

#: ``--estimator`` names (lower case) → the kernel's.
ESTIMATOR_NAMES: dict[str, str] = {name.lower(): name for name in fu.ESTIMATORS}
#: What each estimator is, for the tables.
ESTIMATOR_LABELS = {
    "AD": "available-data mean (biased down)",
    "CC": "complete-case mean",
    "BT": "Bang-Tsiatis, simple weighted",
    "BTP": "Bang-Tsiatis, partitioned",
    "ZT": "Zhao-Tian",
    "LIN": "Lin (1997), partitioned",
}
#: Resamples of the follow-up bootstrap unless asked otherwise; each refits both
#: Kaplan-Meier curves (B + 1 = 1000 keeps (B+1)α whole for the 95% interval, M-4).
RESAMPLES = 999
CURVE_PLOT = "cumulative_cost.png"
Scheme = Literal["stratified", "ordinary", "cluster"]
_SCHEMES: tuple[Scheme, ...] = get_args(Scheme)

ConfigLike = str | Path | LoadedConfig | Prepared | Built | None


@dataclass(frozen=True)
class Cohort:
    """The women and cost lines of one row of the tables (a site, or all).

    Parameters
    ----------
    name
        The row's site, or ``all``.
    censoring, death
        ``C_i`` and ``T_i`` (inf if none), shape (n,), in days since origin (or the
        history's time unit).
    woman, start, stop, cost
        The cost lines, shape (n_lines,): the woman (0..n-1), the span in time since
        origin, the cost in £.
    units
        Each woman's unit, shape (n,), for the stratified and cluster bootstraps.
    cells
        Shape (n_lines,): each line's cell of the usage model's timeline (-1 for a
        history), so that a linear statistic can be priced at other prices (PSA).
    """

    name: str
    censoring: Vector
    death: Vector
    woman: IntArray
    start: Vector
    stop: Vector
    cost: Vector
    units: StrArray | None
    cells: IntArray

    def subset(self, name: str, keep: BoolArray) -> Cohort:
        """The women where ``keep`` is true, numbered again from 0, with their lines."""
        number = (np.cumsum(keep) - 1).astype(np.intp)
        lines = keep[self.woman]
        return Cohort(
            name,
            self.censoring[keep],
            self.death[keep],
            number[self.woman[lines]],
            self.start[lines],
            self.stop[lines],
            self.cost[lines],
            None if self.units is None else self.units[keep],
            self.cells[lines],
        )


@dataclass(frozen=True)
class Settings:
    """The follow-up settings of a run, checked (:func:`settings_of`)."""

    horizon: float
    interval: float
    origin: str
    estimator: str
    resamples: int
    scheme: Scheme
    unit: str

    @property
    def label(self) -> str:
        """The horizon as a reader says it, e.g. ``24 months``."""
        if self.unit == "days":
            return describe_days(self.horizon)
        return f"{self.horizon:g} {self.unit}"


def _length(value: object, option: str, *, days: bool) -> float:
    """A length of time > 0: days (``24 months``, ``3 years``, ...), or a plain number."""
    try:
        if days:
            return parse_duration(value)
        x = float(value)  # type: ignore[arg-type]
        if not (math.isfinite(x) and x > 0):
            raise ValueError
    except (TypeError, ValueError) as exc:
        why = str(exc) if days else "must be a number > 0 in the cost history's time unit"
        msg = f"{option} {why}, got {value!r}" if not days else f"{option} {why}"
        raise UsageError(msg, [Problem(msg)]) from None
    return x


def settings_of(
    section: FollowUp | None,
    *,
    horizon: object = None,
    interval: object = None,
    origin: str | None = None,
    estimator: str | None = None,
    resamples: int | None = None,
    scheme: str | None = None,
    history: bool = False,
) -> Settings:
    """The options, else the config's ``follow_up:`` section (or its defaults), checked.

    Raises
    ------
    UsageError
        A length that is not a length of time > 0, an unknown estimator, origin or
        scheme, ``--horizon`` missing with a cost history, or an interval longer than
        the horizon.
    """
    fallback = section or FollowUp()
    if history and horizon is None:
        msg = "--horizon is required with --costs: a number in the history's time unit"
        raise UsageError(msg, [Problem(msg)])
    tau = fallback.horizon if horizon is None else _length(horizon, "--horizon", days=not history)
    if interval is not None:
        h = _length(interval, "--interval", days=not history)
    else:
        h = tau if history else min(fallback.interval, tau)
    unit = "time units" if history else "days"
    if h > tau:
        show = describe_days if not history else (lambda x: f"{x:g} {unit}")
        msg = f"--interval ({show(h)}) must not be longer than the horizon ({show(tau)})"
        raise UsageError(msg, [Problem(msg)])
    name = choice(estimator or fallback.estimator, "--estimator", tuple(ESTIMATOR_NAMES))
    return Settings(
        horizon=tau,
        interval=h,
        origin=choice(origin or fallback.origin, "--origin", ("admission", "discharge")),
        estimator=ESTIMATOR_NAMES[name],
        resamples=whole_number(RESAMPLES if resamples is None else resamples, "--resamples", 2),
        scheme=choice(scheme or ("ordinary" if history else "stratified"), "--scheme", _SCHEMES),
        unit=unit,
    )


# ----------------------------------------------------------------------- from the logs


def _days(dates: pd.Series) -> Vector:
    """Days since 1970-01-01 of each date (NaN where none)."""
    values = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    out = values.astype(np.int64).astype(np.float64)
    out[np.isnat(values)] = np.nan
    return out


def data_cutoff(built: Built) -> tuple[float, str]:
    """The data cut-off in days since 1970-01-01, and where it comes from.

    The config's ``follow_up.data_cutoff``, else the last date in the logs (contacts,
    admissions, discharges, withdrawals and deaths).
    """
    stated = built.config.follow_up.data_cutoff
    if stated is not None:
        return float(np.datetime64(stated, "D").astype(np.int64)), str(stated)
    women = built.logs.women
    columns = [c for c in ("admission_date", "discharge_date", *END_COLUMNS) if c in women]
    last = max(
        float(np.nanmax(_days(built.logs.contacts["date"]), initial=-np.inf)),
        *(float(np.nanmax(_days(women[c]), initial=-np.inf)) for c in columns),
    )
    when = str(np.datetime64(int(last), "D"))
    return last, f"{when} (the last date in the logs)"


def cohort_from_logs(built: Built, s: Settings) -> tuple[Cohort, list[str]]:
    """Every woman's times and her timeline of costs (M-65, M-66); notes.

    ``C_i`` is the earlier of the cut-off and her withdrawal, ``T_i`` her death, both
    minus her origin; a cost before the origin is at time 0.
    """
    if built.usage.timeline is None:
        msg = "the follow-up needs the usage model's timeline (api.build(..., timeline=True))"
        raise ValueError(msg)
    women = built.logs.women
    cutoff, _ = data_cutoff(built)
    admission = _days(women["admission_date"])
    notes: list[str] = []
    origin = admission.copy()
    if s.origin == "discharge":
        discharge = _days(women["discharge_date"])
        missing = np.isnan(discharge)
        origin = np.where(missing, cutoff, discharge)
        if missing.any():
            notes.append(
                f"{int(missing.sum())} woman/women have no discharge_date: with origin "
                "discharge each is censored at 0 (no follow-up after discharge)"
            )
    end = np.full(len(women), cutoff)
    death = np.full(len(women), np.inf)
    if "withdrawal_date" in women:
        end = np.fmin(end, _days(women["withdrawal_date"]))
    if "death_date" in women:
        died = _days(women["death_date"])
        death = np.where(np.isnan(died), np.inf, np.maximum(died - origin, 0.0))
    timeline = built.usage.timeline
    cell_cost = built.costs().timeline(0)
    offset = origin - admission  # days from admission to origin
    u = np.maximum(timeline.day - offset[timeline.woman], 0.0)
    units = built.usage.women["site"].astype(str).to_numpy().astype(np.str_)
    cohort = Cohort(
        "all",
        np.maximum(end - origin, 0.0),
        death,
        timeline.woman.astype(np.intp),
        u,
        u,
        cell_cost,
        units,
        np.arange(cell_cost.size, dtype=np.intp),
    )
    return cohort, notes


# ----------------------------------------------------------------------- the analysis


@dataclass(frozen=True)
class Analysis:
    """One cohort analysed: the follow-up, every estimator, and the bootstrap."""

    cohort: Cohort
    observation: fu.Observation
    layout: fu.CostLayout
    estimate: fu.FollowUpEstimate
    bootstrap: fu.FollowUpBootstrap


def check_cohorts(cohorts: list[Cohort], s: Settings) -> None:
    """The horizon and interval checked on every cohort, all problems at once.

    Raises
    ------
    UsageError
        If the horizon cannot be used on a cohort's women (exit 2): e.g. the horizon
        beyond every woman's follow-up, naming the longest.
    """
    scale, unit = (fu.MONTH_DAYS, "months") if s.unit == "days" else (1.0, s.unit)
    problems = [
        Problem(f"--horizon: {c.name}: {p.message}", code=p.code)
        for c in cohorts
        for p in fu.check_horizon(
            c.censoring / scale,
            c.death / scale,
            s.horizon / scale,
            s.interval / scale,
            unit=unit,
            field="--horizon",
        )
    ]
    if problems:
        raise UsageError("; ".join(p.message for p in problems), problems)


def analyse(cohort: Cohort, s: Settings, rng: np.random.Generator) -> Analysis:
    """Estimate and bootstrap one cohort (checked with :func:`check_cohorts`)."""
    obs = fu.observe(cohort.censoring, cohort.death, s.horizon)
    layout = fu.lay_out(
        obs, fu.make_intervals(s.horizon, s.interval), cohort.woman, cohort.start, cohort.stop
    )
    est = fu.estimate(layout, cohort.cost)
    scheme: Scheme = s.scheme if cohort.name == "all" and cohort.units is not None else "ordinary"
    boot = fu.bootstrap_follow_up(
        layout, cohort.cost, cohort.units, scheme=scheme, n_resamples=s.resamples, rng=rng
    )
    return Analysis(cohort, obs, layout, est, boot)


def summary_rows(a: Analysis, s: Settings) -> list[dict[str, Any]]:
    """Rows of ``follow_up_summary``: one per estimator, the chosen one first."""
    obs, est, boot = a.observation, a.estimate, a.bootstrap
    died = int(np.count_nonzero(obs.died & (obs.time <= s.horizon)))
    order = [s.estimator, *(e for e in fu.ESTIMATORS if e != s.estimator)]
    rows = []
    for name in order:
        k = boot.estimators.index(name)
        refused = est.refused.get(name)
        rows.append(
            {
                "site": a.cohort.name,
                "estimator": name.lower(),
                "label": ESTIMATOR_LABELS[name],
                "horizon": s.label,
                "women": obs.n,
                "complete": int(np.count_nonzero(obs.complete)),
                "censored": int(np.count_nonzero(obs.censored)),
                "died": died,
                "mean_cost": est.estimates[name],
                "se": est.se[name],
                "bootstrap_se": float(boot.se[k]),
                "q025": float(boot.low[k]),
                "q975": float(boot.high[k]),
                "note": refused.reason if refused is not None else "",
            }
        )
    return rows


def curve_rows(a: Analysis, s: Settings) -> list[dict[str, Any]]:
    """Rows of ``cumulative_cost``: the partitioned Bang-Tsiatis curve at each interval end."""
    est, boot = a.estimate, a.bootstrap
    months = est.ends / fu.MONTH_DAYS if s.unit == "days" else est.ends
    return [
        {
            "site": a.cohort.name,
            "interval_end": float(m),
            "at_risk": int(n),
            "mean_cumulative_cost": float(c),
            "lower": float(lo),
            "upper": float(hi),
        }
        for m, n, c, lo, hi in zip(
            months, est.at_risk, est.curve, boot.curve_low, boot.curve_high, strict=True
        )
    ]


def _cohorts(everyone: Cohort, sites: tuple[str, ...]) -> list[Cohort]:
    """One cohort per site with women, then all."""
    if everyone.units is None:
        return [everyone]
    out = [
        everyone.subset(site, everyone.units == site)
        for site in sites
        if np.any(everyone.units == site)
    ]
    return [*out, everyone]


def _run(cohorts: list[Cohort], s: Settings, seed: int | None) -> tuple[list[Analysis], int]:
    """Analyse every cohort with its own stream (as ``bootstrap`` gives each row one)."""
    check_cohorts(cohorts, s)
    st = streams(seed)
    children = st.bootstrap.spawn(len(cohorts))
    rngs = [np.random.default_rng(k) for k in children]
    return [analyse(c, s, rng) for c, rng in zip(cohorts, rngs, strict=True)], st.seed


def _tables(analyses: list[Analysis], s: Settings) -> dict[str, pd.DataFrame]:
    summary = pd.DataFrame([r for a in analyses for r in summary_rows(a, s)])
    curve = pd.DataFrame([r for a in analyses for r in curve_rows(a, s)])
    curve = curve.rename(
        columns={"interval_end": "interval_end_months" if s.unit == "days" else "interval_end"}
    )
    return {"follow_up_summary": summary, "cumulative_cost": curve}


def _warnings(analyses: list[Analysis], s: Settings) -> list[str]:
    notes = []
    for a in analyses:
        texts = [*fu.horizon_warnings(a.observation, label=s.label), *a.estimate.warnings]
        texts += list(a.bootstrap.warnings)
        notes += [f"{a.cohort.name}: {t}" for t in texts]
        notes += [
            f"{a.cohort.name}: {name.lower()} refused: {r.reason}"
            for name, r in a.estimate.refused.items()
        ]
    return notes


def run_follow_up(
    config: ConfigLike = None,
    *,
    horizon: object = None,
    interval: object = None,
    estimator: str | None = None,
    origin: str | None = None,
    costs: str | Path | None = None,
    resamples: int | None = None,
    seed: int | None = None,
    scheme: str | None = None,
    span_offset: float = 0.0,
) -> Result:
    """Mean cost per woman within a horizon, per site and for all (M-65 to M-74).

    Parameters
    ----------
    config
        A config path (the bundled example when ``None``), or a prepared/built model.
    horizon, interval
        Lengths of time (``24 months``, ``3 years``, ``730 days``); default the config's
        ``follow_up``. With ``costs``, numbers in the history's time unit.
    estimator
        The one listed first: ``btp`` (default), ``bt``, ``zt``, ``lin``, ``cc``, ``ad``.
    origin
        ``admission`` (default) or ``discharge``: time zero of each woman.
    costs
        A cost history (``id, start, stop, cost, delta, surv``, as R ccostr) to analyse
        instead of the config's logs.
    resamples, seed, scheme
        The bootstrap: B (default 999), the seed (M-3) and the scheme
        (``stratified`` by unit by default; ``ordinary`` for a history).
    span_offset
        With ``costs``: R ccostr's ``addInterPol`` (0, the default, spreads a span's cost
        uniformly over it; 1 reproduces ccostr's published values, which put
        1/(stop − start + 1) of the cost at the span's start).

    Returns
    -------
    Result
        Tables ``follow_up_summary`` (site × estimator: horizon, women, complete,
        censored, died, mean cost within the horizon, analytic and bootstrap SE, q025,
        q975) and ``cumulative_cost`` (site, interval end in months, at risk, mean
        cumulative cost and its 95% interval); the curves as a PNG in ``plots``.

    Raises
    ------
    UsageError
        A bad option, or a horizon the follow-up cannot support (exit 2).
    InputError
        Problems in the config, the logs or the cost history (exit 2).
    """
    seed = seed_number(seed)
    if costs is not None:
        return _run_history(config, Path(costs), horizon, interval, estimator, resamples, seed,
                            scheme, span_offset)  # fmt: skip
    built = config if isinstance(config, Built) and config.usage.timeline is not None else None
    if built is None:
        prep = config.prep if isinstance(config, Built) else config
        built = build(prep if isinstance(prep, Prepared) else prepare(prep), timeline=True)
    cfg = built.config
    s = settings_of(cfg.follow_up, horizon=horizon, interval=interval, origin=origin,
                    estimator=estimator, resamples=resamples, scheme=scheme)  # fmt: skip
    everyone, notes = cohort_from_logs(built, s)
    seed_used = cfg.bootstrap.seed if seed is None else seed
    analyses, entropy = _run(_cohorts(everyone, built.usage.sites), s, seed_used)
    tables = _tables(analyses, s)
    _, cutoff_text = data_cutoff(built)
    return Result(
        command="follow-up",
        tables=tables,
        currency=cfg.currency,
        price_year=cfg.price_year,
        perspective=cfg.perspective,
        inputs=built.inputs(),
        settings=_settings_out(s, entropy) | {"data_cutoff": cutoff_text},
        warnings=[*policy_notes(built), *built.usage.notes, *notes, *_warnings(analyses, s)],
        plots=_plots(tables, s, f"{cfg.currency}, {cfg.price_year} prices"),
        args={"config": config_arg(built.prep.loaded), **_args_out(s, entropy)},
        site_women=site_women(built),
    )


def _run_history(
    config: ConfigLike,
    path: Path,
    horizon: object,
    interval: object,
    estimator: str | None,
    resamples: int | None,
    seed: int | None,
    scheme: str | None,
    span_offset: float,
) -> Result:
    """The follow-up estimators on a cost history instead of the config's logs."""
    loaded = None
    if isinstance(config, Built):
        loaded = config.prep.loaded
    elif isinstance(config, Prepared):
        loaded = config.loaded
    elif config is not None:
        loaded = load(config)
    s = settings_of(loaded.config.follow_up if loaded else None, horizon=horizon,
                    interval=interval, estimator=estimator, resamples=resamples,
                    scheme=scheme, history=True)  # fmt: skip
    if s.scheme != "ordinary":
        msg = f"--scheme {s.scheme} needs units, which a cost history does not have; use ordinary"
        raise UsageError(msg, [Problem(msg)])
    read = read_cost_history(path)
    history = validate_cost_history(read.frame, read.source, read.rows)
    if not (
        isinstance(span_offset, int | float) and math.isfinite(span_offset) and span_offset >= 0
    ):
        msg = f"--span-offset must be a number >= 0, got {span_offset!r}"
        raise UsageError(msg, [Problem(msg)])
    lines = fu.history_lines(history, span_offset=float(span_offset))
    cohort = Cohort(
        "all",
        lines.censoring,
        lines.death,
        lines.woman,
        lines.start,
        lines.stop,
        lines.cost,
        None,
        np.full(lines.cost.size, -1, dtype=np.intp),
    )
    analyses, entropy = _run([cohort], s, seed)
    tables = _tables(analyses, s)
    inputs = [*(config_inputs(loaded) if loaded else []),
              {"role": "costs", "path": read.source, "sha256": read.sha256}]  # fmt: skip
    return Result(
        command="follow-up",
        tables=tables,
        currency=loaded.config.currency if loaded else "",
        price_year=loaded.config.price_year if loaded else "",
        inputs=inputs,
        settings=_settings_out(s, entropy),
        warnings=_warnings(analyses, s),
        plots=_plots(tables, s, ""),
        args={
            "config": config_arg(loaded) if loaded else None,
            "costs": str(path.resolve()),
            "span_offset": span_offset,
            **_args_out(s, entropy),
        },
    )


def _settings_out(s: Settings, seed: int) -> dict[str, Any]:
    return {
        "horizon": s.label,
        "horizon_days" if s.unit == "days" else "horizon_units": s.horizon,
        "interval": describe_days(s.interval) if s.unit == "days" else s.interval,
        "origin": s.origin,
        "estimator": s.estimator.lower(),
        "resamples": s.resamples,
        "scheme": s.scheme,
        "seed": seed,
        "seed_streams": list(STREAMS),
        "interval_method": "percentile, Davison-Hinkley order statistics",
    }


def _args_out(s: Settings, seed: int) -> dict[str, Any]:
    """The options that repeat the run (``reproduce --from``)."""
    return {
        "horizon": s.horizon,
        "interval": s.interval,
        "estimator": s.estimator.lower(),
        "origin": s.origin,
        "resamples": s.resamples,
        "seed": seed,
        "scheme": s.scheme,
    }


def _plots(
    tables: dict[str, pd.DataFrame], s: Settings, caption: str
) -> dict[str, Callable[[Path], None]]:
    unit = "months since origin" if s.unit == "days" else s.unit
    return {CURVE_PLOT: cumulative_cost_writer(tables["cumulative_cost"], s.label, unit, caption)}


def horizon_weights(built: Built, s: Settings) -> list[tuple[str, Vector]]:
    """Each site's (and all's) estimator as weights over the timeline's cells.

    Every follow-up estimator is linear in the costs given the women's times, so at other
    prices (a PSA draw) it is ``Costs.timeline_weighted(weights)`` (M-65 to M-74 with M-48).

    Raises
    ------
    UsageError
        If the horizon cannot be used (as :func:`check_cohorts`).
    ModelError
        If the estimator is refused on a cohort (e.g. ZT when K̂ falls to 0).
    """
    everyone, _ = cohort_from_logs(built, s)
    cohorts = _cohorts(everyone, built.usage.sites)
    check_cohorts(cohorts, s)
    assert built.usage.timeline is not None
    n_cells = built.usage.timeline.woman.size
    out = []
    for c in cohorts:
        obs = fu.observe(c.censoring, c.death, s.horizon)
        layout = fu.lay_out(obs, fu.make_intervals(s.horizon, s.interval), c.woman, c.start,
                            c.stop)  # fmt: skip
        lw = fu.line_weights(layout)
        if s.estimator in lw.refused:
            reason = lw.refused[s.estimator].reason
            msg = f"{c.name}: {s.estimator.lower()} refused: {reason}"
            raise ModelError(msg, [Problem(msg, code=lw.refused[s.estimator].code)])
        full = np.zeros(n_cells)
        full[c.cells] = lw.weights[s.estimator]
        out.append((c.name, full))
    return out


def follow_up_line(built: Built) -> str | None:
    """One line for ``estimate`` and ``report``: how follow-up differs across the women."""
    women = built.logs.women
    if women.empty:
        return None
    cutoff, _ = data_cutoff(built)
    admission = _days(women["admission_date"])
    months = (cutoff - admission) / fu.MONTH_DAYS
    if not np.nanmax(months) - np.nanmin(months) >= 1.0:
        return None  # every woman is followed for about as long
    return (
        f"follow-up since admission runs from {np.nanmin(months):.0f} to {np.nanmax(months):.0f} "
        "months across the women, so the mean cost per woman mixes lengths of follow-up; "
        "`rapport-cost follow-up` gives the mean within a horizon (e.g. 24 months)"
    )
