"""Command ``follow-up``: the mean cost per woman within a horizon, under censoring."""

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
    output_options,
    run,
)


@app.command("follow-up")
def follow_up(
    config: ConfigOpt = None,
    horizon: Annotated[
        str | None,
        typer.Option(
            "--horizon",
            help="e.g. '24 months', '3 years', '730 days' (default: the config's follow_up).",
            show_default=False,
        ),
    ] = None,
    interval: Annotated[
        str | None,
        typer.Option(
            "--interval", help="Interval of the curve (default 1 month).", show_default=False
        ),
    ] = None,
    estimator: Annotated[
        str | None,
        typer.Option(
            "--estimator", help="btp (default), bt, zt, lin, cc or ad.", show_default=False
        ),
    ] = None,
    origin: Annotated[
        str | None,
        typer.Option("--origin", help="admission (default) or discharge.", show_default=False),
    ] = None,
    costs: Annotated[
        Path | None,
        typer.Option(
            "--costs",
            help="A cost history (id, start, stop, cost, delta, surv) instead of the logs.",
            show_default=False,
        ),
    ] = None,
    resamples: Annotated[
        int | None,
        typer.Option("--resamples", help="Bootstrap resamples (default 999).", show_default=False),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", help="Random seed (default: the config's bootstrap.seed).", show_default=False
        ),
    ] = None,
    span_offset: Annotated[
        float,
        typer.Option(
            "--span-offset",
            help="With --costs: ccostr's addInterPol (1 reproduces ccostr; default 0, uniform).",
        ),
    ] = 0.0,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    sdc: SdcOpt = "none",
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Mean cost per woman within a horizon when follow-up differs (Lin, Bang-Tsiatis, Zhao-Tian).

    Prints follow_up_summary; -o FOLDER also writes cumulative_cost and cumulative_cost.png.

    Example: rapport-cost follow-up --horizon '24 months' -o out/
    """

    def action() -> None:
        dest = output_options(fmt, out, force=force, sdc=sdc)
        result = api.run_follow_up(
            config,
            horizon=horizon,
            interval=interval,
            estimator=estimator,
            origin=origin,
            costs=costs,
            resamples=resamples,
            seed=seed,
            span_offset=span_offset,
        )
        emit(result, dest, quiet=quiet, terminal=["follow_up_summary"])

    run(action, debug=debug)
