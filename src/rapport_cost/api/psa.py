"""``psa``: probabilistic sensitivity analysis of the unit-cost parameters (M-42)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy

from rapport_cost.api import follow_up as fu_api
from rapport_cost.api.base import (
    Built,
    ConfigArg,
    Prepared,
    Result,
    build,
    choice,
    config_arg,
    policy_notes,
    prepare,
    price_notes,
    seed_number,
    site_women,
    whole_number,
)
from rapport_cost.api.draws import STREAMS, psa_chunks, streams
from rapport_cost.api.limits import check_psa
from rapport_cost.api.plots import png, psa_histogram, psa_running_mean
from rapport_cost.arrays import FloatArray
from rapport_cost.core.analyses import psa as core
from rapport_cost.core.analyses.bootstrap import quantiles
from rapport_cost.core.engine import Costs
from rapport_cost.core.params.sampling import Sampling
from rapport_cost.fileio.draws import DrawsWriter

if TYPE_CHECKING:
    pass

#: ``progress(done, total)``, called after every chunk (e.g. to move a progress bar).
Progress = Callable[[int, int], None]

#: The sampling designs (M-45).
SAMPLINGS: tuple[Sampling, ...] = get_args(Sampling)

#: Files the draws are streamed to with ``out_draws``.
DRAWS_FILES = ("psa_draws.parquet", "psa_draws.csv")


def _draw_columns(names: tuple[str, ...], labels: list[str]) -> list[str]:
    return [
        "draw",
        *names,
        *(f"{q}.{site}" for q in core.QUANTITIES for site in labels),
    ]


def _draw_block(
    first: int, params: FloatArray, mean: FloatArray, total: FloatArray
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Draw numbers and the values of a block of rows (parameters, then outputs)."""
    ids = np.arange(first, first + params.shape[0], dtype=np.int64)
    return ids, np.hstack([params, mean, total])


@dataclass
class Horizon:
    """The follow-up estimate within a horizon at every PSA draw (``psa --horizon``)."""

    settings: fu_api.Settings
    weights: list[tuple[str, FloatArray]]
    values: FloatArray

    @classmethod
    def of(cls, built: Built, horizon: object, n_draws: int) -> Horizon:
        """The horizon's weights on the built model (which has a timeline)."""
        s = fu_api.settings_of(built.config.follow_up, horizon=horizon)
        weights = fu_api.horizon_weights(built, s)
        return cls(s, weights, np.empty((len(weights), n_draws)))

    def add(self, start: int, costs: Costs) -> None:
        """The estimates of a chunk's draws."""
        for k, (_, w) in enumerate(self.weights):
            self.values[k, start : start + costs.n_rows] = costs.timeline_weighted(w)

    def table(self, base: Costs) -> pd.DataFrame:
        """Table ``psa_follow_up``: the estimate at the point values and over the draws."""
        rows = []
        for k, (site, w) in enumerate(self.weights):
            x = self.values[k]
            q025, median, q975 = (float(v) for v in quantiles(x, [0.025, 0.5, 0.975]))
            rows.append(
                {
                    "site": site,
                    "estimator": self.settings.estimator.lower(),
                    "horizon": self.settings.label,
                    "deterministic": float(base.timeline_weighted(w)[0]),
                    "mean": float(x.mean()),
                    "sd": float(x.std(ddof=1)) if x.size > 1 else float("nan"),
                    "median": median,
                    "q025": q025,
                    "q975": q975,
                }
            )
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class _Settings:
    """The PSA's settings: the options, else the config's ``psa:`` section."""

    n_draws: int
    chunk: int
    sampling: Sampling
    seed: int | None


def _settings(
    built: Built, draws: int | None, seed: int | None, sampling: str | None, chunk: int | None
) -> _Settings:
    section = built.config.psa
    return _Settings(
        n_draws=int(section.draws if draws is None else draws),
        chunk=int(section.chunk_size if chunk is None else chunk),
        sampling=section.sampling
        if sampling is None
        else choice(sampling, "--sampling", SAMPLINGS),
        seed=section.seed if seed is None else seed,
    )


