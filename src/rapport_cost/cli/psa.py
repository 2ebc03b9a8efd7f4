"""Command ``psa``: probabilistic sensitivity analysis, with a progress bar on a terminal."""

from __future__ import annotations

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


@app.command()
def psa(
    config: ConfigOpt = None,
    draws: Annotated[
        int | None,
        typer.Option(
            "--draws", help="Number of draws (default: the config's psa.draws).", show_default=False
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", help="Random seed (default: the config's psa.seed).", show_default=False
        ),
    ] = None,
    sampling: Annotated[
        str | None,
        typer.Option(
            "--sampling",
            help="mc, lhs or sobol (default: the config's psa.sampling).",
            show_default=False,
        ),
    ] = None,
    horizon: Annotated[
        str | None,
        typer.Option(
            "--horizon",
            help="Also the mean cost within a horizon ('24 months') at every draw.",
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
    """Probabilistic sensitivity analysis: the unit-cost parameters drawn jointly.

    Prints psa_summary; -o FOLDER also writes every draw (Parquet and CSV) and PNG plots.
    """

    def action() -> None:
        loaded = load_config(config)
        dest = output_options(fmt, out, force=force, sdc=sdc, inputs=loaded.files())
        with render.progress_bar("PSA", quiet=quiet) as progress:
            result = api.run_psa(
                loaded,
                draws=draws,
                seed=seed,
                sampling=sampling,
                progress=progress,
                out_draws=dest.folder,
                horizon=horizon,
            )
        shown = ["psa_summary", *(["psa_follow_up"] if horizon is not None else [])]
        emit(result, dest, quiet=quiet, terminal=shown, loaded=loaded)

    run(action, debug=debug)
