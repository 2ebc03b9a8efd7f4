"""``bootstrap``: confidence intervals of the mean cost per woman (M-49, M-48).

The input is the cost of every woman, either as ``estimate`` computes it from the config
and its logs (the one costing path: :attr:`~rapport_cost.core.engine.Costs.woman` at the point
values), or from a per-person cost table (``costs=FILE``: CSV, XLSX or
Parquet with ``woman_id`` and ``total_cost``, optionally ``site`` and subgroup columns),
so that a trial's costs can be bootstrapped too.

Rows of the table ``bootstrap_ci``:

* one per site: an ordinary bootstrap of the women of that site (within one site the
  stratified bootstrap is the ordinary one, and the cluster bootstraps have one unit);
* ``all``: every woman, with the chosen scheme (stratified by site by default, M-50);
* with ``by``: one per value of each subgroup column, every woman of that subgroup, with
  the chosen scheme (strata and units are then the sites of that subgroup's women).

Randomness (M-3): ``SeedSequence(seed)`` is spawned into the streams of
:data:`rapport_cost.api.psa.STREAMS` (``psa``, ``bootstrap``, ``scores``), as the PSA does;
the ``bootstrap`` stream is spawned again into one stream per row of the table, so a row's
replicates do not depend on the other rows (adding ``by`` does not change the site rows).

Joint mode (``with_psa``, M-48) pairs PSA draw d (the PSA's design, sampler and
streams, so the draws are those of ``rapport-cost psa`` with the same seed and number of
draws) with bootstrap resample d: per-woman costs of a block of draws are ``P · Qᵀ``
(prices of the draws times the women's quantities), and each draw's row is resampled once
(:func:`~rapport_cost.core.bootstrap.paired_resample_means`). Each row is reported three
times (column ``uncertainty``): ``sampling`` (the same resamples at the point values),
``parameters`` (the same draws, every woman: the PSA) and ``joint``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy

from rapport_cost.api.base import (
    Built,
    ConfigArg,
    Prepared,
    Result,
    build,
    config_arg,
    config_inputs,
    load,
    policy_notes,
    prepare,
    price_notes,
    seed_number,
)
from rapport_cost.api.draws import STREAMS, Streams, streams
from rapport_cost.api.limits import check_bootstrap
from rapport_cost.api.plots import bootstrap_histogram, png
from rapport_cost.api.psa import Progress
from rapport_cost.arrays import FloatArray
from rapport_cost.config import BootstrapSettings, CostingConfig
from rapport_cost.core.analyses import bootstrap as core
from rapport_cost.core.inputs.costs_table import WomenCosts, check_women, women_from_table
from rapport_cost.fileio.config_file import LoadedConfig
from rapport_cost.fileio.costs import read_costs, table_writers

if TYPE_CHECKING:
    pass
from rapport_cost.api.bootstrap_options import Options, options_of
from rapport_cost.api.bootstrap_rows import (
    RowWarnings,
    bootstrap_rows,
    cluster_table,
    joint_intervals,
    joint_replicates,
    rows_of,
)

#: Files of the replicates written with ``-o FOLDER``, and of the histogram.
REPLICATES = "bootstrap_replicates"
HISTOGRAM = "bootstrap_histogram.png"


# ------------------------------------------------------------------------------ data


def _from_built(built: Built) -> WomenCosts:
    """Per-woman costs at the point values, exactly as ``estimate``'s ``per_woman`` table."""
    values = built.costs().woman[0]
    women = built.usage.women
    sites = women["site"].astype(str).to_numpy().astype(np.str_)
    present = set(sites.tolist())
    order = tuple(s for s in built.usage.sites if s in present)
    subgroups = women[built.logs.subgroup_columns].astype(str).reset_index(drop=True)
    source, rows = "", np.zeros(values.size, dtype=np.intp)
    for f in built.files:
        if f.table == "women" and "woman_id" in f.frame.columns:
            source = f.source
            numbers = f.rows if f.rows is not None else np.arange(2, len(f.frame) + 2)
            where = {
                str(w): int(r)
                for w, r in zip(f.frame["woman_id"].tolist(), numbers.tolist(), strict=True)
            }
            rows = np.array([where.get(str(w), 0) for w in women["woman_id"]], dtype=np.intp)
    return WomenCosts(values, sites, order, subgroups, source, rows)


# ------------------------------------------------------------------------------- API