def _simulate(
    built: Built,
    design: core.PsaDesign,
    chunks: Iterator[core.PsaChunk],
    s: _Settings,
    out_draws: str | Path | None,
    progress: Progress | None,
    horizon: Horizon | None = None,
) -> tuple[core.PsaOutputs, FloatArray, DrawsWriter | None]:
    """Run the draws: outputs per draw, the deterministic rows, and the draws' writer.

    With a ``horizon``, each draw's follow-up estimate of every site and all is kept in
    ``horizon.values`` too.
    """
    labels = [*built.usage.sites, "all"]
    base = built.costs()
    deterministic = np.vstack([base.mean_per_woman[0], base.total[0]])
    outputs = core.PsaOutputs(design, s.n_draws, len(labels))
    writer = (
        DrawsWriter(Path(out_draws), _draw_columns(design.names, labels), DRAWS_FILES)
        if out_draws is not None
        else None
    )
    if progress is not None:
        progress(0, s.n_draws)
    with writer if writer is not None else nullcontext():
        if writer is not None:
            row = built.prep.terms.table.base()[design.columns][np.newaxis, :]
            writer.write(*_draw_block(0, row, base.mean_per_woman, base.total))
        for part in chunks:
            outputs.add(part.start, part.params, part.mean, part.total)
            if horizon is not None:
                horizon.add(part.start, part.costs)
            if writer is not None:
                writer.write(*_draw_block(part.start + 1, part.params, part.mean, part.total))
            if progress is not None:
                progress(outputs.filled, s.n_draws)
        core.check_outputs(outputs, deterministic, labels)  # a failure discards the draws
    return outputs, deterministic, writer


