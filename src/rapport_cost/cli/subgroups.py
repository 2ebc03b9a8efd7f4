"""Command ``subgroups``: the cost per woman compared between subgroups of women."""

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
    output_options,
    run,
)


@app.command()
def subgroups(
    config: ConfigOpt = None,
    by: Annotated[
        str, typer.Option("--by", help="The subgroup column of the women log.")
    ] = "ethnicity",
    adjust: Annotated[
        str,
        typer.Option("--adjust", help="Adjustment columns, comma-separated (site always)."),
    ] = "",
    model: Annotated[
        str, typer.Option("--model", help="twopart, gamma, poisson or ols.")
    ] = "twopart",
    reference: Annotated[
        str | None,
        typer.Option(
            "--reference", help="Reference group (default: the largest).", show_default=False
        ),
    ] = None,
    horizon: Annotated[
        str | None,
        typer.Option(
            "--horizon",
            help="Cost within a horizon ('24 months'), IPCW-weighted.",
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
    scheme: Annotated[
        str, typer.Option("--scheme", help="stratified, ordinary or cluster.")
    ] = "stratified",
    merge_small: Annotated[
        bool, typer.Option("--merge-small", help="Merge groups too small to publish into 'other'.")
    ] = False,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    sdc: SdcOpt = "none",
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Compare the cost per woman between subgroups, unadjusted and adjusted (two-part GLM).

    Prints subgroup_difference; -o FOLDER writes every table and subgroup_forest.png.

    Example: rapport-cost subgroups --by ethnicity --adjust age_group --sdc nhsd2018 -o out/
    """

    def action() -> None:
        dest = output_options(fmt, out, force=force, sdc=sdc)
        result = api.run_subgroups(
            config,
            by=by,
            adjust=[a.strip() for a in adjust.split(",") if a.strip()],
            model=model,
            reference=reference,
            horizon=horizon,
            resamples=resamples,
            seed=seed,
            scheme=scheme,
            merge_small=merge_small,
            sdc_policy=sdc,
        )
        emit(result, dest, quiet=quiet, terminal=["subgroup_difference"])

    run(action, debug=debug)
