"""Command ``bootstrap``: intervals of the mean cost per woman; a progress bar on a terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rapport_cost.cli.app import (
    ConfigOpt,
    DebugOpt,
    ForceOpt,
    FormatOpt,
    OutOpt,
    QuietOpt,
    SdcOpt,
    api,
    app,
    emit,
    load_config,
    output_options,
    render,
    run,
)


@app.command("bootstrap")
def bootstrap_command(
    config: ConfigOpt = None,
    costs: Annotated[
        Path | None,
        typer.Option(
            "--costs",
            help="A per-person cost table (CSV, XLSX or Parquet: woman_id, total_cost, "
            "optional site and subgroup columns) instead of the config's logs.",
            show_default=False,
        ),
    ] = None,
    scheme: Annotated[
        str | None,
        typer.Option(
            "--scheme",
            help="ordinary, stratified, cluster or two-stage (default: bootstrap.scheme, "
            "stratified by site).",
            show_default=False,
        ),
    ] = None,
    method: Annotated[
        str | None,
        typer.Option(
            "--method",
            help="percentile, basic, normal, studentized, bca or all (default: "
            "bootstrap.method, bca).",
            show_default=False,
        ),
    ] = None,
    resamples: Annotated[
        int | None,
        typer.Option(
            "--resamples", help="Resamples B (default: bootstrap.resamples).", show_default=False
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Random seed (default: bootstrap.seed).", show_default=False),
    ] = None,
    level: Annotated[
        float | None,
        typer.Option(
            "--level", help="Coverage, e.g. 0.95 (default: bootstrap.level).", show_default=False
        ),
    ] = None,
    ties: Annotated[
        str | None,
        typer.Option(
            "--ties",
            help="BCa bias correction: half (scipy) or boot (R boot) (default: bootstrap.ties).",
            show_default=False,
        ),
    ] = None,
    fallback: Annotated[
        bool,
        typer.Option(
            "--fallback",
            help="Report the percentile interval, with a warning, where the asked one is "
            "undefined (else exit 3).",
        ),
    ] = False,
    by: Annotated[
        list[str] | None,
        typer.Option("--by", help="Subgroup column (repeatable), e.g. ethnicity."),
    ] = None,
    with_psa: Annotated[
        bool,
        typer.Option(
            "--with-psa",
            help="Joint mode: each PSA draw paired with one bootstrap resample (M-48).",
        ),
    ] = False,
    draws: Annotated[
        int | None,
        typer.Option(
            "--draws",
            help="PSA draws with --with-psa (default: psa.draws).",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    sdc: SdcOpt = "none",
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Bootstrap confidence intervals of the mean cost per woman, per site and for all.

    Prints bootstrap_ci and clusters; -o FOLDER also writes the replicates (Parquet and CSV)
    and a histogram of the replicates of the all row.
    """

    def action() -> None:
        # a costs file alone needs no config (the API then uses the bootstrap defaults)
        loaded = load_config(config) if config is not None or costs is None else None
        inputs = [*(loaded.files() if loaded else []), *([costs] if costs else [])]
        dest = output_options(fmt, out, force=force, sdc=sdc, inputs=inputs)
        label = "bootstrap + PSA" if with_psa else "bootstrap"
        with render.progress_bar(label, quiet=quiet) as progress:
            result = api.bootstrap(
                loaded,
                costs=costs,
                scheme=scheme,
                method=method,
                resamples=resamples,
                seed=seed,
                level=level,
                ties=ties,
                fallback=fallback,
                by=by or [],
                with_psa=with_psa,
                draws=draws,
                progress=progress,
            )
        emit(result, dest, quiet=quiet, terminal=["bootstrap_ci", "clusters"], loaded=loaded)

    run(action, debug=debug)