def bootstrap(
    config: ConfigArg | Prepared | Built = None,
    *,
    costs: str | Path | None = None,
    scheme: str | None = None,
    method: str | None = None,
    resamples: int | None = None,
    seed: int | None = None,
    level: float | None = None,
    ties: str | None = None,
    fallback: bool = False,
    by: Sequence[str] = (),
    with_psa: bool = False,
    draws: int | None = None,
    progress: Progress | None = None,
) -> Result:
    """Bootstrap confidence intervals of the mean cost per woman (M-49).

    Parameters
    ----------
    config
        A config path (the bundled example when ``None`` and no ``costs``), or a prepared
        or built model. With ``costs`` it only supplies the defaults of its ``bootstrap:``
        section, the currency and the price year.
    costs
        A per-person cost table (CSV, XLSX or Parquet) with ``woman_id`` and
        ``total_cost``, optionally ``site`` (absent: one group, reported as ``all``) and
        subgroup columns, instead of the costs of the config's logs.
    scheme
        ``ordinary``, ``stratified`` (by site; the default), ``cluster`` or ``two-stage``
        (M-50), for the ``all`` and subgroup rows; a site's row is an
        ordinary bootstrap of its women.
    method
        ``percentile``, ``basic``, ``normal``, ``studentized``, ``bca`` (the default) or
        ``all`` (one row per method, from the same replicates) (M-51).
    resamples, seed, level, ties
        B, the seed (``SeedSequence(seed)``, M-3; ``None`` draws fresh entropy,
        recorded in ``settings["seed"]``), the coverage and ẑ0's ties rule (``half`` or
        ``boot``). Defaults: the config's ``bootstrap:`` section.
    fallback
        When an interval is undefined (M-51 edge cases), report the percentile interval
        with a warning instead of failing.
    by
        Subgroup columns: one row per value of each, with the chosen scheme.
    with_psa
        Joint mode (M-48): each PSA draw paired with one resample; rows for the
        ``sampling``, ``parameters`` and ``joint`` uncertainty (column ``uncertainty``).
        Percentile intervals unless ``method`` is ``normal``, ``basic`` or ``all``.
    draws
        PSA draws in joint mode (default: the config's ``psa.draws``).
    progress
        Called as ``progress(done, total)`` as replicates are made.

    Returns
    -------
    Result
        Tables ``bootstrap_ci`` (``site``, the ``by`` columns, [``uncertainty``], ``n``,
        ``mean``, ``se``, ``bias``, ``method``, ``lower``, ``upper``, ``level``, ``z0``,
        ``acceleration``, ``resamples``, ``scheme``) and ``clusters`` (M-52); the
        replicates (Parquet and CSV) and a histogram of θ* for the ``all`` row in
        ``plots``.

    Raises
    ------
    UsageError
        An option out of range (e.g. ``resamples=0``, ``level=1.5``), or options that do
        not go together (exit code 2).
    InputError
        A costs file without ``woman_id`` or ``total_cost``, with blank, non-numeric or
        negative costs, duplicate ids, a ``by`` column it does not have, or a site of
        fewer than 2 women under the stratified scheme; every problem with file, row and
        column (exit code 2). Problems of the config and logs as ``estimate``.
    ModelError
        An interval is undefined and ``fallback`` is false, naming the row and the
        reason (exit code 3); a scheme that needs units with fewer than 2.

    Examples
    --------
    >>> r = bootstrap(resamples=999, method="percentile")
    >>> r.tables["bootstrap_ci"]["site"].tolist()
    ['birmingham', 'lancashire', 'manchester', 'all']
    """
    loaded, built, prepared = _inputs_of(config, costs)
    settings = loaded.config.bootstrap if loaded is not None else BootstrapSettings()
    psa_draws = loaded.config.psa.draws if loaded is not None else 0
    notes: list[str] = []
    opts = options_of(
        settings,
        psa_draws,
        scheme=scheme,
        method=method,
        resamples=resamples,
        level=level,
        ties=ties,
        fallback=fallback,
        by=by,
        with_psa=with_psa,
        draws=draws,
        costs=costs,
        notes=notes,
    )
    st = streams(seed_number(settings.seed if seed is None else seed))
    women, inputs, built, input_notes = _women_of(loaded, built, prepared, costs, opts)
    notes = [*input_notes, *notes]
    rows = rows_of(women, opts.scheme, opts.by)
    check_bootstrap(opts.n_replicates, len(rows), joint=opts.with_psa, built=built)
    clusters, cluster_notes = cluster_table(women, opts.level)
    row_notes = RowWarnings([*notes, *cluster_notes])
    if opts.with_psa:
        assert built is not None
        joint_notes: list[str] = []
        replicates = joint_replicates(built, women, rows, opts, st, progress, joint_notes)
        row_notes.general += joint_notes
        records, primary = joint_intervals(women, rows, replicates, opts, row_notes)
    else:
        records, replicates, primary = bootstrap_rows(
            women, rows, opts, st.bootstrap, progress, row_notes
        )
    cfg = loaded.config if loaded is not None else None
    return Result(
        command="bootstrap",
        tables={"bootstrap_ci": pd.DataFrame.from_records(records), "clusters": clusters},
        currency=cfg.currency if cfg is not None else "",
        price_year=cfg.price_year if cfg is not None else "",
        perspective=cfg.perspective if costs is None and cfg is not None else None,
        inputs=inputs,
        settings=_settings_out(opts, st, built),
        warnings=row_notes.texts(),
        plots=_plots(opts, replicates, primary, cfg),
        args={
            "config": config_arg(loaded) if loaded is not None else None,
            "costs": str(Path(costs).resolve()) if costs is not None else None,
            **_args_out(opts, st),
        },
        site_women={s: int(np.count_nonzero(women.groups == s)) for s in women.site_order},
    )


