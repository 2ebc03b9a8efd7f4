"""``subgroups``: the cost per woman compared between subgroups, unadjusted and adjusted.

The outcome is the engine's cost of every woman (:attr:`~rapport_cost.core.engine.Costs.woman`),
or with a horizon her cost within it, weighted by the inverse probability of censoring
(M-80, with the follow-up of :mod:`rapport_cost.api.follow_up`). The models,
recycled predictions, bootstrap refits, diagnostics and disclosure control are
:mod:`rapport_cost.core.analyses.subgroups`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, get_args

import numpy as np
import numpy.typing as npt

from rapport_cost.api.base import (
    Built,
    BuiltArg,
    Prepared,
    Result,
    build,
    choice,
    config_arg,
    model_result,
    policy_notes,
    prepare,
    seed_number,
    whole_number,
)
from rapport_cost.api.draws import STREAMS, streams
from rapport_cost.api.follow_up import check_cohorts, cohort_from_logs, settings_of
from rapport_cost.api.plots import forest_writer
from rapport_cost.arrays import Matrix, Vector
from rapport_cost.core.analyses import follow_up as fu
from rapport_cost.core.analyses.follow_up.estimators import cost_sums
from rapport_cost.core.analyses.subgroups import compare_subgroups
from rapport_cost.core.analyses.subgroups.models import ModelName
from rapport_cost.core.publish import sdc

MODELS: tuple[ModelName, ...] = get_args(ModelName)
#: Resamples unless asked otherwise; each refits every model.
RESAMPLES = 999
FOREST_PLOT = "subgroup_forest.png"


def _built(config: BuiltArg, *, timeline: bool) -> Built:
    if isinstance(config, Built) and (config.usage.timeline is not None or not timeline):
        return config
    prep = config.prep if isinstance(config, Built) else config
    return build(prep if isinstance(prep, Prepared) else prepare(prep), timeline=timeline)


def _horizon_outcome(
    built: Built, horizon: object
) -> tuple[Vector, Vector, Callable[[npt.NDArray[np.int32]], Matrix], str]:
    """Cost within the horizon, IPCW weights, their refit per resample, and a label (M-80).

    A woman whose history within the horizon is complete has weight 1/K̂(min(T_i, τ)−);
    the others 0. In each resample K̂ is refitted on the resample's women (M-72).
    """
    s = settings_of(built.config.follow_up, horizon=horizon)
    everyone, _ = cohort_from_logs(built, s)
    check_cohorts([everyone], s)
    obs = fu.observe(everyone.censoring, everyone.death, s.horizon)
    layout = fu.lay_out(
        obs, fu.make_intervals(s.horizon, s.interval), everyone.woman, everyone.start,
        everyone.stop,
    )  # fmt: skip
    within = cost_sums(layout, layout.piece_costs(everyone.cost)).total

    def ipcw(frequency: Vector) -> Vector:
        km = fu.kaplan_meier(obs.time, obs.died, s.horizon, frequency, order=obs.order)
        k = km.censoring_before(obs.end)
        return np.where(obs.complete & (k > 0), frequency / np.where(k > 0, k, 1.0), 0.0)

    def per_resample(counts: npt.NDArray[np.int32]) -> Matrix:
        return np.vstack([ipcw(row.astype(np.float64)) for row in counts])

    return within, ipcw(np.ones(obs.n)), per_resample, s.label


def run_subgroups(
    config: BuiltArg = None,
    *,
    by: str = "ethnicity",
    adjust: Sequence[str] = (),
    model: str = "twopart",
    reference: str | None = None,
    horizon: object = None,
    resamples: int | None = None,
    seed: int | None = None,
    scheme: str = "stratified",
    merge_small: bool = False,
    sdc_policy: str = "none",
) -> Result:
    """Mean cost per woman by subgroup: summaries, differences, models, diagnostics (§10).

    Parameters
    ----------
    config
        A config path (the bundled example when ``None``), or a prepared or built model.
    by
        The subgroup column of the women log (e.g. ``ethnicity``).
    adjust
        Adjustment columns (``site`` is always included, M-76).
    model
        ``twopart`` (default), ``gamma``, ``poisson`` or ``ols``.
    reference
        The reference group (default: the largest).
    horizon
        A length of time (``24 months``): the outcome is the cost within it, fitted on the
        women with complete follow-up weighted by 1/K̂ (M-80).
    resamples, seed, scheme
        The bootstrap: B (default 999), the seed and the scheme (``stratified`` by unit).
    merge_small
        Merge groups too small to publish into ``other`` before fitting (M-81).
    sdc_policy
        Disclosure control of every table (``--sdc``): groups below the threshold are
        suppressed in every table and the plot.

    Returns
    -------
    Result
        Tables ``subgroup_summary``, ``subgroup_difference``, ``subgroup_model`` and
        ``subgroup_diagnostics``; a forest plot of the adjusted differences in ``plots``.

    Raises
    ------
    UsageError
        Bad options or columns, every problem at once (exit 2).
    ModelError
        A model that does not converge (exit 3), naming the part.
    """
    chosen: ModelName = choice(model, "--model", MODELS)
    policy = choice(sdc_policy, "--sdc", sdc.POLICIES)
    n_resamples = whole_number(RESAMPLES if resamples is None else resamples, "--resamples", 2)
    scheme = choice(scheme, "--scheme", ("stratified", "ordinary", "cluster"))
    if isinstance(adjust, str):
        adjust = [a for a in adjust.split(",") if a]
    built = _built(config, timeline=horizon is not None)
    cfg = built.config
    weights = resample_weights = None
    outcome = built.costs().woman[0]
    label = None
    if horizon is not None:
        outcome, weights, resample_weights, label = _horizon_outcome(built, horizon)
    st = streams(cfg.bootstrap.seed if seed_number(seed) is None else seed)
    women_file = next((f.source for f in built.files if f.table == "women"), None)
    result = compare_subgroups(
        outcome,
        built.usage.women,
        by=by,
        adjust=tuple(adjust),
        model=chosen,
        reference=reference,
        weights=weights,
        n_resamples=n_resamples,
        rng=np.random.default_rng(st.bootstrap),
        scheme=scheme,
        merge_small=merge_small,
        disclosure=functools.partial(sdc.control_table, policy=policy),
        resample_weights=resample_weights,
        file=women_file,
    )
    settings = {
        "by": by,
        "adjust": ["site", *adjust],
        "model": chosen,
        "reference": result.reference,
        "horizon": label,
        "resamples": n_resamples,
        "scheme": scheme,
        "seed": st.seed,
        "seed_streams": list(STREAMS),
        "merge_small": merge_small,
    }
    args: dict[str, Any] = {
        "config": config_arg(built.prep.loaded),
        "by": by,
        "adjust": list(adjust),
        "model": chosen,
        "reference": reference,
        "horizon": horizon if horizon is None else str(horizon),
        "resamples": n_resamples,
        "seed": st.seed,
        "scheme": scheme,
        "merge_small": merge_small,
        "sdc_policy": policy,
    }
    disclosure: dict[str, Any] = {
        "policy": policy,
        "suppressed": result.suppressed,
        "notes": list(result.notes),
    }
    if result.watermark:
        disclosure["note"] = result.watermark
    caption = f"{cfg.currency}, {cfg.price_year} prices"
    out = model_result(
        built,
        "subgroups",
        dict(result.tables),
        settings=settings,
        warnings=[*policy_notes(built), *result.warnings],
        plots={FOREST_PLOT: forest_writer(result.tables["subgroup_difference"], by, caption)},
        args=args,
    )
    out.disclosure = disclosure
    return out