def _tables(
    built: Built, design: core.PsaDesign, outputs: core.PsaOutputs, deterministic: FloatArray
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Tables ``psa_summary``, ``psa_convergence``, ``psa_parameters`` (and correlations)."""
    section = built.config.psa
    labels = [*built.usage.sites, "all"]
    described = core.describe_outputs(outputs)
    summary = core.summary_table(described, deterministic, labels)
    convergence = core.convergence_table(described, labels, mcse_rel_tol=section.mcse_rel_tol)
    notes = core.convergence_warnings(
        convergence, mcse_rel_tol=section.mcse_rel_tol, n_draws=outputs.n_draws
    )
    notes += core.divergence_warnings(summary)
    tables = {
        "psa_summary": summary,
        "psa_convergence": convergence,
        "psa_parameters": core.parameter_table(built.prep.terms.table),
    }
    if design.pairs:
        tables["psa_correlations"] = core.correlation_table(outputs)
    adjustments, _ = price_notes(built.prep)
    if adjustments is not None:
        tables["price_adjustments"] = adjustments
    return tables, notes


def _plots(
    built: Built, summary: pd.DataFrame, outputs: core.PsaOutputs, writer: DrawsWriter | None
) -> dict[str, Callable[[Path], None]]:
    cfg = built.config
    caption = f"{cfg.currency}, {cfg.price_year} prices"
    row = summary[(summary["quantity"] == core.QUANTITIES[0]) & (summary["site"] == "all")]
    marks = {k: float(row[k].iloc[0]) for k in ("deterministic", "mean", "q025", "q975", "mcse")}
    x = outputs.output(core.QUANTITIES[0])[-1]
    plots: dict[str, Callable[[Path], None]] = {}
    if writer is not None:
        plots.update(writer.files())
    plots["psa_histogram.png"] = png(
        lambda: psa_histogram(x, marks, caption, outputs.n_draws, cfg.perspective)
    )
    plots["psa_running_mean.png"] = png(lambda: psa_running_mean(x, marks, caption))
    return plots


def run_psa(
    config: ConfigArg | Prepared | Built = None,
    *,
    draws: int | None = None,
    seed: int | None = None,
    sampling: str | None = None,
    chunk_size: int | None = None,
    progress: Progress | None = None,
    out_draws: str | Path | None = None,
    horizon: object = None,
) -> Result:
    """Probabilistic sensitivity analysis: the unit-cost parameters drawn jointly.

    Every draw of the parameters is priced with the estimate's engine at the observed
    resource use (M-48), chunk by chunk (no loop over draws; memory is one chunk
    plus two floats per site and draw).

    Parameters
    ----------
    config
        A config path (the bundled example when ``None``), or a prepared or built model.
    draws, seed, sampling, chunk_size
        Override the config's ``psa:`` section. ``seed=None`` with no seed in the config
        draws fresh entropy, which is recorded in ``settings["seed"]``.
    progress
        Called as ``progress(done, total)``: with 0 before the first chunk, then after each.
    out_draws
        The folder the result will be written to (``rapport-cost psa -o FOLDER``). When
        given, every draw (its parameters and outputs) is streamed to Parquet and CSV
        files while the PSA runs, and ``result.plots`` carries them as
        ``psa_draws.parquet`` and ``psa_draws.csv`` beside the PNG plots. Row ``draw = 0``
        is the deterministic base case; draws 1 to N follow.
    horizon
        A length of time (``24 months``): also the mean cost per woman within it (the
        config's follow-up estimator, M-65 to M-74) at every draw, table ``psa_follow_up``.

    Returns
    -------
    Result
        Tables ``psa_summary`` (M-47), ``psa_convergence`` (M-46), ``psa_parameters``
        (CHEERS item 22), ``psa_correlations`` when the config has correlations, and
        ``price_adjustments`` when a price year was converted; PNG plots in ``plots``.

    Raises
    ------
    UsageError
        If ``draws``, ``seed``, ``sampling`` or ``chunk_size`` is invalid.
    ConfigError
        If a correlation names an unknown parameter or a Dirichlet share, or the
        correlations are not positive definite; each located in the config file.
    ModelError
        If the draws cannot be costed (e.g. zero working hours in a draw).
    ExportError
        If the draws cannot be streamed to ``out_draws``.
    """
    # The options first (the config's own psa: section is validated with the config).
    if draws is not None:
        whole_number(draws, "--draws", 1)
    if chunk_size is not None:
        whole_number(chunk_size, "chunk_size", 1)
    if sampling is not None:
        choice(sampling, "--sampling", SAMPLINGS)
    if horizon is not None and not (isinstance(config, Built) and config.usage.timeline):
        prep = config.prep if isinstance(config, Built) else config
        built = build(prep if isinstance(prep, Prepared) else prepare(prep), timeline=True)
    else:
        built = config if isinstance(config, Built) else build(config)
    cfg = built.config
    s = _settings(built, draws, seed_number(seed), sampling, chunk_size)
    check_psa(built, s.n_draws, s.chunk)
    st = streams(s.seed)
    notes = [*policy_notes(built), *built.usage.notes, *price_notes(built.prep)[1]]
    design, chunks, setup_notes = psa_chunks(
        built, streams=st, n_draws=s.n_draws, sampling=s.sampling, chunk_size=s.chunk
    )
    notes += setup_notes
    if not design.blocks:
        notes.append(
            "no parameter has a distribution: every PSA draw equals the deterministic estimate"
        )
    follow = None if horizon is None else Horizon.of(built, horizon, s.n_draws)
    outputs, deterministic, writer = _simulate(
        built, design, chunks, s, out_draws, progress, follow
    )
    tables, table_notes = _tables(built, design, outputs, deterministic)
    if follow is not None:
        tables["psa_follow_up"] = follow.table(built.costs())
    return Result(
        command="psa",
        tables=tables,
        currency=cfg.currency,
        price_year=cfg.price_year,
        perspective=cfg.perspective,
        inputs=built.inputs(),
        settings={
            "draws": s.n_draws,
            "seed": st.seed,
            "seed_streams": list(STREAMS),
            "sampling": s.sampling,
            "correlation_method": cfg.psa.correlation_method,
            "chunk_size": s.chunk,
            "chunks": len(core.chunk_sizes(s.n_draws, s.chunk)),
            "mcse_rel_tol": cfg.psa.mcse_rel_tol,
            "quantiles": "Davison-Hinkley order statistics, normal-quantile interpolation",
            "quantile_mcse_batches": core.N_BATCHES,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "price_index": built.prep.index.name,
        },
        warnings=notes + table_notes,
        plots=_plots(built, tables["psa_summary"], outputs, writer),
        args={
            "config": config_arg(built.prep.loaded),
            "draws": s.n_draws,
            "seed": st.seed,
            "sampling": s.sampling,
            "chunk_size": s.chunk,
            "horizon": None if follow is None else follow.settings.horizon,
        },
        site_women=site_women(built),
    )