def _women_of(
    loaded: LoadedConfig | None,
    built: Built | None,
    prepared: Prepared | None,
    costs: str | Path | None,
    opts: Options,
) -> tuple[WomenCosts, list[dict[str, str]], Built | None, list[str]]:
    """The women to bootstrap, the inputs' provenance, the model (if any) and its notes."""
    if costs is None:
        if built is None:
            assert loaded is not None
            built = build(prepared if prepared is not None else prepare(loaded))
        women = _from_built(built)
        check_women(women, opts.by, built.logs.subgroup_columns, opts.scheme)
        notes = [*policy_notes(built), *built.usage.notes, *price_notes(built.prep)[1]]
        return women, built.inputs(), built, notes
    cf = read_costs(costs)
    women = women_from_table(cf.frame, cf.source, cf.rows, opts.by, opts.scheme)
    inputs = [
        *(config_inputs(loaded) if loaded is not None else []),
        {"role": "costs", "path": cf.source, "sha256": cf.sha256},
    ]
    return women, inputs, None, []


def _inputs_of(
    config: ConfigArg | Prepared | Built, costs: str | Path | None
) -> tuple[LoadedConfig | None, Built | None, Prepared | None]:
    """The config (None for a costs file alone) and the model if already built or prepared."""
    if isinstance(config, Built):
        return config.prep.loaded, config, None
    if isinstance(config, Prepared):
        return config.loaded, None, config
    if config is not None or costs is None:
        return load(config), None, None
    return None, None, None


def _plots(
    opts: Options,
    replicates: dict[str, FloatArray],
    primary: dict[str, core.BootstrapInterval],
    cfg: CostingConfig | None,
) -> dict[str, Callable[[Path], None]]:
    """The replicates (Parquet and CSV) and the histogram of the ``all`` row."""
    caption = f"{cfg.currency}, {cfg.price_year} prices" if cfg is not None else ""
    shown = "all:joint" if opts.with_psa else "all"
    iv = primary[shown]
    title = (
        f"Joint bootstrap and PSA: {opts.n_replicates:,} paired draws ({iv.scheme})"
        if opts.with_psa
        else f"Bootstrap of the mean cost per woman: {iv.resamples:,} resamples ({iv.scheme})"
    )
    rep_table = pd.DataFrame(
        {"resample": np.arange(1, opts.n_replicates + 1, dtype=np.int64), **replicates}
    )
    plots: dict[str, Callable[[Path], None]] = dict(table_writers(REPLICATES, rep_table))
    plots[HISTOGRAM] = png(lambda: bootstrap_histogram(replicates[shown], iv, caption, title))
    return plots


def _settings_out(opts: Options, st: Streams, built: Built | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "statistic": "mean cost per woman (patient-weighted, M-49, M-29)",
        "scheme": opts.scheme,
        "site_rows": "ordinary bootstrap of the women of each site",
        "method": opts.method,
        "resamples": opts.resamples,
        "seed": st.seed,
        "seed_streams": list(STREAMS),
        "level": opts.level,
        "ties": opts.ties,
        "fallback": opts.fallback,
        "quantiles": "Davison-Hinkley order statistics, normal-quantile interpolation",
        "by": list(opts.by),
        "with_psa": opts.with_psa,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }
    if opts.with_psa:
        assert built is not None
        out.update(
            draws=opts.draws,
            sampling=built.config.psa.sampling,
            correlation_method=built.config.psa.correlation_method,
            chunk_size=built.config.psa.chunk_size,
        )
    return out


def _args_out(opts: Options, st: Streams) -> dict[str, Any]:
    """The options that repeat the run (``reproduce --from``)."""
    return {
        "scheme": opts.scheme,
        "method": opts.method,
        "resamples": opts.resamples,
        "seed": st.seed,
        "level": opts.level,
        "ties": opts.ties,
        "fallback": opts.fallback,
        "by": list(opts.by),
        "with_psa": opts.with_psa,
        "draws": opts.draws,
    }


__all__ = ["bootstrap"]
