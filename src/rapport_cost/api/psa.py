"""``psa``: probabilistic sensitivity analysis of the unit-cost parameters (METHODS §2)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, get_args

import numpy as np
import numpy.typing as npt
import scipy

from rapport_cost.api.base import (
    Built,
    ConfigArg,
    Prepared,
    Result,
    build,
    choice,
    config_arg,
    price_notes,
    seed_number,
    whole_number,
)
from rapport_cost.api.estimate import policy_notes, site_women
from rapport_cost.api.limits import check_psa
from rapport_cost.api.reproduce import register_runner
from rapport_cost.arrays import FloatArray
from rapport_cost.core.analyses import psa as core
from rapport_cost.core.params.sampling import CorrelationMethod, ParameterSampler, Sampling
from rapport_cost.errors import ConfigError, RapportWarning
from rapport_cost.fileio.draws import DrawsWriter

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: ``progress(done, total)``, called after every chunk (e.g. to move a progress bar).
Progress = Callable[[int, int], None]

#: Streams spawned from ``SeedSequence(seed)`` (METHODS G-3), in this order.
STREAMS = ("psa", "bootstrap", "scores")

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


def psa_sampler(
    built: Built,
    *,
    sampling: Sampling,
    streams: dict[str, np.random.SeedSequence],
    n_draws: int,
) -> tuple[core.PsaDesign, ParameterSampler, list[str]]:
    """The PSA design of a built model and its sampler, with the warnings they raise.

    Shared by ``psa``, joint ``bootstrap`` and ``scale-up --draws`` so that the same seed
    gives the same draws in each (the ``psa`` and ``scores`` streams of :data:`STREAMS`).

    Raises
    ------
    ConfigError
        If the correlations are not valid, located in the config file.
    """
    cfg = built.config
    method: CorrelationMethod = cfg.psa.correlation_method
    try:
        design = core.psa_design(built.prep.terms.table, cfg.correlations,
                                 correlation_method=method)  # fmt: skip
    except ConfigError as exc:
        raise built.prep.loaded.error(exc.problems) from None
    notes = list(design.notes) + core.bound_warnings(design)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RapportWarning)
        sampler = core.make_sampler(
            design,
            sampling=sampling,
            correlation_method=method,
            rng=np.random.default_rng(streams["psa"]),
            score_rng=np.random.default_rng(streams["scores"]),
            n_draws=n_draws,
        )
    for w in caught:
        if issubclass(w.category, RapportWarning):
            notes.append(str(w.message))
        else:  # pragma: no cover - passed on unchanged
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return design, sampler, notes


def run_psa(
    config: ConfigArg | Prepared | Built = None,
    *,
    draws: int | None = None,
    seed: int | None = None,
    sampling: str | None = None,
    chunk_size: int | None = None,
    progress: Progress | None = None,
    out_draws: str | Path | None = None,
) -> Result:
    """Probabilistic sensitivity analysis: the unit-cost parameters drawn jointly.

    Every draw of the parameters is priced with the estimate's engine at the observed
    resource use (METHODS P-7), chunk by chunk (no loop over draws; memory is one chunk
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

    Returns
    -------
    Result
        Tables ``psa_summary`` (P-6), ``psa_convergence`` (P-5), ``psa_parameters``
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
        choice(sampling, "--sampling", get_args(Sampling))
    seed = seed_number(seed)
    built = config if isinstance(config, Built) else build(config)
    cfg = built.config
    settings = cfg.psa
    n_draws = int(settings.draws if draws is None else draws)
    chunk = int(settings.chunk_size if chunk_size is None else chunk_size)
    check_psa(built, n_draws, chunk)
    design_sampling: Sampling = settings.sampling if sampling is None else sampling  # type: ignore[assignment]
    method: CorrelationMethod = settings.correlation_method
    if seed is None:
        seed = settings.seed
    root = np.random.SeedSequence(seed)
    streams = dict(zip(STREAMS, root.spawn(len(STREAMS)), strict=True))

    terms, usage = built.prep.terms, built.usage
    notes = [*policy_notes(built), *usage.notes, *price_notes(built.prep)[1]]
    design, sampler, setup_notes = psa_sampler(
        built, sampling=design_sampling, streams=streams, n_draws=n_draws
    )
    notes += setup_notes
    if not design.blocks:
        notes.append(
            "no parameter has a distribution: every PSA draw equals the deterministic estimate"
        )

    labels = [*usage.sites, "all"]
    det_total, det_mean = built.base_costs()
    deterministic = np.vstack([det_mean[0], det_total[0]])
    outputs = core.PsaOutputs(design, n_draws, len(labels))
    writer = (
        DrawsWriter(Path(out_draws), _draw_columns(design.names, labels), DRAWS_FILES)
        if out_draws is not None
        else None
    )
    if progress is not None:
        progress(0, n_draws)
    with writer if writer is not None else nullcontext():
        if writer is not None:
            base = terms.table.base()[design.columns]
            writer.write(*_draw_block(0, base[np.newaxis, :], det_mean, det_total))
        for part in core.simulate(
            design,
            sampler,
            terms,
            usage,
            cfg.perspective,
            n_draws=n_draws,
            chunk_size=chunk,
        ):
            outputs.add(part)
            if writer is not None:
                writer.write(*_draw_block(part.start + 1, part.params, part.mean, part.total))
            if progress is not None:
                progress(outputs.filled, n_draws)
        core.check_outputs(outputs, deterministic, labels)  # a failure discards the draws

    described = core.describe_outputs(outputs)
    summary = core.summary_table(described, deterministic, labels)
    convergence = core.convergence_table(described, labels, mcse_rel_tol=settings.mcse_rel_tol)
    notes += core.convergence_warnings(
        convergence, mcse_rel_tol=settings.mcse_rel_tol, n_draws=n_draws
    )
    notes += core.divergence_warnings(summary)
    tables = {
        "psa_summary": summary,
        "psa_convergence": convergence,
        "psa_parameters": core.parameter_table(terms.table),
    }
    if design.pairs:
        tables["psa_correlations"] = core.correlation_table(outputs)
    adjustments, _ = price_notes(built.prep)
    if adjustments is not None:
        tables["price_adjustments"] = adjustments

    caption = f"{cfg.currency}, {cfg.price_year} prices"
    row = summary[(summary["quantity"] == core.QUANTITIES[0]) & (summary["site"] == "all")]
    marks = {k: float(row[k].iloc[0]) for k in ("deterministic", "mean", "q025", "q975", "mcse")}
    plots: dict[str, Callable[[Path], None]] = {}
    if writer is not None:
        plots.update(writer.files())
    plots["psa_histogram.png"] = png(
        lambda: _histogram(
            outputs.output(core.QUANTITIES[0])[-1], marks, caption, n_draws, cfg.perspective
        )
    )
    plots["psa_running_mean.png"] = png(
        lambda: _running_mean(outputs.output(core.QUANTITIES[0])[-1], marks, caption)
    )
    return Result(
        command="psa",
        tables=tables,
        currency=cfg.currency,
        price_year=cfg.price_year,
        perspective=cfg.perspective,
        inputs=built.inputs(),
        settings={
            "draws": n_draws,
            "seed": seed if seed is not None else root.entropy,
            "seed_streams": list(STREAMS),
            "sampling": design_sampling,
            "correlation_method": method,
            "chunk_size": chunk,
            "chunks": len(core.chunk_sizes(n_draws, chunk)),
            "mcse_rel_tol": settings.mcse_rel_tol,
            "quantiles": "Davison-Hinkley order statistics, normal-quantile interpolation",
            "quantile_mcse_batches": core.N_BATCHES,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "price_index": built.prep.index.name,
        },
        warnings=notes,
        plots=plots,
        args={
            "config": config_arg(built.prep.loaded),
            "draws": n_draws,
            "seed": seed if seed is not None else root.entropy,
            "sampling": design_sampling,
            "chunk_size": chunk,
        },
        site_women=site_women(built),
    )


# --------------------------------------------------------------------------- plots

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


def _histogram(
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


def _running_mean(x: FloatArray, marks: dict[str, float], caption: str) -> Figure:
    """Running mean of the mean cost per woman with a band of ±1.96 MCSE (METHODS P-5)."""
    n, mean, mcse = core.running_mean(x)
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


register_runner("psa", run_psa)
